//! Every term in code must match docs/glossary.md, the product's one vocabulary.

use super::*;
use std::collections::HashMap;

const GLOSSARY: &str = include_str!("../../../../docs/glossary.md");

/// machine name -> every (en, nl, dpv) row the glossary has for it.
fn glossary_rows() -> HashMap<String, Vec<(String, String, String)>> {
    let mut rows: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for line in GLOSSARY.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        if cells.len() == 5 && cells[0].starts_with('`') {
            rows.entry(cells[0].trim_matches('`').to_string())
                .or_default()
                .push((
                    cells[1].to_string(),
                    cells[2].to_string(),
                    cells[4].to_string(),
                ));
        }
    }
    rows
}

#[test]
fn every_term_is_in_the_glossary_with_the_same_labels_and_dpv_term() {
    let rows = glossary_rows();
    let mut problems = Vec::new();
    for t in all_terms() {
        let want = (
            t.en.to_string(),
            t.nl.to_string(),
            t.dpv.unwrap_or("–").to_string(),
        );
        match rows.get(t.machine_name) {
            None => problems.push(format!(
                "{}: `{}` is not in docs/glossary.md",
                t.vocabulary, t.machine_name
            )),
            Some(found) if !found.contains(&want) => problems.push(format!(
                "{}: `{}` is {:?} in code but {:?} in the glossary",
                t.vocabulary, t.machine_name, want, found
            )),
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn machine_names_are_unique_within_a_vocabulary_and_round_trip() {
    fn check<T: Term + std::fmt::Debug + PartialEq + serde::Serialize>() {
        let mut seen = std::collections::HashSet::new();
        for t in T::all() {
            assert!(
                seen.insert(t.machine_name()),
                "{} twice in {}",
                t.machine_name(),
                T::VOCABULARY
            );
            assert_eq!(T::from_machine_name(t.machine_name()), Some(*t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.machine_name())
            );
        }
    }
    check::<LegalBasis>();
    check::<Art9Exception>();
    check::<TransferMechanism>();
    check::<PersonalDataCategory>();
    check::<DataSubjectCategory>();
    check::<DataOrigin>();
    check::<Purpose>();
    check::<SecurityMeasure>();
    check::<crate::register::Status>();
}

#[test]
fn unknown_terms_say_what_is_expected() {
    let err = "consnet".parse::<LegalBasis>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown value \"consnet\"; expected one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests"
    );
}

#[test]
fn special_categories_follow_ru_article_1_lid_2() {
    let special: Vec<_> = PersonalDataCategory::all()
        .iter()
        .filter(|c| c.is_special())
        .map(|c| c.machine_name())
        .collect();
    assert_eq!(
        special,
        [
            "health",
            "disability",
            "religion",
            "ethnic_origin",
            "political_opinion",
            "trade_union",
            "genetic",
            "biometric",
            "sexual_orientation"
        ]
    );
    assert!(!PersonalDataCategory::Criminal.is_special());
    assert!(PersonalDataCategory::Bsn.is_national_id());
}
