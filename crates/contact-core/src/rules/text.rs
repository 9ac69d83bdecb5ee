//! Free text: trimmed, measured in characters (not bytes), no control characters.
//!
//! ```
//! use contact_core::rules::text::{check, Lines};
//! assert!(check("Jane", 100, Lines::Single).is_ok());
//! assert_eq!(check(&"é".repeat(101), 100, Lines::Single).unwrap_err().code, "too_long");
//! assert_eq!(check("a\nb", 100, Lines::Single).unwrap_err().code, "control_character");
//! assert!(check("a\nb\tc", 100, Lines::Multi).is_ok());
//! ```

use super::Violation;

/// Whether newline and tab are allowed (only `notes` allows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Checks an already trimmed string against a maximum length in characters.
pub fn check(value: &str, max_chars: usize, lines: Lines) -> Result<(), Violation> {
    if let Some(c) = value.chars().find(|&c| is_refused_control(c, lines)) {
        return Err(Violation::new(
            "control_character",
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    // Byte length bounds the character count from above: most values skip the count.
    if value.len() > max_chars {
        let count = value.chars().count();
        if count > max_chars {
            return Err(Violation::new(
                "too_long",
                format!("must be at most {max_chars} characters (got {count})"),
            ));
        }
    }
    Ok(())
}

fn is_refused_control(c: char, lines: Lines) -> bool {
    if lines == Lines::Multi && (c == '\n' || c == '\t' || c == '\r') {
        return false;
    }
    c.is_control()
}

/// Trims the characters the contract trims: Unicode white space at both ends.
pub fn trim(value: &str) -> &str {
    value.trim()
}
