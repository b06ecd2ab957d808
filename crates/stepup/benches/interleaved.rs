//! The verify cases of `benches/verify.rs`, measured interleaved: stepup, the raw
//! aws-lc-rs primitive and jsonwebtoken 12 take turns in short batches (about 2 ms
//! each, the order rotated every round), and each round gives one ratio per pair.
//!
//! Criterion measures one benchmark for seconds before the next starts, so on a shared
//! machine a load that comes and goes lands on one side of a ratio only. Here every
//! ratio compares batches run within a few milliseconds of each other, and the median
//! of the per-round ratios is what is printed, with its interquartile range.
//!
//! Run: `cargo bench -p stepup --bench interleaved [-- ALG ...] [--rounds N]`.

// A bench binary: panics on broken fixtures and prints its table by design.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use stepup::{Alg, Policy, UnixTime};

mod cases;

use cases::{ALGS, IAT, JwtClaims, case};

/// How long one batch of one implementation runs.
const BATCH: Duration = Duration::from_millis(2);

struct Options {
    algs: Vec<Alg>,
    rounds: usize,
}

fn options() -> Options {
    let mut algs = Vec::new();
    let mut rounds = 300;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--rounds N")
            }
            // Flags cargo bench passes on (`--bench`) and any other: ignored.
            flag if flag.starts_with("--") => {}
            alg => algs.push(alg.parse().expect("an algorithm name, e.g. HS256")),
        }
    }
    if algs.is_empty() {
        algs = ALGS.to_vec();
    }
    Options { algs, rounds }
}

/// One implementation: one verification.
type Run<'a> = Box<dyn Fn() + 'a>;

/// How many calls of `run` fill about one batch.
fn calibrate(run: &dyn Fn()) -> usize {
    let mut n = 1;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            run();
        }
        let elapsed = start.elapsed();
        if elapsed >= BATCH / 4 {
            let per_call = elapsed.as_secs_f64() / n as f64;
            return ((BATCH.as_secs_f64() / per_call) as usize).max(1);
        }
        n *= 2;
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The median and the interquartile range of `values`.
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    (at(2), at(1), at(3))
}

fn main() {
    let options = options();
    let now = UnixTime::from_secs(IAT + 60);
    let policy = Policy::default();
    println!(
        "Interleaved: {} rounds of ~{} ms batches per implementation; medians of per-round times and ratios (interquartile range).\n",
        options.rounds,
        BATCH.as_millis()
    );
    println!(
        "| alg | stepup | raw aws-lc-rs | jsonwebtoken 12 | stepup / raw (IQR) | jsonwebtoken / stepup (IQR) |"
    );
    println!("|---|---|---|---|---|---|");
    for alg in options.algs {
        let case = &case(alg);
        let (message, sig_b64) = case.token.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig_b64).unwrap();
        let validation = case.jwt.as_ref().map(|(key, validation)| {
            let mut validation = validation.clone();
            // As in benches/verify.rs: the token expired long ago by the wall clock.
            validation.validate_exp = false;
            (key, validation)
        });
        let mut runs: Vec<Run<'_>> = vec![
            Box::new(|| {
                let (_, decision) = case
                    .verifier
                    .check(black_box(&case.token), &policy, now)
                    .unwrap();
                assert!(decision.is_satisfied());
            }),
            Box::new(|| assert!((case.raw)(black_box(message.as_bytes()), &sig))),
        ];
        if let Some((key, validation)) = &validation {
            runs.push(Box::new(move || {
                let data =
                    jsonwebtoken::decode::<JwtClaims>(black_box(&case.token), key, validation)
                        .unwrap();
                black_box(data);
            }));
        }
        // Warm up, then size each implementation's batch.
        let warm_until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < warm_until {
            for run in &runs {
                run();
            }
        }
        let sizes: Vec<usize> = runs.iter().map(|run| calibrate(run)).collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(options.rounds); runs.len()];
        for round in 0..options.rounds {
            for turn in 0..runs.len() {
                let index = (round + turn) % runs.len();
                let run = &runs[index];
                let n = sizes[index];
                let start = Instant::now();
                for _ in 0..n {
                    run();
                }
                times[index].push(start.elapsed().as_secs_f64() * 1e9 / n as f64);
            }
        }
        let ratios = |a: usize, b: usize| -> Vec<f64> {
            times[a].iter().zip(&times[b]).map(|(x, y)| x / y).collect()
        };
        let (ratio, low, high) = spread(&mut ratios(0, 1));
        let stepup = median(&mut times[0].clone());
        let raw = median(&mut times[1].clone());
        let (jwt, jwt_ratio) = if runs.len() > 2 {
            let (r, l, h) = spread(&mut ratios(2, 0));
            (
                format_ns(median(&mut times[2].clone())),
                format!("{r:.3}× ({l:.3}–{h:.3})"),
            )
        } else {
            ("–".into(), "–".into())
        };
        println!(
            "| {alg} | {} | {} | {jwt} | {ratio:.3}× ({low:.3}–{high:.3}) | {jwt_ratio} |",
            format_ns(stepup),
            format_ns(raw),
        );
    }
}

fn format_ns(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{:.3} µs", ns / 1000.0)
    }
}
