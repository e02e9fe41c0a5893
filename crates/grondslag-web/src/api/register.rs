//! `/api/v1`: units, processors, the whole register as one document, the vocabulary and the
//! audit chain.

use super::types::{AuditVerification, ImportSummary, VocabularyTerm};
use super::{json_body, ApiRoute};
use crate::access::{
    Can, ExportRegister, ImportRegister, ManageOrganisation, ReadRegister, VerifyAudit,
};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::{get, post, put};
use axum::Json;
use grondslag_domain::access::Permission;
use grondslag_domain::interchange::{self, RegisterDocument};
use grondslag_domain::register::{Processor, Unit};
use grondslag_domain::vocab::all_terms;
use serde_json::Value;

pub fn routes() -> Vec<ApiRoute> {
    let route =
        |method: Method, path, operation_id, summary, tag, request, response, handler| ApiRoute {
            method,
            path,
            operation_id,
            summary,
            tag,
            request,
            response,
            query: &[],
            permission: None,
            public: false,
            handler,
        };
    vec![
        route(
            Method::GET,
            "/api/v1/units",
            "listUnits",
            "The tree of organisational units (REG-3)",
            "organisation",
            None,
            (200, Some("UnitList")),
            get(units),
        )
        .needs(Permission::ReadRegister),
        route(
            Method::PUT,
            "/api/v1/units/{id}",
            "putUnit",
            "Create or replace a unit",
            "organisation",
            Some("Unit"),
            (200, Some("Unit")),
            put(put_unit),
        )
        .needs(Permission::ManageOrganisation),
        route(
            Method::GET,
            "/api/v1/processors",
            "listProcessors",
            "Processors and their agreements (LAW-7)",
            "organisation",
            None,
            (200, Some("ProcessorList")),
            get(processors),
        )
        .needs(Permission::ReadRegister),
        route(
            Method::PUT,
            "/api/v1/processors/{id}",
            "putProcessor",
            "Create or replace a processor",
            "organisation",
            Some("Processor"),
            (200, Some("Processor")),
            put(put_processor),
        )
        .needs(Permission::ManageOrganisation),
        route(
            Method::GET,
            "/api/v1/register",
            "exportRegister",
            "The whole register as one interchange document (REG-4)",
            "interchange",
            None,
            (200, Some("RegisterDocument")),
            get(export),
        )
        .needs(Permission::ExportRegister),
        route(
            Method::POST,
            "/api/v1/register",
            "importRegister",
            "Import an interchange document: all of it, or nothing (REG-4)",
            "interchange",
            Some("RegisterDocument"),
            (200, Some("ImportSummary")),
            post(import),
        )
        .needs(Permission::ImportRegister),
        route(
            Method::GET,
            "/api/v1/vocabulary",
            "listVocabulary",
            "Every term with its labels and DPV term (docs/glossary.md)",
            "interchange",
            None,
            (200, Some("VocabularyTermList")),
            get(vocabulary),
        ),
        route(
            Method::GET,
            "/api/v1/audit/verify",
            "verifyAuditChain",
            "Walk the audit chain and name the first broken entry (SEC-3)",
            "audit",
            None,
            (200, Some("AuditVerification")),
            get(verify),
        )
        .needs(Permission::VerifyAudit),
    ]
}

/// The key in the path must be the key in the body: a PUT cannot rename.
fn same_key(path_key: &str, body_key: &str) -> Result<(), ApiError> {
    if path_key == body_key {
        Ok(())
    } else {
        let mut e = grondslag_domain::ValidationErrors::new();
        e.add(
            "id",
            "mismatch",
            format!("\"{body_key}\" differs from the key in the URL, \"{path_key}\""),
        );
        Err(ApiError::Invalid(e))
    }
}

async fn units(
    State(s): State<AppState>,
    _: Can<ReadRegister>,
) -> Result<Json<Vec<Unit>>, ApiError> {
    Ok(Json(s.store.units().await?))
}

async fn put_unit(
    State(s): State<AppState>,
    can: Can<ManageOrganisation>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Unit>, ApiError> {
    let unit = interchange::parse_unit(&json_body(&body)?).map_err(ApiError::Invalid)?;
    same_key(&id, &unit.id)?;
    Ok(Json(s.store.put_unit(&can.user.actor(), unit).await?))
}

async fn processors(
    State(s): State<AppState>,
    _: Can<ReadRegister>,
) -> Result<Json<Vec<Processor>>, ApiError> {
    Ok(Json(s.store.processors().await?))
}

async fn put_processor(
    State(s): State<AppState>,
    can: Can<ManageOrganisation>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Processor>, ApiError> {
    let p = interchange::parse_processor(&json_body(&body)?).map_err(ApiError::Invalid)?;
    same_key(&id, &p.id)?;
    Ok(Json(s.store.put_processor(&can.user.actor(), p).await?))
}

async fn export(
    State(s): State<AppState>,
    can: Can<ExportRegister>,
) -> Result<Json<RegisterDocument>, ApiError> {
    let mut doc = s.store.export().await?;
    // A privacy manager exports the activities of their own units only (REG-3).
    doc.activities
        .retain(|a| can.scope.allows(&a.activity.unit));
    Ok(Json(doc))
}

async fn import(
    State(s): State<AppState>,
    can: Can<ImportRegister>,
    body: Bytes,
) -> Result<Json<ImportSummary>, ApiError> {
    let value: Value = json_body(&body)?;
    let doc = interchange::parse(&value).map_err(ApiError::Invalid)?;
    let r = s.store.import(&can.user.actor(), &doc).await?;
    Ok(Json(ImportSummary {
        units_written: r.units_written,
        processors_written: r.processors_written,
        activities_created: r.activities_created,
        activities_updated: r.activities_updated,
        activities_unchanged: r.activities_unchanged,
    }))
}

async fn vocabulary(_: ApiUser) -> Json<Vec<VocabularyTerm>> {
    Json(
        all_terms()
            .into_iter()
            .map(|t| VocabularyTerm {
                vocabulary: t.vocabulary.into(),
                machine_name: t.machine_name.into(),
                en: t.en.into(),
                nl: t.nl.into(),
                source: t.source.into(),
                dpv: t.dpv.map(Into::into),
            })
            .collect(),
    )
}

async fn verify(
    State(s): State<AppState>,
    _: Can<VerifyAudit>,
) -> Result<Json<AuditVerification>, ApiError> {
    Ok(Json(match s.store.verify_audit_chain().await? {
        Ok(entries) => AuditVerification {
            intact: true,
            entries,
            first_break: None,
        },
        Err(b) => AuditVerification {
            intact: false,
            entries: 0,
            first_break: Some(b.to_string()),
        },
    }))
}
