//! The FG office's pages for data-subject requests: the queue by deadline, taking in a
//! request that came by letter, phone or e-mail, a request with its deadline explained, its
//! timeline and the steps that can be taken, and the statistics per right and month.

use super::activities::error_message;
use super::{choices, render, Choice, Ctx};
use crate::access::{ApproveErasure, HandleRequests, PageCan, ReadRequests};
use crate::error::PageError;
use crate::fulfil::{self, FulfilError};
use crate::i18n::{t, t_args, UserLang};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use grondslag_domain::access::{reach, Permission, Reach};
use grondslag_domain::datastore::{
    display_value, ColumnAction, ErasureAction, MaskSpec, RowAction,
};
use grondslag_domain::deadline::DeadlineStatus;
use grondslag_domain::requests::{
    extension_closed, Action, Channel, ExtensionReason, Outcome, RefusalGround, Request,
    RequestInput, RequestState, Right, VerificationMethod,
};
use grondslag_domain::vocab::Term;
use grondslag_domain::{Lang, ValidationErrors};
use grondslag_store::accounts::User;
use grondslag_store::requests::RequestFilter;
use grondslag_store::StoreError;
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(queue))
        .route("/requests/new", get(new_form).post(create))
        .route("/requests/statistics", get(statistics))
        .route("/requests/{id}", get(show))
        .route("/requests/{id}/actions", post(act))
        .route("/requests/{id}/access", get(access_page))
        .route("/requests/{id}/access.json", get(access_json))
        .route("/requests/{id}/portability.json", get(portability_json))
        .route("/requests/{id}/portability.csv", get(portability_csv))
        .route("/requests/{id}/erasure/plan", post(erasure_plan))
        .route("/requests/{id}/erasure/approve", post(erasure_approve))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn may_handle(user: &User) -> bool {
    user.grants
        .iter()
        .any(|g| reach(g.role, Permission::HandleRequests) != Reach::None)
}

fn rights_text(rights: &[Right], lang: Lang) -> String {
    rights
        .iter()
        .map(|r| r.label(lang))
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_text(status: Option<DeadlineStatus>, lang: Lang) -> (String, String) {
    match status {
        Some(s) => (s.machine_name().to_string(), s.label(lang).to_string()),
        None => ("closed".into(), String::new()),
    }
}

/// A row of the queue.
pub struct QueueRow {
    pub id: String,
    pub reference: String,
    pub name: String,
    pub rights: String,
    pub state: String,
    pub received_on: String,
    pub due: String,
    pub status_key: String,
    pub status: String,
    pub handler: String,
}

#[derive(Template)]
#[template(path = "requests/queue.html")]
struct QueuePage {
    ctx: Ctx,
    rows: Vec<QueueRow>,
    count: String,
    all: bool,
    q: String,
    states: Vec<Choice>,
    rights: Vec<Choice>,
    can_handle: bool,
    page: u32,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct QueueQuery {
    all: Option<String>,
    state: Option<String>,
    right: Option<String>,
    q: Option<String>,
    page: Option<u32>,
}

const PER_PAGE: u32 = 50;

async fn queue(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRequests>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let all = q.all.as_deref() == Some("true");
    let state = q.state.as_deref().and_then(RequestState::from_machine_name);
    let right = q.right.as_deref().and_then(Right::from_machine_name);
    let filter = RequestFilter {
        open: !all,
        state,
        right,
        handler: None,
        q: q.q.clone(),
        due_by: None,
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let page = s
        .store
        .list_requests(&filter, page_no, PER_PAGE)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let today = today();
    let mut rows = Vec::new();
    for row in page.items {
        let r: Request = serde_json::from_str(&row.doc)
            .map_err(|e| PageError::new(lang, StoreError::Conflict(e.to_string())))?;
        let due = r
            .deadline()
            .map_err(|e| PageError::new(lang, StoreError::Conflict(e.to_string())))?
            .due;
        let (status_key, status) = status_text(r.deadline_status(today), lang);
        rows.push(QueueRow {
            id: r.id.clone(),
            reference: r.reference.clone(),
            name: r.input.name.clone(),
            rights: rights_text(&r.input.rights, lang),
            state: r.state.label(lang).to_string(),
            received_on: r.input.received_on.to_string(),
            due: due.to_string(),
            status_key,
            status,
            handler: r.handler.clone().unwrap_or_default(),
        });
    }
    let pages = ((page.total + PER_PAGE as i64 - 1) / PER_PAGE as i64).max(1);
    let link = |p: u32| {
        let mut query = vec![("page", p.to_string())];
        if all {
            query.push(("all", "true".into()));
        }
        for (k, v) in [("state", &q.state), ("right", &q.right), ("q", &q.q)] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                query.push((k, v.clone()));
            }
        }
        format!(
            "/requests?{}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        )
    };
    let here = link(page_no);
    Ok(render(&QueuePage {
        count: t_args(lang, "requests-count", &[("count", page.total.into())]),
        ctx: Ctx::new(lang, Some(&can.user), here),
        rows,
        all,
        q: q.q.clone().unwrap_or_default(),
        states: choices::<RequestState>(lang, &[q.state.clone().unwrap_or_default()]),
        rights: choices::<Right>(lang, &[q.right.clone().unwrap_or_default()]),
        can_handle: may_handle(&can.user),
        page: page_no,
        pages,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: ((page_no as i64) < pages).then(|| link(page_no + 1)),
    }))
}

#[derive(Template)]
#[template(path = "requests/new.html")]
struct NewPage {
    ctx: Ctx,
    rights: Vec<Choice>,
    channels: Vec<Choice>,
    values: Map<String, Value>,
    errors: Vec<(String, String)>,
}

impl NewPage {
    fn value(&self, field: &str) -> String {
        self.values
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(p, _)| p == field || p.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.clone())
    }
}

fn new_page(
    lang: Lang,
    user: &User,
    values: Map<String, Value>,
    errors: &ValidationErrors,
) -> NewPage {
    let selected = |key: &str| -> Vec<String> {
        match values.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    NewPage {
        ctx: Ctx::new(lang, Some(user), "/requests/new"),
        rights: choices::<Right>(lang, &selected("rights")),
        channels: choices::<Channel>(lang, &selected("channel"))
            .into_iter()
            .filter(|c| c.value != "web_form" && c.value != "api" && c.value != "opendsr")
            .collect(),
        errors: errors
            .iter()
            .map(|e| (e.path.clone(), field_message(lang, e.code)))
            .collect(),
        values,
    }
}

/// The sentence for an error code, in the user's language.
fn field_message(lang: Lang, code: &str) -> String {
    match code {
        "in_future" => t(lang, "error-field-in-future"),
        "not_allowed" => t(lang, "error-request-not-allowed"),
        "identity_first" => t(lang, "error-request-identity-first"),
        "too_late" => t(lang, "error-request-too-late"),
        "not_asked" => t(lang, "error-request-not-asked"),
        other => error_message(lang, other),
    }
}

async fn new_form(UserLang(lang): UserLang, PageCan(can): PageCan<HandleRequests>) -> Response {
    let mut values = Map::new();
    values.insert("received_on".into(), Value::String(today().to_string()));
    values.insert("channel".into(), Value::String("email".into()));
    render(&new_page(lang, &can.user, values, &ValidationErrors::new()))
}

/// Form fields as a JSON object: repeated fields (checkboxes) become lists, empty optional
/// fields are left out. The anti-forgery token is not part of the content.
fn form_object(fields: &[(String, String)], lists: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for list in lists {
        out.insert((*list).into(), Value::Array(Vec::new()));
    }
    for (k, v) in fields {
        if k == "csrf" || k == "version" {
            continue;
        }
        if lists.contains(&k.as_str()) {
            if let Some(Value::Array(a)) = out.get_mut(k) {
                a.push(Value::String(v.clone()));
            }
        } else if !v.trim().is_empty() {
            out.insert(k.clone(), Value::String(v.clone()));
        }
    }
    out
}

async fn create(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut values = form_object(&fields, &["rights"]);
    values
        .entry("description")
        .or_insert(Value::String(String::new()));
    values.entry("name").or_insert(Value::String(String::new()));
    let mut errors = ValidationErrors::new();
    // A date that does not parse is reported with the other fields' problems, which are
    // checked as if it were today.
    let mut parsed = values.clone();
    let received = values
        .get("received_on")
        .and_then(Value::as_str)
        .unwrap_or("");
    if received.parse::<NaiveDate>().is_err() {
        errors.add("received_on", "invalid_format", "expected YYYY-MM-DD");
        parsed.insert("received_on".into(), Value::String(today().to_string()));
    }
    let input = match serde_json::from_value::<RequestInput>(Value::Object(parsed)) {
        Ok(input) if errors.is_empty() => Some(input),
        Ok(input) => {
            errors.nest("", input.validate(today()));
            None
        }
        Err(e) => {
            errors.add("channel", "invalid", e.to_string());
            None
        }
    };
    let result = match input {
        Some(input) => s.store.create_request(&can.user.actor(), &input).await,
        None => Err(StoreError::Invalid(errors)),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(StoreError::Invalid(e)) => {
            let mut res = render(&new_page(lang, &can.user, values, &e));
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(PageError::new(lang, e)),
    }
}

/// A step on the request page's timeline.
pub struct TimelineRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub state: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "requests/show.html")]
struct ShowPage {
    ctx: Ctx,
    r: Request,
    rights: String,
    state: String,
    channel: String,
    due: String,
    status_key: String,
    status: String,
    explanation: Vec<String>,
    flagged: bool,
    checks: Vec<(String, String, String, String)>,
    extension: Option<(String, String, String)>,
    outcome: Option<(String, String)>,
    timeline: Vec<TimelineRow>,
    can_handle: bool,
    open: bool,
    identity_done: bool,
    methods: Vec<Choice>,
    reasons: Vec<Choice>,
    grounds: Vec<Choice>,
    errors: Vec<(String, String)>,
    failed_action: String,
    today: String,
    /// How many data stores requests can be fulfilled in.
    stores: usize,
    erasure_asked: bool,
    restriction_asked: bool,
    /// Why the last fulfilment step failed, in the user's language.
    fulfil_error: Option<String>,
}

impl ShowPage {
    fn error(&self, action: &str, field: &str) -> Option<String> {
        if self.failed_action != action {
            return None;
        }
        self.errors
            .iter()
            .find(|(p, _)| p == field)
            .map(|(_, m)| m.clone())
    }
}

async fn show_page(
    s: &AppState,
    lang: Lang,
    user: &User,
    r: Request,
    failed: Option<(&str, &ValidationErrors)>,
) -> Result<ShowPage, PageError> {
    let today = today();
    let deadline = r
        .deadline()
        .map_err(|e| PageError::new(lang, StoreError::Conflict(e.to_string())))?;
    let (status_key, status) = status_text(r.deadline_status(today), lang);
    let timeline = s
        .store
        .request_timeline(&r.id)
        .await
        .map_err(|e| PageError::new(lang, e))?
        .into_iter()
        .map(|e| TimelineRow {
            at: e.at.format("%Y-%m-%d %H:%M").to_string(),
            actor: e.actor,
            action: t(
                lang,
                &format!("request-step-{}", e.action.replace('_', "-")),
            ),
            state: RequestState::from_machine_name(&e.state)
                .map(|st| st.label(lang).to_string())
                .unwrap_or(e.state),
            detail: timeline_detail(&e.detail),
        })
        .collect();
    let outcome = r.outcome.as_ref().map(|o| match o {
        Outcome::Completed { summary } => (t(lang, "request-outcome-completed"), summary.clone()),
        Outcome::Refused { grounds, reasons } => (
            grounds
                .iter()
                .map(|g| format!("{} ({})", g.label(lang), g.source()))
                .collect::<Vec<_>>()
                .join("; "),
            reasons.clone(),
        ),
        Outcome::Withdrawn { note } => (t(lang, "request-outcome-withdrawn"), note.clone()),
    });
    Ok(ShowPage {
        ctx: Ctx::new(lang, Some(user), format!("/requests/{}", r.id)),
        rights: rights_text(&r.input.rights, lang),
        state: r.state.label(lang).to_string(),
        channel: r.input.channel.label(lang).to_string(),
        due: deadline.due.to_string(),
        status_key,
        status,
        explanation: deadline.explanation(lang),
        flagged: extension_closed(&r, today),
        checks: r
            .identity_checks
            .iter()
            .map(|c| {
                (
                    c.method.label(lang).to_string(),
                    c.at.format("%Y-%m-%d %H:%M").to_string(),
                    c.by.clone(),
                    c.note.clone(),
                )
            })
            .collect(),
        extension: r.extension.as_ref().map(|x| {
            (
                x.reason.label(lang).to_string(),
                x.notice_sent_on.to_string(),
                x.explanation.clone(),
            )
        }),
        outcome,
        timeline,
        can_handle: may_handle(user),
        open: r.state.is_open(),
        identity_done: r.state.identity_established(),
        methods: choices::<VerificationMethod>(lang, &[])
            .into_iter()
            .filter(|c| c.value != "email_code")
            .collect(),
        reasons: choices::<ExtensionReason>(lang, &[]),
        grounds: choices::<RefusalGround>(lang, &[]),
        errors: failed
            .map(|(_, e)| {
                e.iter()
                    .map(|f| (f.path.clone(), field_message(lang, f.code)))
                    .collect()
            })
            .unwrap_or_default(),
        failed_action: failed.map(|(a, _)| a.to_string()).unwrap_or_default(),
        today: today.to_string(),
        stores: s.datastores.len(),
        erasure_asked: r.input.rights.contains(&Right::Erasure),
        restriction_asked: r.input.rights.contains(&Right::Restriction),
        fulfil_error: None,
        r,
    })
}

/// The timeline shows a step's text fields, not its JSON.
fn timeline_detail(detail: &str) -> String {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(detail) else {
        return String::new();
    };
    [
        "note",
        "text",
        "summary",
        "reasons",
        "explanation",
        "handler",
    ]
    .iter()
    .filter_map(|k| m.get(*k).and_then(Value::as_str))
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

async fn show(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRequests>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = s
        .store
        .request(&id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    Ok(render(&show_page(&s, lang, &can.user, r, None).await?))
}

async fn act(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let version = fields
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let mut object = form_object(&fields, &["grounds"]);
    let name = object
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if name != "refuse" {
        object.remove("grounds");
    }
    for text in ["reasons", "summary", "explanation", "text"] {
        if matches!(
            (name.as_str(), text),
            ("refuse", "reasons")
                | ("complete", "summary")
                | ("extend", "explanation")
                | ("note", "text")
        ) {
            object.entry(text).or_insert(Value::String(String::new()));
        }
    }
    if name == "assign" {
        object.entry("handler").or_insert(Value::Null);
    }
    let mut errors = ValidationErrors::new();
    if name == "extend"
        && object
            .get("notice_sent_on")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .is_none()
    {
        errors.add("notice_sent_on", "invalid_format", "expected YYYY-MM-DD");
    }
    let action = match serde_json::from_value::<Action>(Value::Object(object)) {
        Ok(a) if errors.is_empty() => Some(a),
        Ok(_) => None,
        Err(e) => {
            if errors.is_empty() {
                errors.add("action", "invalid", e.to_string());
            }
            None
        }
    };
    let result = match &action {
        Some(a) => {
            let current = load(&s, lang, &id).await?;
            let ledger = crate::restriction::ledger_events(&s, &current, a, &can.user)
                .await
                .map_err(|e| PageError::new(lang, e))?;
            s.store
                .act_on_request_with_ledger(&can.user.actor(), &current.id, version, a, &ledger)
                .await
        }
        None => Err(StoreError::Invalid(errors)),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(StoreError::Invalid(e)) => {
            let r = s
                .store
                .request(&id)
                .await
                .map_err(|e| PageError::new(lang, e))?;
            let mut res = render(&show_page(&s, lang, &can.user, r, Some((&name, &e))).await?);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(PageError::new(lang, e)),
    }
}

/// One month's counts, a cell per right.
pub struct StatsRow {
    pub month: String,
    pub cells: Vec<i64>,
    pub total: i64,
}

#[derive(Template)]
#[template(path = "requests/statistics.html")]
struct StatsPage {
    ctx: Ctx,
    rights: Vec<String>,
    rows: Vec<StatsRow>,
}

async fn statistics(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRequests>,
) -> Result<Response, PageError> {
    let t = today();
    let since = NaiveDate::from_ymd_opt(t.year() - 1, t.month(), 1).unwrap_or(t);
    let counts = s
        .store
        .request_counts(since)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let mut rows: Vec<StatsRow> = Vec::new();
    for c in counts {
        let i = Right::all()
            .iter()
            .position(|r| r.machine_name() == c.right)
            .unwrap_or(0);
        if rows.last().is_none_or(|r| r.month != c.month) {
            rows.push(StatsRow {
                month: c.month.clone(),
                cells: vec![0; Right::all().len()],
                total: 0,
            });
        }
        let row = rows.last_mut().expect("just pushed");
        row.cells[i] += c.n;
        row.total += c.n;
    }
    Ok(render(&StatsPage {
        ctx: Ctx::new(lang, Some(&can.user), "/requests/statistics"),
        rights: Right::all()
            .iter()
            .map(|r| r.label(lang).to_string())
            .collect(),
        rows,
    }))
}

/// A fulfilment failure as the request page shows it; database errors are page errors.
fn fulfil_message(lang: Lang, e: FulfilError) -> Result<String, PageError> {
    let id = match e {
        FulfilError::Db(e) => return Err(PageError::new(lang, e)),
        FulfilError::Store { store, message } => {
            tracing::warn!(%store, "fulfilment failed: {message}");
            return Ok(t_args(
                lang,
                "fulfil-store-failed",
                &[("store", store.into())],
            ));
        }
        FulfilError::IdentityFirst => "error-request-identity-first",
        FulfilError::Closed => "fulfil-closed",
        FulfilError::NotErasure => "fulfil-not-erasure",
        FulfilError::NoStores => "fulfil-no-stores",
        FulfilError::NoIdentifiers => "fulfil-no-identifiers",
        FulfilError::NoDryRun => "fulfil-no-dry-run",
        FulfilError::Changed(_) => "fulfil-changed",
    };
    Ok(t(lang, id))
}

async fn load(s: &AppState, lang: Lang, id: &str) -> Result<Request, PageError> {
    s.store
        .request(id)
        .await
        .map_err(|e| PageError::new(lang, e))
}

/// The request page again, with the reason a fulfilment step failed.
async fn fulfil_failed(
    s: &AppState,
    lang: Lang,
    user: &User,
    r: Request,
    e: FulfilError,
) -> Result<Response, PageError> {
    let message = fulfil_message(lang, e)?;
    let mut page = show_page(s, lang, user, r, None).await?;
    page.fulfil_error = Some(message);
    let mut res = render(&page);
    *res.status_mut() = StatusCode::CONFLICT;
    Ok(res)
}

/// A table of one store's rows, ready to show.
pub struct ReportTable {
    pub store: String,
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "requests/access.html")]
struct AccessPage {
    ctx: Ctx,
    r: Request,
    generated_at: String,
    /// Per store: its label, the rows found, and the activities of the register that name
    /// it, whose purposes and legal bases the answer to the requester explains (RU 4:2).
    stores: Vec<(String, usize, String)>,
    tables: Vec<ReportTable>,
}

/// The readable access report (RU 4:2): every row found, per store and table.
async fn access_page(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = load(&s, lang, &id).await?;
    let report = match fulfil::access(&s.store, &s.datastores, &can.user.actor(), &r).await {
        Ok(report) => report,
        Err(e) => return fulfil_failed(&s, lang, &can.user, r, e).await,
    };
    let activities = s
        .store
        .current_activities()
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let mut tables = Vec::new();
    for st in &report.stores {
        for tb in st.tables.iter().filter(|t| !t.rows.is_empty()) {
            tables.push(ReportTable {
                store: st.label.clone(),
                table: tb.label.clone().unwrap_or_else(|| tb.table.clone()),
                columns: tb
                    .columns
                    .iter()
                    .map(|c| c.label.clone().unwrap_or_else(|| c.name.clone()))
                    .collect(),
                rows: tb
                    .rows
                    .iter()
                    .map(|row| row.iter().map(display_value).collect())
                    .collect(),
            });
        }
    }
    Ok(render(&AccessPage {
        ctx: Ctx::new(lang, Some(&can.user), format!("/requests/{}/access", r.id)),
        generated_at: report.generated_at.clone(),
        stores: report
            .stores
            .iter()
            .map(|st| {
                let names: Vec<&str> = activities
                    .iter()
                    .filter(|a| a.activity.data_stores.contains(&st.store))
                    .map(|a| a.activity.name.as_str())
                    .collect();
                (st.label.clone(), st.row_count(), names.join(", "))
            })
            .collect(),
        tables,
        r,
    }))
}

/// A JSON file to download, named after the request.
fn download(body: String, name: String, content_type: &'static str) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The machine-readable access report.
async fn access_json(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = load(&s, lang, &id).await?;
    match fulfil::access(&s.store, &s.datastores, &can.user.actor(), &r).await {
        Ok(report) => Ok(download(
            serde_json::to_string_pretty(&report).expect("a report serialises"),
            format!("{}-access.json", r.reference),
            "application/json",
        )),
        Err(e) => fulfil_failed(&s, lang, &can.user, r, e).await,
    }
}

/// The data the requester provided, as JSON (RU 4:6; DSR-5).
async fn portability_json(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = load(&s, lang, &id).await?;
    match fulfil::portability(&s.store, &s.datastores, &can.user.actor(), &r).await {
        Ok(export) => Ok(download(
            serde_json::to_string_pretty(&export).expect("an export serialises"),
            format!("{}-portability.json", r.reference),
            "application/json",
        )),
        Err(e) => fulfil_failed(&s, lang, &can.user, r, e).await,
    }
}

/// The same as CSV: one section per store and table, each with its own header line.
async fn portability_csv(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = load(&s, lang, &id).await?;
    match fulfil::portability(&s.store, &s.datastores, &can.user.actor(), &r).await {
        Ok(export) => {
            let mut out = String::new();
            for st in &export.stores {
                for file in grondslag_fulfilment::csv_files(st) {
                    out.push_str(&format!("# {}\n{}\n", file.file_name, file.content));
                }
            }
            Ok(download(
                out,
                format!("{}-portability.csv", r.reference),
                "text/csv; charset=utf-8",
            ))
        }
        Err(e) => fulfil_failed(&s, lang, &can.user, r, e).await,
    }
}

/// One table of a dry run: what happens to its rows and columns.
pub struct PlanTable {
    pub store: String,
    pub table: String,
    pub action: String,
    pub reason: String,
    pub rows: usize,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "requests/erasure.html")]
struct ErasurePage {
    ctx: Ctx,
    r: Request,
    tables: Vec<PlanTable>,
    may_approve: bool,
}

/// The dry run of an erasure, for the FG to approve.
async fn erasure_plan(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<HandleRequests>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = load(&s, lang, &id).await?;
    let plans = match fulfil::plan_erasure(&s.store, &s.datastores, &can.user.actor(), &r).await {
        Ok(p) => p,
        Err(e) => return fulfil_failed(&s, lang, &can.user, r, e).await,
    };
    let tables = plans
        .iter()
        .flat_map(|p| {
            p.tables
                .iter()
                .filter(|t| !t.rows.is_empty())
                .map(|t| PlanTable {
                    store: p.store.clone(),
                    table: t.label.clone().unwrap_or_else(|| t.table.clone()),
                    action: row_action_text(t.action, lang),
                    reason: t
                        .reason
                        .map(|k| {
                            format!(
                                "{} {}",
                                k.label(lang),
                                t.explanation.clone().unwrap_or_default()
                            )
                        })
                        .unwrap_or_default(),
                    rows: t.rows.len(),
                    changes: t
                        .columns
                        .iter()
                        .map(|c| format!("{}: {}", c.column, column_action_text(&c.action, lang)))
                        .collect(),
                })
        })
        .collect();
    Ok(render(&ErasurePage {
        ctx: Ctx::new(lang, Some(&can.user), format!("/requests/{}", r.id)),
        may_approve: can
            .user
            .grants
            .iter()
            .any(|g| reach(g.role, Permission::ApproveErasure) != Reach::None),
        tables,
        r,
    }))
}

/// The FG approves the dry run: erase, one transaction per store.
async fn erasure_approve(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ApproveErasure>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = load(&s, lang, &id).await?;
    match fulfil::erase(&s.store, &s.datastores, &can.user.actor(), &r).await {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{}", r.id)).into_response()),
        Err(e) => fulfil_failed(&s, lang, &can.user, r, e).await,
    }
}

fn row_action_text(a: RowAction, lang: Lang) -> String {
    t(
        lang,
        match a {
            RowAction::Delete => "erasure-rows-deleted",
            RowAction::Update => "erasure-rows-updated",
            RowAction::Keep => "erasure-rows-kept",
        },
    )
}

fn column_action_text(a: &ColumnAction, lang: Lang) -> String {
    match a {
        ColumnAction::DeleteRow => ErasureAction::DeleteRow.label(lang).to_string(),
        ColumnAction::SetNull => ErasureAction::SetNull.label(lang).to_string(),
        ColumnAction::Mask { mask } => match mask {
            MaskSpec::Rule(rule) => rule.label(lang).to_string(),
            MaskSpec::Value(v) => {
                format!("{} ({})", ErasureAction::Mask.label(lang), display_value(v))
            }
        },
        ColumnAction::Keep {
            reason,
            explanation,
        } => format!("{}: {explanation}", reason.label(lang)),
        ColumnAction::Unchanged => t(lang, "erasure-unchanged"),
    }
}
