//! Fresh databases for tests: a temporary SQLite file, and a new database on the PostgreSQL
//! server named by `GRONDSLAG_TEST_POSTGRES_URL`. Under `CI=true` a missing or unreachable
//! PostgreSQL fails the test; it never silently falls back to SQLite.

use crate::Store;
use std::sync::atomic::{AtomicU32, Ordering};

/// A store on a database that exists only for one test.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// Drops the PostgreSQL database (the SQLite file goes with its directory).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.pg {
            if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("grondslag.db").display());
    let store = Store::connect(&url).await.expect("SQLite opens");
    TestDb {
        store,
        url,
        backend: "sqlite",
        _dir: Some(dir),
        pg: None,
    }
}

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// A fresh PostgreSQL database, or `None` when none is configured outside CI.
pub async fn postgres() -> Option<TestDb> {
    let admin_url = match std::env::var("GRONDSLAG_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if in_ci() => panic!(
            "CI=true but GRONDSLAG_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run"
        ),
        _ => {
            eprintln!(
                "note: GRONDSLAG_TEST_POSTGRES_URL is not set; this test runs on SQLite only"
            );
            return None;
        }
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "grondslag_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    );
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at GRONDSLAG_TEST_POSTGRES_URL cannot be reached: {e}")
    });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("CREATE DATABASE");
    admin.close().await;
    let url = match admin_url.rfind('/') {
        Some(i) if admin_url[..i].contains("//") && i > admin_url.find("//").unwrap() + 1 => {
            let (base, rest) = admin_url.split_at(i);
            let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
            format!("{base}/{name}{query}")
        }
        _ => format!("{admin_url}/{name}"),
    };
    let store = Store::connect(&url)
        .await
        .expect("the new PostgreSQL database opens");
    Some(TestDb {
        store,
        url,
        backend: "postgres",
        _dir: None,
        pg: Some((admin_url, name)),
    })
}

/// One fresh database of each kind that is available.
pub async fn each_backend() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

/// What the consent ledger's tests share: a subject key under a fixed secret, a notice,
/// events, and an activity to record them for.
pub mod ledger {
    use crate::Store;
    use chrono::{DateTime, Utc};
    use grondslag_domain::consent::{
        ConsentDetails, ConsentEvent, EventKind, IdentifierKind, Notice, PseudonymKey, RecordedBy,
        SubjectId, SubjectKey,
    };
    use grondslag_domain::register::{Activity, Unit};
    use grondslag_domain::vocab::{ConsentMethod, Purpose, UnitKind};

    /// The actor of the tests' writes.
    pub const FG: &str = "user:fg";

    pub fn key(email: &str) -> SubjectKey {
        let id = SubjectId::parse(IdentifierKind::Email, email).unwrap();
        PseudonymKey::new(&[7; 32]).unwrap().subject_key(&id)
    }

    pub fn notice() -> Notice {
        Notice {
            id: "alumni-newsletter".into(),
            version: "1".into(),
            language: "nl".into(),
            text: "Ja, stuur mij de alumninieuwsbrief.".into(),
        }
    }

    /// An event recorded by the website; `activity` None scopes it to the whole subject.
    pub fn event(
        subject: SubjectKey,
        activity: Option<&str>,
        at: DateTime<Utc>,
        kind: EventKind,
    ) -> ConsentEvent {
        ConsentEvent {
            subject,
            activity: activity.map(str::to_string),
            purpose: None,
            at,
            recorded_by: RecordedBy::system("website"),
            evidence: "submission 17".into(),
            kind,
        }
    }

    /// Consent through the web form to [`notice`].
    pub fn given(
        subject: SubjectKey,
        activity: &str,
        at: DateTime<Utc>,
        explicit: bool,
    ) -> ConsentEvent {
        let details = ConsentDetails {
            notice: notice().hash(),
            method: ConsentMethod::WebForm,
            explicit,
            witness: None,
        };
        event(
            subject,
            Some(activity),
            at,
            EventKind::ConsentGiven(details),
        )
    }

    /// The unit `alumni` and a draft activity of it with these purposes; its id.
    pub async fn alumni_activity(s: &Store, purposes: Vec<Purpose>) -> String {
        let unit = Unit {
            id: "alumni".into(),
            kind: UnitKind::Faculty,
            name_nl: "Alumni".into(),
            name_en: "Alumni".into(),
            parent: None,
        };
        s.put_unit(FG, unit).await.unwrap();
        let activity = Activity {
            name: "Alumninieuwsbrief".into(),
            unit: "alumni".into(),
            purposes,
            ..Activity::default()
        };
        s.create_activity(FG, activity).await.unwrap().id
    }
}
