//! One integration test binary: the HTTP API and UI on a real server bound to 127.0.0.1:0,
//! and the command line as users run it.

mod access;
mod api;
mod browser;
mod cli;
mod consent;
mod consent_audience;
mod consent_notices;
mod fulfilment;
mod node;
mod oidc;
mod opendsr;
mod public_request;
mod requests;
mod ui;

use grondslag_store::testing::TestDb;

pub const PASSWORD: &str = "correct horse battery";

/// A server on its own port and database, and a client that keeps cookies.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDb,
}

impl TestApp {
    /// Binds first, then spawns, so the server accepts connections before the test starts.
    pub async fn spawn(db: TestDb) -> TestApp {
        Self::spawn_with(db, |_, _| {}).await
    }

    /// [`TestApp::spawn`] with the server's state set up by `configure`, which also gets the
    /// server's address (a consent key, a mailer, the public URL).
    pub async fn spawn_with(
        db: TestDb,
        configure: impl FnOnce(&mut grondslag_web::AppState, &str),
    ) -> TestApp {
        db.store
            .create_user(
                "cli:test",
                "fg",
                "Functionaris",
                PASSWORD,
                &[grondslag_domain::access::Grant {
                    role: grondslag_domain::access::Role::Dpo,
                    unit: None,
                }],
            )
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = grondslag_web::AppState::new(
            db.store.clone(),
            false,
            grondslag_domain::transfers::TransferRules::builtin(),
        );
        configure(&mut state, &base);
        let app = grondslag_web::app(state);
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp { base, client, db }
    }

    /// GETs `path` and reads the answer as JSON, whatever its status.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn api_login(&self) {
        let res = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": "fg", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    /// A unit to put activities in.
    pub async fn seed_units(&self) {
        for (id, parent) in [("fnwi", None), ("imapp", Some("fnwi")), ("law", None)] {
            let unit = grondslag_domain::register::Unit {
                id: id.into(),
                kind: grondslag_domain::vocab::UnitKind::Faculty,
                name_nl: format!("Eenheid {id}"),
                name_en: format!("Unit {id}"),
                parent: parent.map(Into::into),
            };
            self.db.store.put_unit("cli:test", unit).await.unwrap();
        }
    }
}

/// A browser: keeps cookies, does not follow redirects, asks for `lang`.
pub fn browser(lang: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ACCEPT_LANGUAGE, lang.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The value of the hidden anti-forgery field of a page.
pub fn form_token(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page has a form token")
        .to_string()
}
