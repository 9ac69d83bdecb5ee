//! "Did you mean …?" for unknown keys: `first_name` → `firstName`.

/// The known name closest to `given`, if one is close enough to be a likely typo:
/// the same letters ignoring case and `_`/`-`, or within a small edit distance.
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = fold(given);
    let length = folded.chars().count();
    let limit = (length / 4).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for name in known {
        let candidate = fold(name);
        // The distance is at least the difference in length: most names need no more.
        if candidate.chars().count().abs_diff(length) > limit {
            continue;
        }
        let distance = if candidate == folded {
            0
        } else {
            strsim::damerau_levenshtein(&folded, &candidate)
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, name));
        }
    }
    best.filter(|&(d, _)| d <= limit).map(|(_, name)| name)
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

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

    #[test]
    fn suggests_for_typos_only_when_close() {
        assert_eq!(closest("emial", ["email", "phone"]), Some("email"));
        assert_eq!(closest("favouriteColour", ["firstName", "city"]), None);
    }
}
