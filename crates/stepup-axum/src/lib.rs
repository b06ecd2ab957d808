//! # stepup-axum
//!
//! Step-up authentication for axum apps: protect a route with a policy ("MFA and a
//! login no older than 5 minutes"), and users who fall short are sent back to the
//! OpenID Provider to step up, then returned to the page they wanted. API clients get
//! RFC 6750 / RFC 9470 challenges instead of redirects.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use stepup::{Policy, Profile, Secret};
//! use stepup_axum::{Client, Login, Provider, SessionKeys, StepUp, SteppedUp};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at startup: discovery, keys, and every configuration check.
//! let provider = Provider::discover("https://login.example.com", "my-app").await?;
//! let client = Client::confidential(
//!     "my-app",
//!     Secret::new(std::env::var("CLIENT_SECRET")?),
//!     "https://app.example.com/callback",
//! );
//! let keys = SessionKeys::new([std::env::var("SESSION_KEY")?])?;
//! let stepup = StepUp::builder(provider, client, keys)
//!     .with_profile(Profile::Auth0) // how to ask this provider for MFA
//!     .build()?;
//!
//! async fn profile(Login(who): Login) -> String {
//!     format!("hello {}", who.sub())
//! }
//! async fn security(SteppedUp(who): SteppedUp) -> String {
//!     format!("{} logged in with {:?}", who.sub(), who.amr())
//! }
//!
//! let app: Router = Router::new()
//!     .route("/profile", get(profile).route_layer(stepup.require_login()))
//!     .route(
//!         "/security",
//!         get(security).route_layer(stepup.require(Policy::default().with_max_age(300))),
//!     )
//!     .merge(stepup.routes()); // /login, /callback, /logout
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! ## The outcome table
//! Every request that is not let through is answered by one function,
//! [`respond`], the same for this layer and for the `stepup serve` gateway:
//!
//! | outcome | API client | browser (GET/HEAD, `Accept: text/html`, no Bearer) |
//! |---|---|---|
//! | no credentials | 401 `WWW-Authenticate: Bearer realm="…"` | 302 to `/login?rd=…` |
//! | token invalid | 401 `Bearer error="invalid_token", error_description="…"` | drop the session, 302 to `/login?rd=…` |
//! | valid, policy not met | 401 `Bearer error="insufficient_user_authentication", acr_values="…", max_age="…"` | 302 to `/login?rd=…` asking for what is missing |
//! | step-up came back still not met | as above | 403 page (the loop guard: never a redirect loop) |
//! | keys unavailable | 503 + `Retry-After` | 503 page |
//! | allowed | the handler runs, with [`Login`] / [`SteppedUp`] | same |
//!
//! A browser login is a session cookie sealed with AES-256-GCM ([`SessionKeys`]),
//! holding `iss`, `sub`, `aud`, `amr`, `acr`, `auth_time`, `email` and its own expiry.
//! The policy is decided again on every request (freshness decays). Nothing is kept
//! server-side, so a copied cookie stays valid until its sealed expiry, also after
//! logout: keep the session lifetime short (12 hours by default).
//!
//! Forgetting the layer fails closed: [`Login`] and [`SteppedUp`] on a route without
//! it answer 500 ([`MissingLayer`]), never run the handler.
//!
//! ## Error codes
//! [`Error::code`]: `invalid_config`, `invalid_session_key`, and the core's codes for
//! provider and key problems. Refusals are logged once at debug on target
//! `stepup::reject` with [`Refusal::code`].

#![cfg_attr(docsrs, feature(doc_cfg))]

mod ask;
mod config;
#[cfg(feature = "demo")]
#[cfg_attr(docsrs, doc(cfg(feature = "demo")))]
pub mod demo;
mod error;
mod extract;
mod flow;
mod gate;
mod identity;
mod layer;
mod need;
mod outcome;
mod pages;
mod return_path;
mod seal;
mod session;
mod token_endpoint;

pub use ask::Ask;
pub use config::{
    BearerTokens, Client, ClientAuth, Clock, DEFAULT_SESSION_LIFETIME, NeedResolver, Provider,
    StepUp, StepUpBuilder, TokenVerifier,
};
pub use error::Error;
pub use extract::{Login, MissingLayer, SteppedUp};
pub use gate::Decided;
pub use identity::{CredentialSource, Identity};
pub use layer::{RequireLayer, RequireService};
pub use outcome::{
    Answer, BrowserRedirect, ClientKind, LoopGuard, Refusal, challenge, quoted, respond,
};
pub use pages::{STYLE, explain};
pub use seal::{MIN_SESSION_KEY_LEN, SessionKeys};

/// Hooks for the fuzz targets in the repository's `fuzz/` directory: thin wrappers
/// that run crate-private parsing on arbitrary bytes. Not part of the API; they may
/// change or go away in any release.
#[doc(hidden)]
pub mod __private {
    use std::sync::OnceLock;

    use http::header::{COOKIE, HeaderMap, HeaderValue};
    use stepup::{Policy, UnixTime};

    use crate::session::{FlowData, SessionData};

    /// The issuer and client of the fuzzing app, and the instant it judges cookies at.
    const ISSUER: &str = "https://op.example.com";
    const CLIENT: &str = "app";
    const NOW: i64 = 1_700_000_000;

    /// The session keys the seed cookies under `fuzz/seeds/session` are sealed with:
    /// `NEW_KEY` seals, both open (so the rotation path runs too).
    pub const NEW_KEY: &[u8] = b"stepup-fuzz-session-key-new-0123456789";
    /// See [`NEW_KEY`].
    pub const OLD_KEY: &[u8] = b"stepup-fuzz-session-key-old-0123456789";

    /// An app with fixed keys, issuer, client and clock, built once; `None` only if
    /// building it failed (then every input is a no-op).
    fn app() -> Option<&'static crate::StepUp> {
        static APP: OnceLock<Option<crate::StepUp>> = OnceLock::new();
        APP.get_or_init(|| {
            let secret = stepup::Secret::new("fuzzing-secret-fuzzing-secret-32");
            let keys = stepup::KeySet::from_secret(&secret).ok()?;
            let verifier = stepup::Verifier::builder(ISSUER, CLIENT, keys)
                .build()
                .ok()?;
            let metadata = stepup::ProviderMetadata::new(
                ISSUER,
                format!("{ISSUER}/authorize"),
                format!("{ISSUER}/token"),
                format!("{ISSUER}/jwks"),
                None,
            )
            .ok()?;
            let provider = crate::Provider::new(metadata, verifier).ok()?;
            let client = crate::Client::public(CLIENT, "https://app.example.com/callback");
            let keys = crate::SessionKeys::new([NEW_KEY, OLD_KEY]).ok()?;
            crate::StepUp::builder(provider, client, keys)
                .with_clock(crate::Clock::from_fn(|| UnixTime::from_secs(NOW)))
                .build()
                .ok()
        })
        .as_ref()
    }

    /// Opens cookies the way requests do. The first byte picks what the rest is:
    ///
    /// - `0`: a session or flow cookie's value, opened as both;
    /// - `1`: a whole `Cookie` header, from which the session is read;
    /// - `2`: a plaintext, sealed with the fuzzing key and opened again (it must come
    ///   back unchanged), then read as a session and as a flow;
    /// - `3`: edits (`position`, `xor` pairs) to the bytes of a genuine sealed
    ///   session: an edited value must never open.
    ///
    /// Panics only when a property above fails.
    pub fn fuzz_session(input: &[u8]) {
        let (Some(app), Some((&mode, rest))) = (app(), input.split_first()) else {
            return;
        };
        let inner = &app.inner;
        let now = UnixTime::from_secs(NOW);
        match mode % 4 {
            0 => {
                if let Ok(value) = std::str::from_utf8(rest) {
                    open_as_both(app, value);
                }
            }
            1 => {
                let mut headers = HeaderMap::new();
                if let Ok(value) = HeaderValue::from_bytes(rest) {
                    headers.insert(COOKIE, value);
                }
                if let Some(identity) = app.current_session(&headers) {
                    let _ = (identity.sub(), identity.amr(), identity.auth_time());
                    let _ = identity.email();
                }
            }
            2 => {
                for name in [&inner.cookies.session, &inner.cookies.flow] {
                    let Some(sealed) = inner.keys.seal(name, rest) else {
                        continue;
                    };
                    assert_eq!(inner.keys.open(name, &sealed).as_deref(), Some(rest));
                    open_as_both(app, &sealed);
                }
            }
            _ => {
                let session = SessionData {
                    v: 1,
                    iss: ISSUER.into(),
                    sub: "alice".into(),
                    aud: CLIENT.into(),
                    amr: Some(vec!["pwd".into(), "mfa".into()]),
                    acr: None,
                    auth_time: Some(1_699_999_000.0),
                    email: None,
                    iat: NOW - 60,
                    exp: NOW + 3600,
                    stepped_up_for: Vec::new(),
                };
                let Some(sealed) = session.seal(&inner.keys, &inner.cookies.session) else {
                    return;
                };
                assert_eq!(app.open_session(&sealed, now).as_ref(), Some(&session));
                let Ok(mut bytes) = base64_simd::URL_SAFE_NO_PAD.decode_to_vec(&sealed) else {
                    return;
                };
                let original = bytes.clone();
                for edit in rest.chunks_exact(2) {
                    let at = usize::from(edit[0]) % bytes.len();
                    bytes[at] ^= edit[1];
                }
                if rest.len() % 2 == 1 {
                    // An odd last byte cuts the value short.
                    bytes.truncate(usize::from(rest[rest.len() - 1]));
                }
                if bytes != original {
                    let edited = base64_simd::URL_SAFE_NO_PAD.encode_to_string(&bytes);
                    assert!(app.open_session(&edited, now).is_none());
                }
            }
        }
    }

    /// Opens `value` as the session cookie and as the flow cookie, and decides a
    /// policy on what opens.
    fn open_as_both(app: &crate::StepUp, value: &str) {
        let inner = &app.inner;
        let now = UnixTime::from_secs(NOW);
        if let Some(session) = app.open_session(value, now) {
            let policy = Policy::default().with_max_age(300);
            let _ = policy.decide(&session.claims(), now);
            let (claims, _, _) = session.into_parts();
            let _ = policy.decide(&claims, now);
        }
        if let Some(flow) = FlowData::open(&inner.keys, &inner.cookies.flow, value, now) {
            let _ = flow.need.policy().decide(&stepup::Claims::default(), now);
        }
    }

    #[cfg(test)]
    mod tests {
        /// Without the app every input would be a no-op, and the fuzzing blind.
        #[test]
        fn the_fuzzing_app_builds_and_its_sessions_open() {
            assert!(super::app().is_some());
            for mode in 0..4u8 {
                super::fuzz_session(&[mode, 0, 1]);
            }
        }
    }
}
