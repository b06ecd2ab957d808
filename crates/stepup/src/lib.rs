//! # stepup
//!
//! Strict verification of OpenID Connect ID tokens, and the step-up decision that
//! follows: did the user log in with multi-factor authentication, recently enough?
//!
//! ```toml
//! [dependencies]
//! stepup = { version = "0.1", features = ["remote"] }   # `remote`: keys by discovery / JWKS URL
//! ```
//!
//! ## With a real provider
//! A [`RemoteVerifier`] (feature `remote`) finds the provider's keys by OpenID Connect
//! discovery, caches and rotates them. [`check`](RemoteVerifier::check) verifies the
//! token and applies a [`Policy`]; a valid token that is not strong or fresh enough is
//! not an error but [`Decision::StepUp`], with the RFC 9470 challenge that sends the
//! user back to the provider:
//!
//! ```no_run
//! # #[cfg(feature = "remote")]
//! # async fn sensitive_action(id_token: &str) -> Result<(), stepup::Error> {
//! use stepup::{Decision, ErrorClass, Policy, Profile, RemoteVerifier, UnixTime};
//!
//! // Once, at start-up (configuration mistakes and an unreachable provider fail here).
//! let verifier = RemoteVerifier::discover("https://login.example.com", "my-app").await?;
//! // MFA the way the provider says it (here Auth0), at most 5 minutes ago.
//! let policy: Policy = "auth0".parse::<Profile>()?.policy().with_max_age(300);
//!
//! // Before each sensitive action.
//! match verifier.check(id_token, &policy, UnixTime::now()).await {
//!     Ok((token, Decision::Satisfied)) => {
//!         println!("go on, {:?} logged in with MFA", token.claims().sub);
//!     }
//!     Ok((_, Decision::StepUp(step_up))) => {
//!         // An API answers 401 with this header (RFC 9470)...
//!         let www_authenticate = step_up.challenge.www_authenticate();
//!         // ...a web app redirects to the provider's authorization endpoint with these
//!         // parameters added to its usual login request (`acr_values`, `max_age`).
//!         let authorize_params = step_up.challenge.authorize_params();
//!         println!("step up: {www_authenticate} / {authorize_params:?}");
//!     }
//!     // Keys could not be fetched: answer 503 and retry later, never let it through.
//!     Err(error) if error.class() == ErrorClass::Unavailable => {}
//!     // Anything wrong with the token: 401 `invalid_token`, with `error.code()`.
//!     Err(error) => println!("refused: {} ({error})", error.code()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! In an axum app, the `stepup-axum` crate does all of this (and the browser round
//! trip) as a layer; in front of apps in other languages, `stepup serve` does it as a
//! forward-auth gateway.
//!
//! ## With local keys
//! A [`Verifier`] is built once from the issuer, your client id and the provider's
//! keys ([`KeySet`]: a client secret, a PEM or JWK public key, a JWK Set); every
//! configuration mistake fails there. [`Verifier::verify`] then checks a token's form,
//! header, signature and claims and returns a [`VerifiedToken`]; a [`Policy`] turns its
//! claims into a [`Decision`]: [`Decision::Satisfied`], or [`Decision::StepUp`] with what
//! is missing and the challenge to send ([`Decision::challenge`]). Verification is pure:
//! the clock is passed in, no I/O, no locks.
//!
//! ```
//! use serde_json::json;
//! use stepup::{Alg, KeySet, Policy, Secret, SigningKey, UnixTime, Verifier};
//!
//! let secret = Secret::new("this-client-secret-is-32-bytes!!");
//! let keys = KeySet::from_secret(&secret)?;
//! let verifier = Verifier::builder("https://login.example.com", "my-app", keys).build()?;
//!
//! // A token as the provider would send it (here signed locally).
//! let token = SigningKey::from_secret(&secret, Alg::HS256)?.sign(&json!({
//!     "iss": "https://login.example.com", "sub": "alice", "aud": "my-app",
//!     "iat": 1_700_000_000, "exp": 1_700_003_600, "amr": ["pwd"],
//! }))?;
//!
//! let now = UnixTime::from_secs(1_700_000_100);
//! let (verified, decision) = verifier.check(&token, &Policy::default(), now)?;
//! assert_eq!(verified.claims().sub.as_deref(), Some("alice"));
//! // Valid, but only a password login: the user must step up.
//! assert_eq!(decision.missing()[0].name(), "amr:mfa");
//! assert!(decision.challenge().unwrap().www_authenticate().contains("insufficient_user_authentication"));
//! # Ok::<(), stepup::Error>(())
//! ```
//!
//! ## Rules
//! The whole list, with the reason for each, is `docs/verification-rules.md` in the
//! repository. In short:
//! - Compact JWS only: three canonical unpadded base64url parts; JWE, unsecured and
//!   nested tokens are refused; at most 64 KiB and 64 levels of JSON by default.
//! - Header and payload are UTF-8 JSON objects without duplicated member names.
//! - `alg` must be allowed and fit the key; `none` never is; `crit` and `b64` are refused;
//!   `jwk`/`jku`/`x5u`/`x5c` in a header are ignored. RSA keys need 2048 bits, HMAC
//!   secrets the hash length. On an Ed25519 key, `EdDSA` and `Ed25519` (RFC 9864) are
//!   one algorithm, whichever the JWK's `alg` names.
//! - Bounded work per token: a JWK Set holds at most 100 usable keys, and a token is
//!   checked against at most 4 keys (without `kid`, or with a `kid` several keys share);
//!   a token that fits more is refused unchecked ([`Limits`]).
//! - Claims: `iss` exact, `sub` present, `aud` contains the client id, `azp` when several
//!   audiences, `exp`/`iat` required, `nbf` honoured, leeway 60 s, `nonce` when expected.
//! - Step-up: by default `amr` must be an array containing `"mfa"`.
//!
//! ## Keys from the network
//! With the feature `remote`, a [`RemoteVerifier`] takes its keys from a JWK Set URL
//! or from OpenID Connect discovery, and caches, refreshes and rotates them (HTTPS
//! only, bounded fetches, stale-if-error); `fetch_key_set` fetches a key set once.
//!
//! ## Error codes
//! Every [`Error`] has a stable [`Error::code`] and an [`ErrorClass`]; the full list is
//! [`ERROR_CODES`]. Step-up needs are not errors: see [`Missing::name`]
//! (`amr:<value>`, `acr`, `auth_time`, `fresh_login`).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod alg;
mod claims;
mod crypto;
mod error;
mod json;
mod jws;
mod key;
mod policy;
mod profile;
#[cfg(feature = "remote")]
mod remote;
mod scan;
mod sign;
mod time;
mod token_cache;
mod validate;
mod verified;
mod verifier;

pub use alg::{Alg, AlgSet, KeyFamily};
pub use claims::{Claims, StepUpClaim};
pub use error::{ERROR_CODES, Error, ErrorClass, Part, Shown};
pub use jws::{Header, TokenKind};
pub use key::{Key, KeySet, Secret, SkippedKey};
pub use policy::{Challenge, ChallengeReason, Combine, Decision, Missing, Policy, StepUp};
pub use profile::{OKTA_2FA_ANY, PAPE_MULTI_FACTOR, Profile};
#[cfg(feature = "remote")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote")))]
pub use remote::{
    CacheSettings, FetchSettings, KeySource, ProviderMetadata, RemoteStats, RemoteVerifier,
    RemoteVerifierBuilder, checked_url, discover, fetch_key_set, fetch_key_set_blocking,
    is_loopback_url,
};
pub use sign::{GeneratedKey, KeyKind, SigningKey, generate_key};
pub use time::{NumericDate, UnixTime};
pub use token_cache::{TokenCacheSettings, TokenCacheStats};
pub use verifier::{
    DEFAULT_LEEWAY, Limits, VerifiedToken, Verifier, VerifierBuilder, decode_unverified,
};

/// Internal hooks for fuzzing and for running external test vectors through the
/// exact signature path the verifier uses. Not part of the stable API.
#[doc(hidden)]
pub mod __private {
    use crate::alg::Alg;
    use crate::crypto::VerifyingKey;

    /// Verifies `sig` over `msg` with a DER SubjectPublicKeyInfo or, for HS*, a secret.
    /// Returns `Err` with a reason for a refused key or a bad signature.
    pub fn verify_signature(alg: Alg, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), String> {
        let key = match alg.key_family() {
            crate::alg::KeyFamily::Secret => {
                VerifyingKey::secret(key).map_err(|e| format!("{e:?}"))?
            }
            _ => crate::key::spki_verifying_key(key).map_err(|e| e.to_string())?,
        };
        if !key.permits(alg) {
            return Err(format!("key does not permit {alg}"));
        }
        key.verify(alg, msg, sig).map_err(str::to_owned)
    }

    /// Runs the whole token path (split, decode, strict JSON, claims) on arbitrary input.
    pub fn fuzz_token(input: &[u8]) {
        let _ = crate::scan::claims(input, 64);
        let _ = crate::scan::header(input, 64);
        if let Ok(text) = std::str::from_utf8(input) {
            let _ = crate::verifier::decode_unverified(text);
            let _ = crate::claims::parse(input, 64);
            let _ = crate::jws::parse_header(input, 64);
        }
    }

    /// Reads arbitrary input as a header and as a payload with the scanner of the hot
    /// path and with the serde_json reader it replaced, at nesting limits 1, 4 and 64;
    /// then verifies it as a token, and verifies a correctly signed token whose header
    /// is the input up to its first newline and whose payload is the rest, both with
    /// the verifier and with its steps as they were before the scanner. Panics where
    /// they disagree (acceptance, values, error codes).
    pub fn fuzz_differential(input: &[u8]) {
        static VERIFIER: std::sync::OnceLock<Option<crate::Verifier>> = std::sync::OnceLock::new();
        if let Err(disagreement) = crate::scan::compare(input, &[1, 4, 64]) {
            panic!("scanner and serde reader disagree: {disagreement}");
        }
        let Some(verifier) = VERIFIER.get_or_init(crate::scan::hs256_verifier) else {
            return;
        };
        let now = crate::UnixTime::from_secs(1_700_000_000);
        let newline = input
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(input.len());
        let (header, payload) = input.split_at(newline);
        let signed = crate::scan::hs256_token(header, payload.get(1..).unwrap_or_default());
        let tokens = [std::str::from_utf8(input).ok(), Some(signed.as_str())];
        for token in tokens.into_iter().flatten() {
            if let Err(disagreement) = crate::scan::compare_token(verifier, token, now) {
                panic!("verifier and its previous steps disagree: {disagreement}");
            }
        }
    }

    /// Runs the whole verifier on arbitrary input; returns whether it was accepted
    /// (which, without the secret, must never happen).
    pub fn fuzz_verify(input: &[u8]) -> bool {
        static VERIFIER: std::sync::OnceLock<Option<crate::Verifier>> = std::sync::OnceLock::new();
        let verifier = VERIFIER.get_or_init(|| {
            let secret = crate::Secret::new("fuzzing-secret-fuzzing-secret-32");
            let keys = crate::KeySet::from_secret(&secret).ok()?;
            crate::Verifier::builder("https://op", "client", keys)
                .build()
                .ok()
        });
        match (verifier, std::str::from_utf8(input)) {
            (Some(verifier), Ok(token)) => verifier
                .verify(token, crate::UnixTime::from_secs(0))
                .is_ok(),
            _ => false,
        }
    }

    /// Runs key parsing on arbitrary input.
    pub fn fuzz_keys(input: &[u8]) {
        if let Ok(text) = std::str::from_utf8(input) {
            let _ = crate::KeySet::from_jwks(text);
            let _ = crate::KeySet::from_public_key(text);
        }
    }

    /// Runs what `discover` does with a fetched discovery document on arbitrary
    /// input: the first line is the issuer, the rest the document. Panics only if
    /// an accepted endpoint fails the URL check `ProviderMetadata::new` makes.
    #[cfg(feature = "remote")]
    pub fn fuzz_discovery(input: &[u8]) {
        use crate::remote::discovery::{discovery_url, metadata_from, parse_document};
        let Some(at) = input.iter().position(|&b| b == b'\n') else {
            return;
        };
        let (Ok(issuer), body) = (std::str::from_utf8(&input[..at]), &input[at + 1..]) else {
            return;
        };
        let Ok(url) = discovery_url(issuer) else {
            return;
        };
        let Ok(document) = parse_document(body, &url, issuer) else {
            return;
        };
        if let Ok(found) = metadata_from(&document, &url, issuer) {
            let again = crate::ProviderMetadata::new(
                found.issuer.clone(),
                found.authorization_endpoint.clone(),
                found.token_endpoint.clone(),
                found.jwks_uri.clone(),
                found.end_session_endpoint.clone(),
            );
            assert_eq!(again.ok(), Some(found));
        }
    }
}
