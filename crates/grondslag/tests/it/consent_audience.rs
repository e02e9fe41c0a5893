//! The audience filter page (CON-5, CON-6; html/consent_audience.rs) on both databases: a
//! communication officer uploads a CSV, sees the counts and the reasons in their language and
//! downloads the allowed subset; a staff member may not use the page.

use crate::{TestApp, PASSWORD};
use chrono::{Duration, DurationRound, TimeDelta, Utc};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::consent::{Notice, PseudonymKey};
use grondslag_store::testing::TestDb;
use serde_json::{json, Value};

/// A server with the ledger's secret, its client logged in to the API as the FG.
async fn spawn(db: TestDb) -> TestApp {
    db.store
        .create_user(
            "cli:test",
            "fg",
            "Functionaris",
            PASSWORD,
            &[Grant {
                role: Role::Dpo,
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
    state.consent_key = Some(std::sync::Arc::new(PseudonymKey::new(&[42; 32]).unwrap()));
    let app = grondslag_web::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let app = TestApp {
        base,
        client: browser(),
        db,
    };
    app.api_login().await;
    app.seed_units().await;
    for (name, role, unit) in [
        ("comms", Role::CommunicationOfficer, None),
        ("staff", Role::Staff, Some("imapp".into())),
    ] {
        app.db
            .store
            .create_user("cli:test", name, name, PASSWORD, &[Grant { role, unit }])
            .await
            .unwrap();
    }
    app
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser logged in to the UI as `username`.
async fn ui_login(app: &TestApp, username: &str) -> reqwest::Client {
    let client = browser();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("next", "/activities"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{username} logs in");
    client
}

fn notice() -> Notice {
    Notice {
        id: "werving".into(),
        version: "1".into(),
        language: "nl".into(),
        text: "Ja, u mag mij benaderen.".into(),
    }
}

fn consent(who: &str, activity: &str, at: chrono::DateTime<Utc>) -> Value {
    json!({"identifier": {"kind": "email", "value": format!("{who}@uni.nl")},
           "activity": activity, "at": at.to_rfc3339(), "type": "consent_given",
           "notice": notice().hash().to_hex(), "method": "web_form", "explicit": false,
           "evidence": "submission 1"})
}

/// A multipart/form-data body as a browser sends the page's form with a file chosen.
fn multipart(fields: &[(&str, &str)], file: &str) -> (String, Vec<u8>) {
    let boundary = "----grondslagtest7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lijst.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

fn token_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    html[at..at + 64].to_string()
}

#[tokio::test]
async fn a_communication_officer_filters_an_audience_in_the_browser_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let app = spawn(db).await;
        let res = app
            .client
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "Werving", "unit": "imapp", "purposes": ["direct_marketing"],
                          "data_categories": [{"category": "contact_details", "legal_basis": "consent"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let activity = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let t = Utc::now()
            .duration_trunc(TimeDelta::microseconds(1))
            .unwrap()
            - Duration::days(2);
        let mut objection = json!({"identifier": {"kind": "email", "value": "bezwaar@uni.nl"},
                                   "type": "direct_marketing_objection"});
        objection["at"] = json!((t + Duration::days(1)).to_rfc3339());
        let res = app
            .client
            .post(app.url("/api/v1/consent/events"))
            .json(&json!({"notices": [notice()], "items": [
                consent("ja", &activity, t),
                consent("bezwaar", &activity, t),
                objection,
            ]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

        // A staff member sees neither the page nor the link to it.
        let staff = ui_login(&app, "staff").await;
        let res = staff
            .get(app.url("/consent/audience"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let html = staff
            .get(app.url("/activities"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("href=\"/consent/audience\""));
        let (ct, body) = multipart(
            &[
                ("csrf", &token_of(&html)),
                ("activity", &activity),
                ("action", "report"),
            ],
            "ja@uni.nl\n",
        );
        let res = staff
            .post(app.url("/consent/audience"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);

        // The communication officer: the link in the navigation, the form, the report.
        let comms = ui_login(&app, "comms").await;
        let res = comms
            .get(app.url("/consent/audience"))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains("href=\"/consent/audience\""), "{html}");
        assert!(html.contains("enctype=\"multipart/form-data\""));
        assert!(html.contains(&format!("<option value=\"{activity}\">Werving</option>")));
        let token = token_of(&html);
        let csv = "email\nja@uni.nl\nbezwaar@uni.nl\nonbekend@uni.nl\n";
        let post = |action: &'static str, token: String, lang: &'static str| {
            let (client, url, activity) = (
                comms.clone(),
                app.url("/consent/audience"),
                activity.clone(),
            );
            async move {
                let (ct, body) = multipart(
                    &[
                        ("csrf", &token),
                        ("activity", &activity),
                        ("text", ""),
                        ("action", action),
                    ],
                    csv,
                );
                client
                    .post(url)
                    .header("content-type", ct)
                    .header("accept-language", lang)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let res = post("report", token.clone(), "en").await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains("<td id=\"audience-total\">3</td>"), "{html}");
        assert!(html.contains("<td id=\"audience-allowed\">1</td>"));
        assert!(
            html.contains("<tr><td>Objection to direct marketing</td><td>1</td></tr>"),
            "{html}"
        );
        assert!(html.contains("<tr><td>No consent recorded</td><td>1</td></tr>"));
        assert!(!html.contains("ja@uni.nl"), "no identifiers in the report");
        let removed = &html[html.find("id=\"removed\"").expect("a table of removals")..];
        assert_eq!(removed.matches("<tr><td>").count(), 2, "{removed}");
        // The same in Dutch: the reasons come from the i18n layer.
        let res = post("report", token.clone(), "nl").await;
        let html = res.text().await.unwrap();
        assert!(html.contains("Mogen benaderd worden"), "{html}");
        assert!(html.contains("<tr><td>Bezwaar tegen direct marketing</td><td>1</td></tr>"));
        assert!(html.contains("<tr><td>Geen toestemming vastgelegd</td><td>1</td></tr>"));

        // A pasted list, as an ordinary form: a duplicate and a malformed line are counted.
        let res = comms
            .post(app.url("/consent/audience"))
            .header("accept-language", "en")
            .form(&[
                ("csrf", token.as_str()),
                ("activity", activity.as_str()),
                ("text", "JA@uni.nl\nja@uni.nl\nkapot\n"),
                ("action", "report"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains("<td id=\"audience-total\">3</td>"), "{html}");
        assert!(html.contains("<td id=\"audience-allowed\">1</td>"));
        assert!(html.contains("Appears more than once in the list</td><td>1</td>"));
        assert!(html.contains("Not a valid e-mail address or phone number</td><td>1</td>"));

        // The download: the allowed subset as CSV.
        let res = post("download", token.clone(), "en").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let disposition = res.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"audience-"),
            "{disposition}"
        );
        assert_eq!(res.text().await.unwrap(), "identifier\nja@uni.nl\n");

        // Without the session's token the form is refused.
        let res = post("download", "0".repeat(64), "en").await;
        assert_eq!(res.status(), 403);
        app.db.cleanup().await;
    }
}
