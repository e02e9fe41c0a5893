//! The i18n layer: every user-facing sentence comes from `locales/{nl,en}/*.ftl` (Fluent);
//! labels of vocabulary terms come from the domain, beside the terms themselves.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, Loader};
pub use grondslag_domain::Lang;
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{langid, LanguageIdentifier};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "nl",
        // No Unicode isolation marks around arguments: they show as stray characters in
        // plain-text contexts such as <title> and e-mail.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The name of the cookie that holds the user's own choice of language.
pub const LANG_COOKIE: &str = "grondslag_lang";

fn langid(lang: Lang) -> LanguageIdentifier {
    match lang {
        Lang::Nl => langid!("nl"),
        Lang::En => langid!("en"),
    }
}

/// The sentence with this id in `lang`. A missing id shows as itself, so it is noticed; a
/// test makes sure no used id is missing.
pub fn t(lang: Lang, id: &str) -> String {
    LOCALES
        .try_lookup(&langid(lang), id)
        .unwrap_or_else(|| id.to_string())
}

/// The sentence with this id, with named arguments.
pub fn t_args(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), v.clone()))
        .collect();
    LOCALES
        .try_lookup_with_args(&langid(lang), id, &map)
        .unwrap_or_else(|| id.to_string())
}

/// The language of a request: the user's choice (a cookie), else the browser's
/// Accept-Language, else Dutch.
pub struct UserLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for UserLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UserLang(from_parts(parts)))
    }
}

pub fn from_parts(parts: &Parts) -> Lang {
    if let Some(lang) =
        crate::auth::cookie(&parts.headers, LANG_COOKIE).and_then(|v| Lang::from_tag(&v))
    {
        return lang;
    }
    parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(accept_language)
        .unwrap_or_default()
}

/// The first supported language in an Accept-Language header, by quality.
fn accept_language(header: &str) -> Option<Lang> {
    let mut choices: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|part| {
            let mut it = part.trim().split(';');
            let lang = Lang::from_tag(it.next()?)?;
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, lang))
        })
        .collect();
    // A stable sort keeps the header's order among equal qualities.
    choices.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    choices.first().map(|c| c.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_respects_quality() {
        assert_eq!(
            accept_language("de-DE, en-GB;q=0.8, nl;q=0.9"),
            Some(Lang::Nl)
        );
        assert_eq!(accept_language("fr, en;q=0.5"), Some(Lang::En));
        assert_eq!(accept_language("fr, de"), None);
        assert_eq!(accept_language("nl;q=0"), None);
    }

    /// Both locales hold the same ids, and every id the code and templates use exists.
    #[test]
    fn locales_are_complete_and_every_used_id_exists() {
        let ids = |lang: &str| -> std::collections::BTreeSet<String> {
            let dir = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
            let mut out = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in text.lines() {
                    if let Some((id, _)) = line.split_once(" =") {
                        if !id.starts_with(' ') && !id.starts_with('#') && !id.is_empty() {
                            out.insert(id.trim().to_string());
                        }
                    }
                }
            }
            out
        };
        let (nl, en) = (ids("nl"), ids("en"));
        assert_eq!(
            nl.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "ids in nl but not in en"
        );
        assert_eq!(
            en.difference(&nl).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "ids in en but not in nl"
        );

        let mut used = std::collections::BTreeSet::new();
        let mut scan = |dir: &str| {
            let mut stack = vec![std::path::PathBuf::from(format!(
                "{}/{dir}",
                env!("CARGO_MANIFEST_DIR")
            ))];
            while let Some(p) = stack.pop() {
                if p.is_dir() {
                    stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for marker in [".tr(\"", "t(lang, \"", "t_args(lang, \""] {
                    for piece in text.split(marker).skip(1) {
                        if let Some(end) = piece.find('"') {
                            used.insert(piece[..end].to_string());
                        }
                    }
                }
            }
        };
        scan("src");
        scan("templates");
        used.retain(|id| !id.is_empty() && !id.contains('{') && id != "..");
        let missing: Vec<_> = used.difference(&nl).collect();
        assert!(
            missing.is_empty(),
            "ids used but not in the locales: {missing:?}"
        );
    }
}
