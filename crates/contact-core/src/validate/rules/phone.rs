//! Phone numbers: an optional leading `+`, then digits with spaces, `-`, `.`, `(`
//! and `)` between them; 7 to 15 digits (the E.164 maximum).
//!
//! ```
//! use contact_core::rules::phone::{check, lookup_key};
//! assert!(check("+1-555-0123").is_ok());
//! assert!(check("(555) 012.3456").is_ok());
//! assert_eq!(check("555-01").unwrap_err().code, "invalid_phone");
//! assert_eq!(lookup_key("+1-555-0123"), "+15550123");
//! ```

use super::{ProblemCode, Violation};

pub const MIN_DIGITS: usize = 7;
pub const MAX_DIGITS: usize = 15;

/// Checks a trimmed phone number.
pub fn check(phone: &str) -> Result<(), Violation> {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let bytes = body.as_bytes();
    let shape_ok = !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| matches!(b, b'0'..=b'9' | b' ' | b'-' | b'.' | b'(' | b')'))
        // Separators go between digits: the number starts with a digit or an
        // opening parenthesis, and ends with a digit or a closing one.
        && (bytes[0].is_ascii_digit() || bytes[0] == b'(')
        && (bytes[bytes.len() - 1].is_ascii_digit() || bytes[bytes.len() - 1] == b')');
    if !shape_ok {
        return Err(Violation::new(
            ProblemCode::InvalidPhone,
            "not a valid phone number: use digits, optionally a leading +, with spaces, -, ., ( or ) between them",
        ));
    }
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        return Err(Violation::new(
            ProblemCode::InvalidPhone,
            format!("a phone number has {MIN_DIGITS} to {MAX_DIGITS} digits (got {digits})"),
        ));
    }
    Ok(())
}

/// The key contacts are matched on: the leading `+` (if any) and the digits alone.
pub fn lookup_key(phone: &str) -> String {
    let phone = phone.trim();
    let mut key = String::with_capacity(phone.len());
    if phone.starts_with('+') {
        key.push('+');
    }
    key.extend(phone.chars().filter(char::is_ascii_digit));
    key
}
