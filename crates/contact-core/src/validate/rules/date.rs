//! Calendar dates as `YYYY-MM-DD`, checked against the real calendar.
//!
//! ```
//! use contact_core::rules::date::check;
//! assert!(check("2024-02-29").is_ok());
//! assert_eq!(check("2023-02-29").unwrap_err().code, "invalid_date");
//! ```

use super::{ProblemCode, Violation};

/// Checks a date string.
pub fn check(value: &str) -> Result<(), Violation> {
    if is_date(value) {
        Ok(())
    } else {
        Err(Violation::new(
            ProblemCode::InvalidDate,
            "must be a calendar date written YYYY-MM-DD",
        ))
    }
}

fn is_date(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| value[range].parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}
