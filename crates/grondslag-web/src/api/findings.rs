//! `/api/v1/findings` and `/api/v1/rules`: what is wrong in the register, and the rules
//! that say so (LAW-12).

use super::types::{FindingItem, RuleItem};
use super::ApiRoute;
use crate::access::{Can, ReadRegister};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::findings;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::get;
use axum::Json;
use grondslag_domain::access::Permission;
use grondslag_domain::register::descendants;
use grondslag_domain::rules::catalogue;
use serde::Deserialize;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/findings",
            operation_id: "listFindings",
            summary: "Findings of every rule on the current register (LAW-12)",
            tag: "compliance",
            request: None,
            response: (200, Some("FindingItemList")),
            query: &[
                ("unit", "string", "A unit key: findings on its activities and those of every unit below it"),
                ("severity", "string", "error, warning or info"),
                ("rule", "string", "A rule id"),
            ],
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(list),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/activities/{id}/findings",
            operation_id: "listActivityFindings",
            summary: "Findings on the current version of one activity",
            tag: "compliance",
            request: None,
            response: (200, Some("FindingItemList")),
            query: &[],
            permission: Some(Permission::ReadRegister),
            public: false,
            handler: get(for_activity),
        },
        ApiRoute {
            method: Method::GET,
            path: "/api/v1/rules",
            operation_id: "listRules",
            summary: "The rule catalogue: id, severity, requirement, article, message and fix in Dutch and English",
            tag: "compliance",
            request: None,
            response: (200, Some("RuleItemList")),
            query: &[],
            permission: None,
            public: false,
            handler: get(rules),
        },
    ]
}

#[derive(Deserialize)]
struct FindingQuery {
    unit: Option<String>,
    severity: Option<String>,
    rule: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Query(q): Query<FindingQuery>,
) -> Result<Json<Vec<FindingItem>>, ApiError> {
    let (activities, all) = findings::for_register(&s).await?;
    let units = match q.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => Some(descendants(&s.store.units().await?, u)),
        None => None,
    };
    let items = all
        .into_iter()
        .filter(|f| {
            q.severity
                .as_deref()
                .is_none_or(|v| v.is_empty() || f.severity.as_str() == v)
        })
        .filter(|f| {
            q.rule
                .as_deref()
                .is_none_or(|v| v.is_empty() || f.rule == v)
        })
        .filter_map(|f| {
            let a = activities.iter().find(|a| a.id == f.activity_id)?;
            if !can.scope.allows(&a.activity.unit) {
                return None;
            }
            if units
                .as_ref()
                .is_some_and(|u| !u.contains(&a.activity.unit))
            {
                return None;
            }
            Some(FindingItem::new(f, &a.activity.name, &a.activity.unit))
        })
        .collect();
    Ok(Json(items))
}

async fn for_activity(
    State(s): State<AppState>,
    can: Can<ReadRegister>,
    Path(id): Path<String>,
) -> Result<Json<Vec<FindingItem>>, ApiError> {
    let r = can.activity(&s, &id).await?;
    let found = findings::for_activity(&s, &r).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|f| FindingItem::new(f, &r.activity.name, &r.activity.unit))
            .collect(),
    ))
}

async fn rules(_: ApiUser) -> Json<Vec<RuleItem>> {
    Json(catalogue().into_iter().map(RuleItem::from).collect())
}
