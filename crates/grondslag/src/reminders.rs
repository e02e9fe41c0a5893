//! Deadline reminders (issue 6): `grondslag serve` sends, once an hour, each handler one
//! e-mail listing their open requests that are at risk (fewer than 7 days left) or overdue,
//! at most once a day per request (`grondslag_web::mail::send_reminders`). The date is read
//! from the clock here, in UTC; the claim in the store keeps several instances from sending
//! the same reminder twice.

use grondslag_store::Store;
use grondslag_web::mail::{send_reminders, Mailer};
use std::sync::Arc;
use std::time::Duration;

/// How often the reminders run; one run reminds each handler at most once a day.
pub const INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Starts the hourly reminders in the background: the first run at once, then every hour.
/// The task ends with the server.
pub fn spawn(store: Store, mailer: Arc<Mailer>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let today = chrono::Utc::now().date_naive();
            match send_reminders(&store, &mailer, today).await {
                Ok(run) if run.sent + run.failed > 0 => {
                    tracing::info!(sent = run.sent, failed = run.failed, "deadline reminders")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "deadline reminders failed; the next run tries again")
                }
            }
        }
    })
}
