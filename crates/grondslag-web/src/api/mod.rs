//! The JSON API under `/api/v1`. Every route is declared once in [`table`], with what the
//! OpenAPI document says about it, so the document cannot miss a route.

pub(crate) mod activities;
pub mod consent;
mod consent_notices;
mod findings;
mod json_out;
pub mod openapi;
pub(crate) mod opendsr;
mod register;
pub(crate) mod requests;
mod session;
mod tokens;
mod types;

use crate::error::ApiError;
use crate::AppState;
use axum::http::Method;
use axum::routing::MethodRouter;
use axum::Router;
use grondslag_domain::access::Permission;
use serde::de::DeserializeOwned;

/// One route of the API and its documentation.
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    /// The schema of the request body, by component name.
    pub request: Option<&'static str>,
    /// The success status and the schema of its body, if it has one.
    pub response: (u16, Option<&'static str>),
    /// Query parameters: name, JSON type, description.
    pub query: &'static [(&'static str, &'static str, &'static str)],
    /// The permission the handler asks the permission table for; `None` for what every
    /// logged-in user may do (who am I, the vocabulary, the rules).
    pub permission: Option<Permission>,
    /// Reachable without a session.
    pub public: bool,
    pub handler: MethodRouter<AppState>,
}

impl ApiRoute {
    fn needs(mut self, p: Permission) -> Self {
        self.permission = Some(p);
        self
    }
}

/// Every API route.
pub fn table() -> Vec<ApiRoute> {
    let mut routes = Vec::new();
    routes.extend(session::routes());
    routes.extend(activities::routes());
    routes.extend(register::routes());
    routes.extend(findings::routes());
    routes.extend(tokens::routes());
    routes.extend(requests::routes());
    routes.extend(opendsr::routes());
    routes.extend(consent::routes());
    routes.extend(consent_notices::routes());
    routes
}

/// What the authorization tests and docs/permissions.md need of each route.
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub permission: Option<Permission>,
    pub public: bool,
}

pub fn route_infos() -> Vec<RouteInfo> {
    table()
        .into_iter()
        .map(|r| RouteInfo {
            method: r.method,
            path: r.path,
            operation_id: r.operation_id,
            permission: r.permission,
            public: r.public,
        })
        .collect()
}

pub fn routes() -> Router<AppState> {
    // Routes of one path, one per method, become one method router.
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for r in table() {
        match by_path.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(r.handler),
            None => by_path.push((r.path, r.handler)),
        }
    }
    by_path.into_iter().fold(
        Router::new().route("/api/openapi.json", axum::routing::get(openapi::serve)),
        |router, (path, handler)| router.route(path, handler),
    )
}

/// Parses a JSON body ourselves, so malformed JSON gets a problem document like every
/// other error.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the request body is not valid JSON for this operation: {e}"
        ))
    })
}
