//! JSON strings: found as spans in one pass, unescaped only when read and only if
//! they hold escapes.

use std::borrow::Cow;

use super::reader::{Array, Fault, Reader, Syntax};

/// A string value: the bytes between its quotes in the part it was read from, and
/// whether they hold escapes.
///
/// Two words, the flag in the top bit of the second (a slice is at most `isize::MAX`
/// bytes long, so no position uses that bit): a span is copied as two plain words,
/// which keeps the compiler from shuffling a padded struct through the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Text {
    start: usize,
    end_and_escaped: usize,
}

/// The top bit of [`Text::end_and_escaped`].
const ESCAPED: usize = 1 << (usize::BITS - 1);

impl Text {
    /// The span from `start` to `end`, with or without escapes.
    #[inline(always)]
    fn new(start: usize, end: usize, escaped: bool) -> Self {
        Self {
            start,
            end_and_escaped: end | if escaped { ESCAPED } else { 0 },
        }
    }

    #[inline(always)]
    fn end(self) -> usize {
        self.end_and_escaped & !ESCAPED
    }

    #[inline(always)]
    fn escaped(self) -> bool {
        self.end_and_escaped & ESCAPED != 0
    }

    /// The string's value as bytes (UTF-8), borrowed from `part` unless it has
    /// escapes.
    #[inline]
    pub(crate) fn bytes(self, part: &[u8]) -> Cow<'_, [u8]> {
        if self.escaped() {
            Cow::Owned(self.read(part).into_owned().into_bytes())
        } else {
            Cow::Borrowed(part.get(self.start..self.end()).unwrap_or_default())
        }
    }

    /// Whether the string's value is `value`, comparing bytes in place unless it has
    /// escapes.
    pub(crate) fn is(self, part: &[u8], value: &str) -> bool {
        if self.escaped() {
            self.read(part) == value
        } else {
            part.get(self.start..self.end()) == Some(value.as_bytes())
        }
    }

    /// The string's value, borrowed from `part` unless it has escapes. `part` must be
    /// the text the span was read from.
    pub(crate) fn read(self, part: &[u8]) -> Cow<'_, str> {
        let raw = part.get(self.start..self.end()).unwrap_or_default();
        // The scanner validated the span as UTF-8, so this borrows: it checks again,
        // which for the short strings read on the hot path costs little and keeps the
        // crate free of `unsafe` (and, were a span ever not UTF-8, would replace the
        // bad bytes rather than read them as text).
        let raw = match std::str::from_utf8(raw) {
            Ok(raw) => Cow::Borrowed(raw),
            Err(_) => String::from_utf8_lossy(raw),
        };
        if self.escaped() {
            Cow::Owned(unescape(&raw))
        } else {
            raw
        }
    }
}

/// An array whose elements are all strings, kept as its span: the elements are read
/// again when needed, so no list is built for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TextList {
    start: usize,
    len: usize,
}

impl TextList {
    /// The list of an array that holds only strings.
    pub(crate) fn new(array: Array) -> Self {
        Self {
            start: array.start,
            len: array.len(),
        }
    }

    /// How many strings the array holds.
    pub(crate) fn len(self) -> usize {
        self.len
    }

    /// The strings, in order. `part` must be the text the array was read from.
    pub(crate) fn iter(self, part: &[u8]) -> impl Iterator<Item = Cow<'_, str>> {
        self.texts(part).map(move |text| text.read(part))
    }

    /// Whether one of the strings is `value`.
    pub(crate) fn contains(self, part: &[u8], value: &str) -> bool {
        // Fast path (the policy asks this of `amr` for every token): elements are
        // compared in place, quote to quote, as long as they are plain ASCII without
        // escapes; the first other one sends the question down the careful path.
        let mut pos = self.start.saturating_add(1);
        for _ in 0..self.len {
            // Between elements there are only whitespace and commas.
            while part.get(pos).is_some_and(|&byte| byte != b'"') {
                pos += 1;
            }
            let start = pos + 1;
            let end = skip_plain(part, start);
            if part.get(end) != Some(&b'"') {
                return self.texts(part).any(|text| text.is(part, value));
            }
            if part.get(start..end) == Some(value.as_bytes()) {
                return true;
            }
            pos = end + 1;
        }
        false
    }

    /// The spans of the strings.
    fn texts(self, part: &[u8]) -> impl Iterator<Item = Text> {
        let mut reader = Reader::at(part, self.start.saturating_add(1));
        std::iter::from_fn(move || {
            // The array was read before: whitespace, commas and strings up to `]`.
            loop {
                match reader.skip_whitespace() {
                    Some(b',') => reader.pos += 1,
                    Some(b'"') => {
                        reader.pos += 1;
                        return reader.string().ok();
                    }
                    _ => return None,
                }
            }
        })
        .take(self.len)
    }
}

/// Bytes with every byte equal to 1.
const ONES: u64 = 0x0101_0101_0101_0101;
/// Bytes with only the high bit set.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Flags the bytes of `word` that end a run of plain string content: `"`, `\`, the
/// control characters below 0x20, and bytes of non-ASCII characters (checked as
/// UTF-8 one by one, off the fast path); the lowest flagged byte is always a real
/// one. Flipping bit 1 maps `"` (0x22) to 0x20 and keeps control characters below
/// 0x20, so one comparison, "below 0x21", finds both; a byte with its high bit set
/// is flagged as it is, so the "not above 0x7F" mask of a general byte comparison
/// drops out.
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    let quote_or_control = (word ^ (ONES * 0x02)).wrapping_sub(ONES * 0x21);
    let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    (quote_or_control | backslash | word) & HIGH
}

fn is_special(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || !(0x20..0x80).contains(&byte)
}

/// The length of the UTF-8 sequence at `at` (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), or `None` if there is none.
fn utf8_len(bytes: &[u8], at: usize) -> Option<usize> {
    let next = |i: usize, low: u8, high: u8| {
        bytes
            .get(at + i)
            .is_some_and(|byte| (low..=high).contains(byte))
    };
    let tail = |from: usize, len: usize| (from..len).all(|i| next(i, 0x80, 0xBF));
    let (len, second_low, second_high) = match *bytes.get(at)? {
        0xC2..=0xDF => (2, 0x80, 0xBF),
        0xE0 => (3, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
        0xED => (3, 0x80, 0x9F),
        0xF0 => (4, 0x90, 0xBF),
        0xF1..=0xF3 => (4, 0x80, 0xBF),
        0xF4 => (4, 0x80, 0x8F),
        _ => return None,
    };
    (next(1, second_low, second_high) && tail(2, len)).then_some(len)
}

/// The position of the first byte at or after `pos` that is not plain string
/// content (or the end of `bytes`): sixteen bytes at a time, as two words, so the
/// loop's own cost and the constants are shared by both.
#[inline(always)]
pub(super) fn skip_plain(bytes: &[u8], pos: usize) -> usize {
    let rest = bytes.get(pos..).unwrap_or_default();
    let (pairs, tail) = rest.as_chunks::<16>();
    let mut at = pos;
    for pair in pairs {
        let (low, high) = pair.split_at(8);
        let (Some(low), Some(high)) = (low.first_chunk::<8>(), high.first_chunk::<8>()) else {
            break;
        };
        let low = special_bytes(u64::from_le_bytes(*low));
        let high = special_bytes(u64::from_le_bytes(*high));
        if low | high != 0 {
            let first = if low != 0 {
                low.trailing_zeros() / 8
            } else {
                8 + high.trailing_zeros() / 8
            };
            return at + first as usize;
        }
        at += 16;
    }
    let (words, tail) = tail.as_chunks::<8>();
    for word in words {
        let special = special_bytes(u64::from_le_bytes(*word));
        if special != 0 {
            return at + (special.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    for &byte in tail {
        if is_special(byte) {
            return at;
        }
        at += 1;
    }
    at
}

impl Reader<'_> {
    /// Reads a string whose opening quote has been read; the position ends after the
    /// closing quote. Validates escapes (including surrogate pairs) and UTF-8, and
    /// refuses raw control characters.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<Text, Fault> {
        let start = self.pos;
        let end = skip_plain(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return Ok(Text::new(start, end, false));
        }
        self.string_after(start, end)
    }

    /// The rest of a string from `at`, a byte that is not plain content: an escape,
    /// a control character or the end of the text (strings with escapes are rare in
    /// tokens, so this is kept out of the hot path).
    #[cold]
    #[inline(never)]
    pub(super) fn string_after(&mut self, start: usize, mut at: usize) -> Result<Text, Fault> {
        let mut escaped = false;
        loop {
            self.pos = at + 1;
            match self.bytes.get(at) {
                Some(b'"') => {
                    return Ok(Text::new(start, at, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(0x80..) => match utf8_len(self.bytes, at) {
                    Some(len) => self.pos = at + len,
                    None => return Err(self.syntax_before(Syntax::InvalidUtf8)),
                },
                Some(_) => return Err(self.syntax_before(Syntax::ControlCharacter)),
                None => {
                    self.pos = at;
                    return Err(self.syntax(Syntax::EofInString));
                }
            }
            at = skip_plain(self.bytes, self.pos);
        }
    }

    /// One escape, after its backslash.
    fn escape(&mut self) -> Result<(), Fault> {
        match self.next_byte() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(()),
            Some(b'u') => self.unicode_escape(),
            Some(_) => Err(self.syntax_before(Syntax::InvalidEscape)),
            None => Err(self.syntax(Syntax::EofInString)),
        }
    }

    /// `\uXXXX` after its `u`: a surrogate must come as a high-low pair.
    fn unicode_escape(&mut self) -> Result<(), Fault> {
        let unit = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&unit) {
            return Err(self.syntax(Syntax::LoneSurrogate));
        }
        if !(0xD800..=0xDBFF).contains(&unit) {
            return Ok(());
        }
        for expected in [b'\\', b'u'] {
            match self.next_byte() {
                Some(byte) if byte == expected => {}
                Some(_) => return Err(self.syntax_before(Syntax::UnexpectedEndOfHexEscape)),
                None => return Err(self.syntax(Syntax::EofInString)),
            }
        }
        let low = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&low) {
            Ok(())
        } else {
            Err(self.syntax(Syntax::LoneSurrogate))
        }
    }

    fn hex4(&mut self) -> Result<u16, Fault> {
        let Some(digits) = self
            .bytes
            .get(self.pos..)
            .and_then(<[u8]>::first_chunk::<4>)
        else {
            self.pos = self.bytes.len();
            return Err(self.syntax(Syntax::EofInString));
        };
        let unit = hex4(digits);
        self.pos += 4;
        unit.ok_or_else(|| self.syntax_before(Syntax::InvalidEscape))
    }
}

/// Four hex digits (either case) as a UTF-16 code unit.
fn hex4(digits: &[u8; 4]) -> Option<u16> {
    digits.iter().try_fold(0u16, |unit, &digit| {
        let value = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            b'A'..=b'F' => digit - b'A' + 10,
            _ => return None,
        };
        Some(unit << 4 | u16::from(value))
    })
}

/// The value of string content that [`Reader::string`] accepted: escapes decoded.
/// (Total on any input: anything it could not decode would come out as U+FFFD, but
/// accepted content never has such a thing.)
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((plain, escape)) = rest.split_once('\\') {
        out.push_str(plain);
        let mut bytes = escape.bytes();
        let decoded = match bytes.next() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let (decoded, used) = unicode(escape.as_bytes().get(1..).unwrap_or_default());
                rest = escape.get(1 + used..).unwrap_or_default();
                out.push(decoded);
                continue;
            }
            _ => char::REPLACEMENT_CHARACTER,
        };
        out.push(decoded);
        rest = escape.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The character of `XXXX` (or `XXXX\uYYYY` for a surrogate pair) at the start of
/// `after_u`, and how many bytes it used.
fn unicode(after_u: &[u8]) -> (char, usize) {
    let unit = |at: usize| {
        after_u
            .get(at..)
            .and_then(<[u8]>::first_chunk::<4>)
            .and_then(hex4)
    };
    let Some(high) = unit(0) else {
        return (char::REPLACEMENT_CHARACTER, 0);
    };
    if let Some(c) = char::from_u32(u32::from(high)) {
        return (c, 4);
    }
    match (after_u.get(4..6), unit(6)) {
        (Some(b"\\u"), Some(low))
            if (0xD800..=0xDBFF).contains(&high) && (0xDC00..=0xDFFF).contains(&low) =>
        {
            let code = 0x1_0000 + ((u32::from(high) - 0xD800) << 10 | (u32::from(low) - 0xDC00));
            (
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
                10,
            )
        }
        _ => (char::REPLACEMENT_CHARACTER, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition [`skip_plain`] must agree with, byte by byte.
    fn skip_plain_reference(bytes: &[u8], pos: usize) -> usize {
        bytes
            .iter()
            .enumerate()
            .skip(pos)
            .find(|(_, byte)| is_special(**byte))
            .map_or(bytes.len().max(pos), |(at, _)| at)
    }

    #[test]
    fn skip_plain_stops_at_every_special_byte_in_every_position() {
        // Every byte value, at every offset of the 16-byte chunks, the 8-byte words
        // and the tail, with plain content before it and a start inside the text.
        for len in 0..48 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    for start in [0, 1, 7, 17] {
                        assert_eq!(
                            skip_plain(&text, start),
                            skip_plain_reference(&text, start),
                            "len {len}, byte {byte:#04x} at {at}, start {start}"
                        );
                    }
                }
            }
        }
        // Two special bytes: the first one counts.
        let text = b"aaaaaaaaaa\"aaaaaaaaaaaaaaa\\aaaaa";
        assert_eq!(skip_plain(text, 0), 10);
        assert_eq!(skip_plain(text, 11), 26);
        assert_eq!(skip_plain(b"", 0), 0);
        assert_eq!(skip_plain(b"ab", 5), 5);
    }
}
