//! CON-2, CON-1, UM 4.2: no processing on the basis of consent before consent is recorded.

use super::{Context, Out, Rule, Severity, Text};
use crate::register::Activity;
use crate::vocab::LegalBasis;

pub const RULES: &[Rule] = &[Rule {
    id: "con2-consent-not-recorded",
    severity: Severity::Error,
    requirement: "CON-2",
    article: "UM 4.2; RU art. 1 lid 12; GDPR 7(1)",
    message: Text { nl: "Toestemming is de grondslag, maar niet vastgelegd is hoe de toestemming wordt gevraagd en vastgelegd.", en: "Consent is the basis, but how consent is asked for and recorded is not stated." },
    fix: Text { nl: "Kies hoe de toestemming wordt verkregen (webformulier, cookiebanner, bij inschrijving, op papier, mondeling) en bewaar het bewijs.", en: "Choose how consent is obtained (web form, cookie banner, at enrolment, on paper, verbally) and keep the evidence." },
}];

pub fn check(_: &Context<'_>, a: &Activity, out: &mut Out<'_>) {
    if a.consent_methods.is_empty()
        && a.data_categories
            .iter()
            .any(|c| c.legal_basis == Some(LegalBasis::Consent))
    {
        out.emit("con2-consent-not-recorded", "consent_methods", "");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{clean, fired};
    use crate::vocab::{ConsentMethod, LegalBasis};

    #[test]
    fn consent_needs_a_way_to_record_it() {
        let mut a = clean();
        a.data_categories[0].legal_basis = Some(LegalBasis::Consent);
        assert_eq!(fired(&a), ["con2-consent-not-recorded"]);
        a.consent_methods = vec![ConsentMethod::CookieBanner];
        assert!(fired(&a).is_empty());
    }
}
