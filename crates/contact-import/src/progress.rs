//! Progress on stderr: a bar with rows/s and the time left on a terminal, a plain
//! line every few seconds otherwise (a log, a CI job).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the plain progress line is written.
const LINE_EVERY: Duration = Duration::from_secs(5);

pub enum Progress {
    Bar(ProgressBar),
    Lines {
        total: u64,
        done: u64,
        started: Instant,
        last: Instant,
    },
    /// Nothing but the retries' notes (the tests).
    Quiet,
}

impl Progress {
    /// A bar when stderr is a terminal, else lines. `total` is the row count
    /// estimated from the file's lines.
    pub fn for_stderr(total: u64) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            let now = Instant::now();
            Progress::Lines {
                total,
                done: 0,
                started: now,
                last: now,
            }
        }
    }

    /// `rows` more rows are decided (written or rejected).
    pub fn advance(&mut self, rows: u64) {
        match self {
            Progress::Bar(bar) => bar.inc(rows),
            Progress::Lines {
                total,
                done,
                started,
                last,
            } => {
                *done += rows;
                if last.elapsed() >= LINE_EVERY {
                    *last = Instant::now();
                    let seconds = started.elapsed().as_secs_f64().max(0.001);
                    let rate = *done as f64 / seconds;
                    line(&format!(
                        "{done}/{total} rows, {rate:.0} rows/s, {:.0} s",
                        seconds
                    ));
                }
            }
            Progress::Quiet => {}
        }
    }

    /// A note (a retry), above the bar or on its own line.
    pub fn note(&self, message: &str) {
        match self {
            Progress::Bar(bar) => bar.println(message),
            Progress::Lines { .. } | Progress::Quiet => line(message),
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn line(message: &str) {
    let _ = writeln!(std::io::stderr(), "contact-import: {message}");
}
