//! The controller and its tree of organisational units (REG-3).

use super::{check_email, check_key, check_text};
use crate::vocab::UnitKind;
use crate::{Lang, ValidationErrors};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The controller: the university, represented by its Executive Board (RU 2:2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Organisation {
    /// The university's name.
    #[serde(default)]
    pub name: String,
    /// Where data subjects can reach the controller.
    #[serde(default)]
    pub contact_email: String,
    /// The Data Protection Officer (FG).
    #[serde(default)]
    pub dpo_name: String,
    #[serde(default)]
    pub dpo_email: String,
}

impl Organisation {
    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "name", &self.name, false, 200);
        check_email(&mut e, "contact_email", &self.contact_email);
        check_text(&mut e, "dpo_name", &self.dpo_name, false, 200);
        check_email(&mut e, "dpo_email", &self.dpo_email);
        e
    }
}

/// A faculty, institute, service or department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unit {
    /// A short stable key, e.g. `fnwi` or `fnwi-imapp`.
    pub id: String,
    pub kind: UnitKind,
    pub name_nl: String,
    pub name_en: String,
    /// The key of the unit this one belongs to; none for a top-level unit.
    #[serde(default)]
    pub parent: Option<String>,
}

impl Unit {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nl => &self.name_nl,
            Lang::En => &self.name_en,
        }
    }

    pub fn validate(&self) -> ValidationErrors {
        let mut e = ValidationErrors::new();
        check_key(&mut e, "id", &self.id);
        check_text(&mut e, "name_nl", &self.name_nl, true, 200);
        check_text(&mut e, "name_en", &self.name_en, true, 200);
        if self.parent.as_deref() == Some(self.id.as_str()) {
            e.add("parent", "cycle", "a unit cannot be its own parent");
        }
        e
    }
}

/// Checks a whole set of units: unique keys, parents that exist, no cycles.
pub fn validate_units(units: &[Unit]) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    let mut seen = HashSet::new();
    for (i, u) in units.iter().enumerate() {
        e.nest(&format!("[{i}]"), u.validate());
        if !seen.insert(u.id.as_str()) {
            e.add(
                format!("[{i}].id"),
                "duplicate",
                format!("\"{}\" is used by more than one unit", u.id),
            );
        }
    }
    let parents: HashMap<&str, Option<&str>> = units
        .iter()
        .map(|u| (u.id.as_str(), u.parent.as_deref()))
        .collect();
    for (i, u) in units.iter().enumerate() {
        let Some(parent) = u.parent.as_deref() else {
            continue;
        };
        if !parents.contains_key(parent) {
            e.add(
                format!("[{i}].parent"),
                "unknown_reference",
                format!("no unit has the key \"{parent}\""),
            );
            continue;
        }
        // Walk up; more steps than units means a cycle.
        let mut at = Some(parent);
        let mut steps = 0;
        while let Some(p) = at {
            steps += 1;
            if p == u.id || steps > units.len() {
                e.add(
                    format!("[{i}].parent"),
                    "cycle",
                    "the parent chain of this unit loops back to itself",
                );
                break;
            }
            at = parents.get(p).copied().flatten();
        }
    }
    e
}

/// The keys of `root` and every unit below it, at any depth (REG-3: a privacy manager of a
/// faculty sees its institutes too).
pub fn descendants(units: &[Unit], root: &str) -> Vec<String> {
    let mut out = vec![root.to_string()];
    let mut i = 0;
    while i < out.len() {
        let current = out[i].clone();
        for u in units {
            if u.parent.as_deref() == Some(current.as_str()) && !out.contains(&u.id) {
                out.push(u.id.clone());
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>) -> Unit {
        Unit {
            id: id.into(),
            kind: UnitKind::Faculty,
            name_nl: id.into(),
            name_en: id.into(),
            parent: parent.map(Into::into),
        }
    }

    #[test]
    fn descendants_reach_two_levels_down() {
        let units = [
            unit("fnwi", None),
            unit("imapp", Some("fnwi")),
            unit("lab", Some("imapp")),
            unit("law", None),
        ];
        assert_eq!(descendants(&units, "fnwi"), ["fnwi", "imapp", "lab"]);
        assert_eq!(descendants(&units, "law"), ["law"]);
    }

    #[test]
    fn tree_errors_name_the_unit() {
        let units = [
            unit("a", Some("b")),
            unit("b", Some("a")),
            unit("c", Some("zz")),
            unit("c", None),
        ];
        let e = validate_units(&units);
        let found: Vec<_> = e.iter().map(|e| (e.path.as_str(), e.code)).collect();
        assert!(found.contains(&("[0].parent", "cycle")));
        assert!(found.contains(&("[1].parent", "cycle")));
        assert!(found.contains(&("[2].parent", "unknown_reference")));
        assert!(found.contains(&("[3].id", "duplicate")));
    }
}
