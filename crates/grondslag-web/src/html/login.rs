//! Logging in and out of the UI.

use super::{render, Ctx};
use crate::auth::ClientAddress;
use crate::auth::{
    clear_session_cookie, cookie, safe_next, session_cookie, with_cookie, SESSION_COOKIE,
};
use crate::error::PageError;
use crate::i18n::UserLang;
use crate::sso::{SsoError, STATE_COOKIE};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use grondslag_domain::Lang;
use grondslag_store::accounts::LoginOutcome;
use grondslag_store::sso::SSO_LOGIN_LIFETIME;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/login/sso", get(sso_begin))
        .route("/login/sso/callback", get(sso_callback))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    username: String,
    failed: bool,
    locked: bool,
    /// The single sign-on button's text, when there is a provider.
    sso: Option<String>,
    sso_failed: bool,
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Query(q): Query<Next>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    render(&LoginPage {
        ctx: Ctx::new(
            lang,
            None,
            format!("/login?next={}", crate::auth::urlencode(&next)),
        ),
        next,
        username: String::new(),
        failed: false,
        locked: false,
        sso: sso_button(&s, lang),
        sso_failed: false,
    })
}

/// "Log in with SURFconext", when single sign-on is configured.
fn sso_button(s: &AppState, lang: Lang) -> Option<String> {
    s.sso.as_ref().map(|p| {
        crate::i18n::t_args(
            lang,
            "action-login-sso",
            &[("provider", p.label().to_string().into())],
        )
    })
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
    next: Option<String>,
}

async fn submit(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    ClientAddress(address): ClientAddress,
    Form(c): Form<Credentials>,
) -> Result<Response, PageError> {
    let next = safe_next(c.next.as_deref());
    let outcome = s
        .store
        .login(c.username.trim(), &c.password, &address)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let locked = matches!(outcome, LoginOutcome::Locked);
    match outcome {
        LoginOutcome::Success(user) => {
            let session = s
                .store
                .create_session(&user)
                .await
                .map_err(|e| PageError::new(lang, e))?;
            Ok(with_cookie(
                Redirect::to(&next).into_response(),
                session_cookie(&s, &session),
            ))
        }
        LoginOutcome::Failed | LoginOutcome::Locked => {
            let page = LoginPage {
                ctx: Ctx::new(lang, None, "/login"),
                next,
                username: c.username,
                failed: true,
                locked,
                sso: sso_button(&s, lang),
                sso_failed: false,
            };
            let mut res = render(&page);
            *res.status_mut() = if locked {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            Ok(res)
        }
    }
}

async fn logout(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        s.store
            .end_session(&token)
            .await
            .map_err(|e| PageError::new(lang, e))?;
    }
    Ok(with_cookie(
        Redirect::to("/login").into_response(),
        clear_session_cookie(&s),
    ))
}

/// The state cookie lives as long as a sign-in may take, on the callback's path only.
fn state_cookie(s: &AppState, state: &str, max_age: i64) -> HeaderValue {
    let secure = if s.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={state}; Path=/login/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("a state is URL-safe")
}

/// Sends the browser to the OpenID provider.
async fn sso_begin(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Query(q): Query<Next>,
) -> Response {
    let Some(sso) = s.sso.clone() else {
        return PageError::not_found(lang).into_response();
    };
    let next = safe_next(q.next.as_deref());
    match sso.begin(&s.store, &next).await {
        Ok((url, state)) => with_cookie(
            Redirect::to(&url).into_response(),
            state_cookie(&s, &state, SSO_LOGIN_LIFETIME.num_seconds()),
        ),
        Err(e) => sso_failed(&s, lang, next, &e),
    }
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider sends the browser back here with a code, or with an error.
async fn sso_callback(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let Some(sso) = s.sso.clone() else {
        return PageError::not_found(lang).into_response();
    };
    let result = match (&q.code, &q.state, &q.error) {
        (_, _, Some(error)) => Err(SsoError::Refused(format!(
            "{error}{}",
            q.error_description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ))),
        (Some(code), Some(state), None) => {
            let kept = cookie(&headers, STATE_COOKIE);
            sso.finish(&s.store, code, state, kept.as_deref()).await
        }
        _ => Err(SsoError::UnknownState),
    };
    let res = match result {
        Ok((user, next)) => match s.store.create_session(&user).await {
            Ok(session) => with_cookie(
                Redirect::to(&next).into_response(),
                session_cookie(&s, &session),
            ),
            Err(e) => sso_failed(&s, lang, "/".into(), &SsoError::Store(e)),
        },
        Err(e) => sso_failed(&s, lang, "/".into(), &e),
    };
    with_cookie(res, state_cookie(&s, "", 0))
}

/// The login page again, saying that single sign-on did not work; the cause goes to the log.
fn sso_failed(s: &AppState, lang: Lang, next: String, e: &SsoError) -> Response {
    tracing::warn!("single sign-on failed: {e}");
    let mut res = render(&LoginPage {
        ctx: Ctx::new(lang, None, "/login"),
        next,
        username: String::new(),
        failed: false,
        locked: false,
        sso: sso_button(s, lang),
        sso_failed: true,
    });
    *res.status_mut() = match e {
        SsoError::Provider(_) => StatusCode::BAD_GATEWAY,
        SsoError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNAUTHORIZED,
    };
    res
}
