//! Periods of whole months, after Regulation (EEC, Euratom) No 1182/71, art. 3.
//!
//! - art. 3(1), second subparagraph: the day of the event (receipt of a request, obtaining
//!   the data) is not counted; the period starts the day after.
//! - art. 3(2)(c): a period of months ends at the end of the day, in the last month, with
//!   the same date number as the day of the event; when that month has no such day, at the
//!   end of its last day (received 31 January: 28 or 29 February).
//! - art. 3(4) and Algemene termijnenwet art. 1: when that last day is a Saturday, Sunday or
//!   holiday, the period ends at the end of the next working day. Only the last day moves:
//!   the naive end date is computed first, then moved; a longer period is counted from the
//!   event again, never from a moved end.
//!
//! Art. 3(5) (a period of two days or more holds at least two working days) can never bite
//! on a period of a month.

use super::holidays::{self, weekday_label, NonWorkingDay};
use super::status::DeadlineStatus;
use super::DeadlineError;
use crate::vocab::{vocabulary, Term};
use crate::Lang;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The longest period the engine computes, in months (a hundred years).
pub const MAX_MONTHS: u32 = 1200;

vocabulary! {
    /// The legal deadlines the engine computes.
    DeadlineKind ("deadline_kind") {
        ResponseDeadline => "response_deadline", "Response deadline (one month)", "Beantwoordingstermijn (een maand)", "RU 4:11 lid 4", None;
        Extension => "extension", "Extension (max. three months in total)", "Verlenging (maximaal drie maanden in totaal)", "RU 4:11 lid 4", None;
        InformationDuty => "information_duty_deadline", "Informing the data subject after indirect collection (one month)", "Informeren van de betrokkene na indirecte verkrijging (een maand)", "UM 4.1; GDPR 14(3)(a)", None;
    }
}

impl DeadlineKind {
    /// The length of the period, counted from the day of the event.
    pub fn months(self) -> u32 {
        match self {
            DeadlineKind::ResponseDeadline | DeadlineKind::InformationDuty => 1,
            DeadlineKind::Extension => 3,
        }
    }
}

/// A computed deadline that can explain itself: the naive end date of art. 3(2)(c), the
/// days it moved over and why, and the due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Which deadline this is; `None` for a period asked for by its length alone.
    pub kind: Option<DeadlineKind>,
    /// The day of the event the period runs from; it is not itself part of the period.
    pub start: NaiveDate,
    pub months: u32,
    /// The last day of the period by art. 3(2)(c), before the working-day rule.
    pub naive_end: NaiveDate,
    /// The last month has no day with the start's date number, so the period ends on that
    /// month's last day.
    pub clamped_to_month_end: bool,
    /// The days the end moved over, from `naive_end` on; empty when that is a working day.
    pub skipped: Vec<NonWorkingDay>,
    /// The last day of the period: by the end of this day the act must be done.
    pub due: NaiveDate,
}

/// The last day of a period of `months` months running from the day after `start`, by
/// art. 3(2)(c) alone (no working-day rule): the same date number `months` later, or the
/// last day of that month when it is shorter. Also says whether the day was clamped.
pub fn naive_end_date(start: NaiveDate, months: u32) -> Result<(NaiveDate, bool), DeadlineError> {
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(DeadlineError::InvalidMonths { months });
    }
    holidays::check_year(start.year().into())?;
    let index = i64::from(start.year()) * 12 + i64::from(start.month0()) + i64::from(months);
    let year = holidays::check_year(index.div_euclid(12))?;
    let month = index.rem_euclid(12) as u32 + 1;
    let last = last_day_of_month(year, month);
    let day = start.day().min(last);
    let end = NaiveDate::from_ymd_opt(year, month, day).expect("a day that exists in its month");
    Ok((end, day < start.day()))
}

fn last_day_of_month(year: i32, month: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())
        .expect("every month has at least 28 days")
}

impl Deadline {
    /// The deadline of a period of `months` months from `start`: the naive end date, then
    /// moved to the next working day when it is not one.
    pub fn compute(start: NaiveDate, months: u32) -> Result<Deadline, DeadlineError> {
        let (naive_end, clamped_to_month_end) = naive_end_date(start, months)?;
        let (due, skipped) = holidays::skip_non_working_days(naive_end)?;
        Ok(Deadline {
            kind: None,
            start,
            months,
            naive_end,
            clamped_to_month_end,
            skipped,
            due,
        })
    }

    /// The deadline of a given kind, running from the day of its event.
    pub fn of(kind: DeadlineKind, start: NaiveDate) -> Result<Deadline, DeadlineError> {
        Ok(Deadline {
            kind: Some(kind),
            ..Deadline::compute(start, kind.months())?
        })
    }

    /// Whether the working-day rule moved the end (`due` is later than `naive_end`).
    pub fn moved(&self) -> bool {
        self.due != self.naive_end
    }

    /// Where the deadline stands on `today`.
    pub fn status(&self, today: NaiveDate) -> DeadlineStatus {
        DeadlineStatus::of(self.due, today)
    }

    /// The reasoning, one sentence per line, for the UI and the command line.
    pub fn explanation(&self, lang: Lang) -> Vec<String> {
        let months = match (lang, self.months) {
            (Lang::En, 1) => "1 month".to_string(),
            (Lang::En, n) => format!("{n} months"),
            (Lang::Nl, 1) => "1 maand".to_string(),
            (Lang::Nl, n) => format!("{n} maanden"),
        };
        let day = |d: NaiveDate| format!("{d} ({})", weekday_label(d.weekday(), lang));
        let mut out = Vec::new();
        if let Some(kind) = self.kind {
            out.push(format!("{}: {}.", kind.label(lang), kind.source()));
        }
        out.push(match lang {
            Lang::En => format!(
                "The period of {months} runs from the day after {} (Regulation 1182/71, art. 3(1)).",
                self.start
            ),
            Lang::Nl => format!(
                "De termijn van {months} loopt vanaf de dag na {} (Verordening 1182/71, art. 3 lid 1).",
                self.start
            ),
        });
        out.push(match (lang, self.clamped_to_month_end) {
            (Lang::En, false) => format!(
                "It ends at the end of {}: the same date {months} later (art. 3(2)(c)).",
                day(self.naive_end)
            ),
            (Lang::En, true) => format!(
                "It ends at the end of {}: that month has no day {}, so the period ends on its last day (art. 3(2)(c)).",
                day(self.naive_end),
                self.start.day()
            ),
            (Lang::Nl, false) => format!(
                "Hij eindigt aan het einde van {}: dezelfde datum {months} later (art. 3 lid 2 onder c).",
                day(self.naive_end)
            ),
            (Lang::Nl, true) => format!(
                "Hij eindigt aan het einde van {}: die maand heeft geen dag {}, dus eindigt de termijn op de laatste dag ervan (art. 3 lid 2 onder c).",
                day(self.naive_end),
                self.start.day()
            ),
        });
        for off in &self.skipped {
            out.push(match lang {
                Lang::En => format!("{} is not a working day: {}.", off.date, off.reasons(lang)),
                Lang::Nl => format!("{} is geen werkdag: {}.", off.date, off.reasons(lang)),
            });
        }
        out.push(match (lang, self.moved()) {
            (Lang::En, true) => format!(
                "The period therefore ends at the end of the next working day, {} (art. 3(4); Algemene termijnenwet art. 1).",
                day(self.due)
            ),
            (Lang::En, false) => "That is a working day, so the end does not move.".to_string(),
            (Lang::Nl, true) => format!(
                "De termijn eindigt daarom aan het einde van de eerstvolgende werkdag, {} (art. 3 lid 4; Algemene termijnenwet art. 1).",
                day(self.due)
            ),
            (Lang::Nl, false) => "Dat is een werkdag, dus het einde schuift niet op.".to_string(),
        });
        out
    }
}

/// The due date of a period of `months` months from `received`: art. 3(2)(c), then the
/// working-day rule.
pub fn due_date(received: NaiveDate, months: u32) -> Result<NaiveDate, DeadlineError> {
    Ok(Deadline::compute(received, months)?.due)
}

/// The deadline to answer a data-subject request: one month from receipt (RU 4:11 lid 4,
/// GDPR 12(3); DSR-3).
pub fn response_deadline(received: NaiveDate) -> Result<Deadline, DeadlineError> {
    Deadline::of(DeadlineKind::ResponseDeadline, received)
}

/// The deadline of an extended request: three months in total from receipt (RU 4:11 lid 4).
/// Whether the extension is allowed at all is [`super::extend`]'s question.
pub fn extended_deadline(received: NaiveDate) -> Result<Deadline, DeadlineError> {
    Deadline::of(DeadlineKind::Extension, received)
}

/// The deadline to inform data subjects whose data was obtained from someone else: one
/// month from obtaining it (LAW-11; UM 4.1; GDPR 14(3)(a)).
pub fn information_duty_deadline(obtained: NaiveDate) -> Result<Deadline, DeadlineError> {
    Deadline::of(DeadlineKind::InformationDuty, obtained)
}
