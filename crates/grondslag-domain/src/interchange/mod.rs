//! The interchange format (REG-4): the whole register as one JSON document, with a format
//! version and a JSON Schema generated from the types in this crate (`docs/interchange.md`).
//!
//! Parsing never stops at the first problem: the document is checked against the schema,
//! then each unit, processor and activity on its own, then the references between them, and
//! every problem comes back with its path (`activities[3].data_categories[0].legal_basis`).

use crate::register::{ActivityRecord, Organisation, Processor, Unit};
use crate::validation::join_path;
use crate::{FieldError, ValidationErrors};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The value of `format` in every register document.
pub const FORMAT: &str = "grondslag-register";
/// The version of the format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A whole register: controller, units, processors and activities with their history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterDocument {
    /// Always `grondslag-register`.
    pub format: String,
    /// The format version; this build reads and writes version 1.
    pub format_version: u32,
    /// When the document was written.
    #[serde(default)]
    pub exported_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub organisation: Organisation,
    #[serde(default)]
    pub units: Vec<Unit>,
    #[serde(default)]
    pub processors: Vec<Processor>,
    #[serde(default)]
    pub activities: Vec<ActivityRecord>,
}

impl RegisterDocument {
    pub fn new(
        exported_at: DateTime<Utc>,
        organisation: Organisation,
        units: Vec<Unit>,
        processors: Vec<Processor>,
        activities: Vec<ActivityRecord>,
    ) -> Self {
        Self {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            exported_at: Some(exported_at),
            organisation,
            units,
            processors,
            activities,
        }
    }
}

/// The JSON Schema (2020-12) of a register document.
pub fn schema() -> Value {
    strict(
        serde_json::to_value(schemars::schema_for!(RegisterDocument)).expect("schema serialises"),
        true,
    )
}

/// The JSON Schema of one activity's content, for API request bodies.
pub fn activity_schema() -> Value {
    strict(
        serde_json::to_value(schemars::schema_for!(crate::register::Activity))
            .expect("schema serialises"),
        true,
    )
}

/// Makes a generated schema as strict as serde is lenient: unknown fields are errors, and
/// an optional value is either null or valid on its own (so errors inside it keep their
/// path instead of becoming one "matches no alternative").
fn strict(mut v: Value, root: bool) -> Value {
    if let Value::Object(map) = &mut v {
        if root {
            map.insert(
                "$id".into(),
                json!("https://grondslag.example/schema/register-v1.json"),
            );
        }
        if let Some(Value::Array(alts)) = map.get("anyOf") {
            if alts.len() == 2 {
                let null = json!({"type": "null"});
                let other = if alts[0] == null {
                    Some(alts[1].clone())
                } else if alts[1] == null {
                    Some(alts[0].clone())
                } else {
                    None
                };
                if let Some(other) = other {
                    map.remove("anyOf");
                    map.insert("if".into(), json!({"not": {"type": "null"}}));
                    map.insert("then".into(), other);
                }
            }
        }
        if map.contains_key("properties") && !map.contains_key("additionalProperties") {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        let keys: Vec<String> = map.keys().cloned().collect();
        for k in keys {
            let child = map.remove(&k).unwrap();
            map.insert(k, strict(child, false));
        }
    } else if let Value::Array(items) = &mut v {
        for item in items.iter_mut() {
            *item = strict(std::mem::take(item), false);
        }
    }
    v
}

/// The schema of one element of a document's `activities`: the document's own definitions,
/// so that a record passes exactly when it would pass inside a document.
fn record_schema() -> Value {
    let mut doc = schema();
    json!({
        "$schema": doc["$schema"].take(),
        "$defs": doc["$defs"].take(),
        "$ref": "#/$defs/ActivityRecord",
    })
}

fn strict_schema<T: JsonSchema>() -> Value {
    strict(
        serde_json::to_value(schemars::schema_for!(T)).expect("schema serialises"),
        true,
    )
}

fn validator(which: &'static str) -> &'static jsonschema::Validator {
    static DOC: OnceLock<jsonschema::Validator> = OnceLock::new();
    static ACTIVITY: OnceLock<jsonschema::Validator> = OnceLock::new();
    static UNIT: OnceLock<jsonschema::Validator> = OnceLock::new();
    static PROCESSOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    static RECORD: OnceLock<jsonschema::Validator> = OnceLock::new();
    let (cell, schema): (_, fn() -> Value) = match which {
        "record" => (&RECORD, record_schema),
        "activity" => (&ACTIVITY, activity_schema),
        "unit" => (&UNIT, strict_schema::<Unit>),
        "processor" => (&PROCESSOR, strict_schema::<Processor>),
        _ => (&DOC, schema),
    };
    cell.get_or_init(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema())
            .expect("the generated schema is valid")
    })
}

/// Converts a JSON pointer (`/activities/3/name`) to our path style (`activities[3].name`).
fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            out = join_path(&out, &seg);
        }
    }
    out
}

fn schema_errors(validator: &jsonschema::Validator, value: &Value) -> ValidationErrors {
    use jsonschema::error::ValidationErrorKind as K;
    let mut errors = ValidationErrors::new();
    for e in validator.iter_errors(value) {
        let path = pointer_to_path(&e.instance_path.to_string());
        let shown = |v: &Value| match v {
            Value::String(s) => format!("\"{s}\""),
            other => other.to_string(),
        };
        match &e.kind {
            K::Enum { options } => {
                let expected: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|o| o.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                errors.add(
                    path,
                    "unknown_value",
                    format!(
                        "unknown value {}; expected one of {}",
                        shown(&e.instance),
                        expected.join(", ")
                    ),
                );
            }
            K::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                errors.add(join_path(&path, name), "required", "is required");
            }
            K::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    errors.add(
                        join_path(&path, name),
                        "unknown_field",
                        "is not a field of this format",
                    );
                }
            }
            K::Type { kind } => {
                let expected = match kind {
                    jsonschema::error::TypeKind::Single(t) => t.to_string(),
                    jsonschema::error::TypeKind::Multiple(ts) => ts
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                errors.add(
                    path,
                    "wrong_type",
                    format!(
                        "{} is not of the expected type; expected {expected}",
                        shown(&e.instance)
                    ),
                );
            }
            K::Format { format } => {
                let expected = match format.as_str() {
                    "date" => "a date as YYYY-MM-DD",
                    "date-time" => "a date and time as RFC 3339, e.g. 2026-01-31T09:00:00Z",
                    other => other,
                };
                errors.add(
                    path,
                    "invalid_format",
                    format!("{} is not valid; expected {expected}", shown(&e.instance)),
                );
            }
            K::Minimum { limit } | K::ExclusiveMinimum { limit } => {
                errors.add(
                    path,
                    "out_of_range",
                    format!(
                        "{} is too small; expected at least {limit}",
                        shown(&e.instance)
                    ),
                );
            }
            K::Maximum { limit } | K::ExclusiveMaximum { limit } => {
                errors.add(
                    path,
                    "out_of_range",
                    format!(
                        "{} is too large; expected at most {limit}",
                        shown(&e.instance)
                    ),
                );
            }
            _ => errors.add(path, "invalid", e.to_string()),
        }
    }
    errors
}

/// Checks a JSON value against the schema and decodes it; every problem is returned.
fn decode<T: serde::de::DeserializeOwned>(
    which: &'static str,
    value: &Value,
) -> Result<T, ValidationErrors> {
    let validator = validator(which);
    // The fast check first; the full list of errors only for a document that has some.
    if !validator.is_valid(value) {
        return Err(schema_errors(validator, value));
    }
    // Deserialising from a reference spares a copy of a document that can be hundreds of MB.
    T::deserialize(value).map_err(decode_error)
}

/// A value that passed the schema and still does not decode: one error for the whole
/// document, as serde gives no path.
fn decode_error(e: serde_json::Error) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    errors.add("", "invalid", e.to_string());
    errors
}

/// Parses and fully validates a register document.
pub fn parse(value: &Value) -> Result<RegisterDocument, ValidationErrors> {
    check_format(value)?;
    let validator = validator("document");
    if !validator.is_valid(value) {
        return Err(schema_errors(validator, value));
    }
    let doc = decode::document(value).map_err(decode_error)?;
    validate_document(&doc).into_result(doc)
}

/// Checks `format` and `format_version` of a document.
fn check_format(value: &Value) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    // An unknown format or version makes every other message misleading: stop here.
    match value.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => errors.add(
            "format",
            "unknown_value",
            format!("unknown value {other}; expected \"{FORMAT}\""),
        ),
        None => errors.add(
            "format",
            "required",
            format!("is required; expected \"{FORMAT}\""),
        ),
    }
    match value.get("format_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => errors.add(
            "format_version",
            "unsupported_version",
            format!("version {v} is not supported; this build reads version {FORMAT_VERSION}"),
        ),
        None => errors.add(
            "format_version",
            "required",
            format!("is required; expected {FORMAT_VERSION}"),
        ),
    }
    errors.into_result(())
}

/// Parses the content of one activity (an API request body).
pub fn parse_activity(value: &Value) -> Result<crate::register::Activity, ValidationErrors> {
    let activity: crate::register::Activity = decode("activity", value)?;
    activity.validate().into_result(activity)
}

/// Parses a unit (an API request body) as strictly as a register file.
pub fn parse_unit(value: &Value) -> Result<Unit, ValidationErrors> {
    let unit: Unit = decode("unit", value)?;
    unit.validate().into_result(unit)
}

/// Parses a processor (an API request body) as strictly as a register file.
pub fn parse_processor(value: &Value) -> Result<Processor, ValidationErrors> {
    let p: Processor = decode("processor", value)?;
    p.validate().into_result(p)
}

/// Checks a decoded document: each part on its own, unique keys, and references.
pub fn validate_document(doc: &RegisterDocument) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    e.nest("organisation", doc.organisation.validate());
    e.nest("units", crate::register::validate_units(&doc.units));
    let mut processor_keys = HashSet::new();
    for (i, p) in doc.processors.iter().enumerate() {
        e.nest(&format!("processors[{i}]"), p.validate());
        if !processor_keys.insert(p.id.as_str()) {
            e.add(
                format!("processors[{i}].id"),
                "duplicate",
                format!("\"{}\" is used by more than one processor", p.id),
            );
        }
    }
    let unit_keys: HashSet<&str> = doc.units.iter().map(|u| u.id.as_str()).collect();
    let mut activity_ids = HashSet::new();
    for (i, a) in doc.activities.iter().enumerate() {
        let p = format!("activities[{i}]");
        if a.id.trim().is_empty() || a.id.len() > 64 {
            e.add(
                format!("{p}.id"),
                "invalid_format",
                "expected a non-empty identifier of at most 64 characters",
            );
        } else if !activity_ids.insert(a.id.as_str()) {
            e.add(
                format!("{p}.id"),
                "duplicate",
                format!("\"{}\" is used by more than one activity", a.id),
            );
        }
        if a.version == 0 {
            e.add(
                format!("{p}.version"),
                "out_of_range",
                "versions count from 1",
            );
        }
        e.nest(&p, a.activity.validate());
        e.nest(
            &p,
            a.activity
                .validate_references(|u| unit_keys.contains(u), |k| processor_keys.contains(k)),
        );
        let mut previous = 0;
        for (j, h) in a.history.iter().enumerate() {
            if h.version <= previous || h.version >= a.version {
                e.add(
                    format!("{p}.history[{j}].version"),
                    "out_of_order",
                    format!(
                        "expected versions in increasing order, each below the current version {}",
                        a.version
                    ),
                );
            }
            previous = h.version;
        }
    }
    e
}

/// Renders validation errors as the CLI and logs show them: one per line.
pub fn error_lines(errors: &ValidationErrors) -> Vec<String> {
    errors.iter().map(FieldError::to_string).collect()
}

mod decode;
mod text;
pub use text::{parse_text, TextError};
#[cfg(test)]
mod tests;
