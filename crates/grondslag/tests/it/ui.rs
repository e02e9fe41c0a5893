//! The web UI as a browser without JavaScript uses it: forms, redirects and cookies.

use crate::{TestApp, PASSWORD};

async fn login(app: &TestApp) {
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "fg"),
            ("password", PASSWORD),
            ("next", "/activities"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/activities");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

/// The anti-forgery token a page of ours carries in its forms.
async fn csrf(app: &TestApp) -> String {
    let html = app
        .client
        .get(app.url("/activities"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_string()
}

async fn page(app: &TestApp, path: &str, lang: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn create_submit_register_edit_and_compare_through_the_ui() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    app.seed_units().await;

    let res = app
        .client
        .get(app.url("/activities?q=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/activities%3Fq%3Dx");
    let wrong = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "fg"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    login(&app).await;
    let token = csrf(&app).await;

    let (status, html) = page(&app, "/activities/new", "nl").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Nieuwe verwerkingsactiviteit")
            && html.contains("<label for=\"name\">Naam</label>"),
        "{html}"
    );

    // Errors come back at their fields, with what was typed kept.
    let res = app
        .client
        .post(app.url("/activities"))
        .header("accept-language", "nl")
        .form(&[
            ("csrf", token.as_str()),
            ("name", ""),
            ("unit", "imapp"),
            ("description", "Cijfers van tentamens"),
            ("data_categories[0].category", "grades"),
            ("data_categories[0].retention.period", "zeven"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"data_categories-0-retention-period-error\""),
        "{html}"
    );
    assert!(html.contains("Cijfers van tentamens"));

    let res = app
        .client
        .post(app.url("/activities"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Tentamenuitslagen"),
            ("unit", "imapp"),
            ("purposes", "assessment"),
            ("data_categories[0].category", "grades"),
            ("data_categories[0].legal_basis", "public_task"),
            ("data_categories[0].retention.period", "7"),
            ("data_categories[0].retention.unit", "years"),
            ("data_categories[1].category", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let id = location.trim_start_matches("/activities/").to_string();

    let (_, html) = page(&app, &location, "nl").await;
    assert!(
        html.contains("Tentamenuitslagen") && html.contains("Concept") && html.contains("7 jaar"),
        "{html}"
    );
    for (to, version) in [("submitted", "1"), ("registered", "2")] {
        let res = app
            .client
            .post(app.url(&format!("{location}/transition")))
            .form(&[("csrf", token.as_str()), ("to", to), ("version", version)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{to}");
    }
    let res = app
        .client
        .post(app.url(&format!("{location}/edit")))
        .form(&[
            ("csrf", token.as_str()),
            ("version", "3"),
            ("name", "Tentamenuitslagen"),
            ("unit", "imapp"),
            ("purposes", "assessment"),
            ("data_categories[0].category", "grades"),
            ("data_categories[0].legal_basis", "legal_obligation"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let (_, html) = page(&app, &format!("/activities/{id}/compare?from=1&to=4"), "en").await;
    assert!(html.contains("Compare versions"), "{html}");
    assert!(
        html.contains("data_categories[0].legal_basis")
            && html.contains("public_task")
            && html.contains("legal_obligation"),
        "{html}"
    );

    let (_, html) = page(&app, "/activities?legal_basis=legal_obligation", "en").await;
    assert!(
        html.contains("One processing activity found.") && html.contains("Registered"),
        "{html}"
    );

    // The language choice overrides the browser's.
    let res = app
        .client
        .get(app.url("/lang/nl?back=/activities"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, "/activities", "en").await;
    assert!(html.contains("Register van verwerkingsactiviteiten") && html.contains("lang=\"nl\""));

    // After logout the old session cookie no longer opens anything.
    let cookie = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cookie.status(), 303);
    let res = app.client.get(app.url("/activities")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let log = app.db.store.audit_recent(1).await.unwrap();
    assert_eq!(log[0].action, "session.logout");
}

#[tokio::test]
async fn findings_show_on_the_activity_and_the_dashboard_and_assessments_are_saved_from_the_form() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    app.seed_units().await;
    login(&app).await;
    let token = csrf(&app).await;
    let res = app
        .client
        .post(app.url("/activities"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Studieadvies bij functiebeperking"),
            ("unit", "imapp"),
            ("data_categories[0].category", "health"),
            ("data_categories[0].legal_basis", "legitimate_interests"),
            (
                "legitimate_interest_assessment.interest",
                "Studenten passend begeleiden",
            ),
            (
                "legitimate_interest_assessment.review.decision",
                "lia_approved",
            ),
            ("legitimate_interest_assessment.review.date", "2026-02-30"),
            ("dpia_screening.enabled", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "30 February is no date");
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"lia-review-date-error\""), "{html}");
    assert!(
        html.contains("Studenten passend begeleiden"),
        "what was typed is kept"
    );

    let res = app
        .client
        .post(app.url("/activities"))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "Studieadvies bij functiebeperking"),
            ("unit", "imapp"),
            ("data_categories[0].category", "health"),
            ("data_categories[0].legal_basis", "legitimate_interests"),
            (
                "legitimate_interest_assessment.interest",
                "Studenten passend begeleiden",
            ),
            (
                "legitimate_interest_assessment.review.decision",
                "lia_approved",
            ),
            ("legitimate_interest_assessment.review.date", "2026-02-28"),
            ("dpia_screening.enabled", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let location = res.headers()["location"].to_str().unwrap().to_string();
    let id = location.trim_start_matches("/activities/");

    let (_, html) = page(&app, &location, "nl").await;
    assert!(
        html.contains(
            "Bijzondere persoonsgegevens (health) zonder uitzondering van art. 9 lid 2 AVG."
        ),
        "{html}"
    );
    assert!(
        html.contains("De belangenafweging is niet compleet"),
        "{html}"
    );
    let (_, html) = page(&app, "/findings?rule=law3-special-no-exception", "en").await;
    assert!(
        html.contains("Findings in the register")
            && html.contains("Studieadvies bij functiebeperking"),
        "{html}"
    );

    // The screening box keeps an empty screening: done, nothing applies.
    app.api_login().await;
    let saved: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/activities/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        saved["dpia_screening"],
        serde_json::json!({"criteria": [], "ap_list": [], "date": null, "notes": ""})
    );
    assert_eq!(
        saved["legitimate_interest_assessment"]["review"]["date"],
        "2026-02-28"
    );

    // The accountability page shows the assessment to print for the AP.
    let (status, html) = page(&app, &format!("{location}/accountability"), "en").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Accountability: legitimate-interest assessment and DPIA")
            && html.contains("Studenten passend begeleiden"),
        "{html}"
    );
}

#[tokio::test]
async fn forms_without_the_sessions_token_are_refused_and_pages_carry_security_headers() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    app.seed_units().await;
    login(&app).await;
    let before = app.db.store.audit_recent(1).await.unwrap()[0].seq;
    for token in [None, Some("0".repeat(64))] {
        let mut fields = vec![
            ("name", "Van een andere site".to_string()),
            ("unit", "imapp".to_string()),
        ];
        if let Some(t) = &token {
            fields.push(("csrf", t.clone()));
        }
        let res = app
            .client
            .post(app.url("/activities"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{token:?}");
    }
    assert_eq!(
        app.db.store.audit_recent(1).await.unwrap()[0].seq,
        before,
        "nothing was written"
    );
    // Logging out needs the token too, so another site cannot log a user out.
    assert_eq!(
        app.client
            .post(app.url("/logout"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let res = app.client.get(app.url("/activities")).send().await.unwrap();
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(
        !h.contains_key("strict-transport-security"),
        "HSTS only over HTTPS"
    );
}

#[tokio::test]
async fn a_user_changes_their_password_and_their_sessions_end() {
    let app = TestApp::spawn(grondslag_store::testing::sqlite().await).await;
    login(&app).await;
    let token = csrf(&app).await;
    let post = |fields: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/account/password"))
            .form(&fields)
            .send()
    };
    let res = post(vec![
        ("csrf", token.clone()),
        ("old_password", "wrong".into()),
        ("password", "Vergaderzaal-Noord-2026!".into()),
        ("password_again", "Vergaderzaal-Noord-2026!".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("id=\"old_password-error\""));
    let res = post(vec![
        ("csrf", token.clone()),
        ("old_password", PASSWORD.into()),
        ("password", "qwertyuiop12".into()),
        ("password_again", "qwertyuiop12".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422, "a keyboard pattern is too easy to guess");
    let res = post(vec![
        ("csrf", token.clone()),
        ("old_password", PASSWORD.into()),
        ("password", "Vergaderzaal-Noord-2026!".into()),
        ("password_again", "Vergaderzaal-Noord-2026!".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.client
            .get(app.url("/activities"))
            .send()
            .await
            .unwrap()
            .status(),
        303,
        "the old session has ended"
    );
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "fg"), ("password", "Vergaderzaal-Noord-2026!")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}
