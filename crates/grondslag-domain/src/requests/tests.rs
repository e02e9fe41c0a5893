use super::*;
use chrono::{NaiveDate, TimeZone, Utc};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d(s).and_hms_opt(10, 0, 0).unwrap())
}

fn input() -> RequestInput {
    RequestInput {
        rights: vec![Right::Access, Right::Erasure],
        name: "Anna de Vries".into(),
        email: Some("anna@example.nl".into()),
        phone: None,
        address: None,
        university_number: None,
        description: "Ik wil weten welke gegevens jullie van mij hebben.".into(),
        channel: Channel::WebForm,
        // 10 March 2026 is a Tuesday; the first month ends on Friday 10 April 2026.
        received_on: d("2026-03-10"),
    }
}

fn request(state: RequestState) -> Request {
    Request {
        id: "r1".into(),
        reference: "DSR-2026-0001".into(),
        input: input(),
        state,
        email_confirmed: true,
        identity_checks: vec![],
        extension: None,
        outcome: None,
        handler: None,
        restricted: false,
        version: 1,
    }
}

fn codes(e: &crate::ValidationErrors) -> Vec<(String, &'static str)> {
    e.iter().map(|f| (f.path.clone(), f.code)).collect()
}

#[test]
fn intake_names_every_problem_at_its_field() {
    let mut i = input();
    i.rights = vec![Right::Access, Right::Access];
    i.name = " ".into();
    i.email = Some("anna at example".into());
    i.received_on = d("2026-03-11");
    let e = i.validate(d("2026-03-10"));
    assert_eq!(
        codes(&e),
        vec![
            ("rights[1]".into(), "duplicate"),
            ("name".into(), "required"),
            ("email".into(), "invalid_format"),
            ("received_on".into(), "in_future"),
        ]
    );
    let mut i = input();
    i.rights.clear();
    i.email = None;
    assert_eq!(
        codes(&i.validate(d("2026-03-10"))),
        vec![("rights".into(), "required"), ("email".into(), "required")]
    );
    assert!(input().validate(d("2026-03-10")).is_empty());
    let mut letter = input();
    letter.email = None;
    letter.address = Some("Postbus 1, 1000 AA Lindenhout".into());
    assert!(
        letter.validate(d("2026-03-10")).is_empty(),
        "a letter needs no e-mail"
    );
}

#[test]
fn nothing_is_done_before_the_identity_is_established() {
    let r = request(RequestState::Received);
    for action in [
        Action::Start {},
        Action::Complete {
            summary: "sent".into(),
        },
    ] {
        let e = apply(&r, &action, "user:fg", at("2026-03-12")).unwrap_err();
        assert_eq!(codes(&e), vec![("action".into(), "identity_first")]);
    }
    let verified = apply(
        &r,
        &Action::VerifyIdentity {
            method: VerificationMethod::KnownContactDetails,
            note: "e-mail matches the student administration".into(),
        },
        "user:fg",
        at("2026-03-12"),
    )
    .unwrap();
    assert_eq!(verified.state, RequestState::IdentityVerified);
    assert_eq!(verified.identity_checks[0].by, "user:fg");
    assert_eq!(verified.version, 2);
    let started = apply(&verified, &Action::Start {}, "user:fg", at("2026-03-12")).unwrap();
    assert_eq!(started.state, RequestState::InProgress);
    let done = apply(
        &started,
        &Action::Complete {
            summary: "Overzicht verstuurd".into(),
        },
        "user:fg",
        at("2026-03-20"),
    )
    .unwrap();
    assert_eq!(done.state, RequestState::Completed);
    assert_eq!(
        done.deadline_status(d("2026-05-01")),
        None,
        "closed: no deadline"
    );
}

#[test]
fn an_extension_needs_notice_within_the_first_month() {
    let r = request(RequestState::InProgress);
    let extend = |notice: &str| Action::Extend {
        reason: ExtensionReason::Complexity,
        explanation: "Uw gegevens staan in zes systemen.".into(),
        notice_sent_on: d(notice),
    };
    // The first month ends on Friday 10 April 2026: notice that day is in time.
    let ok = apply(&r, &extend("2026-04-10"), "user:fg", at("2026-04-10")).unwrap();
    assert_eq!(ok.state, RequestState::Extended);
    assert_eq!(ok.deadline().unwrap().due, d("2026-06-10"));
    // The day after, the system refuses, citing the article.
    let e = apply(&r, &extend("2026-04-11"), "user:fg", at("2026-04-13")).unwrap_err();
    assert_eq!(codes(&e), vec![("notice_sent_on".into(), "too_late")]);
    assert!(e.iter().next().unwrap().message.contains("RU 4:11 lid 4"));
    // A notice not yet sent cannot be recorded, nor an extension without reasons.
    let e = apply(
        &r,
        &Action::Extend {
            reason: ExtensionReason::NumberOfRequests,
            explanation: " ".into(),
            notice_sent_on: d("2026-03-20"),
        },
        "user:fg",
        at("2026-03-19"),
    )
    .unwrap_err();
    assert_eq!(
        codes(&e),
        vec![
            ("explanation".into(), "required"),
            ("notice_sent_on".into(), "in_future")
        ]
    );
    // Only once.
    let e = apply(&ok, &extend("2026-04-10"), "user:fg", at("2026-04-10")).unwrap_err();
    assert_eq!(codes(&e), vec![("action".into(), "not_allowed")]);
}

#[test]
fn a_request_past_its_first_month_without_extension_is_flagged() {
    let r = request(RequestState::InProgress);
    assert!(!extension_closed(&r, d("2026-04-10")));
    assert!(extension_closed(&r, d("2026-04-11")));
    assert_eq!(
        r.deadline_status(d("2026-04-11")),
        Some(crate::deadline::DeadlineStatus::Overdue)
    );
    assert_eq!(
        r.deadline_status(d("2026-04-05")),
        Some(crate::deadline::DeadlineStatus::AtRisk)
    );
    assert_eq!(
        r.deadline_status(d("2026-03-20")),
        Some(crate::deadline::DeadlineStatus::Open)
    );
    let mut closed = r.clone();
    closed.state = RequestState::Withdrawn;
    assert!(!extension_closed(&closed, d("2026-05-01")));
}

#[test]
fn a_refusal_names_grounds_and_reasons_and_closed_requests_stay_closed() {
    let r = request(RequestState::Received);
    let e = apply(
        &r,
        &Action::Refuse {
            grounds: vec![],
            reasons: "".into(),
        },
        "user:fg",
        at("2026-03-12"),
    )
    .unwrap_err();
    assert_eq!(
        codes(&e),
        vec![
            ("grounds".into(), "required"),
            ("reasons".into(), "required")
        ]
    );
    let refused = apply(
        &r,
        &Action::Refuse {
            grounds: vec![RefusalGround::IdentityNotEstablished],
            reasons: "Geen reactie op ons verzoek om identificatie.".into(),
        },
        "user:fg",
        at("2026-04-01"),
    )
    .unwrap();
    assert_eq!(refused.state, RequestState::Refused);
    for action in [
        Action::Start {},
        Action::Withdraw {
            note: String::new(),
        },
        Action::Assign {
            handler: Some("fg".into()),
        },
        Action::VerifyIdentity {
            method: VerificationMethod::InPerson,
            note: String::new(),
        },
    ] {
        let e = apply(&refused, &action, "user:fg", at("2026-04-02")).unwrap_err();
        assert_eq!(
            codes(&e),
            vec![("action".into(), "not_allowed")],
            "{action:?}"
        );
    }
    // A note can always be added.
    assert!(apply(
        &refused,
        &Action::Note {
            text: "Bezwaar ontvangen".into()
        },
        "user:fg",
        at("2026-04-03")
    )
    .is_ok());
}

#[test]
fn actions_read_and_write_as_tagged_json() {
    let a: Action = serde_json::from_value(serde_json::json!({
        "action": "extend", "reason": "complexity", "explanation": "x", "notice_sent_on": "2026-04-01"
    }))
    .unwrap();
    assert_eq!(a.name(), "extend");
    let bad = serde_json::from_value::<Action>(serde_json::json!({"action": "start", "extra": 1}));
    assert!(bad.is_err());
}

#[test]
fn restriction_is_asked_for_recorded_and_lifted() {
    let mut r = request(RequestState::IdentityVerified);
    let restrict = Action::Restrict {
        note: "juistheid betwist".into(),
    };
    let e = apply(&r, &restrict, "user:fg", at("2026-03-12")).unwrap_err();
    assert_eq!(codes(&e), vec![("action".into(), "not_asked")]);
    r.input.rights.push(Right::Restriction);
    let restricted = apply(&r, &restrict, "user:fg", at("2026-03-12")).unwrap();
    assert!(restricted.restricted);
    let e = apply(&restricted, &restrict, "user:fg", at("2026-03-12")).unwrap_err();
    assert_eq!(codes(&e), vec![("action".into(), "not_allowed")]);
    let lifted = apply(
        &restricted,
        &Action::LiftRestriction {
            note: String::new(),
        },
        "user:fg",
        at("2026-03-20"),
    )
    .unwrap();
    assert!(!lifted.restricted);
    let mut unverified = r.clone();
    unverified.state = RequestState::Received;
    let e = apply(&unverified, &restrict, "user:fg", at("2026-03-12")).unwrap_err();
    assert_eq!(codes(&e), vec![("action".into(), "identity_first")]);
}
