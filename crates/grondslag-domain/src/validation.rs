//! Validation that collects every problem, each with the path of the field it concerns
//! (`activities[3].data_categories[0].legal_basis`), instead of stopping at the first.

use serde::Serialize;
use std::fmt;

/// One invalid field: where it is and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path with array indices, e.g. `data_categories[0].legal_basis`.
    pub path: String,
    /// A stable code a client can act on (`required`, `unknown_value`, `too_long`, ...).
    pub code: &'static str,
    /// What is wrong and what is expected, in English (the UI translates by `code`).
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in one value; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            code,
            message: message.into(),
        });
    }

    /// Adds the errors of a nested value, prefixing their paths with `prefix`.
    pub fn nest(&mut self, prefix: &str, other: ValidationErrors) {
        for mut e in other.0 {
            e.path = join_path(prefix, &e.path);
            self.0.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The first error at exactly this path, for showing it next to a form field.
    pub fn at(&self, path: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.path == path)
    }

    /// `Ok(value)` when nothing was found, else all errors.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Joins a path prefix and a suffix: `a` + `b` is `a.b`, `a` + `[0].b` is `a[0].b`.
pub fn join_path(prefix: &str, suffix: &str) -> String {
    match (prefix.is_empty(), suffix.is_empty()) {
        (true, _) => suffix.to_string(),
        (_, true) => prefix.to_string(),
        _ if suffix.starts_with('[') => format!("{prefix}{suffix}"),
        _ => format!("{prefix}.{suffix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_join_with_dots_and_brackets() {
        let mut inner = ValidationErrors::new();
        inner.add("legal_basis", "required", "a legal basis is required");
        inner.add("", "invalid", "whole entry");
        let mut outer = ValidationErrors::new();
        outer.nest("activities[3].data_categories[0]", inner);
        let paths: Vec<_> = outer.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "activities[3].data_categories[0].legal_basis",
                "activities[3].data_categories[0]"
            ]
        );
        assert_eq!(join_path("a", "[1]"), "a[1]");
    }
}
