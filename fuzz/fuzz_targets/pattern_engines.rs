//! Custom field patterns on both engines. A pattern is built from pieces of regular
//! expression syntax (or taken as raw text) and matched against values built from
//! characters where the engines' own readings differ (Unicode digits, word
//! characters and spaces, the Kelvin sign, accented capitals, a line feed).
//!
//! Checked: contact-core's reading never panics; a pattern it accepts compiles on
//! both `regex` (the server) with the limits contact-core sets and on contact-core's
//! own matcher (`pattern::nfa`, the browser module), and both give the same
//! `is_match` for every value; and where the source has no `i` flag, that answer is
//! the `regex` crate's own reading of the source with its Unicode classes.

#![no_main]

use contact_core::validate::pattern::nfa::Nfa;
use contact_core::validate::pattern::{translate, ENGINE_NEST_LIMIT, ENGINE_SIZE_LIMIT};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const PIECES: &[&str] = &[
    "a",
    "b",
    "K",
    "k",
    "é",
    "É",
    "1",
    "_",
    " ",
    "-",
    ".",
    "|",
    "(",
    ")",
    "(?:",
    "(?i)",
    "(?-i)",
    "(?i:",
    "(?P<n>",
    "(?<m>",
    "[",
    "[^",
    "]",
    "a-z",
    "A-Z",
    "0-9",
    "*",
    "+",
    "?",
    "{2}",
    "{0,3}",
    "{1,}",
    "{,2}",
    "^",
    "$",
    r"\d",
    r"\D",
    r"\w",
    r"\W",
    r"\s",
    r"\S",
    r"\b",
    r"\p{L}",
    r"\x41",
    r"\x{212A}",
    r"\.",
    r"\-",
    r"\\",
    r"\n",
    r"\t",
    r"\A",
    r"\z",
    "&&",
    "--",
    "[:alpha:]",
    "\u{212A}",
    "٣",
    "\u{2000}",
    "ǅ",
    "}",
    "{",
];

const CHARS: &[char] = &[
    'a', 'b', 'k', 'K', 'z', 'A', 'Z', 'é', 'É', '1', '9', '٣', '१', '_', ' ', '-', '.', '\n',
    '\t', '\u{212A}', '\u{17F}', '\u{2000}', '\u{3000}', 'δ', 'ǅ', 'ǆ', '😀', '[', ']', '\\',
];

fn pattern(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 8)? {
        return u.arbitrary();
    }
    let mut out = String::new();
    for _ in 0..u.int_in_range(0..=16)? {
        out.push_str(PIECES[u.choose_index(PIECES.len())?]);
    }
    Ok(out)
}

fn value(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 8)? {
        return u.arbitrary();
    }
    let mut out = String::new();
    for _ in 0..u.int_in_range(0..=8)? {
        out.push(CHARS[u.choose_index(CHARS.len())?]);
    }
    Ok(out)
}

fn run(u: &mut Unstructured) -> Result<()> {
    let source = pattern(u)?;
    let Ok(written) = translate(&source) else {
        return Ok(());
    };
    let server = regex::RegexBuilder::new(&written)
        .size_limit(ENGINE_SIZE_LIMIT)
        .nest_limit(ENGINE_NEST_LIMIT)
        .build()
        .unwrap_or_else(|e| panic!("regex refuses {source:?} written {written:?}: {e}"));
    let browser = Nfa::new(&written)
        .unwrap_or_else(|e| panic!("nfa refuses {source:?} written {written:?}: {e}"));
    // The regex crate reads `(?i)` with Unicode case; contact-core with ASCII case.
    let own = (!source.contains("(?i") && !source.contains("(?-i"))
        .then(|| regex::Regex::new(&format!("^(?:{source})$")).ok())
        .flatten();
    for _ in 0..u.int_in_range(1..=8)? {
        let value = value(u)?;
        let answer = server.is_match(&value);
        assert_eq!(
            answer,
            browser.is_match(&value),
            "{source:?} (written {written:?}) on {value:?}: regex says {answer}"
        );
        if let Some(own) = &own {
            assert_eq!(
                answer,
                own.is_match(&value),
                "{source:?} (written {written:?}) on {value:?}: the regex crate reads it otherwise"
            );
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
