//! A data-subject request: what the requester asked and who they are (the intake), and the
//! request as the FG office handles it, with its state, identity checks, extension and
//! outcome (DSR-1 to DSR-3, DSR-6).

use super::vocab::{
    Channel, ExtensionReason, RefusalGround, RequestState, Right, VerificationMethod,
};
use crate::deadline::{
    extended_deadline, response_deadline, Deadline, DeadlineError, DeadlineStatus,
};
use crate::vocab::Term;
use crate::ValidationErrors;
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What comes in: from the public form, from staff who enter a letter or call, or from
/// another system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// The rights the requester exercises; at least one.
    pub rights: Vec<Right>,
    /// The requester's name as they gave it.
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// A postal address, for requests by letter.
    #[serde(default)]
    pub address: Option<String>,
    /// A student or staff number, when the requester gave one: it helps find their data.
    #[serde(default)]
    pub university_number: Option<String>,
    /// What the requester asks, in their words.
    #[serde(default)]
    pub description: String,
    pub channel: Channel,
    /// The day the request reached the university; the month runs from the next day.
    pub received_on: NaiveDate,
}

/// A step taken to establish who the requester is (RU 4:11 lid 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IdentityCheck {
    pub method: VerificationMethod,
    pub at: DateTime<Utc>,
    /// Who checked: `user:NAME`, or `system:web_form` for a one-time code.
    pub by: String,
    #[serde(default)]
    pub note: String,
}

/// The extension to three months in total, with the notice to the requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Extension {
    pub reason: ExtensionReason,
    /// The reasons as told to the requester.
    pub explanation: String,
    /// The day the requester was told; on or before the first month's due date.
    pub notice_sent_on: NaiveDate,
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Completed {
        summary: String,
    },
    /// Refused, or a right limited, on these grounds and for these reasons (RU 4:9, 4:11 lid 5).
    Refused {
        grounds: Vec<RefusalGround>,
        reasons: String,
    },
    Withdrawn {
        note: String,
    },
}

/// A request as the FG office handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Request {
    pub id: String,
    /// The number the requester and the office refer to: `DSR-2026-0042`.
    pub reference: String,
    #[serde(flatten)]
    pub input: RequestInput,
    pub state: RequestState,
    /// Whether the requester proved control of the e-mail address with a one-time code.
    pub email_confirmed: bool,
    pub identity_checks: Vec<IdentityCheck>,
    pub extension: Option<Extension>,
    pub outcome: Option<Outcome>,
    /// The account handling the request.
    pub handler: Option<String>,
    /// The processing of the requester's data is restricted (RU 4:5; DSR-4) until lifted.
    #[serde(default)]
    pub restricted: bool,
    /// Optimistic concurrency: each change adds one.
    pub version: i64,
}

impl RequestState {
    /// Completed, refused and withdrawn requests are closed: no deadline, no changes.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestState::Completed | RequestState::Refused | RequestState::Withdrawn
        )
    }

    /// Whether the requester's identity has been established (nothing is disclosed or
    /// changed before: RU 4:11 lid 2).
    pub fn identity_established(self) -> bool {
        !matches!(self, RequestState::Received) && self != RequestState::Withdrawn
    }
}

impl Request {
    /// The deadline that applies now: one month, or three in total once extended.
    pub fn deadline(&self) -> Result<Deadline, DeadlineError> {
        if self.extension.is_some() {
            extended_deadline(self.input.received_on)
        } else {
            response_deadline(self.input.received_on)
        }
    }

    /// Where an open request stands on `today`; `None` for a closed one.
    pub fn deadline_status(&self, today: NaiveDate) -> Option<DeadlineStatus> {
        if !self.state.is_open() {
            return None;
        }
        self.deadline().ok().map(|d| d.status(today))
    }
}

/// The longest text field, against accidental pastes of whole documents.
const MAX_TEXT: usize = 20_000;

impl RequestInput {
    /// Every problem with the intake, each at its field. `today` bounds the receipt date.
    pub fn validate(&self, today: NaiveDate) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        if self.rights.is_empty() {
            e.add(
                "rights",
                "required",
                format!(
                    "name at least one right; expected some of {}",
                    Right::expected_list()
                ),
            );
        }
        for (i, r) in self.rights.iter().enumerate() {
            if self.rights[..i].contains(r) {
                e.add(
                    format!("rights[{i}]"),
                    "duplicate",
                    format!("{r} is named twice"),
                );
            }
        }
        if self.name.trim().is_empty() {
            e.add("name", "required", "is required: the requester's name");
        }
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&self.email) && blank(&self.phone) && blank(&self.address) {
            e.add(
                "email",
                "required",
                "give at least one way to reach the requester: an e-mail address, a telephone number or a postal address",
            );
        }
        if let Some(email) = self.email.as_deref().filter(|s| !s.trim().is_empty()) {
            if !plausible_email(email) {
                e.add(
                    "email",
                    "invalid_format",
                    format!("\"{email}\" is not an e-mail address; expected name@domain"),
                );
            }
        }
        if self.received_on > today {
            e.add(
                "received_on",
                "in_future",
                format!(
                    "{} is in the future; expected today ({today}) or earlier",
                    self.received_on
                ),
            );
        }
        if let Err(err) = response_deadline(self.received_on) {
            e.add("received_on", "out_of_range", err.to_string());
        }
        for (path, text) in [
            ("description", Some(&self.description)),
            ("address", self.address.as_ref()),
            ("name", Some(&self.name)),
        ] {
            if text.is_some_and(|t| t.len() > MAX_TEXT) {
                e.add(
                    path,
                    "too_long",
                    format!("expected at most {MAX_TEXT} characters"),
                );
            }
        }
        e
    }
}

/// A cheap check that catches typing mistakes; the one-time code proves the rest.
pub fn plausible_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace())
                && s.matches('@').count() == 1
                && s.len() <= 254
        }
        None => false,
    }
}
