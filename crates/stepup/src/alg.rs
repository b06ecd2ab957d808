//! JWS algorithms (RFC 7518, RFC 8037, RFC 9864) and sets of them.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Shown};

/// A JWS signature algorithm stepup can verify and sign with.
///
/// `none` is deliberately not representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(clippy::upper_case_acronyms)] // the names are the registered JWS identifiers
pub enum Alg {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, salt length 32.
    PS256,
    /// RSASSA-PSS with SHA-384, salt length 48.
    PS384,
    /// RSASSA-PSS with SHA-512, salt length 64.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// EdDSA (RFC 8037); stepup supports it with Ed25519 keys only.
    EdDSA,
    /// Ed25519, the fully-specified name of RFC 9864.
    Ed25519,
}

/// The family of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    /// A shared secret (HS*).
    Secret,
    /// An RSA public key (RS*, PS*).
    Rsa,
    /// An EC key on P-256 (ES256).
    P256,
    /// An EC key on P-384 (ES384).
    P384,
    /// An EC key on P-521 (ES512).
    P521,
    /// An Ed25519 key (EdDSA, Ed25519).
    Ed25519,
}

impl Alg {
    /// Every algorithm, in a fixed order.
    pub const ALL: [Self; 14] = [
        Self::HS256,
        Self::HS384,
        Self::HS512,
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::ES512,
        Self::EdDSA,
        Self::Ed25519,
    ];

    /// The registered name, as in a JWS header.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::ES512 => "ES512",
            Self::EdDSA => "EdDSA",
            Self::Ed25519 => "Ed25519",
        }
    }

    /// Looks an algorithm up by its exact registered name (case-sensitive, as RFC 7515 requires).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::from_name_bytes(name.as_bytes())
    }

    /// [`from_name`](Self::from_name) on the bytes of a header's `alg`: byte patterns
    /// compile to a decision tree, where comparing with each name in turn would cost
    /// a comparison per algorithm on every token.
    pub(crate) fn from_name_bytes(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"HS256" => Self::HS256,
            b"HS384" => Self::HS384,
            b"HS512" => Self::HS512,
            b"RS256" => Self::RS256,
            b"RS384" => Self::RS384,
            b"RS512" => Self::RS512,
            b"PS256" => Self::PS256,
            b"PS384" => Self::PS384,
            b"PS512" => Self::PS512,
            b"ES256" => Self::ES256,
            b"ES384" => Self::ES384,
            b"ES512" => Self::ES512,
            b"EdDSA" => Self::EdDSA,
            b"Ed25519" => Self::Ed25519,
            _ => return None,
        })
    }

    /// The algorithm a header's `alg` names, or the error for it (`alg_none`,
    /// `unsupported_alg`), as [`FromStr`] gives for the same text.
    pub(crate) fn parse_bytes(name: &[u8]) -> Result<Self, Error> {
        Self::from_name_bytes(name).ok_or_else(|| {
            let shown = String::from_utf8_lossy(name);
            if name.eq_ignore_ascii_case(b"none") {
                Error::AlgNone {
                    alg: Shown::new(shown),
                }
            } else {
                Error::UnsupportedAlg {
                    alg: Shown::new(shown),
                }
            }
        })
    }

    /// The key family this algorithm needs.
    pub const fn key_family(self) -> KeyFamily {
        match self {
            Self::HS256 | Self::HS384 | Self::HS512 => KeyFamily::Secret,
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512 => {
                KeyFamily::Rsa
            }
            Self::ES256 => KeyFamily::P256,
            Self::ES384 => KeyFamily::P384,
            Self::ES512 => KeyFamily::P521,
            Self::EdDSA | Self::Ed25519 => KeyFamily::Ed25519,
        }
    }

    /// For HS*: the minimum secret length in bytes (the hash output length).
    pub const fn min_secret_len(self) -> Option<usize> {
        match self {
            Self::HS256 => Some(32),
            Self::HS384 => Some(48),
            Self::HS512 => Some(64),
            _ => None,
        }
    }

    /// The exact signature length for fixed-size algorithms (HMAC, ECDSA, Ed25519).
    /// RSA signatures are as long as the key's modulus.
    pub const fn fixed_signature_len(self) -> Option<usize> {
        match self {
            Self::HS256 => Some(32),
            Self::HS384 => Some(48),
            Self::HS512 => Some(64),
            Self::ES256 => Some(64),
            Self::ES384 => Some(96),
            Self::ES512 => Some(132),
            Self::EdDSA | Self::Ed25519 => Some(64),
            _ => None,
        }
    }

    /// Whether a key published for `self` (its JWK `alg`) may verify tokens with
    /// `token_alg`: the same identifier, or `EdDSA` and `Ed25519` either way round.
    /// RFC 9864 §2: on an OKP key with `crv` `Ed25519`, the polymorphic `EdDSA` is
    /// the algorithm the fully specified `Ed25519` names; stepup accepts no other
    /// EdDSA curve (an Ed448 key is skipped when the set is read), so on every key
    /// it holds the two names are one algorithm. Which names a token may carry is
    /// still the allow-list's decision, name by name.
    pub(crate) fn published_for(self, token_alg: Self) -> bool {
        self == token_alg
            || matches!(
                (self, token_alg),
                (Self::EdDSA | Self::Ed25519, Self::EdDSA | Self::Ed25519)
            )
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Alg {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("none") {
            return Err(Error::AlgNone { alg: Shown::new(s) });
        }
        Self::from_name(s).ok_or_else(|| Error::UnsupportedAlg { alg: Shown::new(s) })
    }
}

/// A set of algorithms, as a bit set (cheap to copy and test).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AlgSet(u16);

impl AlgSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// Whether `alg` is in the set.
    pub const fn contains(self, alg: Alg) -> bool {
        self.0 & alg.bit() != 0
    }

    /// Adds `alg`.
    pub fn insert(&mut self, alg: Alg) {
        self.0 |= alg.bit();
    }

    /// The intersection of two sets.
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The union of two sets.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The algorithms in the set, in [`Alg::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Alg> {
        Alg::ALL.into_iter().filter(move |alg| self.contains(*alg))
    }
}

impl FromIterator<Alg> for AlgSet {
    fn from_iter<I: IntoIterator<Item = Alg>>(iter: I) -> Self {
        let mut set = Self::EMPTY;
        for alg in iter {
            set.insert(alg);
        }
        set
    }
}

impl fmt::Display for AlgSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, alg) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(alg.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for AlgSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AlgSet[{self}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_in_any_casing_is_refused() {
        for name in ["none", "None", "NONE", "nOnE"] {
            assert_eq!(name.parse::<Alg>().map_err(|e| e.code()), Err("alg_none"));
        }
    }

    #[test]
    fn names_are_case_sensitive() {
        assert_eq!(
            "rs256".parse::<Alg>().map_err(|e| e.code()),
            Err("unsupported_alg")
        );
        assert_eq!("RS256".parse::<Alg>().ok(), Some(Alg::RS256));
        assert_eq!("Ed25519".parse::<Alg>().ok(), Some(Alg::Ed25519));
    }

    /// The lookup by definition: the algorithm whose name is exactly `name`.
    fn reference_lookup(name: &[u8]) -> Option<Alg> {
        Alg::ALL
            .into_iter()
            .find(|alg| alg.name().as_bytes() == name)
    }

    #[test]
    fn the_byte_lookup_knows_exactly_the_registered_names() {
        for alg in Alg::ALL {
            assert_eq!(Alg::from_name_bytes(alg.name().as_bytes()), Some(alg));
            assert_eq!(Alg::parse_bytes(alg.name().as_bytes()).ok(), Some(alg));
            // Every name with one byte replaced by any value, one byte inserted
            // anywhere, one byte removed, or one letter's case flipped: the lookup
            // agrees with the definition on all of them.
            let name = alg.name().as_bytes();
            let mut variants = Vec::new();
            for at in 0..=name.len() {
                for byte in 0..=255u8 {
                    if at < name.len() {
                        let mut replaced = name.to_vec();
                        replaced[at] = byte;
                        variants.push(replaced);
                    }
                    let mut inserted = name.to_vec();
                    inserted.insert(at, byte);
                    variants.push(inserted);
                }
                if at < name.len() {
                    let mut removed = name.to_vec();
                    removed.remove(at);
                    variants.push(removed);
                    let mut flipped = name.to_vec();
                    flipped[at] ^= if flipped[at].is_ascii_alphabetic() {
                        0x20
                    } else {
                        0
                    };
                    variants.push(flipped);
                }
            }
            for variant in variants {
                assert_eq!(
                    Alg::from_name_bytes(&variant),
                    reference_lookup(&variant),
                    "{:?}",
                    String::from_utf8_lossy(&variant)
                );
            }
        }
        // The same errors as parsing the text.
        for name in ["none", "NoNe", "rs256", "", "HS256 ", "RS1"] {
            assert_eq!(
                Alg::parse_bytes(name.as_bytes()).map_err(|e| (e.code(), e.to_string())),
                name.parse::<Alg>().map_err(|e| (e.code(), e.to_string())),
                "{name:?}"
            );
        }
    }

    #[test]
    fn eddsa_and_ed25519_are_one_algorithm_on_a_key() {
        for (published, token) in [
            (Alg::EdDSA, Alg::Ed25519),
            (Alg::Ed25519, Alg::EdDSA),
            (Alg::EdDSA, Alg::EdDSA),
            (Alg::Ed25519, Alg::Ed25519),
        ] {
            assert!(published.published_for(token), "{published} {token}");
        }
        for alg in Alg::ALL {
            assert!(alg.published_for(alg));
            if alg.key_family() != KeyFamily::Ed25519 {
                assert!(!alg.published_for(Alg::EdDSA) && !Alg::Ed25519.published_for(alg));
            }
        }
        assert!(!Alg::RS256.published_for(Alg::PS256));
    }

    #[test]
    fn alg_set_roundtrip() {
        let set: AlgSet = [Alg::RS256, Alg::ES512].into_iter().collect();
        assert!(set.contains(Alg::RS256) && set.contains(Alg::ES512));
        assert!(!set.contains(Alg::HS256));
        assert_eq!(set.to_string(), "RS256, ES512");
    }
}
