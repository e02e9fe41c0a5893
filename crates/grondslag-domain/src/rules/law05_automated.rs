//! LAW-5, RU 4:8, UM 4.3-4.4: solely automated decisions, profiling included, need explicit
//! consent, a contract or a law, and human intervention.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::LegalBasis;

pub const RULES: &[Rule] = &[
    Rule {
        id: "law5-automated-basis",
        severity: Severity::Error,
        requirement: "LAW-5",
        article: "RU 4:8 lid 2; GDPR 22(2)",
        message: Text { nl: "Uitsluitend geautomatiseerde besluitvorming op de grondslag {detail}.", en: "Solely automated decision-making on the basis {detail}." },
        fix: Text { nl: "Baseer de besluiten op uitdrukkelijke toestemming, een overeenkomst of een wettelijke regeling, of laat een mens beslissen.", en: "Base the decisions on explicit consent, a contract or a law, or let a person decide." },
    },
    Rule {
        id: "law5-no-human-intervention",
        severity: Severity::Error,
        requirement: "LAW-5",
        article: "RU 4:8 lid 3; GDPR 22(3)",
        message: Text { nl: "Geautomatiseerde besluitvorming zonder menselijke tussenkomst.", en: "Automated decision-making without human intervention." },
        fix: Text { nl: "Zorg dat de betrokkene om menselijke tussenkomst kan vragen, zijn standpunt kan geven en het besluit kan aanvechten.", en: "Let the data subject obtain human intervention, express their view and contest the decision." },
    },
    Rule {
        id: "law5-consent-not-explicit",
        severity: Severity::Error,
        requirement: "LAW-5",
        article: "RU 4:8 lid 2; GDPR 22(2)(c)",
        message: Text { nl: "Geautomatiseerde besluitvorming op toestemming, maar de toestemming is niet uitdrukkelijk.", en: "Automated decision-making on consent, but the consent is not explicit." },
        fix: Text { nl: "Vraag uitdrukkelijke toestemming: een aparte, actieve verklaring voor precies deze besluitvorming.", en: "Ask for explicit consent: a separate, active statement for exactly this decision-making." },
    },
    Rule {
        id: "law5-profiling-consent",
        severity: Severity::Error,
        requirement: "LAW-5",
        article: "UM 4.3; UM 4.4",
        message: Text { nl: "Profilering via sociale media zonder uitdrukkelijke toestemming van de betrokkenen.", en: "Profiling through social media without the data subjects' explicit consent." },
        fix: Text { nl: "Profileer alleen wie daarvoor uitdrukkelijk toestemming gaf, op toestemming als grondslag voor alle gegevens, en stop direct bij bezwaar.", en: "Profile only people who gave explicit consent, with consent as the basis for all the data, and stop at once on objection." },
    },
];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let on_consent = a
        .data_categories
        .iter()
        .any(|c| c.legal_basis == Some(LegalBasis::Consent));
    // UM 4.3: profiling whose results steer further processing of the same people, as on
    // social media, rests on explicit consent only.
    if a.profiling && a.social_media.is_some() {
        let all_consent = a
            .data_categories
            .iter()
            .all(|c| c.legal_basis == Some(LegalBasis::Consent));
        if !all_consent || !a.explicit_consent {
            out.emit("law5-profiling-consent", "explicit_consent", "");
        }
    }
    if !a.automated_decision_making {
        return;
    }
    if on_consent && !a.explicit_consent {
        out.emit("law5-consent-not-explicit", "explicit_consent", "");
    }
    // A public task laid down in law counts as "authorised by law" (GDPR 22(2)(b)).
    for (i, c) in a.data_categories.iter().enumerate() {
        if let Some(b @ (LegalBasis::LegitimateInterests | LegalBasis::VitalInterests)) =
            c.legal_basis
        {
            out.emit(
                "law5-automated-basis",
                format!("data_categories[{i}].legal_basis"),
                crate::vocab::Term::machine_name(b),
            );
        }
    }
    if !a.human_intervention {
        out.emit("law5-no-human-intervention", "human_intervention", "");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fired, screened};
    use crate::vocab::LegalBasis;

    #[test]
    fn automated_decisions_need_a_strong_basis_and_a_person() {
        let mut a = screened();
        a.profiling = true;
        assert!(
            fired(&a).is_empty(),
            "profiling without automated decisions is not this rule"
        );
        a.automated_decision_making = true;
        assert_eq!(fired(&a), ["law5-no-human-intervention"]);
        a.human_intervention = true;
        assert!(fired(&a).is_empty());
        a.data_categories[0].legal_basis = Some(LegalBasis::LegitimateInterests);
        assert!(fired(&a).contains(&"law5-automated-basis"));
        a.data_categories[0].legal_basis = Some(LegalBasis::Consent);
        a.consent_methods = vec![crate::vocab::ConsentMethod::WebForm];
        assert_eq!(fired(&a), ["law5-consent-not-explicit"]);
        a.explicit_consent = true;
        assert!(fired(&a).is_empty());
    }

    #[test]
    fn profiling_on_social_media_needs_explicit_consent_for_everything() {
        let mut a = screened();
        a.profiling = true;
        a.social_media = Some(Default::default());
        a.consent_methods = vec![crate::vocab::ConsentMethod::CookieBanner];
        assert_eq!(
            fired(&a),
            ["law5-profiling-consent"],
            "public task is no basis for it"
        );
        a.data_categories[0].legal_basis = Some(LegalBasis::Consent);
        assert_eq!(
            fired(&a),
            ["law5-profiling-consent"],
            "ordinary consent is not enough"
        );
        a.explicit_consent = true;
        assert!(fired(&a).is_empty());
    }
}
