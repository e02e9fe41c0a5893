//! The OpenAPI 3.1 document, generated from the route table and from the Rust types (via
//! their JSON Schemas), served at `/api/openapi.json` and committed as `docs/openapi.json`.

use super::types::{
    ActivityPage, AuditVerification, Change, FindingItem, ImportSummary, LoginRequest, RuleItem,
    TransitionRequest, UserInfo, VersionInfo, VocabularyTerm,
};
use crate::error::Problem;
use axum::Json;
use grondslag_domain::interchange::RegisterDocument;
use grondslag_domain::register::{Activity, ActivityRecord, ActivityVersion, Processor, Unit};
use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

pub async fn serve() -> Json<Value> {
    Json(openapi_document())
}

/// The whole document.
pub fn openapi_document() -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let mut named: Vec<(&str, Value)> = Vec::new();
    macro_rules! component {
        ($name:literal, $t:ty) => {
            named.push(($name, g.subschema_for::<$t>().to_value()));
        };
    }
    component!("Activity", Activity);
    component!("ConsentDecision", super::consent::DecisionOut<'static>);
    component!("RecordedConsentEvents", super::consent::Recorded);
    component!("ConsentTimeline", super::consent::Timeline<'static>);
    component!(
        "ConsentIndexReport",
        grondslag_store::consent_index::ConsentIndexReport
    );
    component!("ActivityRecord", ActivityRecord);
    component!("ActivityVersion", ActivityVersion);
    component!("ActivityPage", ActivityPage);
    component!("TransitionRequest", TransitionRequest);
    component!("Unit", Unit);
    component!("Processor", Processor);
    component!("RegisterDocument", RegisterDocument);
    component!("ImportSummary", ImportSummary);
    component!("AuditVerification", AuditVerification);
    component!("LoginRequest", LoginRequest);
    component!("UserInfo", UserInfo);
    component!("Problem", Problem);
    component!("TokenRequest", super::tokens::TokenRequest);
    component!("CreatedToken", super::tokens::CreatedToken);
    component!("RequestInput", grondslag_domain::requests::RequestInput);
    component!("RequestDetail", super::requests::RequestDetail);
    component!("RequestPage", super::requests::RequestPage);
    component!("Action", grondslag_domain::requests::Action);
    component!("OpenDsrRequest", super::opendsr::OpenDsrRequest);
    component!("OpenDsrDiscovery", super::opendsr::OpenDsrDiscovery);
    component!("OpenDsrReceipt", super::opendsr::OpenDsrReceipt);
    component!("OpenDsrStatus", super::opendsr::OpenDsrStatus);
    component!("OpenDsrCancellation", super::opendsr::OpenDsrCancellation);
    component!(
        "ConsentNoticeVersion",
        super::consent_notices::ConsentNoticeVersion
    );
    component!("NewConsentNotice", super::consent_notices::NewConsentNotice);
    component!("NoticeContent", grondslag_domain::consent::NoticeContent);
    component!(
        "PublishConsentNotice",
        super::consent_notices::PublishConsentNotice
    );
    component!(
        "PublishedConsentNotice",
        super::consent_notices::PublishedConsentNotice
    );
    let lists = [
        (
            "VersionInfoList",
            g.subschema_for::<VersionInfo>().to_value(),
        ),
        ("ChangeList", g.subschema_for::<Change>().to_value()),
        ("UnitList", g.subschema_for::<Unit>().to_value()),
        ("ProcessorList", g.subschema_for::<Processor>().to_value()),
        (
            "VocabularyTermList",
            g.subschema_for::<VocabularyTerm>().to_value(),
        ),
        (
            "FindingItemList",
            g.subschema_for::<FindingItem>().to_value(),
        ),
        ("RuleItemList", g.subschema_for::<RuleItem>().to_value()),
        (
            "RequestCountList",
            g.subschema_for::<super::requests::RequestCount>()
                .to_value(),
        ),
        (
            "ConsentNoticeVersionList",
            g.subschema_for::<super::consent_notices::ConsentNoticeVersion>()
                .to_value(),
        ),
        (
            "TokenInfoList",
            g.subschema_for::<super::tokens::TokenInfo>().to_value(),
        ),
    ];
    let mut schemas: Map<String, Value> = g.take_definitions(true).into_iter().collect();
    for (name, schema) in named {
        // A type schemars inlines (no $ref) still needs its component name.
        if schema.get("$ref").is_none() {
            schemas.insert(name.to_string(), schema);
        }
    }
    // The fulfilment documents follow the data stores' own tables and columns, so their rows
    // are open-ended: described here rather than derived.
    for (name, description) in [
        ("AccessReport", "The subject's identifiers, when the rows were read, and per data store its searches and tables with columns and rows (docs/datastores.md)."),
        ("PortabilityExport", "Like AccessReport, with only the columns the subject provided (RU 4:6)."),
    ] {
        schemas.insert(name.to_string(), json!({"type": "object", "description": description}));
    }
    for (name, description) in [
        ("ErasurePlanList", "Per data store: the tables children-first, each with what happens to its rows and columns, the rows with their current and new values, and the plan's digest."),
        ("ErasureOutcomeList", "Per data store: the digest that was erased and the counts per table."),
    ] {
        schemas.insert(name.to_string(), json!({"type": "array", "description": description, "items": {"type": "object"}}));
    }
    for (name, items) in lists {
        schemas.insert(name.to_string(), json!({"type": "array", "items": items}));
    }

    let mut paths: Map<String, Value> = Map::new();
    for r in super::table() {
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(r.query.iter().map(|(name, ty, desc)| {
            json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": ty}})
        }));
        let (status, body) = r.response;
        let mut ok = json!({"description": "Success"});
        if let Some(schema) = body {
            ok["content"] = json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}});
        }
        let mut op = json!({
            "operationId": r.operation_id,
            "summary": r.summary,
            "tags": [r.tag],
            "responses": {
                status.to_string(): ok,
                "default": {
                    "description": "An error, as RFC 9457 problem details with one entry per invalid field",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                }
            }
        });
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(schema) = r.request {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
            });
        }
        if r.public {
            op["security"] = json!([]);
        }
        // Which permission of docs/permissions.md the operation needs.
        if let Some(p) = r.permission {
            op["x-permission"] = json!(p.as_str());
        }
        let item = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        item[r.method.as_str().to_lowercase()] = op;
    }

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Grondslag API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The register of processing activities of a university (RU 2:8, GDPR 30). Log in with POST /api/v1/session; the session cookie authorises the other calls. Errors are application/problem+json (RFC 9457).",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}}
        }
    })
}
