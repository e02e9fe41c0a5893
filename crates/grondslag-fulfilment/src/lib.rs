//! Fulfilment of data-subject requests in the university's own databases (DSR-1, DSR-5;
//! RU 4:2, 4:3, 4:6): PostgreSQL, MySQL/MariaDB and SQLite, each described by a data-store
//! manifest (docs/datastores.md).
//!
//! ```no_run
//! # async fn example() -> Result<(), grondslag_fulfilment::FulfilmentError> {
//! use grondslag_domain::datastore::{IdentifierKind, Manifest, Subject};
//! use grondslag_fulfilment::{DataStore, ProcessEnv};
//!
//! let manifest = Manifest::parse(&std::fs::read_to_string("students.yaml").unwrap()).unwrap();
//! let store = DataStore::open(manifest, &ProcessEnv).await?;
//! let report = store.check_schema().await?; // errors and warnings, with manifest paths
//! let subject = Subject::new().with(IdentifierKind::StudentNumber, "s1234567");
//! let found = store.collect(&subject).await?; // access (RU 4:2)
//! let export = store.portability(&subject).await?; // DSR-5: JSON and CSV
//! let plan = store.plan_erasure(&subject).await?; // the dry run the FG approves
//! let outcome = store.erase(&plan).await?; // one transaction; refused if the data changed
//! # Ok(()) }
//! ```
//!
//! What to read and what to change is decided in `grondslag_domain::datastore`; this crate
//! connects, reads the catalogue and the rows, and runs the statements.
//!
//! Architecture invariant: every SQL identifier comes from a checked manifest (plain
//! `[A-Za-z_][A-Za-z0-9_]*`) or from the database's own catalogue, and is quoted per dialect;
//! every value is a bound parameter.
//!
//! Architecture invariant: an erasure runs in one transaction per store. It makes the plan
//! again inside that transaction, with the rows locked, and changes nothing unless the plan's
//! digest is the one the FG approved.

mod db;
mod introspect;

use db::{Bind, DbError, Dialect, Pool, Tx};
use grondslag_domain::datastore::{
    check_schema, searches, ColumnData, ColumnKind, ErasureOutcome, ErasurePlan, Link, LiveSchema,
    Manifest, PlanError, RowAction, SchemaReport, StoreData, Subject, TableCounts, TableData,
};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::Duration;

pub use grondslag_domain::datastore::{AccessReport, PortabilityExport};

/// Values per `IN (…)` list: far below every driver's limit on parameters.
const CHUNK: usize = 500;

/// Where `${VARIABLE}`s in a connection URL are looked up. The binary passes the process
/// environment ([`ProcessEnv`]); tests pass a map.
pub trait Env {
    /// The value of the variable, or `None` when it is not set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// What can go wrong while fulfilling a request in a store. No variant carries a connection
/// URL or a password.
#[derive(Debug, thiserror::Error)]
pub enum FulfilmentError {
    #[error("store \"{store}\": the connection refers to ${{{variable}}}, which is not set")]
    MissingVariable { store: String, variable: String },
    #[error("store \"{store}\": the connection is not a postgres://, mysql://, mariadb:// or sqlite: URL")]
    UnsupportedUrl { store: String },
    #[error("store \"{store}\" cannot be reached: {message}")]
    Unavailable { store: String, message: String },
    #[error("store \"{}\" does not match its manifest:\n{}", .0.store, .0)]
    SchemaMismatch(SchemaReport),
    #[error("store \"{store}\": {source}")]
    Plan {
        store: String,
        #[source]
        source: PlanError,
    },
    #[error("the plan is for store \"{plan}\", not for \"{store}\"")]
    WrongStore { store: String, plan: String },
    #[error("store \"{store}\": the data changed since the approved dry run ({}); nothing was changed: make a new plan and have it approved", differences.join("; "))]
    PlanChanged {
        store: String,
        approved: String,
        current: String,
        differences: Vec<String>,
    },
    #[error("store \"{store}\", table \"{table}\": {done} rows deleted where the plan has {planned}; nothing was changed")]
    CountMismatch {
        store: String,
        table: String,
        planned: u64,
        done: u64,
    },
    #[error("store \"{store}\", table \"{table}\": {source}")]
    Database {
        store: String,
        table: String,
        #[source]
        source: DbErrorSource,
    },
}

/// The database's own error behind [`FulfilmentError::Database`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbErrorSource(DbError);

/// Counts of a finished erasure, re-exported for callers.
pub type Outcome = ErasureOutcome;

/// A portability export of one store (DSR-5): the data the subject provided, as JSON (the
/// [`StoreData`]) and as one CSV file per table.
#[derive(Debug, Clone, PartialEq)]
pub struct Portability {
    /// Only the `provided` columns, in the tables that have any; its JSON is the export.
    pub data: StoreData,
    /// One file per table with rows.
    pub csv: Vec<CsvFile>,
}

/// One table as CSV: a header of column names, then one line per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// `{store}.{table}.csv`
    pub file_name: String,
    pub store: String,
    pub table: String,
    pub content: String,
}

/// How a column of a manifest table is read.
#[derive(Debug, Clone)]
struct ColumnInfo {
    name: String,
    kind: ColumnKind,
    /// The PostgreSQL type parameters are cast to, when it is a plain identifier.
    pg_type: Option<String>,
    as_text: bool,
}

/// One data store: a connection plus its checked manifest.
pub struct DataStore {
    manifest: Manifest,
    pool: Pool,
    live: LiveSchema,
    report: SchemaReport,
    columns: BTreeMap<String, Vec<ColumnInfo>>,
}

impl std::fmt::Debug for DataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStore")
            .field("store", &self.manifest.name)
            .field("dialect", &self.pool.dialect())
            .finish_non_exhaustive()
    }
}

/// Replaces each `${NAME}` by the variable's value.
fn resolve(manifest: &Manifest, env: &dyn Env) -> Result<String, FulfilmentError> {
    let mut url = manifest.connection.clone();
    for name in manifest.connection_variables() {
        let value = env
            .var(&name)
            .ok_or_else(|| FulfilmentError::MissingVariable {
                store: manifest.name.clone(),
                variable: name.clone(),
            })?;
        url = url.replace(&format!("${{{name}}}"), &value);
    }
    Ok(url)
}

/// A driver error without anything from the URL: sqlx's connection errors name the failure
/// (refused, unknown database, authentication), not the URL.
fn unavailable(store: &str, e: impl std::fmt::Display) -> FulfilmentError {
    FulfilmentError::Unavailable {
        store: store.to_string(),
        message: e.to_string(),
    }
}

impl DataStore {
    /// Connects to the store the manifest names, with `${VARIABLE}`s from `env`, and reads
    /// its live schema. A schema that does not match the manifest does not stop the opening:
    /// [`DataStore::schema_report`] says what is wrong, and reading or erasing refuses to run
    /// until it is fixed.
    pub async fn open(manifest: Manifest, env: &dyn Env) -> Result<DataStore, FulfilmentError> {
        let url = resolve(&manifest, env)?;
        let store = manifest.name.clone();
        let scheme = url.split(':').next().unwrap_or("");
        let timeout = Duration::from_secs(10);
        let pool = match scheme {
            "postgres" | "postgresql" => {
                let opts = sqlx::postgres::PgConnectOptions::from_str(&url).map_err(|_| {
                    FulfilmentError::UnsupportedUrl {
                        store: store.clone(),
                    }
                })?;
                Pool::Postgres(
                    sqlx::postgres::PgPoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(timeout)
                        .connect_with(opts)
                        .await
                        .map_err(|e| unavailable(&store, e))?,
                )
            }
            "mysql" | "mariadb" => {
                let url = url.replacen("mariadb:", "mysql:", 1);
                let opts = sqlx::mysql::MySqlConnectOptions::from_str(&url).map_err(|_| {
                    FulfilmentError::UnsupportedUrl {
                        store: store.clone(),
                    }
                })?;
                Pool::MySql(
                    sqlx::mysql::MySqlPoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(timeout)
                        .connect_with(opts)
                        .await
                        .map_err(|e| unavailable(&store, e))?,
                )
            }
            "sqlite" => {
                // A store that does not exist is an error, never a new empty file.
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|_| FulfilmentError::UnsupportedUrl {
                        store: store.clone(),
                    })?
                    .create_if_missing(false)
                    .foreign_keys(true)
                    .busy_timeout(timeout);
                Pool::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(timeout)
                        .connect_with(opts)
                        .await
                        .map_err(|e| unavailable(&store, e))?,
                )
            }
            _ => return Err(FulfilmentError::UnsupportedUrl { store }),
        };
        let mut ds = DataStore {
            manifest,
            pool,
            live: LiveSchema::default(),
            report: SchemaReport::default(),
            columns: BTreeMap::new(),
        };
        ds.refresh().await?;
        Ok(ds)
    }

    async fn refresh(&mut self) -> Result<(), FulfilmentError> {
        let dialect = self.pool.dialect();
        self.live = introspect::live_schema(&self.pool)
            .await
            .map_err(|e| unavailable(&self.manifest.name, e))?;
        self.report = check_schema(&self.manifest, &self.live);
        self.columns = self
            .manifest
            .tables
            .iter()
            .filter_map(|t| {
                let lt = self.live.tables.get(t.name.as_str())?;
                let cols = lt
                    .columns
                    .iter()
                    .map(|c| ColumnInfo {
                        name: c.name.clone(),
                        kind: c.kind,
                        pg_type: (dialect == Dialect::Postgres
                            && grondslag_domain::datastore::Ident::parse(&c.type_name).is_ok())
                        .then(|| c.type_name.clone()),
                        as_text: introspect::select_as_text(dialect, c.kind),
                    })
                    .collect();
                Some((t.name.to_string(), cols))
            })
            .collect();
        Ok(())
    }

    /// The manifest this store was opened with.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The store's key (the manifest's `name`).
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// The live schema as read when the store was opened (or last checked).
    pub fn live_schema(&self) -> &LiveSchema {
        &self.live
    }

    /// The manifest against the live schema, as read when the store was opened.
    pub fn schema_report(&self) -> &SchemaReport {
        &self.report
    }

    /// Reads the catalogue again and compares it with the manifest: missing tables and
    /// columns, NOT NULL columns the manifest empties and masks that do not fit are errors;
    /// unindexed search columns, columns the manifest leaves alone and tables outside the
    /// manifest that refer into it are warnings.
    pub async fn check_schema(&self) -> Result<SchemaReport, FulfilmentError> {
        let live = introspect::live_schema(&self.pool)
            .await
            .map_err(|e| unavailable(&self.manifest.name, e))?;
        Ok(check_schema(&self.manifest, &live))
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn ready(&self) -> Result<(), FulfilmentError> {
        if self.report.is_ok() {
            Ok(())
        } else {
            Err(FulfilmentError::SchemaMismatch(self.report.clone()))
        }
    }

    fn db_error(&self, table: &str, e: DbError) -> FulfilmentError {
        FulfilmentError::Database {
            store: self.manifest.name.clone(),
            table: table.to_string(),
            source: DbErrorSource(e),
        }
    }

    /// Every row of the subject in every table of the manifest: the tables with a subject
    /// column searched by the subject's identifiers, and each child table by the keys of
    /// the rows found in its parent, down to any depth (RU 4:2).
    pub async fn collect(&self, subject: &Subject) -> Result<StoreData, FulfilmentError> {
        self.ready()?;
        let mut tx = self
            .pool
            .begin_read()
            .await
            .map_err(|e| unavailable(&self.manifest.name, e))?;
        let data = self.gather(&mut tx, subject, false).await;
        let _ = tx.rollback().await;
        data
    }

    /// The data the subject provided (the columns marked `provided`), as JSON and as CSV per
    /// table (RU 4:6, DSR-5).
    pub async fn portability(&self, subject: &Subject) -> Result<Portability, FulfilmentError> {
        let data = self.collect(subject).await?.provided_only();
        let csv = csv_files(&data);
        Ok(Portability { data, csv })
    }

    /// The dry run of an erasure: exactly what [`DataStore::erase`] would delete, empty, mask
    /// and keep, row by row. Nothing is written.
    pub async fn plan_erasure(&self, subject: &Subject) -> Result<ErasurePlan, FulfilmentError> {
        let data = self.collect(subject).await?;
        ErasurePlan::build(&self.manifest, subject, &data).map_err(|source| FulfilmentError::Plan {
            store: self.manifest.name.clone(),
            source,
        })
    }

    /// Carries out an approved plan in one transaction: finds the rows again (locking them),
    /// makes the plan again and compares its digest with the approved one, then deletes,
    /// empties and masks child tables before their parents. Any difference or failure rolls
    /// everything back.
    pub async fn erase(&self, approved: &ErasurePlan) -> Result<ErasureOutcome, FulfilmentError> {
        self.ready()?;
        let store = self.manifest.name.clone();
        if approved.store != store {
            return Err(FulfilmentError::WrongStore {
                store,
                plan: approved.store.clone(),
            });
        }
        let mut tx = self
            .pool
            .begin_write()
            .await
            .map_err(|e| unavailable(&store, e))?;
        match self.erase_in(&mut tx, approved).await {
            Ok(outcome) => {
                tx.commit().await.map_err(|e| self.db_error("", e))?;
                tracing::info!(
                    store = %store,
                    digest = %outcome.digest,
                    rows_deleted = outcome.rows_deleted(),
                    rows_updated = outcome.rows_updated(),
                    "erasure committed"
                );
                Ok(outcome)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    async fn erase_in(
        &self,
        tx: &mut Tx,
        approved: &ErasurePlan,
    ) -> Result<ErasureOutcome, FulfilmentError> {
        let store = &self.manifest.name;
        let data = self.gather(tx, &approved.subject, true).await?;
        let plan =
            ErasurePlan::build(&self.manifest, &approved.subject, &data).map_err(|source| {
                FulfilmentError::Plan {
                    store: store.clone(),
                    source,
                }
            })?;
        if plan.digest != approved.digest {
            return Err(FulfilmentError::PlanChanged {
                store: store.clone(),
                approved: approved.digest.clone(),
                current: plan.digest.clone(),
                differences: approved.differences(&plan),
            });
        }
        let d = self.pool.dialect();
        let mut counts = Vec::new();
        for t in &plan.tables {
            let infos = &self.columns[&t.table];
            let info = |name: &str| infos.iter().find(|c| c.name == name);
            let key = info(&t.key).expect("the key column was read");
            let mut c = TableCounts {
                table: t.table.clone(),
                action: t.action,
                rows_deleted: 0,
                rows_updated: 0,
                rows_kept: 0,
                values_changed: 0,
            };
            match t.action {
                RowAction::Delete => {
                    for chunk in t.rows.chunks(CHUNK) {
                        let binds: Vec<Bind> = chunk
                            .iter()
                            .map(|r| Bind::from_json(&r.key, key.kind))
                            .collect();
                        let sql = format!(
                            "DELETE FROM {} WHERE {} IN ({})",
                            d.quote(&t.table),
                            d.quote(&t.key),
                            params(d, 0, binds.len(), key.pg_type.as_deref())
                        );
                        c.rows_deleted += tx
                            .execute(&sql, &binds)
                            .await
                            .map_err(|e| self.db_error(&t.table, e))?;
                    }
                    if c.rows_deleted != t.rows.len() as u64 {
                        return Err(FulfilmentError::CountMismatch {
                            store: store.clone(),
                            table: t.table.clone(),
                            planned: t.rows.len() as u64,
                            done: c.rows_deleted,
                        });
                    }
                }
                RowAction::Update => {
                    for row in &t.rows {
                        if row.changes.is_empty() {
                            c.rows_kept += 1;
                            continue;
                        }
                        let mut binds = Vec::new();
                        let mut sets = Vec::new();
                        for (col, v) in &row.changes {
                            let ci = info(col).expect("a changed column was read");
                            if v.is_null() {
                                sets.push(format!("{} = NULL", d.quote(col)));
                            } else {
                                binds.push(Bind::from_json(v, ci.kind));
                                sets.push(format!(
                                    "{} = {}",
                                    d.quote(col),
                                    d.param(binds.len(), ci.pg_type.as_deref())
                                ));
                            }
                        }
                        binds.push(Bind::from_json(&row.key, key.kind));
                        let sql = format!(
                            "UPDATE {} SET {} WHERE {} = {}",
                            d.quote(&t.table),
                            sets.join(", "),
                            d.quote(&t.key),
                            d.param(binds.len(), key.pg_type.as_deref())
                        );
                        tx.execute(&sql, &binds)
                            .await
                            .map_err(|e| self.db_error(&t.table, e))?;
                        c.rows_updated += 1;
                        c.values_changed += row.changes.len() as u64;
                    }
                }
                RowAction::Keep => c.rows_kept = t.rows.len() as u64,
            }
            counts.push(c);
        }
        Ok(ErasureOutcome {
            store: store.clone(),
            digest: plan.digest,
            tables: counts,
        })
    }

    /// Reads the subject's rows, parents before children. With `lock`, the rows are locked
    /// for the rest of the transaction (`FOR UPDATE`; SQLite's write lock covers it).
    async fn gather(
        &self,
        tx: &mut Tx,
        subject: &Subject,
        lock: bool,
    ) -> Result<StoreData, FulfilmentError> {
        let d = self.pool.dialect();
        let mut found: Vec<TableData> = Vec::new();
        for t in self.manifest.parents_first() {
            let infos = &self.columns[t.name.as_str()];
            let kind_of = |name: &str| infos.iter().find(|c| c.name == name);
            let (by, values, path): (&str, Vec<Bind>, Vec<String>) = match &t.link {
                Link::Subject { column, identifier } => {
                    let ci = kind_of(column.as_str()).expect("checked against the schema");
                    let values = subject
                        .values(*identifier)
                        .into_iter()
                        .filter_map(|v| Bind::from_identifier(v, ci.kind))
                        .collect();
                    (column.as_str(), values, vec![t.name.to_string()])
                }
                Link::Parent {
                    table,
                    foreign_key,
                    references,
                } => {
                    let parent = found
                        .iter()
                        .find(|p| p.table == table.as_str())
                        .expect("parents are read first");
                    let at = parent
                        .column_index(references.as_str())
                        .expect("checked against the schema");
                    let kind = parent.columns[at].kind;
                    let mut seen = BTreeSet::new();
                    let values = parent
                        .rows
                        .iter()
                        .map(|r| &r[at])
                        .filter(|v| !v.is_null() && seen.insert(v.to_string()))
                        .map(|v| Bind::from_json(v, kind))
                        .collect();
                    let mut path = parent.path.clone();
                    path.push(t.name.to_string());
                    (foreign_key.as_str(), values, path)
                }
            };
            let by_info = kind_of(by).expect("checked against the schema");
            let select: Vec<String> = infos
                .iter()
                .map(|c| match (c.as_text, d) {
                    (false, _) => d.quote(&c.name),
                    (true, Dialect::MySql) => {
                        format!("CAST({} AS CHAR) AS {}", d.quote(&c.name), d.quote(&c.name))
                    }
                    (true, _) => {
                        format!("CAST({} AS TEXT) AS {}", d.quote(&c.name), d.quote(&c.name))
                    }
                })
                .collect();
            let mut rows = Vec::new();
            for chunk in values.chunks(CHUNK) {
                let sql = format!(
                    "SELECT {} FROM {} WHERE {} IN ({}) ORDER BY {}{}",
                    select.join(", "),
                    d.quote(t.name.as_str()),
                    d.quote(by),
                    params(d, 0, chunk.len(), by_info.pg_type.as_deref()),
                    d.quote(t.key.as_str()),
                    if lock && d != Dialect::Sqlite {
                        " FOR UPDATE"
                    } else {
                        ""
                    }
                );
                rows.extend(
                    tx.fetch(&sql, chunk)
                        .await
                        .map_err(|e| self.db_error(t.name.as_str(), e))?,
                );
            }
            found.push(TableData {
                table: t.name.to_string(),
                label: t.label.clone(),
                path,
                columns: infos
                    .iter()
                    .map(|c| {
                        let m = t.columns.iter().find(|(n, _)| n.as_str() == c.name);
                        ColumnData {
                            name: c.name.clone(),
                            label: m.and_then(|(_, col)| col.label.clone()),
                            kind: c.kind,
                            provided: m.map(|(_, col)| col.provided).unwrap_or(false),
                        }
                    })
                    .collect(),
                rows,
            });
        }
        Ok(StoreData {
            store: self.manifest.name.clone(),
            label: self.manifest.label.clone(),
            searches: searches(&self.manifest, subject),
            tables: found,
        })
    }
}

/// `n` parameters starting after `offset`, comma-separated.
fn params(d: Dialect, offset: usize, n: usize, pg_type: Option<&str>) -> String {
    (1..=n)
        .map(|i| d.param(offset + i, pg_type))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The access report over several stores' findings, stamped with the current time (UTC).
pub fn access_report(subject: &Subject, stores: Vec<StoreData>) -> AccessReport {
    AccessReport {
        subject: subject.clone(),
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        stores,
    }
}

/// Each table of a store's data as CSV (RFC 4180): a header with the column names, then the
/// rows; NULL is an empty field, binary values are base64. Tables without rows are left out.
pub fn csv_files(data: &StoreData) -> Vec<CsvFile> {
    data.tables
        .iter()
        .filter(|t| !t.rows.is_empty())
        .map(|t| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(t.columns.iter().map(|c| c.name.as_str()))
                .expect("writing to memory");
            for row in &t.rows {
                w.write_record(row.iter().map(grondslag_domain::datastore::display_value))
                    .expect("writing to memory");
            }
            let bytes = w.into_inner().expect("writing to memory");
            CsvFile {
                file_name: format!("{}.{}.csv", data.store, t.table),
                store: data.store.clone(),
                table: t.table.clone(),
                content: String::from_utf8(bytes).expect("the values are UTF-8"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn variables_come_from_the_environment() {
        let m = Manifest::parse(include_str!("../../../examples/datastores/crm.yaml")).unwrap();
        let mut env = BTreeMap::new();
        match resolve(&m, &env) {
            Err(FulfilmentError::MissingVariable { variable, .. }) => {
                assert_eq!(variable, "CRM_DB_PASSWORD")
            }
            other => panic!("{other:?}"),
        }
        env.insert("CRM_DB_PASSWORD".to_string(), "s3cret".to_string());
        assert_eq!(
            resolve(&m, &env).unwrap(),
            "mysql://crm_dpo:s3cret@crm-db.example.nl:3306/crm"
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let data = StoreData {
            store: "crm".into(),
            label: "CRM".into(),
            searches: vec![],
            tables: vec![TableData {
                table: "contacts".into(),
                label: None,
                path: vec!["contacts".into()],
                columns: vec![
                    ColumnData {
                        name: "name".into(),
                        label: None,
                        kind: ColumnKind::Text,
                        provided: true,
                    },
                    ColumnData {
                        name: "year".into(),
                        label: None,
                        kind: ColumnKind::Integer,
                        provided: true,
                    },
                ],
                rows: vec![
                    vec![Value::from("Jansen, \"Jan\""), Value::from(2001)],
                    vec![Value::from("Piet"), Value::Null],
                ],
            }],
        };
        let files = csv_files(&data);
        assert_eq!(files[0].file_name, "crm.contacts.csv");
        assert_eq!(
            files[0].content,
            "name,year\n\"Jansen, \"\"Jan\"\"\",2001\nPiet,\n"
        );
    }
}
