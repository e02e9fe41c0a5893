//! REG-1, RU 2:8 lid 3 (a-h): every field the register must hold.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;

pub const RULES: &[Rule] = &[Rule {
    id: "reg1-missing-field",
    severity: Severity::Error,
    requirement: "REG-1",
    article: "RU 2:8 lid 3",
    message: Text { nl: "Een verplicht onderdeel van de registratie ontbreekt: {detail}.", en: "A required part of the registration is missing: {detail}." },
    fix: Text {
        nl: "Vul het onderdeel in; RU 2:8 lid 3 somt op wat bij de melding van een verwerking hoort.",
        en: "Fill in the field; RU 2:8 lid 3 lists what a registration must state.",
    },
}];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let blank = |s: &str| s.trim().is_empty();
    let missing: [(&str, bool); 8] = [
        (
            "purposes",
            a.purposes.is_empty() && blank(&a.purpose_description),
        ),
        ("access_holders", blank(&a.access_holders)),
        ("data_origins", a.data_origins.is_empty()),
        ("data_subjects", a.data_subjects.is_empty()),
        // Aggregated data is not personal data (REG-6): no categories to list.
        (
            "data_categories",
            a.data_categories.is_empty() && !a.aggregated_only,
        ),
        (
            "security_measures",
            a.security_measures.is_empty() && blank(&a.security_description),
        ),
        ("domain_owner", blank(&a.domain_owner)),
        ("contact", blank(&a.contact.name) && blank(&a.contact.email)),
    ];
    for (field, is_missing) in missing {
        if is_missing {
            out.emit("reg1-missing-field", field, field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{clean, findings};

    #[test]
    fn each_missing_field_is_named() {
        let mut a = clean();
        a.access_holders = " ".into();
        a.data_subjects.clear();
        a.contact.name.clear();
        assert_eq!(
            findings(&a, &[]),
            [
                ("reg1-missing-field", "access_holders".to_string()),
                ("reg1-missing-field", "data_subjects".to_string())
            ]
        );
        a.contact.email.clear();
        assert_eq!(findings(&a, &[]).len(), 3);
    }

    #[test]
    fn aggregated_only_needs_no_data_categories() {
        let mut a = clean();
        a.data_categories.clear();
        assert_eq!(
            findings(&a, &[]),
            [("reg1-missing-field", "data_categories".to_string())]
        );
        a.aggregated_only = true;
        assert!(findings(&a, &[]).is_empty());
    }

    #[test]
    fn research_is_out_of_scope() {
        let mut a = clean();
        a.data_categories.clear();
        a.domain_owner.clear();
        a.research_out_of_scope = true;
        assert!(
            findings(&a, &[]).is_empty(),
            "REG-5: research is not checked against RU"
        );
    }
}
