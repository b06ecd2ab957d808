//! Signing tokens and generating keys: for tests, `stepup mint`, `stepup keygen` and the
//! development provider. Verification never depends on this module.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, RsaEncoding, RsaKeyPair,
};
use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::alg::{Alg, KeyFamily};
use crate::error::Error;
use crate::jws::B64;
use crate::key::Secret;

/// A key that signs tokens with one algorithm.
///
/// ```
/// use stepup::{Alg, KeySet, Secret, SigningKey, UnixTime, Verifier};
/// use serde_json::json;
///
/// let secret = Secret::new("0123456789abcdef0123456789abcdef");
/// let signer = SigningKey::from_secret(&secret, Alg::HS256)?;
/// let token = signer.sign(&json!({
///     "iss": "https://op", "sub": "u", "aud": "c", "iat": 1000, "exp": 2000, "amr": ["mfa"]
/// }))?;
/// let verifier = Verifier::builder("https://op", "c", KeySet::from_secret(&secret)?).build()?;
/// assert!(verifier.verify(&token, UnixTime::from_secs(1500)).is_ok());
/// # Ok::<(), stepup::Error>(())
/// ```
pub struct SigningKey {
    alg: Alg,
    kid: Option<String>,
    inner: Inner,
}

enum Inner {
    Hmac(Box<hmac::Key>),
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn signing(reason: impl Into<String>) -> Error {
    Error::Signing {
        reason: reason.into(),
    }
}

impl SigningKey {
    /// An HMAC key. The secret must be at least as long as the hash output.
    ///
    /// # Errors
    /// `signing_failed` if `alg` is not HS* or the secret is too short for it.
    pub fn from_secret(secret: &Secret, alg: Alg) -> Result<Self, Error> {
        let algorithm = match alg {
            Alg::HS256 => hmac::HMAC_SHA256,
            Alg::HS384 => hmac::HMAC_SHA384,
            Alg::HS512 => hmac::HMAC_SHA512,
            other => return Err(signing(format!("{other} does not use a shared secret"))),
        };
        let min = alg.min_secret_len().unwrap_or(32);
        if secret.expose().len() < min {
            return Err(Error::weak_key(format!(
                "the secret is {} bytes and {alg} needs at least {min}",
                secret.expose().len()
            )));
        }
        Ok(Self {
            alg,
            kid: None,
            inner: Inner::Hmac(Box::new(hmac::Key::new(algorithm, secret.expose()))),
        })
    }

    /// A private key from PEM (`PRIVATE KEY` PKCS#8, `RSA PRIVATE KEY`, `EC PRIVATE KEY`).
    /// With `alg` `None`, the key decides: RS256, ES256/384/512 or EdDSA.
    ///
    /// # Errors
    /// `invalid_key` if the PEM cannot be read, `signing_failed` if `alg` does not fit the key.
    pub fn from_pem(pem_text: &str, alg: Option<Alg>) -> Result<Self, Error> {
        let block = ::pem::parse(pem_text)
            .map_err(|e| Error::invalid_key(format!("the private key PEM cannot be read: {e}")))?;
        let der = block.contents();
        let inner = match block.tag() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(der).map(Inner::Rsa).ok(),
            "EC PRIVATE KEY" => [
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
            ]
            .into_iter()
            .find_map(|alg| EcdsaKeyPair::from_private_key_der(alg, der).ok())
            .map(Inner::Ecdsa),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(der)
                .map(Inner::Rsa)
                .ok()
                .or_else(|| {
                    [
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                        &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
                    ]
                    .into_iter()
                    .find_map(|alg| EcdsaKeyPair::from_pkcs8(alg, der).ok())
                    .map(Inner::Ecdsa)
                })
                .or_else(|| {
                    Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                        .map(Inner::Ed25519)
                        .ok()
                }),
            tag => {
                return Err(Error::invalid_key(format!(
                    "expected a private key PEM (PRIVATE KEY), found {tag:?}"
                )));
            }
        };
        let inner = inner.ok_or_else(|| {
            Error::invalid_key("the private key is not an RSA, EC P-256/384/521 or Ed25519 key")
        })?;
        let family = match &inner {
            Inner::Rsa(_) => KeyFamily::Rsa,
            Inner::Ecdsa(pair) => ec_family(pair.algorithm()),
            Inner::Ed25519(_) => KeyFamily::Ed25519,
            Inner::Hmac(_) => KeyFamily::Secret,
        };
        if let Inner::Rsa(pair) = &inner
            && pair.public_modulus_len() * 8 < crate::crypto::MIN_RSA_BITS
        {
            return Err(Error::weak_key("the RSA key is below 2048 bits"));
        }
        let alg = match alg {
            Some(alg) if alg.key_family() == family => alg,
            Some(alg) => {
                return Err(signing(format!("{alg} cannot be used with this key")));
            }
            None => match family {
                KeyFamily::Rsa => Alg::RS256,
                KeyFamily::P256 => Alg::ES256,
                KeyFamily::P384 => Alg::ES384,
                KeyFamily::P521 => Alg::ES512,
                _ => Alg::EdDSA,
            },
        };
        Ok(Self {
            alg,
            kid: None,
            inner,
        })
    }

    /// Sets the `kid` written into the header.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The signing algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The key id, if set.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Signs `claims` with header `{"alg", "typ":"JWT", "kid"?}`.
    ///
    /// # Errors
    /// `signing_failed` if the claims do not serialize or the primitive fails.
    pub fn sign(&self, claims: &Value) -> Result<String, Error> {
        let mut header = Map::new();
        header.insert("alg".into(), json!(self.alg.name()));
        header.insert("typ".into(), json!("JWT"));
        if let Some(kid) = &self.kid {
            header.insert("kid".into(), json!(kid));
        }
        self.sign_with_header(&Value::Object(header), claims)
    }

    /// Signs `claims` under a caller-built `header` (its `alg` is set to this key's).
    ///
    /// # Errors
    /// `signing_failed` if the header is not an object or the primitive fails.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> Result<String, Error> {
        let mut header = header.clone();
        let Some(object) = header.as_object_mut() else {
            return Err(signing("the header must be a JSON object"));
        };
        object.insert("alg".into(), json!(self.alg.name()));
        let header = serde_json::to_vec(&header).map_err(|e| signing(e.to_string()))?;
        let claims = serde_json::to_vec(claims).map_err(|e| signing(e.to_string()))?;
        self.sign_raw(&header, &claims)
    }

    /// Signs raw header and payload bytes as given (for test tokens with unusual JSON).
    ///
    /// # Errors
    /// `signing_failed` if the primitive fails.
    pub fn sign_raw(&self, header: &[u8], payload: &[u8]) -> Result<String, Error> {
        let mut token = B64.encode(header);
        token.push('.');
        B64.encode_string(payload, &mut token);
        let signature = self.signature(token.as_bytes())?;
        token.push('.');
        B64.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The public key as SPKI PEM (`None` for a shared secret).
    pub fn public_key_pem(&self) -> Option<String> {
        let der = self.public_spki()?;
        Some(::pem::encode(&::pem::Pem::new("PUBLIC KEY", der)))
    }

    /// The public key as a JWK with `kty`, key members, `use`, `alg` and `kid` (if set).
    pub fn public_jwk(&self) -> Option<Value> {
        let der = self.public_spki()?;
        let mut jwk = crate::key::jwk_from_spki(&der)?;
        let object = jwk.as_object_mut()?;
        object.insert("use".into(), json!("sig"));
        object.insert("alg".into(), json!(self.alg.name()));
        if let Some(kid) = &self.kid {
            object.insert("kid".into(), json!(kid));
        }
        Some(jwk)
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key.
    pub fn thumbprint(&self) -> Option<String> {
        let der = self.public_spki()?;
        crate::key::thumbprint_of_spki(&der)
    }

    fn public_spki(&self) -> Option<Vec<u8>> {
        let der: Result<PublicKeyX509Der<'static>, _> = match &self.inner {
            Inner::Hmac(_) => return None,
            Inner::Rsa(pair) => pair.public_key().as_der(),
            Inner::Ecdsa(pair) => pair.public_key().as_der(),
            Inner::Ed25519(pair) => pair.public_key().as_der(),
        };
        der.ok().map(|der| der.as_ref().to_vec())
    }

    fn signature(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Hmac(key) => Ok(hmac::sign(key, message).as_ref().to_vec()),
            Inner::Rsa(pair) => {
                let encoding: &'static dyn RsaEncoding = match self.alg {
                    Alg::RS256 => &signature::RSA_PKCS1_SHA256,
                    Alg::RS384 => &signature::RSA_PKCS1_SHA384,
                    Alg::RS512 => &signature::RSA_PKCS1_SHA512,
                    Alg::PS256 => &signature::RSA_PSS_SHA256,
                    Alg::PS384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(encoding, &rng, message, &mut out)
                    .map_err(|_| signing("RSA signing failed"))?;
                Ok(out)
            }
            Inner::Ecdsa(pair) => pair
                .sign(&rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| signing("ECDSA signing failed")),
            Inner::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

fn ec_family(alg: &'static EcdsaSigningAlgorithm) -> KeyFamily {
    if *alg == signature::ECDSA_P256_SHA256_FIXED_SIGNING {
        KeyFamily::P256
    } else if *alg == signature::ECDSA_P384_SHA384_FIXED_SIGNING {
        KeyFamily::P384
    } else {
        KeyFamily::P521
    }
}

/// The kind of key pair [`generate_key`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA 2048 bits (RS256).
    Rsa2048,
    /// RSA 3072 bits (RS256).
    Rsa3072,
    /// RSA 4096 bits (RS256).
    Rsa4096,
    /// EC P-256 (ES256).
    P256,
    /// EC P-384 (ES384).
    P384,
    /// EC P-521 (ES512).
    P521,
    /// Ed25519 (EdDSA).
    Ed25519,
}

impl std::str::FromStr for KeyKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "rsa" | "rsa2048" | "rsa-2048" => Self::Rsa2048,
            "rsa3072" | "rsa-3072" => Self::Rsa3072,
            "rsa4096" | "rsa-4096" => Self::Rsa4096,
            "ec" | "p256" | "p-256" | "es256" => Self::P256,
            "p384" | "p-384" | "es384" => Self::P384,
            "p521" | "p-521" | "es512" => Self::P521,
            "ed25519" | "eddsa" | "okp" => Self::Ed25519,
            _ => {
                return Err(Error::config(format!(
                    "unknown key type {s:?}; use rsa, rsa3072, rsa4096, p256, p384, p521 or ed25519"
                )));
            }
        })
    }
}

/// A freshly generated key pair.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The private key, PKCS#8 PEM.
    pub private_pem: Secret,
    /// The public key, SPKI PEM.
    pub public_pem: String,
    /// A JWK Set holding the public key, with `kid` = its RFC 7638 thumbprint.
    pub jwks: Value,
    /// The key id.
    pub kid: String,
    /// The default algorithm for the key.
    pub alg: Alg,
}

/// Generates a key pair with the system's secure random generator.
///
/// ```
/// use stepup::{KeyKind, KeySet, generate_key};
///
/// let generated = generate_key(KeyKind::Ed25519)?;
/// let keys = KeySet::from_jwks(&generated.jwks.to_string())?;
/// assert_eq!(keys.keys()[0].kid(), Some(generated.kid.as_str()));
/// # Ok::<(), stepup::Error>(())
/// ```
///
/// # Errors
/// `signing_failed` if the generator fails.
pub fn generate_key(kind: KeyKind) -> Result<GeneratedKey, Error> {
    let fail = |_| signing("key generation failed");
    let pkcs8: Vec<u8> = match kind {
        KeyKind::Rsa2048 | KeyKind::Rsa3072 | KeyKind::Rsa4096 => {
            let size = match kind {
                KeyKind::Rsa2048 => KeySize::Rsa2048,
                KeyKind::Rsa3072 => KeySize::Rsa3072,
                _ => KeySize::Rsa4096,
            };
            let pair = RsaKeyPair::generate(size).map_err(fail)?;
            let der: Pkcs8V1Der<'static> = pair.as_der().map_err(fail)?;
            der.as_ref().to_vec()
        }
        KeyKind::P256 | KeyKind::P384 | KeyKind::P521 => {
            let alg = match kind {
                KeyKind::P256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                KeyKind::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                _ => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
            };
            let pair = EcdsaKeyPair::generate(alg).map_err(fail)?;
            pair.to_pkcs8v1().map_err(fail)?.as_ref().to_vec()
        }
        KeyKind::Ed25519 => {
            let pair = Ed25519KeyPair::generate().map_err(fail)?;
            pair.to_pkcs8v1().map_err(fail)?.as_ref().to_vec()
        }
    };
    let private_pem = ::pem::encode(&::pem::Pem::new("PRIVATE KEY", pkcs8));
    let key = SigningKey::from_pem(&private_pem, None)?;
    let kid = key
        .thumbprint()
        .ok_or_else(|| signing("cannot compute the key's thumbprint"))?;
    let key = key.with_kid(kid.clone());
    let jwk = key
        .public_jwk()
        .ok_or_else(|| signing("cannot export the public key"))?;
    Ok(GeneratedKey {
        public_pem: key.public_key_pem().unwrap_or_default(),
        private_pem: Secret::new(private_pem),
        jwks: json!({ "keys": [jwk] }),
        kid,
        alg: key.alg(),
    })
}

/// SHA-256 of `data`, base64url encoded.
pub(crate) fn sha256_b64(data: &[u8]) -> String {
    B64.encode(digest::digest(&digest::SHA256, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeySet, UnixTime, Verifier};

    fn claims() -> Value {
        json!({"iss":"https://op","sub":"u","aud":"c","iat":1000,"exp":2000,"amr":["mfa"]})
    }

    #[test]
    fn every_generated_kind_round_trips_through_pem_and_jwks() {
        for kind in [
            KeyKind::Rsa2048,
            KeyKind::P256,
            KeyKind::P384,
            KeyKind::P521,
            KeyKind::Ed25519,
        ] {
            let generated = generate_key(kind).unwrap();
            let pem = std::str::from_utf8(generated.private_pem.expose()).unwrap();
            let algs: &[Alg] = match kind {
                KeyKind::Rsa2048 => &[
                    Alg::RS256,
                    Alg::RS384,
                    Alg::RS512,
                    Alg::PS256,
                    Alg::PS384,
                    Alg::PS512,
                ],
                KeyKind::Ed25519 => &[Alg::EdDSA, Alg::Ed25519],
                _ => &[generated.alg],
            };
            for alg in algs {
                let signer = SigningKey::from_pem(pem, Some(*alg))
                    .unwrap()
                    .with_kid(&generated.kid);
                let token = signer.sign(&claims()).unwrap();
                let by_pem = Verifier::builder(
                    "https://op",
                    "c",
                    KeySet::from_public_key(&generated.public_pem).unwrap(),
                )
                .build()
                .unwrap();
                assert!(
                    by_pem.verify(&token, UnixTime::from_secs(1500)).is_ok(),
                    "{kind:?} {alg} pem"
                );
                // The JWKS from keygen is published for the default alg only.
                if *alg == generated.alg {
                    let by_jwks = Verifier::builder(
                        "https://op",
                        "c",
                        KeySet::from_jwks(&generated.jwks.to_string()).unwrap(),
                    )
                    .build()
                    .unwrap();
                    assert!(
                        by_jwks.verify(&token, UnixTime::from_secs(1500)).is_ok(),
                        "{kind:?} jwks"
                    );
                }
            }
        }
    }

    #[test]
    fn secret_too_short_for_alg_is_refused() {
        let secret = Secret::new(vec![1; 40]);
        assert!(SigningKey::from_secret(&secret, Alg::HS256).is_ok());
        assert_eq!(
            SigningKey::from_secret(&secret, Alg::HS384)
                .map(|_| ())
                .map_err(|e| e.code()),
            Err("weak_key")
        );
    }
}
