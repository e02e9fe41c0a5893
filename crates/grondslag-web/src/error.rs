//! The one place where errors become HTTP responses: `ApiError` as RFC 9457 problem+json
//! with one entry per invalid field, `PageError` as an HTML page. Internal causes go to the
//! log with the operation id, never into the response.

use crate::i18n::{t, Lang};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use grondslag_domain::ValidationErrors;
use grondslag_store::StoreError;
use serde::Serialize;

tokio::task_local! {
    static OPERATION_ID: String;
}

/// The id of the request being handled, as the response's `x-operation-id` header and the
/// logs carry it.
pub fn operation_id_now() -> String {
    OPERATION_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Gives every request an operation id, for the response header, errors and logs.
pub async fn operation_id(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let mut res = OPERATION_ID.scope(id.clone(), next.run(req)).await;
    res.headers_mut().insert(
        "x-operation-id",
        HeaderValue::from_str(&id).expect("hex is a valid header"),
    );
    res
}

/// `Path` for the API: a malformed path parameter answers as a problem document.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` for the API: a malformed query answers as a problem document.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

/// An error of the JSON API.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    /// Logged in, but the role does not allow this.
    Forbidden,
    /// A body that is not JSON.
    UnsupportedMediaType,
    /// Too many failed logins for the account or from the address.
    TooManyAttempts,
    NotFound(String),
    Conflict(String),
    /// If-Match named a version that is no longer current (RFC 9110: 412).
    Stale(String),
    BadRequest(String),
    Invalid(ValidationErrors),
    Unavailable,
    Internal(String),
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// A URI that identifies the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Quote this when asking for help: it finds the request in the logs.
    pub operation_id: String,
    /// One entry per invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ProblemField {
    /// The field's path, e.g. `data_categories[0].legal_basis`.
    pub path: String,
    pub code: String,
    pub message: String,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(msg) => ApiError::Conflict(msg),
            StoreError::Stale(msg) => ApiError::Stale(msg),
            StoreError::Invalid(errors) => ApiError::Invalid(errors),
            StoreError::Unavailable(cause) => {
                tracing::error!(operation_id = %operation_id_now(), %cause, "database unavailable");
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let operation_id = operation_id_now();
        let (status, slug, title, detail, errors) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Not logged in",
                None,
                vec![],
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!("{what} does not exist")),
                vec![],
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed",
                Some("your roles do not allow this".to_string()),
                vec![],
            ),
            ApiError::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "Too many failed logins",
                Some("try again in 15 minutes".to_string()),
                vec![],
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                Some("send the body as application/json".to_string()),
                vec![],
            ),
            ApiError::Stale(msg) => (
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "Stale version",
                Some(msg),
                vec![],
            ),
            ApiError::Conflict(msg) => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                Some(msg),
                vec![],
            ),
            ApiError::BadRequest(msg) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Bad request",
                Some(msg),
                vec![],
            ),
            ApiError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Invalid input",
                Some(format!("{} field(s) are invalid", errors.len())),
                errors
                    .into_iter()
                    .map(|e| ProblemField {
                        path: e.path,
                        code: e.code.to_string(),
                        message: e.message,
                    })
                    .collect(),
            ),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The database is unavailable",
                None,
                vec![],
            ),
            ApiError::Internal(cause) => {
                tracing::error!(operation_id = %operation_id, %cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    None,
                    vec![],
                )
            }
        };
        let body = Problem {
            kind: format!("https://grondslag.example/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            operation_id,
            errors,
        };
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

/// Any address that is not a route: a problem document under `/api`, a page elsewhere.
pub async fn not_found(req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        ApiError::NotFound(format!("the route {path}")).into_response()
    } else {
        let (parts, _) = req.into_parts();
        PageError::not_found(crate::i18n::from_parts(&parts)).into_response()
    }
}

/// An error while serving a page, shown as a page in the user's language.
pub struct PageError {
    pub lang: Lang,
    pub status: StatusCode,
    pub message_id: &'static str,
}

impl PageError {
    pub fn new(lang: Lang, e: StoreError) -> Self {
        let (status, message_id) = match &e {
            StoreError::NotFound(_) => (StatusCode::NOT_FOUND, "error-not-found"),
            StoreError::Conflict(_) | StoreError::Stale(_) => {
                (StatusCode::CONFLICT, "error-conflict")
            }
            StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-invalid"),
            StoreError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "error-unavailable"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
        };
        if status.is_server_error() {
            tracing::error!(operation_id = %operation_id_now(), cause = %e, "page error");
        }
        Self {
            lang,
            status,
            message_id,
        }
    }

    /// A form without the session's CSRF token: it did not come from our own page.
    pub fn csrf(lang: Lang) -> Self {
        Self {
            lang,
            status: StatusCode::FORBIDDEN,
            message_id: "error-csrf",
        }
    }

    pub fn forbidden(lang: Lang) -> Self {
        Self {
            lang,
            status: StatusCode::FORBIDDEN,
            message_id: "error-forbidden",
        }
    }

    pub fn not_found(lang: Lang) -> Self {
        Self {
            lang,
            status: StatusCode::NOT_FOUND,
            message_id: "error-not-found",
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let lang = self.lang;
        let html = crate::html::error_page(
            lang,
            self.status,
            &t(lang, self.message_id),
            &operation_id_now(),
        );
        (self.status, Html(html)).into_response()
    }
}
