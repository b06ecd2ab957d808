//! Each rejection is logged once, at debug, on target `stepup::reject`, with its code,
//! and without the token.

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::util::{NOW, claims, signer, verifier};

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
    let v = verifier("ec-p256.public.pem");
    let mut expired = claims();
    expired["exp"] = serde_json::json!(0);
    let token = signer("ec-p256.private.pem", stepup::Alg::ES256)
        .sign(&expired)
        .unwrap();
    let good = signer("ec-p256.private.pem", stepup::Alg::ES256)
        .sign(&claims())
        .unwrap();
    tracing::subscriber::with_default(recorder.clone(), || {
        assert!(v.verify(&token, NOW).is_err());
        assert!(v.verify(&good, NOW).is_ok());
    });
    let events = recorder.0.lock().unwrap();
    let rejections: Vec<_> = events
        .iter()
        .filter(|(target, ..)| target == "stepup::reject")
        .collect();
    assert_eq!(rejections.len(), 1, "{events:?}");
    let (_, level, fields) = rejections[0];
    assert_eq!(*level, Level::DEBUG);
    assert!(fields.contains("code=token_expired"), "{fields}");
    assert!(!fields.contains(&token), "the token must not be logged");
}
