//! LAW-4, RU 3:3, UAVG 46: a national identification number only where a law says so.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::Term;

pub const RULES: &[Rule] = &[Rule {
    id: "law4-national-id-without-statute",
    severity: Severity::Error,
    requirement: "LAW-4",
    article: "RU 3:3; UAVG 46",
    message: Text { nl: "Een nationaal identificatienummer ({detail}) zonder wettelijke grondslag.", en: "A national identification number ({detail}) without a statutory basis." },
    fix: Text { nl: "Noem de wet en het artikel die het gebruik voorschrijven (bijvoorbeeld Wet op de loonbelasting 1964, art. 28), of verwerk het nummer niet.", en: "Name the act and article that require its use (for example the Wage Tax Act 1964, art. 28), or do not process the number." },
}];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    for (i, c) in a.data_categories.iter().enumerate() {
        if c.category.is_national_id() && c.statutory_basis.trim().is_empty() {
            out.emit(
                "law4-national-id-without-statute",
                format!("data_categories[{i}].statutory_basis"),
                c.category.machine_name(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{category, fired, screened};
    use crate::vocab::*;

    #[test]
    fn bsn_and_education_number_need_a_statute() {
        let mut a = screened();
        a.data_categories.push(category(
            PersonalDataCategory::Bsn,
            LegalBasis::LegalObligation,
        ));
        a.data_categories.push(category(
            PersonalDataCategory::EducationNumber,
            LegalBasis::LegalObligation,
        ));
        assert_eq!(
            fired(&a),
            [
                "law4-national-id-without-statute",
                "law4-national-id-without-statute"
            ]
        );
        a.data_categories[1].statutory_basis = "Wet op de loonbelasting 1964, art. 28".into();
        a.data_categories[2].statutory_basis = "WHW art. 7.52".into();
        assert!(fired(&a).is_empty());
    }
}
