//! Verification keys from configuration: a shared secret, PEM, X.509, one JWK or a JWK Set.

mod jwk;
mod pem;

use std::fmt;

use crate::alg::{Alg, AlgSet, KeyFamily};
use crate::crypto::{KeyProblem, VerifyingKey};
use crate::error::Error;

/// A shared secret (e.g. an OIDC client secret) whose `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes. A client secret is used as its UTF-8 bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// One verification key with the metadata that decides when it is a candidate.
pub struct Key {
    kid: Option<String>,
    /// The `alg` the key was published for (JWK `alg`), if any.
    alg: Option<Alg>,
    material: VerifyingKey,
}

impl Key {
    /// The key id, if the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithms this key can verify.
    pub fn algorithms(&self) -> AlgSet {
        Alg::ALL
            .into_iter()
            .filter(|alg| self.permits(*alg))
            .collect()
    }

    /// A short description without key material, e.g. `an RSA 2048-bit key (kid "k1")`.
    pub fn describe(&self) -> String {
        match &self.kid {
            Some(kid) => format!("{} (kid {kid:?})", self.material.describe()),
            None => self.material.describe(),
        }
    }

    fn permits(&self, alg: Alg) -> bool {
        self.alg.is_none_or(|own| own.published_for(alg)) && self.material.permits(alg)
    }

    pub(crate) fn verify(&self, alg: Alg, message: &[u8], sig: &[u8]) -> Result<(), &'static str> {
        self.material.verify(alg, message, sig)
    }

    fn new(kid: Option<String>, alg: Option<Alg>, material: VerifyingKey) -> Self {
        Self { kid, alg, material }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("material", &self.material.describe())
            .finish()
    }
}

/// How a token's key is chosen from a [`KeySet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    /// One configured key (`--key`, `--secret`): used whatever the token's `kid`.
    Single,
    /// A JWK Set: `kid` selects; a token without `kid` tries every compatible key.
    ByKid,
}

/// A key from a JWK Set that was left out, and why.
#[derive(Debug, Clone)]
pub struct SkippedKey {
    /// The key's `kid`, if it had one.
    pub kid: Option<String>,
    /// Why it is not used.
    pub reason: Error,
}

/// The keys a verifier trusts, parsed once.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<Key>,
    selection: Selection,
    skipped: Vec<SkippedKey>,
}

impl KeySet {
    /// A shared secret for HS256/384/512, e.g. the client secret as UTF-8 bytes.
    ///
    /// # Errors
    /// `weak_key` if the secret is empty or shorter than 32 bytes.
    pub fn from_secret(secret: &Secret) -> Result<Self, Error> {
        let material = VerifyingKey::secret(secret.expose()).map_err(problem)?;
        Ok(Self::single(Key::new(None, None, material)))
    }

    /// One public key from text: a PEM `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY`,
    /// `CERTIFICATE`, or a single JWK (JSON object). A single `oct` JWK is accepted as a
    /// shared secret (same strength rules as [`from_secret`](Self::from_secret)); the key
    /// is used whatever the token's `kid`.
    ///
    /// # Errors
    /// `invalid_key` if the text is none of those, `weak_key` for RSA below 2048 bits,
    /// `no_usable_key` for a JWK that is not for signatures.
    pub fn from_public_key(text: &str) -> Result<Self, Error> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN") {
            Ok(Self::single(pem::parse(text)?))
        } else if trimmed.starts_with('{') {
            let key = jwk::parse_one(text)?;
            Ok(Self::single(key))
        } else {
            Err(Error::invalid_key(
                "expected a PEM public key or certificate (-----BEGIN …) or a JWK (JSON object)",
            ))
        }
    }

    /// A JWK Set (`{"keys":[…]}`). Keys that are not usable for verification
    /// (`oct`, `use` other than `sig`, weak, unsupported) are skipped and listed in
    /// [`skipped`](Self::skipped). A verifier built from the set refuses it if it has
    /// more usable keys than [`Limits::max_keys`](crate::Limits) (default 100).
    ///
    /// ```
    /// use stepup::KeySet;
    ///
    /// let jwks = r#"{"keys":[
    ///   {"kty":"OKP","crv":"Ed25519","kid":"k1","use":"sig",
    ///    "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    ///   {"kty":"oct","kid":"s1","k":"c2VjcmV0"}
    /// ]}"#;
    /// let keys = KeySet::from_jwks(jwks)?;
    /// assert_eq!(keys.keys().len(), 1);
    /// assert_eq!(keys.skipped()[0].kid.as_deref(), Some("s1")); // oct keys are never used
    /// # Ok::<(), stepup::Error>(())
    /// ```
    ///
    /// # Errors
    /// `invalid_key` if the text is not a JWK Set, `no_usable_key` if no key is usable.
    pub fn from_jwks(text: &str) -> Result<Self, Error> {
        // The verifier built from the set applies its own `Limits::max_keys`.
        Self::from_jwks_at_most(text, usize::MAX)
    }

    /// [`from_jwks`](Self::from_jwks), refusing (`too_many_keys`) a set with more than
    /// `max_keys` usable keys before parsing the rest: for key sets fetched from the
    /// network, whose size the provider decides.
    pub(crate) fn from_jwks_at_most(text: &str, max_keys: usize) -> Result<Self, Error> {
        let (keys, skipped) = jwk::parse_set(text, max_keys)?;
        if keys.is_empty() {
            let reason = match skipped.first() {
                None => "the JWK Set has no keys".to_string(),
                Some(first) => format!(
                    "all {} keys of the JWK Set were skipped (first: {})",
                    skipped.len(),
                    first.reason
                ),
            };
            return Err(Error::NoUsableKey { reason });
        }
        Ok(Self {
            keys,
            selection: Selection::ByKid,
            skipped,
        })
    }

    /// The keys in use.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Keys of a JWK Set that were skipped, with the reason.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The algorithms some key of the set can verify.
    pub fn algorithms(&self) -> AlgSet {
        self.keys
            .iter()
            .fold(AlgSet::EMPTY, |set, key| set.union(key.algorithms()))
    }

    /// Why no key permits `alg`, for configuration errors.
    pub(crate) fn refusal(&self, alg: Alg) -> String {
        let reasons: Vec<String> = self
            .keys
            .iter()
            .map(|key| match key.alg {
                Some(own) if !own.published_for(alg) => {
                    format!("{} is published for {own}", key.describe())
                }
                _ => key.material.refusal(alg),
            })
            .collect();
        reasons.join("; ")
    }

    /// Refuses a set with more than `max` usable keys (`too_many_keys`).
    pub(crate) fn check_size(&self, max: usize) -> Result<(), Error> {
        if self.keys.len() > max {
            return Err(Error::TooManyKeys {
                listed: self.keys.len() + self.skipped.len(),
                max,
            });
        }
        Ok(())
    }

    /// The keys that may verify a token with `alg` and `kid` (the bytes of the
    /// header's string), in order.
    pub(crate) fn candidates<'a>(
        &'a self,
        alg: Alg,
        kid: Option<&'a [u8]>,
    ) -> impl Iterator<Item = &'a Key> + 'a {
        let by_kid = self.selection == Selection::ByKid;
        self.keys.iter().filter(move |key| {
            key.permits(alg)
                && match (by_kid, kid) {
                    (true, Some(kid)) => key.kid.as_deref().map(str::as_bytes) == Some(kid),
                    _ => true,
                }
        })
    }

    fn single(key: Key) -> Self {
        Self {
            keys: vec![key],
            selection: Selection::Single,
            skipped: Vec::new(),
        }
    }
}

fn problem(problem: KeyProblem) -> Error {
    match problem {
        KeyProblem::Invalid(reason) => Error::invalid_key(reason),
        KeyProblem::Weak(reason) => Error::weak_key(reason),
    }
}

/// The EC key family for a JWK `crv` name.
fn curve(name: &str) -> Option<KeyFamily> {
    match name {
        "P-256" => Some(KeyFamily::P256),
        "P-384" => Some(KeyFamily::P384),
        "P-521" => Some(KeyFamily::P521),
        _ => None,
    }
}

/// Coordinate size in bytes for an EC family.
fn coordinate_len(family: KeyFamily) -> usize {
    match family {
        KeyFamily::P256 => 32,
        KeyFamily::P384 => 48,
        _ => 66,
    }
}

/// The public JWK (`kty` and key members) of a DER SubjectPublicKeyInfo.
pub(crate) fn jwk_from_spki(der: &[u8]) -> Option<serde_json::Value> {
    let members = pem::jwk_members(der)?;
    Some(serde_json::Value::Object(
        members
            .into_iter()
            .map(|(name, value)| (name.to_owned(), serde_json::Value::String(value)))
            .collect(),
    ))
}

/// The RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
pub(crate) fn thumbprint_of_spki(der: &[u8]) -> Option<String> {
    pem::jwk_members(der).map(|members| thumbprint(&members))
}

/// RFC 7638 §3: the members, already in lexicographic order, as compact JSON, hashed.
/// Member values are base64url or fixed names, so they need no JSON escaping.
fn thumbprint(members: &[(&'static str, String)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("\"{name}\":\"{value}\""))
        .collect();
    crate::sign::sha256_b64(format!("{{{}}}", body.join(",")).as_bytes())
}

#[cfg(test)]
mod tests;

/// A verifying key from DER SubjectPublicKeyInfo (for the `__private` test hook).
pub(crate) fn spki_verifying_key(der: &[u8]) -> Result<VerifyingKey, Error> {
    pem::spki_key(der)
}
