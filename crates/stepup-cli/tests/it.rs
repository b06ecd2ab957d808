//! Integration tests of the `stepup` binary: each runs the real built executable with
//! the committed keys of `tests/vectors/keys` and a fixed clock (`--now`).

// Test helpers outside `#[test]` functions panic on purpose when the binary cannot run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "it/util.rs"]
mod util;

#[path = "it/decode.rs"]
mod decode;
#[path = "it/demo.rs"]
mod demo;
#[path = "it/hints.rs"]
mod hints;
#[path = "it/issuer.rs"]
mod issuer;
#[path = "it/keygen.rs"]
mod keygen;
#[path = "it/mint.rs"]
mod mint;
#[path = "it/quickstart.rs"]
mod quickstart;
#[path = "it/remote.rs"]
mod remote;
#[path = "it/serve.rs"]
mod serve;
#[path = "it/verify.rs"]
mod verify;
