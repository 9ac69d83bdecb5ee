//! The D1 database, reached through `wrangler d1 execute`, which runs every statement
//! of one call as one batch: all of them take effect or none do.

use crate::failure::Failure;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A result row: column name to value.
pub type Row = Map<String, Value>;

/// The binding in wrangler.toml.
const BINDING: &str = "DB";
/// Below Linux's limit on one command-line argument (128 KiB): the SQL goes to
/// wrangler as `--command`.
const MAX_SQL_BYTES: usize = 100_000;

/// Which copy of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The local database of `wrangler dev`, in wrangler's default state directory
    /// or in `persist_to`.
    Local { persist_to: Option<PathBuf> },
    /// The database on Cloudflare named in wrangler.toml.
    Remote,
}

/// A way to run SQL on one D1 database.
#[derive(Debug, Clone)]
pub struct D1 {
    root: PathBuf,
    target: Target,
}

impl D1 {
    /// Finds the repository root (the nearest directory, from `start` up, that holds
    /// wrangler.toml): wrangler reads its configuration and resolves its default
    /// local state there, so the CLI meets the same database as `wrangler dev`.
    pub fn find(start: &Path, target: Target) -> Result<D1, Failure> {
        let root = start
            .ancestors()
            .find(|dir| dir.join("wrangler.toml").is_file())
            .ok_or_else(|| {
                Failure::Runtime(format!(
                    "no wrangler.toml in {} or any directory above it; run contact-admin inside the repository",
                    start.display()
                ))
            })?;
        // wrangler runs in the root, so a relative state directory is made absolute
        // against the directory the user typed it in.
        let target = match target {
            Target::Local {
                persist_to: Some(dir),
            } if dir.is_relative() => Target::Local {
                persist_to: Some(start.join(dir)),
            },
            other => other,
        };
        Ok(D1 {
            root: root.to_path_buf(),
            target,
        })
    }

    /// Runs the statements of `sql` as one batch and answers the rows of each
    /// statement, in order.
    ///
    /// A local database that another process (`wrangler dev`, another
    /// contact-admin) holds locked fails the whole batch with SQLITE_BUSY before
    /// anything is written, so the batch is tried again a few times. Were a retry
    /// ever to follow a write that did happen, it would still not write twice:
    /// inserts carry ids made here (a second one fails on the primary key) and
    /// updates set a state rather than change one.
    pub fn execute(&self, sql: &str) -> Result<Vec<Vec<Row>>, Failure> {
        if sql.len() > MAX_SQL_BYTES {
            return Err(Failure::Input(format!(
                "the input is too large to send to the database ({} bytes of SQL, at most {MAX_SQL_BYTES})",
                sql.len()
            )));
        }
        let wrangler = self.root.join("node_modules/.bin/wrangler");
        if !wrangler.is_file() {
            return Err(Failure::Runtime(format!(
                "wrangler is not installed at {}; run `npm install` in {}",
                wrangler.display(),
                self.root.display()
            )));
        }
        let mut pause = Duration::from_millis(250);
        for _ in 1..BUSY_ATTEMPTS {
            match self.execute_once(sql) {
                Err(Attempt::Busy) => {
                    std::thread::sleep(pause);
                    pause *= 2;
                }
                other => return other.map_err(Attempt::into_failure),
            }
        }
        self.execute_once(sql).map_err(Attempt::into_failure)
    }

    fn execute_once(&self, sql: &str) -> Result<Vec<Vec<Row>>, Attempt> {
        let wrangler = self.root.join("node_modules/.bin/wrangler");
        let mut command = Command::new(&wrangler);
        command
            .current_dir(&self.root)
            .args(["d1", "execute", BINDING, "--json"])
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdin(Stdio::null());
        match &self.target {
            Target::Local { persist_to } => {
                command.arg("--local");
                if let Some(dir) = persist_to {
                    command.arg("--persist-to").arg(dir);
                }
            }
            Target::Remote => {
                command.arg("--remote");
            }
        }
        command.arg("--command").arg(sql);
        let output = command.output().map_err(|e| {
            Attempt::Failed(Failure::Runtime(format!(
                "cannot run {}: {e}",
                wrangler.display()
            )))
        })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let parsed = parse_json(&stdout);
        if !output.status.success() {
            if is_busy(&stdout) || is_busy(&stderr) {
                return Err(Attempt::Busy);
            }
            return Err(Attempt::Failed(Failure::Runtime(failure_message(
                parsed.as_ref(),
                &stderr,
                output.status.code(),
            ))));
        }
        let Some(parsed) = parsed else {
            return Err(Attempt::Failed(Failure::Runtime(format!(
                "wrangler d1 execute answered something other than JSON: {}",
                last_line(&stdout).unwrap_or("(nothing)")
            ))));
        };
        results(&parsed).map_err(Attempt::Failed)
    }
}

/// How often a batch is tried while the database is locked (about 4 s in all).
const BUSY_ATTEMPTS: usize = 5;

/// One try's failure.
enum Attempt {
    /// The database was locked; nothing was written.
    Busy,
    Failed(Failure),
}

impl Attempt {
    fn into_failure(self) -> Failure {
        match self {
            Attempt::Busy => Failure::Runtime(
                "the database is locked by another process (a `wrangler dev` or another contact-admin using the same state); nothing was written, try again"
                    .into(),
            ),
            Attempt::Failed(failure) => failure,
        }
    }
}

/// SQLite's "database is locked", which local D1 reports on stderr while its
/// JSON answer says only "internal error".
fn is_busy(text: &str) -> bool {
    text.contains("SQLITE_BUSY") || text.contains("database is locked")
}

/// wrangler may put a line of its own before the JSON, so the JSON is taken from
/// the first line that opens an array or an object.
fn parse_json(stdout: &str) -> Option<Value> {
    let start = stdout
        .lines()
        .scan(0usize, |offset, line| {
            let here = *offset;
            *offset += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.starts_with('[') || line.starts_with('{'))
        .map(|(offset, _)| offset)?;
    serde_json::from_str(stdout.get(start..)?).ok()
}

/// The rows of each statement from wrangler's `[{"results": [...], "success": true,
/// "meta": {...}}, ...]`.
fn results(parsed: &Value) -> Result<Vec<Vec<Row>>, Failure> {
    let unexpected =
        || Failure::Runtime("wrangler d1 execute answered JSON of an unexpected shape".into());
    let statements = parsed.as_array().ok_or_else(unexpected)?;
    statements
        .iter()
        .map(|statement| {
            if statement.get("success") == Some(&Value::Bool(false)) {
                return Err(Failure::Runtime(
                    "the database reported a failed statement".into(),
                ));
            }
            statement
                .get("results")
                .and_then(Value::as_array)
                .ok_or_else(unexpected)?
                .iter()
                .map(|row| row.as_object().cloned().ok_or_else(unexpected))
                .collect()
        })
        .collect()
}

/// A failed call's message: wrangler's `{"error": {"text": …}}` if it gave one,
/// else the last line it wrote to stderr.
fn failure_message(parsed: Option<&Value>, stderr: &str, code: Option<i32>) -> String {
    let text = parsed
        .and_then(|v| v.pointer("/error/text"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| last_line(stderr).map(str::to_string))
        .unwrap_or_else(|| match code {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".into(),
        });
    let hint = if text.contains("no such table") {
        "; has the schema been applied? (`wrangler d1 migrations apply DB --local`, with the same --persist-to)"
    } else {
        ""
    };
    format!("wrangler d1 execute failed: {text}{hint}")
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rfind(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_results_after_a_stray_line() {
        let stdout = "some notice\n[\n {\"results\": [{\"n\": 1}], \"success\": true, \"meta\": {}},\n {\"results\": [], \"success\": true, \"meta\": {}}\n]\n";
        let parsed = parse_json(stdout).unwrap();
        let rows = results(&parsed).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0]["n"], json!(1));
        assert!(rows[1].is_empty());
    }

    #[test]
    fn error_text_is_reported() {
        let parsed =
            parse_json("\n{\"error\": {\"text\": \"no such table: organizations\"}}").unwrap();
        let message = failure_message(Some(&parsed), "", Some(1));
        assert!(message.starts_with("wrangler d1 execute failed: no such table: organizations;"));
        assert!(message.contains("migrations apply"));
        assert_eq!(
            failure_message(None, "x\n✘ [ERROR] boom\n\n", Some(1)),
            "wrangler d1 execute failed: ✘ [ERROR] boom"
        );
    }

    #[test]
    fn finds_the_root_and_absolutizes_the_state_directory() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let d1 = D1::find(
            here,
            Target::Local {
                persist_to: Some("state".into()),
            },
        )
        .unwrap();
        assert!(d1.root.join("wrangler.toml").is_file());
        assert_eq!(
            d1.target,
            Target::Local {
                persist_to: Some(here.join("state"))
            }
        );
    }
}
