//! Runs one benchmark case N times, for instruction counting under callgrind, which
//! is repeatable where wall time on a shared machine is not:
//!
//! ```text
//! cargo build --release -p stepup --example instructions
//! valgrind --tool=callgrind target/release/examples/instructions stepup HS256 400
//! ```
//!
//! `scripts/bench-instructions.sh` runs every case twice (N and 2N) and prints the
//! per-verification difference, which cancels the setup cost.

// A measuring tool: panics on broken fixtures by design.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/cases/mod.rs"]
mod cases;

use stepup::{Alg, Policy, UnixTime};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, implementation, alg, n] = args.as_slice() else {
        panic!("usage: instructions stepup|raw|jsonwebtoken ALG N");
    };
    let alg: Alg = alg.parse().unwrap();
    let n: usize = n.parse().unwrap();
    let case = cases::case(alg);
    let now = UnixTime::from_secs(cases::IAT + 60);
    let policy = Policy::default();
    let (message, signature) = case.signed_parts();
    let mut validation = case.jwt.as_ref().map(|(_, v)| v.clone());
    if let Some(v) = &mut validation {
        v.validate_exp = false;
    }
    for _ in 0..n {
        match implementation.as_str() {
            "stepup" => {
                let result = case
                    .verifier
                    .check(std::hint::black_box(&case.token), &policy, now);
                assert!(result.unwrap().1.is_satisfied());
            }
            "raw" => assert!((case.raw)(
                std::hint::black_box(message.as_bytes()),
                &signature
            )),
            "jsonwebtoken" => {
                let (key, _) = case.jwt.as_ref().expect("jsonwebtoken has no such alg");
                let validation = validation.as_ref().unwrap();
                jsonwebtoken::decode::<cases::JwtClaims>(
                    std::hint::black_box(&case.token),
                    key,
                    validation,
                )
                .unwrap();
            }
            other => panic!("unknown implementation {other}"),
        }
    }
}
