//! Shared helpers: committed keys and token builders.

use std::path::PathBuf;

use serde_json::{Value, json};
use stepup::{Alg, KeySet, SigningKey, UnixTime, Verifier};

/// The workspace's `tests/vectors` directory.
pub(crate) fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// A committed key file under `tests/vectors/keys`.
pub(crate) fn key_file(name: &str) -> String {
    let path = vectors_dir().join("keys").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) const ISS: &str = "https://issuer.example.com";
pub(crate) const AUD: &str = "stepup-client";
/// 2026-01-01T00:00:00Z, the issue time of the committed vectors.
pub(crate) const IAT: i64 = 1_767_225_600;
pub(crate) const NOW: UnixTime = UnixTime::from_secs(IAT + 600);

/// Claims of a valid MFA ID token at [`NOW`].
pub(crate) fn claims() -> Value {
    json!({
        "iss": ISS, "sub": "user-1", "aud": AUD, "iat": IAT, "exp": IAT + 3600,
        "auth_time": IAT, "nonce": "n-0S6_WzA2Mj", "amr": ["pwd", "otp", "mfa"],
    })
}

/// A signer from a committed private key.
pub(crate) fn signer(file: &str, alg: Alg) -> SigningKey {
    SigningKey::from_pem(&key_file(file), Some(alg)).unwrap()
}

/// A verifier from a committed public key.
pub(crate) fn verifier(file: &str) -> Verifier {
    Verifier::builder(ISS, AUD, KeySet::from_public_key(&key_file(file)).unwrap())
        .build()
        .unwrap()
}

/// The error code of verifying `token`, or "ok".
pub(crate) fn outcome(verifier: &Verifier, token: &str) -> &'static str {
    match verifier.verify(token, NOW) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}
