//! Table tests against a real calendar, and properties over every supported date.
//!
//! Weekdays used below: 2025-04-26 Sat, 2025-12-25 Thu, 2025-12-26 Fri, 2026-01-01 Thu,
//! 2026-02-28 Sat, 2026-03-01 Sun, 2026-03-02 Mon, 2026-04-06 Mon (Easter Monday),
//! 2026-04-27 Mon, 2026-05-05 Tue, 2026-05-14 Thu (Ascension), 2026-05-25 Mon (Whit Monday),
//! 2026-12-25 Fri, 2027-02-28 Sun, 2028-02-29 Tue, 2028-03-29 Wed.

use super::*;
use crate::vocab::Term;
use crate::Lang;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn easter_follows_the_gregorian_computus() {
    for (year, easter) in [
        (1990, "1990-04-15"),
        (2000, "2000-04-23"),
        (2011, "2011-04-24"),
        (2016, "2016-03-27"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2038, "2038-04-25"),
        (2285, "2285-03-22"),
    ] {
        assert_eq!(easter_sunday(year), Ok(d(easter)), "{year}");
    }
}

#[test]
fn kings_day_is_the_27th_or_saturday_the_26th_and_was_queens_day_before_2014() {
    for (year, day) in [
        (2014, "2014-04-26"),
        (2024, "2024-04-27"),
        (2025, "2025-04-26"),
        (2026, "2026-04-27"),
        (2031, "2031-04-26"),
        (2013, "2013-04-30"),
        (2006, "2006-04-29"),
        (2000, "2000-04-29"),
        (1995, "1995-04-29"),
        (1990, "1990-04-30"),
    ] {
        assert_eq!(kings_day(year), Ok(d(day)), "{year}");
    }
    assert_eq!(Holiday::KingsDay.name(2013, Lang::Nl), "Koninginnedag");
    assert_eq!(Holiday::KingsDay.name(2013, Lang::En), "Queen's Day");
    assert_eq!(Holiday::KingsDay.name(2014, Lang::Nl), "Koningsdag");
}

#[test]
fn the_holidays_of_2025_and_2026() {
    use Holiday::*;
    assert_eq!(
        holidays(2025).unwrap(),
        vec![
            (d("2025-01-01"), NewYearsDay),
            (d("2025-04-21"), EasterMonday),
            (d("2025-04-26"), KingsDay),
            (d("2025-05-05"), LiberationDay),
            (d("2025-05-29"), AscensionDay),
            (d("2025-06-09"), WhitMonday),
            (d("2025-12-25"), ChristmasDay),
            (d("2025-12-26"), BoxingDay),
        ]
    );
    assert_eq!(
        holidays(2026).unwrap(),
        vec![
            (d("2026-01-01"), NewYearsDay),
            (d("2026-04-06"), EasterMonday),
            (d("2026-04-27"), KingsDay),
            (d("2026-05-05"), LiberationDay),
            (d("2026-05-14"), AscensionDay),
            (d("2026-05-25"), WhitMonday),
            (d("2026-12-25"), ChristmasDay),
            (d("2026-12-26"), BoxingDay),
        ]
    );
}

#[test]
fn two_holidays_on_one_day_are_both_named() {
    // 2016: Easter on 27 March, so Ascension Day fell on 5 May.
    assert_eq!(
        holidays_on(d("2016-05-05")).unwrap(),
        [Holiday::LiberationDay, Holiday::AscensionDay]
    );
    let off = non_working_day(d("2016-05-05")).unwrap().unwrap();
    assert_eq!(
        off.reasons(Lang::En),
        "Liberation Day (5 May), Ascension Day"
    );
    // Boxing Day 2026 is a Saturday.
    let off = non_working_day(d("2026-12-26")).unwrap().unwrap();
    assert_eq!(off.reasons(Lang::Nl), "zaterdag, Tweede Kerstdag");
}

#[test]
fn working_days() {
    assert_eq!(is_working_day(d("2026-03-02")), Ok(true));
    assert_eq!(is_working_day(d("2026-02-28")), Ok(false));
    assert_eq!(is_working_day(d("2026-03-01")), Ok(false));
    assert_eq!(is_working_day(d("2026-05-05")), Ok(false));
    // Easter Sunday is not in the Atw list, but it is a Sunday.
    assert_eq!(holidays_on(d("2026-04-05")), Ok(vec![]));
    assert_eq!(is_working_day(d("2026-04-05")), Ok(false));
    // Good Friday is left out on purpose (see holidays.rs): a due date on it stays.
    assert_eq!(is_working_day(d("2026-04-03")), Ok(true));
    assert_eq!(
        next_working_day_on_or_after(d("2026-03-02")),
        Ok(d("2026-03-02"))
    );
    assert_eq!(
        next_working_day_on_or_after(d("2025-12-24")),
        Ok(d("2025-12-24"))
    );
    assert_eq!(
        next_working_day_on_or_after(d("2025-12-25")),
        Ok(d("2025-12-29"))
    );
}

/// received, months, naive end date (art. 3(2)(c)), due date (after the working-day rule).
const PERIODS: &[(&str, u32, &str, &str)] = &[
    // Month ends: a shorter month ends on its last day.
    ("2026-01-31", 1, "2026-02-28", "2026-03-02"), // Saturday 28 February
    ("2028-01-31", 1, "2028-02-29", "2028-02-29"), // leap year, a Tuesday
    ("2026-01-30", 1, "2026-02-28", "2026-03-02"),
    ("2028-01-30", 1, "2028-02-29", "2028-02-29"),
    ("2027-01-31", 1, "2027-02-28", "2027-03-01"), // Sunday 28 February
    ("2027-01-30", 1, "2027-02-28", "2027-03-01"),
    ("2028-01-29", 1, "2028-02-29", "2028-02-29"),
    ("2026-01-29", 1, "2026-02-28", "2026-03-02"),
    ("2028-02-29", 1, "2028-03-29", "2028-03-29"),
    ("2026-03-31", 1, "2026-04-30", "2026-04-30"),
    ("2026-01-15", 1, "2026-02-15", "2026-02-16"), // Sunday
    ("2026-02-01", 1, "2026-03-01", "2026-03-02"), // Sunday
    ("2026-12-15", 1, "2027-01-15", "2027-01-15"), // over the year end
    // Each holiday on a weekday moves the end to the next working day.
    ("2025-12-01", 1, "2026-01-01", "2026-01-02"), // New Year's Day, Thursday
    ("2026-03-06", 1, "2026-04-06", "2026-04-07"), // Easter Monday
    ("2026-03-27", 1, "2026-04-27", "2026-04-28"), // King's Day, Monday
    ("2025-03-26", 1, "2025-04-26", "2025-04-28"), // King's Day moved to Saturday 26 April
    ("2025-03-27", 1, "2025-04-27", "2025-04-28"), // 27 April 2025: a Sunday, not a holiday
    ("2013-03-30", 1, "2013-04-30", "2013-05-01"), // Queen's Day, Tuesday
    ("2026-04-05", 1, "2026-05-05", "2026-05-06"), // 5 May, Tuesday
    ("2026-04-14", 1, "2026-05-14", "2026-05-15"), // Ascension Day
    ("2026-04-25", 1, "2026-05-25", "2026-05-26"), // Whit Monday
    ("2026-11-25", 1, "2026-12-25", "2026-12-28"), // Christmas Friday, then Sat+Boxing, Sun
    ("2025-11-25", 1, "2025-12-25", "2025-12-29"), // Christmas Thursday, Boxing Day Friday
    ("2025-11-26", 1, "2025-12-26", "2025-12-29"), // Boxing Day, Friday
    // Three months in total: counted from receipt, not from the moved first month.
    ("2026-01-31", 3, "2026-04-30", "2026-04-30"),
    ("2025-11-30", 3, "2026-02-28", "2026-03-02"),
    ("2026-01-25", 3, "2026-04-25", "2026-04-28"), // Saturday, Sunday, King's Day Monday
];

#[test]
fn periods_end_on_the_same_date_or_the_month_end_then_move_to_a_working_day() {
    for &(received, months, naive, due) in PERIODS {
        let dl = Deadline::compute(d(received), months).unwrap();
        assert_eq!(dl.naive_end, d(naive), "naive end of {received} + {months}");
        assert_eq!(dl.due, d(due), "due date of {received} + {months}");
        assert_eq!(due_date(d(received), months), Ok(d(due)));
        assert_eq!(
            naive_end_date(d(received), months).unwrap().0,
            d(naive),
            "{received}"
        );
    }
}

#[test]
fn a_deadline_says_why_it_moved() {
    let dl = response_deadline(d("2026-11-25")).unwrap();
    assert_eq!(dl.kind, Some(DeadlineKind::ResponseDeadline));
    assert!(dl.moved());
    assert!(!dl.clamped_to_month_end);
    let skipped: Vec<_> = dl
        .skipped
        .iter()
        .map(|s| (s.date, s.weekend, s.holidays.clone()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (d("2026-12-25"), None, vec![Holiday::ChristmasDay]),
            (
                d("2026-12-26"),
                Some(Weekend::Saturday),
                vec![Holiday::BoxingDay]
            ),
            (d("2026-12-27"), Some(Weekend::Sunday), vec![]),
        ]
    );
    assert_eq!(
        dl.explanation(Lang::En),
        [
            "Response deadline (one month): RU 4:11 lid 4.",
            "The period of 1 month runs from the day after 2026-11-25 (Regulation 1182/71, art. 3(1)).",
            "It ends at the end of 2026-12-25 (Friday): the same date 1 month later (art. 3(2)(c)).",
            "2026-12-25 is not a working day: Christmas Day.",
            "2026-12-26 is not a working day: Saturday, Boxing Day.",
            "2026-12-27 is not a working day: Sunday.",
            "The period therefore ends at the end of the next working day, 2026-12-28 (Monday) (art. 3(4); Algemene termijnenwet art. 1).",
        ]
    );
    let clamped = Deadline::compute(d("2028-01-31"), 1).unwrap();
    assert!(clamped.clamped_to_month_end && !clamped.moved());
    assert_eq!(
        clamped.explanation(Lang::Nl),
        [
            "De termijn van 1 maand loopt vanaf de dag na 2028-01-31 (Verordening 1182/71, art. 3 lid 1).",
            "Hij eindigt aan het einde van 2028-02-29 (dinsdag): die maand heeft geen dag 31, dus eindigt de termijn op de laatste dag ervan (art. 3 lid 2 onder c).",
            "Dat is een werkdag, dus het einde schuift niet op.",
        ]
    );
}

#[test]
fn the_information_duty_is_one_month_from_obtaining_the_data() {
    let dl = information_duty_deadline(d("2026-04-05")).unwrap();
    assert_eq!(dl.kind, Some(DeadlineKind::InformationDuty));
    assert_eq!((dl.naive_end, dl.due), (d("2026-05-05"), d("2026-05-06")));
}

#[test]
fn an_extension_is_allowed_until_the_first_month_ends_and_refused_after() {
    // Received 31 January 2026: the first month ends on Monday 2 March (28 February is a
    // Saturday), the extended period on 30 April.
    let received = d("2026-01-31");
    assert_eq!(response_deadline(received).unwrap().due, d("2026-03-02"));
    for notice in ["2026-01-31", "2026-02-10", "2026-02-28", "2026-03-02"] {
        let dl = extend(received, d(notice)).unwrap();
        assert_eq!(dl.kind, Some(DeadlineKind::Extension));
        assert_eq!(dl.due, d("2026-04-30"), "notice on {notice}");
    }
    let err = extend(received, d("2026-03-03")).unwrap_err();
    assert!(err.is_refusal());
    assert_eq!(
        err,
        ExtensionError::TooLate {
            received,
            notice_sent_on: d("2026-03-03"),
            first_month_due: d("2026-03-02"),
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("extension refused"), "{msg}");
    assert!(
        msg.contains("2026-03-03") && msg.contains("2026-03-02"),
        "{msg}"
    );
    assert!(msg.contains("RU 4:11 lid 4"), "{msg}");

    let err = extend(received, d("2026-01-30")).unwrap_err();
    assert!(!err.is_refusal());
    assert!(err.to_string().contains("before the request was received"));
}

#[test]
fn status_is_open_at_risk_or_overdue() {
    let due = d("2026-03-02");
    for (today, status) in [
        ("2026-02-01", DeadlineStatus::Open),
        ("2026-02-23", DeadlineStatus::Open),   // 7 days left
        ("2026-02-24", DeadlineStatus::AtRisk), // 6 days left
        ("2026-03-02", DeadlineStatus::AtRisk), // the last day
        ("2026-03-03", DeadlineStatus::Overdue),
    ] {
        assert_eq!(DeadlineStatus::of(due, d(today)), status, "{today}");
    }
    let dl = response_deadline(d("2026-01-31")).unwrap();
    assert_eq!(dl.status(d("2026-03-03")), DeadlineStatus::Overdue);
}

#[test]
fn errors_name_the_value_and_what_is_expected() {
    let err = holidays(1989).unwrap_err();
    assert_eq!(err, DeadlineError::UnsupportedYear { year: 1989 });
    assert_eq!(
        err.to_string(),
        "year 1989 is outside the years the deadline engine supports; expected a year from 1990 to 9999"
    );
    assert!(holidays(10_000).is_err());
    assert!(easter_sunday(1583).is_err());
    assert_eq!(
        due_date(d("2026-01-31"), 0),
        Err(DeadlineError::InvalidMonths { months: 0 })
    );
    assert_eq!(
        DeadlineError::InvalidMonths { months: 0 }.to_string(),
        "a period of 0 months is not supported; expected 1 to 1200 months"
    );
    assert!(due_date(d("2026-01-31"), MAX_MONTHS + 1).is_err());
    assert_eq!(
        due_date(d("1989-12-31"), 1),
        Err(DeadlineError::UnsupportedYear { year: 1989 })
    );
    assert_eq!(
        due_date(d("9999-12-01"), 1),
        Err(DeadlineError::UnsupportedYear { year: 10_000 })
    );
    // The last supported days still work: Christmas 9999 is a Saturday, so the end moves
    // over Boxing Day and Sunday to Monday 27 December.
    assert_eq!(due_date(d("9999-11-30"), 1), Ok(d("9999-12-30")));
    assert_eq!(due_date(d("9999-11-25"), 1), Ok(d("9999-12-27")));
    assert_eq!(
        extend(d("9999-12-20"), d("9999-12-21")),
        Err(ExtensionError::Calendar(DeadlineError::UnsupportedYear {
            year: 10_000
        }))
    );
}

#[test]
fn the_vocabularies_match_the_glossary() {
    const GLOSSARY: &str = include_str!("../../../../docs/glossary.md");
    fn check<T: Term + std::fmt::Debug + PartialEq + serde::Serialize>(problems: &mut Vec<String>) {
        for t in T::all() {
            let row = format!(
                "|`{}`|{}|{}|{}|{}|",
                t.machine_name(),
                t.label(Lang::En),
                t.label(Lang::Nl),
                t.source(),
                t.dpv().unwrap_or("–")
            );
            if !GLOSSARY.lines().any(|l| l.trim() == row) {
                problems.push(format!(
                    "{}: no row {row} in docs/glossary.md",
                    T::VOCABULARY
                ));
            }
            assert_eq!(T::from_machine_name(t.machine_name()), Some(*t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.machine_name())
            );
        }
    }
    let mut problems = Vec::new();
    check::<Holiday>(&mut problems);
    check::<DeadlineKind>(&mut problems);
    check::<DeadlineStatus>(&mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Any date from which a period of up to three months ends within the supported years.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(LAST_YEAR, 9, 1).unwrap();
    (0..(last - first).num_days() as u64).prop_map(move |n| first + Days::new(n))
}

proptest! {
    #[test]
    fn the_due_date_is_a_working_day_on_or_after_the_naive_end(start in any_date(), months in 1u32..=3) {
        let dl = Deadline::compute(start, months).unwrap();
        prop_assert!(is_working_day(dl.due).unwrap());
        prop_assert!(dl.due >= dl.naive_end);
        prop_assert!(dl.naive_end > start);
        // Christmas on a Thursday, then Boxing Day, Saturday, Sunday: the longest move is 4 days.
        prop_assert!((dl.due - dl.naive_end).num_days() <= 4);
        prop_assert_eq!(dl.skipped.len() as i64, (dl.due - dl.naive_end).num_days());
        // Art. 3(2)(c): the same date number, or the last day of a shorter month.
        prop_assert_eq!(dl.naive_end.month0(), (start.month0() + months) % 12);
        prop_assert!(dl.naive_end.day() == start.day()
            || (dl.naive_end.day() < start.day() && dl.naive_end.succ_opt().unwrap().day() == 1));
    }

    #[test]
    fn the_due_date_never_goes_back_when_the_request_comes_later(start in any_date(), months in 1u32..=3) {
        let next = start.succ_opt().unwrap();
        prop_assert!(due_date(next, months).unwrap() >= due_date(start, months).unwrap());
        prop_assert!(due_date(start, 3).unwrap() > due_date(start, 1).unwrap());
    }

    #[test]
    fn an_extension_is_allowed_exactly_until_the_first_due_date(start in any_date(), after in 0u64..40) {
        let due = response_deadline(start).unwrap().due;
        let notice = start + Days::new(after);
        match extend(start, notice) {
            Ok(dl) => {
                prop_assert!(notice <= due);
                prop_assert_eq!(dl.due, due_date(start, 3).unwrap());
            }
            Err(e) => {
                prop_assert!(notice > due);
                prop_assert!(e.is_refusal());
            }
        }
    }

    #[test]
    fn every_year_has_its_fixed_holidays(year in FIRST_YEAR..=LAST_YEAR) {
        let list = holidays(year).unwrap();
        prop_assert_eq!(list.len(), 8);
        let on = |month, day| NaiveDate::from_ymd_opt(year, month, day).unwrap();
        for (date, holiday) in [
            (on(1, 1), Holiday::NewYearsDay),
            (on(5, 5), Holiday::LiberationDay),
            (on(12, 25), Holiday::ChristmasDay),
            (on(12, 26), Holiday::BoxingDay),
        ] {
            prop_assert!(list.contains(&(date, holiday)), "{year}: {holiday} on {date}");
        }
        let easter = easter_sunday(year).unwrap();
        prop_assert_eq!(easter.weekday(), Weekday::Sun);
        prop_assert!(easter >= on(3, 22) && easter <= on(4, 25));
        for (holiday, weekday) in [
            (Holiday::EasterMonday, Weekday::Mon),
            (Holiday::AscensionDay, Weekday::Thu),
            (Holiday::WhitMonday, Weekday::Mon),
        ] {
            let date = list.iter().find(|(_, h)| *h == holiday).unwrap().0;
            prop_assert_eq!(date.weekday(), weekday);
        }
        let kings = kings_day(year).unwrap();
        prop_assert_ne!(kings.weekday(), Weekday::Sun);
        prop_assert!(list.contains(&(kings, Holiday::KingsDay)));
        prop_assert!(list.windows(2).all(|w| w[0] <= w[1]));
    }
}
