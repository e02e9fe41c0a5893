//! `/api/v1/requests`: data-subject requests (DSR-1 to DSR-6) for the FG office and for
//! systems that submit them: intake, the queue by deadline, a request with its deadline
//! explained and its timeline, the steps of handling it, and statistics.

use super::{json_body, ApiRoute};
use crate::access::{ApproveErasure, Can, HandleRequests, ReadRequests};
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::fulfil::{self, FulfilError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use grondslag_domain::access::Permission;
use grondslag_domain::deadline::DeadlineStatus;
use grondslag_domain::requests::{
    extension_closed, Action, Request, RequestInput, RequestState, Right,
};
use grondslag_domain::Lang;
use grondslag_store::requests::{RequestFilter, RequestRow};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Vec<ApiRoute> {
    let route = |method, path, operation_id, summary, request, response, query, handler| ApiRoute {
        method,
        path,
        operation_id,
        summary,
        tag: "requests",
        request,
        response,
        query,
        permission: Some(Permission::ReadRequests),
        public: false,
        handler,
    };
    vec![
        route(
            Method::GET,
            "/api/v1/requests",
            "listRequests",
            "Requests: the open ones by deadline (open=true, the default), or all, newest first",
            None,
            (200, Some("RequestPage")),
            &[
                ("open", "boolean", "only open requests, soonest deadline first (default true)"),
                ("state", "string", "a request state (received, identity_verified, …)"),
                ("right", "string", "requests that exercise this right (right_of_access, …)"),
                ("q", "string", "search the reference, the name and the e-mail address"),
                ("due_by", "string", "due on or before this date (YYYY-MM-DD)"),
                ("page", "integer", "page number, from 1"),
                ("per_page", "integer", "items per page, 1 to 500 (default 50)"),
            ],
            get(list),
        ),
        route(
            Method::POST,
            "/api/v1/requests",
            "createRequest",
            "Take in a request (by letter, phone, e-mail, or from another system); the month starts the day after received_on",
            Some("RequestInput"),
            (201, Some("RequestDetail")),
            &[],
            post(create),
        )
        .needs(Permission::HandleRequests),
        route(
            Method::GET,
            "/api/v1/requests/statistics",
            "requestStatistics",
            "Requests received per month and right",
            None,
            (200, Some("RequestCountList")),
            &[("since", "string", "from this date (YYYY-MM-DD; default: twelve months ago)")],
            get(statistics),
        ),
        route(
            Method::GET,
            "/api/v1/requests/{id}",
            "getRequest",
            "A request (by id or reference) with its deadline, explained, and its timeline",
            None,
            (200, Some("RequestDetail")),
            &[],
            get(show),
        ),
        route(
            Method::POST,
            "/api/v1/requests/{id}/actions",
            "actOnRequest",
            "Take a step: verify_identity, start, extend, complete, refuse, withdraw, assign or note; send If-Match with the version you saw",
            Some("Action"),
            (200, Some("RequestDetail")),
            &[],
            post(act),
        )
        .needs(Permission::HandleRequests),
        route(
            Method::GET,
            "/api/v1/requests/{id}/access",
            "getRequestAccess",
            "Everything the data stores hold about the requester (RU 4:2), once the identity is established",
            None,
            (200, Some("AccessReport")),
            &[],
            get(access),
        )
        .needs(Permission::HandleRequests),
        route(
            Method::GET,
            "/api/v1/requests/{id}/portability",
            "getRequestPortability",
            "The data the requester provided, per store and table (RU 4:6; DSR-5)",
            None,
            (200, Some("PortabilityExport")),
            &[],
            get(portability),
        )
        .needs(Permission::HandleRequests),
        route(
            Method::POST,
            "/api/v1/requests/{id}/erasure/plan",
            "planRequestErasure",
            "Dry run of the erasure, per store: what will be deleted, emptied, masked and kept; changes nothing",
            None,
            (200, Some("ErasurePlanList")),
            &[],
            post(plan_erasure),
        )
        .needs(Permission::HandleRequests),
        route(
            Method::POST,
            "/api/v1/requests/{id}/erasure",
            "eraseRequestData",
            "The FG approves the last dry run: erase, one transaction per store; refused when the data changed since",
            None,
            (200, Some("ErasureOutcomeList")),
            &[],
            post(erase),
        )
        .needs(Permission::ApproveErasure),
    ]
}

impl From<FulfilError> for ApiError {
    fn from(e: FulfilError) -> Self {
        match e {
            FulfilError::Db(e) => e.into(),
            FulfilError::Store { store, .. } => {
                ApiError::Internal(format!("data store {store} failed; see the server log"))
            }
            other => ApiError::Conflict(other.to_string()),
        }
    }
}

async fn access(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<grondslag_domain::datastore::AccessReport>, ApiError> {
    let r = s.store.request(&id).await?;
    Ok(Json(
        fulfil::access(&s.store, &s.datastores, &can.user.actor(), &r).await?,
    ))
}

async fn portability(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<grondslag_domain::datastore::PortabilityExport>, ApiError> {
    let r = s.store.request(&id).await?;
    Ok(Json(
        fulfil::portability(&s.store, &s.datastores, &can.user.actor(), &r).await?,
    ))
}

async fn plan_erasure(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<grondslag_domain::datastore::ErasurePlan>>, ApiError> {
    let r = s.store.request(&id).await?;
    Ok(Json(
        fulfil::plan_erasure(&s.store, &s.datastores, &can.user.actor(), &r).await?,
    ))
}

async fn erase(
    State(s): State<AppState>,
    can: Can<ApproveErasure>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<grondslag_domain::datastore::ErasureOutcome>>, ApiError> {
    let r = s.store.request(&id).await?;
    Ok(Json(
        fulfil::erase(&s.store, &s.datastores, &can.user.actor(), &r).await?,
    ))
}

/// A request with what the office needs to act on it.
#[derive(Serialize, JsonSchema)]
pub struct RequestDetail {
    pub request: Request,
    pub deadline: DeadlineInfo,
    pub timeline: Vec<TimelineEntry>,
}

/// The deadline that applies now.
#[derive(Serialize, JsonSchema)]
pub struct DeadlineInfo {
    /// The last day to answer.
    pub due: NaiveDate,
    /// `deadline_open`, `deadline_at_risk` or `deadline_overdue`; none for a closed request.
    pub status: Option<DeadlineStatus>,
    /// Days from today to the due date; negative when overdue.
    pub days_left: i64,
    /// The first month is over without an extension: extending is no longer allowed and the
    /// request is flagged (RU 4:11 lid 4).
    pub extension_closed: bool,
    /// How the date was reached, in English (the UI shows it in the user's language).
    pub explanation: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct TimelineEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub state: String,
    pub detail: serde_json::Value,
}

#[derive(Serialize, JsonSchema)]
pub struct RequestSummary {
    pub id: String,
    pub reference: String,
    pub state: RequestState,
    pub rights: Vec<Right>,
    pub name: String,
    pub received_on: NaiveDate,
    pub due: NaiveDate,
    pub status: Option<DeadlineStatus>,
    pub handler: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct RequestPage {
    pub items: Vec<RequestSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Serialize, JsonSchema)]
pub struct RequestCount {
    /// `YYYY-MM`.
    pub month: String,
    pub right: String,
    pub count: i64,
}

#[derive(Deserialize)]
pub struct ListQuery {
    open: Option<bool>,
    state: Option<RequestState>,
    right: Option<Right>,
    q: Option<String>,
    due_by: Option<NaiveDate>,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) fn summary(row: RequestRow, today: NaiveDate) -> Result<RequestSummary, ApiError> {
    let r: Request = serde_json::from_str(&row.doc)
        .map_err(|e| ApiError::Internal(format!("a stored request does not read back: {e}")))?;
    let due = r
        .deadline()
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .due;
    Ok(RequestSummary {
        status: r.deadline_status(today),
        id: r.id,
        reference: r.reference,
        state: r.state,
        rights: r.input.rights,
        name: r.input.name,
        received_on: r.input.received_on,
        due,
        handler: r.handler,
    })
}

async fn list(
    State(s): State<AppState>,
    _: Can<ReadRequests>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<RequestPage>, ApiError> {
    let filter = RequestFilter {
        open: q.open.unwrap_or(true),
        state: q.state,
        right: q.right,
        handler: None,
        q: q.q,
        due_by: q.due_by,
    };
    let page = s
        .store
        .list_requests(&filter, q.page.unwrap_or(1), q.per_page.unwrap_or(50))
        .await?;
    let today = today();
    Ok(Json(RequestPage {
        items: page
            .items
            .into_iter()
            .map(|row| summary(row, today))
            .collect::<Result<_, _>>()?,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

pub(crate) async fn detail(s: &AppState, r: Request) -> Result<RequestDetail, ApiError> {
    let today = today();
    let deadline = r
        .deadline()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let timeline = s
        .store
        .request_timeline(&r.id)
        .await?
        .into_iter()
        .map(|e| TimelineEntry {
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            at: e.at,
            actor: e.actor,
            action: e.action,
            state: e.state,
        })
        .collect();
    Ok(RequestDetail {
        deadline: DeadlineInfo {
            due: deadline.due,
            status: r.deadline_status(today),
            days_left: (deadline.due - today).num_days(),
            extension_closed: extension_closed(&r, today),
            explanation: deadline.explanation(Lang::En),
        },
        request: r,
        timeline,
    })
}

async fn create(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: RequestInput = json_body(&body)?;
    let r = s.store.create_request(&can.user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(detail(&s, r).await?)).into_response())
}

async fn show(
    State(s): State<AppState>,
    _: Can<ReadRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RequestDetail>, ApiError> {
    let r = s.store.request(&id).await?;
    Ok(Json(detail(&s, r).await?))
}

/// `If-Match: "3"` (or `3`): the version the client saw.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    match headers.get("if-match") {
        None => Ok(None),
        Some(v) => {
            let text = v.to_str().unwrap_or_default().trim().trim_matches('"');
            text.parse().map(Some).map_err(|_| {
                ApiError::BadRequest(format!(
                    "If-Match must hold the version number you saw, e.g. \"3\"; got {text:?}"
                ))
            })
        }
    }
}

async fn act(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RequestDetail>, ApiError> {
    let action: Action = json_body(&body)?;
    let expected = if_match(&headers)?;
    let current = s.store.request(&id).await?;
    let ledger = crate::restriction::ledger_events(&s, &current, &action, &can.user).await?;
    let r = s
        .store
        .act_on_request_with_ledger(&can.user.actor(), &current.id, expected, &action, &ledger)
        .await?;
    Ok(Json(detail(&s, r).await?))
}

#[derive(Deserialize)]
pub struct StatsQuery {
    since: Option<NaiveDate>,
}

async fn statistics(
    State(s): State<AppState>,
    _: Can<ReadRequests>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<Vec<RequestCount>>, ApiError> {
    let since = q.since.unwrap_or_else(|| {
        let t = today();
        NaiveDate::from_ymd_opt(t.year() - 1, t.month(), 1).unwrap_or(t)
    });
    Ok(Json(
        s.store
            .request_counts(since)
            .await?
            .into_iter()
            .map(|c| RequestCount {
                month: c.month,
                right: c.right,
                count: c.n,
            })
            .collect(),
    ))
}
