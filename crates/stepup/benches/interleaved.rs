//! The verify cases of `benches/verify.rs`, measured interleaved: stepup, the raw
//! aws-lc-rs primitive and jsonwebtoken 12 take turns in short batches (about 2 ms
//! each, the order rotated every round), and each round gives one ratio per pair.
//!
//! Criterion measures one benchmark for seconds before the next starts, so on a shared
//! machine a load that comes and goes lands on one side of a ratio only. Here every
//! ratio compares batches run within a few milliseconds of each other, and the median
//! of the per-round ratios is what is printed, with its interquartile range.
//!
//! Run: `cargo bench -p stepup --bench interleaved [-- ALG ...] [--rounds N] [--runs K]`;
//! with several runs it ends with a summary: the times of the quietest run (the one
//! whose raw primitive was fastest) and the range of the median ratios.

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

use stepup::{Alg, Policy, UnixTime};

mod cases;
mod rounds;

use cases::{ALGS, IAT, JwtClaims, case};
use rounds::{BATCH, Flags, Run, format_ns, rounds, spread};

struct Options {
    algs: Vec<Alg>,
    rounds: usize,
    runs: usize,
}

fn options() -> Options {
    let flags = Flags::parse(300);
    let mut algs: Vec<Alg> = flags
        .words
        .iter()
        .map(|word| word.parse().expect("an algorithm name, e.g. HS256"))
        .collect();
    if algs.is_empty() {
        algs = ALGS.to_vec();
    }
    Options {
        algs,
        rounds: flags.rounds,
        runs: flags.runs,
    }
}

/// What one run measured for one algorithm: median times (ns) and the median and
/// interquartile range of the per-round ratios.
struct Measured {
    stepup: f64,
    raw: f64,
    jwt: Option<f64>,
    ratio: (f64, f64, f64),
    jwt_ratio: Option<(f64, f64, f64)>,
}

/// The implementations of one case, measured interleaved for `count` rounds.
fn measure(runs: &[Run<'_>], count: usize) -> Measured {
    let times = rounds(runs, count);
    let ratios = |a: usize, b: usize| -> Vec<f64> {
        times[a].iter().zip(&times[b]).map(|(x, y)| x / y).collect()
    };
    Measured {
        stepup: spread(times[0].clone()).0,
        raw: spread(times[1].clone()).0,
        jwt: times.get(2).map(|t| spread(t.clone()).0),
        ratio: spread(ratios(0, 1)),
        jwt_ratio: (runs.len() > 2).then(|| spread(ratios(2, 0))),
    }
}

fn main() {
    let options = options();
    let now = UnixTime::from_secs(IAT + 60);
    let policy = Policy::default();
    let cases: Vec<(Alg, cases::Case)> =
        options.algs.iter().map(|alg| (*alg, case(*alg))).collect();
    let signatures: Vec<(&str, Vec<u8>)> =
        cases.iter().map(|(_, case)| case.signed_parts()).collect();
    let validations: Vec<_> = cases
        .iter()
        .map(|(_, case)| {
            case.jwt.as_ref().map(|(key, validation)| {
                let mut validation = validation.clone();
                // As in benches/verify.rs: the token expired long ago by the wall clock.
                validation.validate_exp = false;
                (key, validation)
            })
        })
        .collect();
    let implementations: Vec<Vec<Run<'_>>> = cases
        .iter()
        .zip(&signatures)
        .zip(&validations)
        .map(|(((_, case), (message, sig)), validation)| {
            let mut runs: Vec<Run<'_>> = vec![
                Box::new(|| {
                    let (_, decision) = case
                        .verifier
                        .check(black_box(&case.token), &policy, now)
                        .unwrap();
                    assert!(decision.is_satisfied());
                }),
                Box::new(move || assert!((case.raw)(black_box(message.as_bytes()), sig))),
            ];
            if let Some((key, validation)) = validation {
                runs.push(Box::new(move || {
                    let data =
                        jsonwebtoken::decode::<JwtClaims>(black_box(&case.token), key, validation)
                            .unwrap();
                    black_box(data);
                }));
            }
            runs
        })
        .collect();

    println!(
        "Interleaved: {} rounds of ~{} ms batches per implementation; medians of per-round times and ratios (interquartile range).",
        options.rounds,
        BATCH.as_millis()
    );
    let mut results: Vec<Vec<Measured>> = (0..cases.len()).map(|_| Vec::new()).collect();
    for run in 1..=options.runs {
        println!("\nRun {run} of {}:\n", options.runs);
        println!(
            "| alg | stepup | raw aws-lc-rs | jsonwebtoken 12 | stepup / raw (IQR) | jsonwebtoken / stepup (IQR) |"
        );
        println!("|---|---|---|---|---|---|");
        for (index, (alg, _)) in cases.iter().enumerate() {
            let measured = measure(&implementations[index], options.rounds);
            let (r, l, h) = measured.ratio;
            println!(
                "| {alg} | {} | {} | {} | {r:.3}× ({l:.3}–{h:.3}) | {} |",
                format_ns(measured.stepup),
                format_ns(measured.raw),
                measured.jwt.map_or("–".into(), format_ns),
                measured
                    .jwt_ratio
                    .map_or("–".into(), |(r, l, h)| format!("{r:.3}× ({l:.3}–{h:.3})")),
            );
            results[index].push(measured);
        }
    }
    if options.runs > 1 {
        summary(&cases, &results);
    }
}

/// Over several runs: the times of the run whose raw primitive was fastest (the
/// quietest), and the lowest and highest median ratio.
fn summary(cases: &[(Alg, cases::Case)], results: &[Vec<Measured>]) {
    println!(
        "\nSummary of {} runs (times: the run with the fastest raw primitive; ratios: lowest–highest median):\n",
        results[0].len()
    );
    println!(
        "| alg | stepup | raw aws-lc-rs | jsonwebtoken 12 | stepup / raw | jsonwebtoken / stepup |"
    );
    println!("|---|---|---|---|---|---|");
    for ((alg, _), runs) in cases.iter().zip(results) {
        let quietest = runs.iter().min_by(|a, b| a.raw.total_cmp(&b.raw)).unwrap();
        let range = |values: Vec<f64>| {
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{low:.3}×–{high:.3}×")
        };
        let jwt_ratios: Vec<f64> = runs
            .iter()
            .filter_map(|m| m.jwt_ratio.map(|r| r.0))
            .collect();
        println!(
            "| {alg} | {} | {} | {} | {} | {} |",
            format_ns(quietest.stepup),
            format_ns(quietest.raw),
            quietest.jwt.map_or("–".into(), format_ns),
            range(runs.iter().map(|m| m.ratio.0).collect()),
            if jwt_ratios.is_empty() {
                "–".into()
            } else {
                range(jwt_ratios)
            },
        );
    }
}
