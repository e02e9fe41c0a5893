//! One small query layer over the three sqlx drivers: SQL text per dialect, values bound as
//! parameters, and rows read back as typed JSON values.
//!
//! Only this file and `introspect.rs` know that there are three databases. Identifiers in
//! SQL come from a checked manifest (plain `[A-Za-z_][A-Za-z0-9_]*`) or from the database's
//! own catalogue, and are always quoted with [`Dialect::quote`]; values are always bound.

use base64::Engine as _;
use grondslag_domain::datastore::ColumnKind;
use serde_json::Value;
use sqlx::{Column as _, Row as _, TypeInfo as _, ValueRef as _};
use sqlx::{MySql, Postgres, Sqlite, Transaction};

/// The SQL dialect of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

impl Dialect {
    /// An identifier in the dialect's quotes, with any quote inside doubled.
    pub fn quote(self, ident: &str) -> String {
        match self {
            Dialect::MySql => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// The `n`th (1-based) parameter, cast on PostgreSQL to the column's type so that a text
    /// or a number compares with the column itself (and its index is used).
    pub fn param(self, n: usize, pg_type: Option<&str>) -> String {
        match self {
            Dialect::MySql => "?".to_string(),
            Dialect::Sqlite => format!("${n}"),
            Dialect::Postgres => match pg_type {
                Some(t) => format!("${n}::{}", self.quote(t)),
                None => format!("${n}"),
            },
        }
    }
}

/// A value bound to a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl Bind {
    /// A JSON value read from a column of `kind`, bound back to the database: bytes were
    /// base64 in JSON and go back as bytes.
    pub fn from_json(v: &Value, kind: ColumnKind) -> Bind {
        match v {
            Value::Null => Bind::Null,
            Value::Bool(b) => Bind::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Bind::Int(i),
                (None, Some(f)) if n.is_f64() => Bind::Float(f),
                _ => Bind::Text(n.to_string()),
            },
            Value::String(s) if kind == ColumnKind::Bytes => {
                match base64::engine::general_purpose::STANDARD.decode(s) {
                    Ok(b) => Bind::Bytes(b),
                    Err(_) => Bind::Text(s.clone()),
                }
            }
            Value::String(s) => Bind::Text(s.clone()),
            other => Bind::Text(other.to_string()),
        }
    }

    /// A subject's identifier for a column of `kind`, or `None` when it cannot be a value of
    /// that column (a student number with letters in an integer column).
    pub fn from_identifier(s: &str, kind: ColumnKind) -> Option<Bind> {
        match kind {
            ColumnKind::Integer => s.parse().ok().map(Bind::Int),
            ColumnKind::Float => s.parse().ok().map(Bind::Float),
            _ => Some(Bind::Text(s.to_string())),
        }
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("column \"{column}\": cannot read a value of type {type_name}")]
    Decode { column: String, type_name: String },
}

/// A connection pool of one of the three kinds.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// An open transaction of one of the three kinds.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    MySql(Transaction<'static, MySql>),
}

impl Pool {
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
            Pool::MySql(_) => Dialect::MySql,
        }
    }

    /// A transaction that only reads, with one snapshot for all its statements.
    pub async fn begin_read(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                Tx::Postgres(tx)
            }
            // InnoDB's default, REPEATABLE READ, reads one snapshot.
            Pool::MySql(p) => Tx::MySql(p.begin().await?),
        })
    }

    /// A transaction that writes. On SQLite it takes the write lock at once, so no other
    /// writer gets between its reads and its writes; on the others the reads lock their rows
    /// (`FOR UPDATE`).
    pub async fn begin_write(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
            Pool::MySql(p) => Tx::MySql(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
            Pool::MySql(p) => p.close().await,
        }
    }
}

fn bind_all<'q, DB>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for b in binds {
        q = match b {
            Bind::Null => q.bind(None::<&str>),
            Bind::Int(i) => q.bind(*i),
            Bind::Float(f) => q.bind(*f),
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Bool(v) => q.bind(*v),
            Bind::Bytes(v) => q.bind(v.as_slice()),
        };
    }
    q
}

impl Tx {
    /// The rows of a query, each value as JSON.
    pub async fn fetch(&mut self, sql: &str, binds: &[Bind]) -> Result<Vec<Vec<Value>>, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                let rows = bind_all(sqlx::query(sql), binds)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(sqlite_row).collect()
            }
            Tx::Postgres(tx) => {
                let rows = bind_all(sqlx::query(sql), binds)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(pg_row).collect()
            }
            Tx::MySql(tx) => {
                let rows = bind_all(sqlx::query(sql), binds)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(mysql_row).collect()
            }
        }
    }

    /// Runs a statement and gives the number of rows it affected.
    pub async fn execute(&mut self, sql: &str, binds: &[Bind]) -> Result<u64, DbError> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all(sqlx::query(sql), binds)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => bind_all(sqlx::query(sql), binds)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::MySql(tx) => bind_all(sqlx::query(sql), binds)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
            Tx::MySql(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
            Tx::MySql(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

fn b64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(f.to_string()))
}

fn decode_error(column: &str, type_name: &str) -> DbError {
    DbError::Decode {
        column: column.to_string(),
        type_name: type_name.to_string(),
    }
}

/// SQLite values by their storage class; dates are text there and stay text.
fn sqlite_row(row: &sqlx::sqlite::SqliteRow) -> Result<Vec<Value>, DbError> {
    let mut out = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            out.push(Value::Null);
            continue;
        }
        let ty = raw.type_info().name().to_string();
        out.push(match ty.as_str() {
            "INTEGER" => Value::from(row.try_get_unchecked::<i64, _>(i)?),
            "REAL" => float(row.try_get_unchecked::<f64, _>(i)?),
            "TEXT" => Value::String(row.try_get_unchecked::<String, _>(i)?),
            "BLOB" => b64(&row.try_get_unchecked::<Vec<u8>, _>(i)?),
            _ => return Err(decode_error(col.name(), &ty)),
        });
    }
    Ok(out)
}

/// PostgreSQL values by their type; types without a native reading were selected as text.
fn pg_row(row: &sqlx::postgres::PgRow) -> Result<Vec<Value>, DbError> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    let mut out = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        if row.try_get_raw(i)?.is_null() {
            out.push(Value::Null);
            continue;
        }
        let ty = col.type_info().name().to_string();
        out.push(match ty.as_str() {
            "INT2" => Value::from(row.try_get::<i16, _>(i)?),
            "INT4" => Value::from(row.try_get::<i32, _>(i)?),
            "INT8" => Value::from(row.try_get::<i64, _>(i)?),
            "FLOAT4" => float(row.try_get::<f32, _>(i)? as f64),
            "FLOAT8" => float(row.try_get::<f64, _>(i)?),
            "BOOL" => Value::Bool(row.try_get::<bool, _>(i)?),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::String(row.try_get::<String, _>(i)?),
            "DATE" => Value::String(row.try_get::<NaiveDate, _>(i)?.to_string()),
            "TIME" => Value::String(row.try_get::<NaiveTime, _>(i)?.to_string()),
            "TIMESTAMP" => Value::String(
                row.try_get::<NaiveDateTime, _>(i)?
                    .format("%Y-%m-%dT%H:%M:%S%.f")
                    .to_string(),
            ),
            "TIMESTAMPTZ" => Value::String(
                row.try_get::<DateTime<Utc>, _>(i)?
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
            "BYTEA" => b64(&row.try_get::<Vec<u8>, _>(i)?),
            _ => return Err(decode_error(col.name(), &ty)),
        });
    }
    Ok(out)
}

/// MySQL and MariaDB values by their type; types without a native reading were selected as
/// text (`CAST(… AS CHAR)`).
fn mysql_row(row: &sqlx::mysql::MySqlRow) -> Result<Vec<Value>, DbError> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let mut out = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        if row.try_get_raw(i)?.is_null() {
            out.push(Value::Null);
            continue;
        }
        let ty = col.type_info().name().to_string();
        out.push(match ty.as_str() {
            "BOOLEAN" => Value::Bool(row.try_get::<bool, _>(i)?),
            "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => {
                Value::from(row.try_get_unchecked::<i64, _>(i)?)
            }
            t if t.ends_with(" UNSIGNED") => Value::from(row.try_get_unchecked::<u64, _>(i)?),
            "FLOAT" | "DOUBLE" => float(row.try_get_unchecked::<f64, _>(i)?),
            "DATE" => Value::String(row.try_get::<NaiveDate, _>(i)?.to_string()),
            "DATETIME" => Value::String(
                row.try_get::<NaiveDateTime, _>(i)?
                    .format("%Y-%m-%dT%H:%M:%S%.f")
                    .to_string(),
            ),
            "TIMESTAMP" => Value::String(
                row.try_get::<DateTime<Utc>, _>(i)?
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
            "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
                b64(&row.try_get_unchecked::<Vec<u8>, _>(i)?)
            }
            "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM"
            | "SET" | "JSON" | "DECIMAL" | "YEAR" | "TIME" => {
                Value::String(row.try_get_unchecked::<String, _>(i)?)
            }
            _ => return Err(decode_error(col.name(), &ty)),
        });
    }
    Ok(out)
}

/// Reads every text column of a catalogue query (the catalogues' own types differ per
/// server version, so they are read as bytes and decoded as UTF-8).
pub fn text_cells(row: &[Value]) -> Vec<String> {
    row.iter()
        .map(|v| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_per_dialect() {
        assert_eq!(Dialect::Postgres.quote("students"), "\"students\"");
        assert_eq!(Dialect::Sqlite.quote("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(Dialect::MySql.quote("we`ird"), "`we``ird`");
        assert_eq!(Dialect::Postgres.param(2, Some("int4")), "$2::\"int4\"");
        assert_eq!(Dialect::MySql.param(2, Some("int")), "?");
        assert_eq!(Dialect::Sqlite.param(3, None), "$3");
    }

    #[test]
    fn identifiers_bind_as_the_column_needs() {
        assert_eq!(
            Bind::from_identifier("42", ColumnKind::Integer),
            Some(Bind::Int(42))
        );
        assert_eq!(Bind::from_identifier("s42", ColumnKind::Integer), None);
        assert_eq!(
            Bind::from_identifier("s42", ColumnKind::Text),
            Some(Bind::Text("s42".into()))
        );
        assert_eq!(
            Bind::from_json(&Value::String("AAE=".into()), ColumnKind::Bytes),
            Bind::Bytes(vec![0, 1])
        );
        assert_eq!(
            Bind::from_json(&serde_json::json!(7), ColumnKind::Integer),
            Bind::Int(7)
        );
    }
}
