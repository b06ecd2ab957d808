//! Full verify + policy of a realistic Auth0-style ID token, per algorithm, side by side
//! with the raw aws-lc-rs primitive on the same bytes and with `jsonwebtoken` 12
//! (aws_lc_rs backend) decoding the same token with equivalent validation.
//!
//! Run: `cargo bench -p stepup --bench verify`. Ratios are printed by
//! `scripts/bench-ratios.py` from criterion's estimates (see README).

// A bench binary: panics on broken fixtures and prints token sizes by design.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr
)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use stepup::{Policy, UnixTime};

mod cases;

use cases::{ALGS, IAT, JwtClaims, case};

fn verify(c: &mut Criterion) {
    let now = UnixTime::from_secs(IAT + 60);
    let policy = Policy::default();
    // jsonwebtoken reads the wall clock; the token is valid until IAT + 10 h, so pin
    // expectations by checking once that it accepts the token right now or skip it.
    let mut group = c.benchmark_group("verify");
    for alg in ALGS {
        let case = case(alg);
        let (message, sig) = case.signed_parts();
        assert!((case.raw)(message.as_bytes(), &sig), "raw {alg}");
        let (_, decision) = case.verifier.check(&case.token, &policy, now).unwrap();
        assert!(decision.is_satisfied());
        eprintln!("{alg}: token {} bytes", case.token.len());

        group.bench_with_input(BenchmarkId::new("stepup", alg), &case.token, |b, token| {
            b.iter(|| {
                let (verified, decision) = case
                    .verifier
                    .check(std::hint::black_box(token), &policy, now)
                    .unwrap();
                std::hint::black_box((verified, decision))
            })
        });
        group.bench_with_input(BenchmarkId::new("raw", alg), &sig, |b, sig| {
            b.iter(|| assert!((case.raw)(std::hint::black_box(message.as_bytes()), sig)))
        });
        if let Some((key, validation)) = &case.jwt {
            let mut validation = validation.clone();
            // jsonwebtoken checks exp against the wall clock: this token expired long
            // ago by then, so exp is disabled for it; stepup does strictly more work.
            validation.validate_exp = false;
            jsonwebtoken::decode::<JwtClaims>(&case.token, key, &validation).unwrap();
            group.bench_with_input(
                BenchmarkId::new("jsonwebtoken", alg),
                &case.token,
                |b, token| {
                    b.iter(|| {
                        let data = jsonwebtoken::decode::<JwtClaims>(
                            std::hint::black_box(token),
                            key,
                            &validation,
                        )
                        .unwrap();
                        std::hint::black_box(data)
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
