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
    let b = value.as_bytes();
    b.len() == 36
        && b[8] == b'-'
        && b[13] == b'-'
        && b[18] == b'-'
        && b[23] == b'-'
        && all_hex_digits(&b[..8])
            & all_hex_digits(&b[9..13])
            & all_hex_digits(&b[14..18])
            & all_hex_digits(&b[19..23])
            & all_hex_digits(&b[24..])
}

/// Whether every byte is an ASCII hex digit, of either case. Without a branch per
/// byte: the digits of an id or a secret are random, so a branch on whether each is
/// a digit or a letter would be mispredicted about every other time.
pub(crate) fn all_hex_digits(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |all, &b| {
        let digit = b.wrapping_sub(b'0') < 10;
        let letter = (b | 0x20).wrapping_sub(b'a') < 6;
        all & (digit | letter)
    })
}

#[cfg(test)]
mod tests {
    use super::all_hex_digits;

    #[test]
    fn hex_digits_are_those_of_either_case() {
        for b in 0..=u8::MAX {
            assert_eq!(all_hex_digits(&[b]), b.is_ascii_hexdigit(), "{b:#04x}");
        }
        assert!(all_hex_digits(b"0123456789abcdefABCDEF"));
        assert!(!all_hex_digits(b"0123g"));
        assert!(all_hex_digits(b""));
    }
}
