//! Data stores: the university's own databases that hold personal data, described by a
//! manifest (docs/datastores.md), and the pure side of fulfilling data-subject requests in
//! them (DSR-1, DSR-5; RU 4:2, 4:3, 4:6).
//!
//! - `manifest`: the YAML format, its two-stage check and the checked [`Manifest`], whose
//!   table and column names are plain SQL identifiers ([`Ident`]).
//! - `terms`: the vocabulary of manifests (identifier kinds, erasure actions, keep reasons,
//!   mask rules), mirrored in docs/glossary.md.
//! - `data`: the [`Subject`], the rows found ([`StoreData`]), the [`AccessReport`] and the
//!   [`PortabilityExport`].
//! - `plan`: the [`ErasurePlan`] a dry run shows and the FG approves, and the counts of an
//!   [`ErasureOutcome`].
//! - `schema`: a manifest against the live database ([`check_schema`]).
//!
//! Connecting, reading and erasing happen in the `grondslag-fulfilment` crate; this module
//! decides what to read and what to change, and never touches a database.

mod data;
mod manifest;
mod plan;
mod schema;
mod terms;

pub use data::{
    display_value, searches, AccessReport, ColumnData, PortabilityExport, Search, StoreData,
    Subject, TableData,
};
pub use manifest::{
    Column, ColumnDoc, ColumnErasure, Ident, Link, Manifest, ManifestDoc, Mask, ParentDoc,
    RowErasure, SubjectDoc, Table, TableDoc, FORMAT_VERSION,
};
pub use plan::{
    ColumnAction, ColumnPlan, ErasureOutcome, ErasurePlan, MaskSpec, PlanError, PlannedRow,
    RowAction, TableCounts, TablePlan,
};
pub use schema::{
    check_schema, ColumnKind, LiveColumn, LiveForeignKey, LiveSchema, LiveTable, SchemaReport,
};
pub use terms::{ErasureAction, IdentifierKind, KeepReason, MaskRule};

#[cfg(test)]
mod tests;
