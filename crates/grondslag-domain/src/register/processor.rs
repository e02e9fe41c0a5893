//! Processors and their agreements (RU art. 1 lid 7, RU 3:9 lid 3; LAW-7). The full checks
//! of agreements and transfers belong to the rules; here is what is recorded.

use super::{check_country, check_key, check_text};
use crate::ValidationErrors;
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Processor {
    /// A short stable key, e.g. `surfconext`.
    pub id: String,
    pub name: String,
    /// Where the processor processes the data (ISO 3166-1 alpha-2).
    pub country: String,
    /// The processor agreement (verwerkersovereenkomst), if one exists.
    #[serde(default)]
    pub agreement: Option<ProcessorAgreement>,
    #[serde(default)]
    pub sub_processors: Vec<SubProcessor>,
    #[serde(default)]
    pub notes: String,
    /// Certified under the EU-US Data Privacy Framework (for transfers to the US).
    #[serde(default)]
    pub dpf_certified: bool,
}

/// The processor agreement and its content (RU art. 1 lid 7, GDPR 28(3)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProcessorAgreement {
    /// The contract's reference or document number.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// The agreement forbids the processor to use the data for its own purposes (RU 3:9 lid 2).
    #[serde(default)]
    pub no_own_use_clause: bool,
    /// The subject of the processing.
    #[serde(default)]
    pub subject: String,
    /// How long the processing lasts.
    #[serde(default)]
    pub duration: String,
    /// The nature and purpose of the processing.
    #[serde(default)]
    pub nature_and_purpose: String,
    /// The types of personal data.
    #[serde(default)]
    pub data_types: String,
    /// The categories of data subjects.
    #[serde(default)]
    pub subject_categories: String,
    /// The rights and obligations of the controller.
    #[serde(default)]
    pub rights_and_obligations: String,
}

impl ProcessorAgreement {
    /// The parts of GDPR 28(3) the agreement does not yet record, by field name.
    pub fn missing_content(&self) -> Vec<&'static str> {
        [
            ("subject", &self.subject),
            ("duration", &self.duration),
            ("nature_and_purpose", &self.nature_and_purpose),
            ("data_types", &self.data_types),
            ("subject_categories", &self.subject_categories),
            ("rights_and_obligations", &self.rights_and_obligations),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubProcessor {
    pub name: String,
    pub country: String,
}

impl Processor {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_key(&mut e, "id", &self.id);
        check_text(&mut e, "name", &self.name, true, 200);
        check_country(&mut e, "country", &self.country, true);
        check_text(&mut e, "notes", &self.notes, false, 4000);
        if let Some(a) = &self.agreement {
            if let (Some(s), Some(x)) = (a.signed_on, a.expires_on) {
                if x < s {
                    e.add(
                        "agreement.expires_on",
                        "out_of_range",
                        "expires before it was signed",
                    );
                }
            }
        }
        for (i, s) in self.sub_processors.iter().enumerate() {
            check_text(
                &mut e,
                &format!("sub_processors[{i}].name"),
                &s.name,
                true,
                200,
            );
            check_country(
                &mut e,
                &format!("sub_processors[{i}].country"),
                &s.country,
                true,
            );
        }
        e
    }
}
