//! The protected header, read in one pass: the members the header rules need.

use super::names::NameSet;
use super::reader::{Fault, Reader, Value};
use super::text::Text;

/// A header member that must be a string, as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Member {
    /// A string.
    Text(Text),
    /// Any other JSON value.
    NotText,
}

impl Member {
    fn of(value: Value) -> Self {
        match value {
            Value::Text(text) => Self::Text(text),
            _ => Self::NotText,
        }
    }
}

/// The members of a header the rules of docs/verification-rules.md look at. `jwk`, `jku`, `x5u`,
/// `x5c` and any other member are read (strictly) and ignored: keys come only from
/// configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct HeaderMembers {
    pub(crate) alg: Option<Member>,
    pub(crate) kid: Option<Member>,
    pub(crate) typ: Option<Member>,
    pub(crate) cty: Option<Member>,
    /// `crit` is present (with any value).
    pub(crate) crit: bool,
    /// `b64` is present (with any value).
    pub(crate) b64: bool,
}

/// Bits of the members of [`HeaderMembers`] already seen.
fn known_bit(name: &[u8]) -> Option<u8> {
    Some(match name {
        b"alg" => 1,
        b"kid" => 2,
        b"typ" => 4,
        b"cty" => 8,
        b"crit" => 16,
        b"b64" => 32,
        _ => return None,
    })
}

/// Reads a header: a strict JSON object whose member names are distinct.
pub(super) fn read(text: &[u8], max_depth: usize) -> Result<HeaderMembers, Fault> {
    let mut header = HeaderMembers::default();
    let mut seen_known = 0u8;
    let mut seen_other = NameSet::new();
    Reader::new(text, max_depth).object_members(|reader, name| {
        let Some(bit) = known_bit(&name) else {
            seen_other.insert(name).map_err(Fault::duplicate)?;
            reader.colon()?;
            return reader.value(2).map(drop);
        };
        if seen_known & bit != 0 {
            return Err(Fault::duplicate(name));
        }
        seen_known |= bit;
        reader.colon()?;
        let value = reader.value(2)?;
        match bit {
            1 => header.alg = Some(Member::of(value)),
            2 => header.kid = Some(Member::of(value)),
            4 => header.typ = Some(Member::of(value)),
            8 => header.cty = Some(Member::of(value)),
            16 => header.crit = true,
            _ => header.b64 = true,
        }
        Ok(())
    })?;
    Ok(header)
}
