//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, a state bound
//! to the browser by a cookie, and a nonce; the ID token's signature, issuer, audience,
//! expiry, nonce and access-token hash are checked by `openidconnect`. What the claims mean
//! (account name, roles, units) is decided in `grondslag_domain::sso`.

use base64::Engine;
use grondslag_domain::sso::SsoConfig;
use grondslag_store::accounts::User;
use grondslag_store::sso::SsoIdentity;
use grondslag_store::Store;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::{Map, Value};

/// The cookie that binds a sign-in's state to the browser that began it, against login CSRF.
pub const STATE_COOKIE: &str = "grondslag_sso";

/// A configured OpenID provider.
pub struct Sso {
    config: SsoConfig,
    client_secret: Option<String>,
    http: reqwest::Client,
}

/// Why a sign-in did not succeed. Shown to the user in general terms and logged in full.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the provider could not be reached or answered unexpectedly: {0}")]
    Provider(String),
    #[error("the sign-in was not begun here, took too long or was already used")]
    UnknownState,
    #[error("the provider refused the sign-in: {0}")]
    Refused(String),
    #[error("the provider's answer did not pass the checks: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] grondslag_store::StoreError),
}

impl Sso {
    /// A provider from a checked configuration; the secret from the environment wins over
    /// the file.
    pub fn new(config: SsoConfig, client_secret: Option<String>) -> Result<Self, String> {
        config.validate().map_err(|e| e.join("; "))?;
        let client_secret = client_secret.or_else(|| config.client_secret.clone());
        // No redirects: an OpenID provider answers its endpoints directly, and following
        // redirects from a server-side client invites request forgery.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            config,
            client_secret,
            http,
        })
    }

    /// The name on the login button.
    pub fn label(&self) -> &str {
        &self.config.label
    }

    /// The provider's metadata and keys are read at every sign-in, so a key rotation or a
    /// provider that was down at start needs no restart. Sign-ins are rare enough.
    async fn discover(&self) -> Result<CoreProviderMetadata, SsoError> {
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| SsoError::Provider(e.to_string()))?;
        CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Provider(error_chain(&e)))
    }

    fn client(
        &self,
        meta: CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SsoError,
    > {
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| SsoError::Invalid(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            meta,
            ClientId::new(self.config.client_id.clone()),
            self.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Begins a sign-in: keeps the PKCE verifier and nonce, and gives the provider's address
    /// to send the browser to and the state for the cookie.
    pub async fn begin(&self, store: &Store, next: &str) -> Result<(String, String), SsoError> {
        let client = self.client(self.discover().await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for s in &self.config.scopes {
            if s != "openid" {
                request = request.add_scope(Scope::new(s.clone()));
            }
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        store
            .begin_sso_login(state.secret(), verifier.secret(), nonce.secret(), next)
            .await?;
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Finishes a sign-in that came back with `code` and `state`; `cookie_state` is the
    /// state the browser kept. Returns the account and where to go.
    pub async fn finish(
        &self,
        store: &Store,
        code: &str,
        state: &str,
        cookie_state: Option<&str>,
    ) -> Result<(User, String), SsoError> {
        // Taken before the cookie is compared, so a callback URL that leaked to another
        // browser is used up by the attempt.
        let pending = store
            .take_sso_login(state)
            .await?
            .ok_or(SsoError::UnknownState)?;
        if cookie_state != Some(state) {
            return Err(SsoError::UnknownState);
        }
        let meta = self.discover().await?;
        let userinfo_url = meta.userinfo_endpoint().map(|u| u.url().clone());
        let client = self.client(meta)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Refused(error_chain(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| SsoError::Invalid("no ID token in the token response".into()))?;
        let verifier = client.id_token_verifier();
        let checked = id_token
            .claims(&verifier, &Nonce::new(pending.nonce))
            .map_err(|e| SsoError::Invalid(error_chain(&e)))?;
        if let Some(expected) = checked.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| SsoError::Invalid(e.to_string()))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| SsoError::Invalid(e.to_string()))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| SsoError::Invalid(e.to_string()))?;
            if actual != *expected {
                return Err(SsoError::Invalid(
                    "the access-token hash does not match".into(),
                ));
            }
        }
        let subject = checked.subject().as_str().to_string();
        // The signature is checked above, so the payload can be read as it is: the mapping
        // may name any claim, including ones the library has no field for.
        let mut claims = jwt_payload(&id_token.to_string())?;
        if let Some(url) = userinfo_url {
            self.add_userinfo(&mut claims, url, token.access_token().secret(), &subject)
                .await?;
        }
        let grants = self
            .config
            .manages_roles()
            .then(|| self.config.grants(&claims));
        let user = store
            .sso_sign_in(&SsoIdentity {
                issuer: &self.config.issuer,
                subject: &subject,
                username: &self.config.username(&claims),
                display_name: &self.config.display_name(&claims),
                grants: grants.as_deref(),
                email: claims.get("email").and_then(Value::as_str),
            })
            .await?;
        Ok((user, pending.next))
    }

    /// Adds the claims of the UserInfo endpoint that the ID token lacks (providers such as
    /// SURFconext put attributes there). Its subject must be the ID token's.
    async fn add_userinfo(
        &self,
        claims: &mut Map<String, Value>,
        url: openidconnect::url::Url,
        access_token: &str,
        subject: &str,
    ) -> Result<(), SsoError> {
        let res = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| SsoError::Provider(error_chain(&e)))?;
        if !res.status().is_success() {
            return Err(SsoError::Provider(format!(
                "the UserInfo endpoint answered {}",
                res.status()
            )));
        }
        let info: Map<String, Value> = res
            .json()
            .await
            .map_err(|e| SsoError::Provider(format!("UserInfo is not a JSON object: {e}")))?;
        if info.get("sub").and_then(Value::as_str) != Some(subject) {
            return Err(SsoError::Invalid(
                "UserInfo is about another subject than the ID token".into(),
            ));
        }
        for (k, v) in info {
            claims.entry(k).or_insert(v);
        }
        Ok(())
    }
}

fn jwt_payload(jwt: &str) -> Result<Map<String, Value>, SsoError> {
    let invalid = || SsoError::Invalid("the ID token is not a JSON web token".into());
    let payload = jwt.split('.').nth(1).ok_or_else(invalid)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// An error with its causes, for the log: library errors hide the useful part in `source`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
