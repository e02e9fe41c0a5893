//! The extension of a data-subject request (RU 4:11 lid 4; GDPR 12(3); DSR-3): up to three
//! months in total, but only when the requester is told, with reasons, within the first
//! month. After that the system refuses to extend, and the request is flagged.

use super::period::{extended_deadline, response_deadline, Deadline};
use super::DeadlineError;
use chrono::NaiveDate;

/// Why a request cannot be extended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    /// The notice came after the first month: the request must be flagged.
    #[error(
        "extension refused: the requester was told on {notice_sent_on}, after the first month \
         ended on {first_month_due} (request received on {received}); RU 4:11 lid 4 allows an \
         extension to three months in total only when the requester is told, with reasons, \
         within the first month"
    )]
    TooLate {
        received: NaiveDate,
        notice_sent_on: NaiveDate,
        first_month_due: NaiveDate,
    },
    /// A notice cannot be sent before the request it is about.
    #[error(
        "the notice date {notice_sent_on} is before the request was received on {received}; \
         expected a date on or after {received}"
    )]
    NoticeBeforeReceipt {
        received: NaiveDate,
        notice_sent_on: NaiveDate,
    },
    #[error(transparent)]
    Calendar(#[from] DeadlineError),
}

impl ExtensionError {
    /// Whether this is a refusal under RU 4:11 lid 4 (the request is overdue for an
    /// extension and must be flagged), as opposed to bad input.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ExtensionError::TooLate { .. })
    }
}

/// Extends a request received on `received` to three months in total, given the day the
/// notice with reasons was sent. Allowed when that day is on or before the due date of the
/// first month (after the working-day rule: the first month ends when its deadline does),
/// refused after it.
pub fn extend(received: NaiveDate, notice_sent_on: NaiveDate) -> Result<Deadline, ExtensionError> {
    if notice_sent_on < received {
        return Err(ExtensionError::NoticeBeforeReceipt {
            received,
            notice_sent_on,
        });
    }
    let first_month = response_deadline(received)?;
    if notice_sent_on > first_month.due {
        return Err(ExtensionError::TooLate {
            received,
            notice_sent_on,
            first_month_due: first_month.due,
        });
    }
    Ok(extended_deadline(received)?)
}
