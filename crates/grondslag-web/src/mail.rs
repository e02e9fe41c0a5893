//! E-mail over SMTP (issue 6): the one-time code and the confirmation of the public request
//! form, in the requester's language, the links of the hosted consent form, and the daily
//! deadline reminders to the handlers of requests. Messages are plain text, and every
//! sentence comes from the locales.
//!
//! The server is named by one URL (`--smtp-url`, docs/configuration.md):
//!
//! - `smtp://HOST[:PORT]`: plain SMTP (port 25 by default), for a relay on the same host or
//!   a trusted network; no user name or password, as they would travel unencrypted.
//! - `smtp://[USER:PASSWORD@]HOST[:PORT]?tls=starttls`: STARTTLS, required (port 587 by
//!   default); `tls=required` means the same.
//! - `smtps://[USER:PASSWORD@]HOST[:PORT]`: TLS from the first byte (port 465 by default).
//!
//! User name and password are percent-encoded. TLS certificates are checked against the
//! Mozilla roots (`webpki-roots`), as for single sign-on.

use crate::i18n::{t, t_args, Lang};
use chrono::{Datelike, NaiveDate};
use grondslag_domain::deadline::weekday_label;
use grondslag_domain::requests::Request;
use grondslag_domain::vocab::Term;
use grondslag_store::requests::Reminder;
use grondslag_store::{Store, StoreError};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP command may take before the send fails.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// What can go wrong with e-mail.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL or the sender cannot be used; the server does not start.
    #[error("{0}")]
    Config(String),
    /// The recipient's address cannot be put in a message.
    #[error("not an address e-mail can be sent to")]
    Address,
    /// The server could not be reached, or it refused the message.
    #[error("the e-mail could not be sent: {0}")]
    Send(String),
}

/// Sends e-mail through one SMTP server, from one sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// The URL lettre gets, and the same URL with its password masked for the log.
fn transport_url(smtp_url: &str) -> Result<(String, String), MailError> {
    const EXPECTED: &str = "expected smtp://HOST[:PORT], smtp://[USER:PASSWORD@]HOST[:PORT]?tls=starttls or smtps://[USER:PASSWORD@]HOST[:PORT]";
    let mut url = reqwest::Url::parse(smtp_url.trim())
        .map_err(|e| MailError::Config(format!("the SMTP URL does not parse ({e}); {EXPECTED}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(MailError::Config(format!(
            "the SMTP URL names no host; {EXPECTED}"
        )));
    }
    let mut tls = None;
    for (k, v) in url.query_pairs() {
        match (k.as_ref(), v.as_ref()) {
            ("tls", "starttls" | "required") => tls = Some(()),
            ("tls", other) => {
                return Err(MailError::Config(format!(
                    "the SMTP URL asks for tls={other}; expected tls=starttls (opportunistic TLS can be stripped by anyone on the path)"
                )))
            }
            (other, _) => {
                return Err(MailError::Config(format!(
                    "the SMTP URL has an unknown parameter \"{other}\"; {EXPECTED}"
                )))
            }
        }
    }
    let credentials = !url.username().is_empty() || url.password().is_some();
    match (url.scheme(), tls) {
        ("smtp", None) if credentials => {
            return Err(MailError::Config(
                "the SMTP URL has a user name or password but no TLS, so they would travel unencrypted; use smtps:// or add ?tls=starttls".into(),
            ))
        }
        ("smtp", None) => {}
        ("smtp", Some(())) => url.set_query(Some("tls=required")),
        ("smtps", None) => {}
        ("smtps", Some(())) => {
            return Err(MailError::Config(format!(
                "smtps:// is TLS from the start and takes no tls parameter; {EXPECTED}"
            )))
        }
        (other, _) => {
            return Err(MailError::Config(format!(
                "the SMTP URL has the scheme \"{other}\"; {EXPECTED}"
            )))
        }
    }
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    Ok((url.to_string(), shown.to_string()))
}

impl Mailer {
    /// A mailer for the server at `smtp_url` (the formats are in the module documentation),
    /// sending as `from` (`Privacy Lindenhout <privacy@lindenhout.example>` or a bare
    /// address). Nothing is sent or connected yet.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, MailError> {
        let (url, server) = transport_url(smtp_url)?;
        let from: Mailbox = from.trim().parse().map_err(|e| {
            MailError::Config(format!(
                "the sender \"{from}\" is not an address ({e}); expected \"Name <name@domain>\" or name@domain"
            ))
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| MailError::Config(format!("the SMTP URL cannot be used: {e}")))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Mailer {
            transport,
            from,
            server,
        })
    }

    /// The server's URL with its password masked, for the log.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The sender, as it appears in the From header.
    pub fn from_address(&self) -> String {
        self.from.to_string()
    }

    /// Sends one plain-text message to one address.
    pub async fn send(&self, to: &str, mail: &Mail) -> Result<(), MailError> {
        let to: Address = to.trim().parse().map_err(|_| MailError::Address)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Send(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Send(describe(&e)))?;
        Ok(())
    }
}

/// What went wrong, for the log. A server's answer can quote the recipient's address, so
/// only its status code is kept (logs hold no personal data).
fn describe(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) if e.is_permanent() => format!("the server refused it for good ({code})"),
        Some(code) => format!("the server refused it for now ({code})"),
        None if e.is_timeout() => "the server did not answer in time".into(),
        None if e.is_tls() => "TLS with the server failed".into(),
        None => format!("the server could not be reached or misbehaved: {e}"),
    }
}

/// Whether e-mail can be addressed to this address at all (the domain's `plausible_email`
/// catches typing mistakes; this catches what SMTP cannot carry).
pub fn deliverable(address: &str) -> bool {
    address.trim().parse::<Address>().is_ok()
}

/// One message: its subject and its plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

/// A date as the requester reads it: `2026-04-10 (Friday)`.
pub fn date_label(lang: Lang, d: NaiveDate) -> String {
    format!("{d} ({})", weekday_label(d.weekday(), lang))
}

fn closing(lang: Lang) -> String {
    format!("{}\n{}", t(lang, "mail-regards"), t(lang, "mail-signature"))
}

/// The e-mail with the one-time code of the public form.
pub fn code_mail(lang: Lang, name: &str, code: &str) -> Mail {
    let body = [
        t_args(
            lang,
            "mail-greeting",
            &[("name", name.trim().to_string().into())],
        ),
        t(lang, "mail-code-intro"),
        format!("{}\n\n    {code}", t(lang, "mail-code-instruction")),
        t(lang, "mail-code-validity"),
        t(lang, "mail-code-ignore"),
        closing(lang),
    ]
    .join("\n\n");
    Mail {
        subject: t(lang, "mail-code-subject"),
        body: body + "\n",
    }
}

/// The e-mail of the hosted consent form (double opt-in): the link that confirms a consent
/// (`withdraw` false) or a withdrawal. Nothing is recorded until it is followed.
pub fn consent_link_mail(lang: Lang, withdraw: bool, link: &str) -> Mail {
    let (subject, intro) = if withdraw {
        (
            "mail-consent-withdraw-subject",
            "mail-consent-withdraw-intro",
        )
    } else {
        ("mail-consent-give-subject", "mail-consent-give-intro")
    };
    let body = [
        t(lang, "mail-consent-greeting"),
        t(lang, intro),
        format!("{}\n\n    {link}", t(lang, "mail-consent-link-instruction")),
        t(lang, "mail-consent-link-validity"),
        t(lang, "mail-consent-ignore"),
        closing(lang),
    ]
    .join("\n\n");
    Mail {
        subject: t(lang, subject),
        body: body + "\n",
    }
}

/// The e-mail that confirms a request taken in from the public form: its reference and
/// its due date.
pub fn confirmation_mail(lang: Lang, r: &Request) -> Mail {
    let reference = || r.reference.clone().into();
    let due = r
        .deadline()
        .map(|d| date_label(lang, d.due))
        .unwrap_or_default();
    let rights: Vec<String> = r
        .input
        .rights
        .iter()
        .map(|right| format!("- {}", right.label(lang)))
        .collect();
    let body = [
        t_args(
            lang,
            "mail-greeting",
            &[("name", r.input.name.trim().to_string().into())],
        ),
        t_args(lang, "mail-confirm-intro", &[("reference", reference())]),
        format!("{}\n{}", t(lang, "mail-confirm-rights"), rights.join("\n")),
        t_args(lang, "mail-confirm-due", &[("due", due.into())]),
        t(lang, "mail-confirm-identity"),
        closing(lang),
    ]
    .join("\n\n");
    Mail {
        subject: t_args(lang, "mail-confirm-subject", &[("reference", reference())]),
        body: body + "\n",
    }
}

/// One language's part of a reminder.
fn reminder_part(lang: Lang, reminder: &Reminder, today: NaiveDate) -> String {
    let lines: Vec<String> = reminder
        .requests
        .iter()
        .filter_map(|r| {
            let due = r.deadline().ok()?.due;
            let left = (due - today).num_days();
            let status = if left < 0 {
                t_args(lang, "mail-reminder-overdue", &[("days", (-left).into())])
            } else {
                t_args(lang, "mail-reminder-days-left", &[("days", left.into())])
            };
            Some(t_args(
                lang,
                "mail-reminder-line",
                &[
                    ("reference", r.reference.clone().into()),
                    ("due", date_label(lang, due).into()),
                    ("status", status.into()),
                ],
            ))
        })
        .collect();
    [
        t(lang, "mail-reminder-intro"),
        lines.join("\n"),
        t(lang, "mail-reminder-outro"),
        t(lang, "mail-reminder-footer"),
    ]
    .join("\n\n")
}

/// The daily reminder to a handler. Accounts have no language of their own, so it is in
/// Dutch and then in English. It names references and dates only: what the requests are
/// about stays in Grondslag.
pub fn reminder_mail(reminder: &Reminder, today: NaiveDate) -> Mail {
    let count = reminder.requests.len();
    let subject = |lang| t_args(lang, "mail-reminder-subject", &[("count", count.into())]);
    Mail {
        subject: format!("{} / {}", subject(Lang::Nl), subject(Lang::En)),
        body: format!(
            "{}\n\n-----\n\n{}\n",
            reminder_part(Lang::Nl, reminder, today),
            reminder_part(Lang::En, reminder, today)
        ),
    }
}

/// What one run of the reminders did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRun {
    /// Handlers who were sent a reminder.
    pub sent: usize,
    /// Handlers whose reminder could not be sent; the next run tries again.
    pub failed: usize,
}

/// Sends `today`'s deadline reminders: one e-mail per handler with every request of theirs
/// that is at risk (fewer than 7 days left) or overdue, at most once a day. The requests are
/// claimed in the store before anything is sent, so several instances running this at the
/// same time send each reminder once; a reminder that cannot be sent is given back.
pub async fn send_reminders(
    store: &Store,
    mailer: &Mailer,
    today: NaiveDate,
) -> Result<ReminderRun, StoreError> {
    let mut run = ReminderRun::default();
    for reminder in store.claim_reminders(today).await? {
        let mail = reminder_mail(&reminder, today);
        match mailer.send(&reminder.email, &mail).await {
            Ok(()) => run.sent += 1,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    requests = reminder.requests.len(),
                    "a deadline reminder could not be sent; the next run tries again"
                );
                store.release_reminder(today, &reminder).await?;
                run.failed += 1;
            }
        }
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_checked_and_passwords_masked() {
        let ok = |u: &str| transport_url(u).unwrap();
        assert_eq!(ok("smtp://127.0.0.1:2525").0, "smtp://127.0.0.1:2525");
        let (url, shown) = ok("smtp://mailer:s%40cret@mail.example:587?tls=starttls");
        assert_eq!(url, "smtp://mailer:s%40cret@mail.example:587?tls=required");
        assert_eq!(shown, "smtp://mailer:***@mail.example:587?tls=required");
        assert_eq!(
            ok("smtps://u:p@mail.example").1,
            "smtps://u:***@mail.example"
        );
        for bad in [
            "smtp://u:p@mail.example",
            "smtp://mail.example?tls=opportunistic",
            "smtps://mail.example?tls=starttls",
            "smtp://mail.example?port=25",
            "http://mail.example",
            "mail.example:25",
        ] {
            assert!(transport_url(bad).is_err(), "{bad} is refused");
        }
        assert!(Mailer::new(
            "smtp://127.0.0.1:2525",
            "Privacy Lindenhout <privacy@lindenhout.example>"
        )
        .is_ok());
        assert!(Mailer::new("smtp://127.0.0.1:2525", "privacy at lindenhout").is_err());
    }

    #[test]
    fn the_code_mail_holds_the_code_in_the_language_asked() {
        let nl = code_mail(Lang::Nl, "Anna", "012345");
        let en = code_mail(Lang::En, "Anna", "012345");
        assert!(nl.body.contains("    012345\n") && en.body.contains("    012345\n"));
        assert_ne!(nl.subject, en.subject);
        assert!(en.body.starts_with("Dear Anna,"), "{}", en.body);
    }
}
