//! A person's own account: changing their password.

use super::{render, Ctx};
use crate::auth::PageUser;
use crate::error::PageError;
use crate::i18n::{t, Lang, UserLang};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use grondslag_store::StoreError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/account/password", get(show).post(change))
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    ctx: Ctx,
    errors: Vec<(String, String)>,
}

impl PasswordPage {
    fn err(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }
}

async fn show(UserLang(lang): UserLang, PageUser(user): PageUser) -> Response {
    render(&PasswordPage {
        ctx: Ctx::new(lang, Some(&user), "/account/password"),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct Change {
    old_password: String,
    password: String,
    password_again: String,
}

fn message(lang: Lang, code: &str) -> String {
    match code {
        "too_short" => t(lang, "password-too-short"),
        "too_common" => t(lang, "password-too-common"),
        "wrong" => t(lang, "password-wrong"),
        "differs" => t(lang, "password-differs"),
        _ => t(lang, "error-field-invalid"),
    }
}

async fn change(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageUser(user): PageUser,
    Form(f): Form<Change>,
) -> Result<Response, PageError> {
    let errors = if f.password != f.password_again {
        vec![("password_again".to_string(), message(lang, "differs"))]
    } else {
        match s
            .store
            .set_password(
                &user.actor(),
                &user.username,
                Some(&f.old_password),
                &f.password,
            )
            .await
        {
            // Every session ended, this one too: log in again with the new password.
            Ok(()) => return Ok(Redirect::to("/login?next=/activities").into_response()),
            Err(StoreError::Invalid(e)) => e
                .iter()
                .map(|e| (e.path.clone(), message(lang, e.code)))
                .collect(),
            Err(e) => return Err(PageError::new(lang, e)),
        }
    };
    let mut res = render(&PasswordPage {
        ctx: Ctx::new(lang, Some(&user), "/account/password"),
        errors,
    });
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}
