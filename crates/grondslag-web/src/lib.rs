//! Grondslag's web front ends: the server-rendered UI (`html`) and the JSON API under
//! `/api/v1` (`api`), both thin shells over the domain and the store.

mod access;
mod api;
mod auth;
mod error;
mod findings;
mod form_data;
pub mod fulfil;
mod html;
mod i18n;
pub mod mail;
mod restriction;
mod security;
pub mod sso;

pub use api::consent::{parse_event_items, recorded_by_default};
pub use api::openapi::openapi_document;
pub use api::opendsr::{OpenDsrSigner, SignerError as OpenDsrSignerError};
pub use api::{route_infos, RouteInfo};

use axum::Router;
use grondslag_domain::transfers::TransferRules;
use grondslag_store::Store;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Whether the server is reached over HTTPS, so cookies get the `Secure` flag.
    pub secure_cookies: bool,
    /// The EEA and adequacy decisions the transfer checks use (LAW-8).
    pub transfers: Arc<TransferRules>,
    /// Requests come through a reverse proxy that sets X-Forwarded-For.
    pub behind_proxy: bool,
    /// Single sign-on, when an OpenID provider is configured.
    pub sso: Option<Arc<sso::Sso>>,
    /// The key that signs OpenDSR answers, when the administrator configured one.
    pub opendsr: Option<Arc<OpenDsrSigner>>,
    /// E-mail over SMTP: the public request form needs it, and so do deadline reminders.
    pub mailer: Option<Arc<mail::Mailer>>,
    /// The university's own databases that requests are fulfilled in (docs/datastores.md).
    pub datastores: Arc<Vec<grondslag_fulfilment::DataStore>>,
    /// The secret for the consent ledger's subject keys (`--consent-key-file`); without it
    /// the consent endpoints answer 503.
    pub consent_key: Option<Arc<grondslag_domain::consent::PseudonymKey>>,
    /// The address users reach the server at (`--public-url`), for links in e-mail. Taken
    /// from configuration, never from the request's Host header, which anyone can forge to
    /// have a link to their own site mailed; without it the hosted consent form is off.
    pub public_url: Option<String>,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool, transfers: TransferRules) -> Self {
        Self {
            store,
            secure_cookies,
            transfers: Arc::new(transfers),
            behind_proxy: false,
            sso: None,
            opendsr: None,
            mailer: None,
            datastores: Arc::new(Vec::new()),
            consent_key: None,
            public_url: None,
        }
    }
}

/// The whole application: UI, API, OpenAPI document and static files.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(html::routes())
        .merge(api::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(security::requests))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn(error::operation_id))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
