//! The consent ledger in the UI: look up a person by an identifier (posted, so it never
//! lands in a URL or an access log), see their timeline and, per activity that rests on
//! consent, whether their data may be processed now and why (CON-1 to CON-7, DSR-4).

use super::{choices, render, Choice, Ctx};
use crate::access::{PageCan, ReadConsent};
use crate::error::PageError;
use crate::i18n::{t, UserLang};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use grondslag_domain::consent::{decide, ActivityConsentNeeds, IdentifierKind, SubjectId, Target};
use grondslag_domain::vocab::Term;
use grondslag_domain::Lang;
use grondslag_store::accounts::User;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/consent", get(form).post(lookup))
}

/// One event of the person's timeline.
pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub scope: String,
    pub by: String,
    pub evidence: String,
}

/// Whether one activity may process the person's data now.
pub struct DecisionRow {
    pub activity: String,
    pub allowed: bool,
    pub reason: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "consent/lookup.html")]
struct LookupPage {
    ctx: Ctx,
    kinds: Vec<Choice>,
    value: String,
    error: Option<String>,
    /// None before a lookup; the person's pseudonymous key after.
    subject: Option<String>,
    events: Vec<EventRow>,
    decisions: Vec<DecisionRow>,
    configured: bool,
}

fn page(lang: Lang, user: &User, s: &AppState, kind: &str, value: String) -> LookupPage {
    LookupPage {
        ctx: Ctx::new(lang, Some(user), "/consent"),
        kinds: choices::<IdentifierKind>(lang, &[kind.to_string()]),
        value,
        error: None,
        subject: None,
        events: Vec::new(),
        decisions: Vec::new(),
        configured: s.consent_key.is_some(),
    }
}

async fn form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadConsent>,
) -> Response {
    render(&page(lang, &can.user, &s, "email", String::new()))
}

#[derive(Deserialize)]
struct Lookup {
    kind: String,
    value: String,
}

async fn lookup(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadConsent>,
    Form(q): Form<Lookup>,
) -> Result<Response, PageError> {
    let mut p = page(lang, &can.user, &s, &q.kind, q.value.clone());
    let Some(key) = s.consent_key.clone() else {
        let mut res = render(&p);
        *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return Ok(res);
    };
    let id = IdentifierKind::from_machine_name(&q.kind)
        .ok_or_else(|| t(lang, "error-field-unknown-value"))
        .and_then(|kind| {
            SubjectId::parse(kind, &q.value).map_err(|_| t(lang, "consent-identifier-malformed"))
        });
    let id = match id {
        Ok(id) => id,
        Err(message) => {
            p.error = Some(message);
            let mut res = render(&p);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let subject = key.subject_key(&id);
    let events = s
        .store
        .consent_events_of(&subject)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let activities = s
        .store
        .current_activities()
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let now = chrono::Utc::now();
    p.decisions = activities
        .iter()
        .filter_map(|a| {
            let needs = ActivityConsentNeeds::from_activity(&a.activity);
            let d = decide(&events, &needs, Target::Activity(&a.id), now);
            // Activities whose basis needs no consent and that nothing restricts are noise
            // here; the API answers for them too.
            (d.reason.machine_name() != "basis_not_consent" || !d.allowed).then(|| DecisionRow {
                activity: a.activity.name.clone(),
                allowed: d.allowed,
                reason: d.reason.label(lang).to_string(),
                since: d
                    .since
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default(),
            })
        })
        .collect();
    p.events = events
        .iter()
        .map(|e| EventRow {
            at: e.event.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            kind: e.event.event_type().label(lang).to_string(),
            scope: e
                .event
                .activity
                .clone()
                .or_else(|| e.event.purpose.map(|p| p.label(lang).to_string()))
                .unwrap_or_else(|| t(lang, "consent-scope-subject")),
            by: format!(
                "{} {}",
                e.event.recorded_by.kind.label(lang),
                e.event.recorded_by.name
            ),
            evidence: e.event.evidence.clone(),
        })
        .collect();
    p.subject = Some(subject.to_hex());
    Ok(render(&p))
}
