//! A processing activity with every field of RU 2:8 lid 3 (a-h) as structured data (REG-1),
//! and its versions (REG-2).

use super::{
    check_country, check_email, check_text, Dpia, DpiaScreening, LegitimateInterestAssessment,
    Status, SubjectInformation,
};
use crate::vocab::{
    Art9Exception, CameraPurpose, ConsentMethod, DataOrigin, DataSubjectCategory, EndAction,
    LegalBasis, PeriodUnit, PersonalDataCategory, Purpose, RecipientKind, SecurityMeasure,
    SocialChannel, SocialProcessing, Term, TransferMechanism,
};
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The content of one version of a processing activity. Everything but the name and unit
/// may be left open in a draft: gaps are compliance findings, not input errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Activity {
    /// A short name that says what happens, e.g. "Student administration (OSIRIS)".
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The key of the responsible unit (RU 2:8 lid 1).
    pub unit: String,
    /// (a) Purposes (RU 2:8 lid 3 a).
    #[serde(default)]
    pub purposes: Vec<Purpose>,
    /// (a) The purposes in the unit's own words.
    #[serde(default)]
    pub purpose_description: String,
    /// (b) Who has access to the data (RU 2:8 lid 3 b).
    #[serde(default)]
    pub access_holders: String,
    /// (d) Where the data comes from (RU 2:8 lid 3 d).
    #[serde(default)]
    pub data_origins: Vec<DataOrigin>,
    #[serde(default)]
    pub origin_description: String,
    /// (e) Categories of data subjects (RU 2:8 lid 3 e).
    #[serde(default)]
    pub data_subjects: Vec<DataSubjectCategory>,
    /// (c, e, g) Categories of personal data, each with its own legal basis (RU 3:2 lid 2)
    /// and retention period.
    #[serde(default)]
    pub data_categories: Vec<DataCategoryEntry>,
    /// (f) Recipients, including those in third countries (RU 2:8 lid 3 f).
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// (h) Security measures from the catalogue (RU 2:8 lid 3 h, SEC-1).
    #[serde(default)]
    pub security_measures: Vec<SecurityMeasure>,
    #[serde(default)]
    pub security_description: String,
    /// Solely automated decisions with legal or similar effect (RU 4:8, LAW-5).
    #[serde(default)]
    pub automated_decision_making: bool,
    /// Profiling (UM 4.3, LAW-5).
    #[serde(default)]
    pub profiling: bool,
    /// A person reviews automated outcomes (RU 4:8 lid 3).
    #[serde(default)]
    pub human_intervention: bool,
    /// Camera surveillance details (RU ch. 5), when the activity is camera surveillance.
    #[serde(default)]
    pub camera: Option<CameraSurveillance>,
    /// Social-media processing details (UM), when the activity uses social media.
    #[serde(default)]
    pub social_media: Option<SocialMedia>,
    /// Scientific research or statistics: outside the scope of RU (REG-5).
    #[serde(default)]
    pub research_out_of_scope: bool,
    /// Only aggregated data, which is not personal data (REG-6).
    #[serde(default)]
    pub aggregated_only: bool,
    /// The domain owner who answers for the activity (RU 2:8 lid 1).
    #[serde(default)]
    pub domain_owner: String,
    /// The contact person, usually the unit's privacy manager (RU 2:8 lid 2).
    #[serde(default)]
    pub contact: Contact,
    /// The university's own databases that hold this activity's data, by the names of their
    /// data-store manifests (docs/datastores.md): where data-subject requests are fulfilled.
    #[serde(default)]
    pub data_stores: Vec<String>,
    /// How consent is asked and recorded, where a category rests on consent (CON-1, CON-2).
    #[serde(default)]
    pub consent_methods: Vec<ConsentMethod>,
    /// Consent is asked for explicitly: an express, separate statement, as automated
    /// decisions and profiling require (RU 4:8 lid 2, UM 4.3, LAW-5, CON-1).
    #[serde(default)]
    pub explicit_consent: bool,
    /// Before each use, people on the objection list are left out (CON-4, RU 4:4 lid 2).
    #[serde(default)]
    pub objection_list_applied: bool,
    /// How and when subjects are informed when data is not collected from them (LAW-11).
    #[serde(default)]
    pub subject_information: Option<SubjectInformation>,
    /// The legitimate-interest assessment (LAW-2, UM 3.1).
    #[serde(default)]
    pub legitimate_interest_assessment: Option<LegitimateInterestAssessment>,
    /// The DPIA screening (LAW-6).
    #[serde(default)]
    pub dpia_screening: Option<DpiaScreening>,
    /// The DPIA, when one was done (LAW-6).
    #[serde(default)]
    pub dpia: Option<Dpia>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Contact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// One category of personal data with its legal basis (RU 3:2 lid 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataCategoryEntry {
    pub category: PersonalDataCategory,
    /// What exactly is processed, e.g. "home address and term-time address".
    #[serde(default)]
    pub description: String,
    /// The basis of GDPR 6(1) for this category.
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    /// For special categories and criminal data: the GDPR 9(2) / 10 exception (RU 3:3).
    #[serde(default)]
    pub art9_exception: Option<Art9Exception>,
    /// For national identification numbers: the act and article that allow it (RU 3:3).
    #[serde(default)]
    pub statutory_basis: String,
    /// (g) How long this category is kept (RU 2:8 lid 3 g, RU 3:8).
    #[serde(default)]
    pub retention: Option<Retention>,
}

impl DataCategoryEntry {
    /// A special category of RU art. 1 lid 2.
    pub fn is_special(&self) -> bool {
        self.category.is_special()
    }
}

/// A retention period (RU 3:8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Retention {
    pub period: u32,
    pub unit: PeriodUnit,
    /// The event the period counts from, e.g. "after the end of enrolment".
    #[serde(default)]
    pub starts: String,
    /// Where the period comes from: an act, the Selectielijst, a Board decision.
    #[serde(default)]
    pub source: String,
    #[serde(default = "default_end_action")]
    pub end_action: EndAction,
}

fn default_end_action() -> EndAction {
    EndAction::Destroy
}

/// A recipient of the data (RU 2:8 lid 3 f).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Recipient {
    pub name: String,
    pub kind: RecipientKind,
    /// Where the recipient processes the data (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub country: String,
    /// For a processor: the key of its processor record.
    #[serde(default)]
    pub processor: Option<String>,
    /// For a recipient outside the EEA: how the transfer is made lawful (RU 3:9 lid 4).
    #[serde(default)]
    pub transfer_mechanism: Option<TransferMechanism>,
    /// The safeguards in words, and where their documents are.
    #[serde(default)]
    pub safeguards: String,
    /// A US recipient certified under the EU-US Data Privacy Framework (adequacy applies to
    /// certified organisations only).
    #[serde(default)]
    pub dpf_certified: bool,
}

/// Camera surveillance (RU 5:1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CameraSurveillance {
    #[serde(default)]
    pub purposes: Vec<CameraPurpose>,
    /// Where the cameras are.
    #[serde(default)]
    pub locations: String,
    /// Cameras are clearly signposted (RU 5:1 lid 2).
    #[serde(default)]
    pub signposted: bool,
    /// Images are stored, not only watched live.
    #[serde(default)]
    pub images_stored: bool,
    /// How long stored images are kept without an incident, in days (RU 5:1 lid 3: at most
    /// four weeks).
    #[serde(default)]
    pub storage_days: Option<u32>,
}

/// Social-media processing (UM).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SocialMedia {
    #[serde(default)]
    pub forms: Vec<SocialProcessing>,
    #[serde(default)]
    pub channels: Vec<SocialChannel>,
    /// WhatsApp or a similar tool is used for conversations, not only broadcasting (UM 6).
    #[serde(default)]
    pub two_way_conversation: bool,
}

/// An activity as the register holds it: its identity, where it is in the workflow, its
/// current content and its earlier versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActivityRecord {
    /// A UUID that never changes.
    pub id: String,
    pub status: Status,
    /// The number of the current version; every save adds one (REG-2).
    pub version: u32,
    pub saved_at: DateTime<Utc>,
    /// Who saved the current version.
    pub saved_by: String,
    #[serde(flatten)]
    pub activity: Activity,
    /// Earlier versions, oldest first.
    #[serde(default)]
    pub history: Vec<ActivityVersion>,
}

/// One earlier version of an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActivityVersion {
    pub version: u32,
    pub status: Status,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    #[serde(flatten)]
    pub activity: Activity,
}

fn check_unique<T: Term>(e: &mut ValidationErrors, path: &str, items: &[T]) {
    let mut seen = HashSet::new();
    for (i, t) in items.iter().enumerate() {
        if !seen.insert(t.machine_name()) {
            e.add(
                format!("{path}[{i}]"),
                "duplicate",
                format!("\"{}\" is listed twice", t.machine_name()),
            );
        }
    }
}

impl Activity {
    /// Checks the activity on its own. References to units and processors are checked by
    /// [`Activity::validate_references`], which needs the rest of the register.
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, true, 200);
        check_text(&mut e, "description", &self.description, false, 10_000);
        if self.unit.trim().is_empty() {
            e.add("unit", "required", "is required");
        }
        check_text(
            &mut e,
            "purpose_description",
            &self.purpose_description,
            false,
            10_000,
        );
        check_text(&mut e, "access_holders", &self.access_holders, false, 4000);
        check_text(
            &mut e,
            "origin_description",
            &self.origin_description,
            false,
            4000,
        );
        check_text(
            &mut e,
            "security_description",
            &self.security_description,
            false,
            10_000,
        );
        check_text(&mut e, "domain_owner", &self.domain_owner, false, 200);
        check_text(&mut e, "contact.name", &self.contact.name, false, 200);
        check_email(&mut e, "contact.email", &self.contact.email);
        check_unique(&mut e, "purposes", &self.purposes);
        check_unique(&mut e, "data_origins", &self.data_origins);
        check_unique(&mut e, "data_subjects", &self.data_subjects);
        check_unique(&mut e, "security_measures", &self.security_measures);
        check_unique(&mut e, "consent_methods", &self.consent_methods);
        for (i, name) in self.data_stores.iter().enumerate() {
            if self.data_stores[..i].contains(name) {
                e.add(
                    format!("data_stores[{i}]"),
                    "duplicate",
                    format!("{name} is named twice"),
                );
            } else if let Err(why) = crate::datastore::Ident::parse(name) {
                e.add(
                    format!("data_stores[{i}]"),
                    "invalid_format",
                    format!("{why}; expected the name of a data-store manifest"),
                );
            }
        }
        if let Some(i) = &self.subject_information {
            check_text(&mut e, "subject_information.method", &i.method, false, 4000);
        }
        for (i, c) in self.data_categories.iter().enumerate() {
            let p = format!("data_categories[{i}]");
            check_text(
                &mut e,
                &format!("{p}.description"),
                &c.description,
                false,
                2000,
            );
            check_text(
                &mut e,
                &format!("{p}.statutory_basis"),
                &c.statutory_basis,
                false,
                500,
            );
            if let Some(r) = &c.retention {
                if r.period == 0 {
                    e.add(
                        format!("{p}.retention.period"),
                        "out_of_range",
                        "must be at least 1",
                    );
                }
                check_text(
                    &mut e,
                    &format!("{p}.retention.starts"),
                    &r.starts,
                    false,
                    500,
                );
                check_text(
                    &mut e,
                    &format!("{p}.retention.source"),
                    &r.source,
                    false,
                    500,
                );
            }
        }
        for (i, r) in self.recipients.iter().enumerate() {
            let p = format!("recipients[{i}]");
            check_text(&mut e, &format!("{p}.name"), &r.name, true, 200);
            check_country(&mut e, &format!("{p}.country"), &r.country, false);
            check_text(
                &mut e,
                &format!("{p}.safeguards"),
                &r.safeguards,
                false,
                4000,
            );
            if r.processor.is_some() && r.kind != RecipientKind::Processor {
                e.add(
                    format!("{p}.processor"),
                    "not_allowed",
                    "only a recipient of kind processor refers to a processor record",
                );
            }
        }
        if let Some(c) = &self.camera {
            check_unique(&mut e, "camera.purposes", &c.purposes);
            check_text(&mut e, "camera.locations", &c.locations, false, 4000);
            if c.storage_days == Some(0) {
                e.add(
                    "camera.storage_days",
                    "out_of_range",
                    "must be at least 1, or left out when nothing is stored",
                );
            }
        }
        if let Some(d) = &self.dpia_screening {
            check_unique(&mut e, "dpia_screening.criteria", &d.criteria);
            check_unique(&mut e, "dpia_screening.ap_list", &d.ap_list);
        }
        if let Some(s) = &self.social_media {
            check_unique(&mut e, "social_media.forms", &s.forms);
            check_unique(&mut e, "social_media.channels", &s.channels);
        }
        e
    }

    /// Checks that the unit and processors this activity names exist.
    pub fn validate_references(
        &self,
        unit_exists: impl Fn(&str) -> bool,
        processor_exists: impl Fn(&str) -> bool,
    ) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        if !self.unit.trim().is_empty() && !unit_exists(&self.unit) {
            e.add(
                "unit",
                "unknown_reference",
                format!("no unit has the key \"{}\"", self.unit),
            );
        }
        for (i, r) in self.recipients.iter().enumerate() {
            if let Some(key) = &r.processor {
                if !processor_exists(key) {
                    e.add(
                        format!("recipients[{i}].processor"),
                        "unknown_reference",
                        format!("no processor has the key \"{key}\""),
                    );
                }
            }
        }
        e
    }

    /// Whether any category is special (RU art. 1 lid 2).
    pub fn has_special_categories(&self) -> bool {
        self.data_categories
            .iter()
            .any(DataCategoryEntry::is_special)
    }

    /// The distinct legal bases used, in glossary order.
    pub fn legal_bases(&self) -> Vec<LegalBasis> {
        let mut v: Vec<_> = self
            .data_categories
            .iter()
            .filter_map(|c| c.legal_basis)
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Activity {
        Activity {
            name: "Alumni magazine".into(),
            unit: "alumni".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_draft_is_valid() {
        assert!(minimal().validate().is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut a = minimal();
        a.name = " ".into();
        a.contact.email = "not-an-address".into();
        a.purposes = vec![Purpose::AlumniRelations, Purpose::AlumniRelations];
        a.recipients.push(Recipient {
            name: String::new(),
            kind: RecipientKind::ThirdParty,
            country: "usa".into(),
            processor: Some("mailchimp".into()),
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
        let e = a.validate();
        let paths: Vec<_> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "name",
                "contact.email",
                "purposes[1]",
                "recipients[0].name",
                "recipients[0].country",
                "recipients[0].processor"
            ]
        );
    }

    #[test]
    fn references_must_exist() {
        let mut a = minimal();
        a.recipients.push(Recipient {
            name: "Mailer".into(),
            kind: RecipientKind::Processor,
            country: "NL".into(),
            processor: Some("mailer".into()),
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
        let e = a.validate_references(|u| u == "alumni", |_| false);
        assert_eq!(e.len(), 1);
        assert_eq!(e.iter().next().unwrap().path, "recipients[0].processor");
        let e = a.validate_references(|_| false, |_| true);
        assert_eq!(e.iter().next().unwrap().code, "unknown_reference");
    }
}
