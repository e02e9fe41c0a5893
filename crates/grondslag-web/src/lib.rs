//! Grondslag's web front ends: the server-rendered UI (`html`) and the JSON API under
//! `/api/v1` (`api`), both thin shells over the domain and the store.

mod api;
mod auth;
mod error;
mod html;
mod i18n;

pub use api::openapi::openapi_document;

use axum::Router;
use grondslag_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Whether the server is reached over HTTPS, so cookies get the `Secure` flag.
    pub secure_cookies: bool,
}

/// The whole application: UI, API, OpenAPI document and static files.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(html::routes())
        .merge(api::routes())
        .layer(axum::middleware::from_fn(error::operation_id))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
