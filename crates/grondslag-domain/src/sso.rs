//! Single sign-on with OpenID Connect: what the administrator configures and how the claims
//! of a person who signed in become an account name and roles (REG-3, issue 3).
//!
//! Pure: the web crate does the protocol (authorization code with PKCE, ID-token
//! verification) and hands the verified claims here.

use crate::access::{Grant, Role};
use crate::vocab::Term;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The SSO section of the configuration (`--sso-config FILE`, TOML; docs/configuration.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoConfig {
    /// The issuer URL; its `/.well-known/openid-configuration` is read at each login.
    pub issuer: String,
    pub client_id: String,
    /// Better given in `GRONDSLAG_SSO_CLIENT_SECRET` than in the file.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `https://HOST/login/sso/callback`.
    pub redirect_url: String,
    /// The name on the login button ("Log in with SURFconext").
    #[serde(default = "default_label")]
    pub label: String,
    /// Scopes to ask for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The claim that becomes the account name of a new account; falls back to `email`,
    /// then to the subject identifier.
    #[serde(default = "default_username_claim")]
    pub username_claim: String,
    #[serde(default = "default_display_name_claim")]
    pub display_name_claim: String,
    /// How claims become roles. Without rules, SSO only signs people in and administrators
    /// grant roles; with rules, the roles that came from SSO are replaced at every login.
    #[serde(default)]
    pub roles: Vec<RoleRule>,
}

fn default_label() -> String {
    "SSO".into()
}
fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}
fn default_username_claim() -> String {
    "preferred_username".into()
}
fn default_display_name_claim() -> String {
    "name".into()
}

/// One rule of the claim-to-role mapping. The claim may hold a string or a list of strings
/// (for example `eduperson_entitlement` or `groups`).
///
/// - `value` + `role` (+ `unit`): a claim value equal to `value` gives the role.
/// - `prefix` + `role`: a value starting with `prefix` gives the role for the unit named by
///   the rest of the value.
/// - `prefix` alone: the rest of the value is `ROLE` or `ROLE:UNIT`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    pub claim: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
}

impl SsoConfig {
    /// Checks what can be checked without the provider: every problem, each with the key it
    /// concerns.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        for (key, url) in [
            ("issuer", &self.issuer),
            ("redirect_url", &self.redirect_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                errors.push(format!("{key}: expected an http(s) URL, got \"{url}\""));
            }
        }
        if !self.redirect_url.ends_with("/login/sso/callback") {
            errors.push(format!(
                "redirect_url: expected the server's address followed by /login/sso/callback, got \"{}\"",
                self.redirect_url
            ));
        }
        if self.client_id.trim().is_empty() {
            errors.push("client_id: is required".into());
        }
        for (i, r) in self.roles.iter().enumerate() {
            let at = format!("roles[{i}]");
            let role = match r.role.as_deref().map(str::parse::<Role>) {
                Some(Ok(role)) => Some(role),
                Some(Err(e)) => {
                    errors.push(format!("{at}.role: {e}"));
                    None
                }
                None => None,
            };
            match (&r.value, &r.prefix) {
                (Some(_), Some(_)) => {
                    errors.push(format!("{at}: give either value or prefix, not both"))
                }
                (None, None) => errors.push(format!("{at}: expected value or prefix")),
                (Some(_), None) => match role {
                    None if r.role.is_none() => errors.push(format!(
                        "{at}.role: is required with value (expected one of {})",
                        Role::expected_list()
                    )),
                    Some(role) if role.is_unit_bound() && r.unit.is_none() => errors.push(format!(
                        "{at}.unit: the role {} holds for units: name the unit",
                        role.machine_name()
                    )),
                    Some(role) if !role.is_unit_bound() && r.unit.is_some() => errors.push(
                        format!("{at}.unit: the role {} takes no unit", role.machine_name()),
                    ),
                    _ => {}
                },
                (None, Some(_)) => {
                    if r.unit.is_some() {
                        errors.push(format!(
                            "{at}.unit: with prefix, the unit is the rest of the value"
                        ));
                    }
                    if let Some(role) = role {
                        if !role.is_unit_bound() {
                            errors.push(format!(
                                "{at}.role: the role {} takes no unit, so it needs value, not prefix",
                                role.machine_name()
                            ));
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether roles come from the provider (there are rules) or only from administrators.
    pub fn manages_roles(&self) -> bool {
        !self.roles.is_empty()
    }

    /// The roles the claims give, each once, in rule order. Values that match no rule, and
    /// prefixed values that do not name a role, give nothing.
    pub fn grants(&self, claims: &Map<String, Value>) -> Vec<Grant> {
        let mut out: Vec<Grant> = Vec::new();
        for r in &self.roles {
            for v in claim_values(claims, &r.claim) {
                let grant =
                    match (&r.value, &r.prefix) {
                        (Some(value), _) if v == value => r
                            .role
                            .as_deref()
                            .and_then(|s| s.parse().ok())
                            .map(|role| Grant {
                                role,
                                unit: r.unit.clone(),
                            }),
                        (None, Some(prefix)) => v.strip_prefix(prefix.as_str()).and_then(|rest| {
                            match r.role.as_deref().and_then(|s| s.parse::<Role>().ok()) {
                                Some(role) if !rest.is_empty() => Some(Grant {
                                    role,
                                    unit: Some(rest.to_string()),
                                }),
                                Some(_) => None,
                                None => Grant::parse(rest).ok(),
                            }
                        }),
                        _ => None,
                    };
                if let Some(g) = grant {
                    if !out.contains(&g) {
                        out.push(g);
                    }
                }
            }
        }
        out
    }

    /// The name a new account gets: the configured claim, else the e-mail address, else the
    /// subject; made safe for account names (lower case, `a-z0-9._-`, at most 64).
    pub fn username(&self, claims: &Map<String, Value>) -> String {
        let raw = [self.username_claim.as_str(), "email", "sub"]
            .iter()
            .find_map(|c| {
                claims
                    .get(*c)
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
            })
            .unwrap_or("sso-user");
        let mut name: String = raw
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .take(56)
            .collect();
        if name.is_empty() {
            name = "sso-user".into();
        }
        name
    }

    /// The name shown for a new account: the configured claim, else given and family name,
    /// else the account name.
    pub fn display_name(&self, claims: &Map<String, Value>) -> String {
        let get = |c: &str| claims.get(c).and_then(Value::as_str).map(str::trim);
        if let Some(n) = get(&self.display_name_claim).filter(|n| !n.is_empty()) {
            return n.to_string();
        }
        let parts: Vec<&str> = [get("given_name"), get("family_name")]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.username(claims)
        } else {
            parts.join(" ")
        }
    }
}

/// A claim's string values: a string claim gives one, an array its strings.
fn claim_values<'a>(claims: &'a Map<String, Value>, claim: &str) -> Vec<&'a str> {
    match claims.get(claim) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(roles: Vec<RoleRule>) -> SsoConfig {
        SsoConfig {
            issuer: "https://idp.example.nl".into(),
            client_id: "grondslag".into(),
            client_secret: None,
            redirect_url: "https://privacy.example.nl/login/sso/callback".into(),
            label: default_label(),
            scopes: default_scopes(),
            username_claim: default_username_claim(),
            display_name_claim: default_display_name_claim(),
            roles,
        }
    }

    fn rule(
        claim: &str,
        value: Option<&str>,
        prefix: Option<&str>,
        role: Option<&str>,
        unit: Option<&str>,
    ) -> RoleRule {
        RoleRule {
            claim: claim.into(),
            value: value.map(Into::into),
            prefix: prefix.map(Into::into),
            role: role.map(Into::into),
            unit: unit.map(Into::into),
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    const ENT: &str = "eduperson_entitlement";

    #[test]
    fn exact_values_prefixes_and_role_unit_pairs_give_roles() {
        let c = config(vec![
            rule(
                ENT,
                Some("urn:x:fg"),
                None,
                Some("data_protection_officer"),
                None,
            ),
            rule(ENT, None, Some("urn:x:pm:"), Some("privacy_manager"), None),
            rule("groups", None, Some("grondslag-"), None, None),
        ]);
        let got = c.grants(&claims(json!({
            ENT: ["urn:x:fg", "urn:x:pm:fnwi", "urn:x:other", "urn:x:pm:"],
            "groups": ["grondslag-auditor", "grondslag-domain_owner:law", "grondslag-nonsense", "staff"]
        })));
        assert_eq!(
            got,
            vec![
                Grant {
                    role: Role::Dpo,
                    unit: None
                },
                Grant {
                    role: Role::PrivacyManager,
                    unit: Some("fnwi".into())
                },
                Grant {
                    role: Role::Auditor,
                    unit: None
                },
                Grant {
                    role: Role::DomainOwner,
                    unit: Some("law".into())
                },
            ]
        );
    }

    #[test]
    fn a_single_string_claim_counts_and_duplicates_are_given_once() {
        let c = config(vec![
            rule(
                "role",
                Some("fg"),
                None,
                Some("data_protection_officer"),
                None,
            ),
            rule(
                "role",
                Some("fg"),
                None,
                Some("data_protection_officer"),
                None,
            ),
        ]);
        assert_eq!(c.grants(&claims(json!({"role": "fg"}))).len(), 1);
        assert!(
            c.grants(&claims(json!({"role": "FG"}))).is_empty(),
            "values match exactly"
        );
        assert!(c.grants(&claims(json!({"role": 7}))).is_empty());
    }

    #[test]
    fn validation_names_each_bad_rule() {
        let c = config(vec![
            rule(ENT, Some("a"), None, Some("wizard"), None),
            rule(ENT, Some("b"), None, Some("privacy_manager"), None),
            rule(ENT, Some("c"), None, Some("auditor"), Some("fnwi")),
            rule(ENT, None, None, Some("auditor"), None),
            rule(ENT, Some("d"), Some("e"), Some("auditor"), None),
            rule(ENT, None, Some("f"), Some("auditor"), None),
            rule(ENT, Some("g"), None, None, None),
        ]);
        let errors = c.validate().unwrap_err();
        for expected in [
            "roles[0].role: unknown value \"wizard\"",
            "roles[1].unit: the role privacy_manager holds for units",
            "roles[2].unit: the role auditor takes no unit",
            "roles[3]: expected value or prefix",
            "roles[4]: give either value or prefix",
            "roles[5].role: the role auditor takes no unit",
            "roles[6].role: is required with value",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "missing {expected:?} in {errors:#?}"
            );
        }
        assert_eq!(errors.len(), 7, "{errors:#?}");
    }

    #[test]
    fn urls_must_be_http_and_the_callback_path_fixed() {
        let mut c = config(vec![]);
        c.issuer = "idp.example.nl".into();
        c.redirect_url = "https://privacy.example.nl/callback".into();
        let errors = c.validate().unwrap_err();
        assert!(errors[0].starts_with("issuer: expected an http(s) URL"));
        assert!(errors[1].starts_with("redirect_url: expected the server's address"));
        assert!(config(vec![]).validate().is_ok());
    }

    #[test]
    fn usernames_fall_back_and_are_made_safe() {
        let c = config(vec![]);
        assert_eq!(
            c.username(&claims(
                json!({"preferred_username": "J.de Vries", "sub": "1"})
            )),
            "j.de-vries"
        );
        assert_eq!(
            c.username(&claims(json!({"email": "Anna@Uni.NL", "sub": "1"}))),
            "anna-uni.nl"
        );
        assert_eq!(c.username(&claims(json!({"sub": "abc123"}))), "abc123");
        assert_eq!(
            c.username(&claims(json!({"preferred_username": "  ", "sub": "x"}))),
            "x"
        );
        assert!(c.username(&claims(json!({"sub": "a".repeat(100)}))).len() <= 56);
        assert_eq!(
            c.display_name(&claims(
                json!({"given_name": "Anna", "family_name": "de Vries", "sub": "1"})
            )),
            "Anna de Vries"
        );
        assert_eq!(
            c.display_name(&claims(json!({"name": "Dr. A. de Vries"}))),
            "Dr. A. de Vries"
        );
    }
}
