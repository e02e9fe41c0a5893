//! Data-subject requests: intake (staff, API, the public form after its e-mail code), the
//! steps of handling them with their timeline, the queue sorted by deadline, and statistics.
//! Every change is one write with its audit entry; the rules are in
//! `grondslag_domain::requests`.

use crate::audit::{now, WriteTx};
use crate::db::QueryBuilder;
use crate::register::Page;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use grondslag_domain::requests::{
    apply, Action, IdentityCheck, Request, RequestInput, RequestState, Right, VerificationMethod,
};
use grondslag_domain::vocab::Term;
use grondslag_domain::ValidationErrors;
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long the public form's e-mail code stays valid.
pub const CODE_LIFETIME: TimeDelta = TimeDelta::hours(1);
/// Wrong codes before a pending request is dropped.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// One step on a request's timeline.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `create`, `confirm_email`, or the action's name (`verify_identity`, `extend`, ...).
    pub action: String,
    /// The state after the step.
    pub state: String,
    /// The step's content as JSON (the action, or the intake).
    pub detail: String,
}

/// What the queue shows of a request.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    pub id: String,
    pub reference: String,
    pub state: String,
    pub received_on: String,
    pub due_on: String,
    pub handler: Option<String>,
    pub name: String,
    pub doc: String,
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Open requests only (the queue); otherwise every request, newest first.
    pub open: bool,
    pub state: Option<RequestState>,
    pub right: Option<Right>,
    pub handler: Option<String>,
    /// Searches the reference, the name and the e-mail address.
    pub q: Option<String>,
    /// Due on or before this day (the at-risk and overdue views).
    pub due_by: Option<NaiveDate>,
}

/// Requests received in a month, per right.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestCount {
    /// `YYYY-MM`.
    pub month: String,
    pub right: String,
    pub n: i64,
}

#[derive(sqlx::FromRow)]
struct Doc {
    doc: String,
}

#[derive(sqlx::FromRow)]
struct Max {
    n: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Pending {
    input: String,
    code_hash: String,
    attempts: i64,
    created_at: DateTime<Utc>,
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn parse_doc(doc: &str) -> Result<Request> {
    serde_json::from_str(doc)
        .map_err(|e| StoreError::Conflict(format!("a stored request does not read back: {e}")))
}

/// What the public form's requester must type: six digits.
fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

impl Store {
    /// Takes in a request entered by staff or sent by another system. The deadline starts
    /// from `received_on`.
    pub async fn create_request(&self, actor: &str, input: &RequestInput) -> Result<Request> {
        let mut w = self.begin_write(actor).await?;
        let r = insert_request(&mut w, input, Vec::new(), false).await?;
        w.commit().await?;
        Ok(r)
    }

    pub async fn request(&self, id: &str) -> Result<Request> {
        let row: Option<Doc> = self
            .pool
            .fetch_optional(
                "SELECT doc FROM requests WHERE id = $1 OR reference = $1",
                &[id.into()],
            )
            .await?;
        parse_doc(
            &row.ok_or_else(|| StoreError::NotFound(format!("request {id}")))?
                .doc,
        )
    }

    /// The request's steps, oldest first.
    pub async fn request_timeline(&self, id: &str) -> Result<Vec<RequestEvent>> {
        Ok(self
            .pool
            .fetch_all(
                "SELECT at, actor, action, state, detail FROM request_events WHERE request_id = $1 ORDER BY id",
                &[id.into()],
            )
            .await?)
    }

    /// Takes a step in handling a request. With `expected_version`, a request changed by
    /// someone else since it was read is refused as stale.
    pub async fn act_on_request(
        &self,
        actor: &str,
        id: &str,
        expected_version: Option<i64>,
        action: &Action,
    ) -> Result<Request> {
        self.act_on_request_with_ledger(actor, id, expected_version, action, &[])
            .await
    }

    /// The same, with consent-ledger events written in the same transaction: a restriction
    /// set or lifted on the request reaches the ledger's decisions at once, or not at all
    /// (DSR-4).
    pub async fn act_on_request_with_ledger(
        &self,
        actor: &str,
        id: &str,
        expected_version: Option<i64>,
        action: &Action,
        ledger: &[grondslag_domain::consent::ConsentEvent],
    ) -> Result<Request> {
        let mut w = self.begin_write(actor).await?;
        let row: Option<Doc> =
            w.tx.fetch_optional("SELECT doc FROM requests WHERE id = $1", &[id.into()])
                .await?;
        let before = parse_doc(
            &row.ok_or_else(|| StoreError::NotFound(format!("request {id}")))?
                .doc,
        )?;
        if let Some(v) = expected_version.filter(|v| *v != before.version) {
            return Err(StoreError::Stale(format!(
                "request {} is at version {}, not {v}: someone changed it; reload and try again",
                before.reference, before.version
            )));
        }
        if let Action::Assign {
            handler: Some(handler),
        } = action
        {
            #[derive(sqlx::FromRow)]
            struct Id {
                #[allow(dead_code)]
                id: i64,
            }
            let known: Option<Id> =
                w.tx.fetch_optional(
                    "SELECT id FROM users WHERE username = $1",
                    &[handler.as_str().into()],
                )
                .await?;
            if known.is_none() {
                let mut e = ValidationErrors::new();
                e.add(
                    "handler",
                    "unknown_reference",
                    format!("no account is called \"{handler}\""),
                );
                return Err(StoreError::Invalid(e));
            }
        }
        let after = apply(&before, action, actor, w.at()).map_err(StoreError::Invalid)?;
        if !ledger.is_empty() {
            crate::consent::append_consent_events(&mut w, &[], ledger).await?;
        }
        save(&mut w, &after).await?;
        let detail = serde_json::to_string(action).expect("an action serialises");
        event(&mut w, &after, action.name(), &detail).await?;
        w.record(
            &format!("request.{}", action.name()),
            "request",
            &after.id,
            Some(serde_json::to_string(&before).expect("a request serialises")),
            Some(serde_json::to_string(&after).expect("a request serialises")),
        );
        w.commit().await?;
        Ok(after)
    }

    /// Records a step that does not change the request's state (collecting its data, a
    /// dry run, an erasure): on its timeline and in the audit log, in one transaction.
    pub async fn record_request_step(
        &self,
        actor: &str,
        id: &str,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let mut w = self.begin_write(actor).await?;
        let row: Option<Doc> =
            w.tx.fetch_optional("SELECT doc FROM requests WHERE id = $1", &[id.into()])
                .await?;
        let r = parse_doc(
            &row.ok_or_else(|| StoreError::NotFound(format!("request {id}")))?
                .doc,
        )?;
        let detail = detail.to_string();
        event(&mut w, &r, action, &detail).await?;
        w.record(
            &format!("request.{action}"),
            "request",
            &r.id,
            None,
            Some(detail),
        );
        w.commit().await
    }

    /// The detail of the latest step of this kind on a request's timeline.
    pub async fn last_request_step(
        &self,
        id: &str,
        action: &str,
    ) -> Result<Option<serde_json::Value>> {
        let rows: Vec<RequestEvent> = self
            .pool
            .fetch_all(
                "SELECT at, actor, action, state, detail FROM request_events WHERE request_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1",
                &[id.into(), action.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|e| serde_json::from_str(&e.detail).ok()))
    }

    /// The queue or the archive, a page at a time. Open requests come by deadline, the
    /// soonest first; all requests come newest first.
    pub async fn list_requests(
        &self,
        f: &RequestFilter,
        page: u32,
        per_page: u32,
    ) -> Result<Page<RequestRow>> {
        let mut q = QueryBuilder::new(" FROM requests r WHERE 1 = 1");
        if f.open {
            q.push(" AND r.is_open = ").bind(true);
        }
        if let Some(s) = f.state {
            q.push(" AND r.state = ").bind(s.machine_name());
        }
        if let Some(right) = f.right {
            q.push(" AND r.id IN (SELECT request_id FROM request_rights WHERE \"right\" = ")
                .bind(right.machine_name())
                .push(")");
        }
        if let Some(h) = &f.handler {
            q.push(" AND r.handler = ").bind(h.as_str());
        }
        if let Some(d) = f.due_by {
            q.push(" AND r.due_on <= ").bind(d.to_string());
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
            q.push(" AND (LOWER(r.reference) LIKE ")
                .bind(like.clone())
                .push(" OR LOWER(r.name) LIKE ")
                .bind(like.clone())
                .push(" OR LOWER(COALESCE(r.email, '')) LIKE ")
                .bind(like)
                .push(")");
        }
        #[derive(sqlx::FromRow)]
        struct Count {
            n: i64,
        }
        let total: Count = self
            .pool
            .fetch_one(&format!("SELECT COUNT(*) AS n{}", q.sql()), q.vals())
            .await?;
        let order = if f.open {
            " ORDER BY r.due_on, r.received_on, r.reference"
        } else {
            " ORDER BY r.received_on DESC, r.reference DESC"
        };
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        // The page's ids first, from the index alone (`requests_queue_order`), and only then
        // the page's rows whole: a deep page sorts and skips index entries, not documents.
        let sql = format!(
            "SELECT r.id, r.reference, r.state, r.received_on, r.due_on, r.handler, r.name, r.doc \
             FROM requests r WHERE r.id IN (SELECT r.id{}{order} LIMIT {per_page} OFFSET {}){order}",
            q.sql(),
            (page as i64 - 1) * per_page as i64
        );
        let items: Vec<RequestRow> = self.pool.fetch_all(&sql, q.vals()).await?;
        Ok(Page {
            items,
            total: total.n,
            page,
            per_page,
        })
    }

    /// Requests received per month and right, from `since` on (DSR statistics).
    pub async fn request_counts(&self, since: NaiveDate) -> Result<Vec<RequestCount>> {
        Ok(self
            .pool
            .fetch_all(
                "SELECT SUBSTR(r.received_on, 1, 7) AS month, x.\"right\" AS \"right\", COUNT(*) AS n \
                 FROM requests r JOIN request_rights x ON x.request_id = r.id \
                 WHERE r.received_on >= $1 GROUP BY SUBSTR(r.received_on, 1, 7), x.\"right\" \
                 ORDER BY month, \"right\"",
                &[since.to_string().into()],
            )
            .await?)
    }

    /// A request from the public form waits for its e-mail code. Returns the token that
    /// names the pending request (for the confirmation page) and the code to send. The
    /// input is checked first, so the requester hears of mistakes before any e-mail.
    pub async fn begin_public_request(&self, input: &RequestInput) -> Result<(String, String)> {
        input
            .validate(now().date_naive())
            .into_result(())
            .map_err(StoreError::Invalid)?;
        if input.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            let mut e = ValidationErrors::new();
            e.add(
                "email",
                "required",
                "is required: the code that confirms the request is sent there",
            );
            return Err(StoreError::Invalid(e));
        }
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill(&mut bytes);
        let token = hex::encode(bytes);
        let code = new_code();
        let at = now();
        // Bookkeeping of an unconfirmed form, not a request yet: no audit entry. Old ones
        // are cleared here.
        self.pool
            .execute(
                "DELETE FROM pending_requests WHERE created_at < $1",
                &[(at - CODE_LIFETIME).into()],
            )
            .await?;
        self.pool
            .execute(
                "INSERT INTO pending_requests (token_hash, input, code_hash, attempts, created_at) VALUES ($1, $2, $3, 0, $4)",
                &[
                    sha256(&token).into(),
                    serde_json::to_string(input).expect("input serialises").into(),
                    sha256(&format!("{token}:{code}")).into(),
                    at.into(),
                ],
            )
            .await?;
        Ok((token, code))
    }

    /// Confirms a pending public request with the code from the e-mail: the request is then
    /// taken in, with the proof of e-mail control on record (DSR-2). A wrong code counts;
    /// after five, or after an hour, the pending request is gone.
    pub async fn confirm_public_request(&self, token: &str, code: &str) -> Result<Request> {
        let mut w = self.begin_write("system:web_form").await?;
        let pending: Option<Pending> =
            w.tx.fetch_optional(
                "SELECT input, code_hash, attempts, created_at FROM pending_requests WHERE token_hash = $1",
                &[sha256(token).into()],
            )
            .await?;
        let Some(p) = pending.filter(|p| p.created_at > now() - CODE_LIFETIME) else {
            return Err(StoreError::NotFound(
                "this confirmation (it may have expired)".into(),
            ));
        };
        let given = sha256(&format!("{token}:{}", code.trim()));
        // Comparing hashes: equal length, and a mismatch says nothing about the code.
        if given != p.code_hash {
            if p.attempts + 1 >= MAX_CODE_ATTEMPTS {
                w.tx.execute(
                    "DELETE FROM pending_requests WHERE token_hash = $1",
                    &[sha256(token).into()],
                )
                .await?;
            } else {
                w.tx.execute(
                    "UPDATE pending_requests SET attempts = attempts + 1 WHERE token_hash = $1",
                    &[sha256(token).into()],
                )
                .await?;
            }
            w.record(
                "request.code_failed",
                "pending_request",
                &sha256(token)[..16],
                None,
                None,
            );
            w.commit().await?;
            let mut e = ValidationErrors::new();
            e.add(
                "code",
                "wrong",
                "is not the code we sent; check the e-mail and try again",
            );
            return Err(StoreError::Invalid(e));
        }
        let input: RequestInput = serde_json::from_str(&p.input).map_err(|e| {
            StoreError::Conflict(format!("a pending request does not read back: {e}"))
        })?;
        w.tx.execute(
            "DELETE FROM pending_requests WHERE token_hash = $1",
            &[sha256(token).into()],
        )
        .await?;
        let check = IdentityCheck {
            method: VerificationMethod::EmailCode,
            at: w.at(),
            by: "system:web_form".into(),
            note: String::new(),
        };
        let r = insert_request(&mut w, &input, vec![check], true).await?;
        w.commit().await?;
        Ok(r)
    }
}

/// Inserts a new request with its first timeline entry and audit entry, inside `w`
/// (`opendsr.rs` links an OpenDSR submission to it in the same write).
pub(crate) async fn insert_request(
    w: &mut WriteTx,
    input: &RequestInput,
    checks: Vec<IdentityCheck>,
    email_confirmed: bool,
) -> Result<Request> {
    input
        .validate(w.at().date_naive())
        .into_result(())
        .map_err(StoreError::Invalid)?;
    let year = input.received_on.year() as i64;
    let max: Max =
        w.tx.fetch_one(
            "SELECT MAX(number) AS n FROM requests WHERE year = $1",
            &[year.into()],
        )
        .await?;
    let number = max.n.unwrap_or(0) + 1;
    let r = Request {
        id: uuid::Uuid::new_v4().to_string(),
        reference: format!("DSR-{year}-{number:04}"),
        input: input.clone(),
        state: RequestState::Received,
        email_confirmed,
        identity_checks: checks,
        extension: None,
        outcome: None,
        handler: None,
        restricted: false,
        version: 1,
    };
    let due = r
        .deadline()
        .map_err(|e| StoreError::Conflict(e.to_string()))?
        .due;
    let at = w.at();
    w.tx.execute(
        "INSERT INTO requests (id, reference, year, number, state, is_open, received_on, due_on, handler, name, email, doc, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, 1, $12, $12)",
        &[
            r.id.as_str().into(),
            r.reference.as_str().into(),
            year.into(),
            number.into(),
            r.state.machine_name().into(),
            true.into(),
            input.received_on.to_string().into(),
            due.to_string().into(),
            input.name.as_str().into(),
            input.email.clone().into(),
            serde_json::to_string(&r).expect("a request serialises").into(),
            at.into(),
        ],
    )
    .await?;
    for right in &input.rights {
        w.tx.execute(
            "INSERT INTO request_rights (request_id, \"right\") VALUES ($1, $2)",
            &[r.id.as_str().into(), right.machine_name().into()],
        )
        .await?;
    }
    let detail = serde_json::to_string(input).expect("input serialises");
    event(w, &r, "create", &detail).await?;
    if email_confirmed {
        event(w, &r, "confirm_email", "{}").await?;
    }
    w.record(
        "request.create",
        "request",
        &r.id,
        None,
        Some(serde_json::to_string(&r).expect("a request serialises")),
    );
    Ok(r)
}

async fn save(w: &mut WriteTx, r: &Request) -> Result<()> {
    let due = r
        .deadline()
        .map_err(|e| StoreError::Conflict(e.to_string()))?
        .due;
    let at = w.at();
    w.tx.execute(
        "UPDATE requests SET state = $1, is_open = $2, due_on = $3, handler = $4, doc = $5, version = $6, updated_at = $7 WHERE id = $8",
        &[
            r.state.machine_name().into(),
            r.state.is_open().into(),
            due.to_string().into(),
            r.handler.clone().into(),
            serde_json::to_string(r).expect("a request serialises").into(),
            r.version.into(),
            at.into(),
            r.id.as_str().into(),
        ],
    )
    .await?;
    Ok(())
}

async fn event(w: &mut WriteTx, r: &Request, action: &str, detail: &str) -> Result<()> {
    let at = w.at();
    let actor = w.actor().to_string();
    w.tx.execute(
        "INSERT INTO request_events (request_id, at, actor, action, state, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            r.id.as_str().into(),
            at.into(),
            actor.into(),
            action.into(),
            r.state.machine_name().into(),
            detail.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Code e-mails the public form sends for one client address within [`CODE_SEND_WINDOW`].
pub const MAX_CODE_SENDS_PER_ADDRESS: i64 = 10;
/// Code e-mails the public form sends to one recipient within [`CODE_SEND_WINDOW`]: the
/// limit that holds when someone spreads a flood over many addresses.
pub const MAX_CODE_SENDS_PER_RECIPIENT: i64 = 5;
/// The window of both limits.
pub const CODE_SEND_WINDOW: TimeDelta = TimeDelta::hours(1);

/// Who runs the deadline reminders, as the audit log names it.
pub const REMINDER_ACTOR: &str = "system:reminders";

/// One handler's open requests whose deadline is at risk or past, claimed for one day's
/// reminder e-mail.
#[derive(Debug, Clone)]
pub struct Reminder {
    /// The handler's account name.
    pub handler: String,
    /// Where the reminder goes: the account's e-mail address.
    pub email: String,
    /// The requests, the soonest due first.
    pub requests: Vec<Request>,
}

#[derive(sqlx::FromRow)]
struct ReminderRow {
    id: String,
    handler: String,
    email: String,
    doc: String,
}

#[derive(sqlx::FromRow)]
struct Attempts {
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

impl Store {
    /// Counts a code e-mail of the public form, or refuses it when the client `address`
    /// or the `recipient` has had too many within the last hour (the form must not serve
    /// to flood someone's mailbox). A refusal is an audit entry by `anonymous:ADDRESS`;
    /// the recipient is kept only as a hash.
    pub async fn claim_code_send(&self, address: &str, recipient: &str) -> Result<bool> {
        let recipient_hash = sha256(&recipient.trim().to_lowercase());
        let mut w = self.begin_write(&format!("anonymous:{address}")).await?;
        let at = w.at();
        w.tx.execute(
            "DELETE FROM request_code_sends WHERE at <= $1",
            &[(at - CODE_SEND_WINDOW).into()],
        )
        .await?;
        let by_address: Count =
            w.tx.fetch_one(
                "SELECT COUNT(*) AS n FROM request_code_sends WHERE address = $1",
                &[address.into()],
            )
            .await?;
        let by_recipient: Count =
            w.tx.fetch_one(
                "SELECT COUNT(*) AS n FROM request_code_sends WHERE recipient_hash = $1",
                &[recipient_hash.as_str().into()],
            )
            .await?;
        if by_address.n >= MAX_CODE_SENDS_PER_ADDRESS
            || by_recipient.n >= MAX_CODE_SENDS_PER_RECIPIENT
        {
            w.record(
                "request.form_throttled",
                "pending_request",
                &recipient_hash[..16],
                None,
                None,
            );
            w.commit().await?;
            return Ok(false);
        }
        // Bookkeeping, like the pending request itself: no audit entry.
        w.tx.execute(
            "INSERT INTO request_code_sends (address, recipient_hash, at) VALUES ($1, $2, $3)",
            &[address.into(), recipient_hash.into(), at.into()],
        )
        .await?;
        w.commit().await?;
        Ok(true)
    }

    /// How many more wrong codes a pending public request allows; `None` when there is no
    /// such pending request (never made, already confirmed, expired, or used up).
    pub async fn pending_request_attempts_left(&self, token: &str) -> Result<Option<i64>> {
        let row: Option<Attempts> = self
            .pool
            .fetch_optional(
                "SELECT attempts FROM pending_requests WHERE token_hash = $1 AND created_at > $2",
                &[sha256(token).into(), (now() - CODE_LIFETIME).into()],
            )
            .await?;
        Ok(row.map(|r| (MAX_CODE_ATTEMPTS - r.attempts).max(0)))
    }

    /// Claims `today`'s deadline reminders: the open requests with a handler who has an
    /// e-mail address, whose deadline is at risk or past and who were not reminded today,
    /// grouped per handler. Each claimed request gets `reminded_on = today` and a
    /// `request.reminder` audit entry in one write. Writes queue on the audit chain's head,
    /// and a row is claimed only while its `reminded_on` is still older, so instances that
    /// run this at the same moment never claim the same reminder twice.
    pub async fn claim_reminders(&self, today: NaiveDate) -> Result<Vec<Reminder>> {
        use grondslag_domain::deadline::{DeadlineStatus, AT_RISK_DAYS};
        let mut w = self.begin_write(REMINDER_ACTOR).await?;
        let horizon = today + TimeDelta::days(AT_RISK_DAYS);
        let rows: Vec<ReminderRow> =
            w.tx.fetch_all(
                "SELECT r.id, r.handler, u.email, r.doc FROM requests r JOIN users u ON u.username = r.handler \
                 WHERE r.is_open = $1 AND r.due_on < $2 AND (r.reminded_on IS NULL OR r.reminded_on < $3) \
                 AND u.email IS NOT NULL AND u.email <> '' \
                 ORDER BY r.handler, r.due_on, r.reference",
                &[true.into(), horizon.to_string().into(), today.to_string().into()],
            )
            .await?;
        let mut out: Vec<Reminder> = Vec::new();
        for row in rows {
            let r = parse_doc(&row.doc)?;
            // The domain decides what is at risk; the query only narrows the rows.
            let Some(status @ (DeadlineStatus::AtRisk | DeadlineStatus::Overdue)) =
                r.deadline_status(today)
            else {
                continue;
            };
            let claimed =
                w.tx.execute(
                    "UPDATE requests SET reminded_on = $1 WHERE id = $2 AND (reminded_on IS NULL OR reminded_on < $1)",
                    &[today.to_string().into(), row.id.as_str().into()],
                )
                .await?;
            if claimed != 1 {
                continue;
            }
            let due = r
                .deadline()
                .map_err(|e| StoreError::Conflict(e.to_string()))?
                .due;
            let after = serde_json::json!({
                "handler": row.handler,
                "reminded_on": today,
                "due_on": due,
                "days_left": (due - today).num_days(),
                "status": status.machine_name(),
            });
            w.record(
                "request.reminder",
                "request",
                &r.id,
                None,
                Some(after.to_string()),
            );
            match out.last_mut() {
                Some(last) if last.handler == row.handler => last.requests.push(r),
                _ => out.push(Reminder {
                    handler: row.handler,
                    email: row.email.trim().to_string(),
                    requests: vec![r],
                }),
            }
        }
        w.commit().await?;
        Ok(out)
    }

    /// Gives back a claimed reminder whose e-mail could not be sent, so that the next run
    /// tries again. Each request gets a `request.reminder_failed` audit entry.
    pub async fn release_reminder(&self, today: NaiveDate, reminder: &Reminder) -> Result<()> {
        let mut w = self.begin_write(REMINDER_ACTOR).await?;
        for r in &reminder.requests {
            let n =
                w.tx.execute(
                    "UPDATE requests SET reminded_on = NULL WHERE id = $1 AND reminded_on = $2",
                    &[r.id.as_str().into(), today.to_string().into()],
                )
                .await?;
            if n == 1 {
                let after = serde_json::json!({"handler": reminder.handler, "reminded_on": null});
                w.record(
                    "request.reminder_failed",
                    "request",
                    &r.id,
                    None,
                    Some(after.to_string()),
                );
            }
        }
        w.commit().await
    }
}
