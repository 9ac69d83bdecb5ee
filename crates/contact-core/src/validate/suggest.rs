//! "Did you mean …?" for unknown keys: `first_name` → `firstName`.

/// The known name closest to `given`, if one is close enough to be a likely typo:
/// the same letters ignoring case and `_`/`-`, or within a small edit distance.
/// Of names equally close, the first.
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = fold(given);
    let length = folded.chars().count();
    let limit = (length / 4).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    let mut candidate = String::new();
    for name in known {
        // A name must come within the limit, and closer than the best so far.
        let within = match best {
            None => limit,
            Some((0, _)) => break,
            Some((d, _)) => d - 1,
        };
        candidate.clear();
        candidate.extend(folded_chars(name));
        // The distance is at least the difference in length: most names need no more.
        if candidate.chars().count().abs_diff(length) > within {
            continue;
        }
        if distance_floor(&folded, &candidate) > within {
            continue;
        }
        let distance = if candidate == folded {
            0
        } else {
            distance(&folded, &candidate)
        };
        if distance <= within {
            best = Some((distance, name));
        }
    }
    best.map(|(_, name)| name)
}

/// The Damerau–Levenshtein distance of `a` and `b`: the fewest insertions,
/// deletions, substitutions and transpositions of adjacent characters that turn one
/// into the other, with edits allowed between transposed characters (Lowrance and
/// Wagner's algorithm). The same distance as `strsim::damerau_levenshtein` (tested
/// below), written for the short names compared here: where each character of `a`
/// was last seen is kept in a short list, not a hash map.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len());
    }
    let width = b.len() + 2;
    let at = |i: usize, j: usize| i * width + j;
    let far = a.len() + b.len();
    let mut d = vec![0; (a.len() + 2) * width];
    d[0] = far;
    for i in 0..=a.len() {
        d[at(i + 1, 0)] = far;
        d[at(i + 1, 1)] = i;
    }
    for j in 0..=b.len() {
        d[at(0, j + 1)] = far;
        d[at(1, j + 1)] = j;
    }
    // The last row of `a` where each character was seen.
    let mut last_row: Vec<(char, usize)> = Vec::new();
    for i in 1..=a.len() {
        // The last column of `b` in this row where the characters matched.
        let mut last_column = 0;
        for j in 1..=b.len() {
            let k = last_row
                .iter()
                .find(|(c, _)| *c == b[j - 1])
                .map_or(0, |&(_, row)| row);
            let insertion = d[at(i, j + 1)] + 1;
            let deletion = d[at(i + 1, j)] + 1;
            let transposition = d[at(k, last_column)] + (i - k - 1) + 1 + (j - last_column - 1);
            let mut substitution = d[at(i, j)] + 1;
            if a[i - 1] == b[j - 1] {
                last_column = j;
                substitution -= 1;
            }
            d[at(i + 1, j + 1)] = substitution.min(insertion).min(deletion).min(transposition);
        }
        match last_row.iter_mut().find(|(c, _)| *c == a[i - 1]) {
            Some(seen) => seen.1 = i,
            None => last_row.push((a[i - 1], i)),
        }
    }
    d[at(a.len() + 1, b.len() + 1)]
}

fn fold(name: &str) -> String {
    folded_chars(name).collect()
}

fn folded_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(crate::validate::rules::case::lowercase_char)
}

/// A lower bound of the edit distance of `a` and `b`, cheap to know: every edit
/// (insertion, deletion, substitution or transposition) takes at most one character
/// from those `a` has more of than `b`, and at most one from those `b` has more of.
/// Characters outside ASCII are not told apart: they count as one another.
fn distance_floor(a: &str, b: &str) -> usize {
    let mut counts = [0i32; 128];
    let (mut a_other, mut b_other) = (0usize, 0usize);
    for c in a.chars() {
        match counts.get_mut(c as usize) {
            Some(n) => *n += 1,
            None => a_other += 1,
        }
    }
    for c in b.chars() {
        match counts.get_mut(c as usize) {
            Some(n) => *n -= 1,
            None => b_other += 1,
        }
    }
    let mut a_more = a_other.saturating_sub(b_other);
    let mut b_more = b_other.saturating_sub(a_other);
    for n in counts {
        if n > 0 {
            a_more += n.unsigned_abs() as usize;
        } else {
            b_more += n.unsigned_abs() as usize;
        }
    }
    a_more.max(b_more)
}

#[cfg(test)]
mod tests {
    use super::{closest, distance, fold};

    #[test]
    fn suggests_camel_case_for_snake_case() {
        assert_eq!(
            closest("first_name", ["lastName", "firstName"]),
            Some("firstName")
        );
        assert_eq!(
            closest("primary_email", ["primaryEmail", "secondaryEmail"]),
            Some("primaryEmail")
        );
    }

    /// The suggestion as first written: every name of a close enough length is
    /// measured, and the first of the closest is kept if within the limit.
    fn closest_measuring_all<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
        let folded = fold(given);
        let length = folded.chars().count();
        let limit = (length / 4).clamp(1, 3);
        let mut best: Option<(usize, &'a str)> = None;
        for &name in known {
            let candidate = fold(name);
            if candidate.chars().count().abs_diff(length) > limit {
                continue;
            }
            let distance = strsim::damerau_levenshtein(&folded, &candidate);
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, name));
            }
        }
        best.filter(|&(d, _)| d <= limit).map(|(_, name)| name)
    }

    fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = crate::validate::fields::CONTACT
            .iter()
            .map(|f| f.name)
            .collect();
        names.extend(crate::validate::request::TOP_LEVEL_KEYS);
        names.extend(["industry", "company_size", "renewal_date", "seats", "bio"]);
        names
    }

    proptest::proptest! {
        /// Skipping the names that cannot win changes no suggestion.
        #[test]
        fn skipping_names_changes_no_suggestion(
            base in proptest::sample::select(names()),
            edits in proptest::collection::vec((0usize..64, 0u8..4, proptest::sample::select(vec!['a', 'e', 'n', 'm', '_', 'I', 'é', 'ß', '-', 'x'])), 0..5),
            free in "[a-zA-Z_é-]{0,20}",
            use_free in proptest::bool::ANY,
        ) {
            let mut given: Vec<char> = if use_free { free.chars().collect() } else { base.chars().collect() };
            for (at, kind, c) in edits {
                let at = if given.is_empty() { 0 } else { at % given.len() };
                match kind {
                    0 => given.insert(at, c),
                    1 if !given.is_empty() => { given.remove(at); }
                    2 if !given.is_empty() => given[at] = c,
                    _ if at + 1 < given.len() => given.swap(at, at + 1),
                    _ => {}
                }
            }
            let given: String = given.into_iter().collect();
            let known = names();
            proptest::prop_assert_eq!(
                closest(&given, known.iter().copied()),
                closest_measuring_all(&given, &known),
                "{}", given
            );
        }
    }

    proptest::proptest! {
        /// The distance is strsim's, on strings of few distinct characters (so that
        /// transpositions and repeats are common) and on any strings.
        #[test]
        fn the_distance_is_strsims(
            a in "[abcé_]{0,12}",
            b in "[abcé_]{0,12}",
            c in "\\PC{0,10}",
            e in "\\PC{0,10}",
        ) {
            proptest::prop_assert_eq!(distance(&a, &b), strsim::damerau_levenshtein(&a, &b));
            proptest::prop_assert_eq!(distance(&c, &e), strsim::damerau_levenshtein(&c, &e));
        }
    }

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("emial", "email"), 1);
        assert_eq!(distance("ca", "abc"), 2);
        assert_eq!(distance("firstname", "lastname"), 3);
    }

    #[test]
    fn suggests_for_typos_only_when_close() {
        assert_eq!(closest("emial", ["email", "phone"]), Some("email"));
        assert_eq!(closest("favouriteColour", ["firstName", "city"]), None);
    }
}
