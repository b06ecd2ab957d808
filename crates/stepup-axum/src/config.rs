//! Building a [`StepUp`]: the provider, the client, the session keys and the
//! settings with their defaults. Every mistake fails in [`StepUpBuilder::build`].

use std::fmt;
use std::sync::Arc;

use stepup::{
    FetchSettings, KeySource, Policy, Profile, ProviderMetadata, RemoteVerifier,
    RemoteVerifierBuilder, Secret, UnixTime, VerifiedToken, Verifier,
};

use crate::ask::MfaRequest;
use crate::error::Error;
use crate::seal::SessionKeys;
use crate::session::CookieNames;
use crate::token_endpoint::TokenEndpoint;

/// Default session lifetime: 12 hours. Short, because a copied cookie stays valid
/// until its sealed expiry (nothing is stored server-side to revoke it).
pub const DEFAULT_SESSION_LIFETIME: u64 = 12 * 3600;

/// Checks ID tokens: a local [`Verifier`] (keys given) or a [`RemoteVerifier`]
/// (keys fetched and cached from the provider).
#[derive(Debug, Clone)]
pub enum TokenVerifier {
    /// Keys from configuration.
    Local(Verifier),
    /// Keys from a JWK Set URL or discovery.
    Remote(RemoteVerifier),
}

impl TokenVerifier {
    /// Verifies `token` as of `now`, requiring `nonce` when given.
    ///
    /// # Errors
    /// The core's errors: token errors, `keys_unavailable`.
    pub async fn verify(
        &self,
        token: &str,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> Result<VerifiedToken, stepup::Error> {
        match (self, nonce) {
            (Self::Local(v), None) => v.verify(token, now),
            (Self::Local(v), Some(nonce)) => v.verify_with_nonce(token, nonce, now),
            (Self::Remote(v), None) => v.verify(token, now).await,
            (Self::Remote(v), Some(nonce)) => v.verify_with_nonce(token, nonce, now).await,
        }
    }

    /// The issuer tokens must come from.
    pub fn issuer(&self) -> &str {
        match self {
            Self::Local(v) => v.issuer(),
            Self::Remote(v) => v.issuer(),
        }
    }

    /// The client id tokens must be for.
    pub fn client_id(&self) -> &str {
        match self {
            Self::Local(v) => v.client_id(),
            Self::Remote(v) => v.client_id(),
        }
    }

    /// Whether keys are loaded and usable: always for local keys; for a remote set,
    /// fresh or stale within its limit (`false` once an outage outlasts it).
    pub fn ready(&self) -> bool {
        match self {
            Self::Local(_) => true,
            Self::Remote(v) => v.keys_usable(),
        }
    }
}

impl From<Verifier> for TokenVerifier {
    fn from(verifier: Verifier) -> Self {
        Self::Local(verifier)
    }
}

impl From<RemoteVerifier> for TokenVerifier {
    fn from(verifier: RemoteVerifier) -> Self {
        Self::Remote(verifier)
    }
}

/// The OpenID Provider: its endpoints and the verifier for its tokens.
#[derive(Debug, Clone)]
pub struct Provider {
    metadata: ProviderMetadata,
    verifier: TokenVerifier,
}

impl Provider {
    /// Discovers the provider from its issuer URL (OpenID Connect Discovery) and
    /// fetches its keys, cached and refreshed by a [`RemoteVerifier`]. Needs a
    /// tokio runtime.
    ///
    /// # Errors
    /// The core's discovery and fetch errors (`jwks_unreachable`,
    /// `discovery_issuer_mismatch`, `insecure_url`, …).
    pub async fn discover(issuer: &str, client_id: &str) -> Result<Self, Error> {
        Self::discover_with(issuer, client_id, |builder| builder).await
    }

    /// [`discover`](Self::discover), with the verifier's settings adjusted by
    /// `configure` (a token cache, algorithms, cache and fetch settings, …).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), stepup_axum::Error> {
    /// let provider = stepup_axum::Provider::discover_with("https://login.example.com", "my-api", |b| {
    ///     b.with_token_cache(stepup::TokenCacheSettings::default())
    /// })
    /// .await?;
    /// # let _ = provider; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`discover`](Self::discover).
    pub async fn discover_with(
        issuer: &str,
        client_id: &str,
        configure: impl FnOnce(RemoteVerifierBuilder) -> RemoteVerifierBuilder,
    ) -> Result<Self, Error> {
        let metadata = stepup::discover(issuer, &FetchSettings::default()).await?;
        let builder = RemoteVerifier::builder(
            issuer,
            client_id,
            KeySource::JwksUrl(metadata.jwks_uri.clone()),
        );
        let verifier = configure(builder).build().await?;
        Self::new(metadata, verifier)
    }

    /// A provider from its metadata and a verifier of your choosing (for example a
    /// local [`Verifier`] in tests).
    ///
    /// # Errors
    /// `invalid_config` when the verifier's issuer is not the metadata's.
    pub fn new(
        metadata: ProviderMetadata,
        verifier: impl Into<TokenVerifier>,
    ) -> Result<Self, Error> {
        let verifier = verifier.into();
        if verifier.issuer() != metadata.issuer {
            return Err(Error::config(
                "provider",
                format!(
                    "the verifier checks tokens from {:?} but the provider metadata is for {:?}; \
                     use the same issuer for both",
                    verifier.issuer(),
                    metadata.issuer
                ),
            ));
        }
        Ok(Self { metadata, verifier })
    }

    /// The provider's endpoints.
    pub fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    /// The verifier of its ID tokens.
    pub fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1). The default.
    #[default]
    SecretBasic,
    /// `client_id` and `client_secret` in the form body.
    SecretPost,
}

/// The application as a client of the provider.
#[derive(Clone)]
pub struct Client {
    pub(crate) id: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) redirect_uri: String,
    pub(crate) auth: ClientAuth,
}

impl Client {
    /// A confidential client with a secret; `redirect_uri` is the absolute callback
    /// URL registered at the provider (its path is where the callback is served).
    pub fn confidential(
        id: impl Into<String>,
        secret: Secret,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            secret: Some(secret),
            redirect_uri: redirect_uri.into(),
            auth: ClientAuth::default(),
        }
    }

    /// A public client (no secret): PKCE alone protects the code.
    pub fn public(id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: None,
            redirect_uri: redirect_uri.into(),
            auth: ClientAuth::default(),
        }
    }

    /// How to authenticate at the token endpoint. Default [`ClientAuth::SecretBasic`].
    pub fn with_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// The client id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("redirect_uri", &self.redirect_uri)
            .field("auth", &self.auth)
            .finish()
    }
}

/// The clock requests are judged by. Default: the system clock.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> UnixTime + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(UnixTime::now))
    }

    /// A clock that reads `now` from a function (tests, replays).
    pub fn from_fn(now: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> UnixTime {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Which Bearer tokens API clients may send.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum BearerTokens {
    /// ID tokens, checked with the provider's verifier. The default.
    #[default]
    IdToken,
    /// RFC 9068 access tokens, checked with this verifier (built with
    /// `TokenKind::AccessToken` and the API's audience).
    AccessToken(TokenVerifier),
    /// No Bearer tokens: only the session cookie counts.
    Refused,
}

/// Step-up authentication for an axum app: build once, then protect routes with
/// [`StepUp::require`] and serve the login flow with [`StepUp::routes`].
///
/// Cheap to clone (shared inside). See the crate docs for an example.
#[derive(Debug, Clone)]
pub struct StepUp {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) provider: Provider,
    pub(crate) client: Client,
    pub(crate) keys: SessionKeys,
    pub(crate) cookies: CookieNames,
    pub(crate) mfa: MfaRequest,
    pub(crate) session_lifetime: u64,
    pub(crate) login_path: String,
    pub(crate) logout_path: String,
    pub(crate) callback_path: String,
    pub(crate) post_logout_redirect: String,
    pub(crate) scopes: String,
    pub(crate) realm: String,
    pub(crate) clock: Clock,
    pub(crate) bearer: BearerTokens,
    pub(crate) token_endpoint: TokenEndpoint,
    pub(crate) retry_after: u64,
    /// No browser flow: every request is answered as an API client's.
    pub(crate) api_only: bool,
    /// The app's origin (the redirect URI's): cookie-authenticated unsafe requests
    /// must come from it.
    pub(crate) origin: String,
    /// Absolute return URLs are accepted on this origin (gateway).
    pub(crate) return_origin: Option<String>,
    /// Where the login start learns what a page needs (gateway: its rules).
    pub(crate) need_for: Option<NeedResolver>,
}

/// Looks up the policy of the page at a return URL (`None`: nothing but a login).
#[derive(Clone)]
// The one place this function type is spelled; an alias would only move it.
#[allow(clippy::type_complexity)]
pub struct NeedResolver(Arc<dyn Fn(&str) -> Option<Policy> + Send + Sync>);

impl NeedResolver {
    /// A resolver from a function of the return URL.
    pub fn new(resolve: impl Fn(&str) -> Option<Policy> + Send + Sync + 'static) -> Self {
        Self(Arc::new(resolve))
    }

    pub(crate) fn resolve(&self, return_to: &str) -> Option<Policy> {
        (self.0)(return_to)
    }
}

impl fmt::Debug for NeedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NeedResolver")
    }
}

/// Settings of a [`StepUp`], each with a documented default.
#[derive(Debug)]
pub struct StepUpBuilder {
    provider: Provider,
    client: Client,
    keys: SessionKeys,
    profile: Profile,
    mfa_acr_values: Option<Vec<String>>,
    session_lifetime: u64,
    login_path: String,
    logout_path: String,
    post_logout_redirect: Option<String>,
    scopes: Vec<String>,
    realm: Option<String>,
    clock: Clock,
    bearer: BearerTokens,
    return_origin: Option<String>,
    need_for: Option<NeedResolver>,
}

impl StepUp {
    /// Starts building from the provider, the client and the session keys.
    pub fn builder(provider: Provider, client: Client, keys: SessionKeys) -> StepUpBuilder {
        StepUpBuilder {
            provider,
            client,
            keys,
            profile: Profile::Generic,
            mfa_acr_values: None,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            login_path: "/login".into(),
            logout_path: "/logout".into(),
            post_logout_redirect: None,
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            realm: None,
            clock: Clock::system(),
            bearer: BearerTokens::default(),
            return_origin: None,
            need_for: None,
        }
    }

    /// For an API that accepts only Bearer tokens: no browser login, no sessions.
    /// Every refused request gets an API answer (401 with `WWW-Authenticate`, 503),
    /// whatever its `Accept` header says.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), stepup_axum::Error> {
    /// let provider = stepup_axum::Provider::discover("https://login.example.com", "my-api").await?;
    /// let stepup = stepup_axum::StepUp::for_api(provider)?;
    /// # let _ = stepup; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `invalid_session_key` if the system has no randomness (for the unused keys).
    pub fn for_api(provider: Provider) -> Result<Self, Error> {
        let client_id = provider.verifier().client_id().to_owned();
        // The flow is never served: the client and keys only fill the slots.
        let client = Client::public(client_id, "http://127.0.0.1/unused-callback");
        let mut stepup = Self::builder(provider, client, SessionKeys::generate()?).build()?;
        if let Some(inner) = Arc::get_mut(&mut stepup.inner) {
            inner.api_only = true;
        }
        Ok(stepup)
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.inner.provider
    }

    /// The clock requests are judged by.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The path of the login start (`/login` by default).
    pub fn login_path(&self) -> &str {
        &self.inner.login_path
    }

    /// The path of logout (`/logout` by default).
    pub fn logout_path(&self) -> &str {
        &self.inner.logout_path
    }
}

impl StepUpBuilder {
    /// The provider profile, which decides how a step-up is asked for: the PAPE
    /// multi-factor `acr_values` for `auth0` (and the development provider), Okta's
    /// `urn:okta:loa:2fa:any`, the level for `keycloak:<level>`, `prompt=login` for
    /// `generic` and `cognito`. Default [`Profile::Generic`]. It never decides
    /// whether a login is good enough: the route's policy does.
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Overrides the `acr_values` sent to ask for multi-factor (the profile's by default).
    pub fn with_mfa_acr_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.mfa_acr_values = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// Seconds a session lasts after login. Default 12 hours.
    pub fn with_session_lifetime(mut self, seconds: u64) -> Self {
        self.session_lifetime = seconds;
        self
    }

    /// Where the login start and logout are served. Defaults `/login`, `/logout`.
    pub fn with_paths(mut self, login: impl Into<String>, logout: impl Into<String>) -> Self {
        self.login_path = login.into();
        self.logout_path = logout.into();
        self
    }

    /// Where the provider sends the browser after logout. Default: the root of the
    /// redirect URI's origin (`https://app.example/`).
    pub fn with_post_logout_redirect(mut self, url: impl Into<String>) -> Self {
        self.post_logout_redirect = Some(url.into());
        self
    }

    /// The scopes requested. Default `openid profile email`; `openid` is required.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The `realm` of `WWW-Authenticate`. Default: the client id.
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// The clock. Default [`Clock::system`].
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Which Bearer tokens are accepted. Default [`BearerTokens::IdToken`].
    pub fn with_bearer(mut self, bearer: BearerTokens) -> Self {
        self.bearer = bearer;
        self
    }

    /// Lets the login start return to absolute URLs on `origin` (such as
    /// `https://app.example.com`), as a gateway in front of another app needs.
    /// Default: same-origin paths only.
    pub fn with_return_origin(mut self, origin: impl Into<String>) -> Self {
        self.return_origin = Some(origin.into());
        self
    }

    /// Has the login start ask `resolver` what the page at the return URL needs,
    /// instead of reading it from the login URL (a gateway resolves it from its rules).
    pub fn with_need_resolver(mut self, resolver: NeedResolver) -> Self {
        self.need_for = Some(resolver);
        self
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// `invalid_config` naming the setting: a client id other than the verifier's,
    /// a redirect URI that is not an absolute `https` URL (plain `http` only to
    /// loopback), a lifetime of 0 or over a year, paths that do not start with `/`,
    /// scopes without `openid`, a post-logout URL that is not absolute.
    pub fn build(self) -> Result<StepUp, Error> {
        let verifier = self.provider.verifier();
        if verifier.client_id() != self.client.id {
            return Err(Error::config(
                "client",
                format!(
                    "the client id is {:?} but the verifier checks tokens for {:?}; use the same id",
                    self.client.id,
                    verifier.client_id()
                ),
            ));
        }
        let redirect = checked_url("redirect_uri", &self.client.redirect_uri)?;
        let secure = redirect.scheme() == "https";
        if self.session_lifetime == 0 || self.session_lifetime > 366 * 86_400 {
            return Err(Error::config(
                "session_lifetime",
                format!(
                    "{} seconds: use between 1 second and one year (default 12 hours)",
                    self.session_lifetime
                ),
            ));
        }
        for (setting, path) in [
            ("login_path", &self.login_path),
            ("logout_path", &self.logout_path),
        ] {
            if crate::return_path::same_origin_path(path).is_none() || path.contains('?') {
                return Err(Error::config(
                    setting,
                    format!("{path:?} must be an absolute path such as \"/login\""),
                ));
            }
        }
        let callback_path = redirect.path();
        if callback_path == self.login_path
            || callback_path == self.logout_path
            || self.login_path == self.logout_path
        {
            return Err(Error::config(
                "paths",
                format!(
                    "the callback ({callback_path}), login ({}) and logout ({}) paths must differ",
                    self.login_path, self.logout_path
                ),
            ));
        }
        if !self.scopes.iter().any(|s| s == "openid")
            || self.scopes.iter().any(|s| s.is_empty() || s.contains(' '))
        {
            return Err(Error::config(
                "scopes",
                "the scopes must include \"openid\" and each be one word",
            ));
        }
        let post_logout_redirect = match self.post_logout_redirect {
            Some(url) => checked_url("post_logout_redirect", &url)?.to_string(),
            None => format!("{}/", redirect.origin().ascii_serialization()),
        };
        let mfa = match self.mfa_acr_values {
            Some(values) => MfaRequest {
                prompt_login: values.is_empty(),
                acr_values: values,
            },
            None => MfaRequest::for_profile(&self.profile),
        };
        let token_endpoint = TokenEndpoint::new(&self.provider.metadata().token_endpoint)?;
        Ok(StepUp {
            inner: Arc::new(Inner {
                cookies: CookieNames::new(secure, redirect.port_or_known_default().unwrap_or(80)),
                callback_path: redirect.path().to_owned(),
                realm: self.realm.unwrap_or_else(|| self.client.id.clone()),
                provider: self.provider,
                client: self.client,
                keys: self.keys,
                mfa,
                session_lifetime: self.session_lifetime,
                login_path: self.login_path,
                logout_path: self.logout_path,
                post_logout_redirect,
                scopes: self.scopes.join(" "),
                clock: self.clock,
                bearer: self.bearer,
                token_endpoint,
                retry_after: 10,
                api_only: false,
                origin: redirect.origin().ascii_serialization(),
                return_origin: self.return_origin,
                need_for: self.need_for,
            }),
        })
    }
}

/// An absolute `https` URL, or plain `http` to a loopback host.
fn checked_url(setting: &'static str, text: &str) -> Result<url::Url, Error> {
    // The core's rule for every URL stepup talks to: https, or http only to loopback.
    let url = stepup::checked_url(text).map_err(|e| {
        Error::config(
            setting,
            format!("{text:?}: {e} (https, or plain http only to localhost or 127.0.0.1)"),
        )
    })?;
    if url.fragment().is_some() || url.query().is_some() {
        return Err(Error::config(
            setting,
            format!("{text:?} must have no query or fragment"),
        ));
    }
    Ok(url)
}
