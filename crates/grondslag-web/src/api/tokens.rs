//! `/api/v1/tokens`: API tokens for other systems, managed by an administrator.

use super::{json_body, ApiRoute};
use crate::access::{Can, ManageAccounts};
use crate::error::{ApiError, ApiPath};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Json;
use chrono::{DateTime, Utc};
use grondslag_domain::access::{Grant, Permission};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub fn routes() -> Vec<ApiRoute> {
    let route = |method, path, operation_id, summary, request, response, handler| ApiRoute {
        method,
        path,
        operation_id,
        summary,
        tag: "accounts",
        request,
        response,
        query: &[],
        permission: Some(Permission::ManageAccounts),
        public: false,
        handler,
    };
    vec![
        route(
            Method::GET,
            "/api/v1/tokens",
            "listTokens",
            "API tokens, without their secrets",
            None,
            (200, Some("TokenInfoList")),
            get(list),
        ),
        route(
            Method::POST,
            "/api/v1/tokens",
            "createToken",
            "Create an API token; its secret is in this response only",
            Some("TokenRequest"),
            (201, Some("CreatedToken")),
            post(create),
        ),
        route(
            Method::DELETE,
            "/api/v1/tokens/{id}",
            "revokeToken",
            "Revoke an API token at once",
            None,
            (204, None),
            delete(revoke),
        ),
    ]
}

/// What a new token may do and until when.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Which system uses it, e.g. `crm`.
    pub name: String,
    /// The roles it acts with (see docs/permissions.md); unit-bound roles name their unit.
    pub grants: Vec<Grant>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, JsonSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub grants: Vec<Grant>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<grondslag_store::tokens::ApiToken> for TokenInfo {
    fn from(t: grondslag_store::tokens::ApiToken) -> Self {
        TokenInfo {
            id: t.id,
            name: t.name,
            grants: t.grants,
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub struct CreatedToken {
    pub token: TokenInfo,
    /// Send as `Authorization: Bearer <secret>`. Shown once: only its hash is kept.
    pub secret: String,
}

async fn list(
    State(s): State<AppState>,
    _: Can<ManageAccounts>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(
        s.store
            .tokens()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn create(
    State(s): State<AppState>,
    can: Can<ManageAccounts>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: TokenRequest = json_body(&body)?;
    let new = s
        .store
        .create_token(&can.user.actor(), &req.name, &req.grants, req.expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: new.token.into(),
            secret: new.secret,
        }),
    )
        .into_response())
}

async fn revoke(
    State(s): State<AppState>,
    can: Can<ManageAccounts>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    s.store.revoke_token(&can.user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
