//! The one place that knows there are two databases. Every query is written once, with `$n`
//! placeholders (both SQLite and PostgreSQL accept them), bound from [`Val`]s and decoded with
//! `sqlx::FromRow` into types that both drivers can fill.
//!
//! Not sqlx's `Any` driver: it maps only primitive types, so PostgreSQL timestamps fail.

use crate::sqlite_writes::{Turn, Turns};
use chrono::{DateTime, Utc};
use futures_util::future::join;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Database, Encode, FromRow, Postgres, Sqlite, Transaction, Type};
use std::sync::Arc;

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

/// Where a read runs: on the pool, or inside an open transaction, for a write that reads
/// the state it is about to change.
pub enum Reader<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
}

impl Reader<'_> {
    pub fn is_sqlite(&self) -> bool {
        match self {
            Reader::Pool(p) => matches!(p, Pool::Sqlite(_)),
            Reader::Tx(t) => matches!(t, Tx::Sqlite(_)),
        }
    }

    pub async fn fetch_all<T: Record>(&mut self, sql: &str, vals: &[Val]) -> sqlx::Result<Vec<T>> {
        match self {
            Reader::Pool(p) => p.fetch_all(sql, vals).await,
            Reader::Tx(t) => t.fetch_all(sql, vals).await,
        }
    }

    pub async fn fetch_one<T: Record>(&mut self, sql: &str, vals: &[Val]) -> sqlx::Result<T> {
        match self {
            Reader::Pool(p) => p.fetch_one(sql, vals).await,
            Reader::Tx(t) => t.fetch_one(sql, vals).await,
        }
    }
}

impl Pool {
    pub fn is_closed(&self) -> bool {
        match self {
            Pool::Sqlite(p) => p.is_closed(),
            Pool::Postgres(p) => p.is_closed(),
        }
    }

    /// A transaction for a write: on SQLite, once it is this process's turn
    /// ([`crate::sqlite_writes`]), which the caller holds until the commit.
    pub async fn begin_write(&self, turns: &Arc<Turns>) -> crate::Result<(Tx, Option<Turn>)> {
        Ok(match self {
            Pool::Sqlite(p) => {
                let turn = Turn::take(turns, p).await?;
                (Tx::Sqlite(p.begin().await?), Some(turn))
            }
            Pool::Postgres(p) => (Tx::Postgres(p.begin().await?), None),
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

    /// Inserts many rows: on PostgreSQL a large batch with binary `COPY`, otherwise
    /// multi-row `VALUES` lists, many rows a statement. One round trip per chunk instead of
    /// per row matters on PostgreSQL; on SQLite, where a statement is a function call, what
    /// matters is binding the values cheaply.
    pub async fn insert_many(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
    ) -> sqlx::Result<()> {
        self.insert_stream(table, columns, Box::new(rows.into_iter()))
            .await
    }

    /// [`Tx::insert_many`] for rows that are made as they are taken. They are taken one chunk
    /// at a time, and the next chunk is taken while the database writes the one before: an
    /// iterator that builds its rows as it goes (serialises documents, say) does that work
    /// while the database works, on the other core.
    pub async fn insert_stream(
        &mut self,
        table: &str,
        columns: &[&str],
        mut rows: Rows<'_>,
    ) -> sqlx::Result<()> {
        let width = columns.len().max(1);
        match self {
            Tx::Postgres(t) => {
                let first: Vec<Vec<Val>> = rows.by_ref().take(COPY_FROM_ROWS).collect();
                if first.len() >= COPY_FROM_ROWS {
                    if let Some(plan) = copy_plan(t, table, columns, &first).await? {
                        let rows = first.into_iter().chain(rows);
                        return copy_in(t, table, columns, &plan, rows).await;
                    }
                }
                let mut rows = first.into_iter().chain(rows);
                // At most 999 parameters a statement: these are small batches.
                let mut chunk = values(&mut rows, columns.len(), 999 / width);
                while !chunk.is_empty() {
                    let sql = values_sql(table, columns, chunk.len(), true);
                    let (done, next) = join(
                        bind_owned::<Postgres>(&sql, chunk).execute(&mut **t),
                        async { values(&mut rows, columns.len(), 999 / width) },
                    )
                    .await;
                    done?;
                    chunk = next;
                }
            }
            Tx::Sqlite(t) => {
                // Anonymous `?` placeholders: sqlx-sqlite asks SQLite for each parameter's
                // name, which SQLite finds by scanning its list of names, so numbered
                // placeholders cost the square of their number; unnamed ones have no name.
                let per_chunk = SQLITE_PARAMETERS / width;
                let mut chunk = values(&mut rows, columns.len(), per_chunk);
                while !chunk.is_empty() {
                    let sql = values_sql(table, columns, chunk.len(), false);
                    let (done, next) =
                        join(bind_owned::<Sqlite>(&sql, chunk).execute(&mut **t), async {
                            values(&mut rows, columns.len(), per_chunk)
                        })
                        .await;
                    done?;
                    chunk = next;
                }
            }
        }
        Ok(())
    }

    /// Readies the transaction for a write of hundreds of megabytes (a large import) and
    /// returns what [`Tx::end_bulk_write`] restores.
    ///
    /// On SQLite, the default page cache of 2 MB makes SQLite write pages of the indexes out
    /// and read them back many times over; a larger cache keeps them. On PostgreSQL, documents
    /// over 2 kB are compressed as they are stored, by default with pglz, which took a third of
    /// the server's time in an import; lz4, where the server has it, is several times faster.
    /// The setting holds for this transaction only (`SET LOCAL`), and what it wrote reads back
    /// the same, whatever the setting later.
    pub async fn begin_bulk_write(&mut self) -> sqlx::Result<BulkWrite> {
        #[derive(sqlx::FromRow)]
        struct CacheSize {
            cache_size: i64,
        }
        #[derive(sqlx::FromRow)]
        struct Lz4 {
            #[allow(dead_code)]
            name: String,
        }
        match self {
            Tx::Sqlite(t) => {
                let before: CacheSize = sqlx::query_as("PRAGMA cache_size")
                    .fetch_one(&mut **t)
                    .await?;
                sqlx::query(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))
                    .execute(&mut **t)
                    .await?;
                Ok(BulkWrite(Some(before.cache_size)))
            }
            Tx::Postgres(t) => {
                let lz4: Option<Lz4> = sqlx::query_as(
                    "SELECT name FROM pg_settings \
                     WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)",
                )
                .fetch_optional(&mut **t)
                .await?;
                if lz4.is_some() {
                    sqlx::query("SET LOCAL default_toast_compression = lz4")
                        .execute(&mut **t)
                        .await?;
                }
                Ok(BulkWrite(None))
            }
        }
    }

    /// Restores what [`Tx::begin_bulk_write`] changed, before the commit: the pages beyond
    /// the old cache size are freed as the commit writes them, so the pooled connection does
    /// not keep them.
    pub async fn end_bulk_write(&mut self, bulk: BulkWrite) -> sqlx::Result<()> {
        match (self, bulk.0) {
            (Tx::Sqlite(t), Some(cache_size)) => {
                sqlx::query(&format!("PRAGMA cache_size = {cache_size}"))
                    .execute(&mut **t)
                    .await?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// On PostgreSQL, drops the foreign keys of `tables` for a load into empty tables, and
    /// returns them for [`Tx::restore_foreign_keys`] to add back in the same transaction.
    ///
    /// PostgreSQL checks a foreign key row by row, each with its own query: for the 167,000
    /// versions and terms of a register of 10,000 activities that took 1.2 s of an import's
    /// 5. Added back, a key checks every row at once, in one join. Dropping one locks its
    /// tables until the commit, which is why only a load into an empty register does this (as
    /// `pg_restore` does). SQLite checks a key with an index look-up in its own process:
    /// nothing to gain.
    pub async fn set_aside_foreign_keys(
        &mut self,
        tables: &[&str],
    ) -> sqlx::Result<Vec<ForeignKey>> {
        let Tx::Postgres(t) = self else {
            return Ok(Vec::new());
        };
        let keys: Vec<ForeignKey> = sqlx::query_as(
            "SELECT c.conrelid::regclass::text AS table_name, quote_ident(c.conname) AS name, \
                    pg_get_constraintdef(c.oid) AS definition \
             FROM pg_constraint c \
             WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY ($1) \
             ORDER BY c.oid",
        )
        .bind(tables)
        .fetch_all(&mut **t)
        .await?;
        for k in &keys {
            sqlx::query(&format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                k.table_name, k.name
            ))
            .execute(&mut **t)
            .await?;
        }
        Ok(keys)
    }

    /// Adds back the keys [`Tx::set_aside_foreign_keys`] dropped, exactly as they were; each
    /// checks the rows written meanwhile and fails the transaction if one has no match.
    pub async fn restore_foreign_keys(&mut self, keys: Vec<ForeignKey>) -> sqlx::Result<()> {
        let Tx::Postgres(t) = self else {
            return Ok(());
        };
        for k in keys {
            sqlx::query(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                k.table_name, k.name, k.definition
            ))
            .execute(&mut **t)
            .await?;
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

/// A foreign key as PostgreSQL describes it, ready for SQL: its table (as `regclass` prints
/// it), its name (`quote_ident`) and its definition (`pg_get_constraintdef`).
#[derive(Debug, sqlx::FromRow)]
pub struct ForeignKey {
    table_name: String,
    name: String,
    definition: String,
}

/// What [`Tx::end_bulk_write`] restores: SQLite's cache size before.
#[must_use = "end_bulk_write restores the connection's settings"]
pub struct BulkWrite(Option<i64>);

/// SQLite's page cache during a bulk write, in KiB: room for every index of a register of
/// 100,000 versions, whose tables are written once and need no cache.
const BULK_CACHE_KIB: i64 = 65_536;

/// From this many rows, [`Tx::insert_many`] uses `COPY` on PostgreSQL.
const COPY_FROM_ROWS: usize = 100;
/// Parameters in one multi-row statement on SQLite (its limit is 32,766).
const SQLITE_PARAMETERS: usize = 4096;
/// `COPY` data is sent in pieces of about this many bytes, so the server works on one
/// piece while the next is encoded.
const COPY_PIECE: usize = 1 << 20;

/// The values of the next `per_chunk` rows, moved, not copied.
fn values(rows: &mut impl Iterator<Item = Vec<Val>>, width: usize, per_chunk: usize) -> Vec<Val> {
    let mut out = Vec::with_capacity(width * per_chunk.max(1));
    for row in rows.take(per_chunk.max(1)) {
        debug_assert_eq!(row.len(), width);
        out.extend(row);
    }
    out
}

/// Rows made as they are taken, for [`Tx::insert_stream`]. Boxed: a future that holds a
/// closure over borrowed rows can otherwise fail to prove itself `Send` (rust-lang/rust#102211).
pub type Rows<'a> = Box<dyn Iterator<Item = Vec<Val>> + Send + 'a>;

/// `INSERT INTO table (columns) VALUES (…), (…)` for `n` values, numbered (`$1`) or not (`?`).
fn values_sql(table: &str, columns: &[&str], n: usize, numbered: bool) -> String {
    use std::fmt::Write;
    let per_row = columns.len().max(1);
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for i in 0..n {
        sql.push_str(match (i % per_row == 0, i == 0) {
            (true, true) => "(",
            (true, false) => "), (",
            (false, _) => ", ",
        });
        if numbered {
            write!(sql, "${}", i + 1).expect("writing to a String");
        } else {
            sql.push('?');
        }
    }
    sql.push(')');
    sql
}

/// Binds values by moving them into the query.
fn bind_owned<'q, DB>(sql: &'q str, vals: Vec<Val>) -> sqlx::query::Query<'q, DB, Args<'q, DB>>
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
        q = match v {
            Val::I64(x) => q.bind(x),
            Val::Text(x) => q.bind(x),
            Val::OptText(x) => q.bind(x),
            Val::Bool(x) => q.bind(x),
            Val::Time(x) => q.bind(x),
        };
    }
    q
}

/// How one column's values travel in binary `COPY`: exactly the bytes sqlx would bind.
#[derive(Clone, Copy)]
enum Wire {
    Int8,
    Int4,
    Int2,
    Text,
    Bool,
    Timestamptz,
}

impl Wire {
    fn of(type_name: &str) -> Option<Wire> {
        Some(match type_name {
            "int8" => Wire::Int8,
            "int4" => Wire::Int4,
            "int2" => Wire::Int2,
            "text" | "varchar" => Wire::Text,
            "bool" => Wire::Bool,
            "timestamptz" => Wire::Timestamptz,
            _ => return None,
        })
    }

    /// Whether `v` goes into this column as it is: what a bound value would get from an
    /// assignment cast (a number into a smaller integer, say) is left to `INSERT`.
    fn fits(self, v: &Val) -> bool {
        match (self, v) {
            (_, Val::OptText(None)) => true,
            (Wire::Int8, Val::I64(_)) => true,
            (Wire::Int4, Val::I64(x)) => i32::try_from(*x).is_ok(),
            (Wire::Int2, Val::I64(x)) => i16::try_from(*x).is_ok(),
            (Wire::Text, Val::Text(_) | Val::OptText(_)) => true,
            (Wire::Bool, Val::Bool(_)) => true,
            (Wire::Timestamptz, Val::Time(t)) => micros_since_2000(t).is_some(),
            _ => false,
        }
    }

    /// Appends `v`, which [`Wire::fits`] this column, as a field: its length, then its bytes.
    fn put(self, buf: &mut Vec<u8>, v: Val) {
        let mut field = |bytes: &[u8]| {
            let len = i32::try_from(bytes.len()).expect("a field under 1 GB");
            buf.extend_from_slice(&len.to_be_bytes());
            buf.extend_from_slice(bytes);
        };
        match (self, v) {
            (_, Val::OptText(None)) => buf.extend_from_slice(&(-1i32).to_be_bytes()),
            (Wire::Int8, Val::I64(x)) => field(&x.to_be_bytes()),
            (Wire::Int4, Val::I64(x)) => field(&(x as i32).to_be_bytes()),
            (Wire::Int2, Val::I64(x)) => field(&(x as i16).to_be_bytes()),
            (Wire::Text, Val::Text(x) | Val::OptText(Some(x))) => field(x.as_bytes()),
            (Wire::Bool, Val::Bool(x)) => field(&[u8::from(x)]),
            (Wire::Timestamptz, Val::Time(t)) => {
                field(&micros_since_2000(&t).unwrap_or_default().to_be_bytes())
            }
            _ => unreachable!("checked by Wire::fits"),
        }
    }
}

/// A timestamp as PostgreSQL keeps it and sqlx sends it: whole microseconds since
/// 2000-01-01 UTC, cut towards zero.
fn micros_since_2000(t: &DateTime<Utc>) -> Option<i64> {
    let epoch = DateTime::<Utc>::from_timestamp(946_684_800, 0)?;
    (*t - epoch).num_microseconds()
}

#[derive(sqlx::FromRow)]
struct ColumnType {
    name: String,
    type_name: String,
}

/// The wire form of each of `columns`, or `None` when one of them has a type, or one of the
/// first rows a value, that binary `COPY` does not take as `INSERT` would.
async fn copy_plan(
    t: &mut Transaction<'static, Postgres>,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Val>],
) -> sqlx::Result<Option<Vec<Wire>>> {
    let types: Vec<ColumnType> = sqlx::query_as(
        "SELECT a.attname::text AS name, t.typname::text AS type_name \
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
    )
    .bind(table)
    .fetch_all(&mut **t)
    .await?;
    let plan: Option<Vec<Wire>> = columns
        .iter()
        .map(|c| Wire::of(&types.iter().find(|ty| ty.name == *c)?.type_name))
        .collect();
    Ok(plan.filter(|plan| {
        rows.iter()
            .all(|row| row.iter().zip(plan).all(|(v, w)| w.fits(v)))
    }))
}

/// Streams rows into `table` with binary `COPY … FROM STDIN`: PostgreSQL takes each value's
/// bytes as they come instead of scanning text for delimiters and escapes. The next piece
/// is encoded while the one before is on its way.
async fn copy_in(
    t: &mut Transaction<'static, Postgres>,
    table: &str,
    columns: &[&str],
    plan: &[Wire],
    mut rows: impl Iterator<Item = Vec<Val>> + Send,
) -> sqlx::Result<()> {
    let mut copy = t
        .copy_in_raw(&format!(
            "COPY {table} ({}) FROM STDIN (FORMAT binary)",
            columns.join(", ")
        ))
        .await?;
    let mut piece = Vec::with_capacity(COPY_PIECE + COPY_PIECE / 4);
    // The signature, no flags, no header extension.
    piece.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    piece.extend_from_slice(&0i32.to_be_bytes());
    piece.extend_from_slice(&0i32.to_be_bytes());
    let mut encoded = encode_rows(&mut piece, plan, &mut rows);
    let mut next = Vec::with_capacity(COPY_PIECE + COPY_PIECE / 4);
    loop {
        let more = match encoded {
            Ok(more) => more,
            Err(column) => {
                // Only a caller that mixes kinds of values in a column gets here.
                let why = format!(
                    "{table}.{}: a value that binary COPY cannot take as it took the first rows",
                    columns[column]
                );
                copy.abort(why.clone()).await?;
                return Err(sqlx::Error::Encode(why.into()));
            }
        };
        if !more {
            piece.extend_from_slice(&(-1i16).to_be_bytes());
            copy.send(piece.as_slice()).await?;
            break;
        }
        let (sent, following) = join(copy.send(piece.as_slice()), async {
            next.clear();
            encode_rows(&mut next, plan, &mut rows)
        })
        .await;
        sent?;
        encoded = following;
        std::mem::swap(&mut piece, &mut next);
    }
    copy.finish().await?;
    Ok(())
}

/// Encodes rows into `buf` until it holds a piece's worth; says whether rows are left, or
/// which column had a value that does not fit.
fn encode_rows(
    buf: &mut Vec<u8>,
    plan: &[Wire],
    rows: &mut impl Iterator<Item = Vec<Val>>,
) -> Result<bool, usize> {
    let fields = i16::try_from(plan.len()).expect("fewer than 32,768 columns");
    while buf.len() < COPY_PIECE {
        let Some(row) = rows.next() else {
            return Ok(false);
        };
        buf.extend_from_slice(&fields.to_be_bytes());
        for (i, (v, wire)) in row.into_iter().zip(plan).enumerate() {
            if !wire.fits(&v) {
                return Err(i);
            }
            wire.put(buf, v);
        }
    }
    Ok(true)
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
