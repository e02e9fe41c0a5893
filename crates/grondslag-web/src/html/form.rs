//! The activity form without JavaScript: field names are the paths of the interchange
//! format (`data_categories[0].legal_basis`), so the posted form becomes the same JSON an API
//! client sends, is checked by the same parser, and each error lands at its own field.

use serde_json::{Map, Value};

/// Lists of plain terms: repeated checkboxes.
const LISTS: &[&str] = &[
    "purposes",
    "data_origins",
    "data_subjects",
    "security_measures",
    "camera.purposes",
    "social_media.forms",
    "social_media.channels",
    "consent_methods",
    "dpia_screening.criteria",
    "dpia_screening.ap_list",
];
/// Lists typed as one text field, comma- or line-separated.
const TYPED_LISTS: &[&str] = &["data_stores"];
/// Checkboxes for yes/no fields.
const FLAGS: &[&str] = &[
    "automated_decision_making",
    "profiling",
    "human_intervention",
    "research_out_of_scope",
    "aggregated_only",
    "camera.signposted",
    "camera.images_stored",
    "social_media.two_way_conversation",
    "objection_list_applied",
    "explicit_consent",
    "legitimate_interest_assessment.purely_commercial",
];
/// Sections that exist only when their box is ticked, with the box's name. A DPIA screening
/// that found nothing is still a screening, so it has a box too.
const SECTIONS: &[(&str, &str)] = &[
    ("camera", "camera.enabled"),
    ("social_media", "social_media.enabled"),
    ("dpia_screening", "dpia_screening.enabled"),
];
/// Fields that hold whole numbers.
const NUMBERS: &[&str] = &["period", "storage_days", "within_days"];

fn number_or_text(key: &str, v: &str) -> Value {
    if NUMBERS.contains(&key) {
        if let Ok(n) = v.trim().parse::<u64>() {
            return Value::from(n);
        }
    }
    Value::String(v.to_string())
}

/// Sets `value` at a dotted path with indices, creating objects and arrays on the way.
fn set(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (*part, None),
        };
        let last = i == parts.len() - 1;
        let obj = cur.as_object_mut().expect("form paths walk objects");
        match index {
            None if last => {
                obj.insert(key.to_string(), value);
                return;
            }
            None => cur = obj.entry(key).or_insert_with(|| Value::Object(Map::new())),
            Some(idx) => {
                let arr = obj.entry(key).or_insert_with(|| Value::Array(Vec::new()));
                let arr = arr.as_array_mut().expect("indexed form paths are arrays");
                while arr.len() <= idx {
                    arr.push(Value::Object(Map::new()));
                }
                if last {
                    arr[idx] = value;
                    return;
                }
                cur = &mut arr[idx];
            }
        }
    }
}

/// A row the user left blank is dropped; an optional field left empty is absent.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Object(map) => {
            map.retain(|_, child| !prune(child));
            map.is_empty()
        }
        Value::Array(items) => {
            items.retain_mut(|child| !prune(child));
            false
        }
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Turns the posted fields into an activity document. The sections for camera surveillance
/// and social media exist only when their box is ticked.
pub fn to_json(fields: &[(String, String)]) -> Value {
    let mut root = Value::Object(Map::new());
    for list in LISTS {
        let items: Vec<Value> = fields
            .iter()
            .filter(|(k, _)| k == list)
            .map(|(_, v)| Value::String(v.clone()))
            .collect();
        if !items.is_empty() {
            set(&mut root, list, Value::Array(items));
        }
    }
    for list in TYPED_LISTS {
        let items: Vec<Value> = fields
            .iter()
            .filter(|(k, _)| k == list)
            .flat_map(|(_, v)| v.split([',', '\n']))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Value::String(v.to_string()))
            .collect();
        if !items.is_empty() {
            set(&mut root, list, Value::Array(items));
        }
    }
    for flag in FLAGS {
        if fields.iter().any(|(k, v)| k == flag && v == "true") {
            set(&mut root, flag, Value::Bool(true));
        }
    }
    for (k, v) in fields {
        if LISTS.contains(&k.as_str())
            || TYPED_LISTS.contains(&k.as_str())
            || FLAGS.contains(&k.as_str())
            || !is_field(k)
        {
            continue;
        }
        let leaf = k.rsplit('.').next().unwrap_or(k);
        set(&mut root, k, number_or_text(leaf, v));
    }
    // Required text keeps its empty string so that "required" is reported at the field.
    let name = root.get("name").cloned();
    let unit = root.get("unit").cloned();
    prune(&mut root);
    let obj = root.as_object_mut().expect("an object");
    obj.insert("name".into(), name.unwrap_or(Value::String(String::new())));
    obj.insert("unit".into(), unit.unwrap_or(Value::String(String::new())));
    for &(section, tick) in SECTIONS {
        if fields.iter().any(|(k, v)| k == tick && v == "true") {
            obj.entry(section)
                .or_insert_with(|| Value::Object(Map::new()));
        } else {
            obj.remove(section);
        }
    }
    root
}

/// Form controls that are not fields of the activity.
fn is_field(name: &str) -> bool {
    !matches!(name, "version" | "add" | crate::security::CSRF_FIELD)
        && !SECTIONS.iter().any(|(_, tick)| *tick == name)
}

/// The value at a path in a document, as text for a form field.
pub fn text_at(root: &Value, path: &str) -> String {
    match at(root, path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

pub fn at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        cur = cur.get(key)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_posted_form_becomes_an_activity_document() {
        let v = to_json(&f(&[
            ("name", "Alumni"),
            ("unit", "alumni"),
            ("purposes", "alumni_relations"),
            ("purposes", "direct_marketing"),
            ("profiling", "true"),
            ("data_categories[0].category", "name"),
            ("data_categories[0].legal_basis", ""),
            ("data_categories[0].retention.period", "7"),
            ("data_categories[0].retention.unit", "years"),
            ("data_categories[1].category", ""),
            ("data_categories[1].description", " "),
            ("camera.storage_days", "28"),
            ("version", "3"),
        ]));
        assert_eq!(
            v,
            json!({
                "name": "Alumni", "unit": "alumni",
                "purposes": ["alumni_relations", "direct_marketing"],
                "profiling": true,
                "data_categories": [{"category": "name", "retention": {"period": 7, "unit": "years"}}]
            })
        );
        assert_eq!(text_at(&v, "data_categories[0].retention.period"), "7");
        let parsed = grondslag_domain::interchange::parse_activity(&v).unwrap();
        assert_eq!(parsed.data_categories.len(), 1);
    }

    #[test]
    fn sections_exist_only_when_ticked_and_bad_numbers_reach_the_parser() {
        let v = to_json(&f(&[
            ("name", ""),
            ("camera.enabled", "true"),
            ("camera.storage_days", "four weeks"),
        ]));
        assert_eq!(v["camera"], json!({"storage_days": "four weeks"}));
        let errors = grondslag_domain::interchange::parse_activity(&v).unwrap_err();
        assert!(errors.at("camera.storage_days").is_some(), "{errors}");
    }
}
