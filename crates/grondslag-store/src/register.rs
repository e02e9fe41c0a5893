//! The register in the database: organisation, units, processors and activities with their
//! versions (REG-1 to REG-4).

use crate::audit::WriteTx;
use crate::db::{QueryBuilder, Val};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use grondslag_domain::register::{
    descendants, Activity, ActivityRecord, ActivityVersion, Organisation, Processor, Status, Unit,
};
use grondslag_domain::vocab::{LegalBasis, PersonalDataCategory, Term, UnitKind};
use grondslag_domain::{Lang, ValidationErrors};
use serde::Serialize;
use std::sync::Arc;

/// Which activities to list.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// Words to find in the name, description, purposes (their labels and the unit's own
    /// words), domain owner, contact or unit key.
    pub q: Option<String>,
    /// A unit key: activities of this unit and every unit below it.
    pub unit: Option<String>,
    pub status: Option<Status>,
    pub legal_basis: Option<LegalBasis>,
    pub data_category: Option<PersonalDataCategory>,
    /// Only activities with special categories of personal data.
    pub special_only: bool,
    /// The units the reader may see (REG-3); none means every unit. An empty list means none.
    pub within: Option<Vec<String>>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// One line of the register list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ActivitySummary {
    pub id: String,
    pub name: String,
    pub unit: String,
    #[sqlx(try_from = "String")]
    pub status: StatusText,
    pub version: i64,
    pub special: bool,
    /// Comma-separated machine names.
    #[serde(skip)]
    pub legal_bases: String,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
}

impl ActivitySummary {
    pub fn legal_bases(&self) -> Vec<LegalBasis> {
        self.legal_bases
            .split(',')
            .filter_map(LegalBasis::from_machine_name)
            .collect()
    }
}

/// A status read from a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StatusText(pub Status);

impl TryFrom<String> for StatusText {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        Status::from_machine_name(&s)
            .map(StatusText)
            .ok_or_else(|| format!("unknown status {s:?} in the database"))
    }
}

/// A page of results with the total count.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(sqlx::FromRow)]
struct Doc {
    doc: String,
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    summary: ActivitySummary,
    total: i64,
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: String,
    parent_id: Option<String>,
    kind: String,
    name_nl: String,
    name_en: String,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: String,
    status: String,
    version: i64,
    saved_at: DateTime<Utc>,
    saved_by: String,
    doc: String,
}

#[derive(sqlx::FromRow)]
struct Exists {
    #[allow(dead_code)]
    id: String,
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Other(sqlx::Error::Decode(format!("{what}: {e}").into())))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("register types serialise")
}

fn status(s: &str) -> Result<Status> {
    Status::from_machine_name(s).ok_or_else(|| {
        StoreError::Other(sqlx::Error::Decode(format!("unknown status {s:?}").into()))
    })
}

impl TryFrom<ActivityRow> for ActivityRecord {
    type Error = StoreError;
    fn try_from(r: ActivityRow) -> Result<Self> {
        Ok(ActivityRecord {
            activity: decode("activity", &r.doc)?,
            id: r.id,
            status: status(&r.status)?,
            version: r.version as u32,
            saved_at: r.saved_at,
            saved_by: r.saved_by,
            history: Vec::new(),
        })
    }
}

/// The text the register search looks in, lower-cased once at write time.
fn search_text(a: &Activity) -> String {
    let purposes = a
        .purposes
        .iter()
        .flat_map(|p| [p.label(Lang::Nl), p.label(Lang::En)])
        .collect::<Vec<_>>()
        .join(" ");
    [
        a.name.as_str(),
        &a.description,
        &purposes,
        &a.purpose_description,
        &a.domain_owner,
        &a.contact.name,
        &a.unit,
    ]
    .iter()
    .map(|s| s.to_lowercase())
    .collect::<Vec<_>>()
    .join("\n")
}

fn terms(a: &Activity) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    out.extend(
        a.legal_bases()
            .into_iter()
            .map(|b| ("legal_basis", b.machine_name())),
    );
    out.extend(
        a.data_categories
            .iter()
            .map(|c| ("data_category", c.category.machine_name())),
    );
    out.extend(a.purposes.iter().map(|p| ("purpose", p.machine_name())));
    out.extend(
        a.data_subjects
            .iter()
            .map(|s| ("data_subject", s.machine_name())),
    );
    out.sort();
    out.dedup();
    out
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern.
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    pub async fn organisation(&self) -> Result<Organisation> {
        let row: Option<Doc> = self
            .pool
            .fetch_optional(
                "SELECT value AS doc FROM settings WHERE key = 'organisation'",
                &[],
            )
            .await?;
        row.map(|r| decode("organisation", &r.doc))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Every unit, in the order created. Every request checks its permissions against the
    /// units, so they are remembered until the database may have changed
    /// ([`Store::generation`]).
    pub async fn units(&self) -> Result<Vec<Unit>> {
        Ok(self.units_shared().await?.to_vec())
    }

    /// [`Store::units`] without copying them.
    pub async fn units_shared(&self) -> Result<Arc<[Unit]>> {
        let generation = self.generation();
        if let Some(units) = self.units.get("", generation) {
            return Ok(units);
        }
        let units: Arc<[Unit]> = self.read_units().await?.into();
        self.units.put(String::new(), generation, units.clone());
        Ok(units)
    }

    async fn read_units(&self) -> Result<Vec<Unit>> {
        let rows: Vec<UnitRow> = self
            .pool
            .fetch_all(
                "SELECT id, parent_id, kind, name_nl, name_en FROM units ORDER BY seq",
                &[],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Unit {
                    kind: UnitKind::from_machine_name(&r.kind).ok_or_else(|| {
                        StoreError::Other(sqlx::Error::Decode(
                            format!("unit kind {:?}", r.kind).into(),
                        ))
                    })?,
                    id: r.id,
                    name_nl: r.name_nl,
                    name_en: r.name_en,
                    parent: r.parent_id,
                })
            })
            .collect()
    }

    pub async fn processors(&self) -> Result<Vec<Processor>> {
        let rows: Vec<Doc> = self
            .pool
            .fetch_all("SELECT doc FROM processors ORDER BY seq", &[])
            .await?;
        rows.iter().map(|r| decode("processor", &r.doc)).collect()
    }

    /// The current version of an activity, without its history.
    pub async fn activity(&self, id: &str) -> Result<ActivityRecord> {
        let row: Option<ActivityRow> = self
            .pool
            .fetch_optional(
                "SELECT id, status, version, saved_at, saved_by, doc FROM activities WHERE id = $1",
                &[id.into()],
            )
            .await?;
        row.ok_or_else(|| StoreError::NotFound(format!("activity {id}")))?
            .try_into()
    }

    /// The current version of every activity, in the order they were created, without
    /// history: what the compliance checks run over.
    pub async fn current_activities(&self) -> Result<Vec<ActivityRecord>> {
        let rows: Vec<ActivityRow> = self
            .pool
            .fetch_all(
                "SELECT id, status, version, saved_at, saved_by, doc FROM activities ORDER BY seq",
                &[],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every version of an activity, oldest first; the last is the current one.
    pub async fn activity_versions(&self, id: &str) -> Result<Vec<ActivityVersion>> {
        let rows: Vec<ActivityRow> = self
            .pool
            .fetch_all(
                "SELECT activity_id AS id, status, version, saved_at, saved_by, doc FROM activity_versions \
                 WHERE activity_id = $1 ORDER BY version",
                &[id.into()],
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("activity {id}")));
        }
        rows.into_iter()
            .map(|r| {
                Ok(ActivityVersion {
                    version: r.version as u32,
                    status: status(&r.status)?,
                    saved_at: r.saved_at,
                    saved_by: r.saved_by,
                    activity: decode("activity version", &r.doc)?,
                })
            })
            .collect()
    }

    /// One page of the register list.
    pub async fn list_activities(&self, f: &ActivityFilter) -> Result<Page<ActivitySummary>> {
        let per_page = f.per_page.clamp(1, 500);
        let page = f.page.max(1);
        let mut qb = QueryBuilder::new(" FROM activities a WHERE 1 = 1");
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            for word in q.split_whitespace() {
                qb.push(" AND a.search_text LIKE ")
                    .bind(like_pattern(word))
                    .push(" ESCAPE '\\'");
            }
        }
        if let Some(unit) = &f.unit {
            let units = self.units().await?;
            let keys = descendants(&units, unit);
            qb.push(" AND a.unit_id IN (");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.bind(k);
            }
            qb.push(")");
        }
        if let Some(within) = &f.within {
            if within.is_empty() {
                qb.push(" AND 1 = 0");
            } else {
                qb.push(" AND a.unit_id IN (");
                for (i, k) in within.iter().enumerate() {
                    if i > 0 {
                        qb.push(", ");
                    }
                    qb.bind(k.as_str());
                }
                qb.push(")");
            }
        }
        if let Some(s) = f.status {
            qb.push(" AND a.status = ").bind(s.machine_name());
        }
        for (kind, value) in [
            ("legal_basis", f.legal_basis.map(|b| b.machine_name())),
            ("data_category", f.data_category.map(|c| c.machine_name())),
        ] {
            if let Some(value) = value {
                qb.push(" AND a.id IN (SELECT t.activity_id FROM activity_terms t WHERE t.kind = ")
                    .bind(kind)
                    .push(" AND t.value = ")
                    .bind(value)
                    .push(")");
            }
        }
        if f.special_only {
            qb.push(" AND a.special = ").bind(true);
        }
        qb.push(" ORDER BY a.name, a.id LIMIT ")
            .bind(i64::from(per_page))
            .push(" OFFSET ")
            .bind((i64::from(page) - 1) * i64::from(per_page));
        let columns = "a.id, a.name, a.unit_id AS unit, a.status, a.version, a.special, a.legal_bases, a.saved_at, a.saved_by";
        let count_separately = |sql: &str, vals: &[Val]| {
            let filter_sql = sql[..sql.find(" ORDER BY").unwrap_or(sql.len())].to_string();
            let vals = vals[..vals.len() - 2].to_vec();
            async move {
                self.pool
                    .fetch_one::<Count>(&format!("SELECT COUNT(*) AS n{filter_sql}"), &vals)
                    .await
                    .map(|c| c.n)
            }
        };
        // A search reads every row anyway: then one pass gives the page and, through a window,
        // the count. Without one, the name index serves the page and the count is cheap.
        if f.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
            let rows: Vec<SummaryRow> = self
                .pool
                .fetch_all(
                    &format!("SELECT {columns}, COUNT(*) OVER () AS total{}", qb.sql()),
                    qb.vals(),
                )
                .await?;
            let total = match rows.first() {
                Some(r) => r.total,
                // A page past the end has no rows to carry the count.
                None if page > 1 => count_separately(qb.sql(), qb.vals()).await?,
                None => 0,
            };
            return Ok(Page {
                items: rows.into_iter().map(|r| r.summary).collect(),
                total,
                page,
                per_page,
            });
        }
        let items: Vec<ActivitySummary> = self
            .pool
            .fetch_all(&format!("SELECT {columns}{}", qb.sql()), qb.vals())
            .await?;
        let total = count_separately(qb.sql(), qb.vals()).await?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Creates an activity as a draft, version 1.
    pub async fn create_activity(&self, actor: &str, activity: Activity) -> Result<ActivityRecord> {
        let mut w = self.begin_write(actor).await?;
        check_activity(&mut w, &activity).await?;
        let record = ActivityRecord {
            id: uuid::Uuid::new_v4().to_string(),
            status: Status::Draft,
            version: 1,
            saved_at: w.at(),
            saved_by: w.actor().to_string(),
            activity,
            history: Vec::new(),
        };
        insert_activity(&mut w, &record).await?;
        w.record(
            "activity.create",
            "activity",
            &record.id,
            None,
            Some(json(&record)),
        );
        w.commit().await?;
        Ok(record)
    }

    /// Saves new content as a new version. `expected_version` guards against overwriting a
    /// version someone else saved in the meantime.
    pub async fn update_activity(
        &self,
        actor: &str,
        id: &str,
        expected_version: Option<u32>,
        activity: Activity,
    ) -> Result<ActivityRecord> {
        let mut w = self.begin_write(actor).await?;
        let current = current_in_tx(&mut w, id).await?;
        check_version(&current, expected_version)?;
        if !current.status.is_editable() {
            return Err(StoreError::Conflict(format!(
                "activity {id} is {} and can no longer be changed",
                current.status
            )));
        }
        check_activity(&mut w, &activity).await?;
        if activity == current.activity {
            return Ok(current);
        }
        let next = save_version(&mut w, &current, current.status, activity).await?;
        w.record(
            "activity.update",
            "activity",
            id,
            Some(json(&current)),
            Some(json(&next)),
        );
        w.commit().await?;
        Ok(next)
    }

    /// Moves an activity through the workflow (REG-2); the move is a version of its own.
    pub async fn transition_activity(
        &self,
        actor: &str,
        id: &str,
        expected_version: Option<u32>,
        to: Status,
    ) -> Result<ActivityRecord> {
        let mut w = self.begin_write(actor).await?;
        let current = current_in_tx(&mut w, id).await?;
        check_version(&current, expected_version)?;
        if !current.status.can_move_to(to) {
            return Err(StoreError::Conflict(format!(
                "an activity that is {} cannot become {to}; it can become: {}",
                current.status,
                current
                    .status
                    .next()
                    .iter()
                    .map(|s| s.machine_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let next = save_version(&mut w, &current, to, current.activity.clone()).await?;
        w.record(
            "activity.transition",
            "activity",
            id,
            Some(json(&current)),
            Some(json(&next)),
        );
        w.commit().await?;
        Ok(next)
    }

    /// Creates or replaces a unit.
    pub async fn put_unit(&self, actor: &str, unit: Unit) -> Result<Unit> {
        let mut errors = unit.validate();
        let mut w = self.begin_write(actor).await?;
        if let Some(parent) = &unit.parent {
            if !unit_exists(&mut w, parent).await? {
                errors.add(
                    "parent",
                    "unknown_reference",
                    format!("no unit has the key \"{parent}\""),
                );
            }
        }
        errors.into_result(()).map_err(StoreError::Invalid)?;
        let before = self_unit(&mut w, &unit.id).await?;
        if let Some(parent) = &unit.parent {
            // A unit may not end up below itself.
            let mut units = self.units().await?;
            units.retain(|u| u.id != unit.id);
            units.push(unit.clone());
            if descendants(&units, &unit.id).contains(parent) {
                let mut e = ValidationErrors::new();
                e.add("parent", "cycle", "a unit cannot be placed below itself");
                return Err(StoreError::Invalid(e));
            }
        }
        upsert_unit(&mut w, &unit).await?;
        w.record(
            "unit.put",
            "unit",
            &unit.id,
            before.map(|u| json(&u)),
            Some(json(&unit)),
        );
        w.commit().await?;
        Ok(unit)
    }

    /// Creates or replaces a processor record.
    pub async fn put_processor(&self, actor: &str, processor: Processor) -> Result<Processor> {
        processor
            .validate()
            .into_result(())
            .map_err(StoreError::Invalid)?;
        let mut w = self.begin_write(actor).await?;
        let before: Option<Doc> =
            w.tx.fetch_optional(
                "SELECT doc FROM processors WHERE id = $1",
                &[processor.id.as_str().into()],
            )
            .await?;
        upsert_processor(&mut w, &processor).await?;
        w.record(
            "processor.put",
            "processor",
            &processor.id,
            before.map(|d| d.doc),
            Some(json(&processor)),
        );
        w.commit().await?;
        Ok(processor)
    }

    /// Replaces the controller's details.
    pub async fn put_organisation(&self, actor: &str, org: Organisation) -> Result<Organisation> {
        org.validate()
            .into_result(())
            .map_err(StoreError::Invalid)?;
        let mut w = self.begin_write(actor).await?;
        let before: Option<Doc> =
            w.tx.fetch_optional(
                "SELECT value AS doc FROM settings WHERE key = 'organisation'",
                &[],
            )
            .await?;
        set_organisation(&mut w, &org).await?;
        w.record(
            "organisation.put",
            "organisation",
            "organisation",
            before.map(|d| d.doc),
            Some(json(&org)),
        );
        w.commit().await?;
        Ok(org)
    }
}

fn check_version(current: &ActivityRecord, expected: Option<u32>) -> Result<()> {
    match expected {
        Some(v) if v != current.version => Err(StoreError::Stale(format!(
            "activity {} is at version {}, not {v}: someone saved it in the meantime; reload and try again",
            current.id, current.version
        ))),
        _ => Ok(()),
    }
}

async fn current_in_tx(w: &mut WriteTx, id: &str) -> Result<ActivityRecord> {
    let row: Option<ActivityRow> =
        w.tx.fetch_optional(
            "SELECT id, status, version, saved_at, saved_by, doc FROM activities WHERE id = $1",
            &[id.into()],
        )
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("activity {id}")))?
        .try_into()
}

async fn unit_exists(w: &mut WriteTx, key: &str) -> Result<bool> {
    Ok(w.tx
        .fetch_optional::<Exists>("SELECT id FROM units WHERE id = $1", &[key.into()])
        .await?
        .is_some())
}

async fn self_unit(w: &mut WriteTx, key: &str) -> Result<Option<Unit>> {
    let row: Option<UnitRow> =
        w.tx.fetch_optional(
            "SELECT id, parent_id, kind, name_nl, name_en FROM units WHERE id = $1",
            &[key.into()],
        )
        .await?;
    Ok(row.and_then(|r| {
        Some(Unit {
            kind: UnitKind::from_machine_name(&r.kind)?,
            id: r.id,
            name_nl: r.name_nl,
            name_en: r.name_en,
            parent: r.parent_id,
        })
    }))
}

/// Validates an activity on its own and against the units and processors in the database.
pub(crate) async fn check_activity(w: &mut WriteTx, a: &Activity) -> Result<()> {
    let mut errors = a.validate();
    let unit_ok = a.unit.trim().is_empty() || unit_exists(w, &a.unit).await?;
    let mut missing = Vec::new();
    for r in &a.recipients {
        if let Some(p) = &r.processor {
            if w.tx
                .fetch_optional::<Exists>(
                    "SELECT id FROM processors WHERE id = $1",
                    &[p.as_str().into()],
                )
                .await?
                .is_none()
            {
                missing.push(p.clone());
            }
        }
    }
    errors.nest(
        "",
        a.validate_references(|_| unit_ok, |p| !missing.iter().any(|m| m == p)),
    );
    errors.into_result(()).map_err(StoreError::Invalid)
}

pub(crate) async fn upsert_unit(w: &mut WriteTx, u: &Unit) -> Result<()> {
    w.tx.execute(
        "INSERT INTO units (id, parent_id, kind, name_nl, name_en) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, kind = excluded.kind, \
         name_nl = excluded.name_nl, name_en = excluded.name_en",
        &[
            u.id.as_str().into(),
            u.parent.clone().into(),
            u.kind.machine_name().into(),
            u.name_nl.as_str().into(),
            u.name_en.as_str().into(),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn upsert_processor(w: &mut WriteTx, p: &Processor) -> Result<()> {
    w.tx.execute(
        "INSERT INTO processors (id, name, country, doc) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, country = excluded.country, doc = excluded.doc",
        &[p.id.as_str().into(), p.name.as_str().into(), p.country.as_str().into(), json(p).into()],
    )
    .await?;
    Ok(())
}

pub(crate) async fn set_organisation(w: &mut WriteTx, org: &Organisation) -> Result<()> {
    w.tx.execute(
        "INSERT INTO settings (key, value) VALUES ('organisation', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[json(org).into()],
    )
    .await?;
    Ok(())
}

fn version_row(id: &str, v: u32, s: Status, at: DateTime<Utc>, by: &str, a: &Activity) -> Vec<Val> {
    vec![
        id.into(),
        i64::from(v).into(),
        s.machine_name().into(),
        at.into(),
        by.into(),
        json(a).into(),
    ]
}

const VERSION_COLUMNS: [&str; 6] = [
    "activity_id",
    "version",
    "status",
    "saved_at",
    "saved_by",
    "doc",
];

/// Inserts activities that are new to the database, with their history, in few statements.
pub(crate) async fn insert_activities(w: &mut WriteTx, records: &[&ActivityRecord]) -> Result<()> {
    let mut rows = Vec::new();
    let mut term_rows = Vec::new();
    for r in records {
        let a = &r.activity;
        rows.push(vec![
            r.id.as_str().into(),
            r.status.machine_name().into(),
            i64::from(r.version).into(),
            a.unit.as_str().into(),
            a.name.as_str().into(),
            search_text(a).into(),
            a.has_special_categories().into(),
            a.legal_bases()
                .iter()
                .map(|b| b.machine_name())
                .collect::<Vec<_>>()
                .join(",")
                .into(),
            r.saved_at.into(),
            r.saved_by.as_str().into(),
            json(a).into(),
        ]);
        term_rows.extend(
            terms(a)
                .into_iter()
                .map(|(k, v)| vec![k.into(), v.into(), r.id.as_str().into()]),
        );
    }
    w.tx.insert_many(
        "activities",
        &[
            "id",
            "status",
            "version",
            "unit_id",
            "name",
            "search_text",
            "special",
            "legal_bases",
            "saved_at",
            "saved_by",
            "doc",
        ],
        rows,
    )
    .await?;
    // Most of an import's data: each version is serialised as the rows are taken, while the
    // database writes the rows before.
    let versions = records.iter().flat_map(|r| {
        let current = std::iter::once(version_row(
            &r.id,
            r.version,
            r.status,
            r.saved_at,
            &r.saved_by,
            &r.activity,
        ));
        r.history
            .iter()
            .map(|h| {
                version_row(
                    &r.id,
                    h.version,
                    h.status,
                    h.saved_at,
                    &h.saved_by,
                    &h.activity,
                )
            })
            .chain(current)
    });
    w.tx.insert_stream("activity_versions", &VERSION_COLUMNS, Box::new(versions))
        .await?;
    w.tx.insert_many(
        "activity_terms",
        &["kind", "value", "activity_id"],
        term_rows,
    )
    .await?;
    Ok(())
}

async fn insert_activity(w: &mut WriteTx, r: &ActivityRecord) -> Result<()> {
    insert_activities(w, &[r]).await
}

/// Saves `activity` in `status` as the version after `current`.
pub(crate) async fn save_version(
    w: &mut WriteTx,
    current: &ActivityRecord,
    status: Status,
    activity: Activity,
) -> Result<ActivityRecord> {
    let next = ActivityRecord {
        id: current.id.clone(),
        status,
        version: current.version + 1,
        saved_at: w.at(),
        saved_by: w.actor().to_string(),
        activity,
        history: Vec::new(),
    };
    let a = &next.activity;
    w.tx.execute(
        "UPDATE activities SET status = $1, version = $2, unit_id = $3, name = $4, search_text = $5, special = $6, \
         legal_bases = $7, saved_at = $8, saved_by = $9, doc = $10 WHERE id = $11",
        &[
            status.machine_name().into(),
            i64::from(next.version).into(),
            a.unit.as_str().into(),
            a.name.as_str().into(),
            search_text(a).into(),
            a.has_special_categories().into(),
            a.legal_bases().iter().map(|b| b.machine_name()).collect::<Vec<_>>().join(",").into(),
            next.saved_at.into(),
            next.saved_by.as_str().into(),
            json(a).into(),
            next.id.as_str().into(),
        ],
    )
    .await?;
    w.tx.insert_many(
        "activity_versions",
        &VERSION_COLUMNS,
        vec![version_row(
            &next.id,
            next.version,
            status,
            next.saved_at,
            &next.saved_by,
            a,
        )],
    )
    .await?;
    w.tx.execute(
        "DELETE FROM activity_terms WHERE activity_id = $1",
        &[next.id.as_str().into()],
    )
    .await?;
    let term_rows = terms(a)
        .into_iter()
        .map(|(k, v)| vec![k.into(), v.into(), next.id.as_str().into()])
        .collect();
    w.tx.insert_many(
        "activity_terms",
        &["kind", "value", "activity_id"],
        term_rows,
    )
    .await?;
    Ok(next)
}

/// The current record of an activity inside a write, if it exists.
pub(crate) async fn find_in_tx(w: &mut WriteTx, id: &str) -> Result<Option<ActivityRecord>> {
    match current_in_tx(w, id).await {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    json(v)
}
