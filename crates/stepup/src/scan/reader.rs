//! The grammar: values, arrays and objects, with the strict rules on the way.
//!
//! Errors are the ones serde_json reports for the same input, in the same order (the
//! first fault in document order wins), so a rejected token keeps its error code.

use std::borrow::Cow;

use super::names::NameSet;
use super::text::{Text, skip_plain};

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    /// Not JSON: a syntax error at a byte offset.
    Syntax { what: Syntax, at: usize },
    /// A JSON value where an object is required (the header, the payload).
    NotObject { at: usize },
    /// A number whose magnitude overflows to infinity.
    OutOfRange { at: usize },
    /// A member name twice in one object (compared after unescaping).
    Duplicate(String),
    /// An array or object nested deeper than the limit.
    TooDeep,
    /// A claim of the wrong type or range.
    Claim {
        claim: &'static str,
        reason: &'static str,
    },
}

/// The syntax errors, worded as serde_json words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    EofInList,
    EofInObject,
    EofInString,
    EofInValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedIdent,
    ExpectedValue,
    InvalidEscape,
    InvalidNumber,
    ControlCharacter,
    InvalidUtf8,
    KeyMustBeAString,
    LoneSurrogate,
    UnexpectedEndOfHexEscape,
    TrailingComma,
    TrailingCharacters,
}

impl Fault {
    /// The fault of a member name seen twice in one object.
    #[cold]
    pub(crate) fn duplicate(name: Cow<'_, [u8]>) -> Self {
        Self::Duplicate(String::from_utf8_lossy(&name).into_owned())
    }
}

impl Syntax {
    /// The message, without position.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::EofInList => "EOF while parsing a list",
            Self::EofInObject => "EOF while parsing an object",
            Self::EofInString => "EOF while parsing a string",
            Self::EofInValue => "EOF while parsing a value",
            Self::ExpectedColon => "expected `:`",
            Self::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Self::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Self::ExpectedIdent => "expected ident",
            Self::ExpectedValue => "expected value",
            Self::InvalidEscape => "invalid escape",
            Self::InvalidNumber => "invalid number",
            Self::ControlCharacter => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Self::InvalidUtf8 => "not valid UTF-8",
            Self::KeyMustBeAString => "key must be a string",
            Self::LoneSurrogate => "lone leading surrogate in hex escape",
            Self::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Self::TrailingComma => "trailing comma",
            Self::TrailingCharacters => "trailing characters",
        }
    }
}

/// A value as the claim checks need it: strings as spans, numbers as `f64`, and for
/// arrays whether every element is a string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value {
    Text(Text),
    Number(f64),
    Bool,
    Null,
    Array(Array),
    Object,
}

impl Value {
    /// The JSON type name, for messages (as the serde layer names them).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Text(_) => "string",
            Self::Number(_) => "number",
            Self::Bool => "boolean",
            Self::Null => "null",
            Self::Array(_) => "array",
            Self::Object => "object",
        }
    }
}

/// Where an array starts (its `[`), how long it is, and whether all its elements are
/// strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Array {
    pub(crate) start: usize,
    /// The length, and in the top bit whether all elements are strings (as in
    /// [`Text`], two plain words copy better than a padded struct).
    len_and_all_text: usize,
}

/// The top bit of [`Array::len_and_all_text`].
const ALL_TEXT: usize = 1 << (usize::BITS - 1);

impl Array {
    /// How many elements the array has.
    pub(crate) fn len(self) -> usize {
        self.len_and_all_text & !ALL_TEXT
    }

    /// Whether every element is a string (true for an empty array).
    pub(crate) fn all_text(self) -> bool {
        self.len_and_all_text & ALL_TEXT != 0
    }
}

/// A cursor over one JSON text.
pub(crate) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    max_depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`; containers nest at most `max_depth` deep
    /// (the top-level object is depth 1).
    pub(crate) fn new(bytes: &'a [u8], max_depth: usize) -> Self {
        Self {
            bytes,
            pos: 0,
            max_depth,
        }
    }

    /// A reader at `pos` of `bytes`, for walking again over a part already read.
    pub(super) fn at(bytes: &'a [u8], pos: usize) -> Self {
        Self {
            bytes,
            pos,
            max_depth: usize::MAX,
        }
    }

    #[inline(always)]
    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    pub(super) fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    /// A syntax error at the next byte. Cold, like every fault: the compiler then
    /// moves the paths that end in one away from the paths tokens take, which packs
    /// those into fewer lines of instruction cache.
    #[cold]
    pub(super) fn syntax(&self, what: Syntax) -> Fault {
        Fault::Syntax { what, at: self.pos }
    }

    /// A syntax error at the byte just read.
    #[cold]
    pub(super) fn syntax_before(&self, what: Syntax) -> Fault {
        Fault::Syntax {
            what,
            at: self.pos.saturating_sub(1),
        }
    }

    /// Skips JSON whitespace; returns the next byte without consuming it.
    #[inline]
    pub(super) fn skip_whitespace(&mut self) -> Option<u8> {
        loop {
            match self.peek() {
                Some(b' ' | b'\n' | b'\t' | b'\r') => self.pos += 1,
                other => return other,
            }
        }
    }

    /// Reads the top-level object, handing each member name to `on_member`, which
    /// must read the colon and the value ([`colon`](Self::colon), [`value`](Self::value)).
    /// Nothing but whitespace may follow the object.
    #[inline(always)]
    pub(crate) fn object_members<F>(&mut self, mut on_member: F) -> Result<(), Fault>
    where
        F: FnMut(&mut Self, Cow<'a, [u8]>) -> Result<(), Fault>,
    {
        match self.skip_whitespace() {
            Some(b'{') => self.pos += 1,
            None => return Err(self.syntax(Syntax::EofInValue)),
            Some(_) => return Err(self.not_object()),
        }
        let mut first = true;
        loop {
            // Fast path: compact JSON, a name without escapes (`"` or `,"` next).
            let name = match (self.peek(), first) {
                (Some(b'"'), true) => {
                    first = false;
                    self.pos += 1;
                    self.name()?
                }
                (Some(b','), false) if self.bytes.get(self.pos + 1) == Some(&b'"') => {
                    self.pos += 2;
                    self.name()?
                }
                _ => match self.next_name(&mut first)? {
                    Some(name) => name,
                    None => break,
                },
            };
            on_member(self, name)?;
        }
        match self.skip_whitespace() {
            None => Ok(()),
            Some(_) => Err(self.syntax(Syntax::TrailingCharacters)),
        }
    }

    /// The fault for a top-level value that is not an object. Like serde_json, a
    /// malformed string or number there is reported as such first.
    #[cold]
    fn not_object(&mut self) -> Fault {
        let at = self.pos;
        if matches!(self.peek(), Some(b'[')) {
            return Fault::NotObject { at };
        }
        match self.value(1) {
            Err(fault @ (Fault::Syntax { .. } | Fault::OutOfRange { .. })) => fault,
            _ => Fault::NotObject { at },
        }
    }

    /// The next member name of an object whose `{` has been read (unescaped, as
    /// UTF-8 bytes), or `None` at its `}` (consumed).
    #[inline]
    fn next_name(&mut self, first: &mut bool) -> Result<Option<Cow<'a, [u8]>>, Fault> {
        let next = match self.skip_whitespace() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.skip_whitespace()
            }
            Some(byte) if *first => {
                *first = false;
                Some(byte)
            }
            Some(_) => return Err(self.syntax(Syntax::ExpectedObjectCommaOrEnd)),
            None => return Err(self.syntax(Syntax::EofInObject)),
        };
        match next {
            Some(b'"') => {
                self.pos += 1;
                let name = self.string()?;
                Ok(Some(name.bytes(self.bytes)))
            }
            Some(b'}') => Err(self.syntax(Syntax::TrailingComma)),
            Some(_) => Err(self.syntax(Syntax::KeyMustBeAString)),
            None => Err(self.syntax(Syntax::EofInValue)),
        }
    }

    /// A member name whose opening quote has been read (unescaped, as UTF-8 bytes).
    #[inline(always)]
    fn name(&mut self) -> Result<Cow<'a, [u8]>, Fault> {
        let start = self.pos;
        let end = skip_plain(self.bytes, start);
        match self.bytes.get(start..=end) {
            Some([name @ .., b'"']) => {
                self.pos = end + 1;
                Ok(Cow::Borrowed(name))
            }
            _ => self.name_after(start, end),
        }
    }

    /// The rest of a member name with escapes (or an error).
    #[cold]
    #[inline(never)]
    fn name_after(&mut self, start: usize, at: usize) -> Result<Cow<'a, [u8]>, Fault> {
        let text = self.string_after(start, at)?;
        Ok(text.bytes(self.bytes))
    }

    /// Reads the `:` after a member name.
    #[inline(always)]
    pub(crate) fn colon(&mut self) -> Result<(), Fault> {
        if self.peek() == Some(b':') {
            self.pos += 1;
            return Ok(());
        }
        self.colon_after_whitespace()
    }

    #[cold]
    fn colon_after_whitespace(&mut self) -> Result<(), Fault> {
        match self.skip_whitespace() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.syntax(Syntax::ExpectedColon)),
            None => Err(self.syntax(Syntax::EofInObject)),
        }
    }

    /// Reads one value; an array or object here would be at `depth`.
    #[inline(always)]
    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, Fault> {
        // Fast path: a string or a number right here (compact JSON).
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                Ok(Value::Text(self.string()?))
            }
            Some(b'0'..=b'9') => Ok(Value::Number(self.number()?)),
            Some(b't') if self.bytes.get(self.pos..self.pos + 4) == Some(b"true") => {
                self.pos += 4;
                Ok(Value::Bool)
            }
            Some(b'f') if self.bytes.get(self.pos..self.pos + 5) == Some(b"false") => {
                self.pos += 5;
                Ok(Value::Bool)
            }
            _ => self.any_value(depth),
        }
    }

    /// [`value`](Self::value) after whitespace, and every kind of value.
    #[inline(never)]
    fn any_value(&mut self, depth: usize) -> Result<Value, Fault> {
        match self.skip_whitespace() {
            Some(b'"') => {
                self.pos += 1;
                Ok(Value::Text(self.string()?))
            }
            Some(b'-' | b'0'..=b'9') => Ok(Value::Number(self.number()?)),
            Some(b'[') => {
                self.enter(depth)?;
                Ok(Value::Array(self.array(depth)?))
            }
            Some(b'{') => {
                self.enter(depth)?;
                self.object(depth)?;
                Ok(Value::Object)
            }
            Some(b't') => self.literal(b"true").map(|()| Value::Bool),
            Some(b'f') => self.literal(b"false").map(|()| Value::Bool),
            Some(b'n') => self.literal(b"null").map(|()| Value::Null),
            Some(_) => Err(self.syntax(Syntax::ExpectedValue)),
            None => Err(self.syntax(Syntax::EofInValue)),
        }
    }

    /// Checks that a container at `depth` is within the limit (before reading into it,
    /// so deep input is refused after one byte per level).
    fn enter(&self, depth: usize) -> Result<(), Fault> {
        if depth > self.max_depth {
            Err(Fault::TooDeep)
        } else {
            Ok(())
        }
    }

    /// `true`, `false` or `null`, whose first byte is next.
    fn literal(&mut self, word: &[u8]) -> Result<(), Fault> {
        self.pos += 1;
        for expected in word.iter().skip(1) {
            match self.next_byte() {
                None => return Err(self.syntax(Syntax::EofInValue)),
                Some(byte) if byte != *expected => {
                    return Err(self.syntax_before(Syntax::ExpectedIdent));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// An array whose `[` is next.
    fn array(&mut self, depth: usize) -> Result<Array, Fault> {
        let start = self.pos;
        self.pos += 1;
        let mut len = 0;
        let mut all_text = true;
        loop {
            let next = match self.skip_whitespace() {
                Some(b']') => break,
                Some(b',') if len > 0 => {
                    self.pos += 1;
                    self.skip_whitespace()
                }
                Some(byte) if len == 0 => Some(byte),
                Some(_) => return Err(self.syntax(Syntax::ExpectedListCommaOrEnd)),
                None => return Err(self.syntax(Syntax::EofInList)),
            };
            match next {
                Some(b']') => return Err(self.syntax(Syntax::TrailingComma)),
                Some(_) => {
                    let element = self.value(depth + 1)?;
                    all_text &= matches!(element, Value::Text(_));
                    len += 1;
                }
                None => return Err(self.syntax(Syntax::EofInValue)),
            }
        }
        self.pos += 1;
        Ok(Array {
            start,
            len_and_all_text: len | if all_text { ALL_TEXT } else { 0 },
        })
    }

    /// An object (not the top level) whose `{` is next: names must be distinct.
    fn object(&mut self, depth: usize) -> Result<(), Fault> {
        self.pos += 1;
        let mut names = NameSet::new();
        let mut first = true;
        while let Some(name) = self.next_name(&mut first)? {
            names.insert(name).map_err(Fault::duplicate)?;
            self.colon()?;
            self.value(depth + 1)?;
        }
        Ok(())
    }
}
