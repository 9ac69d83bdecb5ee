//! Countries as ISO 3166-1 alpha-2 codes, the officially assigned ones; accepted in
//! either case and stored upper-case.
//!
//! ```
//! use contact_core::rules::country::normalize;
//! assert_eq!(normalize("us").unwrap(), "US");
//! assert_eq!(normalize("UK").unwrap_err().code, "invalid_country"); // GB is the code
//! ```

use super::{ProblemCode, Violation};

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted.
pub const CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// The upper-case code, or a violation when it is not an assigned one.
pub fn normalize(value: &str) -> Result<String, Violation> {
    let upper = value.to_ascii_uppercase();
    if upper.len() == 2 && CODES.binary_search(&upper.as_str()).is_ok() {
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
    #[test]
    fn codes_are_sorted_and_distinct() {
        assert!(super::CODES.windows(2).all(|w| w[0] < w[1]));
    }
}
