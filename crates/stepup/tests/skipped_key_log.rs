//! A JWK Set full of keys stepup cannot use is logged in a bounded number of lines:
//! the first few skipped keys one by one, the rest counted in one line, so that a
//! provider (or whoever controls its JWKS) cannot flood the log on every refresh.
//!
//! A test binary of its own: tracing caches per-callsite interest process-wide, so a
//! recording subscriber is installed as the global default before anything logs.

// Test helpers panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use stepup::{FetchSettings, KeySource};
use stepup_testkit::log::Recorder;

/// 40 symmetric keys (never used from a JWK Set) and one usable key.
fn jwks() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/keys/jwks.json"
    );
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut keys: Vec<Value> = (0..40)
        .map(|i| json!({"kty": "oct", "kid": format!("oct-{i}"), "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}))
        .collect();
    keys.push(vectors["keys"][0].clone());
    json!({ "keys": keys })
}

#[tokio::test]
async fn many_unusable_keys_are_logged_in_a_few_lines() {
    let recorder = Recorder::install_global();
    let body = jwks().to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let app = Router::new().route("/jwks.json", get(move || async move { body }));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let keys = stepup::fetch_key_set(
        &KeySource::JwksUrl(url),
        "https://op.example",
        &FetchSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(keys.keys().len(), 1);
    assert_eq!(keys.skipped().len(), 40);

    let events = recorder.events();
    let skipped: Vec<_> = events
        .iter()
        .filter(|e| e.target == "stepup::remote" && e.fields.contains("skipped"))
        .collect();
    assert_eq!(
        skipped.len(),
        9,
        "8 keys one by one and one summary: {skipped:?}"
    );
    assert!(
        skipped.last().unwrap().fields.contains("32 more"),
        "{skipped:?}"
    );
}
