//! The import command of the contact upsert API: a CSV or JSON Lines file of
//! contacts, checked locally with the core, sent in batches of up to 100 to the
//! batch endpoint, each with an idempotency key derived from the file, so that a
//! rerun after a crash replays the batches already written and sends the rest.
//!
//! - [`input`]: the file, one row at a time.
//! - [`check`]: the core's checks on each item before it is sent.
//! - [`client`]: one batch over HTTP, with retries.
//! - [`report`]: the rejected rows and the summary.
//!
//! Memory stays bounded whatever the file's size: one batch of items, the rejected
//! rows waiting behind it (at most [`MAX_WAITING_REJECTIONS`]) and the counters.

pub mod check;
pub mod client;
pub mod input;
pub mod progress;
pub mod report;

use check::Options;
use client::{Answer, Client, ItemResult, Retry};
use input::{CsvRows, Format, JsonRows, Rows};
use progress::Progress;
use report::{Rejection, Report, Summary};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

/// The most items in one batch: the endpoint's limit.
pub const MAX_ITEMS: usize = 100;

/// The most bytes of items in one batch body: the endpoint takes 1 MiB, less room
/// for the credentials and options around the items.
pub const MAX_ITEMS_BYTES: usize = 1024 * 1024 - 8 * 1024;

/// Rejected rows held back so that the report stays in row order; with this many
/// waiting, the batch in front of them is sent even if it is not full.
pub const MAX_WAITING_REJECTIONS: usize = 1000;

/// The credentials, from the environment. Never printed: `Debug` hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub api_key: String,
    pub developer_secret: String,
    pub org_id: String,
    pub member_id: String,
}

impl Credentials {
    /// The environment variables, in the order they are read.
    pub const VARIABLES: [&'static str; 4] = [
        "ZYNTRO_API_KEY",
        "ZYNTRO_DEVELOPER_SECRET",
        "ZYNTRO_ORG_ID",
        "ZYNTRO_MEMBER_ID",
    ];

    /// Reads the four variables with `get`; a missing or empty one is named.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut values = Vec::with_capacity(4);
        for name in Self::VARIABLES {
            match get(name) {
                Some(v) if !v.trim().is_empty() => values.push(v),
                Some(_) => return Err(format!("{name} is empty")),
                None => return Err(format!("{name} is not set")),
            }
        }
        let [api_key, developer_secret, org_id, member_id] =
            <[String; 4]>::try_from(values).map_err(|_| "credentials".to_string())?;
        Ok(Credentials {
            api_key,
            developer_secret,
            org_id,
            member_id,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { … }")
    }
}

/// One import.
#[derive(Debug, Clone)]
pub struct Import {
    pub url: String,
    pub file: PathBuf,
    /// Default: the file's path with `.rejected.jsonl` added.
    pub report: Option<PathBuf>,
    pub options: Options,
}

impl Import {
    pub fn report_path(&self) -> PathBuf {
        self.report.clone().unwrap_or_else(|| {
            let mut name = self.file.clone().into_os_string();
            name.push(".rejected.jsonl");
            PathBuf::from(name)
        })
    }
}

/// Why an import could not start or could not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fatal {
    /// Before anything was sent: a bad argument, an unreadable file, a bad header.
    Usage(String),
    /// The server refused what every batch would send (the credentials): the
    /// import stopped; the summary counts what was done before.
    Stopped {
        reason: Box<Rejection>,
        summary: Box<Summary>,
    },
    /// The file or the report could not be read or written any further.
    Io {
        message: String,
        summary: Box<Summary>,
    },
}

/// The file's digest with the options, and its line count (for the progress).
pub struct FileDigest {
    /// The first 32 hex digits of SHA-256 over the file's bytes and the options.
    pub hex: String,
    pub lines: u64,
}

/// Reads the whole file once: its digest and line count.
pub fn digest(path: &Path, options: Options) -> std::io::Result<FileDigest> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut lines = 0u64;
    let mut last = b'\n';
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        lines += buffer[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        last = buffer[n - 1];
    }
    if last != b'\n' {
        lines += 1;
    }
    // The same file with another mode or lookup is another request body: it needs
    // other keys, or the server would answer IDEMPOTENCY_KEY_REUSED.
    let sent = Value::Object(options.to_json()).to_string();
    hasher.update(b"\0");
    hasher.update(sent.as_bytes());
    let hash = hasher.finalize();
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(FileDigest { hex, lines })
}

/// The idempotency key of batch `index` (from 0) of a file: the same on every run
/// of the same file with the same options, different for every batch.
pub fn idempotency_key(digest_hex: &str, index: u64) -> String {
    format!("import-{digest_hex}-{index}")
}

/// Runs an import. `progress` is built from the file's line count.
pub fn run(
    import: &Import,
    credentials: &Credentials,
    retry: Retry,
    progress: impl FnOnce(u64) -> Progress,
) -> Result<Summary, Fatal> {
    let format = Format::of(&import.file).map_err(Fatal::Usage)?;
    if !(import.url.starts_with("http://") || import.url.starts_with("https://")) {
        return Err(Fatal::Usage(format!(
            "--url {:?} must start with http:// or https://",
            import.url
        )));
    }
    let unreadable =
        |e: std::io::Error| Fatal::Usage(format!("cannot read {}: {e}", import.file.display()));
    let digest = digest(&import.file, import.options).map_err(unreadable)?;
    let file = BufReader::with_capacity(64 * 1024, File::open(&import.file).map_err(unreadable)?);
    let (mut rows, estimate): (Box<dyn Rows>, u64) = match format {
        Format::Csv => {
            let rows = CsvRows::new(file)
                .map_err(|e| Fatal::Usage(format!("{}: {e}", import.file.display())))?;
            (Box::new(rows), digest.lines.saturating_sub(1))
        }
        Format::JsonLines => (Box::new(JsonRows::new(file)), digest.lines),
    };
    let report_path = import.report_path();
    let report_file = File::create(&report_path).map_err(|e| {
        Fatal::Usage(format!(
            "cannot write the report {}: {e}",
            report_path.display()
        ))
    })?;
    let mut run = Run {
        client: Client::new(&import.url, retry),
        prefix: body_prefix(credentials, import.options),
        digest: digest.hex,
        report: Report::new(BufWriter::new(report_file)),
        progress: progress(estimate),
        summary: Summary::default(),
        batch: Vec::new(),
        batch_bytes: 0,
        waiting: Vec::new(),
    };
    let outcome = run.all(rows.as_mut(), import.options);
    run.progress.finish();
    let summary = Box::new(run.summary.clone());
    let written = run.report.finish();
    match (outcome, written) {
        (Ok(()), Ok(_)) => Ok(*summary),
        (Err(Step::Stop(reason)), _) => Err(Fatal::Stopped {
            reason: Box::new(reason),
            summary,
        }),
        (Err(Step::Io(message)), _) => Err(Fatal::Io { message, summary }),
        (Ok(()), Err(e)) => Err(Fatal::Io {
            message: format!("cannot write the report {}: {e}", report_path.display()),
            summary,
        }),
    }
}

/// The body up to the items: the credentials and the options, as JSON text.
fn body_prefix(credentials: &Credentials, options: Options) -> String {
    let mut body = options.to_json();
    body.insert("api_key".into(), credentials.api_key.clone().into());
    body.insert(
        "developer_secret".into(),
        credentials.developer_secret.clone().into(),
    );
    body.insert("org_id".into(), credentials.org_id.clone().into());
    body.insert("member_id".into(), credentials.member_id.clone().into());
    let text = Value::Object(body).to_string();
    // `{…}` less its closing brace, ready for `,"items":[…]}`.
    text[..text.len() - 1].to_string()
}

enum Step {
    Stop(Rejection),
    Io(String),
}

struct Run {
    client: Client,
    prefix: String,
    digest: String,
    report: Report<BufWriter<File>>,
    progress: Progress,
    summary: Summary,
    /// The rows of the batch being filled and their items' JSON text.
    batch: Vec<(u64, String)>,
    batch_bytes: usize,
    /// Rejected rows after the batch's first row, written once it is answered.
    waiting: Vec<(u64, Rejection)>,
}

impl Run {
    fn all(&mut self, rows: &mut dyn Rows, options: Options) -> Result<(), Step> {
        while let Some(row) = rows.next_row().map_err(Step::Io)? {
            self.summary.rows += 1;
            let checked = row.read.and_then(|item| check::check(&item, options));
            match checked {
                Ok(item) => {
                    let full = self.batch.len() == MAX_ITEMS
                        || self.batch_bytes + item.len() + 1 > MAX_ITEMS_BYTES;
                    if full {
                        self.flush()?;
                    }
                    self.batch_bytes += item.len() + 1;
                    self.batch.push((row.number, item));
                }
                Err(rejection) if self.batch.is_empty() => {
                    self.reject(row.number, &rejection)?;
                    self.progress.advance(1);
                }
                Err(rejection) => {
                    self.waiting.push((row.number, rejection));
                    if self.waiting.len() >= MAX_WAITING_REJECTIONS {
                        self.flush()?;
                    }
                }
            }
        }
        self.flush()
    }

    fn reject(&mut self, row: u64, rejection: &Rejection) -> Result<(), Step> {
        self.summary.fail(&rejection.code);
        self.report
            .write(row, rejection)
            .map_err(|e| Step::Io(format!("cannot write the report: {e}")))
    }

    /// Sends the batch and writes its rejected rows with those waiting, in row order.
    fn flush(&mut self) -> Result<(), Step> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let index = self.summary.batches;
        let key = idempotency_key(&self.digest, index);
        let mut body = String::with_capacity(self.prefix.len() + self.batch_bytes + 16);
        body.push_str(&self.prefix);
        body.push_str(",\"items\":[");
        for (i, (_, item)) in self.batch.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(item);
        }
        body.push_str("]}");
        let progress = &self.progress;
        let answer = self
            .client
            .send(&body, &key, &mut |note| progress.note(&note));
        drop(body);
        let rows: Vec<u64> = self.batch.iter().map(|(row, _)| *row).collect();
        self.batch.clear();
        self.batch_bytes = 0;
        let mut decided: Vec<(u64, Option<Rejection>)> = match answer {
            // The report holds the rows before this batch: every one after it is undecided.
            Answer::Stop(reason) => {
                self.summary.rows =
                    self.summary.written.values().sum::<u64>() + self.summary.failed_total();
                return Err(Step::Stop(reason));
            }
            Answer::Results { results, replayed } => {
                self.summary.batches += 1;
                self.summary.replayed += u64::from(replayed);
                let mut results = results.into_iter();
                rows.iter()
                    .map(|&row| match results.next() {
                        Some(ItemResult::Written(action)) => {
                            *self.summary.written.entry(action).or_default() += 1;
                            (row, None)
                        }
                        Some(ItemResult::Rejected(rejection)) => (row, Some(rejection)),
                        None => (
                            row,
                            Some(Rejection {
                                code: "MISSING_RESULT".into(),
                                message: "the answer has no result for this item".into(),
                                errors: Vec::new(),
                            }),
                        ),
                    })
                    .collect()
            }
            Answer::Refused { body } => {
                self.summary.batches += 1;
                rows.iter()
                    .enumerate()
                    .map(|(i, &row)| (row, Some(Rejection::from_body(&body, i))))
                    .collect()
            }
        };
        decided.extend(
            std::mem::take(&mut self.waiting)
                .into_iter()
                .map(|(row, rejection)| (row, Some(rejection))),
        );
        decided.sort_by_key(|(row, _)| *row);
        let count = decided.len() as u64;
        for (row, rejection) in decided {
            if let Some(rejection) = rejection {
                self.reject(row, &rejection)?;
            }
        }
        self.progress.advance(count);
        Ok(())
    }
}
