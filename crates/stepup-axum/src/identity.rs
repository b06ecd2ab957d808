//! The verified login a request carries, handed to handlers by the extractors.

use std::sync::Arc;

use stepup::{Claims, NumericDate, VerifiedToken};

/// Where the login came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// An `Authorization: Bearer` token, verified on this request.
    Bearer,
    /// The sealed session cookie of a browser login.
    Session,
}

/// A verified login: the claims a policy was decided on.
///
/// Cheap to clone (shared inside).
#[derive(Debug, Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    login: Login,
    email: Option<String>,
    source: CredentialSource,
    stepped_up_for: Vec<String>,
}

/// Where the claims live: in the verified token (not copied: this runs on every
/// Bearer request), or rebuilt from a session.
// The token variant is larger (it keeps the positions of its claims), but a `Login` is
// built once per request inside the `Arc` above and never moved again: boxing it would
// only add an allocation to every Bearer request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Login {
    Token(VerifiedToken),
    Session(Claims),
}

impl Identity {
    pub(crate) fn from_token(token: VerifiedToken, source: CredentialSource) -> Self {
        Self {
            inner: Arc::new(Inner {
                login: Login::Token(token),
                email: None,
                source,
                stepped_up_for: Vec::new(),
            }),
        }
    }

    pub(crate) fn from_session(
        claims: Claims,
        email: Option<String>,
        stepped_up_for: Vec<String>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                login: Login::Session(claims),
                email,
                source: CredentialSource::Session,
                stepped_up_for,
            }),
        }
    }

    /// The subject (`sub`): the user's id at the provider.
    pub fn sub(&self) -> &str {
        self.claims().sub.as_deref().unwrap_or_default()
    }

    /// The issuer (`iss`).
    pub fn iss(&self) -> &str {
        self.claims().iss.as_deref().unwrap_or_default()
    }

    /// The `amr` values (empty when absent or not an array of strings).
    pub fn amr(&self) -> &[String] {
        self.claims()
            .amr
            .value()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The `acr`, when present as a string.
    pub fn acr(&self) -> Option<&str> {
        self.claims().acr.value().map(String::as_str)
    }

    /// When the user last authenticated (`auth_time`), when present as a number.
    pub fn auth_time(&self) -> Option<NumericDate> {
        self.claims().auth_time.value().copied()
    }

    /// The `email` claim, when the login has one as a string.
    pub fn email(&self) -> Option<String> {
        if let Some(email) = &self.inner.email {
            return Some(email.clone());
        }
        email_claim(self.token()?)
    }

    /// Bearer token or session cookie.
    pub fn source(&self) -> CredentialSource {
        self.inner.source
    }

    /// All standard claims as typed values.
    pub fn claims(&self) -> &Claims {
        match &self.inner.login {
            Login::Token(token) => token.claims(),
            Login::Session(claims) => claims,
        }
    }

    /// The verified token, for a Bearer login (`None` for a session).
    pub fn token(&self) -> Option<&VerifiedToken> {
        match &self.inner.login {
            Login::Token(token) => Some(token),
            Login::Session(_) => None,
        }
    }

    /// The stable names of what was missing when this session last stepped up
    /// (`amr:mfa`, `fresh_login`, …); empty when it never had to.
    pub fn stepped_up_for(&self) -> &[String] {
        &self.inner.stepped_up_for
    }
}

/// The `email` claim of a verified token, when it is a string (read apart from the
/// typed standard claims, and only when asked for: not on the hot path).
pub(crate) fn email_claim(token: &VerifiedToken) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Email {
        email: Option<serde_json::Value>,
    }
    match token.deserialize_claims::<Email>().ok()?.email {
        Some(serde_json::Value::String(email)) => Some(email),
        _ => None,
    }
}
