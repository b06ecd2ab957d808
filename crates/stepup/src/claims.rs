//! Typed standard claims, read strictly in one pass over the payload.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

use crate::error::{Error, Part};
use crate::json::{Any, AnyValue, Ctx, Fault, KeySeed, SeenNames};
use crate::scan::{Audience, ClaimSpans, Text};
use crate::time::NumericDate;

/// A step-up claim (`amr`, `acr`, `auth_time`) as found.
///
/// A step-up claim of the wrong type does not make the token invalid; it only
/// fails the step-up policy (docs/verification-rules.md), so the wrong type is kept as a value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum StepUpClaim<T> {
    /// The claim is absent.
    #[default]
    Absent,
    /// The claim is present with the expected type.
    Present(T),
    /// The claim is present with another JSON type (named here) or out of range.
    WrongType(&'static str),
}

impl<T> StepUpClaim<T> {
    /// The value, if present with the expected type.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Present(value) => Some(value),
            _ => None,
        }
    }

    /// The claim with `f` applied to a present value.
    pub(crate) fn map<U>(&self, f: impl FnOnce(&T) -> U) -> StepUpClaim<U> {
        match self {
            Self::Absent => StepUpClaim::Absent,
            Self::Present(value) => StepUpClaim::Present(f(value)),
            Self::WrongType(kind) => StepUpClaim::WrongType(kind),
        }
    }
}

/// The standard claims of an ID token (OIDC Core §2) as typed values.
///
/// Other claims stay in the payload; read them with
/// [`VerifiedToken::deserialize_claims`](crate::VerifiedToken::deserialize_claims).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims {
    /// Issuer.
    pub iss: Option<String>,
    /// Subject.
    pub sub: Option<String>,
    /// Audiences (a single string becomes one element).
    pub aud: Vec<String>,
    /// Expiry.
    pub exp: Option<NumericDate>,
    /// Issued at.
    pub iat: Option<NumericDate>,
    /// Not before.
    pub nbf: Option<NumericDate>,
    /// Time of the user's last authentication.
    pub auth_time: StepUpClaim<NumericDate>,
    /// Nonce of the login request.
    pub nonce: Option<String>,
    /// Authentication context class reference.
    pub acr: StepUpClaim<String>,
    /// Authentication method references (RFC 8176).
    pub amr: StepUpClaim<Vec<String>>,
    /// Authorized party.
    pub azp: Option<String>,
    /// Session id.
    pub sid: Option<String>,
}

/// The standard claims of a payload, read through the spans the scanner found: what
/// validation and the step-up policy look at, without building a [`Claims`] (strings
/// are borrowed from the payload unless they hold escapes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClaimsView<'a> {
    payload: &'a [u8],
    spans: &'a ClaimSpans,
}

impl<'a> ClaimsView<'a> {
    /// The claims of `payload`, which `spans` were read from.
    pub(crate) fn new(payload: &'a [u8], spans: &'a ClaimSpans) -> Self {
        Self { payload, spans }
    }

    fn text(&self, text: Option<Text>) -> Option<Cow<'a, str>> {
        text.map(|text| text.read(self.payload))
    }

    /// Issuer.
    pub(crate) fn iss(&self) -> Option<Cow<'a, str>> {
        self.text(self.spans.iss)
    }

    /// Whether the issuer is `expected` (`None` without one).
    pub(crate) fn iss_is(&self, expected: &str) -> Option<bool> {
        self.spans.iss.map(|iss| iss.is(self.payload, expected))
    }

    /// Whether `client_id` is one of the audiences.
    pub(crate) fn has_audience(&self, client_id: &str) -> bool {
        match self.spans.aud {
            Audience::Absent => false,
            Audience::One(text) => text.is(self.payload, client_id),
            Audience::Many(list) => list.contains(self.payload, client_id),
        }
    }

    /// Whether the authorized party is `client_id` (`None` without one).
    pub(crate) fn azp_is(&self, client_id: &str) -> Option<bool> {
        self.spans.azp.map(|azp| azp.is(self.payload, client_id))
    }

    /// Whether the nonce is `expected` (`None` without one).
    pub(crate) fn nonce_is(&self, expected: &str) -> Option<bool> {
        self.spans
            .nonce
            .map(|nonce| nonce.is(self.payload, expected))
    }

    /// Whether there is a subject.
    pub(crate) fn has_sub(&self) -> bool {
        self.spans.sub.is_some()
    }

    /// The audiences, in order (a single string is one audience).
    pub(crate) fn audiences(&self) -> impl Iterator<Item = Cow<'a, str>> + use<'a> {
        let payload = self.payload;
        let (one, many) = match self.spans.aud {
            Audience::Absent => (None, None),
            Audience::One(text) => (Some(text.read(payload)), None),
            Audience::Many(list) => (None, Some(list.iter(payload))),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    /// How many audiences there are.
    pub(crate) fn audience_count(&self) -> usize {
        match self.spans.aud {
            Audience::Absent => 0,
            Audience::One(_) => 1,
            Audience::Many(list) => list.len(),
        }
    }

    /// Expiry.
    pub(crate) fn exp(&self) -> Option<NumericDate> {
        self.spans.exp
    }

    /// Issued at.
    pub(crate) fn iat(&self) -> Option<NumericDate> {
        self.spans.iat
    }

    /// Not before.
    pub(crate) fn nbf(&self) -> Option<NumericDate> {
        self.spans.nbf
    }

    /// Nonce.
    pub(crate) fn nonce(&self) -> Option<Cow<'a, str>> {
        self.text(self.spans.nonce)
    }

    /// Authorized party.
    pub(crate) fn azp(&self) -> Option<Cow<'a, str>> {
        self.text(self.spans.azp)
    }

    /// The owned [`Claims`], for callers that want the public type.
    pub(crate) fn to_claims(self) -> Claims {
        let owned = |text: Option<Text>| self.text(text).map(Cow::into_owned);
        let payload = self.payload;
        Claims {
            iss: owned(self.spans.iss),
            sub: owned(self.spans.sub),
            aud: self.audiences().map(Cow::into_owned).collect(),
            exp: self.spans.exp,
            iat: self.spans.iat,
            nbf: self.spans.nbf,
            auth_time: self.spans.auth_time.clone(),
            nonce: owned(self.spans.nonce),
            acr: self.spans.acr.map(|text| text.read(payload).into_owned()),
            amr: self
                .spans
                .amr
                .map(|list| list.iter(payload).map(Cow::into_owned).collect()),
            azp: owned(self.spans.azp),
            sid: owned(self.spans.sid),
        }
    }
}

impl StepUpFacts for ClaimsView<'_> {
    fn has_amr(&self, value: &str) -> bool {
        match self.spans.amr {
            StepUpClaim::Present(list) => list.contains(self.payload, value),
            _ => false,
        }
    }

    fn acr_in(&self, accepted: &[String]) -> bool {
        match self.spans.acr {
            StepUpClaim::Present(text) => accepted.iter().any(|value| text.is(self.payload, value)),
            _ => false,
        }
    }

    fn auth_time(&self) -> Option<NumericDate> {
        self.spans.auth_time.value().copied()
    }
}

/// What the step-up policy asks of a token's claims, whether they are held as
/// [`Claims`] or read from the payload through a [`ClaimsView`].
pub(crate) trait StepUpFacts {
    /// Whether `amr` is an array of strings holding `value` (case-sensitive).
    fn has_amr(&self, value: &str) -> bool;
    /// Whether `acr` is a string equal to one of `accepted`.
    fn acr_in(&self, accepted: &[String]) -> bool;
    /// `auth_time`, if it is a NumericDate.
    fn auth_time(&self) -> Option<NumericDate>;
}

impl StepUpFacts for Claims {
    fn has_amr(&self, value: &str) -> bool {
        self.amr
            .value()
            .is_some_and(|values| values.iter().any(|v| v == value))
    }

    fn acr_in(&self, accepted: &[String]) -> bool {
        self.acr.value().is_some_and(|acr| accepted.contains(acr))
    }

    fn auth_time(&self) -> Option<NumericDate> {
        self.auth_time.value().copied()
    }
}

/// Parses a decoded payload strictly into [`Claims`] through serde_json and the
/// strict JSON layer: the reader the scanner replaced on the hot path, kept as the
/// reference the differential tests compare it with.
pub(crate) fn parse(bytes: &[u8], max_depth: usize) -> Result<Claims, Error> {
    let ctx = Ctx::new(max_depth);
    crate::json::parse(&ctx, Part::Payload, bytes, ClaimsSeed { ctx: &ctx })
}

struct ClaimsSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for ClaimsSeed<'_> {
    type Value = Claims;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Claims, D::Error> {
        d.deserialize_map(self)
    }
}

/// The claims read into [`Claims`], by name.
const KNOWN: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
];

/// The index of a claim in [`KNOWN`] (a `match` compiles to a length switch, cheaper
/// than comparing against every name).
fn known_index(name: &str) -> Option<usize> {
    Some(match name {
        "iss" => 0,
        "sub" => 1,
        "aud" => 2,
        "exp" => 3,
        "iat" => 4,
        "nbf" => 5,
        "auth_time" => 6,
        "nonce" => 7,
        "acr" => 8,
        "amr" => 9,
        "azp" => 10,
        "sid" => 11,
        _ => return None,
    })
}

/// Why a claim that must be a string is invalid.
pub(crate) const NOT_STRING: &str = "must be a string";
/// Why a claim that must be a NumericDate is invalid.
pub(crate) const NOT_DATE: &str = "must be a NumericDate: a finite JSON number within ±2^63";

impl<'de> Visitor<'de> for ClaimsSeed<'_> {
    type Value = Claims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
        let ctx = self.ctx;
        let mut claims = Claims::default();
        // Known claims are tracked in a bit set; only other names need the name list.
        let mut seen_known = 0u16;
        let mut seen_other = SeenNames::default();
        let seed = Any { ctx, depth: 2 };
        while let Some(name) = map.next_key_seed(KeySeed)? {
            let Some(index) = known_index(name.as_ref()) else {
                if !seen_other.insert(name.clone()) {
                    return Err(ctx.fail(Fault::Duplicate(name.into_owned())));
                }
                map.next_value_seed(seed)?;
                continue;
            };
            if seen_known & (1 << index) != 0 {
                return Err(ctx.fail(Fault::Duplicate(name.into_owned())));
            }
            seen_known |= 1 << index;
            let claim: &'static str = KNOWN[index];
            // A number too large for serde_json fails inside this call; name the claim.
            let value = map.next_value_seed(seed).map_err(|e| {
                if matches!(claim, "exp" | "iat" | "nbf" | "auth_time")
                    && e.to_string().starts_with("number out of range")
                {
                    ctx.fail(Fault::Member {
                        name: claim,
                        reason: NOT_DATE,
                    })
                } else {
                    e
                }
            })?;
            let invalid = |reason| {
                ctx.fail::<A::Error>(Fault::Member {
                    name: claim,
                    reason,
                })
            };
            let string = |value: AnyValue<'de>| match value {
                AnyValue::Str(s) => Ok(s.into_owned()),
                _ => Err(invalid(NOT_STRING)),
            };
            let date = |value: AnyValue<'de>| match value {
                AnyValue::Number(n) => NumericDate::new(n).ok_or_else(|| invalid(NOT_DATE)),
                _ => Err(invalid(NOT_DATE)),
            };
            match claim {
                "iss" => claims.iss = Some(string(value)?),
                "sub" => claims.sub = Some(string(value)?),
                "nonce" => claims.nonce = Some(string(value)?),
                "azp" => claims.azp = Some(string(value)?),
                "sid" => claims.sid = Some(string(value)?),
                "exp" => claims.exp = Some(date(value)?),
                "iat" => claims.iat = Some(date(value)?),
                "nbf" => claims.nbf = Some(date(value)?),
                "aud" => {
                    claims.aud = match value {
                        AnyValue::Str(s) => vec![s.into_owned()],
                        AnyValue::Array {
                            strings: Some(list),
                        } if !list.is_empty() => list.into_iter().map(|s| s.into_owned()).collect(),
                        AnyValue::Array { strings: Some(_) } => {
                            return Err(invalid("must not be an empty array"));
                        }
                        _ => return Err(invalid("must be a string or an array of strings")),
                    }
                }
                "auth_time" => {
                    claims.auth_time = match value {
                        AnyValue::Number(n) => match NumericDate::new(n) {
                            Some(date) => StepUpClaim::Present(date),
                            None => StepUpClaim::WrongType("out-of-range number"),
                        },
                        other => StepUpClaim::WrongType(other.type_name()),
                    }
                }
                "acr" => {
                    claims.acr = match value {
                        AnyValue::Str(s) => StepUpClaim::Present(s.into_owned()),
                        other => StepUpClaim::WrongType(other.type_name()),
                    }
                }
                "amr" => {
                    claims.amr = match value {
                        AnyValue::Array {
                            strings: Some(list),
                        } => {
                            StepUpClaim::Present(list.into_iter().map(|s| s.into_owned()).collect())
                        }
                        AnyValue::Array { strings: None } => {
                            StepUpClaim::WrongType("array with non-string elements")
                        }
                        other => StepUpClaim::WrongType(other.type_name()),
                    }
                }
                _ => {}
            }
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: &str) -> Result<Claims, String> {
        parse(json.as_bytes(), 64).map_err(|e| format!("{}: {e}", e.code()))
    }

    #[test]
    fn reads_standard_claims() {
        let c = claims(
            r#"{"iss":"https://op","sub":"u1","aud":["a","b"],"exp":1700000000,"iat":1.7e9,
               "nbf":1699999999.5,"auth_time":1699999000,"nonce":"n","acr":"x",
               "amr":["pwd","mfa"],"azp":"a","sid":"s","custom":{"deep":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(c.iss.as_deref(), Some("https://op"));
        assert_eq!(c.aud, vec!["a", "b"]);
        assert_eq!(c.exp.map(|d| d.as_secs()), Some(1_700_000_000));
        assert_eq!(c.iat.map(|d| d.as_secs()), Some(1_700_000_000));
        assert_eq!(
            c.amr,
            StepUpClaim::Present(vec!["pwd".into(), "mfa".into()])
        );
        assert_eq!(c.acr, StepUpClaim::Present("x".into()));
    }

    #[test]
    fn known_index_matches_the_table() {
        for (i, name) in KNOWN.iter().enumerate() {
            assert_eq!(known_index(name), Some(i));
        }
        assert_eq!(known_index("email"), None);
    }

    #[test]
    fn aud_string_becomes_list() {
        assert_eq!(claims(r#"{"aud":"a"}"#).unwrap().aud, vec!["a"]);
    }

    #[test]
    fn wrong_types_of_validity_claims_are_invalid() {
        for json in [
            r#"{"iss":1}"#,
            r#"{"sub":null}"#,
            r#"{"aud":[]}"#,
            r#"{"aud":[1]}"#,
            r#"{"aud":{"a":1}}"#,
            r#"{"exp":"1700000000"}"#,
            r#"{"exp":1e19}"#,
            r#"{"exp":1e400}"#,
            r#"{"iat":true}"#,
            r#"{"nbf":[1]}"#,
            r#"{"nonce":1}"#,
            r#"{"azp":["a"]}"#,
        ] {
            let err = claims(json).unwrap_err();
            assert!(err.starts_with("invalid_claim"), "{json}: {err}");
        }
    }

    #[test]
    fn numeric_dates_allow_fractions_and_exponents() {
        let c = claims(r#"{"exp":1.7e9,"iat":-5,"nbf":12.5}"#).unwrap();
        assert_eq!(c.exp.map(|d| d.as_secs()), Some(1_700_000_000));
        assert_eq!(c.iat.map(|d| d.as_secs()), Some(-5));
    }

    #[test]
    fn wrong_types_of_step_up_claims_are_kept() {
        let c = claims(r#"{"amr":"mfa","acr":["x"],"auth_time":"1700000000"}"#).unwrap();
        assert_eq!(c.amr, StepUpClaim::WrongType("string"));
        assert_eq!(c.acr, StepUpClaim::WrongType("array"));
        assert_eq!(c.auth_time, StepUpClaim::WrongType("string"));
        let c = claims(r#"{"amr":[["mfa"]]}"#).unwrap();
        assert_eq!(
            c.amr,
            StepUpClaim::WrongType("array with non-string elements")
        );
    }

    #[test]
    fn duplicates_are_rejected() {
        assert!(
            claims(r#"{"sub":"a","sub":"b"}"#)
                .unwrap_err()
                .starts_with("duplicate_member")
        );
        assert!(
            claims(r#"{"x":1,"x":1}"#)
                .unwrap_err()
                .starts_with("duplicate_member")
        );
        assert!(
            claims(r#"{"amr":[{"a":1,"a":1}]}"#)
                .unwrap_err()
                .starts_with("duplicate_member")
        );
    }

    #[test]
    fn payload_must_be_an_object() {
        assert!(claims("[]").unwrap_err().starts_with("invalid_json"));
        assert!(claims("\"x\"").unwrap_err().starts_with("invalid_json"));
        assert!(claims("").unwrap_err().starts_with("invalid_json"));
    }
}
