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
