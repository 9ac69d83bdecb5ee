//! Rejected rows and the tally of an import: the report file (one JSON line per
//! rejected row) and the summary printed at the end.

use contact_core::Failure;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

/// The code of a row that cannot be read as an item (see [`crate::input`]).
pub const INVALID_ROW: &str = "INVALID_ROW";

/// One problem of a rejected row, its path inside the item (`contact.primaryEmail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportProblem {
    pub path: String,
    pub code: String,
    pub message: String,
}

/// Why a row was not written: the server's code (or the local check's, the same
/// codes), its message, and the problems with their paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: String,
    pub message: String,
    pub errors: Vec<ReportProblem>,
}

impl Rejection {
    /// A row that cannot be read as an item.
    pub fn row(message: String) -> Self {
        Rejection {
            code: INVALID_ROW.into(),
            message,
            errors: Vec::new(),
        }
    }

    /// The core's verdict on an item.
    pub fn from_failure(failure: &Failure) -> Self {
        Rejection {
            code: failure.code.as_str().into(),
            message: failure.message.clone(),
            errors: failure
                .problems
                .iter()
                .map(|p| ReportProblem {
                    path: p.path.clone(),
                    code: p.code.as_str().into(),
                    message: p.message.clone(),
                })
                .collect(),
        }
    }

    /// An error body of the API (`{"code", "message", "errors": [{path, code, message}]}`)
    /// for the item at `index` of its batch: `items[index].` is taken off the paths
    /// and the message, and problems of other items are left out.
    pub fn from_body(body: &Value, index: usize) -> Self {
        let text = |v: &Value, key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let own = format!("items[{index}]");
        let errors = body
            .get("errors")
            .and_then(Value::as_array)
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| {
                        let path = text(e, "path");
                        let path = match path.strip_prefix(&own) {
                            Some(rest) => rest.strip_prefix('.').unwrap_or(rest).to_string(),
                            None if path.starts_with("items[") => return None,
                            None => path,
                        };
                        Some(ReportProblem {
                            path,
                            code: text(e, "code"),
                            message: text(e, "message"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let code = text(body, "code");
        Rejection {
            code: if code.is_empty() {
                "UNKNOWN_ERROR".into()
            } else {
                code
            },
            message: text(body, "message").replace(&format!("{own}."), ""),
            errors,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub row: u64,
    pub code: String,
    pub message: String,
    pub errors: Vec<ReportProblem>,
}

/// Writes report lines as they are decided, in row order.
pub struct Report<W: Write> {
    out: W,
}

impl<W: Write> Report<W> {
    pub fn new(out: W) -> Self {
        Report { out }
    }

    pub fn write(&mut self, row: u64, rejection: &Rejection) -> std::io::Result<()> {
        let line = ReportLine {
            row,
            code: rejection.code.clone(),
            message: rejection.message.clone(),
            errors: rejection.errors.clone(),
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows read; when the import stopped, the rows decided before it stopped.
    pub rows: u64,
    /// Rows written, by the server's `action` (`created`, `updated`).
    pub written: BTreeMap<String, u64>,
    /// Rows rejected, by code.
    pub failed: BTreeMap<String, u64>,
    /// Batches answered, and of those how many the server replayed.
    pub batches: u64,
    pub replayed: u64,
}

impl Summary {
    pub fn created(&self) -> u64 {
        self.written.get("created").copied().unwrap_or(0)
    }

    pub fn updated(&self) -> u64 {
        self.written.get("updated").copied().unwrap_or(0)
    }

    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    pub fn fail(&mut self, code: &str) {
        *self.failed.entry(code.to_string()).or_default() += 1;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rows: {}", self.rows)?;
        writeln!(f, "created: {}", self.created())?;
        writeln!(f, "updated: {}", self.updated())?;
        for (action, n) in &self.written {
            if action != "created" && action != "updated" {
                writeln!(f, "{action}: {n}")?;
            }
        }
        writeln!(f, "failed: {}", self.failed_total())?;
        for (code, n) in &self.failed {
            writeln!(f, "failed {code}: {n}")?;
        }
        write!(f, "batches: {} (replayed: {})", self.batches, self.replayed)
    }
}
