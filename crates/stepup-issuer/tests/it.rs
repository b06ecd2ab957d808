//! End-to-end tests of the development provider over real HTTP on 127.0.0.1.

// Test helpers panic on broken fixtures by design; clippy's in-test allowance only covers #[test] fns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/errors.rs"]
mod errors;
#[path = "it/flow.rs"]
mod flow;
#[path = "it/keys.rs"]
mod keys;
#[path = "it/limits.rs"]
mod limits;
#[path = "it/logs.rs"]
mod logs;
#[path = "it/support.rs"]
mod support;
