//! Managed consent notices and the hosted form's double opt-in (CON-1, CON-3, LAW-5;
//! `docs/consent.md`, "Publishing a consent notice").
//!
//! `consent_notice_versions` holds every version of every notice. A version is edited while
//! it is a draft; publishing freezes it, stores its Dutch and English texts in the ledger's
//! `consent_notices` (so consents can point to them by hash) and retires the version that was
//! published before. Every change is audited in its own write.
//!
//! `consent_form_confirmations` holds what the hosted form waits for: a consent or a
//! withdrawal that is recorded only when the link in the e-mail is followed. Like the public
//! request form's pending requests it is bookkeeping of an unconfirmed form, so it gets no
//! audit entry; the ledger events it leads to do.

use crate::audit::{now, WriteTx};
use crate::consent::append_consent_events;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use grondslag_domain::consent::{
    validate_notice_id, ConsentDetails, ConsentEvent, Effect, EventKind, LedgerEntry,
    NoticeContent, NoticeStatus, ObjectionKind, RecordedBy, Scope, SubjectKey,
};
use grondslag_domain::vocab::{ConsentMethod, Term};
use grondslag_domain::{Lang, ValidationErrors};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

/// How long the link of a hosted-form e-mail works.
pub const CONFIRMATION_LIFETIME: TimeDelta = TimeDelta::hours(48);

/// Who records what the hosted form confirms, in the ledger and in the audit log.
pub const HOSTED_FORM: &str = "hosted-form";

/// One version of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeVersion {
    /// The notice's stable id (its slug).
    pub id: String,
    pub version: u32,
    pub status: NoticeStatus,
    pub content: NoticeContent,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    notice_id: String,
    version: i64,
    activity_id: String,
    explicit: bool,
    text_nl: String,
    text_en: String,
    status: String,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    retired_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "notice_id, version, activity_id, explicit, text_nl, text_en, status, \
     created_at, created_by, updated_at, published_at, retired_at";

impl TryFrom<Row> for NoticeVersion {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(NoticeVersion {
            status: NoticeStatus::from_machine_name(&r.status).ok_or_else(|| {
                StoreError::Conflict(format!(
                    "a stored notice has the unknown status {}",
                    r.status
                ))
            })?,
            id: r.notice_id,
            version: u32::try_from(r.version).unwrap_or_default(),
            content: NoticeContent {
                activity: r.activity_id,
                explicit: r.explicit,
                text_nl: r.text_nl,
                text_en: r.text_en,
            },
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
            published_at: r.published_at,
            retired_at: r.retired_at,
        })
    }
}

/// What the audit log keeps of a version: everything, texts included, so the chain proves
/// which text was published when.
fn audit_doc(v: &NoticeVersion) -> String {
    json!({
        "id": v.id,
        "version": v.version,
        "status": v.status.machine_name(),
        "activity": v.content.activity,
        "explicit": v.content.explicit,
        "text_nl": v.content.text_nl,
        "text_en": v.content.text_en,
        "hash_nl": v.content.hash(Lang::Nl).to_hex(),
        "hash_en": v.content.hash(Lang::En).to_hex(),
    })
    .to_string()
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

async fn versions_in(w: &mut WriteTx, id: &str) -> Result<Vec<NoticeVersion>> {
    let rows: Vec<Row> =
        w.tx.fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM consent_notice_versions WHERE notice_id = $1 ORDER BY version DESC"
            ),
            &[id.into()],
        )
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// What the hosted form asks the visitor to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    Give,
    Withdraw,
}

impl FormAction {
    fn as_str(self) -> &'static str {
        match self {
            FormAction::Give => "give",
            FormAction::Withdraw => "withdraw",
        }
    }
}

/// A consent or withdrawal that waits for its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConsent {
    pub notice: String,
    pub version: u32,
    pub action: FormAction,
    pub language: Lang,
    pub created_at: DateTime<Utc>,
}

/// What following a link recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedConsent {
    pub pending: PendingConsent,
    /// The ledger's new event ids: the consent or withdrawal, then a GPC signal if any.
    pub events: Vec<String>,
    pub at: DateTime<Utc>,
    /// Whether the confirming request's `Sec-GPC: 1` added a GPC signal.
    pub gpc_recorded: bool,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    notice_id: String,
    version: i64,
    action: String,
    language: String,
    subject_key: String,
    created_at: DateTime<Utc>,
}

impl PendingRow {
    fn pending(&self) -> Result<(PendingConsent, SubjectKey)> {
        let bad = || StoreError::Conflict("a pending consent does not read back".into());
        let action = match self.action.as_str() {
            "give" => FormAction::Give,
            "withdraw" => FormAction::Withdraw,
            _ => return Err(bad()),
        };
        let subject = SubjectKey::from_hex(&self.subject_key).ok_or_else(bad)?;
        Ok((
            PendingConsent {
                notice: self.notice_id.clone(),
                version: u32::try_from(self.version).map_err(|_| bad())?,
                action,
                language: Lang::from_tag(&self.language).ok_or_else(bad)?,
                created_at: self.created_at,
            },
            subject,
        ))
    }
}

/// Whether a GPC signal is in force for the subject as a whole after these events.
fn gpc_in_force<'e>(events: impl Iterator<Item = &'e ConsentEvent>) -> bool {
    events
        .filter(|e| e.scope() == Scope::Subject)
        .fold(false, |on, e| match e.effect() {
            Effect::Objection(ObjectionKind::Gpc) => true,
            Effect::ObjectionWithdrawn(ObjectionKind::Gpc) => false,
            _ => on,
        })
}

impl Store {
    /// The newest version of every notice, by id.
    pub async fn consent_notices(&self) -> Result<Vec<NoticeVersion>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM consent_notice_versions v WHERE version = \
                     (SELECT MAX(version) FROM consent_notice_versions x WHERE x.notice_id = v.notice_id) \
                     ORDER BY notice_id"
                ),
                &[],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every version of a notice, newest first.
    pub async fn consent_notice_versions(&self, id: &str) -> Result<Vec<NoticeVersion>> {
        let rows: Vec<Row> = self
            .pool
            .fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM consent_notice_versions WHERE notice_id = $1 ORDER BY version DESC"
                ),
                &[id.into()],
            )
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("consent notice {id}")));
        }
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The newest version of a notice that was ever published: the published one, or the
    /// last one before the notice was retired, which still serves withdrawals. Drafts never.
    pub async fn served_consent_notice(&self, id: &str) -> Result<NoticeVersion> {
        let row: Option<Row> = self
            .pool
            .fetch_optional(
                &format!(
                    "SELECT {COLUMNS} FROM consent_notice_versions \
                     WHERE notice_id = $1 AND published_at IS NOT NULL ORDER BY version DESC LIMIT 1"
                ),
                &[id.into()],
            )
            .await?;
        row.ok_or_else(|| StoreError::NotFound(format!("published consent notice {id}")))?
            .try_into()
    }

    /// Starts a new notice as draft version 1. The activity must be in the register.
    pub async fn create_consent_notice(
        &self,
        actor: &str,
        id: &str,
        content: &NoticeContent,
    ) -> Result<NoticeVersion> {
        let mut errors = validate_notice_id(id);
        errors.nest("", self.check_notice_content(content).await?);
        errors.into_result(()).map_err(StoreError::Invalid)?;
        let mut w = self.begin_write(actor).await?;
        if !versions_in(&mut w, id).await?.is_empty() {
            return Err(StoreError::Conflict(format!(
                "a consent notice with the id {id} exists already"
            )));
        }
        let v = insert_version(&mut w, id, 1, content).await?;
        w.record(
            "consent_notice.create",
            "consent_notice",
            id,
            None,
            Some(audit_doc(&v)),
        );
        w.commit().await?;
        Ok(v)
    }

    /// Saves new content: into the draft when the newest version is one, otherwise (the
    /// newest is published or retired, and so frozen) as a new draft version.
    pub async fn save_consent_notice(
        &self,
        actor: &str,
        id: &str,
        content: &NoticeContent,
    ) -> Result<NoticeVersion> {
        self.check_notice_content(content)
            .await?
            .into_result(())
            .map_err(StoreError::Invalid)?;
        let mut w = self.begin_write(actor).await?;
        let versions = versions_in(&mut w, id).await?;
        let Some(newest) = versions.first() else {
            return Err(StoreError::NotFound(format!("consent notice {id}")));
        };
        let v = if newest.status == NoticeStatus::Draft {
            let at = w.at();
            w.tx.execute(
                "UPDATE consent_notice_versions SET activity_id = $1, explicit = $2, text_nl = $3, \
                 text_en = $4, updated_at = $5 WHERE notice_id = $6 AND version = $7",
                &[
                    content.activity.as_str().into(),
                    content.explicit.into(),
                    content.text_nl.as_str().into(),
                    content.text_en.as_str().into(),
                    at.into(),
                    id.into(),
                    i64::from(newest.version).into(),
                ],
            )
            .await?;
            NoticeVersion {
                content: content.clone(),
                updated_at: at,
                ..newest.clone()
            }
        } else {
            insert_version(&mut w, id, newest.version + 1, content).await?
        };
        w.record(
            "consent_notice.save",
            "consent_notice",
            id,
            Some(audit_doc(newest)),
            Some(audit_doc(&v)),
        );
        w.commit().await?;
        Ok(v)
    }

    /// Publishes draft `version` of a notice: it must be the newest version, its activity
    /// must exist and, where the activity needs explicit consent, it must ask for it. Its
    /// texts go into the ledger's notices, and the version published before is retired.
    pub async fn publish_consent_notice(
        &self,
        actor: &str,
        id: &str,
        version: u32,
    ) -> Result<NoticeVersion> {
        let mut w = self.begin_write(actor).await?;
        let versions = versions_in(&mut w, id).await?;
        let Some(newest) = versions.first().cloned() else {
            return Err(StoreError::NotFound(format!("consent notice {id}")));
        };
        if newest.version != version || newest.status != NoticeStatus::Draft {
            return Err(StoreError::Stale(format!(
                "version {version} of consent notice {id} is not its newest draft; reload it"
            )));
        }
        let activity = match self.activity(&newest.content.activity).await {
            Ok(r) => Some(r.activity),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        newest
            .content
            .check_publishable(activity.as_ref())
            .into_result(())
            .map_err(StoreError::Invalid)?;
        let at = w.at();
        for old in versions
            .iter()
            .filter(|v| v.status == NoticeStatus::Published)
        {
            w.tx.execute(
                "UPDATE consent_notice_versions SET status = $1, retired_at = $2 WHERE notice_id = $3 AND version = $4",
                &[
                    NoticeStatus::Retired.machine_name().into(),
                    at.into(),
                    id.into(),
                    i64::from(old.version).into(),
                ],
            )
            .await?;
        }
        w.tx.execute(
            "UPDATE consent_notice_versions SET status = $1, published_at = $2, updated_at = $3 \
             WHERE notice_id = $4 AND version = $5",
            &[
                NoticeStatus::Published.machine_name().into(),
                at.into(),
                at.into(),
                id.into(),
                i64::from(version).into(),
            ],
        )
        .await?;
        for lang in [Lang::Nl, Lang::En] {
            let n = newest.content.notice(id, version, lang);
            // Another notice may have the very same text: the ledger keeps each text once.
            w.tx.execute(
                "INSERT INTO consent_notices (hash, id, version, language, text, stored_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
                &[
                    n.hash().to_hex().into(),
                    n.id.as_str().into(),
                    n.version.as_str().into(),
                    n.language.as_str().into(),
                    n.text.as_str().into(),
                    at.into(),
                ],
            )
            .await?;
        }
        let published = NoticeVersion {
            status: NoticeStatus::Published,
            published_at: Some(at),
            updated_at: at,
            ..newest.clone()
        };
        w.record(
            "consent_notice.publish",
            "consent_notice",
            id,
            Some(audit_doc(&newest)),
            Some(audit_doc(&published)),
        );
        w.commit().await?;
        Ok(published)
    }

    /// Retires the published version: the form and the JSON no longer offer it for consent.
    /// Consents given under it stay as they are, and the form still takes withdrawals.
    pub async fn retire_consent_notice(&self, actor: &str, id: &str) -> Result<NoticeVersion> {
        let mut w = self.begin_write(actor).await?;
        let versions = versions_in(&mut w, id).await?;
        if versions.is_empty() {
            return Err(StoreError::NotFound(format!("consent notice {id}")));
        }
        let Some(current) = versions
            .iter()
            .find(|v| v.status == NoticeStatus::Published)
            .cloned()
        else {
            return Err(StoreError::Conflict(format!(
                "consent notice {id} has no published version to retire"
            )));
        };
        let at = w.at();
        w.tx.execute(
            "UPDATE consent_notice_versions SET status = $1, retired_at = $2, updated_at = $3 \
             WHERE notice_id = $4 AND version = $5",
            &[
                NoticeStatus::Retired.machine_name().into(),
                at.into(),
                at.into(),
                id.into(),
                i64::from(current.version).into(),
            ],
        )
        .await?;
        let retired = NoticeVersion {
            status: NoticeStatus::Retired,
            retired_at: Some(at),
            updated_at: at,
            ..current.clone()
        };
        w.record(
            "consent_notice.retire",
            "consent_notice",
            id,
            Some(audit_doc(&current)),
            Some(audit_doc(&retired)),
        );
        w.commit().await?;
        Ok(retired)
    }

    /// The content's own checks, plus: the activity is in the register.
    async fn check_notice_content(&self, content: &NoticeContent) -> Result<ValidationErrors> {
        let mut errors = content.validate();
        if errors.at("activity").is_none() {
            match self.activity(&content.activity).await {
                Ok(_) => {}
                Err(StoreError::NotFound(_)) => errors.add(
                    "activity",
                    "unknown_reference",
                    format!("there is no activity {} in the register", content.activity),
                ),
                Err(e) => return Err(e),
            }
        }
        Ok(errors)
    }

    /// Keeps a consent or withdrawal from the hosted form until its link is followed, and
    /// returns the link's token (64 hex digits; only its SHA-256 is stored). Links older
    /// than [`CONFIRMATION_LIFETIME`] are cleared here.
    pub async fn begin_consent_confirmation(
        &self,
        notice: &NoticeVersion,
        action: FormAction,
        language: Lang,
        subject: &SubjectKey,
    ) -> Result<String> {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let at = now();
        self.pool
            .execute(
                "DELETE FROM consent_form_confirmations WHERE created_at <= $1",
                &[(at - CONFIRMATION_LIFETIME).into()],
            )
            .await?;
        self.pool
            .execute(
                "INSERT INTO consent_form_confirmations \
                 (token_hash, notice_id, version, action, language, subject_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    sha256(&token).into(),
                    notice.id.as_str().into(),
                    i64::from(notice.version).into(),
                    action.as_str().into(),
                    language.tag().into(),
                    subject.to_hex().into(),
                    at.into(),
                ],
            )
            .await?;
        Ok(token)
    }

    /// The consent or withdrawal a link stands for, while the link works: not used and not
    /// expired.
    pub async fn pending_consent(&self, token: &str) -> Result<Option<PendingConsent>> {
        let row: Option<PendingRow> = self
            .pool
            .fetch_optional(
                "SELECT notice_id, version, action, language, subject_key, created_at \
                 FROM consent_form_confirmations WHERE token_hash = $1 AND created_at > $2",
                &[sha256(token).into(), (now() - CONFIRMATION_LIFETIME).into()],
            )
            .await?;
        row.map(|r| r.pending().map(|(p, _)| p)).transpose()
    }

    /// Follows a link: records the consent (`consent_given`, method `web_form`, the hash
    /// of the text the visitor read) or the withdrawal in the ledger, by the system
    /// [`HOSTED_FORM`], and uses the link up, all in one write. With `gpc` (the confirming
    /// request sent `Sec-GPC: 1`) a subject-wide GPC signal is recorded too, unless one is
    /// in force. An unknown, used or expired link is [`StoreError::NotFound`]; a consent to
    /// a version that is no longer published is a [`StoreError::Conflict`], and a withdrawal
    /// with no consent in force is [`StoreError::Invalid`] from the ledger.
    pub async fn confirm_consent(&self, token: &str, gpc: bool) -> Result<ConfirmedConsent> {
        let mut w = self.begin_write(&format!("system:{HOSTED_FORM}")).await?;
        let row: Option<PendingRow> =
            w.tx.fetch_optional(
                "SELECT notice_id, version, action, language, subject_key, created_at \
                 FROM consent_form_confirmations WHERE token_hash = $1",
                &[sha256(token).into()],
            )
            .await?;
        let Some(row) = row.filter(|r| r.created_at > w.at() - CONFIRMATION_LIFETIME) else {
            return Err(StoreError::NotFound(
                "this confirmation link (it may have been used or have expired)".into(),
            ));
        };
        let (pending, subject) = row.pending()?;
        let version = versions_in(&mut w, &pending.notice)
            .await?
            .into_iter()
            .find(|v| v.version == pending.version)
            .ok_or_else(|| StoreError::NotFound(format!("consent notice {}", pending.notice)))?;
        if pending.action == FormAction::Give && version.status != NoticeStatus::Published {
            return Err(StoreError::Conflict(format!(
                "version {} of consent notice {} is no longer published",
                version.version, version.id
            )));
        }
        w.tx.execute(
            "DELETE FROM consent_form_confirmations WHERE token_hash = $1",
            &[sha256(token).into()],
        )
        .await?;
        let at = w.at();
        let by = RecordedBy::system(HOSTED_FORM);
        let evidence = format!(
            "double opt-in confirmed: form sent {}, e-mail link followed {}; notice {} version {} ({})",
            pending.created_at.to_rfc3339(),
            at.to_rfc3339(),
            version.id,
            version.version,
            pending.language.tag()
        );
        let kind = match pending.action {
            FormAction::Give => EventKind::ConsentGiven(ConsentDetails {
                notice: version.content.hash(pending.language),
                method: ConsentMethod::WebForm,
                explicit: version.content.explicit,
                witness: None,
            }),
            FormAction::Withdraw => EventKind::ConsentWithdrawn,
        };
        let mut events = vec![ConsentEvent {
            subject,
            activity: Some(version.content.activity.clone()),
            purpose: None,
            at,
            recorded_by: by.clone(),
            evidence,
            kind,
        }];
        // A browser sends its GPC header with every request: one signal in force is enough.
        let gpc_recorded = gpc && {
            let history = self.consent_events_of(&subject).await?;
            !gpc_in_force(history.iter().map(|e| &e.event))
        };
        if gpc_recorded {
            events.push(ConsentEvent {
                subject,
                activity: None,
                purpose: None,
                at,
                recorded_by: by,
                evidence: format!(
                    "Sec-GPC: 1 header on the confirmation of notice {}",
                    version.id
                ),
                kind: EventKind::GpcSignal,
            });
        }
        let batch = append_consent_events(&mut w, &[], &events).await?;
        w.commit().await?;
        Ok(ConfirmedConsent {
            pending,
            events: batch.ids,
            at,
            gpc_recorded,
        })
    }
}

/// Inserts a new draft version.
async fn insert_version(
    w: &mut WriteTx,
    id: &str,
    version: u32,
    content: &NoticeContent,
) -> Result<NoticeVersion> {
    let at = w.at();
    let by = w.actor().to_string();
    w.tx.execute(
        &format!(
            "INSERT INTO consent_notice_versions ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL)"
        ),
        &[
            id.into(),
            i64::from(version).into(),
            content.activity.as_str().into(),
            content.explicit.into(),
            content.text_nl.as_str().into(),
            content.text_en.as_str().into(),
            NoticeStatus::Draft.machine_name().into(),
            at.into(),
            by.as_str().into(),
            at.into(),
        ],
    )
    .await?;
    Ok(NoticeVersion {
        id: id.to_string(),
        version,
        status: NoticeStatus::Draft,
        content: content.clone(),
        created_at: at,
        created_by: by,
        updated_at: at,
        published_at: None,
        retired_at: None,
    })
}
