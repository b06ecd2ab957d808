//! Strict compact JWS (RFC 7515 §7.1): three canonical base64url parts, a strict header.
//!
//! Written by hand rather than taken from a JWT crate because those accept what
//! docs/verification-rules.md rejects: padding, non-canonical trailing bits, `crit`, `b64`,
//! duplicated header members, nested JWTs.

use std::fmt;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64_simd::AsOut as _;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

use crate::alg::Alg;
use crate::error::{Error, Part, Shown};
use crate::json::{Any, AnyValue, Ctx, Fault, KeySeed, SeenNames};
use crate::scan::{HeaderMembers, Member};

/// base64url without padding, for encoding (decoding goes through [`decode_into`]).
pub(crate) const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// The three parts of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact<'a> {
    pub(crate) header: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
}

/// Splits a token into its parts; checks size, part count and non-empty header and signature.
pub(crate) fn split(token: &str, max_len: usize) -> Result<Compact<'_>, Error> {
    let parts = split_at_dots(token, max_len)?;
    extra_parts(&parts)?;
    check_nonempty(&parts)?;
    Ok(parts)
}

/// The first checks of [`split`]: size, and at least three parts. The header ends at
/// the first dot and the signature starts after the last one, so only those two
/// short parts are searched; the verifier decodes the payload and the signature
/// before anything else, and a dot in the payload (more than three parts), being
/// outside the base64url alphabet, fails its decoding, after which [`extra_parts`]
/// names the error.
pub(crate) fn split_at_dots(token: &str, max_len: usize) -> Result<Compact<'_>, Error> {
    if token.len() > max_len {
        return Err(Error::TokenTooLarge {
            len: token.len(),
            max: max_len,
        });
    }
    let bytes = token.as_bytes();
    let (Some(first), Some(last)) = (find_dot(bytes), rfind_dot(bytes)) else {
        return Err(Error::MalformedToken {
            reason: "it has no '.' separators",
        });
    };
    // Dots are ASCII, so these are char boundaries and `get` always succeeds.
    let part = |range: std::ops::Range<usize>| token.get(range).unwrap_or_default();
    if first == last {
        return Err(Error::MalformedToken {
            reason: "it has 2 parts",
        });
    }
    Ok(Compact {
        header: part(0..first),
        payload: part(first + 1..last),
        signature: part(last + 1..token.len()),
        signing_input: bytes.get(..last).unwrap_or_default(),
    })
}

/// Bytes with every byte equal to 0x7F.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// Flags (high bit) exactly the bytes of `word` that are `.`: no carry crosses a
/// byte, so any flag, the highest as well as the lowest, is a real one.
fn dots(word: u64) -> u64 {
    let x = word ^ 0x2E2E_2E2E_2E2E_2E2E;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The first `.` in `bytes`, eight bytes at a time (the header part is short, but
/// so is the signature of an HS256 token, and `memchr` costs more to set up).
fn find_dot(bytes: &[u8]) -> Option<usize> {
    let (words, tail) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let found = dots(u64::from_le_bytes(*word));
        if found != 0 {
            return Some(i * 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    let tail_start = words.len() * 8;
    tail.iter()
        .position(|&b| b == b'.')
        .map(|at| tail_start + at)
}

/// The last `.` in `bytes`: in the last 64 bytes eight at a time from the end (an
/// HMAC or ECDSA P-256 signature part is shorter), and before them with `memchr`,
/// whose vector loop is faster over an RSA signature's 342 characters and more but
/// costs more to set up.
fn rfind_dot(bytes: &[u8]) -> Option<usize> {
    let split = bytes.len().saturating_sub(64);
    let (before, last) = bytes.split_at(split);
    let (head, words) = last.as_rchunks::<8>();
    for (i, word) in words.iter().enumerate().rev() {
        let found = dots(u64::from_le_bytes(*word));
        if found != 0 {
            return Some(split + head.len() + i * 8 + 7 - (found.leading_zeros() / 8) as usize);
        }
    }
    if let Some(at) = head.iter().rposition(|&b| b == b'.') {
        return Some(split + at);
    }
    memchr::memrchr(b'.', before)
}

/// Refuses a token with more than three parts (dots inside the payload part of
/// [`split_at_dots`]): a JWE (5 parts) or a malformed token.
pub(crate) fn extra_parts(parts: &Compact<'_>) -> Result<(), Error> {
    if !parts.payload.contains('.') {
        return Ok(());
    }
    Err(
        if parts.payload.bytes().filter(|b| *b == b'.').count() == 2 {
            Error::JweNotSupported
        } else {
            Error::MalformedToken {
                reason: "it has more than 3 parts",
            }
        },
    )
}

/// The last checks of [`split`]: the header and signature parts are not empty.
pub(crate) fn check_nonempty(parts: &Compact<'_>) -> Result<(), Error> {
    if parts.header.is_empty() {
        return Err(Error::MalformedToken {
            reason: "the header part is empty",
        });
    }
    if parts.signature.is_empty() {
        return Err(Error::MalformedToken {
            reason: "the signature part is empty (unsecured JWTs are never accepted)",
        });
    }
    Ok(())
}

/// The exact decoded length of a base64url part, or 0 for a length no canonical part
/// has (decoding it then fails and names the part).
fn decoded_len(encoded: &str) -> usize {
    base64_simd::URL_SAFE_NO_PAD
        .decoded_length(encoded.as_bytes())
        .unwrap_or(0)
}

/// Decodes one part into `slot`, which [`decoded_len`] sized for it, as strictly as
/// [`decode_into`].
fn decode_into_slot<'s>(part: Part, encoded: &str, slot: &'s mut [u8]) -> Result<&'s [u8], Error> {
    // base64-simd panics on a slot shorter than the decoded length: check it first.
    if decoded_len(encoded) != slot.len() {
        return Err(Error::InvalidBase64 { part });
    }
    match base64_simd::URL_SAFE_NO_PAD.decode(encoded.as_bytes(), slot.as_out()) {
        Ok(decoded) => Ok(decoded),
        Err(_) => Err(Error::InvalidBase64 { part }),
    }
}

/// The three parts of a token decoded into one buffer, one after the other (header,
/// payload, signature), and each part's outcome.
pub(crate) struct Decoded {
    /// The decoded parts; a part that could not be decoded holds zeros or part of
    /// its decoding, and is never read.
    pub(crate) buffer: Vec<u8>,
    /// The decoded length of each part (0 for a length no canonical part has).
    pub(crate) lens: [usize; 3],
    /// Whether each part decoded, in the order of `lens`.
    pub(crate) outcomes: [Result<(), Error>; 3],
}

/// Decodes the three parts of `parts` into one buffer.
///
/// Tokens almost always decode, so the parts are first appended to a buffer as they
/// decode, which writes each byte once; only if one of them fails are the three
/// decoded again, each into a slot of its exact length, so that every part has its
/// own outcome and the verifier can report the failure that comes first in its order.
pub(crate) fn decode_parts(parts: &Compact<'_>) -> Decoded {
    let encoded = [parts.header, parts.payload, parts.signature];
    // At least the decoded length of each part (3 bytes per 4 characters, rounded up).
    let capacity = encoded.iter().map(|part| part.len() / 4 * 3 + 3).sum();
    let mut buffer = Vec::with_capacity(capacity);
    let mut lens = [0; 3];
    let mut start = 0;
    let mut appended = true;
    for (len, part) in lens.iter_mut().zip(encoded) {
        if base64_simd::URL_SAFE_NO_PAD
            .decode_append(part, &mut buffer)
            .is_err()
        {
            appended = false;
            break;
        }
        *len = buffer.len() - start;
        start = buffer.len();
    }
    if appended {
        return Decoded {
            buffer,
            lens,
            outcomes: [Ok(()), Ok(()), Ok(())],
        };
    }
    decode_parts_in_slots(parts)
}

/// [`decode_parts`] after a failure: each part decoded on its own.
#[cold]
fn decode_parts_in_slots(parts: &Compact<'_>) -> Decoded {
    let lens = [parts.header, parts.payload, parts.signature].map(decoded_len);
    let mut buffer = vec![0; lens.iter().sum()];
    // Cannot panic: the buffer is as long as the three slots together.
    let (header_slot, rest) = buffer.split_at_mut(lens[0]);
    let (payload_slot, signature_slot) = rest.split_at_mut(lens[1]);
    let outcome = |part, encoded, slot| decode_into_slot(part, encoded, slot).map(drop);
    let outcomes = [
        outcome(Part::Header, parts.header, header_slot),
        outcome(Part::Payload, parts.payload, payload_slot),
        outcome(Part::Signature, parts.signature, signature_slot),
    ];
    Decoded {
        buffer,
        lens,
        outcomes,
    }
}

/// Decodes one part into `out` (cleared first).
///
/// Decoding uses base64-simd, which is as strict as [`B64`] (no padding, no
/// characters outside the alphabet, canonical trailing bits; see the tests) and
/// several times faster: base64 is a large share of HS256 verification.
pub(crate) fn decode_into(part: Part, encoded: &str, out: &mut Vec<u8>) -> Result<(), Error> {
    out.clear();
    base64_simd::URL_SAFE_NO_PAD
        .decode_append(encoded, out)
        .map_err(|_| Error::InvalidBase64 { part })
}

/// Decodes one part into a new vector.
pub(crate) fn decode(part: Part, encoded: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(encoded.len() * 3 / 4 + 3);
    decode_into(part, encoded, &mut out)?;
    Ok(out)
}

/// The protected header of a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The signature algorithm.
    pub alg: Alg,
    /// The key id, if any.
    pub kid: Option<String>,
    /// The media type of the whole token, if any (`JWT`, `at+jwt`, …).
    pub typ: Option<String>,
    /// The media type of the payload, if any.
    pub cty: Option<String>,
}

/// The header as read, before the rules of [`check_header`] are applied.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RawHeader {
    alg: Option<Result<String, &'static str>>,
    kid: Option<Result<String, &'static str>>,
    typ: Option<Result<String, &'static str>>,
    cty: Option<Result<String, &'static str>>,
    crit: bool,
    b64: bool,
}

impl RawHeader {
    /// The header the scanner found in `text`, in the shape the serde reader gives
    /// (for comparing the two).
    pub(crate) fn from_members(members: &HeaderMembers, text: &[u8]) -> Self {
        let owned = |member: Option<Member>| {
            member.map(|member| match member {
                Member::Text(value) => Ok(value.read(text).into_owned()),
                Member::NotText => Err("must be a string"),
            })
        };
        Self {
            alg: owned(members.alg),
            kid: owned(members.kid),
            typ: owned(members.typ),
            cty: owned(members.cty),
            crit: members.crit,
            b64: members.b64,
        }
    }
}

/// Parses a decoded header strictly: a UTF-8 JSON object with no duplicated members.
/// Through serde_json and the strict JSON layer: the hot path reads headers with
/// the scanner (`crate::scan`), which the differential tests compare with this.
pub(crate) fn parse_header(bytes: &[u8], max_depth: usize) -> Result<RawHeader, Error> {
    let ctx = Ctx::new(max_depth);
    crate::json::parse(&ctx, Part::Header, bytes, HeaderSeed { ctx: &ctx })
}

/// Which kind of token is expected, which decides the accepted `typ` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenKind {
    /// An OpenID Connect ID token: `typ` absent, `JWT` or `application/jwt`.
    #[default]
    IdToken,
    /// An OAuth access token in the RFC 9068 profile: `typ` `at+jwt` (or `application/at+jwt`).
    AccessToken,
}

impl TokenKind {
    fn accepts_typ(self, typ: Option<&[u8]>) -> bool {
        match (self, typ) {
            (Self::IdToken, None) => true,
            (Self::IdToken, Some(t)) => {
                t.eq_ignore_ascii_case(b"JWT") || t.eq_ignore_ascii_case(b"application/jwt")
            }
            (Self::AccessToken, None) => false,
            (Self::AccessToken, Some(t)) => {
                t.eq_ignore_ascii_case(b"at+jwt") || t.eq_ignore_ascii_case(b"application/at+jwt")
            }
        }
    }

    fn typ_expectation(self) -> &'static str {
        match self {
            Self::IdToken => "ID tokens (expected no typ, \"JWT\" or \"application/jwt\")",
            Self::AccessToken => "access tokens (expected \"at+jwt\", RFC 9068)",
        }
    }
}

/// Applies the header rules of docs/verification-rules.md in a fixed order.
pub(crate) fn check_header(raw: RawHeader, kind: TokenKind) -> Result<Header, Error> {
    let alg = header_rules(
        HeaderFound {
            alg: found(&raw.alg),
            kid: found(&raw.kid),
            typ: found(&raw.typ),
            cty: found(&raw.cty),
            crit: raw.crit,
            b64: raw.b64,
        },
        kind,
    )?;
    // The rules passed: each member is absent or a string.
    let string = |member: Option<Result<String, &'static str>>| member.and_then(Result::ok);
    Ok(Header {
        alg,
        kid: string(raw.kid),
        typ: string(raw.typ),
        cty: string(raw.cty),
    })
}

/// Applies the header rules of docs/verification-rules.md to the members the scanner found in
/// `text` (the decoded header); returns the algorithm.
pub(crate) fn check_members(
    members: &HeaderMembers,
    text: &[u8],
    kind: TokenKind,
) -> Result<Alg, Error> {
    // As bytes: the rules compare them with ASCII names, so no member needs to
    // become text (only an error message shows one).
    let read = |member: Option<Member>| {
        member.map(|member| match member {
            Member::Text(value) => Ok(value.bytes(text)),
            Member::NotText => Err(()),
        })
    };
    let (alg, kid, typ, cty) = (
        read(members.alg),
        read(members.kid),
        read(members.typ),
        read(members.cty),
    );
    header_rules(
        HeaderFound {
            alg: found(&alg),
            kid: found(&kid),
            typ: found(&typ),
            cty: found(&cty),
            crit: members.crit,
            b64: members.b64,
        },
        kind,
    )
}

/// The public [`Header`] of a header that passed [`check_members`].
pub(crate) fn header_of(alg: Alg, members: &HeaderMembers, text: &[u8]) -> Header {
    let string = |member: Option<Member>| match member {
        Some(Member::Text(value)) => Some(value.read(text).into_owned()),
        _ => None,
    };
    Header {
        alg,
        kid: string(members.kid),
        typ: string(members.typ),
        cty: string(members.cty),
    }
}

/// A member as found, borrowed as bytes: `Err(())` if it is not a string.
fn found<S: AsRef<[u8]>, E>(member: &Option<Result<S, E>>) -> Option<Result<&[u8], ()>> {
    member
        .as_ref()
        .map(|value| value.as_ref().map(AsRef::as_ref).map_err(drop))
}

/// The header members the rules look at, as found: the bytes (UTF-8) of a string
/// member, `Err(())` for a member that is not a string.
struct HeaderFound<'a> {
    alg: Option<Result<&'a [u8], ()>>,
    kid: Option<Result<&'a [u8], ()>>,
    typ: Option<Result<&'a [u8], ()>>,
    cty: Option<Result<&'a [u8], ()>>,
    crit: bool,
    b64: bool,
}

/// The header rules, in their fixed order, whichever reader found the members.
/// Refusals are marked as the cold path, as in `validate::claims`.
fn header_rules(found: HeaderFound<'_>, kind: TokenKind) -> Result<Alg, Error> {
    let alg = match found.alg {
        None => {
            crate::error::cold_path();
            return Err(Error::UnsupportedAlg {
                alg: Shown::new("(missing)"),
            });
        }
        Some(Err(())) => {
            crate::error::cold_path();
            return Err(Error::UnsupportedAlg {
                alg: Shown::new("(not a string)"),
            });
        }
        Some(Ok(name)) => Alg::parse_bytes(name)?,
    };
    if found.crit {
        crate::error::cold_path();
        return Err(Error::CritNotSupported);
    }
    if found.b64 {
        crate::error::cold_path();
        return Err(Error::B64NotSupported);
    }
    fn string<'a>(
        value: Option<Result<&'a [u8], ()>>,
        name: &'static str,
    ) -> Result<Option<&'a [u8]>, Error> {
        match value {
            None => Ok(None),
            Some(Ok(s)) => Ok(Some(s)),
            Some(Err(())) => Err(Error::InvalidHeader { name }),
        }
    }
    let cty = string(found.cty, "cty")?;
    if let Some(cty) = cty
        && (cty.eq_ignore_ascii_case(b"JWT") || cty.eq_ignore_ascii_case(b"application/jwt"))
    {
        crate::error::cold_path();
        return Err(Error::NestedJwt {
            cty: Shown::new(String::from_utf8_lossy(cty)),
        });
    }
    let typ = string(found.typ, "typ")?;
    if !kind.accepts_typ(typ) {
        crate::error::cold_path();
        return Err(Error::TypNotAllowed {
            typ: Shown::new(typ.map_or("(none)".into(), String::from_utf8_lossy)),
            expected: kind.typ_expectation(),
        });
    }
    string(found.kid, "kid")?;
    Ok(alg)
}

struct HeaderSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_> {
    type Value = RawHeader;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawHeader, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed<'_> {
    type Value = RawHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
        let mut header = RawHeader::default();
        let mut seen = SeenNames::default();
        let value_seed = Any {
            ctx: self.ctx,
            depth: 2,
        };
        while let Some(name) = map.next_key_seed(KeySeed)? {
            if !seen.insert(name.clone()) {
                return Err(self.ctx.fail(Fault::Duplicate(name.into_owned())));
            }
            // `jwk`, `jku`, `x5u`, `x5c` and other members are read (strictly) and ignored:
            // keys come only from configuration.
            let value = map.next_value_seed(value_seed)?;
            let as_string = |v: AnyValue<'_>| match v {
                AnyValue::Str(s) => Ok(s.into_owned()),
                _ => Err("must be a string"),
            };
            match name.as_ref() {
                "alg" => header.alg = Some(as_string(value)),
                "kid" => header.kid = Some(as_string(value)),
                "typ" => header.typ = Some(as_string(value)),
                "cty" => header.cty = Some(as_string(value)),
                "crit" => header.crit = true,
                "b64" => header.b64 = true,
                _ => {}
            }
        }
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(json: &str, kind: TokenKind) -> Result<Header, &'static str> {
        parse_header(json.as_bytes(), 64)
            .and_then(|raw| check_header(raw, kind))
            .map_err(|e| e.code())
    }

    fn split_code(token: &str) -> Result<(), &'static str> {
        split(token, 64 * 1024).map(|_| ()).map_err(|e| e.code())
    }

    #[test]
    fn part_counts() {
        assert_eq!(split_code("a.b.c"), Ok(()));
        assert_eq!(split_code("a.b"), Err("malformed_token"));
        assert_eq!(split_code("abc"), Err("malformed_token"));
        assert_eq!(split_code("a.b.c.d"), Err("malformed_token"));
        assert_eq!(split_code("a.b.c.d.e"), Err("jwe_not_supported"));
        assert_eq!(split_code("a.b.c.d.e.f"), Err("malformed_token"));
        assert_eq!(split_code(".b.c"), Err("malformed_token"));
        assert_eq!(split_code("a.b."), Err("malformed_token"));
        assert_eq!(split_code("a..c"), Ok(()));
    }

    #[test]
    fn dots_are_found_from_both_ends() {
        for len in 0..40 {
            for a in 0..len {
                for b in a..len {
                    let mut bytes = vec![b'x'; len];
                    bytes[a] = b'.';
                    bytes[b] = b'.';
                    assert_eq!(find_dot(&bytes), Some(a), "{len} {a} {b}");
                    assert_eq!(rfind_dot(&bytes), Some(b), "{len} {a} {b}");
                }
            }
            let none = vec![b'-'; len];
            assert_eq!((find_dot(&none), rfind_dot(&none)), (None, None));
        }
        // Bytes next to `.` (0x2E) in value, and with the high bit set.
        let near = [0x2D, 0x2F, 0xAE, 0x2E ^ 0x80, 0x0E, 0x6E, 0x00, 0xFF];
        assert_eq!((find_dot(&near), rfind_dot(&near)), (None, None));
        // Long parts: the last dot in the last 64 bytes (eight at a time), or before
        // them (memrchr), at every position, with another dot just before it.
        for len in [64, 65, 71, 72, 73, 130, 400] {
            for b in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[b] = b'.';
                assert_eq!(rfind_dot(&bytes), Some(b), "{len} {b}");
                if b > 0 {
                    bytes[b - 1] = b'.';
                    assert_eq!(rfind_dot(&bytes), Some(b), "{len} {b} pair");
                }
            }
            assert_eq!(rfind_dot(&vec![b'x'; len]), None);
        }
    }

    #[test]
    fn size_limit() {
        let token = format!("{}.b.c", "a".repeat(100));
        assert_eq!(
            split(&token, 50).map(|_| ()).map_err(|e| e.code()),
            Err("token_too_large")
        );
    }

    #[test]
    fn base64_is_strict() {
        let ok = |s: &str| decode(Part::Payload, s).is_ok();
        let ok_in_slot = |s: &str| {
            let mut slot = vec![0; decoded_len(s)];
            decode_into_slot(Part::Payload, s, &mut slot).is_ok()
        };
        for s in [
            "eyJhIjoxfQ",
            "eyJhIjoxfQ==",
            "eyJhIjox fQ",
            "eyJhIjoxfQ\n",
            "eyJhIjoxfQ+/",
            "QQ",
            "QR",
            "Q",
            "",
            "a.b",
            "ab.c",
            "abc.",
            "abcd.",
        ] {
            assert_eq!(ok(s), ok_in_slot(s), "{s:?}");
        }
        assert!(!ok_in_slot("abc."), "a dot fails decoding (a fourth part)");
        assert!(ok("eyJhIjoxfQ"));
        assert!(!ok("eyJhIjoxfQ=="), "padding");
        assert!(!ok("eyJhIjox fQ"), "whitespace");
        assert!(!ok("eyJhIjoxfQ\n"), "newline");
        assert!(!ok("eyJhIjoxfQ+/"), "standard alphabet");
        // "QQ" is canonical for "A"; "QR" has non-zero trailing bits.
        assert!(ok("QQ"));
        assert!(!ok("QR"), "non-canonical trailing bits");
        assert!(!ok("Q"), "impossible length");
    }

    #[test]
    fn header_rules() {
        let id = TokenKind::IdToken;
        assert!(header(r#"{"alg":"RS256","kid":"k","typ":"JWT"}"#, id).is_ok());
        assert!(header(r#"{"alg":"RS256","typ":"application/JWT"}"#, id).is_ok());
        assert_eq!(header(r#"{"alg":"none"}"#, id), Err("alg_none"));
        assert_eq!(header(r#"{"alg":"NONE"}"#, id), Err("alg_none"));
        assert_eq!(header(r#"{"alg":"HS1"}"#, id), Err("unsupported_alg"));
        assert_eq!(header(r#"{"typ":"JWT"}"#, id), Err("unsupported_alg"));
        assert_eq!(header(r#"{"alg":7}"#, id), Err("unsupported_alg"));
        assert_eq!(
            header(r#"{"alg":"RS256","crit":[]}"#, id),
            Err("crit_not_supported")
        );
        assert_eq!(
            header(r#"{"alg":"RS256","b64":true}"#, id),
            Err("b64_not_supported")
        );
        assert_eq!(
            header(r#"{"alg":"RS256","cty":"JWT"}"#, id),
            Err("nested_jwt")
        );
        assert_eq!(
            header(r#"{"alg":"RS256","typ":"at+jwt"}"#, id),
            Err("typ_not_allowed")
        );
        assert_eq!(header(r#"{"alg":"RS256","kid":5}"#, id), Err("invalid_kid"));
        assert_eq!(
            header(r#"{"alg":"RS256","alg":"RS256"}"#, id),
            Err("duplicate_member")
        );
        assert_eq!(header(r#"["alg"]"#, id), Err("invalid_json"));
    }

    #[test]
    fn access_token_kind_requires_at_jwt() {
        let at = TokenKind::AccessToken;
        assert!(header(r#"{"alg":"RS256","typ":"at+JWT"}"#, at).is_ok());
        assert!(header(r#"{"alg":"RS256","typ":"application/at+jwt"}"#, at).is_ok());
        assert_eq!(header(r#"{"alg":"RS256"}"#, at), Err("typ_not_allowed"));
        assert_eq!(
            header(r#"{"alg":"RS256","typ":"JWT"}"#, at),
            Err("typ_not_allowed")
        );
    }

    #[test]
    fn header_keys_are_ignored_not_trusted() {
        let h = header(
            r#"{"alg":"ES256","jwk":{"kty":"EC"},"jku":"https://x","x5u":"https://y","x5c":["a"]}"#,
            TokenKind::IdToken,
        );
        assert_eq!(h.map(|h| h.alg), Ok(Alg::ES256));
    }
}
