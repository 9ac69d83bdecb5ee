//! How a command fails, and the exit code each kind of failure gets.

use std::fmt;

/// A failed command. Nothing is written to the database when a command fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The arguments or the ids they name are wrong: the user can fix the input.
    Input(String),
    /// wrangler or the database failed: the input may be fine.
    Runtime(String),
}

impl Failure {
    /// 2 for input the user can fix, 1 for everything else, as clap uses 2 for
    /// arguments it cannot parse.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) => 2,
            Failure::Runtime(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Failure::Input(message) | Failure::Runtime(message)) = self;
        // One line on stderr, whatever the message carried.
        let mut first = true;
        for line in message.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(line)?;
            first = false;
        }
        Ok(())
    }
}
