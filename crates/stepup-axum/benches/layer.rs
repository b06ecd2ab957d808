//! The cost of the layer, side by side in one run (criterion):
//!
//! - `verify`: `Verifier::verify` + the policy, called directly: the floor.
//! - `verify_in_runtime`: the same inside `block_on`, as the layer runs it.
//! - `layer_bearer`: a request with `Authorization: Bearer` through `RequireService`
//!   (header parsing, verification, policy, extensions, the inner service).
//! - `passthrough`: the same request to the inner service without the layer.
//! - `layer_session`: a request with the session cookie (open + policy).
//!
//! Targets: `layer_bearer` − `verify_in_runtime` − `passthrough` ≤ 1 µs (the layer's
//! own cost); `layer_session` ≤ 3 µs in all.
//! With an HS256 token (about 1 µs to verify, so the layer's own cost shows) and an
//! RS256 one (the committed 2048-bit test key); the clock is fixed.

// Benchmarks panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, header};
use stepup::UnixTime;
use tower::{Layer as _, ServiceExt as _};

#[path = "fixture/mod.rs"]
mod fixture;

use fixture::{NOW, credentials, fixture, policy, respond_empty};

fn layer(c: &mut Criterion) {
    for alg in [stepup::Alg::HS256, stepup::Alg::RS256] {
        layer_with(c, alg);
    }
}

fn layer_with(c: &mut Criterion, alg: stepup::Alg) {
    let (stepup, verifier, token) = fixture(alg);
    let policy = policy();
    let now = UnixTime::from_secs(NOW);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let inner = tower::service_fn(respond_empty);
    let service = stepup.require(policy.clone()).layer(inner);
    let (bearer, cookie) = credentials(&stepup, &verifier, &token);

    // Every path must let the request through, or the figures mean nothing.
    let check = |request: Request<Body>| {
        let response = runtime.block_on(service.clone().oneshot(request)).unwrap();
        assert_eq!(response.status(), 200);
    };
    check(
        Request::get("/security")
            .header(header::AUTHORIZATION, &bearer)
            .body(Body::empty())
            .unwrap(),
    );
    check(
        Request::get("/security")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    );

    let mut group = c.benchmark_group(format!("layer/{alg}"));
    group.bench_function("verify", |b| {
        b.iter(|| {
            let verified = verifier.verify(black_box(&token), now).unwrap();
            black_box(policy.decide(verified.claims(), now))
        });
    });
    group.bench_function("verify_in_runtime", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let verified = verifier.verify(black_box(&token), now).unwrap();
                black_box(policy.decide(verified.claims(), now))
            })
        });
    });
    // The same request to the inner service without the layer: what building and
    // answering a request costs anyway (subtract it from layer_bearer).
    group.bench_function("passthrough", |b| {
        b.iter(|| {
            let request = Request::get("/security")
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .unwrap();
            black_box(runtime.block_on(inner.oneshot(request)).unwrap())
        });
    });
    group.bench_function("layer_bearer", |b| {
        b.iter(|| {
            let request = Request::get("/security")
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .unwrap();
            black_box(runtime.block_on(service.clone().oneshot(request)).unwrap())
        });
    });
    group.bench_function("layer_session", |b| {
        b.iter(|| {
            let request = Request::get("/security")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap();
            black_box(runtime.block_on(service.clone().oneshot(request)).unwrap())
        });
    });
    group.finish();
}

criterion_group!(benches, layer);
criterion_main!(benches);
