//! The `grondslag` command as an administrator runs it.

use std::path::Path;
use std::process::{Command, Output};

fn grondslag(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grondslag"))
        .args(args)
        .env("GRONDSLAG_DATABASE_URL", db)
        .env("USER", "beheerder")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const DOC: &str = r#"{
  "format": "grondslag-register", "format_version": 1,
  "organisation": {"name": "Universiteit van Lindenhout"},
  "units": [{"id": "law", "kind": "faculty", "name_nl": "Rechten", "name_en": "Law"}],
  "processors": [],
  "activities": [
    {"id": "11111111-1111-4111-8111-111111111111", "status": "registered", "version": 2, "saved_at": "2026-01-31T09:00:00Z", "saved_by": "user:fg",
     "name": "Moot court", "unit": "law", "data_categories": [{"category": "name", "legal_basis": "contract"}],
     "history": [{"version": 1, "status": "draft", "saved_at": "2026-01-30T09:00:00Z", "saved_by": "user:pm", "name": "Moot court", "unit": "law"}]}
  ]
}"#;

#[test]
fn import_export_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let file = dir.path().join("register.json");

    let broken = DOC
        .replace("\"contract\"", "\"consnet\"")
        .replace("\"law\", \"data", "\"nowhere\", \"data");
    std::fs::write(&file, broken).unwrap();
    let out = grondslag(&db, &["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(msg.contains("activities[0].data_categories[0].legal_basis: unknown value \"consnet\"; expected one of consent,"), "{msg}");
    assert!(msg.contains("nothing was imported"), "{msg}");

    std::fs::write(&file, DOC).unwrap();
    let out = grondslag(&db, &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let exported = dir.path().join("export.json");
    assert!(grondslag(&db, &["export", exported.to_str().unwrap()])
        .status
        .success());

    let db2 = format!("sqlite://{}", dir.path().join("second.db").display());
    assert!(grondslag(&db2, &["import", exported.to_str().unwrap()])
        .status
        .success());
    let again = dir.path().join("again.json");
    assert!(grondslag(&db2, &["export", again.to_str().unwrap()])
        .status
        .success());
    assert_eq!(without_time(&exported), without_time(&again));

    let out = grondslag(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("audit chain intact: 3 entries verified"),
        "{}",
        text(&out)
    );
    // Tamper behind the application's back.
    let conn = rusqlite_free_update(&dir.path().join("cli.db"));
    assert!(conn, "tampering worked");
    let out = grondslag(&db, &["audit", "verify"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("entry 2 was altered"), "{}", text(&out));
}

fn without_time(p: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("exported_at");
    v
}

/// Changes the actor of audit entry 2 straight in the SQLite file, through the store's raw
/// hook, as an attacker with file access could.
fn rusqlite_free_update(path: &Path) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = grondslag_store::Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let n = store
            .execute_raw_for_tests("UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 2")
            .await
            .unwrap();
        store.close().await;
        n == 1
    })
}

#[test]
fn generated_documents_match_the_committed_copies() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    for (args, file) in [
        (&["schema"][..], "docs/interchange.schema.json"),
        (&["openapi"][..], "docs/openapi.json"),
        (&["rules", "--format", "markdown"][..], "docs/rules.md"),
        (&["permissions"][..], "docs/permissions.md"),
    ] {
        let out = grondslag("sqlite::memory:", args);
        assert!(out.status.success());
        let committed = std::fs::read_to_string(format!("{root}/{file}")).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            committed,
            "{file} is out of date: run `cargo run -- {} > {file}`",
            args.join(" ")
        );
    }
}

#[test]
fn deadline_prints_the_due_date_as_its_last_line() {
    for (args, due) in [
        // 28 February 2026 is a Saturday.
        (&["deadline", "--received", "2026-01-31"][..], "2026-03-02"),
        (&["deadline", "--received", "2028-01-31"][..], "2028-02-29"),
        // Christmas on a Friday, then Saturday (Boxing Day) and Sunday.
        (
            &["deadline", "--received", "2026-11-25", "--lang", "en"][..],
            "2026-12-28",
        ),
        (
            &["deadline", "--received", "2026-01-31", "--months", "3"][..],
            "2026-04-30",
        ),
    ] {
        let out = grondslag("sqlite::memory:", args);
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().last(), Some(due), "{stdout}");
    }
    let out = grondslag(
        "sqlite::memory:",
        &["deadline", "--received", "2026-11-25", "--lang", "en"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("It ends at the end of 2026-12-25 (Friday)")
            && stdout.contains("2026-12-26 is not a working day: Saturday, Boxing Day."),
        "{stdout}"
    );
}

#[test]
fn holidays_lists_the_year_with_kings_day_on_saturday_26_april_2025() {
    let out = grondslag("sqlite::memory:", &["holidays", "2025", "--lang", "en"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "2025-01-01  New Year's Day\n\
         2025-04-21  Easter Monday\n\
         2025-04-26  King's Day\n\
         2025-05-05  Liberation Day (5 May)\n\
         2025-05-29  Ascension Day\n\
         2025-06-09  Whit Monday\n\
         2025-12-25  Christmas Day\n\
         2025-12-26  Boxing Day\n"
    );
    let out = grondslag("sqlite::memory:", &["holidays", "2025"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2025-04-26  Koningsdag\n"));
}

#[test]
fn deadline_and_holidays_refuse_bad_input_and_name_the_flag() {
    for (args, says) in [
        (&["deadline", "--received", "2026-02-30"][..], "--received"),
        (&["deadline", "--received", "31-01-2026"][..], "YYYY-MM-DD"),
        (
            &["deadline", "--received", "2026-01-31", "--months", "0"][..],
            "--months",
        ),
        (
            &["deadline", "--received", "1980-01-01"][..],
            "--received 1980-01-01: year 1980 is outside the years the deadline engine supports; expected a year from 1990 to 9999",
        ),
        (&["holidays", "1989"][..], "YEAR 1989"),
        (&["holidays", "2025", "--lang", "de"][..], "--lang"),
    ] {
        let out = grondslag("sqlite::memory:", args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
}
