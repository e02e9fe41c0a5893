//! The ledger's events and their validation (CON-1 to CON-4, DSR-4).
//!
//! Events are facts: they are appended, never changed. A consent names the notice that was
//! shown by the SHA-256 of its exact text ([`NoticeHash`]), so the text is stored once however
//! many people agreed to it.
//!
//! Every event has a scope: an activity (`activity`, the id of a register activity), a purpose
//! (`purpose`, a machine name of the glossary), or neither, which means the subject as a whole.
//! Consents, withdrawals and objections that the FG weighs always name an activity or a
//! purpose (consent is specific, CON-1); restrictions and the absolute objections may cover
//! the whole subject.

use super::identifier::SubjectKey;
use super::terms::{ConsentStatus, EventType, ObjectionKind, RecorderKind};
use crate::register::check_text;
use crate::validation::join_path;
use crate::vocab::{ConsentMethod, Purpose, Term};
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// The text of a consent notice exactly as it was shown (GDPR 7(1), CON-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Notice {
    /// A stable name for the notice, e.g. `alumni-newsletter`.
    pub id: String,
    /// The version shown, e.g. `2025-03` or `3`.
    pub version: String,
    /// The language of the text as a BCP 47 tag (`nl`, `en`, `de-AT`).
    pub language: String,
    /// The exact text shown, byte for byte.
    pub text: String,
}

impl Notice {
    /// The SHA-256 of the text's UTF-8 bytes, unchanged: a different space or line ending is
    /// a different text, because it is what the subject saw.
    pub fn hash(&self) -> NoticeHash {
        NoticeHash(Sha256::digest(self.text.as_bytes()).into())
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "id", &self.id, true, 100);
        check_text(&mut e, "version", &self.version, true, 50);
        if !is_language_tag(&self.language) {
            e.add(
                "language",
                "invalid_format",
                format!(
                    "\"{}\" is not a language tag; expected one such as nl, en or de-AT",
                    self.language
                ),
            );
        }
        check_text(&mut e, "text", &self.text, true, 100_000);
        e
    }
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The SHA-256 of a notice's text, written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoticeHash([u8; 32]);

impl NoticeHash {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        NoticeHash(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        // `hex::encode` goes a character at a time; the ledger writes millions of keys.
        let mut digits = [0u8; 64];
        hex::encode_to_slice(self.0, &mut digits).expect("64 digits for 32 bytes");
        String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
    }

    pub fn from_hex(s: &str) -> Option<NoticeHash> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(NoticeHash(out))
    }
}

impl fmt::Display for NoticeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for NoticeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoticeHash({})", self.to_hex())
    }
}

impl Serialize for NoticeHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for NoticeHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        NoticeHash::from_hex(&s).ok_or_else(|| {
            serde::de::Error::custom(
                "expected the SHA-256 of a notice text in 64 hexadecimal digits",
            )
        })
    }
}

impl JsonSchema for NoticeHash {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NoticeHash".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-fA-F]{64}$",
            "description": "SHA-256 of the exact notice text, in hex"
        })
    }
}

/// Who put the event in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecordedBy {
    pub kind: RecorderKind,
    /// The system's name (`website`, `crm`) or the staff member's user name.
    pub name: String,
}

impl RecordedBy {
    pub fn system(name: &str) -> Self {
        RecordedBy {
            kind: RecorderKind::System,
            name: name.to_string(),
        }
    }

    pub fn staff(name: &str) -> Self {
        RecordedBy {
            kind: RecorderKind::Staff,
            name: name.to_string(),
        }
    }
}

/// How a consent was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConsentDetails {
    /// The notice shown: the SHA-256 of its exact text.
    pub notice: NoticeHash,
    pub method: ConsentMethod,
    /// Explicit consent: an express, separate statement (RU 4:8 lid 2, GDPR 9(2)(a), LAW-5).
    /// Ordinary consent does not satisfy an activity that needs explicit consent.
    #[serde(default)]
    pub explicit: bool,
    /// The staff member who witnessed a verbal consent (required for `verbal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
}

/// What happened. The JSON `type` is the glossary's machine name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum EventKind {
    #[serde(rename = "consent_given")]
    ConsentGiven(ConsentDetails),
    /// A consent given again, e.g. after a new notice or a withdrawal (DPV
    /// RenewedConsentGiven). There must have been an earlier consent in the same scope.
    #[serde(rename = "consent_renewed")]
    ConsentRenewed(ConsentDetails),
    /// The subject withdraws the consent in force in this scope (RU 4:7, GDPR 7(3)).
    #[serde(rename = "consent_withdrawn")]
    ConsentWithdrawn,
    /// Objection to direct marketing: absolute (RU 4:4 lid 2, GDPR 21(2) and (3)).
    #[serde(rename = "direct_marketing_objection")]
    DirectMarketingObjection,
    /// Objection to retargeting: stops it at once (UM 4.4).
    #[serde(rename = "retargeting_objection")]
    RetargetingObjection,
    /// A `Sec-GPC: 1` header: an objection to targeting (GDPR 21(5)).
    #[serde(rename = "gpc_signal")]
    GpcSignal,
    /// Objection to processing on legitimate interest or public task (GDPR 21(1)): pending
    /// until the FG upholds or rejects it (RU 4:4 lid 3).
    #[serde(rename = "objection")]
    Objection {
        /// The subject's grounds, in their words.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        grounds: String,
    },
    /// The FG upholds the pending objection in this scope: processing stops.
    #[serde(rename = "objection_upheld")]
    ObjectionUpheld { reasons: String },
    /// The FG rejects the pending objection in this scope: compelling legitimate grounds
    /// override it (GDPR 21(1)), and processing goes on.
    #[serde(rename = "objection_rejected")]
    ObjectionRejected { reasons: String },
    /// The subject takes back an objection of this kind in this scope.
    #[serde(rename = "objection_withdrawn")]
    ObjectionWithdrawn { objection: ObjectionKind },
    /// Restriction of processing (RU 4:5, GDPR 18, DSR-4): nothing but storage until lifted.
    #[serde(rename = "restriction_set")]
    RestrictionSet {
        /// Why, e.g. "accuracy contested (GDPR 18(1)(a))".
        #[serde(default, skip_serializing_if = "String::is_empty")]
        grounds: String,
    },
    #[serde(rename = "restriction_lifted")]
    RestrictionLifted,
}

/// One event in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConsentEvent {
    pub subject: SubjectKey,
    /// The activity (its register id) the event is about, or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// The purpose the event is about, or none. Not both an activity and a purpose; neither
    /// means the subject as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// When it happened (not when it was recorded). At most `now`.
    pub at: DateTime<Utc>,
    pub recorded_by: RecordedBy,
    /// The evidence: a form submission id, the scan of a paper form, a call note. Required
    /// for a consent (CON-1).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope<'a> {
    Activity(&'a str),
    Purpose(Purpose),
    /// The whole subject: every activity the event kind concerns.
    Subject,
}

/// What an event does to the decision, without its details. [`LedgerEntry::effect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Consent { explicit: bool, renewed: bool },
    Withdrawal,
    Objection(ObjectionKind),
    ObjectionUpheld,
    ObjectionRejected,
    ObjectionWithdrawn(ObjectionKind),
    RestrictionSet,
    RestrictionLifted,
}

/// What [`super::decide`] needs of an event. The store may implement it for a compact row
/// type of its own, so that decisions need not build whole [`ConsentEvent`]s.
pub trait LedgerEntry {
    fn at(&self) -> DateTime<Utc>;
    fn scope(&self) -> Scope<'_>;
    fn effect(&self) -> Effect;
}

impl ConsentEvent {
    pub fn event_type(&self) -> EventType {
        match &self.kind {
            EventKind::ConsentGiven(_) => EventType::ConsentGiven,
            EventKind::ConsentRenewed(_) => EventType::ConsentRenewed,
            EventKind::ConsentWithdrawn => EventType::ConsentWithdrawn,
            EventKind::DirectMarketingObjection => EventType::DirectMarketingObjection,
            EventKind::RetargetingObjection => EventType::RetargetingObjection,
            EventKind::GpcSignal => EventType::GpcSignal,
            EventKind::Objection { .. } => EventType::Objection,
            EventKind::ObjectionUpheld { .. } => EventType::ObjectionUpheld,
            EventKind::ObjectionRejected { .. } => EventType::ObjectionRejected,
            EventKind::ObjectionWithdrawn { .. } => EventType::ObjectionWithdrawn,
            EventKind::RestrictionSet { .. } => EventType::RestrictionSet,
            EventKind::RestrictionLifted => EventType::RestrictionLifted,
        }
    }

    /// The consent details of a `consent_given` or `consent_renewed` event.
    pub fn consent(&self) -> Option<&ConsentDetails> {
        match &self.kind {
            EventKind::ConsentGiven(d) | EventKind::ConsentRenewed(d) => Some(d),
            _ => None,
        }
    }

    /// Whether this kind of event must name an activity or a purpose.
    fn needs_scope(&self) -> bool {
        matches!(
            self.kind,
            EventKind::ConsentGiven(_)
                | EventKind::ConsentRenewed(_)
                | EventKind::ConsentWithdrawn
                | EventKind::Objection { .. }
                | EventKind::ObjectionUpheld { .. }
                | EventKind::ObjectionRejected { .. }
        ) || matches!(
            self.kind,
            EventKind::ObjectionWithdrawn {
                objection: ObjectionKind::Objection
            }
        )
    }

    /// Checks the event's own fields: everything that needs neither the subject's history nor
    /// the register, except the time, which needs `now`.
    fn validate_fields(&self, now: DateTime<Utc>, e: &mut ValidationErrors) {
        if self.at > now {
            e.add(
                "at",
                "future",
                format!(
                    "{} is in the future (now is {}); record events when they have happened",
                    self.at.to_rfc3339(),
                    now.to_rfc3339()
                ),
            );
        }
        match (&self.activity, self.purpose) {
            (Some(_), Some(_)) => e.add(
                "purpose",
                "not_allowed",
                "give an activity or a purpose, not both",
            ),
            (None, None) if self.needs_scope() => e.add(
                "activity",
                "required",
                format!(
                    "is required: a {} names the activity or the purpose it is about (give activity or purpose)",
                    self.event_type().machine_name()
                ),
            ),
            (Some(a), None) => check_text(e, "activity", a, true, 100),
            _ => {}
        }
        check_text(e, "recorded_by.name", &self.recorded_by.name, true, 200);
        check_text(e, "evidence", &self.evidence, false, 2000);
        match &self.kind {
            EventKind::ConsentGiven(d) | EventKind::ConsentRenewed(d) => {
                if self.evidence.trim().is_empty() {
                    e.add(
                        "evidence",
                        "required",
                        "is required for a consent: say where the proof is (form submission, scan, call note) (CON-1)",
                    );
                }
                match &d.witness {
                    Some(w) => check_text(e, "witness", w, true, 200),
                    None if d.method == ConsentMethod::Verbal => e.add(
                        "witness",
                        "required",
                        "is required for a verbal consent: the staff member who witnessed it (CON-1)",
                    ),
                    None => {}
                }
            }
            EventKind::Objection { grounds } | EventKind::RestrictionSet { grounds } => {
                check_text(e, "grounds", grounds, false, 4000)
            }
            EventKind::ObjectionUpheld { reasons } | EventKind::ObjectionRejected { reasons } => {
                check_text(e, "reasons", reasons, true, 4000)
            }
            _ => {}
        }
    }
}

impl LedgerEntry for ConsentEvent {
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
        match &self.kind {
            EventKind::ConsentGiven(d) => Effect::Consent {
                explicit: d.explicit,
                renewed: false,
            },
            EventKind::ConsentRenewed(d) => Effect::Consent {
                explicit: d.explicit,
                renewed: true,
            },
            EventKind::ConsentWithdrawn => Effect::Withdrawal,
            EventKind::DirectMarketingObjection => {
                Effect::Objection(ObjectionKind::DirectMarketing)
            }
            EventKind::RetargetingObjection => Effect::Objection(ObjectionKind::Retargeting),
            EventKind::GpcSignal => Effect::Objection(ObjectionKind::Gpc),
            EventKind::Objection { .. } => Effect::Objection(ObjectionKind::Objection),
            EventKind::ObjectionUpheld { .. } => Effect::ObjectionUpheld,
            EventKind::ObjectionRejected { .. } => Effect::ObjectionRejected,
            EventKind::ObjectionWithdrawn { objection } => Effect::ObjectionWithdrawn(*objection),
            EventKind::RestrictionSet { .. } => Effect::RestrictionSet,
            EventKind::RestrictionLifted => Effect::RestrictionLifted,
        }
    }
}

/// What validation needs to know besides the new events: the subject's recorded events and
/// which activities and notices exist. The store fills a [`MemoryLedger`] with the subjects
/// of a batch, or implements this over its own caches.
pub trait LedgerView {
    /// How the view holds a recorded event: validation needs its time, scope and effect.
    type Entry: LedgerEntry;
    /// The subject's recorded events, in time order (ties in the order they were recorded).
    fn events(&self, subject: &SubjectKey) -> &[Self::Entry];
    /// Whether the register has an activity with this id that may take consent events.
    fn activity_exists(&self, id: &str) -> bool;
    /// Whether the notice with this hash is stored.
    fn notice_exists(&self, hash: &NoticeHash) -> bool;
}

/// A [`LedgerView`] held in memory, of whole events or of anything else that is a
/// [`LedgerEntry`].
#[derive(Debug, Clone)]
pub struct MemoryLedger<E = ConsentEvent> {
    pub events: HashMap<SubjectKey, Vec<E>>,
    pub activities: HashSet<String>,
    pub notices: HashSet<NoticeHash>,
}

impl<E> Default for MemoryLedger<E> {
    fn default() -> Self {
        MemoryLedger {
            events: HashMap::new(),
            activities: HashSet::new(),
            notices: HashSet::new(),
        }
    }
}

impl<E: LedgerEntry> LedgerView for MemoryLedger<E> {
    type Entry = E;
    fn events(&self, subject: &SubjectKey) -> &[E] {
        self.events.get(subject).map(Vec::as_slice).unwrap_or(&[])
    }
    fn activity_exists(&self, id: &str) -> bool {
        self.activities.contains(id)
    }
    fn notice_exists(&self, hash: &NoticeHash) -> bool {
        self.notices.contains(hash)
    }
}

/// An owned [`Scope`], to key the state of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ScopeKey {
    Activity(String),
    Purpose(Purpose),
    Subject,
}

impl ScopeKey {
    fn of(scope: Scope<'_>) -> ScopeKey {
        match scope {
            Scope::Activity(a) => ScopeKey::Activity(a.to_string()),
            Scope::Purpose(p) => ScopeKey::Purpose(p),
            Scope::Subject => ScopeKey::Subject,
        }
    }

    fn describe(&self) -> String {
        match self {
            ScopeKey::Activity(a) => format!("activity \"{a}\""),
            ScopeKey::Purpose(p) => format!("purpose {}", p.machine_name()),
            ScopeKey::Subject => "the subject as a whole".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum LiState {
    #[default]
    None,
    Pending,
    Upheld,
    Rejected,
}

/// The state of one subject in one exact scope, as far as validation needs it.
#[derive(Debug, Clone, Default)]
struct ScopeState {
    latest: Option<DateTime<Utc>>,
    consent_ever: bool,
    consent_in_force: bool,
    restricted: bool,
    li: LiState,
    /// Absolute objections in force: direct marketing, retargeting, GPC.
    absolute: [bool; 3],
}

fn absolute_index(kind: ObjectionKind) -> Option<usize> {
    match kind {
        ObjectionKind::DirectMarketing => Some(0),
        ObjectionKind::Retargeting => Some(1),
        ObjectionKind::Gpc => Some(2),
        ObjectionKind::Objection => None,
    }
}

impl ScopeState {
    fn replay<'e, E: LedgerEntry + 'e>(events: impl Iterator<Item = &'e E>) -> ScopeState {
        let mut s = ScopeState::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    fn objection_in_force(&self, kind: ObjectionKind) -> bool {
        match absolute_index(kind) {
            Some(i) => self.absolute[i],
            None => matches!(self.li, LiState::Pending | LiState::Upheld),
        }
    }

    /// Why `e` cannot follow the events so far in this scope, if it cannot.
    fn refuse(&self, e: &ConsentEvent, scope: &ScopeKey) -> Option<(&'static str, String)> {
        let at = e.at.to_rfc3339();
        let scope = scope.describe();
        match e.effect() {
            Effect::Consent { renewed: true, .. } if !self.consent_ever => Some((
                "no_prior_consent",
                format!("there is no earlier consent for {scope} to renew; record a consent_given"),
            )),
            Effect::Withdrawal if !self.consent_in_force => Some((
                "no_consent_in_force",
                format!("there is no consent in force for {scope} at {at}; a withdrawal needs a prior consent"),
            )),
            Effect::Objection(ObjectionKind::Objection) if self.objection_in_force(ObjectionKind::Objection) => Some((
                "already_objected",
                format!("an objection for {scope} is already pending or upheld"),
            )),
            Effect::ObjectionUpheld | Effect::ObjectionRejected if self.li != LiState::Pending => Some((
                "no_pending_objection",
                format!("there is no pending objection for {scope} at {at} to assess"),
            )),
            Effect::ObjectionWithdrawn(kind) if !self.objection_in_force(kind) => Some((
                "no_objection_in_force",
                format!("there is no {} in force for {scope} at {at}", kind.machine_name()),
            )),
            Effect::RestrictionSet if self.restricted => Some((
                "already_restricted",
                format!("processing for {scope} is already restricted"),
            )),
            Effect::RestrictionLifted if !self.restricted => Some((
                "not_restricted",
                format!("there is no restriction for {scope} at {at} to lift"),
            )),
            _ => None,
        }
    }

    fn apply(&mut self, e: &impl LedgerEntry) {
        let at = e.at();
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        match e.effect() {
            Effect::Consent { .. } => {
                self.consent_ever = true;
                self.consent_in_force = true;
            }
            Effect::Withdrawal => self.consent_in_force = false,
            Effect::Objection(kind) => match absolute_index(kind) {
                Some(i) => self.absolute[i] = true,
                None => self.li = LiState::Pending,
            },
            Effect::ObjectionUpheld if self.li == LiState::Pending => self.li = LiState::Upheld,
            Effect::ObjectionRejected if self.li == LiState::Pending => self.li = LiState::Rejected,
            Effect::ObjectionUpheld | Effect::ObjectionRejected => {}
            Effect::ObjectionWithdrawn(kind) => match absolute_index(kind) {
                Some(i) => self.absolute[i] = false,
                None => self.li = LiState::None,
            },
            Effect::RestrictionSet => self.restricted = true,
            Effect::RestrictionLifted => self.restricted = false,
        }
    }
}

/// Checks one new event against the subject's recorded events, the register and `now`.
/// Paths are relative to the event (`at`, `witness`, ...).
pub fn validate_event(
    view: &impl LedgerView,
    event: &ConsentEvent,
    now: DateTime<Utc>,
) -> ValidationErrors {
    check_items(view, std::slice::from_ref(event), now, |_| String::new())
}

/// Checks a batch of new events, all or nothing: every problem of every item, at paths such as
/// `items[3].at`. Items of one subject and scope are taken in order, so a batch may hold a
/// consent and its withdrawal.
pub fn validate_batch(
    view: &impl LedgerView,
    items: &[ConsentEvent],
    now: DateTime<Utc>,
) -> Result<(), ValidationErrors> {
    check_items(view, items, now, |i| format!("items[{i}]")).into_result(())
}

fn check_items(
    view: &impl LedgerView,
    items: &[ConsentEvent],
    now: DateTime<Utc>,
    prefix: impl Fn(usize) -> String,
) -> ValidationErrors {
    let mut all = ValidationErrors::new();
    let mut states: HashMap<(SubjectKey, ScopeKey), ScopeState> = HashMap::new();
    for (i, e) in items.iter().enumerate() {
        let mut errs = ValidationErrors::new();
        e.validate_fields(now, &mut errs);
        if let Some(a) = &e.activity {
            if !a.trim().is_empty() && !view.activity_exists(a) {
                errs.add(
                    "activity",
                    "unknown_reference",
                    format!("no activity has the id \"{a}\""),
                );
            }
        }
        if let Some(d) = e.consent() {
            if !view.notice_exists(&d.notice) {
                errs.add(
                    "notice",
                    "unknown_reference",
                    format!(
                        "no consent notice has the hash {}; store the notice's text first",
                        d.notice
                    ),
                );
            }
        }
        let scope = ScopeKey::of(e.scope());
        let state = states.entry((e.subject, scope.clone())).or_insert_with(|| {
            ScopeState::replay(
                view.events(&e.subject)
                    .iter()
                    .filter(|r| ScopeKey::of(r.scope()) == scope),
            )
        });
        if let Some(latest) = state.latest.filter(|l| e.at < *l) {
            errs.add(
                "at",
                "out_of_order",
                format!(
                    "{} is earlier than the last event for {} ({}); events of one scope are recorded in time order",
                    e.at.to_rfc3339(),
                    scope.describe(),
                    latest.to_rfc3339()
                ),
            );
        }
        // An item whose time is wrong is not taken into the state, so that the items after
        // it are judged against the history as it stands, not against a misdated event.
        let time_ok = errs.at("at").is_none();
        match state.refuse(e, &scope) {
            Some((code, message)) => errs.add("", code, message),
            None if time_ok => state.apply(e),
            None => {}
        }
        let p = prefix(i);
        for err in errs {
            let path = join_path(&p, &err.path);
            all.add(path, err.code, err.message);
        }
    }
    all
}

/// The DPV status of the consent at `events[index]` at time `at`, with the index of the
/// withdrawal that ended it: `consent_given` or `consent_renewed` until the first withdrawal
/// in its scope, `consent_withdrawn` from then on. `None` when the event is not a consent.
/// `events` is the subject's history in time order.
pub fn consent_status<E: LedgerEntry>(
    events: &[E],
    index: usize,
    at: DateTime<Utc>,
) -> Option<(ConsentStatus, Option<usize>)> {
    let consent = events.get(index)?;
    let Effect::Consent { renewed, .. } = consent.effect() else {
        return None;
    };
    let scope = consent.scope();
    let withdrawal = events
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, e)| e.effect() == Effect::Withdrawal && e.scope() == scope)
        .map(|(i, _)| i);
    match withdrawal.filter(|w| events[*w].at() <= at) {
        Some(w) => Some((ConsentStatus::Withdrawn, Some(w))),
        None if renewed => Some((ConsentStatus::Renewed, None)),
        None => Some((ConsentStatus::Given, None)),
    }
}
