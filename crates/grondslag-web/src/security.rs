//! Defences every response and request passes: security headers, CSRF tokens on the UI's
//! forms, and JSON-only API bodies (issue: access and security hardening).

use crate::auth::{cookie, SESSION_COOKIE};
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The CSRF token of a session: derived from the session token, which only the browser
/// holds, so it needs no storage and dies with the session.
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("grondslag-csrf:{session_token}").as_bytes(),
    ))
}

/// The name of the hidden field that carries the token.
pub const CSRF_FIELD: &str = "csrf";

/// Headers for every response: a strict Content-Security-Policy with no inline script, no
/// framing, no referrer, no MIME sniffing; HSTS when served over HTTPS.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// The largest form or JSON body accepted: a whole register file fits.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Every state-changing request is checked before it reaches a handler: a form of the UI
/// must carry the session's CSRF token; a call of the API with a body must send JSON, which
/// a page on another site cannot send without the browser asking first.
pub async fn requests(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") {
        // Besides JSON, the consent ledger's batch decisions take NDJSON and its audience
        // filter takes CSV: neither is a type a page on another site can send without the
        // browser asking first, so they protect as JSON does.
        let accepted: &[&str] = match path.as_str() {
            "/api/v1/consent/decisions" => &["application/json", "application/x-ndjson"],
            "/api/v1/consent/audience" => &["application/json", "text/csv"],
            _ => &["application/json"],
        };
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|t| accepted.iter().any(|a| t.trim().eq_ignore_ascii_case(a)))
            });
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v != "0")
            || req.headers().contains_key(header::TRANSFER_ENCODING);
        if has_body && !json {
            return crate::error::ApiError::UnsupportedMediaType.into_response();
        }
        return next.run(req).await;
    }
    // The login form has no session yet; everything else that posts does, except the public
    // request form and the hosted consent form, which carry their own double-submit token
    // (html/public_request.rs, html/public_consent.rs). `/consent/notices` is staff pages.
    let hosted_consent = path.starts_with("/consent/")
        && path != "/consent/notices"
        && path != "/consent/audience"
        && !path.starts_with("/consent/notices/");
    if path == "/login"
        || path == "/privacy-request"
        || path.starts_with("/privacy-request/")
        || hosted_consent
    {
        return next.run(req).await;
    }
    let expected = cookie(req.headers(), SESSION_COOKIE)
        .filter(|t| !t.is_empty())
        .map(|t| csrf_token(&t));
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    // A form with a file input comes as multipart/form-data (the audience page).
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::form_data::boundary);
    let sent = match multipart {
        Some(b) => crate::form_data::fields(&b, bytes.clone())
            .await
            .and_then(|f| {
                f.into_iter()
                    .find(|f| f.name == CSRF_FIELD && f.filename.is_none())
                    .and_then(|f| String::from_utf8(f.data.to_vec()).ok())
            }),
        None => form_urlencoded_value(&bytes, CSRF_FIELD),
    };
    let lang = crate::i18n::from_parts(&parts);
    match (expected, sent) {
        (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        // Without a session the handler sends the user to the login page.
        (None, _) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => crate::error::PageError::csrf(lang).into_response(),
    }
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
