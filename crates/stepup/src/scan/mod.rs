//! The strict scanner for the two JSON objects of a token: its header and payload.
//!
//! Written for this job rather than taken from a JSON crate, for two reasons.
//!
//! - docs/verification-rules.md has rules no JSON parser enforces: a duplicated member name is
//!   rejected at any depth (after unescaping: `"a"` and `"\u0061"` are one name);
//!   nesting is bounded by a configurable limit checked before descending, so deep
//!   input costs one byte per level; NumericDates are finite numbers within ±2^63;
//!   a step-up claim of the wrong type is kept (it fails the policy, not the token);
//!   and the first fault in document order decides the error code, whether it is a
//!   syntax error or one of these rules. serde_json keeps the last of duplicated
//!   names and allows 128 levels, so the previous reader ran these rules as visitors
//!   inside serde_json's parser.
//! - Cost. That reader was 43 % of an HS256 verification: serde_json's string
//!   scanning and key dispatch about 8,900 instructions, the strict visitors and the
//!   UTF-8 pass 4,300, plus an allocation per string claim. A lean verifier on
//!   borrowed serde types was no faster. This scanner reads each byte once (string
//!   content sixteen bytes at a time, NumericDates eight digits at a time), knows
//!   the standard members by name, and hands them on as spans into the decoded part
//!   (`Text`, `TextList`) and numbers, unescaping a string only when it has escapes
//!   and only when it is read. For an ordinary token it allocates nothing: member
//!   names for the duplicate check stay on the stack. On the benchmark token
//!   (`benches/cases`, HS256) the verifier's own work, everything but the HMAC, went
//!   from about 20,900 instructions to 9,700, of which the scanner is about 5,000.
//!
//! It accepts and rejects exactly what the serde_json layer did, with the same error
//! codes, and reads numbers to the same `f64` (see `number`): the differential tests
//! (`tests.rs`, and the `differential` fuzz target) compare the two on arbitrary
//! input. serde_json stays wherever speed does not matter: caller-defined claims
//! ([`VerifiedToken::deserialize_claims`](crate::VerifiedToken::deserialize_claims)),
//! [`decode_unverified`](crate::decode_unverified), and JWKs.
//!
//! UTF-8 is checked in the same pass: outside strings only ASCII is valid JSON, and
//! inside them the scan stops at any non-ASCII byte, whose character is then checked
//! on its own, so ASCII text (what tokens hold) costs nothing extra.

mod claims;
mod compare;
mod header;
mod names;
mod number;
mod reader;
mod text;

#[cfg(test)]
mod tests;

pub(crate) use claims::{Audience, ClaimSpans};
pub(crate) use compare::{compare, compare_token, hs256_token, hs256_verifier};
pub(crate) use header::{HeaderMembers, Member};
pub(crate) use text::Text;

use crate::error::{Error, Part, Shown};
use reader::Fault;

/// The error of a part that is not UTF-8.
fn not_utf8(part: Part) -> Error {
    Error::InvalidJson {
        part,
        reason: "not valid UTF-8".into(),
    }
}

/// Reads a header: a strict UTF-8 JSON object nesting at most `max_depth` levels.
pub(crate) fn header(text: &[u8], max_depth: usize) -> Result<HeaderMembers, Error> {
    header::read(text, max_depth).map_err(|fault| error(fault, Part::Header, text, max_depth))
}

/// Reads a payload: a strict UTF-8 JSON object nesting at most `max_depth` levels,
/// whose standard claims have the right types.
pub(crate) fn claims(text: &[u8], max_depth: usize) -> Result<ClaimSpans, Error> {
    let mut spans = ClaimSpans::default();
    claims_into(text, max_depth, &mut spans)?;
    Ok(spans)
}

/// [`claims()`], written to `spans` (which must be the default, no claims).
pub(crate) fn claims_into(
    text: &[u8],
    max_depth: usize,
    spans: &mut ClaimSpans,
) -> Result<(), Error> {
    claims::read(text, max_depth, spans)
        .map_err(|fault| error(fault, Part::Payload, text, max_depth))
}

/// The crate error for a fault in `part`. A part that is not UTF-8 is reported as
/// such whatever else is wrong with it (the rule the strict JSON layer had, which
/// checked UTF-8 first): the scanner checks UTF-8 as it goes, so only when it stops
/// is the whole part checked, with the standard library's validator.
#[cold]
fn error(fault: Fault, part: Part, text: &[u8], max_depth: usize) -> Error {
    if std::str::from_utf8(text).is_err() {
        return not_utf8(part);
    }
    let syntax = |what: &str, at: usize| {
        let (line, column) = position(text, at);
        Error::InvalidJson {
            part,
            reason: format!("{what} at line {line} column {column}"),
        }
    };
    match fault {
        Fault::Syntax { what, at } => syntax(what.message(), at),
        Fault::NotObject { at } => syntax("unexpected JSON type or value", at),
        Fault::OutOfRange { at } => syntax("number out of range", at),
        Fault::Duplicate(name) => Error::DuplicateMember {
            part,
            name: Shown::new(name),
        },
        Fault::TooDeep => Error::JsonTooDeep {
            part,
            max: max_depth,
        },
        Fault::Claim { claim, reason } => Error::InvalidClaim { claim, reason },
    }
}

/// Line and column (1-based, in bytes) of byte offset `at`.
fn position(text: &[u8], at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    (line, before.len() - line_start + 1)
}
