//! Sealed cookie values: AES-256-GCM (aws-lc-rs) under keys derived with HKDF-SHA256.
//!
//! Written on aws-lc-rs directly rather than with the `cookie` crate's private jar:
//! the jar takes one key (no rotation), and its AES-GCM comes from another crypto
//! stack. Here the first key seals and every listed key opens, so keys rotate
//! without logging anyone out, and all cryptography stays on aws-lc-rs.
//!
//! A sealed value is `base64url(nonce ‖ ciphertext ‖ tag)`; the cookie's name is
//! the additional authenticated data, so a value sealed as one cookie (the login
//! flow) never opens as another (the session). The expiry lives inside the sealed
//! value: a cookie's own `Max-Age` is only a hint to the browser.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use aws_lc_rs::hkdf;
use base64_simd::URL_SAFE_NO_PAD;

use crate::error::Error;

/// The shortest session key accepted, in bytes (after dropping one trailing newline).
pub const MIN_SESSION_KEY_LEN: usize = 32;

/// HKDF salt: binds derived keys to this use and format version.
const SALT: &[u8] = b"stepup session cookie v1";

/// The keys that seal and open session and login-flow cookies.
///
/// Each key is at least 32 bytes of secret material (for example the output of
/// `openssl rand -base64 32`); the AES-256-GCM key is derived from it with
/// HKDF-SHA256. The first key seals; every key opens, so a new key can be put first
/// and the old one kept second until its cookies have expired.
///
/// ```
/// use stepup_axum::SessionKeys;
///
/// let keys = SessionKeys::new([b"a-session-key-of-at-least-32-bytes!".to_vec()])?;
/// # let _ = keys;
/// assert!(SessionKeys::new([b"short".to_vec()]).is_err());
/// # Ok::<(), stepup_axum::Error>(())
/// ```
#[derive(Clone)]
pub struct SessionKeys {
    keys: Arc<[RandomizedNonceKey]>,
}

impl SessionKeys {
    /// Keys from their secret material, the sealing key first.
    ///
    /// # Errors
    /// `invalid_session_key` when the list is empty or a key is shorter than 32 bytes.
    pub fn new<I, K>(keys: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = K>,
        K: AsRef<[u8]>,
    {
        let mut derived = Vec::new();
        for (index, key) in keys.into_iter().enumerate() {
            let key = key.as_ref();
            if key.len() < MIN_SESSION_KEY_LEN {
                return Err(Error::SessionKey {
                    reason: format!(
                        "session key {} is {} bytes; use at least {MIN_SESSION_KEY_LEN} random bytes \
                         (e.g. `openssl rand -base64 32`)",
                        index + 1,
                        key.len()
                    ),
                });
            }
            derived.push(derive(key)?);
        }
        if derived.is_empty() {
            return Err(Error::SessionKey {
                reason: "no session key given; give at least one of 32 or more random bytes".into(),
            });
        }
        Ok(Self {
            keys: derived.into(),
        })
    }

    /// One fresh random key: sessions end when the process does (demos, tests).
    ///
    /// # Errors
    /// `invalid_session_key` if the system has no randomness.
    pub fn generate() -> Result<Self, Error> {
        let mut key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut key).map_err(|_| Error::SessionKey {
            reason: "the system random generator failed".into(),
        })?;
        Self::new([key])
    }

    /// Seals `plaintext` as the value of the cookie `name`.
    pub(crate) fn seal(&self, name: &str, plaintext: &[u8]) -> Option<String> {
        let key = self.keys.first()?;
        let mut in_out = plaintext.to_vec();
        let nonce = key
            .seal_in_place_append_tag(Aad::from(name.as_bytes()), &mut in_out)
            .ok()?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + in_out.len());
        sealed.extend_from_slice(nonce.as_ref());
        sealed.extend_from_slice(&in_out);
        Some(URL_SAFE_NO_PAD.encode_to_string(sealed))
    }

    /// Opens a value sealed as cookie `name` by any of the keys; `None` when no key
    /// opens it (tampered, foreign, truncated or not ours at all).
    pub(crate) fn open(&self, name: &str, value: &str) -> Option<Vec<u8>> {
        // SIMD base64: this runs on every request that carries a session.
        let mut sealed = URL_SAFE_NO_PAD.decode_to_vec(value).ok()?;
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = sealed[..NONCE_LEN].try_into().ok()?;
        let (last, earlier) = self.keys.split_last()?;
        // Opening overwrites its input: earlier keys get a copy, the last the original.
        for key in earlier {
            let mut copy = sealed[NONCE_LEN..].to_vec();
            if let Some(len) = open_with(key, name, nonce, &mut copy) {
                copy.truncate(len);
                return Some(copy);
            }
        }
        let len = open_with(last, name, nonce, &mut sealed[NONCE_LEN..])?;
        sealed.copy_within(NONCE_LEN..NONCE_LEN + len, 0);
        sealed.truncate(len);
        Some(sealed)
    }
}

/// Opens `in_out` in place with `key`; the plaintext's length on success.
fn open_with(
    key: &RandomizedNonceKey,
    name: &str,
    nonce: [u8; NONCE_LEN],
    in_out: &mut [u8],
) -> Option<usize> {
    let nonce = Nonce::assume_unique_for_key(nonce);
    key.open_in_place(nonce, Aad::from(name.as_bytes()), in_out)
        .ok()
        .map(|plain| plain.len())
}

/// The AES-256-GCM key for one piece of key material.
fn derive(material: &[u8]) -> Result<RandomizedNonceKey, Error> {
    let failed = |_| Error::SessionKey {
        reason: "deriving the cookie key failed".into(),
    };
    let mut bytes = [0u8; 32];
    hkdf::Salt::new(hkdf::HKDF_SHA256, SALT)
        .extract(material)
        .expand(&[b"aes-256-gcm"], hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(&mut bytes))
        .map_err(failed)?;
    RandomizedNonceKey::new(&AES_256_GCM, &bytes).map_err(failed)
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionKeys([redacted; {}])", self.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &[u8] = b"first-session-key-0123456789abcdef";
    const K2: &[u8] = b"second-session-key-0123456789abcdef";

    #[test]
    fn round_trip_and_rotation() {
        let old = SessionKeys::new([K1]).unwrap();
        let sealed = old.seal("stepup_session", b"hello").unwrap();
        assert_eq!(old.open("stepup_session", &sealed).unwrap(), b"hello");
        // A new key first: old cookies still open, new ones are sealed with K2.
        let rotated = SessionKeys::new([K2, K1]).unwrap();
        assert_eq!(rotated.open("stepup_session", &sealed).unwrap(), b"hello");
        let new = rotated.seal("stepup_session", b"again").unwrap();
        assert!(old.open("stepup_session", &new).is_none());
        // Dropping the old key closes its cookies.
        let only_new = SessionKeys::new([K2]).unwrap();
        assert!(only_new.open("stepup_session", &sealed).is_none());
    }

    #[test]
    fn name_is_authenticated_and_tampering_fails() {
        let keys = SessionKeys::new([K1]).unwrap();
        let sealed = keys.seal("stepup_flow", b"state").unwrap();
        assert!(keys.open("stepup_session", &sealed).is_none());
        let mut bytes = URL_SAFE_NO_PAD.decode_to_vec(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(
            keys.open("stepup_flow", &URL_SAFE_NO_PAD.encode_to_string(&bytes))
                .is_none()
        );
        for junk in ["", "x", "!!!!", &sealed[..20]] {
            assert!(keys.open("stepup_flow", junk).is_none(), "{junk:?}");
        }
    }

    #[test]
    fn short_or_missing_keys_are_refused_and_hidden() {
        let err = SessionKeys::new([b"0123456789".as_slice()]).unwrap_err();
        assert_eq!(err.code(), "invalid_session_key");
        assert!(err.to_string().contains("10 bytes"), "{err}");
        assert!(SessionKeys::new(Vec::<Vec<u8>>::new()).is_err());
        let keys = SessionKeys::new([K1]).unwrap();
        assert_eq!(format!("{keys:?}"), "SessionKeys([redacted; 1])");
    }
}
