//! Api keys and developer secrets: their formats and their SHA-256 digests. Only
//! digests are stored; a secret is shown once, when it is issued.
//!
//! ```
//! use contact_core::secrets::{digest, has_format, SecretKind};
//! let secret = format!("zdk_{}", "ab".repeat(32));
//! assert!(has_format(SecretKind::DeveloperSecret, &secret));
//! assert_eq!(digest(&secret).len(), 64);
//! ```

use sha2::{Digest, Sha256};

/// Which kind of secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// `zak_` and 64 lower-case hex digits (256 random bits).
    ApiKey,
    /// `zdk_` and 64 lower-case hex digits (256 random bits).
    DeveloperSecret,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::ApiKey => "zak_",
            SecretKind::DeveloperSecret => "zdk_",
        }
    }
}

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// True when `value` has the form of an issued secret of this kind, so that it is
/// worth looking up at all.
pub fn has_format(kind: SecretKind, value: &str) -> bool {
    value.strip_prefix(kind.prefix()).is_some_and(|hex| {
        hex.len() == SECRET_BYTES * 2
            && crate::validate::rules::uuid::all_hex_digits(hex.as_bytes())
    })
}

/// Builds a secret from random bytes (the caller brings a CSPRNG's output).
pub fn from_random(kind: SecretKind, random: &[u8; SECRET_BYTES]) -> String {
    format!("{}{}", kind.prefix(), hex(random))
}

/// The stored form of a secret: the lower-case hex SHA-256 of its text, with
/// upper-case hex digits folded so that a secret copied in either case matches.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(
        secret.trim().to_ascii_lowercase().as_bytes(),
    ))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_hex() {
        // sha256("abc"), a published test vector.
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn formats() {
        let random = [0x5a; SECRET_BYTES];
        let key = from_random(SecretKind::ApiKey, &random);
        assert!(has_format(SecretKind::ApiKey, &key));
        assert!(!has_format(SecretKind::DeveloperSecret, &key));
        assert!(!has_format(SecretKind::ApiKey, "zak_123"));
        assert!(!has_format(SecretKind::ApiKey, "YOUR_API_KEY"));
    }
}
