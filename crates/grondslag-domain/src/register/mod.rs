//! The register of processing activities (RU 2:8, GDPR 30): the controller, its tree of
//! units, processors and the activities with their version history.

mod activity;
mod assessment;
mod processor;
mod status;
mod unit;

pub use activity::{
    Activity, ActivityRecord, ActivityVersion, CameraSurveillance, Contact, DataCategoryEntry,
    Recipient, Retention, SocialMedia,
};
pub use assessment::{
    Dpia, DpiaRisk, DpiaScreening, LegitimateInterestAssessment, Review, SubjectInformation,
};
pub use processor::{Processor, ProcessorAgreement, SubProcessor};
pub use status::Status;
pub use unit::{descendants, validate_units, Organisation, Unit};

use crate::ValidationErrors;

/// A short machine key for units and processors: lowercase letters, digits and hyphens.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !key.starts_with('-')
}

/// An ISO 3166-1 alpha-2 country code, upper case (`NL`, `US`).
pub fn is_valid_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

pub(crate) fn check_key(errors: &mut ValidationErrors, path: &str, key: &str) {
    if key.trim().is_empty() {
        errors.add(path, "required", "is required");
    } else if !is_valid_key(key) {
        errors.add(
            path,
            "invalid_format",
            format!("\"{key}\" is not a valid key; expected lowercase letters, digits and hyphens (at most 64)"),
        );
    }
}

pub(crate) fn check_text(
    errors: &mut ValidationErrors,
    path: &str,
    text: &str,
    required: bool,
    max: usize,
) {
    if required && text.trim().is_empty() {
        errors.add(path, "required", "is required");
    } else if text.chars().count() > max {
        errors.add(
            path,
            "too_long",
            format!("is too long; expected at most {max} characters"),
        );
    }
}

pub(crate) fn check_country(errors: &mut ValidationErrors, path: &str, code: &str, required: bool) {
    if code.is_empty() {
        if required {
            errors.add(
                path,
                "required",
                "is required; expected an ISO 3166-1 alpha-2 code such as NL",
            );
        }
    } else if !is_valid_country(code) {
        errors.add(
            path,
            "invalid_format",
            format!("\"{code}\" is not a country code; expected ISO 3166-1 alpha-2 in capitals, such as NL or US"),
        );
    }
}

pub(crate) fn check_email(errors: &mut ValidationErrors, path: &str, email: &str) {
    if email.is_empty() {
        return;
    }
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        errors.add(
            path,
            "invalid_format",
            format!("\"{email}\" is not an e-mail address"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_countries() {
        assert!(is_valid_key("fnwi-imapp"));
        assert!(!is_valid_key("FNWI"));
        assert!(!is_valid_key("-x"));
        assert!(!is_valid_key(""));
        assert!(is_valid_country("NL"));
        assert!(!is_valid_country("nl"));
        assert!(!is_valid_country("NLD"));
    }

    #[test]
    fn emails() {
        for (email, ok) in [
            ("fg@uni.example", true),
            ("a@b", false),
            ("@b.nl", false),
            ("a b@c.nl", false),
            ("", true),
        ] {
            let mut e = ValidationErrors::new();
            check_email(&mut e, "x", email);
            assert_eq!(e.is_empty(), ok, "{email}");
        }
    }
}
