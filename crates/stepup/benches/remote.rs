//! A warm remote key set costs what a local one does.
//!
//! The same token is verified by a `Verifier` built from a local JWK Set and by a
//! `RemoteVerifier` whose cache holds the same set, fetched from a server on
//! 127.0.0.1 started here. The remote future is polled once with a no-op waker:
//! with a warm cache it must be ready at once (it panics otherwise), so the
//! difference between the two is exactly what the remote hot path adds (a
//! lock-free snapshot load and a clock read).
//!
//! Run: `cargo bench -p stepup --features remote --bench remote`.

// A bench binary: panics on broken fixtures by design.
#![allow(missing_docs, clippy::unwrap_used, clippy::panic)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use stepup::{KeyKind, KeySet, RemoteVerifier, SigningKey, UnixTime, Verifier, generate_key};

const ISSUER: &str = "https://issuer.example.com";
const CLIENT: &str = "stepup-client";

/// Polls a future once; a warm verification never waits.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a warm remote verification waited"),
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let now = UnixTime::from_secs(1_800_000_000);
    for (name, kind) in [("ES256", KeyKind::P256), ("RS256", KeyKind::Rsa2048)] {
        let generated = generate_key(kind).unwrap();
        let pem = std::str::from_utf8(generated.private_pem.expose()).unwrap();
        let signer = SigningKey::from_pem(pem, None)
            .unwrap()
            .with_kid(generated.kid.clone());
        let token = signer
            .sign(&json!({
                "iss": ISSUER, "sub": "alice", "aud": CLIENT,
                "iat": 1_799_999_990, "exp": 1_800_003_600, "amr": ["pwd", "mfa"],
            }))
            .unwrap();
        let body = generated.jwks.to_string();

        let local = Verifier::builder(ISSUER, CLIENT, KeySet::from_jwks(&body).unwrap())
            .build()
            .unwrap();
        let remote = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/jwks", listener.local_addr().unwrap());
            let app = Router::new().route("/jwks", get(move || async move { body }));
            tokio::spawn(async move { axum::serve(listener, app).await });
            RemoteVerifier::from_jwks_url(ISSUER, CLIENT, url)
                .await
                .unwrap()
        });
        assert!(local.verify(&token, now).is_ok());
        assert!(ready(remote.verify(&token, now)).is_ok());

        let mut group = c.benchmark_group(format!("warm {name}"));
        group.bench_function("local Verifier::verify", |b| {
            b.iter(|| local.verify(black_box(&token), now).unwrap())
        });
        group.bench_function("remote RemoteVerifier::verify", |b| {
            b.iter(|| ready(remote.verify(black_box(&token), now)).unwrap())
        });
        group.finish();
        assert_eq!(remote.stats().fetches, 1, "the cache stayed warm");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
