//! The public request form and e-mail end to end (issue 6): the real router, a real SMTP
//! server on loopback (tests/smtp-server/), and both databases. A requester submits the form,
//! reads the code from the e-mail, types it, and the request is in the store with the proof
//! of e-mail control on record; handlers get one deadline reminder a day.

use crate::node::{Received, SmtpServer};
use crate::{browser, form_token};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::deadline::{response_deadline, weekday_label};
use grondslag_domain::requests::{
    Action, Channel, Request, RequestInput, RequestState, Right, VerificationMethod,
};
use grondslag_domain::Lang;
use grondslag_store::testing::TestDb;
use grondslag_store::Store;
use grondslag_web::mail::{send_reminders, Mailer, ReminderRun};
use std::sync::Arc;

const FROM: &str = "Privacy Lindenhout <privacy@lindenhout.example>";

struct App {
    base: String,
    db: TestDb,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The server, with a mailer on `smtp` when given; the client address comes from
/// X-Forwarded-For, so a test can speak from several addresses.
async fn spawn(db: TestDb, smtp: Option<&SmtpServer>) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = grondslag_web::AppState::new(
        db.store.clone(),
        false,
        grondslag_domain::transfers::TransferRules::builtin(),
    );
    state.behind_proxy = true;
    state.mailer = smtp.map(|s| Arc::new(Mailer::new(&s.url(), FROM).unwrap()));
    let app = grondslag_web::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    App { base, db }
}

/// Opens the form and returns its token (the browser keeps the cookie).
async fn open_form(app: &App, client: &reqwest::Client) -> String {
    let res = client
        .get(app.url("/privacy-request"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    form_token(&res.text().await.unwrap())
}

/// Posts the form from client address `from`.
async fn submit(
    app: &App,
    client: &reqwest::Client,
    from: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url("/privacy-request"))
        .header("x-forwarded-for", from)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The six digits in a code e-mail.
fn code_in(mail: &Received) -> String {
    mail.text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {:?}", mail.text))
        .to_string()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[tokio::test]
async fn a_requester_submits_the_form_and_confirms_with_the_code_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let backend = db.backend;
        let app = spawn(db, Some(&smtp)).await;
        let anna = browser("en");

        let page = anna.get(app.url("/privacy-request")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("HttpOnly; SameSite=Strict")));
        let html = page.text().await.unwrap();
        assert!(html.contains("<legend>Which rights do you want to exercise?</legend>"));
        assert!(html.contains(
            "<input type=\"checkbox\" id=\"right-right_of_access\" name=\"rights\" value=\"right_of_access\"> <label for=\"right-right_of_access\">Right of access</label>"
        ), "{html}");
        assert!(html.contains("<label for=\"email\">Your e-mail address</label>"));
        let token = form_token(&html);

        let res = submit(
            &app,
            &anna,
            "198.51.100.1",
            &[
                ("csrf", &token),
                ("rights", "right_of_access"),
                ("rights", "right_to_erasure"),
                ("name", "Anna de Vries"),
                ("email", "anna@example.nl"),
                ("university_number", "s1234567"),
                ("description", "Which data do you keep about my exams?"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{backend}");
        let confirm = res.headers()["location"].to_str().unwrap().to_string();
        assert!(
            confirm.starts_with("/privacy-request/confirm/"),
            "{confirm}"
        );

        // The code arrives at the address given, from the configured sender.
        let mails = smtp.messages();
        assert_eq!(mails.len(), 1, "{backend}");
        assert_eq!(mails[0].to, vec!["anna@example.nl"]);
        assert!(
            mails[0].from.contains("privacy@lindenhout.example"),
            "{}",
            mails[0].from
        );
        assert_eq!(mails[0].subject, "Your code for the privacy request");
        assert!(
            mails[0].text.starts_with("Dear Anna de Vries,"),
            "{}",
            mails[0].text
        );
        let code = code_in(&mails[0]);

        let page = anna.get(app.url(&confirm)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("autocomplete=\"one-time-code\""));
        let token = form_token(&html);

        // A wrong code: the error is at the field, with the attempts left; a typing slip
        // costs no attempt.
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        let post_code = |code: String| {
            let (anna, url, token) = (anna.clone(), app.url(&confirm), token.clone());
            async move {
                anna.post(url)
                    .form(&[("csrf", token.as_str()), ("code", code.as_str())])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let res = post_code("12 34".into()).await;
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("Enter the six digits from the e-mail."));
        let res = post_code(wrong.clone()).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"code-error\""));
        assert!(
            html.contains("This is not the code we sent. You can try 4 more times."),
            "{html}"
        );
        assert!(app
            .db
            .store
            .list_requests(&Default::default(), 1, 10)
            .await
            .unwrap()
            .items
            .is_empty());

        // The right code takes the request in.
        let res = post_code(format!(" {} {} ", &code[..3], &code[3..])).await;
        assert_eq!(res.status(), 200, "{backend}");
        let html = res.text().await.unwrap();
        let year = today().format("%Y").to_string();
        let reference = format!("DSR-{year}-0001");
        let due = response_deadline(today()).unwrap().due;
        let due_label = format!(
            "{due} ({})",
            weekday_label(chrono::Datelike::weekday(&due), Lang::En)
        );
        assert!(
            html.contains(&format!("<strong>{reference}</strong>")),
            "{html}"
        );
        assert!(
            html.contains(&format!("<dd id=\"due\">{due_label}</dd>")),
            "{html}"
        );
        assert!(html.contains("We have sent a confirmation to your e-mail address."));

        let r: Request = app.db.store.request(&reference).await.unwrap();
        assert_eq!(r.state, RequestState::Received);
        assert!(r.email_confirmed);
        assert_eq!(r.identity_checks.len(), 1);
        assert_eq!(r.identity_checks[0].method, VerificationMethod::EmailCode);
        assert_eq!(r.identity_checks[0].by, "system:web_form");
        assert_eq!(r.input.channel, Channel::WebForm);
        assert_eq!(r.input.received_on, today());
        assert_eq!(r.input.rights, vec![Right::Access, Right::Erasure]);
        assert_eq!(r.input.email.as_deref(), Some("anna@example.nl"));
        assert_eq!(r.input.university_number.as_deref(), Some("s1234567"));
        assert_eq!(r.deadline().unwrap().due, due);

        // The confirmation e-mail gives the reference and the due date.
        let mails = smtp.messages();
        assert_eq!(mails.len(), 2);
        assert_eq!(mails[1].to, vec!["anna@example.nl"]);
        assert_eq!(
            mails[1].subject,
            format!("Your privacy request {reference} has been received")
        );
        assert!(
            mails[1]
                .text
                .contains(&format!("by {due_label} at the latest")),
            "{}",
            mails[1].text
        );
        assert!(
            mails[1]
                .text
                .contains("- Right of access\n- Right to erasure"),
            "{}",
            mails[1].text
        );

        // The code is used up.
        let res = post_code(code.clone()).await;
        assert_eq!(res.status(), 404);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("This code can no longer be used"));
        assert_eq!(smtp.messages().len(), 2);
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_is_shown_at_its_fields_and_nothing_is_written_or_sent() {
    for db in grondslag_store::testing::each_backend().await {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        db.store
            .create_user(
                "cli:test",
                "fg",
                "Functionaris",
                crate::PASSWORD,
                &[Grant {
                    role: Role::Dpo,
                    unit: None,
                }],
            )
            .await
            .unwrap();
        let app = spawn(db, Some(&smtp)).await;
        let audit_before = app.db.store.audit_recent(1).await.unwrap()[0].seq;
        let client = browser("nl");
        let token = open_form(&app, &client).await;
        let res = submit(
            &app,
            &client,
            "198.51.100.2",
            &[
                ("csrf", &token),
                ("name", "  "),
                ("email", "anna at example"),
                ("phone", "+31 6 1234 5678"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        for (id, text) in [
            ("rights", "Kies ten minste één recht."),
            ("name", "Vul uw naam in."),
            (
                "email",
                "Dit is geen e-mailadres. Controleer het op tikfouten.",
            ),
        ] {
            assert!(
                html.contains(&format!("<p class=\"error\" id=\"{id}-error\">{text}</p>")),
                "{id}: {html}"
            );
            assert!(
                html.contains(&format!("<a href=\"#{id}\">")),
                "summary links {id}"
            );
        }
        assert!(html.contains("id=\"name\" name=\"name\" type=\"text\" value=\"\" autocomplete=\"name\" aria-invalid=\"true\" aria-describedby=\"name-error\""), "{html}");
        assert!(html.contains("aria-describedby=\"email-error email-hint\""));
        assert!(html.contains("aria-describedby=\"rights-hint rights-error\""));
        // What was typed stays.
        assert!(html.contains("value=\"anna at example\""));
        assert!(html.contains("value=\"+31 6 1234 5678\""));
        // An e-mail address is required here, though a telephone number was given.
        let res = submit(
            &app,
            &client,
            "198.51.100.2",
            &[
                ("csrf", &token),
                ("rights", "right_of_access"),
                ("name", "Anna"),
                ("phone", "0612345678"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("<p class=\"error\" id=\"email-error\">Vul uw e-mailadres in: daar sturen wij de code naartoe.</p>"));

        // Posts without the form's token, or with another, are refused.
        let good = [
            ("rights", "right_of_access"),
            ("name", "Anna"),
            ("email", "anna@example.nl"),
        ];
        let stranger = browser("nl");
        let res = submit(&app, &stranger, "198.51.100.3", &good).await;
        assert_eq!(res.status(), 403);
        let mut forged = good.to_vec();
        forged.push((
            "csrf",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ));
        let res = submit(&app, &client, "198.51.100.3", &forged).await;
        assert_eq!(res.status(), 403);

        // Nothing was kept, nothing sent, nothing audited.
        assert!(smtp.messages().is_empty());
        assert_eq!(
            app.db
                .store
                .execute_raw_for_tests("DELETE FROM pending_requests")
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            app.db.store.audit_recent(1).await.unwrap()[0].seq,
            audit_before
        );

        // A member of staff who is logged in can use the form too: the session's token
        // does not apply to it.
        let res = client
            .post(app.url("/login"))
            .form(&[("username", "fg"), ("password", crate::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let mut with_token = good.to_vec();
        with_token.push(("csrf", &token));
        let res = submit(&app, &client, "198.51.100.2", &with_token).await;
        assert_eq!(res.status(), 303);
        assert_eq!(smtp.messages().len(), 1);
        assert_eq!(
            smtp.messages()[0].subject,
            "Uw code voor het privacyverzoek"
        );

        // A confirmation page that does not exist.
        let res =
            client
                .get(app.url(
                    "/privacy-request/confirm/0123456789abcdef0123456789abcdef0123456789abcdef",
                ))
                .send()
                .await
                .unwrap();
        assert_eq!(res.status(), 404);
        app.db.cleanup().await;
    }

    // Without an SMTP server the form takes no requests it could not confirm.
    let app = spawn(grondslag_store::testing::sqlite().await, None).await;
    let client = browser("en");
    let res = client
        .get(app.url("/privacy-request"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The form cannot be used right now."));
    let res = submit(
        &app,
        &client,
        "198.51.100.4",
        &[("rights", "right_of_access")],
    )
    .await;
    assert_eq!(res.status(), 503);
}

#[tokio::test]
async fn the_form_sends_at_most_ten_codes_an_hour_per_address_and_five_per_recipient() {
    for db in grondslag_store::testing::each_backend().await {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let app = spawn(db, Some(&smtp)).await;
        let client = browser("en");
        let token = open_form(&app, &client).await;
        let post = |from: &'static str, email: String| {
            let (client, token) = (client.clone(), token.clone());
            let app = &app;
            async move {
                submit(
                    app,
                    &client,
                    from,
                    &[
                        ("csrf", &token),
                        ("rights", "right_of_access"),
                        ("name", "Someone"),
                        ("email", &email),
                    ],
                )
                .await
            }
        };
        for i in 0..10 {
            let res = post("203.0.113.7", format!("person{i}@example.nl")).await;
            assert_eq!(res.status(), 303, "code e-mail {i}");
        }
        let res = post("203.0.113.7", "person10@example.nl".into()).await;
        assert_eq!(res.status(), 429);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Too many codes were sent from your network or to this e-mail address.")
        );
        assert!(
            html.contains("value=\"person10@example.nl\""),
            "the form keeps what was typed"
        );
        assert_eq!(smtp.messages().len(), 10);
        // Another address may.
        assert_eq!(
            post("203.0.113.8", "person10@example.nl".into())
                .await
                .status(),
            303
        );

        // One mailbox gets at most five codes an hour, from however many addresses.
        for from in [
            "192.0.2.1",
            "192.0.2.2",
            "192.0.2.3",
            "192.0.2.4",
            "192.0.2.5",
        ] {
            assert_eq!(post(from, "Victim@Example.nl".into()).await.status(), 303);
        }
        assert_eq!(
            post("192.0.2.6", "victim@example.nl".into()).await.status(),
            429
        );
        let mails = smtp.messages();
        assert_eq!(mails.len(), 16);
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.to[0].eq_ignore_ascii_case("victim@example.nl"))
                .count(),
            5
        );
        let throttled = app
            .db
            .store
            .audit_recent(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "request.form_throttled")
            .map(|e| e.actor)
            .collect::<Vec<_>>();
        assert_eq!(
            throttled,
            vec!["anonymous:192.0.2.6", "anonymous:203.0.113.7"]
        );
        app.db.cleanup().await;
    }
}

fn input(name: &str, received_on: chrono::NaiveDate) -> RequestInput {
    RequestInput {
        rights: vec![Right::Access],
        name: name.into(),
        email: Some(format!("{}@example.nl", name.to_lowercase())),
        phone: None,
        address: None,
        university_number: None,
        description: String::new(),
        channel: Channel::Email,
        received_on,
    }
}

/// A request received on `received_on`, assigned to `handler`.
async fn request_for(
    store: &Store,
    handler: Option<&str>,
    received_on: chrono::NaiveDate,
) -> Request {
    let r = store
        .create_request("user:fg", &input("Requester", received_on))
        .await
        .unwrap();
    match handler {
        Some(h) => store
            .act_on_request(
                "user:fg",
                &r.id,
                None,
                &Action::Assign {
                    handler: Some(h.into()),
                },
            )
            .await
            .unwrap(),
        None => r,
    }
}

fn grondslag(db: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_grondslag"))
        .args(args)
        .env("GRONDSLAG_DATABASE_URL", db)
        .env("USER", "beheerder")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn handlers_get_one_deadline_reminder_a_day_on_both_backends() {
    for db in grondslag_store::testing::each_backend().await {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let store = db.store.clone();
        let role = [Grant {
            role: Role::Dpo,
            unit: None,
        }];
        for name in ["fg", "anna", "bert", "carl"] {
            store
                .create_user("cli:test", name, name, crate::PASSWORD, &role)
                .await
                .unwrap();
        }
        store
            .set_user_email("cli:test", "anna", Some("anna@lindenhout.example"))
            .await
            .unwrap();
        store
            .set_user_email("cli:test", "bert", Some(" bert@lindenhout.example "))
            .await
            .unwrap();
        assert!(store
            .set_user_email("cli:test", "carl", Some("carl at lindenhout"))
            .await
            .is_err());
        // An account from single sign-on takes its address from the `email` claim, and
        // follows it when it changes.
        for email in ["dora@old.example", "dora@lindenhout.example"] {
            store
                .sso_sign_in(&grondslag_store::sso::SsoIdentity {
                    issuer: "https://idp.example",
                    subject: "dora-1",
                    username: "dora",
                    display_name: "Dora",
                    grants: None,
                    email: Some(email),
                })
                .await
                .unwrap();
        }
        // An account from the command line, with --email.
        let bad = grondslag(
            &db.url,
            &[
                "user",
                "add",
                "erik",
                "--name",
                "Erik",
                "--email",
                "erik at x",
            ],
            "",
        );
        assert!(!bad.status.success());
        let out = grondslag(
            &db.url,
            &[
                "user",
                "add",
                "erik",
                "--name",
                "Erik",
                "--email",
                "erik@lindenhout.example",
            ],
            &format!("{}\n", crate::PASSWORD),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // Received 25 days ago, due in about a week; `day` is three days before the due date.
        let received = today() - chrono::TimeDelta::days(25);
        let due = response_deadline(received).unwrap().due;
        let day = due - chrono::TimeDelta::days(3);
        let a1 = request_for(&store, Some("anna"), received).await;
        let a2 = request_for(&store, Some("anna"), received - chrono::TimeDelta::days(1)).await;
        let b1 = request_for(&store, Some("bert"), received).await;
        // Not at risk yet: no reminder.
        let b2 = request_for(&store, Some("bert"), today()).await;
        // Without an address, closed, or without a handler: no reminder.
        request_for(&store, Some("carl"), received).await;
        let closed = request_for(&store, Some("anna"), received).await;
        store
            .act_on_request(
                "user:fg",
                &closed.id,
                None,
                &Action::Withdraw {
                    note: String::new(),
                },
            )
            .await
            .unwrap();
        request_for(&store, None, received).await;
        let d1 = request_for(&store, Some("dora"), received).await;
        let e1 = request_for(&store, Some("erik"), received).await;

        let mailer = Mailer::new(&smtp.url(), FROM).unwrap();
        let run = send_reminders(&store, &mailer, day).await.unwrap();
        assert_eq!(run, ReminderRun { sent: 4, failed: 0 });
        let mails = smtp.messages();
        let to = |m: &Received| m.to.join(",");
        let mut recipients: Vec<String> = mails.iter().map(to).collect();
        recipients.sort();
        assert_eq!(
            recipients,
            vec![
                "anna@lindenhout.example",
                "bert@lindenhout.example",
                "dora@lindenhout.example",
                "erik@lindenhout.example"
            ]
        );
        let anna = mails
            .iter()
            .find(|m| to(m) == "anna@lindenhout.example")
            .unwrap();
        assert_eq!(
            anna.subject,
            "Herinnering: 2 privacyverzoeken verlopen bijna / Reminder: 2 privacy requests are due soon"
        );
        let label = |d: chrono::NaiveDate, lang| {
            format!(
                "{d} ({})",
                weekday_label(chrono::Datelike::weekday(&d), lang)
            )
        };
        assert!(
            anna.text.contains(&format!(
                "{}: due {}, 3 days left",
                a1.reference,
                label(due, Lang::En)
            )),
            "{}",
            anna.text
        );
        assert!(
            anna.text.contains(&format!(
                "{}: uiterlijk {}, nog 3 dagen",
                a1.reference,
                label(due, Lang::Nl)
            )),
            "{}",
            anna.text
        );
        assert!(anna.text.contains(&a2.reference));
        assert!(
            !anna.text.contains(&closed.reference),
            "closed requests are not reminded of"
        );
        let bert = mails
            .iter()
            .find(|m| to(m) == "bert@lindenhout.example")
            .unwrap();
        assert!(bert.text.contains(&b1.reference) && !bert.text.contains(&b2.reference));
        assert!(mails.iter().any(|m| m.text.contains(&d1.reference)));
        assert!(mails.iter().any(|m| m.text.contains(&e1.reference)));

        // The same day again: nothing more.
        assert_eq!(
            send_reminders(&store, &mailer, day).await.unwrap(),
            ReminderRun::default()
        );
        assert_eq!(smtp.messages().len(), 4);

        // The next day, two instances at the same moment: still one e-mail per handler.
        let next = day + chrono::TimeDelta::days(1);
        let other = store.clone();
        let (x, y) = tokio::join!(
            send_reminders(&store, &mailer, next),
            send_reminders(&other, &mailer, next)
        );
        assert_eq!(x.unwrap().sent + y.unwrap().sent, 4);
        assert_eq!(smtp.messages().len(), 8);

        // A server that cannot be reached: the claims are given back, and the next run
        // sends them. Overdue requests say so.
        let late = due + chrono::TimeDelta::days(2);
        let down = Mailer::new("smtp://127.0.0.1:1", FROM).unwrap();
        assert_eq!(
            send_reminders(&store, &down, late).await.unwrap(),
            ReminderRun { sent: 0, failed: 4 }
        );
        assert_eq!(
            send_reminders(&store, &mailer, late).await.unwrap(),
            ReminderRun { sent: 4, failed: 0 }
        );
        let mails = smtp.messages();
        assert_eq!(mails.len(), 12);
        assert!(mails[8..].iter().any(|m| m.text.contains(&format!(
            "{}: due {}, 2 days overdue",
            b1.reference,
            label(due, Lang::En)
        ))));

        let audit = store.audit_recent(500).await.unwrap();
        let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
        assert_eq!(count("request.reminder"), 5 + 5 + 5 + 5);
        assert_eq!(count("request.reminder_failed"), 5);
        assert!(audit
            .iter()
            .all(|e| e.action != "request.reminder" || e.actor == "system:reminders"));
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "user.email" && e.entity_id == "dora")
                .count(),
            2
        );
        assert!(store.verify_audit_chain().await.unwrap().is_ok());
        db.cleanup().await;
    }
}
