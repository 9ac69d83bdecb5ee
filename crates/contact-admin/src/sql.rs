//! SQL literals. `wrangler d1 execute` takes SQL text and has no bound parameters,
//! so every value reaches the database through these functions and nowhere else.

use crate::failure::Failure;

/// A string as a SQLite string literal: wrapped in single quotes, with each single
/// quote doubled. SQLite gives no other character a meaning inside the quotes (a
/// backslash is an ordinary character), so this is the whole escaping. A NUL is
/// refused rather than quoted: SQLite's C interface ends the text there, which
/// would silently store less than was given.
pub fn text(value: &str) -> Result<String, Failure> {
    if value.contains('\0') {
        return Err(Failure::Input(
            "a value contains a NUL character, which cannot be stored".into(),
        ));
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

/// An integer as a SQLite integer literal.
pub fn int(value: i64) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_wrapped() {
        assert_eq!(text("Acme").unwrap(), "'Acme'");
        assert_eq!(text("").unwrap(), "''");
    }

    #[test]
    fn single_quotes_are_doubled() {
        assert_eq!(text("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(text("'").unwrap(), "''''");
        assert_eq!(text("''").unwrap(), "''''''");
        assert_eq!(
            text("x'); DROP TABLE members; --").unwrap(),
            "'x''); DROP TABLE members; --'"
        );
    }

    #[test]
    fn other_characters_pass_through() {
        // Backslashes, double quotes, semicolons, comment markers, newlines and
        // non-ASCII mean nothing inside a SQLite string literal.
        let tricky = "a\\b \"c\" ; -- /* d */ \n\t é 日本 $1 ?";
        assert_eq!(text(tricky).unwrap(), format!("'{tricky}'"));
    }

    #[test]
    fn nul_is_refused() {
        let err = text("a\0b").unwrap_err();
        assert!(matches!(err, Failure::Input(m) if m.contains("NUL")));
    }

    #[test]
    fn integers() {
        assert_eq!(int(0), "0");
        assert_eq!(int(-42), "-42");
        assert_eq!(int(i64::MAX), "9223372036854775807");
    }

    #[test]
    fn quoted_text_round_trips_through_sqlite_rules() {
        // Undo the quoting the way SQLite's tokenizer does: inside the quotes, '' is
        // one quote, and a lone quote ends the literal.
        fn unquote(literal: &str) -> Option<String> {
            let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\'' && chars.next()? != '\'' {
                    return None;
                }
                out.push(c);
            }
            Some(out)
        }
        for value in ["", "'", "a''b'", "'; --", "x'y'z", "日本'語"] {
            assert_eq!(unquote(&text(value).unwrap()).as_deref(), Some(value));
        }
    }
}
