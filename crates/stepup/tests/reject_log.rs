//! Each rejection is logged once, at debug, on target `stepup::reject`, with its code,
//! and without the token.
//!
//! A test binary of its own: tracing caches per-callsite interest process-wide, so a
//! recording subscriber is installed as the global default before anything logs.

// Test helpers panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use serde_json::json;
use stepup::{Alg, KeySet, SigningKey, UnixTime, Verifier};

fn key(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/keys/");
    std::fs::read_to_string(format!("{path}{name}")).unwrap()
}

/// Records (target, level, fields) of every event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, Level, String)>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let meta = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((meta.target().to_owned(), *meta.level(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_rejection_is_logged_once_with_its_code() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let keys = KeySet::from_public_key(&key("ec-p256.public.pem")).unwrap();
    let v = Verifier::builder("https://op", "c", keys).build().unwrap();
    let signer = SigningKey::from_pem(&key("ec-p256.private.pem"), Some(Alg::ES256)).unwrap();
    let claims = |exp: i64| json!({"iss":"https://op","sub":"u","aud":"c","iat":1000,"exp":exp});
    let expired = signer.sign(&claims(1100)).unwrap();
    let good = signer.sign(&claims(5000)).unwrap();
    let now = UnixTime::from_secs(2000);
    assert!(v.verify(&expired, now).is_err());
    assert!(v.verify(&good, now).is_ok());

    let events = recorder.0.lock().unwrap();
    let rejections: Vec<_> = events
        .iter()
        .filter(|(target, ..)| target == "stepup::reject")
        .collect();
    assert_eq!(rejections.len(), 1, "{events:?}");
    let (_, level, fields) = rejections[0];
    assert_eq!(*level, Level::DEBUG);
    assert!(fields.contains("code=token_expired"), "{fields}");
    assert!(!fields.contains(&expired), "the token must not be logged");
}
