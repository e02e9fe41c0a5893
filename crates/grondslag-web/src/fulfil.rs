//! Fulfilling a request in the university's own databases (DSR-1, DSR-5; RU 4:2, 4:3, 4:6):
//! collect the subject's rows from every configured data store, export what they provided,
//! and erase after a dry run that the FG approved. The UI and the API both go through here;
//! each step is on the request's timeline and in the audit log.

use grondslag_domain::datastore::{
    AccessReport, ErasureOutcome, ErasurePlan, IdentifierKind, PortabilityExport, Subject,
};
use grondslag_domain::requests::{Request, Right};
use grondslag_fulfilment::DataStore;
use grondslag_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// Why a fulfilment step could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum FulfilError {
    #[error("the requester's identity is not established: nothing is disclosed or changed before (RU 4:11 lid 2)")]
    IdentityFirst,
    #[error("the request is closed")]
    Closed,
    #[error("the request does not ask for erasure (right_to_erasure)")]
    NotErasure,
    #[error("no data stores are configured (serve --datastores DIR)")]
    NoStores,
    #[error("the request gives no e-mail address, telephone number or student or staff number to search by")]
    NoIdentifiers,
    #[error("make a dry run first; the FG approves what it showed")]
    NoDryRun,
    #[error("the data changed since the dry run that was approved; make a new dry run ({0})")]
    Changed(String),
    #[error("data store \"{store}\": {message}")]
    Store { store: String, message: String },
    #[error(transparent)]
    Db(#[from] StoreError),
}

/// What the timeline keeps of a dry run: per store, the digest the FG approves and the counts.
/// The plan itself holds the subject's data, so it is shown, not stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlannedStore {
    pub store: String,
    pub digest: String,
    pub tables: Vec<grondslag_domain::datastore::TableCounts>,
}

/// The identifiers a request gives, as the stores know them. A student or staff number is
/// tried as both.
pub fn subject_of(r: &Request) -> Subject {
    let mut s = Subject::new();
    if let Some(e) = &r.input.email {
        s.add(IdentifierKind::Email, e.trim().to_lowercase());
    }
    if let Some(p) = &r.input.phone {
        s.add(IdentifierKind::Phone, p);
    }
    if let Some(n) = &r.input.university_number {
        s.add(IdentifierKind::StudentNumber, n);
        s.add(IdentifierKind::StaffNumber, n);
    }
    s
}

fn ready(r: &Request, stores: &[DataStore]) -> Result<Subject, FulfilError> {
    if !r.state.identity_established() {
        return Err(FulfilError::IdentityFirst);
    }
    if !r.state.is_open() {
        return Err(FulfilError::Closed);
    }
    if stores.is_empty() {
        return Err(FulfilError::NoStores);
    }
    let subject = subject_of(r);
    if subject.is_empty() {
        return Err(FulfilError::NoIdentifiers);
    }
    Ok(subject)
}

fn store_error(store: &DataStore, e: impl std::fmt::Display) -> FulfilError {
    FulfilError::Store {
        store: store.name().to_string(),
        message: e.to_string(),
    }
}

/// Everything the stores hold about the requester (RU 4:2). Recorded as a step: who looked,
/// and how many rows each store gave.
pub async fn access(
    store: &Store,
    stores: &[DataStore],
    actor: &str,
    r: &Request,
) -> Result<AccessReport, FulfilError> {
    let subject = ready(r, stores)?;
    let mut found = Vec::new();
    for ds in stores {
        found.push(ds.collect(&subject).await.map_err(|e| store_error(ds, e))?);
    }
    let report = grondslag_fulfilment::access_report(&subject, found);
    let counts: Vec<serde_json::Value> = report
        .stores
        .iter()
        .map(|s| serde_json::json!({"store": s.store, "rows": s.row_count()}))
        .collect();
    store
        .record_request_step(
            actor,
            &r.id,
            "collect",
            serde_json::json!({ "stores": counts }),
        )
        .await?;
    Ok(report)
}

/// The data the requester provided, for portability (RU 4:6; DSR-5).
pub async fn portability(
    store: &Store,
    stores: &[DataStore],
    actor: &str,
    r: &Request,
) -> Result<PortabilityExport, FulfilError> {
    let report = access(store, stores, actor, r).await?;
    Ok(PortabilityExport::from_access(&report))
}

fn erasure_ready(r: &Request, stores: &[DataStore]) -> Result<Subject, FulfilError> {
    let subject = ready(r, stores)?;
    if !r.input.rights.contains(&Right::Erasure) {
        return Err(FulfilError::NotErasure);
    }
    Ok(subject)
}

/// The dry run: what erasure would delete, empty, mask and keep, per store. Writes nothing
/// in the stores; the timeline keeps the digests the FG then approves.
pub async fn plan_erasure(
    store: &Store,
    stores: &[DataStore],
    actor: &str,
    r: &Request,
) -> Result<Vec<ErasurePlan>, FulfilError> {
    let subject = erasure_ready(r, stores)?;
    let mut plans = Vec::new();
    for ds in stores {
        plans.push(
            ds.plan_erasure(&subject)
                .await
                .map_err(|e| store_error(ds, e))?,
        );
    }
    let planned: Vec<PlannedStore> = plans
        .iter()
        .map(|p| PlannedStore {
            store: p.store.clone(),
            digest: p.digest.clone(),
            tables: p.counts(),
        })
        .collect();
    store
        .record_request_step(
            actor,
            &r.id,
            "erasure_planned",
            serde_json::json!({ "stores": planned }),
        )
        .await?;
    Ok(plans)
}

/// Erases what the last dry run showed, after the FG's approval: the plan is made again and
/// must have the digests of that dry run, and each store then erases in one transaction of
/// its own (which checks the digest once more, with the rows locked).
pub async fn erase(
    store: &Store,
    stores: &[DataStore],
    actor: &str,
    r: &Request,
) -> Result<Vec<ErasureOutcome>, FulfilError> {
    let subject = erasure_ready(r, stores)?;
    let last = store
        .last_request_step(&r.id, "erasure_planned")
        .await?
        .ok_or(FulfilError::NoDryRun)?;
    let approved: Vec<PlannedStore> =
        serde_json::from_value(last["stores"].clone()).map_err(|_| FulfilError::NoDryRun)?;
    let mut plans = Vec::new();
    for ds in stores {
        let plan = ds
            .plan_erasure(&subject)
            .await
            .map_err(|e| store_error(ds, e))?;
        match approved.iter().find(|a| a.store == plan.store) {
            Some(a) if a.digest == plan.digest => plans.push((ds, plan)),
            Some(_) => return Err(FulfilError::Changed(plan.store)),
            None => {
                return Err(FulfilError::Changed(format!(
                    "{} was not in the dry run",
                    plan.store
                )))
            }
        }
    }
    let mut outcomes = Vec::new();
    let mut failure = None;
    for (ds, plan) in plans {
        match ds.erase(&plan).await {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                failure = Some(store_error(ds, e));
                break;
            }
        }
    }
    // What was erased is recorded even when a later store failed: those transactions are
    // committed and the office must know.
    store
        .record_request_step(
            actor,
            &r.id,
            "erasure_done",
            serde_json::json!({
                "stores": outcomes,
                "failed": failure.as_ref().map(ToString::to_string),
            }),
        )
        .await?;
    match failure {
        Some(f) => Err(f),
        None => Ok(outcomes),
    }
}
