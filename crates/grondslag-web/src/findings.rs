//! Findings of the rule catalogue on the live register: computed from the current versions
//! whenever they are asked for, so they always follow the register (issue: findings update
//! when the register changes).

use crate::AppState;
use chrono::{NaiveDate, Utc};
use grondslag_domain::register::ActivityRecord;
use grondslag_domain::rules::{check_activity, check_register, Context, Finding};
use grondslag_store::StoreError;

/// The date agreements are checked against: today, in UTC.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The findings on one activity.
pub async fn for_activity(s: &AppState, r: &ActivityRecord) -> Result<Vec<Finding>, StoreError> {
    let processors = s.store.processors().await?;
    let ctx = Context::new(today(), &processors, &s.transfers);
    Ok(check_activity(&ctx, &r.id, r.status, &r.activity))
}

/// Every current activity and the findings on all of them.
pub async fn for_register(s: &AppState) -> Result<(Vec<ActivityRecord>, Vec<Finding>), StoreError> {
    let activities = s.store.current_activities().await?;
    let processors = s.store.processors().await?;
    let ctx = Context::new(today(), &processors, &s.transfers);
    let findings = check_register(&ctx, &activities);
    Ok((activities, findings))
}
