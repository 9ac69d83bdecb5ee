//! Web addresses: an absolute `http` or `https` URL with a host, at most 2048
//! characters, no white space or control characters.
//!
//! ```
//! use contact_core::rules::url::check;
//! assert!(check("https://acme.com").is_ok());
//! assert!(check("http://[::1]:8080/path?q=1#top").is_ok());
//! assert_eq!(check("acme.com").unwrap_err().code, "invalid_url");
//! assert_eq!(check("https:///nohost").unwrap_err().code, "invalid_url");
//! assert!(check("https://acme.com./").is_ok());
//! for bad in ["http://[::1]8080/", "http://acme.com:/", "https://acme.com.../x", "http://acme.com:99999"] {
//!     assert_eq!(check(bad).unwrap_err().code, "invalid_url", "{bad}");
//! }
//! ```

use super::{ProblemCode, Violation};

pub const MAX_CHARS: usize = 2048;

/// Checks a trimmed URL.
pub fn check(url: &str) -> Result<(), Violation> {
    let count = url.chars().count();
    if count > MAX_CHARS {
        return Err(Violation::new(
            ProblemCode::TooLong,
            format!("must be at most {MAX_CHARS} characters (got {count})"),
        ));
    }
    if parse_host(url).is_none() {
        return Err(Violation::new(
            ProblemCode::InvalidUrl,
            "not a valid web address: use an http:// or https:// URL with a host, such as https://acme.com",
        ));
    }
    Ok(())
}

/// The host of an http(s) URL, or `None` when the URL is not one.
fn parse_host(url: &str) -> Option<&str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    // The scheme ends at the first ':'; an http(s) URL's holds none.
    let colon = url.find(':')?;
    if !url[colon..].starts_with("://") {
        return None;
    }
    let scheme = &url[..colon];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = &url[colon + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // Credentials in the authority are refused: they do not belong in a CRM record.
    if authority.contains('@') {
        return None;
    }
    // The port, if any, follows the host after one `:`; `None` when there is none.
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let close = inner.find(']')?;
        inner[..close].parse::<std::net::Ipv6Addr>().ok()?;
        let after = &inner[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return None,
        };
        (&authority[..close + 2], port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(digits) = port {
        if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u16>().ok()?;
    }
    if host.starts_with('[') {
        return Some(host);
    }
    let host_ok = !host.is_empty()
        && host.len() <= 253
        // One trailing dot is the root of a fully qualified name; more are a typo.
        && host.strip_suffix('.').unwrap_or(host).split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    host_ok.then_some(host)
}
