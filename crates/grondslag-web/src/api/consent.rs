//! `/api/v1/consent`: the consent ledger for other systems of the university (CON-1 to
//! CON-7, LAW-5, DSR-4, SEC-4; `docs/consent.md`, `docs/api.md` "Consent").
//!
//! Identifiers (e-mail addresses, phone numbers, student and staff numbers) come in request
//! bodies only, never in URLs, which end up in logs. They are normalised and keyed with the
//! server's secret (`AppState::consent_key`) as soon as they are parsed; only the key goes on.
//! Error messages about a malformed identifier repeat it to the caller and are not logged.
//! Without the secret every route here answers 503 with a problem document that says how to
//! configure it.

use super::json_out::{push_serde, push_str, push_time, push_u64};
use super::ApiRoute;
use crate::access::{Can, CheckConsent, ReadConsent, RecordConsent};
use crate::error::{operation_id_now, ApiError, ApiPath, ApiQuery, Problem, ProblemField};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use futures_util::StreamExt;
use grondslag_domain::access::Permission;
use grondslag_domain::consent::{
    decide, dpv_record, kantara_receipt, ActivityConsentNeeds, ConsentEvent, Controller, Effect,
    EventKind, EventRefs, IdentifierKind, LedgerEntry, Notice, ObjectionKind, PseudonymKey,
    ReceiptInput, RecordedBy, Scope, SubjectId, SubjectKey, Target,
};
use grondslag_domain::register::Activity;
use grondslag_domain::vocab::{Purpose, Term};
use grondslag_domain::{Lang, ValidationErrors};
use grondslag_store::consent::{LedgerRow, Ledgers, StoredEvent};
use grondslag_store::StoreError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

pub fn routes() -> Vec<ApiRoute> {
    let route = |method, path, operation_id, summary, response, query, handler| ApiRoute {
        method,
        path,
        operation_id,
        summary,
        tag: "consent",
        request: None,
        response,
        query,
        permission: Some(Permission::ReadConsent),
        public: false,
        handler,
    };
    vec![
        route(
            Method::POST,
            "/api/v1/consent/events",
            "recordConsentEvents",
            "Record a batch of consent events ({notices, items}; identifiers in clear, keyed before storage): all or nothing; Sec-GPC: 1 also records a gpc_signal per subject",
            (201, Some("RecordedConsentEvents")),
            &[],
            post(record),
        )
        .needs(Permission::RecordConsent),
        route(
            Method::POST,
            "/api/v1/consent/decision",
            "decideConsent",
            "May this subject's data be processed for this activity or purpose at this time? ({identifier, activity | purpose, at?})",
            (200, Some("ConsentDecision")),
            &[],
            post(decision),
        )
        .needs(Permission::CheckConsent),
        route(
            Method::POST,
            "/api/v1/consent/decisions",
            "decideConsentBatch",
            "Many decisions: a JSON array or NDJSON in, NDJSON out, one line per item in order",
            (200, None),
            &[],
            post(decisions),
        )
        .needs(Permission::CheckConsent),
        route(
            Method::POST,
            "/api/v1/consent/subject",
            "lookUpConsentSubject",
            "A subject's key and timeline, by an identifier in the body ({identifier})",
            (200, Some("ConsentTimeline")),
            &[],
            post(subject_by_identifier),
        ),
        route(
            Method::GET,
            "/api/v1/consent/subjects/{key}/events",
            "listConsentSubjectEvents",
            "A subject's timeline by its pseudonymous key",
            (200, Some("ConsentTimeline")),
            &[],
            get(subject_by_key),
        ),
        route(
            Method::POST,
            "/api/v1/consent/audience",
            "filterConsentAudience",
            "Filter a CSV of e-mail addresses or phone numbers for an activity: the allowed subset and how many were removed for which reason (CON-5, CON-6)",
            (200, None),
            &[
                ("activity", "string", "the activity's id (required)"),
                ("format", "string", "json (default) or csv"),
            ],
            post(audience),
        )
        .needs(Permission::CheckConsent),
        route(
            Method::GET,
            "/api/v1/consent/index",
            "getConsentIndex",
            "The consent index: loading, ready, over its memory limit or off; how many subjects and events it holds and the memory they take",
            (200, Some("ConsentIndexReport")),
            &[],
            get(index_report),
        ),
        route(
            Method::GET,
            "/api/v1/consent/events/{id}/kantara",
            "getConsentReceiptKantara",
            "A consent as a Kantara Consent Receipt v1.1",
            (200, None),
            &[],
            get(receipt_kantara),
        ),
        route(
            Method::GET,
            "/api/v1/consent/events/{id}/dpv",
            "getConsentReceiptDpv",
            "A consent as a W3C DPV (ISO/IEC TS 27560) JSON-LD record",
            (200, None),
            &[],
            get(receipt_dpv),
        ),
    ]
}

async fn index_report(
    State(s): State<AppState>,
    _can: Can<ReadConsent>,
) -> Json<grondslag_store::consent_index::ConsentIndexReport> {
    Json(s.store.consent_index_report())
}

/// An error of these routes: an ordinary API error, or the missing secret.
pub enum Fail {
    Api(ApiError),
    NoKey,
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Self {
        Fail::Api(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Api(e.into())
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        match self {
            Fail::Api(e) => e.into_response(),
            Fail::NoKey => {
                let body = Problem {
                    kind: "https://grondslag.example/problems/consent-key-missing".into(),
                    title: "The consent ledger is not configured".into(),
                    status: 503,
                    detail: Some(
                        "the server has no secret for subject keys: start it with --consent-key-file FILE \
                         (or GRONDSLAG_CONSENT_KEY_FILE), a file of at least 32 random bytes made with \
                         `head -c 32 /dev/urandom > FILE`; see docs/configuration.md, \"Consent ledger key\""
                            .into(),
                    ),
                    operation_id: operation_id_now(),
                    errors: Vec::new(),
                };
                let mut res = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/problem+json"),
                );
                res
            }
        }
    }
}

fn key_of(s: &AppState) -> Result<Arc<PseudonymKey>, Fail> {
    s.consent_key.clone().ok_or(Fail::NoKey)
}

fn invalid(path: &str, code: &'static str, message: impl Into<String>) -> Fail {
    let mut e = ValidationErrors::new();
    e.add(path, code, message);
    Fail::Api(ApiError::Invalid(e))
}

/// An identifier as the caller knows it: `{"kind": "email", "value": "jan@uni.nl"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierInput {
    pub kind: IdentifierKind,
    pub value: String,
}

fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("microseconds truncate")
}

/// Parses an `identifier` value and keys it; errors at `{path}` and `{path}.value`.
fn subject_of(
    key: &PseudonymKey,
    v: Option<&Value>,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<SubjectKey> {
    let Some(v) = v else {
        errors.add(
            path,
            "required",
            "is required: {\"kind\": \"email\" | \"phone\" | \"student_number\" | \"staff_number\", \"value\": \"...\"}",
        );
        return None;
    };
    let input = match IdentifierInput::deserialize(v) {
        Ok(i) => i,
        Err(e) => {
            errors.add(path, "invalid", e.to_string());
            return None;
        }
    };
    match SubjectId::parse(input.kind, &input.value) {
        Ok(id) => Some(key.subject_key(&id)),
        Err(e) => {
            errors.add(format!("{path}.value"), e.code(), e.to_string());
            None
        }
    }
}

/// Who recorded an event when the item does not say: the API token's system, or the user.
pub fn recorded_by_default(username: &str) -> RecordedBy {
    match username.strip_prefix("token:") {
        Some(name) => RecordedBy::system(name),
        None => RecordedBy::staff(username),
    }
}

/// Turns request items (events with `identifier` in clear instead of `subject`) into domain
/// events: the identifier is normalised and keyed, `recorded_by` defaults to the caller and
/// `at` to `now`. Every problem is reported at `items[i].…`. Shared with `grondslag consent
/// import`.
pub fn parse_event_items(
    key: &PseudonymKey,
    items: Vec<Value>,
    default_by: &RecordedBy,
    now: DateTime<Utc>,
) -> Result<Vec<ConsentEvent>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut events = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let path = format!("items[{i}]");
        let Value::Object(mut obj) = item else {
            errors.add(path, "invalid_type", "expected an event object");
            continue;
        };
        if obj.contains_key("subject") {
            errors.add(
                format!("{path}.subject"),
                "not_allowed",
                "give the identifier; the ledger computes the subject key",
            );
            continue;
        }
        let subject = subject_of(
            key,
            obj.remove("identifier").as_ref(),
            &format!("{path}.identifier"),
            &mut errors,
        );
        let Some(subject) = subject else { continue };
        obj.insert("subject".into(), json!(subject.to_hex()));
        obj.entry("recorded_by")
            .or_insert_with(|| json!(default_by));
        obj.entry("at").or_insert_with(|| json!(now));
        match serde_json::from_value::<ConsentEvent>(Value::Object(obj)) {
            Ok(e) => events.push(e),
            Err(e) => errors.add(path, "invalid", e.to_string()),
        }
    }
    errors.into_result(events)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsRequest {
    #[serde(default)]
    notices: Vec<Notice>,
    items: Vec<Value>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(rename = "RecordedConsentEvents")]
pub(super) struct Recorded {
    /// The new events' ids, in the order of the items; GPC signals last.
    ids: Vec<String>,
    /// The subject key of each item, in order.
    subjects: Vec<SubjectKey>,
    /// How many `gpc_signal` events the `Sec-GPC: 1` header added.
    gpc_signals: usize,
    new_notices: usize,
}

/// Whether a GPC signal is in force for the subject as a whole after these events.
fn gpc_in_force<'e>(events: impl Iterator<Item = &'e ConsentEvent>) -> bool {
    let mut on = false;
    for e in events {
        if e.scope() != Scope::Subject {
            continue;
        }
        match e.effect() {
            Effect::Objection(ObjectionKind::Gpc) => on = true,
            Effect::ObjectionWithdrawn(ObjectionKind::Gpc) => on = false,
            _ => {}
        }
    }
    on
}

async fn record(
    State(s): State<AppState>,
    can: Can<RecordConsent>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Fail> {
    let key = key_of(&s)?;
    let req: EventsRequest = super::json_body(&body)?;
    let by = recorded_by_default(&can.user.username);
    let at = now();
    let mut events =
        parse_event_items(&key, req.items, &by, at).map_err(|e| Fail::Api(ApiError::Invalid(e)))?;
    let subjects: Vec<SubjectKey> = events.iter().map(|e| e.subject).collect();
    let mut gpc_signals = 0;
    // Global Privacy Control: the header is an objection to targeting (GDPR 21(5)), recorded
    // once per subject; a browser sends it with every request, so one in force is skipped.
    if headers
        .get("sec-gpc")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        == Some("1")
    {
        let mut distinct: Vec<SubjectKey> = Vec::new();
        for k in &subjects {
            if !distinct.contains(k) {
                distinct.push(*k);
            }
        }
        let stored = s.store.consent_events_of_many(&distinct).await?;
        for k in distinct {
            let history = stored.get(&k).map(Vec::as_slice).unwrap_or(&[]);
            let in_batch = events.iter().filter(|e| e.subject == k);
            if gpc_in_force(history.iter().map(|e| &e.event).chain(in_batch)) {
                continue;
            }
            events.push(ConsentEvent {
                subject: k,
                activity: None,
                purpose: None,
                at,
                recorded_by: by.clone(),
                evidence: format!("Sec-GPC: 1 header, operation {}", operation_id_now()),
                kind: EventKind::GpcSignal,
            });
            gpc_signals += 1;
        }
    }
    let r = s
        .store
        .record_consent_events(&can.user.actor(), &req.notices, &events)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Recorded {
            ids: r.ids,
            subjects,
            gpc_signals,
            new_notices: r.new_notices,
        }),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionRequest {
    identifier: Value,
    #[serde(default)]
    activity: Option<String>,
    #[serde(default)]
    purpose: Option<Purpose>,
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

/// [`DecisionRequest`] read straight from a line of NDJSON, borrowing its strings: the fast
/// path of batch decisions. When a line does not read this way it goes the slow way, through
/// [`question`], which says what is wrong with it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineRequest<'a> {
    #[serde(borrow)]
    identifier: LineIdentifier<'a>,
    #[serde(default, borrow)]
    activity: Option<Cow<'a, str>>,
    #[serde(default)]
    purpose: Option<Purpose>,
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIdentifier<'a> {
    kind: IdentifierKind,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

/// A decision: allowed or not, why, since when, and the events that decided.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ConsentDecision")]
pub(super) struct DecisionOut<'a> {
    /// The item's place in a batch; absent for a single decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    /// The subject's pseudonymous key, 64 hex digits.
    #[schemars(with = "String")]
    subject: KeyHex,
    /// The activity asked about, by its id; absent when the question named a purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    activity: Option<&'a str>,
    /// The purpose asked about; absent when the question named an activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    purpose: Option<Purpose>,
    /// The time the decision is for: the question's `at`, or now.
    at: DateTime<Utc>,
    allowed: bool,
    /// Why, as a machine name: `restriction`, `direct_marketing_objection`,
    /// `retargeting_objection`, `gpc_signal`, `objection_upheld`, `objection_pending`,
    /// `objection_rejected`, `basis_not_consent`, `consent_in_force`,
    /// `explicit_consent_required`, `consent_withdrawn` or `no_consent` (docs/consent.md).
    reason: &'static str,
    /// The reason in English.
    reason_label: &'static str,
    /// When the deciding state began; null for `basis_not_consent` and `no_consent`.
    since: Option<DateTime<Utc>>,
    /// The ids of the events that decided.
    #[schemars(with = "Vec<String>")]
    deciding_events: DecidingIds<'a>,
}

/// A subject key as its 64 hex digits, written from the stack: batch decisions write one a
/// line, and `SubjectKey`'s own serialisation allocates a string for each.
struct KeyHex(SubjectKey);

impl KeyHex {
    fn digits(&self) -> [u8; 64] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (i, b) in self.0.as_bytes().iter().enumerate() {
            out[2 * i] = DIGITS[(b >> 4) as usize];
            out[2 * i + 1] = DIGITS[(b & 15) as usize];
        }
        out
    }
}

impl Serialize for KeyHex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(std::str::from_utf8(&self.digits()).expect("hex digits are ASCII"))
    }
}

impl DecisionOut<'_> {
    /// The decision as one line of NDJSON, byte for byte what serde writes for it (a test
    /// below compares), without serde's cost: batch decisions write hundreds of thousands.
    fn write_line(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        if let Some(i) = self.index {
            out.extend_from_slice(b"\"index\":");
            push_u64(out, i as u64);
            out.push(b',');
        }
        out.extend_from_slice(b"\"subject\":\"");
        out.extend_from_slice(&self.subject.digits());
        out.push(b'"');
        if let Some(a) = self.activity {
            out.extend_from_slice(b",\"activity\":");
            push_str(out, a);
        }
        if let Some(p) = &self.purpose {
            out.extend_from_slice(b",\"purpose\":");
            push_serde(out, p);
        }
        out.extend_from_slice(b",\"at\":");
        push_time(out, &self.at);
        out.extend_from_slice(match self.allowed {
            true => b",\"allowed\":true",
            false => b",\"allowed\":false",
        });
        out.extend_from_slice(b",\"reason\":");
        push_str(out, self.reason);
        out.extend_from_slice(b",\"reason_label\":");
        push_str(out, self.reason_label);
        out.extend_from_slice(b",\"since\":");
        match &self.since {
            Some(t) => push_time(out, t),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"deciding_events\":[");
        let DecidingIds(rows, refs) = &self.deciding_events;
        for (n, i) in refs.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            let mut id = [0u8; 36];
            rows[i].id.hyphenated().encode_lower(&mut id);
            out.push(b'"');
            out.extend_from_slice(&id);
            out.push(b'"');
        }
        out.extend_from_slice(b"]}\n");
    }
}

/// The ids of the deciding events, written straight from the rows they index.
struct DecidingIds<'a>(&'a [LedgerRow], EventRefs);

impl Serialize for DecidingIds<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|i| self.0[i].id))
    }
}

/// What each activity needs, looked up once a request.
#[derive(Default)]
struct NeedsCache(HashMap<String, Option<ActivityConsentNeeds>>);

impl NeedsCache {
    async fn get(&mut self, s: &AppState, id: &str) -> Result<Option<ActivityConsentNeeds>, Fail> {
        if let Some(n) = self.0.get(id) {
            return Ok(*n);
        }
        let needs = s.store.activity_consent_needs(id).await?;
        self.0.insert(id.to_string(), needs);
        Ok(needs)
    }
}

/// A decision request, checked: who, about what, when.
struct Question {
    subject: SubjectKey,
    activity: Option<String>,
    purpose: Option<Purpose>,
    needs: ActivityConsentNeeds,
    at: DateTime<Utc>,
}

/// Checks one decision request; errors at `{prefix}field`.
async fn question(
    s: &AppState,
    key: &PseudonymKey,
    cache: &mut NeedsCache,
    v: Value,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<Result<Question, ValidationErrors>, Fail> {
    let mut errors = ValidationErrors::new();
    let req: DecisionRequest = match serde_json::from_value(v) {
        Ok(r) => r,
        Err(e) => {
            let path = prefix.trim_end_matches('.');
            errors.add(path, "invalid", e.to_string());
            return Ok(Err(errors));
        }
    };
    let subject = subject_of(
        key,
        Some(&req.identifier),
        &format!("{prefix}identifier"),
        &mut errors,
    );
    let asked = Asked {
        activity: req.activity.as_deref(),
        purpose: req.purpose,
        at: req.at,
    };
    checked(s, cache, subject, asked, errors, prefix, now).await
}

/// What a decision request asks about, once its identifier is keyed.
struct Asked<'a> {
    activity: Option<&'a str>,
    purpose: Option<Purpose>,
    at: Option<DateTime<Utc>>,
}

/// The checks of a decision request after its identifier: the time, and the activity or
/// purpose. Shared by [`question`] and the fast path of batch decisions, so both answer
/// alike.
async fn checked(
    s: &AppState,
    cache: &mut NeedsCache,
    subject: Option<SubjectKey>,
    asked: Asked<'_>,
    mut errors: ValidationErrors,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<Result<Question, ValidationErrors>, Fail> {
    let at = asked.at.unwrap_or(now);
    if at > now {
        errors.add(
            format!("{prefix}at"),
            "future",
            format!(
                "{} is in the future (now is {}); a decision is about the present or the past",
                at.to_rfc3339(),
                now.to_rfc3339()
            ),
        );
    }
    let needs = match (asked.activity, asked.purpose) {
        (Some(_), Some(_)) => {
            errors.add(
                format!("{prefix}purpose"),
                "not_allowed",
                "give an activity or a purpose, not both",
            );
            None
        }
        (None, None) => {
            errors.add(
                format!("{prefix}activity"),
                "required",
                "is required: the activity (its id) or the purpose the decision is about",
            );
            None
        }
        (Some(a), None) => {
            let n = cache.get(s, a).await?;
            if n.is_none() {
                errors.add(
                    format!("{prefix}activity"),
                    "unknown_reference",
                    format!("no activity has the id \"{a}\""),
                );
            }
            n
        }
        (None, Some(p)) => Some(ActivityConsentNeeds::for_purpose(p)),
    };
    match (subject, needs) {
        (Some(subject), Some(needs)) if errors.is_empty() => Ok(Ok(Question {
            subject,
            activity: asked.activity.map(str::to_string),
            purpose: asked.purpose,
            needs,
            at,
        })),
        _ => Ok(Err(errors)),
    }
}

/// One line of NDJSON as a decision request: the fast path when the line has the expected
/// shape, [`question`] otherwise. `line` is its 1-based line number in the body.
async fn line_question(
    s: &AppState,
    key: &PseudonymKey,
    cache: &mut NeedsCache,
    text: &[u8],
    line: usize,
    now: DateTime<Utc>,
) -> Result<Result<Question, ValidationErrors>, Fail> {
    if let Ok(req) = serde_json::from_slice::<LineRequest>(text) {
        return typed_question(s, key, cache, req, now).await;
    }
    match serde_json::from_slice::<Value>(text) {
        Ok(v) => question(s, key, cache, v, "", now).await,
        Err(e) => {
            let mut errors = ValidationErrors::new();
            errors.add("", "invalid", format!("line {line} is not JSON: {e}"));
            Ok(Err(errors))
        }
    }
}

/// A decision request read straight into its typed form, checked.
async fn typed_question(
    s: &AppState,
    key: &PseudonymKey,
    cache: &mut NeedsCache,
    req: LineRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Question, ValidationErrors>, Fail> {
    let mut errors = ValidationErrors::new();
    let subject = match SubjectId::parse(req.identifier.kind, &req.identifier.value) {
        Ok(id) => Some(key.subject_key(&id)),
        Err(e) => {
            errors.add("identifier.value", e.code(), e.to_string());
            None
        }
    };
    let asked = Asked {
        activity: req.activity.as_deref(),
        purpose: req.purpose,
        at: req.at,
    };
    checked(s, cache, subject, asked, errors, "", now).await
}

fn answer<'a>(q: &'a Question, events: &'a [LedgerRow], index: Option<usize>) -> DecisionOut<'a> {
    let target = match (&q.activity, q.purpose) {
        (Some(a), _) => Target::Activity(a),
        (None, Some(p)) => Target::Purpose(p),
        (None, None) => unreachable!("a question names its target"),
    };
    let d = decide(events, &q.needs, target, q.at);
    DecisionOut {
        index,
        subject: KeyHex(q.subject),
        activity: q.activity.as_deref(),
        purpose: q.purpose,
        at: q.at,
        allowed: d.allowed,
        reason: d.reason.machine_name(),
        reason_label: d.reason.label(Lang::En),
        since: d.since,
        deciding_events: DecidingIds(events, d.deciding_events),
    }
}

async fn decision(
    State(s): State<AppState>,
    _can: Can<CheckConsent>,
    body: Bytes,
) -> Result<Response, Fail> {
    let key = key_of(&s)?;
    let mut cache = NeedsCache::default();
    // The usual shape is read straight into its typed form; anything else goes the way that
    // says what is wrong with it.
    let q = match serde_json::from_slice::<LineRequest>(&body) {
        Ok(req) => typed_question(&s, &key, &mut cache, req, now()).await?,
        Err(_) => {
            let v: Value = super::json_body(&body)?;
            question(&s, &key, &mut cache, v, "", now()).await?
        }
    }
    .map_err(|e| Fail::Api(ApiError::Invalid(e)))?;
    let events = s.store.consent_ledger_of(&q.subject).await?;
    Ok(Json(answer(&q, &events, None)).into_response())
}

/// How many decisions are read from the database at once.
const DECISION_CHUNK: usize = 2000;
/// The largest JSON array of decision requests: an array is read whole, NDJSON streams.
const ARRAY_LIMIT: usize = 64 * 1024 * 1024;

/// A request body read as it arrives, a block of whole lines at a time: batch decisions and
/// audiences of millions of lines never hold the whole body.
struct LineReader {
    stream: axum::body::BodyDataStream,
    buf: Vec<u8>,
    /// How far `buf` was searched for line ends, and how many it holds up to there.
    scanned: usize,
    lines: usize,
    done: bool,
}

impl LineReader {
    fn new(body: Body) -> LineReader {
        LineReader {
            stream: body.into_data_stream(),
            buf: Vec::new(),
            scanned: 0,
            lines: 0,
            done: false,
        }
    }

    async fn fill(&mut self) -> Result<(), Fail> {
        match self.stream.next().await {
            Some(Ok(bytes)) => self.buf.extend_from_slice(&bytes),
            Some(Err(e)) => {
                return Err(Fail::Api(ApiError::BadRequest(format!(
                    "the request body could not be read: {e}"
                ))))
            }
            None => self.done = true,
        }
        Ok(())
    }

    /// The first byte that is not white space, without taking it.
    async fn peek(&mut self) -> Result<Option<u8>, Fail> {
        loop {
            if let Some(b) = self.buf.iter().find(|b| !b.is_ascii_whitespace()) {
                return Ok(Some(*b));
            }
            if self.done {
                return Ok(None);
            }
            self.fill().await?;
        }
    }

    /// The rest of the body, when it is at most `limit` bytes.
    async fn rest(mut self, limit: usize) -> Result<Vec<u8>, Fail> {
        while !self.done {
            if self.buf.len() > limit {
                return Err(Fail::Api(ApiError::BadRequest(format!(
                    "the body is larger than {} MB; send NDJSON, which is read as it arrives",
                    limit >> 20
                ))));
            }
            self.fill().await?;
        }
        Ok(self.buf)
    }

    /// The next `n` lines as one block (fewer at the end of the body), line ends included;
    /// None once the body is read.
    async fn block(&mut self, n: usize) -> Result<Option<Vec<u8>>, Fail> {
        loop {
            while self.lines < n {
                match self.buf[self.scanned..].iter().position(|b| *b == b'\n') {
                    Some(p) => {
                        self.scanned += p + 1;
                        self.lines += 1;
                    }
                    None => {
                        self.scanned = self.buf.len();
                        break;
                    }
                }
            }
            if self.lines >= n || self.done {
                break;
            }
            self.fill().await?;
        }
        let cut = if self.lines >= n {
            self.scanned
        } else {
            self.buf.len()
        };
        if cut == 0 {
            return Ok(None);
        }
        let rest = self.buf.split_off(cut);
        self.scanned = 0;
        self.lines = 0;
        Ok(Some(std::mem::replace(&mut self.buf, rest)))
    }
}

/// The items of a batch: a JSON array, read whole, or NDJSON, read a block at a time.
enum BatchItems {
    Array(std::vec::IntoIter<Value>),
    Lines { reader: LineReader, line: usize },
}

impl BatchItems {
    async fn open(body: Body) -> Result<BatchItems, Fail> {
        let mut reader = LineReader::new(body);
        if reader.peek().await? == Some(b'[') {
            let body = reader.rest(ARRAY_LIMIT).await?;
            let items: Vec<Value> = super::json_body(&body)?;
            return Ok(BatchItems::Array(items.into_iter()));
        }
        Ok(BatchItems::Lines { reader, line: 0 })
    }

    /// The next chunk of checked questions; None at the end. Lines of white space only are
    /// skipped and get no index.
    async fn next_chunk(
        &mut self,
        s: &AppState,
        key: &PseudonymKey,
        cache: &mut NeedsCache,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Result<Question, ValidationErrors>>>, Fail> {
        let mut out = Vec::with_capacity(DECISION_CHUNK);
        match self {
            BatchItems::Array(items) => {
                for v in items.by_ref().take(DECISION_CHUNK) {
                    out.push(question(s, key, cache, v, "", now).await?);
                }
            }
            BatchItems::Lines { reader, line } => {
                let Some(block) = reader.block(DECISION_CHUNK).await? else {
                    return Ok(None);
                };
                for text in block.split(|b| *b == b'\n') {
                    *line += 1;
                    let text = text.trim_ascii();
                    if !text.is_empty() {
                        out.push(line_question(s, key, cache, text, *line, now).await?);
                    }
                }
            }
        }
        Ok((!out.is_empty() || matches!(self, BatchItems::Lines { .. })).then_some(out))
    }
}

/// The distinct subjects of a chunk of questions.
fn subjects_of(questions: &[Result<Question, ValidationErrors>]) -> Vec<SubjectKey> {
    let mut keys: Vec<SubjectKey> = questions
        .iter()
        .filter_map(|q| q.as_ref().ok().map(|q| q.subject))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A read of ledgers under way.
type Fetch = tokio::task::JoinHandle<grondslag_store::Result<Ledgers>>;

/// Reads the ledgers of `keys` in a task of its own, so that the next chunk is parsed and
/// keyed (on one core) while the database reads this one (on the other).
fn fetch_ledgers(s: &AppState, keys: Vec<SubjectKey>) -> Fetch {
    let store = s.store.clone();
    tokio::spawn(async move { store.consent_ledgers(&keys).await })
}

fn write_line(out: &mut Vec<u8>, v: &impl Serialize) {
    serde_json::to_writer(&mut *out, v).expect("a line serialises");
    out.push(b'\n');
}

/// The NDJSON lines of one chunk of answered questions, the first at `first`.
fn answer_chunk(
    questions: &[Result<Question, ValidationErrors>],
    ledgers: &Ledgers,
    first: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(questions.len() * 400);
    for (i, q) in questions.iter().enumerate() {
        match q {
            Ok(q) => answer(q, ledgers.of(&q.subject), Some(first + i)).write_line(&mut out),
            Err(errors) => write_line(
                &mut out,
                &json!({
                    "index": first + i,
                    "errors": errors.iter().map(|e| ProblemField {
                        path: e.path.clone(),
                        code: e.code.to_string(),
                        message: e.message.clone(),
                    }).collect::<Vec<_>>(),
                }),
            ),
        }
    }
    out
}

async fn decisions(
    State(s): State<AppState>,
    _can: Can<CheckConsent>,
    body: Body,
) -> Result<Response, Fail> {
    let key = key_of(&s)?;
    let mut items = BatchItems::open(body).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let op = operation_id_now();
    // The answer streams: each chunk of items is read, decided and sent before the next is
    // answered, so memory stays bounded by a few chunks however long the batch. While the
    // database reads one chunk, the next is parsed and keyed.
    tokio::spawn(async move {
        let now = now();
        let mut cache = NeedsCache::default();
        let mut index = 0usize;
        let mut pending: Option<(Vec<Result<Question, ValidationErrors>>, Fetch)> = None;
        loop {
            let next = match items.next_chunk(&s, &key, &mut cache, now).await {
                Ok(next) => next,
                Err(Fail::Api(ApiError::BadRequest(message))) => {
                    let _ = tx
                        .send(Ok(ndjson_error(&json!({"index": index, "error": message}))))
                        .await;
                    return;
                }
                Err(_) => {
                    let _ = tx.send(Ok(ndjson_error(&json!({"index": index, "error": "the database is unavailable", "operation_id": op})))).await;
                    return;
                }
            };
            let started = next.map(|questions| {
                let fetch = fetch_ledgers(&s, subjects_of(&questions));
                (questions, fetch)
            });
            if let Some((questions, fetch)) = pending.take() {
                let fetched = fetch
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()));
                let ledgers = match fetched {
                    Ok(l) => l,
                    Err(cause) => {
                        tracing::error!(operation_id = %op, cause = %cause, "batch decisions");
                        let _ = tx.send(Ok(ndjson_error(&json!({"error": "the database failed; see the server log", "operation_id": op})))).await;
                        return;
                    }
                };
                let out = answer_chunk(&questions, &ledgers, index);
                index += questions.len();
                if tx.send(Ok(Bytes::from(out))).await.is_err() {
                    return;
                }
            }
            match started {
                Some(p) => pending = Some(p),
                None => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut res = Body::from_stream(stream).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(res)
}

fn ndjson_error(v: &Value) -> Bytes {
    let mut out = Vec::new();
    write_line(&mut out, v);
    Bytes::from(out)
}

/// A subject's events in time order, as the ledger holds them: keyed, never the identifier.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ConsentTimeline")]
pub(super) struct Timeline<'a> {
    subject: SubjectKey,
    events: Vec<TimelineEvent<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct TimelineEvent<'a> {
    /// The event's id, as receipts and decisions name it.
    id: &'a str,
    /// When the ledger recorded it; `at` is when it happened.
    recorded_at: DateTime<Utc>,
    #[serde(flatten)]
    event: &'a ConsentEvent,
}

fn timeline(subject: SubjectKey, events: &[StoredEvent]) -> Json<Timeline<'_>> {
    Json(Timeline {
        subject,
        events: events
            .iter()
            .map(|e| TimelineEvent {
                id: &e.id,
                recorded_at: e.recorded_at,
                event: &e.event,
            })
            .collect(),
    })
}

async fn subject_by_identifier(
    State(s): State<AppState>,
    _can: Can<ReadConsent>,
    body: Bytes,
) -> Result<Response, Fail> {
    let key = key_of(&s)?;
    let v: Map<String, Value> = super::json_body(&body)?;
    let mut errors = ValidationErrors::new();
    for k in v.keys().filter(|k| *k != "identifier") {
        errors.add(k.as_str(), "not_allowed", "only identifier is expected");
    }
    let subject = subject_of(&key, v.get("identifier"), "identifier", &mut errors);
    let subject = match subject {
        Some(k) if errors.is_empty() => k,
        _ => return Err(Fail::Api(ApiError::Invalid(errors))),
    };
    let events = s.store.consent_events_of(&subject).await?;
    Ok(timeline(subject, &events).into_response())
}

async fn subject_by_key(
    State(s): State<AppState>,
    _can: Can<ReadConsent>,
    ApiPath(key): ApiPath<String>,
) -> Result<Response, Fail> {
    key_of(&s)?;
    let subject = SubjectKey::from_hex(&key).ok_or_else(|| {
        invalid(
            "key",
            "invalid_format",
            "expected a subject key of 64 hexadecimal digits",
        )
    })?;
    let events = s.store.consent_events_of(&subject).await?;
    Ok(timeline(subject, &events).into_response())
}

#[derive(Deserialize)]
struct AudienceQuery {
    activity: Option<String>,
    format: Option<String>,
}

/// The report of an audience filter: counts, never identifiers.
#[derive(Serialize)]
pub(crate) struct AudienceReport {
    pub(crate) activity: String,
    /// Lines with an identifier.
    pub(crate) total: usize,
    pub(crate) allowed: usize,
    /// How many were removed, per reason: a decision reason, `malformed` or `duplicate`.
    pub(crate) removed: BTreeMap<&'static str, usize>,
}

/// Identifiers of an audience read from the database at once.
const AUDIENCE_CHUNK: usize = 10_000;

/// One chunk of an audience: each new subject's key with its normalised identifier.
type AudienceChunk = Vec<(SubjectKey, String)>;

/// Where an audience's lines come from: the body as it streams in, or the CSV of a JSON
/// body `{"csv": "..."}`.
enum AudienceSource {
    Stream(LineReader),
    Text(Option<Vec<u8>>),
}

impl AudienceSource {
    async fn block(&mut self) -> Result<Option<Vec<u8>>, Fail> {
        match self {
            AudienceSource::Stream(r) => r.block(AUDIENCE_CHUNK).await,
            AudienceSource::Text(t) => Ok(t.take()),
        }
    }
}

/// Reads an audience: parses, keys and removes duplicates line by line, and keeps what the
/// database must answer for.
struct AudienceReader<'k> {
    key: &'k PseudonymKey,
    line: usize,
    total: usize,
    seen: HashSet<SubjectKey>,
    removed: BTreeMap<&'static str, usize>,
}

impl AudienceReader<'_> {
    fn read(&mut self, block: &[u8], chunk: &mut AudienceChunk) -> Result<(), Fail> {
        let text = std::str::from_utf8(block)
            .map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?;
        for line in text.lines() {
            let n = self.line;
            self.line += 1;
            let field = line
                .split([',', ';', '\t'])
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .trim();
            if field.is_empty() {
                continue;
            }
            let kind = if field.contains('@') {
                IdentifierKind::Email
            } else {
                IdentifierKind::Phone
            };
            let parsed = SubjectId::parse(kind, field);
            // A first line that is no identifier at all is a header ("email", "telefoon").
            if n == 0
                && parsed.is_err()
                && !field.contains('@')
                && !field.bytes().any(|b| b.is_ascii_digit())
            {
                continue;
            }
            self.total += 1;
            match parsed {
                Ok(id) => {
                    let k = self.key.subject_key(&id);
                    if self.seen.insert(k) {
                        chunk.push((k, id.as_str().to_string()));
                    } else {
                        *self.removed.entry("duplicate").or_default() += 1;
                    }
                }
                Err(_) => *self.removed.entry("malformed").or_default() += 1,
            }
        }
        Ok(())
    }
}

/// The consent needs of the activity an audience is filtered for; an unknown id is an error
/// at `activity`.
async fn audience_needs(s: &AppState, activity_id: &str) -> Result<ActivityConsentNeeds, Fail> {
    let record = match s.store.activity(activity_id).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => {
            return Err(invalid(
                "activity",
                "unknown_reference",
                format!("no activity has the id \"{activity_id}\""),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(ActivityConsentNeeds::from_activity(&record.activity))
}

/// Filters an audience for an activity: reads `source` line by line and decides for each new
/// subject. Returns the report and the allowed identifiers, as CSV lines (`csv`) or as the
/// items of a JSON array.
async fn filter_audience(
    s: &AppState,
    key: &PseudonymKey,
    activity_id: String,
    needs: &ActivityConsentNeeds,
    mut source: AudienceSource,
    csv: bool,
) -> Result<(AudienceReport, Vec<u8>), Fail> {
    let mut lines = AudienceReader {
        key,
        line: 0,
        total: 0,
        seen: HashSet::new(),
        removed: BTreeMap::new(),
    };
    let at = now();
    // The allowed identifiers, written as they are found: CSV lines, or the items of a JSON
    // array. Memory grows with the output and the set of keys seen, not with whole decisions.
    let mut allowed_out: Vec<u8> = Vec::new();
    let mut allowed = 0usize;
    let mut pending: Option<(AudienceChunk, Fetch)> = None;
    loop {
        let mut chunk = AudienceChunk::new();
        let block = source.block().await?;
        if let Some(block) = &block {
            lines.read(block, &mut chunk)?;
        }
        // The database reads this chunk while the next one is parsed and keyed.
        let started = block.map(|_| {
            let keys: Vec<SubjectKey> = chunk.iter().map(|(k, _)| *k).collect();
            (chunk, fetch_ledgers(s, keys))
        });
        if let Some((people, fetch)) = pending.take() {
            let ledgers = fetch
                .await
                .map_err(|e| ApiError::Internal(format!("audience: {e}")))??;
            for (k, id) in &people {
                let d = decide(ledgers.of(k), needs, Target::Activity(&activity_id), at);
                if !d.allowed {
                    *lines.removed.entry(d.reason.machine_name()).or_default() += 1;
                    continue;
                }
                allowed += 1;
                if csv {
                    allowed_out.extend_from_slice(id.as_bytes());
                    allowed_out.push(b'\n');
                } else {
                    if allowed > 1 {
                        allowed_out.push(b',');
                    }
                    serde_json::to_writer(&mut allowed_out, id).expect("a string serialises");
                }
            }
        }
        match started {
            Some(p) => pending = Some(p),
            None => break,
        }
    }
    let report = AudienceReport {
        activity: activity_id,
        total: lines.total,
        allowed,
        removed: lines.removed,
    };
    Ok((report, allowed_out))
}

/// An audience given as text (the UI's pasted or uploaded CSV), filtered as the API does:
/// the report and the allowed identifiers, one a line.
pub(crate) async fn filter_audience_text(
    s: &AppState,
    activity_id: &str,
    text: Vec<u8>,
) -> Result<(AudienceReport, Vec<u8>), Fail> {
    let key = key_of(s)?;
    let needs = audience_needs(s, activity_id).await?;
    let source = AudienceSource::Text(Some(text));
    filter_audience(s, &key, activity_id.to_string(), &needs, source, true).await
}

async fn audience(
    State(s): State<AppState>,
    _can: Can<CheckConsent>,
    ApiQuery(q): ApiQuery<AudienceQuery>,
    body: Body,
) -> Result<Response, Fail> {
    let key = key_of(&s)?;
    let Some(activity_id) = q.activity else {
        return Err(invalid("activity", "required", "is required: ?activity=ID"));
    };
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(invalid(
                "format",
                "unknown_value",
                format!("\"{other}\" is not a format; expected json or csv"),
            ))
        }
    };
    let needs = audience_needs(&s, &activity_id).await?;
    // The API takes JSON bodies only (security.rs: a page on another site cannot send JSON
    // without a preflight), so the CSV comes as {"csv": "..."}, read whole; a raw CSV body
    // streams, a block of lines at a time.
    let mut reader = LineReader::new(body);
    let source = if reader.peek().await? == Some(b'{') {
        let body = reader.rest(ARRAY_LIMIT).await?;
        let v: Value = super::json_body(&body)?;
        let text = v.get("csv").and_then(Value::as_str).unwrap_or("");
        AudienceSource::Text(Some(text.as_bytes().to_vec()))
    } else {
        AudienceSource::Stream(reader)
    };
    let (report, allowed_out) = filter_audience(&s, &key, activity_id, &needs, source, csv).await?;
    if csv {
        let mut out = b"identifier\n".to_vec();
        out.extend_from_slice(&allowed_out);
        let mut res = out.into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        res.headers_mut().insert(
            "x-audience-report",
            HeaderValue::from_str(&serde_json::to_string(&report).expect("serialises"))
                .expect("JSON of ASCII names and numbers is a valid header"),
        );
        return Ok(res);
    }
    // The report's object with the identifiers as one more member, spliced in as written.
    let mut out = serde_json::to_vec(&report).expect("serialises");
    out.pop();
    out.extend_from_slice(b",\"identifiers\":[");
    out.extend_from_slice(&allowed_out);
    out.extend_from_slice(b"]}");
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(res)
}

enum ReceiptKind {
    Kantara,
    Dpv,
}

async fn receipt(
    s: &AppState,
    headers: &HeaderMap,
    id: &str,
    kind: ReceiptKind,
) -> Result<Response, Fail> {
    key_of(s)?;
    let stored = s.store.consent_event(id).await?;
    let Some(details) = stored.event.consent() else {
        return Err(Fail::Api(ApiError::Conflict(format!(
            "consent event {id} is a {}; receipts are made for consent_given and consent_renewed",
            stored.event.event_type().machine_name()
        ))));
    };
    let notice = s.store.consent_notice(&details.notice).await?;
    let history = s.store.consent_events_of(&stored.event.subject).await?;
    let index = history
        .iter()
        .position(|e| e.id == stored.id)
        .expect("an event is in its subject's history");
    let events: Vec<ConsentEvent> = history.into_iter().map(|e| e.event).collect();
    let activity: Option<Activity> = match &stored.event.activity {
        Some(a) => Some(s.store.activity(a).await?.activity),
        None => None,
    };
    let controller = Controller::from_organisation(&s.store.organisation().await?);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let policy_url = format!("https://{host}/privacy-request");
    let receipt_id = uuid::Uuid::new_v4().to_string();
    // The ledger knows the subject only by key, so that is the principal on the receipt.
    let subject = stored.event.subject.to_hex();
    let input = ReceiptInput {
        consent_id: &stored.id,
        receipt_id: &receipt_id,
        events: &events,
        consent: index,
        notice: &notice,
        activity: activity.as_ref(),
        controller: &controller,
        subject_identifier: &subject,
        policy_url: &policy_url,
        issued_at: now(),
    };
    let (doc, content_type) = match kind {
        ReceiptKind::Kantara => (kantara_receipt(&input), "application/json"),
        ReceiptKind::Dpv => (dpv_record(&input), "application/ld+json"),
    };
    let doc = doc.map_err(|e| ApiError::Conflict(e.to_string()))?;
    let mut res = Json(doc).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(res)
}

async fn receipt_kantara(
    State(s): State<AppState>,
    _can: Can<ReadConsent>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Fail> {
    receipt(&s, &headers, &id, ReceiptKind::Kantara).await
}

async fn receipt_dpv(
    State(s): State<AppState>,
    _can: Can<ReadConsent>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Fail> {
    receipt(&s, &headers, &id, ReceiptKind::Dpv).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use grondslag_domain::consent::{Effect, ObjectionKind};
    use grondslag_store::consent::ActivityName;

    /// Every shape of decision line is written byte for byte as serde writes it.
    #[test]
    fn a_decision_line_is_what_serde_writes() {
        let key = SubjectKey::from_hex(&"c3".repeat(32)).unwrap();
        let at = Utc.timestamp_opt(1_700_000_000, 123_456_000).unwrap();
        let row = |n: u128, effect| LedgerRow {
            id: uuid::Uuid::from_u128(n),
            at,
            activity: Some(ActivityName::intern("alumni \"nieuws\"")),
            purpose: None,
            effect,
        };
        let rows = [
            row(
                1,
                Effect::Consent {
                    explicit: false,
                    renewed: false,
                },
            ),
            row(2, Effect::Withdrawal),
            row(3, Effect::Objection(ObjectionKind::Gpc)),
        ];
        let needs = ActivityConsentNeeds::for_purpose(Purpose::DirectMarketing);
        for (index, activity, purpose, events) in [
            (Some(0), Some("alumni \"nieuws\""), None, &rows[..2]),
            (None, Some("plain-id"), None, &rows[..1]),
            (Some(12345), None, Some(Purpose::DirectMarketing), &rows[..]),
            (Some(7), None, Some(Purpose::StudentRecruitment), &rows[..0]),
        ] {
            let q = Question {
                subject: key,
                activity: activity.map(str::to_string),
                purpose,
                needs,
                at: at + chrono::TimeDelta::days(1),
            };
            let out = answer(&q, events, index);
            let mut ours = Vec::new();
            out.write_line(&mut ours);
            let mut theirs = Vec::new();
            write_line(&mut theirs, &out);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }
}
