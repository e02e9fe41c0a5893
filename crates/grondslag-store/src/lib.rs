//! Grondslag's storage: one [`Store`] over SQLite (the default, a file) and PostgreSQL (for
//! several instances behind a load balancer), with migrations embedded in the binary.
//!
//! Architecture invariant: a write and its audit entry commit in one transaction
//! ([`audit::WriteTx`]); nothing in this crate writes to the register any other way.

pub mod accounts;
pub mod audit;
mod changes;
pub mod consent;
pub mod consent_index;
pub mod consent_notices;
mod db;
pub mod interchange;
pub mod opendsr;
pub mod register;
pub mod requests;
pub mod sqlite_writes;
pub mod sso;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;

use db::Pool;
use grondslag_domain::consent::ActivityConsentNeeds;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// What went wrong in storage, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// The change conflicts with the current state (a stale version, a duplicate key, a
    /// transition the workflow does not allow).
    #[error("{0}")]
    Conflict(String),
    /// The caller edited a version that is no longer the current one.
    #[error("{0}")]
    Stale(String),
    /// The input is invalid; every problem is listed.
    #[error("invalid input:\n{0}")]
    Invalid(grondslag_domain::ValidationErrors),
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    #[error("unsupported database URL \"{0}\"; expected sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

impl StoreError {
    fn from_connect(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            other => StoreError::Other(other),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The register's storage. Cheap to clone: it is a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    changes: Arc<changes::Changes>,
    consent_index: Arc<consent_index::ConsentIndex>,
    /// Valid API tokens by the hash of their secret.
    tokens: Arc<changes::Remembered<tokens::ApiToken>>,
    /// The units, under the key "".
    units: Arc<changes::Remembered<Arc<[grondslag_domain::register::Unit]>>>,
    /// What each activity needs of the consent ledger, by its id.
    consent_needs: Arc<changes::Remembered<Option<ActivityConsentNeeds>>>,
    /// SQLite: this process's writers' turns and checkpoints.
    turns: Arc<sqlite_writes::Turns>,
}

/// How long a write waits for another to finish before it gives up: SQLite's busy timeout,
/// and the wait for this process's turn.
pub(crate) const WRITE_WAIT: Duration = Duration::from_secs(10);

impl Store {
    /// Opens the database at `url` and brings its schema up to date. `sqlite://PATH` creates
    /// the file when it does not exist; `postgres://` and `postgresql://` connect to a server.
    pub async fn connect(url: &str) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::UnsupportedUrl(url.to_string()))?
                .create_if_missing(true)
                // An activity's version is a JSON document of about 2 kB: two of them do not
                // fit a page of the default 4 kB, so half of every page stood empty. Takes
                // effect when the file is created; an existing file keeps its page size.
                .page_size(8192)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                // Checkpoints run beside the writes (src/sqlite_writes.rs).
                .pragma("wal_autocheckpoint", "0")
                // A multi-row INSERT keeps the pages it changes in a statement journal, so it
                // can be undone alone; past 64 kB SQLite spilled that to a temporary file.
                .pragma("temp_store", "memory")
                .foreign_keys(true)
                .busy_timeout(WRITE_WAIT);
            // SQLite writes one at a time and each connection is a thread with its own page
            // cache: more readers than twice the cores add memory, not answers (on two cores,
            // 8 connections held 156 MB under load and 4 held 91 MB, with a lower p95).
            let readers = std::thread::available_parallelism().map_or(4, |n| 2 * n.get());
            let pool = SqlitePoolOptions::new()
                .max_connections(readers.clamp(4, 16) as u32)
                .connect_with(opts)
                .await
                .map_err(StoreError::from_connect)?;
            sqlx::migrate!("./migrations/sqlite")
                .run(&pool)
                .await
                .map_err(migrate_error)?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(StoreError::from_connect)?;
            sqlx::migrate!("./migrations/postgres")
                .run(&pool)
                .await
                .map_err(migrate_error)?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        Ok(Store {
            pool,
            changes: Arc::default(),
            consent_index: Arc::default(),
            tokens: Arc::default(),
            consent_needs: Arc::default(),
            units: Arc::default(),
            turns: Arc::default(),
        })
    }

    /// `sqlite` or `postgres`, for logs and the health endpoint.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        #[derive(sqlx::FromRow)]
        struct One {
            #[allow(dead_code)]
            one: i64,
        }
        self.pool
            .fetch_one::<One>("SELECT CAST(1 AS BIGINT) AS one", &[])
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Runs raw SQL; only for tests that must tamper with the database behind the store's back.
    #[doc(hidden)]
    pub async fn execute_raw_for_tests(&self, sql: &str) -> Result<u64> {
        Ok(self.pool.execute(sql, &[]).await?)
    }
}

fn migrate_error(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Other(sqlx::Error::Migrate(Box::new(e)))
}

#[cfg(test)]
mod tests {
    /// Both backends have the same migrations, numbered alike.
    #[test]
    fn migrations_are_numbered_alike_on_both_backends() {
        let names = |dir: &str| {
            let mut v: Vec<String> =
                std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
            v.sort();
            v
        };
        let (sqlite, postgres) = (names("sqlite"), names("postgres"));
        assert_eq!(sqlite, postgres);
        for (i, n) in sqlite.iter().enumerate() {
            assert!(
                n.starts_with(&format!("{:04}_", i + 1)),
                "{n} is not migration {}",
                i + 1
            );
        }
    }
}
