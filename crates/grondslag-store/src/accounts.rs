//! Local accounts and server-side sessions. Passwords are stored as argon2id hashes; session
//! tokens only as their SHA-256, so a copy of the database opens no sessions.

use crate::audit::now;
use crate::{Result, Store, StoreError};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, TimeDelta, Utc};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::vocab::Term;
use grondslag_domain::ValidationErrors;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long a session lasts after login, however active (absolute timeout).
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// How long a session lasts without a request (idle timeout).
pub const SESSION_IDLE: TimeDelta = TimeDelta::minutes(30);
/// Failed logins within this window count towards a lockout, which lasts as long.
pub const LOCKOUT_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failed logins for one account within the window before it is locked.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed logins from one address within the window before it is locked out.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    Success(User),
    /// Wrong username or password; which of the two is not said.
    Failed,
    /// Too many failures for this account or from this address: try again later.
    Locked,
}

/// A person who can log in.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    /// The roles the user holds; filled when a session is looked up.
    #[sqlx(skip)]
    pub grants: Vec<Grant>,
    /// The anti-forgery token of the session the user came with; the web layer fills it.
    #[sqlx(skip)]
    #[serde(skip)]
    pub csrf: String,
}

impl User {
    /// How the audit log names this user, or the API token acting as one.
    pub fn actor(&self) -> String {
        match self.username.strip_prefix("token:") {
            Some(name) => format!("token:{name}"),
            None => format!("user:{}", self.username),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Credentials {
    id: i64,
    username: String,
    display_name: String,
    is_admin: bool,
    password_hash: String,
}

/// A new session's token, to be put in a cookie. Only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

/// Usernames are short, lower-case and safe in URLs and logs.
fn validate_new_user(username: &str, display_name: &str, password: &str) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    if username.is_empty()
        || username.len() > 64
        || !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        e.add(
            "username",
            "invalid_format",
            "expected 1 to 64 lower-case letters, digits, dots, hyphens or underscores",
        );
    }
    if display_name.trim().is_empty() {
        e.add("display_name", "required", "is required");
    }
    if password.chars().count() < 12 {
        e.add(
            "password",
            "too_short",
            "must be at least 12 characters long",
        );
    }
    e
}

impl Store {
    /// Creates an account with its roles. `actor` is who creates it (the audit log names them).
    pub async fn create_user(
        &self,
        actor: &str,
        username: &str,
        display_name: &str,
        password: &str,
        grants: &[Grant],
    ) -> Result<User> {
        let is_admin = grants.iter().any(|g| g.role == Role::Administrator);
        validate_new_user(username, display_name, password)
            .into_result(())
            .map_err(StoreError::Invalid)?;
        let hash = hash_password(password);
        let mut w = self.begin_write(actor).await?;
        let taken =
            w.tx.fetch_optional::<User>(
                "SELECT id, username, display_name, is_admin FROM users WHERE username = $1",
                &[username.into()],
            )
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "the username \"{username}\" is taken"
            )));
        }
        let created_at = w.at();
        let user: User = w
            .tx
            .fetch_one(
                "INSERT INTO users (username, display_name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id, username, display_name, is_admin",
                &[username.into(), display_name.into(), hash.into(), is_admin.into(), created_at.into()],
            )
            .await?;
        for g in grants {
            insert_grant(&mut w, user.id, g).await?;
        }
        // The hash stays out of the log: it is a secret, however well protected.
        let after = serde_json::json!({"user": &user, "grants": grants}).to_string();
        w.record("user.create", "user", username, None, Some(after));
        w.commit().await?;
        Ok(user)
    }

    /// The roles a user holds.
    pub async fn grants(&self, user_id: i64) -> Result<Vec<Grant>> {
        let rows: Vec<GrantRow> = self
            .pool
            .fetch_all(
                "SELECT role, unit_id FROM user_grants WHERE user_id = $1 ORDER BY role, unit_id",
                &[user_id.into()],
            )
            .await?;
        Ok(rows.into_iter().filter_map(GrantRow::into_grant).collect())
    }

    /// Gives a user a role, overall or for one unit (and the units below it). Audited.
    pub async fn grant(&self, actor: &str, username: &str, grant: &Grant) -> Result<()> {
        let mut w = self.begin_write(actor).await?;
        let user = user_by_name(&mut w, username).await?;
        insert_grant(&mut w, user.id, grant).await?;
        let after = serde_json::to_string(grant).expect("a grant serialises");
        w.record("user.grant", "user", username, None, Some(after));
        w.commit().await
    }

    /// Takes a role away. Audited.
    pub async fn revoke(&self, actor: &str, username: &str, grant: &Grant) -> Result<()> {
        let mut w = self.begin_write(actor).await?;
        let user = user_by_name(&mut w, username).await?;
        let n =
            w.tx.execute(
                "DELETE FROM user_grants WHERE user_id = $1 AND role = $2 AND unit_id = $3",
                &[
                    user.id.into(),
                    grant.role.machine_name().into(),
                    grant.unit.clone().unwrap_or_default().into(),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("that role of {username}")));
        }
        let before = serde_json::to_string(grant).expect("a grant serialises");
        w.record("user.revoke", "user", username, Some(before), None);
        w.commit().await
    }

    /// Checks a username and password. A wrong username costs as much time as a wrong
    /// password, so response times do not reveal which accounts exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        let row: Option<Credentials> = self
            .pool
            .fetch_optional(
                "SELECT id, username, display_name, is_admin, password_hash FROM users WHERE username = $1",
                &[username.into()],
            )
            .await?;
        // Accounts without a password (single sign-on only) cost the same time too.
        let stored = row
            .as_ref()
            .map(|r| r.password_hash.as_str())
            .filter(|h| *h != crate::sso::NO_PASSWORD)
            .unwrap_or(dummy_hash());
        let verified = PasswordHash::new(stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        let ok = verified
            && row
                .as_ref()
                .is_some_and(|r| r.password_hash != crate::sso::NO_PASSWORD);
        Ok(match (ok, row) {
            (true, Some(r)) => Some(User {
                id: r.id,
                username: r.username,
                display_name: r.display_name,
                is_admin: r.is_admin,
                grants: Vec::new(),
                csrf: String::new(),
            }),
            _ => None,
        })
    }

    /// A login attempt from `address`, with throttling: after too many failures for the
    /// account or from the address, further attempts are refused for a while, even with the
    /// right password. Failures and lockouts are audit entries.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<LoginOutcome> {
        let since = now() - LOCKOUT_WINDOW;
        let failures = |column: &'static str, value: &str| {
            let sql =
                format!("SELECT COUNT(*) AS n FROM login_failures WHERE {column} = $1 AND at > $2");
            let vals = [value.into(), since.into()];
            async move { self.pool.fetch_one::<Count>(&sql, &vals).await.map(|c| c.n) }
        };
        if failures("username", username).await? >= MAX_FAILURES_PER_ACCOUNT
            || failures("address", address).await? >= MAX_FAILURES_PER_ADDRESS
        {
            let mut w = self.begin_write(&format!("anonymous:{address}")).await?;
            w.record("session.locked_out", "user", username, None, None);
            w.commit().await?;
            return Ok(LoginOutcome::Locked);
        }
        if let Some(user) = self.authenticate(username, password).await? {
            self.pool
                .execute(
                    "DELETE FROM login_failures WHERE username = $1",
                    &[username.into()],
                )
                .await?;
            return Ok(LoginOutcome::Success(user));
        }
        let mut w = self.begin_write(&format!("anonymous:{address}")).await?;
        let at = w.at();
        w.tx.execute(
            "INSERT INTO login_failures (username, address, at) VALUES ($1, $2, $3)",
            &[username.into(), address.into(), at.into()],
        )
        .await?;
        w.record("session.login_failed", "user", username, None, None);
        let n: Count =
            w.tx.fetch_one(
                "SELECT COUNT(*) AS n FROM login_failures WHERE username = $1 AND at > $2",
                &[username.into(), since.into()],
            )
            .await?;
        if n.n == MAX_FAILURES_PER_ACCOUNT {
            w.record("session.lockout", "user", username, None, None);
        }
        w.commit().await?;
        Ok(LoginOutcome::Failed)
    }

    /// Changes a password. Users change their own by giving the old one; an administrator
    /// resets another's (`old` is `None`). Every session of the account ends.
    pub async fn set_password(
        &self,
        actor: &str,
        username: &str,
        old: Option<&str>,
        new: &str,
    ) -> Result<()> {
        if let Some(old) = old {
            if self.authenticate(username, old).await?.is_none() {
                let mut e = ValidationErrors::new();
                e.add("old_password", "wrong", "is not the current password");
                return Err(StoreError::Invalid(e));
            }
        }
        let mut e = ValidationErrors::new();
        check_password(&mut e, "password", new, &[username]);
        e.into_result(()).map_err(StoreError::Invalid)?;
        let hash = hash_password(new);
        let mut w = self.begin_write(actor).await?;
        let user = user_by_name(&mut w, username).await?;
        w.tx.execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            &[hash.into(), user.id.into()],
        )
        .await?;
        w.tx.execute("DELETE FROM sessions WHERE user_id = $1", &[user.id.into()])
            .await?;
        w.record(
            if old.is_some() {
                "user.password_change"
            } else {
                "user.password_reset"
            },
            "user",
            username,
            None,
            None,
        );
        w.commit().await
    }

    /// Opens a session for a user who just logged in; the login is an audit entry.
    pub async fn create_session(&self, user: &User) -> Result<NewSession> {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let mut w = self.begin_write(&user.actor()).await?;
        let created = w.at();
        // Expired sessions are of no use to anyone: clear them out while we are here.
        w.tx.execute(
            "DELETE FROM sessions WHERE expires_at <= $1",
            &[created.into()],
        )
        .await?;
        let expires_at = created + SESSION_LIFETIME;
        w.tx.execute(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)",
            &[token_hash(&token).into(), user.id.into(), created.into(), expires_at.into()],
        )
        .await?;
        w.record("session.login", "user", &user.username, None, None);
        w.commit().await?;
        Ok(NewSession { token, expires_at })
    }

    /// The user a session token belongs to, if the session exists and has not expired.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>> {
        let user: Option<User> = self
            .pool
            .fetch_optional(
                "SELECT u.id, u.username, u.display_name, u.is_admin FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
                &[token_hash(token).into(), now().into(), (now() - SESSION_IDLE).into()],
            )
            .await?;
        match user {
            Some(mut u) => {
                // Session bookkeeping, not a change to the register: no audit entry, and at
                // most one write a minute.
                self.pool
                    .execute(
                        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $3",
                        &[now().into(), token_hash(token).into(), (now() - TimeDelta::minutes(1)).into()],
                    )
                    .await?;
                u.grants = self.grants(u.id).await?;
                Ok(Some(u))
            }
            None => Ok(None),
        }
    }

    /// Ends a session; the token stops working at once.
    pub async fn end_session(&self, token: &str) -> Result<()> {
        let Some(user) = self.session_user(token).await? else {
            return Ok(());
        };
        let mut w = self.begin_write(&user.actor()).await?;
        w.tx.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[token_hash(token).into()],
        )
        .await?;
        w.record("session.logout", "user", &user.username, None, None);
        w.commit().await?;
        Ok(())
    }

    pub async fn user_count(&self) -> Result<i64> {
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        Ok(self
            .pool
            .fetch_one::<N>("SELECT COUNT(*) AS n FROM users", &[])
            .await?
            .n)
    }
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    role: String,
    unit_id: String,
}

impl GrantRow {
    fn into_grant(self) -> Option<Grant> {
        Some(Grant {
            role: Role::from_machine_name(&self.role)?,
            unit: (!self.unit_id.is_empty()).then_some(self.unit_id),
        })
    }
}

async fn user_by_name(w: &mut crate::audit::WriteTx, username: &str) -> Result<User> {
    w.tx.fetch_optional::<User>(
        "SELECT id, username, display_name, is_admin FROM users WHERE username = $1",
        &[username.into()],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("user {username}")))
}

/// Unit-bound roles need a unit that exists; overall roles take none.
pub(crate) async fn check_grant(w: &mut crate::audit::WriteTx, g: &Grant) -> Result<()> {
    let unit_bound = g.role.is_unit_bound();
    let mut e = ValidationErrors::new();
    match (&g.unit, unit_bound) {
        (None, true) => e.add(
            "unit",
            "required",
            format!(
                "the role {} holds for units: name the unit",
                g.role.machine_name()
            ),
        ),
        (Some(_), false) => e.add(
            "unit",
            "not_allowed",
            format!(
                "the role {} holds everywhere and takes no unit",
                g.role.machine_name()
            ),
        ),
        (Some(u), true) => {
            #[derive(sqlx::FromRow)]
            struct Id {
                #[allow(dead_code)]
                id: String,
            }
            if w.tx
                .fetch_optional::<Id>("SELECT id FROM units WHERE id = $1", &[u.as_str().into()])
                .await?
                .is_none()
            {
                e.add(
                    "unit",
                    "unknown_reference",
                    format!("no unit has the key \"{u}\""),
                );
            }
        }
        (None, false) => {}
    }
    e.into_result(()).map_err(StoreError::Invalid)
}

async fn insert_grant(w: &mut crate::audit::WriteTx, user_id: i64, g: &Grant) -> Result<()> {
    check_grant(w, g).await?;
    w.tx.execute(
        "INSERT INTO user_grants (user_id, role, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[user_id.into(), g.role.machine_name().into(), g.unit.clone().unwrap_or_default().into()],
    )
    .await?;
    Ok(())
}

/// Passwords are long and not easily guessed: at least 12 characters, and not a common
/// password, a keyboard pattern or a variation of the user's own name (zxcvbn score 3+).
fn check_password(e: &mut ValidationErrors, path: &str, password: &str, user_inputs: &[&str]) {
    if password.chars().count() < 12 {
        e.add(path, "too_short", "must be at least 12 characters long");
    } else if zxcvbn::zxcvbn(password, user_inputs).score() < zxcvbn::Score::Three {
        e.add(
            path,
            "too_common",
            "is too easy to guess: avoid common passwords, patterns and your own name",
        );
    }
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

/// A valid argon2id hash of a random password, verified against when the user is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no account has this password"))
}

impl Store {
    /// Sets or clears the address where an account gets e-mail: the deadline reminders of
    /// the requests it handles. Audited as `user.email`.
    pub async fn set_user_email(
        &self,
        actor: &str,
        username: &str,
        email: Option<&str>,
    ) -> Result<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email.filter(|e| !grondslag_domain::requests::plausible_email(e)) {
            let mut errors = ValidationErrors::new();
            errors.add(
                "email",
                "invalid_format",
                format!("\"{e}\" is not an e-mail address; expected name@domain"),
            );
            return Err(StoreError::Invalid(errors));
        }
        let mut w = self.begin_write(actor).await?;
        let user = user_by_name(&mut w, username).await?;
        update_email(&mut w, &user, email).await?;
        w.commit().await
    }
}

/// Writes an account's e-mail address with its audit entry, when it changes.
pub(crate) async fn update_email(
    w: &mut crate::audit::WriteTx,
    user: &User,
    email: Option<&str>,
) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Email {
        email: Option<String>,
    }
    let current: Email =
        w.tx.fetch_one("SELECT email FROM users WHERE id = $1", &[user.id.into()])
            .await?;
    if current.email.as_deref() == email {
        return Ok(());
    }
    w.tx.execute(
        "UPDATE users SET email = $1 WHERE id = $2",
        &[email.map(str::to_string).into(), user.id.into()],
    )
    .await?;
    w.record(
        "user.email",
        "user",
        &user.username,
        Some(serde_json::json!({ "email": current.email }).to_string()),
        Some(serde_json::json!({ "email": email }).to_string()),
    );
    Ok(())
}
