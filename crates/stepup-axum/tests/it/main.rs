//! Integration tests of stepup-axum: the outcome table of docs/serving.md for API clients
//! and browsers, the login start, the callback, and sealed sessions.
//!
//! In process with `tower::ServiceExt::oneshot` on a Router with the layer; the
//! token endpoint and the JWKS server are real HTTP servers on 127.0.0.1:0. The
//! clock is fixed (moved by hand), the provider's key is the committed Ed25519 key
//! of `tests/vectors/keys/`, and the session keys are constants. Answers are
//! checked on the wire: `WWW-Authenticate` parsed as auth-params, `Location` as a
//! URL, `Set-Cookie` with the `cookie` crate.

// Fixtures and helpers panic on a broken test setup by design; clippy's in-test
// allowance covers only #[test] functions, not the helpers they share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod callback;
mod extract;
mod login;
mod review;
mod sessions;
mod support;
mod table;
mod unavailable;
