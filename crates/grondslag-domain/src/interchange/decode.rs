//! Decoding a register document from a JSON value without serde's buffering of flattened
//! fields.
//!
//! `ActivityRecord` and `ActivityVersion` carry the activity's fields at their own level
//! (`#[serde(flatten)]`). To decode such a struct, serde first copies every field it does not
//! know itself into a buffer of its own (`Content`), then decodes the activity from that
//! buffer. For a register of 100,000 versions that buffer is built and thrown away 100,000
//! times, which took more than half of the decoding time. Here the record's own fields and
//! the activity are each decoded straight from the same JSON object, each ignoring the
//! other's fields.
//!
//! This is only a faster way to the same result: when anything here fails, [`document`]
//! decodes again with serde's derived code, so errors keep their exact wording.

use super::RegisterDocument;
use crate::register::Status;
use crate::register::{Activity, ActivityRecord, ActivityVersion, Organisation, Processor, Unit};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Decodes `value` exactly as `RegisterDocument::deserialize(value)` does.
pub(super) fn document(value: &Value) -> Result<RegisterDocument, serde_json::Error> {
    match fast_document(value) {
        Ok(doc) => Ok(doc),
        Err(_) => RegisterDocument::deserialize(value),
    }
}

/// The document's fields but its activities, which are skipped here (`IgnoredAny` costs
/// nothing on a `Value`) and decoded one by one below.
#[derive(Deserialize)]
struct Head {
    format: String,
    format_version: u32,
    #[serde(default)]
    exported_at: Option<DateTime<Utc>>,
    #[serde(default)]
    organisation: Organisation,
    #[serde(default)]
    units: Vec<Unit>,
    #[serde(default)]
    processors: Vec<Processor>,
}

/// An `ActivityRecord`'s own fields; the activity's fields are ignored.
#[derive(Deserialize)]
struct RecordFields {
    id: String,
    status: Status,
    version: u32,
    saved_at: DateTime<Utc>,
    saved_by: String,
}

/// An `ActivityVersion`'s own fields; the activity's fields are ignored.
#[derive(Deserialize)]
struct VersionFields {
    version: u32,
    status: Status,
    saved_at: DateTime<Utc>,
    saved_by: String,
}

fn not_an_object() -> serde_json::Error {
    serde::de::Error::custom("expected an object")
}

fn fast_document(value: &Value) -> Result<RegisterDocument, serde_json::Error> {
    if !value.is_object() {
        return Err(not_an_object());
    }
    let head = Head::deserialize(value)?;
    let activities = match value.get("activities") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(record).collect::<Result<_, _>>()?,
        Some(_) => return Err(serde::de::Error::custom("expected an array")),
    };
    Ok(RegisterDocument {
        format: head.format,
        format_version: head.format_version,
        exported_at: head.exported_at,
        organisation: head.organisation,
        units: head.units,
        processors: head.processors,
        activities,
    })
}

pub(super) fn record(value: &Value) -> Result<ActivityRecord, serde_json::Error> {
    if !value.is_object() {
        return Err(not_an_object());
    }
    let own = RecordFields::deserialize(value)?;
    let history = match value.get("history") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(version).collect::<Result<_, _>>()?,
        Some(_) => return Err(serde::de::Error::custom("expected an array")),
    };
    Ok(ActivityRecord {
        id: own.id,
        status: own.status,
        version: own.version,
        saved_at: own.saved_at,
        saved_by: own.saved_by,
        activity: Activity::deserialize(value)?,
        history,
    })
}

fn version(value: &Value) -> Result<ActivityVersion, serde_json::Error> {
    if !value.is_object() {
        return Err(not_an_object());
    }
    let own = VersionFields::deserialize(value)?;
    Ok(ActivityVersion {
        version: own.version,
        status: own.status,
        saved_at: own.saved_at,
        saved_by: own.saved_by,
        activity: Activity::deserialize(value)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo university: every kind of field, assessments, history.
    const DEMO: &str = include_str!("../../../grondslag/src/demo/university.json");

    #[test]
    fn decodes_what_serde_decodes() {
        let value: Value = serde_json::from_str(DEMO).unwrap();
        let fast = fast_document(&value).unwrap();
        assert_eq!(fast, RegisterDocument::deserialize(&value).unwrap());
        assert!(fast.activities.iter().any(|a| !a.history.is_empty()));
        let again = serde_json::to_value(&fast).unwrap();
        assert_eq!(fast_document(&again).unwrap(), fast);
    }

    #[test]
    fn errors_are_serdes_own() {
        let mut value: Value = serde_json::from_str(DEMO).unwrap();
        value["activities"][1]["history"][0]["version"] = serde_json::json!(5_000_000_000u64);
        let want = RegisterDocument::deserialize(&value)
            .unwrap_err()
            .to_string();
        assert_eq!(document(&value).unwrap_err().to_string(), want);
        value["activities"][1] = serde_json::json!([1, 2]);
        let want = RegisterDocument::deserialize(&value)
            .unwrap_err()
            .to_string();
        assert_eq!(document(&value).unwrap_err().to_string(), want);
    }
}
