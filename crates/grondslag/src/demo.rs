//! The demo university (`serve --demo`): a realistic register of a fictional Dutch
//! university, with some activities that are deliberately not compliant (see
//! `demo/PLANTED.md`), and an account to look at it with.

use anyhow::{Context, Result};
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
        .create_user("system:demo", USERNAME, "Demo (FG-bureau)", PASSWORD, true)
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
}
