//! Where personal data may go (LAW-8, RU 3:9 lid 4): the EEA and the countries with an
//! adequacy decision, read from `data/transfer-rules.json` so an administrator can update
//! the list without a new release.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The file as shipped with this build.
pub const DEFAULT_RULES: &str = include_str!("../../../data/transfer-rules.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRules {
    #[serde(default)]
    pub about: String,
    pub updated: NaiveDate,
    pub eea: Vec<Country>,
    pub adequacy_decisions: Vec<AdequacyDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    pub country: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdequacyDecision {
    pub country: String,
    pub name: String,
    pub adopted_on: NaiveDate,
    pub decision: String,
    pub scope: AdequacyScope,
}

/// Whom an adequacy decision covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdequacyScope {
    Full,
    /// Only organisations subject to a named law (Canada: PIPEDA).
    CommercialOrganisations,
    /// Only organisations certified under the EU-US Data Privacy Framework.
    DpfCertifiedOnly,
}

/// What the rules say of a recipient's country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination<'a> {
    Eea,
    Adequate(&'a AdequacyDecision),
    /// Adequacy exists, but only for certified recipients, and this one is not.
    AdequateIfCertified(&'a AdequacyDecision),
    ThirdCountry,
}

impl TransferRules {
    pub fn parse(json: &str) -> Result<TransferRules, String> {
        let rules: TransferRules =
            serde_json::from_str(json).map_err(|e| format!("transfer rules: {e}"))?;
        for c in rules
            .eea
            .iter()
            .map(|c| &c.country)
            .chain(rules.adequacy_decisions.iter().map(|d| &d.country))
        {
            if !crate::register::is_valid_country(c) {
                return Err(format!(
                    "transfer rules: \"{c}\" is not an ISO 3166-1 alpha-2 country code"
                ));
            }
        }
        Ok(rules)
    }

    /// The rules this build ships with.
    pub fn builtin() -> TransferRules {
        TransferRules::parse(DEFAULT_RULES).expect("the shipped transfer rules parse")
    }

    pub fn destination(&self, country: &str, dpf_certified: bool) -> Destination<'_> {
        if self.eea.iter().any(|c| c.country == country) {
            return Destination::Eea;
        }
        match self
            .adequacy_decisions
            .iter()
            .find(|d| d.country == country)
        {
            Some(d) if d.scope == AdequacyScope::DpfCertifiedOnly && !dpf_certified => {
                Destination::AdequateIfCertified(d)
            }
            Some(d) => Destination::Adequate(d),
            None => Destination::ThirdCountry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        let r = TransferRules::builtin();
        assert_eq!(
            r.eea.len(),
            30,
            "27 EU member states, Iceland, Liechtenstein and Norway"
        );
        assert_eq!(r.destination("NO", false), Destination::Eea);
        assert!(matches!(
            r.destination("JP", false),
            Destination::Adequate(_)
        ));
        assert!(matches!(
            r.destination("US", false),
            Destination::AdequateIfCertified(_)
        ));
        assert!(matches!(
            r.destination("US", true),
            Destination::Adequate(_)
        ));
        assert_eq!(r.destination("IN", false), Destination::ThirdCountry);
    }

    #[test]
    fn a_bad_file_is_refused_with_a_reason() {
        assert!(TransferRules::parse("{}")
            .unwrap_err()
            .contains("missing field"));
        let bad = DEFAULT_RULES.replace("\"NL\"", "\"nl\"");
        assert!(TransferRules::parse(&bad).unwrap_err().contains("\"nl\""));
    }
}
