//! The legal deadline engine (DSR-3, LAW-11; docs/deadlines.md): periods of months after
//! Regulation (EEC, Euratom) No 1182/71, art. 3, moved off Saturdays, Sundays and the Dutch
//! holidays of the Algemene termijnenwet, and the extension rule of RU 4:11 lid 4.
//!
//! Pure: dates in, dates out. Nothing here reads the clock; whoever asks "where does this
//! deadline stand" passes today.
//!
//! - `holidays`: Easter by the computus, King's Day by the rule of the year, the holidays of
//!   a year, working days.
//! - `period`: the naive end date, the `Deadline` with its explanation, and the deadlines of
//!   a request (one month, three months) and of the information duty (one month).
//! - `extension`: when a request may be extended, and the refusal when not.
//! - `status`: open, at risk (fewer than 7 days left) or overdue.
//!
//! Supported years: [`FIRST_YEAR`] to [`LAST_YEAR`]. From 1990 the holiday rules are those of
//! today's Atw art. 3 lid 1, with one change, King's Day instead of Queen's Day from 2014;
//! earlier years had other rules (5 May entered the list in the 1980s, Queen's Day moved to
//! 1 May until 1980), which the engine does not implement. A date outside the range, or a
//! period ending outside it, is an error, never a guess.

mod extension;
mod holidays;
mod period;
mod status;

pub use extension::{extend, ExtensionError};
pub use holidays::{
    easter_sunday, holidays, holidays_on, is_working_day, kings_day, next_working_day_on_or_after,
    non_working_day, weekday_label, Holiday, NonWorkingDay, Weekend, FIRST_KINGS_DAY_YEAR,
};
pub use period::{
    due_date, extended_deadline, information_duty_deadline, naive_end_date, response_deadline,
    Deadline, DeadlineKind, MAX_MONTHS,
};
pub use status::{DeadlineStatus, AT_RISK_DAYS};

/// The first year the engine knows the holidays of.
pub const FIRST_YEAR: i32 = 1990;
/// The last year the engine knows the holidays of (the last year of four digits).
pub const LAST_YEAR: i32 = 9999;

/// A deadline the engine cannot compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error(
        "year {year} is outside the years the deadline engine supports; expected a year from \
         {FIRST_YEAR} to {LAST_YEAR}"
    )]
    UnsupportedYear { year: i64 },
    #[error("a period of {months} months is not supported; expected 1 to {MAX_MONTHS} months")]
    InvalidMonths { months: u32 },
}

#[cfg(test)]
mod tests;
