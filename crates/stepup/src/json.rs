//! Strict JSON reading: duplicate member names and deep nesting are rejected in one pass.
//!
//! serde_json keeps the last of duplicated names and allows 128 levels of nesting;
//! docs/verification-rules.md asks for rejection of duplicates anywhere and a configurable depth.
//! These seeds run inside serde_json's parser so the header and payload are read
//! once, with borrowed strings where there are no escapes.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, Part, Shown};

/// Why strict parsing stopped, when it was our rule and not a JSON syntax error.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    Duplicate(String),
    TooDeep,
    /// A claim or header member of the wrong type or range.
    Member {
        name: &'static str,
        reason: &'static str,
    },
}

/// Shared state of one parse: the depth limit and the first fault seen.
pub(crate) struct Ctx {
    max_depth: usize,
    fault: Cell<Option<Fault>>,
}

impl Ctx {
    pub(crate) fn new(max_depth: usize) -> Self {
        Self {
            max_depth,
            fault: Cell::new(None),
        }
    }

    /// Records `fault` and returns a serde error that stops the parse.
    pub(crate) fn fail<E: de::Error>(&self, fault: Fault) -> E {
        let message = match &fault {
            Fault::Duplicate(_) => "duplicate member",
            Fault::TooDeep => "too deep",
            Fault::Member { reason, .. } => reason,
        };
        self.fault.set(Some(fault));
        E::custom(message)
    }

    /// Checks that a container at `depth` (top-level object = 1) is within the limit.
    pub(crate) fn enter<E: de::Error>(&self, depth: usize) -> Result<(), E> {
        if depth > self.max_depth {
            Err(self.fail(Fault::TooDeep))
        } else {
            Ok(())
        }
    }

    /// Turns the outcome of a parse into a crate error for `part`.
    pub(crate) fn finish<T>(
        &self,
        part: Part,
        result: Result<T, serde_json::Error>,
    ) -> Result<T, Error> {
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        Err(match self.fault.take() {
            Some(Fault::Duplicate(name)) => Error::DuplicateMember {
                part,
                name: Shown::new(name),
            },
            Some(Fault::TooDeep) => Error::JsonTooDeep {
                part,
                max: self.max_depth,
            },
            Some(Fault::Member { name, reason }) => match part {
                Part::Header => Error::InvalidHeader { name },
                _ => Error::InvalidClaim {
                    claim: name,
                    reason,
                },
            },
            None if error.to_string().starts_with("recursion limit") => Error::JsonTooDeep {
                part,
                max: self.max_depth,
            },
            None => Error::json(part, &error),
        })
    }
}

/// Parses `bytes` as one JSON value with `seed`, requiring nothing after it.
///
/// UTF-8 is validated once for the whole text (a fast, vectorised check) so the
/// JSON reader need not validate each string again.
pub(crate) fn parse<'de, S: DeserializeSeed<'de>>(
    ctx: &Ctx,
    part: Part,
    bytes: &'de [u8],
    seed: S,
) -> Result<S::Value, Error> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(Error::InvalidJson {
            part,
            reason: "not valid UTF-8".into(),
        });
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let result = seed
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value));
    ctx.finish(part, result)
}

/// Checks that `bytes` hold one strict JSON value (no duplicates, bounded depth).
pub(crate) fn check(bytes: &[u8], max_depth: usize, part: Part) -> Result<(), Error> {
    let ctx = Ctx::new(max_depth);
    let seed = Any {
        ctx: &ctx,
        depth: 1,
    };
    parse(&ctx, part, bytes, seed).map(|_| ())
}

/// Seed for a member name: borrowed when the JSON has no escapes.
pub(crate) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Remembers the member names of one object and reports the first duplicate.
///
/// Linear search while small (the common case, no hashing), a hash set past 32
/// names so a 64 KiB object of distinct names stays linear-time overall.
#[derive(Default)]
pub(crate) struct SeenNames<'de> {
    names: Vec<Cow<'de, str>>,
    set: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> SeenNames<'de> {
    /// Adds `name`; returns false if it was already there.
    pub(crate) fn insert(&mut self, name: Cow<'de, str>) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(name);
        }
        if self.names.contains(&name) {
            return false;
        }
        if self.names.capacity() == 0 {
            // One allocation for the common object sizes instead of 4 → 8 → 16 growth.
            self.names.reserve_exact(16);
        }
        self.names.push(name);
        if self.names.len() > 32 {
            self.set = Some(self.names.drain(..).collect());
        }
        true
    }
}

/// A JSON value reduced to what the verifier needs from unknown or loosely typed members.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnyValue<'de> {
    Str(Cow<'de, str>),
    Number(f64),
    Bool(bool),
    Null,
    /// An array; `strings` holds its elements if every one is a string.
    Array {
        strings: Option<Vec<Cow<'de, str>>>,
    },
    Object,
}

impl AnyValue<'_> {
    /// The JSON type name, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::Number(_) => "number",
            Self::Bool(_) => "boolean",
            Self::Null => "null",
            Self::Array { .. } => "array",
            Self::Object => "object",
        }
    }
}

/// Seed that reads any value at `depth`, enforcing the strict rules below it.
#[derive(Clone, Copy)]
pub(crate) struct Any<'c> {
    pub(crate) ctx: &'c Ctx,
    pub(crate) depth: usize,
}

impl<'de> DeserializeSeed<'de> for Any<'_> {
    type Value = AnyValue<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Any<'_> {
    type Value = AnyValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(AnyValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(AnyValue::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        // Integers above 2^63 would round down to 2^63 as f64 and pass the NumericDate
        // range check; keep them out of range exactly.
        if v > 1 << 63 {
            return Ok(AnyValue::Number(f64::INFINITY));
        }
        Ok(AnyValue::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(AnyValue::Number(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyValue::Null)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(AnyValue::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(AnyValue::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(AnyValue::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.ctx.enter(self.depth)?;
        let inner = Any {
            ctx: self.ctx,
            depth: self.depth + 1,
        };
        let mut strings = Some(Vec::new());
        while let Some(element) = seq.next_element_seed(inner)? {
            match (element, &mut strings) {
                (AnyValue::Str(s), Some(list)) => list.push(s),
                _ => strings = None,
            }
        }
        Ok(AnyValue::Array { strings })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        self.ctx.enter(self.depth)?;
        let inner = Any {
            ctx: self.ctx,
            depth: self.depth + 1,
        };
        let mut seen = SeenNames::default();
        while let Some(name) = map.next_key_seed(KeySeed)? {
            if !seen.insert(name.clone()) {
                return Err(self.ctx.fail(Fault::Duplicate(name.into_owned())));
            }
            map.next_value_seed(inner)?;
        }
        Ok(AnyValue::Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(json: &str, depth: usize) -> Result<(), &'static str> {
        check(json.as_bytes(), depth, Part::Payload).map_err(|e| e.code())
    }

    #[test]
    fn accepts_plain_objects() {
        assert_eq!(code(r#"{"a":1,"b":[1,{"c":"d"}],"e":null}"#, 64), Ok(()));
    }

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert_eq!(code(r#"{"a":1,"a":2}"#, 64), Err("duplicate_member"));
        assert_eq!(
            code(r#"{"x":[{"a":1,"a":2}]}"#, 64),
            Err("duplicate_member")
        );
        // Escaped and plain spellings of one name are the same name.
        assert_eq!(code(r#"{"a":1,"\u0061":2}"#, 64), Err("duplicate_member"));
    }

    #[test]
    fn rejects_duplicates_in_large_objects() {
        let mut json = String::from("{");
        for i in 0..40 {
            json.push_str(&format!("\"k{i}\":{i},"));
        }
        json.push_str("\"k3\":0}");
        assert_eq!(code(&json, 64), Err("duplicate_member"));
    }

    #[test]
    fn depth_limit_is_exact() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        // top-level object is depth 1, so 63 arrays inside it make 64 levels.
        assert_eq!(code(&format!("{{\"a\":{}}}", nested(63)), 64), Ok(()));
        assert_eq!(
            code(&format!("{{\"a\":{}}}", nested(64)), 64),
            Err("json_too_deep")
        );
    }

    #[test]
    fn very_deep_input_is_rejected_cheaply() {
        let json = format!("{{\"a\":{}", "[".repeat(100_000));
        assert_eq!(code(&json, 64), Err("json_too_deep"));
    }

    #[test]
    fn rejects_trailing_data_and_bad_utf8() {
        assert_eq!(code(r#"{"a":1} x"#, 64), Err("invalid_json"));
        assert_eq!(
            check(b"{\"a\":\"\xff\"}", 64, Part::Payload).map_err(|e| e.code()),
            Err("invalid_json")
        );
    }
}
