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
    let Some(at) = whatwg_at(address) else {
        return Err(Violation::new(
            ProblemCode::InvalidEmail,
            "not a valid e-mail address",
        ));
    };
    // The grammar admits ASCII only, so octets and characters agree from here on.
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
    whatwg_at(address).is_some()
}

/// Where the `@` of a valid address is; `None` when the address is not valid.
fn whatwg_at(address: &str) -> Option<usize> {
    let bytes = address.as_bytes();
    let at = bytes.iter().position(|&b| !is_in(LOCAL, b))?;
    (at > 0 && bytes[at] == b'@' && is_domain(&bytes[at + 1..])).then_some(at)
}

/// `label *( "." label )`, in one pass.
fn is_domain(domain: &[u8]) -> bool {
    let mut label = 0usize;
    let mut last = b'.';
    for &b in domain {
        if b == b'.' {
            if label == 0 || last == b'-' {
                return false;
            }
            label = 0;
        } else {
            if !is_in(LABEL, b) || (label == 0 && b == b'-') || label == 63 {
                return false;
            }
            label += 1;
        }
        last = b;
    }
    label > 0 && last != b'-'
}

/// A set of ASCII bytes, one bit each: bytes 0–63, then 64–127.
type Set = (u64, u64);

const fn set(members: &[u8]) -> Set {
    let (mut low, mut high) = (0u64, 0u64);
    let mut i = 0;
    while i < members.len() {
        let b = members[i];
        if b < 64 {
            low |= 1 << b;
        } else {
            high |= 1 << (b - 64);
        }
        i += 1;
    }
    (low, high)
}

const fn union(a: Set, b: Set) -> Set {
    (a.0 | b.0, a.1 | b.1)
}

const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// `atext` and `.`: the bytes of a local part.
const LOCAL: Set = union(set(ALPHANUMERIC), set(b".!#$%&'*+/=?^_`{|}~-"));
/// The bytes of a domain label.
const LABEL: Set = union(set(ALPHANUMERIC), set(b"-"));

fn is_in(set: Set, b: u8) -> bool {
    match b {
        0..=63 => set.0 >> b & 1 == 1,
        64..=127 => set.1 >> (b - 64) & 1 == 1,
        _ => false,
    }
}

/// The key contacts are matched on: trimmed and lower-cased.
pub fn lookup_key(address: &str) -> String {
    super::case::lowercase(address.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// The HTML standard's own expression for a valid e-mail address.
    const WHATWG: &str = r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Strings of the bytes the grammar turns on (letters, digits, `@`, `.`,
        /// `-`, atext, a space, a non-ASCII letter), and labels around the 63 limit.
        #[test]
        fn the_grammar_is_the_standards_expression(
            address in r"[a-zA-Z0-9@.\-_+!~ é]{0,12}|[a-z]{1,3}@[a-z\-]{60,66}(\.[a-z]{1,3})?",
        ) {
            static STANDARD: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(WHATWG).unwrap());
            prop_assert_eq!(is_whatwg_valid(&address), STANDARD.is_match(&address), "{:?}", address);
        }
    }

    #[test]
    fn the_edges_of_the_grammar() {
        for (address, valid) in [
            ("jane.smith@acme.com", true),
            (".jane.@acme", true),
            ("a@b", true),
            ("a@-b.com", false),
            ("a@b-.com", false),
            ("a@b..com", false),
            ("a@b.com.", false),
            ("@acme.com", false),
            ("jane@", false),
            ("jane@acme@com", false),
            ("jané@acme.com", false),
            ("jane@acmé.com", false),
            ("jane smith@acme.com", false),
        ] {
            assert_eq!(is_whatwg_valid(address), valid, "{address}");
        }
        let longest = format!("a@{}", "b".repeat(63));
        assert!(is_whatwg_valid(&longest));
        assert!(!is_whatwg_valid(&format!("{longest}b")));
    }
}
