//! The subject of a request, the rows found of them, and what goes back to them: the access
//! report (RU 4:2, DSR-1) and the portability export (RU 4:6, DSR-5).
//!
//! Values are JSON: numbers, strings, `true`/`false` and `null`; dates and times are ISO 8601
//! strings and binary values base64 strings (the column's `kind` says which).

use super::manifest::Manifest;
use super::schema::ColumnKind;
use super::terms::IdentifierKind;
use crate::vocab::Term;
use crate::Lang;
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Who a request is about: the identifiers the FG verified (RU 4:11 lid 2), by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Subject {
    identifiers: BTreeMap<IdentifierKind, BTreeSet<String>>,
}

impl Subject {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an identifier. Surrounding white space is dropped, and an empty value is ignored.
    /// Values are compared exactly with what the database holds.
    pub fn with(mut self, kind: IdentifierKind, value: impl AsRef<str>) -> Self {
        self.add(kind, value);
        self
    }

    /// Adds an identifier; see [`Subject::with`].
    pub fn add(&mut self, kind: IdentifierKind, value: impl AsRef<str>) {
        let v = value.as_ref().trim();
        if !v.is_empty() {
            self.identifiers
                .entry(kind)
                .or_default()
                .insert(v.to_string());
        }
    }

    /// The values of one kind, sorted.
    pub fn values(&self, kind: IdentifierKind) -> Vec<&str> {
        self.identifiers
            .get(&kind)
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.identifiers.is_empty()
    }

    /// Every (kind, value), sorted.
    pub fn iter(&self) -> impl Iterator<Item = (IdentifierKind, &str)> {
        self.identifiers
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (*k, v.as_str())))
    }
}

/// A column of a found table, in the database's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnData {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What kind of value it holds (`bytes` values are base64).
    pub kind: ColumnKind,
    /// Whether the subject provided it (DSR-5).
    #[serde(default)]
    pub provided: bool,
}

/// The subject's rows in one table. In JSON, each row is an object of column → value in
/// the order of `columns`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableData {
    pub table: String,
    pub label: Option<String>,
    /// How the rows were found: the tables from the subject's table down to this one
    /// (`["students", "enrolments", "grades"]`).
    pub path: Vec<String>,
    pub columns: Vec<ColumnData>,
    /// One value per column, in the order of `columns`.
    pub rows: Vec<Vec<Value>>,
}

impl TableData {
    /// The position of a column.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// A row as a map of column → value.
    pub fn row_map(&self, row: &[Value]) -> BTreeMap<String, Value> {
        self.columns
            .iter()
            .zip(row)
            .map(|(c, v)| (c.name.clone(), v.clone()))
            .collect()
    }
}

#[derive(Serialize, Deserialize)]
struct TableDataRepr<R> {
    table: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    path: Vec<String>,
    columns: Vec<ColumnData>,
    rows: R,
}

struct RowsOut<'a>(&'a [ColumnData], &'a [Vec<Value>]);
struct RowOut<'a>(&'a [ColumnData], &'a [Value]);

impl Serialize for RowsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|r| RowOut(self.0, r)))
    }
}

impl Serialize for RowOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (c, v) in self.0.iter().zip(self.1) {
            m.serialize_entry(&c.name, v)?;
        }
        m.end()
    }
}

impl Serialize for TableData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TableDataRepr {
            table: self.table.clone(),
            label: self.label.clone(),
            path: self.path.clone(),
            columns: self.columns.clone(),
            rows: RowsOut(&self.columns, &self.rows),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TableData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = TableDataRepr::<Vec<serde_json::Map<String, Value>>>::deserialize(d)?;
        let mut rows = Vec::with_capacity(r.rows.len());
        for mut obj in r.rows {
            let row: Vec<Value> = r
                .columns
                .iter()
                .map(|c| obj.remove(&c.name).unwrap_or(Value::Null))
                .collect();
            if let Some(extra) = obj.keys().next() {
                return Err(D::Error::custom(format!(
                    "row has a value for \"{extra}\", which is not among the columns"
                )));
            }
            rows.push(row);
        }
        Ok(TableData {
            table: r.table,
            label: r.label,
            path: r.path,
            columns: r.columns,
            rows,
        })
    }
}

/// How a table with a subject column was searched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    pub table: String,
    pub column: String,
    pub identifier: IdentifierKind,
    /// False when the subject has no identifier of this kind, so the table (and the tables
    /// below it) could not be searched.
    pub searched: bool,
}

/// Everything found of a subject in one data store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreData {
    pub store: String,
    pub label: String,
    pub searches: Vec<Search>,
    /// Every table of the manifest, parents before children, found rows or not.
    pub tables: Vec<TableData>,
}

impl StoreData {
    pub fn table(&self, name: &str) -> Option<&TableData> {
        self.tables.iter().find(|t| t.table == name)
    }

    /// The number of rows found.
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }

    /// Only the data the subject provided (DSR-5): the columns marked `provided`, in the
    /// tables that have any.
    pub fn provided_only(&self) -> StoreData {
        StoreData {
            store: self.store.clone(),
            label: self.label.clone(),
            searches: self.searches.clone(),
            tables: self
                .tables
                .iter()
                .filter(|t| t.columns.iter().any(|c| c.provided))
                .map(|t| {
                    let keep: Vec<usize> = (0..t.columns.len())
                        .filter(|&i| t.columns[i].provided)
                        .collect();
                    TableData {
                        table: t.table.clone(),
                        label: t.label.clone(),
                        path: t.path.clone(),
                        columns: keep.iter().map(|&i| t.columns[i].clone()).collect(),
                        rows: t
                            .rows
                            .iter()
                            .map(|r| keep.iter().map(|&i| r[i].clone()).collect())
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// The searches a manifest makes for a subject: which tables with a subject column can be
/// searched with the identifiers the subject has.
pub fn searches(manifest: &Manifest, subject: &Subject) -> Vec<Search> {
    manifest
        .tables
        .iter()
        .filter_map(|t| match &t.link {
            super::manifest::Link::Subject { column, identifier } => Some(Search {
                table: t.name.to_string(),
                column: column.to_string(),
                identifier: *identifier,
                searched: !subject.values(*identifier).is_empty(),
            }),
            _ => None,
        })
        .collect()
}

/// The answer to an access request (RU 4:2): every row found of the subject in every store.
/// Its JSON is the machine-readable export; [`AccessReport::to_markdown`] the readable one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessReport {
    pub subject: Subject,
    /// When the rows were read (UTC, RFC 3339).
    pub generated_at: String,
    pub stores: Vec<StoreData>,
}

/// The answer to a portability request (RU 4:6, DSR-5): only the data the subject provided.
/// Its JSON is one export; the fulfilment crate writes each table as CSV too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortabilityExport {
    pub subject: Subject,
    pub generated_at: String,
    pub stores: Vec<StoreData>,
}

impl PortabilityExport {
    /// The export of what the subject provided, from the rows found in each store.
    pub fn from_access(report: &AccessReport) -> PortabilityExport {
        PortabilityExport {
            subject: report.subject.clone(),
            generated_at: report.generated_at.clone(),
            stores: report.stores.iter().map(StoreData::provided_only).collect(),
        }
    }
}

/// A value as one line of text: `null` as empty, strings as they are, numbers and booleans
/// as JSON. For reports and CSV.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

impl AccessReport {
    /// The report as Markdown for the subject to read: per store and table, the rows in a
    /// table with the columns' labels, and which searches could not be made.
    pub fn to_markdown(&self, lang: Lang) -> String {
        let t = |nl: &'static str, en: &'static str| if lang == Lang::Nl { nl } else { en };
        let mut out = String::new();
        out.push_str(&format!(
            "# {}\n\n",
            t("Inzage in persoonsgegevens", "Access to personal data")
        ));
        out.push_str(&format!(
            "{}: {}\n\n",
            t("Opgesteld op", "Generated at"),
            self.generated_at
        ));
        out.push_str(&format!("{}:\n\n", t("Gezocht op", "Searched for")));
        for (kind, value) in self.subject.iter() {
            out.push_str(&format!("- {}: {}\n", kind.label(lang), md_cell(value)));
        }
        out.push('\n');
        for store in &self.stores {
            out.push_str(&format!("## {}\n\n", md_cell(&store.label)));
            for s in store.searches.iter().filter(|s| !s.searched) {
                out.push_str(&format!(
                    "{} `{}`: {} ({}).\n\n",
                    t("Niet doorzocht", "Not searched"),
                    s.table,
                    t(
                        "geen identificatie van deze soort opgegeven",
                        "no identifier of this kind was given"
                    ),
                    s.identifier.label(lang)
                ));
            }
            let found: Vec<&TableData> =
                store.tables.iter().filter(|t| !t.rows.is_empty()).collect();
            if found.is_empty() {
                out.push_str(&format!(
                    "{}\n\n",
                    t("Geen gegevens gevonden.", "No data found.")
                ));
            }
            for table in found {
                out.push_str(&format!(
                    "### {} ({} {})\n\n",
                    md_cell(table.label.as_deref().unwrap_or(&table.table)),
                    table.rows.len(),
                    if table.rows.len() == 1 {
                        t("rij", "row")
                    } else {
                        t("rijen", "rows")
                    }
                ));
                let heads: Vec<String> = table
                    .columns
                    .iter()
                    .map(|c| md_cell(c.label.as_deref().unwrap_or(&c.name)))
                    .collect();
                out.push_str(&format!("| {} |\n", heads.join(" | ")));
                out.push_str(&format!("|{}\n", "---|".repeat(heads.len())));
                for row in &table.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .zip(&table.columns)
                        .map(|(v, c)| match (c.kind, v) {
                            (ColumnKind::Bytes, Value::String(b)) => {
                                format!("({} {} base64)", t("binair,", "binary,"), b.len())
                            }
                            _ => md_cell(&display_value(v)),
                        })
                        .collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
                out.push('\n');
            }
        }
        out
    }
}
