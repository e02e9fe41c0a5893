//! The consent ledger in storage (CON-1 to CON-7, SEC-3, SEC-4; `docs/consent.md`):
//! append-only `consent_events` keyed by the pseudonymous subject key, and `consent_notices`,
//! each text stored once by its SHA-256.
//!
//! Architecture invariants:
//! - events are appended, never changed: this module has no UPDATE or DELETE on
//!   `consent_events`, and nothing else in the crate touches the table;
//! - a batch is validated against the stored history inside its own write transaction (which
//!   holds the audit chain's head, so no other write can slip in between) and is written
//!   whole or not at all;
//! - a batch gets ONE audit entry (`consent.record`), not one per event. The ledger must take
//!   in tens of thousands of events a second, and each audit entry is a SHA-256 link in a
//!   serial chain; one entry naming the count, the event ids and the subject keys still lets
//!   the chain prove what was written, when and by whom. Identifiers never reach the audit
//!   log: only keys.

use crate::audit::WriteTx;
use crate::db::{QueryBuilder, Val};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use grondslag_domain::consent::{
    validate_batch, ConsentEvent, Effect, LedgerEntry, MemoryLedger, Notice, NoticeHash, Scope,
    SubjectKey,
};
use grondslag_domain::vocab::Term;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// How many keys one `WHERE subject_key IN (...)` names: well under SQLite's 999 parameters.
const KEYS_PER_QUERY: usize = 500;

/// An event as stored: the domain's event with the ledger's id and the time it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// A UUID; receipts and decisions name events by it.
    pub id: String,
    /// The order of recording: ties in time keep it.
    pub seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub event: ConsentEvent,
}

impl LedgerEntry for StoredEvent {
    fn at(&self) -> DateTime<Utc> {
        self.event.at
    }
    fn scope(&self) -> Scope<'_> {
        self.event.scope()
    }
    fn effect(&self) -> Effect {
        self.event.effect()
    }
}

const COLUMNS: &str =
    "seq, id, subject_key, activity_id, purpose, type, consent_kind, notice_hash, \
     method, witness, details, at, recorded_by_kind, recorded_by, evidence, recorded_at";

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    id: String,
    subject_key: String,
    activity_id: Option<String>,
    purpose: Option<String>,
    #[sqlx(rename = "type")]
    kind: String,
    consent_kind: Option<String>,
    notice_hash: Option<String>,
    method: Option<String>,
    witness: Option<String>,
    details: Option<String>,
    at: DateTime<Utc>,
    recorded_by_kind: String,
    recorded_by: String,
    evidence: String,
    recorded_at: DateTime<Utc>,
}

fn unreadable(what: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(format!("a stored consent event does not read back: {what}"))
}

impl TryFrom<Row> for StoredEvent {
    type Error = StoreError;

    /// Rebuilds the event's JSON from its columns and lets the domain's serde read it, so
    /// the stored form and the API's form cannot drift apart.
    fn try_from(r: Row) -> Result<StoredEvent> {
        let mut doc: Map<String, Value> = match r.details.as_deref() {
            Some(d) => serde_json::from_str(d).map_err(unreadable)?,
            None => Map::new(),
        };
        doc.insert("subject".into(), json!(r.subject_key));
        if let Some(a) = r.activity_id {
            doc.insert("activity".into(), json!(a));
        }
        if let Some(p) = r.purpose {
            doc.insert("purpose".into(), json!(p));
        }
        doc.insert("type".into(), json!(r.kind));
        if let Some(k) = r.consent_kind {
            doc.insert("explicit".into(), json!(k == "explicit"));
        }
        if let Some(h) = r.notice_hash {
            doc.insert("notice".into(), json!(h));
        }
        if let Some(m) = r.method {
            doc.insert("method".into(), json!(m));
        }
        if let Some(w) = r.witness {
            doc.insert("witness".into(), json!(w));
        }
        doc.insert("at".into(), json!(r.at));
        doc.insert(
            "recorded_by".into(),
            json!({"kind": r.recorded_by_kind, "name": r.recorded_by}),
        );
        doc.insert("evidence".into(), json!(r.evidence));
        let event: ConsentEvent = serde_json::from_value(Value::Object(doc)).map_err(unreadable)?;
        Ok(StoredEvent {
            id: r.id,
            seq: r.seq,
            recorded_at: r.recorded_at,
            event,
        })
    }
}

/// The columns of one new event, in [`COLUMNS`] order without `seq`.
fn columns_of(id: &str, e: &ConsentEvent, recorded_at: DateTime<Utc>) -> Vec<Val> {
    let mut doc = match serde_json::to_value(e).expect("an event serialises") {
        Value::Object(m) => m,
        _ => unreachable!("an event is a JSON object"),
    };
    // What has a column of its own leaves the details.
    for k in [
        "subject",
        "activity",
        "purpose",
        "type",
        "explicit",
        "notice",
        "method",
        "witness",
        "at",
        "recorded_by",
        "evidence",
    ] {
        doc.remove(k);
    }
    let details = (!doc.is_empty()).then(|| Value::Object(doc).to_string());
    let consent = e.consent();
    vec![
        id.into(),
        e.subject.to_hex().into(),
        e.activity.clone().into(),
        e.purpose.map(|p| p.machine_name().to_string()).into(),
        e.event_type().machine_name().into(),
        consent
            .map(|d| if d.explicit { "explicit" } else { "ordinary" }.to_string())
            .into(),
        consent.map(|d| d.notice.to_hex()).into(),
        consent.map(|d| d.method.machine_name().to_string()).into(),
        consent.and_then(|d| d.witness.clone()).into(),
        details.into(),
        // Both databases keep microseconds; so does SQLite here, so they answer alike.
        e.at.duration_trunc(TimeDelta::microseconds(1))
            .expect("microseconds truncate")
            .into(),
        e.recorded_by.kind.machine_name().into(),
        e.recorded_by.name.clone().into(),
        e.evidence.clone().into(),
        recorded_at.into(),
    ]
}

/// Sorts a subject's events by time, ties in the order recorded: what `decide` needs.
fn in_time_order(mut events: Vec<StoredEvent>) -> Vec<StoredEvent> {
    events.sort_by_key(|e| (e.event.at, e.seq));
    events
}

/// What a recorded batch wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBatch {
    /// The new events' ids, in the order of the batch.
    pub ids: Vec<String>,
    /// The notices that were new (the others were stored before).
    pub new_notices: usize,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    hash: String,
    id: String,
    version: String,
    language: String,
    text: String,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

#[derive(sqlx::FromRow)]
struct HashRow {
    hash: String,
}

async fn rows_of_keys(tx: &mut crate::db::Tx, keys: &[SubjectKey]) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let q = keys_query(chunk);
        out.extend(tx.fetch_all::<Row>(q.sql(), q.vals()).await?);
    }
    Ok(out)
}

fn keys_query(keys: &[SubjectKey]) -> QueryBuilder {
    let mut q = QueryBuilder::new(&format!(
        "SELECT {COLUMNS} FROM consent_events WHERE subject_key IN ("
    ));
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(k.to_hex());
    }
    q.push(") ORDER BY seq");
    q
}

fn group(rows: Vec<Row>) -> Result<HashMap<SubjectKey, Vec<StoredEvent>>> {
    let mut by_key: HashMap<SubjectKey, Vec<StoredEvent>> = HashMap::new();
    for r in rows {
        let e = StoredEvent::try_from(r)?;
        by_key.entry(e.event.subject).or_default().push(e);
    }
    Ok(by_key
        .into_iter()
        .map(|(k, v)| (k, in_time_order(v)))
        .collect())
}

/// Fills the domain's [`MemoryLedger`] (its `LedgerView`) with what validating `events`
/// needs: the stored history of their subjects, the activities they name that exist in the
/// register, and the notices they point to that are stored. Read inside the write
/// transaction, so the history cannot change before the batch is written.
async fn ledger_view(w: &mut WriteTx, events: &[ConsentEvent]) -> Result<MemoryLedger> {
    let mut ledger = MemoryLedger::default();
    let keys: Vec<SubjectKey> = events
        .iter()
        .map(|e| e.subject)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for (k, v) in group(rows_of_keys(&mut w.tx, &keys).await?)? {
        ledger
            .events
            .insert(k, v.into_iter().map(|s| s.event).collect());
    }
    let activities: Vec<String> = events
        .iter()
        .filter_map(|e| e.activity.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in activities.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::new("SELECT id FROM activities WHERE id IN (");
        for (i, a) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(a.as_str());
        }
        q.push(")");
        for r in w.tx.fetch_all::<IdRow>(q.sql(), q.vals()).await? {
            ledger.activities.insert(r.id);
        }
    }
    let notices: Vec<NoticeHash> = events
        .iter()
        .filter_map(|e| e.consent().map(|d| d.notice))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in notices.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::new("SELECT hash FROM consent_notices WHERE hash IN (");
        for (i, h) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(h.to_hex());
        }
        q.push(")");
        for r in w.tx.fetch_all::<HashRow>(q.sql(), q.vals()).await? {
            if let Some(h) = NoticeHash::from_hex(&r.hash) {
                ledger.notices.insert(h);
            }
        }
    }
    Ok(ledger)
}

impl Store {
    /// Appends a batch of events, with the notices they point to, on behalf of `actor`: all
    /// of it or, when any item is invalid against the stored history, the register or the
    /// time of the write, nothing ([`StoreError::Invalid`] with a path per item, such as
    /// `items[3].at`). Times are kept to the microsecond. Notices already stored are left as they are. One audit entry covers
    /// the batch (see the module documentation).
    pub async fn record_consent_events(
        &self,
        actor: &str,
        notices: &[Notice],
        events: &[ConsentEvent],
    ) -> Result<RecordedBatch> {
        let mut notice_errors = grondslag_domain::ValidationErrors::new();
        for (i, n) in notices.iter().enumerate() {
            for err in n.validate() {
                notice_errors.add(format!("notices[{i}].{}", err.path), err.code, err.message);
            }
        }
        if !notice_errors.is_empty() {
            return Err(StoreError::Invalid(notice_errors));
        }
        let mut w = self.begin_write(actor).await?;
        let batch = append_consent_events(&mut w, notices, events).await?;
        w.commit().await?;
        Ok(batch)
    }

    /// Every event of one subject, in time order (ties in the order recorded).
    pub async fn consent_events_of(&self, subject: &SubjectKey) -> Result<Vec<StoredEvent>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM consent_events WHERE subject_key = $1 ORDER BY seq"
                ),
                &[subject.to_hex().into()],
            )
            .await?;
        let events = rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<StoredEvent>>>()?;
        Ok(in_time_order(events))
    }

    /// The events of many subjects at once, a few hundred keys a query, for batch decisions
    /// and audiences. Subjects without events are absent from the map.
    pub async fn consent_events_of_many(
        &self,
        subjects: &[SubjectKey],
    ) -> Result<HashMap<SubjectKey, Vec<StoredEvent>>> {
        let mut rows = Vec::new();
        for chunk in subjects.chunks(KEYS_PER_QUERY) {
            let q = keys_query(chunk);
            rows.extend(self.pool.fetch_all::<Row>(q.sql(), q.vals()).await?);
        }
        group(rows)
    }

    /// One event by its id.
    pub async fn consent_event(&self, id: &str) -> Result<StoredEvent> {
        let row: Option<Row> = self
            .pool
            .fetch_optional(
                &format!("SELECT {COLUMNS} FROM consent_events WHERE id = $1"),
                &[id.into()],
            )
            .await?;
        row.ok_or_else(|| StoreError::NotFound(format!("consent event {id}")))?
            .try_into()
    }

    /// A stored notice by the hash of its text.
    pub async fn consent_notice(&self, hash: &NoticeHash) -> Result<Notice> {
        let row: Option<NoticeRow> = self
            .pool
            .fetch_optional(
                "SELECT hash, id, version, language, text FROM consent_notices WHERE hash = $1",
                &[hash.to_hex().into()],
            )
            .await?;
        let r = row.ok_or_else(|| StoreError::NotFound(format!("consent notice {hash}")))?;
        debug_assert_eq!(r.hash, hash.to_hex());
        Ok(Notice {
            id: r.id,
            version: r.version,
            language: r.language,
            text: r.text,
        })
    }
}

/// Appends a batch of consent events, validated against the stored history, within a write
/// that is already open: for callers that change something else in the same transaction
/// (a request's restriction, DSR-4). One audit entry covers the batch.
pub(crate) async fn append_consent_events(
    w: &mut WriteTx,
    notices: &[Notice],
    events: &[ConsentEvent],
) -> Result<RecordedBatch> {
    let now = w.at();
    let mut new_notices = Vec::new();
    for n in notices {
        let hash = n.hash().to_hex();
        let known: Option<HashRow> =
            w.tx.fetch_optional(
                "SELECT hash FROM consent_notices WHERE hash = $1",
                &[hash.as_str().into()],
            )
            .await?;
        if known.is_some() || new_notices.contains(&hash) {
            continue;
        }
        w.tx.execute(
            "INSERT INTO consent_notices (hash, id, version, language, text, stored_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                hash.as_str().into(),
                n.id.as_str().into(),
                n.version.as_str().into(),
                n.language.as_str().into(),
                n.text.as_str().into(),
                now.into(),
            ],
        )
        .await?;
        new_notices.push(hash);
    }
    let ledger = ledger_view(w, events).await?;
    validate_batch(&ledger, events, now).map_err(StoreError::Invalid)?;

    let ids: Vec<String> = events
        .iter()
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let rows: Vec<Vec<Val>> = events
        .iter()
        .zip(&ids)
        .map(|(e, id)| columns_of(id, e, now))
        .collect();
    let columns: Vec<&str> = COLUMNS.split(", ").skip(1).collect();
    w.tx.insert_many("consent_events", &columns, rows).await?;
    let batch_id = uuid::Uuid::new_v4().to_string();
    let after = json!({
        "count": events.len(),
        "events": events.iter().zip(&ids).map(|(e, id)| json!({
            "id": id,
            "subject": e.subject.to_hex(),
            "type": e.event_type().machine_name(),
        })).collect::<Vec<_>>(),
        "new_notices": new_notices,
    });
    w.record(
        "consent.record",
        "consent_batch",
        &batch_id,
        None,
        Some(after.to_string()),
    );
    Ok(RecordedBatch {
        ids,
        new_notices: new_notices.len(),
    })
}
