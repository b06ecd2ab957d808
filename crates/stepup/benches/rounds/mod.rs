//! Interleaved measurement, shared by the `interleaved` and `context` benches: the
//! implementations take turns in batches of about [`BATCH`], in an order rotated every
//! round, so that a load which comes and goes on a shared machine falls on both sides
//! of every comparison.

use std::time::{Duration, Instant};

/// How long one batch of one implementation runs.
pub(crate) const BATCH: Duration = Duration::from_millis(2);

/// One implementation: one call of what is measured.
pub(crate) type Run<'a> = Box<dyn Fn() + 'a>;

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

/// Runs `runs` interleaved for `rounds` rounds after a short warm-up; gives, for each
/// implementation, its time per call (ns) in every round.
pub(crate) fn rounds(runs: &[Run<'_>], rounds: usize) -> Vec<Vec<f64>> {
    let warm_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < warm_until {
        for run in runs {
            run();
        }
    }
    let sizes: Vec<usize> = runs.iter().map(|run| calibrate(run)).collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); runs.len()];
    for round in 0..rounds {
        for turn in 0..runs.len() {
            let index = (round + turn) % runs.len();
            let n = sizes[index];
            let start = Instant::now();
            for _ in 0..n {
                runs[index]();
            }
            times[index].push(start.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
    }
    times
}

/// The command line of an interleaved bench: `--rounds N`, `--runs K`, and the
/// words that are not flags (flags cargo bench passes on, such as `--bench`, are
/// ignored).
pub(crate) struct Flags {
    pub(crate) rounds: usize,
    pub(crate) runs: usize,
    pub(crate) words: Vec<String>,
}

impl Flags {
    /// The process's arguments, with `rounds` rounds and one run unless they say
    /// otherwise.
    pub(crate) fn parse(rounds: usize) -> Self {
        let mut flags = Self {
            rounds,
            runs: 1,
            words: Vec::new(),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |flag: &str| -> usize {
                args.next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| panic!("{flag} takes a positive number"))
            };
            match arg.as_str() {
                "--rounds" => flags.rounds = number("--rounds"),
                "--runs" => flags.runs = number("--runs"),
                flag if flag.starts_with("--") => {}
                _ => flags.words.push(arg),
            }
        }
        flags
    }
}

/// The median and the interquartile range of `values`.
pub(crate) fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: usize| values[(values.len() - 1) * q / 4];
    (at(2), at(1), at(3))
}

/// Nanoseconds as microseconds, with three significant decimals below 10 µs.
pub(crate) fn format_ns(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{:.3} µs", ns / 1000.0)
    }
}
