//! E-mail addresses: the WHATWG "valid e-mail address" grammar, which is what a
//! browser's `<input type=email>` accepts, plus the RFC 5321 limits (local part at
//! most 64 octets, the whole address at most 254).
//!
//! ```
//! use contact_core::rules::email::{check, lookup_key};
//! assert!(check("jane.smith@acme.com").is_ok());
//! assert!(check("user@localhost").is_ok()); // a single label is valid in WHATWG's grammar
//! assert_eq!(check("jane@acme..com").unwrap_err().code, "invalid_email");
//! assert_eq!(lookup_key("  Jane.Smith@ACME.com "), "jane.smith@acme.com");
//! ```

use super::{ProblemCode, Violation};

/// Longest local part, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_OCTETS: usize = 64;
/// Longest address, in octets (RFC 5321 path limit less the angle brackets).
pub const MAX_ADDRESS_OCTETS: usize = 254;

/// Checks a trimmed address.
pub fn check(address: &str) -> Result<(), Violation> {
    if !is_whatwg_valid(address) {
        return Err(Violation::new(
            ProblemCode::InvalidEmail,
            "not a valid e-mail address",
        ));
    }
    // The grammar admits ASCII only, so octets and characters agree from here on.
    let at = address.rfind('@').unwrap_or(0);
    if at > MAX_LOCAL_OCTETS {
        return Err(Violation::new(
            ProblemCode::EmailTooLong,
            format!("the part before @ must be at most {MAX_LOCAL_OCTETS} characters (got {at})"),
        ));
    }
    if address.len() > MAX_ADDRESS_OCTETS {
        return Err(Violation::new(
            ProblemCode::EmailTooLong,
            format!(
                "must be at most {MAX_ADDRESS_OCTETS} characters (got {})",
                address.len()
            ),
        ));
    }
    Ok(())
}

/// The WHATWG grammar alone, without length limits: what `<input type=email>` says.
///
/// `1*( atext / "." ) "@" label *( "." label )`, where a label is 1–63 letters,
/// digits and hyphens that neither starts nor ends with a hyphen.
pub fn is_whatwg_valid(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.bytes().all(is_local_byte)
        && !domain.is_empty()
        && domain.split('.').all(is_label)
}

fn is_local_byte(b: u8) -> bool {
    matches!(b,
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
        | b'.' | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'/' | b'='
        | b'?' | b'^' | b'_' | b'`' | b'{' | b'|' | b'}' | b'~' | b'-')
}

fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// The key contacts are matched on: trimmed and lower-cased.
pub fn lookup_key(address: &str) -> String {
    super::case::lowercase(address.trim())
}
