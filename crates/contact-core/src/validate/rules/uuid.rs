//! UUIDs in their hyphenated form, `8-4-4-4-12` hexadecimal digits, either case.
//!
//! ```
//! use contact_core::rules::uuid::check;
//! assert!(check("a1b2c3d4-e5f6-7890-abcd-ef1234567890").is_ok());
//! assert_eq!(check("YOUR_ORG_ID").unwrap_err().code, "invalid_uuid");
//! ```

use super::{ProblemCode, Violation};

/// Checks a trimmed UUID.
pub fn check(value: &str) -> Result<(), Violation> {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(Violation::new(
            ProblemCode::InvalidUuid,
            "must be a UUID such as a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        ))
    }
}

/// True for the hyphenated form.
pub fn is_uuid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}
