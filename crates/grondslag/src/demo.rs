//! The demo university (`serve --demo`): a realistic register of a fictional Dutch
//! university, with some activities that are deliberately not compliant (see
//! `demo/PLANTED.md`), and an account to look at it with.

use anyhow::{Context, Result};
use grondslag_domain::access::{Grant, Role};
use grondslag_domain::interchange;
use grondslag_store::Store;

pub const USERNAME: &str = "demo";
/// The demo account exists only in a database that `--demo` filled; it is printed at start.
pub const PASSWORD: &str = "lindenhout-demo";

const REGISTER: &str = include_str!("demo/university.json");

/// The demo register as a checked document.
pub fn document() -> Result<interchange::RegisterDocument> {
    let value: serde_json::Value =
        serde_json::from_str(REGISTER).context("the demo register is JSON")?;
    interchange::parse(&value).map_err(|e| anyhow::anyhow!("the demo register is invalid:\n{e}"))
}

/// Fills an empty register with the demo university and, when there are no accounts yet,
/// adds the demo account; leaves a register that has activities alone.
/// Returns whether the demo account was created, so its password can be shown.
pub async fn load(store: &Store) -> Result<bool> {
    let empty = store.list_activities(&Default::default()).await?.total == 0;
    if !empty {
        return Ok(false);
    }
    {
        let report = store.import("system:demo", &document()?).await?;
        tracing::info!(
            activities = report.activities_created,
            "loaded the demo university"
        );
    }
    if store.user_count().await? > 0 {
        return Ok(false);
    }
    store
        .create_user(
            "system:demo",
            USERNAME,
            "Demo (FG-bureau)",
            PASSWORD,
            &[
                Grant {
                    role: Role::Dpo,
                    unit: None,
                },
                Grant {
                    role: Role::Administrator,
                    unit: None,
                },
            ],
        )
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_register_is_valid_and_large_enough() {
        let doc = super::document().unwrap();
        assert!(
            doc.activities.len() >= 40,
            "{} activities",
            doc.activities.len()
        );
        let units: std::collections::HashSet<_> =
            doc.activities.iter().map(|a| &a.activity.unit).collect();
        assert!(units.len() >= 6, "activities in {} units", units.len());
    }

    /// `grondslag check` on the demo reports the planted problems (PLANTED.md), each with
    /// exactly its own rules, and nothing on the clean activities.
    #[test]
    fn the_checks_find_exactly_the_planted_problems() {
        use grondslag_domain::rules::{check_register, Context};
        use std::collections::{BTreeMap, BTreeSet};
        let planted: BTreeMap<String, BTreeSet<String>> = include_str!("demo/PLANTED.md")
            .lines()
            .filter(|l| l.starts_with("| ") && l.contains("` | "))
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(" | ").collect();
                let id = cells.get(1)?.trim_matches('`').to_string();
                let rules = cells
                    .get(5)?
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect();
                Some((id, rules))
            })
            .collect();
        assert_eq!(planted.len(), 15, "PLANTED.md lists 15 planted problems");
        let doc = super::document().unwrap();
        let transfers = grondslag_domain::transfers::TransferRules::builtin();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let findings = check_register(
            &Context::new(today, &doc.processors, &transfers),
            &doc.activities,
        );
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in findings {
            found
                .entry(f.activity_id)
                .or_default()
                .insert(f.rule.to_string());
        }
        assert_eq!(found, planted);
    }
}
