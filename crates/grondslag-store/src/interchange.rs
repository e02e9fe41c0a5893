//! Export and import of the whole register as one document (REG-4). An import is one
//! transaction: it lands whole, with an audit entry per changed record, or not at all.

use crate::audit::{now, WriteTx};
use crate::register::{
    find_in_tx, insert_activities, save_version, set_organisation, to_json, upsert_processor,
    upsert_unit,
};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use grondslag_domain::interchange::{validate_document, RegisterDocument};
use grondslag_domain::register::{ActivityRecord, ActivityVersion, Organisation, Status};
use grondslag_domain::vocab::Term;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub units_written: usize,
    pub processors_written: usize,
    pub activities_created: usize,
    pub activities_updated: usize,
    pub activities_unchanged: usize,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    activity_id: String,
    version: i64,
    status: String,
    saved_at: DateTime<Utc>,
    saved_by: String,
    doc: String,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

/// From this many versions in a file, the import readies its transaction for bulk writing.
const BULK_FROM_VERSIONS: usize = 1_000;

/// The tables an import fills.
const WRITTEN_TABLES: &[&str] = &[
    "activities",
    "activity_versions",
    "activity_terms",
    "audit_log",
];

#[derive(sqlx::FromRow)]
struct Exists {
    present: bool,
}

/// Whether the register has no activity yet (nor, then, versions or terms).
async fn register_is_empty(w: &mut WriteTx) -> Result<bool> {
    let e: Exists =
        w.tx.fetch_one("SELECT EXISTS (SELECT 1 FROM activities) AS present", &[])
            .await?;
    Ok(!e.present)
}

fn decode_err(msg: String) -> StoreError {
    StoreError::Other(sqlx::Error::Decode(msg.into()))
}

impl Store {
    /// The whole register with every version, in the order records were created.
    pub async fn export(&self) -> Result<RegisterDocument> {
        let organisation = self.organisation().await?;
        let units = self.units().await?;
        let processors = self.processors().await?;
        let order: Vec<IdRow> = self
            .pool
            .fetch_all("SELECT id FROM activities ORDER BY seq", &[])
            .await?;
        let rows: Vec<VersionRow> = self
            .pool
            .fetch_all(
                "SELECT v.activity_id, v.version, v.status, v.saved_at, v.saved_by, v.doc \
                 FROM activity_versions v ORDER BY v.activity_id, v.version",
                &[],
            )
            .await?;
        let mut by_id: HashMap<String, Vec<ActivityVersion>> = HashMap::new();
        for r in rows {
            let status = Status::from_machine_name(&r.status)
                .ok_or_else(|| decode_err(format!("status {:?}", r.status)))?;
            let activity = serde_json::from_str(&r.doc)
                .map_err(|e| decode_err(format!("activity {}: {e}", r.activity_id)))?;
            by_id
                .entry(r.activity_id)
                .or_default()
                .push(ActivityVersion {
                    version: r.version as u32,
                    status,
                    saved_at: r.saved_at,
                    saved_by: r.saved_by,
                    activity,
                });
        }
        let mut activities = Vec::with_capacity(order.len());
        for IdRow { id } in order {
            let mut versions = by_id.remove(&id).unwrap_or_default();
            let current = versions
                .pop()
                .ok_or_else(|| decode_err(format!("activity {id} has no versions")))?;
            activities.push(ActivityRecord {
                id,
                status: current.status,
                version: current.version,
                saved_at: current.saved_at,
                saved_by: current.saved_by,
                activity: current.activity,
                history: versions,
            });
        }
        Ok(RegisterDocument::new(
            now(),
            organisation,
            units,
            processors,
            activities,
        ))
    }

    /// Brings a validated document into the database. New activities arrive with their
    /// history as it is in the file; an activity that exists already gets the file's content
    /// and status as a new version, unless nothing differs.
    pub async fn import(&self, actor: &str, doc: &RegisterDocument) -> Result<ImportReport> {
        // The caller parsed the document, but an import never trusts that it did.
        validate_document(doc)
            .into_result(())
            .map_err(StoreError::Invalid)?;
        let mut w = self.begin_write(actor).await?;
        let versions: usize = doc.activities.iter().map(|a| 1 + a.history.len()).sum();
        let bulk = versions >= BULK_FROM_VERSIONS;
        if bulk {
            w.begin_bulk().await?;
        }
        let written = async {
            let keys = if bulk && register_is_empty(&mut w).await? {
                // Not the key of `activities` on `units`: that would lock `units`, which the
                // import reads through the pool, until the commit.
                w.tx.set_aside_foreign_keys(&["activity_versions", "activity_terms"])
                    .await?
            } else {
                Vec::new()
            };
            let report = self.import_in(&mut w, doc).await?;
            w.tx.restore_foreign_keys(keys).await?;
            Ok(report)
        };
        let report = match written.await {
            Ok(report) => report,
            Err(e) => {
                // The transaction rolls back when `w` is dropped; the connection goes back to
                // the pool, so it gets its settings back first. Its own error would only
                // hide the first one.
                let _ = w.end_bulk().await;
                return Err(e);
            }
        };
        w.commit().await?;
        // A large import changes the data's shape: give the query planner fresh statistics,
        // as a database whose autovacuum is off would otherwise plan on empty tables.
        if report.activities_created > 100 {
            // The tables the import wrote: a large consent ledger is none of its business.
            for table in WRITTEN_TABLES {
                self.pool.execute(&format!("ANALYZE {table}"), &[]).await?;
            }
        }
        Ok(report)
    }

    /// The writes of [`Store::import`], in its transaction.
    async fn import_in(&self, w: &mut WriteTx, doc: &RegisterDocument) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let current_org = {
            let o = self.organisation().await?;
            // A file without organisation details leaves the stored ones alone.
            (doc.organisation != Organisation::default() && o != doc.organisation).then_some(o)
        };
        if let Some(before) = current_org {
            set_organisation(w, &doc.organisation).await?;
            w.record(
                "organisation.import",
                "organisation",
                "organisation",
                Some(to_json(&before)),
                Some(to_json(&doc.organisation)),
            );
        }
        let units: HashMap<String, _> = self
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        for u in &doc.units {
            let before = units.get(&u.id);
            if before != Some(u) {
                upsert_unit(w, u).await?;
                w.record(
                    "unit.import",
                    "unit",
                    &u.id,
                    before.map(to_json),
                    Some(to_json(u)),
                );
                report.units_written += 1;
            }
        }
        let processors: HashMap<String, _> = self
            .processors()
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        for p in &doc.processors {
            let before = processors.get(&p.id);
            if before != Some(p) {
                upsert_processor(w, p).await?;
                w.record(
                    "processor.import",
                    "processor",
                    &p.id,
                    before.map(to_json),
                    Some(to_json(p)),
                );
                report.processors_written += 1;
            }
        }
        let existing: HashSet<String> =
            w.tx.fetch_all::<IdRow>("SELECT id FROM activities", &[])
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect();
        let (old, new): (Vec<&ActivityRecord>, Vec<&ActivityRecord>) = doc
            .activities
            .iter()
            .partition(|a| existing.contains(&a.id));
        insert_activities(w, &new).await?;
        for a in &new {
            // The entry holds the current version; cloning the record would copy its history too.
            let summary = ActivityRecord {
                id: a.id.clone(),
                status: a.status,
                version: a.version,
                saved_at: a.saved_at,
                saved_by: a.saved_by.clone(),
                activity: a.activity.clone(),
                history: Vec::new(),
            };
            w.record(
                "activity.import",
                "activity",
                &a.id,
                None,
                Some(to_json(&summary)),
            );
        }
        report.activities_created = new.len();
        for a in old {
            let current = find_in_tx(w, &a.id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("activity {}", a.id)))?;
            if current.status == a.status && current.activity == a.activity {
                report.activities_unchanged += 1;
                continue;
            }
            // The register keeps what was once true: a retired activity stays as it was.
            if !current.status.is_editable() {
                return Err(StoreError::Conflict(format!(
                    "activity {} ({}) is retired and cannot be changed by an import",
                    a.id, current.activity.name
                )));
            }
            let next = save_version(w, &current, a.status, a.activity.clone()).await?;
            w.record(
                "activity.import",
                "activity",
                &a.id,
                Some(to_json(&current)),
                Some(to_json(&next)),
            );
            report.activities_updated += 1;
        }
        Ok(report)
    }
}
