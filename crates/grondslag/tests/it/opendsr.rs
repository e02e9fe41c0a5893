//! OpenDSR through the real router, on both databases: a tool with an API token submits
//! requests in the OpenDSR format, they join the FG office's queue, and their OpenDSR status
//! follows what the office does; duplicates, bad input, and who may call; signed answers.

use crate::TestApp;
use chrono::{TimeDelta, Utc};
use grondslag_domain::access::{Grant, Role};
use reqwest::Method;
use serde_json::{json, Value};

const EXAMPLE: &str = include_str!("../../../../data/opendsr/example-request.json");
const KEY: &str = include_str!("../../../../data/opendsr/test-signing-key.pem");
const CERT_URL: &str = "https://privacy.lindenhout.example/opendsr/certificate.pem";
const BASE: &str = "/api/opendsr/v2";

/// The specification's example request (data/opendsr), as submitted now under `id`.
fn example(id: &str, kind: &str, email: &str) -> Value {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["subject_request_id"] = json!(id);
    v["subject_request_type"] = json!(kind);
    v["submitted_time"] = json!((Utc::now() - TimeDelta::minutes(10)).to_rfc3339());
    v["subject_identities"][0]["identity_value"] = json!(email);
    v
}

/// An API token with one role, as `grondslag token create` makes it.
async fn token(app: &TestApp, name: &str, role: Role) -> String {
    app.db
        .store
        .create_token(
            "cli:test",
            name,
            &[Grant { role, unit: None }],
            Utc::now() + TimeDelta::days(30),
        )
        .await
        .unwrap()
        .secret
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
    body: Value,
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut req = reqwest::Client::new().request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap().to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        bytes,
        body,
    }
}

/// Our own API, as the FG office (logged in by session).
async fn ours(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut req = app.client.request(method, app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

fn problem_fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["path"].as_str().unwrap().to_string(),
                        e["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Standard base64, for `encoded_request`.
fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .expect("a base64 character") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The status of a submitted request, as the submitting tool asks it.
async fn status_of(app: &TestApp, path: &str, token: &str, id: &str) -> Value {
    let s = call(app, Method::GET, path, Some(token), None).await;
    assert_eq!(s.status, 200, "{}", s.body);
    assert_eq!(s.body["subject_request_id"], id);
    assert_eq!(s.body["controller_id"], "token:portal");
    assert_eq!(s.body["api_version"], "2.0");
    s.body
}

#[tokio::test]
async fn a_tool_submits_and_follows_requests_through_opendsr_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let app = TestApp::spawn(db).await;
        let backend = app.db.backend;
        app.api_login().await;
        let portal = token(&app, "portal", Role::DpoOffice).await;

        // Discovery: no login, what we take; no certificate, as this server signs nothing.
        let d = call(&app, Method::GET, &format!("{BASE}/discovery"), None, None).await;
        assert_eq!(d.status, 200, "{backend}");
        assert_eq!(d.body["api_version"], "2.0");
        assert_eq!(
            d.body["supported_subject_request_types"],
            json!(["access", "portability", "erasure"])
        );
        assert_eq!(
            d.body["supported_identities"],
            json!([
                {"identity_type": "email", "identity_format": "raw"},
                {"identity_type": "controller_customer_id", "identity_format": "raw"}
            ])
        );
        assert!(d.body.get("processor_certificate").is_none());
        assert!(d.headers.get("x-opendsr-signature").is_none());

        // Submit the specification's example: 201 with the receipt.
        let erase_id = "0b7e3f5e-8c1d-4f2a-9e6b-3a5c7d9e1f20";
        let body = example(erase_id, "erasure", "johndoe@example.com");
        let r = call(
            &app,
            Method::POST,
            &format!("{BASE}/requests"),
            Some(&portal),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        assert_eq!(r.body["subject_request_id"], erase_id);
        assert_eq!(r.body["controller_id"], "token:portal");
        assert!(
            r.body["expected_completion_time"]
                .as_str()
                .unwrap()
                .ends_with("T23:59:59Z"),
            "{}",
            r.body
        );
        assert!(r.body["received_time"].is_string());
        let echoed: Value =
            serde_json::from_slice(&base64_decode(r.body["encoded_request"].as_str().unwrap()))
                .unwrap();
        assert_eq!(echoed, body);
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(r.headers["content-type"], "application/json");

        // It is in the FG office's queue, by channel opendsr, with the right and the address.
        let queue = ours(&app, Method::GET, "/api/v1/requests", None).await;
        assert_eq!(queue["total"], 1, "{backend}: {queue}");
        assert_eq!(queue["items"][0]["rights"], json!(["right_to_erasure"]));
        let reference = queue["items"][0]["reference"].as_str().unwrap().to_string();
        let detail = ours(
            &app,
            Method::GET,
            &format!("/api/v1/requests/{reference}"),
            None,
        )
        .await;
        let request = &detail["request"];
        assert_eq!(request["channel"], "opendsr");
        assert_eq!(request["email"], "johndoe@example.com");
        assert_eq!(request["state"], "received");
        let submitted: chrono::DateTime<Utc> =
            serde_json::from_value(body["submitted_time"].clone()).unwrap();
        assert_eq!(request["received_on"], json!(submitted.date_naive()));
        assert!(request["description"].as_str().unwrap().contains(erase_id));
        assert_eq!(detail["timeline"][0]["actor"], "token:portal");
        let due = detail["deadline"]["due"].as_str().unwrap();
        assert_eq!(
            r.body["expected_completion_time"],
            format!("{due}T23:59:59Z")
        );

        // The same id again makes no second request.
        let again = call(
            &app,
            Method::POST,
            &format!("{BASE}/requests"),
            Some(&portal),
            Some(&body),
        )
        .await;
        assert_eq!(again.status, 409, "{backend}: {}", again.body);
        assert_eq!(again.headers["content-type"], "application/problem+json");
        assert!(
            again.body["detail"].as_str().unwrap().contains(&reference),
            "{}",
            again.body
        );
        let queue = ours(&app, Method::GET, "/api/v1/requests?open=false", None).await;
        assert_eq!(queue["total"], 1);

        // The status follows what the office does.
        let status_path = format!("{BASE}/requests/{erase_id}");
        let status = || status_of(&app, &status_path, &portal, erase_id);
        assert_eq!(status().await["request_status"], "pending");
        let act = format!("/api/v1/requests/{reference}/actions");
        ours(
            &app,
            Method::POST,
            &act,
            Some(json!({"action": "verify_identity", "method": "known_contact_details"})),
        )
        .await;
        let s = status().await;
        assert_eq!(s["request_status"], "in_progress");
        assert_eq!(s["expected_completion_time"], format!("{due}T23:59:59Z"));
        ours(&app, Method::POST, &act, Some(json!({"action": "start"}))).await;
        assert_eq!(status().await["request_status"], "in_progress");
        let done = ours(
            &app,
            Method::POST,
            &act,
            Some(json!({"action": "complete", "summary": "Gegevens verwijderd."})),
        )
        .await;
        let s = status().await;
        assert_eq!(s["request_status"], "completed");
        let closed_at = done["timeline"].as_array().unwrap().last().unwrap()["at"].clone();
        let closed_at: chrono::DateTime<Utc> = serde_json::from_value(closed_at).unwrap();
        let expected: chrono::DateTime<Utc> =
            serde_json::from_value(s["expected_completion_time"].clone()).unwrap();
        assert_eq!(
            expected, closed_at,
            "a closed request reports when it was closed"
        );
        // A completed request can no longer be cancelled.
        let c = call(&app, Method::DELETE, &status_path, Some(&portal), None).await;
        assert_eq!(c.status, 409, "{}", c.body);

        // Cancellation: the data subject withdrew an access request.
        let access_id = "6d2c9a41-7b3e-4c8f-a1d2-9e8f7a6b5c4d";
        let r = call(
            &app,
            Method::POST,
            &format!("{BASE}/requests"),
            Some(&portal),
            Some(&example(access_id, "access", "jane@example.nl")),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let cancel_path = format!("{BASE}/requests/{access_id}");
        let c = call(&app, Method::DELETE, &cancel_path, Some(&portal), None).await;
        assert_eq!(c.status, 202, "{backend}: {}", c.body);
        assert_eq!(c.body["subject_request_id"], access_id);
        assert_eq!(c.body["controller_id"], "token:portal");
        let s = call(&app, Method::GET, &cancel_path, Some(&portal), None).await;
        assert_eq!(s.body["request_status"], "cancelled");
        let again = call(&app, Method::DELETE, &cancel_path, Some(&portal), None).await;
        assert_eq!(
            again.status, 202,
            "cancelling twice answers as the first time"
        );
        assert_eq!(again.body["received_time"], c.body["received_time"]);
        let list = ours(
            &app,
            Method::GET,
            "/api/v1/requests?open=false&right=right_of_access",
            None,
        )
        .await;
        assert_eq!(list["items"][0]["state"], "withdrawn");
        let withdrawn = list["items"][0]["reference"].as_str().unwrap();
        let detail = ours(
            &app,
            Method::GET,
            &format!("/api/v1/requests/{withdrawn}"),
            None,
        )
        .await;
        let last = detail["timeline"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["action"], "withdraw");
        assert_eq!(last["actor"], "token:portal");

        // A refusal is cancelled too: OpenDSR has no refusal, and it was not fulfilled.
        let refused_id = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f";
        let r = call(
            &app,
            Method::POST,
            &format!("{BASE}/requests"),
            Some(&portal),
            Some(&example(refused_id, "portability", "piet@example.nl")),
        )
        .await;
        assert_eq!(r.status, 201);
        let list = ours(
            &app,
            Method::GET,
            "/api/v1/requests?right=right_to_portability",
            None,
        )
        .await;
        let refused = list["items"][0]["reference"].as_str().unwrap();
        ours(
            &app,
            Method::POST,
            &format!("/api/v1/requests/{refused}/actions"),
            Some(json!({"action": "refuse", "grounds": ["manifestly_unfounded"], "reasons": "Geen gegevens."})),
        )
        .await;
        let s = call(
            &app,
            Method::GET,
            &format!("{BASE}/requests/{refused_id}"),
            Some(&portal),
            None,
        )
        .await;
        assert_eq!(s.body["request_status"], "cancelled");

        // An id nobody submitted.
        let s = call(
            &app,
            Method::GET,
            &format!("{BASE}/requests/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
            Some(&portal),
            None,
        )
        .await;
        assert_eq!(s.status, 404);
        assert_eq!(s.headers["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn bad_submissions_name_every_field_and_write_nothing_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let app = TestApp::spawn(db).await;
        let backend = app.db.backend;
        app.api_login().await;
        let portal = token(&app, "portal", Role::DpoOffice).await;
        let submit = |body: Value| {
            let portal = portal.clone();
            let app = &app;
            async move {
                call(
                    app,
                    Method::POST,
                    &format!("{BASE}/requests"),
                    Some(&portal),
                    Some(&body),
                )
                .await
            }
        };
        let good = || {
            example(
                "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                "access",
                "anna@example.nl",
            )
        };

        // One field at a time, each named with its code.
        let tomorrow = (Utc::now() + TimeDelta::days(1)).to_rfc3339();
        for (field, value, path, code) in [
            (
                "subject_request_id",
                json!("9F8E7D6C-5B4A-4392-8170-6F5E4D3C2B1A"),
                "subject_request_id",
                "invalid_format",
            ),
            (
                "subject_request_id",
                json!("9f8e7d6c-5b4a-1392-8170-6f5e4d3c2b1a"),
                "subject_request_id",
                "invalid_format",
            ),
            (
                "subject_request_id",
                json!(null),
                "subject_request_id",
                "required",
            ),
            (
                "subject_request_type",
                json!("rectification"),
                "subject_request_type",
                "unknown_value",
            ),
            (
                "submitted_time",
                json!(tomorrow),
                "submitted_time",
                "in_future",
            ),
            (
                "submitted_time",
                json!("2026-13-01"),
                "submitted_time",
                "invalid_format",
            ),
            ("regulation", json!("ccpa"), "regulation", "not_supported"),
            (
                "subject_identities",
                json!([{"identity_type": "email", "identity_value": "johndoe@example.com", "identity_format": "sha256"}]),
                "subject_identities[0].identity_format",
                "not_supported",
            ),
            (
                "subject_identities",
                json!([{"identity_type": "ios_advertising_id", "identity_value": "x", "identity_format": "raw"}]),
                "subject_identities[0].identity_type",
                "not_supported",
            ),
            (
                "subject_identities",
                json!([{"identity_type": "controller_customer_id", "identity_value": "s1234567", "identity_format": "raw"}]),
                "subject_identities",
                "required",
            ),
            (
                "subject_identities",
                json!([]),
                "subject_identities",
                "required",
            ),
            (
                "status_callback_urls",
                json!(["not a url"]),
                "status_callback_urls[0]",
                "invalid_format",
            ),
        ] {
            let mut body = good();
            body[field] = value;
            let a = submit(body).await;
            assert_eq!(a.status, 400, "{backend} {field}: {}", a.body);
            assert_eq!(a.headers["content-type"], "application/problem+json");
            assert_eq!(
                problem_fields(&a.body),
                vec![(path.to_string(), code.to_string())],
                "{backend} {field}"
            );
            // The specification's error object (§7.6) comes along.
            assert_eq!(a.body["error"]["code"], 400);
            assert_eq!(a.body["error"]["errors"][0]["reason"], code);
            assert!(a.body["error"]["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with(path));
        }

        // Everything wrong at once: every field named, all or nothing.
        let a = submit(json!({
            "subject_request_id": "12345",
            "subject_request_type": "rectification",
            "submitted_time": tomorrow,
            "subject_identities": [{"identity_type": "email", "identity_value": "nope", "identity_format": "raw"}]
        }))
        .await;
        assert_eq!(a.status, 400);
        assert_eq!(
            problem_fields(&a.body)
                .into_iter()
                .map(|(p, _)| p)
                .collect::<Vec<_>>(),
            vec![
                "subject_request_id",
                "subject_request_type",
                "submitted_time",
                "subject_identities[0].identity_value"
            ]
        );

        // Not JSON at all.
        let res = reqwest::Client::new()
            .post(app.url(&format!("{BASE}/requests")))
            .bearer_auth(&portal)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["error"]["code"], 400);

        let all = ours(&app, Method::GET, "/api/v1/requests?open=false", None).await;
        assert_eq!(all["total"], 0, "{backend}: nothing was taken in");

        // The good one still goes in.
        assert_eq!(submit(good()).await.status, 201);
    }
}

#[tokio::test]
async fn only_tokens_whose_roles_allow_it_submit_and_read() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    let portal = token(&app, "portal", Role::DpoOffice).await;
    let auditor = token(&app, "audit", Role::Auditor).await;
    let council = token(&app, "council", Role::CouncilReader).await;
    let id = "1e2d3c4b-5a69-4788-97a6-b5c4d3e2f1a0";
    let body = example(id, "access", "anna@example.nl");
    let requests = format!("{BASE}/requests");
    let one = format!("{BASE}/requests/{id}");

    // No token, or a wrong one: 401.
    for token in [None, Some("gst_not-a-token")] {
        assert_eq!(
            call(&app, Method::POST, &requests, token, Some(&body))
                .await
                .status,
            401
        );
        assert_eq!(call(&app, Method::GET, &one, token, None).await.status, 401);
        assert_eq!(
            call(&app, Method::DELETE, &one, token, None).await.status,
            401
        );
    }
    // An auditor reads requests but does not handle them; a council reader does neither.
    let a = call(&app, Method::POST, &requests, Some(&auditor), Some(&body)).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(
        call(&app, Method::POST, &requests, Some(&council), Some(&body))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&app, Method::POST, &requests, Some(&portal), Some(&body))
            .await
            .status,
        201
    );
    assert_eq!(
        call(&app, Method::GET, &one, Some(&auditor), None)
            .await
            .status,
        200
    );
    assert_eq!(
        call(&app, Method::GET, &one, Some(&council), None)
            .await
            .status,
        403
    );
    assert_eq!(
        call(&app, Method::DELETE, &one, Some(&auditor), None)
            .await
            .status,
        403
    );
    let s = call(&app, Method::GET, &one, Some(&auditor), None).await;
    assert_eq!(
        s.body["request_status"], "pending",
        "the refused cancellation changed nothing"
    );
    // Discovery needs no token: verifiers fetch it to find the certificate (§8.8).
    assert_eq!(
        call(&app, Method::GET, &format!("{BASE}/discovery"), None, None)
            .await
            .status,
        200
    );
}

/// A server like `TestApp::spawn`'s, with an OpenDSR signing key configured.
async fn spawn_signed(db: grondslag_store::testing::TestDb) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = grondslag_web::AppState::new(
        db.store.clone(),
        false,
        grondslag_domain::transfers::TransferRules::builtin(),
    );
    state.opendsr = Some(std::sync::Arc::new(
        grondslag_web::OpenDsrSigner::new(KEY.as_bytes(), CERT_URL).unwrap(),
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
    TestApp {
        base,
        client: reqwest::Client::new(),
        db,
    }
}

#[tokio::test]
async fn answers_are_signed_with_the_configured_key() {
    let app = spawn_signed(grondslag_store::testing::sqlite().await).await;
    let portal = token(&app, "portal", Role::DpoOffice).await;
    // The same key signs here; RSASSA-PKCS1-v1_5 is deterministic, so the signature of the
    // bytes we received must be exactly the header (the unit tests check it against OpenSSL).
    let signer = grondslag_web::OpenDsrSigner::new(KEY.as_bytes(), CERT_URL).unwrap();
    let check = |a: &Answer| {
        let sig = a.headers["x-opendsr-signature"].to_str().unwrap();
        assert_eq!(sig, signer.sign(&a.bytes).unwrap());
        assert_eq!(
            a.headers["x-opendsr-processor-domain"],
            "privacy.lindenhout.example"
        );
        assert_eq!(a.headers["x-opengdpr-signature"], sig);
    };

    let d = call(&app, Method::GET, &format!("{BASE}/discovery"), None, None).await;
    assert_eq!(d.body["processor_certificate"], CERT_URL);
    check(&d);
    let id = "2f3e4d5c-6b7a-4898-a7b6-c5d4e3f2a1b0";
    let r = call(
        &app,
        Method::POST,
        &format!("{BASE}/requests"),
        Some(&portal),
        Some(&example(id, "erasure", "anna@example.nl")),
    )
    .await;
    assert_eq!(r.status, 201);
    check(&r);
    let s = call(
        &app,
        Method::GET,
        &format!("{BASE}/requests/{id}"),
        Some(&portal),
        None,
    )
    .await;
    check(&s);
    let c = call(
        &app,
        Method::DELETE,
        &format!("{BASE}/requests/{id}"),
        Some(&portal),
        None,
    )
    .await;
    assert_eq!(c.status, 202);
    check(&c);
    // Errors are not signed: the specification signs answers to well-formed requests.
    let e = call(
        &app,
        Method::GET,
        &format!("{BASE}/requests/{}", "0".repeat(8)),
        Some(&portal),
        None,
    )
    .await;
    assert_eq!(e.status, 404);
    assert!(e.headers.get("x-opendsr-signature").is_none());
}
