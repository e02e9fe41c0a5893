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
use crate::db::{Pool, QueryBuilder, Val};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use grondslag_domain::consent::{
    validate_batch, ConsentEvent, Effect, EventType, LedgerEntry, MemoryLedger, Notice, NoticeHash,
    ObjectionKind, Scope, SubjectKey,
};
use grondslag_domain::vocab::{Purpose, Term};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// How many keys one `WHERE subject_key IN (...)` names: well under SQLite's 999 parameters.
const KEYS_PER_QUERY: usize = 500;
/// How many keys one read of decision rows names: they travel as one value (see
/// [`LEDGER_SQLITE`]), so the limit is only the size of the answer.
const LEDGER_KEYS_PER_QUERY: usize = 2000;

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

/// What a decision needs of a stored event, read from its typed columns: no JSON is parsed
/// and no evidence, notice or witness is read (`docs/consent.md`, "Performance"). The details
/// column is read only for `objection_withdrawn`, whose effect names the objection's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// The event's UUID, which a decision names among its deciding events.
    pub id: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub activity: Option<String>,
    pub purpose: Option<Purpose>,
    pub effect: Effect,
}

impl LedgerEntry for LedgerRow {
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
    fn scope(&self) -> Scope<'_> {
        match (&self.activity, self.purpose) {
            (Some(a), _) => Scope::Activity(a),
            (None, Some(p)) => Scope::Purpose(p),
            (None, None) => Scope::Subject,
        }
    }
    fn effect(&self) -> Effect {
        self.effect
    }
}

/// The decision rows of many subjects: each subject's rows in time order, ties in the order
/// recorded, as `decide` needs them. Two flat vectors rather than a map of vectors, so a
/// chunk of thousands of subjects costs two allocations.
#[derive(Debug, Default)]
pub struct Ledgers {
    keys: Vec<SubjectKey>,
    rows: Vec<LedgerRow>,
}

impl Ledgers {
    fn from_rows(mut rows: Vec<(SubjectKey, LedgerRow)>) -> Ledgers {
        let order = |r: &(SubjectKey, LedgerRow)| (r.0, r.1.at, r.1.seq);
        // Read with the keys sorted, the rows usually come in this order already.
        if !rows.is_sorted_by_key(order) {
            rows.sort_unstable_by_key(order);
        }
        let (keys, rows) = rows.into_iter().unzip();
        Ledgers { keys, rows }
    }

    /// The subject's rows; empty for a subject without events.
    pub fn of(&self, subject: &SubjectKey) -> &[LedgerRow] {
        let start = self.keys.partition_point(|k| k < subject);
        let end = start + self.keys[start..].partition_point(|k| k == subject);
        &self.rows[start..end]
    }
}

/// The decision rows of the subjects named in `$1`, packed into one text value: a record a
/// row, separated by U+001E, of fields separated by U+001F, the activity (free text) last.
/// sqlx hands a SQLite row from its worker thread to the async side one at a time, with an
/// allocation and a wake-up each, and that cost more than SQLite's own work; one value a query
/// avoids it on both databases. Every column comes from the index of migration 0011, so
/// SQLite never reads the table. The keys come as one value, so a query names thousands.
const LEDGER_SQLITE: &str = "SELECT string_agg(subject_key || char(31) || seq || char(31) || id \
     || char(31) || coalesce(purpose, '') || char(31) || type || char(31) \
     || coalesce(consent_kind, '') || char(31) || at || char(31) || coalesce(activity_id, ''), \
     char(30)) AS packed FROM consent_events WHERE subject_key IN (SELECT value FROM json_each($1))";
/// [`LEDGER_SQLITE`] on PostgreSQL: the time as RFC 3339 in UTC whatever the session's time
/// zone, and the keys as an array.
const LEDGER_POSTGRES: &str = "SELECT string_agg(subject_key || chr(31) || seq || chr(31) || id \
     || chr(31) || coalesce(purpose, '') || chr(31) || type || chr(31) \
     || coalesce(consent_kind, '') || chr(31) \
     || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || chr(31) \
     || coalesce(activity_id, ''), chr(30)) AS packed \
     FROM consent_events WHERE subject_key = ANY($1::text[])";

#[derive(sqlx::FromRow)]
struct PackedRow {
    packed: Option<String>,
}

/// One record of [`LEDGER_SQLITE`]: the subject's key (hex), the row, and whether its details
/// are needed.
fn unpack(record: &str) -> Result<(&str, LedgerRow, bool)> {
    let f: Vec<&str> = record.splitn(8, '\u{1f}').collect();
    let [key, seq, id, purpose, kind, consent_kind, at, activity] = f[..] else {
        return Err(unreadable(format!("a packed row has {} fields", f.len())));
    };
    let seq: i64 = seq
        .parse()
        .map_err(|_| unreadable(format!("seq: {seq:?}")))?;
    let purpose = match purpose {
        "" => None,
        p => Some(
            Purpose::from_machine_name(p)
                .ok_or_else(|| unreadable(format!("purpose: unknown {p:?}")))?,
        ),
    };
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|e| unreadable(format!("at: {at:?}: {e}")))?
        .with_timezone(&Utc);
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let withdrawn = kind == "objection_withdrawn";
    // The kind of a withdrawn objection is in `details`, read afterwards.
    let effect = if withdrawn {
        Effect::ObjectionWithdrawn(ObjectionKind::Objection)
    } else {
        effect_of(kind, some(consent_kind).as_deref(), None)?
    };
    let row = LedgerRow {
        id: id.to_string(),
        seq,
        at,
        activity: some(activity),
        purpose,
        effect,
    };
    Ok((key, row, withdrawn))
}

#[derive(sqlx::FromRow)]
struct DetailsRow {
    seq: i64,
    details: Option<String>,
}

/// The own fields of `objection_withdrawn` in `details`.
#[derive(serde::Deserialize)]
struct WithdrawnObjection {
    objection: ObjectionKind,
}

/// An event's effect from its columns, exactly as [`ConsentEvent::effect`] gives it (a test
/// below checks every type). `details` is needed for `objection_withdrawn` only.
fn effect_of(kind: &str, consent_kind: Option<&str>, details: Option<&str>) -> Result<Effect> {
    let t = EventType::from_machine_name(kind)
        .ok_or_else(|| unreadable(format!("type: unknown event type {kind:?}")))?;
    let explicit = consent_kind == Some("explicit");
    Ok(match t {
        EventType::ConsentGiven => Effect::Consent {
            explicit,
            renewed: false,
        },
        EventType::ConsentRenewed => Effect::Consent {
            explicit,
            renewed: true,
        },
        EventType::ConsentWithdrawn => Effect::Withdrawal,
        EventType::DirectMarketingObjection => Effect::Objection(ObjectionKind::DirectMarketing),
        EventType::RetargetingObjection => Effect::Objection(ObjectionKind::Retargeting),
        EventType::GpcSignal => Effect::Objection(ObjectionKind::Gpc),
        EventType::Objection => Effect::Objection(ObjectionKind::Objection),
        EventType::ObjectionUpheld => Effect::ObjectionUpheld,
        EventType::ObjectionRejected => Effect::ObjectionRejected,
        EventType::ObjectionWithdrawn => {
            let d: WithdrawnObjection = serde_json::from_str(details.unwrap_or("{}"))
                .map_err(|e| unreadable(format!("details.objection: {e}")))?;
            Effect::ObjectionWithdrawn(d.objection)
        }
        EventType::RestrictionSet => Effect::RestrictionSet,
        EventType::RestrictionLifted => Effect::RestrictionLifted,
    })
}

impl Store {
    /// The decision rows of one subject, in time order (ties in the order recorded).
    pub async fn consent_ledger_of(&self, subject: &SubjectKey) -> Result<Vec<LedgerRow>> {
        let rows = self.ledger_rows(std::slice::from_ref(subject)).await?;
        Ok(Ledgers::from_rows(rows).rows)
    }

    /// The decision rows of many subjects, a few thousand keys a query: what batch decisions
    /// and audiences read.
    pub async fn consent_ledgers(&self, subjects: &[SubjectKey]) -> Result<Ledgers> {
        let mut rows = Vec::new();
        for chunk in subjects.chunks(LEDGER_KEYS_PER_QUERY) {
            rows.extend(self.ledger_rows(chunk).await?);
        }
        Ok(Ledgers::from_rows(rows))
    }

    async fn ledger_rows(&self, keys: &[SubjectKey]) -> Result<Vec<(SubjectKey, LedgerRow)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // Sorted, SQLite reads the index in order and the rows need no sorting afterwards.
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        let hex: Vec<String> = keys.iter().map(SubjectKey::to_hex).collect();
        let (sql, list) = match self.pool {
            Pool::Sqlite(_) => (LEDGER_SQLITE, format!("[\"{}\"]", hex.join("\",\""))),
            Pool::Postgres(_) => (LEDGER_POSTGRES, format!("{{{}}}", hex.join(","))),
        };
        let packed: PackedRow = self.pool.fetch_one(sql, &[list.into()]).await?;
        let Some(packed) = packed.packed else {
            return Ok(Vec::new());
        };
        let mut rows = Vec::new();
        let mut withdrawn: Vec<usize> = Vec::new();
        let mut last: Option<(&str, SubjectKey)> = None;
        for record in packed.split('\u{1e}') {
            let (hex, row, details) = unpack(record)?;
            // A subject's rows come together: its key is decoded once.
            let subject = match last {
                Some((h, k)) if h == hex => k,
                _ => {
                    let k = SubjectKey::from_hex(hex)
                        .ok_or_else(|| unreadable("subject_key: not 64 hex digits"))?;
                    last = Some((hex, k));
                    k
                }
            };
            if details {
                withdrawn.push(rows.len());
            }
            rows.push((subject, row));
        }
        // Withdrawn objections are rare: their kind is read from `details` in one more query.
        for chunk in withdrawn.chunks(KEYS_PER_QUERY) {
            let mut q = QueryBuilder::new("SELECT seq, details FROM consent_events WHERE seq IN (");
            for (i, at) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(rows[*at].1.seq);
            }
            q.push(")");
            let details: HashMap<i64, Option<String>> = self
                .pool
                .fetch_all::<DetailsRow>(q.sql(), q.vals())
                .await?
                .into_iter()
                .map(|r| (r.seq, r.details))
                .collect();
            for at in chunk {
                let row = &mut rows[*at].1;
                let d = details.get(&row.seq).and_then(Option::as_deref);
                row.effect = effect_of("objection_withdrawn", None, d)?;
            }
        }
        Ok(rows)
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

/// From this many events a batch is written with [`crate::db::Tx::begin_bulk_write`].
const BULK_EVENTS: usize = 1000;

/// Validates `events` against the stored history and inserts them; returns their new ids.
async fn insert_valid(
    w: &mut WriteTx,
    events: &[ConsentEvent],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
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
    Ok(ids)
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
    // A large batch lands at thousands of random places in the indexes of a large table. With
    // SQLite's default page cache of 2 MB their inner pages were read again for nearly every
    // row, and the load slowed as the ledger grew; a larger cache for this transaction keeps
    // them. The setting is restored whether the batch is valid or not.
    let bulk = if events.len() >= BULK_EVENTS {
        Some(w.tx.begin_bulk_write().await?)
    } else {
        None
    };
    let written = insert_valid(w, events, now).await;
    if let Some(bulk) = bulk {
        w.tx.end_bulk_write(bulk).await?;
    }
    let ids = written?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use grondslag_domain::consent::{ConsentDetails, EventKind, RecordedBy};
    use grondslag_domain::vocab::ConsentMethod;

    fn text(v: &Val) -> Option<&str> {
        match v {
            Val::Text(s) => Some(s),
            Val::OptText(s) => s.as_deref(),
            _ => None,
        }
    }

    /// The typed columns give every event type the effect the domain gives the event itself.
    #[test]
    fn effect_from_columns_matches_the_domain() {
        let details = |explicit| ConsentDetails {
            notice: NoticeHash::from_hex(&"ab".repeat(32)).unwrap(),
            method: ConsentMethod::WebForm,
            explicit,
            witness: None,
        };
        let mut kinds = vec![
            EventKind::ConsentGiven(details(true)),
            EventKind::ConsentGiven(details(false)),
            EventKind::ConsentRenewed(details(true)),
            EventKind::ConsentRenewed(details(false)),
            EventKind::ConsentWithdrawn,
            EventKind::DirectMarketingObjection,
            EventKind::RetargetingObjection,
            EventKind::GpcSignal,
            EventKind::Objection {
                grounds: "g".into(),
            },
            EventKind::ObjectionUpheld {
                reasons: "r".into(),
            },
            EventKind::ObjectionRejected {
                reasons: "r".into(),
            },
            EventKind::RestrictionSet {
                grounds: "g".into(),
            },
            EventKind::RestrictionLifted,
        ];
        for k in ObjectionKind::all() {
            kinds.push(EventKind::ObjectionWithdrawn { objection: *k });
        }
        for kind in kinds {
            let e = ConsentEvent {
                subject: SubjectKey::from_hex(&"cd".repeat(32)).unwrap(),
                activity: Some("a".into()),
                purpose: None,
                at: Utc::now(),
                recorded_by: RecordedBy::system("website"),
                evidence: "e".into(),
                kind,
            };
            let cols = columns_of("id", &e, Utc::now());
            // [id, subject_key, activity_id, purpose, type, consent_kind, notice_hash, method,
            //  witness, details, ...]
            let effect =
                effect_of(text(&cols[4]).unwrap(), text(&cols[5]), text(&cols[9])).unwrap();
            assert_eq!(effect, e.effect(), "{:?}", e.kind);
        }
    }
}
