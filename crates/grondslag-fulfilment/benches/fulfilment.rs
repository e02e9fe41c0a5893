//! Fulfilment on three large stores (issue 6: "three stores of one million rows each, subject
//! column indexed, with child tables: an access request completes in under 1 s, an erasure
//! of one subject with its child rows in under 1 s").
//!
//! Builds one store on SQLite (a temporary file), one on PostgreSQL and one on MariaDB (fresh
//! databases, dropped at the end), each with
//! `students` (1,000,000 rows, `email` indexed) → `enrolments` (1 per student) → `grades`
//! (2 per enrolment): 4,000,000 rows per store, loaded with multi-row INSERTs in large
//! transactions. Then it measures, over different subjects:
//! 1. an access request: `collect` on the three stores at once (and per store);
//! 2. an erasure of one subject with its child rows: the dry run (`plan_erasure`) and the
//!    `erase` of the approved plan, on the three stores at once (and per store).
//!
//! Run: `cargo bench -p grondslag-fulfilment --bench fulfilment` (PostgreSQL and MariaDB at
//! `GRONDSLAG_TEST_POSTGRES_URL` / `GRONDSLAG_TEST_MYSQL_URL`, by default the local servers
//! `.ci/run` uses). `FULFILMENT_BENCH_ROWS` changes the number of students.

#[path = "../tests/support/mod.rs"]
mod support;

use grondslag_domain::datastore::{IdentifierKind, Manifest, Subject};
use grondslag_fulfilment::DataStore;
use std::time::Instant;
use support::{Conn, Kind, TestDb};

const BATCH: usize = 5_000;
const ACCESS_RUNS: usize = 100;
const ERASE_RUNS: usize = 30;

const MANIFEST: &str = r#"
format_version: 1
name: bench_store
label: Benchmark store
connection: ${TEST_DB_URL}
tables:
  - name: students
    key: id
    subject: { column: email, identifier: email }
    erasure: delete_row
    columns:
      email: { provided: true }
      name: { provided: true }
  - name: enrolments
    key: id
    parent: { table: students, foreign_key: student_id }
    erasure: delete_row
  - name: grades
    key: id
    parent: { table: enrolments, foreign_key: enrolment_id }
    erasure: delete_row
"#;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(name: &str, mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "{name:<34} median {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms   (n = {})",
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        ms[ms.len() - 1],
        ms.len()
    )
}

fn email(i: usize) -> String {
    format!("student{i}@example.org")
}

/// Runs one statement per batch of rows: `INSERT INTO t VALUES (…), (…), …`.
async fn insert_rows(c: &mut Conn, table: &str, n: usize, row: impl Fn(usize) -> String) {
    let mut i = 1;
    while i <= n {
        let end = (i + BATCH - 1).min(n);
        let mut sql = format!("INSERT INTO {table} VALUES ");
        for k in i..=end {
            if k > i {
                sql.push(',');
            }
            sql.push_str(&row(k));
        }
        c.run(&sql).await;
        i = end + 1;
    }
}

async fn load(db: &TestDb, students: usize) {
    let t = Instant::now();
    let mut c = match db.kind {
        // Foreign keys are declared but not checked while loading.
        Kind::Sqlite => Conn::Sqlite(
            sqlx::Connection::connect_with(
                &db.url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .unwrap()
                    .foreign_keys(false)
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Off),
            )
            .await
            .unwrap(),
        ),
        _ => db.connect().await,
    };
    let fk = |col: &str, parent: &str| format!("FOREIGN KEY ({col}) REFERENCES {parent} (id)");
    match db.kind {
        Kind::Sqlite => {
            c.run(&format!(
                "CREATE TABLE students (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200) NOT NULL, student_number VARCHAR(20) NOT NULL);
                 CREATE TABLE enrolments (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL, programme VARCHAR(100) NOT NULL, {});
                 CREATE TABLE grades (id INTEGER PRIMARY KEY, enrolment_id INTEGER NOT NULL, course VARCHAR(100) NOT NULL, grade REAL, {});
                 BEGIN",
                fk("student_id", "students"),
                fk("enrolment_id", "enrolments")
            ))
            .await
        }
        Kind::Postgres => {
            c.run(
                "CREATE TABLE students (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200) NOT NULL, student_number VARCHAR(20) NOT NULL);
                 CREATE TABLE enrolments (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL, programme VARCHAR(100) NOT NULL);
                 CREATE TABLE grades (id INTEGER PRIMARY KEY, enrolment_id INTEGER NOT NULL, course VARCHAR(100) NOT NULL, grade DOUBLE PRECISION);
                 BEGIN",
            )
            .await
        }
        Kind::MySql => {
            c.run(
                "CREATE TABLE students (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200) NOT NULL, student_number VARCHAR(20) NOT NULL);
                 CREATE TABLE enrolments (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL, programme VARCHAR(100) NOT NULL);
                 CREATE TABLE grades (id INTEGER PRIMARY KEY, enrolment_id INTEGER NOT NULL, course VARCHAR(100) NOT NULL, grade DOUBLE);
                 SET foreign_key_checks = 0;
                 SET unique_checks = 0;
                 BEGIN",
            )
            .await
        }
    }
    insert_rows(&mut c, "students", students, |i| {
        format!("({i},'{}','Student {i}','s{i:07}')", email(i))
    })
    .await;
    insert_rows(&mut c, "enrolments", students, |i| {
        format!("({i},{i},'Programme {}')", i % 50)
    })
    .await;
    insert_rows(&mut c, "grades", students * 2, |i| {
        format!("({i},{},'Course {}',{}.5)", i.div_ceil(2), i % 40, i % 10)
    })
    .await;
    c.run("COMMIT").await;
    let loaded = t.elapsed();
    c.run(
        "CREATE INDEX students_email ON students (email);
           CREATE INDEX enrolments_student ON enrolments (student_id);
           CREATE INDEX grades_enrolment ON grades (enrolment_id)",
    )
    .await;
    match db.kind {
        Kind::Sqlite => c.run("ANALYZE").await,
        Kind::Postgres => {
            c.run(&format!(
                "ALTER TABLE enrolments ADD {};
                 ALTER TABLE grades ADD {};
                 ANALYZE",
                fk("student_id", "students"),
                fk("enrolment_id", "enrolments")
            ))
            .await
        }
        Kind::MySql => {
            c.run(&format!(
                "ALTER TABLE enrolments ADD {};
                 ALTER TABLE grades ADD {};
                 SET foreign_key_checks = 1;
                 ANALYZE TABLE students, enrolments, grades",
                fk("student_id", "students"),
                fk("enrolment_id", "enrolments")
            ))
            .await
        }
    }
    c.close().await;
    println!(
        "{:<9} loaded {} rows in {:.1} s, indexed in {:.1} s",
        db.name(),
        students * 4,
        loaded.as_secs_f64(),
        (t.elapsed() - loaded).as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    // The local servers `.ci/run` uses, unless told otherwise.
    for (var, default) in [
        (
            "GRONDSLAG_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        ),
        (
            "GRONDSLAG_TEST_MYSQL_URL",
            "mysql://root@127.0.0.1:3306/test",
        ),
    ] {
        if std::env::var(var).map(|v| v.is_empty()).unwrap_or(true) {
            std::env::set_var(var, default);
        }
    }
    std::env::set_var("CI", "true");
    let students: usize = std::env::var("FULFILMENT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);

    let dbs = vec![
        support::sqlite().await,
        support::postgres().await.expect("PostgreSQL"),
        support::mysql().await.expect("MariaDB"),
    ];
    let total = Instant::now();
    for db in &dbs {
        load(db, students).await;
    }
    println!(
        "loading the three stores took {:.1} s",
        total.elapsed().as_secs_f64()
    );

    let mut stores = Vec::new();
    for db in &dbs {
        let store = DataStore::open(Manifest::parse(MANIFEST).unwrap(), &db.env())
            .await
            .unwrap();
        assert!(store.schema_report().is_ok(), "{}", store.schema_report());
        assert!(
            store.schema_report().warnings.is_empty(),
            "{}",
            store.schema_report()
        );
        stores.push(store);
    }
    let subject = |i: usize| Subject::new().with(IdentifierKind::Email, email(i));
    // Spread the subjects over the table; warm the pools first.
    let pick = |k: usize| 1 + (k * 7_919 + 13) % students;
    for s in &stores {
        s.collect(&subject(pick(0))).await.unwrap();
    }

    // 1. Access requests.
    let mut all = Vec::new();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for k in 0..ACCESS_RUNS {
        let who = subject(pick(k + 1));
        let t = Instant::now();
        let (a, b, c) = tokio::join!(
            stores[0].collect(&who),
            stores[1].collect(&who),
            stores[2].collect(&who)
        );
        all.push(t.elapsed().as_secs_f64() * 1000.0);
        for d in [a.unwrap(), b.unwrap(), c.unwrap()] {
            assert_eq!(d.row_count(), 4, "one student, one enrolment, two grades");
        }
        for (i, s) in stores.iter().enumerate() {
            let t = Instant::now();
            s.collect(&who).await.unwrap();
            per[i].push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    println!();
    println!("access request (collect, 4 rows per store):");
    println!("{}", summary("  three stores at once", all));
    for (db, ms) in dbs.iter().zip(per) {
        println!("{}", summary(&format!("  {}", db.name()), ms));
    }

    // 2. Erasures: every subject once, each store on its own and then the three at once.
    let mut plans: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut erases: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for (i, s) in stores.iter().enumerate() {
        for k in 0..ERASE_RUNS {
            let who = subject(pick(ACCESS_RUNS + 1 + k));
            let t = Instant::now();
            let plan = s.plan_erasure(&who).await.unwrap();
            plans[i].push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let outcome = s.erase(&plan).await.unwrap();
            erases[i].push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(outcome.rows_deleted(), 4);
        }
    }
    let mut together = Vec::new();
    for k in 0..ERASE_RUNS {
        let who = subject(pick(ACCESS_RUNS + ERASE_RUNS + 1 + k));
        let t = Instant::now();
        let (a, b, c) = tokio::join!(
            async {
                let p = stores[0].plan_erasure(&who).await.unwrap();
                stores[0].erase(&p).await.unwrap()
            },
            async {
                let p = stores[1].plan_erasure(&who).await.unwrap();
                stores[1].erase(&p).await.unwrap()
            },
            async {
                let p = stores[2].plan_erasure(&who).await.unwrap();
                stores[2].erase(&p).await.unwrap()
            }
        );
        together.push(t.elapsed().as_secs_f64() * 1000.0);
        for o in [a, b, c] {
            assert_eq!(o.rows_deleted(), 4);
        }
    }
    println!();
    println!("erasure of one subject with its child rows (4 rows deleted per store):");
    println!(
        "{}",
        summary("  three stores at once, dry run + erase", together)
    );
    for ((db, p), e) in dbs.iter().zip(plans).zip(erases) {
        println!("{}", summary(&format!("  {} dry run", db.name()), p));
        println!("{}", summary(&format!("  {} erase", db.name()), e));
    }

    for s in &stores {
        s.close().await;
    }
    for db in dbs {
        db.cleanup().await;
    }
}
