//! The payload, read in one pass: the standard claims as spans and numbers, each
//! type-checked as soon as its value is read.

use crate::claims::{NOT_DATE, NOT_STRING, StepUpClaim};
use crate::time::NumericDate;

use super::names::NameSet;
use super::reader::{Fault, Reader, Value};
use super::text::{Text, TextList};

/// `aud` as found: one string or a non-empty array of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Audience {
    /// No `aud` claim.
    #[default]
    Absent,
    /// A single string.
    One(Text),
    /// A non-empty array of strings.
    Many(TextList),
}

/// Where the standard claims of a payload are, with their types checked; the
/// counterpart of [`Claims`](crate::Claims) that borrows nothing and owns nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ClaimSpans {
    pub(crate) iss: Option<Text>,
    pub(crate) sub: Option<Text>,
    pub(crate) aud: Audience,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) auth_time: StepUpClaim<NumericDate>,
    pub(crate) nonce: Option<Text>,
    pub(crate) acr: StepUpClaim<Text>,
    pub(crate) amr: StepUpClaim<TextList>,
    pub(crate) azp: Option<Text>,
    pub(crate) sid: Option<Text>,
}

/// The claims read into [`ClaimSpans`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Iss,
    Sub,
    Aud,
    Exp,
    Iat,
    Nbf,
    AuthTime,
    Nonce,
    Acr,
    Amr,
    Azp,
    Sid,
}

impl Known {
    /// The claim of a member name. Byte patterns compile to a decision tree on the
    /// bytes, where string patterns would call `memcmp` once per candidate.
    fn of(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"iss" => Self::Iss,
            b"sub" => Self::Sub,
            b"aud" => Self::Aud,
            b"exp" => Self::Exp,
            b"iat" => Self::Iat,
            b"nbf" => Self::Nbf,
            b"auth_time" => Self::AuthTime,
            b"nonce" => Self::Nonce,
            b"acr" => Self::Acr,
            b"amr" => Self::Amr,
            b"azp" => Self::Azp,
            b"sid" => Self::Sid,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Iss => "iss",
            Self::Sub => "sub",
            Self::Aud => "aud",
            Self::Exp => "exp",
            Self::Iat => "iat",
            Self::Nbf => "nbf",
            Self::AuthTime => "auth_time",
            Self::Nonce => "nonce",
            Self::Acr => "acr",
            Self::Amr => "amr",
            Self::Azp => "azp",
            Self::Sid => "sid",
        }
    }

    fn is_date(self) -> bool {
        matches!(self, Self::Exp | Self::Iat | Self::Nbf | Self::AuthTime)
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// Reads a payload: a strict JSON object with distinct member names, whose standard
/// claims have the types docs/verification-rules.md requires. The claims found are
/// written to `claims`, which starts as the default (no claims), in place: the
/// verified token holds them where they are written.
pub(super) fn read(text: &[u8], max_depth: usize, claims: &mut ClaimSpans) -> Result<(), Fault> {
    // Standard claims are tracked in a bit set; only other names need the name set.
    let mut seen_known = 0u16;
    let mut seen_other = NameSet::new();
    Reader::new(text, max_depth).object_members(|reader, name| {
        let Some(claim) = Known::of(&name) else {
            seen_other.insert(name).map_err(Fault::duplicate)?;
            reader.colon()?;
            return reader.value(2).map(drop);
        };
        if seen_known & claim.bit() != 0 {
            return Err(Fault::duplicate(name));
        }
        seen_known |= claim.bit();
        reader.colon()?;
        let value = reader.value(2).map_err(|fault| match fault {
            // A number beyond f64 anywhere in a date claim names the claim.
            Fault::OutOfRange { .. } if claim.is_date() => Fault::Claim {
                claim: claim.name(),
                reason: NOT_DATE,
            },
            other => other,
        })?;
        claims.set(claim, value)
    })
}

impl ClaimSpans {
    /// Records `value` for `claim`, or says why it has the wrong type. A step-up
    /// claim of the wrong type is kept as such: it fails the policy, not the token.
    fn set(&mut self, claim: Known, value: Value) -> Result<(), Fault> {
        let invalid = |reason| Fault::Claim {
            claim: claim.name(),
            reason,
        };
        let text = |value| match value {
            Value::Text(text) => Ok(Some(text)),
            _ => Err(invalid(NOT_STRING)),
        };
        let date = |value| match value {
            Value::Number(n) => NumericDate::new(n)
                .map(Some)
                .ok_or_else(|| invalid(NOT_DATE)),
            _ => Err(invalid(NOT_DATE)),
        };
        match claim {
            Known::Iss => self.iss = text(value)?,
            Known::Sub => self.sub = text(value)?,
            Known::Nonce => self.nonce = text(value)?,
            Known::Azp => self.azp = text(value)?,
            Known::Sid => self.sid = text(value)?,
            Known::Exp => self.exp = date(value)?,
            Known::Iat => self.iat = date(value)?,
            Known::Nbf => self.nbf = date(value)?,
            Known::Aud => {
                self.aud = match value {
                    Value::Text(text) => Audience::One(text),
                    Value::Array(array) if array.all_text() && array.len() > 0 => {
                        Audience::Many(TextList::new(array))
                    }
                    Value::Array(array) if array.all_text() => {
                        return Err(invalid("must not be an empty array"));
                    }
                    _ => return Err(invalid("must be a string or an array of strings")),
                }
            }
            Known::AuthTime => {
                self.auth_time = match value {
                    Value::Number(n) => match NumericDate::new(n) {
                        Some(date) => StepUpClaim::Present(date),
                        None => StepUpClaim::WrongType("out-of-range number"),
                    },
                    other => StepUpClaim::WrongType(other.type_name()),
                }
            }
            Known::Acr => {
                self.acr = match value {
                    Value::Text(text) => StepUpClaim::Present(text),
                    other => StepUpClaim::WrongType(other.type_name()),
                }
            }
            Known::Amr => {
                self.amr = match value {
                    Value::Array(array) if array.all_text() => {
                        StepUpClaim::Present(TextList::new(array))
                    }
                    Value::Array(_) => StepUpClaim::WrongType("array with non-string elements"),
                    other => StepUpClaim::WrongType(other.type_name()),
                }
            }
        }
        Ok(())
    }
}
