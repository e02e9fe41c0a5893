//! LAW-8, RU 3:9 lid 4, GDPR 44-49: outside the EEA only with an adequacy decision,
//! appropriate safeguards (art. 46/47) or a derogation (art. 49).

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::transfers::Destination;
use crate::vocab::TransferMechanism;

pub const RULES: &[Rule] = &[
    Rule {
        id: "law8-no-mechanism",
        severity: Severity::Error,
        requirement: "LAW-8",
        article: "RU 3:9 lid 4; GDPR 44",
        message: Text { nl: "Doorgifte naar {detail} buiten de EER zonder adequaatheidsbesluit, passende waarborgen of uitzondering.", en: "Transfer to {detail} outside the EEA without an adequacy decision, appropriate safeguards or a derogation." },
        fix: Text { nl: "Leg het doorgifte-instrument vast (bijvoorbeeld de standaardcontractbepalingen met een doorgiftetoets), of verwerk binnen de EER.", en: "Record the transfer mechanism (for example standard contractual clauses with a transfer impact assessment), or keep the data in the EEA." },
    },
    Rule {
        id: "law8-adequacy-invalid",
        severity: Severity::Error,
        requirement: "LAW-8",
        article: "RU 3:9 lid 4 a; GDPR 45",
        message: Text { nl: "Er is geen adequaatheidsbesluit dat deze doorgifte naar {detail} dekt.", en: "No adequacy decision covers this transfer to {detail}." },
        fix: Text { nl: "Controleer het land (en voor de VS de certificering onder het Data Privacy Framework) of kies passende waarborgen.", en: "Check the country (and for the US the Data Privacy Framework certification), or choose appropriate safeguards." },
    },
    Rule {
        id: "law8-subprocessor-third-country",
        severity: Severity::Warning,
        requirement: "LAW-8",
        article: "RU 3:9 lid 4; GDPR 28(4), 44",
        message: Text { nl: "Een subverwerker werkt buiten de EER zonder adequaatheidsbesluit: {detail}.", en: "A sub-processor works outside the EEA without an adequacy decision: {detail}." },
        fix: Text { nl: "Ga na welk doorgifte-instrument de verwerker met de subverwerker heeft afgesproken en leg het vast bij de verwerker.", en: "Find out which transfer mechanism the processor agreed with the sub-processor and record it with the processor." },
    },
];

pub fn check(ctx: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    for (i, r) in a.recipients.iter().enumerate() {
        let processor = r
            .processor
            .as_deref()
            .and_then(|k| ctx.processors.get(k))
            .copied();
        let country = if r.country.is_empty() {
            processor.map(|p| p.country.as_str()).unwrap_or("")
        } else {
            r.country.as_str()
        };
        if country.is_empty() {
            continue;
        }
        let certified = r.dpf_certified || processor.is_some_and(|p| p.dpf_certified);
        let path = format!("recipients[{i}].transfer_mechanism");
        match (
            ctx.transfers.destination(country, certified),
            r.transfer_mechanism,
        ) {
            (Destination::Eea, _) | (Destination::Adequate(_), _) => {}
            (_, None) => out.emit("law8-no-mechanism", path, country),
            (_, Some(TransferMechanism::AdequacyDecision)) => {
                out.emit("law8-adequacy-invalid", path, country)
            }
            (_, Some(_)) => {}
        }
        if let Some(p) = processor {
            for (j, s) in p.sub_processors.iter().enumerate() {
                if matches!(
                    ctx.transfers.destination(&s.country, false),
                    Destination::ThirdCountry | Destination::AdequateIfCertified(_)
                ) {
                    out.emit(
                        "law8-subprocessor-third-country",
                        format!("recipients[{i}].processor"),
                        &format!("{} ({}), sub_processors[{j}]", s.name, s.country),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::law07_processors::tests::{processor, with_processor};
    use super::super::testing::findings;
    use crate::register::SubProcessor;
    use crate::vocab::TransferMechanism;

    fn rules(a: &crate::register::Activity, p: &crate::register::Processor) -> Vec<&'static str> {
        findings(a, std::slice::from_ref(p))
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    #[test]
    fn transfers_by_destination() {
        for (country, certified, mechanism, want) in [
            ("DE", false, None, vec![]),
            ("NO", false, None, vec![]),
            ("JP", false, None, vec![]),
            (
                "US",
                true,
                Some(TransferMechanism::AdequacyDecision),
                vec![],
            ),
            ("US", false, None, vec!["law8-no-mechanism"]),
            (
                "US",
                false,
                Some(TransferMechanism::AdequacyDecision),
                vec!["law8-adequacy-invalid"],
            ),
            ("US", false, Some(TransferMechanism::SccCommission), vec![]),
            ("IN", false, None, vec!["law8-no-mechanism"]),
            (
                "IN",
                false,
                Some(TransferMechanism::AdequacyDecision),
                vec!["law8-adequacy-invalid"],
            ),
            (
                "IN",
                false,
                Some(TransferMechanism::DerogationExplicitConsent),
                vec![],
            ),
        ] {
            let mut a = with_processor(country);
            a.recipients[0].transfer_mechanism = mechanism;
            let mut p = processor(country);
            p.dpf_certified = certified;
            assert_eq!(
                rules(&a, &p),
                want,
                "{country} certified={certified} {mechanism:?}"
            );
        }
    }

    #[test]
    fn the_processors_country_counts_when_the_recipient_has_none_and_sub_processors_are_checked() {
        let a = with_processor("");
        let mut p = processor("US");
        assert_eq!(rules(&a, &p), ["law8-no-mechanism"]);
        p.country = "NL".into();
        p.sub_processors.push(SubProcessor {
            name: "CloudCo".into(),
            country: "US".into(),
        });
        assert_eq!(rules(&a, &p), ["law8-subprocessor-third-country"]);
    }
}
