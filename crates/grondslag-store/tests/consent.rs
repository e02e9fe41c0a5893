//! The consent ledger in storage, on a fresh SQLite file and a fresh PostgreSQL database:
//! append and read back in time order, batches all or nothing, validation against the stored
//! history, and one audit entry per batch in an intact chain.

use chrono::{DateTime, Duration, Utc};
use grondslag_domain::consent::{
    decide, ActivityConsentNeeds, ConsentDetails, ConsentEvent, EventKind, Notice, Reason,
    SubjectKey, Target,
};
use grondslag_domain::vocab::ConsentMethod;
use grondslag_store::testing::each_backend;
use grondslag_store::testing::ledger::{self, alumni_activity, key, notice, FG};
use grondslag_store::StoreError;

fn event(subject: SubjectKey, activity: &str, at: DateTime<Utc>, kind: EventKind) -> ConsentEvent {
    ledger::event(subject, Some(activity), at, kind)
}

fn given(subject: SubjectKey, activity: &str, at: DateTime<Utc>) -> ConsentEvent {
    ledger::given(subject, activity, at, false)
}

fn paths(e: StoreError) -> Vec<(String, String)> {
    match e {
        StoreError::Invalid(v) => v
            .iter()
            .map(|f| (f.path.clone(), f.code.to_string()))
            .collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn events_are_appended_and_read_back_in_time_order() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, Vec::new()).await;
        let (anna, bram) = (key("anna@uni.nl"), key("bram@uni.nl"));
        // Times are kept to the microsecond, on both databases.
        let now = grondslag_store::audit::now();
        let t0 = now - Duration::days(10);
        let batch = vec![
            given(anna, &a, t0),
            event(
                anna,
                &a,
                t0 + Duration::days(2),
                EventKind::ConsentWithdrawn,
            ),
            given(bram, &a, t0 + Duration::days(1)),
        ];
        let r = s
            .record_consent_events(FG, &[notice()], &batch)
            .await
            .unwrap();
        assert_eq!((r.ids.len(), r.new_notices), (3, 1), "{}", db.backend);
        // A backdated event in another scope (the whole subject) sorts by its time.
        let restriction = ConsentEvent {
            activity: None,
            ..event(
                anna,
                &a,
                t0 + Duration::days(1),
                EventKind::RestrictionSet {
                    grounds: "accuracy contested".into(),
                },
            )
        };
        let r2 = s
            .record_consent_events(FG, &[notice()], std::slice::from_ref(&restriction))
            .await
            .unwrap();
        assert_eq!(r2.new_notices, 0, "a notice is stored once");

        let events = s.consent_events_of(&anna).await.unwrap();
        let got: Vec<&ConsentEvent> = events.iter().map(|e| &e.event).collect();
        assert_eq!(
            got,
            vec![&batch[0], &restriction, &batch[1]],
            "{}",
            db.backend
        );
        assert_eq!(events[0].id, r.ids[0]);
        assert_eq!(s.consent_event(&r.ids[2]).await.unwrap().event, batch[2]);
        assert_eq!(s.consent_notice(&notice().hash()).await.unwrap(), notice());

        let many = s
            .consent_events_of_many(&[anna, bram, key("nobody@uni.nl")])
            .await
            .unwrap();
        assert_eq!(many[&anna].len(), 3);
        assert_eq!(many[&bram].len(), 1);
        assert_eq!(many.len(), 2);

        // The stored history decides: allowed between consent and withdrawal, not after.
        let record = s.activity(&a).await.unwrap();
        let needs = ActivityConsentNeeds::from_activity(&record.activity);
        let d = decide(&many[&bram], &needs, Target::Activity(&a), now);
        assert_eq!(d.reason, Reason::ConsentInForce);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_is_all_or_nothing_and_checked_against_stored_history() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, Vec::new()).await;
        let anna = key("anna@uni.nl");
        let now = Utc::now();
        // A withdrawal with no consent before it, stored or in the batch.
        let e = s
            .record_consent_events(
                FG,
                &[notice()],
                &[
                    given(key("bram@uni.nl"), &a, now - Duration::hours(1)),
                    event(
                        anna,
                        &a,
                        now - Duration::hours(1),
                        EventKind::ConsentWithdrawn,
                    ),
                    given(anna, "no-such-activity", now + Duration::days(1)),
                ],
            )
            .await
            .unwrap_err();
        let p = paths(e);
        assert!(
            p.contains(&("items[1]".into(), "no_consent_in_force".into())),
            "{p:?}"
        );
        assert!(
            p.contains(&("items[2].at".into(), "future".into())),
            "{p:?}"
        );
        assert!(
            p.contains(&("items[2].activity".into(), "unknown_reference".into())),
            "{p:?}"
        );
        // Nothing was written: not the valid first item, not the notice.
        assert!(s
            .consent_events_of(&key("bram@uni.nl"))
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            s.consent_notice(&notice().hash()).await,
            Err(StoreError::NotFound(_))
        ));

        // Once a consent is stored, a withdrawal in a later batch is accepted; a second one
        // is not, and an earlier time in the same scope is out of order.
        s.record_consent_events(
            FG,
            &[notice()],
            &[given(anna, &a, now - Duration::hours(2))],
        )
        .await
        .unwrap();
        s.record_consent_events(
            FG,
            &[],
            &[event(
                anna,
                &a,
                now - Duration::hours(1),
                EventKind::ConsentWithdrawn,
            )],
        )
        .await
        .unwrap();
        let p = paths(
            s.record_consent_events(
                FG,
                &[],
                &[event(
                    anna,
                    &a,
                    now - Duration::hours(3),
                    EventKind::ConsentWithdrawn,
                )],
            )
            .await
            .unwrap_err(),
        );
        assert!(
            p.contains(&("items[0].at".into(), "out_of_order".into())),
            "{p:?}"
        );
        assert!(
            p.contains(&("items[0]".into(), "no_consent_in_force".into())),
            "{p:?}"
        );
        // A consent naming a notice that was never stored.
        let p = paths(
            s.record_consent_events(
                FG,
                &[],
                &[ConsentEvent {
                    kind: EventKind::ConsentGiven(ConsentDetails {
                        notice: Notice {
                            text: "another text".into(),
                            ..notice()
                        }
                        .hash(),
                        method: ConsentMethod::OnPaper,
                        explicit: false,
                        witness: None,
                    }),
                    ..given(anna, &a, now)
                }],
            )
            .await
            .unwrap_err(),
        );
        assert_eq!(
            p,
            vec![("items[0].notice".into(), "unknown_reference".into())]
        );
        assert_eq!(s.consent_events_of(&anna).await.unwrap().len(), 2);
        db.cleanup().await;
    }
}

/// Behind the ledger's own check, the database refuses an event that names no stored notice
/// and keeps every notice an event cites (a foreign key on SQLite, a check a statement on
/// PostgreSQL, postgres/0012), whether a statement writes one row or many.
#[tokio::test]
async fn the_database_keeps_events_and_their_notices_together() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, Vec::new()).await;
        let t0 = grondslag_store::audit::now() - Duration::days(3);
        s.record_consent_events(FG, &[notice()], &[given(key("anna@uni.nl"), &a, t0)])
            .await
            .unwrap();
        let hash = notice().hash().to_hex();
        let row = |id: &str, hash: &str| {
            format!(
                "('{id}', 'k', '{a}', 'consent_given', 'ordinary', '{hash}', 'web_form', \
                 '2026-01-01T00:00:00Z', 'system', 'crm', 'e', '2026-01-01T00:00:00Z')"
            )
        };
        let insert = |rows: Vec<String>| {
            format!(
                "INSERT INTO consent_events (id, subject_key, activity_id, type, consent_kind, \
                 notice_hash, method, at, recorded_by_kind, recorded_by, evidence, recorded_at) \
                 VALUES {}",
                rows.join(", ")
            )
        };
        let unknown = "0".repeat(64);
        for rows in [
            vec![row("x-1", &unknown)],
            vec![row("x-2", &hash), row("x-3", &unknown), row("x-4", &hash)],
        ] {
            assert!(
                s.execute_raw_for_tests(&insert(rows)).await.is_err(),
                "{}",
                db.backend
            );
        }
        // Rows that name the stored notice go in, many at once.
        s.execute_raw_for_tests(&insert(vec![row("x-5", &hash), row("x-6", &hash)]))
            .await
            .unwrap();
        assert!(s
            .execute_raw_for_tests(&format!(
                "DELETE FROM consent_notices WHERE hash = '{hash}'"
            ))
            .await
            .is_err());
        assert!(s
            .execute_raw_for_tests(&format!(
                "UPDATE consent_notices SET hash = '{unknown}' WHERE hash = '{hash}'"
            ))
            .await
            .is_err());
        assert_eq!(
            s.consent_events_of(&key("anna@uni.nl"))
                .await
                .unwrap()
                .len(),
            1,
            "{}",
            db.backend
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn one_audit_entry_per_batch_names_keys_not_identifiers() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, Vec::new()).await;
        let now = Utc::now() - Duration::minutes(1);
        let keys: Vec<SubjectKey> = (0..120).map(|i| key(&format!("p{i}@uni.nl"))).collect();
        let batch: Vec<ConsentEvent> = keys.iter().map(|k| given(*k, &a, now)).collect();
        let before = s.audit_recent(1).await.unwrap()[0].seq;
        let r = s
            .record_consent_events("token:website", &[notice()], &batch)
            .await
            .unwrap();
        let entries = s.audit_recent(5).await.unwrap();
        assert_eq!(entries[0].seq, before + 1, "one entry for 120 events");
        let e = &entries[0];
        assert_eq!(
            (e.action.as_str(), e.actor.as_str()),
            ("consent.record", "token:website")
        );
        let after: serde_json::Value = serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
        assert_eq!(after["count"], 120);
        assert_eq!(after["events"][0]["id"], r.ids[0].as_str());
        assert_eq!(after["events"][0]["subject"], keys[0].to_hex());
        assert!(!e.after.as_deref().unwrap().contains("uni.nl"));
        assert_eq!(s.verify_audit_chain().await.unwrap(), Ok(before + 1));
        // A refused batch leaves the chain as it was.
        let _ = s
            .record_consent_events(
                FG,
                &[],
                &[event(keys[0], &a, now, EventKind::RestrictionLifted)],
            )
            .await
            .unwrap_err();
        assert_eq!(s.audit_recent(1).await.unwrap()[0].seq, before + 1);
        db.cleanup().await;
    }
}

/// SQLite only (PostgreSQL keeps its own WAL): writers of one process take turns and
/// checkpoints run beside them (`grondslag_store::sqlite_writes`), and once the WAL holds
/// `WAL_FRAMES` pages a write waits until it is copied back, so SQLite starts it over. Before,
/// a waiting writer began while the last one's checkpoint ran, and the WAL grew to gigabytes.
#[tokio::test]
async fn concurrent_writes_keep_the_sqlite_wal_bounded() {
    use grondslag_store::sqlite_writes::WAL_FRAMES;
    let db = grondslag_store::testing::sqlite().await;
    let s = &db.store;
    let a = alumni_activity(s, Vec::new()).await;
    let t0 = grondslag_store::audit::now() - Duration::days(1);
    // Events of 2 kB: 4 writers of 50 batches of about 1.3 MB each, twice the limit.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (s, a) = (s.clone(), a.clone());
            tokio::spawn(async move {
                for b in 0..50 {
                    let batch: Vec<ConsentEvent> = (0..500)
                        .map(|i| ConsentEvent {
                            evidence: format!("{w}-{b}-{i} {}", "x".repeat(1980)),
                            ..given(key(&format!("p{w}-{b}-{i}@uni.nl")), &a, t0)
                        })
                        .collect();
                    s.record_consent_events(FG, &[notice()], &batch)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let path = db.url.strip_prefix("sqlite://").unwrap();
    let wal = std::fs::metadata(format!("{path}-wal")).unwrap().len();
    let database = std::fs::metadata(path).unwrap().len();
    let limit = 2 * WAL_FRAMES as u64 * 8192;
    assert!(
        database > 3 * limit / 2,
        "the test wrote {} MB: too little to tell",
        database >> 20
    );
    assert!(
        wal < limit,
        "the WAL is {} MB next to a database of {} MB",
        wal >> 20,
        database >> 20
    );
    db.cleanup().await;
}
