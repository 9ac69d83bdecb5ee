//! Lower-casing, exactly as the standard library's `str::to_lowercase` and
//! `char::to_lowercase` do it (the Unicode version of the Rust that builds this
//! crate), from tables a third the size of the standard library's.
//!
//! E-mail keys, tags and unknown-key suggestions fold case on every request, and in
//! the browser module the standard library's case table is one of the largest
//! things in the download. Here the same mapping is kept as runs: a run maps
//! `count` characters, `step` apart (1, or 2 where upper and lower case alternate),
//! each by the same offset. The one mapping to two characters (U+0130 'İ', to
//! "i\u{307}") is written out, and so is the one contextual rule of Unicode's
//! SpecialCasing: a capital sigma at the end of a word lowers to 'ς', elsewhere to
//! 'σ', which needs the `Case_Ignorable` and `Cased` properties, kept as ranges.
//! Runs and ranges are written as LEB128 numbers, each the distance from the one
//! before (about half the bytes of fixed-width entries), and decoded once, when a
//! first non-ASCII character needs them.
//!
//! `tables.rs` is generated from the standard library itself by the test
//! `tables_are_the_standard_librarys`, which also checks every character against
//! it; when a new Rust brings a new Unicode version and that test fails, run it
//! with `CASE_TABLES=write` to regenerate the file.

#[rustfmt::skip]
mod tables;

use crate::validate::packed;
use std::sync::OnceLock;
use tables::{CASED, CASE_IGNORABLE, LOWER};

/// `s.to_lowercase()`: the same string, from smaller tables.
pub fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            'Σ' => out.push(sigma(s, i)),
            'İ' => out.push_str("i\u{307}"),
            c => out.push(lower(c)),
        }
    }
    out
}

/// `c.to_lowercase()`: one character, but for 'İ', which lowers to two.
pub fn lowercase_char(c: char) -> impl Iterator<Item = char> {
    let (first, second) = match c {
        'İ' => ('i', Some('\u{307}')),
        c => (lower(c), None),
    };
    std::iter::once(first).chain(second)
}

/// The lower case of a character that lowers to one character.
fn lower(c: char) -> char {
    let code = c as u32;
    if code < 0x80 {
        return c.to_ascii_lowercase();
    }
    static RUNS: OnceLock<Vec<Run>> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        let mut numbers = packed::numbers(&LOWER);
        let mut start = 0;
        std::iter::from_fn(|| {
            start += numbers.next()?;
            let shape = numbers.next()?;
            let zigzag = numbers.next()?;
            let magnitude = (zigzag >> 1) as i32;
            Some(Run {
                start,
                count: (shape >> 1) + 1,
                step: (shape & 1) + 1,
                offset: if zigzag & 1 == 1 {
                    -magnitude
                } else {
                    magnitude
                },
            })
        })
        .collect()
    });
    let at = runs.partition_point(|run| run.start <= code);
    let Some(run) = at.checked_sub(1).map(|i| &runs[i]) else {
        return c;
    };
    let from_start = code - run.start;
    if !from_start.is_multiple_of(run.step) || from_start / run.step >= run.count {
        return c;
    }
    char::from_u32(code.wrapping_add_signed(run.offset)).unwrap_or(c)
}

/// `count` characters from `start`, `step` apart, that lower by `offset`.
struct Run {
    start: u32,
    count: u32,
    step: u32,
    offset: i32,
}

/// Unicode's Final_Sigma: 'ς' where the capital sigma at byte `i` ends a word (a
/// cased letter before it and none after it, case-ignorable characters between
/// skipped), 'σ' elsewhere.
fn sigma(s: &str, i: usize) -> char {
    let before = cased_after_ignorable(s[..i].chars().rev());
    let after = cased_after_ignorable(s[i + 'Σ'.len_utf8()..].chars());
    if before && !after {
        'ς'
    } else {
        'σ'
    }
}

fn cased_after_ignorable(mut chars: impl Iterator<Item = char>) -> bool {
    static IGNORABLE: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    static CASED_ONLY: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    let ignorable = IGNORABLE.get_or_init(|| packed::ranges(&CASE_IGNORABLE));
    chars
        .find(|&c| !in_ranges(ignorable, c))
        .is_some_and(|c| in_ranges(CASED_ONLY.get_or_init(|| packed::ranges(&CASED)), c))
}

/// Whether `c` is in one of these sorted, inclusive ranges.
fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let code = c as u32;
    let at = ranges.partition_point(|&(start, _)| start <= code);
    at.checked_sub(1).is_some_and(|i| code <= ranges[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character lowers as the standard library lowers it, alone and as a
    /// string.
    #[test]
    fn every_character_lowers_as_the_standard_library_lowers_it() {
        let mut buffer = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert!(lowercase_char(c).eq(c.to_lowercase()), "U+{:04X}", c as u32);
            let s: &str = c.encode_utf8(&mut buffer);
            assert_eq!(lowercase(s), s.to_lowercase(), "U+{:04X}", c as u32);
        }
    }

    /// A capital sigma lowers as the standard library lowers it whatever stands
    /// before and after it: every character, alone, and beside letters and
    /// case-ignorable marks.
    #[test]
    fn a_final_sigma_is_found_as_the_standard_library_finds_it() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for text in [
                format!("A{c}Σ"),
                format!(" {c}Σ"),
                format!("ΑΣ{c}"),
                format!("ΑΣ{c} "),
                format!("Α{c}'Σ"),
            ] {
                assert_eq!(lowercase(&text), text.to_lowercase(), "{text:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn strings_lower_as_the_standard_library_lowers_them(
            s in "[aAzZΣσς'.\u{300}\u{345}\u{2BB}İıK\u{212A}ß ΑΩ\u{10400}\u{1E900}-]{0,12}"
        ) {
            proptest::prop_assert_eq!(lowercase(&s), s.to_lowercase());
        }

        #[test]
        fn any_string_lowers_as_the_standard_library_lowers_it(s in "\\PC{0,16}") {
            proptest::prop_assert_eq!(lowercase(&s), s.to_lowercase());
        }
    }

    /// `tables.rs` is what the standard library's own mapping generates. With
    /// `CASE_TABLES=write` this test writes the file instead of comparing.
    #[test]
    fn tables_are_the_standard_librarys() {
        let generated = generate();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/validate/rules/case/tables.rs"
        );
        if std::env::var_os("CASE_TABLES").is_some_and(|v| v == "write") {
            std::fs::write(path, &generated).unwrap();
            return;
        }
        let current = std::fs::read_to_string(path).unwrap();
        assert!(
            current == generated,
            "{path} is not what this Rust's standard library generates: run this test with CASE_TABLES=write"
        );
    }

    fn generate() -> String {
        // The mapping, as runs.
        let mut runs: Vec<(u32, u32, u32, i32)> = Vec::new(); // start, count, step, offset
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            let mut lowered = c.to_lowercase();
            let (Some(low), None) = (lowered.next(), lowered.next()) else {
                assert_eq!(c, 'İ', "only 'İ' lowers to more than one character");
                continue;
            };
            let (code, offset) = (c as u32, low as i32 - c as i32);
            if offset == 0 {
                continue;
            }
            if let Some(run) = runs.last_mut() {
                let last = run.0 + (run.1 - 1) * run.2;
                let gap = code - last;
                if run.3 == offset && run.1 < 256 && (gap == run.2 || (run.1 == 1 && gap <= 2)) {
                    run.2 = gap;
                    run.1 += 1;
                    continue;
                }
            }
            runs.push((code, 1, 1, offset));
        }
        // Case_Ignorable, and Cased among the rest, read off the standard library's
        // final sigma: after "A" (cased) a character lets the sigma end a word if it
        // is ignorable or cased; after " " (neither) only if it is cased and not
        // ignorable. The sigma itself is cased.
        let final_sigma = |text: String| text.to_lowercase().ends_with('ς');
        let mut ignorable = Vec::new();
        let mut cased = vec!['Σ' as u32];
        for c in (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| c != 'Σ')
        {
            let after_cased = final_sigma(format!("A{c}Σ"));
            let after_space = final_sigma(format!(" {c}Σ"));
            if after_cased && !after_space {
                ignorable.push(c as u32);
            } else if after_space {
                cased.push(c as u32);
            }
        }
        cased.sort_unstable();

        let mut out = String::from(
            "//! Generated by `case::tests::tables_are_the_standard_librarys` from the\n\
             //! standard library's own case mapping: do not edit.\n\n",
        );
        out.push_str(
            "/// Lower-case runs, each three LEB128 numbers: its start's distance from the\n\
             /// start before, `(count - 1) << 1 | (step - 1)`, and the offset, zigzag-coded\n\
             /// (`offset << 1`, or `-offset << 1 | 1` when negative).\n",
        );
        let mut lower = Vec::new();
        let mut previous = 0;
        for &(start, count, step, offset) in &runs {
            let zigzag = if offset < 0 {
                offset.unsigned_abs() << 1 | 1
            } else {
                offset.unsigned_abs() << 1
            };
            for n in [start - previous, (count - 1) << 1 | (step - 1), zigzag] {
                leb128_write(&mut lower, n);
            }
            previous = start;
        }
        out.push_str(&bytes_static("LOWER", &lower));
        for (name, doc, set) in [
            ("CASE_IGNORABLE", "Case_Ignorable", &ignorable),
            ("CASED", "Cased, less what is also Case_Ignorable", &cased),
        ] {
            let mut table = Vec::new();
            let mut next = 0;
            for (start, length) in ranges(set) {
                leb128_write(&mut table, start - next);
                leb128_write(&mut table, length - 1);
                next = start + length;
            }
            out.push_str(&format!(
                "/// {doc}: ranges, each two LEB128 numbers: how far its start is past the\n\
                 /// end of the range before + 1 (or past 0), and its end minus its start.\n"
            ));
            out.push_str(&bytes_static(name, &table));
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }

    fn leb128_write(out: &mut Vec<u8>, mut n: u32) {
        while n >= 0x80 {
            out.push(n as u8 | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    /// A byte table as Rust source, sixteen bytes a line.
    fn bytes_static(name: &str, bytes: &[u8]) -> String {
        let mut out = format!("pub static {name}: [u8; {}] = *b\"\\\n", bytes.len());
        for chunk in bytes.chunks(16) {
            let line: String = chunk.iter().map(|b| format!("\\x{b:02x}")).collect();
            out.push_str(&format!("    {line}\\\n"));
        }
        out.push_str("\";\n\n");
        out
    }

    /// Sorted code points as ranges: start and length.
    fn ranges(codes: &[u32]) -> Vec<(u32, u32)> {
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for &code in codes {
            match ranges.last_mut() {
                Some((start, length)) if *start + *length == code => *length += 1,
                _ => ranges.push((code, 1)),
            }
        }
        ranges
    }
}
