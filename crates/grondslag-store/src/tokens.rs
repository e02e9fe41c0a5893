//! API tokens for other systems (CRM, website, student administration): created by an
//! administrator, shown once, stored as a SHA-256 hash, acting with the roles they were given
//! (and so with their units), until they expire or are revoked.

use crate::accounts::{check_grant, User};
use crate::audit::now;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::ValidationErrors;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A token as listed: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub grants: Vec<Grant>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token and its secret, which is shown this once.
pub struct NewToken {
    pub token: ApiToken,
    pub secret: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    grants: String,
    created_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<Row> for ApiToken {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(ApiToken {
            grants: serde_json::from_str(&r.grants).map_err(|e| {
                StoreError::Other(sqlx::Error::Decode(format!("token grants: {e}").into()))
            })?,
            id: r.id,
            name: r.name,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

const COLUMNS: &str =
    "id, name, grants, created_by, created_at, expires_at, last_used_at, revoked_at";

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Store {
    /// Creates a token that acts with `grants` until `expires_at`. Tokens manage no
    /// accounts: the administrator role cannot be given to one.
    pub async fn create_token(
        &self,
        actor: &str,
        name: &str,
        grants: &[Grant],
        expires_at: DateTime<Utc>,
    ) -> Result<NewToken> {
        let mut e = ValidationErrors::new();
        if name.trim().is_empty() || name.len() > 100 || name.contains(':') {
            e.add(
                "name",
                "invalid_format",
                "expected a name of 1 to 100 characters without ':'",
            );
        }
        if grants.is_empty() {
            e.add("grants", "required", "give the token at least one role");
        }
        if grants.iter().any(|g| g.role == Role::Administrator) {
            e.add(
                "grants",
                "not_allowed",
                "a token cannot manage accounts: the administrator role is not for tokens",
            );
        }
        if expires_at <= now() || expires_at > now() + TimeDelta::days(2 * 366) {
            e.add(
                "expires_at",
                "out_of_range",
                "expected a moment in the future, at most two years from now",
            );
        }
        e.into_result(()).map_err(StoreError::Invalid)?;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let secret = format!("gst_{}", hex::encode(bytes));
        let mut w = self.begin_write(actor).await?;
        for g in grants {
            check_grant(&mut w, g).await?;
        }
        let at = w.at();
        let row: Row = w
            .tx
            .fetch_one(
                &format!(
                    "INSERT INTO api_tokens (name, token_hash, grants, created_by, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
                ),
                &[
                    name.into(),
                    hash(&secret).into(),
                    serde_json::to_string(grants).expect("grants serialise").into(),
                    actor.into(),
                    at.into(),
                    expires_at.into(),
                ],
            )
            .await?;
        let token = ApiToken::try_from(row)?;
        w.record(
            "token.create",
            "token",
            &token.id.to_string(),
            None,
            Some(serde_json::to_string(&token).expect("a token serialises")),
        );
        w.commit().await?;
        Ok(NewToken { token, secret })
    }

    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id"),
                &[],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Revokes a token; it stops working at once.
    pub async fn revoke_token(&self, actor: &str, id: i64) -> Result<()> {
        let mut w = self.begin_write(actor).await?;
        let at = w.at();
        let n =
            w.tx.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                &[at.into(), id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("active token {id}")));
        }
        w.record("token.revoke", "token", &id.to_string(), None, None);
        w.commit().await
    }

    /// The identity a token secret gives, if it is valid. Use is recorded: the time of last
    /// use, and an audit entry at most once an hour per token.
    ///
    /// A valid token's row is remembered until the database may have changed
    /// ([`Store::generation`]: a revocation is a write), so a system asking many times a
    /// second costs no query a request; the time of last use is written once a minute.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>> {
        let now = now();
        let token_hash = hash(secret);
        let generation = self.generation();
        let stale = |t: Option<DateTime<Utc>>, gap: TimeDelta| t.is_none_or(|t| t < now - gap);
        if let Some(mut token) = self.tokens.get(&token_hash, generation) {
            if token.expires_at > now && !stale(token.last_used_at, TimeDelta::hours(1)) {
                if stale(token.last_used_at, TimeDelta::minutes(1)) {
                    // The minute's note of use is claimed in memory first, so one request of
                    // the many a system sends writes it, and that one does not wait for it.
                    token.last_used_at = Some(now);
                    self.tokens.put(token_hash, generation, token.clone());
                    let (pool, id) = (self.pool.clone(), token.id);
                    tokio::spawn(async move {
                        let sql = "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2";
                        if let Err(e) = pool.execute(sql, &[now.into(), id.into()]).await {
                            tracing::warn!(error = %e, token = id, "noting a token's last use");
                        }
                    });
                }
                return Ok(Some(user_of(token)));
            }
        }
        let row: Option<Row> = self
            .pool
            .fetch_optional(
                &format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"),
                &[token_hash.as_str().into(), now.into()],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut token = ApiToken::try_from(row)?;
        if stale(token.last_used_at, TimeDelta::hours(1)) {
            let mut w = self.begin_write(&format!("token:{}", token.name)).await?;
            w.tx.execute(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                &[w.at().into(), token.id.into()],
            )
            .await?;
            w.record("token.use", "token", &token.id.to_string(), None, None);
            token.last_used_at = Some(w.at());
            w.commit().await?;
        } else if stale(token.last_used_at, TimeDelta::minutes(1)) {
            self.pool
                .execute(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                    &[now.into(), token.id.into()],
                )
                .await?;
            token.last_used_at = Some(now);
        }
        self.tokens.put(token_hash, generation, token.clone());
        Ok(Some(user_of(token)))
    }
}

fn user_of(token: ApiToken) -> User {
    User {
        id: -token.id,
        username: format!("token:{}", token.name),
        display_name: token.name,
        is_admin: false,
        grants: token.grants,
        csrf: String::new(),
    }
}
