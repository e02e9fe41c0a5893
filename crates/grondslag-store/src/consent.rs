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
use crate::consent_index::{ConsentIndex, KeyHash};
use crate::db::{QueryBuilder, Reader, Val};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use grondslag_domain::consent::{
    validate_batch, ActivityConsentNeeds, ConsentEvent, Effect, EventKind, EventType, LedgerEntry,
    MemoryLedger, Notice, NoticeHash, ObjectionKind, Scope, SubjectKey,
};
use grondslag_domain::vocab::{Purpose, Term};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock, PoisonError};
use uuid::Uuid;

/// How many keys one `WHERE subject_key IN (...)` names: well under SQLite's 999 parameters.
const KEYS_PER_QUERY: usize = 500;
/// How many keys one read of decision rows names: they travel as one value (see
/// [`ledger_query`]), so the limit is only the size of the answer.
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

/// An activity's id, interned for the life of the process: the register has a few hundred
/// activities and the consent index millions of events naming them, so each event holds a
/// thin pointer (to a leaked `String`) instead of a string. Only ids read back from stored
/// events are interned, and those name activities of the register, so the set stays as small
/// as the register.
#[derive(Clone, Copy)]
pub struct ActivityName(&'static String);

impl ActivityName {
    pub fn intern(id: &str) -> ActivityName {
        static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static String>>> = OnceLock::new();
        let mut names = NAMES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(name) = names.get(id) {
            return ActivityName(name);
        }
        let name: &'static String = Box::leak(Box::new(id.to_string()));
        names.insert(name, name);
        ActivityName(name)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl PartialEq for ActivityName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ActivityName {}

impl std::fmt::Debug for ActivityName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// What a decision needs of a stored event, read from its typed columns: no JSON is parsed
/// and no evidence, notice or witness is read (`docs/consent.md`, "Performance"). The details
/// column is read only for `objection_withdrawn`, whose effect names the objection's kind.
/// 40 bytes, copied freely: the consent index holds one per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerRow {
    /// The event's id, which a decision names among its deciding events.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub activity: Option<ActivityName>,
    pub purpose: Option<Purpose>,
    pub effect: Effect,
}

impl LedgerEntry for LedgerRow {
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
    fn scope(&self) -> Scope<'_> {
        match (&self.activity, self.purpose) {
            (Some(a), _) => Scope::Activity(a.as_str()),
            (None, Some(p)) => Scope::Purpose(p),
            (None, None) => Scope::Subject,
        }
    }
    fn effect(&self) -> Effect {
        self.effect
    }
}

/// A row as read, with its subject and its place in the order of recording.
pub(crate) struct KeyedRow {
    pub(crate) subject: SubjectKey,
    pub(crate) seq: i64,
    pub(crate) row: LedgerRow,
}

/// The decision rows of many subjects: each subject's rows in time order, ties in the order
/// recorded, as `decide` needs them. One flat vector and a span a subject, so a chunk of
/// thousands of subjects costs a few allocations and finding a subject one hash.
#[derive(Debug, Default)]
pub struct Ledgers {
    rows: Vec<LedgerRow>,
    spans: HashMap<SubjectKey, (u32, u32), KeyHash>,
}

impl Ledgers {
    fn from_rows(mut rows: Vec<KeyedRow>) -> Ledgers {
        let order = |r: &KeyedRow| (r.subject, r.row.at, r.seq);
        // Read with the keys sorted, the rows usually come in this order already.
        if !rows.is_sorted_by_key(order) {
            rows.sort_unstable_by_key(order);
        }
        let mut out = Ledgers::default();
        for group in rows.chunk_by(|a, b| a.subject == b.subject) {
            let start = out.rows.len() as u32;
            out.rows.extend(group.iter().map(|r| r.row));
            out.spans
                .insert(group[0].subject, (start, group.len() as u32));
        }
        out
    }

    pub(crate) fn has(&self, subject: &SubjectKey) -> bool {
        self.spans.contains_key(subject)
    }

    /// Adds one subject's rows.
    pub(crate) fn push(&mut self, subject: SubjectKey, rows: &[LedgerRow]) {
        let start = self.rows.len() as u32;
        self.rows.extend_from_slice(rows);
        self.spans.insert(subject, (start, rows.len() as u32));
    }

    /// The subject's rows; empty for a subject without events.
    pub fn of(&self, subject: &SubjectKey) -> &[LedgerRow] {
        match self.spans.get(subject) {
            Some(&(start, len)) => &self.rows[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    /// Every subject with its rows.
    fn subjects(&self) -> impl Iterator<Item = (SubjectKey, &[LedgerRow])> {
        self.spans.keys().map(|k| (*k, self.of(k)))
    }

    fn into_rows(self) -> Vec<LedgerRow> {
        self.rows
    }
}

/// The fields of a packed record, before the activity: the subject's key (hex), seq, id,
/// purpose, type, consent kind, at.
const PACKED_SQLITE: &str = "subject_key || char(31) || seq || char(31) || id || char(31) \
     || coalesce(purpose, '') || char(31) || type || char(31) || coalesce(consent_kind, '') \
     || char(31) || at || char(31)";
/// [`PACKED_SQLITE`] on PostgreSQL: the time as RFC 3339 in UTC whatever the session's time
/// zone.
const PACKED_POSTGRES: &str = "subject_key || chr(31) || seq || chr(31) || id || chr(31) \
     || coalesce(purpose, '') || chr(31) || type || chr(31) || coalesce(consent_kind, '') \
     || chr(31) || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || chr(31)";

/// The decision rows of the subjects named in `$1`, packed into one text value: a record a
/// row, separated by U+001E, of fields separated by U+001F, the activity (free text) last.
/// sqlx hands a SQLite row from its worker thread to the async side one at a time, with an
/// allocation and a wake-up each, and that cost more than SQLite's own work; one value a query
/// avoids it on both databases. The rows are found with the index on the subject (SQLite:
/// on the key's first 16 hex digits, migration 0015; PostgreSQL: a hash index, 0014); the
/// columns come from the table. The keys come as one value (a JSON array on SQLite, a text
/// array on PostgreSQL), so a query names thousands.
fn ledger_query(sqlite: bool) -> String {
    if sqlite {
        format!(
            "SELECT string_agg({PACKED_SQLITE} || coalesce(activity_id, ''), char(30)) AS packed \
             FROM consent_events \
             WHERE substr(subject_key, 1, 16) IN (SELECT substr(value, 1, 16) FROM json_each($1)) \
             AND subject_key IN (SELECT value FROM json_each($1))"
        )
    } else {
        format!(
            "SELECT string_agg({PACKED_POSTGRES} || coalesce(activity_id, ''), chr(30)) AS packed \
             FROM consent_events WHERE subject_key = ANY($1::text[])"
        )
    }
}

/// The events recorded after seq `$1`, at most `$2`, packed as in [`ledger_query`] with the
/// details of `objection_withdrawn` before the activity (JSON never holds the separators
/// unescaped): what the consent index reads as it loads and catches up, in the order
/// recorded, along the table's primary key.
fn recorded_after_query(sqlite: bool) -> String {
    let (packed, sep) = if sqlite {
        (PACKED_SQLITE, "char(30)")
    } else {
        (PACKED_POSTGRES, "chr(30)")
    };
    format!(
        "SELECT string_agg({packed} \
         || coalesce(CASE WHEN type = 'objection_withdrawn' THEN details END, '') || {sep_f} \
         || coalesce(activity_id, ''), {sep}) AS packed \
         FROM (SELECT seq, id, subject_key, activity_id, purpose, type, consent_kind, at, details \
         FROM consent_events WHERE seq > $1 ORDER BY seq LIMIT $2) AS recent",
        sep_f = if sqlite { "char(31)" } else { "chr(31)" },
    )
}

#[derive(sqlx::FromRow)]
struct PackedRow {
    packed: Option<String>,
}

/// One packed record: the subject's key (hex) and the row. `with_details`: the record holds
/// the details of `objection_withdrawn` before the activity. Without them, the effect of
/// `objection_withdrawn` is a placeholder the caller completes (`needs_details`).
fn unpack(record: &str, with_details: bool) -> Result<(&str, i64, LedgerRow, bool)> {
    let n = if with_details { 9 } else { 8 };
    let f: Vec<&str> = record.splitn(n, '\u{1f}').collect();
    if f.len() != n {
        return Err(unreadable(format!("a packed row has {} fields", f.len())));
    }
    let [key, seq, id, purpose, kind, consent_kind, at] = f[..7] else {
        unreachable!("the length is checked");
    };
    let (details, activity) = match with_details {
        true => (Some(f[7]), f[8]),
        false => (None, f[7]),
    };
    let seq: i64 = seq
        .parse()
        .map_err(|_| unreadable(format!("seq: {seq:?}")))?;
    let id = Uuid::parse_str(id).map_err(|e| unreadable(format!("id: {id:?}: {e}")))?;
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
    let withdrawn = kind == "objection_withdrawn";
    let consent_kind = (!consent_kind.is_empty()).then_some(consent_kind);
    let (effect, needs_details) = match (withdrawn, details) {
        (true, None) => (Effect::ObjectionWithdrawn(ObjectionKind::Objection), true),
        (_, details) => (
            effect_of(kind, consent_kind, details.filter(|d| !d.is_empty()))?,
            false,
        ),
    };
    let row = LedgerRow {
        id,
        at,
        activity: (!activity.is_empty()).then(|| ActivityName::intern(activity)),
        purpose,
        effect,
    };
    Ok((key, seq, row, needs_details))
}

/// Splits a packed value into rows, decoding each subject's key once per run of its rows.
fn unpack_all(packed: &str, with_details: bool) -> Result<(Vec<KeyedRow>, Vec<usize>)> {
    let mut rows = Vec::new();
    let mut withdrawn = Vec::new();
    let mut last: Option<(&str, SubjectKey)> = None;
    for record in packed.split('\u{1e}') {
        let (hex, seq, row, needs_details) = unpack(record, with_details)?;
        let subject = match last {
            Some((h, k)) if h == hex => k,
            _ => {
                let k = SubjectKey::from_hex(hex)
                    .ok_or_else(|| unreadable("subject_key: not 64 hex digits"))?;
                last = Some((hex, k));
                k
            }
        };
        if needs_details {
            withdrawn.push(rows.len());
        }
        rows.push(KeyedRow { subject, seq, row });
    }
    Ok((rows, withdrawn))
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

/// The decision rows of `keys`, read from the database, unsorted.
async fn ledger_rows(reader: &mut Reader<'_>, keys: &[SubjectKey]) -> Result<Vec<KeyedRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // Sorted, SQLite reads the index in order and the rows need no sorting afterwards.
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    let hex: Vec<String> = keys.iter().map(SubjectKey::to_hex).collect();
    let sqlite = reader.is_sqlite();
    let list = match sqlite {
        true => format!("[\"{}\"]", hex.join("\",\"")),
        false => format!("{{{}}}", hex.join(",")),
    };
    let packed: PackedRow = reader
        .fetch_one(&ledger_query(sqlite), &[list.into()])
        .await?;
    let Some(packed) = packed.packed else {
        return Ok(Vec::new());
    };
    let (mut rows, withdrawn) = unpack_all(&packed, false)?;
    // Withdrawn objections are rare: their kind is read from `details` in one more query.
    for chunk in withdrawn.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::new("SELECT seq, details FROM consent_events WHERE seq IN (");
        for (i, at) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(rows[*at].seq);
        }
        q.push(")");
        let details: HashMap<i64, Option<String>> = reader
            .fetch_all::<DetailsRow>(q.sql(), q.vals())
            .await?
            .into_iter()
            .map(|r| (r.seq, r.details))
            .collect();
        for at in chunk {
            let row = &mut rows[*at];
            let d = details.get(&row.seq).and_then(Option::as_deref);
            row.row.effect = effect_of("objection_withdrawn", None, d)?;
        }
    }
    Ok(rows)
}

/// The events recorded after `seq`, at most `limit`, in the order recorded.
pub(crate) async fn recorded_after(
    reader: &mut Reader<'_>,
    seq: i64,
    limit: i64,
) -> Result<Vec<KeyedRow>> {
    let sql = recorded_after_query(reader.is_sqlite());
    let packed: PackedRow = reader.fetch_one(&sql, &[seq.into(), limit.into()]).await?;
    let Some(packed) = packed.packed else {
        return Ok(Vec::new());
    };
    let (mut rows, withdrawn) = unpack_all(&packed, true)?;
    debug_assert!(withdrawn.is_empty());
    // string_agg over an ordered subquery keeps its order in practice; the index relies on
    // it for ties in time, so it is made sure of.
    if !rows.is_sorted_by_key(|r| r.seq) {
        rows.sort_unstable_by_key(|r| r.seq);
    }
    Ok(rows)
}

impl Store {
    /// What the activity needs of the ledger, from its current version; None when no
    /// activity has the id. Remembered until the database may have changed
    /// ([`Store::generation`]).
    pub async fn activity_consent_needs(&self, id: &str) -> Result<Option<ActivityConsentNeeds>> {
        let generation = self.generation();
        if let Some(needs) = self.consent_needs.get(id, generation) {
            return Ok(needs);
        }
        let needs = match self.activity(id).await {
            Ok(r) => Some(ActivityConsentNeeds::from_activity(&r.activity)),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        self.consent_needs.put(id.to_string(), generation, needs);
        Ok(needs)
    }

    /// The decision rows of one subject, in time order (ties in the order recorded): from the
    /// consent index when it is loaded, otherwise from the database.
    pub async fn consent_ledger_of(&self, subject: &SubjectKey) -> Result<Vec<LedgerRow>> {
        if self.fresh_consent_index().await? {
            return Ok(self.consent_index.rows_of(subject));
        }
        let rows =
            ledger_rows(&mut Reader::Pool(&self.pool), std::slice::from_ref(subject)).await?;
        Ok(Ledgers::from_rows(rows).into_rows())
    }

    /// The decision rows of many subjects: what batch decisions and audiences read. From the
    /// consent index when it is loaded, otherwise from the database, a few thousand keys a
    /// query.
    pub async fn consent_ledgers(&self, subjects: &[SubjectKey]) -> Result<Ledgers> {
        if self.fresh_consent_index().await? {
            return Ok(self.consent_index.ledgers_of(subjects));
        }
        let mut rows = Vec::new();
        for chunk in subjects.chunks(LEDGER_KEYS_PER_QUERY) {
            rows.extend(ledger_rows(&mut Reader::Pool(&self.pool), chunk).await?);
        }
        Ok(Ledgers::from_rows(rows))
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

/// The type's own fields (grounds, reasons, the objection withdrawn) as JSON, for `details`:
/// the kind serialised alone, without its `type`. Consents have none beyond their columns.
fn details_of(kind: &EventKind) -> Option<String> {
    if matches!(
        kind,
        EventKind::ConsentGiven(_) | EventKind::ConsentRenewed(_)
    ) {
        return None;
    }
    let mut doc = match serde_json::to_value(kind).expect("an event kind serialises") {
        Value::Object(m) => m,
        _ => unreachable!("an event kind is a JSON object"),
    };
    doc.remove("type");
    (!doc.is_empty()).then(|| Value::Object(doc).to_string())
}

/// The columns of one new event, in [`COLUMNS`] order without `seq`.
fn columns_of(id: &str, e: &ConsentEvent, recorded_at: DateTime<Utc>) -> Vec<Val> {
    let details = details_of(&e.kind);
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

/// One subject's events, found as in [`keys_query`].
fn subject_query() -> String {
    format!(
        "SELECT {COLUMNS} FROM consent_events \
         WHERE substr(subject_key, 1, 16) = substr($1, 1, 16) AND subject_key = $1 \
         ORDER BY seq"
    )
}

/// The events of `keys`; SQLite finds them with the index of migration 0015 on the first 16
/// hex digits of the key, PostgreSQL with the hash index of 0014.
fn keys_query(keys: &[SubjectKey]) -> QueryBuilder {
    // The prefixes for SQLite's index (migration 0015): hex digits, written in the query.
    let prefixes: Vec<String> = keys
        .iter()
        .map(|k| format!("'{}'", &k.to_hex()[..16]))
        .collect();
    let mut q = QueryBuilder::new(&format!(
        "SELECT {COLUMNS} FROM consent_events WHERE substr(subject_key, 1, 16) IN ({}) \
         AND subject_key IN (",
        prefixes.join(", ")
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
///
/// With it, when the histories came from the consent index, the last `seq` it had read.
async fn ledger_view(
    w: &mut WriteTx,
    events: &[ConsentEvent],
    index: Option<&ConsentIndex>,
) -> Result<(MemoryLedger<LedgerRow>, Option<i64>)> {
    let mut ledger = MemoryLedger::default();
    let keys: Vec<SubjectKey> = events
        .iter()
        .map(|e| e.subject)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let from_index = match index {
        Some(index) => index.ledgers_for_write(&mut w.tx, &keys).await?,
        None => None,
    };
    let (histories, read_up_to) = match from_index {
        Some((ledgers, read_up_to)) => (ledgers, Some(read_up_to)),
        None => {
            let mut rows = Vec::new();
            for chunk in keys.chunks(LEDGER_KEYS_PER_QUERY) {
                rows.extend(ledger_rows(&mut Reader::Tx(&mut w.tx), chunk).await?);
            }
            (Ledgers::from_rows(rows), None)
        }
    };
    for (k, rows) in histories.subjects() {
        ledger.events.insert(k, rows.to_vec());
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
    Ok((ledger, read_up_to))
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
        let index = Some(&*self.consent_index);
        let (batch, written) = append(&mut w, notices, events, index).await?;
        w.commit_then(|| {
            if let Some(written) = written {
                self.consent_index.took_in_own(written);
            }
        })
        .await?;
        Ok(batch)
    }

    /// Every event of one subject, in time order (ties in the order recorded).
    pub async fn consent_events_of(&self, subject: &SubjectKey) -> Result<Vec<StoredEvent>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(&subject_query(), &[subject.to_hex().into()])
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

/// Validates `events` against the stored history and inserts them; returns their new ids
/// and, when the history came from the consent index, the rows for it ([`Written`]).
async fn insert_valid(
    w: &mut WriteTx,
    events: &[ConsentEvent],
    now: DateTime<Utc>,
    index: Option<&ConsentIndex>,
) -> Result<(Vec<String>, Option<Written>)> {
    let (ledger, read_up_to) = ledger_view(w, events, index).await?;
    validate_batch(&ledger, events, now).map_err(StoreError::Invalid)?;
    // Time-ordered (version 7), so each new id lands at the end of the unique index on `id`
    // instead of at a random page of it.
    let uuids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
    let ids: Vec<String> = uuids.iter().map(Uuid::to_string).collect();
    let rows: Vec<Vec<Val>> = events
        .iter()
        .zip(&ids)
        .map(|(e, id)| columns_of(id, e, now))
        .collect();
    let columns: Vec<&str> = COLUMNS.split(", ").skip(1).collect();
    w.tx.insert_many("consent_events", &columns, rows).await?;
    let Some(after) = read_up_to else {
        return Ok((ids, None));
    };
    let last: SeqRow =
        w.tx.fetch_one("SELECT max(seq) AS seq FROM consent_events", &[])
            .await?;
    let rows = events
        .iter()
        .zip(uuids)
        .map(|(e, id)| KeyedRow {
            subject: e.subject,
            // Not read: the index orders a subject's rows by time, in the order given, and
            // takes `last` as the place it has read up to.
            seq: 0,
            row: LedgerRow {
                id,
                // As stored (`columns_of`), so the index holds what a read would give it.
                at: e
                    .at
                    .duration_trunc(TimeDelta::microseconds(1))
                    .expect("microseconds truncate"),
                activity: e.activity.as_deref().map(ActivityName::intern),
                purpose: e.purpose,
                effect: e.effect(),
            },
        })
        .collect();
    Ok((
        ids,
        Some(Written {
            after,
            last: last.seq,
            rows,
        }),
    ))
}

#[derive(sqlx::FromRow)]
struct SeqRow {
    seq: i64,
}

/// The rows of a batch, in the order written, for the consent index to take in once the
/// batch has committed ([`ConsentIndex::took_in_own`]): the events after seq `after` up to
/// `last` are exactly these, since the write held the audit chain's head from reading the
/// index to its commit.
pub(crate) struct Written {
    pub(crate) after: i64,
    pub(crate) last: i64,
    pub(crate) rows: Vec<KeyedRow>,
}

/// Appends a batch of consent events, validated against the stored history, within a write
/// that is already open: for callers that change something else in the same transaction
/// (a request's restriction, DSR-4). One audit entry covers the batch.
pub(crate) async fn append_consent_events(
    w: &mut WriteTx,
    notices: &[Notice],
    events: &[ConsentEvent],
) -> Result<RecordedBatch> {
    Ok(append(w, notices, events, None).await?.0)
}

/// [`append_consent_events`]; with `index`, the batch is validated against the consent
/// index when it can answer without waiting. Only for a write that has not yet written
/// events of its own: the index reads through the write's transaction.
async fn append(
    w: &mut WriteTx,
    notices: &[Notice],
    events: &[ConsentEvent],
    index: Option<&ConsentIndex>,
) -> Result<(RecordedBatch, Option<Written>)> {
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
    let written = insert_valid(w, events, now, index).await;
    if let Some(bulk) = bulk {
        w.tx.end_bulk_write(bulk).await?;
    }
    let (ids, for_index) = written?;
    let batch_id = uuid::Uuid::new_v4().to_string();
    // Keys in alphabetical order, as the entries written before (from a JSON map) had them.
    #[derive(serde::Serialize)]
    struct Written<'a> {
        id: &'a str,
        subject: String,
        #[serde(rename = "type")]
        kind: &'static str,
    }
    #[derive(serde::Serialize)]
    struct Batch<'a> {
        count: usize,
        events: Vec<Written<'a>>,
        new_notices: &'a [String],
    }
    let after = serde_json::to_string(&Batch {
        count: events.len(),
        events: events
            .iter()
            .zip(&ids)
            .map(|(e, id)| Written {
                id,
                subject: e.subject.to_hex(),
                kind: e.event_type().machine_name(),
            })
            .collect(),
        new_notices: &new_notices,
    })
    .expect("a batch serialises");
    w.record(
        "consent.record",
        "consent_batch",
        &batch_id,
        None,
        Some(after),
    );
    Ok((
        RecordedBatch {
            ids,
            new_notices: new_notices.len(),
        },
        for_index,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use grondslag_domain::consent::{ConsentDetails, EventKind, RecordedBy};
    use grondslag_domain::vocab::ConsentMethod;
    use sqlx::Row as _;

    /// Every query on the subject reads SQLite's prefix index (migration 0015): a plan that
    /// scans the table passes every other test on small data and reads 10 million rows a
    /// request at scale.
    #[tokio::test]
    async fn sqlite_finds_a_subjects_rows_through_the_prefix_index() {
        let db = crate::testing::sqlite().await;
        let crate::db::Pool::Sqlite(pool) = &db.store.pool else {
            unreachable!("a SQLite store")
        };
        // Planner statistics of a table with many subjects, as a real ledger has.
        for i in 0..500u32 {
            let spread = u128::from(i + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
            let key = format!("{spread:032x}{spread:032x}");
            sqlx::query(
                "INSERT INTO consent_events (id, subject_key, type, at, recorded_by_kind, \
                 recorded_by, evidence, recorded_at) \
                 VALUES ($1, $2, 'gpc_signal', '2025-01-01T00:00:00Z', 'system', 'test', 'e', \
                 '2025-01-01T00:00:00Z')",
            )
            .bind(i.to_string())
            .bind(key)
            .execute(pool)
            .await
            .unwrap();
        }
        sqlx::query("ANALYZE").execute(pool).await.unwrap();
        let a = SubjectKey::from_hex(&"ab".repeat(32)).unwrap();
        let b = SubjectKey::from_hex(&"cd".repeat(32)).unwrap();
        let (one, two) = (keys_query(&[a]), keys_query(&[a, b]));
        let queries = [
            (ledger_query(true), vec![format!("[\"{}\"]", a.to_hex())]),
            (subject_query(), vec![a.to_hex()]),
            (one.sql().to_string(), vec![a.to_hex()]),
            (two.sql().to_string(), vec![a.to_hex(), b.to_hex()]),
        ];
        for (sql, binds) in queries {
            let plan = format!("EXPLAIN QUERY PLAN {sql}");
            let mut q = sqlx::query(&plan);
            for v in binds {
                q = q.bind(v);
            }
            let steps: Vec<String> = q
                .fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            assert!(
                steps
                    .iter()
                    .any(|d| d.contains("USING INDEX consent_events_subject_prefix")),
                "{sql}: {steps:?}"
            );
            assert!(
                !steps.iter().any(|d| d.starts_with("SCAN consent_events")),
                "{sql}: {steps:?}"
            );
        }
        db.cleanup().await;
    }

    fn text(v: &Val) -> Option<&str> {
        match v {
            Val::Text(s) => Some(s),
            Val::OptText(s) => s.as_deref(),
            _ => None,
        }
    }

    /// `details` as first written: the whole event as JSON without what has a column.
    fn details_the_long_way(e: &ConsentEvent) -> Option<String> {
        let Value::Object(mut doc) = serde_json::to_value(e).unwrap() else {
            unreachable!()
        };
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
        (!doc.is_empty()).then(|| Value::Object(doc).to_string())
    }

    /// The typed columns give every event type the effect the domain gives the event itself,
    /// and `details` holds what the whole event held besides its columns.
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
            assert_eq!(
                text(&cols[9]),
                details_the_long_way(&e).as_deref(),
                "{:?}",
                e.kind
            );
            // [id, subject_key, activity_id, purpose, type, consent_kind, notice_hash, method,
            //  witness, details, ...]
            let effect =
                effect_of(text(&cols[4]).unwrap(), text(&cols[5]), text(&cols[9])).unwrap();
            assert_eq!(effect, e.effect(), "{:?}", e.kind);
        }
    }
}
