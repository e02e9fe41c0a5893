//! Fresh databases for the fulfilment tests and the benchmark: a temporary SQLite file, a new
//! database on the PostgreSQL server named by `GRONDSLAG_TEST_POSTGRES_URL`, and a new
//! database on the MariaDB/MySQL server named by `GRONDSLAG_TEST_MYSQL_URL`. Under `CI=true`
//! a server that is not configured or cannot be reached fails the test; outside CI it is
//! skipped with a note on stderr.
#![allow(dead_code)]

use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

/// The kind of a test database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    MySql,
}

/// A database that exists for one test (or one benchmark run).
pub struct TestDb {
    pub kind: Kind,
    /// The URL a manifest's `${TEST_DB_URL}` resolves to.
    pub url: String,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros()
        % 1_000_000;
    format!(
        "grondslag_t_{}_{}_{micros}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `scheme://host/db?x` with the database replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.find('?') {
        Some(q) => (&admin_url[..q], &admin_url[q..]),
        None => (admin_url, ""),
    };
    let after_scheme = base.find("//").map(|i| i + 2).unwrap_or(0);
    match base[after_scheme..].find('/') {
        Some(i) => format!("{}/{name}{query}", &base[..after_scheme + i]),
        None => format!("{base}/{name}{query}"),
    }
}

fn server_url(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.is_empty() => Some(u),
        _ if in_ci() => panic!("CI=true but {var} is not set: the {what} tests must run"),
        _ => {
            eprintln!("note: {var} is not set; the {what} part of this test is SKIPPED");
            None
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store.db");
    let url = format!("sqlite://{}", path.display());
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let conn = sqlx::SqliteConnection::connect_with(&opts)
        .await
        .expect("SQLite creates the file");
    conn.close().await.unwrap();
    TestDb {
        kind: Kind::Sqlite,
        url,
        admin: None,
        _dir: Some(dir),
    }
}

pub async fn postgres() -> Option<TestDb> {
    let admin_url = server_url("GRONDSLAG_TEST_POSTGRES_URL", "PostgreSQL")?;
    let name = unique_name();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL at GRONDSLAG_TEST_POSTGRES_URL cannot be reached: {e}")
        });
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("CREATE DATABASE");
    admin.close().await.ok();
    Some(TestDb {
        kind: Kind::Postgres,
        url: with_database(&admin_url, &name),
        admin: Some((admin_url, name)),
        _dir: None,
    })
}

pub async fn mysql() -> Option<TestDb> {
    let admin_url = server_url("GRONDSLAG_TEST_MYSQL_URL", "MariaDB/MySQL")?;
    let name = unique_name();
    let mut admin = sqlx::MySqlConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("MariaDB at GRONDSLAG_TEST_MYSQL_URL cannot be reached: {e}"));
    sqlx::raw_sql(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        .execute(&mut admin)
        .await
        .expect("CREATE DATABASE");
    admin.close().await.ok();
    Some(TestDb {
        kind: Kind::MySql,
        url: with_database(&admin_url, &name),
        admin: Some((admin_url, name)),
        _dir: None,
    })
}

/// One fresh database of each kind that is available.
pub async fn each() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs.extend(mysql().await);
    dbs
}

/// A connection of any of the three kinds, for setting up and checking a test database
/// behind the back of the code under test.
pub enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection),
}

impl TestDb {
    pub fn env(&self) -> std::collections::BTreeMap<String, String> {
        [("TEST_DB_URL".to_string(), self.url.clone())].into()
    }

    /// A name for messages: `sqlite`, `postgres` or `mysql`.
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
            Kind::MySql => "mysql",
        }
    }

    pub async fn connect(&self) -> Conn {
        match self.kind {
            Kind::Sqlite => Conn::Sqlite(sqlx::SqliteConnection::connect(&self.url).await.unwrap()),
            Kind::Postgres => Conn::Postgres(sqlx::PgConnection::connect(&self.url).await.unwrap()),
            Kind::MySql => Conn::MySql(sqlx::MySqlConnection::connect(&self.url).await.unwrap()),
        }
    }

    /// The type names that differ per database, in `{bytes}`, `{float}` and `{ts}`.
    pub fn ddl(&self, sql: &str) -> String {
        let (bytes, float, ts) = match self.kind {
            Kind::Sqlite => ("BLOB", "REAL", "TIMESTAMP"),
            Kind::Postgres => ("BYTEA", "DOUBLE PRECISION", "TIMESTAMP"),
            Kind::MySql => ("BLOB", "DOUBLE", "DATETIME"),
        };
        sql.replace("{bytes}", bytes)
            .replace("{float}", float)
            .replace("{ts}", ts)
    }

    /// Drops the server database (the SQLite file goes with its directory).
    pub async fn cleanup(self) {
        if let Some((admin_url, name)) = &self.admin {
            match self.kind {
                Kind::Postgres => {
                    if let Ok(mut c) = sqlx::PgConnection::connect(admin_url).await {
                        let _ =
                            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                    }
                }
                Kind::MySql => {
                    if let Ok(mut c) = sqlx::MySqlConnection::connect(admin_url).await {
                        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                            .execute(&mut c)
                            .await;
                    }
                }
                Kind::Sqlite => {}
            }
        }
    }
}

impl Conn {
    /// Runs statements separated by `;` at the end of a line, one by one.
    pub async fn run(&mut self, script: &str) {
        for stmt in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            let r = match self {
                Conn::Sqlite(c) => sqlx::raw_sql(stmt).execute(c).await.map(|_| ()),
                Conn::Postgres(c) => sqlx::raw_sql(stmt).execute(c).await.map(|_| ()),
                Conn::MySql(c) => sqlx::raw_sql(stmt).execute(c).await.map(|_| ()),
            };
            r.unwrap_or_else(|e| panic!("{stmt}: {e}"));
        }
    }

    /// A whole number (`SELECT COUNT(*) …`).
    pub async fn count(&mut self, sql: &str) -> i64 {
        match self {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
            Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
            Conn::MySql(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
        }
    }

    /// A text value, or `None` for NULL.
    pub async fn text(&mut self, sql: &str) -> Option<String> {
        match self {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
            Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
            Conn::MySql(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
        }
    }

    pub async fn close(self) {
        let _ = match self {
            Conn::Sqlite(c) => c.close().await,
            Conn::Postgres(c) => c.close().await,
            Conn::MySql(c) => c.close().await,
        };
    }
}
