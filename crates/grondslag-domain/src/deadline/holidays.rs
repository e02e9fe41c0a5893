//! Saturdays, Sundays and the "algemeen erkende feestdagen" of the Algemene termijnenwet
//! (Atw) art. 3 lid 1: the days on which a legal period may not end (Atw art. 1;
//! Regulation 1182/71 art. 3(4)).
//!
//! Every holiday is computed from the calendar, for any supported year: Easter by the
//! Gregorian computus, and the King's birthday by the rule of the year (see [`kings_day`]).
//! Easter Sunday and Whit Sunday are not listed, as in the Atw itself: they are Sundays.
//!
//! Not included, on purpose: Good Friday, which Atw art. 3 lid 2 equates with the holidays,
//! and the days a Royal Decree equates with them under art. 3 lid 3 (the Friday after
//! Ascension Day, bridge days), which are decided every few years and cannot be computed.
//! Both can only make a due date later, never earlier, so leaving them out gives a due date
//! on or before the legal one: the university is never told it has more time than it has.

use super::{DeadlineError, FIRST_YEAR, LAST_YEAR};
use crate::vocab::{vocabulary, Term};
use crate::Lang;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

vocabulary! {
    /// A holiday of the Algemene termijnenwet art. 3 lid 1, in calendar order.
    Holiday ("holiday") {
        NewYearsDay => "new_years_day", "New Year's Day", "Nieuwjaarsdag", "Algemene termijnenwet art. 3", None;
        EasterMonday => "easter_monday", "Easter Monday", "Tweede Paasdag", "Algemene termijnenwet art. 3", None;
        KingsDay => "kings_day", "King's Day", "Koningsdag", "Algemene termijnenwet art. 3", None;
        LiberationDay => "liberation_day", "Liberation Day (5 May)", "Bevrijdingsdag (5 mei)", "Algemene termijnenwet art. 3", None;
        AscensionDay => "ascension_day", "Ascension Day", "Hemelvaartsdag", "Algemene termijnenwet art. 3", None;
        WhitMonday => "whit_monday", "Whit Monday", "Tweede Pinksterdag", "Algemene termijnenwet art. 3", None;
        ChristmasDay => "christmas_day", "Christmas Day", "Eerste Kerstdag", "Algemene termijnenwet art. 3", None;
        BoxingDay => "boxing_day", "Boxing Day", "Tweede Kerstdag", "Algemene termijnenwet art. 3", None;
    }
}

/// The first year King's Day (27 April) replaced Queen's Day (30 April).
pub const FIRST_KINGS_DAY_YEAR: i32 = 2014;

impl Holiday {
    /// The name of the holiday in a given year: the King's birthday was Queen's Day
    /// (Koninginnedag) until 2013.
    pub fn name(self, year: i32, lang: Lang) -> &'static str {
        match (self, lang) {
            (Holiday::KingsDay, Lang::En) if year < FIRST_KINGS_DAY_YEAR => "Queen's Day",
            (Holiday::KingsDay, Lang::Nl) if year < FIRST_KINGS_DAY_YEAR => "Koninginnedag",
            _ => self.label(lang),
        }
    }
}

/// The reason a day is a weekend day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekend {
    Saturday,
    Sunday,
}

impl Weekend {
    pub fn of(date: NaiveDate) -> Option<Weekend> {
        match date.weekday() {
            Weekday::Sat => Some(Weekend::Saturday),
            Weekday::Sun => Some(Weekend::Sunday),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        weekday_label(
            match self {
                Weekend::Saturday => Weekday::Sat,
                Weekend::Sunday => Weekday::Sun,
            },
            lang,
        )
    }
}

/// The name of a day of the week, as it stands in a sentence ("maandag", "Monday").
pub fn weekday_label(day: Weekday, lang: Lang) -> &'static str {
    let (en, nl) = match day {
        Weekday::Mon => ("Monday", "maandag"),
        Weekday::Tue => ("Tuesday", "dinsdag"),
        Weekday::Wed => ("Wednesday", "woensdag"),
        Weekday::Thu => ("Thursday", "donderdag"),
        Weekday::Fri => ("Friday", "vrijdag"),
        Weekday::Sat => ("Saturday", "zaterdag"),
        Weekday::Sun => ("Sunday", "zondag"),
    };
    match lang {
        Lang::En => en,
        Lang::Nl => nl,
    }
}

/// A day on which a period cannot end, and why: a weekend day, one or more holidays, or
/// both (Boxing Day on a Saturday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonWorkingDay {
    pub date: NaiveDate,
    pub weekend: Option<Weekend>,
    /// Usually one; two when they coincide (Ascension Day on 5 May, as in 2016).
    pub holidays: Vec<Holiday>,
}

impl NonWorkingDay {
    /// "Saturday, Boxing Day" / "zaterdag, Tweede Kerstdag".
    pub fn reasons(&self, lang: Lang) -> String {
        let year = self.date.year();
        self.weekend
            .map(|w| w.label(lang))
            .into_iter()
            .chain(self.holidays.iter().map(|h| h.name(year, lang)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Checks that the engine knows the holidays of `year`.
pub(super) fn check_year(year: i64) -> Result<i32, DeadlineError> {
    match i32::try_from(year) {
        Ok(y) if (FIRST_YEAR..=LAST_YEAR).contains(&y) => Ok(y),
        _ => Err(DeadlineError::UnsupportedYear { year }),
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid date in a supported year")
}

/// Easter Sunday of a Gregorian year, by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher). It is exact for every Gregorian year; the engine answers for its
/// supported years only.
pub fn easter_sunday(year: i32) -> Result<NaiveDate, DeadlineError> {
    let y = check_year(year.into())?;
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4 (March or April), n % 31 + 1 the day: both positive.
    Ok(ymd(y, (n / 31) as u32, (n % 31 + 1) as u32))
}

/// The day on which the King's (until 2013 the Queen's) birthday is celebrated, as Atw
/// art. 3 lid 1 says: "de dag waarop de verjaardag van de Koning wordt gevierd".
///
/// - From 2014, King's Day: 27 April, Willem-Alexander's birthday; when 27 April is a Sunday,
///   Saturday 26 April (2014, 2025, 2031, ...).
/// - 1980 to 2013, Queen's Day: 30 April, kept by Beatrix in honour of Juliana; when 30 April
///   is a Sunday, Saturday 29 April (1989, 1995, 2000, 2006). The rule that the day is never
///   celebrated on a Sunday but the day before dates from a Royal Decree of 1980; until then
///   a Sunday 30 April moved to Monday 1 May. The engine supports years from 1990 only, so
///   that older rule is never needed.
///
/// Either way the day only ever moves to a Saturday, so the move never changes a due date;
/// it matters for the list of holidays.
pub fn kings_day(year: i32) -> Result<NaiveDate, DeadlineError> {
    let y = check_year(year.into())?;
    let birthday = if y >= FIRST_KINGS_DAY_YEAR {
        ymd(y, 4, 27)
    } else {
        ymd(y, 4, 30)
    };
    Ok(if birthday.weekday() == Weekday::Sun {
        birthday
            .pred_opt()
            .expect("not the first day of the calendar")
    } else {
        birthday
    })
}

/// The holidays of Atw art. 3 lid 1 in `year`, in date order (calendar order when two fall
/// on one day).
pub fn holidays(year: i32) -> Result<Vec<(NaiveDate, Holiday)>, DeadlineError> {
    let easter = easter_sunday(year)?;
    let after_easter = |days: u64| easter + Days::new(days);
    let mut out = vec![
        (ymd(year, 1, 1), Holiday::NewYearsDay),
        (after_easter(1), Holiday::EasterMonday),
        (kings_day(year)?, Holiday::KingsDay),
        (ymd(year, 5, 5), Holiday::LiberationDay),
        (after_easter(39), Holiday::AscensionDay),
        (after_easter(50), Holiday::WhitMonday),
        (ymd(year, 12, 25), Holiday::ChristmasDay),
        (ymd(year, 12, 26), Holiday::BoxingDay),
    ];
    out.sort();
    Ok(out)
}

/// The holidays that fall on `date` (usually none).
pub fn holidays_on(date: NaiveDate) -> Result<Vec<Holiday>, DeadlineError> {
    Ok(holidays(date.year())?
        .into_iter()
        .filter(|(d, _)| *d == date)
        .map(|(_, h)| h)
        .collect())
}

/// Why `date` is not a working day, or `None` when it is one.
pub fn non_working_day(date: NaiveDate) -> Result<Option<NonWorkingDay>, DeadlineError> {
    let weekend = Weekend::of(date);
    let holidays = holidays_on(date)?;
    Ok(
        (weekend.is_some() || !holidays.is_empty()).then_some(NonWorkingDay {
            date,
            weekend,
            holidays,
        }),
    )
}

/// Whether a period may end on `date`: not a Saturday, Sunday or Atw holiday.
pub fn is_working_day(date: NaiveDate) -> Result<bool, DeadlineError> {
    Ok(non_working_day(date)?.is_none())
}

/// `date` itself when it is a working day, else the first working day after it.
pub fn next_working_day_on_or_after(date: NaiveDate) -> Result<NaiveDate, DeadlineError> {
    Ok(skip_non_working_days(date)?.0)
}

/// The first working day on or after `date`, and the days passed over on the way.
pub(super) fn skip_non_working_days(
    date: NaiveDate,
) -> Result<(NaiveDate, Vec<NonWorkingDay>), DeadlineError> {
    let mut day = date;
    let mut skipped = Vec::new();
    while let Some(off) = non_working_day(day)? {
        skipped.push(off);
        day = day.succ_opt().ok_or(DeadlineError::UnsupportedYear {
            year: i64::from(day.year()) + 1,
        })?;
    }
    Ok((day, skipped))
}
