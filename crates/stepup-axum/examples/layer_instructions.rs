//! Runs one case of `benches/layer.rs` N times, for instruction counting under
//! callgrind (repeatable where wall time on a shared machine is not):
//!
//! ```text
//! cargo build --release -p stepup-axum --example layer_instructions
//! valgrind --tool=callgrind target/release/examples/layer_instructions layer_bearer 200
//! ```
//!
//! The token is RS256, or the `ALG` environment variable's (`HS256`).
//! Cases: `verify` (Verifier::verify + policy inside the runtime), `passthrough`
//! (the same request to the inner service, no layer), `layer_bearer`, `layer_session`. `scripts/bench-layer-instructions.sh` runs each with N and 2N and
//! prints the per-request difference, which cancels the setup.

// A measuring tool: panics on broken fixtures by design.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/fixture/mod.rs"]
mod fixture;

use std::hint::black_box;

use axum::body::Body;
use http::{Request, header};
use stepup::UnixTime;
use tower::{Layer as _, ServiceExt as _};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, case, n] = args.as_slice() else {
        panic!("usage: layer_instructions verify|passthrough|layer_bearer|layer_session N");
    };
    let n: usize = n.parse().unwrap();
    let alg: stepup::Alg = std::env::var("ALG")
        .as_deref()
        .unwrap_or("RS256")
        .parse()
        .unwrap();
    let (stepup, verifier, token) = fixture::fixture(alg);
    let policy = fixture::policy();
    let now = UnixTime::from_secs(fixture::NOW);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let inner = tower::service_fn(fixture::respond_empty);
    let service = stepup.require(policy.clone()).layer(inner);
    let (bearer, cookie) = fixture::credentials(&stepup, &verifier, &token);
    for _ in 0..n {
        match case.as_str() {
            "verify" => {
                runtime.block_on(async {
                    let verified = verifier.verify(black_box(&token), now).unwrap();
                    black_box(policy.decide(verified.claims(), now));
                });
            }
            "passthrough" => {
                // The same request to the inner service without the layer: what
                // building and answering a request costs anyway.
                let request = Request::get("/security")
                    .header(header::AUTHORIZATION, &bearer)
                    .body(Body::empty())
                    .unwrap();
                let response = runtime.block_on(inner.oneshot(request)).unwrap();
                black_box(response);
            }
            "layer_bearer" | "layer_session" => {
                let (name, value) = if case == "layer_bearer" {
                    (header::AUTHORIZATION, &bearer)
                } else {
                    (header::COOKIE, &cookie)
                };
                let request = Request::get("/security")
                    .header(name, value)
                    .body(Body::empty())
                    .unwrap();
                let response = runtime.block_on(service.clone().oneshot(request)).unwrap();
                assert_eq!(response.status(), 200);
                black_box(response);
            }
            other => panic!("unknown case {other}"),
        }
    }
}
