//! # stepup-gateway
//!
//! The forward-auth gateway behind `stepup serve`: nginx (`auth_request`), Traefik
//! (ForwardAuth), Caddy (`forward_auth`) and Envoy (`ext_authz`) ask it about every
//! request; it matches the request to a rule (`/admin/**` needs MFA, `/settings/**`
//! a login no older than 5 minutes, …) and answers with the outcome table of
//! `stepup-axum`, which it is built on: the same decision, login flow and sessions.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let file = stepup_gateway::FileConfig::load(std::path::Path::new("stepup.toml"))?;
//! let settings = stepup_gateway::Settings::resolve(&file, std::env::var("STEPUP_CLIENT_SECRET").ok())?;
//! stepup_gateway::serve(settings).await?;
//! # Ok(()) }
//! ```

mod app;
mod config;
mod dialect;
mod glob;
mod identity_headers;
mod metrics;
mod path;
mod serve;
mod setup;

pub use app::{
    CALLBACK_PATH, DENIED_PATH, Gateway, LOGOUT_PATH, START_PATH, connect_with_retry, router,
};
pub use config::{
    ClientAuthName, ConfigError, DEFAULT_LIFETIME, FileConfig, ProviderConfig, Require, Rule,
    RuleConfig, SessionConfig,
};
pub use dialect::{Dialect, Original, host_without_port};
pub use glob::{GlobError, PathGlob};
pub use identity_headers::{IDENTITY_HEADERS, encode_value, identity_headers};
pub use metrics::Metrics;
pub use path::{MAX_SEGMENTS, MAX_URI_LEN, PathError, normalise_path};
pub use serve::serve;
pub use setup::{CLIENT_SECRET_ENV, Settings};
