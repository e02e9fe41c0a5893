//! Logging in and out of the UI.

use super::{render, Ctx};
use crate::auth::ClientAddress;
use crate::auth::{
    clear_session_cookie, cookie, safe_next, session_cookie, with_cookie, SESSION_COOKIE,
};
use crate::error::PageError;
use crate::i18n::UserLang;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use grondslag_store::accounts::LoginOutcome;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
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
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn show(UserLang(lang): UserLang, Query(q): Query<Next>) -> Response {
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
