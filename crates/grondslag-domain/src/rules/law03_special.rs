//! LAW-3, RU 3:3, SEC-1: special categories and criminal data need an exception of GDPR
//! art. 9(2) or 10, and stronger security.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::{Art9Exception, SecurityMeasure, Term};

pub const RULES: &[Rule] = &[
    Rule {
        id: "law3-special-no-exception",
        severity: Severity::Error,
        requirement: "LAW-3",
        article: "RU 3:3; GDPR 9(2)",
        message: Text { nl: "Bijzondere persoonsgegevens ({detail}) zonder uitzondering van art. 9 lid 2 AVG.", en: "Special category data ({detail}) without an exception of GDPR art. 9(2)." },
        fix: Text { nl: "Leg de uitzondering vast die de verwerking toestaat (bijvoorbeeld uitdrukkelijke toestemming), of verwerk deze gegevens niet.", en: "Record the exception that allows the processing (for example explicit consent), or do not process this data." },
    },
    Rule {
        id: "law3-criminal-no-exception",
        severity: Severity::Error,
        requirement: "LAW-3",
        article: "RU 3:3; GDPR 10; UAVG 31-33",
        message: Text { nl: "Strafrechtelijke gegevens zonder grond van art. 10 AVG of de UAVG.", en: "Criminal data without a ground of GDPR art. 10 or the UAVG." },
        fix: Text { nl: "Leg vast onder welk overheidstoezicht of welke UAVG-uitzondering deze gegevens worden verwerkt.", en: "Record the official authority or UAVG exception under which this data is processed." },
    },
    Rule {
        id: "law3-special-weak-security",
        severity: Severity::Error,
        requirement: "SEC-1",
        article: "RU 3:3; RU 3:4 lid 1",
        message: Text { nl: "Bijzondere of strafrechtelijke gegevens zonder zwaardere beveiliging.", en: "Special category or criminal data without stronger security." },
        fix: Text { nl: "Neem naast toegangsbeveiliging versleuteling, pseudonimisering of multifactorauthenticatie op.", en: "Add encryption, pseudonymisation or multi-factor authentication to access control." },
    },
];

/// Stronger security: access control plus at least one measure that protects the data itself.
fn strong(a: &Activity) -> bool {
    use SecurityMeasure::*;
    let has = |m| a.security_measures.contains(&m);
    (has(AccessControl) || has(RoleBasedAuthorisation))
        && (has(EncryptionAtRest) || has(Pseudonymisation) || has(MultiFactorAuthentication))
}

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    let mut sensitive = false;
    for (i, c) in a.data_categories.iter().enumerate() {
        let is_art10 = matches!(
            c.art9_exception,
            Some(
                Art9Exception::CriminalOfficialAuthority
                    | Art9Exception::CriminalStatutoryException
            )
        );
        if c.category.is_special() {
            sensitive = true;
            if c.art9_exception.is_none() || is_art10 {
                out.emit(
                    "law3-special-no-exception",
                    format!("data_categories[{i}].art9_exception"),
                    c.category.machine_name(),
                );
            }
        } else if c.category.is_criminal() {
            sensitive = true;
            if !is_art10 {
                out.emit(
                    "law3-criminal-no-exception",
                    format!("data_categories[{i}].art9_exception"),
                    "",
                );
            }
        }
    }
    if sensitive && !strong(a) {
        out.emit("law3-special-weak-security", "security_measures", "");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{category, fired, screened};
    use crate::vocab::*;

    #[test]
    fn special_categories_need_an_exception_and_strong_security() {
        let mut a = screened();
        a.data_categories
            .push(category(PersonalDataCategory::Health, LegalBasis::Consent));
        a.consent_methods = vec![ConsentMethod::WebForm];
        assert_eq!(
            fired(&a),
            ["law3-special-no-exception", "law3-special-weak-security"]
        );
        a.data_categories[1].art9_exception = Some(Art9Exception::ExplicitConsent);
        a.security_measures.push(SecurityMeasure::EncryptionAtRest);
        assert!(fired(&a).is_empty());
        // An art. 10 ground is no art. 9 exception.
        a.data_categories[1].art9_exception = Some(Art9Exception::CriminalOfficialAuthority);
        assert_eq!(fired(&a), ["law3-special-no-exception"]);
        // Encryption without access control is not enough.
        a.data_categories[1].art9_exception = Some(Art9Exception::ExplicitConsent);
        a.security_measures = vec![SecurityMeasure::EncryptionAtRest];
        assert_eq!(fired(&a), ["law3-special-weak-security"]);
    }

    #[test]
    fn criminal_data_needs_an_article_10_ground() {
        let mut a = screened();
        a.security_measures
            .extend([SecurityMeasure::Pseudonymisation]);
        a.data_categories.push(category(
            PersonalDataCategory::Criminal,
            LegalBasis::LegalObligation,
        ));
        assert_eq!(fired(&a), ["law3-criminal-no-exception"]);
        a.data_categories[1].art9_exception = Some(Art9Exception::CriminalStatutoryException);
        assert!(fired(&a).is_empty());
    }
}
