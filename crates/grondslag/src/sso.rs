//! Reading the single sign-on configuration (`serve --sso-config FILE`).

use anyhow::{bail, Context};
use grondslag_domain::sso::SsoConfig;
use grondslag_web::sso::Sso;
use std::path::Path;

/// The client secret is best kept out of the file, in this variable.
const SECRET_VAR: &str = "GRONDSLAG_SSO_CLIENT_SECRET";

/// The provider a configuration file describes. A file that does not parse or names an
/// unknown role stops the server at start, with every problem listed.
pub fn provider(path: &Path) -> anyhow::Result<Sso> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the SSO configuration {}", path.display()))?;
    let config: SsoConfig = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid SSO configuration", path.display()))?;
    let secret = std::env::var(SECRET_VAR).ok().filter(|s| !s.is_empty());
    match Sso::new(config, secret) {
        Ok(sso) => Ok(sso),
        Err(e) => bail!("{}: {e}", path.display()),
    }
}
