//! Requests that came in through OpenDSR: the submitter's `subject_request_id` kept beside
//! our request, so that status lookups and cancellations find it and a second submission
//! of the same id makes no second request. The request itself is an ordinary request
//! (`requests.rs`); handling it changes nothing here.

use crate::audit::WriteTx;
use crate::requests::insert_request;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use grondslag_domain::requests::{Request, RequestInput};
use serde::Serialize;

/// What an OpenDSR submission carries besides the request itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenDsrSubmission {
    /// The submitter's id of the request: a lowercase v4 GUID.
    pub subject_request_id: String,
    /// `access`, `portability` or `erasure`.
    pub subject_request_type: String,
    /// When the data subject made the request.
    pub submitted_time: DateTime<Utc>,
    pub status_callback_urls: Vec<String>,
    pub api_version: Option<String>,
}

/// A stored OpenDSR submission and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenDsrRecord {
    #[serde(flatten)]
    pub submission: OpenDsrSubmission,
    /// Our request's id.
    pub request_id: String,
    /// Who submitted it (`token:NAME`): OpenDSR's `controller_id`.
    pub controller_id: String,
    /// When we took it in.
    pub received_time: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    subject_request_id: String,
    request_id: String,
    subject_request_type: String,
    controller_id: String,
    submitted_time: DateTime<Utc>,
    received_time: DateTime<Utc>,
    status_callback_urls: String,
    api_version: Option<String>,
    doc: String,
}

const SELECT: &str = "SELECT o.subject_request_id, o.request_id, o.subject_request_type, o.controller_id, \
     o.submitted_time, o.received_time, o.status_callback_urls, o.api_version, r.doc \
     FROM opendsr_requests o JOIN requests r ON r.id = o.request_id WHERE o.subject_request_id = $1";

fn read(row: Row) -> Result<(OpenDsrRecord, Request)> {
    let unreadable = |e: serde_json::Error| {
        StoreError::Conflict(format!("a stored OpenDSR request does not read back: {e}"))
    };
    let request: Request = serde_json::from_str(&row.doc).map_err(unreadable)?;
    let record = OpenDsrRecord {
        submission: OpenDsrSubmission {
            subject_request_id: row.subject_request_id,
            subject_request_type: row.subject_request_type,
            submitted_time: row.submitted_time,
            status_callback_urls: serde_json::from_str(&row.status_callback_urls)
                .map_err(unreadable)?,
            api_version: row.api_version,
        },
        request_id: row.request_id,
        controller_id: row.controller_id,
        received_time: row.received_time,
    };
    Ok((record, request))
}

async fn existing(
    w: &mut WriteTx,
    subject_request_id: &str,
) -> Result<Option<(OpenDsrRecord, Request)>> {
    let row: Option<Row> =
        w.tx.fetch_optional(SELECT, &[subject_request_id.into()])
            .await?;
    row.map(read).transpose()
}

impl Store {
    /// Takes in a request submitted through OpenDSR by `actor` (the API token), and keeps
    /// its `subject_request_id`, in one write with both audit entries. An id that was
    /// submitted before is refused as a conflict that names our request, and nothing is
    /// written; writes queue on the audit chain's head, so two submissions of one id at
    /// the same moment cannot both pass.
    pub async fn create_opendsr_request(
        &self,
        actor: &str,
        submission: &OpenDsrSubmission,
        input: &RequestInput,
    ) -> Result<(OpenDsrRecord, Request)> {
        let mut w = self.begin_write(actor).await?;
        if let Some((_, earlier)) = existing(&mut w, &submission.subject_request_id).await? {
            return Err(StoreError::Conflict(format!(
                "subject_request_id {} was submitted before, as request {}; ask its status instead of submitting it again",
                submission.subject_request_id, earlier.reference
            )));
        }
        let request = insert_request(&mut w, input, Vec::new(), false).await?;
        let record = OpenDsrRecord {
            submission: submission.clone(),
            request_id: request.id.clone(),
            controller_id: actor.to_string(),
            received_time: w.at(),
        };
        w.tx.execute(
            "INSERT INTO opendsr_requests (subject_request_id, request_id, subject_request_type, controller_id, \
             submitted_time, received_time, status_callback_urls, api_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                submission.subject_request_id.as_str().into(),
                request.id.as_str().into(),
                submission.subject_request_type.as_str().into(),
                actor.into(),
                submission.submitted_time.into(),
                record.received_time.into(),
                serde_json::to_string(&submission.status_callback_urls)
                    .expect("a list of strings serialises")
                    .into(),
                submission.api_version.clone().into(),
            ],
        )
        .await?;
        w.record(
            "request.opendsr",
            "request",
            &request.id,
            None,
            Some(serde_json::to_string(&record).expect("a record serialises")),
        );
        w.commit().await?;
        Ok((record, request))
    }

    /// The request submitted through OpenDSR with this `subject_request_id`, as it stands
    /// now.
    pub async fn opendsr_request(
        &self,
        subject_request_id: &str,
    ) -> Result<(OpenDsrRecord, Request)> {
        let row: Option<Row> = self
            .pool
            .fetch_optional(SELECT, &[subject_request_id.into()])
            .await?;
        read(
            row.ok_or_else(|| {
                StoreError::NotFound(format!("OpenDSR request {subject_request_id}"))
            })?,
        )
    }
}
