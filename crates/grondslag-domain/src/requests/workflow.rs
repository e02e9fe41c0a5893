//! What the FG office does with a request, and what the rules allow (RU 4:11): identity
//! before anything else, an extension only with notice within the first month, a refusal
//! only with grounds and reasons, and nothing after a request is closed.

use super::request::{Extension, IdentityCheck, Outcome, Request};
use super::vocab::{ExtensionReason, RefusalGround, RequestState, Right, VerificationMethod};
use crate::deadline::extend;
use crate::vocab::Term;
use crate::ValidationErrors;
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A step in handling a request. Each one is an entry on the request's timeline and in the
/// audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Record that the requester's identity was established, and how (RU 4:11 lid 2).
    VerifyIdentity {
        method: VerificationMethod,
        #[serde(default)]
        note: String,
    },
    /// Start the work: collecting, correcting, erasing.
    Start {},
    /// Extend to three months in total, with the reasons told to the requester on
    /// `notice_sent_on` (RU 4:11 lid 4).
    Extend {
        reason: ExtensionReason,
        explanation: String,
        notice_sent_on: NaiveDate,
    },
    /// The requester got their answer.
    Complete { summary: String },
    /// Refuse, or limit a right, on legal grounds with reasons (RU 4:9, 4:11 lid 5; DSR-6).
    Refuse {
        grounds: Vec<RefusalGround>,
        reasons: String,
    },
    /// The requester withdrew the request.
    Withdraw {
        #[serde(default)]
        note: String,
    },
    /// Give the request to a handler (an account name), or take it back (`null`).
    Assign { handler: Option<String> },
    /// Restrict the processing of the requester's data while the request is handled or as
    /// its outcome (RU 4:5; DSR-4): marked on the request until lifted.
    Restrict {
        #[serde(default)]
        note: String,
    },
    /// Lift a restriction, for example once a disputed accuracy is settled (GDPR 18(3)).
    LiftRestriction {
        #[serde(default)]
        note: String,
    },
    /// A note on the timeline.
    Note { text: String },
}

impl Action {
    /// The machine name, as on the timeline and in the audit log (`request.extend`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::VerifyIdentity { .. } => "verify_identity",
            Action::Start {} => "start",
            Action::Extend { .. } => "extend",
            Action::Complete { .. } => "complete",
            Action::Refuse { .. } => "refuse",
            Action::Withdraw { .. } => "withdraw",
            Action::Assign { .. } => "assign",
            Action::Restrict { .. } => "restrict",
            Action::LiftRestriction { .. } => "lift_restriction",
            Action::Note { .. } => "note",
        }
    }
}

/// Applies `action`, taken by `actor` at `at`, to a request. Returns the request as it is
/// afterwards, or every reason it is not allowed, each at its field.
pub fn apply(
    request: &Request,
    action: &Action,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Request, ValidationErrors> {
    use RequestState::*;
    let today = at.date_naive();
    let mut e = ValidationErrors::new();
    let mut next = request.clone();
    let state = request.state;
    let not_in = |e: &mut ValidationErrors, allowed: &[RequestState]| {
        if !allowed.contains(&state) {
            e.add(
                "action",
                "not_allowed",
                format!(
                    "a request that is {state} cannot {}; that is possible when it is {}",
                    action.name(),
                    allowed
                        .iter()
                        .map(|s| s.machine_name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            );
        }
    };
    let required = |e: &mut ValidationErrors, path: &str, text: &str, what: &str| {
        if text.trim().is_empty() {
            e.add(path, "required", format!("is required: {what}"));
        }
    };
    match action {
        Action::VerifyIdentity { method, note } => {
            not_in(&mut e, &[Received, IdentityVerified, InProgress, Extended]);
            next.identity_checks.push(IdentityCheck {
                method: *method,
                at,
                by: actor.to_string(),
                note: note.clone(),
            });
            if state == Received {
                next.state = IdentityVerified;
            }
        }
        Action::Start {} => {
            if state == Received {
                e.add(
                    "action",
                    "identity_first",
                    "the requester's identity is not yet established: verify it before the work starts (RU 4:11 lid 2)",
                );
            } else {
                not_in(&mut e, &[IdentityVerified]);
            }
            next.state = InProgress;
        }
        Action::Extend {
            reason,
            explanation,
            notice_sent_on,
        } => {
            not_in(&mut e, &[Received, IdentityVerified, InProgress]);
            required(
                &mut e,
                "explanation",
                explanation,
                "the reasons told to the requester (RU 4:11 lid 4)",
            );
            if *notice_sent_on > today {
                e.add(
                    "notice_sent_on",
                    "in_future",
                    format!("{notice_sent_on} is in the future; record the notice once it is sent"),
                );
            }
            if let Err(err) = extend(request.input.received_on, *notice_sent_on) {
                e.add(
                    "notice_sent_on",
                    if err.is_refusal() {
                        "too_late"
                    } else {
                        "invalid"
                    },
                    err.to_string(),
                );
            }
            next.extension = Some(Extension {
                reason: *reason,
                explanation: explanation.clone(),
                notice_sent_on: *notice_sent_on,
            });
            next.state = Extended;
        }
        Action::Complete { summary } => {
            if state == Received {
                e.add(
                    "action",
                    "identity_first",
                    "the requester's identity is not yet established: nothing is disclosed or changed before (RU 4:11 lid 2)",
                );
            } else {
                not_in(&mut e, &[IdentityVerified, InProgress, Extended]);
            }
            required(
                &mut e,
                "summary",
                summary,
                "what the requester was told or given",
            );
            next.state = Completed;
            next.outcome = Some(Outcome::Completed {
                summary: summary.clone(),
            });
        }
        Action::Refuse { grounds, reasons } => {
            not_in(&mut e, &[Received, IdentityVerified, InProgress, Extended]);
            if grounds.is_empty() {
                e.add(
                    "grounds",
                    "required",
                    format!(
                        "a refusal names its legal ground (RU 4:9; DSR-6); expected some of {}",
                        RefusalGround::expected_list()
                    ),
                );
            }
            required(
                &mut e,
                "reasons",
                reasons,
                "a refusal gives its reasons (RU 4:11 lid 5)",
            );
            next.state = Refused;
            next.outcome = Some(Outcome::Refused {
                grounds: grounds.clone(),
                reasons: reasons.clone(),
            });
        }
        Action::Withdraw { note } => {
            not_in(&mut e, &[Received, IdentityVerified, InProgress, Extended]);
            next.state = Withdrawn;
            next.outcome = Some(Outcome::Withdrawn { note: note.clone() });
        }
        Action::Assign { handler } => {
            not_in(&mut e, &[Received, IdentityVerified, InProgress, Extended]);
            next.handler = handler.clone().filter(|h| !h.trim().is_empty());
        }
        Action::Restrict { .. } => {
            if state == Received {
                e.add(
                    "action",
                    "identity_first",
                    "the requester's identity is not yet established: verify it before anything is changed (RU 4:11 lid 2)",
                );
            } else {
                not_in(&mut e, &[IdentityVerified, InProgress, Extended]);
            }
            if !request.input.rights.contains(&Right::Restriction) {
                e.add(
                    "action",
                    "not_asked",
                    "the request does not ask for restriction (right_to_restriction)",
                );
            }
            if request.restricted {
                e.add(
                    "action",
                    "not_allowed",
                    "the processing is already restricted",
                );
            }
            next.restricted = true;
        }
        Action::LiftRestriction { .. } => {
            if !request.restricted {
                e.add("action", "not_allowed", "the processing is not restricted");
            }
            next.restricted = false;
        }
        Action::Note { text } => required(&mut e, "text", text, "the note"),
    }
    next.version += 1;
    e.into_result(next)
}

/// Whether a request that is still open missed its first month without a valid extension:
/// the system then refuses to extend, and the queue flags it (RU 4:11 lid 4).
pub fn extension_closed(request: &Request, today: NaiveDate) -> bool {
    request.state.is_open()
        && request.extension.is_none()
        && request.deadline().map(|d| today > d.due).unwrap_or(false)
}
