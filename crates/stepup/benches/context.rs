//! The verifier's own time on one HS256 token (stepup's `check` less the raw HMAC on
//! the same bytes), measured alone and with something else run between calls: each
//! raw asymmetric primitive of `benches/verify.rs`, and three synthetic disturbances
//! that each evict one kind of processor state.
//!
//! It explains the RS256 and PS256 ratios of the `interleaved` bench: the verifier
//! adds about as many instructions to an RSA token as to an HMAC one, yet more time,
//! because between two of its calls the RSA routine has displaced the branch
//! predictor's and the instruction cache's memory of the verifier's code, which is
//! run once per token rather than in a loop. The disturbances show which kind of
//! state matters.
//!
//! Run: `cargo bench -p stepup --bench context [-- --rounds N] [--runs K]`. Every
//! pair (with and without the verifier) is measured interleaved with every other
//! (see `rounds`), and the time printed is the median of the per-round differences.

// A bench binary: panics on broken fixtures and prints its table by design.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::hint::black_box;

use stepup::{Alg, Policy, UnixTime};

mod cases;
mod rounds;

use cases::{IAT, case};
use rounds::{BATCH, Flags, Run, format_ns, rounds, spread};

/// Repeats a statement 4, 16, ... 4,096 times, as straight-line code.
macro_rules! times4 {
    ($($body:tt)*) => {
        $($body)* $($body)* $($body)* $($body)*
    };
}

/// Runs about 80 KiB of straight-line code (2.5 times the 32 KiB L1 instruction
/// cache of the machines measured) with no branch in it: evicts the instructions
/// the verifier ran, and nothing of the branch predictor's state.
#[inline(never)]
fn sweep_code() {
    let mut x = black_box(0x9E37_79B9_7F4A_7C15_u64);
    // `black_box` after each step keeps the compiler from folding the chain.
    times4! { times4! { times4! { times4! { times4! { times4! {
        x = black_box(x.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5851_F42D);
    } } } } } }
    black_box(x);
}

/// Takes 4,096 branches on fixed pseudo-random bits: replaces the branch
/// predictor's history and tables, in a loop that stays in a few cache lines.
#[inline(never)]
fn unpredictable_branches(bits: &[u8]) {
    let mut sum = 0u64;
    for &bit in bits {
        // `black_box` in both arms keeps the branch a branch (not a conditional move).
        if bit & 1 == 0 {
            sum = black_box(sum.wrapping_add(3));
        } else {
            sum = black_box(sum ^ 5);
        }
    }
    black_box(sum);
}

/// Reads one word of every 64-byte line of `data` (128 KiB, more than twice the L1
/// data cache): evicts the data the verifier touched.
#[inline(never)]
fn sweep_data(data: &[u64]) {
    let mut sum = 0u64;
    for line in data.chunks(8) {
        sum = sum.wrapping_add(black_box(line[0]));
    }
    black_box(sum);
}

/// 4,096 fixed pseudo-random bits, one per byte (xorshift64 from a fixed seed).
fn random_bits() -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8 & 1
        })
        .collect()
}

/// A raw primitive with its message and decoded signature, from its case's token.
struct Primitive {
    alg: Alg,
    case: cases::Case,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl Primitive {
    fn new(alg: Alg) -> Self {
        let case = case(alg);
        let (message, signature) = case.signed_parts();
        let message = message.as_bytes().to_vec();
        Self {
            alg,
            case,
            message,
            signature,
        }
    }

    fn verify(&self) {
        assert!((self.case.raw)(black_box(&self.message), &self.signature));
    }
}

fn main() {
    let Flags {
        rounds: count,
        runs,
        ..
    } = Flags::parse(200);
    let now = UnixTime::from_secs(IAT + 60);
    let policy = Policy::default();
    let hs256 = case(Alg::HS256);
    let (hs_message, hs_signature) = hs256.signed_parts();
    let verifier = || {
        let (_, decision) = hs256
            .verifier
            .check(black_box(&hs256.token), &policy, now)
            .unwrap();
        assert!(decision.is_satisfied());
    };
    let raw = || assert!((hs256.raw)(black_box(hs_message.as_bytes()), &hs_signature));

    let primitives: Vec<Primitive> = [Alg::RS256, Alg::PS256, Alg::ES256, Alg::EdDSA]
        .into_iter()
        .map(Primitive::new)
        .collect();
    let bits = random_bits();
    let data = vec![1u64; 128 * 1024 / 8];

    // Each context: what runs between two calls, by name.
    let mut contexts: Vec<(String, Run<'_>)> = vec![("alone".into(), Box::new(|| {}) as Run<'_>)];
    for primitive in &primitives {
        contexts.push((
            format!("after each raw {} verification", primitive.alg),
            Box::new(|| primitive.verify()),
        ));
    }
    contexts.push((
        "after 80 KiB of straight-line code".into(),
        Box::new(sweep_code),
    ));
    contexts.push((
        "after 4,096 unpredictable branches".into(),
        Box::new(|| unpredictable_branches(&bits)),
    ));
    contexts.push((
        "after reading 128 KiB".into(),
        Box::new(|| sweep_data(&data)),
    ));

    // Two implementations per context: with the verifier, then with the raw HMAC.
    let implementations: Vec<Run<'_>> = contexts
        .iter()
        .flat_map(|(_, between)| {
            let with: Run<'_> = Box::new(move || {
                verifier();
                between();
            });
            let without: Run<'_> = Box::new(move || {
                raw();
                between();
            });
            [with, without]
        })
        .collect();

    println!(
        "The verifier's own time on one HS256 token (stepup check less the raw HMAC), by what runs between calls: {count} rounds of ~{} ms batches; medians of the per-round differences (interquartile range).",
        BATCH.as_millis()
    );
    let mut medians: Vec<Vec<f64>> = vec![Vec::new(); contexts.len()];
    for run in 1..=runs {
        println!("\nRun {run} of {runs}:\n");
        println!(
            "| between calls | stepup check, then it | raw HMAC, then it | verifier's own time (IQR) | over alone |"
        );
        println!("|---|---|---|---|---|");
        let times = rounds(&implementations, count);
        let own: Vec<(f64, f64, f64)> = (0..contexts.len())
            .map(|index| {
                let (with, without) = (&times[2 * index], &times[2 * index + 1]);
                spread(with.iter().zip(without).map(|(a, b)| a - b).collect())
            })
            .collect();
        for (index, ((name, _), (median, low, high))) in contexts.iter().zip(&own).enumerate() {
            println!(
                "| {name} | {} | {} | {} ({}–{}) | {:+.0}% |",
                format_ns(spread(times[2 * index].clone()).0),
                format_ns(spread(times[2 * index + 1].clone()).0),
                format_ns(*median),
                format_ns(*low),
                format_ns(*high),
                (median / own[0].0 - 1.0) * 100.0
            );
            medians[index].push(*median);
        }
    }
    if runs > 1 {
        println!("\nSummary of {runs} runs (lowest–highest median):\n");
        println!("| between calls | verifier's own time |");
        println!("|---|---|");
        for ((name, _), values) in contexts.iter().zip(&medians) {
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            println!("| {name} | {}–{} |", format_ns(low), format_ns(high));
        }
    }
}
