//! # stepup-issuer
//!
//! A development OpenID Provider with real multi-factor login, so step-up authentication
//! can be tried end to end on one machine, without an account at any identity provider.
//! **Not for production.**
//!
//! Users log in with a password; when a client asks for multi-factor with
//! `acr_values=http://schemas.openid.net/pape/policies/2007/06/multi-factor`, a TOTP
//! code (RFC 6238) follows. ID tokens then say what happened: `amr` `["pwd"]` after a
//! password, `["pwd","otp","mfa"]` and the PAPE multi-factor `acr` after the TOTP step,
//! `auth_time` the time of the last real authentication. `max_age` and `prompt=login`
//! force a fresh login, `prompt=none` answers `login_required` without a session.
//! `prompt=consent` is answered without a consent page: every client is registered in
//! the configuration, and that registration is the consent. See the crate README for the
//! full rules.
//!
//! Endpoints: `/.well-known/openid-configuration`, `/jwks.json`, `/authorize` (with the
//! `/login` pages), `/token` (authorization code, `client_secret_basic`,
//! `client_secret_post`, PKCE S256 required for public clients), `/userinfo`, `/logout`
//! (RP-initiated logout), `POST /admin/rotate-keys` (loopback only), and `/try`, a built-in
//! client that shows the verified ID token, the step-up decision, and a `stepup verify`
//! command line for the token in a browser.
//!
//! Failed logins are limited per username and client address and per username from all
//! addresses ([`IssuerConfig::max_failed_logins`],
//! [`IssuerConfig::max_failed_logins_per_account`]). Each HTTP request is logged at info
//! level with `tracing` (target `stepup_issuer::http`: method, path, status, time; never
//! query strings or secrets).
//!
//! Keys, generated credentials and sessions live in a state directory, so a restart keeps
//! tokens verifiable and people logged in.
//!
//! ```no_run
//! use stepup_issuer::{Issuer, IssuerConfig};
//!
//! # async fn run() -> Result<(), stepup_issuer::Error> {
//! let state_dir = stepup_issuer::default_state_dir();
//! let running = Issuer::start(
//!     IssuerConfig::default(),            // demo users alice and bob, client demo-app
//!     stepup_issuer::DEFAULT_LISTEN,      // 127.0.0.1:9000
//!     &state_dir,
//! )
//! .await?;
//! println!("{}", running.banner());       // passwords, otpauth:// URIs, QR codes
//! // ... later, e.g. on Ctrl-C:
//! running.shutdown().await?;
//!
//! // From another process, while it runs or not:
//! let rotation = stepup_issuer::rotate_keys(&state_dir)?;
//! println!("now signing with {:?}", rotation.added);
//! # Ok(())
//! # }
//! ```
//!
//! ## Error codes
//! [`Error::code`]: `invalid_config`, `weak_client_secret`, `config_syntax`, `state_io`,
//! `state_invalid`, `bind_failed`, `key_failed`, `server_failed`.

mod banner;
mod config;
mod dates;
mod error;
mod html;
mod keys;
mod model;
mod password;
mod random;
mod server;
mod state;
mod totp;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};

pub use config::{ClientConfig, IssuerConfig, MIN_CLIENT_SECRET_LEN, SigningAlg, UserConfig};
pub use error::Error;
pub use keys::KeyRotation;
pub use model::{ClientCredentials, UserCredentials};
pub use password::hash_password;
pub use server::{BannerInfo, Issuer, RunningIssuer};
pub use totp::totp_code;

/// The default listen address, `127.0.0.1:9000`: loopback only.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 9000));

/// The `acr` the provider sends after the TOTP step, and the `acr_values` entry that asks
/// for it (the OpenID PAPE multi-factor policy, as Auth0 uses it).
pub const ACR_MULTI_FACTOR: &str = stepup::PAPE_MULTI_FACTOR;

/// Rotates the signing keys in `state_dir`: a new key per algorithm (RS256, ES256, EdDSA)
/// signs from now on; the previous ones stay in the JWKS as retiring; keys already
/// retiring are removed. A provider running on this directory picks the change up on its
/// next request.
///
/// # Errors
/// `state_io`, `state_invalid`, `key_failed`.
pub fn rotate_keys(state_dir: &Path) -> Result<KeyRotation, Error> {
    keys::rotate(state_dir)
}

/// Where the provider keeps its state when no `--state-dir` is given:
/// `$XDG_STATE_HOME/stepup/issuer`, else `~/.local/state/stepup/issuer`
/// (`%LOCALAPPDATA%\stepup\issuer` on Windows), else `.stepup-issuer` in the working
/// directory.
pub fn default_state_dir() -> PathBuf {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        if let Some(base) = env("LOCALAPPDATA") {
            return base.join("stepup").join("issuer");
        }
    } else if let Some(base) = env("XDG_STATE_HOME") {
        return base.join("stepup").join("issuer");
    } else if let Some(home) = env("HOME") {
        return home
            .join(".local")
            .join("state")
            .join("stepup")
            .join("issuer");
    }
    PathBuf::from(".stepup-issuer")
}
