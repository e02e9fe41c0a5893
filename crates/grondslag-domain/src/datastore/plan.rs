//! The erasure plan (RU 4:3, GDPR 17): exactly what erasing a subject does in one store,
//! table by table and row by row, computed from the manifest and the rows found. The FG
//! approves a plan made in a dry run; the erasure then makes the plan again inside its
//! transaction and goes ahead only when the [`ErasurePlan::digest`] is the same, so nothing is
//! deleted that the FG did not see.
//!
//! A plan holds the values of the rows it concerns: it is personal data like an access
//! report, and is kept and shown as such.

use super::data::{StoreData, Subject};
use super::manifest::{ColumnErasure, Manifest, Mask, RowErasure};
use super::terms::KeepReason;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What happens to a table's rows of the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// The rows are deleted.
    Delete,
    /// The rows stay; some of their columns are emptied or masked.
    Update,
    /// The rows stay as they are.
    Keep,
}

/// What happens to one column of a table's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ColumnAction {
    /// Goes with the row.
    DeleteRow,
    SetNull,
    Mask {
        mask: MaskSpec,
    },
    Keep {
        reason: KeepReason,
        explanation: String,
    },
    /// Not named in the manifest, or a key column without an erasure of its own: it stays.
    Unchanged,
}

/// A mask as the plan shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskSpec {
    Value(Value),
    Rule(super::terms::MaskRule),
}

impl From<&Mask> for MaskSpec {
    fn from(m: &Mask) -> Self {
        match m {
            Mask::Value(v) => MaskSpec::Value(v.clone()),
            Mask::Rule(r) => MaskSpec::Rule(*r),
        }
    }
}

/// One column of a table plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub column: String,
    #[serde(flatten)]
    pub action: ColumnAction,
}

/// One row the plan concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRow {
    /// The value of the table's key column.
    pub key: Value,
    /// The row as it is now.
    pub values: BTreeMap<String, Value>,
    /// For an update: the new value of each column that changes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub changes: BTreeMap<String, Value>,
}

/// What erasure does in one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TablePlan {
    pub table: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The key column that identifies the rows.
    pub key: String,
    pub action: RowAction,
    /// For rows that are kept: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<KeepReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Every column of the rows, in the database's order.
    pub columns: Vec<ColumnPlan>,
    /// The rows, by key.
    pub rows: Vec<PlannedRow>,
}

impl TablePlan {
    /// The columns emptied in each row.
    pub fn set_null_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.action == ColumnAction::SetNull)
            .map(|c| c.column.as_str())
            .collect()
    }

    /// The columns masked in each row.
    pub fn masked_columns(&self) -> Vec<(&str, &MaskSpec)> {
        self.columns
            .iter()
            .filter_map(|c| match &c.action {
                ColumnAction::Mask { mask } => Some((c.column.as_str(), mask)),
                _ => None,
            })
            .collect()
    }
}

/// Counts of a plan or of a finished erasure, for one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCounts {
    pub table: String,
    pub action: RowAction,
    pub rows_deleted: u64,
    pub rows_updated: u64,
    pub rows_kept: u64,
    /// Values emptied or masked (rows × columns).
    pub values_changed: u64,
}

/// Exactly what erasing a subject does in one store. Tables are in the order erasure runs:
/// every child before its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasurePlan {
    pub store: String,
    pub subject: Subject,
    /// The digest of the manifest the plan was made with.
    pub manifest_digest: String,
    pub tables: Vec<TablePlan>,
    /// SHA-256 (hex) over everything above: what the FG approves.
    pub digest: String,
}

/// The result of an erasure: the counts, per table, of what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureOutcome {
    pub store: String,
    /// The digest of the plan that ran.
    pub digest: String,
    pub tables: Vec<TableCounts>,
}

impl ErasureOutcome {
    pub fn rows_deleted(&self) -> u64 {
        self.tables.iter().map(|t| t.rows_deleted).sum()
    }
    pub fn rows_updated(&self) -> u64 {
        self.tables.iter().map(|t| t.rows_updated).sum()
    }
}

/// Why a plan cannot be made from the rows found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("table \"{table}\": the rows found have no column \"{column}\"")]
    MissingColumn { table: String, column: String },
    #[error(
        "table \"{table}\": a row has no key (\"{key}\" is NULL), so it cannot be erased by key"
    )]
    NullKey { table: String, key: String },
    #[error("table \"{table}\": key {value} is on more than one row, so \"{key}\" does not identify a row")]
    DuplicateKey {
        table: String,
        key: String,
        value: String,
    },
}

#[derive(Serialize)]
struct DigestInput<'a> {
    store: &'a str,
    subject: &'a Subject,
    manifest_digest: &'a str,
    tables: &'a [TablePlan],
}

impl ErasurePlan {
    /// The plan for a subject from the rows found of them in the manifest's store.
    pub fn build(
        manifest: &Manifest,
        subject: &Subject,
        data: &StoreData,
    ) -> Result<ErasurePlan, PlanError> {
        let mut tables = Vec::new();
        for t in manifest.children_first() {
            let Some(found) = data.table(t.name.as_str()) else {
                continue;
            };
            let key_name = t.key.as_str();
            let key_at = found
                .column_index(key_name)
                .ok_or_else(|| PlanError::MissingColumn {
                    table: t.name.to_string(),
                    column: key_name.to_string(),
                })?;
            let columns: Vec<ColumnPlan> = found
                .columns
                .iter()
                .map(|c| {
                    let action = match (
                        &t.rows,
                        t.columns.iter().find(|(n, _)| n.as_str() == c.name),
                    ) {
                        (RowErasure::Delete, _) => ColumnAction::DeleteRow,
                        (_, None) => ColumnAction::Unchanged,
                        (_, Some((_, col))) => match &col.erasure {
                            ColumnErasure::DeleteRow => ColumnAction::DeleteRow,
                            ColumnErasure::SetNull => ColumnAction::SetNull,
                            ColumnErasure::Mask { mask } => {
                                ColumnAction::Mask { mask: mask.into() }
                            }
                            ColumnErasure::Keep {
                                reason,
                                explanation,
                            } => ColumnAction::Keep {
                                reason: *reason,
                                explanation: explanation.clone(),
                            },
                            ColumnErasure::Unchanged => ColumnAction::Unchanged,
                        },
                    };
                    ColumnPlan {
                        column: c.name.clone(),
                        action,
                    }
                })
                .collect();
            let changes_anything = columns
                .iter()
                .any(|c| matches!(c.action, ColumnAction::SetNull | ColumnAction::Mask { .. }));
            let action = match &t.rows {
                RowErasure::Delete => RowAction::Delete,
                _ if changes_anything => RowAction::Update,
                _ => RowAction::Keep,
            };
            let (reason, explanation) = match &t.rows {
                RowErasure::Keep {
                    reason,
                    explanation,
                } => (Some(*reason), Some(explanation.clone())),
                _ => (None, None),
            };
            let mut rows = Vec::with_capacity(found.rows.len());
            let mut seen = BTreeSet::new();
            for row in &found.rows {
                let key = row[key_at].clone();
                if key.is_null() {
                    return Err(PlanError::NullKey {
                        table: t.name.to_string(),
                        key: key_name.to_string(),
                    });
                }
                if !seen.insert(key.to_string()) {
                    return Err(PlanError::DuplicateKey {
                        table: t.name.to_string(),
                        key: key_name.to_string(),
                        value: key.to_string(),
                    });
                }
                let mut changes = BTreeMap::new();
                if action == RowAction::Update {
                    for (c, v) in columns.iter().zip(row) {
                        let new = match &c.action {
                            ColumnAction::SetNull => Value::Null,
                            ColumnAction::Mask { mask } => match mask {
                                MaskSpec::Value(m) if !v.is_null() => m.clone(),
                                MaskSpec::Rule(r) => Mask::Rule(*r).apply(v),
                                MaskSpec::Value(_) => Value::Null,
                            },
                            _ => continue,
                        };
                        if &new != v {
                            changes.insert(c.column.clone(), new);
                        }
                    }
                }
                rows.push(PlannedRow {
                    key,
                    values: found.row_map(row),
                    changes,
                });
            }
            rows.sort_by_key(|r| r.key.to_string());
            tables.push(TablePlan {
                table: t.name.to_string(),
                label: t.label.clone(),
                key: key_name.to_string(),
                action,
                reason,
                explanation,
                columns,
                rows,
            });
        }
        let mut plan = ErasurePlan {
            store: manifest.name.clone(),
            subject: subject.clone(),
            manifest_digest: manifest.digest(),
            tables,
            digest: String::new(),
        };
        plan.digest = plan.compute_digest();
        Ok(plan)
    }

    /// SHA-256 (hex) of the plan without its digest field.
    pub fn compute_digest(&self) -> String {
        let json = serde_json::to_vec(&DigestInput {
            store: &self.store,
            subject: &self.subject,
            manifest_digest: &self.manifest_digest,
            tables: &self.tables,
        })
        .expect("a plan serialises");
        hex::encode(Sha256::digest(json))
    }

    /// The counts the plan expects, per table.
    pub fn counts(&self) -> Vec<TableCounts> {
        self.tables
            .iter()
            .map(|t| {
                let n = t.rows.len() as u64;
                let changed_rows = t.rows.iter().filter(|r| !r.changes.is_empty()).count() as u64;
                TableCounts {
                    table: t.table.clone(),
                    action: t.action,
                    rows_deleted: if t.action == RowAction::Delete { n } else { 0 },
                    rows_updated: if t.action == RowAction::Update {
                        changed_rows
                    } else {
                        0
                    },
                    rows_kept: if t.action == RowAction::Delete { 0 } else { n },
                    values_changed: t.rows.iter().map(|r| r.changes.len() as u64).sum(),
                }
            })
            .collect()
    }

    /// Whether the plan changes nothing (no rows were found, or every row is kept).
    pub fn is_empty(&self) -> bool {
        self.counts()
            .iter()
            .all(|c| c.rows_deleted == 0 && c.rows_updated == 0)
    }

    /// How `other` (a plan made later for the same subject) differs from this one, table by
    /// table, in words: for the error that stops an erasure whose data changed.
    pub fn differences(&self, other: &ErasurePlan) -> Vec<String> {
        let mut out = Vec::new();
        if self.manifest_digest != other.manifest_digest {
            out.push("the manifest changed".to_string());
        }
        if self.subject != other.subject {
            out.push("the subject's identifiers differ".to_string());
        }
        let names: BTreeSet<&str> = self
            .tables
            .iter()
            .chain(&other.tables)
            .map(|t| t.table.as_str())
            .collect();
        for name in names {
            let a = self.tables.iter().find(|t| t.table == name);
            let b = other.tables.iter().find(|t| t.table == name);
            match (a, b) {
                (Some(a), Some(b)) if a != b => {
                    if a.rows.len() != b.rows.len() {
                        out.push(format!(
                            "{name}: {} rows approved, {} rows now",
                            a.rows.len(),
                            b.rows.len()
                        ));
                    } else {
                        out.push(format!("{name}: the rows' values changed"));
                    }
                }
                (Some(_), None) | (None, Some(_)) => {
                    out.push(format!("{name}: table added or removed"))
                }
                _ => {}
            }
        }
        if out.is_empty() && self.digest != other.digest {
            out.push("the plan's digest differs".to_string());
        }
        out
    }
}
