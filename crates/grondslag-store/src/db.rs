//! The one place that knows there are two databases. Every query is written once, with `$n`
//! placeholders (both SQLite and PostgreSQL accept them), bound from [`Val`]s and decoded with
//! `sqlx::FromRow` into types that both drivers can fill.
//!
//! Not sqlx's `Any` driver: it maps only primitive types, so PostgreSQL timestamps fail.

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Database, Encode, FromRow, Postgres, Sqlite, Transaction, Type};

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Val {
    I64(i64),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I64(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::OptText(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl From<DateTime<Utc>> for Val {
    fn from(v: DateTime<Utc>) -> Self {
        Val::Time(v)
    }
}

/// A row type both drivers can decode.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

type Args<'q, DB> = <DB as Database>::Arguments<'q>;

fn bind<'q, DB>(sql: &'q str, vals: &[Val]) -> sqlx::query::Query<'q, DB, Args<'q, DB>>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    let mut q = sqlx::query::<DB>(sql);
    for v in vals {
        q = match v.clone() {
            Val::I64(x) => q.bind(x),
            Val::Text(x) => q.bind(x),
            Val::OptText(x) => q.bind(x),
            Val::Bool(x) => q.bind(x),
            Val::Time(x) => q.bind(x),
        };
    }
    q
}

fn bind_as<'q, DB, T>(sql: &'q str, vals: &[Val]) -> sqlx::query::QueryAs<'q, DB, T, Args<'q, DB>>
where
    DB: Database,
    T: for<'r> FromRow<'r, DB::Row>,
    i64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    let mut q = sqlx::query_as::<DB, T>(sql);
    for v in vals {
        q = match v.clone() {
            Val::I64(x) => q.bind(x),
            Val::Text(x) => q.bind(x),
            Val::OptText(x) => q.bind(x),
            Val::Bool(x) => q.bind(x),
            Val::Time(x) => q.bind(x),
        };
    }
    q
}

/// A connection pool of either kind.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction of either kind.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Pool {
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn fetch_all<T: Record>(&self, sql: &str, vals: &[Val]) -> sqlx::Result<Vec<T>> {
        match self {
            Pool::Sqlite(p) => bind_as::<Sqlite, T>(sql, vals).fetch_all(p).await,
            Pool::Postgres(p) => bind_as::<Postgres, T>(sql, vals).fetch_all(p).await,
        }
    }

    pub async fn fetch_optional<T: Record>(
        &self,
        sql: &str,
        vals: &[Val],
    ) -> sqlx::Result<Option<T>> {
        match self {
            Pool::Sqlite(p) => bind_as::<Sqlite, T>(sql, vals).fetch_optional(p).await,
            Pool::Postgres(p) => bind_as::<Postgres, T>(sql, vals).fetch_optional(p).await,
        }
    }

    pub async fn fetch_one<T: Record>(&self, sql: &str, vals: &[Val]) -> sqlx::Result<T> {
        match self {
            Pool::Sqlite(p) => bind_as::<Sqlite, T>(sql, vals).fetch_one(p).await,
            Pool::Postgres(p) => bind_as::<Postgres, T>(sql, vals).fetch_one(p).await,
        }
    }

    pub async fn execute(&self, sql: &str, vals: &[Val]) -> sqlx::Result<u64> {
        match self {
            Pool::Sqlite(p) => Ok(bind::<Sqlite>(sql, vals).execute(p).await?.rows_affected()),
            Pool::Postgres(p) => Ok(bind::<Postgres>(sql, vals)
                .execute(p)
                .await?
                .rows_affected()),
        }
    }
}

impl Tx {
    pub async fn fetch_all<T: Record>(&mut self, sql: &str, vals: &[Val]) -> sqlx::Result<Vec<T>> {
        match self {
            Tx::Sqlite(t) => bind_as::<Sqlite, T>(sql, vals).fetch_all(&mut **t).await,
            Tx::Postgres(t) => bind_as::<Postgres, T>(sql, vals).fetch_all(&mut **t).await,
        }
    }

    pub async fn fetch_optional<T: Record>(
        &mut self,
        sql: &str,
        vals: &[Val],
    ) -> sqlx::Result<Option<T>> {
        match self {
            Tx::Sqlite(t) => {
                bind_as::<Sqlite, T>(sql, vals)
                    .fetch_optional(&mut **t)
                    .await
            }
            Tx::Postgres(t) => {
                bind_as::<Postgres, T>(sql, vals)
                    .fetch_optional(&mut **t)
                    .await
            }
        }
    }

    pub async fn fetch_one<T: Record>(&mut self, sql: &str, vals: &[Val]) -> sqlx::Result<T> {
        match self {
            Tx::Sqlite(t) => bind_as::<Sqlite, T>(sql, vals).fetch_one(&mut **t).await,
            Tx::Postgres(t) => bind_as::<Postgres, T>(sql, vals).fetch_one(&mut **t).await,
        }
    }

    pub async fn execute(&mut self, sql: &str, vals: &[Val]) -> sqlx::Result<u64> {
        match self {
            Tx::Sqlite(t) => Ok(bind::<Sqlite>(sql, vals)
                .execute(&mut **t)
                .await?
                .rows_affected()),
            Tx::Postgres(t) => Ok(bind::<Postgres>(sql, vals)
                .execute(&mut **t)
                .await?
                .rows_affected()),
        }
    }

    /// Inserts many rows with multi-row `VALUES` lists, many rows a statement:
    /// one round trip per chunk instead of per row matters on PostgreSQL.
    pub async fn insert_many(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
    ) -> sqlx::Result<()> {
        // At most 999 parameters a statement: SQLite looks parameters up by name, one scan
        // per parameter, so a statement's cost grows with the square of its parameters.
        let per_stmt = (999 / columns.len().max(1)).max(1);
        for chunk in rows.chunks(per_stmt) {
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (i, row) in chunk.iter().enumerate() {
                debug_assert_eq!(row.len(), columns.len());
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for j in 0..row.len() {
                    n += 1;
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
            }
            let vals: Vec<Val> = chunk.iter().flatten().cloned().collect();
            self.execute(&sql, &vals).await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Builds a query with a variable set of conditions, numbering placeholders as it goes.
#[derive(Default)]
pub struct QueryBuilder {
    sql: String,
    vals: Vec<Val>,
}

impl QueryBuilder {
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_string(),
            vals: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub fn bind(&mut self, v: impl Into<Val>) -> &mut Self {
        self.vals.push(v.into());
        self.sql.push_str(&format!("${}", self.vals.len()));
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn vals(&self) -> &[Val] {
        &self.vals
    }
}
