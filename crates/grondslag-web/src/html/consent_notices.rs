//! Consent notices in the UI (CON-1, LAW-5; `docs/consent.md`, "Publishing a consent
//! notice"): the list, a notice with every version, a form for a new notice and for
//! editing, and the publish and retire steps. Reading needs `read_consent`; writing
//! `manage_consent_notices`. A published text never changes: saving it makes a new draft.

use super::{render, Ctx};
use crate::access::{Can, ManageConsentNotices, PageCan, ReadConsent};
use crate::error::PageError;
use crate::i18n::{t, Lang, UserLang};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use grondslag_domain::access::Permission;
use grondslag_domain::consent::{NoticeContent, NoticeStatus};
use grondslag_domain::vocab::Term;
use grondslag_domain::ValidationErrors;
use grondslag_store::accounts::User;
use grondslag_store::consent_notices::NoticeVersion;
use grondslag_store::StoreError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consent/notices", get(list))
        .route("/consent/notices/new", get(new_form).post(create))
        .route("/consent/notices/{id}", get(show))
        .route("/consent/notices/{id}/edit", get(edit_form).post(save))
        .route("/consent/notices/{id}/publish", post(publish))
        .route("/consent/notices/{id}/retire", post(retire))
}

/// A version as a row of the list or of a notice's history.
pub struct VersionRow {
    pub id: String,
    pub version: u32,
    pub status: String,
    pub activity: String,
    pub explicit: bool,
    pub text_nl: String,
    pub text_en: String,
    pub hash_nl: String,
    pub hash_en: String,
    pub updated_at: String,
    pub published_at: String,
    pub retired_at: String,
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn row(lang: Lang, v: &NoticeVersion, activity_name: &str) -> VersionRow {
    VersionRow {
        id: v.id.clone(),
        version: v.version,
        status: v.status.label(lang).to_string(),
        activity: activity_name.to_string(),
        explicit: v.content.explicit,
        text_nl: v.content.text_nl.clone(),
        text_en: v.content.text_en.clone(),
        hash_nl: v.content.hash(Lang::Nl).to_hex(),
        hash_en: v.content.hash(Lang::En).to_hex(),
        updated_at: time(Some(v.updated_at)),
        published_at: time(v.published_at),
        retired_at: time(v.retired_at),
    }
}

/// The register's activities, (id, name), for names and the form's select.
async fn activities(s: &AppState, lang: Lang) -> Result<Vec<(String, String)>, PageError> {
    Ok(s.store
        .current_activities()
        .await
        .map_err(|e| PageError::new(lang, e))?
        .into_iter()
        .map(|a| (a.id, a.activity.name))
        .collect())
}

fn name_of(activities: &[(String, String)], id: &str) -> String {
    activities
        .iter()
        .find(|(a, _)| a == id)
        .map_or_else(|| id.to_string(), |(_, n)| n.clone())
}

fn may_manage(can: &Can<ReadConsent>) -> bool {
    !can.scope_of(Permission::ManageConsentNotices).is_nothing()
}

#[derive(Template)]
#[template(path = "consent/notices.html")]
struct ListPage {
    ctx: Ctx,
    notices: Vec<VersionRow>,
    manage: bool,
}

async fn list(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadConsent>,
) -> Result<Response, PageError> {
    let acts = activities(&s, lang).await?;
    let notices = s
        .store
        .consent_notices()
        .await
        .map_err(|e| PageError::new(lang, e))?
        .iter()
        .map(|v| row(lang, v, &name_of(&acts, &v.content.activity)))
        .collect();
    Ok(render(&ListPage {
        ctx: Ctx::new(lang, Some(&can.user), "/consent/notices"),
        notices,
        manage: may_manage(&can),
    }))
}

#[derive(Template)]
#[template(path = "consent/notice.html")]
struct ShowPage {
    ctx: Ctx,
    id: String,
    versions: Vec<VersionRow>,
    manage: bool,
    /// The newest version, when it is a draft: what Publish publishes.
    draft: Option<u32>,
    /// Whether a version is published (Retire, and the links to the form and the JSON).
    published: bool,
    error: Option<String>,
}

/// A notice's page for `user`; `manage` shows the steps that change it.
async fn show_page(
    s: &AppState,
    lang: Lang,
    user: &User,
    manage: bool,
    id: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let versions = s
        .store
        .consent_notice_versions(id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let acts = activities(s, lang).await?;
    let page = ShowPage {
        ctx: Ctx::new(
            lang,
            Some(user),
            format!("/consent/notices/{}", crate::auth::urlencode(id)),
        ),
        id: id.to_string(),
        draft: versions
            .first()
            .filter(|v| v.status == NoticeStatus::Draft)
            .map(|v| v.version),
        published: versions.iter().any(|v| v.status == NoticeStatus::Published),
        versions: versions
            .iter()
            .map(|v| row(lang, v, &name_of(&acts, &v.content.activity)))
            .collect(),
        manage,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&page);
    *res.status_mut() = status;
    Ok(res)
}

async fn show(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadConsent>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show_page(&s, lang, &can.user, may_manage(&can), &id, None).await
}

/// An activity the form offers.
pub struct ActivityChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "consent/notice_form.html")]
struct FormPage {
    ctx: Ctx,
    /// `None` for a new notice: then the id is a field.
    existing: Option<String>,
    /// Whether saving makes a new version (the newest is published or retired).
    new_version: bool,
    id: String,
    activities: Vec<ActivityChoice>,
    explicit: bool,
    text_nl: String,
    text_en: String,
    /// (path, message).
    errors: Vec<(String, String)>,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(p, _)| p == field)
            .map(|(_, m)| m.clone())
    }

    /// A text field's value, by its name.
    fn text_of(&self, name: &str) -> &str {
        if name == "text_nl" {
            &self.text_nl
        } else {
            &self.text_en
        }
    }

    fn action(&self) -> String {
        match &self.existing {
            Some(id) => format!("/consent/notices/{id}/edit"),
            None => "/consent/notices/new".into(),
        }
    }
}

/// What staff read at a field.
fn message(lang: Lang, path: &str, code: &str) -> String {
    match (path, code) {
        ("explicit", "explicit_required") => t(lang, "notice-error-explicit-required"),
        ("id", "reserved") => t(lang, "notice-error-id-reserved"),
        ("id", _) => t(lang, "notice-error-id-format"),
        (_, "required") => t(lang, "error-field-required"),
        (_, "too_long") => t(lang, "error-field-too-long"),
        (_, "unknown_reference") => t(lang, "error-field-unknown-reference"),
        _ => t(lang, "error-field-invalid"),
    }
}

fn localise(lang: Lang, errors: &ValidationErrors) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.path.clone(), message(lang, &e.path, e.code)))
        .collect()
}

#[derive(Deserialize)]
struct NoticeForm {
    #[serde(default)]
    id: String,
    activity: String,
    #[serde(default)]
    explicit: Option<String>,
    text_nl: String,
    text_en: String,
}

impl NoticeForm {
    fn content(&self) -> NoticeContent {
        NoticeContent {
            activity: self.activity.trim().to_string(),
            explicit: self.explicit.is_some(),
            // The texts are kept byte for byte: they are what visitors will read and hash.
            text_nl: self.text_nl.clone(),
            text_en: self.text_en.clone(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    lang: Lang,
    can: &Can<ManageConsentNotices>,
    existing: Option<String>,
    new_version: bool,
    id: String,
    acts: &[(String, String)],
    content: &NoticeContent,
    errors: Vec<(String, String)>,
) -> Response {
    let here = existing
        .as_ref()
        .map_or("/consent/notices/new".into(), |id| {
            format!("/consent/notices/{id}/edit")
        });
    let page = FormPage {
        ctx: Ctx::new(lang, Some(&can.user), here),
        existing,
        new_version,
        id,
        activities: acts
            .iter()
            .map(|(id, name)| ActivityChoice {
                id: id.clone(),
                name: name.clone(),
                selected: *id == content.activity,
            })
            .collect(),
        explicit: content.explicit,
        text_nl: content.text_nl.clone(),
        text_en: content.text_en.clone(),
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&page);
    *res.status_mut() = status;
    res
}

fn empty_content() -> NoticeContent {
    NoticeContent {
        activity: String::new(),
        explicit: false,
        text_nl: String::new(),
        text_en: String::new(),
    }
}

async fn new_form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ManageConsentNotices>,
) -> Result<Response, PageError> {
    let acts = activities(&s, lang).await?;
    Ok(form_page(
        lang,
        &can,
        None,
        false,
        String::new(),
        &acts,
        &empty_content(),
        Vec::new(),
    ))
}

async fn create(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ManageConsentNotices>,
    Form(f): Form<NoticeForm>,
) -> Result<Response, PageError> {
    let id = f.id.trim().to_string();
    let content = f.content();
    match s
        .store
        .create_consent_notice(&can.user.actor(), &id, &content)
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("/consent/notices/{}", v.id)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let acts = activities(&s, lang).await?;
            Ok(form_page(
                lang,
                &can,
                None,
                false,
                id,
                &acts,
                &content,
                localise(lang, &errors),
            ))
        }
        Err(StoreError::Conflict(_)) => {
            let acts = activities(&s, lang).await?;
            Ok(form_page(
                lang,
                &can,
                None,
                false,
                id,
                &acts,
                &content,
                vec![("id".into(), t(lang, "notice-error-id-taken"))],
            ))
        }
        Err(e) => Err(PageError::new(lang, e)),
    }
}

async fn edit_form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ManageConsentNotices>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let versions = s
        .store
        .consent_notice_versions(&id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let newest = &versions[0];
    let acts = activities(&s, lang).await?;
    Ok(form_page(
        lang,
        &can,
        Some(newest.id.clone()),
        newest.status != NoticeStatus::Draft,
        newest.id.clone(),
        &acts,
        &newest.content,
        Vec::new(),
    ))
}

async fn save(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ManageConsentNotices>,
    Path(id): Path<String>,
    Form(f): Form<NoticeForm>,
) -> Result<Response, PageError> {
    let content = f.content();
    match s
        .store
        .save_consent_notice(&can.user.actor(), &id, &content)
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("/consent/notices/{}", v.id)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let versions = s
                .store
                .consent_notice_versions(&id)
                .await
                .map_err(|e| PageError::new(lang, e))?;
            let acts = activities(&s, lang).await?;
            Ok(form_page(
                lang,
                &can,
                Some(id.clone()),
                versions[0].status != NoticeStatus::Draft,
                id,
                &acts,
                &content,
                localise(lang, &errors),
            ))
        }
        Err(e) => Err(PageError::new(lang, e)),
    }
}

#[derive(Deserialize)]
struct PublishForm {
    version: u32,
}

/// The notice page again, with why a step failed.
async fn refused(
    s: &AppState,
    lang: Lang,
    can: &Can<ManageConsentNotices>,
    id: &str,
    message: String,
) -> Result<Response, PageError> {
    show_page(s, lang, &can.user, true, id, Some(message)).await
}

async fn publish(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ManageConsentNotices>,
    Path(id): Path<String>,
    Form(f): Form<PublishForm>,
) -> Result<Response, PageError> {
    match s
        .store
        .publish_consent_notice(&can.user.actor(), &id, f.version)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/consent/notices/{id}")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let message = localise(lang, &errors)
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" ");
            refused(&s, lang, &can, &id, message).await
        }
        Err(StoreError::Stale(_)) => {
            refused(&s, lang, &can, &id, t(lang, "notice-error-stale")).await
        }
        Err(e) => Err(PageError::new(lang, e)),
    }
}

async fn retire(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ManageConsentNotices>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match s.store.retire_consent_notice(&can.user.actor(), &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/consent/notices/{id}")).into_response()),
        Err(e) => Err(PageError::new(lang, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_problem_at_the_field() {
        assert_eq!(
            message(Lang::En, "explicit", "explicit_required"),
            t(Lang::En, "notice-error-explicit-required")
        );
        assert_eq!(
            message(Lang::Nl, "activity", "unknown_reference"),
            t(Lang::Nl, "error-field-unknown-reference")
        );
        assert_eq!(
            message(Lang::En, "id", "invalid_format"),
            t(Lang::En, "notice-error-id-format")
        );
    }
}
