//! The hosted consent form (CON-1, CON-3; `docs/consent.md`, "Publishing a consent
//! notice"): anyone gives or withdraws consent with a published notice, without an account,
//! confirmed by a link sent to their e-mail address (double opt-in).
//!
//! `GET /consent/{notice}` shows the published text in the visitor's language with an
//! unticked checkbox and an e-mail field, and beside it a withdrawal form that is just as
//! short (GDPR 7(3), RU 4:7). A retired notice keeps only the withdrawal form. A post keeps
//! the request under the address's pseudonymous key (`Store::begin_consent_confirmation`)
//! and mails a link to `/consent/{notice}/confirm/{token}`; nothing is recorded yet. The
//! link opens a page with one button, and its post records the consent or the withdrawal
//! (`Store::confirm_consent`), with a GPC signal when that request carries `Sec-GPC: 1`.
//! The link does not record on its own because mail scanners open links; a person presses
//! the button.
//!
//! The forms use the public request form's double-submit token against forgery and its
//! throttle (10 e-mails an hour per client address, 5 per recipient). Without the ledger's
//! key, e-mail or the server's public address (for the link) the page says the form is
//! unavailable (503).

use super::public_request::{field, finish, form_token, token_matches, TOKEN_FIELD};
use super::{render, Ctx};
use crate::auth::ClientAddress;
use crate::error::PageError;
use crate::i18n::{t, t_args, Lang, UserLang};
use crate::mail::{consent_link_mail, deliverable};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use grondslag_domain::consent::{IdentifierKind, NoticeStatus, SubjectId};
use grondslag_store::consent_notices::{FormAction, NoticeVersion, CONFIRMATION_LIFETIME};
use grondslag_store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consent/{notice}", get(form).post(submit))
        .route(
            "/consent/{notice}/confirm/{token}",
            get(confirm_form).post(confirm),
        )
}

/// A notice's text as paragraphs of lines, so the page keeps its breaks without markup.
fn paragraphs(text: &str) -> Vec<Vec<String>> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "public/consent_form.html")]
struct FormPage {
    ctx: Ctx,
    token: String,
    notice: String,
    paragraphs: Vec<Vec<String>>,
    explicit: bool,
    /// Whether consent can be given: the notice is published, not retired.
    open: bool,
    /// The form that was posted (`give` or `withdraw`), for its errors and values.
    posted: &'static str,
    email: String,
    /// (field, message) of the posted form.
    errors: Vec<(String, String)>,
    alert: Option<String>,
}

impl FormPage {
    fn new(lang: Lang, token: String, v: &NoticeVersion) -> Self {
        FormPage {
            ctx: Ctx::new(lang, None, format!("/consent/{}", v.id)),
            token,
            notice: v.id.clone(),
            paragraphs: paragraphs(v.content.text(lang)),
            explicit: v.content.explicit,
            open: v.status == NoticeStatus::Published,
            posted: "",
            email: String::new(),
            errors: Vec::new(),
            alert: None,
        }
    }

    /// The message at a field of one of the two forms.
    fn err(&self, form: &str, field: &str) -> Option<String> {
        if self.posted != form {
            return None;
        }
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }

    /// What the e-mail field of one of the two forms shows.
    fn email_of(&self, form: &str) -> &str {
        if self.posted == form {
            &self.email
        } else {
            ""
        }
    }
}

#[derive(Template)]
#[template(path = "public/consent_message.html")]
struct MessagePage {
    ctx: Ctx,
    title: String,
    message: String,
    /// A link back to the notice's form, if any.
    back: Option<String>,
}

fn message(
    lang: Lang,
    notice: &str,
    title: &str,
    text: String,
    back: bool,
    status: StatusCode,
) -> Response {
    let page = MessagePage {
        ctx: Ctx::new(lang, None, format!("/consent/{notice}")),
        title: t(lang, title),
        message: text,
        back: back.then(|| format!("/consent/{notice}")),
    };
    finish(render(&page), status, None)
}

/// The form cannot confirm anything without the ledger's key, e-mail and a link to send.
fn configured(s: &AppState) -> bool {
    s.consent_key.is_some() && s.mailer.is_some() && s.public_url.is_some()
}

fn unavailable(lang: Lang, notice: &str) -> Response {
    message(
        lang,
        notice,
        "pc-title",
        t(lang, "pc-unavailable"),
        false,
        StatusCode::SERVICE_UNAVAILABLE,
    )
}

fn expired(lang: Lang, notice: &str) -> Response {
    message(
        lang,
        notice,
        "pc-expired-title",
        t(lang, "pc-expired"),
        true,
        StatusCode::NOT_FOUND,
    )
}

/// The version the form serves; drafts and unknown notices are not found.
async fn served(s: &AppState, lang: Lang, notice: &str) -> Result<NoticeVersion, Response> {
    match s.store.served_consent_notice(notice).await {
        Ok(v) => Ok(v),
        Err(StoreError::NotFound(_)) => Err(PageError::not_found(lang).into_response()),
        Err(e) => Err(PageError::new(lang, e).into_response()),
    }
}

async fn form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Path(notice): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !configured(&s) {
        return unavailable(lang, &notice);
    }
    let v = match served(&s, lang, &notice).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (token, set) = form_token(&s, &headers);
    finish(render(&FormPage::new(lang, token, &v)), StatusCode::OK, set)
}

async fn submit(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    ClientAddress(address): ClientAddress,
    Path(notice): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let (Some(key), Some(mailer), Some(base)) = (
        s.consent_key.clone(),
        s.mailer.clone(),
        s.public_url.clone(),
    ) else {
        return unavailable(lang, &notice);
    };
    if !token_matches(&s, &headers, field(&fields, TOKEN_FIELD)) {
        return PageError::csrf(lang).into_response();
    }
    let v = match served(&s, lang, &notice).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (token, _) = form_token(&s, &headers);
    let (action, posted) = match field(&fields, "action") {
        "withdraw" => (FormAction::Withdraw, "withdraw"),
        _ => (FormAction::Give, "give"),
    };
    let email = field(&fields, "email").to_string();
    let mut errors: Vec<(String, String)> = Vec::new();
    if action == FormAction::Give {
        if v.status != NoticeStatus::Published {
            return expired(lang, &notice);
        }
        // Consent is an affirmative act (RU art. 1 lid 12): the box starts unticked.
        if field(&fields, "agree") != "yes" {
            let id = if v.content.explicit {
                "pc-error-agree-explicit"
            } else {
                "pc-error-agree"
            };
            errors.push(("agree".into(), t(lang, id)));
        }
    }
    let subject = if email.is_empty() {
        errors.push(("email".into(), t(lang, "pc-error-email-required")));
        None
    } else {
        match SubjectId::parse(IdentifierKind::Email, &email) {
            Ok(id) if deliverable(&email) => Some(key.subject_key(&id)),
            _ => {
                errors.push(("email".into(), t(lang, "pc-error-email-format")));
                None
            }
        }
    };
    let again = |errors: Vec<(String, String)>, alert: Option<&str>, status: StatusCode| {
        let mut page = FormPage::new(lang, token.clone(), &v);
        page.posted = posted;
        page.email = email.clone();
        page.errors = errors;
        page.alert = alert.map(|id| t(lang, id));
        finish(render(&page), status, None)
    };
    let Some(subject) = subject.filter(|_| errors.is_empty()) else {
        return again(errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    };
    match s.store.claim_code_send(&address, &email).await {
        Ok(true) => {}
        Ok(false) => {
            return again(
                Vec::new(),
                Some("pc-throttled"),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Err(e) => return PageError::new(lang, e).into_response(),
    }
    let link_token = match s
        .store
        .begin_consent_confirmation(&v, action, lang, &subject)
        .await
    {
        Ok(t) => t,
        Err(e) => return PageError::new(lang, e).into_response(),
    };
    let link = format!("{base}/consent/{}/confirm/{link_token}", v.id);
    let withdraw = action == FormAction::Withdraw;
    if let Err(e) = mailer
        .send(&email, &consent_link_mail(lang, withdraw, &link))
        .await
    {
        // The pending confirmation is useless without its link and expires by itself.
        tracing::warn!(error = %e, "the link of the hosted consent form could not be sent");
        return again(
            Vec::new(),
            Some("pc-mail-failed"),
            StatusCode::SERVICE_UNAVAILABLE,
        );
    }
    message(
        lang,
        &notice,
        "pc-sent-title",
        t_args(
            lang,
            if withdraw {
                "pc-sent-withdraw"
            } else {
                "pc-sent-give"
            },
            &[("hours", CONFIRMATION_LIFETIME.num_hours().into())],
        ),
        false,
        StatusCode::OK,
    )
}

/// A link's token is 64 hex digits; anything else is not looked up.
fn link_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Template)]
#[template(path = "public/consent_confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    token: String,
    action: String,
    withdraw: bool,
}

/// Whether the link works and belongs to this notice.
async fn pending(
    s: &AppState,
    lang: Lang,
    notice: &str,
    link: &str,
) -> Result<FormAction, Response> {
    if !link_shape(link) {
        return Err(expired(lang, notice));
    }
    match s.store.pending_consent(link).await {
        Ok(Some(p)) if p.notice == notice => Ok(p.action),
        Ok(_) => Err(expired(lang, notice)),
        Err(e) => Err(PageError::new(lang, e).into_response()),
    }
}

async fn confirm_form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Path((notice, link)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !configured(&s) {
        return unavailable(lang, &notice);
    }
    let action = match pending(&s, lang, &notice, &link).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let (token, set) = form_token(&s, &headers);
    let here = format!("/consent/{notice}/confirm/{link}");
    let page = ConfirmPage {
        ctx: Ctx::new(lang, None, here.clone()),
        token,
        action: here,
        withdraw: action == FormAction::Withdraw,
    };
    finish(render(&page), StatusCode::OK, set)
}

async fn confirm(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    Path((notice, link)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if !configured(&s) {
        return unavailable(lang, &notice);
    }
    if !token_matches(&s, &headers, field(&fields, TOKEN_FIELD)) {
        return PageError::csrf(lang).into_response();
    }
    if let Err(res) = pending(&s, lang, &notice, &link).await {
        return res;
    }
    // Global Privacy Control: an objection to targeting (GDPR 21(5)), as on the API.
    let gpc = headers
        .get("sec-gpc")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        == Some("1");
    match s.store.confirm_consent(&link, gpc).await {
        Ok(done) => {
            let at = done.at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
            let (title, text) = match done.pending.action {
                FormAction::Give => ("pc-done-give-title", "pc-done-give"),
                FormAction::Withdraw => ("pc-done-withdraw-title", "pc-done-withdraw"),
            };
            let mut text = t_args(lang, text, &[("at", at.into())]);
            if done.gpc_recorded {
                text = format!("{text} {}", t(lang, "pc-done-gpc"));
            }
            message(lang, &notice, title, text, false, StatusCode::OK)
        }
        Err(StoreError::NotFound(_)) => expired(lang, &notice),
        Err(StoreError::Conflict(_)) => message(
            lang,
            &notice,
            "pc-changed-title",
            t(lang, "pc-changed"),
            true,
            StatusCode::CONFLICT,
        ),
        // The ledger refuses a withdrawal when no consent is in force.
        Err(StoreError::Invalid(_)) => message(
            lang,
            &notice,
            "pc-nothing-title",
            t(lang, "pc-nothing-to-withdraw"),
            true,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => PageError::new(lang, e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_keep_their_paragraphs_and_lines() {
        assert_eq!(
            paragraphs("Ja.\r\nGraag.\n\nMeer."),
            vec![
                vec!["Ja.".to_string(), "Graag.".into()],
                vec!["Meer.".into()]
            ]
        );
    }

    #[test]
    fn links_have_one_shape() {
        assert!(link_shape(&"a".repeat(64)));
        assert!(!link_shape(&"a".repeat(48)));
        assert!(!link_shape("../../etc/passwd"));
    }
}
