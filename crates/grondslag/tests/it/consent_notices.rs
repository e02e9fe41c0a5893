//! Managed consent notices and the hosted consent form end to end (issue 5, "Collecting
//! consent"; CON-1, CON-3, LAW-5): the real router, a real SMTP server on loopback and both
//! databases. A notice is drafted, published and served as JSON; a visitor gives consent on
//! the hosted form, follows the link from the e-mail and the decision flips to allowed;
//! withdrawing on the same page flips it back; GPC, expired and reused links, drafts, new
//! versions, explicit consent, retirement and the staff pages.

use crate::node::{Received, SmtpServer};
use crate::{browser, form_token, TestApp, PASSWORD};
use grondslag_domain::consent::PseudonymKey;
use grondslag_store::testing::TestDb;
use grondslag_web::mail::Mailer;
use serde_json::{json, Value};
use std::sync::Arc;

const FROM: &str = "Privacy Lindenhout <privacy@lindenhout.example>";
const NOTICE: &str = "alumni-newsletter";
const TEXT_NL: &str = "Ja, stuur mij de alumninieuwsbrief.\n\nIk kan dit altijd intrekken.";
const TEXT_EN: &str = "Yes, send me the alumni newsletter.\n\nI can withdraw this at any time.";

struct App {
    base: String,
    /// Logged in as the FG.
    staff: reqwest::Client,
    db: TestDb,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The server with the ledger's key, its public address and, when given, e-mail.
async fn spawn(db: TestDb, smtp: Option<&SmtpServer>) -> App {
    let t = TestApp::spawn_with(db, |state, base| {
        state.behind_proxy = true;
        state.consent_key = Some(Arc::new(PseudonymKey::new(&[7; 32]).unwrap()));
        state.public_url = Some(base.to_string());
        state.mailer = smtp.map(|s| Arc::new(Mailer::new(&s.url(), FROM).unwrap()));
    })
    .await;
    t.seed_units().await;
    let staff = browser("en");
    let res = staff
        .post(t.url("/api/v1/session"))
        .json(&json!({"username": "fg", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    App {
        base: t.base,
        staff,
        db: t.db,
    }
}

/// The SHA-256 of a text, as the ledger computes it for a notice.
fn sha256(text: &str) -> String {
    grondslag_domain::consent::Notice {
        id: String::new(),
        version: String::new(),
        language: "en".into(),
        text: text.into(),
    }
    .hash()
    .to_hex()
}

async fn activity(app: &App, body: Value) -> String {
    let res = app
        .staff
        .post(app.url("/api/v1/activities"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Sends a JSON call as the FG; the status and the body.
async fn call(app: &App, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.staff.request(method, app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn email(who: &str) -> Value {
    json!({"kind": "email", "value": format!("{who}@alumni.example")})
}

async fn decision(app: &App, who: &str, activity: &str) -> Value {
    let (status, v) = call(
        app,
        reqwest::Method::POST,
        "/api/v1/consent/decision",
        Some(json!({"identifier": email(who), "activity": activity})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn timeline(app: &App, who: &str) -> Vec<Value> {
    let (status, v) = call(
        app,
        reqwest::Method::POST,
        "/api/v1/consent/subject",
        Some(json!({"identifier": email(who)})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["events"].as_array().unwrap().clone()
}

/// The confirmation link in the newest e-mail to `who`.
fn link_for(smtp: &SmtpServer, who: &str) -> (Received, String) {
    let mail = smtp
        .messages()
        .into_iter()
        .rev()
        .find(|m| m.to.iter().any(|t| t == &format!("{who}@alumni.example")))
        .unwrap_or_else(|| panic!("no e-mail to {who}"));
    let link = mail
        .text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link in {:?}", mail.text))
        .to_string();
    (mail, link)
}

/// Posts one of the hosted form's two forms from a browser that opened the page.
async fn post_form(
    app: &App,
    client: &reqwest::Client,
    from: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = client
        .get(app.url(&format!("/consent/{NOTICE}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let token = form_token(&page.text().await.unwrap());
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    client
        .post(app.url(&format!("/consent/{NOTICE}")))
        .header("x-forwarded-for", from)
        .form(&all)
        .send()
        .await
        .unwrap()
}

/// Opens a link and presses its button; `gpc` sends `Sec-GPC: 1` with the press.
async fn follow(client: &reqwest::Client, link: &str, gpc: bool) -> reqwest::Response {
    let page = client.get(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let token = form_token(&page.text().await.unwrap());
    let mut req = client.post(link).form(&[("csrf", token.as_str())]);
    if gpc {
        req = req.header("sec-gpc", "1");
    }
    req.send().await.unwrap()
}

async fn published_json(app: &App) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&format!("/api/v1/consent/notices/{NOTICE}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_notice_is_published_and_collects_consent_through_the_hosted_form_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let backend = db.backend;
        let app = spawn(db, Some(&smtp)).await;
        let newsletter = activity(&app, json!({"name": "Alumninieuwsbrief", "unit": "imapp", "purposes": ["alumni_relations"], "data_categories": [{"category": "contact_details", "legal_basis": "consent"}]})).await;
        use reqwest::Method as M;

        // A draft is neither served as JSON nor on the form.
        let (status, v) = call(
            &app,
            M::POST,
            "/api/v1/consent/notices",
            Some(json!({"id": NOTICE, "activity": newsletter, "text_nl": TEXT_NL, "text_en": TEXT_EN})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        assert_eq!(v["status"], "draft");
        assert_eq!(v["hash_en"], sha256(TEXT_EN));
        assert_eq!(published_json(&app).await.status(), 404, "{backend}");
        let page = browser("en")
            .get(app.url(&format!("/consent/{NOTICE}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 404, "{backend}");

        let (status, v) = call(
            &app,
            M::POST,
            &format!("/api/v1/consent/notices/{NOTICE}/publish"),
            Some(json!({"version": 1})),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {v}");
        assert_eq!(v["status"], "published");

        // The banner's JSON: texts, hashes, where to record; public, cacheable, CORS.
        let res = published_json(&app).await;
        assert_eq!(res.status(), 200);
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
        assert!(res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public"));
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["activity"], newsletter.as_str());
        assert_eq!(v["explicit"], false);
        assert_eq!(v["texts"]["en"]["text"], TEXT_EN);
        assert_eq!(v["texts"]["en"]["hash"], sha256(TEXT_EN));
        assert_eq!(v["texts"]["nl"]["hash"], sha256(TEXT_NL));
        assert_eq!(
            v["record"]["url"],
            app.url("/api/v1/consent/events").as_str()
        );
        let again = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/consent/notices/{NOTICE}")))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);

        // The hosted form: the text in the visitor's language, an unticked box.
        let anna = browser("en");
        let page = anna
            .get(app.url(&format!("/consent/{NOTICE}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("<p>Yes, send me the alumni newsletter.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<input type=\"checkbox\" id=\"agree\" name=\"agree\" value=\"yes\">")
        );
        assert!(html.contains("<label for=\"email\">Your e-mail address</label>"));
        assert!(html.contains("Withdraw my consent"));

        // Without the box ticked, nothing happens; the error names the field.
        let res = post_form(
            &app,
            &anna,
            "192.0.2.1",
            &[("action", "give"), ("email", "anna@alumni.example")],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("<p class=\"error\" id=\"agree-error\">Tick the box to give consent.</p>"));
        // A forged post without the browser's token is refused.
        let forged = browser("en")
            .post(app.url(&format!("/consent/{NOTICE}")))
            .form(&[
                ("csrf", "0".repeat(64).as_str()),
                ("action", "give"),
                ("agree", "yes"),
                ("email", "anna@alumni.example"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);

        let res = post_form(
            &app,
            &anna,
            "192.0.2.1",
            &[
                ("action", "give"),
                ("agree", "yes"),
                ("email", "anna@alumni.example"),
            ],
        )
        .await;
        assert_eq!(res.status(), 200, "{backend}");
        assert!(res.text().await.unwrap().contains("Check your e-mail"));
        // Double opt-in: nothing is recorded before the link is followed.
        assert_eq!(
            decision(&app, "anna", &newsletter).await["reason"],
            "no_consent"
        );
        let (mail, link) = link_for(&smtp, "anna");
        assert_eq!(mail.subject, "Confirm your consent");
        assert!(link.starts_with(&app.url(&format!("/consent/{NOTICE}/confirm/"))));

        let res = follow(&anna, &link, false).await;
        assert_eq!(res.status(), 200, "{backend}");
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("Your consent was recorded at"));
        let d = decision(&app, "anna", &newsletter).await;
        assert_eq!(d["allowed"], true, "{backend}: {d}");
        assert_eq!(d["reason"], "consent_in_force");
        let events = timeline(&app, "anna").await;
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e["type"], "consent_given");
        assert_eq!(e["method"], "web_form");
        assert_eq!(e["notice"], sha256(TEXT_EN));
        assert_eq!(e["explicit"], false);
        assert_eq!(
            e["recorded_by"],
            json!({"kind": "system", "name": "hosted-form"})
        );
        assert!(e["evidence"]
            .as_str()
            .unwrap()
            .starts_with("double opt-in confirmed"));

        // The link is used up.
        let reused = anna.get(&link).send().await.unwrap();
        assert_eq!(reused.status(), 404);

        // Withdrawing is as easy: the same page, an address, a link.
        let res = post_form(
            &app,
            &anna,
            "192.0.2.1",
            &[("action", "withdraw"), ("email", "anna@alumni.example")],
        )
        .await;
        assert_eq!(res.status(), 200, "{backend}");
        let (mail, link) = link_for(&smtp, "anna");
        assert_eq!(mail.subject, "Confirm the withdrawal of your consent");
        let res = follow(&anna, &link, false).await;
        assert_eq!(res.status(), 200);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("Your withdrawal was recorded at"));
        let events = timeline(&app, "anna").await;
        assert_eq!(events[1]["type"], "consent_withdrawn");
        let d = decision(&app, "anna", &newsletter).await;
        assert_eq!(d["allowed"], false, "{backend}: {d}");
        assert_eq!(d["reason"], "consent_withdrawn");
        assert_eq!(
            d["since"]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
            events[1]["at"]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        );

        // Global Privacy Control on the confirming request: an objection to targeting.
        let bob = browser("nl");
        let res = post_form(
            &app,
            &bob,
            "192.0.2.2",
            &[
                ("action", "give"),
                ("agree", "yes"),
                ("email", "bob@alumni.example"),
            ],
        )
        .await;
        assert_eq!(res.status(), 200);
        let (mail, link) = link_for(&smtp, "bob");
        assert_eq!(mail.subject, "Bevestig uw toestemming");
        let res = follow(&bob, &link, true).await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("Global Privacy Control"));
        let events = timeline(&app, "bob").await;
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["consent_given", "gpc_signal"], "{backend}");
        assert_eq!(events[0]["notice"], sha256(TEXT_NL), "bob read Dutch");

        // An expired link is refused, and records nothing.
        let res = post_form(
            &app,
            &bob,
            "192.0.2.2",
            &[("action", "withdraw"), ("email", "bob@alumni.example")],
        )
        .await;
        assert_eq!(res.status(), 200);
        let (_, link) = link_for(&smtp, "bob");
        app.db
            .store
            .execute_raw_for_tests(
                "UPDATE consent_form_confirmations SET created_at = '2000-01-01 00:00:00+00:00'",
            )
            .await
            .unwrap();
        assert_eq!(bob.get(&link).send().await.unwrap().status(), 404);
        assert_eq!(timeline(&app, "bob").await.len(), 2);

        // A changed text is a new version with a new hash; the old one stays served until
        // the new one is published.
        let changed = format!("{TEXT_EN} We send it four times a year.");
        let (status, v) = call(
            &app,
            M::PUT,
            &format!("/api/v1/consent/notices/{NOTICE}"),
            Some(json!({"activity": newsletter, "text_nl": TEXT_NL, "text_en": changed})),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            (v["version"].as_u64(), v["status"].as_str()),
            (Some(2), Some("draft"))
        );
        assert_eq!(v["hash_en"], sha256(&changed));
        let v: Value = published_json(&app).await.json().await.unwrap();
        assert_eq!(v["version"], 1);
        let (status, _) = call(
            &app,
            M::POST,
            &format!("/api/v1/consent/notices/{NOTICE}/publish"),
            Some(json!({"version": 2})),
        )
        .await;
        assert_eq!(status, 200);
        let res = published_json(&app).await;
        assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["version"], 2);
        assert_eq!(v["texts"]["en"]["hash"], sha256(&changed));
        let (_, versions) = call(
            &app,
            M::GET,
            &format!("/api/v1/consent/notices/{NOTICE}/versions"),
            None,
        )
        .await;
        let states: Vec<(u64, &str)> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_u64().unwrap(),
                    v["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(states, [(2, "published"), (1, "retired")]);

        // Retired: no more consent asked, not served as JSON, withdrawal still offered.
        let (status, _) = call(
            &app,
            M::POST,
            &format!("/api/v1/consent/notices/{NOTICE}/retire"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(published_json(&app).await.status(), 404);
        let html = anna
            .get(app.url(&format!("/consent/{NOTICE}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("id=\"agree\""));
        assert!(html.contains("Withdraw my consent"));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn publishing_checks_the_activity_and_explicit_consent_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let app = spawn(db, None).await;
        use reqwest::Method as M;
        let research = activity(&app, json!({"name": "Gezondheidsonderzoek", "unit": "imapp", "data_categories": [{"category": "health", "legal_basis": "consent", "art9_exception": "art9_explicit_consent"}]})).await;
        let (status, v) = call(
            &app,
            M::POST,
            "/api/v1/consent/notices",
            Some(json!({"id": "Bad Id", "activity": "nope", "text_nl": "", "text_en": "x"})),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        let paths: Vec<&str> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        for p in ["id", "activity", "text_nl"] {
            assert!(paths.contains(&p), "{p} in {v}");
        }
        let (status, _) = call(
            &app,
            M::POST,
            "/api/v1/consent/notices",
            Some(json!({"id": "study", "activity": research, "text_nl": "Ja.", "text_en": "Yes."})),
        )
        .await;
        assert_eq!(status, 201);
        let (status, v) = call(
            &app,
            M::POST,
            "/api/v1/consent/notices/study/publish",
            Some(json!({"version": 1})),
        )
        .await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["errors"][0]["path"], "explicit");
        assert_eq!(v["errors"][0]["code"], "explicit_required");
        let (status, v) = call(
            &app,
            M::PUT,
            "/api/v1/consent/notices/study",
            Some(json!({"activity": research, "explicit": true, "text_nl": "Ja, uitdrukkelijk.", "text_en": "Yes, explicitly."})),
        )
        .await;
        assert_eq!(
            (status, v["version"].as_u64()),
            (200, Some(1)),
            "a draft is edited in place"
        );
        let (status, v) = call(
            &app,
            M::POST,
            "/api/v1/consent/notices/study/publish",
            Some(json!({"version": 2})),
        )
        .await;
        assert_eq!(status, 412, "only the newest draft is published: {v}");
        let (status, v) = call(
            &app,
            M::POST,
            "/api/v1/consent/notices/study/publish",
            Some(json!({"version": 1})),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["explicit"], true);
        // Without e-mail the hosted form takes nothing.
        let page = browser("en")
            .get(app.url("/consent/study"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 503);
        assert!(page.text().await.unwrap().contains("not available"));
        // Every write is in the audit chain.
        let entries = app
            .db
            .store
            .audit_for("consent_notice", "study", 10)
            .await
            .unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "consent_notice.publish",
                "consent_notice.save",
                "consent_notice.create"
            ]
        );
        assert!(app.db.store.verify_audit_chain().await.unwrap().is_ok());
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn staff_draft_publish_and_retire_notices_in_the_ui() {
    let app = spawn(grondslag_store::testing::sqlite().await, None).await;
    let newsletter = activity(&app, json!({"name": "Alumninieuwsbrief", "unit": "imapp", "data_categories": [{"category": "contact_details", "legal_basis": "consent"}]})).await;
    let page = app
        .staff
        .get(app.url("/consent/notices/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<label for=\"text_nl\">Dutch text</label>"),
        "{html}"
    );
    let csrf = form_token(&html);
    let fields = |id: &str, text_en: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("id".into(), id.into()),
            ("activity".into(), newsletter.clone()),
            ("text_nl".into(), TEXT_NL.into()),
            ("text_en".into(), text_en.into()),
        ]
    };
    let res = app
        .staff
        .post(app.url("/consent/notices/new"))
        .form(&fields("notices", TEXT_EN))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("This id is used by Grondslag itself; choose another."));
    let res = app
        .staff
        .post(app.url("/consent/notices/new"))
        .form(&fields(NOTICE, TEXT_EN))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/consent/notices/{NOTICE}")
    );
    let html = app
        .staff
        .get(app.url(&format!("/consent/notices/{NOTICE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Version 1: Draft"), "{html}");
    assert!(html.contains(&sha256(TEXT_EN)));
    let res = app
        .staff
        .post(app.url(&format!("/consent/notices/{NOTICE}/publish")))
        .form(&[("csrf", csrf.as_str()), ("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let list = app
        .staff
        .get(app.url("/consent/notices"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!(
        "<a href=\"/consent/notices/{NOTICE}\">{NOTICE}</a>"
    )));
    assert!(
        list.contains("<td>Alumninieuwsbrief</td><td>1</td><td>Published</td>"),
        "{list}"
    );
    let res = app
        .staff
        .post(app.url(&format!("/consent/notices/{NOTICE}/retire")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = app
        .staff
        .get(app.url(&format!("/consent/notices/{NOTICE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Version 1: Retired"));
    // An auditor reads notices but cannot write them.
    app.db
        .store
        .create_user(
            "cli:test",
            "audit",
            "Auditor",
            PASSWORD,
            &[grondslag_domain::access::Grant {
                role: grondslag_domain::access::Role::Auditor,
                unit: None,
            }],
        )
        .await
        .unwrap();
    let auditor = browser("en");
    auditor
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "audit", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let html = auditor
        .get(app.url(&format!("/consent/notices/{NOTICE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("/edit\""));
    assert_eq!(
        auditor
            .get(app.url("/consent/notices/new"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}
