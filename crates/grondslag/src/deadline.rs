//! `grondslag deadline` and `grondslag holidays`: the FG office asks the deadline engine
//! directly (docs/deadlines.md). No database: the answers depend on the calendar alone.

use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use clap::Args;
use grondslag_domain::deadline::{self, Deadline, FIRST_YEAR, LAST_YEAR, MAX_MONTHS};
use grondslag_domain::Lang;

#[derive(Args)]
pub struct DeadlineArgs {
    /// The day the request was received, or the data obtained (YYYY-MM-DD). The period
    /// starts the day after.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    received: NaiveDate,
    /// The length of the period in months: 1 to answer a request (RU 4:11 lid 4) or to inform
    /// after indirect collection (GDPR 14(3)(a)), 3 for an extended request.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_MONTHS)))]
    months: u32,
    /// The language of the explanation: nl or en.
    #[arg(long, default_value = "nl", value_parser = parse_lang)]
    lang: Lang,
}

#[derive(Args)]
pub struct HolidaysArgs {
    /// The year, from 1990 to 9999.
    year: i32,
    /// The language of the names: nl or en.
    #[arg(long, default_value = "nl", value_parser = parse_lang)]
    lang: Lang,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("expected a date as YYYY-MM-DD, e.g. 2026-01-31 ({e})"))
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "nl" => Ok(Lang::Nl),
        "en" => Ok(Lang::En),
        _ => Err("expected nl or en".into()),
    }
}

/// Prints the explanation, then the due date alone as the last line, for scripts.
pub fn deadline(args: DeadlineArgs) -> Result<()> {
    let dl = Deadline::compute(args.received, args.months)
        .map_err(|e| anyhow!("--received {}: {e}", args.received))?;
    for line in dl.explanation(args.lang) {
        println!("{line}");
    }
    println!("{}", dl.due);
    Ok(())
}

/// Prints `YYYY-MM-DD  name`, one holiday a line.
pub fn holidays(args: HolidaysArgs) -> Result<()> {
    let list = deadline::holidays(args.year).map_err(|_| {
        anyhow!(
            "YEAR {}: the deadline engine knows the holidays from {FIRST_YEAR} to {LAST_YEAR}; expected a year in that range",
            args.year
        )
    })?;
    for (date, holiday) in list {
        println!("{date}  {}", holiday.name(args.year, args.lang));
    }
    Ok(())
}
