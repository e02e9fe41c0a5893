//! The findings dashboard: what is wrong in the register, per unit and per rule.

use super::organisation::tree;
use super::{render, Choice, Ctx};
use crate::access::{PageCan, ReadRegister};
use crate::error::PageError;
use crate::i18n::{t, t_args, UserLang};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use grondslag_domain::register::descendants;
use grondslag_domain::rules::{catalogue, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/findings", get(dashboard))
}

pub struct UnitCount {
    pub id: String,
    pub name: String,
    pub errors: usize,
    pub warnings: usize,
}

pub struct RuleCount {
    pub id: &'static str,
    pub cite: String,
    pub message: &'static str,
    pub count: usize,
}

pub struct Line {
    pub activity_id: String,
    pub activity: String,
    pub severity: &'static str,
    pub severity_label: String,
    pub message: String,
    pub fix: String,
    pub cite: String,
    pub path: String,
}

#[derive(Template)]
#[template(path = "register/findings.html")]
struct Dashboard {
    ctx: Ctx,
    units: Vec<Choice>,
    rules: Vec<Choice>,
    severities: Vec<Choice>,
    by_unit: Vec<UnitCount>,
    by_rule: Vec<RuleCount>,
    lines: Vec<Line>,
    count: String,
}

#[derive(Deserialize)]
struct Filter {
    unit: Option<String>,
    rule: Option<String>,
    severity: Option<String>,
}

async fn dashboard(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Query(q): Query<Filter>,
) -> Result<Response, PageError> {
    let user = &can.user;
    let (activities, findings) = crate::findings::for_register(&s)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let units = s.store.units().await.map_err(|e| PageError::new(lang, e))?;
    let unit_of: BTreeMap<&str, &str> = activities
        .iter()
        .map(|a| (a.id.as_str(), a.activity.unit.as_str()))
        .collect();
    let name_of: BTreeMap<&str, &str> = activities
        .iter()
        .map(|a| (a.id.as_str(), a.activity.name.as_str()))
        .collect();
    let unit = q.unit.clone().filter(|u| !u.is_empty());
    let scope = unit.as_ref().map(|u| descendants(&units, u));
    let rule = q.rule.clone().filter(|r| !r.is_empty());
    let severity = q.severity.clone().filter(|r| !r.is_empty());
    let shown: Vec<_> = findings
        .iter()
        .filter(|f| {
            scope.as_ref().is_none_or(|sc| {
                unit_of
                    .get(f.activity_id.as_str())
                    .is_some_and(|u| sc.iter().any(|x| x == u))
            })
        })
        .filter(|f| {
            unit_of
                .get(f.activity_id.as_str())
                .is_some_and(|u| can.scope.allows(u))
        })
        .filter(|f| rule.as_deref().is_none_or(|r| f.rule == r))
        .filter(|f| severity.as_deref().is_none_or(|v| f.severity.as_str() == v))
        .collect();

    let lines_tree = tree(&units, lang);
    let by_unit = lines_tree
        .iter()
        .filter_map(|l| {
            let here: Vec<_> = shown
                .iter()
                .filter(|f| unit_of.get(f.activity_id.as_str()) == Some(&l.unit.id.as_str()))
                .collect();
            let errors = here
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let warnings = here
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count();
            (errors + warnings > 0).then(|| UnitCount {
                id: l.unit.id.clone(),
                name: format!("{}{}", "\u{2003}".repeat(l.depth), l.name),
                errors,
                warnings,
            })
        })
        .collect();
    let by_rule = catalogue()
        .into_iter()
        .filter_map(|r| {
            let count = shown.iter().filter(|f| f.rule == r.id).count();
            (count > 0).then(|| RuleCount {
                id: r.id,
                cite: format!("{}, {}", r.requirement, r.article),
                message: r.message.get(lang),
                count,
            })
        })
        .collect();
    let severity_label = |sev: Severity| match sev {
        Severity::Error => t(lang, "severity-error"),
        Severity::Warning => t(lang, "severity-warning"),
        Severity::Info => t(lang, "severity-info"),
    };
    let lines = shown
        .iter()
        .map(|f| Line {
            activity_id: f.activity_id.clone(),
            activity: name_of
                .get(f.activity_id.as_str())
                .copied()
                .unwrap_or_default()
                .to_string(),
            severity: f.severity.as_str(),
            severity_label: severity_label(f.severity),
            message: f.message(lang).to_string(),
            fix: f.fix(lang).to_string(),
            cite: format!("{}, {}", f.requirement, f.article),
            path: f.path.clone(),
        })
        .collect();
    let page = Dashboard {
        ctx: Ctx::new(lang, Some(user), "/findings"),
        units: lines_tree
            .iter()
            .map(|l| Choice {
                selected: unit.as_deref() == Some(l.unit.id.as_str()),
                value: l.unit.id.clone(),
                label: format!("{}{}", "\u{2003}".repeat(l.depth), l.name),
            })
            .collect(),
        rules: catalogue()
            .into_iter()
            .map(|r| Choice {
                selected: rule.as_deref() == Some(r.id),
                value: r.id.into(),
                label: r.id.into(),
            })
            .collect(),
        severities: [Severity::Error, Severity::Warning]
            .into_iter()
            .map(|v| Choice {
                selected: severity.as_deref() == Some(v.as_str()),
                value: v.as_str().into(),
                label: severity_label(v),
            })
            .collect(),
        by_unit,
        by_rule,
        count: t_args(lang, "findings-count", &[("count", shown.len().into())]),
        lines,
    };
    Ok(render(&page))
}
