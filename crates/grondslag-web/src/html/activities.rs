//! Pages of the register: the list with search and filters, an activity with its history,
//! the create and edit forms, the workflow buttons and the comparison of two versions.

use super::form::{at, text_at, to_json};
use super::organisation::tree;
use super::{choices, render, Choice, Ctx};
use crate::access::{transition_permission, Can, EditActivity, PageCan, ReadRegister};
use crate::api::activities::ListQuery;
use crate::error::PageError;
use crate::i18n::{t, t_args, Lang, UserLang};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use grondslag_domain::access::Permission;
use grondslag_domain::diff::compare;
use grondslag_domain::interchange::parse_activity;
use grondslag_domain::register::{Activity, ActivityRecord, ActivityVersion, Status, Unit};
use grondslag_domain::rules::Finding;
use grondslag_domain::vocab::*;
use grondslag_domain::ValidationErrors;
use grondslag_store::StoreError;
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list).post(create))
        .route("/activities/new", get(new_form))
        .route("/activities/{id}", get(show))
        .route("/activities/{id}/edit", get(edit_form).post(update))
        .route("/activities/{id}/transition", post(transition))
        .route("/activities/{id}/versions/{version}", get(show_version))
        .route("/activities/{id}/compare", get(compare_page))
        .route("/activities/{id}/accountability", get(accountability))
}

fn unit_name(units: &[Unit], key: &str, lang: Lang) -> String {
    units
        .iter()
        .find(|u| u.id == key)
        .map(|u| u.name(lang).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

// ---- the list ----

pub struct Row {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub status: String,
    pub status_key: &'static str,
    pub bases: String,
    pub special: bool,
    pub saved_at: String,
}

#[derive(Template)]
#[template(path = "activities/list.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    units: Vec<Choice>,
    statuses: Vec<Choice>,
    bases: Vec<Choice>,
    categories: Vec<Choice>,
    special: bool,
    rows: Vec<Row>,
    count: String,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
}

fn page_link(raw: &Option<String>, page: u32) -> String {
    let kept: Vec<&str> = raw
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    format!("/activities?{q}page={page}")
}

async fn list(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Query(q): Query<ListQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let user = &can.user;
    // The UI ignores a filter value it does not know, rather than failing the page.
    let (mut filter, _) = q.filter();
    filter.within = can.within();
    let result = s
        .store
        .list_activities(&filter)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let units = s.store.units().await.map_err(|e| PageError::new(lang, e))?;
    let pages = ((result.total as u32).div_ceil(result.per_page)).max(1);
    let sel = |v: Option<&str>| v.map(|v| vec![v.to_string()]).unwrap_or_default();
    let unit_choices = tree(&units, lang)
        .into_iter()
        .map(|l| Choice {
            selected: filter.unit.as_deref() == Some(l.unit.id.as_str()),
            value: l.unit.id.clone(),
            label: format!("{}{}", "\u{2003}".repeat(l.depth), l.name),
        })
        .collect();
    let rows = result
        .items
        .into_iter()
        .map(|i| Row {
            bases: i
                .legal_bases()
                .iter()
                .map(|b| b.label(lang))
                .collect::<Vec<_>>()
                .join(", "),
            unit: unit_name(&units, &i.unit, lang),
            status: i.status.0.label(lang).to_string(),
            status_key: i.status.0.machine_name(),
            special: i.special,
            saved_at: date_time(i.saved_at),
            id: i.id,
            name: i.name,
        })
        .collect();
    let page = ListPage {
        ctx: Ctx::new(
            lang,
            Some(user),
            format!("/activities?{}", raw.clone().unwrap_or_default()),
        ),
        q: filter.q.clone().unwrap_or_default(),
        units: unit_choices,
        statuses: choices::<Status>(lang, &sel(filter.status.map(|x| x.machine_name()))),
        bases: choices::<LegalBasis>(lang, &sel(filter.legal_basis.map(|x| x.machine_name()))),
        categories: choices::<PersonalDataCategory>(
            lang,
            &sel(filter.data_category.map(|x| x.machine_name())),
        ),
        special: filter.special_only,
        rows,
        count: t_args(lang, "list-count", &[("count", result.total.into())]),
        page: result.page,
        pages,
        prev: (result.page > 1).then(|| page_link(&raw, result.page - 1)),
        next: (result.page < pages).then(|| page_link(&raw, result.page + 1)),
    };
    Ok(render(&page))
}

// ---- one activity ----

pub struct Field {
    /// The activity's field, as the first part of a finding's path.
    pub key: &'static str,
    pub label: String,
    pub value: String,
    /// Findings on this field.
    pub notes: Vec<Note>,
}

/// A finding shown next to what it concerns.
#[derive(Clone)]
pub struct Note {
    pub severity: &'static str,
    pub message: String,
    pub fix: String,
    pub cite: String,
    pub path: String,
}

impl Note {
    fn new(f: &Finding, lang: Lang) -> Self {
        Note {
            severity: f.severity.as_str(),
            message: f.message(lang).to_string(),
            fix: f.fix(lang).to_string(),
            cite: format!("{}, {}", f.requirement, f.article),
            path: f.path.clone(),
        }
    }
}

/// Whether a finding at `path` concerns the field `key`: `purposes[1]` concerns `purposes`,
/// `social_media.channels[0]` concerns `social_media.channels`.
fn concerns(path: &str, key: &str) -> bool {
    path.strip_prefix(key)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('[') || rest.starts_with('.'))
}

pub struct Section {
    pub title: String,
    pub fields: Vec<Field>,
}

pub struct CategoryView {
    pub notes: Vec<Note>,
    pub category: String,
    pub description: String,
    pub basis: String,
    pub exception: String,
    pub statutory_basis: String,
    pub retention: String,
    pub special: bool,
}

pub struct RecipientView {
    pub notes: Vec<Note>,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub processor: String,
    pub mechanism: String,
    pub safeguards: String,
}

pub struct VersionLine {
    pub version: u32,
    pub status: String,
    pub saved_at: String,
    pub saved_by: String,
}

#[derive(Template)]
#[template(path = "activities/show.html")]
struct ShowPage {
    ctx: Ctx,
    id: String,
    name: String,
    status: String,
    status_key: &'static str,
    version: u32,
    current_version: u32,
    is_current: bool,
    editable: bool,
    saved: String,
    sections: Vec<Section>,
    categories: Vec<CategoryView>,
    recipients: Vec<RecipientView>,
    transitions: Vec<Choice>,
    history: Vec<VersionLine>,
    /// Findings on the current version, all of them (also shown at their fields).
    findings: Vec<Note>,
    checked: bool,
    effective_retention: String,
}

fn labels<T: Term>(items: &[T], lang: Lang) -> String {
    items
        .iter()
        .map(|t| t.label(lang))
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes_no(lang: Lang, b: bool) -> String {
    if b {
        t(lang, "yes")
    } else {
        t(lang, "no")
    }
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "–".to_string()
    } else {
        s.to_string()
    }
}

fn field(lang: Lang, key: &'static str, id: &str, value: String) -> Field {
    Field {
        key,
        label: t(lang, id),
        value: or_dash(&value),
        notes: Vec::new(),
    }
}

fn sections(a: &Activity, units: &[Unit], lang: Lang) -> Vec<Section> {
    let mut out = vec![
        Section {
            title: t(lang, "section-general"),
            fields: vec![
                field(lang, "unit", "field-unit", unit_name(units, &a.unit, lang)),
                field(
                    lang,
                    "description",
                    "field-description",
                    a.description.clone(),
                ),
                field(
                    lang,
                    "domain_owner",
                    "field-domain-owner",
                    a.domain_owner.clone(),
                ),
                field(
                    lang,
                    "data_stores",
                    "field-data-stores",
                    a.data_stores.join(", "),
                ),
                field(
                    lang,
                    "contact",
                    "field-contact",
                    [a.contact.name.as_str(), a.contact.email.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ],
        },
        Section {
            title: t(lang, "section-purposes"),
            fields: vec![
                field(
                    lang,
                    "purposes",
                    "field-purposes",
                    labels(&a.purposes, lang),
                ),
                field(
                    lang,
                    "purpose_description",
                    "field-purpose-description",
                    a.purpose_description.clone(),
                ),
            ],
        },
        Section {
            title: t(lang, "section-access"),
            fields: vec![field(
                lang,
                "access_holders",
                "field-access-holders",
                a.access_holders.clone(),
            )],
        },
        Section {
            title: t(lang, "section-origin"),
            fields: vec![
                field(
                    lang,
                    "data_origins",
                    "field-data-origins",
                    labels(&a.data_origins, lang),
                ),
                field(
                    lang,
                    "origin_description",
                    "field-origin-description",
                    a.origin_description.clone(),
                ),
            ],
        },
        Section {
            title: t(lang, "section-subjects"),
            fields: vec![field(
                lang,
                "data_subjects",
                "field-data-subjects",
                labels(&a.data_subjects, lang),
            )],
        },
        Section {
            title: t(lang, "section-security"),
            fields: vec![
                field(
                    lang,
                    "security_measures",
                    "field-security-measures",
                    labels(&a.security_measures, lang),
                ),
                field(
                    lang,
                    "security_description",
                    "field-security-description",
                    a.security_description.clone(),
                ),
            ],
        },
        Section {
            title: t(lang, "section-decisions"),
            fields: vec![
                field(
                    lang,
                    "automated_decision_making",
                    "field-automated-decision-making",
                    yes_no(lang, a.automated_decision_making),
                ),
                field(
                    lang,
                    "profiling",
                    "field-profiling",
                    yes_no(lang, a.profiling),
                ),
                field(
                    lang,
                    "human_intervention",
                    "field-human-intervention",
                    yes_no(lang, a.human_intervention),
                ),
                field(
                    lang,
                    "research_out_of_scope",
                    "field-research-out-of-scope",
                    yes_no(lang, a.research_out_of_scope),
                ),
                field(
                    lang,
                    "aggregated_only",
                    "field-aggregated-only",
                    yes_no(lang, a.aggregated_only),
                ),
            ],
        },
    ];
    out.push(Section {
        title: t(lang, "section-consent"),
        fields: vec![
            field(
                lang,
                "consent_methods",
                "field-consent-methods",
                labels(&a.consent_methods, lang),
            ),
            field(
                lang,
                "explicit_consent",
                "field-explicit-consent",
                yes_no(lang, a.explicit_consent),
            ),
            field(
                lang,
                "objection_list_applied",
                "field-objection-list",
                yes_no(lang, a.objection_list_applied),
            ),
        ],
    });
    let info = a.subject_information.clone().unwrap_or_default();
    out.push(Section {
        title: t(lang, "section-information"),
        fields: vec![
            field(
                lang,
                "subject_information.method",
                "field-information-method",
                info.method,
            ),
            field(
                lang,
                "subject_information.within_days",
                "field-information-days",
                info.within_days.map(|d| d.to_string()).unwrap_or_default(),
            ),
        ],
    });
    if let Some(l) = &a.legitimate_interest_assessment {
        out.push(Section {
            title: t(lang, "section-lia"),
            fields: vec![
                field(
                    lang,
                    "legitimate_interest_assessment.interest",
                    "field-lia-interest",
                    l.interest.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.why_legitimate",
                    "field-lia-why-legitimate",
                    l.why_legitimate.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.purely_commercial",
                    "field-lia-purely-commercial",
                    yes_no(lang, l.purely_commercial),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.necessity",
                    "field-lia-necessity",
                    l.necessity.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.proportionality",
                    "field-lia-proportionality",
                    l.proportionality.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.subsidiarity",
                    "field-lia-subsidiarity",
                    l.subsidiarity.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.balancing",
                    "field-lia-balancing",
                    l.balancing.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.children",
                    "field-lia-children",
                    l.children.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.safeguards",
                    "field-lia-safeguards",
                    l.safeguards.clone(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.outcome",
                    "field-lia-outcome",
                    l.outcome
                        .map(|o| o.label(lang).to_string())
                        .unwrap_or_default(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.review",
                    "field-review-decision",
                    l.review
                        .as_ref()
                        .map(|r| format!("{} ({}, {})", r.decision.label(lang), r.date, r.reviewer))
                        .unwrap_or_default(),
                ),
                field(
                    lang,
                    "legitimate_interest_assessment.public_summary",
                    "field-lia-public-summary",
                    l.public_summary.clone(),
                ),
            ],
        });
    }
    if let Some(sc) = &a.dpia_screening {
        out.push(Section {
            title: t(lang, "section-screening"),
            fields: vec![
                field(
                    lang,
                    "dpia_screening.criteria",
                    "field-screening-criteria",
                    labels(&sc.criteria, lang),
                ),
                field(
                    lang,
                    "dpia_screening.ap_list",
                    "field-screening-ap-list",
                    labels(&sc.ap_list, lang),
                ),
                field(
                    lang,
                    "dpia_screening.required",
                    "field-dpia-required",
                    yes_no(lang, sc.dpia_required()),
                ),
                field(
                    lang,
                    "dpia_screening.date",
                    "field-date",
                    sc.date.map(|d| d.to_string()).unwrap_or_default(),
                ),
            ],
        });
    }
    if let Some(d) = &a.dpia {
        let risks = d
            .risks
            .iter()
            .map(|r| {
                let level = |l: Option<RiskLevel>| l.map(|l| l.label(lang)).unwrap_or("–");
                format!(
                    "{}: {} / {}",
                    r.kind.label(lang),
                    level(r.severity),
                    level(r.likelihood)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push(Section {
            title: t(lang, "section-dpia"),
            fields: vec![
                field(
                    lang,
                    "dpia.context",
                    "field-dpia-context",
                    d.context.clone(),
                ),
                field(
                    lang,
                    "dpia.principles",
                    "field-dpia-principles",
                    d.principles.clone(),
                ),
                field(lang, "dpia.risks", "field-risk", risks),
                field(
                    lang,
                    "dpia.measures",
                    "field-dpia-measures",
                    d.measures.clone(),
                ),
                field(
                    lang,
                    "dpia.residual_risk",
                    "field-residual-risk",
                    d.residual_risk
                        .map(|r| r.label(lang).to_string())
                        .unwrap_or_default(),
                ),
                field(
                    lang,
                    "dpia.dpo_advice",
                    "field-dpo-advice",
                    d.dpo_advice.clone(),
                ),
                field(
                    lang,
                    "dpia.approved_on",
                    "field-dpia-approved-on",
                    d.approved_on.map(|x| x.to_string()).unwrap_or_default(),
                ),
                field(
                    lang,
                    "dpia.prior_consultation_on",
                    "field-prior-consultation-on",
                    d.prior_consultation_on
                        .map(|x| x.to_string())
                        .unwrap_or_default(),
                ),
            ],
        });
    }
    if let Some(c) = &a.camera {
        out.push(Section {
            title: t(lang, "section-camera"),
            fields: vec![
                field(
                    lang,
                    "camera.purposes",
                    "field-camera-purposes",
                    labels(&c.purposes, lang),
                ),
                field(
                    lang,
                    "camera.locations",
                    "field-camera-locations",
                    c.locations.clone(),
                ),
                field(
                    lang,
                    "camera.signposted",
                    "field-camera-signposted",
                    yes_no(lang, c.signposted),
                ),
                field(
                    lang,
                    "camera.images_stored",
                    "field-camera-images-stored",
                    yes_no(lang, c.images_stored),
                ),
                field(
                    lang,
                    "camera.storage_days",
                    "field-camera-storage-days",
                    c.storage_days.map(|d| d.to_string()).unwrap_or_default(),
                ),
            ],
        });
    }
    if let Some(sm) = &a.social_media {
        out.push(Section {
            title: t(lang, "section-social"),
            fields: vec![
                field(
                    lang,
                    "social_media.forms",
                    "field-social-forms",
                    labels(&sm.forms, lang),
                ),
                field(
                    lang,
                    "social_media.channels",
                    "field-social-channels",
                    labels(&sm.channels, lang),
                ),
                field(
                    lang,
                    "social_media.two_way_conversation",
                    "field-social-two-way",
                    yes_no(lang, sm.two_way_conversation),
                ),
            ],
        });
    }
    out
}

fn category_views(a: &Activity, lang: Lang) -> Vec<CategoryView> {
    a.data_categories
        .iter()
        .map(|c| CategoryView {
            notes: Vec::new(),
            category: c.category.label(lang).to_string(),
            description: or_dash(&c.description),
            basis: c
                .legal_basis
                .map(|b| b.label(lang).to_string())
                .unwrap_or_else(|| t(lang, "not-recorded")),
            exception: c
                .art9_exception
                .map(|x| x.label(lang).to_string())
                .unwrap_or_else(|| "–".into()),
            statutory_basis: or_dash(&c.statutory_basis),
            retention: c
                .retention
                .as_ref()
                .map(|r| {
                    let mut s = format!("{} {}", r.period, r.unit.label(lang));
                    if !r.starts.is_empty() {
                        s.push_str(&format!(" ({})", r.starts));
                    }
                    s.push_str(&format!("; {}", r.end_action.label(lang)));
                    if !r.source.is_empty() {
                        s.push_str(&format!("; {}", r.source));
                    }
                    s
                })
                .unwrap_or_else(|| t(lang, "not-recorded")),
            special: c.is_special(),
        })
        .collect()
}

fn recipient_views(a: &Activity, lang: Lang) -> Vec<RecipientView> {
    a.recipients
        .iter()
        .map(|r| RecipientView {
            notes: Vec::new(),
            name: r.name.clone(),
            kind: r.kind.label(lang).to_string(),
            country: or_dash(&r.country),
            processor: r.processor.clone().unwrap_or_else(|| "–".into()),
            mechanism: r
                .transfer_mechanism
                .map(|m| m.label(lang).to_string())
                .unwrap_or_else(|| "–".into()),
            safeguards: or_dash(&r.safeguards),
        })
        .collect()
}

async fn show_at(
    s: &AppState,
    lang: Lang,
    can: &Can<ReadRegister>,
    id: &str,
    version: Option<u32>,
) -> Result<Response, PageError> {
    let user = &can.user;
    let record = can
        .activity(s, id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let unit = record.activity.unit.clone();
    let may = |p: Permission| can.scope_of(p).allows(&unit);
    let versions = s
        .store
        .activity_versions(id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let units = s.store.units().await.map_err(|e| PageError::new(lang, e))?;
    let current = versions.last().expect("an activity has versions").clone();
    let shown: ActivityVersion = match version {
        None => current.clone(),
        Some(v) => versions
            .iter()
            .find(|x| x.version == v)
            .cloned()
            .ok_or_else(|| PageError::not_found(lang))?,
    };
    let is_current = shown.version == current.version;
    let a = &shown.activity;
    let found: Vec<Finding> = if is_current {
        let record = s
            .store
            .activity(id)
            .await
            .map_err(|e| PageError::new(lang, e))?;
        crate::findings::for_activity(s, &record)
            .await
            .map_err(|e| PageError::new(lang, e))?
    } else {
        Vec::new()
    };
    let notes: Vec<Note> = found.iter().map(|f| Note::new(f, lang)).collect();
    let mut sections = sections(a, &units, lang);
    for f in sections.iter_mut().flat_map(|s| s.fields.iter_mut()) {
        f.notes = notes
            .iter()
            .filter(|n| concerns(&n.path, f.key))
            .cloned()
            .collect();
    }
    let mut categories = category_views(a, lang);
    for (i, c) in categories.iter_mut().enumerate() {
        let prefix = format!("data_categories[{i}]");
        c.notes = notes
            .iter()
            .filter(|n| n.path.starts_with(&prefix))
            .cloned()
            .collect();
    }
    let mut recipients = recipient_views(a, lang);
    for (i, r) in recipients.iter_mut().enumerate() {
        let prefix = format!("recipients[{i}]");
        r.notes = notes
            .iter()
            .filter(|n| n.path.starts_with(&prefix))
            .cloned()
            .collect();
    }
    let effective_retention = grondslag_domain::rules::effective_retention(a)
        .map(|r| format!("{} {}", r.period, r.unit.label(lang)))
        .unwrap_or_else(|| t(lang, "not-recorded"));
    let page = ShowPage {
        findings: notes,
        checked: is_current,
        effective_retention,
        ctx: Ctx::new(lang, Some(user), format!("/activities/{id}")),
        id: id.to_string(),
        name: a.name.clone(),
        status: shown.status.label(lang).to_string(),
        status_key: shown.status.machine_name(),
        version: shown.version,
        current_version: current.version,
        is_current,
        editable: is_current && current.status.is_editable() && may(Permission::EditActivity),
        saved: t_args(
            lang,
            "saved-by-at",
            &[
                ("who", shown.saved_by.clone().into()),
                ("when", date_time(shown.saved_at).into()),
            ],
        ),
        sections,
        categories,
        recipients,
        transitions: if is_current {
            current
                .status
                .next()
                .iter()
                .filter(|st| may(transition_permission(**st)))
                .map(|st| Choice {
                    value: st.machine_name().into(),
                    label: transition_label(lang, *st),
                    selected: false,
                })
                .collect()
        } else {
            Vec::new()
        },
        history: versions
            .iter()
            .rev()
            .map(|v| VersionLine {
                version: v.version,
                status: v.status.label(lang).into(),
                saved_at: date_time(v.saved_at),
                saved_by: v.saved_by.clone(),
            })
            .collect(),
    };
    Ok(render(&page))
}

fn transition_label(lang: Lang, to: Status) -> String {
    match to {
        Status::Draft => t(lang, "action-return-to-draft"),
        Status::Submitted => t(lang, "action-submit"),
        Status::Registered => t(lang, "action-register"),
        Status::Retired => t(lang, "action-retire"),
    }
}

async fn show(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show_at(&s, lang, &can, &id, None).await
}

async fn show_version(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Path((id, v)): Path<(String, u32)>,
) -> Result<Response, PageError> {
    show_at(&s, lang, &can, &id, Some(v)).await
}

#[derive(Deserialize)]
struct TransitionForm {
    to: String,
    version: u32,
}

async fn transition(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Path(id): Path<String>,
    Form(f): Form<TransitionForm>,
) -> Result<Response, PageError> {
    let to = Status::from_machine_name(&f.to)
        .ok_or_else(|| PageError::new(lang, StoreError::Conflict(f.to.clone())))?;
    let current = can
        .activity(&s, &id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    if !can
        .scope_of(transition_permission(to))
        .allows(&current.activity.unit)
    {
        return Err(PageError::forbidden(lang));
    }
    s.store
        .transition_activity(&can.user.actor(), &id, Some(f.version), to)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

// ---- comparing versions ----

pub struct ChangeView {
    pub label: String,
    pub path: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "activities/compare.html")]
struct ComparePage {
    ctx: Ctx,
    id: String,
    name: String,
    from: u32,
    to: u32,
    versions: Vec<u32>,
    changes: Vec<ChangeView>,
}

#[derive(Deserialize)]
struct CompareQuery {
    from: Option<u32>,
    to: Option<u32>,
}

/// The label of a top-level field of an activity, for the comparison.
fn field_label(lang: Lang, field: &str) -> String {
    let id = match field {
        "name" => "field-name",
        "description" => "field-description",
        "unit" => "field-unit",
        "purposes" => "field-purposes",
        "purpose_description" => "field-purpose-description",
        "access_holders" => "field-access-holders",
        "data_origins" => "field-data-origins",
        "origin_description" => "field-origin-description",
        "data_subjects" => "field-data-subjects",
        "data_categories" => "field-data-categories",
        "recipients" => "field-recipients",
        "security_measures" => "field-security-measures",
        "security_description" => "field-security-description",
        "automated_decision_making" => "field-automated-decision-making",
        "profiling" => "field-profiling",
        "human_intervention" => "field-human-intervention",
        "camera" => "section-camera",
        "social_media" => "section-social",
        "research_out_of_scope" => "field-research-out-of-scope",
        "aggregated_only" => "field-aggregated-only",
        "domain_owner" => "field-domain-owner",
        "data_stores" => "field-data-stores",
        "contact" => "field-contact",
        _ => return field.to_string(),
    };
    t(lang, id)
}

async fn compare_page(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    let user = &can.user;
    can.activity(&s, &id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let versions = s
        .store
        .activity_versions(&id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let last = versions.last().expect("an activity has versions").version;
    let to = q.to.unwrap_or(last);
    let from = q.from.unwrap_or(to.saturating_sub(1).max(1));
    let pick = |v: u32| {
        versions
            .iter()
            .find(|x| x.version == v)
            .ok_or_else(|| PageError::not_found(lang))
    };
    let (a, b) = (pick(from)?, pick(to)?);
    let changes = compare(&a.activity, &b.activity)
        .into_iter()
        .map(|c| ChangeView {
            label: field_label(lang, c.field()),
            before: c.before.clone().unwrap_or_else(|| "–".into()),
            after: c.after.clone().unwrap_or_else(|| "–".into()),
            path: c.path,
        })
        .collect();
    Ok(render(&ComparePage {
        ctx: Ctx::new(
            lang,
            Some(user),
            format!("/activities/{id}/compare?from={from}&to={to}"),
        ),
        id: id.clone(),
        name: b.activity.name.clone(),
        from,
        to,
        versions: versions.iter().map(|v| v.version).collect(),
        changes,
    }))
}

// ---- the form ----

pub struct CategoryRow {
    pub i: usize,
    pub category: Vec<Choice>,
    pub description: String,
    pub legal_basis: Vec<Choice>,
    pub art9: Vec<Choice>,
    pub statutory_basis: String,
    pub period: String,
    pub period_unit: Vec<Choice>,
    pub starts: String,
    pub source: String,
    pub end_action: Vec<Choice>,
}

pub struct RecipientRow {
    pub i: usize,
    pub name: String,
    pub kind: Vec<Choice>,
    pub country: String,
    pub processor: Vec<Choice>,
    pub mechanism: Vec<Choice>,
    pub safeguards: String,
}

/// What the form shows: values from a document that may be invalid, and the errors.
pub struct FormView {
    doc: Value,
    errors: Vec<(String, String)>,
    pub units: Vec<Choice>,
    pub purposes: Vec<Choice>,
    pub origins: Vec<Choice>,
    pub subjects: Vec<Choice>,
    pub measures: Vec<Choice>,
    pub categories: Vec<CategoryRow>,
    pub recipients: Vec<RecipientRow>,
    pub camera_on: bool,
    pub camera_purposes: Vec<Choice>,
    pub social_on: bool,
    pub social_forms: Vec<Choice>,
    pub social_channels: Vec<Choice>,
    pub consent_methods: Vec<Choice>,
    pub lia_outcome: Vec<Choice>,
    pub review_decision: Vec<Choice>,
    pub screening_on: bool,
    pub criteria: Vec<Choice>,
    pub ap_list: Vec<Choice>,
    pub residual_risk: Vec<Choice>,
    pub risks: Vec<RiskRow>,
}

/// One of the three risks of a DPIA in the form.
pub struct RiskRow {
    pub i: usize,
    pub kind: Vec<Choice>,
    pub impacts: String,
    pub threats: String,
    pub sources: String,
    pub measures: String,
    pub severity: Vec<Choice>,
    pub likelihood: Vec<Choice>,
}

fn strings(doc: &Value, path: &str) -> Vec<String> {
    at(doc, path)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn one(doc: &Value, path: &str) -> Vec<String> {
    let v = text_at(doc, path);
    if v.is_empty() {
        vec![]
    } else {
        vec![v]
    }
}

/// Prepends an empty choice for an optional select.
fn optional(lang: Lang, mut c: Vec<Choice>) -> Vec<Choice> {
    c.insert(
        0,
        Choice {
            value: String::new(),
            label: t(lang, "choose-none"),
            selected: false,
        },
    );
    c
}

pub(super) fn error_message(lang: Lang, code: &str) -> String {
    match code {
        "required" => t(lang, "error-field-required"),
        "unknown_value" => t(lang, "error-field-unknown-value"),
        "wrong_type" | "invalid_format" => t(lang, "error-field-format"),
        "too_long" => t(lang, "error-field-too-long"),
        "duplicate" => t(lang, "error-field-duplicate"),
        "unknown_reference" => t(lang, "error-field-unknown-reference"),
        "out_of_range" => t(lang, "error-field-out-of-range"),
        _ => t(lang, "error-field-invalid"),
    }
}

impl FormView {
    fn new(
        lang: Lang,
        doc: Value,
        errors: &ValidationErrors,
        units: &[Unit],
        processors: &[String],
        extra: (usize, usize),
    ) -> Self {
        let n_cat = at(&doc, "data_categories")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
            + extra.0;
        let n_rec = at(&doc, "recipients")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
            + extra.1;
        let categories = (0..n_cat)
            .map(|i| {
                let p = |f: &str| format!("data_categories[{i}].{f}");
                CategoryRow {
                    i,
                    category: optional(
                        lang,
                        choices::<PersonalDataCategory>(lang, &one(&doc, &p("category"))),
                    ),
                    description: text_at(&doc, &p("description")),
                    legal_basis: optional(
                        lang,
                        choices::<LegalBasis>(lang, &one(&doc, &p("legal_basis"))),
                    ),
                    art9: optional(
                        lang,
                        choices::<Art9Exception>(lang, &one(&doc, &p("art9_exception"))),
                    ),
                    statutory_basis: text_at(&doc, &p("statutory_basis")),
                    period: text_at(&doc, &p("retention.period")),
                    period_unit: optional(
                        lang,
                        choices::<PeriodUnit>(lang, &one(&doc, &p("retention.unit"))),
                    ),
                    starts: text_at(&doc, &p("retention.starts")),
                    source: text_at(&doc, &p("retention.source")),
                    end_action: optional(
                        lang,
                        choices::<EndAction>(lang, &one(&doc, &p("retention.end_action"))),
                    ),
                }
            })
            .collect();
        let recipients = (0..n_rec)
            .map(|i| {
                let p = |f: &str| format!("recipients[{i}].{f}");
                let chosen = text_at(&doc, &p("processor"));
                RecipientRow {
                    i,
                    name: text_at(&doc, &p("name")),
                    kind: optional(lang, choices::<RecipientKind>(lang, &one(&doc, &p("kind")))),
                    country: text_at(&doc, &p("country")),
                    processor: optional(
                        lang,
                        processors
                            .iter()
                            .map(|k| Choice {
                                value: k.clone(),
                                label: k.clone(),
                                selected: *k == chosen,
                            })
                            .collect(),
                    ),
                    mechanism: optional(
                        lang,
                        choices::<TransferMechanism>(lang, &one(&doc, &p("transfer_mechanism"))),
                    ),
                    safeguards: text_at(&doc, &p("safeguards")),
                }
            })
            .collect();
        let unit = text_at(&doc, "unit");
        FormView {
            errors: errors
                .iter()
                .map(|e| (e.path.clone(), error_message(lang, e.code)))
                .collect(),
            units: optional(
                lang,
                tree(units, lang)
                    .into_iter()
                    .map(|l| Choice {
                        selected: l.unit.id == unit,
                        value: l.unit.id.clone(),
                        label: format!("{}{}", "\u{2003}".repeat(l.depth), l.name),
                    })
                    .collect(),
            ),
            purposes: choices::<Purpose>(lang, &strings(&doc, "purposes")),
            origins: choices::<DataOrigin>(lang, &strings(&doc, "data_origins")),
            subjects: choices::<DataSubjectCategory>(lang, &strings(&doc, "data_subjects")),
            measures: choices::<SecurityMeasure>(lang, &strings(&doc, "security_measures")),
            categories,
            recipients,
            camera_on: at(&doc, "camera").is_some_and(Value::is_object),
            camera_purposes: choices::<CameraPurpose>(lang, &strings(&doc, "camera.purposes")),
            social_on: at(&doc, "social_media").is_some_and(Value::is_object),
            social_forms: choices::<SocialProcessing>(lang, &strings(&doc, "social_media.forms")),
            social_channels: choices::<SocialChannel>(
                lang,
                &strings(&doc, "social_media.channels"),
            ),
            consent_methods: choices::<ConsentMethod>(lang, &strings(&doc, "consent_methods")),
            lia_outcome: optional(
                lang,
                choices::<LiaOutcome>(lang, &one(&doc, "legitimate_interest_assessment.outcome")),
            ),
            review_decision: optional(
                lang,
                choices::<ReviewDecision>(
                    lang,
                    &one(&doc, "legitimate_interest_assessment.review.decision"),
                ),
            ),
            screening_on: at(&doc, "dpia_screening").is_some_and(Value::is_object),
            criteria: choices::<Wp248Criterion>(lang, &strings(&doc, "dpia_screening.criteria")),
            ap_list: choices::<ApListType>(lang, &strings(&doc, "dpia_screening.ap_list")),
            residual_risk: optional(
                lang,
                choices::<ResidualRisk>(lang, &one(&doc, "dpia.residual_risk")),
            ),
            risks: (0..at(&doc, "dpia.risks")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
                .max(3))
                .map(|i| {
                    let p = |f: &str| format!("dpia.risks[{i}].{f}");
                    RiskRow {
                        i,
                        kind: optional(lang, choices::<RiskKind>(lang, &one(&doc, &p("kind")))),
                        impacts: text_at(&doc, &p("impacts")),
                        threats: text_at(&doc, &p("threats")),
                        sources: text_at(&doc, &p("sources")),
                        measures: text_at(&doc, &p("measures")),
                        severity: optional(
                            lang,
                            choices::<RiskLevel>(lang, &one(&doc, &p("severity"))),
                        ),
                        likelihood: optional(
                            lang,
                            choices::<RiskLevel>(lang, &one(&doc, &p("likelihood"))),
                        ),
                    }
                })
                .collect(),
            doc,
        }
    }

    pub fn text(&self, path: &str) -> String {
        text_at(&self.doc, path)
    }

    pub fn flag(&self, path: &str) -> bool {
        at(&self.doc, path)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The error at a field, if any.
    pub fn err(&self, path: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, m)| m.clone())
    }

    /// The error at a field of a row.
    pub fn row_err(&self, list: &str, i: &usize, field: &str) -> Option<String> {
        self.err(&format!("{list}[{i}].{field}"))
    }

    /// Every error, with the id of its field, for the summary at the top.
    pub fn summary(&self) -> Vec<(String, String, String)> {
        self.errors
            .iter()
            .map(|(p, m)| (field_id(p), p.clone(), m.clone()))
            .collect()
    }
}

/// The HTML id of a form field: its path with brackets and dots as hyphens.
pub fn field_id(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[derive(Template)]
#[template(path = "activities/form.html")]
struct FormPage {
    ctx: Ctx,
    title: String,
    action: String,
    version: Option<u32>,
    f: FormView,
}

async fn form_page(
    s: &AppState,
    lang: Lang,
    can: &Can<EditActivity>,
    target: Option<(&str, u32)>,
    doc: Value,
    errors: &ValidationErrors,
    extra: (usize, usize),
) -> Result<Response, PageError> {
    // Only the units the user may register activities for are offered.
    let mut units = can.units.to_vec();
    let editable: Vec<String> = units
        .iter()
        .filter(|u| can.scope.allows(&u.id))
        .map(|u| u.id.clone())
        .collect();
    units.retain(|u| editable.contains(&u.id));
    for u in &mut units {
        if u.parent.as_ref().is_some_and(|p| !editable.contains(p)) {
            u.parent = None;
        }
    }
    let processors: Vec<String> = s
        .store
        .processors()
        .await
        .map_err(|e| PageError::new(lang, e))?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let (title, action, here) = match target {
        None => (
            t(lang, "title-new-activity"),
            "/activities".to_string(),
            "/activities/new".to_string(),
        ),
        Some((id, _)) => (
            t(lang, "title-edit-activity"),
            format!("/activities/{id}/edit"),
            format!("/activities/{id}/edit"),
        ),
    };
    let page = FormPage {
        ctx: Ctx::new(lang, Some(&can.user), here),
        title,
        action,
        version: target.map(|(_, v)| v),
        f: FormView::new(lang, doc, errors, &units, &processors, extra),
    };
    let mut res = render(&page);
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn new_form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<EditActivity>,
) -> Result<Response, PageError> {
    form_page(
        &s,
        lang,
        &can,
        None,
        serde_json::json!({"name": "", "unit": ""}),
        &ValidationErrors::new(),
        (1, 1),
    )
    .await
}

/// The activity to edit: it must be in the user's units, as it is and as it is saved.
async fn editable(
    s: &AppState,
    lang: Lang,
    can: &Can<EditActivity>,
    id: &str,
) -> Result<ActivityRecord, PageError> {
    let r = can
        .activity(s, id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    if !can.scope.allows(&r.activity.unit) {
        return Err(PageError::forbidden(lang));
    }
    Ok(r)
}

async fn edit_form(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<EditActivity>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = editable(&s, lang, &can, &id).await?;
    let doc = serde_json::to_value(&r.activity).expect("an activity serialises");
    form_page(
        &s,
        lang,
        &can,
        Some((&id, r.version)),
        doc,
        &ValidationErrors::new(),
        (1, 1),
    )
    .await
}

/// Which list the "add a row" button asked for, if it was pressed.
fn extra_rows(fields: &[(String, String)]) -> Option<(usize, usize)> {
    fields
        .iter()
        .find(|(k, _)| k == "add")
        .map(|(_, v)| if v == "recipients" { (0, 1) } else { (1, 0) })
}

async fn save(
    s: &AppState,
    lang: Lang,
    can: &Can<EditActivity>,
    target: Option<(&str, u32)>,
    fields: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let doc = to_json(&fields);
    if let Some(extra) = extra_rows(&fields) {
        return form_page(s, lang, can, target, doc, &ValidationErrors::new(), extra).await;
    }
    let activity = match parse_activity(&doc) {
        Ok(a) => a,
        Err(errors) => return form_page(s, lang, can, target, doc, &errors, (0, 0)).await,
    };
    if let Err(errors) = crate::api::activities::unit_in_scope(can, &activity) {
        return form_page(s, lang, can, target, doc, &errors, (0, 0)).await;
    }
    let actor = can.user.actor();
    let result = match target {
        None => s.store.create_activity(&actor, activity).await,
        Some((id, version)) => {
            s.store
                .update_activity(&actor, id, Some(version), activity)
                .await
        }
    };
    match result {
        Ok(record) => Ok(Redirect::to(&format!("/activities/{}", record.id)).into_response()),
        Err(StoreError::Invalid(errors)) => {
            form_page(s, lang, can, target, doc, &errors, (0, 0)).await
        }
        Err(e) => Err(PageError::new(lang, e)),
    }
}

async fn create(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<EditActivity>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    save(&s, lang, &can, None, fields).await
}

async fn update(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<EditActivity>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    editable(&s, lang, &can, &id).await?;
    let version = fields
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    save(&s, lang, &can, Some((&id, version)), fields).await
}

// ---- the printable accountability view ----

#[derive(Template)]
#[template(path = "activities/accountability.html")]
struct AccountabilityPage {
    ctx: Ctx,
    id: String,
    name: String,
    organisation: String,
    unit: String,
    version: u32,
    status: String,
    printed_on: String,
    sections: Vec<Section>,
}

/// The legitimate-interest assessment, DPIA screening and DPIA of one activity on one page,
/// to print or save as PDF for a data subject or the AP (LAW-2: the assessment "can be shown
/// to a data subject or the AP on request").
async fn accountability(
    State(s): State<AppState>,
    UserLang(lang): UserLang,
    PageCan(can): PageCan<ReadRegister>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = &can.user;
    let r = can
        .activity(&s, &id)
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let units = s.store.units().await.map_err(|e| PageError::new(lang, e))?;
    let org = s
        .store
        .organisation()
        .await
        .map_err(|e| PageError::new(lang, e))?;
    let all = sections(&r.activity, &units, lang);
    let wanted = [
        t(lang, "section-purposes"),
        t(lang, "section-lia"),
        t(lang, "section-screening"),
        t(lang, "section-dpia"),
    ];
    let page = AccountabilityPage {
        ctx: Ctx::new(lang, Some(user), format!("/activities/{id}/accountability")),
        name: r.activity.name.clone(),
        organisation: org.name,
        unit: unit_name(&units, &r.activity.unit, lang),
        version: r.version,
        status: r.status.label(lang).to_string(),
        printed_on: crate::findings::today().to_string(),
        sections: all
            .into_iter()
            .filter(|sec| wanted.contains(&sec.title))
            .collect(),
        id,
    };
    Ok(render(&page))
}
