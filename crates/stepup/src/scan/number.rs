//! JSON numbers, read to the same `f64` as serde_json 1 reads them.
//!
//! serde_json (without its `float_roundtrip` feature, as this crate builds it) reads a
//! number as a `u64` significand and a decimal exponent, then scales by a table of
//! powers of ten. That is not always correctly rounded, but it is what
//! [`VerifiedToken::deserialize_claims`](crate::VerifiedToken::deserialize_claims) and
//! the JWK parsers see, so the scanner follows it step for step: a NumericDate has the
//! same value, to the bit, on every path, and "out of range" (a magnitude the table
//! overflows to infinity) is decided exactly as before. The differential tests compare
//! the two on arbitrary input.

use super::reader::{Fault, Reader, Syntax};

/// Whether all eight bytes of `word` are ASCII digits.
fn eight_digits(word: u64) -> bool {
    let high = word & 0xF0F0_F0F0_F0F0_F0F0;
    let carried = (word.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4;
    high | carried == 0x3333_3333_3333_3333
}

/// The value of eight ASCII digits (the first in the lowest byte), in three
/// multiplications instead of eight steps.
fn eight_digits_value(word: u64) -> u32 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 100 + (1_000_000 << 32);
    const MUL2: u64 = 1 + (10_000 << 32);
    let digits = word.wrapping_sub(0x3030_3030_3030_3030);
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    let value = (pairs & MASK)
        .wrapping_mul(MUL1)
        .wrapping_add(((pairs >> 16) & MASK).wrapping_mul(MUL2))
        >> 32;
    value as u32
}

/// `a * 10 + b` would exceed `max`.
fn overflows(a: u64, b: u64, max: u64) -> bool {
    a >= max / 10 && (a > max / 10 || b > max % 10)
}

/// `a * 10 + b` would exceed `i32::MAX`.
fn overflows_i32(a: i32, b: i32) -> bool {
    a >= i32::MAX / 10 && (a > i32::MAX / 10 || b > i32::MAX % 10)
}

impl Reader<'_> {
    /// Reads a number at the current position (a `-` or a digit).
    ///
    /// Integers map to `f64` as the strict JSON layer always did: an unsigned integer
    /// above 2^63 becomes infinity, so the NumericDate range check rejects it exactly
    /// instead of seeing it rounded down to 2^63.
    #[inline(always)]
    pub(super) fn number(&mut self) -> Result<f64, Fault> {
        // Fast path: a positive integer of at most 18 digits (below 2^63, exact as a
        // u64), which is what NumericDates are; anything else takes the full path.
        let start = self.pos;
        let mut end = start;
        let mut value: u64 = 0;
        if let Some(word) = self.bytes.get(start..).and_then(<[u8]>::first_chunk::<8>) {
            let word = u64::from_le_bytes(*word);
            if eight_digits(word) {
                value = u64::from(eight_digits_value(word));
                end += 8;
            }
        }
        while let Some(&digit @ b'0'..=b'9') = self.bytes.get(end) {
            if end - start == 18 {
                break;
            }
            value = value * 10 + u64::from(digit - b'0');
            end += 1;
        }
        let leading_zero = end - start > 1 && self.bytes.get(start) == Some(&b'0');
        let more = matches!(self.bytes.get(end), Some(b'.' | b'e' | b'E' | b'0'..=b'9'));
        if end > start && !leading_zero && !more {
            self.pos = end;
            return Ok(value as f64);
        }
        self.number_in_full()
    }

    /// A number read step for step as serde_json reads it.
    #[inline(never)]
    fn number_in_full(&mut self) -> Result<f64, Fault> {
        let positive = if self.peek() == Some(b'-') {
            self.pos += 1;
            false
        } else {
            true
        };
        let Some(first) = self.next_byte() else {
            return Err(self.syntax(Syntax::EofInValue));
        };
        match first {
            b'0' => {
                // There can be only one leading '0'.
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.syntax(Syntax::InvalidNumber));
                }
                self.after_integer(positive, 0)
            }
            b'1'..=b'9' => {
                let mut significand = u64::from(first - b'0');
                while let Some(c @ b'0'..=b'9') = self.peek() {
                    let digit = u64::from(c - b'0');
                    if overflows(significand, digit, u64::MAX) {
                        return self.long_integer(positive, significand);
                    }
                    self.pos += 1;
                    significand = significand * 10 + digit;
                }
                self.after_integer(positive, significand)
            }
            _ => Err(self.syntax_before(Syntax::InvalidNumber)),
        }
    }

    /// After the integer digits: a fraction, an exponent, or the end of an integer.
    fn after_integer(&mut self, positive: bool, significand: u64) -> Result<f64, Fault> {
        match self.peek() {
            Some(b'.') => self.fraction(positive, significand, 0),
            Some(b'e' | b'E') => self.exponent(positive, significand, 0),
            _ if positive => Ok(if significand > 1 << 63 {
                f64::INFINITY
            } else {
                significand as f64
            }),
            _ => {
                let negated = (significand as i64).wrapping_neg();
                // Below i64::MIN, and -0, are read as floats.
                Ok(if negated >= 0 {
                    -(significand as f64)
                } else {
                    negated as f64
                })
            }
        }
    }

    /// An integer too long for `u64`: the further digits only scale it.
    #[cold]
    fn long_integer(&mut self, positive: bool, significand: u64) -> Result<f64, Fault> {
        let mut exponent: i32 = 0;
        loop {
            match self.peek() {
                Some(b'0'..=b'9') => {
                    self.pos += 1;
                    exponent = exponent.saturating_add(1);
                }
                Some(b'.') => return self.fraction(positive, significand, exponent),
                Some(b'e' | b'E') => return self.exponent(positive, significand, exponent),
                _ => return self.scaled(positive, significand, exponent),
            }
        }
    }

    /// A fraction: at least one digit after the point.
    fn fraction(
        &mut self,
        positive: bool,
        mut significand: u64,
        before: i32,
    ) -> Result<f64, Fault> {
        self.pos += 1;
        let mut after: i32 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            let digit = u64::from(c - b'0');
            if overflows(significand, digit, u64::MAX) {
                // Further digits cannot change the significand: skip them.
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
                return self.exponent_or_end(positive, significand, before.saturating_add(after));
            }
            self.pos += 1;
            significand = significand * 10 + digit;
            after -= 1;
        }
        if after == 0 {
            return Err(match self.peek() {
                Some(_) => self.syntax_before(Syntax::InvalidNumber),
                None => self.syntax(Syntax::EofInValue),
            });
        }
        self.exponent_or_end(positive, significand, before.saturating_add(after))
    }

    fn exponent_or_end(
        &mut self,
        positive: bool,
        significand: u64,
        exponent: i32,
    ) -> Result<f64, Fault> {
        match self.peek() {
            Some(b'e' | b'E') => self.exponent(positive, significand, exponent),
            _ => self.scaled(positive, significand, exponent),
        }
    }

    /// An exponent: an optional sign and at least one digit.
    fn exponent(&mut self, positive: bool, significand: u64, starting: i32) -> Result<f64, Fault> {
        self.pos += 1;
        let positive_exponent = match self.peek() {
            Some(b'+') => {
                self.pos += 1;
                true
            }
            Some(b'-') => {
                self.pos += 1;
                false
            }
            _ => true,
        };
        let mut exponent = match self.next_byte() {
            None => return Err(self.syntax(Syntax::EofInValue)),
            Some(c @ b'0'..=b'9') => i32::from(c - b'0'),
            Some(_) => return Err(self.syntax_before(Syntax::InvalidNumber)),
        };
        while let Some(c @ b'0'..=b'9') = self.peek() {
            self.pos += 1;
            let digit = i32::from(c - b'0');
            if overflows_i32(exponent, digit) {
                // Beyond i32: infinity (refused) or zero.
                if significand != 0 && positive_exponent {
                    return Err(Fault::OutOfRange { at: self.pos });
                }
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
                return Ok(if positive { 0.0 } else { -0.0 });
            }
            exponent = exponent * 10 + digit;
        }
        let exponent = if positive_exponent {
            starting.saturating_add(exponent)
        } else {
            starting.saturating_sub(exponent)
        };
        self.scaled(positive, significand, exponent)
    }

    /// `significand × 10^exponent`, scaled through the table as serde_json does.
    fn scaled(&self, positive: bool, significand: u64, mut exponent: i32) -> Result<f64, Fault> {
        let mut value = significand as f64;
        loop {
            match POW10.get(exponent.unsigned_abs() as usize) {
                Some(&power) => {
                    if exponent >= 0 {
                        value *= power;
                        if value.is_infinite() {
                            return Err(Fault::OutOfRange { at: self.pos });
                        }
                    } else {
                        value /= power;
                    }
                    break;
                }
                None => {
                    if value == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return Err(Fault::OutOfRange { at: self.pos });
                    }
                    value /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(if positive { value } else { -value })
    }
}

/// 10^0 ..= 10^308, each the nearest `f64` (as the compiler reads the literals).
#[rustfmt::skip]
static POW10: [f64; 309] = [
    1e000, 1e001, 1e002, 1e003, 1e004, 1e005, 1e006, 1e007, 1e008, 1e009,
    1e010, 1e011, 1e012, 1e013, 1e014, 1e015, 1e016, 1e017, 1e018, 1e019,
    1e020, 1e021, 1e022, 1e023, 1e024, 1e025, 1e026, 1e027, 1e028, 1e029,
    1e030, 1e031, 1e032, 1e033, 1e034, 1e035, 1e036, 1e037, 1e038, 1e039,
    1e040, 1e041, 1e042, 1e043, 1e044, 1e045, 1e046, 1e047, 1e048, 1e049,
    1e050, 1e051, 1e052, 1e053, 1e054, 1e055, 1e056, 1e057, 1e058, 1e059,
    1e060, 1e061, 1e062, 1e063, 1e064, 1e065, 1e066, 1e067, 1e068, 1e069,
    1e070, 1e071, 1e072, 1e073, 1e074, 1e075, 1e076, 1e077, 1e078, 1e079,
    1e080, 1e081, 1e082, 1e083, 1e084, 1e085, 1e086, 1e087, 1e088, 1e089,
    1e090, 1e091, 1e092, 1e093, 1e094, 1e095, 1e096, 1e097, 1e098, 1e099,
    1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109,
    1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119,
    1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129,
    1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139,
    1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149,
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159,
    1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169,
    1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179,
    1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189,
    1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199,
    1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209,
    1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219,
    1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229,
    1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239,
    1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249,
    1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259,
    1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269,
    1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279,
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289,
    1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299,
    1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digits_at_once() {
        for text in ["00000000", "12345678", "99999999", "17672256", "10000000"] {
            let word = u64::from_le_bytes(*text.as_bytes().first_chunk::<8>().unwrap());
            assert!(eight_digits(word), "{text}");
            assert_eq!(
                eight_digits_value(word),
                text.parse::<u32>().unwrap(),
                "{text}"
            );
        }
        for text in ["1234567a", "/2345678", ":2345678", "1234 678", "12345678"] {
            let mut bytes = *text.as_bytes().first_chunk::<8>().unwrap();
            if text == "12345678" {
                bytes[3] = 0xB3;
            }
            assert!(!eight_digits(u64::from_le_bytes(bytes)), "{text}");
        }
    }
}
