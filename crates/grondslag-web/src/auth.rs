//! Who is asking: the session cookie, looked up in the store on every request (sessions are
//! server-side, so a logout or revocation takes effect at once on every instance).

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use grondslag_store::accounts::{NewSession, User};

pub const SESSION_COOKIE: &str = "grondslag_session";

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax (no cross-site form posts carry
/// it), Secure when served over HTTPS.
pub fn session_cookie(state: &AppState, session: &NewSession) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let max_age = (session.expires_at - chrono::Utc::now())
        .num_seconds()
        .max(0);
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        session.token
    ))
    .expect("a hex token is a valid header")
}

pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .expect("a valid cookie")
}

pub fn with_cookie(mut res: Response, cookie: HeaderValue) -> Response {
    res.headers_mut().append(SET_COOKIE, cookie);
    res
}

async fn user_from(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<User>, grondslag_store::StoreError> {
    match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() => {
            Ok(state.store.session_user(&token).await?.map(|mut u| {
                u.csrf = crate::security::csrf_token(&token);
                u
            }))
        }
        _ => Ok(None),
    }
}

/// `Authorization: Bearer gst_…`: another system with an API token.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A logged-in user of the API; 401 otherwise.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A token is for the API only; the UI knows sessions alone.
        if let Some(secret) = bearer(parts) {
            return state
                .store
                .token_user(secret)
                .await?
                .map(ApiUser)
                .ok_or(ApiError::Unauthorized);
        }
        user_from(parts, state)
            .await?
            .map(ApiUser)
            .ok_or(ApiError::Unauthorized)
    }
}

/// A logged-in user of the UI; anyone else is sent to the login page and back.
pub struct PageUser(pub User);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match user_from(parts, state).await {
            Ok(Some(user)) => Ok(PageUser(user)),
            Ok(None) => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let to = format!("/login?next={}", urlencode(back));
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => {
                Err(crate::error::PageError::new(crate::i18n::from_parts(parts), e).into_response())
            }
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only local paths are followed after login, so the login page is no open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/activities".to_string(),
    }
}

/// Where a request comes from, for throttling logins: the peer address, or behind a trusted
/// reverse proxy (`--behind-proxy`) the last address it added to X-Forwarded-For.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.behind_proxy {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
            if let Some(address) = forwarded {
                return Ok(ClientAddress(address));
            }
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientAddress(peer.unwrap_or_else(|| "unknown".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/activities?q=x")), "/activities?q=x");
        assert_eq!(safe_next(Some("//evil.example")), "/activities");
        assert_eq!(safe_next(Some("https://evil.example")), "/activities");
        assert_eq!(safe_next(None), "/activities");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; grondslag_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
