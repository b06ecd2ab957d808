//! A proxy from the environment never sees a loopback key fetch: plain http is allowed
//! only to loopback because nothing on the way can read or alter it, and a proxy could
//! answer with keys of its own. (HTTPS through a proxy stays possible: TLS still
//! authenticates the origin.)
//!
//! The environment variables must be set before any client exists, and setting them
//! in this process would need `unsafe`: the test runs itself again as a child process
//! with `HTTP_PROXY`/`ALL_PROXY` pointing at a loopback "proxy" that serves forged keys.

// Test helpers panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

use axum::Router;
use serde_json::json;
use stepup::{KeyKind, RemoteVerifier, SigningKey, UnixTime, generate_key};

const CHILD: &str = "STEPUP_PROXY_TEST_CHILD";
const ISSUER: &str = "http://127.0.0.1:1";

#[test]
fn loopback_key_fetches_never_go_through_a_proxy() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // The "proxy": answers every request (absolute-form or not) with forged keys.
    let forged = generate_key(KeyKind::P256).unwrap();
    let jwks = forged.jwks.to_string();
    let proxy = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(move || {
            let jwks = jwks.clone();
            async move { ([("content-type", "application/json")], jwks) }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    let pem = std::str::from_utf8(forged.private_pem.expose()).unwrap();
    let token = SigningKey::from_pem(pem, None)
        .unwrap()
        .with_kid(forged.kid.clone())
        .sign(&json!({"iss": ISSUER, "sub": "mallory", "aud": "app",
                      "iat": 1_700_000_000, "exp": 1_700_003_600, "amr": ["mfa"]}))
        .unwrap();
    let proxy_url = format!("http://{proxy}");
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "loopback_key_fetches_never_go_through_a_proxy",
            "--nocapture",
        ])
        .env(CHILD, &token)
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .env("all_proxy", &proxy_url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .status()
        .unwrap();
    assert!(status.success(), "the child test failed: {status}");
}

/// In the child, with the proxy variables set: nothing listens on port 1, so the
/// verifier cannot be built, and the forged token is never accepted.
fn child() {
    let token = std::env::var(CHILD).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let built =
            RemoteVerifier::from_jwks_url(ISSUER, "app", format!("{ISSUER}/jwks.json")).await;
        match built {
            Err(error) => assert_eq!(error.code(), "jwks_unreachable", "{error}"),
            Ok(verifier) => {
                let verdict = verifier
                    .verify(&token, UnixTime::from_secs(1_700_000_100))
                    .await;
                panic!("the keys came through the proxy; verdict {verdict:?}");
            }
        }
    });
}
