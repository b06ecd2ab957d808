//! Time as the verifier sees it: whole seconds since the Unix epoch, passed in by the caller.

use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z.
///
/// The verifier never reads the clock itself: callers pass `UnixTime::now()` in
/// production and a fixed value in tests or with `stepup verify --now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

impl UnixTime {
    /// A fixed point in time.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// The current wall-clock time (0 if the clock reads before 1970).
    pub fn now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> i64 {
        self.0
    }
}

/// A JWT NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
///
/// Only finite values within ±2^63 (inclusive) are representable; anything else is
/// rejected as an invalid claim when the token is parsed. Integers are checked
/// exactly; a fraction or exponent form is checked after conversion to a double, so
/// a value that rounds to ±2^63 counts as ±2^63.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct NumericDate(f64);

/// 2^63 as f64, the bound of NumericDates accepted (docs/verification-rules.md).
const LIMIT: f64 = 9_223_372_036_854_775_808.0;

impl NumericDate {
    /// Accepts a number if it is finite and within ±2^63.
    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && value.abs() <= LIMIT).then_some(Self(value))
    }

    /// The value as found in the token.
    pub fn as_f64(self) -> f64 {
        self.0
    }

    /// The value rounded down to whole seconds (saturating).
    pub fn as_secs(self) -> i64 {
        // `as` saturates for out-of-range floats, and `new` bounds the value.
        self.0.floor() as i64
    }
}

impl std::fmt::Display for NumericDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{}", self.as_secs())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_date_bounds() {
        assert!(NumericDate::new(1.5e9).is_some());
        assert!(NumericDate::new(-1.0).is_some());
        assert!(NumericDate::new(f64::INFINITY).is_none());
        assert!(NumericDate::new(f64::NAN).is_none());
        assert!(NumericDate::new(1e19).is_none());
        assert!(NumericDate::new(-1e19).is_none());
        assert_eq!(NumericDate::new(12.75).map(NumericDate::as_secs), Some(12));
    }
}
