//! `created_at` timestamps: RFC 3339 in UTC with milliseconds, the form JavaScript's
//! `Date.prototype.toISOString` gives, so that rows written by this tool and by the
//! Worker sort and compare alike as text.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time, e.g. `2026-05-01T12:34:56.789Z`.
pub fn now() -> String {
    // A clock before 1970 is a broken clock; the epoch is as good an answer as any.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let millis = i64::try_from(since.as_millis()).unwrap_or(i64::MAX);
    format_millis(millis)
}

/// Formats milliseconds since the Unix epoch (non-negative) as RFC 3339 UTC.
pub fn format_millis(millis: i64) -> String {
    let (seconds, ms) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, exact for every day in range).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // Expected values from `date -u -d @SECONDS`.
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_millis(1_709_164_800_000), "2024-02-29T00:00:00.000Z");
        assert_eq!(format_millis(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
        assert_eq!(
            format_millis(253_402_300_799_000),
            "9999-12-31T23:59:59.000Z"
        );
        assert_eq!(format_millis(1_000_000_000_123), "2001-09-09T01:46:40.123Z");
    }

    #[test]
    fn now_is_rfc3339_utc() {
        let now = now();
        assert_eq!(now.len(), 24);
        assert!(now.ends_with('Z'));
        assert!(now.as_str() > "2020");
    }
}
