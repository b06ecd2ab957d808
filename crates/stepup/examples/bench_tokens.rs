//! Writes `benches/cases/tokens.json`, the signed tokens of the benchmark cases.
//!
//! ```text
//! cargo run -p stepup --example bench_tokens
//! ```
//!
//! The benches and `examples/instructions.rs` read the committed tokens instead of
//! signing at startup: ECDSA and RSA-PSS signatures are randomized, and the work of
//! verifying one (and of making it) varies with its bytes, so counts taken from fresh
//! signatures differ from run to run. The keys are the committed interop keys of
//! `tests/vectors/keys`; rerunning this rewrites the ES* and PS* tokens with new
//! signatures (the HS, RS and EdDSA ones come out the same), so run it only when the
//! cases change, and commit the file with the figures measured on it.

// A fixture generator: panics on broken fixtures and says what it wrote by design.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::path::PathBuf;

use serde_json::json;
use stepup::{Alg, Secret, SigningKey};

#[path = "../benches/cases/mod.rs"]
mod cases;

fn main() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut tokens = serde_json::Map::new();
    for alg in cases::ALGS {
        let signer = match alg {
            Alg::HS256 => SigningKey::from_secret(&Secret::new(cases::SECRET), alg).unwrap(),
            _ => SigningKey::from_pem(&cases::key(cases::key_files(alg).0), Some(alg)).unwrap(),
        };
        let token = signer.with_kid("k1").sign(&cases::claims()).unwrap();
        tokens.insert(alg.name().to_owned(), json!(token));
    }
    let file = json!({
        "description": "One Auth0-style ID token per benchmark case, signed once with the keys of tests/vectors/keys (HS256: the secret in benches/cases/mod.rs); valid at the benches' fixed clock (iat + 60 s). Written by examples/bench_tokens.rs.",
        "tokens": tokens,
    });
    let path = manifest.join("benches/cases/tokens.json");
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    println!(
        "wrote {} tokens to benches/cases/tokens.json",
        cases::ALGS.len()
    );
}
