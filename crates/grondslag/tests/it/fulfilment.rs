//! End to end (issue 6): a requester submits the public form and confirms it with the code
//! from a real SMTP server; the FG office establishes their identity, collects their data
//! from a real PostgreSQL and a real MariaDB data store, makes a dry run of the erasure and
//! approves it; the data is gone where the manifests say and kept where they say.

use crate::node::SmtpServer;
use grondslag_domain::datastore::Manifest;
use grondslag_fulfilment::{DataStore, ProcessEnv};
use serde_json::{json, Value};
use sqlx::{Connection, Executor};
use std::sync::Arc;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh database on a server, dropped at the end of the test.
struct ScratchDb {
    admin: String,
    name: String,
    url: String,
    mysql: bool,
}

impl ScratchDb {
    async fn postgres() -> Option<ScratchDb> {
        let admin = match std::env::var("GRONDSLAG_TEST_POSTGRES_URL") {
            Ok(u) => u,
            Err(_) if !in_ci() => {
                eprintln!("SKIPPED: set GRONDSLAG_TEST_POSTGRES_URL for the fulfilment test");
                return None;
            }
            Err(_) => panic!("GRONDSLAG_TEST_POSTGRES_URL is needed under CI"),
        };
        let name = format!("grondslag_t_ful_{}", uuid_ish());
        let mut c = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL");
        c.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let base = admin.rsplit_once('/').unwrap().0;
        Some(ScratchDb {
            url: format!("{base}/{name}"),
            admin,
            name,
            mysql: false,
        })
    }

    async fn mariadb() -> Option<ScratchDb> {
        let admin = std::env::var("GRONDSLAG_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
        let mut c = match sqlx::MySqlConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) if !in_ci() => {
                eprintln!("SKIPPED: MariaDB at {admin} cannot be reached ({e})");
                return None;
            }
            Err(e) => panic!("MariaDB at {admin} is needed under CI: {e}"),
        };
        let name = format!("grondslag_t_ful_{}", uuid_ish());
        c.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let base = admin.rsplit_once('/').unwrap().0;
        Some(ScratchDb {
            url: format!("{base}/{name}"),
            admin,
            name,
            mysql: true,
        })
    }

    async fn run(&self, statements: &[&str]) {
        if self.mysql {
            let mut c = sqlx::MySqlConnection::connect(&self.url).await.unwrap();
            for s in statements {
                c.execute(*s).await.unwrap();
            }
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            for s in statements {
                c.execute(*s).await.unwrap();
            }
        }
    }

    /// The rows of a query, each as its columns' text.
    async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::Row;
        if self.mysql {
            let mut c = sqlx::MySqlConnection::connect(&self.url).await.unwrap();
            let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                        .collect()
                })
                .collect()
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                        .collect()
                })
                .collect()
        }
    }

    async fn drop_db(&self) {
        if self.mysql {
            let mut c = sqlx::MySqlConnection::connect(&self.admin).await.unwrap();
            let _ = c
                .execute(format!("DROP DATABASE IF EXISTS {}", self.name).as_str())
                .await;
        } else {
            let mut c = sqlx::PgConnection::connect(&self.admin).await.unwrap();
            let _ = c
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await;
        }
    }
}

fn uuid_ish() -> String {
    format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// The CRM on PostgreSQL: a contact and their mailings go entirely.
const CRM: &str = r#"
format_version: 1
name: crm
label: CRM
connection: URL
tables:
  - name: contacts
    key: id
    subject: { column: email, identifier: email }
    erasure: delete_row
    columns:
      email: { provided: true }
      name: { provided: true }
  - name: mailings
    key: id
    parent: { table: contacts, foreign_key: contact_id }
    erasure: delete_row
    columns:
      campaign: {}
"#;

/// The student administration on MariaDB: the student and their grades stay (diploma
/// data), the notes are emptied and the telephone number masked.
const STUDENTS: &str = r#"
format_version: 1
name: students
label: Studentenadministratie
connection: URL
tables:
  - name: students
    key: id
    subject: { column: email, identifier: email }
    erasure: keep
    reason: legal_retention_duty
    explanation: "WHW art. 7.11: diploma data are kept."
    columns:
      email: { provided: true }
      name: { provided: true }
      phone: { provided: true, erasure: mask, mask: "[verwijderd]" }
      notes: { erasure: set_null }
  - name: grades
    key: id
    parent: { table: students, foreign_key: student_id }
    erasure: keep
    reason: legal_retention_duty
    explanation: "WHW art. 7.11: results behind a diploma."
    columns:
      course: {}
      grade: {}
"#;

async fn open(manifest: &str, url: &str) -> DataStore {
    let m =
        Manifest::parse(&manifest.replace("connection: URL", &format!("connection: \"{url}\"")))
            .unwrap_or_else(|e| panic!("{e:?}"));
    let store = DataStore::open(m, &ProcessEnv).await.unwrap();
    assert!(
        store.schema_report().errors.is_empty(),
        "{:?}",
        store.schema_report()
    );
    store
}

fn token_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a form token")
        .to_string()
}

#[tokio::test]
async fn a_public_request_is_fulfilled_in_postgresql_and_mariadb_stores() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let (Some(pg), Some(my)) = (ScratchDb::postgres().await, ScratchDb::mariadb().await) else {
        return;
    };
    pg.run(&[
        "CREATE TABLE contacts (id BIGINT PRIMARY KEY, email TEXT NOT NULL, name TEXT)",
        "CREATE INDEX contacts_email ON contacts (email)",
        "CREATE TABLE mailings (id BIGINT PRIMARY KEY, contact_id BIGINT NOT NULL REFERENCES contacts (id), campaign TEXT)",
        "CREATE INDEX mailings_contact ON mailings (contact_id)",
        "INSERT INTO contacts VALUES (1, 'anna@example.nl', 'Anna de Vries'), (2, 'bram@example.nl', 'Bram')",
        "INSERT INTO mailings VALUES (10, 1, 'open dag'), (11, 1, 'masterweek'), (12, 2, 'open dag')",
    ])
    .await;
    my.run(&[
        "CREATE TABLE students (id BIGINT PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200), phone VARCHAR(40), notes TEXT, INDEX (email))",
        "CREATE TABLE grades (id BIGINT PRIMARY KEY, student_id BIGINT NOT NULL, course VARCHAR(100), grade VARCHAR(10), INDEX (student_id), FOREIGN KEY (student_id) REFERENCES students (id))",
        "INSERT INTO students VALUES (1, 'anna@example.nl', 'Anna de Vries', '+31612345678', 'studieadvies: twijfelt'), (2, 'bram@example.nl', 'Bram', '+31600000000', 'n.v.t.')",
        "INSERT INTO grades VALUES (100, 1, 'Privacyrecht', '8'), (101, 1, 'Statistiek', '7'), (102, 2, 'Statistiek', '6')",
    ])
    .await;
    let stores = vec![open(CRM, &pg.url).await, open(STUDENTS, &my.url).await];

    let db = grondslag_store::testing::sqlite().await;
    db.store
        .create_user(
            "cli:test",
            "fg",
            "Functionaris",
            crate::PASSWORD,
            &[grondslag_domain::access::Grant {
                role: grondslag_domain::access::Role::Dpo,
                unit: None,
            }],
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = grondslag_web::AppState::new(
        db.store.clone(),
        false,
        grondslag_domain::transfers::TransferRules::builtin(),
    );
    state.mailer = Some(Arc::new(
        grondslag_web::mail::Mailer::new(&smtp.url(), "Privacy <privacy@lindenhout.example>")
            .unwrap(),
    ));
    state.datastores = Arc::new(stores);
    let app = grondslag_web::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let url = |p: &str| format!("{base}{p}");
    let client = || {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };

    // The requester: the public form, then the code from the e-mail.
    let anna = client();
    let html = anna
        .get(url("/privacy-request"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = anna
        .post(url("/privacy-request"))
        .form(&[
            ("csrf", token_of(&html).as_str()),
            ("rights", "right_of_access"),
            ("rights", "right_to_erasure"),
            ("name", "Anna de Vries"),
            ("email", "anna@example.nl"),
            (
                "description",
                "Wat hebben jullie van mij, en wis het daarna.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let confirm = res.headers()["location"].to_str().unwrap().to_string();
    let mail = smtp.messages().pop().expect("the code e-mail");
    let code = mail
        .text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .expect("a code")
        .to_string();
    let html = anna
        .get(url(&confirm))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = anna
        .post(url(&confirm))
        .form(&[("csrf", token_of(&html).as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );

    // The office.
    let fg = client();
    let res = fg
        .post(url("/api/v1/session"))
        .json(&json!({"username": "fg", "password": crate::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let queue: Value = fg
        .get(url("/api/v1/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue["total"], 1);
    let id = queue["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(queue["items"][0]["state"], "received");

    // Nothing is disclosed before the identity is established.
    let res = fg
        .get(url(&format!("/requests/{id}/access.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = fg
        .post(url(&format!("/api/v1/requests/{id}/actions")))
        .json(&json!({"action": "verify_identity", "method": "known_contact_details", "note": "adres staat in de studentenadministratie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Access: the rows of both stores, children included.
    let res = fg
        .get(url(&format!("/requests/{id}/access.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    let rows = |store: &str, table: &str| -> usize {
        report["stores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["store"] == store)
            .and_then(|s| {
                s["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["table"] == table)
            })
            .map_or(0, |t| t["rows"].as_array().unwrap().len())
    };
    assert_eq!(
        [
            rows("crm", "contacts"),
            rows("crm", "mailings"),
            rows("students", "students"),
            rows("students", "grades")
        ],
        [1, 2, 1, 2],
        "{report}"
    );
    let page = fg
        .get(url(&format!("/requests/{id}/access")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("studieadvies: twijfelt"),
        "the readable report shows the rows"
    );
    let portable: Value = fg
        .get(url(&format!("/requests/{id}/portability.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !portable.to_string().contains("twijfelt"),
        "notes were not provided by the subject"
    );
    assert!(portable.to_string().contains("+31612345678"));

    // The dry run changes nothing; new data after it stops the erasure.
    let token = token_of(&page);
    let dry = fg
        .post(url(&format!("/requests/{id}/erasure/plan")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status(), 200);
    assert!(dry.text().await.unwrap().contains("id=\"approve-erasure\""));
    assert_eq!(
        pg.rows("SELECT CAST(COUNT(*) AS TEXT) FROM mailings").await[0][0].as_deref(),
        Some("3")
    );
    pg.run(&["INSERT INTO mailings VALUES (13, 1, 'alumnidag')"])
        .await;
    let res = fg
        .post(url(&format!("/requests/{id}/erasure/approve")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        pg.rows("SELECT CAST(COUNT(*) AS TEXT) FROM mailings").await[0][0].as_deref(),
        Some("4"),
        "nothing erased"
    );

    // A new dry run, approved: erased per the manifests.
    let dry = fg
        .post(url(&format!("/requests/{id}/erasure/plan")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status(), 200);
    let res = fg
        .post(url(&format!("/requests/{id}/erasure/approve")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    assert_eq!(
        pg.rows("SELECT email FROM contacts ORDER BY id").await,
        vec![vec![Some("bram@example.nl".to_string())]],
        "Anna's contact is gone, Bram's stays"
    );
    assert_eq!(
        pg.rows("SELECT CAST(id AS TEXT) FROM mailings ORDER BY id")
            .await,
        vec![vec![Some("12".to_string())]]
    );
    assert_eq!(
        my.rows("SELECT name, phone, notes FROM students ORDER BY id")
            .await,
        vec![
            vec![
                Some("Anna de Vries".into()),
                Some("[verwijderd]".into()),
                None
            ],
            vec![
                Some("Bram".into()),
                Some("+31600000000".into()),
                Some("n.v.t.".into())
            ],
        ],
        "kept for the diploma, phone masked, notes emptied; Bram untouched"
    );
    assert_eq!(
        my.rows("SELECT CAST(COUNT(*) AS CHAR) FROM grades").await[0][0].as_deref(),
        Some("3"),
        "grades are kept"
    );

    let detail: Value = fg
        .get(url(&format!("/api/v1/requests/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for step in [
        "create",
        "confirm_email",
        "verify_identity",
        "collect",
        "erasure_planned",
        "erasure_done",
    ] {
        assert!(steps.contains(&step), "{step} in {steps:?}");
    }
    assert!(db.store.verify_audit_chain().await.unwrap().is_ok());
    pg.drop_db().await;
    my.drop_db().await;
}
