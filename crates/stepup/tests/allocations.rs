//! Heap allocations per verification, counted with a counting global allocator (its
//! own test binary: a global allocator is process-wide, and this binary has one test
//! so nothing else allocates while it counts).
//!
//! `Verifier::check` of an ordinary ID token makes one allocation (the buffer of the
//! decoded parts, kept by the verified token); the bound leaves room for two more so
//! a regression shows without the test breaking on an incidental change.

// Test helpers panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::path::PathBuf;

use serde_json::json;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use stepup::{Alg, KeySet, Policy, Secret, SigningKey, UnixTime, Verifier};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Most allocations one verification with its policy decision may make.
const MAX_ALLOCATIONS: usize = 3;

const ISS: &str = "https://login.example.com/";
const AUD: &str = "3Xz9qLmWn2Rb7TcVpK4sHdYgJ8fE1uAo";
const IAT: i64 = 1_767_225_600;

fn key_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/keys")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// A signer and a verifier for `alg`, and an Auth0-style ID token after MFA.
fn case(alg: Alg) -> (Verifier, String) {
    let (signer, keys) = match alg {
        Alg::HS256 => {
            let secret = Secret::new("Kq8vX2nR5tW9yB3mF6hJ1pL4sD7gA0cZ-example-client-secret");
            (
                SigningKey::from_secret(&secret, alg).unwrap(),
                KeySet::from_secret(&secret).unwrap(),
            )
        }
        _ => {
            let (private, public) = match alg {
                Alg::RS256 | Alg::PS256 => ("rsa-2048.private.pem", "rsa-2048.public.pem"),
                Alg::ES256 => ("ec-p256.private.pem", "ec-p256.public.pem"),
                _ => ("ed25519.private.pem", "ed25519.public.pem"),
            };
            (
                SigningKey::from_pem(&key_file(private), Some(alg)).unwrap(),
                KeySet::from_public_key(&key_file(public)).unwrap(),
            )
        }
    };
    let token = signer
        .with_kid("k1")
        .sign(&json!({
            "nickname": "alice.example", "name": "alice@example.com",
            "picture": "https://s.gravatar.com/avatar/4f64c9f81bb0d4ee969aaf7b4a5a6f40?s=480",
            "updated_at": "2026-01-01T00:00:00.000Z", "email": "alice@example.com",
            "email_verified": true, "iss": ISS, "aud": AUD,
            "sub": "auth0|65a1f0c2e4b0a1b2c3d4e5f6", "iat": IAT, "exp": IAT + 36_000,
            "auth_time": IAT - 5, "amr": ["pwd", "mfa"],
            "acr": "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
            "sid": "Xq3dK9vLmN2pR7sT4wY6zB8cF1gH5jA0", "nonce": "bXlOb25jZVZhbHVl",
        }))
        .unwrap();
    let verifier = Verifier::builder(ISS, AUD, keys)
        .with_algorithms([alg])
        .build()
        .unwrap();
    (verifier, token)
}

/// The fewest allocations over a few runs of verifying `token` and deciding on it,
/// the result dropped inside the count.
fn allocations(verifier: &Verifier, token: &str) -> usize {
    let now = UnixTime::from_secs(IAT + 60);
    let policy = Policy::default();
    (0..5)
        .map(|_| {
            let region = Region::new(GLOBAL);
            let (verified, decision) = verifier.check(token, &policy, now).unwrap();
            assert!(decision.is_satisfied());
            drop(verified);
            region.change().allocations + region.change().reallocations
        })
        .min()
        .unwrap_or(usize::MAX)
}

#[test]
fn a_verification_allocates_at_most_three_times() {
    for alg in [Alg::HS256, Alg::RS256, Alg::PS256, Alg::ES256, Alg::EdDSA] {
        let (verifier, token) = case(alg);
        let count = allocations(&verifier, &token);
        assert!(
            count <= MAX_ALLOCATIONS,
            "{alg}: {count} allocations per verification (at most {MAX_ALLOCATIONS})"
        );
        // Reading the owned header and claims afterwards is what allocates.
        let now = UnixTime::from_secs(IAT + 60);
        let verified = verifier.verify(&token, now).unwrap();
        assert_eq!(verified.claims().amr.value().map(Vec::len), Some(2));
        assert_eq!(verified.header().kid.as_deref(), Some("k1"));
    }
}
