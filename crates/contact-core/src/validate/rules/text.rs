//! Free text: trimmed, measured in characters (not bytes), no control characters.
//!
//! ```
//! use contact_core::rules::text::{check, Lines};
//! assert!(check("Jane", 100, Lines::Single).is_ok());
//! assert_eq!(check(&"é".repeat(101), 100, Lines::Single).unwrap_err().code, "too_long");
//! assert_eq!(check("a\nb", 100, Lines::Single).unwrap_err().code, "control_character");
//! assert!(check("a\nb\tc", 100, Lines::Multi).is_ok());
//! ```

use super::{ProblemCode, Violation};

/// Whether newline and tab are allowed (only `notes` allows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Checks an already trimmed string against a maximum length in characters.
/// Single-line text also refuses the bidirectional controls of [`bidi`] (reported
/// before any other control character).
pub fn check(value: &str, max_chars: usize, lines: Lines) -> Result<(), Violation> {
    // Printable ASCII, the common case, has nothing to refuse but its length: one
    // byte scan. Anything else takes the full look below.
    if value.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return check_length(value, max_chars);
    }
    // ASCII text holds no bidirectional control.
    let control = if value.is_ascii() {
        value
            .bytes()
            .map(char::from)
            .find(|&c| is_refused_control(c, lines))
    } else {
        if lines == Lines::Single {
            bidi(value)?;
        }
        value.chars().find(|&c| is_refused_control(c, lines))
    };
    if let Some(c) = control {
        return Err(Violation::new(
            ProblemCode::ControlCharacter,
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    check_length(value, max_chars)
}

fn check_length(value: &str, max_chars: usize) -> Result<(), Violation> {
    // Byte length bounds the character count from above: most values skip the count.
    if value.len() > max_chars {
        let count = value.chars().count();
        if count > max_chars {
            return Err(Violation::new(
                ProblemCode::TooLong,
                format!("must be at most {max_chars} characters (got {count})"),
            ));
        }
    }
    Ok(())
}

/// Refuses the bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069), with which a value can show itself as other text than it is
/// ("Trojan Source"). Every single-line field refuses them; `notes` keeps them.
///
/// ```
/// use contact_core::rules::text::bidi;
/// assert!(bidi("Jane O'Neil").is_ok());
/// assert_eq!(bidi("Jane\u{202E}lien").unwrap_err().code, "bidi_control");
/// ```
pub fn bidi(value: &str) -> Result<(), Violation> {
    if value.is_ascii() {
        return Ok(());
    }
    match value.chars().find(|&c| is_bidi_control(c)) {
        None => Ok(()),
        Some(c) => Err(Violation::new(
            ProblemCode::BidiControl,
            format!(
                "must not contain bidirectional control characters (found U+{:04X})",
                c as u32
            ),
        )),
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// True for the characters that show as nothing: zero-width spaces and joiners,
/// the word joiner and invisible operators, the byte order mark, the soft hyphen,
/// the combining grapheme joiner and the Mongolian vowel separator. Keys that say
/// whether two names are the same ignore them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

fn is_refused_control(c: char, lines: Lines) -> bool {
    if lines == Lines::Multi && (c == '\n' || c == '\t' || c == '\r') {
        return false;
    }
    c.is_control()
}

/// Trims the characters the contract trims: Unicode white space at both ends.
pub fn trim(value: &str) -> &str {
    // Most values start and end with a printable ASCII character: nothing to trim.
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(b'!'..=b'~'), Some(b'!'..=b'~')) => value,
        _ => value.trim(),
    }
}
