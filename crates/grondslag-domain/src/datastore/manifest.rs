//! The data-store manifest (docs/datastores.md): which tables of a database hold personal
//! data, how the subject is found in them, how child tables hang from their parents, and what
//! erasure does to each column.
//!
//! A manifest is read in two stages. [`ManifestDoc`] mirrors the YAML one to one, with every
//! field optional and every vocabulary value a plain string; serde rejects YAML that is not a
//! manifest at all (a syntax error, an unknown field, a list where a map belongs). Then
//! [`Manifest::from_doc`] checks the meaning and collects every problem with its path
//! (`tables[2].columns.email.erasure: unknown value "remove"; expected one of delete_row,
//! set_null, mask, keep`). Only a [`Manifest`] that passed both stages exists as a value, and
//! every table and column name in it is an [`Ident`], so SQL built from it cannot be injected.

use super::terms::{ErasureAction, IdentifierKind, KeepReason, MaskRule};
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The manifest format version this code reads.
pub const FORMAT_VERSION: u32 = 1;

/// A plain SQL identifier: `[A-Za-z_][A-Za-z0-9_]*`, at most 63 characters (PostgreSQL's
/// limit). Anything else is refused, so an identifier can always be quoted safely in every
/// dialect and never carries SQL of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Ident(String);

impl Ident {
    /// The identifier, or why the text is not one.
    pub fn parse(s: &str) -> Result<Ident, String> {
        let mut chars = s.chars();
        let first_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if s.is_empty() {
            Err("must not be empty".into())
        } else if !first_ok || !rest_ok {
            Err(format!(
                "\"{s}\" is not a plain SQL identifier (letters, digits and _, not starting with a digit)"
            ))
        } else if s.len() > 63 {
            Err(format!("\"{s}\" is longer than 63 characters"))
        } else {
            Ok(Ident(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Ident {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------------------------------------
// Stage 1: the document as written.

/// A manifest as written in YAML, before its meaning is checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestDoc {
    pub format_version: Option<u32>,
    /// The store's key, which activities in the register name (`student_administration`).
    pub name: Option<String>,
    /// What people call the store (`Student administration (OSIRIS)`).
    pub label: Option<String>,
    pub description: Option<String>,
    /// A database URL; `${VARIABLE}` is replaced by that environment variable when the store
    /// is opened, so passwords stay out of the file.
    pub connection: Option<String>,
    #[serde(default)]
    pub tables: Vec<TableDoc>,
}

/// One table as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDoc {
    pub name: Option<String>,
    pub label: Option<String>,
    /// The column that identifies a row, usually the primary key.
    pub key: Option<String>,
    /// For a table searched by the subject's identifier.
    pub subject: Option<SubjectDoc>,
    /// For a child table, found through its foreign key to a parent table.
    pub parent: Option<ParentDoc>,
    /// The default erasure of the table's columns: `delete_row` or `keep`.
    pub erasure: Option<String>,
    /// With `erasure: keep`: a keep reason.
    pub reason: Option<String>,
    /// With `erasure: keep`: the explanation (which law, how long).
    pub explanation: Option<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnDoc>,
}

/// The column of a table that holds the subject's identifier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDoc {
    pub column: Option<String>,
    pub identifier: Option<String>,
}

/// How a child table refers to its parent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentDoc {
    pub table: Option<String>,
    /// The child's column that holds the parent's key.
    pub foreign_key: Option<String>,
    /// The parent's column the foreign key refers to; the parent's `key` when left out.
    pub references: Option<String>,
}

/// One column as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDoc {
    pub label: Option<String>,
    pub erasure: Option<String>,
    /// With `erasure: mask`: the fixed value that replaces the old one.
    pub mask: Option<serde_json::Value>,
    /// With `erasure: mask`: a rule that computes the masked value from the old one.
    pub mask_rule: Option<String>,
    /// With `erasure: keep`: a keep reason.
    pub reason: Option<String>,
    /// With `erasure: keep`: the explanation.
    pub explanation: Option<String>,
    /// Whether the subject provided this data (it goes into a portability export, DSR-5).
    #[serde(default)]
    pub provided: bool,
}

// ---------------------------------------------------------------------------------------------
// Stage 2: the checked manifest.

/// A checked manifest. Build one with [`Manifest::parse`] or [`Manifest::from_doc`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    /// The connection URL as written, with `${VARIABLE}` references unresolved.
    pub connection: String,
    /// The tables in the order of the file.
    pub tables: Vec<Table>,
}

/// A checked table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: Ident,
    pub label: Option<String>,
    pub key: Ident,
    pub link: Link,
    /// What erasure does to a row as a whole.
    pub rows: RowErasure,
    /// The columns the manifest names, with their effective erasure.
    pub columns: BTreeMap<Ident, Column>,
    /// 0 for a table with a subject column, 1 for its children, and so on.
    pub depth: usize,
}

/// How a table's rows of the subject are found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Link {
    /// By the subject's identifier in `column`.
    Subject {
        column: Ident,
        identifier: IdentifierKind,
    },
    /// By `foreign_key`, which holds the parent row's `references` column.
    Parent {
        table: Ident,
        foreign_key: Ident,
        references: Ident,
    },
}

/// What erasure does to a row as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RowErasure {
    /// The row is deleted (`delete_row` on the table or on any of its columns).
    Delete,
    /// The row stays, because the table says `keep`; columns may still be emptied or masked.
    Keep {
        reason: KeepReason,
        explanation: String,
    },
    /// The row stays, and its columns are emptied, masked or kept as each one says.
    Update,
}

/// A checked column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub label: Option<String>,
    pub erasure: ColumnErasure,
    pub provided: bool,
}

/// What erasure does to one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ColumnErasure {
    /// The column goes with its row.
    DeleteRow,
    SetNull,
    Mask {
        mask: Mask,
    },
    Keep {
        reason: KeepReason,
        explanation: String,
    },
    /// A key column of a row that stays, named without an erasure of its own: it stays as it is.
    Unchanged,
}

/// How a masked value is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mask {
    /// This value replaces the old one (a string, number or boolean).
    Value(serde_json::Value),
    /// This rule computes the new value from the old one.
    Rule(MaskRule),
}

impl Mask {
    /// The masked form of `old`; NULL stays NULL.
    pub fn apply(&self, old: &serde_json::Value) -> serde_json::Value {
        match (self, old) {
            (_, serde_json::Value::Null) => serde_json::Value::Null,
            (Mask::Value(v), _) => v.clone(),
            (Mask::Rule(rule), serde_json::Value::String(s)) => {
                serde_json::Value::String(rule.apply(s))
            }
            (Mask::Rule(rule), other) => serde_json::Value::String(rule.apply(&other.to_string())),
        }
    }
}

impl Manifest {
    /// Reads a manifest from YAML: the document's shape first, then its meaning, with every
    /// problem of the second stage and its path.
    pub fn parse(yaml: &str) -> Result<Manifest, ValidationErrors> {
        let doc: ManifestDoc = yaml_serde::from_str(yaml).map_err(|e| {
            let mut errors = ValidationErrors::new();
            let message = e.to_string();
            // yaml_serde names the path before the first ": " when it has one.
            match message.split_once(": ") {
                Some((path, rest)) if looks_like_path(path) => {
                    errors.add(path, "invalid_document", rest)
                }
                _ => errors.add("", "invalid_document", message),
            }
            errors
        })?;
        Manifest::from_doc(&doc)
    }

    /// Checks a manifest document and builds the manifest, or lists every problem.
    pub fn from_doc(doc: &ManifestDoc) -> Result<Manifest, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match doc.format_version {
            Some(FORMAT_VERSION) => {}
            Some(v) => {
                errors.add(
                    "format_version",
                    "unsupported_version",
                    format!("version {v} is not supported; this Grondslag reads version {FORMAT_VERSION}"),
                );
                return Err(errors);
            }
            None => {
                errors.add(
                    "format_version",
                    "required",
                    format!("required; write format_version: {FORMAT_VERSION}"),
                );
                return Err(errors);
            }
        }
        let name = required_text(&mut errors, "name", &doc.name);
        if let Some(n) = &name {
            let ok = n.len() <= 64
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !ok {
                errors.add(
                    "name",
                    "invalid_format",
                    format!("\"{n}\" is not a store key: lower-case letters, digits, _ and -, starting with a letter"),
                );
            }
        }
        let label = required_text(&mut errors, "label", &doc.label);
        let connection = required_text(&mut errors, "connection", &doc.connection);
        if let Some(c) = &connection {
            check_connection(&mut errors, c);
        }
        if doc.tables.is_empty() {
            errors.add("tables", "required", "a store needs at least one table");
        }

        // Names first: the relations between tables refer to them.
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, t) in doc.tables.iter().enumerate() {
            if let Some(n) = &t.name {
                if index.insert(n.as_str(), i).is_some() {
                    errors.add(
                        format!("tables[{i}].name"),
                        "duplicate",
                        format!("table \"{n}\" is named twice"),
                    );
                }
            }
        }

        let mut tables = Vec::new();
        for (i, t) in doc.tables.iter().enumerate() {
            let mut e = ValidationErrors::new();
            let table = check_table(&mut e, t, &doc.tables, &index);
            errors.nest(&format!("tables[{i}]"), e);
            tables.push(table);
        }
        if !doc.tables.is_empty() && !doc.tables.iter().any(|t| t.subject.is_some()) {
            errors.add(
                "tables",
                "no_subject_table",
                "no table names a subject column, so the subject cannot be found: give at least one table `subject: {column, identifier}`",
            );
        }

        // The relations as a whole: cycles, depths, key columns and rows that must go together.
        let parents: Vec<Option<usize>> = doc
            .tables
            .iter()
            .map(|t| {
                t.parent
                    .as_ref()
                    .and_then(|p| p.table.as_deref())
                    .and_then(|n| index.get(n).copied())
            })
            .enumerate()
            .map(|(i, p)| p.filter(|&p| p != i))
            .collect();
        let mut depths = vec![0usize; doc.tables.len()];
        for (i, depth) in depths.iter_mut().enumerate() {
            let mut seen = vec![i];
            let mut at = i;
            while let Some(p) = parents[at] {
                if let Some(pos) = seen.iter().position(|&s| s == p) {
                    // Reported once, at the cycle's first table in file order.
                    let cycle = &seen[pos..];
                    if cycle.iter().min() == Some(&i) {
                        let names: Vec<&str> = cycle
                            .iter()
                            .chain(std::iter::once(&cycle[0]))
                            .map(|&k| doc.tables[k].name.as_deref().unwrap_or("?"))
                            .collect();
                        errors.add(
                            format!("tables[{i}].parent.table"),
                            "cycle",
                            format!("the parents form a cycle: {}", names.join(" → ")),
                        );
                    }
                    break;
                }
                seen.push(p);
                at = p;
            }
            *depth = seen.len() - 1;
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        let mut tables: Vec<Table> = tables.into_iter().map(|t| t.expect("checked")).collect();
        for (t, d) in tables.iter_mut().zip(&depths) {
            t.depth = *d;
        }

        // A parent's rows that are deleted take their children's rows with them.
        for i in 0..tables.len() {
            let t = &tables[i];
            if t.rows != RowErasure::Delete {
                if let Some(p) = parents[i] {
                    if tables[p].rows == RowErasure::Delete {
                        errors.add(
                            format!("tables[{i}].erasure"),
                            "parent_deleted",
                            format!(
                                "the rows of \"{}\" stay, but their parent rows in \"{}\" are deleted, which breaks the foreign key: delete these rows too (erasure: delete_row) or keep the parent's rows",
                                t.name, tables[p].name
                            ),
                        );
                    }
                }
            }
        }
        errors.into_result(Manifest {
            name: name.unwrap_or_default(),
            label: label.unwrap_or_default(),
            description: doc.description.clone().filter(|d| !d.trim().is_empty()),
            connection: connection.unwrap_or_default(),
            tables,
        })
    }

    /// The table of that name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name.as_str() == name)
    }

    /// The tables whose parent is `name`, in file order.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables
            .iter()
            .filter(move |t| t.parent_name() == Some(name))
    }

    /// The tables in tree order: each table with a subject column in file order, each
    /// followed by its children (in file order) and theirs. Every parent comes before its
    /// children; this is the order in which rows are found and reported.
    pub fn parents_first(&self) -> Vec<&Table> {
        fn visit<'a>(m: &'a Manifest, t: &'a Table, out: &mut Vec<&'a Table>) {
            out.push(t);
            for c in m.children(t.name.as_str()) {
                visit(m, c, out);
            }
        }
        let mut out = Vec::with_capacity(self.tables.len());
        for root in self.tables.iter().filter(|t| t.depth == 0) {
            visit(self, root, &mut out);
        }
        out
    }

    /// The reverse of [`Manifest::parents_first`]: every child before its parent, the order
    /// in which erasure runs, so that foreign keys hold at every step.
    pub fn children_first(&self) -> Vec<&Table> {
        let mut out = self.parents_first();
        out.reverse();
        out
    }

    /// The names of the `${VARIABLE}`s the connection refers to.
    pub fn connection_variables(&self) -> Vec<String> {
        variables(&self.connection).unwrap_or_default()
    }

    /// SHA-256 (hex) of the manifest's checked form: an erasure plan names the manifest it
    /// was made with.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).expect("a manifest serialises");
        hex::encode(Sha256::digest(json))
    }
}

impl Table {
    /// The parent table's name, for a child table.
    pub fn parent_name(&self) -> Option<&str> {
        match &self.link {
            Link::Parent { table, .. } => Some(table.as_str()),
            Link::Subject { .. } => None,
        }
    }

    /// The label, or the name when there is none.
    pub fn display_name(&self) -> &str {
        self.label.as_deref().unwrap_or(self.name.as_str())
    }

    /// The columns a live schema must have: the key, the link's column and every named one.
    pub fn required_columns(&self) -> BTreeSet<&Ident> {
        let mut out: BTreeSet<&Ident> = self.columns.keys().collect();
        out.insert(&self.key);
        match &self.link {
            Link::Subject { column, .. } => {
                out.insert(column);
            }
            Link::Parent { foreign_key, .. } => {
                out.insert(foreign_key);
            }
        }
        out
    }
}

fn looks_like_path(s: &str) -> bool {
    !s.is_empty()
        && !s.contains(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-'))
}

fn required_text(errors: &mut ValidationErrors, path: &str, v: &Option<String>) -> Option<String> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Some(s.to_string()),
        _ => {
            errors.add(path, "required", "required");
            None
        }
    }
}

fn ident(errors: &mut ValidationErrors, path: &str, v: &Option<String>) -> Option<Ident> {
    match v {
        None => {
            errors.add(path, "required", "required");
            None
        }
        Some(s) => match Ident::parse(s) {
            Ok(i) => Some(i),
            Err(m) => {
                errors.add(path, "unsafe_identifier", m);
                None
            }
        },
    }
}

fn term<T: crate::vocab::Term + std::str::FromStr<Err = crate::vocab::UnknownTerm>>(
    errors: &mut ValidationErrors,
    path: &str,
    v: &str,
) -> Option<T> {
    match v.parse::<T>() {
        Ok(t) => Some(t),
        Err(e) => {
            errors.add(path, "unknown_value", e.to_string());
            None
        }
    }
}

/// The `${NAME}`s in a connection URL, or what is wrong with one.
fn variables(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err("a `${` is not closed with `}`".into());
        };
        let name = &after[..end];
        let ok = name.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(format!(
                "\"${{{name}}}\" is not an environment variable name (A-Z, 0-9 and _)"
            ));
        }
        out.push(name.to_string());
        rest = &after[end + 1..];
    }
    Ok(out)
}

fn check_connection(errors: &mut ValidationErrors, c: &str) {
    if let Err(m) = variables(c) {
        errors.add("connection", "invalid_format", m);
        return;
    }
    if c.starts_with("${") {
        // The whole URL, or its start, comes from the environment.
        return;
    }
    let Some((scheme, rest)) = c.split_once("://").or_else(|| c.split_once(':')) else {
        errors.add(
            "connection",
            "invalid_format",
            "not a database URL; expected postgres://…, mysql://…, mariadb://…, sqlite://… or ${VARIABLE}",
        );
        return;
    };
    if !matches!(
        scheme,
        "postgres" | "postgresql" | "mysql" | "mariadb" | "sqlite"
    ) {
        errors.add(
            "connection",
            "unsupported_database",
            format!("\"{scheme}\" databases are not supported; expected postgres, postgresql, mysql, mariadb or sqlite"),
        );
        return;
    }
    // user:password@host: a password must come from the environment, never from the file.
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if let Some((_, password)) = userinfo.split_once(':') {
            let from_env = password.starts_with("${") && password.ends_with('}');
            if !password.is_empty() && !from_env {
                errors.add(
                    "connection",
                    "password_in_file",
                    "the URL holds a password: put it in an environment variable and write ${VARIABLE} instead",
                );
            }
        }
    }
    if c.contains("password=") && !c.contains("password=${") {
        errors.add(
            "connection",
            "password_in_file",
            "the URL holds a password: put it in an environment variable and write ${VARIABLE} instead",
        );
    }
}

fn keep_fields(
    errors: &mut ValidationErrors,
    reason: &Option<String>,
    explanation: &Option<String>,
) -> Option<(KeepReason, String)> {
    let r = match reason {
        None => {
            errors.add(
                "reason",
                "required",
                format!(
                    "keep needs a reason: one of {}",
                    <KeepReason as crate::vocab::Term>::expected_list()
                ),
            );
            None
        }
        Some(r) => term::<KeepReason>(errors, "reason", r),
    };
    let x = match explanation.as_deref().map(str::trim) {
        Some(x) if !x.is_empty() => Some(x.to_string()),
        _ => {
            errors.add(
                "explanation",
                "required",
                "keep needs an explanation: which law or claim, and for how long",
            );
            None
        }
    };
    Some((r?, x?))
}

fn check_table(
    errors: &mut ValidationErrors,
    t: &TableDoc,
    all: &[TableDoc],
    index: &BTreeMap<&str, usize>,
) -> Option<Table> {
    let name = ident(errors, "name", &t.name);
    let key = ident(errors, "key", &t.key);
    let link = match (&t.subject, &t.parent) {
        (Some(_), Some(_)) => {
            errors.add(
                "parent",
                "conflict",
                "a table has either a subject column or a parent, not both",
            );
            None
        }
        (None, None) => {
            errors.add(
                "subject",
                "required",
                "a table needs either `subject` (the column with the subject's identifier) or `parent` (the table it hangs from)",
            );
            None
        }
        (Some(s), None) => {
            let mut e = ValidationErrors::new();
            let column = ident(&mut e, "column", &s.column);
            let identifier = match &s.identifier {
                None => {
                    e.add(
                        "identifier",
                        "required",
                        format!(
                            "required: one of {}",
                            <IdentifierKind as crate::vocab::Term>::expected_list()
                        ),
                    );
                    None
                }
                Some(k) => term::<IdentifierKind>(&mut e, "identifier", k),
            };
            errors.nest("subject", e);
            match (column, identifier) {
                (Some(column), Some(identifier)) => Some(Link::Subject { column, identifier }),
                _ => None,
            }
        }
        (None, Some(p)) => {
            let mut e = ValidationErrors::new();
            let table = ident(&mut e, "table", &p.table);
            let foreign_key = ident(&mut e, "foreign_key", &p.foreign_key);
            let parent_doc = table.as_ref().and_then(|pt| {
                if Some(pt.as_str()) == t.name.as_deref() {
                    e.add("table", "cycle", "a table cannot be its own parent");
                    return None;
                }
                match index.get(pt.as_str()) {
                    Some(&k) => Some(&all[k]),
                    None => {
                        e.add(
                            "table",
                            "unknown_table",
                            format!("unknown parent table \"{pt}\": it is not among this manifest's tables"),
                        );
                        None
                    }
                }
            });
            let references = match &p.references {
                Some(_) => ident(&mut e, "references", &p.references),
                None => parent_doc
                    .and_then(|pd| pd.key.as_deref())
                    .and_then(|k| Ident::parse(k).ok()),
            };
            let ok = parent_doc.is_some();
            errors.nest("parent", e);
            match (table, foreign_key, references, ok) {
                (Some(table), Some(foreign_key), Some(references), true) => Some(Link::Parent {
                    table,
                    foreign_key,
                    references,
                }),
                _ => None,
            }
        }
    };

    // The table's default erasure.
    let table_default = match t.erasure.as_deref() {
        None => {
            if t.reason.is_some() || t.explanation.is_some() {
                errors.add(
                    "reason",
                    "not_allowed",
                    "a reason and an explanation belong to erasure: keep",
                );
            }
            None
        }
        Some(a) => match term::<ErasureAction>(errors, "erasure", a) {
            Some(ErasureAction::DeleteRow) => {
                if t.reason.is_some() || t.explanation.is_some() {
                    errors.add(
                        "reason",
                        "not_allowed",
                        "a reason and an explanation belong to erasure: keep",
                    );
                }
                Some(ColumnErasure::DeleteRow)
            }
            Some(ErasureAction::Keep) => {
                keep_fields(errors, &t.reason, &t.explanation).map(|(reason, explanation)| {
                    ColumnErasure::Keep {
                        reason,
                        explanation,
                    }
                })
            }
            Some(other) => {
                errors.add(
                    "erasure",
                    "not_allowed",
                    format!("{other} applies to single columns; a table's erasure is delete_row or keep"),
                );
                None
            }
            None => None,
        },
    };

    // Key columns may be named without an erasure of their own.
    let mut implicit: BTreeSet<&str> = BTreeSet::new();
    if let Some(k) = &t.key {
        implicit.insert(k);
    }
    if let Some(c) = t.subject.as_ref().and_then(|s| s.column.as_deref()) {
        implicit.insert(c);
    }
    if let Some(c) = t.parent.as_ref().and_then(|p| p.foreign_key.as_deref()) {
        implicit.insert(c);
    }

    let mut columns = BTreeMap::new();
    let mut ok = true;
    for (cname, c) in &t.columns {
        let mut e = ValidationErrors::new();
        let col_ident = match Ident::parse(cname) {
            Ok(i) => Some(i),
            Err(m) => {
                errors.add(format!("columns.{cname}"), "unsafe_identifier", m);
                None
            }
        };
        let erasure = match c.erasure.as_deref() {
            None => {
                if c.mask.is_some() || c.mask_rule.is_some() {
                    e.add("mask", "not_allowed", "a mask belongs to erasure: mask");
                }
                if c.reason.is_some() || c.explanation.is_some() {
                    e.add(
                        "reason",
                        "not_allowed",
                        "a reason and an explanation belong to erasure: keep",
                    );
                }
                match &table_default {
                    Some(d) => Some(d.clone()),
                    None if implicit.contains(cname.as_str()) => Some(ColumnErasure::Unchanged),
                    None => {
                        e.add(
                            "erasure",
                            "required",
                            format!(
                                "required, here or for the whole table: one of {}",
                                <ErasureAction as crate::vocab::Term>::expected_list()
                            ),
                        );
                        None
                    }
                }
            }
            Some(a) => match term::<ErasureAction>(&mut e, "erasure", a) {
                None => None,
                Some(action) => {
                    if action != ErasureAction::Mask && (c.mask.is_some() || c.mask_rule.is_some())
                    {
                        e.add("mask", "not_allowed", "a mask belongs to erasure: mask");
                    }
                    if action != ErasureAction::Keep
                        && (c.reason.is_some() || c.explanation.is_some())
                    {
                        e.add(
                            "reason",
                            "not_allowed",
                            "a reason and an explanation belong to erasure: keep",
                        );
                    }
                    match action {
                        ErasureAction::DeleteRow => Some(ColumnErasure::DeleteRow),
                        ErasureAction::SetNull => Some(ColumnErasure::SetNull),
                        ErasureAction::Keep => keep_fields(&mut e, &c.reason, &c.explanation).map(
                            |(reason, explanation)| ColumnErasure::Keep {
                                reason,
                                explanation,
                            },
                        ),
                        ErasureAction::Mask => match (&c.mask, &c.mask_rule) {
                            (Some(_), Some(_)) => {
                                e.add(
                                    "mask",
                                    "conflict",
                                    "give either a fixed mask value or a mask_rule, not both",
                                );
                                None
                            }
                            (None, None) => {
                                e.add(
                                    "mask",
                                    "required",
                                    format!(
                                        "mask needs a fixed value (mask: \"…\") or a rule (mask_rule: one of {})",
                                        <MaskRule as crate::vocab::Term>::expected_list()
                                    ),
                                );
                                None
                            }
                            (Some(v), None) => match v {
                                serde_json::Value::String(_)
                                | serde_json::Value::Number(_)
                                | serde_json::Value::Bool(_) => Some(ColumnErasure::Mask {
                                    mask: Mask::Value(v.clone()),
                                }),
                                serde_json::Value::Null => {
                                    e.add(
                                        "mask",
                                        "invalid_value",
                                        "an empty mask is set_null: write erasure: set_null",
                                    );
                                    None
                                }
                                _ => {
                                    e.add(
                                        "mask",
                                        "wrong_type",
                                        "a mask value is a text, a number or true/false",
                                    );
                                    None
                                }
                            },
                            (None, Some(r)) => {
                                term::<MaskRule>(&mut e, "mask_rule", r).map(|rule| {
                                    ColumnErasure::Mask {
                                        mask: Mask::Rule(rule),
                                    }
                                })
                            }
                        },
                    }
                }
            },
        };
        if !e.is_empty() {
            ok = false;
        }
        errors.nest(&format!("columns.{cname}"), e);
        if let (Some(i), Some(erasure)) = (col_ident, erasure) {
            columns.insert(
                i,
                Column {
                    label: c.label.clone().filter(|l| !l.trim().is_empty()),
                    erasure,
                    provided: c.provided,
                },
            );
        } else {
            ok = false;
        }
    }

    // Columns that find or join rows cannot be emptied or masked.
    let mut key_columns: BTreeMap<&str, String> = BTreeMap::new();
    if let Some(k) = &t.key {
        key_columns.insert(k, "the table's key".into());
    }
    if let Some(c) = t.subject.as_ref().and_then(|s| s.column.as_deref()) {
        key_columns.insert(c, "the subject column".into());
    }
    if let Some(p) = &t.parent {
        if let (Some(c), Some(pt)) = (p.foreign_key.as_deref(), p.table.as_deref()) {
            key_columns.insert(c, format!("the foreign key to {pt}"));
        }
    }
    for child in all {
        if let Some(p) = &child.parent {
            if p.table.is_some() && p.table == t.name {
                if let Some(r) = p.references.as_deref().or(t.key.as_deref()) {
                    let by = child.name.as_deref().unwrap_or("another table");
                    key_columns.insert(r, format!("referred to by {by}"));
                }
            }
        }
    }
    for (col, why) in &key_columns {
        let action = match t.columns.get(*col).and_then(|c| c.erasure.as_deref()) {
            Some("set_null") => "set_null",
            Some("mask") => "mask",
            _ => continue,
        };
        errors.add(
            format!("columns.{col}.erasure"),
            "key_column",
            format!("{action} is not allowed on a key column ({why}): the rows could no longer be found or joined"),
        );
    }

    // What happens to the row as a whole, and columns that contradict it.
    let deleting: Option<&Ident> = columns
        .iter()
        .find(|(_, c)| c.erasure == ColumnErasure::DeleteRow)
        .map(|(n, _)| n);
    let rows = if matches!(table_default, Some(ColumnErasure::DeleteRow)) || deleting.is_some() {
        let because = match deleting {
            Some(n) if table_default.is_none() => format!("delete_row on column \"{n}\""),
            _ => "the table's erasure: delete_row".to_string(),
        };
        for (n, c) in &columns {
            let action = match c.erasure {
                ColumnErasure::SetNull => "set_null",
                ColumnErasure::Mask { .. } => "mask",
                ColumnErasure::Keep { .. } => "keep",
                _ => continue,
            };
            errors.add(
                format!("columns.{n}.erasure"),
                "conflict",
                format!("{action} conflicts with {because}: the whole row is deleted"),
            );
        }
        RowErasure::Delete
    } else if let Some(ColumnErasure::Keep {
        reason,
        explanation,
    }) = &table_default
    {
        RowErasure::Keep {
            reason: *reason,
            explanation: explanation.clone(),
        }
    } else {
        RowErasure::Update
    };

    match (name, key, link, ok && errors.is_empty()) {
        (Some(name), Some(key), Some(link), true) => Some(Table {
            name,
            label: t.label.clone().filter(|l| !l.trim().is_empty()),
            key,
            link,
            rows,
            columns,
            depth: 0,
        }),
        _ => None,
    }
}
