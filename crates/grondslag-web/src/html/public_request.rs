//! The public request form (issue 6; DSR-1, DSR-2): anyone makes a data-subject request
//! without an account, after proving control of an e-mail address with a one-time code.
//!
//! `GET /privacy-request` shows the form. `POST /privacy-request` checks it (each error at
//! its field), keeps it as a pending request (`Store::begin_public_request`), e-mails the
//! code and redirects to `/privacy-request/confirm/{token}`, where the code is typed. The
//! right code takes the request in (`Store::confirm_public_request`): the page and a
//! confirmation e-mail give its reference and due date. Without a mailer the form says it is
//! unavailable (503) rather than take requests it cannot confirm.
//!
//! Anti-forgery: these pages have no session, so the session-bound token of `security.rs`
//! cannot apply, and the middleware leaves these paths to this module. Every page sets a
//! random value in a cookie (`grondslag_form`; `__Host-grondslag_form` with
//! `--secure-cookies`), HttpOnly and SameSite=Strict, and every form repeats it in a hidden
//! field; a post is taken only when the two match (a double-submit token). Another site
//! cannot read the cookie, and the browser does not send it along with a post from another
//! site; with the `__Host-` prefix no other host of the university's domain can set it
//! either. No server secret is needed, so any instance can check any post. This stops a
//! page elsewhere from having its visitors' browsers submit the form (which would spread a
//! flood of code e-mails over many client addresses). The confirmation post is protected
//! the same way, on top of the unguessable token in its URL.
//!
//! Throttling: at most 10 code e-mails an hour per client address and 5 per recipient
//! (`Store::claim_code_send`); the code itself allows 5 attempts within an hour.

use super::{choices, render, Choice, Ctx};
use crate::auth::{cookie, ClientAddress};
use crate::error::PageError;
use crate::i18n::{t, t_args, Lang, UserLang};
use crate::mail::{code_mail, confirmation_mail, date_label, deliverable};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use grondslag_domain::requests::{Channel, RequestInput, Right};
use grondslag_domain::vocab::Term;
use grondslag_domain::ValidationErrors;
use grondslag_store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/privacy-request", get(form).post(submit))
        .route(
            "/privacy-request/confirm/{token}",
            get(confirm_form).post(confirm),
        )
}

/// The hidden field that repeats the cookie.
pub(super) const TOKEN_FIELD: &str = "csrf";

fn cookie_name(s: &AppState) -> &'static str {
    if s.secure_cookies {
        "__Host-grondslag_form"
    } else {
        "grondslag_form"
    }
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The browser's form token, or a new one with the cookie that sets it.
pub(super) fn form_token(s: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(token) = cookie(headers, cookie_name(s)).filter(|t| well_formed(t)) {
        return (token, None);
    }
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let secure = if s.secure_cookies { "; Secure" } else { "" };
    let set = HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookie_name(s)
    ))
    .expect("a hex token is a valid cookie");
    (token, Some(set))
}

/// Whether a post carries the token of the browser's cookie.
pub(super) fn token_matches(s: &AppState, headers: &HeaderMap, sent: &str) -> bool {
    let Some(kept) = cookie(headers, cookie_name(s)).filter(|t| well_formed(t)) else {
        return false;
    };
    kept.len() == sent.len()
        && kept
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Pages with what a requester typed are not kept in caches.
pub(super) fn finish(
    mut res: Response,
    status: StatusCode,
    set_cookie: Option<HeaderValue>,
) -> Response {
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

pub(super) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

#[derive(Template)]
#[template(path = "public/form.html")]
struct FormPage {
    ctx: Ctx,
    token: String,
    rights: Vec<Choice>,
    name: String,
    email: String,
    phone: String,
    university_number: String,
    description: String,
    /// (path, message), in the order of the form.
    errors: Vec<(String, String)>,
    /// A message for the whole form: throttled, or the e-mail failed.
    alert: Option<String>,
}

impl FormPage {
    fn empty(lang: Lang, token: String) -> Self {
        FormPage {
            ctx: Ctx::new(lang, None, "/privacy-request"),
            token,
            rights: choices::<Right>(lang, &[]),
            name: String::new(),
            email: String::new(),
            phone: String::new(),
            university_number: String::new(),
            description: String::new(),
            errors: Vec::new(),
            alert: None,
        }
    }

    fn filled(lang: Lang, token: String, fields: &[(String, String)]) -> Self {
        let chosen: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k == "rights")
            .map(|(_, v)| v.clone())
            .collect();
        FormPage {
            rights: choices::<Right>(lang, &chosen),
            name: field(fields, "name").to_string(),
            email: field(fields, "email").to_string(),
            phone: field(fields, "phone").to_string(),
            university_number: field(fields, "university_number").to_string(),
            description: field(fields, "description").to_string(),
            ..Self::empty(lang, token)
        }
    }

    /// The message at a field, if any.
    fn err(&self, path: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(p, _)| p == path || p.starts_with(&format!("{path}[")))
            .map(|(_, m)| m.clone())
    }

    /// Every error with the id of its field and the field's label, for the summary.
    fn summary(&self) -> Vec<(String, String, String)> {
        let lang = self.ctx.lang;
        let mut out: Vec<(String, String, String)> = Vec::new();
        for (path, message) in &self.errors {
            let base = path.split('[').next().unwrap_or(path);
            if out.iter().any(|(id, _, _)| id == base) {
                continue;
            }
            let label = match base {
                "rights" => t(lang, "pr-field-rights"),
                "name" => t(lang, "pr-field-name"),
                "email" => t(lang, "pr-field-email"),
                "phone" => t(lang, "pr-field-phone"),
                "university_number" => t(lang, "pr-field-university-number"),
                _ => t(lang, "pr-field-description"),
            };
            out.push((base.to_string(), label, message.clone()));
        }
        out
    }
}

/// The ids that describe a field: its error first, then its hint.
pub fn described_by(id: &str, hint: &str, err: &Option<String>) -> String {
    let mut ids = Vec::new();
    if err.is_some() {
        ids.push(format!("{id}-error"));
    }
    if !hint.is_empty() {
        ids.push(format!("{id}-hint"));
    }
    ids.join(" ")
}

/// What the requester reads at a field: the form's own sentences where it has them, the
/// general ones otherwise.
fn message(lang: Lang, path: &str, code: &str) -> String {
    let base = path.split('[').next().unwrap_or(path);
    match (base, code) {
        ("rights", "required") => t(lang, "pr-error-rights-required"),
        ("name", "required") => t(lang, "pr-error-name-required"),
        ("email", "required") => t(lang, "pr-error-email-required"),
        ("email", _) => t(lang, "pr-error-email-format"),
        (_, "required") => t(lang, "error-field-required"),
        (_, "too_long") => t(lang, "error-field-too-long"),
        (_, "unknown_value") => t(lang, "error-field-unknown-value"),
        (_, "duplicate") => t(lang, "error-field-duplicate"),
        (_, "invalid_format") => t(lang, "error-field-format"),
        _ => t(lang, "error-field-invalid"),
    }
}

#[derive(Template)]
#[template(path = "public/message.html")]
struct MessagePage {
    ctx: Ctx,
    title: String,
    message: String,
    /// Whether to offer the form again.
    again: bool,
}

/// The form cannot confirm requests without e-mail, so it takes none.
fn unavailable(lang: Lang) -> Response {
    let page = MessagePage {
        ctx: Ctx::new(lang, None, "/privacy-request"),
        title: t(lang, "pr-title"),
        message: t(lang, "pr-unavailable"),
        again: false,
    };
    finish(render(&page), StatusCode::SERVICE_UNAVAILABLE, None)
}

fn expired(lang: Lang) -> Response {
    let page = MessagePage {
        ctx: Ctx::new(lang, None, "/privacy-request"),
        title: t(lang, "pr-expired-title"),
        message: t(lang, "pr-expired"),
        again: true,
    };
    finish(render(&page), StatusCode::NOT_FOUND, None)
}

async fn form(State(s): State<AppState>, UserLang(lang): UserLang, headers: HeaderMap) -> Response {
    if s.mailer.is_none() {
        return unavailable(lang);
    }
    let (token, set) = form_token(&s, &headers);
    finish(render(&FormPage::empty(lang, token)), StatusCode::OK, set)
}

async fn submit(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(mailer) = s.mailer.clone() else {
        return unavailable(lang);
    };
    if !token_matches(&s, &headers, field(&fields, TOKEN_FIELD)) {
        return PageError::csrf(lang).into_response();
    }
    let (token, _) = form_token(&s, &headers);
    let mut errors = ValidationErrors::new();
    let mut rights: Vec<Right> = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "rights") {
        match Right::from_machine_name(v) {
            Some(r) if !rights.contains(&r) => rights.push(r),
            Some(_) => {}
            None => errors.add("rights", "unknown_value", format!("unknown right {v}")),
        }
    }
    let optional = |name: &str| Some(field(&fields, name).to_string()).filter(|v| !v.is_empty());
    let today = chrono::Utc::now().date_naive();
    let input = RequestInput {
        rights,
        name: field(&fields, "name").to_string(),
        email: optional("email"),
        phone: optional("phone"),
        address: None,
        university_number: optional("university_number"),
        description: field(&fields, "description").to_string(),
        channel: Channel::WebForm,
        received_on: today,
    };
    errors.nest("", input.validate(today));
    let email = field(&fields, "email").to_string();
    if errors.at("email").is_none() {
        if email.is_empty() {
            errors.add(
                "email",
                "required",
                "is required here: the code is sent there",
            );
        } else if !deliverable(&email) {
            errors.add("email", "invalid_format", "cannot be written to");
        }
    }
    let again = |errors: &ValidationErrors, alert: Option<&str>, status: StatusCode| {
        let mut page = FormPage::filled(lang, token.clone(), &fields);
        page.errors = errors
            .iter()
            .filter(|e| e.path != "received_on")
            .map(|e| (e.path.clone(), message(lang, &e.path, e.code)))
            .collect();
        page.alert = alert.map(|id| t(lang, id));
        finish(render(&page), status, None)
    };
    if !errors.is_empty() {
        return again(&errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match s.store.claim_code_send(&address, &email).await {
        Ok(true) => {}
        Ok(false) => {
            return again(
                &ValidationErrors::new(),
                Some("pr-throttled"),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Err(e) => return PageError::new(lang, e).into_response(),
    }
    let (pending, code) = match s.store.begin_public_request(&input).await {
        Ok(started) => started,
        Err(StoreError::Invalid(errors)) => {
            return again(&errors, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return PageError::new(lang, e).into_response(),
    };
    if let Err(e) = mailer
        .send(&email, &code_mail(lang, &input.name, &code))
        .await
    {
        // The pending request stays unusable without its code and expires within the hour.
        tracing::warn!(error = %e, "the code of the public request form could not be sent");
        return again(
            &ValidationErrors::new(),
            Some("pr-mail-failed"),
            StatusCode::SERVICE_UNAVAILABLE,
        );
    }
    finish(
        Redirect::to(&format!("/privacy-request/confirm/{pending}")).into_response(),
        StatusCode::SEE_OTHER,
        None,
    )
}

#[derive(Template)]
#[template(path = "public/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    token: String,
    action: String,
    error: Option<String>,
}

/// A pending request's token is 48 hex digits; anything else is not looked up.
fn pending_shape(token: &str) -> bool {
    token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn confirm_page(
    lang: Lang,
    token: String,
    pending: &str,
    error: Option<String>,
    status: StatusCode,
    set: Option<HeaderValue>,
) -> Response {
    let action = format!("/privacy-request/confirm/{pending}");
    let page = ConfirmPage {
        ctx: Ctx::new(lang, None, action.clone()),
        token,
        action,
        error,
    };
    finish(render(&page), status, set)
}

async fn confirm_form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Path(pending): Path<String>,
    headers: HeaderMap,
) -> Response {
    if s.mailer.is_none() {
        return unavailable(lang);
    }
    if !pending_shape(&pending) {
        return expired(lang);
    }
    match s.store.pending_request_attempts_left(&pending).await {
        Ok(Some(_)) => {
            let (token, set) = form_token(&s, &headers);
            confirm_page(lang, token, &pending, None, StatusCode::OK, set)
        }
        Ok(None) => expired(lang),
        Err(e) => PageError::new(lang, e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "public/done.html")]
struct DonePage {
    ctx: Ctx,
    reference: String,
    due: String,
    text: String,
    mailed: bool,
}

async fn confirm(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Path(pending): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(mailer) = s.mailer.clone() else {
        return unavailable(lang);
    };
    if !token_matches(&s, &headers, field(&fields, TOKEN_FIELD)) {
        return PageError::csrf(lang).into_response();
    }
    if !pending_shape(&pending) {
        return expired(lang);
    }
    let (token, _) = form_token(&s, &headers);
    let code: String = field(&fields, "code")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let wrong = |error: String| {
        confirm_page(
            lang,
            token.clone(),
            &pending,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        )
    };
    // A typing slip is not a wrong code: it costs no attempt.
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return match s.store.pending_request_attempts_left(&pending).await {
            Ok(Some(_)) => wrong(t(lang, "pr-error-code-format")),
            Ok(None) => expired(lang),
            Err(e) => PageError::new(lang, e).into_response(),
        };
    }
    let request = match s.store.confirm_public_request(&pending, &code).await {
        Ok(r) => r,
        Err(StoreError::Invalid(_)) => {
            return match s.store.pending_request_attempts_left(&pending).await {
                Ok(Some(left)) => wrong(t_args(
                    lang,
                    "pr-error-code-wrong",
                    &[("left", left.into())],
                )),
                Ok(None) => expired(lang),
                Err(e) => PageError::new(lang, e).into_response(),
            }
        }
        Err(StoreError::NotFound(_)) => return expired(lang),
        Err(e) => return PageError::new(lang, e).into_response(),
    };
    let email = request.input.email.clone().unwrap_or_default();
    let mailed = match mailer
        .send(&email, &confirmation_mail(lang, &request))
        .await
    {
        Ok(()) => true,
        Err(e) => {
            // The request is in; only the copy by e-mail is missing. The page says so.
            tracing::warn!(error = %e, reference = %request.reference, "the confirmation of a public request could not be sent");
            false
        }
    };
    let due = request
        .deadline()
        .map(|d| date_label(lang, d.due))
        .unwrap_or_default();
    let page = DonePage {
        ctx: Ctx::new(lang, None, "/privacy-request"),
        text: t_args(lang, "pr-done-text", &[("due", due.clone().into())]),
        reference: request.reference,
        due,
        mailed,
    };
    finish(render(&page), StatusCode::OK, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field() {
        assert_eq!(
            message(Lang::En, "rights", "required"),
            t(Lang::En, "pr-error-rights-required")
        );
        assert_eq!(
            message(Lang::Nl, "email", "invalid_format"),
            t(Lang::Nl, "pr-error-email-format")
        );
        assert_eq!(
            message(Lang::En, "description", "too_long"),
            t(Lang::En, "error-field-too-long")
        );
    }

    #[test]
    fn tokens_have_one_shape() {
        assert!(well_formed(&"a".repeat(64)));
        assert!(!well_formed(&"a".repeat(63)));
        assert!(!well_formed(&"g".repeat(64)));
        assert!(pending_shape(&"0".repeat(48)));
        assert!(!pending_shape("../../etc"));
    }
}
