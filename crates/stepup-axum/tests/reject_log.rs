//! Each refused request is logged once, at debug, on target `stepup::reject`, with its
//! code, and never with the token: token errors by the verifier, every other refusal
//! (no credentials, step-up needed) by the outcome function.
//!
//! A test binary of its own: tracing caches per-callsite interest process-wide, so a
//! recording subscriber is installed as the global default before anything logs.

// Test helpers panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, header};
use serde_json::json;
use stepup::{Alg, KeySet, Policy, ProviderMetadata, SigningKey, UnixTime, Verifier};
use stepup_axum::{Client, Clock, Provider, SessionKeys, StepUp};
use stepup_testkit::log::Recorder;
use tower::ServiceExt as _;
use tracing::Level;

const ISSUER: &str = "http://127.0.0.1:9";
const NOW: i64 = 1_700_000_000;

fn key(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/keys/");
    std::fs::read_to_string(format!("{path}{name}")).unwrap()
}

#[tokio::test]
async fn each_refusal_is_logged_once_with_its_code() {
    let recorder = Recorder::install_global();

    let keys = KeySet::from_public_key(&key("ec-p256.public.pem")).unwrap();
    let verifier = Verifier::builder(ISSUER, "app", keys).build().unwrap();
    let metadata = ProviderMetadata::new(
        ISSUER,
        format!("{ISSUER}/authorize"),
        format!("{ISSUER}/token"),
        format!("{ISSUER}/jwks"),
        None,
    )
    .unwrap();
    let stepup = StepUp::builder(
        Provider::new(metadata, verifier).unwrap(),
        Client::public("app", "http://127.0.0.1:3000/callback"),
        SessionKeys::new([b"reject-log-session-key-0123456789ab".as_slice()]).unwrap(),
    )
    .with_clock(Clock::from_fn(|| UnixTime::from_secs(NOW)))
    .build()
    .unwrap();
    let app: Router = Router::new()
        .route("/pay", get(|| async { "paid" }))
        .route_layer(stepup.require(Policy::default()));

    let signer = SigningKey::from_pem(&key("ec-p256.private.pem"), Some(Alg::ES256)).unwrap();
    let token = |exp: i64| {
        signer
            .sign(&json!({"iss": ISSUER, "sub": "u", "aud": "app", "iat": NOW - 10, "exp": exp, "amr": ["pwd"]}))
            .unwrap()
    };
    let expired = token(NOW - 1000);
    let weak = token(NOW + 1000);
    let call = |bearer: Option<String>| {
        let app = app.clone();
        async move {
            let mut request = Request::get("/pay");
            if let Some(token) = bearer {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            app.oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(call(None).await, 401);
    assert_eq!(call(Some(expired.clone())).await, 401);
    assert_eq!(call(Some(weak.clone())).await, 401);

    let events = recorder.events();
    let rejections: Vec<_> = events
        .iter()
        .filter(|event| event.target == "stepup::reject")
        .collect();
    let codes: Vec<&str> = rejections
        .iter()
        .map(|event| {
            let start = event.fields.find("code=").unwrap() + 5;
            event.fields[start..].split(' ').next().unwrap()
        })
        .collect();
    assert_eq!(
        codes,
        ["no_credentials", "token_expired", "step_up_required"],
        "{events:?}"
    );
    for event in &rejections {
        assert_eq!(event.level, Level::DEBUG);
        assert!(
            !event.fields.contains(&expired) && !event.fields.contains(&weak),
            "a token was logged"
        );
    }
}
