//! The consent ledger's pure core (CON-1 to CON-7, LAW-5, DSR-4, SEC-4; `docs/consent.md`):
//! who the subject is, what happened, what that means at a given moment, and how to show it
//! to the subject.
//!
//! - `identifier`: e-mail addresses, phone numbers and student and staff numbers, normalised,
//!   and the pseudonymous [`SubjectKey`] (HMAC-SHA256 under the server's secret) the ledger
//!   knows subjects by (SEC-4).
//! - `event`: the append-only events (consent given, renewed, withdrawn; objections and the
//!   FG's assessment; GPC signals; restrictions), the consent [`Notice`] they point to by
//!   hash, and the validation of new events against a subject's history.
//! - `decision`: [`decide`], allowed or denied at a time, with the reason and the events that
//!   decided it. It allocates nothing, for the batch and audience paths.
//! - `notice`: managed consent notices, Dutch and English, with their versions and the
//!   check before one is published.
//! - `receipt`: a Kantara Consent Receipt v1.1 and a DPV (ISO/IEC TS 27560) JSON-LD record of
//!   one consent.
//! - `terms`: the vocabularies (glossary §10 and §13).
//!
//! Like the rest of the domain, nothing here reads the clock, the configuration or storage:
//! `now`, the secret key and the subject's events come in as arguments.

mod decision;
mod event;
mod identifier;
mod notice;
mod receipt;
mod terms;

pub use decision::{decide, ActivityConsentNeeds, Decision, EventRefs, PurposeSet, Target};
pub use event::{
    consent_status, validate_batch, validate_event, ConsentDetails, ConsentEvent, Effect,
    EventKind, LedgerEntry, LedgerView, MemoryLedger, Notice, NoticeHash, RecordedBy, Scope,
};
pub use identifier::{
    IdentifierError, KeyError, PseudonymKey, SubjectId, SubjectKey, MIN_SECRET_LEN,
};
pub use notice::{validate_notice_id, NoticeContent, NoticeStatus};
pub use receipt::{
    check_kantara, dpv_record, kantara_receipt, Controller, ReceiptError, ReceiptInput,
    KANTARA_VERSION,
};
pub use terms::{ConsentStatus, EventType, IdentifierKind, ObjectionKind, Reason, RecorderKind};

#[cfg(test)]
mod tests;
