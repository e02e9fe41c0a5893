//! `/api/v1/session`: log in and out with a session cookie.

use super::types::{LoginRequest, UserInfo};
use super::{json_body, ApiRoute};
use crate::auth::ClientAddress;
use crate::auth::{
    clear_session_cookie, cookie, session_cookie, with_cookie, ApiUser, SESSION_COOKIE,
};
use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Json;
use grondslag_store::accounts::LoginOutcome;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute {
            method: Method::POST,
            path: "/api/v1/session",
            operation_id: "login",
            summary: "Log in; the response sets the session cookie",
            tag: "session",
            request: Some("LoginRequest"),
            response: (200, Some("UserInfo")),
            query: &[],
            permission: None,
            public: true,
            handler: post(login),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/session",
            operation_id: "whoami",
            summary: "The logged-in user",
            tag: "session",
            request: None,
            response: (200, Some("UserInfo")),
            query: &[],
            permission: None,
            public: false,
            handler: get(whoami),
        },
        ApiRoute {
            method: Method::DELETE,
            path: "/api/v1/session",
            operation_id: "logout",
            summary: "Log out; the session stops working at once",
            tag: "session",
            request: None,
            response: (204, None),
            query: &[],
            permission: None,
            public: false,
            handler: delete(logout),
        },
    ]
}

async fn login(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: LoginRequest = json_body(&body)?;
    let user = match s
        .store
        .login(&req.username, &req.password, &address)
        .await?
    {
        LoginOutcome::Success(user) => user,
        LoginOutcome::Failed => return Err(ApiError::Unauthorized),
        LoginOutcome::Locked => return Err(ApiError::TooManyAttempts),
    };
    let session = s.store.create_session(&user).await?;
    let mut user = user;
    user.grants = s.store.grants(user.id).await?;
    let info = UserInfo::from(user);
    Ok(with_cookie(
        Json(info).into_response(),
        session_cookie(&s, &session),
    ))
}

async fn whoami(ApiUser(user): ApiUser) -> Json<UserInfo> {
    Json(UserInfo::from(user))
}

async fn logout(
    State(s): State<AppState>,
    _: ApiUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        s.store.end_session(&token).await?;
    }
    Ok(with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        clear_session_cookie(&s),
    ))
}
