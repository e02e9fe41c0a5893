//! The audience filter in the UI (CON-5, CON-6): a communication officer chooses an activity,
//! uploads or pastes a CSV of e-mail addresses or phone numbers and sees how many may be
//! approached and how many were removed for which reason, or downloads the allowed subset as
//! CSV. The filtering is the API's (`api::consent::filter_audience_text`); nothing is stored.

use super::{render, Ctx};
use crate::access::{CheckConsent, PageCan};
use crate::api::consent::{filter_audience_text, AudienceReport, Fail};
use crate::error::{ApiError, PageError};
use crate::i18n::{t, UserLang};
use crate::AppState;
use askama::Template;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use grondslag_domain::consent::Reason;
use grondslag_domain::vocab::Term;
use grondslag_domain::Lang;
use grondslag_store::accounts::User;

pub fn routes() -> Router<AppState> {
    Router::new().route("/consent/audience", get(form).post(filter))
}

/// The largest audience the page takes: about half a million addresses.
const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// An activity to choose.
pub struct ActivityChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

/// The outcome shown: counts only, never identifiers.
pub struct ReportView {
    pub total: usize,
    pub allowed: usize,
    /// (reason, how many), in the order of the reasons' machine names.
    pub removed: Vec<(String, usize)>,
}

#[derive(Template)]
#[template(path = "consent/audience.html")]
struct AudiencePage {
    ctx: Ctx,
    activities: Vec<ActivityChoice>,
    text: String,
    /// An error at the activity or at the list.
    activity_error: Option<String>,
    list_error: Option<String>,
    report: Option<ReportView>,
    configured: bool,
}

async fn page(
    lang: Lang,
    user: &User,
    s: &AppState,
    selected: &str,
    text: String,
) -> Result<AudiencePage, PageError> {
    let activities = s
        .store
        .current_activities()
        .await
        .map_err(|e| PageError::new(lang, e))?;
    Ok(AudiencePage {
        ctx: Ctx::new(lang, Some(user), "/consent/audience"),
        activities: activities
            .into_iter()
            .map(|a| ActivityChoice {
                selected: a.id == selected,
                id: a.id,
                name: a.activity.name,
            })
            .collect(),
        text,
        activity_error: None,
        list_error: None,
        report: None,
        configured: s.consent_key.is_some(),
    })
}

async fn form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<CheckConsent>,
) -> Result<Response, PageError> {
    Ok(render(&page(lang, &can.user, &s, "", String::new()).await?))
}

/// What the form posted.
#[derive(Default)]
struct Posted {
    activity: String,
    /// The pasted list.
    text: String,
    /// The uploaded file's bytes, when one was chosen.
    file: Option<Vec<u8>>,
    download: bool,
}

async fn read_posted(headers: &HeaderMap, body: Bytes) -> Option<Posted> {
    let mut p = Posted::default();
    let mut set = |name: &str, value: Vec<u8>, file: bool| match name {
        "activity" => p.activity = String::from_utf8_lossy(&value).trim().to_string(),
        "text" => p.text = String::from_utf8_lossy(&value).to_string(),
        "file" if file && !value.is_empty() => p.file = Some(value),
        "action" => p.download = value == b"download",
        _ => {}
    };
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::form_data::boundary);
    match boundary {
        Some(b) => {
            for f in crate::form_data::fields(&b, body).await? {
                let file = f.filename.is_some();
                set(&f.name, f.data.to_vec(), file);
            }
        }
        None => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).ok()?;
            for (k, v) in pairs {
                set(&k, v.into_bytes(), false);
            }
        }
    }
    Some(p)
}

/// The label of a reason a line was removed for.
fn reason_label(lang: Lang, name: &str) -> String {
    match name {
        "malformed" => t(lang, "audience-removed-malformed"),
        "duplicate" => t(lang, "audience-removed-duplicate"),
        other => Reason::from_machine_name(other)
            .map(|r| r.label(lang).to_string())
            .unwrap_or_else(|| other.to_string()),
    }
}

fn view(lang: Lang, r: &AudienceReport) -> ReportView {
    ReportView {
        total: r.total,
        allowed: r.allowed,
        removed: r
            .removed
            .iter()
            .map(|(k, n)| (reason_label(lang, k), *n))
            .collect(),
    }
}

/// A file name of safe characters for the download.
fn download_name(activity: &str) -> String {
    let id: String = activity
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    format!("audience-{id}.csv")
}

async fn filter(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<CheckConsent>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, PageError> {
    let Ok(bytes) = to_bytes(body, UPLOAD_LIMIT).await else {
        return Ok((StatusCode::PAYLOAD_TOO_LARGE, t(lang, "audience-too-large")).into_response());
    };
    let posted = read_posted(&headers, bytes).await.unwrap_or_default();
    let mut p = page(lang, &can.user, &s, &posted.activity, posted.text.clone()).await?;
    let unprocessable = |p: &AudiencePage| {
        let mut res = render(p);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(res)
    };
    if !p.configured {
        let mut res = render(&p);
        *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return Ok(res);
    }
    if posted.activity.is_empty() {
        p.activity_error = Some(t(lang, "audience-error-activity"));
        return unprocessable(&p);
    }
    // A chosen file wins over the text area.
    let list = posted.file.unwrap_or_else(|| posted.text.into_bytes());
    if list.iter().all(u8::is_ascii_whitespace) {
        p.list_error = Some(t(lang, "audience-error-empty"));
        return unprocessable(&p);
    }
    let (report, allowed) = match filter_audience_text(&s, &posted.activity, list).await {
        Ok(r) => r,
        Err(Fail::Api(ApiError::Invalid(_))) => {
            p.activity_error = Some(t(lang, "audience-error-activity"));
            return unprocessable(&p);
        }
        Err(Fail::Api(ApiError::BadRequest(_))) => {
            p.list_error = Some(t(lang, "audience-error-not-text"));
            return unprocessable(&p);
        }
        Err(Fail::NoKey) => {
            let mut res = render(&p);
            *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return Ok(res);
        }
        Err(Fail::Api(e)) => {
            tracing::error!(operation_id = %crate::error::operation_id_now(), cause = ?e, "audience page");
            return Err(PageError::new(
                lang,
                grondslag_store::StoreError::Unavailable("audience filter failed".into()),
            ));
        }
    };
    if posted.download {
        let mut out = b"identifier\n".to_vec();
        out.extend_from_slice(&allowed);
        let mut res = out.into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!(
                "attachment; filename=\"{}\"",
                download_name(&posted.activity)
            ))
            .expect("a file name of safe characters"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(res);
    }
    p.report = Some(view(lang, &report));
    Ok(render(&p))
}
