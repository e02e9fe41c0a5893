//! The JSON API through the real router, on SQLite and PostgreSQL.

use crate::TestApp;
use grondslag_store::testing::each_backend;
use serde_json::{json, Value};

#[tokio::test]
async fn an_activity_through_the_api_from_draft_to_registered_and_compared() {
    for db in each_backend().await {
        let app = TestApp::spawn(db).await;
        app.seed_units().await;

        // Without a session: 401 as a problem document.
        let res = app
            .client
            .get(app.url("/api/v1/activities"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert!(res.headers().contains_key("x-operation-id"));
        app.api_login().await;

        // Invalid input: one entry per field, nothing written.
        let res = app
            .client
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "", "unit": "nowhere", "data_categories": [{"category": "name", "legal_basis": "consnet"}], "colour": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        let errors: Vec<(String, String)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(errors.contains(&("data_categories[0].legal_basis".into(), "unknown value \"consnet\"; expected one of consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests".into())), "{errors:?}");
        assert!(errors.iter().any(|(p, _)| p == "colour"), "{errors:?}");
        let res = app
            .client
            .post(app.url("/api/v1/activities"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        // A body that is not JSON, as a form on another site would send, is refused unread.
        let res = app
            .client
            .post(app.url("/api/v1/activities"))
            .header("content-type", "text/plain")
            .body(r#"{"name": "x", "unit": "imapp"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 415);

        let res = app
            .client
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "Tentamenuitslagen", "unit": "imapp", "purposes": ["assessment"], "data_categories": [{"category": "grades", "legal_basis": "public_task"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["etag"], "\"1\"");
        let created: Value = res.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        assert_eq!(created["status"], "draft");
        assert_eq!(created["saved_by"], "user:fg");

        for (status, version) in [("submitted", 1), ("registered", 2)] {
            let res = app
                .client
                .post(app.url(&format!("/api/v1/activities/{id}/transitions")))
                .json(&json!({"status": status, "version": version}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "to {status}");
        }
        let res = app
            .client
            .post(app.url(&format!("/api/v1/activities/{id}/transitions")))
            .json(&json!({"status": "draft"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            409,
            "a registered activity cannot go back to draft"
        );

        let mut edited = created.clone();
        for k in ["id", "status", "version", "saved_at", "saved_by", "history"] {
            edited.as_object_mut().unwrap().remove(k);
        }
        edited["data_categories"][0]["legal_basis"] = json!("legal_obligation");
        let stale = app
            .client
            .put(app.url(&format!("/api/v1/activities/{id}")))
            .header("If-Match", "\"1\"")
            .json(&edited)
            .send()
            .await
            .unwrap();
        assert_eq!(
            stale.status(),
            412,
            "a stale If-Match is a failed precondition"
        );
        let res = app
            .client
            .put(app.url(&format!("/api/v1/activities/{id}")))
            .header("If-Match", "\"3\"")
            .json(&edited)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["etag"], "\"4\"");

        let versions: Value = app
            .client
            .get(app.url(&format!("/api/v1/activities/{id}/versions")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            versions
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["status"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["draft", "submitted", "registered", "registered"]
        );
        let changes: Value = app
            .client
            .get(app.url(&format!("/api/v1/activities/{id}/compare?from=1")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            changes,
            json!([{"path": "data_categories[0].legal_basis", "before": "public_task", "after": "legal_obligation"}])
        );

        let list: Value =
            app.client
                .get(app.url(
                    "/api/v1/activities?unit=fnwi&legal_basis=legal_obligation&status=registered",
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(list["total"], 1, "{}", app.db.backend);
        assert_eq!(list["items"][0]["legal_bases"], json!(["legal_obligation"]));
        let bad = app
            .client
            .get(app.url("/api/v1/activities?status=approved&per_page=0"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        let problem: Value = bad.json().await.unwrap();
        assert_eq!(problem["errors"].as_array().unwrap().len(), 2);

        let verify: Value = app.get_json("/api/v1/audit/verify").await;
        assert_eq!(verify["intact"], true);
        // Login, three units, create, two transitions, update.
        assert_eq!(verify["entries"], 1 + 1 + 3 + 1 + 2 + 1);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_register_moves_between_servers_through_the_api() {
    let mut dbs = each_backend().await.into_iter();
    let first = TestApp::spawn(dbs.next().unwrap()).await;
    first.seed_units().await;
    first.api_login().await;
    first
        .client
        .post(first.url("/api/v1/activities"))
        .json(&json!({"name": "Alumnimagazine", "unit": "law"}))
        .send()
        .await
        .unwrap();
    let doc: Value = first
        .client
        .get(first.url("/api/v1/register"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["format"], "grondslag-register");

    let second = TestApp::spawn(
        dbs.next()
            .unwrap_or(grondslag_store::testing::sqlite().await),
    )
    .await;
    second.api_login().await;
    let mut broken = doc.clone();
    broken["activities"][0]["status"] = json!("approved");
    let res = second
        .client
        .post(second.url("/api/v1/register"))
        .json(&broken)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let report: Value = second
        .client
        .post(second.url("/api/v1/register"))
        .json(&doc)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["activities_created"], 1);
    let again: Value = second
        .client
        .get(second.url("/api/v1/register"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["activities"], doc["activities"]);
    first.db.cleanup().await;
    second.db.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    let doc: Value = app.get_json("/api/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/activities", "get"),
        ("/api/v1/activities", "post"),
        ("/api/v1/activities/{id}", "put"),
        ("/api/v1/activities/{id}/transitions", "post"),
        ("/api/v1/register", "post"),
        ("/api/v1/session", "delete"),
    ] {
        assert!(
            paths[path][method]["operationId"].is_string(),
            "{method} {path}"
        );
    }
    // Every $ref points at a component that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "missing component {name}"
        );
    }
}

#[tokio::test]
async fn findings_rules_and_strict_bodies() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    app.seed_units().await;
    app.api_login().await;

    // A unit with a field the format does not have is refused at that field.
    let res = app.client.put(app.url("/api/v1/units/law")).json(&json!({"id": "law", "kind": "faculty", "name_nl": "Rechten", "name_en": "Law", "colour": "red"})).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["path"], "colour");
    let res = app
        .client
        .put(app.url("/api/v1/units/law"))
        .json(&json!({"id": "law", "kind": "school", "name_nl": "Rechten", "name_en": "Law"}))
        .send()
        .await
        .unwrap();
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["code"], "unknown_value", "{problem}");

    // Unknown routes under /api answer as problem documents; absurd pages are just empty.
    // Malformed path or query parameters answer as problem documents too.
    for path in [
        "/api/v1/activities/x/versions/abc",
        "/api/v1/activities/x/compare?from=first",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    let res = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app
        .client
        .get(app.url("/api/v1/activities?page=4294967295&per_page=500"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A health-data activity without an art. 9 exception: the finding names rule, field and article.
    let created: Value = app
        .client
        .post(app.url("/api/v1/activities"))
        .json(&json!({"name": "Studieadvies", "unit": "imapp", "data_categories": [{"category": "health", "legal_basis": "public_task"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let findings: Value = app
        .client
        .get(app.url(&format!("/api/v1/activities/{id}/findings")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let special = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "law3-special-no-exception")
        .expect("the art. 9 finding");
    assert_eq!(special["path"], "data_categories[0].art9_exception");
    assert_eq!(special["requirement"], "LAW-3");
    assert!(special["article"].as_str().unwrap().contains("RU 3:3"));

    // The register-wide list filters by unit, including units below it, and by rule.
    let all: Value = app
        .get_json("/api/v1/findings?unit=fnwi&rule=law3-special-no-exception")
        .await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let none: Value = app.get_json("/api/v1/findings?unit=law").await;
    assert_eq!(none, json!([]));

    // Findings follow the register: fix it and the finding is gone.
    let fixed = json!({"name": "Studieadvies", "unit": "imapp", "data_categories": [{"category": "health", "legal_basis": "public_task", "art9_exception": "art9_substantial_public_interest"}]});
    app.client
        .put(app.url(&format!("/api/v1/activities/{id}")))
        .json(&fixed)
        .send()
        .await
        .unwrap();
    let findings: Value = app
        .client
        .get(app.url(&format!("/api/v1/activities/{id}/findings")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!findings
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "law3-special-no-exception"));

    let rules: Value = app.get_json("/api/v1/rules").await;
    assert!(rules.as_array().unwrap().len() >= 30);
}
