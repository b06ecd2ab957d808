//! Keys from the network (feature `remote`): a JWK Set URL, or OpenID Connect
//! discovery from the issuer, fetched over HTTPS, cached, refreshed and rotated.
//!
//! The public face is [`RemoteVerifier`], whose docs describe the behaviour.

mod cache;
pub(crate) mod discovery;
mod fetch;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

pub use cache::{CacheSettings, RemoteStats};
pub use discovery::{ProviderMetadata, discover};
pub use fetch::{FetchSettings, checked_url, is_loopback_url};

use self::cache::{Cache, Reason, Refetch, Seen};
use self::fetch::{Fetcher, parse_url, redact};
use crate::alg::{Alg, AlgSet, KeyFamily};
use crate::error::{Error, Part, Shown};
use crate::jws::{self, TokenKind};
use crate::key::KeySet;
use crate::policy::{Decision, Policy};
use crate::time::UnixTime;
use crate::token_cache::{TokenCache, TokenCacheSettings, TokenCacheStats};
use crate::verifier::{self, Config, DEFAULT_LEEWAY, Limits, VerifiedToken};

/// Where a remote verifier gets its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// A JWK Set URL: `https://…`, or `http://` to 127.0.0.0/8, `[::1]` or `localhost`.
    JwksUrl(String),
    /// OpenID Connect discovery from the issuer: the `jwks_uri` of
    /// `{issuer}/.well-known/openid-configuration`, whose `issuer` must equal the
    /// configured issuer exactly. Discovery happens once, when the verifier is built.
    Discovery,
}

/// Fetches a key set once, without caching: for one-shot tools such as
/// `stepup verify --jwks URL` or `--discover`. Needs a tokio runtime.
///
/// `issuer` is used by [`KeySource::Discovery`] only.
///
/// # Errors
/// `invalid_config` or `insecure_url` for a URL that cannot be used,
/// `jwks_unreachable` (network, HTTP status, timeout, refused redirect),
/// `jwks_invalid` (not a JWK Set, over the size limit, no usable key),
/// `discovery_issuer_mismatch`.
pub async fn fetch_key_set(
    source: &KeySource,
    issuer: &str,
    settings: &FetchSettings,
) -> Result<KeySet, Error> {
    let fetcher = Fetcher::new(settings)?;
    let url = resolve(source, issuer, &fetcher).await?;
    let (keys, _) = fetcher.key_set(&url).await?;
    Ok(keys)
}

/// [`fetch_key_set`] for code that does not run async: it runs the fetch on a
/// private single-threaded runtime. Must not be called from inside a tokio runtime.
///
/// ```no_run
/// use stepup::{FetchSettings, KeySource, Verifier, fetch_key_set_blocking};
///
/// let issuer = "https://login.example.com";
/// let keys = fetch_key_set_blocking(&KeySource::Discovery, issuer, &FetchSettings::default())?;
/// let verifier = Verifier::builder(issuer, "my-app", keys).build()?;
/// # Ok::<(), stepup::Error>(())
/// ```
///
/// # Errors
/// As [`fetch_key_set`]; `invalid_config` when called inside a tokio runtime.
pub fn fetch_key_set_blocking(
    source: &KeySource,
    issuer: &str,
    settings: &FetchSettings,
) -> Result<KeySet, Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::config(
            "fetch_key_set_blocking was called inside an async runtime; await fetch_key_set instead",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::config(format!("cannot start a runtime for the fetch: {e}")))?;
    runtime.block_on(fetch_key_set(source, issuer, settings))
}

/// Verifies tokens from one issuer for one client with keys fetched from the
/// network and cached.
///
/// It verifies exactly like a [`Verifier`](crate::Verifier),
/// against a snapshot of the provider's current key set:
///
/// - Verification reads the snapshot without waiting on anything; a worker task
///   refreshes it in the background before it expires, honouring the response's
///   `Cache-Control: max-age` between a floor and a ceiling ([`CacheSettings`]).
/// - A token whose `kid` is unknown causes one refetch at most per cooldown, and
///   all verifications that need it share that one fetch. A `kid` still unknown
///   after a fetch that started after the token arrived is remembered until the
///   next fetch, and fails at once; once the cooldown has passed, it may cause
///   that next fetch itself (so a key published later is found).
/// - When a refresh fails, the last good set keeps being used up to a staleness
///   limit (stale-if-error); past it, verification fails closed with
///   `keys_unavailable`. While the provider cannot be reached, a token whose `kid`
///   is not in the last good set also gets `keys_unavailable` (503), not
///   `key_not_found`: the key may well exist.
/// - Fetches are bounded ([`FetchSettings`]): `https` only (plain `http` only to
///   loopback addresses), connect and total timeouts, a body size limit, a few
///   redirects and never to another scheme. Keys that break the rules (weak,
///   unsupported, `oct`) are skipped with a warning; a set without a usable key, or
///   with more than [`Limits::max_keys`] (default 100), is an error like an
///   unreachable provider. No key is ever taken from a token.
/// - A token costs at most [`Limits::max_signature_attempts`] signature checks
///   (default 4), whatever the key set: one whose `kid` (or lack of one) fits more
///   keys fails with `too_many_candidate_keys`, and causes no refetch.
///
/// ```no_run
/// use stepup::{KeySource, Policy, RemoteVerifier, UnixTime};
///
/// # async fn handle(token: &str) -> Result<(), stepup::Error> {
/// // Once, at startup (inside a tokio runtime): discovery, then the first fetch.
/// let verifier = RemoteVerifier::builder(
///     "https://login.example.com",
///     "my-app",
///     KeySource::Discovery,
/// )
/// .build()
/// .await?;
///
/// // Per request; clones share the cache.
/// let (verified, decision) = verifier.check(token, &Policy::default(), UnixTime::now()).await?;
/// if !decision.is_satisfied() {
///     // send the RFC 9470 challenge of `decision`
/// }
/// # let _ = verified;
/// # Ok(()) }
/// ```
///
/// Built once with [`RemoteVerifier::builder`] (or [`from_jwks_url`](Self::from_jwks_url),
/// [`discover`](Self::discover)) inside a tokio runtime; the background refresh
/// runs on that runtime and stops when the last clone is dropped. Cloning is cheap.
/// The checks are those of [`Verifier`](crate::Verifier); the allowed algorithms
/// default to every asymmetric one (RS*, PS*, ES*, EdDSA, Ed25519), since a JWK
/// Set never provides shared secrets. The cache keeps its own time with tokio's
/// clock; token validity is judged at the `now` passed in, as everywhere.
#[derive(Debug, Clone)]
pub struct RemoteVerifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    cache: Arc<Cache>,
    /// Verified Bearer tokens, per key set generation.
    tokens: Option<TokenCache>,
    /// The JWKS URL for messages (redacted: no user info, no query).
    jwks_url: String,
}

/// Builder for a [`RemoteVerifier`]; every setting has a documented default.
#[derive(Debug)]
pub struct RemoteVerifierBuilder {
    issuer: String,
    client_id: String,
    source: KeySource,
    algorithms: Option<Vec<Alg>>,
    leeway: u64,
    kind: TokenKind,
    limits: Limits,
    fetch: FetchSettings,
    cache: CacheSettings,
    tokens: Option<TokenCacheSettings>,
}

impl RemoteVerifierBuilder {
    /// Restricts the accepted algorithms. Default: every asymmetric algorithm
    /// (the keys of the current set still decide which fit).
    ///
    /// Unlike a local [`Verifier`](crate::Verifier), which refuses an allow-list
    /// with an algorithm none of its keys can serve, a remote verifier only
    /// requires the list to overlap the algorithms of the key set it fetched
    /// first (otherwise `build` fails with `no_usable_key`): keys rotate, so an
    /// algorithm without a key today may have one tomorrow. A token is still
    /// verified only with an allowed algorithm and a key of the current set that
    /// permits it.
    ///
    /// HS* are always refused (`alg_unusable`): a JWK Set never provides shared
    /// secrets (`oct` keys are skipped).
    pub fn with_algorithms(mut self, algorithms: impl IntoIterator<Item = Alg>) -> Self {
        self.algorithms = Some(algorithms.into_iter().collect());
        self
    }

    /// Clock-skew leeway in seconds for `exp`, `iat` and `nbf`. Default 60.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// The kind of token to expect. Default [`TokenKind::IdToken`].
    pub fn with_token_kind(mut self, kind: TokenKind) -> Self {
        self.kind = kind;
        self
    }

    /// Size, depth, key-set and signature-check limits. Default [`Limits::default`]:
    /// tokens up to 64 KiB, JSON 64 levels deep, at most 100 keys in a fetched key
    /// set and 4 signature checks per token.
    ///
    /// A fetched JWK Set with more usable keys than [`Limits::max_keys`] is refused
    /// like any unusable answer (`jwks_invalid`): the first fetch fails `build`, a
    /// later one leaves the last good set in use (stale-if-error, then
    /// `keys_unavailable`).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Limits of each HTTP request. Default [`FetchSettings::default`].
    pub fn with_fetch_settings(mut self, settings: FetchSettings) -> Self {
        self.fetch = settings;
        self
    }

    /// Caching, refresh and staleness. Default [`CacheSettings::default`].
    pub fn with_cache_settings(mut self, settings: CacheSettings) -> Self {
        self.cache = settings;
        self
    }

    /// Keeps verified tokens in a bounded cache for the current key set, so a token
    /// seen again is not checked for its signature again (its claims are, at every
    /// call, and the key set must still be usable). A new key set flushes it. Only
    /// [`RemoteVerifier::verify`] uses it, never the nonce-checking login path.
    /// Default: off.
    pub fn with_token_cache(mut self, settings: TokenCacheSettings) -> Self {
        self.tokens = Some(settings);
        self
    }

    /// Checks the settings, runs discovery if asked, fetches the first key set and
    /// starts the background refresh on the current tokio runtime.
    ///
    /// Settings are checked before anything is fetched.
    ///
    /// # Errors
    /// Configuration: `invalid_config`, `alg_unusable` (an HS* algorithm),
    /// `insecure_url`, `discovery_issuer_mismatch`, `no_usable_key` (the first key
    /// set permits none of the allowed algorithms). The provider:
    /// `jwks_unreachable`, `jwks_invalid`.
    pub async fn build(self) -> Result<RemoteVerifier, Error> {
        verifier::check_settings(&self.issuer, &self.client_id, self.leeway, self.limits)?;
        self.cache.check()?;
        let allowed = remote_algorithms(self.algorithms)?;
        let fetcher = Fetcher::new(&self.fetch)?.with_max_keys(self.limits.max_keys);
        if let KeySource::JwksUrl(url) = &self.source {
            // Refuse a bad URL before any request (discovery checks the issuer's).
            parse_url(url)?;
        }
        let url = resolve(&self.source, &self.issuer, &fetcher).await?;
        let cache = Cache::start(url, fetcher, self.cache).await?;
        let jwks_url = redact(cache.url().as_str());
        let permitted = cache.keys().algorithms();
        if permitted.intersection(allowed).is_empty() {
            return Err(Error::NoUsableKey {
                reason: format!(
                    "the keys from {jwks_url} permit {permitted}, none of the allowed algorithms ({allowed})"
                ),
            });
        }
        Ok(RemoteVerifier {
            inner: Arc::new(Inner {
                config: Config {
                    issuer: self.issuer,
                    client_id: self.client_id,
                    allowed,
                    leeway: self.leeway,
                    kind: self.kind,
                    limits: self.limits,
                },
                cache,
                tokens: self.tokens.map(TokenCache::new),
                jwks_url,
            }),
        })
    }
}

impl RemoteVerifier {
    /// Starts building a verifier for tokens from `issuer` to `client_id`, with
    /// keys from `source`.
    pub fn builder(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        source: KeySource,
    ) -> RemoteVerifierBuilder {
        RemoteVerifierBuilder {
            issuer: issuer.into(),
            client_id: client_id.into(),
            source,
            algorithms: None,
            leeway: DEFAULT_LEEWAY,
            kind: TokenKind::IdToken,
            limits: Limits::default(),
            fetch: FetchSettings::default(),
            cache: CacheSettings::default(),
            tokens: None,
        }
    }

    /// A verifier with keys from the JWK Set at `jwks_url` and default settings.
    ///
    /// # Errors
    /// As [`RemoteVerifierBuilder::build`].
    pub async fn from_jwks_url(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        jwks_url: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::builder(issuer, client_id, KeySource::JwksUrl(jwks_url.into()))
            .build()
            .await
    }

    /// A verifier with keys found by OpenID Connect discovery from `issuer`, and
    /// default settings.
    ///
    /// # Errors
    /// As [`RemoteVerifierBuilder::build`].
    pub async fn discover(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::builder(issuer, client_id, KeySource::Discovery)
            .build()
            .await
    }

    /// Verifies `token` as of `now` with the current keys.
    ///
    /// With a warm cache this does not wait: it reads the key set snapshot and
    /// verifies. Only a token whose `kid` is not in the set waits (at most
    /// [`CacheSettings::with_max_wait`]) for a refetch, subject to the cooldown.
    ///
    /// # Errors
    /// A token-class [`Error`] as for [`Verifier::verify`](crate::Verifier::verify);
    /// `keys_unavailable` when no key set can be used (stale past the limit, or
    /// the keys the token needs could not be fetched in time).
    pub async fn verify(&self, token: &str, now: UnixTime) -> Result<VerifiedToken, Error> {
        self.verify_inner(token, now, None).await
    }

    /// Like [`verify`](Self::verify), and also requires the `nonce` sent in the login request.
    ///
    /// # Errors
    /// As `verify`, plus `nonce_missing` or `nonce_mismatch`.
    pub async fn verify_with_nonce(
        &self,
        token: &str,
        nonce: &str,
        now: UnixTime,
    ) -> Result<VerifiedToken, Error> {
        self.verify_inner(token, now, Some(nonce)).await
    }

    /// Verifies `token` and applies the step-up `policy`.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); an unmet policy is a [`Decision`], not an error.
    pub async fn check(
        &self,
        token: &str,
        policy: &Policy,
        now: UnixTime,
    ) -> Result<(VerifiedToken, Decision), Error> {
        let verified = self.verify(token, now).await?;
        let decision = policy.decide_token(&verified, now);
        Ok((verified, decision))
    }

    /// Fetches the key set now (or joins the fetch in flight), ignoring the
    /// cooldown, and waits for it.
    ///
    /// # Errors
    /// The fetch error (`jwks_unreachable`, `jwks_invalid`); the last good key set
    /// stays in use.
    pub async fn refresh(&self) -> Result<(), Error> {
        let cache = &self.inner.cache;
        let wait = cache.settings().max_wait().max(cache.fetch_timeout()) + Duration::from_secs(1);
        match cache.refetch(Reason::Manual, wait).await {
            Refetch::Done => Ok(()),
            Refetch::Failed(Some(error)) => Err((*error).clone()),
            Refetch::Failed(None) | Refetch::Cooldown { .. } => {
                Err(cache.unavailable_error("the refresh failed".into()))
            }
            Refetch::TimedOut(wait) => {
                Err(cache.unavailable_error(format!("no key set arrived within {wait:.0?}")))
            }
        }
    }

    /// Whether verification can use the current key set: it is fresh, or stale
    /// within the staleness limit. `false` once a provider outage has outlasted that
    /// limit (verification then fails closed with `keys_unavailable`): what a
    /// readiness check should report.
    pub fn keys_usable(&self) -> bool {
        self.inner.cache.usable()
    }

    /// Counters and the state of the key set, for metrics and health checks.
    pub fn stats(&self) -> RemoteStats {
        self.inner.cache.stats()
    }

    /// Hits and misses of the token cache (zeros without one).
    pub fn token_cache_stats(&self) -> TokenCacheStats {
        self.inner
            .tokens
            .as_ref()
            .map(TokenCache::stats)
            .unwrap_or_default()
    }

    /// The current key set (whatever its age).
    pub fn keys(&self) -> Arc<KeySet> {
        self.inner.cache.keys()
    }

    /// The JWK Set URL in use (after discovery), as shown in messages: without
    /// user info, and with any query replaced by `?…`.
    pub fn jwks_url(&self) -> &str {
        &self.inner.jwks_url
    }

    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.inner.config.issuer
    }

    /// The configured client id.
    pub fn client_id(&self) -> &str {
        &self.inner.config.client_id
    }

    /// The accepted algorithms.
    pub fn algorithms(&self) -> AlgSet {
        self.inner.config.allowed
    }

    /// The leeway in seconds.
    pub fn leeway(&self) -> u64 {
        self.inner.config.leeway
    }

    async fn verify_inner(
        &self,
        token: &str,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> Result<VerifiedToken, Error> {
        match self.attempt(token, now, nonce) {
            (Err(error @ Error::KeyNotFound { .. }), Some(seen)) => {
                self.unknown_key(token, now, nonce, error, seen).await
            }
            (result, _) => result,
        }
    }

    /// Verifies against the current snapshot, which it describes too (`None` when
    /// no key set can be used). The hot path: no lock, no allocation beyond what
    /// verification itself does, no waiting.
    fn attempt(
        &self,
        token: &str,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> (Result<VerifiedToken, Error>, Option<Seen>) {
        let config = &self.inner.config;
        match self.inner.cache.current() {
            Ok(snapshot) => {
                let result = match (&self.inner.tokens, nonce) {
                    (Some(tokens), None) => verifier::verify_cached(
                        config,
                        &snapshot.keys,
                        tokens,
                        snapshot.generation,
                        token,
                        now,
                    ),
                    _ => verifier::verify_token(config, &snapshot.keys, token, now, nonce),
                };
                (result, Some(snapshot.seen()))
            }
            Err(error) => (Err(error), None),
        }
    }

    /// A token whose key is not in the set `seen`: the provider may have rotated.
    ///
    /// A kid still unknown after a fetch that started after this call is
    /// remembered for that key set, and refused without asking for a fetch while
    /// the cooldown lasts; after it, the kid may cause a refetch again.
    async fn unknown_key(
        &self,
        token: &str,
        now: UnixTime,
        nonce: Option<&str>,
        error: Error,
        seen: Seen,
    ) -> Result<VerifiedToken, Error> {
        let asked = tokio::time::Instant::now();
        let cache = &self.inner.cache;
        let Some((kid, alg)) = self.key_id(token) else {
            return Err(error);
        };
        if cache.known_missing(seen.generation, kid.as_deref(), alg) {
            // Known missing from the last good set; but while fetches fail, the key
            // may well exist by now: unavailable, not an invalid token.
            if cache.failing() {
                let shown_kid = Shown::new(kid.as_deref().unwrap_or("(none)"));
                return Err(cache.unavailable(format!(
                    "kid {shown_kid} is not in the last good key set and the key set cannot be fetched"
                )));
            }
            return Err(error);
        }
        // A newer set may already be in place; otherwise ask for one.
        if cache.generation() == seen.generation {
            let shown_kid = Shown::new(kid.as_deref().unwrap_or("(none)"));
            match cache
                .refetch(Reason::UnknownKid, cache.settings().max_wait())
                .await
            {
                Refetch::Done => {}
                Refetch::Cooldown { failing: false } => return Err(error),
                // The provider cannot be reached: the key may well exist.
                Refetch::Cooldown { failing: true } | Refetch::Failed(_) => {
                    return Err(cache.unavailable(format!(
                        "kid {shown_kid} is not in the last good key set and the key set cannot be fetched"
                    )));
                }
                Refetch::TimedOut(wait) => {
                    return Err(cache.unavailable(format!(
                        "no key set arrived within {wait:.0?} while looking for kid {shown_kid}"
                    )));
                }
            }
        }
        match self.attempt(token, now, nonce) {
            (Err(error @ Error::KeyNotFound { .. }), Some(seen)) => {
                cache.remember_missing(seen, asked, kid.as_deref(), alg);
                Err(error)
            }
            (result, _) => result,
        }
    }

    /// The `kid` and `alg` of a token that got as far as key selection.
    fn key_id(&self, token: &str) -> Option<(Option<String>, Alg)> {
        let config = &self.inner.config;
        let parts = jws::split(token, config.limits.max_token_len).ok()?;
        let bytes = jws::decode(Part::Header, parts.header).ok()?;
        let raw = jws::parse_header(&bytes, config.limits.max_json_depth).ok()?;
        let header = jws::check_header(raw, config.kind).ok()?;
        Some((header.kid, header.alg))
    }
}

/// The JWKS URL of `source`: as configured, or by discovery.
async fn resolve(source: &KeySource, issuer: &str, fetcher: &Fetcher) -> Result<Url, Error> {
    match source {
        KeySource::JwksUrl(url) => parse_url(url),
        KeySource::Discovery => discovery::jwks_uri(fetcher, issuer).await,
    }
}

/// The allowed algorithms of a remote verifier: every asymmetric one by default.
fn remote_algorithms(list: Option<Vec<Alg>>) -> Result<AlgSet, Error> {
    let asymmetric: AlgSet = Alg::ALL
        .into_iter()
        .filter(|alg| alg.key_family() != KeyFamily::Secret)
        .collect();
    let Some(list) = list else {
        return Ok(asymmetric);
    };
    if list.is_empty() {
        return Err(Error::config("the algorithm allow-list is empty"));
    }
    if let Some(alg) = list.iter().find(|alg| !asymmetric.contains(**alg)) {
        return Err(Error::AlgUnusable {
            alg: alg.name(),
            reason: "a JWK Set never provides shared secrets (oct keys are skipped)".into(),
        });
    }
    Ok(list.into_iter().collect())
}
