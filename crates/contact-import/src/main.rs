//! `contact-import --url URL --file PATH [--report PATH] [--mode …] [--lookup-by …]`:
//! imports a CSV or JSON Lines file of contacts; see the crate's README.

use clap::error::ErrorKind;
use clap::Parser;
use contact_core::{LookupBy, Mode};
use contact_import::check::Options;
use contact_import::client::Retry;
use contact_import::progress::Progress;
use contact_import::{Credentials, Fatal, Import};
use std::path::PathBuf;
use std::process::ExitCode;

/// Imports contacts from a CSV or JSON Lines file through the batch endpoint of the
/// contact upsert API. Credentials come from ZYNTRO_API_KEY, ZYNTRO_DEVELOPER_SECRET,
/// ZYNTRO_ORG_ID and ZYNTRO_MEMBER_ID.
#[derive(Debug, Parser)]
#[command(name = "contact-import", version)]
struct Cli {
    /// The API's base URL, e.g. https://api.example.com
    #[arg(long)]
    url: String,
    /// The file: .csv (a header row of field names) or .jsonl/.ndjson (one item a line)
    #[arg(long)]
    file: PathBuf,
    /// Where rejected rows go, one JSON line each [default: <file>.rejected.jsonl]
    #[arg(long)]
    report: Option<PathBuf>,
    /// insert, update or upsert [the server's default: upsert]
    #[arg(long, value_parser = mode)]
    mode: Option<Mode>,
    /// email, phone or contact_id [the server's default: email]
    #[arg(long, value_parser = lookup_by)]
    lookup_by: Option<LookupBy>,
}

fn names<T>(table: &[(&'static str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

fn mode(s: &str) -> Result<Mode, String> {
    Mode::parse(s).ok_or_else(|| format!("must be one of: {}", names(&Mode::ALL)))
}

fn lookup_by(s: &str) -> Result<LookupBy, String> {
    LookupBy::parse(s).ok_or_else(|| format!("must be one of: {}", names(&LookupBy::ALL)))
}

/// Exit status 2 with a one-line message.
fn usage(message: &str) -> ExitCode {
    eprintln!("contact-import: error: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message on one line, without its usage block.
            let text = e.render().to_string();
            let line = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join(" ");
            return usage(&format!("{line} (see --help)"));
        }
    };
    let credentials = match Credentials::from_env(|name| std::env::var(name).ok()) {
        Ok(credentials) => credentials,
        Err(message) => return usage(&message),
    };
    let import = Import {
        url: cli.url,
        file: cli.file,
        report: cli.report,
        options: Options {
            mode: cli.mode,
            lookup_by: cli.lookup_by,
        },
    };
    let report = import.report_path();
    match contact_import::run(
        &import,
        &credentials,
        Retry::default(),
        Progress::for_stderr,
    ) {
        Ok(summary) => {
            println!("{summary}");
            println!("report: {}", report.display());
            if summary.failed_total() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(Fatal::Usage(message)) => usage(&message),
        Err(Fatal::Stopped { reason, summary }) => {
            println!("{summary}");
            println!("report: {}", report.display());
            usage(&format!("the server refused the import, stopped: {reason}"))
        }
        Err(Fatal::Io { message, summary }) => {
            println!("{summary}");
            println!("report: {}", report.display());
            usage(&message)
        }
    }
}
