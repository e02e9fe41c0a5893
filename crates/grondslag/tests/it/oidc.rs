//! Single sign-on end to end against a real OpenID provider: the certified `oidc-provider`
//! package from npm, on loopback (tests/oidc-provider/). A person signs in there, comes back
//! with a code, and arrives with an account made just in time and the roles their claims
//! give (issue 3).

use grondslag_domain::sso::SsoConfig;
use grondslag_store::testing::TestDb;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// The provider's process, stopped when the test ends however it ends.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Installs the provider's packages when they are missing (`.ci/run` does it beforehand).
/// Without Node.js the test cannot run: under CI that fails it, elsewhere it says so.
fn node_available() -> bool {
    let dir = provider_dir();
    if Command::new("node").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "Node.js is needed for the SSO test"
        );
        eprintln!("SKIPPED: the SSO test needs Node.js (node and npm on PATH)");
        return false;
    }
    if !dir.join("node_modules/oidc-provider").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    true
}

async fn start_provider(redirect: &str, accounts: &Path) -> Provider {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new("node")
        .arg("provider.mjs")
        .arg(port.to_string())
        .arg(redirect)
        .arg(accounts)
        .current_dir(provider_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let provider = Provider {
        child,
        issuer: format!("http://127.0.0.1:{port}"),
    };
    let discovery = format!("{}/.well-known/openid-configuration", provider.issuer);
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(&discovery).await {
            if r.status() == 200 {
                return provider;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the OpenID provider did not start on {}", provider.issuer);
}

const ACCOUNTS: &str = r#"{
  "anna": {
    "preferred_username": "anna",
    "name": "Anna de Vries",
    "email": "anna@lindenhout.nl",
    "eduperson_entitlement": ["urn:mace:lindenhout.nl:grondslag:privacy_manager:fnwi", "urn:mace:lindenhout.nl:other"]
  },
  "fg": {
    "preferred_username": "fg",
    "name": "Another person called fg",
    "eduperson_entitlement": ["urn:mace:lindenhout.nl:grondslag:fg", "urn:mace:lindenhout.nl:grondslag:privacy_manager:nowhere"]
  }
}"#;

fn config(issuer: &str, base: &str) -> String {
    format!(
        r#"
issuer = "{issuer}"
client_id = "grondslag"
client_secret = "grondslag-test-secret"
redirect_url = "{base}/login/sso/callback"
label = "Lindenhout SSO"
scopes = ["email", "profile", "entitlements"]

[[roles]]
claim = "eduperson_entitlement"
value = "urn:mace:lindenhout.nl:grondslag:fg"
role = "data_protection_officer"

[[roles]]
claim = "eduperson_entitlement"
prefix = "urn:mace:lindenhout.nl:grondslag:privacy_manager:"
role = "privacy_manager"
"#
    )
}

struct SsoApp {
    base: String,
    db: TestDb,
    provider: Provider,
    accounts: tempfile::NamedTempFile,
}

async fn spawn(db: TestDb) -> SsoApp {
    let accounts = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(accounts.path(), ACCOUNTS).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = start_provider(&format!("{base}/login/sso/callback"), accounts.path()).await;
    let config: SsoConfig = toml::from_str(&config(&provider.issuer, &base)).unwrap();
    let mut state = grondslag_web::AppState::new(
        db.store.clone(),
        false,
        grondslag_domain::transfers::TransferRules::builtin(),
    );
    state.sso = Some(std::sync::Arc::new(
        grondslag_web::sso::Sso::new(config, None).unwrap(),
    ));
    let app = grondslag_web::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    SsoApp {
        base,
        db,
        provider,
        accounts,
    }
}

/// A browser-like client: keeps cookies, follows redirects across both servers.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Signs in as `login` at the provider, starting from Grondslag's SSO button; returns the
/// last response, after all redirects.
async fn sign_in(app: &SsoApp, client: &reqwest::Client, login: &str) -> reqwest::Response {
    let login_page = client
        .get(format!("{}/login?next=/findings", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login_page.contains("href=\"/login/sso?next=/findings\""),
        "{login_page}"
    );
    let form = client
        .get(format!("{}/login/sso?next=%2Ffindings", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        form.url().as_str().starts_with(&app.provider.issuer),
        "at the provider: {}",
        form.url()
    );
    let html = form.text().await.unwrap();
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the provider's login form");
    client
        .post(format!("{}{action}", app.provider.issuer))
        .form(&[("login", login)])
        .send()
        .await
        .unwrap()
}

async fn me(app: &SsoApp, client: &reqwest::Client) -> serde_json::Value {
    let res = client
        .get(format!("{}/api/v1/session", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn units(db: &TestDb) {
    for id in ["fnwi", "law"] {
        let unit = grondslag_domain::register::Unit {
            id: id.into(),
            kind: grondslag_domain::vocab::UnitKind::Faculty,
            name_nl: format!("Eenheid {id}"),
            name_en: format!("Unit {id}"),
            parent: None,
        };
        db.store.put_unit("cli:test", unit).await.unwrap();
    }
}

#[tokio::test]
async fn sign_in_creates_the_account_with_roles_from_claims_on_both_backends() {
    if !node_available() {
        return;
    }
    for db in grondslag_store::testing::each_backend().await {
        units(&db).await;
        // A local account that happens to have the name the provider suggests: SSO never
        // takes it over.
        db.store
            .create_user("cli:test", "fg", "Local FG", super::PASSWORD, &[])
            .await
            .unwrap();
        let app = spawn(db).await;

        let anna = browser();
        let done = sign_in(&app, &anna, "anna").await;
        assert_eq!(done.status(), 200);
        assert_eq!(done.url().as_str(), format!("{}/findings", app.base));
        let who = me(&app, &anna).await;
        assert_eq!(who["username"], "anna");
        assert_eq!(who["display_name"], "Anna de Vries");
        assert_eq!(
            who["grants"],
            serde_json::json!([{"role": "privacy_manager", "unit": "fnwi"}]),
            "{who}"
        );

        // The claims change at the provider: at the next sign-in the SSO roles follow, and
        // a role an administrator gave stays.
        app.db
            .store
            .grant(
                "cli:test",
                "anna",
                &grondslag_domain::access::Grant {
                    role: grondslag_domain::access::Role::Auditor,
                    unit: None,
                },
            )
            .await
            .unwrap();
        std::fs::write(
            app.accounts.path(),
            ACCOUNTS.replace("privacy_manager:fnwi", "privacy_manager:law"),
        )
        .unwrap();
        let again = browser();
        assert_eq!(sign_in(&app, &again, "anna").await.status(), 200);
        let who = me(&app, &again).await;
        assert_eq!(who["username"], "anna", "the same account, not a new one");
        assert_eq!(
            who["grants"],
            serde_json::json!([
                {"role": "auditor", "unit": null},
                {"role": "privacy_manager", "unit": "law"}
            ]),
            "{who}"
        );

        // A second person whose suggested name is taken gets another; a role for a unit
        // that is not in the register is left out.
        let other = browser();
        assert_eq!(sign_in(&app, &other, "fg").await.status(), 200);
        let who = me(&app, &other).await;
        assert_eq!(who["username"], "fg-2");
        assert_eq!(
            who["grants"],
            serde_json::json!([{"role": "data_protection_officer", "unit": null}])
        );
        // A password never opens an SSO account.
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/session", app.base))
            .json(&serde_json::json!({"username": "fg-2", "password": "!sso"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        let log = app.db.store.audit_recent(100).await.unwrap();
        let actions: Vec<(&str, &str)> = log
            .iter()
            .filter(|e| e.entity_id == "anna")
            .map(|e| (e.actor.as_str(), e.action.as_str()))
            .collect();
        let issuer = format!("sso:{}", app.provider.issuer);
        for expected in [
            (issuer.as_str(), "user.create"),
            (issuer.as_str(), "user.grant"),
            (issuer.as_str(), "user.revoke"),
            ("user:anna", "session.login"),
        ] {
            assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
        }
        assert!(app.db.store.verify_audit_chain().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn refused_forged_and_replayed_sign_ins_open_no_session() {
    if !node_available() {
        return;
    }
    let db = grondslag_store::testing::sqlite().await;
    let app = spawn(db).await;

    // The provider refuses (an unknown person): back on the login page, no session.
    let client = browser();
    let res = sign_in(&app, &client, "nobody").await;
    assert_eq!(res.status(), 401);
    assert!(res.url().path().starts_with("/login/sso/callback"));
    assert!(res.text().await.unwrap().contains("id=\"login-error\""));
    let res = client
        .get(format!("{}/api/v1/session", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Login CSRF: a callback begun in another browser carries a state this browser never
    // had. Stop one sign-in just before it comes back and hand its URL to another client.
    let attacker = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(|a| {
            if a.url().path() == "/login/sso/callback" {
                a.stop()
            } else {
                a.follow()
            }
        }))
        .build()
        .unwrap();
    let stopped = sign_in(&app, &attacker, "anna").await;
    let callback = stopped.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.contains("/login/sso/callback?code="), "{callback}");
    let victim = browser();
    let res = victim.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = victim
        .get(format!("{}/api/v1/session", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // The attacker's own browser may not finish it either now: the state was used up.
    let res = attacker.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 401);
}
