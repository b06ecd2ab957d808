//! The session cookie (who logged in, how and when) and the login-flow cookie
//! (state, nonce, PKCE verifier, return path), both sealed with [`SessionKeys`].
//!
//! Nothing is stored server-side: the sealed cookie is the session, so instances
//! behind a load balancer share nothing but the keys. The flip side: a copied
//! cookie stays valid until the expiry sealed inside it, even after logout.

use cookie::{Cookie, SameSite};
use http::HeaderMap;
use http::header::{COOKIE, HeaderValue};
use serde::{Deserialize, Serialize};
use stepup::{Claims, NumericDate, StepUpClaim, UnixTime};

use crate::seal::SessionKeys;

/// Browsers keep cookies up to 4096 bytes; stay well under with the name and attributes.
pub(crate) const MAX_SEALED_LEN: usize = 3800;

/// The names of the two cookies. Over https they carry the `__Host-` prefix, which
/// browsers only accept with `Secure`, `Path=/` and no `Domain`. Over plain http
/// (loopback only) they carry the port instead: browsers do not keep cookies apart
/// by port, so two apps on 127.0.0.1 would otherwise overwrite each other's.
#[derive(Debug, Clone)]
pub(crate) struct CookieNames {
    pub(crate) session: String,
    pub(crate) flow: String,
    pub(crate) secure: bool,
}

impl CookieNames {
    pub(crate) fn new(secure: bool, port: u16) -> Self {
        let (prefix, suffix) = if secure {
            ("__Host-", String::new())
        } else {
            ("", format!("_{port}"))
        };
        Self {
            session: format!("{prefix}stepup_session{suffix}"),
            flow: format!("{prefix}stepup_flow{suffix}"),
            secure,
        }
    }

    /// A `Set-Cookie` value for `name`; `None` as value removes the cookie.
    pub(crate) fn set_cookie(&self, name: &str, value: Option<(&str, i64)>) -> HeaderValue {
        let mut cookie = Cookie::build((name.to_owned(), value.map_or("", |(v, _)| v).to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .build();
        match value {
            Some((_, max_age)) => cookie.set_max_age(cookie::time::Duration::seconds(max_age)),
            None => cookie.make_removal(),
        }
        // A cookie built from our own names and base64url values is always a valid header.
        HeaderValue::from_str(&cookie.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("stepup_invalid=; Max-Age=0"))
    }
}

/// The value of cookie `name` in the request (the first one, if sent several times).
pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// What a session remembers of a login: only what policies and identity headers need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SessionData {
    /// Format version.
    pub(crate) v: u8,
    pub(crate) iss: String,
    pub(crate) sub: String,
    pub(crate) aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) amr: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) acr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auth_time: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    /// When the session was made (Unix seconds).
    pub(crate) iat: i64,
    /// When the session ends (Unix seconds), sealed so it cannot be extended.
    pub(crate) exp: i64,
    /// Why the last step-up was asked for (names of what was missing), for pages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) stepped_up_for: Vec<String>,
}

const SESSION_VERSION: u8 = 1;

impl SessionData {
    /// A session from the claims of a verified ID token.
    pub(crate) fn from_claims(
        claims: &Claims,
        email: Option<String>,
        client_id: &str,
        now: UnixTime,
        lifetime: u64,
        stepped_up_for: Vec<String>,
    ) -> Option<Self> {
        let lifetime = i64::try_from(lifetime).ok()?;
        Some(Self {
            v: SESSION_VERSION,
            iss: claims.iss.clone()?,
            sub: claims.sub.clone()?,
            aud: client_id.to_owned(),
            amr: claims.amr.value().cloned(),
            acr: claims.acr.value().cloned(),
            auth_time: claims.auth_time.value().map(|t| t.as_f64()),
            email,
            iat: now.as_secs(),
            exp: now.as_secs().saturating_add(lifetime),
            stepped_up_for,
        })
    }

    /// The claims a policy is decided on, taking the session apart.
    pub(crate) fn into_parts(self) -> (Claims, Option<String>, Vec<String>) {
        let claims = Claims {
            iss: Some(self.iss),
            sub: Some(self.sub),
            aud: vec![self.aud],
            amr: self.amr.map_or(StepUpClaim::Absent, StepUpClaim::Present),
            acr: self.acr.map_or(StepUpClaim::Absent, StepUpClaim::Present),
            auth_time: self
                .auth_time
                .and_then(NumericDate::new)
                .map_or(StepUpClaim::Absent, StepUpClaim::Present),
            ..Claims::default()
        };
        (claims, self.email, self.stepped_up_for)
    }

    /// The claims a policy is decided on.
    pub(crate) fn claims(&self) -> Claims {
        Claims {
            iss: Some(self.iss.clone()),
            sub: Some(self.sub.clone()),
            aud: vec![self.aud.clone()],
            amr: self
                .amr
                .clone()
                .map_or(StepUpClaim::Absent, StepUpClaim::Present),
            acr: self
                .acr
                .clone()
                .map_or(StepUpClaim::Absent, StepUpClaim::Present),
            auth_time: self
                .auth_time
                .and_then(NumericDate::new)
                .map_or(StepUpClaim::Absent, StepUpClaim::Present),
            ..Claims::default()
        }
    }

    pub(crate) fn seal(&self, keys: &SessionKeys, name: &str) -> Option<String> {
        let json = serde_json::to_vec(self).ok()?;
        keys.seal(name, &json)
            .filter(|sealed| sealed.len() <= MAX_SEALED_LEN)
    }

    /// Opens a session cookie; `None` for anything but a live session of this
    /// issuer and client (tampered, foreign, expired, or from another provider).
    ///
    /// A session lasts until the earlier of its sealed expiry and `iat` plus the
    /// configured `lifetime` (so shortening the lifetime shortens live sessions too).
    /// An `iat` ahead of this instance's clock is accepted: instances behind a load
    /// balancer whose clocks differ must not drop each other's sessions (that would
    /// send browsers round in a loop).
    #[allow(clippy::too_many_arguments)] // each is one fact the check needs
    pub(crate) fn open(
        keys: &SessionKeys,
        name: &str,
        value: &str,
        issuer: &str,
        client_id: &str,
        now: UnixTime,
        lifetime: u64,
    ) -> Option<Self> {
        if value.len() > MAX_SEALED_LEN {
            return None;
        }
        let plain = keys.open(name, value)?;
        let session: Self = serde_json::from_slice(&plain).ok()?;
        let lifetime = i64::try_from(lifetime).unwrap_or(i64::MAX);
        (session.v == SESSION_VERSION
            && session.iss == issuer
            && session.aud == client_id
            && now.as_secs() < session.exp
            && now.as_secs() < session.iat.saturating_add(lifetime))
        .then_some(session)
    }
}

/// The login flow in progress: sealed into the short-lived, single-use flow cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FlowData {
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) code_verifier: String,
    /// The same-origin path to return to.
    pub(crate) return_to: String,
    /// What the page that sent the user needs (the loop guard checks it on return).
    pub(crate) need: crate::need::Need,
    /// What was missing when the flow started (shown after the step-up).
    pub(crate) missing: Vec<String>,
    pub(crate) exp: i64,
}

/// How long a login at the provider may take.
pub(crate) const FLOW_LIFETIME: i64 = 600;

impl FlowData {
    pub(crate) fn seal(&self, keys: &SessionKeys, name: &str) -> Option<String> {
        let json = serde_json::to_vec(self).ok()?;
        keys.seal(name, &json)
            .filter(|sealed| sealed.len() <= MAX_SEALED_LEN)
    }

    pub(crate) fn open(keys: &SessionKeys, name: &str, value: &str, now: UnixTime) -> Option<Self> {
        if value.len() > MAX_SEALED_LEN {
            return None;
        }
        let plain = keys.open(name, value)?;
        let flow: Self = serde_json::from_slice(&plain).ok()?;
        (now.as_secs() < flow.exp).then_some(flow)
    }
}
