//! Data-subject requests through the real router: the API for systems and the FG office's
//! pages, on both databases (DSR-1 to DSR-3, DSR-6).

use crate::{TestApp, PASSWORD};
use chrono::{Days, Utc};
use serde_json::{json, Value};

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

async fn post(app: &TestApp, path: &str, body: Value, if_match: Option<i64>) -> (u16, Value) {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(v) = if_match {
        req = req.header("if-match", format!("\"{v}\""));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn problem_paths(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["path"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_api_takes_in_handles_and_queues_requests_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let app = TestApp::spawn(db).await;
        app.api_login().await;

        // Bad intake: every problem at its field, nothing written.
        let (status, problem) = post(
            &app,
            "/api/v1/requests",
            json!({"rights": [], "name": "", "email": "nope", "channel": "letter", "received_on": today() + Days::new(2)}),
            None,
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(
            problem_paths(&problem),
            vec!["rights", "name", "email", "received_on"]
        );
        let (status, _) = post(
            &app,
            "/api/v1/requests",
            json!({"rights": ["right_of_access"], "name": "A", "email": "a@b.nl", "channel": "pigeon", "received_on": today()}),
            None,
        )
        .await;
        assert_eq!(status, 400, "an unknown channel is malformed input");

        let received = today() - Days::new(40);
        let (status, old) = post(
            &app,
            "/api/v1/requests",
            json!({"rights": ["right_of_access", "right_to_erasure"], "name": "Anna de Vries", "email": "anna@example.nl", "channel": "letter", "received_on": received}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{old}");
        assert_eq!(old["request"]["state"], "received");
        assert_eq!(old["deadline"]["status"], "deadline_overdue");
        assert_eq!(old["deadline"]["extension_closed"], true);
        assert_eq!(old["timeline"][0]["action"], "create");
        let (_, new) = post(
            &app,
            "/api/v1/requests",
            json!({"rights": ["right_to_portability"], "name": "Bram", "phone": "+31 20 123 4567", "channel": "phone", "received_on": today()}),
            None,
        )
        .await;
        let old_ref = old["request"]["reference"].as_str().unwrap();
        let new_id = new["request"]["id"].as_str().unwrap();

        // The queue: by deadline, the overdue one first.
        let (_, queue) = get(&app, "/api/v1/requests").await;
        assert_eq!(queue["total"], 2);
        assert_eq!(queue["items"][0]["reference"], old_ref);
        assert_eq!(queue["items"][1]["status"], "deadline_open");

        // Too late to extend the old one: refused, citing the article.
        let (_, verified) = post(
            &app,
            &format!("/api/v1/requests/{old_ref}/actions"),
            json!({"action": "verify_identity", "method": "known_contact_details"}),
            Some(1),
        )
        .await;
        assert_eq!(verified["request"]["state"], "identity_verified");
        let (status, problem) = post(
            &app,
            &format!("/api/v1/requests/{old_ref}/actions"),
            json!({"action": "extend", "reason": "complexity", "explanation": "zes systemen", "notice_sent_on": today()}),
            Some(2),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(problem_paths(&problem), vec!["notice_sent_on"]);
        assert!(problem.to_string().contains("RU 4:11 lid 4"), "{problem}");
        // A stale version is refused.
        let (status, _) = post(
            &app,
            &format!("/api/v1/requests/{old_ref}/actions"),
            json!({"action": "start"}),
            Some(1),
        )
        .await;
        assert_eq!(status, 412);

        // The new one can be extended in time, after its identity is established.
        for action in [
            json!({"action": "verify_identity", "method": "in_person_check", "note": "collegekaart gezien"}),
            json!({"action": "extend", "reason": "number_of_requests", "explanation": "Veel verzoeken tegelijk.", "notice_sent_on": today()}),
            json!({"action": "assign", "handler": "fg"}),
        ] {
            let (status, body) = post(
                &app,
                &format!("/api/v1/requests/{new_id}/actions"),
                action,
                None,
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let (_, detail) = get(&app, &format!("/api/v1/requests/{new_id}")).await;
        assert_eq!(detail["request"]["state"], "extended");
        assert_eq!(detail["request"]["handler"], "fg");
        let steps: Vec<&str> = detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(steps, vec!["create", "verify_identity", "extend", "assign"]);
        let due: chrono::NaiveDate = detail["deadline"]["due"].as_str().unwrap().parse().unwrap();
        assert!(due >= today() + Days::new(88), "three months: {due}");

        // Refused with a legal ground: out of the queue.
        let (status, _) = post(
            &app,
            &format!("/api/v1/requests/{old_ref}/actions"),
            json!({"action": "refuse", "grounds": ["limit_rights_of_others"], "reasons": "De gegevens gaan ook over anderen."}),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (_, queue) = get(&app, "/api/v1/requests").await;
        assert_eq!(queue["total"], 1);
        let (_, all) = get(&app, "/api/v1/requests?open=false").await;
        assert_eq!(all["total"], 2);
        let (_, stats) = get(&app, "/api/v1/requests/statistics").await;
        let n: i64 = stats
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .sum();
        assert_eq!(n, 3, "{stats}");
        let (status, _) = get(&app, "/api/v1/requests/DSR-1999-0001").await;
        assert_eq!(status, 404);
    }
}

async fn csrf(app: &TestApp, html: &str) -> String {
    let _ = app;
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF token") + 19;
    html[at..at + 64].to_string()
}

#[tokio::test]
async fn the_office_takes_in_and_handles_a_request_in_the_ui() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "fg"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let form = app
        .client
        .get(app.url("/requests/new"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf(&app, &form).await;
    assert!(form.contains("<legend>Rights exercised</legend>"), "{form}");

    // Errors at their fields, nothing written.
    let res = app
        .client
        .post(app.url("/requests/new"))
        .header("accept-language", "en")
        .form(&[
            ("csrf", token.as_str()),
            ("name", ""),
            ("email", "x"),
            ("channel", "letter"),
            ("received_on", "yesterday"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for id in ["rights-error", "name-error", "received_on-error"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} in {html}");
    }

    let received = (today() - Days::new(3)).to_string();
    let res = app
        .client
        .post(app.url("/requests/new"))
        .form(&[
            ("csrf", token.as_str()),
            ("rights", "right_of_access"),
            ("rights", "right_to_rectification"),
            ("name", "Carla Jansen"),
            ("email", ""),
            ("address", "Postbus 7, 1000 AA Lindenhout"),
            ("channel", "letter"),
            ("received_on", received.as_str()),
            ("description", "Graag inzage."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let at = res.headers()["location"].to_str().unwrap().to_string();

    // Starting before the identity is known is refused with the article.
    let id = at.trim_start_matches("/requests/");
    let res = app
        .client
        .post(app.url(&format!("/requests/{id}/actions")))
        .header("accept-language", "en")
        .form(&[
            ("csrf", token.as_str()),
            ("version", "1"),
            ("action", "complete"),
            ("summary", "verstuurd"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("RU 4:11 lid 2"));

    for form in [
        vec![
            ("action", "verify_identity"),
            ("version", "1"),
            ("method", "identity_document"),
            ("note", "paspoort gezien, geen kopie"),
        ],
        vec![("action", "start"), ("version", "2")],
        vec![
            ("action", "complete"),
            ("version", "3"),
            ("summary", "Overzicht per post verstuurd."),
        ],
    ] {
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend(form);
        let res = app
            .client
            .post(app.url(&format!("/requests/{id}/actions")))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{fields:?}");
    }
    let page = app
        .client
        .get(app.url(&at))
        .header("accept-language", "nl")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [
        "Afgehandeld",
        "Identiteitsbewijs gezien",
        "Overzicht per post verstuurd.",
        "In behandeling genomen",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    let queue = app
        .client
        .get(app.url("/requests?all=true"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Carla Jansen"));
    let stats = app
        .client
        .get(app.url("/requests/statistics"))
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), 200);
}
