//! LAW-6, RU 3:4 lid 2, GDPR 35-36: a DPIA before high-risk processing starts.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::{DataSubjectCategory, ResidualRisk};

pub const RULES: &[Rule] = &[
    Rule {
        id: "law6-screening-missing",
        severity: Severity::Warning,
        requirement: "LAW-6",
        article: "RU 3:4 lid 2",
        message: Text { nl: "Deze verwerking heeft kenmerken van hoog risico ({detail}) maar er is geen DPIA-toets vastgelegd.", en: "This processing shows signs of high risk ({detail}) but no DPIA screening is recorded." },
        fix: Text { nl: "Toets de verwerking aan de negen criteria van WP248 en de lijst van de AP.", en: "Screen the processing against the nine WP248 criteria and the AP's list." },
    },
    Rule {
        id: "law6-dpia-missing",
        severity: Severity::Error,
        requirement: "LAW-6",
        article: "RU 3:4 lid 2; GDPR 35(1)",
        message: Text { nl: "De toets wijst uit dat een DPIA verplicht is, maar er is geen DPIA.", en: "The screening shows a DPIA is required, but there is none." },
        fix: Text { nl: "Voer de DPIA uit voordat de verwerking begint, met advies van de FG.", en: "Carry out the DPIA before the processing starts, with the DPO's advice." },
    },
    Rule {
        id: "law6-dpia-not-approved",
        severity: Severity::Error,
        requirement: "LAW-6",
        article: "RU 3:4 lid 2; GDPR 35(2)",
        message: Text { nl: "De DPIA is nog niet afgerond: {detail} ontbreekt.", en: "The DPIA is not finished: {detail} is missing." },
        fix: Text { nl: "Vraag het advies van de FG, bepaal het restrisico en laat de DPIA vaststellen.", en: "Obtain the DPO's advice, determine the residual risk and have the DPIA approved." },
    },
    Rule {
        id: "law6-prior-consultation",
        severity: Severity::Error,
        requirement: "LAW-6",
        article: "GDPR 36(1)",
        message: Text { nl: "Er blijft een hoog restrisico over en de AP is niet voorafgaand geraadpleegd.", en: "A high residual risk remains and the AP was not consulted beforehand." },
        fix: Text { nl: "Neem aanvullende maatregelen of raadpleeg de AP voordat de verwerking begint.", en: "Take further measures, or consult the AP before the processing starts." },
    },
];

/// Signs that call for a screening, by name.
fn signs(a: &Activity) -> Vec<&'static str> {
    let mut s = Vec::new();
    if a.has_special_categories() {
        s.push("special_category");
    }
    if a.data_categories
        .iter()
        .any(|c| c.category.is_criminal() || c.category.is_national_id())
    {
        s.push("criminal_or_national_id");
    }
    if a.data_subjects
        .iter()
        .any(|d| d.is_child() || *d == DataSubjectCategory::Minor)
    {
        s.push("children");
    }
    if a.profiling || a.automated_decision_making {
        s.push("profiling");
    }
    if a.camera.is_some() {
        s.push("camera_surveillance");
    }
    s
}

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let Some(screening) = &a.dpia_screening else {
        let s = signs(a);
        if !s.is_empty() && a.dpia.is_none() {
            out.emit("law6-screening-missing", "dpia_screening", &s.join(", "));
        }
        return;
    };
    if !screening.dpia_required() {
        return;
    }
    let Some(dpia) = &a.dpia else {
        out.emit("law6-dpia-missing", "dpia", "");
        return;
    };
    let mut missing = Vec::new();
    if dpia.dpo_advice.trim().is_empty() {
        missing.push("dpo_advice");
    }
    if dpia.residual_risk.is_none() {
        missing.push("residual_risk");
    }
    if dpia.approved_on.is_none() {
        missing.push("approved_on");
    }
    if let Some(first) = missing.first() {
        out.emit(
            "law6-dpia-not-approved",
            format!("dpia.{first}"),
            &missing.join(", "),
        );
    }
    if dpia.residual_risk == Some(ResidualRisk::High) && dpia.prior_consultation_on.is_none() {
        out.emit("law6-prior-consultation", "dpia.prior_consultation_on", "");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{clean, fired};
    use crate::register::{Dpia, DpiaScreening};
    use crate::vocab::*;
    use chrono::NaiveDate;

    #[test]
    fn from_screening_to_approved_dpia() {
        let mut a = clean();
        a.profiling = true;
        assert_eq!(fired(&a), ["law6-screening-missing"]);
        a.dpia_screening = Some(DpiaScreening {
            criteria: vec![Wp248Criterion::EvaluationScoring],
            ..Default::default()
        });
        assert!(fired(&a).is_empty(), "one criterion: no DPIA needed");
        a.dpia_screening
            .as_mut()
            .unwrap()
            .criteria
            .push(Wp248Criterion::LargeScale);
        assert_eq!(fired(&a), ["law6-dpia-missing"]);
        a.dpia = Some(Dpia::default());
        assert_eq!(fired(&a), ["law6-dpia-not-approved"]);
        let d = a.dpia.as_mut().unwrap();
        d.dpo_advice = "Positief, mits pseudonimisering".into();
        d.residual_risk = Some(ResidualRisk::High);
        d.approved_on = NaiveDate::from_ymd_opt(2026, 3, 1);
        assert_eq!(fired(&a), ["law6-prior-consultation"]);
        a.dpia.as_mut().unwrap().prior_consultation_on = NaiveDate::from_ymd_opt(2026, 2, 1);
        assert!(fired(&a).is_empty());
    }

    #[test]
    fn one_listed_type_is_enough() {
        let mut a = clean();
        a.dpia_screening = Some(DpiaScreening {
            ap_list: vec![ApListType::EmployeeMonitoring],
            ..Default::default()
        });
        assert_eq!(fired(&a), ["law6-dpia-missing"]);
    }
}
