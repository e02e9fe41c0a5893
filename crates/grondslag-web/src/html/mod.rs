//! The server-rendered UI: one typed struct per page, rendered by a compiled template.
//! Forms work without JavaScript; every sentence comes from the locales.

mod account;
mod activities;
mod consent;
mod consent_audience;
mod consent_notices;
mod findings;
mod form;
mod login;
mod organisation;
mod public_consent;
mod public_request;
mod requests;

use crate::i18n::{t, Lang, LANG_COOKIE};
use crate::AppState;
use askama::Template;
use axum::extract::Query;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use grondslag_domain::vocab::Term;
use grondslag_store::accounts::User;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/activities") }))
        .route("/static/style.css", get(style))
        .route("/lang/{lang}", get(switch_lang))
        .route("/healthz", get(health))
        .merge(login::routes())
        .merge(account::routes())
        .merge(activities::routes())
        .merge(organisation::routes())
        .merge(findings::routes())
        .merge(public_request::routes())
        .merge(requests::routes())
        .merge(consent::routes())
        .merge(consent_audience::routes())
        .merge(consent_notices::routes())
        .merge(public_consent::routes())
}

/// What every page needs: the language, who is logged in, where we are.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<String>,
    /// The current path and query, to come back to after switching language.
    pub here: String,
    /// The anti-forgery token every form that changes something carries.
    pub csrf: String,
    /// Whether the navigation shows the data-subject requests.
    pub requests: bool,
    /// Whether the navigation shows the consent ledger.
    pub consent: bool,
    /// Whether the navigation shows the audience filter.
    pub audience: bool,
}

impl Ctx {
    pub fn new(lang: Lang, user: Option<&User>, here: impl Into<String>) -> Self {
        Self {
            lang,
            user: user.map(|u| u.display_name.clone()),
            here: here.into(),
            csrf: user.map(|u| u.csrf.clone()).unwrap_or_default(),
            requests: may(user, grondslag_domain::access::Permission::ReadRequests),
            consent: may(user, grondslag_domain::access::Permission::ReadConsent),
            audience: may(user, grondslag_domain::access::Permission::CheckConsent),
        }
    }

    /// A sentence in the page's language.
    pub fn tr(&self, id: &str) -> String {
        t(self.lang, id)
    }

    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The language a user can switch to, as (tag, its own name).
    pub fn other_lang(&self) -> (&'static str, &'static str) {
        match self.lang {
            Lang::Nl => ("en", "English"),
            Lang::En => ("nl", "Nederlands"),
        }
    }

    pub fn here_encoded(&self) -> String {
        crate::auth::urlencode(&self.here)
    }
}

/// Whether a user holds a permission anywhere (for what the navigation shows).
fn may(user: Option<&User>, p: grondslag_domain::access::Permission) -> bool {
    user.is_some_and(|u| {
        u.grants.iter().any(|g| {
            grondslag_domain::access::reach(g.role, p) != grondslag_domain::access::Reach::None
        })
    })
}

/// An option of a select or a checkbox of a group.
#[derive(Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Choices for every term of a vocabulary, with the given ones selected.
pub fn choices<T: Term>(lang: Lang, selected: &[String]) -> Vec<Choice> {
    T::all()
        .iter()
        .map(|t| Choice {
            value: t.machine_name().to_string(),
            label: t.label(lang).to_string(),
            selected: selected.iter().any(|s| s == t.machine_name()),
        })
        .collect()
}

pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(operation_id = %crate::error::operation_id_now(), error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    message: String,
    operation_id: String,
}

/// The HTML page for an error, in the user's language.
pub fn error_page(lang: Lang, status: StatusCode, message: &str, operation_id: &str) -> String {
    let page = ErrorPage {
        ctx: Ctx::new(lang, None, "/"),
        status: status.as_u16(),
        message: message.to_string(),
        operation_id: operation_id.to_string(),
    };
    page.render().unwrap_or_else(|_| message.to_string())
}

async fn style() -> Response {
    let mut res = include_str!("../../static/style.css").into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Remembers the user's choice of language for a year and returns to the page.
async fn switch_lang(
    axum::extract::Path(tag): axum::extract::Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let lang = Lang::from_tag(&tag).unwrap_or_default();
    let back = crate::auth::safe_next(q.back.as_deref());
    let mut res = Redirect::to(&back).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.tag()
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("a valid cookie"),
    );
    res
}

/// For load balancers and monitoring: 200 when the database answers.
async fn health(axum::extract::State(s): axum::extract::State<AppState>) -> Response {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, format!("ok {}\n", s.store.backend())).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
    }
}
