//! Managed consent notices (CON-1, LAW-5; `docs/consent.md`, "Publishing a consent
//! notice"): the text a website or the hosted form shows, in Dutch and English, for one
//! register activity, with whether it asks explicit consent.
//!
//! A notice has a stable id (a slug that appears in URLs) and numbered versions. A version is
//! a draft until it is published; from then on its texts are frozen, and a changed text is a
//! new version. Consents point to the exact text by [`NoticeHash`], so publishing turns each
//! language's text into a ledger [`Notice`].

use super::decision::ActivityConsentNeeds;
use super::event::{Notice, NoticeHash};
use crate::register::{check_text, Activity};
use crate::vocab::vocabulary;
use crate::{Lang, ValidationErrors};
use serde::{Deserialize, Serialize};

vocabulary! {
    /// Where a version of a consent notice stands.
    NoticeStatus ("consent_notice_status") {
        Draft => "draft", "Draft", "Concept", "RU 2:8 lid 2", None;
        Published => "published", "Published", "Gepubliceerd", "GDPR 7(1)", None;
        Retired => "retired", "Retired", "Beëindigd", "–", None;
    }
}

/// Slugs that name pages of the staff UI under `/consent/`, so no notice can take them.
const RESERVED: &[&str] = &["notices", "audience"];

/// What staff write for one version of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeContent {
    /// The id of the register activity the consent is asked for.
    pub activity: String,
    /// Whether the notice asks explicit consent (RU 4:8 lid 2, GDPR 9(2)(a), LAW-5).
    #[serde(default)]
    pub explicit: bool,
    /// The Dutch text, exactly as it is shown.
    pub text_nl: String,
    /// The English text, exactly as it is shown.
    pub text_en: String,
}

/// Checks a notice's id: 1 to 64 lower-case letters, digits and hyphens, starting with a
/// letter or digit, because it is part of the form's URL.
pub fn validate_notice_id(id: &str) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    let shaped = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if !shaped {
        e.add(
            "id",
            "invalid_format",
            format!(
                "\"{id}\" is not a notice id; expected 1 to 64 lower-case letters, digits and hyphens, such as alumni-newsletter"
            ),
        );
    } else if RESERVED.contains(&id) {
        e.add(
            "id",
            "reserved",
            format!("\"{id}\" names a page of Grondslag itself; choose another id"),
        );
    }
    e
}

impl NoticeContent {
    /// The text in one language.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.text_nl,
            Lang::En => &self.text_en,
        }
    }

    /// Checks the fields themselves; every problem at its field.
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "activity", &self.activity, true, 100);
        check_text(&mut e, "text_nl", &self.text_nl, true, 100_000);
        check_text(&mut e, "text_en", &self.text_en, true, 100_000);
        e
    }

    /// Whether this content may be published for `activity` (`None`: no such activity in the
    /// register): the activity must exist, and when it needs explicit consent (special
    /// categories on GDPR 9(2)(a), profiling or automated decisions on consent, or the
    /// register says so) the notice must ask for it; ordinary consent would not count.
    pub fn check_publishable(&self, activity: Option<&Activity>) -> ValidationErrors {
        let mut e = self.validate();
        match activity {
            None => e.add(
                "activity",
                "unknown_reference",
                format!("there is no activity {} in the register", self.activity),
            ),
            Some(a) if ActivityConsentNeeds::from_activity(a).explicit && !self.explicit => e.add(
                "explicit",
                "explicit_required",
                format!(
                    "the activity \"{}\" needs explicit consent (RU 4:8 lid 2, GDPR 9(2)(a)); the notice must ask for it",
                    a.name
                ),
            ),
            Some(_) => {}
        }
        e
    }

    /// The ledger's notice of one language of version `version` of notice `id`.
    pub fn notice(&self, id: &str, version: u32, lang: Lang) -> Notice {
        Notice {
            id: id.to_string(),
            version: version.to_string(),
            language: lang.tag().to_string(),
            text: self.text(lang).to_string(),
        }
    }

    /// The hash a consent to this text in `lang` carries.
    pub fn hash(&self, lang: Lang) -> NoticeHash {
        self.notice("", 0, lang).hash()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(explicit: bool) -> NoticeContent {
        NoticeContent {
            activity: "a1".into(),
            explicit,
            text_nl: "Ja, stuur mij de nieuwsbrief.".into(),
            text_en: "Yes, send me the newsletter.".into(),
        }
    }

    fn activity(art9: bool) -> Activity {
        let category = if art9 {
            serde_json::json!({"category": "health", "legal_basis": "consent", "art9_exception": "art9_explicit_consent"})
        } else {
            serde_json::json!({"category": "contact_details", "legal_basis": "consent"})
        };
        serde_json::from_value(
            serde_json::json!({"name": "Onderzoek", "unit": "u", "data_categories": [category]}),
        )
        .unwrap()
    }

    #[test]
    fn ids_are_url_safe_and_not_reserved() {
        assert!(validate_notice_id("alumni-newsletter-2").is_empty());
        for bad in ["", "-x", "Alumni", "a b", "a/b", &"a".repeat(65)] {
            assert_eq!(
                validate_notice_id(bad).at("id").unwrap().code,
                "invalid_format"
            );
        }
        assert_eq!(
            validate_notice_id("notices").at("id").unwrap().code,
            "reserved"
        );
    }

    #[test]
    fn publishing_needs_the_activity_and_explicit_consent_where_the_activity_needs_it() {
        let c = content(false);
        assert_eq!(
            c.check_publishable(None).at("activity").unwrap().code,
            "unknown_reference"
        );
        assert!(c.check_publishable(Some(&activity(false))).is_empty());
        assert_eq!(
            c.check_publishable(Some(&activity(true)))
                .at("explicit")
                .unwrap()
                .code,
            "explicit_required"
        );
        assert!(content(true)
            .check_publishable(Some(&activity(true)))
            .is_empty());
    }

    #[test]
    fn every_field_is_checked_and_each_language_has_its_own_hash() {
        let empty = NoticeContent {
            activity: String::new(),
            explicit: false,
            text_nl: " ".into(),
            text_en: String::new(),
        };
        let e = empty.validate();
        for path in ["activity", "text_nl", "text_en"] {
            assert_eq!(e.at(path).unwrap().code, "required", "{path}");
        }
        let c = content(false);
        assert_ne!(c.hash(Lang::Nl), c.hash(Lang::En));
        assert_eq!(c.hash(Lang::En), c.notice("newsletter", 3, Lang::En).hash());
        assert_eq!(c.notice("newsletter", 3, Lang::Nl).version, "3");
    }
}
