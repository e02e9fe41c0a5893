//! Where a deadline stands on a given day, for the request queue: open, at risk, overdue.

use crate::vocab::vocabulary;
use chrono::NaiveDate;

/// A deadline is at risk when fewer than this many days are left.
pub const AT_RISK_DAYS: i64 = 7;

vocabulary! {
    /// Where a deadline stands on a given day.
    DeadlineStatus ("deadline_status") {
        Open => "deadline_open", "Open", "Lopend", "–", None;
        AtRisk => "deadline_at_risk", "At risk (fewer than 7 days left)", "Bijna verlopen (minder dan 7 dagen)", "–", None;
        Overdue => "deadline_overdue", "Overdue", "Verlopen", "–", None;
    }
}

impl DeadlineStatus {
    /// The days left are the calendar days from `today` to `due`. The period ends at the end
    /// of the due date, so on that day 0 days are left and the deadline is at risk, not yet
    /// overdue; from the next day on it is overdue.
    pub fn of(due: NaiveDate, today: NaiveDate) -> DeadlineStatus {
        match (due - today).num_days() {
            left if left < 0 => DeadlineStatus::Overdue,
            left if left < AT_RISK_DAYS => DeadlineStatus::AtRisk,
            _ => DeadlineStatus::Open,
        }
    }
}
