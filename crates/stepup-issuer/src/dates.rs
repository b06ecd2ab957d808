//! NumericDates for people: an RFC 3339 UTC date and an age relative to now.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `unix` as an RFC 3339 date in UTC (`2023-11-14T22:13:20Z`), or `None` outside the
/// years the format can write.
pub(crate) fn rfc3339(unix: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// How far `unix` is from `now`: `12 s ago`, `in 4 min`, `now`.
pub(crate) fn age(unix: i64, now: i64) -> String {
    let delta = i128::from(unix) - i128::from(now);
    let span = span(delta.unsigned_abs());
    match delta.signum() {
        0 => "now".to_owned(),
        1 => format!("in {span}"),
        _ => format!("{span} ago"),
    }
}

/// A duration rounded down to the largest unit that keeps it readable.
fn span(seconds: u128) -> String {
    if seconds < 120 {
        format!("{seconds} s")
    } else if seconds < 120 * 60 {
        format!("{} min", seconds / 60)
    } else if seconds < 48 * 3600 {
        format!("{} h", seconds / 3600)
    } else {
        format!("{} days", seconds / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_rfc3339() {
        assert_eq!(
            rfc3339(1_700_000_000).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(rfc3339(i64::MAX), None);
    }

    #[test]
    fn ages_read_as_past_or_future() {
        let now = 1_700_000_000;
        for (unix, expected) in [
            (now, "now"),
            (now - 12, "12 s ago"),
            (now + 1, "in 1 s"),
            (now + 119, "in 119 s"),
            (now + 4 * 60 + 30, "in 4 min"),
            (now - 3600, "60 min ago"),
            (now + 3 * 3600, "in 3 h"),
            (now - 3 * 86_400, "3 days ago"),
            (i64::MIN, "106751991186976 days ago"),
        ] {
            assert_eq!(age(unix, now), expected, "{unix}");
        }
    }
}
