//! LAW-1, RU 3:2 lid 2: a legal basis for every category of personal data.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::Term;

pub const RULES: &[Rule] = &[Rule {
    id: "law1-no-legal-basis",
    severity: Severity::Error,
    requirement: "LAW-1",
    article: "RU 3:2 lid 2; GDPR 6(1)",
    message: Text { nl: "De categorie {detail} heeft geen grondslag.", en: "The category {detail} has no legal basis." },
    fix: Text {
        nl: "Kies per categorie persoonsgegevens een van de zes grondslagen van art. 6 lid 1 AVG; zonder grondslag mag de verwerking niet plaatsvinden.",
        en: "Choose one of the six bases of GDPR art. 6(1) for each category; without one the processing may not take place.",
    },
}];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    for (i, c) in a.data_categories.iter().enumerate() {
        if c.legal_basis.is_none() {
            out.emit(
                "law1-no-legal-basis",
                format!("data_categories[{i}].legal_basis"),
                c.category.machine_name(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{category, clean, findings};
    use crate::vocab::{LegalBasis, PersonalDataCategory};

    #[test]
    fn every_category_needs_its_own_basis() {
        let mut a = clean();
        a.data_categories.push(category(
            PersonalDataCategory::Address,
            LegalBasis::Contract,
        ));
        a.data_categories[1].legal_basis = None;
        assert_eq!(
            findings(&a, &[]),
            [(
                "law1-no-legal-basis",
                "data_categories[1].legal_basis".to_string()
            )]
        );
    }
}
