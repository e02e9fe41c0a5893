//! The storage suite: every case runs on a fresh SQLite file and a fresh PostgreSQL database.

use grondslag_domain::access::{Grant, Role};
use grondslag_domain::audit::ChainBreak;
use grondslag_domain::diff::compare;
use grondslag_domain::interchange;
use grondslag_domain::register::{
    Activity, DataCategoryEntry, Processor, ProcessorAgreement, Recipient, Status, Unit,
};
use grondslag_domain::vocab::{LegalBasis, PersonalDataCategory, RecipientKind, UnitKind};
use grondslag_store::register::ActivityFilter;
use grondslag_store::testing::each_backend;
use grondslag_store::{Store, StoreError};

const FG: &str = "user:fg";

fn unit(id: &str, parent: Option<&str>, kind: UnitKind) -> Unit {
    Unit {
        id: id.into(),
        kind,
        name_nl: format!("{id} nl"),
        name_en: format!("{id} en"),
        parent: parent.map(Into::into),
    }
}

fn category(c: PersonalDataCategory, b: Option<LegalBasis>) -> DataCategoryEntry {
    DataCategoryEntry {
        category: c,
        description: String::new(),
        legal_basis: b,
        art9_exception: None,
        statutory_basis: String::new(),
        retention: None,
    }
}

fn activity(name: &str, unit: &str, cats: Vec<DataCategoryEntry>) -> Activity {
    Activity {
        name: name.into(),
        unit: unit.into(),
        data_categories: cats,
        ..Default::default()
    }
}

/// Units two levels deep, a processor, and no activities yet.
async fn seed(store: &Store) {
    for u in [
        unit("fnwi", None, UnitKind::Faculty),
        unit("imapp", Some("fnwi"), UnitKind::Institute),
        unit("imapp-lab", Some("imapp"), UnitKind::Department),
        unit("law", None, UnitKind::Faculty),
    ] {
        store.put_unit(FG, u).await.unwrap();
    }
    store
        .put_processor(
            FG,
            Processor {
                id: "mailer".into(),
                name: "Mailer BV".into(),
                country: "NL".into(),
                agreement: Some(ProcessorAgreement {
                    reference: "VO-1".into(),
                    signed_on: None,
                    expires_on: None,
                    no_own_use_clause: true,
                    ..Default::default()
                }),
                sub_processors: vec![],
                notes: String::new(),
                dpf_certified: false,
            },
        )
        .await
        .unwrap();
}

async fn chain_ok(store: &Store) -> i64 {
    store
        .verify_audit_chain()
        .await
        .unwrap()
        .expect("the audit chain verifies")
}

#[tokio::test]
async fn an_activity_goes_through_the_workflow_with_every_version_kept() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let created = s
            .create_activity(
                "user:pm",
                activity(
                    "Exam results",
                    "imapp",
                    vec![category(PersonalDataCategory::Grades, None)],
                ),
            )
            .await
            .unwrap();
        assert_eq!((created.status, created.version), (Status::Draft, 1));
        let submitted = s
            .transition_activity("user:pm", &created.id, Some(1), Status::Submitted)
            .await
            .unwrap();
        let registered = s
            .transition_activity(FG, &created.id, Some(2), Status::Registered)
            .await
            .unwrap();
        assert_eq!(
            (registered.status, registered.version),
            (Status::Registered, 3)
        );
        let mut changed = registered.activity.clone();
        changed.data_categories[0].legal_basis = Some(LegalBasis::PublicTask);
        let edited = s
            .update_activity(FG, &created.id, Some(3), changed)
            .await
            .unwrap();
        assert_eq!((edited.status, edited.version), (Status::Registered, 4));

        let versions = s.activity_versions(&created.id).await.unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|v| (v.version, v.status))
                .collect::<Vec<_>>(),
            [
                (1, Status::Draft),
                (2, Status::Submitted),
                (3, Status::Registered),
                (4, Status::Registered)
            ]
        );
        assert_eq!(versions[1].saved_by, "user:pm");
        let diff = compare(&versions[0].activity, &versions[3].activity);
        assert_eq!(diff.len(), 1, "{}: {diff:?}", db.backend);
        assert_eq!(diff[0].path, "data_categories[0].legal_basis");
        assert_eq!(submitted.saved_by, "user:pm");

        // Saving the same content again adds no version.
        let same = s
            .update_activity(FG, &created.id, None, edited.activity.clone())
            .await
            .unwrap();
        assert_eq!(same.version, 4);

        let entries = s.audit_for("activity", &created.id, 10).await.unwrap();
        assert_eq!(
            entries
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>(),
            [
                "activity.update",
                "activity.transition",
                "activity.transition",
                "activity.create"
            ]
        );
        assert!(entries[0]
            .before
            .as_deref()
            .unwrap()
            .contains("\"version\":3"));
        chain_ok(s).await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn refused_writes_change_nothing() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let before = chain_ok(s).await;

        let mut bad = activity("", "nowhere", vec![]);
        bad.recipients.push(Recipient {
            name: "Ghost".into(),
            kind: RecipientKind::Processor,
            country: "NL".into(),
            processor: Some("ghost".into()),
            transfer_mechanism: None,
            safeguards: String::new(),
            dpf_certified: false,
        });
        let Err(StoreError::Invalid(errors)) = s.create_activity(FG, bad).await else {
            panic!("invalid input must be refused")
        };
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["name", "unit", "recipients[0].processor"],
            "{}",
            db.backend
        );

        let a = s
            .create_activity(FG, activity("Alumni", "law", vec![]))
            .await
            .unwrap();
        assert!(matches!(
            s.transition_activity(FG, &a.id, None, Status::Registered)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.update_activity(FG, &a.id, Some(7), a.activity.clone())
                .await,
            Err(StoreError::Stale(_))
        ));
        s.transition_activity(FG, &a.id, None, Status::Retired)
            .await
            .unwrap();
        assert!(matches!(
            s.update_activity(FG, &a.id, None, activity("New", "law", vec![]))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.activity("no-such-id").await,
            Err(StoreError::NotFound(_))
        ));

        assert_eq!(
            chain_ok(s).await,
            before + 2,
            "{}: only the create and the retirement are in the log",
            db.backend
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_register_list_filters_searches_and_pages() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        use LegalBasis::*;
        use PersonalDataCategory::*;
        s.create_activity(
            FG,
            activity(
                "Lab access badges",
                "imapp-lab",
                vec![
                    category(Name, Some(LegitimateInterests)),
                    category(Biometric, Some(Consent)),
                ],
            ),
        )
        .await
        .unwrap();
        s.create_activity(
            FG,
            activity(
                "Institute newsletter",
                "imapp",
                vec![category(ContactDetails, Some(Consent))],
            ),
        )
        .await
        .unwrap();
        s.create_activity(
            FG,
            activity(
                "Faculty exam board",
                "fnwi",
                vec![category(Grades, Some(PublicTask))],
            ),
        )
        .await
        .unwrap();
        let law = s
            .create_activity(
                FG,
                activity(
                    "Moot court 100%_done",
                    "law",
                    vec![category(Name, Some(Contract))],
                ),
            )
            .await
            .unwrap();
        s.transition_activity(FG, &law.id, None, Status::Submitted)
            .await
            .unwrap();

        let names = |f: ActivityFilter| async move {
            let page = s
                .list_activities(&ActivityFilter { per_page: 50, ..f })
                .await
                .unwrap();
            (
                page.total,
                page.items.into_iter().map(|i| i.name).collect::<Vec<_>>(),
            )
        };
        // A unit two levels up sees everything below it.
        assert_eq!(
            names(ActivityFilter {
                unit: Some("fnwi".into()),
                ..Default::default()
            })
            .await
            .0,
            3,
            "{}",
            db.backend
        );
        assert_eq!(
            names(ActivityFilter {
                unit: Some("imapp".into()),
                ..Default::default()
            })
            .await
            .1,
            ["Institute newsletter", "Lab access badges"]
        );
        assert_eq!(
            names(ActivityFilter {
                legal_basis: Some(Consent),
                ..Default::default()
            })
            .await
            .0,
            2
        );
        assert_eq!(
            names(ActivityFilter {
                data_category: Some(Name),
                ..Default::default()
            })
            .await
            .0,
            2
        );
        assert_eq!(
            names(ActivityFilter {
                special_only: true,
                ..Default::default()
            })
            .await
            .1,
            ["Lab access badges"]
        );
        assert_eq!(
            names(ActivityFilter {
                status: Some(Status::Submitted),
                ..Default::default()
            })
            .await
            .1,
            ["Moot court 100%_done"]
        );
        // Search is case-insensitive, every word must match, and % and _ are literal.
        assert_eq!(
            names(ActivityFilter {
                q: Some("NEWS institute".into()),
                ..Default::default()
            })
            .await
            .1,
            ["Institute newsletter"]
        );
        assert_eq!(
            names(ActivityFilter {
                q: Some("100%_".into()),
                ..Default::default()
            })
            .await
            .0,
            1
        );
        assert_eq!(
            names(ActivityFilter {
                q: Some("%".into()),
                ..Default::default()
            })
            .await
            .0,
            1
        );

        let page2 = s
            .list_activities(&ActivityFilter {
                page: 2,
                per_page: 3,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((page2.total, page2.items.len()), (4, 1));
        assert_eq!(page2.items[0].name, "Moot court 100%_done");
        assert_eq!(page2.items[0].legal_bases(), [Contract]);
        let beyond = s
            .list_activities(&ActivityFilter {
                page: 9,
                per_page: 3,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            (beyond.total, beyond.items.len()),
            (4, 0),
            "a page past the end still knows the total"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn export_then_import_into_an_empty_database_gives_the_same_export() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let a = s
            .create_activity(
                FG,
                activity(
                    "Alumni magazine",
                    "law",
                    vec![category(
                        PersonalDataCategory::Address,
                        Some(LegalBasis::LegitimateInterests),
                    )],
                ),
            )
            .await
            .unwrap();
        s.transition_activity(FG, &a.id, None, Status::Submitted)
            .await
            .unwrap();
        s.create_activity(FG, activity("Exam board", "imapp-lab", vec![]))
            .await
            .unwrap();
        let first = s.export().await.unwrap();
        let text = serde_json::to_value(&first).unwrap();
        let parsed = interchange::parse(&text).expect("our own export parses");

        for target in each_backend().await {
            let report = target.store.import("cli:test", &parsed).await.unwrap();
            assert_eq!(report.activities_created, 2);
            let second = target.store.export().await.unwrap();
            assert_eq!(
                serde_json::to_value(RegisterWithoutTime(&second)).unwrap(),
                serde_json::to_value(RegisterWithoutTime(&first)).unwrap(),
                "{} -> {}",
                db.backend,
                target.backend
            );
            // Importing the same file again changes nothing.
            let again = target.store.import("cli:test", &parsed).await.unwrap();
            assert_eq!(
                (
                    again.activities_unchanged,
                    again.activities_created,
                    again.units_written
                ),
                (2, 0, 0)
            );
            chain_ok(&target.store).await;
            target.cleanup().await;
        }
        db.cleanup().await;
    }
}

/// A register document minus its export time, which differs by design.
#[derive(serde::Serialize)]
struct RegisterWithoutTime<'a>(
    #[serde(serialize_with = "without_time")] &'a interchange::RegisterDocument,
);

fn without_time<S: serde::Serializer>(
    d: &&interchange::RegisterDocument,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut v = serde_json::to_value(d).unwrap();
    v.as_object_mut().unwrap().remove("exported_at");
    serde::Serialize::serialize(&v, s)
}

#[tokio::test]
async fn an_import_that_fails_writes_nothing() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let head = chain_ok(s).await;
        let mut doc = s.export().await.unwrap();
        doc.units.push(unit("new-unit", None, UnitKind::Service));
        let mut a = grondslag_domain::register::ActivityRecord {
            id: "a-1".into(),
            status: Status::Draft,
            version: 1,
            saved_at: chrono::Utc::now(),
            saved_by: "x".into(),
            activity: activity("Uses a missing unit", "missing", vec![]),
            history: vec![],
        };
        doc.activities.push(a.clone());
        assert!(matches!(
            s.import(FG, &doc).await,
            Err(StoreError::Invalid(_))
        ));
        // Valid on paper, but the same id twice: the database refuses the second row, and the
        // unit written before it must be gone too.
        a.activity.unit = "law".into();
        doc.activities = vec![
            a.clone(),
            grondslag_domain::register::ActivityRecord {
                id: "a-2".into(),
                ..a.clone()
            },
        ];
        s.import(FG, &doc).await.unwrap();
        let mut dup = s.export().await.unwrap();
        dup.units.push(unit("another", None, UnitKind::Service));
        dup.activities[1].id = "a-3".into();
        dup.activities
            .push(grondslag_domain::register::ActivityRecord {
                id: "a-3".into(),
                ..a
            });
        assert!(s.import(FG, &dup).await.is_err());
        assert!(
            !s.units().await.unwrap().iter().any(|u| u.id == "another"),
            "{}",
            db.backend
        );
        assert_eq!(
            chain_ok(s).await,
            head + 3,
            "one unit and two activities from the one import that landed"
        );
        db.cleanup().await;
    }
}

/// A large import into an empty register loads without row-by-row key checks on
/// PostgreSQL (the keys are set aside and added back); whether it lands or fails, the keys
/// are there afterwards and refuse a version or term of an activity that does not exist.
#[tokio::test]
async fn a_bulk_import_into_an_empty_register_keeps_its_foreign_keys() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let mut doc = s.export().await.unwrap();
        let record = |i: usize| grondslag_domain::register::ActivityRecord {
            id: format!("a-{i}"),
            status: Status::Draft,
            version: 1,
            saved_at: chrono::Utc::now(),
            saved_by: "x".into(),
            activity: activity(
                &format!("Activity {i}"),
                "law",
                vec![category(
                    PersonalDataCategory::Address,
                    Some(LegalBasis::PublicTask),
                )],
            ),
            history: vec![],
        };
        // Enough versions for a bulk write, and one id twice: the database refuses it.
        doc.activities = (0..1200).map(record).collect();
        doc.activities.push(record(7));
        assert!(s.import(FG, &doc).await.is_err(), "{}", db.backend);
        doc.activities.pop();
        let report = s.import(FG, &doc).await.unwrap();
        assert_eq!(report.activities_created, 1200, "{}", db.backend);
        let list = s
            .list_activities(&ActivityFilter {
                legal_basis: Some(LegalBasis::PublicTask),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(list.total, 1200, "terms written: {}", db.backend);
        for orphan in [
            "INSERT INTO activity_versions (activity_id, version, status, saved_at, saved_by, doc) \
             VALUES ('no-such-activity', 1, 'draft', '2026-01-01T00:00:00Z', 'x', '{}')",
            "INSERT INTO activity_terms (kind, value, activity_id) \
             VALUES ('legal_basis', 'consent', 'no-such-activity')",
        ] {
            assert!(
                s.execute_raw_for_tests(orphan).await.is_err(),
                "{}: {orphan}",
                db.backend
            );
        }
        chain_ok(s).await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_caught_and_named() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        for i in 0..3 {
            s.create_activity(FG, activity(&format!("A{i}"), "law", vec![]))
                .await
                .unwrap();
        }
        let n = chain_ok(s).await;
        assert_eq!(n, 8);

        s.execute_raw_for_tests("UPDATE audit_log SET actor = 'user:nobody' WHERE seq = 6")
            .await
            .unwrap();
        assert_eq!(
            s.verify_audit_chain().await.unwrap(),
            Err(ChainBreak::Altered { seq: 6 }),
            "{}",
            db.backend
        );
        s.execute_raw_for_tests("UPDATE audit_log SET actor = 'user:fg' WHERE seq = 6")
            .await
            .unwrap();
        chain_ok(s).await;

        s.execute_raw_for_tests("DELETE FROM audit_log WHERE seq = 4")
            .await
            .unwrap();
        assert_eq!(
            s.verify_audit_chain().await.unwrap(),
            Err(ChainBreak::Missing {
                expected: 4,
                found: 5
            })
        );

        s.execute_raw_for_tests("DELETE FROM audit_log WHERE seq >= 4")
            .await
            .unwrap();
        assert_eq!(
            s.verify_audit_chain().await.unwrap(),
            Err(ChainBreak::Truncated { last: 3, head: 8 })
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    for db in each_backend().await {
        let s = db.store.clone();
        seed(&s).await;
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.create_activity(
                        &format!("user:u{i}"),
                        activity(&format!("Concurrent {i}"), "law", vec![]),
                    )
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(chain_ok(&s).await, 5 + 16, "{}", db.backend);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn accounts_and_sessions() {
    for db in each_backend().await {
        let s = &db.store;
        let user = s
            .create_user(
                "cli:root",
                "fg",
                "Functionaris Gegevensbescherming",
                "correct horse battery",
                &[Grant {
                    role: Role::Dpo,
                    unit: None,
                }],
            )
            .await
            .unwrap();
        assert!(matches!(
            s.create_user("cli:root", "fg", "Again", "correct horse battery", &[])
                .await,
            Err(StoreError::Conflict(_))
        ));
        let Err(StoreError::Invalid(e)) = s
            .create_user("cli:root", "Bad Name", "", "short", &[])
            .await
        else {
            panic!()
        };
        assert_eq!(
            e.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["username", "display_name", "password"]
        );

        assert!(s
            .authenticate("fg", "wrong password!")
            .await
            .unwrap()
            .is_none());
        assert!(s
            .authenticate("nobody", "correct horse battery")
            .await
            .unwrap()
            .is_none());
        let ok = s
            .authenticate("fg", "correct horse battery")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ok.id, user.id);

        let session = s.create_session(&ok).await.unwrap();
        assert_eq!(
            s.session_user(&session.token)
                .await
                .unwrap()
                .unwrap()
                .username,
            "fg"
        );
        s.end_session(&session.token).await.unwrap();
        assert!(
            s.session_user(&session.token).await.unwrap().is_none(),
            "{}",
            db.backend
        );

        let log = s.audit_recent(10).await.unwrap();
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["session.logout", "session.login", "user.create"]
        );
        assert!(
            !log[2].after.as_deref().unwrap().contains("argon2"),
            "no password hash in the log"
        );
        chain_ok(s).await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_import_keeps_the_organisation_and_leaves_retired_activities_alone() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let org = grondslag_domain::register::Organisation {
            name: "Universiteit van Lindenhout".into(),
            ..Default::default()
        };
        s.put_organisation(FG, org.clone()).await.unwrap();
        let a = s
            .create_activity(FG, activity("Oud systeem", "law", vec![]))
            .await
            .unwrap();
        s.transition_activity(FG, &a.id, None, Status::Retired)
            .await
            .unwrap();

        let mut doc = s.export().await.unwrap();
        doc.organisation = Default::default();
        s.import(FG, &doc).await.unwrap();
        assert_eq!(
            s.organisation().await.unwrap(),
            org,
            "{}: a file without organisation keeps the stored one",
            db.backend
        );

        doc.activities[0].activity.name = "Nieuw leven".into();
        let Err(StoreError::Conflict(msg)) = s.import(FG, &doc).await else {
            panic!("a retired activity must not change")
        };
        assert!(msg.contains("retired"), "{msg}");
        assert_eq!(
            s.activity(&a.id).await.unwrap().activity.name,
            "Oud systeem"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn roles_are_granted_for_units_and_revoked_with_an_audit_trail() {
    for db in each_backend().await {
        let s = &db.store;
        seed(s).await;
        let pm = s
            .create_user(
                "cli:root",
                "pm",
                "Privacy manager",
                "correct horse battery",
                &[Grant {
                    role: Role::PrivacyManager,
                    unit: Some("fnwi".into()),
                }],
            )
            .await
            .unwrap();
        assert_eq!(
            s.grants(pm.id).await.unwrap(),
            [Grant {
                role: Role::PrivacyManager,
                unit: Some("fnwi".into())
            }]
        );

        // Unit-bound roles need a unit that exists; overall roles take none.
        for (bad, path_code) in [
            (
                Grant {
                    role: Role::PrivacyManager,
                    unit: None,
                },
                "required",
            ),
            (
                Grant {
                    role: Role::PrivacyManager,
                    unit: Some("nowhere".into()),
                },
                "unknown_reference",
            ),
            (
                Grant {
                    role: Role::Auditor,
                    unit: Some("fnwi".into()),
                },
                "not_allowed",
            ),
        ] {
            let Err(StoreError::Invalid(e)) = s.grant("cli:root", "pm", &bad).await else {
                panic!("{bad:?} must be refused")
            };
            assert_eq!(e.iter().next().unwrap().code, path_code, "{}", db.backend);
        }
        s.grant(
            "cli:root",
            "pm",
            &Grant {
                role: Role::DomainOwner,
                unit: Some("law".into()),
            },
        )
        .await
        .unwrap();
        s.revoke(
            "cli:root",
            "pm",
            &Grant {
                role: Role::PrivacyManager,
                unit: Some("fnwi".into()),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            s.grants(pm.id).await.unwrap(),
            [Grant {
                role: Role::DomainOwner,
                unit: Some("law".into())
            }]
        );
        assert!(matches!(
            s.revoke(
                "cli:root",
                "pm",
                &Grant {
                    role: Role::Auditor,
                    unit: None
                }
            )
            .await,
            Err(StoreError::NotFound(_))
        ));
        let log = s.audit_for("user", "pm", 10).await.unwrap();
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["user.revoke", "user.grant", "user.create"]
        );
        chain_ok(s).await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_per_address_and_sessions_time_out() {
    use grondslag_store::accounts::{LoginOutcome, MAX_FAILURES_PER_ACCOUNT};
    for db in each_backend().await {
        let s = &db.store;
        s.create_user(
            "cli:root",
            "fg",
            "FG",
            "correct horse battery",
            &[Grant {
                role: Role::Dpo,
                unit: None,
            }],
        )
        .await
        .unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(matches!(
                s.login("fg", "guess guess guess", "10.0.0.1")
                    .await
                    .unwrap(),
                LoginOutcome::Failed
            ));
        }
        // Locked now, even with the right password and from another address.
        assert!(
            matches!(
                s.login("fg", "correct horse battery", "10.0.0.2")
                    .await
                    .unwrap(),
                LoginOutcome::Locked
            ),
            "{}",
            db.backend
        );
        let log = s.audit_recent(3).await.unwrap();
        assert_eq!(
            log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            [
                "session.locked_out",
                "session.lockout",
                "session.login_failed"
            ]
        );
        assert_eq!(log[1].actor, "anonymous:10.0.0.1");

        // The lockout passes with the window; a success clears the count.
        s.execute_raw_for_tests("DELETE FROM login_failures")
            .await
            .unwrap();
        let LoginOutcome::Success(user) = s
            .login("fg", "correct horse battery", "10.0.0.2")
            .await
            .unwrap()
        else {
            panic!()
        };

        // A session that sat idle too long no longer opens anything.
        let session = s.create_session(&user).await.unwrap();
        assert!(s.session_user(&session.token).await.unwrap().is_some());
        s.execute_raw_for_tests("UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00Z'")
            .await
            .unwrap();
        assert!(
            s.session_user(&session.token).await.unwrap().is_none(),
            "{}: idle timeout",
            db.backend
        );

        // Passwords: easy ones are refused; a change needs the old one and ends every session.
        let Err(StoreError::Invalid(e)) = s
            .set_password(
                "user:fg",
                "fg",
                Some("correct horse battery"),
                "password1234",
            )
            .await
        else {
            panic!()
        };
        assert_eq!(e.iter().next().unwrap().code, "too_common");
        let Err(StoreError::Invalid(e)) = s
            .set_password(
                "user:fg",
                "fg",
                Some("not my password"),
                "Vergaderzaal-Noord-2026!",
            )
            .await
        else {
            panic!()
        };
        assert_eq!(e.iter().next().unwrap().path, "old_password");
        let other = s.create_session(&user).await.unwrap();
        s.set_password(
            "user:fg",
            "fg",
            Some("correct horse battery"),
            "Vergaderzaal-Noord-2026!",
        )
        .await
        .unwrap();
        assert!(s.session_user(&other.token).await.unwrap().is_none());
        assert!(matches!(
            s.login("fg", "Vergaderzaal-Noord-2026!", "10.0.0.3")
                .await
                .unwrap(),
            LoginOutcome::Success(_)
        ));
        s.set_password("cli:root", "fg", None, "Een-nieuw-begin-voor-FG")
            .await
            .unwrap();
        assert_eq!(
            s.audit_recent(1).await.unwrap()[0].action,
            "user.password_reset"
        );
        chain_ok(s).await;
        db.cleanup().await;
    }
}
