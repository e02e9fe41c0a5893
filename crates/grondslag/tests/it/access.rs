//! Who may do what, through the real router: every API route × every role (and a stranger),
//! generated from the route table and the permission table, and the unit scope of a privacy
//! manager across API and UI.

use crate::{TestApp, PASSWORD};
use grondslag_domain::access::{reach, Grant, Reach, Role};
use grondslag_domain::vocab::Term;
use reqwest::Method;
use serde_json::{json, Value};

/// A client logged in as a new user with one role (unit-bound roles get `fnwi`).
async fn client_as(app: &TestApp, role: Role) -> reqwest::Client {
    let unit_bound = role.is_unit_bound();
    let username = role.machine_name().replace('_', "-");
    let grant = Grant {
        role,
        unit: unit_bound.then(|| "fnwi".to_string()),
    };
    app.db
        .store
        .create_user("cli:test", &username, "Test", PASSWORD, &[grant])
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    client
}

/// A request that exercises a route, by its operation id. A new route without one here fails
/// the test, so nobody adds a route without deciding who may use it.
fn request(op: &str, activity: &str, doc: &Value) -> (String, Option<Value>) {
    let a = format!("/api/v1/activities/{activity}");
    match op {
        "login" => (
            "/api/v1/session".into(),
            Some(json!({"username": "fg", "password": PASSWORD})),
        ),
        "whoami" | "logout" => ("/api/v1/session".into(), None),
        "listActivities" => ("/api/v1/activities".into(), None),
        "createActivity" => (
            "/api/v1/activities".into(),
            Some(json!({"name": "Nieuw", "unit": "imapp"})),
        ),
        "getActivity" | "listActivityFindings" => (
            if op == "getActivity" {
                a
            } else {
                format!("{a}/findings")
            },
            None,
        ),
        "updateActivity" => (a, Some(json!({"name": "Tentamens", "unit": "imapp"}))),
        "transitionActivity" => (
            format!("{a}/transitions"),
            Some(json!({"status": "submitted"})),
        ),
        "listActivityVersions" => (format!("{a}/versions"), None),
        "getActivityVersion" => (format!("{a}/versions/1"), None),
        "compareActivityVersions" => (format!("{a}/compare?from=1"), None),
        "listFindings" => ("/api/v1/findings".into(), None),
        "listRules" => ("/api/v1/rules".into(), None),
        "listUnits" => ("/api/v1/units".into(), None),
        "putUnit" => (
            "/api/v1/units/law".into(),
            Some(json!({"id": "law", "kind": "faculty", "name_nl": "Rechten", "name_en": "Law"})),
        ),
        "listProcessors" => ("/api/v1/processors".into(), None),
        "putProcessor" => (
            "/api/v1/processors/mailer".into(),
            Some(json!({"id": "mailer", "name": "Mailer BV", "country": "NL"})),
        ),
        "exportRegister" => ("/api/v1/register".into(), None),
        "importRegister" => ("/api/v1/register".into(), Some(doc.clone())),
        "listVocabulary" => ("/api/v1/vocabulary".into(), None),
        "verifyAuditChain" => ("/api/v1/audit/verify".into(), None),
        "listTokens" => ("/api/v1/tokens".into(), None),
        "createToken" => (
            "/api/v1/tokens".into(),
            Some(
                json!({"name": "crm", "grants": [{"role": "auditor", "unit": null}], "expires_at": (chrono::Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339()}),
            ),
        ),
        "revokeToken" => ("/api/v1/tokens/999999".into(), None),
        "listRequests" => ("/api/v1/requests".into(), None),
        "requestStatistics" => ("/api/v1/requests/statistics".into(), None),
        "createRequest" => (
            "/api/v1/requests".into(),
            Some(
                json!({"rights": ["right_of_access"], "name": "Anna", "email": "anna@example.nl", "channel": "letter", "received_on": chrono::Utc::now().date_naive()}),
            ),
        ),
        "getRequest" => ("/api/v1/requests/DSR-2000-0001".into(), None),
        "getRequestAccess" => ("/api/v1/requests/DSR-2000-0001/access".into(), None),
        "getRequestPortability" => ("/api/v1/requests/DSR-2000-0001/portability".into(), None),
        "planRequestErasure" => ("/api/v1/requests/DSR-2000-0001/erasure/plan".into(), None),
        "eraseRequestData" => ("/api/v1/requests/DSR-2000-0001/erasure".into(), None),
        "actOnRequest" => (
            "/api/v1/requests/DSR-2000-0001/actions".into(),
            Some(json!({"action": "note", "text": "gebeld"})),
        ),
        "opendsrDiscovery" => ("/api/opendsr/v2/discovery".into(), None),
        "opendsrSubmitRequest" => (
            "/api/opendsr/v2/requests".into(),
            Some(json!({
                "subject_request_id": "5f8e2b1c-3d4a-4e6f-9a7b-1c2d3e4f5a6b",
                "subject_request_type": "access",
                "submitted_time": chrono::Utc::now().to_rfc3339(),
                "subject_identities": [{"identity_type": "email", "identity_value": "anna@example.nl", "identity_format": "raw"}]
            })),
        ),
        "opendsrRequestStatus" | "opendsrCancelRequest" => (
            "/api/opendsr/v2/requests/5f8e2b1c-3d4a-4e6f-9a7b-1c2d3e4f5a6b".into(),
            None,
        ),
        "recordConsentEvents" => ("/api/v1/consent/events".into(), Some(json!({"items": []}))),
        "decideConsent" => (
            "/api/v1/consent/decision".into(),
            Some(
                json!({"identifier": {"kind": "email", "value": "anna@example.nl"}, "activity": activity}),
            ),
        ),
        "decideConsentBatch" => ("/api/v1/consent/decisions".into(), Some(json!([]))),
        "lookUpConsentSubject" => (
            "/api/v1/consent/subject".into(),
            Some(json!({"identifier": {"kind": "email", "value": "anna@example.nl"}})),
        ),
        "listConsentSubjectEvents" => (
            format!("/api/v1/consent/subjects/{}/events", "0".repeat(64)),
            None,
        ),
        "filterConsentAudience" => (
            format!("/api/v1/consent/audience?activity={activity}"),
            None,
        ),
        "getConsentReceiptKantara" => ("/api/v1/consent/events/none/kantara".into(), None),
        "getConsentReceiptDpv" => ("/api/v1/consent/events/none/dpv".into(), None),
        "getConsentIndex" => ("/api/v1/consent/index".into(), None),
        "listConsentNotices" => ("/api/v1/consent/notices".into(), None),
        "createConsentNotice" => (
            "/api/v1/consent/notices".into(),
            Some(
                json!({"id": "newsletter", "activity": activity, "text_nl": "Ja.", "text_en": "Yes."}),
            ),
        ),
        "getPublishedConsentNotice" => ("/api/v1/consent/notices/none".into(), None),
        "saveConsentNotice" => (
            "/api/v1/consent/notices/none".into(),
            Some(json!({"activity": activity, "text_nl": "Ja.", "text_en": "Yes."})),
        ),
        "listConsentNoticeVersions" => ("/api/v1/consent/notices/none/versions".into(), None),
        "publishConsentNotice" => (
            "/api/v1/consent/notices/none/publish".into(),
            Some(json!({"version": 1})),
        ),
        "retireConsentNotice" => ("/api/v1/consent/notices/none/retire".into(), None),
        other => {
            panic!("the authorization matrix has no request for the new route {other}: add one")
        }
    }
}

async fn send(
    client: &reqwest::Client,
    app: &TestApp,
    method: &Method,
    path: &str,
    body: &Option<Value>,
) -> u16 {
    let mut req = client.request(method.clone(), app.url(path));
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_permission_table_says() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    app.seed_units().await;
    app.api_login().await;
    let created: Value = app
        .client
        .post(app.url("/api/v1/activities"))
        .json(&json!({"name": "Tentamens", "unit": "imapp"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let activity = created["id"].as_str().unwrap().to_string();
    let doc: Value = app.get_json("/api/v1/register").await;
    // Logging out ends the session the other requests use: it goes last.
    let mut routes = grondslag_web::route_infos();
    routes.sort_by_key(|r| r.operation_id == "logout");

    let stranger = reqwest::Client::new();
    let mut clients = Vec::new();
    for role in Role::all() {
        clients.push((*role, client_as(&app, *role).await));
    }
    let mut wrong = Vec::new();
    for r in &routes {
        let (path, body) = request(r.operation_id, &activity, &doc);
        let fresh = reqwest::Client::new();
        let status = send(
            if r.public { &fresh } else { &stranger },
            &app,
            &r.method,
            &path,
            &body,
        )
        .await;
        let expected_stranger = if r.public {
            status != 401 && status != 403
        } else {
            status == 401
        };
        if !expected_stranger {
            wrong.push(format!("stranger {} {}: {status}", r.method, r.path));
        }
        // Anyone may log in; doing so would change who the role clients are.
        if r.public {
            continue;
        }
        for (role, client) in &clients {
            let status = send(client, &app, &r.method, &path, &body).await;
            let allowed = r.permission.is_none_or(|p| reach(*role, p) != Reach::None);
            let ok = if allowed {
                status != 401 && status != 403
            } else {
                status == 403
            };
            if !ok {
                wrong.push(format!(
                    "{} {} {} ({:?}): {status}",
                    role.machine_name(),
                    r.method,
                    r.path,
                    r.permission
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "unexpected answers:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn a_privacy_manager_sees_and_changes_only_their_own_units() {
    for db in grondslag_store::testing::each_backend().await {
        let app = TestApp::spawn(db).await;
        app.seed_units().await;
        app.api_login().await;
        let mine: Value = app
            .client
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "Lab", "unit": "imapp"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let theirs: Value = app.client.post(app.url("/api/v1/activities")).json(&json!({"name": "Moot court", "unit": "law", "data_categories": [{"category": "health"}]})).send().await.unwrap().json().await.unwrap();
        let theirs = theirs["id"].as_str().unwrap();
        let pm = client_as(&app, Role::PrivacyManager).await;

        let list: Value = pm
            .get(app.url("/api/v1/activities"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["total"], 1,
            "{}: the count leaks nothing",
            app.db.backend
        );
        assert_eq!(list["items"][0]["id"], mine["id"]);
        let searched: Value = pm
            .get(app.url("/api/v1/activities?q=moot"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(searched["total"], 0);
        let other_unit: Value = pm
            .get(app.url("/api/v1/activities?unit=law"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(other_unit["total"], 0);
        // Another faculty's activity does not exist for them: 404, exactly as a made-up id.
        for path in [
            format!("/api/v1/activities/{theirs}"),
            format!("/api/v1/activities/{theirs}/versions"),
            format!("/api/v1/activities/{theirs}/findings"),
        ] {
            assert_eq!(
                pm.get(app.url(&path)).send().await.unwrap().status(),
                404,
                "{path}"
            );
        }
        let made_up = pm
            .get(app.url("/api/v1/activities/00000000-0000-4000-8000-000000000000"))
            .send()
            .await
            .unwrap();
        assert_eq!(made_up.status(), 404);
        let res = pm
            .put(app.url(&format!("/api/v1/activities/{theirs}")))
            .json(&json!({"name": "Taken over", "unit": "imapp"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let res = pm
            .post(app.url(&format!("/api/v1/activities/{theirs}/transitions")))
            .json(&json!({"status": "submitted"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        // Nor can they create one there, or move their own there.
        let res = pm
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "Elsewhere", "unit": "law"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["path"], "unit");
        let findings: Value = pm
            .get(app.url("/api/v1/findings"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            findings
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["unit"] != "law"),
            "{findings}"
        );
        let export: Value = pm
            .get(app.url("/api/v1/register"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(export["activities"].as_array().unwrap().len(), 1);
        // But they submit their own; registering is the FG office's.
        let id = mine["id"].as_str().unwrap();
        let res = pm
            .post(app.url(&format!("/api/v1/activities/{id}/transitions")))
            .json(&json!({"status": "submitted"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let res = pm
            .post(app.url(&format!("/api/v1/activities/{id}/transitions")))
            .json(&json!({"status": "registered"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);

        // The UI shows the same world.
        let html = pm
            .get(app.url("/activities"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Lab") && !html.contains("Moot court"),
            "{html}"
        );
        let res = pm
            .get(app.url(&format!("/activities/{theirs}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let html = pm
            .get(app.url("/activities/new"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("value=\"imapp\"") && !html.contains("value=\"law\""),
            "only their units are offered"
        );
        let html = pm
            .get(app.url("/findings"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("Moot court"));
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn api_tokens_act_with_their_roles_until_revoked() {
    for db in grondslag_store::testing::each_backend().await {
        let app = TestApp::spawn(db).await;
        app.seed_units().await;
        app.api_login().await;
        app.client
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "Lab", "unit": "imapp"}))
            .send()
            .await
            .unwrap();
        app.client
            .post(app.url("/api/v1/activities"))
            .json(&json!({"name": "Moot court", "unit": "law"}))
            .send()
            .await
            .unwrap();
        let admin = client_as(&app, Role::Administrator).await;
        let expires = (chrono::Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339();

        // The FG cannot make tokens; an administrator can, but not one that manages accounts.
        let body = json!({"name": "crm", "grants": [{"role": "privacy_manager", "unit": "fnwi"}], "expires_at": expires});
        assert_eq!(
            app.client
                .post(app.url("/api/v1/tokens"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        let bad = json!({"name": "crm", "grants": [{"role": "administrator", "unit": null}], "expires_at": expires});
        assert_eq!(
            admin
                .post(app.url("/api/v1/tokens"))
                .json(&bad)
                .send()
                .await
                .unwrap()
                .status(),
            422
        );
        let res = admin
            .post(app.url("/api/v1/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let created: Value = res.json().await.unwrap();
        let secret = created["secret"].as_str().unwrap().to_string();
        let id = created["token"]["id"].as_i64().unwrap();
        let listed: Value = admin
            .get(app.url("/api/v1/tokens"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            !listed.to_string().contains(&secret),
            "the secret is shown once only"
        );

        let system = reqwest::Client::new();
        let list: Value = system
            .get(app.url("/api/v1/activities"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["total"], 1,
            "{}: the token sees its unit only",
            app.db.backend
        );
        let res = system
            .post(app.url("/api/v1/activities"))
            .bearer_auth(&secret)
            .json(&json!({"name": "Via CRM", "unit": "imapp"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let made: Value = res.json().await.unwrap();
        assert_eq!(made["saved_by"], "token:crm", "writes name the token");
        // A token opens the API, not the UI.
        let page = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        assert_eq!(
            page.get(app.url("/activities"))
                .bearer_auth(&secret)
                .send()
                .await
                .unwrap()
                .status(),
            303
        );

        assert_eq!(
            admin
                .delete(app.url(&format!("/api/v1/tokens/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        assert_eq!(
            system
                .get(app.url("/api/v1/activities"))
                .bearer_auth(&secret)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(
            system
                .get(app.url("/api/v1/activities"))
                .bearer_auth("gst_made_up")
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        let actions: Vec<String> = app
            .db
            .store
            .audit_for("token", &id.to_string(), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["token.revoke", "token.use", "token.create"]);
        app.db.cleanup().await;
    }
}
