//! `/api/v1/activities`: the register list, an activity, its versions and the workflow.

use super::types::{ActivityPage, Change, TransitionRequest, VersionInfo};
use super::{json_body, ApiRoute};
use crate::access::{transition_permission, Can, EditActivity, ReadRegister};
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Json;
use grondslag_domain::access::Permission;
use grondslag_domain::diff::compare;
use grondslag_domain::interchange::parse_activity;
use grondslag_domain::register::{Activity, ActivityRecord, Status};
use grondslag_domain::vocab::{LegalBasis, PersonalDataCategory, Term};
use grondslag_domain::ValidationErrors;
use grondslag_store::register::ActivityFilter;
use serde::Deserialize;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities",
            operation_id: "listActivities",
            summary: "The register: activities filtered, searched and paged (REG-4)",
            tag: "register",
            request: None,
            response: (200, Some("ActivityPage")),
            query: LIST_PARAMS,
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(list),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/activities",
            operation_id: "createActivity",
            summary: "Create an activity as a draft, version 1 (REG-1)",
            tag: "register",
            request: Some("Activity"),
            response: (201, Some("ActivityRecord")),
            query: &[],
            permission: Some(Permission::EditActivity),
            public: false,
            handler: post(create),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities/{id}",
            operation_id: "getActivity",
            summary: "The current version of an activity; its ETag is the version number",
            tag: "register",
            request: None,
            response: (200, Some("ActivityRecord")),
            query: &[],
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(show),
        },
        ApiRoute {
            method: Method::PUT,
            path: "/api/v1/activities/{id}",
            operation_id: "updateActivity",
            summary: "Save new content as a new version; send If-Match with the version you edited",
            tag: "register",
            request: Some("Activity"),
            response: (200, Some("ActivityRecord")),
            query: &[],
            permission: Some(Permission::EditActivity),
            public: false,
            handler: put(update),
        },
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/activities/{id}/transitions",
            operation_id: "transitionActivity",
            summary: "Submit, register, return to draft or retire an activity (REG-2)",
            tag: "register",
            request: Some("TransitionRequest"),
            response: (200, Some("ActivityRecord")),
            query: &[],
            permission: Some(Permission::SubmitActivity),
            public: false,
            handler: post(transition),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities/{id}/versions",
            operation_id: "listActivityVersions",
            summary: "Every version of an activity, oldest first (REG-2)",
            tag: "register",
            request: None,
            response: (200, Some("VersionInfoList")),
            query: &[],
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(versions),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities/{id}/versions/{version}",
            operation_id: "getActivityVersion",
            summary: "One version of an activity",
            tag: "register",
            request: None,
            response: (200, Some("ActivityVersion")),
            query: &[],
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(version),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities/{id}/compare",
            operation_id: "compareActivityVersions",
            summary: "The fields that differ between two versions",
            tag: "register",
            request: None,
            response: (200, Some("ChangeList")),
            query: &[
                ("from", "integer", "The earlier version"),
                (
                    "to",
                    "integer",
                    "The later version; default the current one",
                ),
            ],
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(compare_versions),
        },
    ]
}

const LIST_PARAMS: &[(&str, &str, &str)] = &[
    (
        "q",
        "string",
        "Words to find in name, description, purposes, owner or contact; all must match",
    ),
    (
        "unit",
        "string",
        "A unit key: its activities and those of every unit below it",
    ),
    (
        "status",
        "string",
        "draft, submitted, registered or retired",
    ),
    ("legal_basis", "string", "A legal basis (machine name)"),
    (
        "data_category",
        "string",
        "A category of personal data (machine name)",
    ),
    (
        "special",
        "boolean",
        "Only activities with special categories",
    ),
    ("page", "integer", "Page number, from 1"),
    (
        "per_page",
        "integer",
        "Items per page, 1 to 500; default 50",
    ),
];

/// The register list's query, as the UI and the API both take it.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub unit: Option<String>,
    pub status: Option<String>,
    pub legal_basis: Option<String>,
    pub data_category: Option<String>,
    pub special: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn term<T: Term>(errors: &mut ValidationErrors, field: &str, value: &Option<String>) -> Option<T> {
    let v = value.as_deref().filter(|v| !v.is_empty())?;
    let found = T::from_machine_name(v);
    if found.is_none() {
        errors.add(
            field,
            "unknown_value",
            format!(
                "unknown value \"{v}\"; expected one of {}",
                T::expected_list()
            ),
        );
    }
    found
}

fn number(
    errors: &mut ValidationErrors,
    field: &str,
    value: &Option<String>,
    default: u32,
    max: u32,
) -> u32 {
    match value.as_deref().filter(|v| !v.is_empty()) {
        None => default,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.add(
                    field,
                    "out_of_range",
                    format!("\"{v}\" is not valid; expected a whole number from 1 to {max}"),
                );
                default
            }
        },
    }
}

impl ListQuery {
    /// The filter, and every parameter that was not understood.
    pub fn filter(&self) -> (ActivityFilter, ValidationErrors) {
        let mut e = ValidationErrors::new();
        let f = ActivityFilter {
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            unit: self.unit.clone().filter(|u| !u.is_empty()),
            status: term::<Status>(&mut e, "status", &self.status),
            legal_basis: term::<LegalBasis>(&mut e, "legal_basis", &self.legal_basis),
            data_category: term::<PersonalDataCategory>(
                &mut e,
                "data_category",
                &self.data_category,
            ),
            special_only: match self.special.as_deref() {
                None | Some("") | Some("false") => false,
                Some("true") | Some("1") | Some("on") => true,
                Some(other) => {
                    e.add(
                        "special",
                        "wrong_type",
                        format!("\"{other}\" is not valid; expected true or false"),
                    );
                    false
                }
            },
            page: number(&mut e, "page", &self.page, 1, u32::MAX),
            per_page: number(&mut e, "per_page", &self.per_page, 50, 500),
            within: None,
        };
        (f, e)
    }
}

async fn list(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Query(q): Query<ListQuery>,
) -> Result<Json<ActivityPage>, ApiError> {
    let (mut filter, errors) = q.filter();
    errors.into_result(()).map_err(ApiError::Invalid)?;
    filter.within = can.within();
    Ok(Json(s.store.list_activities(&filter).await?.into()))
}

/// The unit an activity is saved under must be one the user may edit.
pub(crate) fn unit_in_scope(
    can: &Can<EditActivity>,
    activity: &Activity,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if !activity.unit.is_empty() && !can.scope.allows(&activity.unit) {
        e.add(
            "unit",
            "not_allowed",
            format!(
                "you may not register activities for the unit \"{}\"",
                activity.unit
            ),
        );
    }
    e.into_result(())
}

fn with_etag(record: ActivityRecord, status: StatusCode) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", record.version))
        .expect("a number is a valid header");
    let location = HeaderValue::from_str(&format!("/api/v1/activities/{}", record.id)).ok();
    let mut res = (status, Json(record)).into_response();
    res.headers_mut().insert(header::ETAG, etag);
    if status == StatusCode::CREATED {
        if let Some(l) = location {
            res.headers_mut().insert(header::LOCATION, l);
        }
    }
    res
}

async fn create(
    State(s): State<AppState>,
    can: Can<EditActivity>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let activity = parse_activity(&json_body(&body)?).map_err(ApiError::Invalid)?;
    unit_in_scope(&can, &activity).map_err(ApiError::Invalid)?;
    let record = s.store.create_activity(&can.user.actor(), activity).await?;
    Ok(with_etag(record, StatusCode::CREATED))
}

async fn show(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(with_etag(can.activity(&s, &id).await?, StatusCode::OK))
}

/// `If-Match: "3"` (or `3`): the version the client edited.
fn if_match(headers: &HeaderMap) -> Result<Option<u32>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v
        .to_str()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    if text == "*" {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        ApiError::BadRequest(format!(
            "If-Match must hold the version number you edited, e.g. \"3\"; got {text:?}"
        ))
    })
}

async fn update(
    State(s): State<AppState>,
    can: Can<EditActivity>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let current = can.activity(&s, &id).await?;
    if !can.scope.allows(&current.activity.unit) {
        return Err(ApiError::Forbidden);
    }
    let activity = parse_activity(&json_body(&body)?).map_err(ApiError::Invalid)?;
    unit_in_scope(&can, &activity).map_err(ApiError::Invalid)?;
    let record = s
        .store
        .update_activity(&can.user.actor(), &id, expected, activity)
        .await?;
    Ok(with_etag(record, StatusCode::OK))
}

async fn transition(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: TransitionRequest = json_body(&body)?;
    let current = can.activity(&s, &id).await?;
    if !can
        .scope_of(transition_permission(req.status))
        .allows(&current.activity.unit)
    {
        return Err(ApiError::Forbidden);
    }
    let record = s
        .store
        .transition_activity(&can.user.actor(), &id, req.version, req.status)
        .await?;
    Ok(with_etag(record, StatusCode::OK))
}

async fn versions(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Path(id): Path<String>,
) -> Result<Json<Vec<VersionInfo>>, ApiError> {
    can.activity(&s, &id).await?;
    Ok(Json(
        s.store
            .activity_versions(&id)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn version(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    ApiPath((id, v)): ApiPath<(String, u32)>,
) -> Result<Response, ApiError> {
    can.activity(&s, &id).await?;
    let all = s.store.activity_versions(&id).await?;
    let found = all
        .into_iter()
        .find(|x| x.version == v)
        .ok_or_else(|| ApiError::NotFound(format!("version {v} of activity {id}")))?;
    Ok(Json(found).into_response())
}

#[derive(Deserialize)]
struct CompareQuery {
    from: u32,
    to: Option<u32>,
}

async fn compare_versions(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<Vec<Change>>, ApiError> {
    can.activity(&s, &id).await?;
    let all = s.store.activity_versions(&id).await?;
    let pick = |v: u32| {
        all.iter()
            .find(|x| x.version == v)
            .ok_or_else(|| ApiError::NotFound(format!("version {v} of activity {id}")))
    };
    let from = pick(q.from)?;
    let to = match q.to {
        Some(v) => pick(v)?,
        None => all.last().expect("an activity has a version"),
    };
    Ok(Json(
        compare(&from.activity, &to.activity)
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
