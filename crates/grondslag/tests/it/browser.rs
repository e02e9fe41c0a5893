//! The product in a real browser: headless Chromium, driven over WebDriver by Debian's
//! chromedriver. Log in, create and submit an activity, log out, and see that the session
//! cookie no longer opens anything.

use crate::{TestApp, PASSWORD};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Starts chromedriver on a free port, or says why it cannot.
async fn start_driver() -> Option<(Driver, String)> {
    let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(path) = path else {
        assert!(
            !in_ci(),
            "CI=true but chromedriver is missing: .ci/run installs chromium and chromium-driver"
        );
        eprintln!("note: chromedriver is not installed (apt-get install chromium chromium-driver); the browser test is skipped");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver has no way to say it is ready but its status endpoint: ask, for at most 20 s.
    for _ in 0..200 {
        if reqwest::get(format!("{url}/status"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Some((driver, url));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

#[tokio::test]
async fn log_in_create_submit_and_log_out_in_chromium() {
    let Some((_driver, driver_url)) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    app.seed_units().await;

    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--lang=en-GB"]
        }),
    );
    // The test build links rustls with both ring (reqwest) and aws-lc-rs (fantoccini's
    // hyper-rustls), so it cannot pick a provider by itself.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&driver_url)
        .await
        .expect("a Chromium session");

    c.goto(&app.url("/activities")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "a stranger is sent to the login page"
    );
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("fg")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // A click returns before the next page has loaded: wait for it.
    c.wait().for_element(Locator::Id("q")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/activities");

    c.goto(&app.url("/activities/new")).await.unwrap();
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Tentamenrooster in de browser")
        .await
        .unwrap();
    c.find(Locator::Css("#unit option[value='imapp']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.activity .actions button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("form[action$='/transition']"))
        .await
        .unwrap();
    let path = c.current_url().await.unwrap().path().to_string();
    assert!(
        path.starts_with("/activities/") && path.len() > "/activities/".len() + 30,
        "saved and shown: {path}"
    );

    c.find(Locator::Css("form[action$='/transition'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = c
        .wait()
        .for_element(Locator::Css("h1 + .status-submitted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ["Submitted", "Aangemeld"].contains(&status.as_str()),
        "{status}"
    );

    let cookie = c
        .get_named_cookie("grondslag_session")
        .await
        .unwrap()
        .value()
        .to_string();
    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("username")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.close().await.unwrap();

    // The old cookie, replayed, opens nothing any more.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = stale
        .get(app.url("/activities"))
        .header("cookie", format!("grondslag_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    let entries = app.db.store.audit_recent(3).await.unwrap();
    assert_eq!(entries[0].action, "session.logout");
}
