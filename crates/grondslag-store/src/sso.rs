//! Single sign-on bookkeeping: sign-ins under way (state, PKCE verifier, nonce), the link
//! from a provider's subject to an account, accounts created just in time, and roles taken
//! from the provider's claims. The protocol itself is in the web crate.

use crate::accounts::{check_grant, User};
use crate::audit::now;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::vocab::Term;
use sha2::{Digest, Sha256};

/// How long a sign-in may take between the redirect to the provider and its return.
pub const SSO_LOGIN_LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// An SSO account has no password: this is no valid hash, so a password login never succeeds.
pub(crate) const NO_PASSWORD: &str = "!sso";

/// What is kept of a sign-in between the redirect and the return.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingSso {
    pub pkce_verifier: String,
    pub nonce: String,
    /// Where to go after signing in: a path on this server.
    pub next: String,
    pub created_at: DateTime<Utc>,
}

/// Who the provider says signed in.
pub struct SsoIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    /// For a new account: the wanted account name and the name to show.
    pub username: &'a str,
    pub display_name: &'a str,
    /// The roles from the claims, when the configuration maps claims to roles.
    pub grants: Option<&'a [Grant]>,
    /// The `email` claim: where deadline reminders go. Kept up to date at every sign-in.
    pub email: Option<&'a str>,
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

#[derive(sqlx::FromRow)]
struct UserId {
    user_id: i64,
}

#[derive(sqlx::FromRow)]
struct OriginGrant {
    role: String,
    unit_id: String,
    origin: String,
}

impl Store {
    /// Keeps a sign-in that is leaving for the provider. Not audited: it is no change to
    /// anything a person can see, and it is gone within minutes.
    pub async fn begin_sso_login(
        &self,
        state: &str,
        pkce_verifier: &str,
        nonce: &str,
        next: &str,
    ) -> Result<()> {
        let at = now();
        self.pool
            .execute(
                "DELETE FROM sso_logins WHERE created_at < $1",
                &[(at - SSO_LOGIN_LIFETIME).into()],
            )
            .await?;
        self.pool
            .execute(
                "INSERT INTO sso_logins (state_hash, pkce_verifier, nonce, next, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[state_hash(state).into(), pkce_verifier.into(), nonce.into(), next.into(), at.into()],
            )
            .await?;
        Ok(())
    }

    /// Takes back the sign-in a returning `state` belongs to, once: a replayed or expired
    /// state finds nothing.
    pub async fn take_sso_login(&self, state: &str) -> Result<Option<PendingSso>> {
        let pending: Option<PendingSso> = self
            .pool
            .fetch_optional(
                "DELETE FROM sso_logins WHERE state_hash = $1 RETURNING pkce_verifier, nonce, next, created_at",
                &[state_hash(state).into()],
            )
            .await?;
        Ok(pending.filter(|p| p.created_at > now() - SSO_LOGIN_LIFETIME))
    }

    /// The account of a person the provider vouched for: found by issuer and subject, or
    /// created just in time. With `grants`, the roles that came from SSO are replaced by
    /// them; roles an administrator gave stay. Every change is audited, by `sso:ISSUER`.
    pub async fn sso_sign_in(&self, id: &SsoIdentity<'_>) -> Result<User> {
        let mut w = self.begin_write(&format!("sso:{}", id.issuer)).await?;
        let linked: Option<UserId> =
            w.tx.fetch_optional(
                "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2",
                &[id.issuer.into(), id.subject.into()],
            )
            .await?;
        let user_id = match linked {
            Some(l) => l.user_id,
            None => {
                let username = free_username(&mut w, id.username).await?;
                let is_admin = id
                    .grants
                    .is_some_and(|g| g.iter().any(|g| g.role == Role::Administrator));
                let at = w.at();
                let user: User = w
                    .tx
                    .fetch_one(
                        "INSERT INTO users (username, display_name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5) \
                         RETURNING id, username, display_name, is_admin",
                        &[username.as_str().into(), id.display_name.into(), NO_PASSWORD.into(), is_admin.into(), at.into()],
                    )
                    .await?;
                w.tx.execute(
                    "INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)",
                    &[id.issuer.into(), id.subject.into(), user.id.into(), at.into()],
                )
                .await?;
                let after = serde_json::json!({
                    "user": &user, "issuer": id.issuer, "subject": id.subject,
                })
                .to_string();
                w.record("user.create", "user", &username, None, Some(after));
                user.id
            }
        };
        let user: User =
            w.tx.fetch_one(
                "SELECT id, username, display_name, is_admin FROM users WHERE id = $1",
                &[user_id.into()],
            )
            .await?;
        if let Some(grants) = id.grants {
            sync_grants(&mut w, &user, grants).await?;
        }
        match id.email.map(str::trim) {
            Some(email) if grondslag_domain::requests::plausible_email(email) => {
                crate::accounts::update_email(&mut w, &user, Some(email)).await?;
            }
            Some(_) => tracing::warn!("SSO e-mail claim ignored: not an e-mail address"),
            None => {}
        }
        w.commit().await?;
        Ok(user)
    }
}

/// The wanted name, or the first of `name-2`, `name-3`, … that no account has. An SSO
/// account never takes over a local account of the same name.
async fn free_username(w: &mut crate::audit::WriteTx, wanted: &str) -> Result<String> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            wanted.to_string()
        } else {
            format!("{wanted}-{n}")
        };
        let taken: Option<UserId> =
            w.tx.fetch_optional(
                "SELECT id AS user_id FROM users WHERE username = $1",
                &[candidate.as_str().into()],
            )
            .await?;
        if taken.is_none() {
            return Ok(candidate);
        }
    }
    Err(StoreError::Conflict(format!(
        "no free account name like \"{wanted}\""
    )))
}

/// Makes the user's SSO roles exactly `grants`. A role the claims give for a unit that is
/// not in the register is skipped with a warning rather than refusing the sign-in.
async fn sync_grants(w: &mut crate::audit::WriteTx, user: &User, grants: &[Grant]) -> Result<()> {
    let current: Vec<OriginGrant> =
        w.tx.fetch_all(
            "SELECT role, unit_id, origin FROM user_grants WHERE user_id = $1",
            &[user.id.into()],
        )
        .await?;
    let same = |g: &Grant, c: &OriginGrant| {
        g.role.machine_name() == c.role && g.unit.clone().unwrap_or_default() == c.unit_id
    };
    for c in current.iter().filter(|c| c.origin == "sso") {
        if !grants.iter().any(|g| same(g, c)) {
            w.tx.execute(
                "DELETE FROM user_grants WHERE user_id = $1 AND role = $2 AND unit_id = $3",
                &[
                    user.id.into(),
                    c.role.as_str().into(),
                    c.unit_id.as_str().into(),
                ],
            )
            .await?;
            let before = serde_json::json!({"role": c.role, "unit": (!c.unit_id.is_empty()).then_some(&c.unit_id), "origin": "sso"});
            w.record(
                "user.revoke",
                "user",
                &user.username,
                Some(before.to_string()),
                None,
            );
        }
    }
    for g in grants {
        if current.iter().any(|c| same(g, c)) {
            continue;
        }
        match check_grant(w, g).await {
            Ok(()) => {}
            Err(StoreError::Invalid(e)) => {
                tracing::warn!(user = %user.username, ?g, "SSO role skipped: {e}");
                continue;
            }
            Err(e) => return Err(e),
        }
        w.tx.execute(
            "INSERT INTO user_grants (user_id, role, unit_id, origin) VALUES ($1, $2, $3, 'sso')",
            &[
                user.id.into(),
                g.role.machine_name().into(),
                g.unit.clone().unwrap_or_default().into(),
            ],
        )
        .await?;
        let after = serde_json::json!({"role": g.role, "unit": g.unit, "origin": "sso"});
        w.record(
            "user.grant",
            "user",
            &user.username,
            None,
            Some(after.to_string()),
        );
    }
    let is_admin: Vec<OriginGrant> =
        w.tx.fetch_all(
            "SELECT role, unit_id, origin FROM user_grants WHERE user_id = $1 AND role = 'administrator'",
            &[user.id.into()],
        )
        .await?;
    w.tx.execute(
        "UPDATE users SET is_admin = $1 WHERE id = $2",
        &[(!is_admin.is_empty()).into(), user.id.into()],
    )
    .await?;
    Ok(())
}
