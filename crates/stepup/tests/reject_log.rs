//! Each rejection is logged once, at debug, on target `stepup::reject`, with its code,
//! and without the token.
//!
//! A test binary of its own: tracing caches per-callsite interest process-wide, so a
//! recording subscriber is installed as the global default before anything logs.

// Test helpers panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::json;
use stepup::{Alg, KeySet, SigningKey, UnixTime, Verifier};
use stepup_testkit::log::Recorder;
use tracing::Level;

fn key(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/keys/");
    std::fs::read_to_string(format!("{path}{name}")).unwrap()
}

#[test]
fn each_rejection_is_logged_once_with_its_code() {
    let recorder = Recorder::install_global();
    let keys = KeySet::from_public_key(&key("ec-p256.public.pem")).unwrap();
    let v = Verifier::builder("https://op", "c", keys).build().unwrap();
    let signer = SigningKey::from_pem(&key("ec-p256.private.pem"), Some(Alg::ES256)).unwrap();
    let claims = |exp: i64| json!({"iss":"https://op","sub":"u","aud":"c","iat":1000,"exp":exp});
    let expired = signer.sign(&claims(1100)).unwrap();
    let good = signer.sign(&claims(5000)).unwrap();
    let now = UnixTime::from_secs(2000);
    assert!(v.verify(&expired, now).is_err());
    assert!(v.verify(&good, now).is_ok());

    let events = recorder.events();
    let rejections: Vec<_> = events
        .iter()
        .filter(|event| event.target == "stepup::reject")
        .collect();
    assert_eq!(rejections.len(), 1, "{events:?}");
    let rejection = rejections[0];
    assert_eq!(rejection.level, Level::DEBUG);
    let fields = &rejection.fields;
    assert!(fields.contains("code=token_expired"), "{fields}");
    assert!(!fields.contains(&expired), "the token must not be logged");
}
