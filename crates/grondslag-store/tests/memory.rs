//! What the store keeps in memory, on SQLite and PostgreSQL: the consent index answers
//! exactly as the database does, follows this process's writes at once and another
//! process's within a poll, and lets go when over its limit; remembered API tokens and
//! activity needs are looked up again once the database has changed.

use chrono::{DateTime, Duration, Utc};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::consent::{ConsentEvent, EventKind, ObjectionKind, SubjectKey};
use grondslag_domain::register::DataCategoryEntry;
use grondslag_domain::vocab::{LegalBasis, PersonalDataCategory, Purpose};
use grondslag_store::consent_index::IndexState;
use grondslag_store::testing::each_backend;
use grondslag_store::testing::ledger::{alumni_activity, event, given, key, notice, FG};
use grondslag_store::Store;

/// Every kind of event a decision reads, ties in time and backdated events included.
fn histories(a: &str, t0: DateTime<Utc>) -> (Vec<SubjectKey>, Vec<ConsentEvent>) {
    let h = Duration::hours;
    let (anna, bram, cas) = (key("anna@uni.nl"), key("bram@uni.nl"), key("cas@uni.nl"));
    let subject_wide = |s, at, kind| event(s, None, at, kind);
    let events = vec![
        given(anna, a, t0, false),
        event(anna, Some(a), t0 + h(2), EventKind::ConsentWithdrawn),
        given(anna, a, t0 + h(3), true),
        subject_wide(anna, t0 + h(1), EventKind::DirectMarketingObjection),
        subject_wide(
            anna,
            t0 + h(4),
            EventKind::ObjectionWithdrawn {
                objection: ObjectionKind::DirectMarketing,
            },
        ),
        // Two events at the same instant keep the order they were recorded in.
        given(bram, a, t0 + h(5), false),
        subject_wide(
            bram,
            t0 + h(5),
            EventKind::RestrictionSet {
                grounds: "accuracy contested".into(),
            },
        ),
        event(
            bram,
            Some(a),
            t0 + h(6),
            EventKind::Objection {
                grounds: "personal situation".into(),
            },
        ),
        event(
            bram,
            Some(a),
            t0 + h(7),
            EventKind::ObjectionRejected {
                reasons: "compelling grounds".into(),
            },
        ),
        ConsentEvent {
            activity: None,
            purpose: Some(Purpose::DirectMarketing),
            ..given(cas, a, t0 + h(1), false)
        },
        subject_wide(cas, t0 + h(2), EventKind::GpcSignal),
    ];
    (vec![anna, bram, cas, key("nobody@uni.nl")], events)
}

/// Whether `check` comes true within a second.
async fn eventually<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) -> bool {
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

async fn wait_for(s: &Store, state: IndexState) {
    for _ in 0..200 {
        if s.consent_index_report().state == state {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!(
        "the consent index did not become {state:?}: {:?}",
        s.consent_index_report()
    );
}

#[tokio::test]
async fn the_consent_index_answers_as_the_database_does() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, vec![Purpose::DirectMarketing]).await;
        let t0 = Utc::now() - Duration::days(3);
        let (subjects, events) = histories(&a, t0);
        s.record_consent_events(FG, &[notice()], &events[..5])
            .await
            .unwrap();
        s.record_consent_events(FG, &[], &events[5..])
            .await
            .unwrap();
        let from_db = s.consent_ledgers(&subjects).await.unwrap();
        assert_eq!(s.consent_index_report().state, IndexState::Off);

        s.start_consent_index(64 << 20);
        wait_for(s, IndexState::Ready).await;
        let report = s.consent_index_report();
        assert_eq!((report.subjects, report.events), (3, events.len()));
        assert!(report.bytes > 0 && report.bytes < report.limit_bytes);
        let from_memory = s.consent_ledgers(&subjects).await.unwrap();
        for k in &subjects {
            assert_eq!(from_memory.of(k), from_db.of(k), "{}", db.backend);
            assert_eq!(
                s.consent_ledger_of(k).await.unwrap(),
                from_db.of(k),
                "{}",
                db.backend
            );
        }
        let anna = s.consent_ledger_of(&subjects[0]).await.unwrap();
        assert_eq!(anna.len(), 5);
        // The withdrawn objection's kind comes from its details.
        assert!(anna.iter().any(|r| r.effect
            == grondslag_domain::consent::Effect::ObjectionWithdrawn(
                ObjectionKind::DirectMarketing
            )));

        // This process's own write is in the next answer, with no wait.
        let dirk = key("dirk@uni.nl");
        let r = s
            .record_consent_events(FG, &[], &[given(dirk, &a, t0, false)])
            .await
            .unwrap();
        let rows = s.consent_ledger_of(&dirk).await.unwrap();
        assert_eq!(rows.len(), 1, "{}", db.backend);
        assert_eq!(rows[0].id.to_string(), r.ids[0]);
        assert_eq!(s.consent_index_report().events, events.len() + 1);
        db.cleanup().await;
    }
}

/// A write of this process goes into the index as it was written, not read back
/// (`ConsentIndex::took_in_own`): the index must then hold what the database would give it,
/// times cut to the microsecond as stored.
#[tokio::test]
async fn the_index_takes_in_a_write_as_the_database_reads_it_back() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, vec![Purpose::DirectMarketing]).await;
        s.start_consent_index(64 << 20);
        wait_for(s, IndexState::Ready).await;
        // Nanoseconds, which neither database keeps.
        let t0 = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let (subjects, events) = histories(&a, t0);
        for batch in [&events[..5], &events[5..]] {
            s.record_consent_events(FG, &[notice()], batch)
                .await
                .unwrap();
        }
        let from_memory = s.consent_ledgers(&subjects).await.unwrap();
        let other = Store::connect(&db.url).await.unwrap();
        let from_db = other.consent_ledgers(&subjects).await.unwrap();
        for k in &subjects {
            assert_eq!(from_memory.of(k), from_db.of(k), "{}", db.backend);
        }
        assert_eq!(s.consent_index_report().events, events.len());
        other.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn another_processs_writes_reach_the_index_within_a_poll() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, vec![Purpose::DirectMarketing]).await;
        s.record_consent_events(
            FG,
            &[notice()],
            &[given(
                key("anna@uni.nl"),
                &a,
                Utc::now() - Duration::hours(1),
                false,
            )],
        )
        .await
        .unwrap();
        s.watch_changes(std::time::Duration::from_millis(20))
            .await
            .unwrap();
        s.start_consent_index(64 << 20);
        wait_for(s, IndexState::Ready).await;

        // A second store on the same database: another `serve`, or the CLI.
        let other = Store::connect(&db.url).await.unwrap();
        let bram = key("bram@uni.nl");
        other
            .record_consent_events(
                FG,
                &[],
                &[given(bram, &a, Utc::now() - Duration::minutes(1), false)],
            )
            .await
            .unwrap();
        // A write of this process checks against the other's event at once, before any poll:
        // it reads what was committed through its own transaction.
        s.record_consent_events(
            FG,
            &[],
            &[event(
                bram,
                Some(&a),
                Utc::now() - Duration::seconds(30),
                EventKind::ConsentWithdrawn,
            )],
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.backend));
        // And a withdrawal with no consent before it is refused as from the database.
        let e = s
            .record_consent_events(
                FG,
                &[],
                &[event(
                    key("cas@uni.nl"),
                    Some(&a),
                    Utc::now(),
                    EventKind::ConsentWithdrawn,
                )],
            )
            .await
            .unwrap_err();
        match e {
            grondslag_store::StoreError::Invalid(v) => {
                assert_eq!(v.iter().next().unwrap().code, "no_consent_in_force")
            }
            other => panic!("{}: {other:?}", db.backend),
        }
        let seen = eventually(|| async { s.consent_ledger_of(&bram).await.unwrap().len() == 2 });
        assert!(
            seen.await,
            "{}: the other process's event never arrived",
            db.backend
        );
        assert_eq!(s.consent_index_report().events, 3, "{}", db.backend);
        other.close().await;
        db.cleanup().await;
    }
}

/// On PostgreSQL another instance's write is announced at commit (NOTIFY), so it counts at
/// once, not at the next poll: here the poll is an hour away.
#[tokio::test]
async fn on_postgresql_another_instances_write_counts_at_once() {
    let Some(db) = grondslag_store::testing::postgres().await else {
        return;
    };
    let s = &db.store;
    let a = alumni_activity(s, vec![Purpose::DirectMarketing]).await;
    s.record_consent_events(
        FG,
        &[notice()],
        &[given(key("anna@uni.nl"), &a, Utc::now(), false)],
    )
    .await
    .unwrap();
    s.watch_changes(std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    s.start_consent_index(64 << 20);
    wait_for(s, IndexState::Ready).await;
    let bram = key("bram@uni.nl");
    assert!(s.consent_ledger_of(&bram).await.unwrap().is_empty());

    let other = Store::connect(&db.url).await.unwrap();
    other
        .record_consent_events(FG, &[], &[given(bram, &a, Utc::now(), false)])
        .await
        .unwrap();
    let seen = eventually(|| async { s.consent_ledger_of(&bram).await.unwrap().len() == 1 });
    assert!(seen.await, "the other instance's event was not announced");
    other.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn over_its_limit_the_index_lets_go_and_the_database_answers() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, vec![Purpose::DirectMarketing]).await;
        let (subjects, events) = histories(&a, Utc::now() - Duration::days(3));
        s.record_consent_events(FG, &[notice()], &events[..5])
            .await
            .unwrap();
        s.record_consent_events(FG, &[], &events[5..])
            .await
            .unwrap();
        let from_db = s.consent_ledgers(&subjects).await.unwrap();
        s.start_consent_index(100);
        wait_for(s, IndexState::OverLimit).await;
        let report = s.consent_index_report();
        assert_eq!((report.subjects, report.events, report.bytes), (0, 0, 0));
        let answered = s.consent_ledgers(&subjects).await.unwrap();
        for k in &subjects {
            assert_eq!(answered.of(k), from_db.of(k), "{}", db.backend);
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_remembered_token_is_looked_up_again_once_revoked() {
    for db in each_backend().await {
        let s = &db.store;
        let grants = [Grant {
            role: Role::ConsentClient,
            unit: None,
        }];
        let t = s
            .create_token(FG, "website", &grants, Utc::now() + Duration::days(30))
            .await
            .unwrap();
        assert!(s.token_user(&t.secret).await.unwrap().is_some());
        assert!(
            s.token_user(&t.secret).await.unwrap().is_some(),
            "remembered"
        );

        // Revoked by this process: refused at once.
        s.revoke_token(FG, t.token.id).await.unwrap();
        assert!(
            s.token_user(&t.secret).await.unwrap().is_none(),
            "{}",
            db.backend
        );

        // Revoked by another process: refused once the poll has seen the write.
        let t2 = s
            .create_token(FG, "crm", &grants, Utc::now() + Duration::days(30))
            .await
            .unwrap();
        s.watch_changes(std::time::Duration::from_millis(20))
            .await
            .unwrap();
        assert!(s.token_user(&t2.secret).await.unwrap().is_some());
        let other = Store::connect(&db.url).await.unwrap();
        other.revoke_token(FG, t2.token.id).await.unwrap();
        let refused = eventually(|| async { s.token_user(&t2.secret).await.unwrap().is_none() });
        assert!(
            refused.await,
            "{}: a token revoked elsewhere still works",
            db.backend
        );
        other.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn activity_needs_follow_the_register() {
    for db in each_backend().await {
        let s = &db.store;
        let a = alumni_activity(s, vec![Purpose::DirectMarketing]).await;
        let needs = s.activity_consent_needs(&a).await.unwrap().unwrap();
        assert!(needs.consent && needs.direct_marketing);
        assert_eq!(s.activity_consent_needs("nope").await.unwrap(), None);

        // Once the activity rests on a legitimate interest, consent is not what decides.
        let mut record = s.activity(&a).await.unwrap();
        record.activity.data_categories = vec![DataCategoryEntry {
            category: PersonalDataCategory::ContactDetails,
            description: String::new(),
            legal_basis: Some(LegalBasis::LegitimateInterests),
            art9_exception: None,
            statutory_basis: String::new(),
            retention: None,
        }];
        s.update_activity(FG, &a, Some(record.version), record.activity)
            .await
            .unwrap();
        let needs = s.activity_consent_needs(&a).await.unwrap().unwrap();
        assert!(!needs.consent, "{}", db.backend);
        db.cleanup().await;
    }
}
