//! Countries as ISO 3166-1 alpha-2 codes, the officially assigned ones; accepted in
//! either case and stored upper-case.
//!
//! ```
//! use contact_core::rules::country::normalize;
//! assert_eq!(normalize("us").unwrap(), "US");
//! assert_eq!(normalize("UK").unwrap_err().code, "invalid_country"); // GB is the code
//! ```

use super::{ProblemCode, Violation};

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted, written one after
/// another: one string, rather than a table of 249 string references, which took
/// four times the bytes in the browser module.
const CODES: &str = concat!(
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZ",
    "BABBBDBEBFBGBHBIBJBLBMBNBOBQBRBS",
    "BTBVBWBYBZCACCCDCFCGCHCICKCLCMCN",
    "COCRCUCVCWCXCYCZDEDJDKDMDODZECEE",
    "EGEHERESETFIFJFKFMFOFRGAGBGDGEGF",
    "GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHM",
    "HNHRHTHUIDIEILIMINIOIQIRISITJEJM",
    "JOJPKEKGKHKIKMKNKPKRKWKYKZLALBLC",
    "LILKLRLSLTLULVLYMAMCMDMEMFMGMHMK",
    "MLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA",
    "NCNENFNGNINLNONPNRNUNZOMPAPEPFPG",
    "PHPKPLPMPNPRPSPTPWPYQARERORSRURW",
    "SASBSCSDSESGSHSISJSKSLSMSNSOSRSS",
    "STSVSXSYSZTCTDTFTGTHTJTKTLTMTNTO",
    "TRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI",
    "VNVUWFWSYEYTZAZMZW",
);

/// The officially assigned codes, sorted.
pub fn codes() -> impl ExactSizeIterator<Item = &'static str> {
    (0..CODES.len() / 2).map(|i| &CODES[2 * i..2 * i + 2])
}

/// The upper-case code, or a violation when it is not an assigned one.
pub fn normalize(value: &str) -> Result<String, Violation> {
    let upper = value.to_ascii_uppercase();
    let (pairs, _) = CODES.as_bytes().as_chunks::<2>();
    let assigned = match *upper.as_bytes() {
        [a, b] => pairs.binary_search(&[a, b]).is_ok(),
        _ => false,
    };
    if assigned {
        Ok(upper)
    } else {
        Err(Violation::new(
            ProblemCode::InvalidCountry,
            "must be an ISO 3166-1 alpha-2 country code such as US, GB or DE",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{codes, normalize};

    #[test]
    fn codes_are_249_sorted_and_distinct() {
        let all: Vec<&str> = codes().collect();
        assert_eq!(all.len(), 249);
        assert!(all
            .iter()
            .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((all[0], all[248]), ("AD", "ZW"));
    }

    #[test]
    fn every_assigned_code_in_either_case_and_nothing_else() {
        let all: Vec<&str> = codes().collect();
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap();
                let assigned = all.contains(&code.as_str());
                assert_eq!(normalize(&code).ok(), assigned.then(|| code.clone()));
                assert_eq!(
                    normalize(&code.to_lowercase()).ok(),
                    assigned.then(|| code.clone())
                );
            }
        }
        assert!(normalize("U").is_err() && normalize("USA").is_err() && normalize("").is_err());
    }
}
