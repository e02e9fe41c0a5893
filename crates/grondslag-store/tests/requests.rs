//! Data-subject requests in storage, on a fresh SQLite file and a fresh PostgreSQL database.

use chrono::{Days, NaiveDate};
use grondslag_domain::requests::{
    Action, Channel, ExtensionReason, RefusalGround, RequestInput, RequestState, Right,
    VerificationMethod,
};
use grondslag_store::requests::RequestFilter;
use grondslag_store::testing::each_backend;
use grondslag_store::StoreError;

const FG: &str = "user:fg";

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn input(name: &str, rights: Vec<Right>, received_on: NaiveDate) -> RequestInput {
    RequestInput {
        rights,
        name: name.into(),
        email: Some(format!("{}@example.nl", name.to_lowercase())),
        phone: None,
        address: None,
        university_number: None,
        description: "Welke gegevens hebben jullie van mij?".into(),
        channel: Channel::Email,
        received_on,
    }
}

fn invalid_paths(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(v) => v.iter().map(|f| f.path.clone()).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn a_request_is_taken_in_handled_and_audited() {
    for db in each_backend().await {
        let s = &db.store;
        let r = s
            .create_request(FG, &input("Anna", vec![Right::Access], today()))
            .await
            .unwrap();
        assert_eq!(r.state, RequestState::Received);
        assert!(r.reference.starts_with("DSR-"), "{}", r.reference);
        let second = s
            .create_request(FG, &input("Bram", vec![Right::Erasure], today()))
            .await
            .unwrap();
        assert_ne!(r.reference, second.reference);

        // Nothing before the identity is established.
        let e = s
            .act_on_request(FG, &r.id, None, &Action::Start {})
            .await
            .unwrap_err();
        assert_eq!(invalid_paths(e), vec!["action"]);
        let r = s
            .act_on_request(
                FG,
                &r.id,
                Some(1),
                &Action::VerifyIdentity {
                    method: VerificationMethod::KnownContactDetails,
                    note: String::new(),
                },
            )
            .await
            .unwrap();
        assert_eq!(r.state, RequestState::IdentityVerified);
        // Someone else's change in between: stale.
        let e = s
            .act_on_request(FG, &r.id, Some(1), &Action::Start {})
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Stale(_)), "{e:?}");
        let e = s
            .act_on_request(
                FG,
                &r.id,
                None,
                &Action::Assign {
                    handler: Some("nobody".into()),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_paths(e), vec!["handler"]);
        let r = s
            .act_on_request(
                FG,
                &r.id,
                Some(2),
                &Action::Extend {
                    reason: ExtensionReason::Complexity,
                    explanation: "Uw gegevens staan in zes systemen.".into(),
                    notice_sent_on: today(),
                },
            )
            .await
            .unwrap();
        assert_eq!(r.state, RequestState::Extended);
        let stored = s.request(&r.reference).await.unwrap();
        assert_eq!(stored, r, "found by reference, read back whole");

        let timeline = s.request_timeline(&r.id).await.unwrap();
        let steps: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(steps, vec!["create", "verify_identity", "extend"]);
        assert!(timeline.iter().all(|e| e.actor == FG));

        let log = s.audit_for("request", &r.id, 100).await.unwrap();
        // Newest first.
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "request.extend",
                "request.verify_identity",
                "request.create"
            ]
        );
        assert!(s.verify_audit_chain().await.unwrap().is_ok());

        let done = s
            .act_on_request(
                FG,
                &second.id,
                None,
                &Action::Refuse {
                    grounds: vec![RefusalGround::LegalRetentionDuty],
                    reasons: "Cijfers bewaren we 50 jaar (WHW 7.3).".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(done.state, RequestState::Refused);
        let queue = s
            .list_requests(
                &RequestFilter {
                    open: true,
                    ..Default::default()
                },
                1,
                50,
            )
            .await
            .unwrap();
        assert_eq!(queue.total, 1, "a refused request leaves the queue");
    }
}

#[tokio::test]
async fn the_queue_sorts_by_deadline_and_filters() {
    for db in each_backend().await {
        let s = &db.store;
        let t = today();
        // Received 40, 20 and 5 days ago: the oldest is due first (and overdue).
        for (name, days, rights) in [
            ("Recent", 5, vec![Right::Access]),
            ("Oldest", 40, vec![Right::Erasure, Right::Access]),
            ("Middle", 20, vec![Right::Portability]),
        ] {
            s.create_request(
                FG,
                &input(name, rights, t.checked_sub_days(Days::new(days)).unwrap()),
            )
            .await
            .unwrap();
        }
        let open = RequestFilter {
            open: true,
            ..Default::default()
        };
        let queue = s.list_requests(&open, 1, 50).await.unwrap();
        let names: Vec<&str> = queue.items.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["Oldest", "Middle", "Recent"]);
        assert!(queue.items[0].due_on < t.to_string(), "overdue");

        let access = RequestFilter {
            open: true,
            right: Some(Right::Access),
            ..Default::default()
        };
        assert_eq!(s.list_requests(&access, 1, 50).await.unwrap().total, 2);
        let search = RequestFilter {
            q: Some("midd".into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_requests(&search, 1, 50).await.unwrap().items[0].name,
            "Middle"
        );
        let due_soon = RequestFilter {
            open: true,
            due_by: Some(t),
            ..Default::default()
        };
        assert_eq!(s.list_requests(&due_soon, 1, 50).await.unwrap().total, 1);
        let page2 = s.list_requests(&open, 2, 2).await.unwrap();
        assert_eq!((page2.total, page2.items.len()), (3, 1));

        let counts = s
            .request_counts(t.checked_sub_days(Days::new(400)).unwrap())
            .await
            .unwrap();
        let total: i64 = counts.iter().map(|c| c.n).sum();
        assert_eq!(total, 4, "one per right asked: {counts:?}");
        assert!(counts
            .iter()
            .any(|c| c.right == "right_of_access" && c.n >= 1));
    }
}

#[tokio::test]
async fn bad_intake_writes_nothing() {
    for db in each_backend().await {
        let s = &db.store;
        let mut bad = input("", vec![], today().checked_add_days(Days::new(1)).unwrap());
        bad.email = Some("not an address".into());
        let e = s.create_request(FG, &bad).await.unwrap_err();
        assert_eq!(
            invalid_paths(e),
            vec!["rights", "name", "email", "received_on"]
        );
        let all = s
            .list_requests(&RequestFilter::default(), 1, 50)
            .await
            .unwrap();
        assert_eq!(all.total, 0);
        assert_eq!(s.verify_audit_chain().await.unwrap().unwrap(), 0);
    }
}

#[tokio::test]
async fn a_public_request_counts_only_with_the_emailed_code() {
    for db in each_backend().await {
        let s = &db.store;
        let mut i = input("Carla", vec![Right::Erasure], today());
        i.channel = Channel::WebForm;
        let (token, code) = s.begin_public_request(&i).await.unwrap();
        assert_eq!(code.len(), 6);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let e = s.confirm_public_request(&token, wrong).await.unwrap_err();
        assert_eq!(invalid_paths(e), vec!["code"]);
        assert_eq!(
            s.list_requests(&RequestFilter::default(), 1, 50)
                .await
                .unwrap()
                .total,
            0,
            "not taken in before the code"
        );
        let r = s.confirm_public_request(&token, &code).await.unwrap();
        assert!(r.email_confirmed);
        assert_eq!(
            r.state,
            RequestState::Received,
            "e-mail control is not yet identity"
        );
        assert_eq!(r.identity_checks[0].method, VerificationMethod::EmailCode);
        // Used up.
        let e = s.confirm_public_request(&token, &code).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");

        // Five wrong codes and the pending request is gone, even for the right code.
        let (token, code) = s.begin_public_request(&i).await.unwrap();
        for _ in 0..5 {
            let _ = s.confirm_public_request(&token, wrong).await;
        }
        assert!(matches!(
            s.confirm_public_request(&token, &code).await.unwrap_err(),
            StoreError::NotFound(_)
        ));
        // No e-mail, no code.
        let mut no_mail = i.clone();
        no_mail.email = None;
        no_mail.phone = Some("+31 20 123 4567".into());
        assert_eq!(
            invalid_paths(s.begin_public_request(&no_mail).await.unwrap_err()),
            vec!["email"]
        );
    }
}
