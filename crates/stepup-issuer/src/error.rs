//! The crate's one error type, with stable codes.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything that can stop the development provider from starting or rotating keys.
///
/// Requests never produce this type: a bad request gets an OAuth error response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is inconsistent (code `invalid_config`).
    #[error("invalid issuer configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A confidential client's `client_secret` is shorter than
    /// [`MIN_CLIENT_SECRET_LEN`](crate::MIN_CLIENT_SECRET_LEN) bytes (code
    /// `weak_client_secret`).
    #[error(
        "client {client_id:?}: the client_secret is {len} bytes; use at least 32 random bytes \
         (e.g. `openssl rand -base64 32`), or omit client_secret to have one generated"
    )]
    WeakClientSecret {
        /// The client.
        client_id: String,
        /// The secret's length in bytes.
        len: usize,
    },
    /// The TOML configuration cannot be parsed (code `config_syntax`).
    #[error("cannot read the issuer configuration {path}: {reason}")]
    ConfigSyntax {
        /// The file, or `<string>` for [`IssuerConfig::from_toml`](crate::IssuerConfig::from_toml).
        path: String,
        /// The parser's message, with line and column.
        reason: String,
    },
    /// A file in the state directory cannot be read or written (code `state_io`).
    #[error("cannot use the state file {path}: {source}; check the --state-dir permissions")]
    StateIo {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file in the state directory has unexpected content (code `state_invalid`).
    #[error("the state file {path} is invalid: {reason}; move it away to start afresh")]
    StateInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The listen address cannot be bound (code `bind_failed`).
    #[error("cannot listen on {addr}: {source}; pick another --listen address")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Generating, loading or using a signing key failed (code `key_failed`).
    #[error("signing key problem: {0}")]
    Key(#[from] stepup::Error),
    /// The HTTP server stopped with an error (code `server_failed`).
    #[error("the issuer's HTTP server failed: {0}")]
    Server(std::io::Error),
}

impl Error {
    /// A stable snake_case code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config { .. } => "invalid_config",
            Self::WeakClientSecret { .. } => "weak_client_secret",
            Self::ConfigSyntax { .. } => "config_syntax",
            Self::StateIo { .. } => "state_io",
            Self::StateInvalid { .. } => "state_invalid",
            Self::Bind { .. } => "bind_failed",
            Self::Key(_) => "key_failed",
            Self::Server(_) => "server_failed",
        }
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Self::Config {
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::StateIo { path, source }
    }
}
