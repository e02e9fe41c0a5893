//! Reading a register document from its text one activity at a time.
//!
//! A register of 10,000 activities with their history is a file of hundreds of MB. Read as
//! one `serde_json::Value`, it becomes eight times that in memory, and making and freeing
//! those allocations took most of an import's time. Here the document's own fields are read
//! as a value, but each element of `activities` is read, checked against the schema, decoded
//! and dropped on its own, on a second thread while the first reads on. The outcome is that
//! of [`super::parse`] on the whole value: the same errors with the same paths, and only
//! when the schema is met, the decoding and the checks between records.

use super::{
    check_format, decode, decode_error, schema_errors, validate_document, validator,
    RegisterDocument,
};
use crate::register::ActivityRecord;
use crate::ValidationErrors;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Why a text is not a register document.
#[derive(Debug)]
pub enum TextError {
    /// The text is not JSON.
    Json(serde_json::Error),
    /// The JSON is not a valid register document: every problem with its path.
    Invalid(ValidationErrors),
}

/// Records read ahead of the thread that checks them: bounds the memory they take.
const QUEUE: usize = 64;

/// Parses and fully validates a register document given as text; see the module's notes.
pub fn parse_text(text: &str) -> Result<RegisterDocument, TextError> {
    let (head, checked) = std::thread::scope(|s| {
        let (send, receive) = sync_channel(QUEUE);
        let checker = s.spawn(move || check_records(receive));
        let mut de = serde_json::Deserializer::from_str(text);
        let head = HeadSeed(send)
            .deserialize(&mut de)
            .and_then(|head| de.end().map(|()| head));
        match checker.join() {
            Ok(checked) => (head, checked),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let Ok(mut head) = head else {
        // Not JSON, or JSON of another shape than a document (no object, `activities` no
        // array): read it whole, for the same error as everywhere else.
        let value: Value = serde_json::from_str(text).map_err(TextError::Json)?;
        return super::parse(&value).map_err(TextError::Invalid);
    };
    head.insert("activities".into(), Value::Array(Vec::new()));
    let head = Value::Object(head);
    check_format(&head).map_err(TextError::Invalid)?;
    let validator = validator("document");
    let mut errors = if validator.is_valid(&head) {
        ValidationErrors::new()
    } else {
        schema_errors(validator, &head)
    };
    let records = match checked {
        Checked::Valid(records) if errors.is_empty() => records,
        Checked::Valid(_) => return Err(TextError::Invalid(errors)),
        Checked::SchemaErrors(more) => {
            for e in more.iter() {
                errors.add(e.path.clone(), e.code, e.message.clone());
            }
            return Err(TextError::Invalid(errors));
        }
        Checked::DecodeError(e) => return Err(TextError::Invalid(decode_error(e))),
    };
    let mut doc = decode::document(&head).map_err(|e| TextError::Invalid(decode_error(e)))?;
    doc.activities = records;
    validate_document(&doc)
        .into_result(doc)
        .map_err(TextError::Invalid)
}

/// What the checking thread found in `activities`.
enum Checked {
    Valid(Vec<ActivityRecord>),
    /// Every record's schema errors, with their paths in the document.
    SchemaErrors(ValidationErrors),
    /// A record that met the schema and still did not decode.
    DecodeError(serde_json::Error),
}

fn check_records(records: Receiver<Value>) -> Checked {
    let validator = validator("record");
    let mut valid = Vec::new();
    let mut errors = ValidationErrors::new();
    let mut decode_error = None;
    for (i, value) in records.into_iter().enumerate() {
        if !validator.is_valid(&value) {
            errors.nest(
                &format!("activities[{i}]"),
                schema_errors(validator, &value),
            );
        } else if errors.is_empty() && decode_error.is_none() {
            match decode::record(&value) {
                Ok(record) => valid.push(record),
                Err(e) => decode_error = Some(e),
            }
        }
    }
    match (errors.is_empty(), decode_error) {
        (false, _) => Checked::SchemaErrors(errors),
        (true, Some(e)) => Checked::DecodeError(e),
        (true, None) => Checked::Valid(valid),
    }
}

/// Reads the document's object: its fields but `activities` into a map, the elements of
/// `activities` to the checking thread.
struct HeadSeed(SyncSender<Value>);

impl<'de> DeserializeSeed<'de> for HeadSeed {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a register document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut head = Map::new();
        let mut records = Some(self.0);
        while let Some(key) = map.next_key::<String>()? {
            if key == "activities" {
                // A second `activities` would replace the first in a value: read it whole.
                let send = records
                    .take()
                    .ok_or_else(|| A::Error::custom("duplicate field `activities`"))?;
                map.next_value_seed(RecordsSeed(send))?;
            } else {
                head.insert(key, map.next_value()?);
            }
        }
        Ok(head)
    }
}

/// Sends each element of `activities` to the checking thread as it is read.
struct RecordsSeed(SyncSender<Value>);

impl<'de> DeserializeSeed<'de> for RecordsSeed {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of activities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            self.0
                .send(value)
                .map_err(|_| A::Error::custom("the checking thread stopped"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEMO: &str = include_str!("../../../grondslag/src/demo/university.json");

    fn from_value(value: &Value) -> Result<RegisterDocument, ValidationErrors> {
        match parse_text(&value.to_string()) {
            Ok(doc) => Ok(doc),
            Err(TextError::Invalid(e)) => Err(e),
            Err(TextError::Json(e)) => panic!("{e}"),
        }
    }

    fn lines(r: Result<RegisterDocument, ValidationErrors>) -> Vec<String> {
        super::super::error_lines(&r.unwrap_err())
    }

    #[test]
    fn reads_what_parse_reads() {
        let value: Value = serde_json::from_str(DEMO).unwrap();
        let doc = parse_text(DEMO).unwrap();
        assert_eq!(doc, super::super::parse(&value).unwrap());
        assert!(doc.activities.len() > 40);
    }

    #[test]
    fn the_same_errors_as_parse_wherever_they_are() {
        let mut value: Value = serde_json::from_str(DEMO).unwrap();
        value["activities"][3]["data_categories"][0]["legal_basis"] = json!("consnet");
        value["activities"][7]["bogus"] = json!(1);
        value["units"][0]["kind"] = json!("galaxy");
        let mut want = lines(super::super::parse(&value));
        let mut got = lines(from_value(&value));
        assert!(
            got.iter()
                .any(|l| l.starts_with("activities[3].data_categories[0].legal_basis")),
            "{got:?}"
        );
        assert!(got.iter().any(|l| l.starts_with("activities[7].bogus")));
        assert!(got.iter().any(|l| l.starts_with("units[0].kind")));
        want.sort();
        got.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn semantic_errors_only_when_the_schema_is_met() {
        let mut value: Value = serde_json::from_str(DEMO).unwrap();
        let first = value["activities"][0]["id"].clone();
        value["activities"][1]["id"] = first;
        assert_eq!(
            lines(from_value(&value)),
            lines(super::super::parse(&value))
        );
        value["activities"][2]["status"] = json!("lost");
        let got = lines(from_value(&value));
        assert!(got.iter().all(|l| !l.contains("duplicate")), "{got:?}");
    }

    #[test]
    fn format_first_and_any_shape() {
        let mut value: Value = serde_json::from_str(DEMO).unwrap();
        value["format"] = json!("other");
        value["activities"][0]["status"] = json!("lost");
        assert_eq!(
            lines(from_value(&value)),
            vec!["format: unknown value \"other\"; expected \"grondslag-register\"".to_string()]
        );
        for odd in [json!([1, 2]), json!("text"), json!({"activities": 5})] {
            assert_eq!(
                lines(from_value(&odd)),
                lines(super::super::parse(&odd)),
                "{odd}"
            );
        }
        assert!(matches!(
            parse_text("{\"format\": "),
            Err(TextError::Json(_))
        ));
        assert!(matches!(parse_text("{} {}"), Err(TextError::Json(_))));
    }

    #[test]
    fn a_second_activities_field_counts_as_in_a_value() {
        let value: Value = serde_json::from_str(DEMO).unwrap();
        let text = DEMO.trim_end().strip_suffix('}').unwrap().to_string() + ", \"activities\": []}";
        let doc = parse_text(&text).unwrap();
        assert!(doc.activities.is_empty());
        assert!(!super::super::parse(&value).unwrap().activities.is_empty());
    }
}
