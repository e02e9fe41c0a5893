//! A request's restriction reaches the consent ledger (RU 4:5; DSR-4): restricting or
//! lifting on the request writes, in the same transaction, a ledger event for every
//! identifier the request gives, so the ledger's decisions deny processing at once.

use crate::AppState;
use chrono::{DurationRound, TimeDelta, Utc};
use grondslag_domain::consent::{
    ConsentEvent, EventKind, IdentifierKind, LedgerEntry, RecordedBy, Scope, SubjectId, SubjectKey,
};
use grondslag_domain::requests::{Action, Request};
use grondslag_store::accounts::User;
use grondslag_store::StoreError;

/// The ledger events a request step needs: none unless it restricts or lifts and the
/// ledger has its key (without one there are no subject keys to write).
pub async fn ledger_events(
    s: &AppState,
    r: &Request,
    action: &Action,
    user: &User,
) -> Result<Vec<ConsentEvent>, StoreError> {
    let Some(secret) = &s.consent_key else {
        return Ok(Vec::new());
    };
    let (set, note) = match action {
        Action::Restrict { note } => (true, note),
        Action::LiftRestriction { note } => (false, note),
        _ => return Ok(Vec::new()),
    };
    let mut ids = Vec::new();
    let mut add = |kind, value: &Option<String>| {
        if let Some(id) = value
            .as_deref()
            .and_then(|v| SubjectId::parse(kind, v).ok())
        {
            ids.push(id);
        }
    };
    add(IdentifierKind::Email, &r.input.email);
    add(IdentifierKind::Phone, &r.input.phone);
    add(IdentifierKind::StudentNumber, &r.input.university_number);
    add(IdentifierKind::StaffNumber, &r.input.university_number);
    let mut keys: Vec<SubjectKey> = Vec::new();
    for id in &ids {
        let k = secret.subject_key(id);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    // Whole seconds: the write that records it is never earlier than this.
    let at = Utc::now()
        .duration_trunc(TimeDelta::seconds(1))
        .expect("whole seconds fit");
    let mut events = Vec::new();
    for subject in keys {
        // Lifting applies where the ledger has a restriction in force.
        if !set && !restricted(s, &subject).await? {
            continue;
        }
        events.push(ConsentEvent {
            subject,
            activity: None,
            purpose: None,
            at,
            recorded_by: RecordedBy::staff(&user.username),
            evidence: format!("request {}", r.reference),
            kind: if set {
                EventKind::RestrictionSet {
                    grounds: if note.trim().is_empty() {
                        format!("request {} (RU 4:5)", r.reference)
                    } else {
                        note.clone()
                    },
                }
            } else {
                EventKind::RestrictionLifted
            },
        });
    }
    Ok(events)
}

/// Whether the subject's last subject-wide restriction event set one.
async fn restricted(s: &AppState, subject: &SubjectKey) -> Result<bool, StoreError> {
    let events = s.store.consent_events_of(subject).await?;
    Ok(events
        .iter()
        .rev()
        .filter(|e| matches!(e.scope(), Scope::Subject))
        .find_map(|e| match e.event.kind {
            EventKind::RestrictionSet { .. } => Some(true),
            EventKind::RestrictionLifted => Some(false),
            _ => None,
        })
        .unwrap_or(false))
}
