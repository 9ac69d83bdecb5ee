//! Custom field patterns read alike by both engines: the server's `regex` and the
//! browser module's matcher (`pattern::nfa`) are given the pattern contact-core
//! writes out, and must answer the same for every value; where the `regex` crate
//! reads the source the same way (everything but `(?i)`, which is ASCII here), they
//! answer as it does.

use contact_core::validate::pattern::nfa::Nfa;
use contact_core::validate::pattern::{translate, Pattern, PatternError};
use regex_syntax::hir::{Class, HirKind};

/// The written-out pattern compiled by both engines.
fn both(source: &str) -> (regex::Regex, Nfa) {
    let written = translate(source).unwrap_or_else(|e| panic!("{source}: {}", e.message()));
    (
        regex::Regex::new(&written).unwrap(),
        Nfa::new(&written).unwrap(),
    )
}

/// The `regex` crate's own reading of the source, with its Unicode classes and case.
fn as_regex_reads(source: &str) -> regex::Regex {
    regex::Regex::new(&format!("^(?:{source})$")).unwrap()
}

/// (pattern, values it matches, values it does not)
const CASES: &[(&str, &[&str], &[&str])] = &[
    (
        "[A-Z]{3}-[0-9]{4}",
        &["ABC-1234"],
        &["abc-1234", "ABC-12345", "ABC-123", ""],
    ),
    (r"\d{3}", &["123", "١٢٣", "१२३"], &["12", "12a", "１２"]),
    (r"\d+", &["0", "٣٤"], &["", "x"]),
    (
        r"\w+( \w+){0,5}",
        &["José Ñúñez", "δ", "a_1", "東京"],
        &["a  b", "-", "a-b"],
    ),
    (r"\W", &["-", " ", "€"], &["a", "é", "_"]),
    (
        r"\s",
        &[" ", "\t", "\u{2000}", "\u{3000}", "\u{85}"],
        &["a", "\u{200B}"],
    ),
    (r"\S+", &["a", "é"], &[" ", "a b", "\u{a0}"]),
    (r"[\w-]+", &["a-b", "é-1"], &["a b"]),
    (r"[^\d]+", &["abc", "é"], &["1", "a٣"]),
    (r"[^a-z]", &["A", "é", "0", "\u{10FFFF}"], &["a", "z"]),
    (".", &["a", "é", "😀", "\r"], &["\n", "", "ab"]),
    ("a.c", &["abc", "a😀c"], &["ac", "a\nc"]),
    ("é+", &["é", "ééé"], &["e", "É"]),
    ("[é-ë]", &["ê"], &["e", "ì"]),
    (r"\x41\x{1F600}", &["A😀"], &["a😀"]),
    (
        r"a\.b\+\*\?\(\)\[\]\{\}\|\^\$\\",
        &["a.b+*?()[]{}|^$\\"],
        &["ab"],
    ),
    ("a|", &["a", ""], &["b"]),
    ("|b", &["b", ""], &["a"]),
    ("(a|b)*c", &["c", "ababc"], &["abab"]),
    ("(?:a|ab)(?:c|bcd)(?:d*)", &["abcd", "abcdd", "ac"], &["ab"]),
    ("x{0}", &[""], &["x"]),
    ("x{2,3}?", &["xx", "xxx"], &["x", "xxxx"]),
    ("a{2,}", &["aa", "aaaa"], &["a"]),
    ("^abc$", &["abc"], &["abcd"]),
    (r"\Aab\z", &["ab"], &["abb"]),
    ("a^b", &[], &["ab", "a^b"]),
    ("[]a]+", &["]a]"], &["b"]),
    ("[-a]+", &["-a"], &["b"]),
    ("[a-]+", &["-a"], &["b"]),
    (r"[\-\]\\]+", &["-]\\"], &["a"]),
    ("[^]a]", &["b"], &["]", "a"]),
    (r"(?P<year>\d{4})-(?<month>\d{2})", &["2024-05"], &["24-05"]),
    ("[a-c&]", &["&", "b"], &["d"]),
    ("#a b", &["#a b"], &["#ab"]),
    ("}", &["}"], &["{"]),
    (
        r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
        &["jane.doe@acme.io"],
        &["jane@acme", "JANE@ACME.IO"],
    ),
    (r"\t\n\r\f\v", &["\t\n\r\x0C\x0B"], &["tnrfv"]),
    ("", &[""], &["a"]),
    ("(a*)*b", &["b", "aab"], &["aa"]),
    ("(a|)+", &["", "aaa"], &["b"]),
    ("((a{2}){2}){2}", &["aaaaaaaa"], &["aaaaaaa", "aaaaaaaaa"]),
    ("(?:ab|a)(?:bc|c)?", &["ab", "abc", "abbc", "a"], &["abcc"]),
    (r"(^a|b$)+", &["a", "ab"], &["ba", "abb"]),
    ("(x?){0,3}y", &["y", "xxxy"], &["xxxxy"]),
];

/// Case-insensitive patterns: ASCII case only, unlike the `regex` crate's own
/// Unicode folding (`k` also matches the Kelvin sign U+212A there, `s` the long s).
const CASE_INSENSITIVE: &[(&str, &[&str], &[&str])] = &[
    ("(?i)k", &["k", "K"], &["\u{212A}"]),
    ("(?i)s", &["s", "S"], &["\u{17F}"]),
    ("(?i)é", &["é"], &["É"]),
    ("(?i)[a-c]+", &["aBc", "CAB"], &["d"]),
    ("(?i)[^a]", &["b", "é"], &["a", "A"]),
    ("(?i:gold|silver)x", &["GOLDx", "Silverx"], &["goldX"]),
    ("a(?i)b(?-i)c", &["aBc", "abc"], &["Abc", "abC"]),
    ("(?i)(a(?-i)b)c", &["AbC", "abc"], &["aBc"]),
    ("(?i)a|b", &["A", "B"], &["c"]),
    ("(?i)[Z-a]", &["[", "_", "z", "A", "`"], &["b", "Y"]),
    ("(?i)ǅ", &["ǅ"], &["Ǆ", "ǆ"]),
    (r"(?i)\W", &["-"], &["a", "K"]),
];

#[test]
fn both_engines_answer_alike_and_as_the_regex_crate_reads_the_source() {
    for &(source, matching, other) in CASES {
        let (server, browser) = both(source);
        let regex_reading = as_regex_reads(source);
        for (values, expected) in [(matching, true), (other, false)] {
            for value in values {
                assert_eq!(
                    server.is_match(value),
                    expected,
                    "regex: {source} on {value:?}"
                );
                assert_eq!(
                    browser.is_match(value),
                    expected,
                    "nfa: {source} on {value:?}"
                );
                assert_eq!(
                    regex_reading.is_match(value),
                    expected,
                    "as regex reads {source}"
                );
            }
        }
    }
}

#[test]
fn case_insensitivity_is_ascii_on_both_engines() {
    for &(source, matching, other) in CASE_INSENSITIVE {
        let (server, browser) = both(source);
        for (values, expected) in [(matching, true), (other, false)] {
            for value in values {
                assert_eq!(
                    server.is_match(value),
                    expected,
                    "regex: {source} on {value:?}"
                );
                assert_eq!(
                    browser.is_match(value),
                    expected,
                    "nfa: {source} on {value:?}"
                );
            }
        }
    }
    // Where the regex crate's own `(?i)` reads otherwise: the Kelvin sign.
    assert!(regex::Regex::new("(?i)^k$").unwrap().is_match("\u{212A}"));
}

#[test]
fn the_compiled_pattern_matches_whole_values() {
    let pattern = Pattern::new("[A-Z]{3}").unwrap();
    assert!(pattern.is_match("ABC"));
    assert!(!pattern.is_match("ABCD"));
    assert!(!pattern.is_match("xABC"));
    assert_eq!(
        Pattern::new(r"\p{L}").unwrap_err(),
        PatternError::Unsupported(r"a Unicode class (\p{..}, \P{..})".into())
    );
}

/// The ranges of one of the `regex` crate's Perl classes, from regex-syntax.
fn regex_class(source: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::parse(source).unwrap();
    let HirKind::Class(Class::Unicode(class)) = hir.kind() else {
        panic!("{source} is not a Unicode class");
    };
    class
        .ranges()
        .iter()
        .map(|r| (r.start() as u32, r.end() as u32))
        .collect()
}

/// The ranges of the class contact-core writes out for `source`.
fn written_class(source: &str) -> Vec<(u32, u32)> {
    let written = translate(source).unwrap();
    let inner = written
        .strip_prefix(r"\A(?:[")
        .and_then(|w| w.strip_suffix(r"])\z"))
        .unwrap();
    let value = |hex: &str| {
        u32::from_str_radix(hex.trim_start_matches(r"\x{").trim_end_matches('}'), 16).unwrap()
    };
    inner
        .split_inclusive('}')
        .fold(Vec::<(u32, u32)>::new(), |mut out, item| {
            if let Some(hi) = item.strip_prefix('-') {
                out.last_mut().unwrap().1 = value(hi);
            } else {
                let v = value(item);
                out.push((v, v));
            }
            out
        })
}

#[test]
fn the_classes_are_the_regex_crates() {
    for source in [r"\w", r"\d", r"\s", r"\W", r"\D", r"\S"] {
        let mut expected = regex_class(source);
        // regex-syntax's ranges may span the surrogates; written-out ones do not.
        expected = expected
            .into_iter()
            .flat_map(|(lo, hi)| {
                if lo < 0xD800 && hi > 0xDFFF {
                    vec![(lo, 0xD7FF), (0xE000, hi)]
                } else {
                    vec![(lo, hi)]
                }
            })
            .collect();
        assert_eq!(written_class(source), expected, "{source}");
    }
}
