//! Shared pieces of the rule tests: a clean activity that passes every rule, and a context.

use super::{check_activity, Context};
use crate::register::{Activity, Contact, DataCategoryEntry, Processor, Retention, Status};
use crate::transfers::TransferRules;
use crate::vocab::*;
use chrono::NaiveDate;

pub fn category(c: PersonalDataCategory, basis: LegalBasis) -> DataCategoryEntry {
    DataCategoryEntry {
        category: c,
        description: String::new(),
        legal_basis: Some(basis),
        art9_exception: None,
        statutory_basis: String::new(),
        retention: Some(Retention {
            period: 7,
            unit: PeriodUnit::Years,
            starts: String::new(),
            source: String::new(),
            end_action: EndAction::Destroy,
        }),
    }
}

/// Passes every rule.
pub fn clean() -> Activity {
    Activity {
        name: "Studentenadministratie".into(),
        unit: "ssc".into(),
        purposes: vec![Purpose::StudentAdministration],
        purpose_description: "Inschrijving en studievoortgang".into(),
        access_holders: "Medewerkers Studentenzaken".into(),
        data_origins: vec![DataOrigin::DataSubject],
        data_subjects: vec![DataSubjectCategory::Student],
        data_categories: vec![category(PersonalDataCategory::Name, LegalBasis::PublicTask)],
        security_measures: vec![SecurityMeasure::AccessControl],
        domain_owner: "Directeur Studentenzaken".into(),
        contact: Contact {
            name: "J. de Vries".into(),
            email: "privacy@uni.example".into(),
        },
        ..Default::default()
    }
}

/// A clean activity whose DPIA screening found no DPIA needed, for rules about data that
/// would otherwise call for a screening.
pub fn screened() -> Activity {
    Activity {
        dpia_screening: Some(Default::default()),
        ..clean()
    }
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// The ids of the rules that fire, with their paths.
pub fn findings(a: &Activity, processors: &[Processor]) -> Vec<(&'static str, String)> {
    let rules = TransferRules::builtin();
    let ctx = Context::new(today(), processors, &rules);
    check_activity(&ctx, "a1", Status::Registered, a)
        .into_iter()
        .map(|f| (f.rule, f.path))
        .collect()
}

pub fn fired(a: &Activity) -> Vec<&'static str> {
    findings(a, &[]).into_iter().map(|(r, _)| r).collect()
}

#[test]
fn the_clean_activity_is_clean() {
    assert_eq!(findings(&clean(), &[]), vec![]);
}
