//! The benchmark cases shared by `benches/verify.rs` (criterion, wall time) and
//! `examples/instructions.rs` (instruction counts under callgrind): one Auth0-style ID
//! token per algorithm, stepup's verifier, the raw aws-lc-rs primitive on the same
//! bytes, and jsonwebtoken 12 with equivalent validation.
//!
//! The tokens are signed once and committed (`tokens.json`, written by
//! `examples/bench_tokens.rs`): ECDSA and RSA-PSS signatures are randomized, and
//! verifying a fresh one costs a different number of instructions each run.

// Three binaries include this file and each uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use aws_lc_rs::{hmac, signature};
use serde_json::json;
use stepup::{Alg, KeySet, Secret, Verifier};

pub(crate) const ISS: &str = "https://stepup-demo.eu.auth0.com/";
pub(crate) const AUD: &str = "3Xz9qLmWn2Rb7TcVpK4sHdYgJ8fE1uAo";
pub(crate) const IAT: i64 = 1_767_225_600;
pub(crate) const SECRET: &str = "Kq8vX2nR5tW9yB3mF6hJ1pL4sD7gA0cZ-example-client-secret";

/// The algorithms of the cases, in the order the benches report them.
pub(crate) const ALGS: [Alg; 7] = [
    Alg::HS256,
    Alg::RS256,
    Alg::PS256,
    Alg::ES256,
    Alg::ES384,
    Alg::ES512,
    Alg::EdDSA,
];

/// A committed key file of `tests/vectors/keys`.
pub(crate) fn key(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/keys")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// The private and public key files of an asymmetric case.
pub(crate) fn key_files(alg: Alg) -> (&'static str, &'static str) {
    match alg {
        Alg::RS256 | Alg::PS256 => ("rsa-2048.private.pem", "rsa-2048.public.pem"),
        Alg::ES256 => ("ec-p256.private.pem", "ec-p256.public.pem"),
        Alg::ES384 => ("ec-p384.private.pem", "ec-p384.public.pem"),
        Alg::ES512 => ("ec-p521.private.pem", "ec-p521.public.pem"),
        _ => ("ed25519.private.pem", "ed25519.public.pem"),
    }
}

/// The committed token of the case for `alg`.
fn token(alg: Alg) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/cases/tokens.json");
    let text = std::fs::read_to_string(&path)
        .expect("benches/cases/tokens.json: run `cargo run -p stepup --example bench_tokens`");
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    file["tokens"][alg.name()]
        .as_str()
        .unwrap_or_else(|| panic!("tokens.json has no {alg} token"))
        .to_owned()
}

/// Claims shaped like an Auth0 ID token after MFA (what `tokens.json` holds).
pub(crate) fn claims() -> serde_json::Value {
    json!({
        "nickname": "alice.example",
        "name": "alice@example.com",
        "picture": "https://s.gravatar.com/avatar/4f64c9f81bb0d4ee969aaf7b4a5a6f40?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fal.png",
        "updated_at": "2026-01-01T00:00:00.000Z",
        "email": "alice@example.com",
        "email_verified": true,
        "iss": ISS,
        "aud": AUD,
        "sub": "auth0|65a1f0c2e4b0a1b2c3d4e5f6",
        "iat": IAT,
        "exp": IAT + 36_000,
        "auth_time": IAT - 5,
        "amr": ["pwd", "mfa"],
        "acr": "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
        "sid": "Xq3dK9vLmN2pR7sT4wY6zB8cF1gH5jA0",
        "nonce": "bXlOb25jZVZhbHVlRm9yVGhpc0xvZ2lu"
    })
}

/// The raw primitive: verify (message, signature) with a key parsed once.
pub(crate) type Raw = Box<dyn Fn(&[u8], &[u8]) -> bool>;

pub(crate) struct Case {
    pub(crate) token: String,
    pub(crate) verifier: Verifier,
    pub(crate) raw: Raw,
    pub(crate) jwt: Option<(jsonwebtoken::DecodingKey, jsonwebtoken::Validation)>,
}

impl Case {
    /// What the raw primitive is handed: the token's signing input and its
    /// decoded signature.
    pub(crate) fn signed_parts(&self) -> (&str, Vec<u8>) {
        let (message, signature) = self.token.rsplit_once('.').unwrap();
        let signature = base64_simd::URL_SAFE_NO_PAD
            .decode_to_vec(signature)
            .unwrap();
        (message, signature)
    }
}

pub(crate) fn case(alg: Alg) -> Case {
    let (keys, raw, jwt): (KeySet, Raw, Option<jsonwebtoken::DecodingKey>) = match alg {
        Alg::HS256 => {
            let secret = Secret::new(SECRET);
            let mac = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
            (
                KeySet::from_secret(&secret).unwrap(),
                Box::new(move |m: &[u8], s: &[u8]| hmac::verify(&mac, m, s).is_ok()),
                Some(jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()).unwrap()),
            )
        }
        _ => {
            let public_pem = key(key_files(alg).1);
            let spki = pem::parse(&public_pem).unwrap().into_contents();
            let algorithm: &'static dyn signature::VerificationAlgorithm = match alg {
                Alg::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                Alg::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                Alg::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                Alg::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
                Alg::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
                _ => &signature::ED25519,
            };
            // The raw primitive at its fastest: the key parsed once (RSA from its
            // SPKI, ECDSA from its uncompressed point, which aws-lc verifies with
            // fewer instructions than a key parsed from SPKI), or the 32 key bytes
            // handed straight to Ed25519 (aws-lc's quickest path).
            let key_bytes = match alg {
                Alg::ES256 => &spki[spki.len() - 65..],
                Alg::ES384 => &spki[spki.len() - 97..],
                Alg::ES512 => &spki[spki.len() - 133..],
                _ => &spki[..],
            };
            let parsed = signature::ParsedPublicKey::new(algorithm, key_bytes).unwrap();
            let ed25519_raw = (alg == Alg::EdDSA).then(|| spki[spki.len() - 32..].to_vec());
            let jwt_key = match alg {
                Alg::RS256 | Alg::PS256 => {
                    Some(jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap())
                }
                Alg::ES256 | Alg::ES384 => {
                    Some(jsonwebtoken::DecodingKey::from_ec_pem(public_pem.as_bytes()).unwrap())
                }
                Alg::ES512 => None, // jsonwebtoken has no ES512
                _ => Some(jsonwebtoken::DecodingKey::from_ed_pem(public_pem.as_bytes()).unwrap()),
            };
            (
                KeySet::from_public_key(&public_pem).unwrap(),
                Box::new(move |m: &[u8], s: &[u8]| match &ed25519_raw {
                    Some(raw) => signature::UnparsedPublicKey::new(&signature::ED25519, raw)
                        .verify(m, s)
                        .is_ok(),
                    None => parsed.verify_sig(m, s).is_ok(),
                }),
                jwt_key,
            )
        }
    };
    let token = token(alg);
    let verifier = Verifier::builder(ISS, AUD, keys)
        .with_algorithms([alg])
        .build()
        .unwrap();
    let jwt = jwt.map(|key| {
        let algorithm = match alg {
            Alg::HS256 => jsonwebtoken::Algorithm::HS256,
            Alg::RS256 => jsonwebtoken::Algorithm::RS256,
            Alg::PS256 => jsonwebtoken::Algorithm::PS256,
            Alg::ES256 => jsonwebtoken::Algorithm::ES256,
            Alg::ES384 => jsonwebtoken::Algorithm::ES384,
            _ => jsonwebtoken::Algorithm::EdDSA,
        };
        let mut validation = jsonwebtoken::Validation::new(algorithm);
        validation.set_issuer(&[ISS]);
        validation.set_audience(&[AUD]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        (key, validation)
    });
    Case {
        token,
        verifier,
        raw,
        jwt,
    }
}

/// The claims jsonwebtoken deserializes: the same fields stepup reads.
#[derive(serde::Deserialize)]
pub(crate) struct JwtClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    auth_time: i64,
    nonce: String,
    amr: Vec<String>,
    acr: String,
    sid: String,
}
