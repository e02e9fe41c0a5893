//! LAW-7, RU art. 1 lid 7, RU 3:9 lid 2-3, UM 5: processors act under a valid written
//! agreement with the content GDPR 28(3) requires, and never for their own purposes.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::RecipientKind;

pub const RULES: &[Rule] = &[
    Rule {
        id: "law7-processor-unrecorded",
        severity: Severity::Warning,
        requirement: "LAW-7",
        article: "RU 3:9 lid 3",
        message: Text { nl: "De verwerker {detail} verwijst niet naar een verwerkersregistratie.", en: "The processor {detail} does not refer to a processor record." },
        fix: Text { nl: "Kies de verwerker uit de lijst van verwerkers, of voeg hem toe met zijn verwerkersovereenkomst.", en: "Choose the processor from the list of processors, or add it with its processor agreement." },
    },
    Rule {
        id: "law7-no-agreement",
        severity: Severity::Error,
        requirement: "LAW-7",
        article: "RU art. 1 lid 7; RU 3:9 lid 3; GDPR 28(3)",
        message: Text { nl: "Met de verwerker {detail} is geen getekende verwerkersovereenkomst vastgelegd.", en: "No signed processor agreement is recorded with the processor {detail}." },
        fix: Text { nl: "Sluit een verwerkersovereenkomst en leg de datum van ondertekening vast.", en: "Conclude a processor agreement and record the date it was signed." },
    },
    Rule {
        id: "law7-agreement-expired",
        severity: Severity::Error,
        requirement: "LAW-7",
        article: "RU 3:9 lid 3",
        message: Text { nl: "De verwerkersovereenkomst met {detail} is verlopen.", en: "The processor agreement with {detail} has expired." },
        fix: Text { nl: "Verleng de overeenkomst of stop met deze verwerker.", en: "Renew the agreement or stop using this processor." },
    },
    Rule {
        id: "law7-own-use",
        severity: Severity::Error,
        requirement: "LAW-7",
        article: "RU 3:9 lid 2; UM 5",
        message: Text { nl: "De overeenkomst met {detail} verbiedt niet dat de verwerker de gegevens voor eigen doeleinden gebruikt.", en: "The agreement with {detail} does not forbid the processor to use the data for its own purposes." },
        fix: Text { nl: "Neem in de overeenkomst op dat de verwerker de gegevens uitsluitend in opdracht van de universiteit verwerkt.", en: "Add to the agreement that the processor processes the data only on the university's instructions." },
    },
    Rule {
        id: "law7-agreement-content",
        severity: Severity::Warning,
        requirement: "LAW-7",
        article: "RU art. 1 lid 7; GDPR 28(3)",
        message: Text { nl: "Van de verwerkersovereenkomst met de verwerker is niet vastgelegd: {detail}.", en: "The processor agreement's record lacks: {detail}." },
        fix: Text { nl: "Leg onderwerp, duur, aard en doel, soorten gegevens, categorieën betrokkenen en rechten en plichten vast.", en: "Record the subject, duration, nature and purpose, data types, subject categories and rights and obligations." },
    },
];

pub fn check(ctx: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    for (i, r) in a.recipients.iter().enumerate() {
        if r.kind != RecipientKind::Processor {
            continue;
        }
        let path = format!("recipients[{i}].processor");
        let Some(key) = &r.processor else {
            out.emit("law7-processor-unrecorded", path, &r.name);
            continue;
        };
        // An unknown key is an input error, reported when the activity is saved.
        let Some(p) = ctx.processors.get(key.as_str()) else {
            continue;
        };
        match &p.agreement {
            Some(ag) if ag.signed_on.is_some() => {
                // An agreement is valid through the last day of its term.
                if ag.expires_on.is_some_and(|x| x < ctx.today) {
                    out.emit("law7-agreement-expired", &path, &p.name);
                }
                if !ag.no_own_use_clause {
                    out.emit("law7-own-use", &path, &p.name);
                }
                let missing = ag.missing_content();
                if !missing.is_empty() {
                    out.emit("law7-agreement-content", &path, &missing.join(", "));
                }
            }
            _ => out.emit("law7-no-agreement", &path, &p.name),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testing::{clean, findings, today};
    use crate::register::{Activity, Processor, ProcessorAgreement, Recipient};
    use crate::vocab::RecipientKind;
    use chrono::Days;

    pub fn processor(country: &str) -> Processor {
        Processor {
            id: "mailer".into(),
            name: "Mailer BV".into(),
            country: country.into(),
            agreement: Some(ProcessorAgreement {
                reference: "VO-1".into(),
                signed_on: Some(today() - Days::new(400)),
                expires_on: Some(today()),
                no_own_use_clause: true,
                subject: "Nieuwsbrieven".into(),
                duration: "Looptijd contract".into(),
                nature_and_purpose: "Verzenden".into(),
                data_types: "Naam, e-mail".into(),
                subject_categories: "Alumni".into(),
                rights_and_obligations: "Zie art. 4".into(),
            }),
            sub_processors: vec![],
            notes: String::new(),
            dpf_certified: false,
        }
    }

    pub fn with_processor(country: &str) -> Activity {
        let mut a = clean();
        a.recipients.push(Recipient {
            name: "Mailer".into(),
            kind: RecipientKind::Processor,
            country: country.into(),
            processor: Some("mailer".into()),
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
        a
    }

    fn rules(a: &Activity, p: &Processor) -> Vec<&'static str> {
        findings(a, std::slice::from_ref(p))
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    #[test]
    fn an_agreement_is_valid_through_its_last_day() {
        let a = with_processor("NL");
        let mut p = processor("NL");
        assert!(rules(&a, &p).is_empty(), "expires today: still valid");
        p.agreement.as_mut().unwrap().expires_on = Some(today() - Days::new(1));
        assert_eq!(rules(&a, &p), ["law7-agreement-expired"]);
    }

    #[test]
    fn agreement_edges() {
        let a = with_processor("NL");
        let mut p = processor("NL");
        p.agreement.as_mut().unwrap().signed_on = None;
        assert_eq!(
            rules(&a, &p),
            ["law7-no-agreement"],
            "an unsigned agreement is no agreement"
        );
        p.agreement = None;
        assert_eq!(rules(&a, &p), ["law7-no-agreement"]);
        let mut p = processor("NL");
        p.agreement.as_mut().unwrap().no_own_use_clause = false;
        assert_eq!(rules(&a, &p), ["law7-own-use"]);
        let mut p = processor("NL");
        p.agreement.as_mut().unwrap().duration.clear();
        assert_eq!(rules(&a, &p), ["law7-agreement-content"]);
        let mut b = a.clone();
        b.recipients[0].processor = None;
        assert_eq!(rules(&b, &processor("NL")), ["law7-processor-unrecorded"]);
    }
}
