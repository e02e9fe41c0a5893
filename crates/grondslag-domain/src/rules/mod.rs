//! The rule catalogue (LAW-12): every rule of the policies as a pure function over the
//! register. A finding names its rule, severity, the requirement and article it comes from,
//! the field it concerns, and says in Dutch and English what is wrong and how to fix it.
//!
//! Research and statistics are out of scope of RU (REG-5) and get no findings; retired
//! activities are history and get none either.

mod cam_camera;
mod con02_consent;
mod con04_objection;
mod law01_basis;
mod law02_lia;
mod law03_special;
mod law04_national_id;
mod law05_automated;
mod law06_dpia;
mod law07_processors;
mod law08_transfers;
mod law10_retention;
mod law11_information;
mod reg01_fields;
mod soc_social;

pub use law10_retention::effective_retention;

use crate::register::{Activity, ActivityRecord, Processor, Status};
use crate::transfers::TransferRules;
use crate::Lang;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A sentence in both languages. `{detail}` in it is replaced by the finding's detail.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Text {
    pub nl: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nl => self.nl,
            Lang::En => self.en,
        }
    }
}

/// A rule of the catalogue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    /// Stable id, e.g. `law2-lia-missing`.
    pub id: &'static str,
    pub severity: Severity,
    /// The requirement id, e.g. `LAW-2`.
    pub requirement: &'static str,
    /// The article it implements, e.g. `RU 3:2 lid 1 f; UM 3.1`.
    pub article: &'static str,
    pub message: Text,
    pub fix: Text,
}

/// One problem in one activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub activity_id: String,
    /// The field concerned, as an interchange path (`data_categories[1].legal_basis`).
    pub path: String,
    pub requirement: &'static str,
    pub article: &'static str,
    pub message_nl: String,
    pub message_en: String,
    pub fix_nl: &'static str,
    pub fix_en: &'static str,
}

impl Finding {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.message_nl,
            Lang::En => &self.message_en,
        }
    }

    pub fn fix(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => self.fix_nl,
            Lang::En => self.fix_en,
        }
    }
}

/// What the rules need besides the activity: the date, the processors and the transfer rules.
pub struct Context<'a> {
    pub today: NaiveDate,
    pub processors: HashMap<&'a str, &'a Processor>,
    pub transfers: &'a TransferRules,
}

impl<'a> Context<'a> {
    pub fn new(
        today: NaiveDate,
        processors: &'a [Processor],
        transfers: &'a TransferRules,
    ) -> Self {
        Self {
            today,
            processors: processors.iter().map(|p| (p.id.as_str(), p)).collect(),
            transfers,
        }
    }
}

/// Collects findings for one activity.
pub(crate) struct Out<'a> {
    activity_id: &'a str,
    findings: Vec<Finding>,
}

impl Out<'_> {
    /// Records a finding of rule `id` at `path`; `detail` fills `{detail}` in the message.
    pub(crate) fn emit(&mut self, id: &str, path: impl Into<String>, detail: &str) {
        let rule = rule(id).unwrap_or_else(|| panic!("rule {id} is in the catalogue"));
        self.findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            activity_id: self.activity_id.to_string(),
            path: path.into(),
            requirement: rule.requirement,
            article: rule.article,
            message_nl: rule.message.nl.replace("{detail}", detail),
            message_en: rule.message.en.replace("{detail}", detail),
            fix_nl: rule.fix.nl,
            fix_en: rule.fix.en,
        });
    }
}

type Check = fn(&Context<'_>, &Activity, &mut Out<'_>);

const CHECKS: &[Check] = &[
    reg01_fields::check,
    law01_basis::check,
    law02_lia::check,
    law03_special::check,
    law04_national_id::check,
    law05_automated::check,
    law06_dpia::check,
    law07_processors::check,
    law08_transfers::check,
    law10_retention::check,
    law11_information::check,
    con02_consent::check,
    con04_objection::check,
    cam_camera::check,
    soc_social::check,
];

/// Every rule, in catalogue order.
pub fn catalogue() -> Vec<&'static Rule> {
    [
        reg01_fields::RULES,
        law01_basis::RULES,
        law02_lia::RULES,
        law03_special::RULES,
        law04_national_id::RULES,
        law05_automated::RULES,
        law06_dpia::RULES,
        law07_processors::RULES,
        law08_transfers::RULES,
        law10_retention::RULES,
        law11_information::RULES,
        con02_consent::RULES,
        con04_objection::RULES,
        cam_camera::RULES,
        soc_social::RULES,
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn rule(id: &str) -> Option<&'static Rule> {
    catalogue().into_iter().find(|r| r.id == id)
}

/// The findings for one activity.
pub fn check_activity(ctx: &Context<'_>, id: &str, status: Status, a: &Activity) -> Vec<Finding> {
    if a.research_out_of_scope || status == Status::Retired {
        return Vec::new();
    }
    let mut out = Out {
        activity_id: id,
        findings: Vec::new(),
    };
    for check in CHECKS {
        check(ctx, a, &mut out);
    }
    out.findings
}

/// The findings for a whole register, activity by activity.
pub fn check_register(ctx: &Context<'_>, activities: &[ActivityRecord]) -> Vec<Finding> {
    activities
        .iter()
        .flat_map(|r| check_activity(ctx, &r.id, r.status, &r.activity))
        .collect()
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_every_rule_cites_and_explains() {
        let mut seen = std::collections::HashSet::new();
        for r in catalogue() {
            assert!(seen.insert(r.id), "{} twice", r.id);
            assert!(
                r.requirement.contains('-') && !r.article.is_empty(),
                "{}",
                r.id
            );
            for t in [r.message.nl, r.message.en, r.fix.nl, r.fix.en] {
                assert!(t.len() > 10, "{}: {t:?}", r.id);
            }
        }
    }
}
