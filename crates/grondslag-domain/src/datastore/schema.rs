//! A manifest against the live database: the fulfilment crate reads the database's catalogue
//! into a [`LiveSchema`], and [`check_schema`] says what does not match (errors: erasure or
//! collection would fail or miss data) and what deserves a look (warnings: slow searches,
//! columns the manifest leaves alone, tables outside the manifest that point into it).

use super::manifest::{ColumnErasure, Link, Manifest, Mask, RowErasure};
use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of value a column holds, across the three databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Integer,
    Float,
    /// Exact decimals; read as text so no digit is lost.
    Decimal,
    Boolean,
    Date,
    Time,
    Timestamp,
    Bytes,
    /// Anything else (JSON, UUID, enumerations, arrays, ...), read as its text form.
    Other,
}

impl ColumnKind {
    /// Whether a text can be stored in it as it is.
    pub fn takes_text(self) -> bool {
        matches!(self, ColumnKind::Text | ColumnKind::Other)
    }
}

/// One column of a live table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveColumn {
    pub name: String,
    /// The database's own name of the type (`character varying`, `int(11)`, `TEXT`).
    pub type_name: String,
    pub kind: ColumnKind,
    pub nullable: bool,
}

/// One live table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTable {
    /// In the table's order.
    pub columns: Vec<LiveColumn>,
    /// The columns that lead an index (or the primary key), so a search on them is fast.
    pub indexed: BTreeSet<String>,
}

impl LiveTable {
    pub fn column(&self, name: &str) -> Option<&LiveColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A foreign key in the live database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveForeignKey {
    pub table: String,
    pub column: String,
    pub references_table: String,
    pub references_column: String,
    pub on_delete_cascade: bool,
}

/// What the database's catalogue says about its tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSchema {
    pub tables: BTreeMap<String, LiveTable>,
    pub foreign_keys: Vec<LiveForeignKey>,
}

/// The result of [`check_schema`]. Paths are those of the manifest
/// (`tables[1].columns.phone`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SchemaReport {
    pub store: String,
    /// Mismatches that make collection or erasure fail or miss data.
    pub errors: Vec<FieldError>,
    /// Things that work but deserve a look.
    pub warnings: Vec<FieldError>,
}

impl SchemaReport {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn error(&mut self, path: String, code: &'static str, message: String) {
        self.errors.push(FieldError {
            path,
            code,
            message,
        });
    }

    fn warn(&mut self, path: String, code: &'static str, message: String) {
        self.warnings.push(FieldError {
            path,
            code,
            message,
        });
    }
}

impl std::fmt::Display for SchemaReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.errors {
            writeln!(f, "error: {e}")?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

/// Compares a manifest with the live schema of its database.
pub fn check_schema(manifest: &Manifest, live: &LiveSchema) -> SchemaReport {
    let mut r = SchemaReport {
        store: manifest.name.clone(),
        ..SchemaReport::default()
    };
    let names: BTreeSet<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
    for (i, t) in manifest.tables.iter().enumerate() {
        let at = |rest: &str| {
            if rest.is_empty() {
                format!("tables[{i}]")
            } else {
                format!("tables[{i}].{rest}")
            }
        };
        let Some(lt) = live.tables.get(t.name.as_str()) else {
            let hint = live
                .tables
                .keys()
                .find(|k| k.eq_ignore_ascii_case(t.name.as_str()))
                .map(|k| format!(" (there is \"{k}\": names are compared exactly)"))
                .unwrap_or_default();
            r.error(
                at("name"),
                "missing_table",
                format!("table \"{}\" does not exist in the database{hint}", t.name),
            );
            continue;
        };
        let missing = |r: &mut SchemaReport, path: String, col: &str| {
            if lt.column(col).is_none() {
                r.error(
                    path,
                    "missing_column",
                    format!("table \"{}\" has no column \"{col}\"", t.name),
                );
                true
            } else {
                false
            }
        };
        missing(&mut r, at("key"), t.key.as_str());
        match &t.link {
            Link::Subject { column, .. } => {
                if !missing(&mut r, at("subject.column"), column.as_str())
                    && !lt.indexed.contains(column.as_str())
                {
                    r.warn(
                        at("subject.column"),
                        "not_indexed",
                        format!("no index starts with \"{column}\": every request reads the whole table \"{}\"", t.name),
                    );
                }
            }
            Link::Parent {
                table,
                foreign_key,
                references,
            } => {
                if !missing(&mut r, at("parent.foreign_key"), foreign_key.as_str())
                    && !lt.indexed.contains(foreign_key.as_str())
                {
                    r.warn(
                        at("parent.foreign_key"),
                        "not_indexed",
                        format!("no index starts with \"{foreign_key}\": finding the rows below \"{table}\" reads the whole table \"{}\"", t.name),
                    );
                }
                if let Some(pt) = live.tables.get(table.as_str()) {
                    if pt.column(references.as_str()).is_none() {
                        r.error(
                            at("parent.references"),
                            "missing_column",
                            format!("table \"{table}\" has no column \"{references}\""),
                        );
                    }
                }
            }
        }
        for (col, c) in &t.columns {
            let path = at(&format!("columns.{col}"));
            let Some(lc) = lt.column(col.as_str()) else {
                missing(&mut r, path, col.as_str());
                continue;
            };
            match &c.erasure {
                ColumnErasure::SetNull if !lc.nullable => r.error(
                    format!("{path}.erasure"),
                    "not_nullable",
                    format!("set_null on a NOT NULL column ({}): the update would fail; mask it or allow NULL", lc.type_name),
                ),
                ColumnErasure::Mask {
                    mask: Mask::Rule(rule),
                } if !lc.kind.takes_text() => r.error(
                    format!("{path}.mask_rule"),
                    "wrong_type",
                    format!("mask_rule {rule} makes a text, but the column is {}", lc.type_name),
                ),
                ColumnErasure::Mask {
                    mask: Mask::Value(v),
                } if !value_fits(v, lc.kind) => r.error(
                    format!("{path}.mask"),
                    "wrong_type",
                    format!("the mask {v} does not fit the column's type {}", lc.type_name),
                ),
                _ => {}
            }
        }
        if t.rows != RowErasure::Delete {
            let named = t.required_columns();
            for lc in &lt.columns {
                if !named.iter().any(|n| n.as_str() == lc.name) {
                    r.warn(
                        at("columns"),
                        "not_in_manifest",
                        format!("column \"{}\" of \"{}\" is not in the manifest: erasure leaves it as it is", lc.name, t.name),
                    );
                }
            }
        }
    }
    for fk in &live.foreign_keys {
        if names.contains(fk.references_table.as_str()) && !names.contains(fk.table.as_str()) {
            let what = if fk.on_delete_cascade {
                "erasure deletes its rows without the plan showing them (ON DELETE CASCADE)"
            } else {
                "erasure of the rows it points at fails while it has rows"
            };
            r.warn(
                "tables".to_string(),
                "unmanaged_table",
                format!(
                    "table \"{}\" refers to \"{}\" ({} → {}) but is not in the manifest: its rows are not in access reports, and {what}",
                    fk.table, fk.references_table, fk.column, fk.references_column
                ),
            );
        }
    }
    r
}

fn value_fits(v: &serde_json::Value, kind: ColumnKind) -> bool {
    match (v, kind) {
        (serde_json::Value::String(_), k) => k.takes_text(),
        (serde_json::Value::Number(n), ColumnKind::Integer) => n.is_i64() || n.is_u64(),
        (
            serde_json::Value::Number(_),
            ColumnKind::Float | ColumnKind::Decimal | ColumnKind::Text | ColumnKind::Other,
        ) => true,
        (serde_json::Value::Bool(_), ColumnKind::Boolean | ColumnKind::Integer) => true,
        _ => false,
    }
}
