//! Assessments that belong to an activity: the legitimate-interest assessment (LAW-2, UM
//! 3.1), the DPIA screening and the DPIA itself (LAW-6, RU 3:4 lid 2, GDPR 35-36), and how
//! data subjects are informed when data is not collected from them (LAW-11, GDPR 14).

use crate::vocab::{
    ApListType, LiaOutcome, ResidualRisk, ReviewDecision, RiskKind, RiskLevel, Wp248Criterion,
};
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The three tests of UM 3.1, the outcome and the FG's review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LegitimateInterestAssessment {
    /// Test 1: the interest pursued.
    #[serde(default)]
    pub interest: String,
    /// Test 1: why the interest is real, legally recognised and not purely commercial.
    #[serde(default)]
    pub why_legitimate: String,
    /// The interest is purely commercial: then it is no legitimate interest of a university.
    #[serde(default)]
    pub purely_commercial: bool,
    /// Test 2: why the processing is needed for the interest.
    #[serde(default)]
    pub necessity: String,
    /// Test 2: proportionality: the intrusion is in proportion to the purpose.
    #[serde(default)]
    pub proportionality: String,
    /// Test 2: subsidiarity: no less intrusive way reaches the purpose.
    #[serde(default)]
    pub subsidiarity: String,
    /// Test 3: the balancing with the data subjects' interests and reasonable expectations.
    #[serde(default)]
    pub balancing: String,
    /// Test 3: how children among the subjects were weighed (RU 3:2 lid 1 f).
    #[serde(default)]
    pub children: String,
    /// Test 3: safeguards that tip the balance (opt-out, minimisation, short retention).
    #[serde(default)]
    pub safeguards: String,
    #[serde(default)]
    pub outcome: Option<LiaOutcome>,
    /// The FG's review (RU 2:7 lid 5 b).
    #[serde(default)]
    pub review: Option<Review>,
    /// What data subjects are told about the balancing (UM 4.2).
    #[serde(default)]
    pub public_summary: String,
}

/// A decision of the FG on an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Review {
    pub decision: ReviewDecision,
    pub date: NaiveDate,
    #[serde(default)]
    pub reviewer: String,
    #[serde(default)]
    pub notes: String,
}

impl LegitimateInterestAssessment {
    /// The fields of the three tests and the outcome that are still empty, by field name.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (name, value) in [
            ("interest", &self.interest),
            ("why_legitimate", &self.why_legitimate),
            ("necessity", &self.necessity),
            ("proportionality", &self.proportionality),
            ("subsidiarity", &self.subsidiarity),
            ("balancing", &self.balancing),
        ] {
            if value.trim().is_empty() {
                out.push(name);
            }
        }
        if self.outcome.is_none() {
            out.push("outcome");
        }
        out
    }
}

/// The screening that decides whether a DPIA is required (RU 3:4 lid 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DpiaScreening {
    /// The WP248 criteria that apply.
    #[serde(default)]
    pub criteria: Vec<Wp248Criterion>,
    /// The types of the AP's list that apply.
    #[serde(default)]
    pub ap_list: Vec<ApListType>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
}

impl DpiaScreening {
    /// A DPIA is required when two or more WP248 criteria hold, or a type of the AP's list
    /// applies.
    pub fn dpia_required(&self) -> bool {
        self.criteria.len() >= 2 || !self.ap_list.is_empty()
    }
}

/// A DPIA, structured as the CNIL's PIA method: context, fundamental principles, and the
/// three risks with their measures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Dpia {
    /// The processing, its data, its life cycle and the means it uses.
    #[serde(default)]
    pub context: String,
    /// Fundamental principles: purposes, basis, minimisation, accuracy, retention,
    /// information, rights, processors and transfers.
    #[serde(default)]
    pub principles: String,
    #[serde(default)]
    pub risks: Vec<DpiaRisk>,
    /// Measures that apply to all risks.
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub residual_risk: Option<ResidualRisk>,
    /// The FG's advice (GDPR 35(2)).
    #[serde(default)]
    pub dpo_advice: String,
    #[serde(default)]
    pub dpo_advice_date: Option<NaiveDate>,
    /// When the controller approved the DPIA.
    #[serde(default)]
    pub approved_on: Option<NaiveDate>,
    /// When the AP was consulted because high residual risk remained (GDPR 36).
    #[serde(default)]
    pub prior_consultation_on: Option<NaiveDate>,
}

/// One of the three risks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DpiaRisk {
    pub kind: RiskKind,
    #[serde(default)]
    pub impacts: String,
    #[serde(default)]
    pub threats: String,
    #[serde(default)]
    pub sources: String,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub severity: Option<RiskLevel>,
    #[serde(default)]
    pub likelihood: Option<RiskLevel>,
}

/// How and when data subjects hear of data that was not collected from them (GDPR 14).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubjectInformation {
    /// How they are informed: a letter, an e-mail, a notice at first contact.
    #[serde(default)]
    pub method: String,
    /// Within how many days of obtaining the data (at most one month: UM 4.1).
    #[serde(default)]
    pub within_days: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dpia_is_required_from_two_criteria_or_one_listed_type() {
        let mut s = DpiaScreening {
            criteria: vec![Wp248Criterion::LargeScale],
            ..Default::default()
        };
        assert!(!s.dpia_required());
        s.criteria.push(Wp248Criterion::SensitiveData);
        assert!(s.dpia_required());
        let listed = DpiaScreening {
            ap_list: vec![ApListType::CameraSurveillance],
            ..Default::default()
        };
        assert!(listed.dpia_required());
    }
}
