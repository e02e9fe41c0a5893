//! The consent ledger over HTTP (docs/api.md, "Consent"), on both databases: every decision
//! reason, the time edges of a withdrawal, explicit versus ordinary consent, objections,
//! restriction, GPC, batch decisions as NDJSON in order, audiences, bad input, receipts.

use crate::TestApp;
use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use grondslag_domain::consent::{check_kantara, Notice, PseudonymKey};
use grondslag_store::consent_index::IndexState;
use grondslag_store::testing::TestDb;
use serde_json::{json, Value};

/// A server with the ledger's secret configured, logged in as the FG, deciding from the
/// consent index as `grondslag serve` does (the other consent tests decide from the
/// database; `grondslag-store`'s tests/memory.rs checks that both read the same rows).
async fn spawn(db: TestDb) -> TestApp {
    spawn_with(db, true).await
}

async fn spawn_with(db: TestDb, with_key: bool) -> TestApp {
    let app = TestApp::spawn_with(db, |state, _| {
        if with_key {
            state.consent_key = Some(std::sync::Arc::new(PseudonymKey::new(&[42; 32]).unwrap()));
            state.store.start_consent_index(64 << 20);
        }
    })
    .await;
    if with_key {
        for _ in 0..400 {
            if app.db.store.consent_index_report().state == IndexState::Ready {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(app.db.store.consent_index_report().state, IndexState::Ready);
    }
    app.api_login().await;
    app.seed_units().await;
    app
}

fn notice() -> Notice {
    Notice {
        id: "alumni-newsletter".into(),
        version: "1".into(),
        language: "nl".into(),
        text: "Ja, ik wil de nieuwsbrief ontvangen.".into(),
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

async fn activity(app: &TestApp, body: Value) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/activities"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

struct Acts {
    newsletter: String,
    marketing: String,
    explicit: String,
    public_task: String,
}

async fn activities(app: &TestApp) -> Acts {
    Acts {
        newsletter: activity(app, json!({"name": "Nieuwsbrief", "unit": "imapp", "purposes": ["alumni_relations"], "data_categories": [{"category": "contact_details", "legal_basis": "consent"}]})).await,
        // Direct marketing with cookies: it targets, so GPC and retargeting objections count.
        marketing: activity(app, json!({"name": "Werving", "unit": "imapp", "purposes": ["direct_marketing"], "data_categories": [{"category": "online_identifier", "legal_basis": "consent"}]})).await,
        explicit: activity(app, json!({"name": "Onderzoek", "unit": "imapp", "explicit_consent": true, "data_categories": [{"category": "contact_details", "legal_basis": "consent"}]})).await,
        public_task: activity(app, json!({"name": "Tentamens", "unit": "imapp", "data_categories": [{"category": "name", "legal_basis": "public_task"}]})).await,
    }
}

fn email(who: &str) -> Value {
    json!({"kind": "email", "value": format!("{who}@uni.nl")})
}

fn consent(who: &str, activity: &str, at: DateTime<Utc>, explicit: bool) -> Value {
    json!({"identifier": email(who), "activity": activity, "at": ts(at), "type": "consent_given",
           "notice": notice().hash().to_hex(), "method": "web_form", "explicit": explicit,
           "evidence": "submission 1"})
}

fn ev(who: &str, activity: Option<&str>, at: DateTime<Utc>, kind: Value) -> Value {
    let mut v = kind;
    v["identifier"] = email(who);
    if let Some(a) = activity {
        v["activity"] = json!(a);
    }
    v["at"] = json!(ts(at));
    v
}

/// Checks `value` against the component `name` of the server's OpenAPI document.
async fn meets_openapi(app: &TestApp, name: &str, value: &Value) {
    let doc: Value = app.get_json("/api/openapi.json").await;
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{value}");
}

async fn record(app: &TestApp, items: Vec<Value>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/consent/events"))
        .json(&json!({"notices": [notice()], "items": items}))
        .send()
        .await
        .unwrap()
}

async fn decide(app: &TestApp, who: &str, activity: &str, at: Option<DateTime<Utc>>) -> Value {
    let mut body = json!({"identifier": email(who), "activity": activity});
    if let Some(at) = at {
        body["at"] = json!(ts(at));
    }
    let res = app
        .client
        .post(app.url("/api/v1/consent/decision"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .unwrap()
}

#[tokio::test]
async fn every_decision_reason_through_http() {
    for db in grondslag_store::testing::each_backend().await {
        let app = spawn(db).await;
        let a = activities(&app).await;
        let t = now() - Duration::days(30);
        let w = t + Duration::days(10);
        let items = vec![
            consent("in-force", &a.newsletter, t, false),
            consent("withdrawn", &a.newsletter, t, false),
            ev(
                "withdrawn",
                Some(&a.newsletter),
                w,
                json!({"type": "consent_withdrawn"}),
            ),
            consent("ordinary", &a.explicit, t, false),
            consent("explicit", &a.explicit, t, true),
            consent("dm", &a.marketing, t, false),
            ev("dm", None, w, json!({"type": "direct_marketing_objection"})),
            consent("retarget", &a.marketing, t, false),
            ev(
                "retarget",
                None,
                w,
                json!({"type": "retargeting_objection"}),
            ),
            consent("restricted", &a.newsletter, t, false),
            ev(
                "restricted",
                None,
                w,
                json!({"type": "restriction_set", "grounds": "accuracy contested"}),
            ),
            ev(
                "pending",
                Some(&a.public_task),
                t,
                json!({"type": "objection", "grounds": "ik wil dit niet"}),
            ),
            ev(
                "upheld",
                Some(&a.public_task),
                t,
                json!({"type": "objection"}),
            ),
            ev(
                "upheld",
                Some(&a.public_task),
                w,
                json!({"type": "objection_upheld", "reasons": "geen zwaarwegend belang"}),
            ),
            ev(
                "rejected",
                Some(&a.public_task),
                t,
                json!({"type": "objection"}),
            ),
            ev(
                "rejected",
                Some(&a.public_task),
                w,
                json!({"type": "objection_rejected", "reasons": "wettelijke taak weegt zwaarder"}),
            ),
        ];
        let res = record(&app, items).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        // GPC: a consent sent with the header records a gpc_signal for the subject.
        let res = app
            .client
            .post(app.url("/api/v1/consent/events"))
            .header("Sec-GPC", "1")
            .json(&json!({"items": [consent("gpc", &a.marketing, t, false)]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["gpc_signals"], 1);
        // ... once: a second request with the header adds none.
        let res = app
            .client
            .post(app.url("/api/v1/consent/events"))
            .header("Sec-GPC", "1")
            .json(&json!({"items": [ev("gpc", Some(&a.marketing), now() - Duration::seconds(1), json!({"type": "consent_withdrawn"}))]}))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["gpc_signals"], 0, "{body}");

        let mut seen = Vec::new();
        for (who, activity, reason, allowed) in [
            ("in-force", &a.newsletter, "consent_in_force", true),
            ("nobody", &a.newsletter, "no_consent", false),
            ("withdrawn", &a.newsletter, "consent_withdrawn", false),
            ("ordinary", &a.explicit, "explicit_consent_required", false),
            ("explicit", &a.explicit, "consent_in_force", true),
            ("dm", &a.marketing, "direct_marketing_objection", false),
            ("retarget", &a.marketing, "retargeting_objection", false),
            ("gpc", &a.marketing, "gpc_signal", false),
            ("restricted", &a.newsletter, "restriction", false),
            ("nobody", &a.public_task, "basis_not_consent", true),
            ("pending", &a.public_task, "objection_pending", false),
            ("upheld", &a.public_task, "objection_upheld", false),
            ("rejected", &a.public_task, "objection_rejected", true),
        ] {
            let d = decide(&app, who, activity, None).await;
            assert_eq!(
                (
                    d["reason"].as_str().unwrap(),
                    d["allowed"].as_bool().unwrap()
                ),
                (reason, allowed),
                "{} {who}: {d}",
                app.db.backend
            );
            seen.push(reason);
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 12, "every reason of the vocabulary");

        // The time edges: one second before the withdrawal still allowed; at it and after, not.
        let before = decide(
            &app,
            "withdrawn",
            &a.newsletter,
            Some(w - Duration::seconds(1)),
        )
        .await;
        assert_eq!(before["reason"], "consent_in_force");
        let at = decide(&app, "withdrawn", &a.newsletter, Some(w)).await;
        assert_eq!(at["reason"], "consent_withdrawn");
        assert_eq!(at["deciding_events"].as_array().unwrap().len(), 2);
        let after = decide(
            &app,
            "withdrawn",
            &a.newsletter,
            Some(w + Duration::seconds(1)),
        )
        .await;
        assert_eq!(after["reason"], "consent_withdrawn");
        assert_eq!(
            after["since"]
                .as_str()
                .map(|s| s.parse::<DateTime<Utc>>().unwrap()),
            Some(w)
        );
        // The objection to direct marketing overrides the consent from its time on, not before.
        let dm = decide(&app, "dm", &a.marketing, Some(w - Duration::seconds(1))).await;
        assert_eq!(dm["reason"], "consent_in_force");
        // Restriction denies even where the basis needs no consent.
        let res = record(
            &app,
            vec![ev(
                "nobody",
                None,
                now() - Duration::seconds(5),
                json!({"type": "restriction_set"}),
            )],
        )
        .await;
        assert_eq!(res.status(), 201);
        assert_eq!(
            decide(&app, "nobody", &a.public_task, None).await["reason"],
            "restriction"
        );

        // The timeline, by identifier in a body and by key in the URL.
        let res = app
            .client
            .post(app.url("/api/v1/consent/subject"))
            .json(&json!({"identifier": email("withdrawn")}))
            .send()
            .await
            .unwrap();
        let tl: Value = res.json().await.unwrap();
        assert_eq!(tl["events"].as_array().unwrap().len(), 2);
        assert_eq!(tl["events"][1]["type"], "consent_withdrawn");
        let key = tl["subject"].as_str().unwrap();
        let by_key: Value = app
            .client
            .get(app.url(&format!("/api/v1/consent/subjects/{key}/events")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(by_key, tl);
        assert!(
            !tl.to_string().contains("withdrawn@uni.nl"),
            "identifiers are not stored"
        );
        // The answers are what the OpenAPI document says they are.
        meets_openapi(&app, "ConsentTimeline", &tl).await;
        let answer = decide(&app, "withdrawn", &a.newsletter, None).await;
        meets_openapi(&app, "ConsentDecision", &answer).await;
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_per_item_and_nothing_is_written() {
    for db in grondslag_store::testing::each_backend().await {
        let app = spawn(db).await;
        let a = activities(&app).await;
        let t = now() - Duration::days(1);
        let res = record(
            &app,
            vec![
                consent("good", &a.newsletter, t, false),
                json!({"identifier": {"kind": "email", "value": "not-an-address"}, "type": "gpc_signal"}),
                consent("future", &a.newsletter, now() + Duration::days(1), false),
                consent("unknown", "no-such-activity", t, false),
                ev("lonely", Some(&a.newsletter), t, json!({"type": "consent_withdrawn"})),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let p: Value = res.json().await.unwrap();
        let paths: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        // The malformed identifier is reported before the rest is checked.
        assert_eq!(paths, vec!["items[1].identifier.value"], "{p}");
        let res = record(
            &app,
            vec![
                consent("good", &a.newsletter, t, false),
                consent("future", &a.newsletter, now() + Duration::days(1), false),
                consent("unknown", "no-such-activity", t, false),
                ev(
                    "lonely",
                    Some(&a.newsletter),
                    t,
                    json!({"type": "consent_withdrawn"}),
                ),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let p: Value = res.json().await.unwrap();
        let errs: Vec<(String, String)> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for want in [
            ("items[1].at", "future"),
            ("items[2].activity", "unknown_reference"),
            ("items[3]", "no_consent_in_force"),
        ] {
            assert!(
                errs.contains(&(want.0.into(), want.1.into())),
                "{want:?} in {errs:?}"
            );
        }
        assert_eq!(
            decide(&app, "good", &a.newsletter, None).await["reason"],
            "no_consent",
            "nothing written"
        );

        // Decisions: a future time, an unknown activity, a malformed identifier.
        let res = app.client.post(app.url("/api/v1/consent/decision")).json(&json!({"identifier": {"kind": "phone", "value": "12"}, "activity": "nope", "at": ts(now() + Duration::hours(1))})).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let p: Value = res.json().await.unwrap();
        let paths: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, vec!["identifier.value", "at", "activity"], "{p}");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn batch_decisions_stream_ndjson_in_order() {
    let app = spawn(grondslag_store::testing::sqlite().await).await;
    let a = activities(&app).await;
    let t = now() - Duration::days(1);
    assert_eq!(
        record(&app, vec![consent("p1", &a.newsletter, t, false)])
            .await
            .status(),
        201
    );
    let mut lines = Vec::new();
    for i in 0..2500 {
        let who = format!("p{}", i % 3);
        lines.push(json!({"identifier": email(&who), "activity": a.newsletter}).to_string());
    }
    lines.insert(
        7,
        json!({"identifier": email("p1"), "activity": "nope"}).to_string(),
    );
    let res = app
        .client
        .post(app.url("/api/v1/consent/decisions"))
        .header("content-type", "application/x-ndjson")
        .body(lines.join("\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let text = res.text().await.unwrap();
    let out: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(out.len(), 2501);
    for (i, v) in out.iter().enumerate() {
        assert_eq!(v["index"], i);
    }
    assert_eq!(out[7]["errors"][0]["path"], "activity");
    assert_eq!(out[1]["reason"], "consent_in_force");
    assert_eq!(out[0]["reason"], "no_consent");
    // A JSON array works too.
    let res = app
        .client
        .post(app.url("/api/v1/consent/decisions"))
        .json(&json!([{"identifier": email("p1"), "purpose": "alumni_relations"}]))
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_str(res.text().await.unwrap().trim()).unwrap();
    assert_eq!(
        v["reason"], "no_consent",
        "a consent for the activity does not cover the purpose alone"
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn an_audience_keeps_the_allowed_and_counts_the_removed() {
    let app = spawn(grondslag_store::testing::sqlite().await).await;
    let a = activities(&app).await;
    let t = now() - Duration::days(2);
    let items = vec![
        consent("ja", &a.marketing, t, false),
        consent("weg", &a.marketing, t, false),
        ev(
            "weg",
            Some(&a.marketing),
            t + Duration::days(1),
            json!({"type": "consent_withdrawn"}),
        ),
        consent("bezwaar", &a.marketing, t, false),
        ev(
            "bezwaar",
            None,
            t + Duration::days(1),
            json!({"type": "direct_marketing_objection"}),
        ),
    ];
    assert_eq!(record(&app, items).await.status(), 201);
    let csv = "email\nJA@uni.nl\nja@uni.nl\nweg@uni.nl\nbezwaar@uni.nl\nonbekend@uni.nl\nkapot\n";
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/consent/audience?activity={}",
            a.marketing
        )))
        .json(&json!({"csv": csv}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["total"], 6);
    assert_eq!(v["allowed"], 1);
    assert_eq!(v["identifiers"], json!(["ja@uni.nl"]));
    assert_eq!(
        v["removed"],
        json!({"duplicate": 1, "consent_withdrawn": 1, "direct_marketing_objection": 1, "no_consent": 1, "malformed": 1})
    );
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/consent/audience?activity={}&format=csv",
            a.marketing
        )))
        .json(&json!({"csv": csv}))
        .send()
        .await
        .unwrap();
    let report: Value =
        serde_json::from_str(res.headers()["x-audience-report"].to_str().unwrap()).unwrap();
    assert_eq!(report["allowed"], 1);
    assert_eq!(res.text().await.unwrap(), "identifier\nja@uni.nl\n");
    // A CSV file as it is, without the JSON wrapping; another text type is refused.
    let raw = |content_type: &'static str| {
        let (client, url) = (
            app.client.clone(),
            app.url(&format!(
                "/api/v1/consent/audience?activity={}",
                a.marketing
            )),
        );
        async move {
            client
                .post(url)
                .header("content-type", content_type)
                .body(csv)
                .send()
                .await
                .unwrap()
        }
    };
    let res = raw("text/csv; charset=utf-8").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["allowed"], 1);
    assert_eq!(raw("text/plain").await.status(), 415);
    app.db.cleanup().await;
}

#[tokio::test]
async fn receipts_validate_and_without_a_key_the_ledger_says_how_to_configure_it() {
    let app = spawn(grondslag_store::testing::sqlite().await).await;
    let a = activities(&app).await;
    let t = now() - Duration::days(2);
    let res = record(
        &app,
        vec![
            consent("r", &a.newsletter, t, false),
            ev(
                "r",
                Some(&a.newsletter),
                t + Duration::days(1),
                json!({"type": "consent_withdrawn"}),
            ),
        ],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    let id = body["ids"][0].as_str().unwrap();
    let kantara: Value = app
        .client
        .get(app.url(&format!("/api/v1/consent/events/{id}/kantara")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(check_kantara(&kantara), Ok(()), "{kantara}");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/consent/events/{id}/dpv")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    let dpv: Value = res.json().await.unwrap();
    assert!(dpv.to_string().contains("dpv:ConsentWithdrawn"), "{dpv}");
    let withdrawal = body["ids"][1].as_str().unwrap();
    let res = app
        .client
        .get(app.url(&format!("/api/v1/consent/events/{withdrawal}/kantara")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    app.db.cleanup().await;

    let app = spawn_with(grondslag_store::testing::sqlite().await, false).await;
    let res = app
        .client
        .post(app.url("/api/v1/consent/decision"))
        .json(&json!({"identifier": email("x"), "purpose": "alumni_relations"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let p: Value = res.json().await.unwrap();
    assert!(
        p["detail"].as_str().unwrap().contains("--consent-key-file"),
        "{p}"
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn the_fg_looks_up_a_person_and_sees_decisions_and_timeline_in_the_ui() {
    let app = spawn(grondslag_store::testing::sqlite().await).await;
    let acts = activities(&app).await;
    let t = now() - Duration::hours(2);
    let res = record(
        &app,
        vec![
            consent("anna", &acts.newsletter, t, false),
            ev(
                "anna",
                Some(&acts.newsletter),
                t + Duration::hours(1),
                json!({"type": "consent_withdrawn"}),
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let page = app
        .client
        .get(app.url("/consent"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    let token = page[at..at + 64].to_string();
    let lookup = |value: &'static str| {
        let (client, url, token) = (app.client.clone(), app.url("/consent"), token.clone());
        async move {
            client
                .post(url)
                .header("accept-language", "en")
                .form(&[
                    ("csrf", token.as_str()),
                    ("kind", "email"),
                    ("value", value),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let res = lookup("Anna@Uni.NL ").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"decisions\""), "{html}");
    assert!(html.contains("Nieuwsbrief"));
    assert!(html.contains("id=\"timeline\""));
    assert!(
        html.matches("<tr><td>").count() >= 3,
        "decisions and two events"
    );
    assert!(
        !html.contains("anna@uni.nl"),
        "the identifier is not echoed in normalised form"
    );
    let res = lookup("not an address").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"value-error\""));
}

#[tokio::test]
async fn a_restriction_on_a_request_blocks_processing_in_the_ledger_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let app = spawn(db).await;
        let acts = activities(&app).await;
        let res = record(
            &app,
            vec![consent(
                "anna",
                &acts.newsletter,
                now() - Duration::hours(1),
                false,
            )],
        )
        .await;
        assert_eq!(res.status(), 201);
        assert_eq!(
            decide(&app, "anna", &acts.newsletter, None).await["allowed"],
            true
        );

        let req: Value = app
            .client
            .post(app.url("/api/v1/requests"))
            .json(&json!({"rights": ["right_to_restriction"], "name": "Anna", "email": "Anna@uni.nl", "channel": "email", "received_on": Utc::now().date_naive()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = req["request"]["id"].as_str().unwrap().to_string();
        let act = |body: Value| {
            let (client, url) = (
                app.client.clone(),
                app.url(&format!("/api/v1/requests/{id}/actions")),
            );
            async move {
                client
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(
            act(json!({"action": "verify_identity", "method": "known_contact_details"})).await,
            200
        );
        assert_eq!(
            act(json!({"action": "restrict", "note": "juistheid betwist (AVG 18(1)(a))"})).await,
            200
        );
        let d = decide(&app, "anna", &acts.newsletter, None).await;
        assert_eq!(
            (d["allowed"].clone(), d["reason"].clone()),
            (json!(false), json!("restriction")),
            "{d}"
        );
        assert_eq!(act(json!({"action": "lift_restriction"})).await, 200);
        assert_eq!(
            decide(&app, "anna", &acts.newsletter, None).await["allowed"],
            true
        );
        assert!(app.db.store.verify_audit_chain().await.unwrap().is_ok());
    }
}
