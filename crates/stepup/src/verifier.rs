//! The verifier: configuration checked once, then pure verification of tokens.

use std::sync::Arc;

use crate::alg::{Alg, AlgSet};
use crate::error::{Error, Part, Shown};
use crate::jws::{self, TokenKind};
use crate::key::KeySet;
use crate::policy::{Decision, Policy};
use crate::scan::{self, Member};
use crate::time::UnixTime;
use crate::token_cache::{TokenCache, TokenCacheSettings, TokenCacheStats};
use crate::validate;
pub use crate::verified::VerifiedToken;

/// Default leeway for clock skew, in seconds (docs/verification-rules.md).
pub const DEFAULT_LEEWAY: u64 = 60;

/// Bounds on the work one token, and one key set, may cause.
///
/// With the defaults, a token costs at most four signature checks however it is
/// made and whatever key set it meets:
///
/// ```
/// use stepup::{KeySet, Limits, Secret, Verifier};
///
/// let keys = KeySet::from_secret(&Secret::new("this-client-secret-is-32-bytes!!"))?;
/// let verifier = Verifier::builder("https://login.example.com", "my-app", keys)
///     .with_limits(Limits {
///         max_keys: 20,
///         max_signature_attempts: 2,
///         ..Limits::default()
///     })
///     .build()?;
/// # Ok::<(), stepup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest token accepted, in bytes. Default 64 KiB: ID tokens are a few KiB at most.
    pub max_token_len: usize,
    /// Deepest JSON nesting accepted in header and payload (top-level object = 1).
    /// Default 64; at most 100, below serde_json's own recursion limit.
    pub max_json_depth: usize,
    /// Most usable keys a JWK Set may hold; a larger set is refused as a whole
    /// (`too_many_keys` when the verifier is built; from a JWKS URL, a failed fetch,
    /// `jwks_invalid`, and the last good set stays in use). Default 100: providers
    /// publish a handful (two or three around a rotation, a dozen at the most), and
    /// a set of thousands only adds work to every verification. At least 1.
    pub max_keys: usize,
    /// Most signature checks one token may cost. A token is checked against every
    /// key of the set that fits its `kid` and `alg` (every compatible key when it has
    /// no `kid`); when more keys fit than this, none is tried and the token fails
    /// with `too_many_candidate_keys`. Default 4: a token without `kid` still
    /// verifies against a set of a few keys (current, next and previous around a
    /// rotation), and no token costs more than four verifications. At least 1.
    pub max_signature_attempts: usize,
}

/// Default [`Limits::max_keys`].
const DEFAULT_MAX_KEYS: usize = 100;
/// Default [`Limits::max_signature_attempts`].
const DEFAULT_MAX_SIGNATURE_ATTEMPTS: usize = 4;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_token_len: 64 * 1024,
            max_json_depth: 64,
            max_keys: DEFAULT_MAX_KEYS,
            max_signature_attempts: DEFAULT_MAX_SIGNATURE_ATTEMPTS,
        }
    }
}

/// Largest accepted `max_json_depth`.
const MAX_JSON_DEPTH: usize = 100;

/// Verifies ID tokens (or RFC 9068 access tokens) from one issuer for one client.
///
/// Built once with [`Verifier::builder`]; every configuration mistake is reported
/// by [`VerifierBuilder::build`], never on the first token. Cloning is cheap (the
/// configuration is shared) and verification takes no locks and does no I/O.
///
/// ```
/// use stepup::{KeySet, Secret, UnixTime, Verifier};
///
/// let secret = Secret::new("a-client-secret-of-at-least-32-bytes!!");
/// let verifier = Verifier::builder(
///     "https://issuer.example.com",
///     "my-client",
///     KeySet::from_secret(&secret)?,
/// )
/// .build()?;
/// let err = verifier.verify("not-a-token", UnixTime::now()).unwrap_err();
/// assert_eq!(err.code(), "malformed_token");
/// # Ok::<(), stepup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    keys: KeySet,
    cache: Option<TokenCache>,
}

/// The settings of a verifier, apart from its keys (which a remote key source swaps).
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) allowed: AlgSet,
    pub(crate) leeway: u64,
    pub(crate) kind: TokenKind,
    pub(crate) limits: Limits,
}

/// Builder for a [`Verifier`]; every setting has a documented default.
#[derive(Debug)]
pub struct VerifierBuilder {
    issuer: String,
    client_id: String,
    keys: KeySet,
    algorithms: Option<Vec<Alg>>,
    leeway: u64,
    kind: TokenKind,
    limits: Limits,
    cache: Option<TokenCacheSettings>,
}

impl VerifierBuilder {
    /// Restricts the accepted algorithms. Default: every algorithm the keys permit.
    /// Each listed algorithm must be usable by some key, or `build` fails.
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
    /// tokens up to 64 KiB, JSON 64 levels deep, at most 100 keys in the key set and
    /// 4 signature checks per token.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps verified tokens in a bounded cache, so a token seen again is not
    /// checked for its signature again (its claims are, at every call). Only
    /// [`Verifier::verify`] uses it, never the nonce-checking login path. Default: off.
    pub fn with_token_cache(mut self, settings: TokenCacheSettings) -> Self {
        self.cache = Some(settings);
        self
    }

    /// Checks the configuration and builds the verifier.
    ///
    /// # Errors
    /// `invalid_config` for an empty issuer or client id, out-of-range limits or leeway;
    /// `too_many_keys` for a key set with more usable keys than [`Limits::max_keys`];
    /// `alg_unusable` for an allowed algorithm no key can use; `no_usable_key` if the
    /// keys permit no algorithm.
    pub fn build(self) -> Result<Verifier, Error> {
        check_settings(&self.issuer, &self.client_id, self.leeway, self.limits)?;
        self.keys.check_size(self.limits.max_keys)?;
        let permitted = self.keys.algorithms();
        let allowed = match self.algorithms {
            None => permitted,
            Some(list) => {
                if list.is_empty() {
                    return Err(Error::config("the algorithm allow-list is empty"));
                }
                for alg in &list {
                    if !permitted.contains(*alg) {
                        return Err(Error::AlgUnusable {
                            alg: alg.name(),
                            reason: self.keys.refusal(*alg),
                        });
                    }
                }
                list.into_iter().collect()
            }
        };
        if allowed.is_empty() {
            return Err(Error::NoUsableKey {
                reason: "the configured keys permit no algorithm".into(),
            });
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                config: Config {
                    issuer: self.issuer,
                    client_id: self.client_id,
                    allowed,
                    leeway: self.leeway,
                    kind: self.kind,
                    limits: self.limits,
                },
                keys: self.keys,
                cache: self.cache.map(TokenCache::new),
            }),
        })
    }
}

/// The checks of the settings every verifier shares (local or remote keys).
pub(crate) fn check_settings(
    issuer: &str,
    client_id: &str,
    leeway: u64,
    limits: Limits,
) -> Result<(), Error> {
    if issuer.is_empty() {
        return Err(Error::config(
            "the issuer is empty; pass the provider's issuer URL",
        ));
    }
    if client_id.is_empty() {
        return Err(Error::config(
            "the client id (audience) is empty; pass your client id",
        ));
    }
    if limits.max_json_depth == 0 || limits.max_json_depth > MAX_JSON_DEPTH {
        return Err(Error::config(format!(
            "max JSON depth must be between 1 and {MAX_JSON_DEPTH}"
        )));
    }
    if limits.max_token_len == 0 {
        return Err(Error::config("max token length must be positive"));
    }
    if limits.max_keys == 0 {
        return Err(Error::config(
            "the most keys per key set (Limits::max_keys) must be at least 1",
        ));
    }
    if limits.max_signature_attempts == 0 {
        return Err(Error::config(
            "the most signature checks per token (Limits::max_signature_attempts) must be at least 1",
        ));
    }
    if leeway > 86_400 {
        return Err(Error::config(format!(
            "leeway of {leeway} s is over one day; clocks that far apart need fixing, not leeway"
        )));
    }
    Ok(())
}

impl Verifier {
    /// Starts building a verifier for tokens from `issuer` to `client_id`, checked with `keys`.
    pub fn builder(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        keys: KeySet,
    ) -> VerifierBuilder {
        VerifierBuilder {
            issuer: issuer.into(),
            client_id: client_id.into(),
            keys,
            algorithms: None,
            leeway: DEFAULT_LEEWAY,
            kind: TokenKind::IdToken,
            limits: Limits::default(),
            cache: None,
        }
    }

    /// Verifies `token` as of `now`: form, header, signature, then claims.
    ///
    /// # Errors
    /// A token-class [`Error`] saying the first rule the token breaks.
    pub fn verify(&self, token: &str, now: UnixTime) -> Result<VerifiedToken, Error> {
        self.verify_inner(token, now, None)
    }

    /// Like [`verify`](Self::verify), and also requires the `nonce` sent in the login request.
    ///
    /// # Errors
    /// As `verify`, plus `nonce_missing` or `nonce_mismatch`.
    pub fn verify_with_nonce(
        &self,
        token: &str,
        nonce: &str,
        now: UnixTime,
    ) -> Result<VerifiedToken, Error> {
        self.verify_inner(token, now, Some(nonce))
    }

    /// Verifies `token` and applies the step-up `policy`. The policy's own leeway
    /// (default 60 s, [`Policy::with_leeway`]) applies to its `max_age` check.
    ///
    /// ```
    /// # use stepup::{KeySet, Secret, UnixTime, Verifier, Policy};
    /// # let verifier = Verifier::builder("https://op", "c",
    /// #     KeySet::from_secret(&Secret::new([7u8; 32].to_vec()))?).build()?;
    /// match verifier.check("a.b.c", &Policy::default(), UnixTime::now()) {
    ///     Ok((token, decision)) if decision.is_satisfied() => { /* proceed */ }
    ///     Ok((_, decision)) => { /* send decision's challenge */ }
    ///     Err(error) => assert_eq!(error.code(), "invalid_base64"),
    /// }
    /// # Ok::<(), stepup::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`verify`](Self::verify); an unmet policy is a [`Decision`], not an error.
    pub fn check(
        &self,
        token: &str,
        policy: &Policy,
        now: UnixTime,
    ) -> Result<(VerifiedToken, Decision), Error> {
        let verified = self.verify(token, now)?;
        let decision = policy.decide_token(&verified, now);
        Ok((verified, decision))
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

    /// The key set.
    pub fn keys(&self) -> &KeySet {
        &self.inner.keys
    }

    /// Hits and misses of the token cache (zeros without one).
    pub fn token_cache_stats(&self) -> TokenCacheStats {
        self.inner
            .cache
            .as_ref()
            .map(TokenCache::stats)
            .unwrap_or_default()
    }

    /// The settings, for checks that run the verification steps themselves.
    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    fn verify_inner(
        &self,
        token: &str,
        now: UnixTime,
        nonce: Option<&str>,
    ) -> Result<VerifiedToken, Error> {
        match (&self.inner.cache, nonce) {
            // A local key set never changes: generation 0.
            (Some(cache), None) => {
                verify_cached(&self.inner.config, &self.inner.keys, cache, 0, token, now)
            }
            _ => verify_token(&self.inner.config, &self.inner.keys, token, now, nonce),
        }
    }
}

/// Logs a rejection once, at debug, on the fixed target `stepup::reject`, with its code.
/// The message names claim values but never the token or key material.
pub(crate) fn log_rejection(error: &Error) {
    tracing::debug!(target: "stepup::reject", code = error.code(), "{error}");
}

/// [`verify_token`] through `cache`: a token verified before with key set
/// `generation` has its claims checked again at `now`; its signature is not.
pub(crate) fn verify_cached(
    config: &Config,
    keys: &KeySet,
    cache: &TokenCache,
    generation: u64,
    token: &str,
    now: UnixTime,
) -> Result<VerifiedToken, Error> {
    if token.len() > config.limits.max_token_len {
        return verify_token(config, keys, token, now, None);
    }
    if let Some(hit) = cache.get(token, generation, now.as_secs()) {
        return match validate::claims(config, hit.claims_view(), now, None) {
            Ok(()) => Ok(hit),
            Err(error) => {
                log_rejection(&error);
                Err(error)
            }
        };
    }
    let verified = verify_token(config, keys, token, now, None)?;
    cache.insert(token, &verified, generation, config.leeway);
    Ok(verified)
}

/// The whole verification of one token against `config` and a key set snapshot.
pub(crate) fn verify_token(
    config: &Config,
    keys: &KeySet,
    token: &str,
    now: UnixTime,
    nonce: Option<&str>,
) -> Result<VerifiedToken, Error> {
    let result = verify_steps(config, keys, token, now, nonce);
    if let Err(error) = &result {
        log_rejection(error);
    }
    result
}

fn verify_steps(
    config: &Config,
    keys: &KeySet,
    token: &str,
    now: UnixTime,
    nonce: Option<&str>,
) -> Result<VerifiedToken, Error> {
    let limits = config.limits;
    let depth = limits.max_json_depth;
    // Form: exactly three canonical base64url parts within the size limit.
    let parts = jws::split_at_dots(token, limits.max_token_len)?;
    // One buffer holds the three decoded parts, one after the other; the header and
    // payload stay in it as the verified token's text.
    let jws::Decoded {
        mut buffer,
        lens,
        outcomes: [header_decoded, payload_decoded, signature_decoded],
    } = jws::decode_parts(&parts);
    // Cannot panic: the buffer is as long as the three parts together.
    let (header_text, rest) = buffer.split_at(lens[0]);
    let signature = rest.get(lens[1]..).unwrap_or_default();
    // A dot in the payload (a fourth part) fails its decoding and is reported as the
    // part count, before anything else; any other failure to decode a part waits for
    // its turn.
    if payload_decoded.is_err() {
        jws::extra_parts(&parts)?;
    }
    jws::check_nonempty(&parts)?;
    header_decoded?;
    let header = scan::header(header_text, depth)?;
    let alg = jws::check_members(&header, header_text, config.kind)?;
    // The payload is canonical base64url (checked before the signature), read after it.
    payload_decoded?;
    let kid = match header.kid {
        Some(Member::Text(kid)) => Some(kid.bytes(header_text)),
        _ => None,
    };
    let signature = signature_decoded.map(|()| signature);
    verify_signature(config, keys, alg, kid.as_deref(), &parts, signature)?;
    buffer.truncate(lens[0] + lens[1]);
    let token = VerifiedToken::read_claims(buffer, lens[0], alg, header, depth)?;
    validate::claims(config, token.claims_view(), now, nonce)?;
    Ok(token)
}

/// Checks `alg` against the allow-list and the keys, then the signature (whose
/// decoding error, if any, counts only after the allow-list). Refusals are marked
/// as the cold path, as in `validate::claims`.
pub(crate) fn verify_signature(
    config: &Config,
    keys: &KeySet,
    alg: Alg,
    kid: Option<&[u8]>,
    parts: &jws::Compact<'_>,
    signature: Result<&[u8], Error>,
) -> Result<(), Error> {
    // RFC 8725 §3.1: the algorithm must be allowed and match the key's type.
    if !config.allowed.contains(alg) {
        crate::error::cold_path();
        return Err(Error::AlgNotAllowed {
            alg: Shown::new(alg.name()),
            allowed: config.allowed.to_string(),
        });
    }
    let signature = signature?;
    // Counted before any is tried (up to one past the limit: the set may be large),
    // so that no token costs more than `max_signature_attempts` checks, and whether
    // a token is refused does not depend on the order of the keys.
    let max = config.limits.max_signature_attempts;
    match keys
        .candidates(alg, kid)
        .take(max.saturating_add(1))
        .count()
    {
        0 => {
            crate::error::cold_path();
            return Err(Error::KeyNotFound {
                kid: Shown::new(kid.map_or("(none)".into(), String::from_utf8_lossy)),
                alg: alg.name(),
            });
        }
        found if found > max => {
            crate::error::cold_path();
            return Err(Error::TooManyCandidateKeys {
                kid: kid.map(|kid| Shown::new(String::from_utf8_lossy(kid))),
                alg: alg.name(),
                candidates: keys.candidates(alg, kid).count(),
                max,
            });
        }
        _ => {}
    }
    let mut last = "no key matched";
    for key in keys.candidates(alg, kid) {
        match key.verify(alg, parts.signing_input, signature) {
            Ok(()) => return Ok(()),
            Err(reason) => last = reason,
        }
    }
    Err(Error::InvalidSignature { reason: last })
}

/// Parses a token's header and claims without verifying anything (for `stepup decode`
/// and for diagnostics). Never use the result for a decision.
///
/// # Errors
/// Any form or JSON error of the token.
pub fn decode_unverified(token: &str) -> Result<(serde_json::Value, serde_json::Value), Error> {
    let limits = Limits::default();
    let parts = jws::split(token, limits.max_token_len)?;
    let header = jws::decode(Part::Header, parts.header)?;
    let payload = jws::decode(Part::Payload, parts.payload)?;
    crate::json::check(&header, limits.max_json_depth, Part::Header)?;
    crate::json::check(&payload, limits.max_json_depth, Part::Payload)?;
    let parse =
        |part, bytes: &[u8]| serde_json::from_slice(bytes).map_err(|e| Error::json(part, &e));
    Ok((
        parse(Part::Header, &header)?,
        parse(Part::Payload, &payload)?,
    ))
}
