//! The crate's one error type: configuration mistakes, raised when a [`StepUp`] is built.
//!
//! [`StepUp`]: crate::StepUp

/// A mistake in how a [`StepUp`](crate::StepUp) is set up, or a provider that cannot
/// be used. Requests never produce an `Error`: every request gets an answer from the
/// outcome table (see the crate docs).
///
/// Codes: `invalid_config`, `invalid_session_key`, and the core's codes for the
/// provider and its keys (`jwks_unreachable`, `discovery_issuer_mismatch`,
/// `insecure_url`, …) through [`Error::Verifier`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting cannot be used.
    #[error("{setting}: {reason}")]
    InvalidConfig {
        /// Which setting.
        setting: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A session key is missing or too short.
    #[error("{reason}")]
    SessionKey {
        /// What is wrong and what to do.
        reason: String,
    },
    /// The verifier or the provider's metadata could not be set up.
    #[error(transparent)]
    Verifier(#[from] stepup::Error),
}

impl Error {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidConfig { .. } => "invalid_config",
            Self::SessionKey { .. } => "invalid_session_key",
            Self::Verifier(inner) => inner.code(),
        }
    }

    pub(crate) fn config(setting: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            setting,
            reason: reason.into(),
        }
    }
}
