//! The key-set drill: what one forged token costs against a very large JWK Set.
//!
//! ```text
//! cargo run --release -p stepup --example key_set_drill
//! ```
//!
//! Builds, from fixed seeds, two Ed25519 JWK Sets an attacker-controlled or broken
//! provider could serve within the 1 MiB body limit of a fetch: 10,001 keys with
//! distinct kids, and 7,001 keys sharing one kid. Then it times tokens signed by a key
//! outside the set (a forgery): one without `kid` against the first set, one with the
//! shared kid against the second. Everything is deterministic: same keys, same
//! tokens, every run.
//!
//! Each set is tried with the default [`Limits`] (the set is refused when the
//! verifier is built: `too_many_keys`) and with `max_keys` raised past its size, to
//! show what the signature-check limit alone costs a forged token
//! (`too_many_candidate_keys`, no signature checked). The last case is the most a
//! token can cost with the defaults: four keys sharing its kid, four checks.

// A measuring tool: panics on broken fixtures and prints its figures by design.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use stepup::{KeySet, Limits, UnixTime, Verifier};

const ISS: &str = "https://issuer.example.com";
const AUD: &str = "stepup-client";
const IAT: i64 = 1_767_225_600;
/// Timed verifications per forged token.
const ROUNDS: usize = 5;

/// An Ed25519 key pair whose seed is SHA-256 of `label`: the same key every run.
fn key_pair(label: &str) -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed_unchecked(digest(&SHA256, label.as_bytes()).as_ref()).unwrap()
}

/// A JWK Set of `count` Ed25519 keys; `kid(i)` names key `i`.
fn jwks(count: usize, kid: impl Fn(usize) -> String) -> String {
    let keys: Vec<Value> = (0..count)
        .map(|i| {
            let pair = key_pair(&format!("stepup key-set drill key {i}"));
            json!({
                "kty": "OKP", "crv": "Ed25519", "kid": kid(i),
                "x": B64.encode(pair.public_key().as_ref()),
            })
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

/// A well-formed EdDSA ID token signed by a key that is in no set.
fn forged_token(kid: Option<&str>) -> String {
    let mut header = json!({"alg": "EdDSA", "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    let claims = json!({
        "iss": ISS, "sub": "mallory", "aud": AUD, "iat": IAT, "exp": IAT + 3600,
        "amr": ["pwd", "mfa"],
    });
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = key_pair("stepup key-set drill attacker").sign(input.as_bytes());
    format!("{input}.{}", B64.encode(signature.as_ref()))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Builds a verifier for `text` with `limits` and times `token` against it.
fn drill(name: &str, text: &str, limits: Limits, token: &str) {
    let now = UnixTime::from_secs(IAT + 60);
    println!(
        "{name}: JWK Set of {} bytes; max_keys {}, max_signature_attempts {}",
        text.len(),
        limits.max_keys,
        limits.max_signature_attempts
    );
    let started = Instant::now();
    let built = KeySet::from_jwks(text).and_then(|keys| {
        Verifier::builder(ISS, AUD, keys)
            .with_limits(limits)
            .build()
    });
    let took = started.elapsed();
    let verifier = match built {
        Ok(verifier) => verifier,
        Err(error) => {
            println!(
                "  refused when the verifier is built ({:.1} ms): {} ({error})",
                ms(took),
                error.code()
            );
            return;
        }
    };
    println!(
        "  verifier built with {} keys in {:.1} ms",
        verifier.keys().keys().len(),
        ms(took)
    );
    let mut times = Vec::with_capacity(ROUNDS);
    let mut code = "";
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let result = verifier.verify(std::hint::black_box(token), now);
        times.push(started.elapsed());
        code = match result {
            Ok(_) => "accepted (!)",
            Err(error) => error.code(),
        };
    }
    times.sort();
    println!(
        "  forged token: {code}; {:.4} ms per token (median of {ROUNDS}; min {:.4}, max {:.4})",
        ms(times[ROUNDS / 2]),
        ms(times[0]),
        ms(times[ROUNDS - 1])
    );
}

fn main() {
    let roomy = Limits {
        max_keys: 20_000,
        ..Limits::default()
    };
    let distinct = jwks(10_001, |i| format!("k{i:05}"));
    let no_kid = forged_token(None);
    let name = "10,001 keys, distinct kids; token without kid";
    drill(name, &distinct, Limits::default(), &no_kid);
    drill(name, &distinct, roomy, &no_kid);

    let shared = jwks(7_001, |_| "shared".to_owned());
    let shared_kid = forged_token(Some("shared"));
    let name = "7,001 keys sharing kid \"shared\"; token with that kid";
    drill(name, &shared, Limits::default(), &shared_kid);
    drill(name, &shared, roomy, &shared_kid);

    let name = "4 keys sharing kid \"shared\" (the most the defaults allow); token with that kid";
    drill(
        name,
        &jwks(4, |_| "shared".to_owned()),
        Limits::default(),
        &shared_kid,
    );
}
