//! The signature backend: the only module that names aws-lc-rs verification types.
//!
//! Public keys are parsed here once, when a key set is built; verification then
//! only checks the signature's exact form and calls the primitive.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents, VerificationAlgorithm};

use crate::alg::{Alg, KeyFamily};

/// Smallest RSA modulus accepted (RFC 8725 §3.5, NIST SP 800-131A).
pub(crate) const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus aws-lc-rs verifies.
pub(crate) const MAX_RSA_BITS: usize = 8192;

/// The y-coordinates (little-endian, sign bit cleared) of the eight small-order points
/// of edwards25519, and p, p + 1 (non-canonical encodings of y = 0 and y = 1). With such
/// a public key, signatures can be forged without any private key (aws-lc does not
/// refuse them), so they are refused as weak keys. Computed with the RFC 8032 formulas:
/// the multiples of the order-8 point with y = 2707385501…402022.
#[rustfmt::skip]
const ED25519_SMALL_ORDER_Y: [[u8; 32]; 7] = [
    // 0000000000000000000000000000000000000000000000000000000000000000
    [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    // 0100000000000000000000000000000000000000000000000000000000000000
    [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    // 26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05
    [0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05],
    // c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a
    [0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a],
    // ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
    [0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    // edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
    [0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    // eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
    [0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
];

/// Key material ready for verification.
pub(crate) enum VerifyingKey {
    /// HMAC keys, one per HS algorithm the secret is long enough for.
    Secret {
        len: usize,
        hs256: Option<Box<hmac::Key>>,
        hs384: Option<Box<hmac::Key>>,
        hs512: Option<Box<hmac::Key>>,
    },
    /// An RSA key parsed for each of RS256..PS512, in that order.
    Rsa {
        bits: usize,
        modulus_len: usize,
        parsed: Box<[ParsedPublicKey; 6]>,
    },
    /// An EC key on the curve of `family`.
    Ec {
        family: KeyFamily,
        parsed: ParsedPublicKey,
    },
    /// An Ed25519 key: its 32 bytes, checked when the key set was built.
    ///
    /// aws-lc's Ed25519 verification works from the raw key bytes; going through a
    /// `ParsedPublicKey` (the EVP interface) measured ~15% slower, and there is nothing
    /// to precompute, so the checked bytes are kept instead.
    Ed25519 { raw: [u8; 32] },
}

/// Why a key could not be prepared.
#[derive(Debug)]
pub(crate) enum KeyProblem {
    Invalid(String),
    Weak(String),
}

impl VerifyingKey {
    /// Prepares a shared secret. Refuses empty secrets and secrets too short for HS256.
    pub(crate) fn secret(secret: &[u8]) -> Result<Self, KeyProblem> {
        if secret.is_empty() {
            return Err(KeyProblem::Weak(
                "the shared secret is empty; use the client secret the provider issued".into(),
            ));
        }
        if secret.len() < 32 {
            return Err(KeyProblem::Weak(format!(
                "the shared secret is {} bytes; HMAC needs at least 32 bytes (HS256), 48 (HS384) or 64 (HS512)",
                secret.len()
            )));
        }
        let key = |alg: Alg, algorithm| {
            alg.min_secret_len()
                .filter(|min| secret.len() >= *min)
                .map(|_| Box::new(hmac::Key::new(algorithm, secret)))
        };
        Ok(Self::Secret {
            len: secret.len(),
            hs256: key(Alg::HS256, hmac::HMAC_SHA256),
            hs384: key(Alg::HS384, hmac::HMAC_SHA384),
            hs512: key(Alg::HS512, hmac::HMAC_SHA512),
        })
    }

    /// Prepares an RSA public key from its modulus and exponent (big-endian bytes).
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self, KeyProblem> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let bits = bit_len(n);
        if bits < MIN_RSA_BITS {
            return Err(KeyProblem::Weak(format!(
                "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
            )));
        }
        if bits > MAX_RSA_BITS {
            return Err(KeyProblem::Invalid(format!(
                "the RSA key has {bits} bits; at most {MAX_RSA_BITS} are supported"
            )));
        }
        // aws-lc only refuses a bad exponent when verifying; refuse it here so it is a
        // configuration error (and a JWK Set skips the key). RFC 8017: e odd, e >= 3;
        // aws-lc accepts at most 33 bits.
        let e_bits = bit_len(e);
        if !(2..=33).contains(&e_bits) || e.last().is_none_or(|last| last & 1 == 0) {
            return Err(KeyProblem::Invalid(
                "the RSA public exponent must be odd, at least 3 and at most 33 bits (usually 65537)".into(),
            ));
        }
        let components = RsaPublicKeyComponents { n, e };
        let parse = |params| {
            components
                .to_parsed_public_key(params)
                .map_err(|e| KeyProblem::Invalid(format!("the RSA key was rejected: {e}")))
        };
        let parsed = Box::new([
            parse(&signature::RSA_PKCS1_2048_8192_SHA256)?,
            parse(&signature::RSA_PKCS1_2048_8192_SHA384)?,
            parse(&signature::RSA_PKCS1_2048_8192_SHA512)?,
            parse(&signature::RSA_PSS_2048_8192_SHA256)?,
            parse(&signature::RSA_PSS_2048_8192_SHA384)?,
            parse(&signature::RSA_PSS_2048_8192_SHA512)?,
        ]);
        Ok(Self::Rsa {
            bits,
            modulus_len: n.len(),
            parsed,
        })
    }

    /// Prepares an EC public key from an uncompressed SEC1 point (`04 || x || y`).
    pub(crate) fn ec(family: KeyFamily, point: &[u8]) -> Result<Self, KeyProblem> {
        let algorithm: &'static dyn VerificationAlgorithm = match family {
            KeyFamily::P256 => &signature::ECDSA_P256_SHA256_FIXED,
            KeyFamily::P384 => &signature::ECDSA_P384_SHA384_FIXED,
            KeyFamily::P521 => &signature::ECDSA_P521_SHA512_FIXED,
            _ => return Err(KeyProblem::Invalid("not an EC curve".into())),
        };
        let parsed = ParsedPublicKey::new(algorithm, point)
            .map_err(|e| KeyProblem::Invalid(format!("the EC point was rejected: {e}")))?;
        Ok(Self::Ec { family, parsed })
    }

    /// Prepares an Ed25519 public key from its 32 raw bytes.
    pub(crate) fn ed25519(raw: &[u8]) -> Result<Self, KeyProblem> {
        if raw.len() != 32 {
            return Err(KeyProblem::Invalid(format!(
                "an Ed25519 public key is 32 bytes, found {}",
                raw.len()
            )));
        }
        let mut y = [0; 32];
        y.copy_from_slice(raw);
        y[31] &= 0x7f;
        if ED25519_SMALL_ORDER_Y.contains(&y) {
            return Err(KeyProblem::Weak(
                "the Ed25519 public key is a small-order point, for which anyone can forge signatures; use a real key".into(),
            ));
        }
        // Parsing once checks that the bytes are a valid point.
        ParsedPublicKey::new(&signature::ED25519, raw)
            .map_err(|e| KeyProblem::Invalid(format!("the Ed25519 key was rejected: {e}")))?;
        let mut bytes = [0; 32];
        bytes.copy_from_slice(raw);
        Ok(Self::Ed25519 { raw: bytes })
    }

    /// Whether this key can verify `alg` (type and, for secrets, length).
    pub(crate) fn permits(&self, alg: Alg) -> bool {
        match self {
            Self::Secret {
                hs256,
                hs384,
                hs512,
                ..
            } => match alg {
                Alg::HS256 => hs256.is_some(),
                Alg::HS384 => hs384.is_some(),
                Alg::HS512 => hs512.is_some(),
                _ => false,
            },
            Self::Rsa { .. } => alg.key_family() == KeyFamily::Rsa,
            Self::Ec { family, .. } => alg.key_family() == *family,
            Self::Ed25519 { .. } => alg.key_family() == KeyFamily::Ed25519,
        }
    }

    /// Why this key cannot verify `alg`, for configuration errors.
    pub(crate) fn refusal(&self, alg: Alg) -> String {
        match (self, alg.min_secret_len()) {
            (Self::Secret { len, .. }, Some(min)) => {
                format!("the secret is {len} bytes and {alg} needs at least {min}")
            }
            _ => format!(
                "{alg} needs {}, the key is {}",
                family_name(alg.key_family()),
                self.describe()
            ),
        }
    }

    /// A short description, e.g. "RSA 2048 bits", without key material.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Secret { len, .. } => format!("a {len}-byte shared secret"),
            Self::Rsa { bits, .. } => format!("an RSA {bits}-bit key"),
            Self::Ec { family, .. } => format!("an EC {} key", family_name(*family)),
            Self::Ed25519 { .. } => "an Ed25519 key".into(),
        }
    }

    /// Verifies `signature` over `message` with `alg`. The caller has checked [`permits`](Self::permits).
    pub(crate) fn verify(&self, alg: Alg, message: &[u8], sig: &[u8]) -> Result<(), &'static str> {
        match self {
            Self::Secret {
                hs256,
                hs384,
                hs512,
                ..
            } => {
                let key = match alg {
                    Alg::HS256 => hs256,
                    Alg::HS384 => hs384,
                    Alg::HS512 => hs512,
                    _ => &None,
                };
                let key = key.as_ref().ok_or("the key cannot be used with this alg")?;
                if Some(sig.len()) != alg.fixed_signature_len() {
                    return Err("wrong length for the algorithm's MAC");
                }
                // Constant-time comparison inside aws-lc-rs.
                hmac::verify(key, message, sig).map_err(|_| "MAC mismatch")
            }
            Self::Rsa {
                modulus_len,
                parsed,
                ..
            } => {
                let index = match alg {
                    Alg::RS256 => 0,
                    Alg::RS384 => 1,
                    Alg::RS512 => 2,
                    Alg::PS256 => 3,
                    Alg::PS384 => 4,
                    Alg::PS512 => 5,
                    _ => return Err("the key cannot be used with this alg"),
                };
                if sig.len() != *modulus_len {
                    return Err("an RSA signature must be exactly as long as the key's modulus");
                }
                parsed[index]
                    .verify_sig(message, sig)
                    .map_err(|_| "RSA verification failed")
            }
            Self::Ec { family, parsed } => {
                if alg.key_family() != *family {
                    return Err("the key cannot be used with this alg");
                }
                let Some(len) = alg.fixed_signature_len().filter(|len| *len == sig.len()) else {
                    return Err(
                        "an ECDSA signature must be raw r||s of the curve's size (DER is not valid in JWS)",
                    );
                };
                let (r, s) = sig.split_at(len / 2);
                if r.iter().all(|b| *b == 0) || s.iter().all(|b| *b == 0) {
                    return Err("ECDSA r or s is zero");
                }
                parsed
                    .verify_sig(message, sig)
                    .map_err(|_| "ECDSA verification failed")
            }
            Self::Ed25519 { raw } => {
                if alg.key_family() != KeyFamily::Ed25519 {
                    return Err("the key cannot be used with this alg");
                }
                if sig.len() != 64 {
                    return Err("an Ed25519 signature must be 64 bytes");
                }
                // aws-lc rejects non-canonical S (S >= L).
                signature::UnparsedPublicKey::new(&signature::ED25519, raw)
                    .verify(message, sig)
                    .map_err(|_| "Ed25519 verification failed")
            }
        }
    }
}

fn family_name(family: KeyFamily) -> &'static str {
    match family {
        KeyFamily::Secret => "a shared secret",
        KeyFamily::Rsa => "an RSA key",
        KeyFamily::P256 => "P-256",
        KeyFamily::P384 => "P-384",
        KeyFamily::P521 => "P-521",
        KeyFamily::Ed25519 => "an Ed25519 key",
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn bit_len(n: &[u8]) -> usize {
    match n.first() {
        None => 0,
        Some(first) => n.len() * 8 - first.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_below_hash_length_are_refused() {
        assert!(matches!(
            VerifyingKey::secret(b""),
            Err(KeyProblem::Weak(_))
        ));
        assert!(matches!(
            VerifyingKey::secret(&[7; 31]),
            Err(KeyProblem::Weak(_))
        ));
        let key = VerifyingKey::secret(&[7; 40]).unwrap();
        assert!(key.permits(Alg::HS256));
        assert!(!key.permits(Alg::HS384));
        assert!(!key.permits(Alg::HS512));
        assert!(!key.permits(Alg::RS256));
        let key = VerifyingKey::secret(&[7; 64]).unwrap();
        assert!(key.permits(Alg::HS512));
    }

    #[test]
    fn small_rsa_moduli_are_refused() {
        let mut n = vec![0xC5; 256];
        n[0] = 0x7F; // 2047 bits
        assert!(matches!(
            VerifyingKey::rsa(&n, &[1, 0, 1]),
            Err(KeyProblem::Weak(_))
        ));
    }

    #[test]
    fn small_order_ed25519_keys_are_refused() {
        for y in ED25519_SMALL_ORDER_Y {
            for sign in [0, 0x80] {
                let mut key = y;
                key[31] |= sign;
                assert!(
                    matches!(VerifyingKey::ed25519(&key), Err(KeyProblem::Weak(_))),
                    "{key:02x?}"
                );
            }
        }
        // RFC 8037 A.2's public key is a real one.
        let x = [
            0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64,
            0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68,
            0xf7, 0x07, 0x51, 0x1a,
        ];
        assert!(VerifyingKey::ed25519(&x).is_ok());
    }

    #[test]
    fn rsa_exponent_must_be_odd_and_at_least_3() {
        let n = [0xC5; 256];
        for e in [
            &[1][..],
            &[2],
            &[0, 1],
            &[1, 0, 0, 0, 0, 0, 0, 0, 1],
            &[0x02, 0x00, 0x00, 0x00, 0x01],
        ] {
            assert!(
                matches!(VerifyingKey::rsa(&n, e), Err(KeyProblem::Invalid(_))),
                "{e:?}"
            );
        }
        assert!(VerifyingKey::rsa(&n, &[1, 0, 1]).is_ok());
        assert!(VerifyingKey::rsa(&n, &[3]).is_ok());
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0x01, 0]), 9);
        assert_eq!(bit_len(strip_leading_zeros(&[0, 0, 1])), 1);
    }
}
