use super::*;
use crate::register::{Activity, DataCategoryEntry, Status};
use crate::vocab::{LegalBasis, PersonalDataCategory, UnitKind};
use chrono::TimeZone;

fn doc() -> RegisterDocument {
    let at = Utc.with_ymd_and_hms(2026, 1, 31, 9, 0, 0).unwrap();
    RegisterDocument::new(
        at,
        Organisation {
            name: "Universiteit Voorbeeld".into(),
            ..Default::default()
        },
        vec![Unit {
            id: "alumni".into(),
            kind: UnitKind::Service,
            name_nl: "Alumnizaken".into(),
            name_en: "Alumni Office".into(),
            parent: None,
        }],
        vec![],
        vec![ActivityRecord {
            id: "8c5e0e55-2f0a-4a43-9a57-8b3c8b9f6a10".into(),
            status: Status::Registered,
            version: 2,
            saved_at: at,
            saved_by: "fg".into(),
            activity: Activity {
                name: "Alumni magazine".into(),
                unit: "alumni".into(),
                data_categories: vec![DataCategoryEntry {
                    category: PersonalDataCategory::Name,
                    description: String::new(),
                    legal_basis: Some(LegalBasis::LegitimateInterests),
                    art9_exception: None,
                    statutory_basis: String::new(),
                    retention: None,
                }],
                ..Default::default()
            },
            history: vec![],
        }],
    )
}

#[test]
fn a_document_round_trips() {
    let d = doc();
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(parse(&v).unwrap(), d);
}

#[test]
fn every_error_is_reported_with_its_path() {
    let mut v = serde_json::to_value(doc()).unwrap();
    v["activities"][0]["data_categories"][0]["legal_basis"] = json!("consnet");
    v["activities"][0]["data_categories"][0]["colour"] = json!("blue");
    v["activities"][0]["purposes"] = json!(["education", 7]);
    v["units"][0].as_object_mut().unwrap().remove("name_en");
    v["processors"] = json!([{"id": "x", "name": "X", "country": "NL", "agreement": {"signed_on": "31-01-2026"}}]);
    let errors = parse(&v).unwrap_err();
    let lines = error_lines(&errors);
    for want in [
        "activities[0].data_categories[0].legal_basis: unknown value \"consnet\"; expected one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests",
        "activities[0].data_categories[0].colour: is not a field of this format",
        "units[0].name_en: is required",
        "processors[0].agreement.signed_on: \"31-01-2026\" is not valid; expected a date as YYYY-MM-DD",
    ] {
        assert!(lines.iter().any(|l| l == want), "missing {want:?} in {lines:#?}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("activities[0].purposes[1]: 7 is not")),
        "{lines:#?}"
    );
}

#[test]
fn references_and_duplicates_are_checked_after_decoding() {
    let mut d = doc();
    d.activities[0].activity.unit = "nowhere".into();
    d.activities.push(d.activities[0].clone());
    let errors = parse(&serde_json::to_value(&d).unwrap()).unwrap_err();
    let found: Vec<_> = errors.iter().map(|e| (e.path.as_str(), e.code)).collect();
    assert!(found.contains(&("activities[0].unit", "unknown_reference")));
    assert!(found.contains(&("activities[1].id", "duplicate")));
}

#[test]
fn an_unknown_format_version_is_refused_before_anything_else() {
    let mut v = serde_json::to_value(doc()).unwrap();
    v["format_version"] = json!(7);
    v["activities"] = json!("garbage");
    let errors = parse(&v).unwrap_err();
    assert_eq!(
        error_lines(&errors),
        ["format_version: version 7 is not supported; this build reads version 1"]
    );
}

#[test]
fn pointers_become_paths() {
    assert_eq!(
        pointer_to_path("/activities/3/data_categories/0/legal_basis"),
        "activities[3].data_categories[0].legal_basis"
    );
    assert_eq!(pointer_to_path(""), "");
}
