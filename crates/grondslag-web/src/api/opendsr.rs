//! OpenDSR 2.0 (the open data-subject-request specification, formerly OpenGDPR): the
//! endpoints a tool that speaks it uses to submit data-subject requests to the university and
//! to follow them, beside our own `/api/v1/requests`. The specification calls the party that
//! offers these endpoints the "processor" and the submitter the "controller"; here the
//! university, the GDPR controller, offers them to its own intake tools (a portal, a
//! consent platform), so it plays the specification's processor role: it answers
//! discovery, takes requests in, reports their status, accepts cancellations and signs its
//! answers. `docs/api.md`, "OpenDSR", has the mapping tables and what is not supported.
//!
//! The paths start with the major version, as the specification requires of its URLs
//! (§3.4): `/api/opendsr/v2/…`. They sit under `/api/`, so they get what every API path gets
//! (`security.rs`: JSON bodies only, no CSRF token, API tokens; problem documents), and
//! apart from `/api/v1`, so our own API and the OpenDSR contract change independently.

use super::ApiRoute;
use crate::access::{Can, HandleRequests, ReadRequests};
use crate::error::{operation_id_now, ApiError, ApiPath, ProblemField};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine;
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use grondslag_domain::access::Permission;
use grondslag_domain::requests::{
    plausible_email, Action, Channel, Request, RequestInput, RequestState, Right,
};
use grondslag_domain::ValidationErrors;
use grondslag_store::opendsr::{OpenDsrRecord, OpenDsrSubmission};
use grondslag_store::requests::RequestEvent;
use grondslag_store::StoreError;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The version of the specification these endpoints follow.
pub const API_VERSION: &str = "2.0";

pub fn routes() -> Vec<ApiRoute> {
    let route =
        |method, path, operation_id, summary, request, response, permission, handler| ApiRoute {
            method,
            path,
            operation_id,
            summary,
            tag: "opendsr",
            request,
            response,
            query: &[],
            permission,
            public: false,
            handler,
        };
    vec![
        ApiRoute {
            public: true,
            ..route(
                Method::GET,
                "/api/opendsr/v2/discovery",
                "opendsrDiscovery",
                "OpenDSR discovery: the request types and identities taken, the API version and the signing certificate (no login needed)",
                None,
                (200, Some("OpenDsrDiscovery")),
                None,
                get(discovery),
            )
        },
        route(
            Method::POST,
            "/api/opendsr/v2/requests",
            "opendsrSubmitRequest",
            "Submit a request in the OpenDSR format; it joins the queue as a request by channel opendsr",
            Some("OpenDsrRequest"),
            (201, Some("OpenDsrReceipt")),
            Some(Permission::HandleRequests),
            post(submit),
        ),
        route(
            Method::GET,
            "/api/opendsr/v2/requests/{subject_request_id}",
            "opendsrRequestStatus",
            "The OpenDSR status of a submitted request (pending, in_progress, completed, cancelled)",
            None,
            (200, Some("OpenDsrStatus")),
            Some(Permission::ReadRequests),
            get(status),
        ),
        route(
            Method::DELETE,
            "/api/opendsr/v2/requests/{subject_request_id}",
            "opendsrCancelRequest",
            "Cancel a submitted request: the data subject withdrew it",
            None,
            (202, Some("OpenDsrCancellation")),
            Some(Permission::HandleRequests),
            delete(cancel),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// The wire format (specification §5 to §9).

/// The identity type keys of §5.1.
const IDENTITY_TYPES: &[&str] = &[
    "controller_customer_id",
    "android_advertising_id",
    "android_id",
    "email",
    "fire_advertising_id",
    "ios_advertising_id",
    "ios_vendor_id",
    "microsoft_advertising_id",
    "microsoft_publisher_id",
    "roku_publisher_id",
    "roku_advertising_id",
];
/// The identity formats of §5.2.
const IDENTITY_FORMATS: &[&str] = &["raw", "sha1", "md5", "sha256"];
/// The identities we can use: an e-mail address to answer at, and the university's own
/// number of the person (a student or staff number). Hashed values and device or
/// advertising ids find no one in a university's records.
const SUPPORTED_IDENTITIES: &[(&str, &str)] =
    &[("email", "raw"), ("controller_customer_id", "raw")];
/// The subject request types of §6.2, all of which we take.
const REQUEST_TYPES: &[&str] = &["access", "portability", "erasure"];
/// The longest identity value we keep.
const MAX_IDENTITY: usize = 254;
/// Callback URLs a request may name.
const MAX_CALLBACKS: usize = 10;
/// How far a submitted_time may lie ahead of our clock: the two clocks may differ a little.
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// The right of our own vocabulary that an OpenDSR request type exercises.
pub fn right_of(subject_request_type: &str) -> Option<Right> {
    match subject_request_type {
        "access" => Some(Right::Access),
        "portability" => Some(Right::Portability),
        "erasure" => Some(Right::Erasure),
        _ => None,
    }
}

/// The OpenDSR `request_status` (§8) of a request in one of our states. A refused request
/// is `cancelled`: OpenDSR has no refusal, and `completed` would say it was fulfilled.
pub fn request_status(state: RequestState) -> &'static str {
    match state {
        RequestState::Received => "pending",
        RequestState::IdentityVerified | RequestState::InProgress | RequestState::Extended => {
            "in_progress"
        }
        RequestState::Completed => "completed",
        RequestState::Refused | RequestState::Withdrawn => "cancelled",
    }
}

/// One identity of the data subject (§5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OpenDsrIdentity {
    /// `email` or `controller_customer_id` (the student or staff number); the other keys of
    /// §5.1 are known but not taken.
    pub identity_type: String,
    pub identity_value: String,
    /// `raw`; hashed formats are known but not taken.
    pub identity_format: String,
}

/// A request in the OpenDSR format (§7.1). Fields not listed here are ignored, and so is
/// `extensions`: we define no extension, and those of other processors are theirs.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct OpenDsrRequest {
    /// `gdpr`; absent is taken as `gdpr`. `ccpa` is not taken.
    pub regulation: Option<String>,
    /// A lowercase v4 GUID, chosen by the submitter.
    pub subject_request_id: String,
    /// `access`, `portability` or `erasure`.
    pub subject_request_type: String,
    /// When the data subject made the request (RFC 3339); the legal month starts the day
    /// after, in UTC.
    pub submitted_time: DateTime<Utc>,
    /// At least an `email` in format `raw`, to answer the data subject at.
    pub subject_identities: Vec<OpenDsrIdentity>,
    /// `2.0` or another 2.x.
    pub api_version: Option<String>,
    /// Kept with the request; no callbacks are sent yet (poll the status instead).
    pub status_callback_urls: Vec<String>,
    /// Processor-keyed extensions; ignored.
    pub extensions: Option<Map<String, Value>>,
}

/// An identity type and format pair (§6.3).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpenDsrIdentityKind {
    pub identity_type: &'static str,
    pub identity_format: &'static str,
}

/// What we support (§6.3).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpenDsrDiscovery {
    pub api_version: &'static str,
    pub supported_identities: Vec<OpenDsrIdentityKind>,
    pub supported_subject_request_types: Vec<&'static str>,
    /// Where the certificate of the key that signs our answers can be downloaded; absent
    /// when the server has no signing key configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_certificate: Option<String>,
}

/// The answer to a submitted request (§7.3).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpenDsrReceipt {
    /// The submitter as our audit log names it: `token:NAME`.
    pub controller_id: String,
    /// The end of the legal deadline's last day (UTC).
    pub expected_completion_time: DateTime<Utc>,
    pub received_time: DateTime<Utc>,
    /// The request body as received, in base64.
    pub encoded_request: String,
    pub subject_request_id: String,
}

/// Where a request stands (§8.3).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpenDsrStatus {
    pub controller_id: String,
    /// For an open request the end of its deadline's last day (UTC); for a closed one the
    /// moment it was closed.
    pub expected_completion_time: DateTime<Utc>,
    pub subject_request_id: String,
    /// `pending`, `in_progress`, `completed` or `cancelled`.
    pub request_status: &'static str,
    pub api_version: &'static str,
}

/// The answer to a cancellation (§9.2).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpenDsrCancellation {
    pub controller_id: String,
    /// When the request was withdrawn.
    pub received_time: DateTime<Utc>,
    pub subject_request_id: String,
    pub api_version: &'static str,
}

// ---------------------------------------------------------------------------------------
// Reading a submitted request.

/// Whether `s` is a GUID of version 4 written as the specification wants it: lowercase,
/// hyphenated, no braces.
pub fn is_v4_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s)
        .is_ok_and(|u| u.get_version_num() == 4 && u.hyphenated().to_string() == s)
}

/// Reads a submitted request and checks every field, as of `now`. Every problem is listed
/// at its field (`subject_identities[1].identity_format`), and nothing is taken in unless
/// there is none.
pub fn parse_request(body: &Value, now: DateTime<Utc>) -> Result<OpenDsrRequest, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let Some(obj) = body.as_object() else {
        e.add(
            "",
            "wrong_type",
            "expected a JSON object: an OpenDSR request",
        );
        return Err(e);
    };
    let subject_request_id = string(
        obj,
        "subject_request_id",
        "subject_request_id",
        true,
        &mut e,
    );
    if let Some(id) = subject_request_id {
        if !is_v4_guid(id) {
            e.add(
                "subject_request_id",
                "invalid_format",
                format!("\"{id}\" is not a lowercase v4 GUID, e.g. a7551968-d5d6-44b2-9831-815ac9017798"),
            );
        }
    }
    let subject_request_type = string(
        obj,
        "subject_request_type",
        "subject_request_type",
        true,
        &mut e,
    );
    if let Some(t) = subject_request_type.filter(|t| right_of(t).is_none()) {
        e.add(
            "subject_request_type",
            "unknown_value",
            format!(
                "unknown request type \"{t}\"; expected one of {}",
                REQUEST_TYPES.join(", ")
            ),
        );
    }
    let regulation = string(obj, "regulation", "regulation", false, &mut e);
    match regulation {
        None | Some("gdpr") => {}
        Some("ccpa") => e.add(
            "regulation",
            "not_supported",
            "the university answers requests under the GDPR; expected gdpr",
        ),
        Some(other) => e.add(
            "regulation",
            "unknown_value",
            format!("unknown regulation \"{other}\"; expected gdpr"),
        ),
    }
    let submitted_time =
        string(obj, "submitted_time", "submitted_time", true, &mut e).and_then(|t| {
            match DateTime::parse_from_rfc3339(t) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(_) => {
                    e.add(
                        "submitted_time",
                        "invalid_format",
                        format!("\"{t}\" is not an RFC 3339 date-time, e.g. 2026-05-04T09:30:00Z"),
                    );
                    None
                }
            }
        });
    if let Some(t) = submitted_time.filter(|t| *t > now + CLOCK_SKEW) {
        e.add(
            "submitted_time",
            "in_future",
            format!(
                "{} is in the future; expected the moment the data subject made the request",
                t.to_rfc3339()
            ),
        );
    }
    let subject_identities = identities(obj, &mut e);
    let api_version = string(obj, "api_version", "api_version", false, &mut e);
    if let Some(v) = api_version.filter(|v| *v != "2" && !v.starts_with("2.")) {
        e.add(
            "api_version",
            "not_supported",
            format!("version {v} is not supported; expected {API_VERSION}"),
        );
    }
    let status_callback_urls = callbacks(obj, &mut e);
    let extensions = match obj.get("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => {
            e.add(
                "extensions",
                "wrong_type",
                "expected an object keyed by processor domain",
            );
            None
        }
    };
    if !e.is_empty() {
        return Err(e);
    }
    let (Some(id), Some(kind), Some(submitted_time)) =
        (subject_request_id, subject_request_type, submitted_time)
    else {
        unreachable!("a required field that is missing is an error above")
    };
    Ok(OpenDsrRequest {
        regulation: regulation.map(str::to_string),
        subject_request_id: id.to_string(),
        subject_request_type: kind.to_string(),
        submitted_time,
        subject_identities,
        api_version: api_version.map(str::to_string),
        status_callback_urls,
        extensions,
    })
}

/// A string field: missing, `null` or blank is `required` when it must be there.
fn string<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
    required: bool,
    e: &mut ValidationErrors,
) -> Option<&'a str> {
    match obj.get(key) {
        None | Some(Value::Null) => {
            if required {
                e.add(path, "required", "is required");
            }
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            if required {
                e.add(path, "required", "is required");
            }
            None
        }
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            e.add(path, "wrong_type", "expected a string");
            None
        }
    }
}

fn identities(obj: &Map<String, Value>, e: &mut ValidationErrors) -> Vec<OpenDsrIdentity> {
    let required = "name the data subject's e-mail address: an identity of type email in format raw, to answer them at";
    let items = match obj.get("subject_identities") {
        None | Some(Value::Null) => {
            e.add("subject_identities", "required", required);
            return Vec::new();
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            e.add(
                "subject_identities",
                "wrong_type",
                "expected an array of identities",
            );
            return Vec::new();
        }
    };
    let mut out: Vec<OpenDsrIdentity> = Vec::new();
    let errors_before = e.len();
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("subject_identities[{i}].{field}");
        let Some(id) = item.as_object() else {
            e.add(
                format!("subject_identities[{i}]"),
                "wrong_type",
                "expected an identity object",
            );
            continue;
        };
        let kind = string(id, "identity_type", &at("identity_type"), true, e);
        let format = string(id, "identity_format", &at("identity_format"), true, e);
        let value = string(id, "identity_value", &at("identity_value"), true, e);
        if let Some(k) = kind.filter(|k| !IDENTITY_TYPES.contains(k)) {
            e.add(
                at("identity_type"),
                "unknown_value",
                format!(
                    "unknown identity type \"{k}\"; expected one of {}",
                    IDENTITY_TYPES.join(", ")
                ),
            );
        }
        if let Some(f) = format.filter(|f| !IDENTITY_FORMATS.contains(f)) {
            e.add(
                at("identity_format"),
                "unknown_value",
                format!(
                    "unknown identity format \"{f}\"; expected one of {}",
                    IDENTITY_FORMATS.join(", ")
                ),
            );
        }
        let (Some(kind), Some(format), Some(value)) = (kind, format, value) else {
            continue;
        };
        if !IDENTITY_TYPES.contains(&kind) || !IDENTITY_FORMATS.contains(&format) {
            continue;
        }
        if !SUPPORTED_IDENTITIES.iter().any(|(k, _)| *k == kind) {
            e.add(
                at("identity_type"),
                "not_supported",
                format!("{kind} finds no one in the university's records; expected email or controller_customer_id"),
            );
        } else if !SUPPORTED_IDENTITIES.contains(&(kind, format)) {
            e.add(
                at("identity_format"),
                "not_supported",
                format!("a {format} hash of {kind} finds no one; send it raw"),
            );
        } else if out.iter().any(|o| o.identity_type == kind) {
            e.add(
                at("identity_type"),
                "duplicate",
                format!("{kind} is given twice; send one"),
            );
        } else if value.len() > MAX_IDENTITY {
            e.add(
                at("identity_value"),
                "too_long",
                format!("expected at most {MAX_IDENTITY} characters"),
            );
        } else if kind == "email" && !plausible_email(value) {
            e.add(
                at("identity_value"),
                "invalid_format",
                "is not an e-mail address; expected name@domain",
            );
        } else {
            out.push(OpenDsrIdentity {
                identity_type: kind.to_string(),
                identity_value: value.trim().to_string(),
                identity_format: format.to_string(),
            });
        }
    }
    // When an identity has a problem, it may be the e-mail address: that problem is named.
    if e.len() == errors_before && !out.iter().any(|o| o.identity_type == "email") {
        e.add("subject_identities", "required", required);
    }
    out
}

fn callbacks(obj: &Map<String, Value>, e: &mut ValidationErrors) -> Vec<String> {
    let items = match obj.get("status_callback_urls") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            e.add(
                "status_callback_urls",
                "wrong_type",
                "expected an array of URLs",
            );
            return Vec::new();
        }
    };
    if items.len() > MAX_CALLBACKS {
        e.add(
            "status_callback_urls",
            "out_of_range",
            format!("expected at most {MAX_CALLBACKS} URLs"),
        );
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("status_callback_urls[{i}]");
        match item.as_str() {
            Some(u) => match reqwest::Url::parse(u) {
                Ok(url) if matches!(url.scheme(), "https" | "http") && url.has_host() => {
                    out.push(u.to_string())
                }
                _ => e.add(
                    path,
                    "invalid_format",
                    format!("\"{u}\" is not an http(s) URL"),
                ),
            },
            None => e.add(path, "wrong_type", "expected a URL as a string"),
        }
    }
    out
}

/// The submission to keep and the request to take in, for a request `actor` submitted.
pub fn intake(req: &OpenDsrRequest, actor: &str) -> (OpenDsrSubmission, RequestInput) {
    let identity = |kind: &str| {
        req.subject_identities
            .iter()
            .find(|i| i.identity_type == kind)
            .map(|i| i.identity_value.clone())
    };
    let email = identity("email").unwrap_or_default();
    let input = RequestInput {
        rights: right_of(&req.subject_request_type).into_iter().collect(),
        // OpenDSR carries no name: the e-mail address stands in for it in the queue.
        name: email.clone(),
        email: Some(email),
        phone: None,
        address: None,
        university_number: identity("controller_customer_id"),
        description: format!(
            "OpenDSR {} request {}, submitted by {actor}; the data subject made it at {}.",
            req.subject_request_type,
            req.subject_request_id,
            req.submitted_time.to_rfc3339()
        ),
        channel: Channel::OpenDsr,
        received_on: req.submitted_time.date_naive(),
    };
    let submission = OpenDsrSubmission {
        subject_request_id: req.subject_request_id.clone(),
        subject_request_type: req.subject_request_type.clone(),
        submitted_time: req.submitted_time,
        status_callback_urls: req.status_callback_urls.clone(),
        api_version: req.api_version.clone(),
    };
    (submission, input)
}

/// Our intake's field names in OpenDSR's terms, for the errors the store finds.
fn opendsr_path(path: &str) -> &str {
    match path {
        "received_on" => "submitted_time",
        "rights" => "subject_request_type",
        "email" | "name" | "university_number" => "subject_identities",
        other => other,
    }
}

/// When a request is expected to be answered: the end of its deadline's last day (UTC)
/// while it is open; the moment it was closed once it is.
fn expected_completion(r: &Request, timeline: &[RequestEvent]) -> Result<DateTime<Utc>, ApiError> {
    if !r.state.is_open() {
        let closed = timeline
            .iter()
            .find(|e| e.state.parse::<RequestState>().is_ok_and(|s| !s.is_open()));
        if let Some(e) = closed {
            return Ok(e.at);
        }
    }
    let due = r
        .deadline()
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .due;
    Ok(due
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"))
        .and_utc())
}

// ---------------------------------------------------------------------------------------
// Signatures (§4.2, §7.3, §8.3, §9.2).

/// The key that signs our OpenDSR answers, and where its certificate is published. The
/// signature in `X-OpenDSR-Signature` is over the exact bytes of the response body, with
/// SHA-256: RSASSA-PKCS1-v1_5 for an RSA key (what mParticle, the specification's author,
/// uses), ECDSA P-256 (ASN.1 DER) for an EC key; base64.
pub struct OpenDsrSigner {
    key: SigningKey,
    rng: SystemRandom,
    certificate_url: String,
    domain: String,
}

enum SigningKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// Why a signing key or certificate URL cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("the OpenDSR signing key is not a PEM private key: {0}")]
    Pem(String),
    #[error("the OpenDSR signing key is {0}")]
    Key(String),
    #[error("the OpenDSR certificate URL \"{0}\" is not an https:// URL with a host name")]
    CertificateUrl(String),
    #[error("the OpenDSR answer could not be signed")]
    Sign,
}

impl std::fmt::Debug for OpenDsrSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenDsrSigner")
            .field("algorithm", &self.algorithm())
            .field("domain", &self.domain)
            .field("certificate_url", &self.certificate_url)
            .finish_non_exhaustive()
    }
}

impl OpenDsrSigner {
    /// A signer from a PEM private key (PKCS#8, or PKCS#1 for RSA; unencrypted) and the
    /// https URL where its certificate is published. The URL's host is the domain named in
    /// `X-OpenDSR-Processor-Domain`: the certificate must be issued to it.
    pub fn new(private_key_pem: &[u8], certificate_url: &str) -> Result<Self, SignerError> {
        let url = reqwest::Url::parse(certificate_url)
            .ok()
            .filter(|u| u.scheme() == "https")
            .and_then(|u| u.host_str().map(str::to_string))
            .ok_or_else(|| SignerError::CertificateUrl(certificate_url.to_string()))?;
        let rng = SystemRandom::new();
        let der = PrivateKeyDer::from_pem_slice(private_key_pem)
            .map_err(|e| SignerError::Pem(e.to_string()))?;
        let rejected = |e: ring::error::KeyRejected| {
            SignerError::Key(format!(
                "not an RSA key of 2048 to 8192 bits nor a P-256 key ({e})"
            ))
        };
        let key = match &der {
            PrivateKeyDer::Pkcs1(k) => {
                SigningKey::Rsa(RsaKeyPair::from_der(k.secret_pkcs1_der()).map_err(rejected)?)
            }
            PrivateKeyDer::Pkcs8(k) => match RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()) {
                Ok(rsa) => SigningKey::Rsa(rsa),
                Err(_) => SigningKey::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(
                        &ECDSA_P256_SHA256_ASN1_SIGNING,
                        k.secret_pkcs8_der(),
                        &rng,
                    )
                    .map_err(rejected)?,
                ),
            },
            _ => return Err(SignerError::Key(
                "an EC key in SEC1 form; convert it to PKCS#8 with openssl pkcs8 -topk8 -nocrypt"
                    .into(),
            )),
        };
        Ok(Self {
            key,
            rng,
            certificate_url: certificate_url.to_string(),
            domain: url,
        })
    }

    /// The signature of `body`, base64.
    pub fn sign(&self, body: &[u8]) -> Result<String, SignerError> {
        let bytes = match &self.key {
            SigningKey::Rsa(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &self.rng, body, &mut sig)
                    .map_err(|_| SignerError::Sign)?;
                sig
            }
            SigningKey::Ecdsa(k) => k
                .sign(&self.rng, body)
                .map_err(|_| SignerError::Sign)?
                .as_ref()
                .to_vec(),
        };
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// The domain the certificate is issued to.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn certificate_url(&self) -> &str {
        &self.certificate_url
    }

    /// The signature algorithm, for the log at start.
    pub fn algorithm(&self) -> &'static str {
        match self.key {
            SigningKey::Rsa(_) => "RSASSA-PKCS1-v1_5 SHA-256",
            SigningKey::Ecdsa(_) => "ECDSA P-256 SHA-256",
        }
    }
}

/// An OpenDSR answer: JSON, never cached (it can hold identities), signed when the server
/// has a key. The OpenGDPR names of the two headers go along, as §10.1 asks.
fn answer<T: Serialize>(
    s: &AppState,
    status: StatusCode,
    body: &T,
) -> Result<Response, OpenDsrError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    let signature = match &s.opendsr {
        Some(signer) => Some((
            signer
                .sign(&bytes)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            signer.domain().to_string(),
        )),
        None => None,
    };
    let mut res = (status, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some((sig, domain)) = signature {
        let sig = HeaderValue::from_str(&sig).expect("base64 is a valid header");
        let domain = HeaderValue::from_str(&domain)
            .map_err(|_| ApiError::Internal("the signing domain is not a valid header".into()))?;
        for (name, value) in [
            ("x-opendsr-signature", &sig),
            ("x-opendsr-processor-domain", &domain),
            ("x-opengdpr-signature", &sig),
            ("x-opengdpr-processor-domain", &domain),
        ] {
            h.insert(name, value.clone());
        }
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// Errors.

/// An error of the OpenDSR endpoints. Malformed and invalid requests answer `400`, as §7.5
/// requires, with our problem document (one entry per field in `errors`) that also carries
/// the specification's `error` object (§7.6); every other error is the API's own.
pub struct OpenDsrError(ApiError);

impl From<ApiError> for OpenDsrError {
    fn from(e: ApiError) -> Self {
        OpenDsrError(e)
    }
}

impl From<StoreError> for OpenDsrError {
    fn from(e: StoreError) -> Self {
        OpenDsrError(e.into())
    }
}

impl IntoResponse for OpenDsrError {
    fn into_response(self) -> Response {
        let (detail, fields) = match self.0 {
            ApiError::Invalid(errors) => (
                format!("{} field(s) are invalid", errors.len()),
                errors
                    .into_iter()
                    .map(|e| ProblemField {
                        path: e.path,
                        code: e.code.to_string(),
                        message: e.message,
                    })
                    .collect::<Vec<_>>(),
            ),
            ApiError::BadRequest(msg) => (msg, Vec::new()),
            other => return other.into_response(),
        };
        let spec_errors: Vec<Value> = fields
            .iter()
            .map(|f| {
                json!({
                    "domain": "Validation",
                    "reason": f.code,
                    "message": if f.path.is_empty() { f.message.clone() } else { format!("{}: {}", f.path, f.message) },
                })
            })
            .collect();
        let (kind, title) = if fields.is_empty() {
            ("bad-request", "Bad request")
        } else {
            ("invalid", "Invalid input")
        };
        let mut body = json!({
            "type": format!("https://grondslag.example/problems/{kind}"),
            "title": title,
            "status": 400,
            "detail": detail,
            "operation_id": operation_id_now(),
            "error": {"code": 400, "message": detail, "errors": spec_errors},
        });
        if !fields.is_empty() {
            body["errors"] = json!(fields);
        }
        let mut res = (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

// ---------------------------------------------------------------------------------------
// Handlers.

async fn discovery(State(s): State<AppState>) -> Result<Response, OpenDsrError> {
    let body = OpenDsrDiscovery {
        api_version: API_VERSION,
        supported_identities: SUPPORTED_IDENTITIES
            .iter()
            .map(|(t, f)| OpenDsrIdentityKind {
                identity_type: t,
                identity_format: f,
            })
            .collect(),
        supported_subject_request_types: REQUEST_TYPES.to_vec(),
        processor_certificate: s.opendsr.as_ref().map(|k| k.certificate_url().to_string()),
    };
    answer(&s, StatusCode::OK, &body)
}

async fn submit(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    body: Bytes,
) -> Result<Response, OpenDsrError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the request body is not JSON: {e}")))?;
    let req = parse_request(&value, Utc::now()).map_err(ApiError::Invalid)?;
    let actor = can.user.actor();
    let (submission, input) = intake(&req, &actor);
    let (record, request) = s
        .store
        .create_opendsr_request(&actor, &submission, &input)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(errors) => {
                let mut mapped = ValidationErrors::new();
                for f in errors {
                    mapped.add(opendsr_path(&f.path), f.code, f.message);
                }
                StoreError::Invalid(mapped)
            }
            other => other,
        })?;
    let receipt = OpenDsrReceipt {
        controller_id: record.controller_id,
        expected_completion_time: expected_completion(&request, &[])?,
        received_time: record.received_time,
        encoded_request: base64::engine::general_purpose::STANDARD.encode(&body),
        subject_request_id: record.submission.subject_request_id,
    };
    answer(&s, StatusCode::CREATED, &receipt)
}

async fn status(
    State(s): State<AppState>,
    _: Can<ReadRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, OpenDsrError> {
    let (record, request) = s.store.opendsr_request(&id).await?;
    let timeline = s.store.request_timeline(&request.id).await?;
    answer(
        &s,
        StatusCode::OK,
        &status_of(&record, &request, &timeline)?,
    )
}

fn status_of(
    record: &OpenDsrRecord,
    request: &Request,
    timeline: &[RequestEvent],
) -> Result<OpenDsrStatus, ApiError> {
    Ok(OpenDsrStatus {
        controller_id: record.controller_id.clone(),
        expected_completion_time: expected_completion(request, timeline)?,
        subject_request_id: record.submission.subject_request_id.clone(),
        request_status: request_status(request.state),
        api_version: API_VERSION,
    })
}

/// Withdraws the request. Cancelling a withdrawn request again answers as the first time
/// did; a request that is completed or refused can no longer be cancelled (`409`).
async fn cancel(
    State(s): State<AppState>,
    can: Can<HandleRequests>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, OpenDsrError> {
    let (record, request) = s.store.opendsr_request(&id).await?;
    let request = match request.state {
        RequestState::Withdrawn => request,
        state if !state.is_open() => {
            return Err(ApiError::Conflict(format!(
                "request {} is {state} and can no longer be cancelled",
                request.reference
            ))
            .into())
        }
        _ => {
            let note = format!("Cancelled through OpenDSR by {}.", can.user.actor());
            s.store
                .act_on_request(
                    &can.user.actor(),
                    &request.id,
                    None,
                    &Action::Withdraw { note },
                )
                .await?
        }
    };
    let timeline = s.store.request_timeline(&request.id).await?;
    let body = OpenDsrCancellation {
        controller_id: record.controller_id,
        received_time: expected_completion(&request, &timeline)?,
        subject_request_id: record.submission.subject_request_id,
        api_version: API_VERSION,
    };
    answer(&s, StatusCode::ACCEPTED, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{
        KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256,
    };

    const RSA_KEY: &str = include_str!("../../../../data/opendsr/test-signing-key.pem");
    const RSA_KEY_PKCS1: &str = include_str!("../../../../data/opendsr/test-signing-key-pkcs1.pem");
    const EC_KEY: &str = include_str!("../../../../data/opendsr/test-signing-key-ec.pem");
    const EXAMPLE: &str = include_str!("../../../../data/opendsr/example-request.json");
    const CERT_URL: &str = "https://privacy.lindenhout.example/opendsr/certificate.pem";

    fn now() -> DateTime<Utc> {
        "2026-05-04T12:00:00Z".parse().unwrap()
    }

    fn example() -> Value {
        let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
        v["submitted_time"] = json!("2026-05-04T09:30:00+02:00");
        v
    }

    fn paths(v: &Value) -> Vec<(String, String)> {
        match parse_request(v, now()) {
            Ok(_) => vec![],
            Err(e) => e
                .into_iter()
                .map(|f| (f.path, f.code.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_specifications_example_is_taken_in() {
        let req = parse_request(&example(), now()).unwrap();
        assert_eq!(
            req.subject_request_id,
            "a7551968-d5d6-44b2-9831-815ac9017798"
        );
        let (sub, input) = intake(&req, "token:portal");
        assert_eq!(input.rights, vec![Right::Erasure]);
        assert_eq!(input.channel, Channel::OpenDsr);
        assert_eq!(input.email.as_deref(), Some("johndoe@example.com"));
        assert_eq!(input.name, "johndoe@example.com");
        assert_eq!(input.received_on.to_string(), "2026-05-04");
        assert!(input
            .description
            .contains("a7551968-d5d6-44b2-9831-815ac9017798"));
        assert_eq!(
            sub.status_callback_urls,
            vec!["https://examplecontroller.com/opendsr/callbacks"]
        );
        assert_eq!(sub.submitted_time.to_rfc3339(), "2026-05-04T07:30:00+00:00");
        assert!(input.validate(now().date_naive()).is_empty());
    }

    #[test]
    fn request_types_map_to_rights_and_states_to_statuses() {
        assert_eq!(right_of("access"), Some(Right::Access));
        assert_eq!(right_of("portability"), Some(Right::Portability));
        assert_eq!(right_of("erasure"), Some(Right::Erasure));
        assert_eq!(right_of("rectification"), None);
        use RequestState::*;
        for (state, status) in [
            (Received, "pending"),
            (IdentityVerified, "in_progress"),
            (InProgress, "in_progress"),
            (Extended, "in_progress"),
            (Completed, "completed"),
            (Refused, "cancelled"),
            (Withdrawn, "cancelled"),
        ] {
            assert_eq!(request_status(state), status, "{state}");
        }
    }

    #[test]
    fn guids_must_be_lowercase_v4() {
        assert!(is_v4_guid("a7551968-d5d6-44b2-9831-815ac9017798"));
        assert!(!is_v4_guid("A7551968-D5D6-44B2-9831-815AC9017798"));
        assert!(!is_v4_guid("a7551968d5d644b29831815ac9017798"));
        assert!(!is_v4_guid("{a7551968-d5d6-44b2-9831-815ac9017798}"));
        assert!(
            !is_v4_guid("a7551968-d5d6-14b2-9831-815ac9017798"),
            "version 1"
        );
        assert!(!is_v4_guid("12345"));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut v = example();
        v["subject_request_id"] = json!("A7551968-D5D6-44B2-9831-815AC9017798");
        v["subject_request_type"] = json!("rectification");
        v["submitted_time"] = json!("2026-05-05T12:00:00Z");
        v["regulation"] = json!("ccpa");
        v["api_version"] = json!("3.0");
        v["status_callback_urls"] = json!(["ftp://x.example/cb", 7]);
        v["subject_identities"] = json!([
            {"identity_type": "email", "identity_value": "not-an-address", "identity_format": "raw"},
            {"identity_type": "ios_advertising_id", "identity_value": "x", "identity_format": "raw"},
            {"identity_type": "email", "identity_value": "a@b.nl", "identity_format": "sha256"},
            {"identity_type": "shoe_size", "identity_value": "44", "identity_format": "raw"},
            {"identity_type": "controller_customer_id", "identity_format": "raw"}
        ]);
        assert_eq!(
            paths(&v),
            [
                ("subject_request_id", "invalid_format"),
                ("subject_request_type", "unknown_value"),
                ("regulation", "not_supported"),
                ("submitted_time", "in_future"),
                ("subject_identities[0].identity_value", "invalid_format"),
                ("subject_identities[1].identity_type", "not_supported"),
                ("subject_identities[2].identity_format", "not_supported"),
                ("subject_identities[3].identity_type", "unknown_value"),
                ("subject_identities[4].identity_value", "required"),
                ("api_version", "not_supported"),
                ("status_callback_urls[0]", "invalid_format"),
                ("status_callback_urls[1]", "wrong_type"),
            ]
            .map(|(p, c)| (p.to_string(), c.to_string()))
        );
    }

    #[test]
    fn an_email_address_is_required_and_required_fields_are_named() {
        let mut v = example();
        v["subject_identities"] = json!([{"identity_type": "controller_customer_id", "identity_value": "s1234567", "identity_format": "raw"}]);
        assert_eq!(
            paths(&v),
            vec![("subject_identities".to_string(), "required".to_string())]
        );
        let (_, input) = {
            v["subject_identities"].as_array_mut().unwrap().push(
                json!({"identity_type": "email", "identity_value": "s1234567@student.example", "identity_format": "raw"}),
            );
            intake(&parse_request(&v, now()).unwrap(), "token:portal")
        };
        assert_eq!(input.university_number.as_deref(), Some("s1234567"));

        assert_eq!(
            paths(&json!({})),
            [
                "subject_request_id",
                "subject_request_type",
                "submitted_time",
                "subject_identities"
            ]
            .map(|p| (p.to_string(), "required".to_string()))
        );
        assert_eq!(
            paths(
                &json!({"subject_request_id": 5, "subject_request_type": "access", "submitted_time": "yesterday", "subject_identities": {}, "extensions": []})
            ),
            [
                ("subject_request_id", "wrong_type"),
                ("submitted_time", "invalid_format"),
                ("subject_identities", "wrong_type"),
                ("extensions", "wrong_type"),
            ]
            .map(|(p, c)| (p.to_string(), c.to_string()))
        );
        assert_eq!(
            paths(&json!([1])),
            vec![(String::new(), "wrong_type".to_string())]
        );
    }

    #[test]
    fn a_small_clock_difference_is_no_future() {
        let mut v = example();
        v["submitted_time"] = json!("2026-05-04T12:04:00Z");
        assert!(parse_request(&v, now()).is_ok());
    }

    #[test]
    fn rsa_signatures_match_openssl() {
        // printf '%s' BODY | openssl dgst -sha256 -sign data/opendsr/test-signing-key.pem | base64 -w0
        let body = br#"{"subject_request_id":"a7551968-d5d6-44b2-9831-815ac9017798","request_status":"pending"}"#;
        let expected = "fyUpkw18O8InptWcuL4CWFoHdwKCrqVexkcj2XtSc8SAAoHjMQljJyDVWR6KSuNpWYx94b/8HXVwafDCw+QX9cNBvzzbsjf+KX/PEBxN8SBiklWw4uEA1z+mD0MX8O1uu450pvyfjqAJrjtcqtwF+d1qUNw1p7kRh4BxF1NpDMGL2sVuYvM/jkU291yKMHz9PfjxrdnTqY8pZl6s61Omm4NIp6m8FEt6lMFPvRZJQ0NIpCh91pTJKdcacX2yiOZUx/t0Bdxm/0ATxFHDHg4Hj1+1vgYEt0YrAGL2uklYH3+5JGDNXVf4ekyOlHeW3P2W9a5jIqEBV0ornUWBtlqKhg==";
        for pem in [RSA_KEY, RSA_KEY_PKCS1] {
            let signer = OpenDsrSigner::new(pem.as_bytes(), CERT_URL).unwrap();
            assert_eq!(signer.sign(body).unwrap(), expected);
            assert_eq!(signer.domain(), "privacy.lindenhout.example");
            assert_eq!(signer.algorithm(), "RSASSA-PKCS1-v1_5 SHA-256");
            let SigningKey::Rsa(k) = &signer.key else {
                panic!("an RSA key")
            };
            let public =
                UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, k.public_key().as_ref());
            assert!(public
                .verify(
                    body,
                    &base64::engine::general_purpose::STANDARD
                        .decode(expected)
                        .unwrap()
                )
                .is_ok());
        }
    }

    #[test]
    fn ec_signatures_verify() {
        let signer = OpenDsrSigner::new(EC_KEY.as_bytes(), CERT_URL).unwrap();
        assert_eq!(signer.algorithm(), "ECDSA P-256 SHA-256");
        let body = b"{\"request_status\":\"completed\"}";
        let sig = base64::engine::general_purpose::STANDARD
            .decode(signer.sign(body).unwrap())
            .unwrap();
        let SigningKey::Ecdsa(k) = &signer.key else {
            panic!("an EC key")
        };
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, k.public_key().as_ref());
        assert!(public.verify(body, &sig).is_ok());
        assert!(public.verify(b"{}", &sig).is_err());
    }

    #[test]
    fn unusable_keys_and_urls_are_refused() {
        for (pem, url, expected) in [
            ("not a key", CERT_URL, "not a PEM private key"),
            (
                RSA_KEY,
                "http://privacy.lindenhout.example/cert.pem",
                "https://",
            ),
            (RSA_KEY, "cert.pem", "https://"),
        ] {
            let err = OpenDsrSigner::new(pem.as_bytes(), url)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
        let debug = format!(
            "{:?}",
            OpenDsrSigner::new(RSA_KEY.as_bytes(), CERT_URL).unwrap()
        );
        assert!(!debug.contains("PRIVATE"), "{debug}");
    }
}
