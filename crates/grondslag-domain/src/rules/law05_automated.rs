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
];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    if !a.automated_decision_making {
        return;
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
    }
}
