//! The consent ledger as a whole: every decision reason, the time edges, validation of bad
//! input, the events' JSON, receipts, and properties over random histories.

use super::*;
use crate::register::{Activity, Organisation, Recipient, SocialMedia};
use crate::rules::testing::category;
use crate::vocab::{
    Art9Exception, ConsentMethod, LegalBasis, PersonalDataCategory as Cat, Purpose, RecipientKind,
    SocialProcessing, Term,
};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ALUMNI: &str = "act-alumni";
const NOW: &str = "2026-01-01T12:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn notice() -> Notice {
    Notice {
        id: "alumni-newsletter".into(),
        version: "2".into(),
        language: "nl".into(),
        text: "Ja, ik wil de alumninieuwsbrief ontvangen.".into(),
    }
}

fn subject() -> SubjectKey {
    let id = SubjectId::parse(IdentifierKind::Email, "jan@uni.nl").unwrap();
    PseudonymKey::new(&[9; 32]).unwrap().subject_key(&id)
}

fn details(explicit: bool) -> ConsentDetails {
    ConsentDetails {
        notice: notice().hash(),
        method: ConsentMethod::WebForm,
        explicit,
        witness: None,
    }
}

fn event(
    at: &str,
    activity: Option<&str>,
    purpose: Option<Purpose>,
    kind: EventKind,
) -> ConsentEvent {
    ConsentEvent {
        subject: subject(),
        activity: activity.map(str::to_string),
        purpose,
        at: t(at),
        recorded_by: RecordedBy::system("website"),
        evidence: "form submission 42".into(),
        kind,
    }
}

/// An event about the alumni activity.
fn on(at: &str, kind: EventKind) -> ConsentEvent {
    event(at, Some(ALUMNI), None, kind)
}

/// An event about the subject as a whole.
fn whole(at: &str, kind: EventKind) -> ConsentEvent {
    event(at, None, None, kind)
}

fn given(at: &str) -> ConsentEvent {
    on(at, EventKind::ConsentGiven(details(false)))
}

fn explicit(at: &str) -> ConsentEvent {
    on(at, EventKind::ConsentGiven(details(true)))
}

fn withdrawn(at: &str) -> ConsentEvent {
    on(at, EventKind::ConsentWithdrawn)
}

fn activity(purposes: &[Purpose], basis: LegalBasis) -> Activity {
    Activity {
        name: "Alumninieuwsbrief".into(),
        unit: "alumni".into(),
        purposes: purposes.to_vec(),
        data_categories: vec![
            category(Cat::Name, basis),
            category(Cat::ContactDetails, basis),
        ],
        consent_methods: vec![ConsentMethod::WebForm],
        ..Default::default()
    }
}

fn newsletter() -> Activity {
    activity(&[Purpose::AlumniRelations], LegalBasis::Consent)
}

fn marketing() -> Activity {
    activity(&[Purpose::DirectMarketing], LegalBasis::Consent)
}

fn retargeting() -> Activity {
    Activity {
        social_media: Some(SocialMedia {
            forms: vec![SocialProcessing::Retarget],
            ..Default::default()
        }),
        ..activity(&[Purpose::StudentRecruitment], LegalBasis::Consent)
    }
}

fn profiling() -> Activity {
    Activity {
        profiling: true,
        explicit_consent: true,
        ..newsletter()
    }
}

fn interest() -> Activity {
    activity(&[Purpose::AlumniRelations], LegalBasis::LegitimateInterests)
}

fn ask(events: &[ConsentEvent], a: &Activity, at: &str) -> Decision {
    decide(
        events,
        &ActivityConsentNeeds::from_activity(a),
        Target::Activity(ALUMNI),
        t(at),
    )
}

/// (reason, deciding event indices) of a decision.
fn why(d: Decision) -> (Reason, Vec<u32>) {
    assert_eq!(d.allowed, d.reason.allows());
    (d.reason, d.deciding_events.as_slice().to_vec())
}

// ---- decisions ----------------------------------------------------------------------------

#[test]
fn no_consent_denies_and_consent_allows_from_its_own_instant() {
    let a = newsletter();
    assert_eq!(why(ask(&[], &a, NOW)), (Reason::NoConsent, vec![]));
    let events = [given("2025-06-01T10:00:00Z")];
    let before = ask(&events, &a, "2025-06-01T09:59:59Z");
    assert_eq!(why(before), (Reason::NoConsent, vec![]));
    assert_eq!(before.since, None);
    let at = ask(&events, &a, "2025-06-01T10:00:00Z");
    assert_eq!(why(at), (Reason::ConsentInForce, vec![0]));
    assert!(at.allowed);
    assert_eq!(at.since, Some(t("2025-06-01T10:00:00Z")));
}

#[test]
fn withdrawal_is_not_retroactive_one_second_before_at_and_after() {
    let a = newsletter();
    let events = [
        given("2025-06-01T10:00:00Z"),
        withdrawn("2025-09-01T12:00:00Z"),
    ];
    let before = ask(&events, &a, "2025-09-01T11:59:59Z");
    assert_eq!(why(before), (Reason::ConsentInForce, vec![0]));
    for at in ["2025-09-01T12:00:00Z", "2025-09-01T12:00:01Z", NOW] {
        let d = ask(&events, &a, at);
        assert_eq!(why(d), (Reason::ConsentWithdrawn, vec![0, 1]), "at {at}");
        assert_eq!(d.since, Some(t("2025-09-01T12:00:00Z")));
    }
    // Sub-second precision: the boundary is the instant itself.
    let just_before = t("2025-09-01T12:00:00Z") - Duration::milliseconds(1);
    let d = decide(
        &events,
        &ActivityConsentNeeds::from_activity(&a),
        Target::Activity(ALUMNI),
        just_before,
    );
    assert_eq!(d.reason, Reason::ConsentInForce);
}

#[test]
fn a_renewed_consent_after_a_withdrawal_allows_again() {
    let a = newsletter();
    let events = [
        given("2025-01-01T00:00:00Z"),
        withdrawn("2025-02-01T00:00:00Z"),
        on(
            "2025-03-01T00:00:00Z",
            EventKind::ConsentRenewed(details(false)),
        ),
    ];
    assert_eq!(
        why(ask(&events, &a, "2025-02-15T00:00:00Z")).0,
        Reason::ConsentWithdrawn
    );
    assert_eq!(
        why(ask(&events, &a, NOW)),
        (Reason::ConsentInForce, vec![2])
    );
}

#[test]
fn explicit_consent_is_a_stronger_kind() {
    let needs = |a: &Activity| ActivityConsentNeeds::from_activity(a).explicit;
    assert!(needs(&profiling()));
    assert!(!needs(&newsletter()));
    let mut special = newsletter();
    special.data_categories[0].art9_exception = Some(Art9Exception::ExplicitConsent);
    assert!(needs(&special));
    let automated = Activity {
        automated_decision_making: true,
        ..newsletter()
    };
    assert!(needs(&automated));
    // Explicit consent only matters where consent is the basis.
    let contract = Activity {
        explicit_consent: true,
        ..activity(&[Purpose::AlumniRelations], LegalBasis::Contract)
    };
    assert!(!needs(&contract));

    let a = profiling();
    let ordinary = [given("2025-01-01T00:00:00Z")];
    assert_eq!(
        why(ask(&ordinary, &a, NOW)),
        (Reason::ExplicitConsentRequired, vec![0])
    );
    let both = [
        given("2025-01-01T00:00:00Z"),
        explicit("2025-02-01T00:00:00Z"),
    ];
    assert_eq!(why(ask(&both, &a, NOW)), (Reason::ConsentInForce, vec![1]));
    // Explicit consent also does for an activity that needs only ordinary consent.
    assert_eq!(
        why(ask(&[explicit("2025-01-01T00:00:00Z")], &newsletter(), NOW)).0,
        Reason::ConsentInForce
    );
}

#[test]
fn an_objection_to_direct_marketing_overrides_consent_absolutely() {
    let a = marketing();
    let events = [
        given("2025-01-01T00:00:00Z"),
        whole("2025-05-01T08:00:00Z", EventKind::DirectMarketingObjection),
        // A later consent does not lift the objection: only the subject's own
        // objection_withdrawn does.
        given("2025-06-01T00:00:00Z"),
    ];
    assert_eq!(
        why(ask(&events, &a, "2025-05-01T07:59:59Z")).0,
        Reason::ConsentInForce
    );
    let d = ask(&events, &a, "2025-05-01T08:00:00Z");
    assert_eq!(why(d), (Reason::DirectMarketingObjection, vec![1]));
    assert_eq!(d.since, Some(t("2025-05-01T08:00:00Z")));
    assert_eq!(
        why(ask(&events, &a, NOW)).0,
        Reason::DirectMarketingObjection
    );

    // Also when the basis is not consent (GDPR 21(3) has no balancing).
    let li_marketing = activity(&[Purpose::DirectMarketing], LegalBasis::LegitimateInterests);
    assert_eq!(
        why(ask(&events, &li_marketing, NOW)).0,
        Reason::DirectMarketingObjection
    );
    // A subject-wide objection to direct marketing leaves other activities alone.
    assert_eq!(
        why(ask(&events, &newsletter(), NOW)).0,
        Reason::ConsentInForce
    );
    // Scoped to the purpose, it reaches every activity with that purpose.
    let by_purpose = [
        given("2025-01-01T00:00:00Z"),
        event(
            "2025-02-01T00:00:00Z",
            None,
            Some(Purpose::DirectMarketing),
            EventKind::DirectMarketingObjection,
        ),
    ];
    assert_eq!(
        why(ask(&by_purpose, &a, NOW)),
        (Reason::DirectMarketingObjection, vec![1])
    );
    // The subject may take the objection back.
    let mut lifted = events.to_vec();
    lifted.push(whole(
        "2025-07-01T00:00:00Z",
        EventKind::ObjectionWithdrawn {
            objection: ObjectionKind::DirectMarketing,
        },
    ));
    assert_eq!(
        why(ask(&lifted, &a, NOW)),
        (Reason::ConsentInForce, vec![2])
    );
}

#[test]
fn a_gpc_signal_and_a_retargeting_objection_stop_targeting() {
    let a = retargeting();
    assert!(ActivityConsentNeeds::from_activity(&a).targeting);
    let gpc = [
        given("2025-01-01T00:00:00Z"),
        whole("2025-03-01T00:00:00Z", EventKind::GpcSignal),
    ];
    assert_eq!(why(ask(&gpc, &a, NOW)), (Reason::GpcSignal, vec![1]));
    assert_eq!(
        why(ask(&gpc, &a, "2025-02-28T23:59:59Z")).0,
        Reason::ConsentInForce
    );
    // Not targeting: the signal does not concern it.
    assert_eq!(why(ask(&gpc, &newsletter(), NOW)).0, Reason::ConsentInForce);
    let objection = [
        given("2025-01-01T00:00:00Z"),
        whole("2025-03-01T00:00:00Z", EventKind::RetargetingObjection),
    ];
    assert_eq!(
        why(ask(&objection, &a, NOW)),
        (Reason::RetargetingObjection, vec![1])
    );
    // Marketing with cookies is targeting too.
    let mut cookies = marketing();
    cookies
        .data_categories
        .push(category(Cat::OnlineIdentifier, LegalBasis::Consent));
    assert!(ActivityConsentNeeds::from_activity(&cookies).targeting);
    assert!(!ActivityConsentNeeds::from_activity(&marketing()).targeting);
}

#[test]
fn a_restriction_overrides_consent_and_a_basis_without_consent() {
    let events = [
        given("2025-01-01T00:00:00Z"),
        whole(
            "2025-04-01T00:00:00Z",
            EventKind::RestrictionSet {
                grounds: "accuracy contested".into(),
            },
        ),
        whole("2025-05-01T00:00:00Z", EventKind::RestrictionLifted),
    ];
    for a in [newsletter(), interest(), marketing()] {
        let d = ask(&events, &a, "2025-04-15T00:00:00Z");
        assert_eq!(why(d), (Reason::Restriction, vec![1]));
        assert_eq!(d.since, Some(t("2025-04-01T00:00:00Z")));
    }
    assert_eq!(
        why(ask(&events, &newsletter(), NOW)).0,
        Reason::ConsentInForce
    );
    assert_eq!(
        why(ask(&events, &interest(), NOW)).0,
        Reason::BasisNotConsent
    );
    // Restriction beats an objection to direct marketing too: it is checked first.
    let both = [
        whole("2025-01-01T00:00:00Z", EventKind::DirectMarketingObjection),
        on(
            "2025-02-01T00:00:00Z",
            EventKind::RestrictionSet {
                grounds: String::new(),
            },
        ),
    ];
    assert_eq!(
        why(ask(&both, &marketing(), NOW)),
        (Reason::Restriction, vec![1])
    );
    // A restriction of another activity does not concern this one.
    let other = [
        given("2025-01-01T00:00:00Z"),
        event(
            "2025-02-01T00:00:00Z",
            Some("act-other"),
            None,
            EventKind::RestrictionSet {
                grounds: String::new(),
            },
        ),
    ];
    assert_eq!(
        why(ask(&other, &newsletter(), NOW)).0,
        Reason::ConsentInForce
    );
}

#[test]
fn an_objection_on_legitimate_interest_is_pending_then_upheld_or_rejected() {
    let a = interest();
    assert_eq!(why(ask(&[], &a, NOW)), (Reason::BasisNotConsent, vec![]));
    let objection = on(
        "2025-03-01T00:00:00Z",
        EventKind::Objection {
            grounds: "I moved abroad and never studied here".into(),
        },
    );
    let pending = [objection.clone()];
    assert_eq!(
        why(ask(&pending, &a, NOW)),
        (Reason::ObjectionPending, vec![0])
    );
    assert_eq!(
        why(ask(&pending, &a, "2025-02-28T23:59:59Z")).0,
        Reason::BasisNotConsent
    );

    let upheld = [
        objection.clone(),
        on(
            "2025-03-20T00:00:00Z",
            EventKind::ObjectionUpheld {
                reasons: "no compelling grounds".into(),
            },
        ),
    ];
    let d = ask(&upheld, &a, NOW);
    assert_eq!(why(d), (Reason::ObjectionUpheld, vec![0, 1]));
    assert_eq!(d.since, Some(t("2025-03-20T00:00:00Z")));
    assert_eq!(
        why(ask(&upheld, &a, "2025-03-19T00:00:00Z")).0,
        Reason::ObjectionPending
    );

    let rejected = [
        objection,
        on(
            "2025-03-20T00:00:00Z",
            EventKind::ObjectionRejected {
                reasons: "legal duty to keep alumni records".into(),
            },
        ),
    ];
    let d = ask(&rejected, &a, NOW);
    assert_eq!(why(d), (Reason::ObjectionRejected, vec![0, 1]));
    assert!(d.allowed);
}

#[test]
fn consent_is_tracked_per_scope_and_other_activities_do_not_count() {
    let a = newsletter();
    let events = [
        event(
            "2025-01-01T00:00:00Z",
            None,
            Some(Purpose::AlumniRelations),
            EventKind::ConsentGiven(details(false)),
        ),
        given("2025-02-01T00:00:00Z"),
        withdrawn("2025-03-01T00:00:00Z"),
    ];
    // The activity's own consent is withdrawn, the consent for its purpose still holds.
    assert_eq!(
        why(ask(&events, &a, NOW)),
        (Reason::ConsentInForce, vec![0])
    );
    let elsewhere = [event(
        "2025-01-01T00:00:00Z",
        Some("act-other"),
        None,
        EventKind::ConsentGiven(details(false)),
    )];
    assert_eq!(why(ask(&elsewhere, &a, NOW)).0, Reason::NoConsent);
    // A question about a purpose alone sees events scoped to that purpose.
    let d = decide(
        &events,
        &ActivityConsentNeeds::for_purpose(Purpose::AlumniRelations),
        Target::Purpose(Purpose::AlumniRelations),
        t(NOW),
    );
    assert_eq!(why(d), (Reason::ConsentInForce, vec![0]));
}

#[test]
fn an_activity_without_a_recorded_basis_gets_the_most_private_answer() {
    let mut a = interest();
    a.data_categories[1].legal_basis = None;
    assert!(ActivityConsentNeeds::from_activity(&a).consent);
    assert_eq!(why(ask(&[], &a, NOW)).0, Reason::NoConsent);
    a.data_categories.clear();
    assert!(ActivityConsentNeeds::from_activity(&a).consent);
}

/// One scenario per reason; the table must reach every reason of the vocabulary.
#[test]
fn every_decision_reason_is_reached() {
    let objection = on(
        "2025-03-01T00:00:00Z",
        EventKind::Objection {
            grounds: String::new(),
        },
    );
    let assessed = |kind| vec![objection.clone(), on("2025-03-02T00:00:00Z", kind)];
    let table: Vec<(Activity, Vec<ConsentEvent>, Reason)> = vec![
        (
            newsletter(),
            vec![given("2025-01-01T00:00:00Z")],
            Reason::ConsentInForce,
        ),
        (interest(), vec![], Reason::BasisNotConsent),
        (
            interest(),
            assessed(EventKind::ObjectionRejected {
                reasons: "r".into(),
            }),
            Reason::ObjectionRejected,
        ),
        (newsletter(), vec![], Reason::NoConsent),
        (
            newsletter(),
            vec![
                given("2025-01-01T00:00:00Z"),
                withdrawn("2025-02-01T00:00:00Z"),
            ],
            Reason::ConsentWithdrawn,
        ),
        (
            profiling(),
            vec![given("2025-01-01T00:00:00Z")],
            Reason::ExplicitConsentRequired,
        ),
        (
            marketing(),
            vec![whole(
                "2025-01-01T00:00:00Z",
                EventKind::DirectMarketingObjection,
            )],
            Reason::DirectMarketingObjection,
        ),
        (
            retargeting(),
            vec![whole(
                "2025-01-01T00:00:00Z",
                EventKind::RetargetingObjection,
            )],
            Reason::RetargetingObjection,
        ),
        (
            retargeting(),
            vec![whole("2025-01-01T00:00:00Z", EventKind::GpcSignal)],
            Reason::GpcSignal,
        ),
        (
            interest(),
            vec![objection.clone()],
            Reason::ObjectionPending,
        ),
        (
            interest(),
            assessed(EventKind::ObjectionUpheld {
                reasons: "r".into(),
            }),
            Reason::ObjectionUpheld,
        ),
        (
            newsletter(),
            vec![whole(
                "2025-01-01T00:00:00Z",
                EventKind::RestrictionSet {
                    grounds: String::new(),
                },
            )],
            Reason::Restriction,
        ),
    ];
    let mut reached = BTreeSet::new();
    for (a, events, want) in &table {
        let d = ask(events, a, NOW);
        assert_eq!(d.reason, *want, "{events:?}");
        assert_eq!(d.allowed, want.allows());
        for i in d.deciding_events.iter() {
            assert!(i < events.len());
        }
        reached.insert(d.reason);
    }
    let all: BTreeSet<Reason> = Reason::all().iter().copied().collect();
    assert_eq!(reached, all);
}

#[test]
fn a_decision_serialises_with_machine_names_and_event_indices() {
    let events = [
        given("2025-06-01T10:00:00Z"),
        withdrawn("2025-09-01T12:00:00Z"),
    ];
    let d = ask(&events, &newsletter(), NOW);
    assert_eq!(
        serde_json::to_value(d).unwrap(),
        json!({
            "allowed": false,
            "reason": "consent_withdrawn",
            "since": "2025-09-01T12:00:00Z",
            "deciding_events": [0, 1],
        })
    );
}

// ---- validation ---------------------------------------------------------------------------

fn ledger() -> MemoryLedger {
    let mut l = MemoryLedger::default();
    l.activities.insert(ALUMNI.to_string());
    l.activities.insert("act-other".to_string());
    l.notices.insert(notice().hash());
    l
}

fn errors(r: Result<(), crate::ValidationErrors>) -> Vec<(String, &'static str)> {
    r.err()
        .map(|e| e.iter().map(|e| (e.path.clone(), e.code)).collect())
        .unwrap_or_default()
}

#[test]
fn a_batch_with_a_consent_and_its_withdrawal_is_valid() {
    let batch = [
        given("2025-01-01T00:00:00Z"),
        withdrawn("2025-02-01T00:00:00Z"),
    ];
    assert_eq!(validate_batch(&ledger(), &batch, t(NOW)), Ok(()));
}

#[test]
fn bad_input_gives_a_clear_error_per_item_and_the_batch_is_refused_whole() {
    let verbal = ConsentDetails {
        method: ConsentMethod::Verbal,
        ..details(false)
    };
    let mut no_evidence = on("2025-01-01T00:00:00Z", EventKind::ConsentGiven(verbal));
    no_evidence.evidence.clear();
    let mut both = given("2025-01-01T00:00:00Z");
    both.purpose = Some(Purpose::AlumniRelations);
    let mut unknown_notice = given("2025-01-01T00:00:00Z");
    unknown_notice.activity = Some("act-other".into());
    if let EventKind::ConsentGiven(d) = &mut unknown_notice.kind {
        d.notice = NoticeHash::from_bytes([0; 32]);
    }
    let mut unrecorded = given("2025-01-01T00:00:00Z");
    unrecorded.recorded_by.name = " ".into();
    let batch = vec![
        given("2026-01-01T12:00:01Z"),     // 0: one second in the future
        withdrawn("2025-01-01T00:00:00Z"), // 1: nothing to withdraw
        no_evidence,                       // 2
        event(
            "2025-01-01T00:00:00Z",
            Some("act-gone"),
            None,
            EventKind::ConsentWithdrawn,
        ), // 3
        unknown_notice,                    // 4
        both,                              // 5
        whole(
            "2025-01-01T00:00:00Z",
            EventKind::ConsentGiven(details(false)),
        ), // 6
        on(
            "2025-01-01T00:00:00Z",
            EventKind::ObjectionUpheld {
                reasons: String::new(),
            },
        ), // 7
        whole("2025-01-01T00:00:00Z", EventKind::RestrictionLifted), // 8
        event(
            "2025-01-01T00:00:00Z",
            None,
            Some(Purpose::Communication),
            EventKind::ConsentRenewed(details(false)),
        ), // 9
        unrecorded,                        // 10
    ];
    let got = errors(validate_batch(&ledger(), &batch, t(NOW)));
    let want: Vec<(String, &str)> = [
        ("items[0].at", "future"),
        ("items[1]", "no_consent_in_force"),
        ("items[2].evidence", "required"),
        ("items[2].witness", "required"),
        ("items[3].activity", "unknown_reference"),
        ("items[3]", "no_consent_in_force"),
        ("items[4].notice", "unknown_reference"),
        ("items[5].purpose", "not_allowed"),
        ("items[6].activity", "required"),
        ("items[7].reasons", "required"),
        ("items[7]", "no_pending_objection"),
        ("items[8]", "not_restricted"),
        ("items[9]", "no_prior_consent"),
        ("items[10].recorded_by.name", "required"),
    ]
    .iter()
    .map(|(p, c)| (p.to_string(), *c))
    .collect();
    assert_eq!(got, want);

    let e = validate_batch(&ledger(), &batch, t(NOW)).unwrap_err();
    let text = e.to_string();
    assert!(text.contains(
        "items[0].at: 2026-01-01T12:00:01+00:00 is in the future (now is 2026-01-01T12:00:00+00:00)"
    ), "{text}");
    assert!(text.contains("items[1]: there is no consent in force for activity \"act-alumni\" at 2025-01-01T00:00:00+00:00; a withdrawal needs a prior consent"), "{text}");
    assert!(
        text.contains("items[2].witness: is required for a verbal consent"),
        "{text}"
    );
    assert!(
        text.contains("items[3].activity: no activity has the id \"act-gone\""),
        "{text}"
    );
}

#[test]
fn validation_takes_the_recorded_history_into_account() {
    let mut l = ledger();
    l.events.insert(
        subject(),
        vec![
            given("2025-01-01T00:00:00Z"),
            whole(
                "2025-02-01T00:00:00Z",
                EventKind::RestrictionSet {
                    grounds: String::new(),
                },
            ),
        ],
    );
    // A withdrawal of the recorded consent is fine, on its own ...
    assert!(validate_event(&l, &withdrawn("2025-03-01T00:00:00Z"), t(NOW)).is_empty());
    // ... and its paths have no prefix.
    let e = validate_event(&l, &withdrawn("2024-12-31T00:00:00Z"), t(NOW));
    let got: Vec<_> = e.iter().map(|e| (e.path.as_str(), e.code)).collect();
    assert_eq!(got, [("at", "out_of_order")]);
    // Another scope has its own order: a late paper consent for a purpose is fine.
    let late = event(
        "2024-06-01T00:00:00Z",
        None,
        Some(Purpose::AlumniRelations),
        EventKind::ConsentGiven(details(false)),
    );
    assert!(validate_event(&l, &late, t(NOW)).is_empty());
    let again = whole(
        "2025-03-01T00:00:00Z",
        EventKind::RestrictionSet {
            grounds: String::new(),
        },
    );
    let e = validate_event(&l, &again, t(NOW));
    assert_eq!(e.iter().next().unwrap().code, "already_restricted");
    // Items of one scope in one batch must be in time order too.
    let batch = [
        withdrawn("2025-04-01T00:00:00Z"),
        given("2025-03-01T00:00:00Z"),
    ];
    assert_eq!(
        errors(validate_batch(&l, &batch, t(NOW))),
        [("items[1].at".to_string(), "out_of_order")]
    );
}

#[test]
fn objections_follow_their_lifecycle() {
    let l = ledger();
    let objection = on(
        "2025-01-01T00:00:00Z",
        EventKind::Objection {
            grounds: String::new(),
        },
    );
    let upheld = on(
        "2025-01-02T00:00:00Z",
        EventKind::ObjectionUpheld {
            reasons: "ok".into(),
        },
    );
    let batch = [objection.clone(), upheld.clone()];
    assert_eq!(validate_batch(&l, &batch, t(NOW)), Ok(()));
    let twice = [objection.clone(), objection.clone()];
    assert_eq!(
        errors(validate_batch(&l, &twice, t(NOW))),
        [("items[1]".to_string(), "already_objected")]
    );
    let lift_nothing = [whole(
        "2025-01-01T00:00:00Z",
        EventKind::ObjectionWithdrawn {
            objection: ObjectionKind::Gpc,
        },
    )];
    assert_eq!(
        errors(validate_batch(&l, &lift_nothing, t(NOW))),
        [("items[0]".to_string(), "no_objection_in_force")]
    );
    // Absolute objections may be recorded again (a GPC header on every request).
    let gpc = [
        whole("2025-01-01T00:00:00Z", EventKind::GpcSignal),
        whole("2025-01-02T00:00:00Z", EventKind::GpcSignal),
    ];
    assert_eq!(validate_batch(&l, &gpc, t(NOW)), Ok(()));
}

// ---- the events' JSON and notices ---------------------------------------------------------

#[test]
fn events_are_json_with_glossary_machine_names() {
    let e = given("2025-06-01T10:00:00Z");
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(
        v,
        json!({
            "subject": subject().to_hex(),
            "activity": ALUMNI,
            "at": "2025-06-01T10:00:00Z",
            "recorded_by": { "kind": "system", "name": "website" },
            "evidence": "form submission 42",
            "type": "consent_given",
            "notice": notice().hash().to_hex(),
            "method": "web_form",
            "explicit": false,
        })
    );
    assert_eq!(serde_json::from_value::<ConsentEvent>(v).unwrap(), e);
    let verbal: ConsentEvent = serde_json::from_value(json!({
        "subject": subject().to_hex(),
        "purpose": "alumni_relations",
        "at": "2025-06-01T10:00:00Z",
        "recorded_by": { "kind": "staff_member", "name": "pietersen" },
        "evidence": "call note 2025-06-01",
        "type": "consent_given",
        "notice": notice().hash().to_hex(),
        "method": "verbal",
        "witness": "de-vries",
    }))
    .unwrap();
    assert_eq!(
        verbal.consent().unwrap().witness.as_deref(),
        Some("de-vries")
    );
    assert_eq!(verbal.event_type(), EventType::ConsentGiven);
    for (kind, name) in [
        (EventKind::GpcSignal, "gpc_signal"),
        (EventKind::RestrictionLifted, "restriction_lifted"),
        (
            EventKind::ObjectionWithdrawn {
                objection: ObjectionKind::DirectMarketing,
            },
            "objection_withdrawn",
        ),
    ] {
        let e = whole("2025-01-01T00:00:00Z", kind);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], name);
        assert_eq!(e.event_type().machine_name(), name);
        assert_eq!(serde_json::from_value::<ConsentEvent>(v).unwrap(), e);
    }
    let bad = json!({
        "subject": subject().to_hex(), "at": "2025-01-01T00:00:00Z",
        "recorded_by": { "kind": "system", "name": "x" }, "type": "consent_forgotten",
    });
    assert!(serde_json::from_value::<ConsentEvent>(bad).is_err());
}

#[test]
fn a_notice_is_referenced_by_the_sha256_of_its_exact_text() {
    let n = Notice {
        text: "abc".into(),
        ..notice()
    };
    assert_eq!(
        n.hash().to_hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let spaced = Notice {
        text: "abc ".into(),
        ..notice()
    };
    assert_ne!(n.hash(), spaced.hash());
    assert!(notice().validate().is_empty());
    let bad = Notice {
        language: "Dutch".into(),
        text: String::new(),
        ..notice()
    };
    let codes: Vec<_> = bad
        .validate()
        .iter()
        .map(|e| (e.path.clone(), e.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("language".to_string(), "invalid_format"),
            ("text".to_string(), "required")
        ]
    );
}

// ---- receipts -----------------------------------------------------------------------------

fn organisation() -> Organisation {
    Organisation {
        name: "Universiteit van Voorbeeld".into(),
        contact_email: "privacy@uni.example".into(),
        dpo_name: "mr. A. de Jong".into(),
        dpo_email: "fg@uni.example".into(),
    }
}

fn input<'a>(
    events: &'a [ConsentEvent],
    consent: usize,
    notice: &'a Notice,
    activity: Option<&'a Activity>,
    controller: &'a Controller,
) -> ReceiptInput<'a> {
    ReceiptInput {
        consent_id: "c-17",
        receipt_id: "6f1c2b1e-7d0a-4c55-9a51-1d2f3e4a5b6c",
        events,
        consent,
        notice,
        activity,
        controller,
        subject_identifier: "jan@uni.nl",
        policy_url: "https://uni.example/privacy",
        issued_at: t(NOW),
    }
}

#[test]
fn kantara_receipts_validate_against_the_kantara_schema() {
    let n = notice();
    let controller = Controller::from_organisation(&organisation());
    let mut a = profiling();
    a.data_categories
        .push(category(Cat::Health, LegalBasis::Consent));
    a.data_categories[2].art9_exception = Some(Art9Exception::ExplicitConsent);
    a.recipients.push(Recipient {
        name: "Alumnivereniging".into(),
        kind: RecipientKind::ThirdParty,
        country: "NL".into(),
        processor: None,
        transfer_mechanism: None,
        safeguards: String::new(),
        dpf_certified: false,
    });
    let events = [
        explicit("2025-06-01T10:00:00Z"),
        withdrawn("2025-09-01T12:00:00Z"),
    ];
    let r = kantara_receipt(&input(&events, 0, &n, Some(&a), &controller)).unwrap();
    assert_eq!(check_kantara(&r), Ok(()), "{r:#}");
    assert_eq!(r["version"], KANTARA_VERSION);
    assert_eq!(r["consentTimestamp"], t("2025-06-01T10:00:00Z").timestamp());
    assert_eq!(r["piiPrincipalId"], "jan@uni.nl");
    assert_eq!(r["collectionMethod"], "Webformulier");
    assert_eq!(r["language"], "nl");
    assert_eq!(r["sensitive"], true);
    assert_eq!(r["spiCat"], json!(["Gezondheid"]));
    assert_eq!(r["piiControllers"][0]["contact"], "mr. A. de Jong");
    let purpose = &r["services"][0]["purposes"][0];
    assert_eq!(purpose["consentType"], "EXPLICIT");
    assert_eq!(purpose["thirdPartyDisclosure"], true);
    assert_eq!(purpose["thirdPartyName"], "Alumnivereniging");
    assert_eq!(purpose["purposeCategory"], json!(["alumni_relations"]));

    // An ordinary consent for a purpose, without an activity, in English.
    let en = Notice {
        language: "en".into(),
        ..notice()
    };
    let by_purpose = [event(
        "2025-06-01T10:00:00Z",
        None,
        Some(Purpose::Communication),
        EventKind::ConsentGiven(ConsentDetails {
            notice: en.hash(),
            ..details(false)
        }),
    )];
    let r = kantara_receipt(&input(&by_purpose, 0, &en, None, &controller)).unwrap();
    assert_eq!(check_kantara(&r), Ok(()), "{r:#}");
    assert_eq!(r["services"][0]["service"], "Communication");
    assert_eq!(r["services"][0]["purposes"][0]["consentType"], "EXPRESSED");
    assert_eq!(
        r["services"][0]["purposes"][0]["thirdPartyDisclosure"],
        false
    );
    assert_eq!(r["sensitive"], false);
}

#[test]
fn receipts_are_only_for_consents_with_their_own_notice() {
    let n = notice();
    let controller = Controller::from_organisation(&organisation());
    let events = [
        given("2025-06-01T10:00:00Z"),
        withdrawn("2025-09-01T12:00:00Z"),
    ];
    assert_eq!(
        kantara_receipt(&input(&events, 1, &n, None, &controller)).unwrap_err(),
        ReceiptError::NotAConsent(1)
    );
    assert_eq!(
        dpv_record(&input(&events, 5, &n, None, &controller)).unwrap_err(),
        ReceiptError::NotAConsent(5)
    );
    let other = Notice {
        text: "Another text".into(),
        ..notice()
    };
    assert!(matches!(
        kantara_receipt(&input(&events, 0, &other, None, &controller)),
        Err(ReceiptError::NoticeMismatch { .. })
    ));
}

/// Every DPV term the record may use besides the vocabulary's own; each was checked against
/// DPV 2.3 (`dpv.csv`, `legal-eu-gdpr.csv`, `loc.csv`).
const DPV_STRUCTURE: &[&str] = &[
    "dpv:ConsentReceipt",
    "dpv:ConsentRecord",
    "dpv:DataSubject",
    "dpv:DataController",
    "dpv:Process",
    "dpv:Purpose",
    "dpv:PersonalData",
    "dpv:ConsentNotice",
    "dpv:ExpressedConsent",
    "dpv:ExplicitlyExpressedConsent",
    "dpv:DataSubjectRight",
    "eu-gdpr:A7-3",
    "eu-gdpr:GDPR",
    "loc:NL",
];

fn dpv_terms_used(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s)
            if ["dpv:", "pd:", "eu-gdpr:", "loc:", "edu:"]
                .iter()
                .any(|p| s.starts_with(p)) =>
        {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| dpv_terms_used(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                if k != "@context" {
                    dpv_terms_used(x, out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn dpv_records_use_dpv_consent_states_and_known_terms() {
    let n = notice();
    let controller = Controller::from_organisation(&organisation());
    let a = newsletter();
    let events = [
        given("2025-06-01T10:00:00Z"),
        withdrawn("2025-09-01T12:00:00Z"),
        on(
            "2025-10-01T00:00:00Z",
            EventKind::ConsentRenewed(details(false)),
        ),
    ];
    let r = dpv_record(&input(&events, 0, &n, Some(&a), &controller)).unwrap();
    assert_eq!(r["@type"], "dpv:ConsentReceipt");
    let record = &r["dpv:hasRecordOfActivity"];
    assert_eq!(record["@type"], "dpv:ConsentRecord");
    assert_eq!(record["dct:identifier"], "c-17");
    assert_eq!(record["dpv:hasDataSubject"]["dct:identifier"], "jan@uni.nl");
    assert_eq!(record["dpv:hasNotice"]["schema:sha256"], n.hash().to_hex());
    assert_eq!(record["dpv:hasNotice"]["schema:text"], n.text);
    assert_eq!(
        record["dpv:hasProcess"]["dpv:hasLegalBasis"],
        json!(["eu-gdpr:A6-1-a"])
    );
    assert_eq!(
        record["dpv:hasConsentStatus"],
        json!([
            {
                "@type": ["dpv:ConsentGiven", "dpv:ExpressedConsent"],
                "dpv:isIndicatedBy": "dpv:DataSubject",
                "dpv:hasIndicationMethod": "Webformulier",
                "dpv:isIndicatedAtTime": "2025-06-01T10:00:00Z",
            },
            {
                "@type": "dpv:ConsentWithdrawn",
                "dpv:isIndicatedBy": "dpv:DataSubject",
                "dpv:isIndicatedAtTime": "2025-09-01T12:00:00Z",
            },
        ])
    );
    // Before the withdrawal, the record shows the consent as given only.
    let early = ReceiptInput {
        issued_at: t("2025-08-01T00:00:00Z"),
        ..input(&events, 0, &n, Some(&a), &controller)
    };
    let r_early = dpv_record(&early).unwrap();
    assert_eq!(
        r_early["dpv:hasRecordOfActivity"]["dpv:hasConsentStatus"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The renewal is its own record, with DPV's renewed state.
    let renewed = dpv_record(&input(&events, 2, &n, Some(&a), &controller)).unwrap();
    assert_eq!(
        renewed["dpv:hasRecordOfActivity"]["dpv:hasConsentStatus"][0]["@type"][0],
        "dpv:RenewedConsentGiven"
    );
    // Every term used is a DPV term of the glossary or one of the checked structure terms,
    // and every prefix used is declared in the context.
    let known: BTreeSet<String> = crate::vocab::all_terms()
        .iter()
        .filter_map(|t| t.dpv)
        .map(|iri| {
            iri.replace("https://w3id.org/dpv/pd#", "pd:")
                .replace("https://w3id.org/dpv/legal/eu/gdpr#", "eu-gdpr:")
                .replace("https://w3id.org/dpv/sector/education#", "edu:")
                .replace("https://w3id.org/dpv#", "dpv:")
        })
        .chain(DPV_STRUCTURE.iter().map(|s| s.to_string()))
        .collect();
    for record in [&r, &renewed] {
        let mut used = BTreeSet::new();
        dpv_terms_used(record, &mut used);
        let unknown: Vec<_> = used.difference(&known).collect();
        assert!(unknown.is_empty(), "unknown DPV terms: {unknown:?}");
        for term in &used {
            let prefix = term.split(':').next().unwrap();
            assert!(
                record["@context"].get(prefix).is_some(),
                "{prefix} not in @context"
            );
        }
    }
}

// ---- properties ---------------------------------------------------------------------------

const SCOPES: [(Option<&str>, Option<Purpose>); 5] = [
    (Some(ALUMNI), None),
    (Some("act-other"), None),
    (None, Some(Purpose::AlumniRelations)),
    (None, Some(Purpose::DirectMarketing)),
    (None, None),
];

fn kind_of(k: u8, explicit: bool) -> EventKind {
    match k % 12 {
        0 => EventKind::ConsentGiven(details(explicit)),
        1 => EventKind::ConsentRenewed(details(explicit)),
        2 => EventKind::ConsentWithdrawn,
        3 => EventKind::DirectMarketingObjection,
        4 => EventKind::RetargetingObjection,
        5 => EventKind::GpcSignal,
        6 => EventKind::Objection {
            grounds: String::new(),
        },
        7 => EventKind::ObjectionUpheld {
            reasons: "r".into(),
        },
        8 => EventKind::ObjectionRejected {
            reasons: "r".into(),
        },
        9 => EventKind::ObjectionWithdrawn {
            objection: ObjectionKind::all()[usize::from(k / 12) % 4],
        },
        10 => EventKind::RestrictionSet {
            grounds: String::new(),
        },
        _ => EventKind::RestrictionLifted,
    }
}

/// Any history of up to 30 events over two days, valid or not, in time order.
fn histories() -> impl Strategy<Value = Vec<ConsentEvent>> {
    prop::collection::vec(
        (0u32..172_800, 0usize..5, any::<u8>(), any::<bool>()),
        0..30,
    )
    .prop_map(|mut raw| {
        raw.sort_by_key(|r| r.0);
        raw.into_iter()
            .map(|(secs, scope, k, explicit)| {
                let (activity, purpose) = SCOPES[scope];
                let mut e = event(NOW, activity, purpose, kind_of(k, explicit));
                e.at = t("2025-01-01T00:00:00Z") + Duration::seconds(i64::from(secs));
                e
            })
            .collect()
    })
}

fn needs() -> impl Strategy<Value = ActivityConsentNeeds> {
    (any::<[bool; 5]>()).prop_map(|[consent, explicit, dm, targeting, marketing_purpose]| {
        let mut purposes = PurposeSet::of(&[Purpose::AlumniRelations]);
        if marketing_purpose {
            purposes.insert(Purpose::DirectMarketing);
        }
        ActivityConsentNeeds {
            purposes,
            consent,
            explicit,
            direct_marketing: dm,
            targeting,
        }
    })
}

fn moment() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..200_000).prop_map(|s| t("2025-01-01T00:00:00Z") + Duration::seconds(s))
}

proptest! {
    #[test]
    fn decisions_are_consistent_and_point_at_events_up_to_the_moment(
        events in histories(), n in needs(), at in moment()
    ) {
        let d = decide(&events, &n, Target::Activity(ALUMNI), at);
        prop_assert_eq!(d.allowed, d.reason.allows());
        for i in d.deciding_events.iter() {
            prop_assert!(i < events.len());
            prop_assert!(events[i].at <= at);
        }
        if let Some(since) = d.since {
            prop_assert!(since <= at);
        }
    }

    #[test]
    fn before_the_first_consent_consent_is_never_in_force(
        events in histories(), n in needs(), at in moment()
    ) {
        let first = events.iter().find(|e| e.consent().is_some()).map(|e| e.at);
        if first.is_none_or(|f| at < f) {
            let d = decide(&events, &n, Target::Activity(ALUMNI), at);
            prop_assert_ne!(d.reason, Reason::ConsentInForce);
        }
    }

    #[test]
    fn a_restriction_in_force_always_denies(
        events in histories(), n in needs(), set in moment(), later in 0i64..100_000
    ) {
        // Drop every lift, then restrict the whole subject at `set`.
        let mut events: Vec<_> = events
            .into_iter()
            .filter(|e| e.event_type() != EventType::RestrictionLifted)
            .collect();
        let mut r = whole(NOW, EventKind::RestrictionSet { grounds: String::new() });
        r.at = set;
        let pos = events.partition_point(|e| e.at <= set);
        events.insert(pos, r);
        let d = decide(&events, &n, Target::Activity(ALUMNI), set + Duration::seconds(later));
        prop_assert_eq!(d.reason, Reason::Restriction);
        prop_assert!(!d.allowed);
    }

    #[test]
    fn decisions_depend_only_on_events_at_or_before_the_moment(
        events in histories(), n in needs(), at in moment()
    ) {
        let upto = events.partition_point(|e| e.at <= at);
        let all = decide(&events, &n, Target::Activity(ALUMNI), at);
        let prefix = decide(&events[..upto], &n, Target::Activity(ALUMNI), at);
        prop_assert_eq!(all, prefix);
    }

    #[test]
    fn valid_histories_give_consent_in_force_exactly_between_consent_and_withdrawal(
        steps in prop::collection::vec(any::<bool>(), 1..12), probe in 0usize..24
    ) {
        // Alternate consent and withdrawal on one activity, one hour apart, as validation
        // allows; the decision at each half hour follows the last step before it.
        let mut events = Vec::new();
        let mut in_force = false;
        for (i, give) in steps.iter().enumerate() {
            let at = t("2025-01-01T00:00:00Z") + Duration::hours(i as i64);
            let e = if *give || !in_force {
                in_force = true;
                on(NOW, EventKind::ConsentGiven(details(false)))
            } else {
                in_force = false;
                on(NOW, EventKind::ConsentWithdrawn)
            };
            events.push(ConsentEvent { at, ..e });
        }
        prop_assert_eq!(validate_batch(&ledger(), &events, t(NOW)), Ok(()));
        let at = t("2025-01-01T00:30:00Z") + Duration::hours(probe as i64);
        let last = events.iter().rev().find(|e| e.at <= at);
        let want = match last.map(|e| e.event_type()) {
            Some(EventType::ConsentGiven) => Reason::ConsentInForce,
            Some(_) => Reason::ConsentWithdrawn,
            None => Reason::NoConsent,
        };
        prop_assert_eq!(ask(&events, &newsletter(), &at.to_rfc3339()).reason, want);
    }
}
