//! `grondslag check` and `grondslag rules`: the rule catalogue on the command line.

use anyhow::{Context, Result};
use grondslag_domain::interchange::RegisterDocument;
use grondslag_domain::rules::{catalogue, check_register, Finding, Severity};
use grondslag_domain::transfers::TransferRules;
use grondslag_domain::Lang;
use std::path::Path;

/// The transfer rules from a file, or the built-in ones.
pub fn transfer_rules(file: Option<&Path>) -> Result<TransferRules> {
    match file {
        None => Ok(TransferRules::builtin()),
        Some(f) => {
            let text =
                std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
            TransferRules::parse(&text).map_err(anyhow::Error::msg)
        }
    }
}

/// Prints the findings and returns how many are errors.
pub fn run(
    doc: &RegisterDocument,
    today: chrono::NaiveDate,
    transfers: &TransferRules,
    json: bool,
    lang: Lang,
) -> Result<usize> {
    let ctx = grondslag_domain::rules::Context::new(today, &doc.processors, transfers);
    let findings = check_register(&ctx, &doc.activities);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
        return Ok(errors);
    }
    let name = |id: &str| {
        doc.activities
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.activity.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut last = "";
    for f in &findings {
        if f.activity_id != last {
            println!("\n{} ({})", name(&f.activity_id), f.activity_id);
            last = &f.activity_id;
        }
        print_finding(f, lang);
    }
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    println!(
        "\n{} activities checked: {errors} errors, {warnings} warnings",
        doc.activities.len()
    );
    Ok(errors)
}

fn print_finding(f: &Finding, lang: Lang) {
    println!(
        "  {:<7} {} [{}; {}] {}",
        f.severity.as_str(),
        f.rule,
        f.requirement,
        f.article,
        f.path
    );
    println!("          {}", f.message(lang));
    println!("          → {}", f.fix(lang));
}

pub fn print_rules(json: bool, lang: Lang) -> Result<()> {
    let rules = catalogue();
    if json {
        println!("{}", serde_json::to_string_pretty(&rules)?);
        return Ok(());
    }
    for r in rules {
        println!(
            "{:<34} {:<7} {:<7} {}",
            r.id,
            r.severity.as_str(),
            r.requirement,
            r.article
        );
        println!("    {}", r.message.get(lang));
        println!("    → {}", r.fix.get(lang));
    }
    Ok(())
}
