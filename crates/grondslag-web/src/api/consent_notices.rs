//! `/api/v1/consent/notices`: managed consent notices (CON-1, LAW-5; `docs/consent.md`,
//! "Publishing a consent notice").
//!
//! `GET /api/v1/consent/notices/{notice}` is public: the website's own consent banner reads
//! the published version from it, with each language's text and the hash to send back with
//! the consent (`POST /api/v1/consent/events`, with the website's API token). Any site may
//! read it (CORS), and caches may keep it, revalidated by its ETag. The other routes manage
//! notices: reading with `read_consent`, writing with `manage_consent_notices`.

use super::{json_body, ApiRoute};
use crate::access::{Can, ManageConsentNotices, ReadConsent};
use crate::error::{ApiError, ApiPath};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Json;
use chrono::{DateTime, Utc};
use grondslag_domain::access::Permission;
use grondslag_domain::consent::{NoticeContent, NoticeStatus};
use grondslag_domain::vocab::Term;
use grondslag_domain::Lang;
use grondslag_store::consent_notices::NoticeVersion;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn routes() -> Vec<ApiRoute> {
    let route = |method, path, operation_id, summary, request, response, handler| ApiRoute {
        method,
        path,
        operation_id,
        summary,
        tag: "consent",
        request,
        response,
        query: &[],
        permission: Some(Permission::ReadConsent),
        public: false,
        handler,
    };
    vec![
        route(
            Method::GET,
            "/api/v1/consent/notices",
            "listConsentNotices",
            "Every consent notice in its newest version",
            None,
            (200, Some("ConsentNoticeVersionList")),
            get(list),
        ),
        route(
            Method::POST,
            "/api/v1/consent/notices",
            "createConsentNotice",
            "Start a consent notice as draft version 1",
            Some("NewConsentNotice"),
            (201, Some("ConsentNoticeVersion")),
            post(create),
        )
        .needs(Permission::ManageConsentNotices),
        ApiRoute {
            permission: None,
            public: true,
            ..route(
                Method::GET,
                "/api/v1/consent/notices/{notice}",
                "getPublishedConsentNotice",
                "The published version of a notice, for a website's banner (public, CORS, ETag): its texts, the hash to send with a consent, and where to send it",
                None,
                (200, Some("PublishedConsentNotice")),
                get(published),
            )
        },
        route(
            Method::PUT,
            "/api/v1/consent/notices/{notice}",
            "saveConsentNotice",
            "Save a notice's content: into its draft, or as a new draft version when the newest is published or retired (a published text never changes)",
            Some("NoticeContent"),
            (200, Some("ConsentNoticeVersion")),
            put(save),
        )
        .needs(Permission::ManageConsentNotices),
        route(
            Method::GET,
            "/api/v1/consent/notices/{notice}/versions",
            "listConsentNoticeVersions",
            "Every version of a notice, newest first",
            None,
            (200, Some("ConsentNoticeVersionList")),
            get(versions),
        ),
        route(
            Method::POST,
            "/api/v1/consent/notices/{notice}/publish",
            "publishConsentNotice",
            "Publish the draft version named in the body; the version published before is retired",
            Some("PublishConsentNotice"),
            (200, Some("ConsentNoticeVersion")),
            post(publish),
        )
        .needs(Permission::ManageConsentNotices),
        route(
            Method::POST,
            "/api/v1/consent/notices/{notice}/retire",
            "retireConsentNotice",
            "Stop collecting consent with a notice; withdrawals stay possible",
            None,
            (200, Some("ConsentNoticeVersion")),
            post(retire),
        )
        .needs(Permission::ManageConsentNotices),
    ]
}

/// One version of a notice, as staff see it.
#[derive(Serialize, JsonSchema)]
pub struct ConsentNoticeVersion {
    /// The notice's stable id, part of the hosted form's URL.
    pub id: String,
    pub version: u32,
    /// `draft`, `published` or `retired`.
    pub status: String,
    pub activity: String,
    pub explicit: bool,
    pub text_nl: String,
    pub text_en: String,
    /// The SHA-256 of the Dutch text: what a consent to it carries.
    pub hash_nl: String,
    /// The SHA-256 of the English text.
    pub hash_en: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl From<NoticeVersion> for ConsentNoticeVersion {
    fn from(v: NoticeVersion) -> Self {
        ConsentNoticeVersion {
            hash_nl: v.content.hash(Lang::Nl).to_hex(),
            hash_en: v.content.hash(Lang::En).to_hex(),
            id: v.id,
            version: v.version,
            status: v.status.machine_name().to_string(),
            activity: v.content.activity,
            explicit: v.content.explicit,
            text_nl: v.content.text_nl,
            text_en: v.content.text_en,
            created_at: v.created_at,
            created_by: v.created_by,
            updated_at: v.updated_at,
            published_at: v.published_at,
            retired_at: v.retired_at,
        }
    }
}

/// A new notice: its id and the content of version 1.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsentNotice {
    /// 1 to 64 lower-case letters, digits and hyphens, e.g. `alumni-newsletter`.
    pub id: String,
    pub activity: String,
    #[serde(default)]
    pub explicit: bool,
    pub text_nl: String,
    pub text_en: String,
}

/// Which draft to publish: the version the publisher has read.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishConsentNotice {
    pub version: u32,
}

/// One language of a published notice.
#[derive(Serialize, JsonSchema)]
pub struct PublishedText {
    /// The exact text to show, byte for byte.
    pub text: String,
    /// Its SHA-256: send it as `notice` with the consent.
    pub hash: String,
}

/// Where and how the website records a consent to this notice.
#[derive(Serialize, JsonSchema)]
pub struct RecordWith {
    /// `POST` here with the website's API token (permission `record_consent`).
    pub url: String,
    /// The event's `type`.
    #[serde(rename = "type")]
    pub kind: String,
    pub activity: String,
    pub explicit: bool,
}

/// The published version of a notice, for a website's banner.
#[derive(Serialize, JsonSchema)]
pub struct PublishedConsentNotice {
    pub id: String,
    pub version: u32,
    pub activity: String,
    /// Whether the notice asks explicit consent: record it with `explicit: true`.
    pub explicit: bool,
    pub published_at: Option<DateTime<Utc>>,
    /// The texts by language tag (`nl`, `en`).
    pub texts: BTreeMap<String, PublishedText>,
    pub record: RecordWith,
    /// The hosted form for this notice, where visitors also withdraw.
    pub form_url: String,
}

/// An absolute URL when the server knows its address, else the path.
fn url(s: &AppState, path: &str) -> String {
    format!("{}{path}", s.public_url.as_deref().unwrap_or(""))
}

async fn list(
    State(s): State<AppState>,
    _: Can<ReadConsent>,
) -> Result<Json<Vec<ConsentNoticeVersion>>, ApiError> {
    Ok(Json(
        s.store
            .consent_notices()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn versions(
    State(s): State<AppState>,
    _: Can<ReadConsent>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<ConsentNoticeVersion>>, ApiError> {
    Ok(Json(
        s.store
            .consent_notice_versions(&id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn create(
    State(s): State<AppState>,
    can: Can<ManageConsentNotices>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: NewConsentNotice = json_body(&body)?;
    let content = NoticeContent {
        activity: req.activity,
        explicit: req.explicit,
        text_nl: req.text_nl,
        text_en: req.text_en,
    };
    let v = s
        .store
        .create_consent_notice(&can.user.actor(), &req.id, &content)
        .await?;
    Ok((StatusCode::CREATED, Json(ConsentNoticeVersion::from(v))).into_response())
}

async fn save(
    State(s): State<AppState>,
    can: Can<ManageConsentNotices>,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> Result<Json<ConsentNoticeVersion>, ApiError> {
    let content: NoticeContent = json_body(&body)?;
    let v = s
        .store
        .save_consent_notice(&can.user.actor(), &id, &content)
        .await?;
    Ok(Json(v.into()))
}

async fn publish(
    State(s): State<AppState>,
    can: Can<ManageConsentNotices>,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> Result<Json<ConsentNoticeVersion>, ApiError> {
    let req: PublishConsentNotice = json_body(&body)?;
    let v = s
        .store
        .publish_consent_notice(&can.user.actor(), &id, req.version)
        .await?;
    Ok(Json(v.into()))
}

async fn retire(
    State(s): State<AppState>,
    can: Can<ManageConsentNotices>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ConsentNoticeVersion>, ApiError> {
    let v = s
        .store
        .retire_consent_notice(&can.user.actor(), &id)
        .await?;
    Ok(Json(v.into()))
}

/// The published version, for anyone. A retired notice and a draft answer as not found: a
/// banner must not ask consent with them.
async fn published(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v = s.store.served_consent_notice(&id).await?;
    if v.status != NoticeStatus::Published {
        return Err(ApiError::NotFound(format!("published consent notice {id}")));
    }
    let (hash_nl, hash_en) = (v.content.hash(Lang::Nl), v.content.hash(Lang::En));
    // The version and both hashes: any change of what is served changes the tag.
    let etag = format!(
        "\"{}-{}-{}\"",
        v.version,
        &hash_nl.to_hex()[..16],
        &hash_en.to_hex()[..16]
    );
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let texts = [Lang::Nl, Lang::En]
            .into_iter()
            .map(|lang| {
                (
                    lang.tag().to_string(),
                    PublishedText {
                        text: v.content.text(lang).to_string(),
                        hash: v.content.hash(lang).to_hex(),
                    },
                )
            })
            .collect();
        Json(PublishedConsentNotice {
            form_url: url(&s, &format!("/consent/{}", v.id)),
            record: RecordWith {
                url: url(&s, "/api/v1/consent/events"),
                kind: "consent_given".into(),
                activity: v.content.activity.clone(),
                explicit: v.content.explicit,
            },
            id: v.id,
            version: v.version,
            activity: v.content.activity,
            explicit: v.content.explicit,
            published_at: v.published_at,
            texts,
        })
        .into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    // Short, so a newly published version reaches banners soon; revalidation is cheap.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300, must-revalidate"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("ETag"),
    );
    Ok(res)
}
