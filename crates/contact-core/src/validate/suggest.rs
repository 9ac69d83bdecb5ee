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
            strsim::damerau_levenshtein(&folded, &candidate)
        };
        if distance <= within {
            best = Some((distance, name));
        }
    }
    best.map(|(_, name)| name)
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
    use super::{closest, fold};

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

    #[test]
    fn suggests_for_typos_only_when_close() {
        assert_eq!(closest("emial", ["email", "phone"]), Some("email"));
        assert_eq!(closest("favouriteColour", ["firstName", "city"]), None);
    }
}
