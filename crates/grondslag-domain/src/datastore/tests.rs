//! Manifests, plans and the schema check, on the examples in `examples/datastores/` and on
//! small manifests that are wrong in one way each.

use super::*;
use serde_json::{json, Value};

const STUDENTS: &str = include_str!("../../../../examples/datastores/student-administration.yaml");
const CRM: &str = include_str!("../../../../examples/datastores/crm.yaml");

fn errors_of(yaml: &str) -> Vec<String> {
    Manifest::parse(yaml)
        .expect_err("the manifest is refused")
        .iter()
        .map(|e| e.to_string())
        .collect()
}

fn has(errors: &[String], want: &str) {
    assert!(
        errors.iter().any(|e| e == want),
        "expected the error\n  {want}\namong\n  {}",
        errors.join("\n  ")
    );
}

const BASE: &str = "format_version: 1\nname: s\nlabel: S\nconnection: sqlite://x.db\n";

#[test]
fn the_examples_parse() {
    let m = Manifest::parse(STUDENTS).unwrap();
    assert_eq!(m.name, "student_administration");
    assert_eq!(m.connection_variables(), ["STUDENTS_DB_URL"]);
    let names: Vec<_> = m.children_first().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["grades", "enrolments", "students"]);
    let grades = m.table("grades").unwrap();
    assert_eq!(grades.depth, 2);
    assert_eq!(grades.rows, RowErasure::Update);
    let students = m.table("students").unwrap();
    assert!(matches!(
        students.rows,
        RowErasure::Keep {
            reason: KeepReason::LegalRetentionDuty,
            ..
        }
    ));
    assert_eq!(
        students.columns[&Ident::parse("email").unwrap()].erasure,
        ColumnErasure::Mask {
            mask: Mask::Rule(MaskRule::EmailDomain)
        }
    );
    // A key column named without an erasure takes the table's.
    assert!(matches!(
        students.columns[&Ident::parse("student_number").unwrap()].erasure,
        ColumnErasure::Keep { .. }
    ));
    let enrolments = m.table("enrolments").unwrap();
    assert_eq!(
        enrolments.link,
        Link::Parent {
            table: Ident::parse("students").unwrap(),
            foreign_key: Ident::parse("student_id").unwrap(),
            references: Ident::parse("id").unwrap()
        }
    );

    let crm = Manifest::parse(CRM).unwrap();
    assert_eq!(crm.connection_variables(), ["CRM_DB_PASSWORD"]);
    assert!(crm.tables.iter().all(|t| t.rows == RowErasure::Delete));
}

#[test]
fn an_unknown_erasure_names_its_path_and_the_choices() {
    let errors = errors_of(&format!(
        "{BASE}tables:
  - {{name: a, key: id, subject: {{column: email, identifier: email}}, erasure: delete_row}}
  - {{name: b, key: id, parent: {{table: a, foreign_key: a_id}}, erasure: delete_row}}
  - name: c
    key: id
    subject: {{column: email, identifier: email}}
    columns:
      email: {{erasure: remove}}
"
    ));
    has(
        &errors,
        "tables[2].columns.email.erasure: unknown value \"remove\"; expected one of delete_row, set_null, mask, keep",
    );
}

#[test]
fn unsafe_identifiers_are_refused() {
    let errors = errors_of(&format!(
        "{BASE}tables:
  - name: \"students; DROP TABLE students\"
    key: \"id\\\"\"
    subject: {{column: \"e mail\", identifier: email}}
    erasure: delete_row
    columns:
      \"x--\": {{}}
"
    ));
    has(&errors, "tables[0].name: \"students; DROP TABLE students\" is not a plain SQL identifier (letters, digits and _, not starting with a digit)");
    has(&errors, "tables[0].key: \"id\"\" is not a plain SQL identifier (letters, digits and _, not starting with a digit)");
    has(&errors, "tables[0].subject.column: \"e mail\" is not a plain SQL identifier (letters, digits and _, not starting with a digit)");
    has(&errors, "tables[0].columns.x--: \"x--\" is not a plain SQL identifier (letters, digits and _, not starting with a digit)");
    assert!(Ident::parse("9lives").is_err());
    assert!(Ident::parse(&"a".repeat(64)).is_err());
    assert!(Ident::parse("_Ok_9").is_ok());
}

#[test]
fn relations_are_checked() {
    let errors = errors_of(&format!(
        "{BASE}tables:
  - {{name: a, key: id, subject: {{column: email, identifier: email}}, erasure: delete_row}}
  - {{name: b, key: id, parent: {{table: nowhere, foreign_key: x}}, erasure: delete_row}}
  - {{name: c, key: id, parent: {{table: d, foreign_key: d_id}}, erasure: delete_row}}
  - {{name: d, key: id, parent: {{table: c, foreign_key: c_id}}, erasure: delete_row}}
  - {{name: e, key: id, erasure: delete_row}}
  - {{name: f, key: id, subject: {{identifier: email}}, parent: {{table: a, foreign_key: a_id}}, erasure: delete_row}}
  - {{name: g, key: id, subject: {{identifier: fingerprint}}, erasure: delete_row}}
"
    ));
    has(&errors, "tables[1].parent.table: unknown parent table \"nowhere\": it is not among this manifest's tables");
    has(
        &errors,
        "tables[2].parent.table: the parents form a cycle: c → d → c",
    );
    has(&errors, "tables[4].subject: a table needs either `subject` (the column with the subject's identifier) or `parent` (the table it hangs from)");
    has(
        &errors,
        "tables[5].parent: a table has either a subject column or a parent, not both",
    );
    has(&errors, "tables[6].subject.column: required");
    has(&errors, "tables[6].subject.identifier: unknown value \"fingerprint\"; expected one of email, student_number, staff_number, phone, username");
}

#[test]
fn a_store_needs_a_table_with_a_subject() {
    let errors = errors_of(&format!(
        "{BASE}tables:
  - {{name: b, key: id, parent: {{table: c, foreign_key: c_id}}, erasure: delete_row}}
  - {{name: c, key: id, parent: {{table: b, foreign_key: b_id}}, erasure: delete_row}}
"
    ));
    has(&errors, "tables: no table names a subject column, so the subject cannot be found: give at least one table `subject: {column, identifier}`");
}

#[test]
fn erasure_rules_are_checked() {
    let errors = errors_of(&format!(
        "{BASE}tables:
  - name: a
    key: id
    subject: {{column: email, identifier: email}}
    columns:
      email: {{erasure: mask, mask: x}}
      id: {{erasure: set_null}}
      notes: {{erasure: keep}}
      born: {{erasure: keep, reason: because, explanation: ' '}}
      phone: {{erasure: mask}}
      city: {{erasure: set_null, mask: x}}
      plain: {{label: Plain}}
  - name: b
    key: id
    parent: {{table: a, foreign_key: a_id}}
    columns:
      a_id: {{erasure: mask, mask_rule: initial}}
      gone: {{erasure: delete_row}}
      kept: {{erasure: keep, reason: legal_claims, explanation: Pending appeal}}
  - name: c
    key: id
    parent: {{table: b, foreign_key: b_id}}
    erasure: keep
  - name: d
    key: id
    parent: {{table: b, foreign_key: b_id}}
    erasure: set_null
"
    ));
    has(&errors, "tables[0].columns.notes.reason: keep needs a reason: one of legal_retention_duty, legal_claims, archiving_or_research");
    has(&errors, "tables[0].columns.notes.explanation: keep needs an explanation: which law or claim, and for how long");
    has(&errors, "tables[0].columns.born.reason: unknown value \"because\"; expected one of legal_retention_duty, legal_claims, archiving_or_research");
    has(&errors, "tables[0].columns.phone.mask: mask needs a fixed value (mask: \"…\") or a rule (mask_rule: one of email_domain, initial, last_four)");
    has(
        &errors,
        "tables[0].columns.city.mask: a mask belongs to erasure: mask",
    );
    has(&errors, "tables[0].columns.plain.erasure: required, here or for the whole table: one of delete_row, set_null, mask, keep");
    has(&errors, "tables[1].columns.kept.erasure: keep conflicts with delete_row on column \"gone\": the whole row is deleted");
    has(&errors, "tables[2].reason: keep needs a reason: one of legal_retention_duty, legal_claims, archiving_or_research");
    has(&errors, "tables[3].erasure: set_null applies to single columns; a table's erasure is delete_row or keep");
}

#[test]
fn key_columns_cannot_be_emptied_or_masked_and_children_of_deleted_rows_go_too() {
    let errors = errors_of(&format!(
        "{BASE}tables:
  - name: a
    key: id
    subject: {{column: email, identifier: email}}
    columns:
      email: {{erasure: mask, mask: x}}
      id: {{erasure: set_null}}
      code: {{erasure: set_null}}
  - name: b
    key: id
    parent: {{table: a, foreign_key: a_id, references: code}}
    columns:
      a_id: {{erasure: mask, mask_rule: initial}}
      gone: {{erasure: delete_row}}
"
    ));
    has(&errors, "tables[0].columns.email.erasure: mask is not allowed on a key column (the subject column): the rows could no longer be found or joined");
    has(&errors, "tables[0].columns.id.erasure: set_null is not allowed on a key column (the table's key): the rows could no longer be found or joined");
    has(&errors, "tables[0].columns.code.erasure: set_null is not allowed on a key column (referred to by b): the rows could no longer be found or joined");
    has(&errors, "tables[1].columns.a_id.erasure: mask is not allowed on a key column (the foreign key to a): the rows could no longer be found or joined");
    let errors = errors_of(&format!(
        "{BASE}tables:
  - {{name: a, key: id, subject: {{column: email, identifier: email}}, erasure: delete_row}}
  - {{name: b, key: id, parent: {{table: a, foreign_key: a_id}}, erasure: delete_row}}
  - {{name: c, key: id, parent: {{table: b, foreign_key: b_id}}, columns: {{note: {{erasure: set_null}}}}}}
"
    ));
    has(&errors, "tables[2].erasure: the rows of \"c\" stay, but their parent rows in \"b\" are deleted, which breaks the foreign key: delete these rows too (erasure: delete_row) or keep the parent's rows");
}

#[test]
fn connections_keep_passwords_out_of_the_file() {
    let with = |c: &str| {
        format!(
            "format_version: 1\nname: s\nlabel: S\nconnection: \"{c}\"\ntables:\n  - {{name: a, key: id, subject: {{column: e, identifier: email}}, erasure: delete_row}}\n"
        )
    };
    has(&errors_of(&with("postgres://app:geheim@db/x")), "connection: the URL holds a password: put it in an environment variable and write ${VARIABLE} instead");
    has(&errors_of(&with("oracle://db/x")), "connection: \"oracle\" databases are not supported; expected postgres, postgresql, mysql, mariadb or sqlite");
    has(
        &errors_of(&with("postgres://app:${pw}@db/x")),
        "connection: \"${pw}\" is not an environment variable name (A-Z, 0-9 and _)",
    );
    has(
        &errors_of(&with("${DB_URL")),
        "connection: a `${` is not closed with `}`",
    );
    for ok in [
        "postgres://app:${DB_PW}@db/x",
        "${DB_URL}",
        "sqlite://data/x.db",
        "mysql://root@127.0.0.1/test",
    ] {
        Manifest::parse(&with(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn the_document_shape_and_version_come_first() {
    let errors = errors_of("format_version: 1\nname: s\nlabel: S\nconnection: x\ntables:\n  - name: a\n    colums: {}\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("tables[0]: unknown field `colums`"),
        "{errors:?}"
    );
    has(
        &errors_of("name: s\n"),
        "format_version: required; write format_version: 1",
    );
    has(
        &errors_of("format_version: 2\n"),
        "format_version: version 2 is not supported; this Grondslag reads version 1",
    );
    has(
        &errors_of("format_version: [1\n"),
        &errors_of("format_version: [1\n")[0],
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let errors = errors_of("format_version: 1\ntables:\n  - {name: a}\n");
    has(&errors, "name: required");
    has(&errors, "label: required");
    has(&errors, "connection: required");
    has(&errors, "tables[0].key: required");
    has(&errors, "tables[0].subject: a table needs either `subject` (the column with the subject's identifier) or `parent` (the table it hangs from)");
}

// ---------------------------------------------------------------------------------------------
// Plans

fn col(name: &str, kind: ColumnKind) -> ColumnData {
    ColumnData {
        name: name.into(),
        label: None,
        kind,
        provided: false,
    }
}

fn student_data() -> StoreData {
    StoreData {
        store: "student_administration".into(),
        label: "Studentenadministratie".into(),
        searches: vec![],
        tables: vec![
            TableData {
                table: "students".into(),
                label: None,
                path: vec!["students".into()],
                columns: vec![
                    col("id", ColumnKind::Integer),
                    col("student_number", ColumnKind::Text),
                    col("name", ColumnKind::Text),
                    col("email", ColumnKind::Text),
                    col("phone", ColumnKind::Text),
                    col("notes", ColumnKind::Text),
                    col("date_of_birth", ColumnKind::Date),
                ],
                rows: vec![vec![
                    json!(1),
                    json!("s1234567"),
                    json!("Jan Jansen"),
                    json!("jan@example.org"),
                    Value::Null,
                    json!("Wants to switch"),
                    json!("2001-02-03"),
                ]],
            },
            TableData {
                table: "enrolments".into(),
                label: None,
                path: vec!["students".into(), "enrolments".into()],
                columns: vec![
                    col("id", ColumnKind::Integer),
                    col("student_id", ColumnKind::Integer),
                    col("programme", ColumnKind::Text),
                    col("motivation", ColumnKind::Text),
                ],
                rows: vec![
                    vec![
                        json!(10),
                        json!(1),
                        json!("Rechten"),
                        json!("Ik wil advocaat worden"),
                    ],
                    vec![json!(11), json!(1), json!("Filosofie"), Value::Null],
                ],
            },
            TableData {
                table: "grades".into(),
                label: None,
                path: vec!["students".into(), "enrolments".into(), "grades".into()],
                columns: vec![
                    col("id", ColumnKind::Integer),
                    col("enrolment_id", ColumnKind::Integer),
                    col("course", ColumnKind::Text),
                    col("grade", ColumnKind::Float),
                    col("examiner_comment", ColumnKind::Text),
                ],
                rows: vec![vec![
                    json!(100),
                    json!(10),
                    json!("Staatsrecht"),
                    json!(7.5),
                    json!("Goed"),
                ]],
            },
        ],
    }
}

#[test]
fn a_plan_runs_children_first_and_shows_each_change() {
    let m = Manifest::parse(STUDENTS).unwrap();
    let subject = Subject::new().with(IdentifierKind::StudentNumber, " s1234567 ");
    let plan = ErasurePlan::build(&m, &subject, &student_data()).unwrap();
    let order: Vec<_> = plan.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(order, ["grades", "enrolments", "students"]);
    assert_eq!(plan.digest, plan.compute_digest());

    let students = &plan.tables[2];
    assert_eq!(students.action, RowAction::Update);
    assert_eq!(students.reason, Some(KeepReason::LegalRetentionDuty));
    assert_eq!(students.set_null_columns(), ["phone", "notes"]);
    // phone is already NULL, so only notes and the masked e-mail change.
    assert_eq!(
        students.rows[0].changes,
        [
            ("email".to_string(), json!("***@example.org")),
            ("notes".to_string(), Value::Null)
        ]
        .into_iter()
        .collect()
    );
    let enrolments = &plan.tables[1];
    assert_eq!(
        enrolments.rows[0].changes["motivation"],
        json!("[verwijderd op verzoek]")
    );
    assert!(enrolments.rows[1].changes.is_empty(), "NULL stays NULL");
    let grades = &plan.tables[0];
    assert!(matches!(
        grades
            .columns
            .iter()
            .find(|c| c.column == "grade")
            .unwrap()
            .action,
        ColumnAction::Keep {
            reason: KeepReason::LegalRetentionDuty,
            ..
        }
    ));
    let counts = plan.counts();
    assert_eq!(counts[1].rows_updated, 1);
    assert_eq!(counts[1].rows_kept, 2);
    assert_eq!(counts[2].values_changed, 2);
    assert!(!plan.is_empty());

    // Any change in the rows changes the digest, and the differences say where.
    let mut data = student_data();
    data.tables[2].rows.push(vec![
        json!(101),
        json!(10),
        json!("Bestuursrecht"),
        json!(6),
        Value::Null,
    ]);
    let later = ErasurePlan::build(&m, &subject, &data).unwrap();
    assert_ne!(later.digest, plan.digest);
    assert_eq!(
        plan.differences(&later),
        ["grades: 1 rows approved, 2 rows now"]
    );
    let mut data = student_data();
    data.tables[0].rows[0][2] = json!("J. Jansen");
    let later = ErasurePlan::build(&m, &subject, &data).unwrap();
    assert_eq!(
        plan.differences(&later),
        ["students: the rows' values changed"]
    );
}

#[test]
fn a_plan_needs_a_unique_key_on_every_row() {
    let m = Manifest::parse(STUDENTS).unwrap();
    let mut data = student_data();
    data.tables[1].rows[1][0] = json!(10);
    assert_eq!(
        ErasurePlan::build(&m, &Subject::new(), &data).unwrap_err(),
        PlanError::DuplicateKey {
            table: "enrolments".into(),
            key: "id".into(),
            value: "10".into()
        }
    );
    data.tables[1].rows[1][0] = Value::Null;
    assert!(matches!(
        ErasurePlan::build(&m, &Subject::new(), &data),
        Err(PlanError::NullKey { .. })
    ));
}

#[test]
fn plans_and_found_rows_round_trip_through_json_with_columns_in_order() {
    let m = Manifest::parse(STUDENTS).unwrap();
    let plan = ErasurePlan::build(&m, &Subject::new(), &student_data()).unwrap();
    let back: ErasurePlan = serde_json::from_value(serde_json::to_value(&plan).unwrap()).unwrap();
    assert_eq!(back, plan);
    assert_eq!(back.compute_digest(), plan.digest);

    let data = student_data();
    let text = serde_json::to_string(&data.tables[1]).unwrap();
    assert!(text.contains(r#"{"id":10,"student_id":1,"programme":"Rechten","motivation":"Ik wil advocaat worden"}"#), "{text}");
    let back: StoreData = serde_json::from_str(&serde_json::to_string(&data).unwrap()).unwrap();
    assert_eq!(back, data);
}

#[test]
fn portability_keeps_what_the_subject_provided() {
    let mut data = student_data();
    data.tables[0].columns[2].provided = true;
    data.tables[0].columns[3].provided = true;
    let p = data.provided_only();
    assert_eq!(p.tables.len(), 1);
    assert_eq!(
        p.tables[0].rows,
        [vec![json!("Jan Jansen"), json!("jan@example.org")]]
    );
}

#[test]
fn the_access_report_reads_as_a_document() {
    let m = Manifest::parse(STUDENTS).unwrap();
    let subject = Subject::new()
        .with(IdentifierKind::StudentNumber, "s1234567")
        .with(IdentifierKind::Email, "jan@example.org");
    let mut data = student_data();
    data.searches = searches(&m, &subject);
    data.tables[0].columns[2].label = Some("Naam".into());
    let report = AccessReport {
        subject,
        generated_at: "2026-11-24T10:00:00Z".into(),
        stores: vec![data],
    };
    let md = report.to_markdown(crate::Lang::Nl);
    assert!(md.contains("- Studentnummer: s1234567"), "{md}");
    assert!(md.contains("### enrolments (2 rijen)"), "{md}");
    assert!(md.contains("| id | student_number | Naam |"), "{md}");
    assert!(
        md.contains("| 100 | 10 | Staatsrecht | 7.5 | Goed |"),
        "{md}"
    );
    let en = report.to_markdown(crate::Lang::En);
    assert!(en.contains("# Access to personal data"), "{en}");
}

// ---------------------------------------------------------------------------------------------
// The live schema

/// A live table: its name, its columns (name, kind, nullable) and its indexed columns.
type TableSpec<'a> = (&'a str, &'a [(&'a str, ColumnKind, bool)], &'a [&'a str]);

fn live(cols: &[TableSpec]) -> LiveSchema {
    LiveSchema {
        tables: cols
            .iter()
            .map(|(t, cs, idx)| {
                (
                    t.to_string(),
                    LiveTable {
                        columns: cs
                            .iter()
                            .map(|(n, k, null)| LiveColumn {
                                name: n.to_string(),
                                type_name: format!("{k:?}").to_lowercase(),
                                kind: *k,
                                nullable: *null,
                            })
                            .collect(),
                        indexed: idx.iter().map(|s| s.to_string()).collect(),
                    },
                )
            })
            .collect(),
        foreign_keys: vec![],
    }
}

#[test]
fn the_schema_check_finds_what_does_not_match() {
    use ColumnKind::*;
    let m = Manifest::parse(STUDENTS).unwrap();
    let mut schema = live(&[
        (
            "students",
            &[
                ("id", Integer, false),
                ("student_number", Text, false),
                ("name", Text, false),
                ("email", Integer, true),
                ("phone", Text, false),
                ("date_of_birth", Date, true),
                ("shoe_size", Integer, true),
            ],
            &["id"],
        ),
        ("Enrolments", &[("id", Integer, false)], &["id"]),
        (
            "grades",
            &[
                ("id", Integer, false),
                ("enrolment_id", Integer, false),
                ("course", Text, false),
                ("grade", Float, false),
                ("examiner_comment", Text, true),
            ],
            &["id", "enrolment_id"],
        ),
    ]);
    schema.foreign_keys.push(LiveForeignKey {
        table: "payments".into(),
        column: "student_id".into(),
        references_table: "students".into(),
        references_column: "id".into(),
        on_delete_cascade: true,
    });
    let r = check_schema(&m, &schema);
    let errors: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
    let warnings: Vec<String> = r.warnings.iter().map(|e| e.to_string()).collect();
    has(
        &errors,
        "tables[0].columns.notes: table \"students\" has no column \"notes\"",
    );
    has(&errors, "tables[0].columns.phone.erasure: set_null on a NOT NULL column (text): the update would fail; mask it or allow NULL");
    has(&errors, "tables[0].columns.email.mask_rule: mask_rule email_domain makes a text, but the column is integer");
    has(&errors, "tables[1].name: table \"enrolments\" does not exist in the database (there is \"Enrolments\": names are compared exactly)");
    assert_eq!(errors.len(), 4, "{errors:?}");
    has(&warnings, "tables[0].subject.column: no index starts with \"student_number\": every request reads the whole table \"students\"");
    has(&warnings, "tables[0].columns: column \"shoe_size\" of \"students\" is not in the manifest: erasure leaves it as it is");
    has(&warnings, "tables: table \"payments\" refers to \"students\" (student_id → id) but is not in the manifest: its rows are not in access reports, and erasure deletes its rows without the plan showing them (ON DELETE CASCADE)");
    assert!(!r.is_ok());
}
