//! The import file, read one row at a time: CSV with a header row of the contract's
//! field names, or JSON Lines of items `{"contact": {…}, "entity": {…}}`.
//!
//! A row that cannot be read as an item (a CSV row with the wrong number of cells,
//! bytes that are not UTF-8, a line that is not a JSON object) is a [`Rejection`] of
//! that row, not of the file: the rest is imported and the report names the row.

use crate::report::Rejection;
use contact_core::custom::{self, Definitions};
use contact_core::fields::{self, Rule};
use contact_core::{check_field, Problem, ProblemCode};
use serde_json::{Map, Number, Value};
use std::io::{BufRead, Read};
use std::path::Path;

/// The longest JSON Lines line read, in bytes: a batch body holds at most 1 MiB, so
/// no longer item could be sent.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// The two formats, told apart by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// `.csv` is CSV; `.jsonl` and `.ndjson` are JSON Lines (any letter case).
    pub fn of(path: &Path) -> Result<Format, String> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
            _ => Err(format!(
                "{}: the file's extension must be .csv, .jsonl or .ndjson",
                path.display()
            )),
        }
    }
}

/// One data row: its 1-based number and the item read from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// CSV: the line the row starts on, less the header's; JSON Lines: the line.
    pub number: u64,
    pub read: Result<Item, Rejection>,
}

/// An item as read, before the core's checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// `{"contact": {…}, "entity": {…}?}`, as it is sent.
    pub value: Map<String, Value>,
    /// Problems found while turning cells into values (a `:number` cell that is not a
    /// number): the core's checks add theirs to these.
    pub problems: Vec<Problem>,
}

/// How a `customFields.<tag>` cell becomes a JSON value, from the column's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// No suffix: the cell is a string (text, date and select fields).
    Text,
    /// `:number`: a JSON number.
    Number,
    /// `:boolean`: `true` or `false`, in any letter case.
    Boolean,
    /// `:list`: strings split on `;` (multiselect fields).
    List,
}

impl CellKind {
    const SUFFIXES: [(&'static str, CellKind); 3] = [
        ("number", CellKind::Number),
        ("boolean", CellKind::Boolean),
        ("list", CellKind::List),
    ];
}

/// What one CSV column fills in an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A contact field other than `tags` and `customFields`.
    Contact(&'static str),
    /// `tags`: split on `;`.
    Tags,
    /// `customFields.<tag>[:number|:boolean|:list]`.
    Custom { tag: String, kind: CellKind },
    /// `entity.<field>`.
    Entity(&'static str),
}

/// Reads a header cell. An unknown name is refused with the core's "did you mean …?".
pub fn column(name: &str) -> Result<Column, String> {
    if let Some(rest) = name.strip_prefix("customFields.") {
        let (tag, kind) = match rest.split_once(':') {
            None => (rest, CellKind::Text),
            Some((tag, suffix)) => {
                let kind = CellKind::SUFFIXES
                    .iter()
                    .find(|(s, _)| *s == suffix)
                    .map(|(_, k)| *k)
                    .ok_or_else(|| {
                        format!(
                            "column {name:?}: unknown type {suffix:?}; a custom field column ends in :number, :boolean or :list, or in nothing for text, date and select fields"
                        )
                    })?;
                (tag, kind)
            }
        };
        if !custom::is_tag(tag) {
            return Err(format!(
                "column {name:?}: {tag:?} is not a custom field tag (lower-case letters, digits and _, starting with a letter, at most 64)"
            ));
        }
        return Ok(Column::Custom {
            tag: tag.to_string(),
            kind,
        });
    }
    if let Some(rest) = name.strip_prefix("entity.") {
        return match fields::entity_field(rest) {
            Some(field) => Ok(Column::Entity(field.name)),
            None => Err(unknown_column(name)),
        };
    }
    match fields::contact_field(name) {
        Some(field) if field.rule == Rule::Tags => Ok(Column::Tags),
        Some(field) if field.rule == Rule::CustomFields => Err(format!(
            "column {name:?}: custom fields are one column each, named customFields.<tag>"
        )),
        Some(field) => Ok(Column::Contact(field.name)),
        None => Err(unknown_column(name)),
    }
}

/// The refusal of an unknown column, with the name the core's suggestion finds.
fn unknown_column(name: &str) -> String {
    let suggestion = suggest(name);
    match suggestion {
        Some(known) => format!("unknown column {name:?}; did you mean {known}?"),
        None => format!(
            "unknown column {name:?}; columns are contact fields (firstName, primaryEmail, …), tags, customFields.<tag> and entity.<field>"
        ),
    }
}

/// A known column close to `name`: the core's suggestion for an unknown field
/// (`first_name` → `firstName`), or the same name with its prefix written right
/// (`Entity.name` → `entity.name`), or an entity field named without its prefix.
fn suggest(name: &str) -> Option<String> {
    let known = |candidate: &str| column(candidate).is_ok();
    let (prefix, rest) = match name.split_once('.') {
        Some((p, rest)) if p.eq_ignore_ascii_case("entity") => ("entity.", rest),
        Some((p, rest)) if fold(p) == "customfields" => ("customFields.", rest),
        _ => ("", name),
    };
    let fixed = format!("{prefix}{rest}");
    if fixed != name && known(&fixed) {
        return Some(fixed);
    }
    // The core answers an unknown field with "unknown field x; did you mean y?".
    let lookup = if prefix == "entity." {
        fixed.clone()
    } else {
        rest.to_string()
    };
    let problems = check_field(&lookup, &Value::String("x".into()), &Definitions::default());
    let closest = problems
        .iter()
        .filter(|p| p.code == ProblemCode::UnknownField)
        .find_map(|p| p.message.split_once("; did you mean "))
        .map(|(_, s)| s.trim_end_matches('?').to_string());
    if let Some(closest) = closest {
        let candidate = format!("{prefix}{closest}");
        if known(&candidate) {
            return Some(candidate);
        }
    }
    if prefix.is_empty() && fields::entity_field(name).is_some() {
        return Some(format!("entity.{name}"));
    }
    None
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits a `;`-separated cell, dropping pieces that are empty once trimmed.
fn list(cell: &str) -> Vec<Value> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_string()))
        .collect()
}

/// A source of rows.
pub trait Rows {
    /// The next row, `None` at the end; `Err` when the file cannot be read further.
    fn next_row(&mut self) -> Result<Option<Row>, String>;
}

/// CSV rows against a checked header.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    columns: Vec<Column>,
    record: csv::ByteRecord,
}

impl<R: Read> CsvRows<R> {
    /// Reads and checks the header: every column known, none twice.
    pub fn new(input: R) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|e| format!("cannot read the header row: {e}"))?
            .clone();
        if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
            return Err("the file has no header row".into());
        }
        let mut columns: Vec<Column> = Vec::with_capacity(header.len());
        for (i, cell) in header.iter().enumerate() {
            let name = std::str::from_utf8(cell)
                .map_err(|_| format!("header column {} is not UTF-8", i + 1))?
                .trim();
            let read = column(name)?;
            let same = |c: &Column| match (c, &read) {
                (Column::Custom { tag: a, .. }, Column::Custom { tag: b, .. }) => a == b,
                (a, b) => a == b,
            };
            if columns.iter().any(same) {
                return Err(format!("column {name:?} appears twice in the header"));
            }
            columns.push(read);
        }
        Ok(CsvRows {
            reader,
            columns,
            record: csv::ByteRecord::new(),
        })
    }

    /// The header, read.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn item(&self) -> Result<Item, Rejection> {
        if self.record.len() != self.columns.len() {
            return Err(Rejection::row(format!(
                "the row has {} cells; the header has {}",
                self.record.len(),
                self.columns.len()
            )));
        }
        let mut contact = Map::new();
        let mut custom_fields = Map::new();
        let mut entity = Map::new();
        let mut problems = Vec::new();
        for (i, (column, cell)) in self.columns.iter().zip(self.record.iter()).enumerate() {
            let cell = std::str::from_utf8(cell)
                .map_err(|_| Rejection::row(format!("cell {} is not UTF-8", i + 1)))?;
            if cell.trim().is_empty() {
                continue;
            }
            match column {
                Column::Contact(name) => {
                    contact.insert((*name).to_string(), Value::String(cell.to_string()));
                }
                Column::Entity(name) => {
                    entity.insert((*name).to_string(), Value::String(cell.to_string()));
                }
                Column::Tags => {
                    let tags = list(cell);
                    if !tags.is_empty() {
                        contact.insert("tags".into(), Value::Array(tags));
                    }
                }
                Column::Custom { tag, kind } => {
                    let value = match kind {
                        CellKind::Text => Ok(Value::String(cell.to_string())),
                        CellKind::Number => cell
                            .trim()
                            .parse::<Number>()
                            .map(Value::Number)
                            .map_err(|_| "must be a number"),
                        CellKind::Boolean => match cell.trim().to_ascii_lowercase().as_str() {
                            "true" => Ok(Value::Bool(true)),
                            "false" => Ok(Value::Bool(false)),
                            _ => Err("must be true or false"),
                        },
                        CellKind::List => Ok(Value::Array(list(cell))),
                    };
                    match value {
                        Ok(value) => {
                            custom_fields.insert(tag.clone(), value);
                        }
                        Err(message) => problems.push(Problem::custom(
                            format!("contact.customFields.{tag}"),
                            ProblemCode::InvalidType,
                            message,
                        )),
                    }
                }
            }
        }
        if !custom_fields.is_empty() {
            contact.insert("customFields".into(), Value::Object(custom_fields));
        }
        let mut value = Map::new();
        value.insert("contact".into(), Value::Object(contact));
        if !entity.is_empty() {
            value.insert("entity".into(), Value::Object(entity));
        }
        Ok(Item { value, problems })
    }
}

impl<R: Read> Rows for CsvRows<R> {
    fn next_row(&mut self) -> Result<Option<Row>, String> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| format!("cannot read the file: {e}"))?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        Ok(Some(Row {
            number: line.saturating_sub(1),
            read: self.item(),
        }))
    }
}

/// JSON Lines rows; blank lines are skipped but counted.
pub struct JsonRows<R: BufRead> {
    reader: R,
    line: Vec<u8>,
    number: u64,
}

impl<R: BufRead> JsonRows<R> {
    pub fn new(reader: R) -> Self {
        JsonRows {
            reader,
            line: Vec::new(),
            number: 0,
        }
    }

    /// Skips the rest of a line longer than [`MAX_LINE_BYTES`].
    fn skip_line(&mut self) -> std::io::Result<()> {
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                return Ok(());
            }
            match buffer.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.reader.consume(end + 1);
                    return Ok(());
                }
                None => {
                    let len = buffer.len();
                    self.reader.consume(len);
                }
            }
        }
    }
}

impl<R: BufRead> Rows for JsonRows<R> {
    fn next_row(&mut self) -> Result<Option<Row>, String> {
        let unreadable = |e: std::io::Error| format!("cannot read the file: {e}");
        loop {
            self.line.clear();
            let read = (&mut self.reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut self.line)
                .map_err(unreadable)?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if self.line.len() > MAX_LINE_BYTES && self.line.last() != Some(&b'\n') {
                self.skip_line().map_err(unreadable)?;
                return Ok(Some(Row {
                    number: self.number,
                    read: Err(Rejection::row(format!(
                        "the line is longer than {MAX_LINE_BYTES} bytes"
                    ))),
                }));
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(Row {
                number: self.number,
                read: json_item(&self.line),
            }));
        }
    }
}

/// One JSON Lines line as an item: an object with `contact` and perhaps `entity`.
fn json_item(line: &[u8]) -> Result<Item, Rejection> {
    let text =
        std::str::from_utf8(line).map_err(|_| Rejection::row("the line is not UTF-8".into()))?;
    // The core's parser: a key named twice is refused as the server refuses it.
    let value = contact_core::json::from_str(text).map_err(|e| Rejection {
        code: "INVALID_JSON".into(),
        message: format!("the line is not valid JSON: {e}"),
        errors: Vec::new(),
    })?;
    let Value::Object(value) = value else {
        return Err(Rejection::row(
            "the line must be a JSON object {\"contact\": {…}, \"entity\": {…}}".into(),
        ));
    };
    let problems = value
        .keys()
        .filter(|k| *k != "contact" && *k != "entity")
        .map(|k| {
            Problem::new(
                contact_core::validate::problem::echo(k),
                ProblemCode::UnknownField,
                format!(
                    "unknown field {}; an item has only contact and entity",
                    contact_core::validate::problem::echo(k)
                ),
            )
        })
        .collect();
    Ok(Item { value, problems })
}
