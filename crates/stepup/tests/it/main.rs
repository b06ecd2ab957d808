//! Integration tests of the verifier: committed vectors, Wycheproof, properties.

// Test helpers panic on broken fixtures by design; clippy's in-test allowance only covers #[test] fns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod decide_in_place;
mod keys;
mod properties;
mod rules;
mod token_cache;
mod util;
mod vectors;
mod wycheproof;
