//! The API's own request and response types, made from domain and store types.

use chrono::{DateTime, Utc};
use grondslag_domain::diff::FieldChange;
use grondslag_domain::register::{ActivityVersion, Status};
use grondslag_domain::vocab::LegalBasis;
use grondslag_store::register::{ActivitySummary, Page};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One line of the register list.
#[derive(Serialize, JsonSchema)]
pub struct ActivityItem {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub status: Status,
    pub version: i64,
    /// Whether any category is a special category (RU art. 1 lid 2).
    pub special_categories: bool,
    pub legal_bases: Vec<LegalBasis>,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
}

impl From<ActivitySummary> for ActivityItem {
    fn from(s: ActivitySummary) -> Self {
        ActivityItem {
            legal_bases: s.legal_bases(),
            id: s.id,
            name: s.name,
            unit: s.unit,
            status: s.status.0,
            version: s.version,
            special_categories: s.special,
            saved_at: s.saved_at,
            saved_by: s.saved_by,
        }
    }
}

/// A page of the register list.
#[derive(Serialize, JsonSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityItem>,
    /// How many activities match, on all pages together.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl From<Page<ActivitySummary>> for ActivityPage {
    fn from(p: Page<ActivitySummary>) -> Self {
        ActivityPage {
            items: p.items.into_iter().map(Into::into).collect(),
            total: p.total,
            page: p.page,
            per_page: p.per_page,
        }
    }
}

/// Who saved a version, when, and in which status.
#[derive(Serialize, JsonSchema)]
pub struct VersionInfo {
    pub version: u32,
    pub status: Status,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
}

impl From<&ActivityVersion> for VersionInfo {
    fn from(v: &ActivityVersion) -> Self {
        VersionInfo {
            version: v.version,
            status: v.status,
            saved_at: v.saved_at,
            saved_by: v.saved_by.clone(),
        }
    }
}

/// A field that differs between two versions.
#[derive(Serialize, JsonSchema)]
pub struct Change {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<FieldChange> for Change {
    fn from(c: FieldChange) -> Self {
        Change {
            path: c.path,
            before: c.before,
            after: c.after,
        }
    }
}

/// A move through the registration workflow.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub status: Status,
    /// The version the client saw; the move is refused when it is stale.
    #[serde(default)]
    pub version: Option<u32>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, JsonSchema)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    /// The roles the user holds, each for all units or for one unit and those below it.
    pub grants: Vec<grondslag_domain::access::Grant>,
}

impl From<grondslag_store::accounts::User> for UserInfo {
    fn from(u: grondslag_store::accounts::User) -> Self {
        Self {
            username: u.username,
            display_name: u.display_name,
            is_admin: u.is_admin,
            grants: u.grants,
        }
    }
}

/// What an import changed.
#[derive(Serialize, JsonSchema)]
pub struct ImportSummary {
    pub units_written: usize,
    pub processors_written: usize,
    pub activities_created: usize,
    pub activities_updated: usize,
    pub activities_unchanged: usize,
}

/// The result of walking the audit chain (SEC-3).
#[derive(Serialize, JsonSchema)]
pub struct AuditVerification {
    pub intact: bool,
    /// How many entries were verified.
    pub entries: i64,
    /// Where the chain is broken, when it is.
    pub first_break: Option<String>,
}

/// A term of the vocabulary (docs/glossary.md).
#[derive(Serialize, JsonSchema)]
pub struct VocabularyTerm {
    pub vocabulary: String,
    pub machine_name: String,
    pub en: String,
    pub nl: String,
    pub source: String,
    pub dpv: Option<String>,
}

/// A finding of a rule on an activity (LAW-12).
#[derive(Serialize, JsonSchema)]
pub struct FindingItem {
    pub rule: String,
    /// error, warning or info.
    pub severity: String,
    pub activity_id: String,
    pub activity_name: String,
    pub unit: String,
    /// The field concerned, as an interchange path.
    pub path: String,
    pub requirement: String,
    pub article: String,
    pub message_nl: String,
    pub message_en: String,
    pub fix_nl: String,
    pub fix_en: String,
}

impl FindingItem {
    pub fn new(f: grondslag_domain::rules::Finding, activity_name: &str, unit: &str) -> Self {
        FindingItem {
            rule: f.rule.into(),
            severity: f.severity.as_str().into(),
            activity_id: f.activity_id,
            activity_name: activity_name.into(),
            unit: unit.into(),
            path: f.path,
            requirement: f.requirement.into(),
            article: f.article.into(),
            message_nl: f.message_nl,
            message_en: f.message_en,
            fix_nl: f.fix_nl.into(),
            fix_en: f.fix_en.into(),
        }
    }
}

/// A rule of the catalogue.
#[derive(Serialize, JsonSchema)]
pub struct RuleItem {
    pub id: String,
    pub severity: String,
    pub requirement: String,
    pub article: String,
    pub message_nl: String,
    pub message_en: String,
    pub fix_nl: String,
    pub fix_en: String,
}

impl From<&grondslag_domain::rules::Rule> for RuleItem {
    fn from(r: &grondslag_domain::rules::Rule) -> Self {
        RuleItem {
            id: r.id.into(),
            severity: r.severity.as_str().into(),
            requirement: r.requirement.into(),
            article: r.article.into(),
            message_nl: r.message.nl.into(),
            message_en: r.message.en.into(),
            fix_nl: r.fix.nl.into(),
            fix_en: r.fix.en.into(),
        }
    }
}
