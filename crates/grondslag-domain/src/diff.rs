//! Field-by-field comparison of two versions of an activity (REG-2).

use crate::register::Activity;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One field that differs between two versions. `None` means the field was absent or empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The path of the field, e.g. `data_categories[1].legal_basis`.
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    /// The top-level field the change is in (`data_categories`), for labelling.
    pub fn field(&self) -> &str {
        let end = self.path.find(['.', '[']).unwrap_or(self.path.len());
        &self.path[..end]
    }
}

/// The fields that differ between `before` and `after`, in path order.
pub fn compare(before: &Activity, after: &Activity) -> Vec<FieldChange> {
    let a = leaves(before);
    let b = leaves(after);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|p| {
            let (x, y) = (a.get(p), b.get(p));
            (x != y).then(|| FieldChange {
                path: p.clone(),
                before: x.cloned(),
                after: y.cloned(),
            })
        })
        .collect()
}

fn leaves(activity: &Activity) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let value = serde_json::to_value(activity).expect("an activity always serialises");
    walk(&value, String::new(), &mut out);
    out
}

fn walk(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, p, out);
            }
        }
        // Lists of plain terms compare as one value; lists of records element by element.
        Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
            if !items.is_empty() {
                let text: Vec<String> = items.iter().map(scalar).collect();
                out.insert(path, text.join(", "));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{path}[{i}]"), out);
            }
        }
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        Value::Bool(false) => {}
        other => {
            out.insert(path, scalar(other));
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::DataCategoryEntry;
    use crate::vocab::{LegalBasis, PersonalDataCategory, Purpose};

    #[test]
    fn only_changed_fields_are_listed() {
        let before = Activity {
            name: "Alumni".into(),
            unit: "alumni".into(),
            purposes: vec![Purpose::AlumniRelations],
            data_categories: vec![DataCategoryEntry {
                category: PersonalDataCategory::Name,
                description: String::new(),
                legal_basis: Some(LegalBasis::Consent),
                art9_exception: None,
                statutory_basis: String::new(),
                retention: None,
            }],
            ..Default::default()
        };
        let mut after = before.clone();
        after.data_categories[0].legal_basis = Some(LegalBasis::LegitimateInterests);
        after.purposes.push(Purpose::DirectMarketing);
        after.profiling = true;
        let changes = compare(&before, &after);
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    path: "data_categories[0].legal_basis".into(),
                    before: Some("consent".into()),
                    after: Some("legitimate_interests".into())
                },
                FieldChange {
                    path: "profiling".into(),
                    before: None,
                    after: Some("true".into())
                },
                FieldChange {
                    path: "purposes".into(),
                    before: Some("alumni_relations".into()),
                    after: Some("alumni_relations, direct_marketing".into())
                },
            ]
        );
        assert_eq!(changes[0].field(), "data_categories");
        assert!(compare(&after, &after).is_empty());
    }
}
