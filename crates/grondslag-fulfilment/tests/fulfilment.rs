//! Access, portability and erasure on real databases: each case runs on a temporary SQLite
//! file, a fresh PostgreSQL database and a fresh MariaDB database (see `support`).
//!
//! The store: students → enrolments → grades, and contacts → mailings, in one database.

mod support;

use grondslag_domain::datastore::{
    ColumnKind, IdentifierKind, Manifest, RowAction, StoreData, Subject,
};
use grondslag_fulfilment::{DataStore, FulfilmentError};
use serde_json::{json, Value};
use support::TestDb;

const SCHEMA: &str = "
CREATE TABLE students (
    id INTEGER PRIMARY KEY,
    student_number VARCHAR(20) NOT NULL,
    email VARCHAR(200) NOT NULL,
    name VARCHAR(200) NOT NULL,
    phone VARCHAR(40),
    notes TEXT,
    date_of_birth DATE,
    photo {bytes},
    credits NUMERIC(6,2),
    created_at {ts}
);
CREATE INDEX students_email ON students (email);
CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL,
    programme VARCHAR(100) NOT NULL,
    motivation TEXT,
    FOREIGN KEY (student_id) REFERENCES students (id)
);
CREATE INDEX enrolments_student ON enrolments (student_id);
CREATE TABLE grades (
    id INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL,
    course VARCHAR(100) NOT NULL,
    grade {float},
    examiner_comment TEXT,
    FOREIGN KEY (enrolment_id) REFERENCES enrolments (id)
);
CREATE INDEX grades_enrolment ON grades (enrolment_id);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    email VARCHAR(200) NOT NULL,
    name VARCHAR(200)
);
CREATE INDEX contacts_email ON contacts (email);
CREATE TABLE mailings (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL,
    subject VARCHAR(200) NOT NULL,
    FOREIGN KEY (contact_id) REFERENCES contacts (id)
);
CREATE INDEX mailings_contact ON mailings (contact_id);
";

const DATA: &str = "
INSERT INTO students VALUES (1, 's1000001', 'jan@example.org', 'Jan Jansen', '0612345678', 'Wil wisselen', '2001-02-03', NULL, 42.50, '2020-09-01 10:00:00');
INSERT INTO students VALUES (2, 's1000002', 'piet@example.org', 'Piet Pietersen', '0687654321', NULL, '2000-12-31', NULL, 10, NULL);
INSERT INTO enrolments VALUES (10, 1, 'Rechten', 'Ik wil advocaat worden');
INSERT INTO enrolments VALUES (11, 1, 'Filosofie', NULL);
INSERT INTO enrolments VALUES (20, 2, 'Geneeskunde', 'Ik wil arts worden');
INSERT INTO grades VALUES (100, 10, 'Staatsrecht', 7.5, 'Goed');
INSERT INTO grades VALUES (101, 10, 'Bestuursrecht', 6, NULL);
INSERT INTO grades VALUES (110, 11, 'Logica', 8, 'Uitstekend');
INSERT INTO grades VALUES (200, 20, 'Anatomie', 9, NULL);
INSERT INTO contacts VALUES (1, 'jan@example.org', 'Jan');
INSERT INTO contacts VALUES (2, 'piet@example.org', 'Piet');
INSERT INTO mailings VALUES (1, 1, 'Alumnidag');
INSERT INTO mailings VALUES (2, 1, 'Nieuwsbrief');
INSERT INTO mailings VALUES (3, 2, 'Alumnidag');
";

const MANIFEST: &str = r#"
format_version: 1
name: test_store
label: Teststore
connection: ${TEST_DB_URL}
tables:
  - name: students
    label: Studenten
    key: id
    subject: { column: email, identifier: email }
    erasure: keep
    reason: legal_retention_duty
    explanation: "WHW art. 7.11: diploma data"
    columns:
      email: { label: E-mail, provided: true }
      name: { label: Naam, provided: true, erasure: mask, mask_rule: initial }
      phone: { provided: true, erasure: set_null }
      notes: { erasure: mask, mask: "[verwijderd]" }
      date_of_birth: { provided: true }
      photo: { erasure: set_null }
      student_number: {}
      credits: {}
      created_at: {}
  - name: enrolments
    key: id
    parent: { table: students, foreign_key: student_id }
    columns:
      programme: { erasure: keep, reason: legal_retention_duty, explanation: "WHW art. 7.11" }
      motivation: { provided: true, erasure: set_null }
  - name: grades
    key: id
    parent: { table: enrolments, foreign_key: enrolment_id }
    erasure: delete_row
  - name: contacts
    key: id
    subject: { column: email, identifier: email }
    erasure: delete_row
    columns:
      name: { provided: true }
  - name: mailings
    key: id
    parent: { table: contacts, foreign_key: contact_id }
    erasure: delete_row
"#;

async fn setup(db: &TestDb) -> DataStore {
    let mut c = db.connect().await;
    c.run(&db.ddl(SCHEMA)).await;
    c.run(DATA).await;
    // A value no text literal writes the same way in all three.
    c.run("UPDATE students SET photo = NULL WHERE id = 1").await;
    c.close().await;
    let manifest = Manifest::parse(MANIFEST).unwrap();
    let store = DataStore::open(manifest, &db.env())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.name()));
    assert!(
        store.schema_report().is_ok(),
        "{}: {}",
        db.name(),
        store.schema_report()
    );
    store
}

fn jan() -> Subject {
    Subject::new().with(IdentifierKind::Email, "jan@example.org")
}

fn keys(data: &StoreData, table: &str) -> Vec<Value> {
    let t = data.table(table).unwrap();
    let at = t.column_index("id").unwrap();
    t.rows.iter().map(|r| r[at].clone()).collect()
}

fn value(data: &StoreData, table: &str, row: usize, column: &str) -> Value {
    let t = data.table(table).unwrap();
    t.rows[row][t.column_index(column).unwrap()].clone()
}

#[tokio::test]
async fn collect_follows_children_two_levels_down() {
    for db in support::each().await {
        let store = setup(&db).await;
        let data = store.collect(&jan()).await.unwrap();
        let n = db.name();
        assert_eq!(keys(&data, "students"), [json!(1)], "{n}");
        assert_eq!(keys(&data, "enrolments"), [json!(10), json!(11)], "{n}");
        assert_eq!(
            keys(&data, "grades"),
            [json!(100), json!(101), json!(110)],
            "{n}"
        );
        assert_eq!(keys(&data, "contacts"), [json!(1)], "{n}");
        assert_eq!(keys(&data, "mailings"), [json!(1), json!(2)], "{n}");
        assert_eq!(
            data.table("grades").unwrap().path,
            ["students", "enrolments", "grades"],
            "{n}"
        );
        // Values keep their types.
        assert_eq!(
            value(&data, "students", 0, "name"),
            json!("Jan Jansen"),
            "{n}"
        );
        assert_eq!(
            value(&data, "students", 0, "date_of_birth"),
            json!("2001-02-03"),
            "{n}"
        );
        assert_eq!(value(&data, "students", 0, "photo"), Value::Null, "{n}");
        assert_eq!(value(&data, "grades", 0, "grade"), json!(7.5), "{n}");
        let credits = value(&data, "students", 0, "credits");
        assert!(
            credits == json!("42.50") || credits == json!(42.5),
            "{n}: {credits}"
        );
        let created = value(&data, "students", 0, "created_at");
        assert!(
            created.as_str().unwrap().starts_with("2020-09-01"),
            "{n}: {created}"
        );
        let students = data.table("students").unwrap();
        assert_eq!(students.label.as_deref(), Some("Studenten"));
        let name = &students.columns[students.column_index("name").unwrap()];
        assert_eq!(name.label.as_deref(), Some("Naam"));
        assert_eq!(name.kind, ColumnKind::Text, "{n}");
        assert!(name.provided);
        // A subject without any matching identifier finds nothing, and says so.
        let nobody = store
            .collect(&Subject::new().with(IdentifierKind::StudentNumber, "s1000001"))
            .await
            .unwrap();
        assert_eq!(nobody.row_count(), 0, "{n}");
        assert!(nobody.searches.iter().all(|s| !s.searched), "{n}");
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn portability_gives_what_the_subject_provided_as_json_and_csv() {
    for db in support::each().await {
        let store = setup(&db).await;
        let n = db.name();
        let p = store.portability(&jan()).await.unwrap();
        let tables: Vec<_> = p.data.tables.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(tables, ["students", "enrolments", "contacts"], "{n}");
        let students = p.data.table("students").unwrap();
        let cols: Vec<_> = students.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(cols, ["email", "name", "phone", "date_of_birth"], "{n}");
        let files: Vec<_> = p.csv.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(
            files,
            [
                "test_store.students.csv",
                "test_store.enrolments.csv",
                "test_store.contacts.csv"
            ],
            "{n}"
        );
        assert_eq!(
            p.csv[0].content,
            "email,name,phone,date_of_birth\njan@example.org,Jan Jansen,0612345678,2001-02-03\n",
            "{n}"
        );
        assert_eq!(
            p.csv[1].content,
            // A record of one empty field is written as "" so that it is not a blank line.
            "motivation\nIk wil advocaat worden\n\"\"\n",
            "{n}"
        );
        let json = serde_json::to_value(&p.data).unwrap();
        assert_eq!(
            json["tables"][0]["rows"][0],
            json!({"email": "jan@example.org", "name": "Jan Jansen", "phone": "0612345678", "date_of_birth": "2001-02-03"}),
            "{n}"
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_erasure_does_what_the_manifest_says() {
    for db in support::each().await {
        let store = setup(&db).await;
        let n = db.name();
        let plan = store.plan_erasure(&jan()).await.unwrap();
        let order: Vec<_> = plan.tables.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(
            order,
            ["mailings", "contacts", "grades", "enrolments", "students"],
            "{n}"
        );
        let counts = plan.counts();
        let by = |t: &str| counts.iter().find(|c| c.table == t).unwrap().clone();
        assert_eq!(by("grades").rows_deleted, 3, "{n}");
        assert_eq!(by("mailings").rows_deleted, 2, "{n}");
        assert_eq!(by("contacts").rows_deleted, 1, "{n}");
        assert_eq!(by("enrolments").action, RowAction::Update);
        assert_eq!(
            by("enrolments").rows_updated,
            1,
            "{n}: only one has a motivation"
        );
        assert_eq!(by("students").values_changed, 3, "{n}: name, phone, notes");

        // The dry run changed nothing.
        let mut c = db.connect().await;
        assert_eq!(c.count("SELECT COUNT(*) FROM grades").await, 4, "{n}");
        assert_eq!(c.count("SELECT COUNT(*) FROM mailings").await, 3, "{n}");
        assert_eq!(
            c.text("SELECT phone FROM students WHERE id = 1")
                .await
                .as_deref(),
            Some("0612345678"),
            "{n}"
        );
        c.close().await;

        let outcome = store.erase(&plan).await.unwrap();
        assert_eq!(outcome.digest, plan.digest);
        assert_eq!(outcome.rows_deleted(), 6, "{n}");
        assert_eq!(outcome.rows_updated(), 2, "{n}");

        let mut c = db.connect().await;
        // Deleted where the manifest says, children first.
        assert_eq!(c.count("SELECT COUNT(*) FROM grades").await, 1, "{n}");
        assert_eq!(
            c.count("SELECT COUNT(*) FROM grades WHERE id = 200").await,
            1,
            "{n}"
        );
        assert_eq!(c.count("SELECT COUNT(*) FROM mailings").await, 1, "{n}");
        assert_eq!(c.count("SELECT COUNT(*) FROM contacts").await, 1, "{n}");
        assert_eq!(
            c.text("SELECT email FROM contacts").await.as_deref(),
            Some("piet@example.org"),
            "{n}"
        );
        // Emptied and masked where it says, kept where it says.
        assert_eq!(
            c.text("SELECT phone FROM students WHERE id = 1").await,
            None,
            "{n}"
        );
        assert_eq!(
            c.text("SELECT name FROM students WHERE id = 1")
                .await
                .as_deref(),
            Some("J."),
            "{n}"
        );
        assert_eq!(
            c.text("SELECT notes FROM students WHERE id = 1")
                .await
                .as_deref(),
            Some("[verwijderd]"),
            "{n}"
        );
        assert_eq!(
            c.text("SELECT email FROM students WHERE id = 1")
                .await
                .as_deref(),
            Some("jan@example.org"),
            "{n}"
        );
        assert_eq!(c.count("SELECT COUNT(*) FROM enrolments").await, 3, "{n}");
        assert_eq!(
            c.text("SELECT motivation FROM enrolments WHERE id = 10")
                .await,
            None,
            "{n}"
        );
        assert_eq!(
            c.text("SELECT programme FROM enrolments WHERE id = 10")
                .await
                .as_deref(),
            Some("Rechten"),
            "{n}"
        );
        // Someone else's rows are untouched.
        assert_eq!(
            c.text("SELECT phone FROM students WHERE id = 2")
                .await
                .as_deref(),
            Some("0687654321"),
            "{n}"
        );
        assert_eq!(
            c.text("SELECT motivation FROM enrolments WHERE id = 20")
                .await
                .as_deref(),
            Some("Ik wil arts worden"),
            "{n}"
        );
        c.close().await;

        // Erasing again: the plan now finds changed rows, so the old approval no longer holds.
        match store.erase(&plan).await {
            Err(FulfilmentError::PlanChanged { .. }) => {}
            other => panic!("{n}: {other:?}"),
        }
        let again = store.plan_erasure(&jan()).await.unwrap();
        assert!(again.is_empty(), "{n}: nothing is left to erase");
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn data_changed_after_the_dry_run_stops_the_erasure() {
    for db in support::each().await {
        let store = setup(&db).await;
        let n = db.name();
        let plan = store.plan_erasure(&jan()).await.unwrap();
        let mut c = db.connect().await;
        c.run("INSERT INTO grades VALUES (102, 10, 'Strafrecht', 5.5, 'Herkansen')")
            .await;
        let err = store.erase(&plan).await.unwrap_err();
        match &err {
            FulfilmentError::PlanChanged { differences, .. } => {
                assert_eq!(differences, &["grades: 3 rows approved, 4 rows now"], "{n}")
            }
            other => panic!("{n}: {other:?}"),
        }
        assert!(err.to_string().contains("nothing was changed"), "{err}");
        // Nothing was changed.
        assert_eq!(c.count("SELECT COUNT(*) FROM grades").await, 5, "{n}");
        assert_eq!(c.count("SELECT COUNT(*) FROM mailings").await, 3, "{n}");
        assert_eq!(
            c.text("SELECT phone FROM students WHERE id = 1")
                .await
                .as_deref(),
            Some("0612345678"),
            "{n}"
        );
        // A changed value counts as a change too.
        let plan = store.plan_erasure(&jan()).await.unwrap();
        c.run("UPDATE students SET notes = 'Nieuwe notitie' WHERE id = 1")
            .await;
        match store.erase(&plan).await {
            Err(FulfilmentError::PlanChanged { differences, .. }) => {
                assert_eq!(differences, ["students: the rows' values changed"], "{n}")
            }
            other => panic!("{n}: {other:?}"),
        }
        c.close().await;
        // A new plan goes through.
        let plan = store.plan_erasure(&jan()).await.unwrap();
        let outcome = store.erase(&plan).await.unwrap();
        assert_eq!(outcome.rows_deleted(), 7, "{n}");
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_failure_half_way_rolls_back_the_whole_store() {
    for db in support::each().await {
        let n = db.name();
        // The students table, which erasure reaches last, refuses the mask.
        let mut c = db.connect().await;
        c.run(
            &db.ddl(&SCHEMA.replace("notes TEXT,", "notes TEXT CHECK (notes <> '[verwijderd]'),")),
        )
        .await;
        c.run(DATA).await;
        let store = DataStore::open(Manifest::parse(MANIFEST).unwrap(), &db.env())
            .await
            .unwrap();
        let plan = store.plan_erasure(&jan()).await.unwrap();
        match store.erase(&plan).await {
            Err(FulfilmentError::Database { table, .. }) => assert_eq!(table, "students", "{n}"),
            other => panic!("{n}: {other:?}"),
        }
        // The deletes in the child tables before it were rolled back with it.
        assert_eq!(c.count("SELECT COUNT(*) FROM grades").await, 4, "{n}");
        assert_eq!(c.count("SELECT COUNT(*) FROM mailings").await, 3, "{n}");
        assert_eq!(c.count("SELECT COUNT(*) FROM contacts").await, 2, "{n}");
        assert_eq!(
            c.text("SELECT motivation FROM enrolments WHERE id = 10")
                .await
                .as_deref(),
            Some("Ik wil advocaat worden"),
            "{n}"
        );
        c.close().await;
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_manifest_that_does_not_match_the_live_schema_is_reported() {
    for db in support::each().await {
        let n = db.name();
        let mut c = db.connect().await;
        c.run(&db.ddl(SCHEMA)).await;
        c.run(
            "CREATE TABLE payments (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL, amount INTEGER, FOREIGN KEY (student_id) REFERENCES students (id))",
        )
        .await;
        c.close().await;
        let wrong = MANIFEST
            .replace(
                "subject: { column: email, identifier: email }\n    erasure: delete_row",
                "subject: { column: name, identifier: email }\n    erasure: delete_row",
            )
            .replace(
                "photo: { erasure: set_null }",
                "passport: { erasure: set_null }",
            )
            .replace("name: mailings", "name: mailing");
        let manifest = Manifest::parse(&wrong).unwrap();
        let store = DataStore::open(manifest, &db.env()).await.unwrap();
        let report = store.check_schema().await.unwrap();
        let errors: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
        let warnings: Vec<String> = report.warnings.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            errors,
            [
                "tables[0].columns.passport: table \"students\" has no column \"passport\"",
                "tables[4].name: table \"mailing\" does not exist in the database",
            ],
            "{n}"
        );
        assert!(
            warnings.contains(&"tables[3].subject.column: no index starts with \"name\": every request reads the whole table \"contacts\"".to_string()),
            "{n}: {warnings:?}"
        );
        assert!(
            warnings.contains(&"tables[0].columns: column \"photo\" of \"students\" is not in the manifest: erasure leaves it as it is".to_string()),
            "{n}: {warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.starts_with("tables: table \"payments\" refers to \"students\" (student_id → id) but is not in the manifest")),
            "{n}: {warnings:?}"
        );
        assert_eq!(store.schema_report(), &report);
        // Nothing is read or erased from a store that does not match.
        match store.collect(&jan()).await {
            Err(FulfilmentError::SchemaMismatch(r)) => assert_eq!(r.errors.len(), 2),
            other => panic!("{n}: {other:?}"),
        }
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn unsafe_identifiers_never_reach_a_database() {
    let m = MANIFEST.replace(
        "  - name: grades\n",
        "  - name: \"grades; DROP TABLE students; --\"\n",
    );
    let errors = Manifest::parse(&m).unwrap_err().to_string();
    assert!(
        errors.contains(
            "tables[2].name: \"grades; DROP TABLE students; --\" is not a plain SQL identifier"
        ),
        "{errors}"
    );
    // Neither does a store that is not configured: its variable is named, its value never.
    let store = DataStore::open(
        Manifest::parse(MANIFEST).unwrap(),
        &std::collections::BTreeMap::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        store.to_string(),
        "store \"test_store\": the connection refers to ${TEST_DB_URL}, which is not set"
    );
}

#[tokio::test]
async fn a_store_that_does_not_exist_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let env = [(
        "TEST_DB_URL".to_string(),
        format!("sqlite://{}", dir.path().join("missing.db").display()),
    )]
    .into_iter()
    .collect::<std::collections::BTreeMap<_, _>>();
    let err = DataStore::open(Manifest::parse(MANIFEST).unwrap(), &env)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FulfilmentError::Unavailable { .. }),
        "{err:?}"
    );
    assert!(!dir.path().join("missing.db").exists());
}
