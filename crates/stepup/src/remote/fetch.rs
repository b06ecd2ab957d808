//! One bounded HTTP GET: allowed URLs only, timeouts, size limit, safe redirects.

use std::time::Duration;

use reqwest::header::{ACCEPT, AGE, CACHE_CONTROL, HeaderMap};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Client, Url};

use crate::error::Error;
use crate::key::KeySet;

/// Skipped keys logged one by one per fetch; the rest are counted in one line.
const MAX_SKIPPED_KEYS_LOGGED: usize = 8;

/// Limits on each HTTP request for a JWK Set or a discovery document.
///
/// ```
/// use std::time::Duration;
/// use stepup::FetchSettings;
///
/// let settings = FetchSettings::default()
///     .with_timeout(Duration::from_secs(5))
///     .with_max_body(256 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSettings {
    connect_timeout: Duration,
    timeout: Duration,
    max_body: usize,
    max_redirects: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            // A provider that cannot accept a connection in 5 s is down for our purposes.
            connect_timeout: Duration::from_secs(5),
            // The whole exchange, body included; a JWKS is a few KiB.
            timeout: Duration::from_secs(10),
            // Real key sets are a few KiB; 1 MiB leaves room for large RSA sets
            // and certificate chains while bounding what a hostile server can send.
            max_body: 1024 * 1024,
            // Providers redirect at most once or twice (e.g. to a CDN).
            max_redirects: 3,
        }
    }
}

impl FetchSettings {
    /// Time allowed to establish the connection (TCP and TLS). Default 5 s.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for the whole request, redirects and body included. Default 10 s.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Largest accepted response body in bytes. Default 1 MiB.
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Most redirects followed. Default 3; 0 refuses every redirect. A redirect
    /// that changes the scheme (`https` to `http` or `http` to `https`), or to a
    /// URL that is not allowed, is always refused.
    pub fn with_max_redirects(mut self, redirects: usize) -> Self {
        self.max_redirects = redirects;
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.connect_timeout.is_zero() || self.timeout.is_zero() {
            return Err(Error::config("fetch timeouts must be positive"));
        }
        if self.max_body == 0 {
            return Err(Error::config("the JWKS body limit must be positive"));
        }
        if self.max_redirects > 10 {
            return Err(Error::config(format!(
                "{} redirects is too many to follow; at most 10 are allowed",
                self.max_redirects
            )));
        }
        Ok(())
    }
}

/// A response body and the lifetime its headers grant.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    /// `Cache-Control: max-age` minus `Age`, if the server sent one.
    pub(crate) max_age: Option<Duration>,
}

/// An HTTP client set up with the limits of [`FetchSettings`].
///
/// Two clients: one that honours the environment's proxy settings (`HTTPS_PROXY`,
/// `ALL_PROXY`, `NO_PROXY`) for https URLs, where TLS still authenticates the origin
/// through a proxy, and one that never uses a proxy, for loopback URLs. Plain http is
/// allowed only to loopback because nothing on the way can read or alter it; sent to a
/// proxy, it could be answered with the proxy's own keys.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: Client,
    direct: Client,
    settings: FetchSettings,
    /// Most usable keys a fetched JWK Set may hold (`Limits::max_keys` of the verifier).
    max_keys: usize,
}

impl Fetcher {
    pub(crate) fn new(settings: &FetchSettings) -> Result<Self, Error> {
        settings.check()?;
        let max_redirects = settings.max_redirects;
        let builder = || {
            Client::builder()
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.timeout)
                .redirect(Policy::custom(move |attempt| {
                    redirect(attempt, max_redirects)
                }))
                .user_agent(concat!("stepup/", env!("CARGO_PKG_VERSION")))
        };
        let failed = |e: reqwest::Error| {
            Error::config(format!("cannot set up the HTTP client: {}", causes(&e)))
        };
        Ok(Self {
            client: builder().build().map_err(failed)?,
            direct: builder().no_proxy().build().map_err(failed)?,
            settings: settings.clone(),
            // A one-shot fetch leaves the limit to the verifier its keys go to.
            max_keys: usize::MAX,
        })
    }

    /// Refuses fetched JWK Sets with more than `max_keys` usable keys.
    pub(crate) fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys;
        self
    }

    /// The client for `url`: never through a proxy to a loopback host. (Redirects
    /// cannot leave loopback: they may not change the scheme, and plain http is only
    /// allowed to loopback.)
    fn client_for(&self, url: &Url) -> &Client {
        if is_loopback_url(url) {
            &self.direct
        } else {
            &self.client
        }
    }

    /// The total timeout of one request.
    pub(crate) fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// Fetches and parses a JWK Set. Keys that break the rules are skipped (and logged);
    /// a set with more usable keys than the limit is refused as a whole (`jwks_invalid`).
    pub(crate) async fn key_set(&self, url: &Url) -> Result<(KeySet, Option<Duration>), Error> {
        let fetched = self.get(url).await?;
        let invalid = |reason: String| Error::JwksInvalid {
            url: redact(url.as_str()),
            reason,
        };
        let text = std::str::from_utf8(&fetched.body)
            .map_err(|_| invalid("the body is not UTF-8 text".into()))?;
        let keys =
            KeySet::from_jwks_at_most(text, self.max_keys).map_err(|e| invalid(e.to_string()))?;
        // One line per skipped key, for the first few: a set can list thousands of keys
        // stepup cannot use, and every refresh would log them all again.
        for skipped in keys.skipped().iter().take(MAX_SKIPPED_KEYS_LOGGED) {
            tracing::warn!(
                target: "stepup::remote",
                url = %redact(url.as_str()),
                kid = skipped.kid.as_deref().unwrap_or("(none)"),
                code = skipped.reason.code(),
                reason = %skipped.reason,
                "JWKS key skipped",
            );
        }
        if let Some(more) = keys.skipped().len().checked_sub(MAX_SKIPPED_KEYS_LOGGED)
            && more > 0
        {
            tracing::warn!(
                target: "stepup::remote",
                url = %redact(url.as_str()),
                more,
                "JWKS keys skipped: {more} more not listed",
            );
        }
        Ok((keys, fetched.max_age))
    }

    /// GETs `url` (already checked by [`parse_url`]) within the limits.
    pub(crate) async fn get(&self, url: &Url) -> Result<Fetched, Error> {
        let unreachable = |reason: String| Error::JwksUnreachable {
            url: redact(url.as_str()),
            reason,
        };
        let mut response = self
            .client_for(url)
            .get(url.clone())
            .header(ACCEPT, "application/jwk-set+json, application/json")
            .send()
            .await
            .map_err(|e| unreachable(self.describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(unreachable(format!("the server answered HTTP {status}")));
        }
        let max_age = max_age(response.headers());
        let limit = self.settings.max_body;
        let too_large = || Error::JwksInvalid {
            url: redact(url.as_str()),
            reason: format!("the body is over the limit of {limit} bytes"),
        };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(self.describe(&e)))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { body, max_age })
    }

    /// A short cause for a failed request, without the URL (the error names it).
    fn describe(&self, error: &reqwest::Error) -> String {
        let mut cause = causes(error);
        // Without a source, the cause is reqwest's own message, which quotes the URL.
        if let Some(url) = error.url() {
            cause = cause.replace(url.as_str(), &redact(url.as_str()));
        }
        if error.is_timeout() {
            let limit = if error.is_connect() {
                self.settings.connect_timeout
            } else {
                self.settings.timeout
            };
            format!("no answer within the timeout of {limit:?} ({cause})")
        } else if error.is_redirect() {
            format!("redirect refused: {cause}")
        } else if error.is_connect() {
            format!("cannot connect ({cause})")
        } else {
            cause
        }
    }
}

/// Parses a URL and checks that stepup may talk to it: `https`, or plain `http` only
/// to a loopback host (127.0.0.0/8, `[::1]`, `localhost`). The rule for JWK Set and
/// discovery URLs, shared by the serving crates for redirect and issuer URLs.
///
/// ```
/// assert!(stepup::checked_url("https://login.example.com").is_ok());
/// assert!(stepup::checked_url("http://127.0.0.1:9000").is_ok());
/// assert_eq!(stepup::checked_url("http://login.example.com").unwrap_err().code(), "insecure_url");
/// ```
///
/// # Errors
/// `invalid_config` for text that is not a URL, `insecure_url` for another scheme or
/// plain http to a host that is not loopback.
pub fn checked_url(text: &str) -> Result<Url, Error> {
    parse_url(text)
}

/// Whether `url` names a loopback host (127.0.0.0/8, `[::1]`, `localhost`): such a
/// URL is never reached through a proxy.
pub fn is_loopback_url(url: &Url) -> bool {
    url.host_str().is_some_and(is_loopback)
}

/// Parses a configured or discovered URL and checks that keys may be fetched from it.
pub(crate) fn parse_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text).map_err(|e| {
        Error::config(format!(
            "{} is not a valid URL ({e}); give an absolute https:// URL",
            crate::error::Shown::new(redact(text))
        ))
    })?;
    allowed(&url).map_err(|reason| Error::InsecureUrl {
        url: redact(url.as_str()),
        reason,
    })?;
    Ok(url)
}

/// `https`, or `http` to a loopback address: nothing else may serve keys.
pub(crate) fn allowed(url: &Url) -> Result<(), String> {
    let Some(host) = url.host_str() else {
        return Err("it has no host".into());
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(format!(
            "plain http to {host} could be read and altered on the way"
        )),
        other => Err(format!("the scheme {other:?} is not supported")),
    }
}

/// 127.0.0.0/8, ::1 or `localhost` (the URL parser has already normalised the host).
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// A URL made safe for messages and logs. Every URL that reaches an error or a
/// tracing event goes through here.
///
/// Keeps the scheme, host, port and path; drops any user name and password and
/// the fragment, and replaces a query (where API keys end up) with `?…`. A URL
/// that has none of those is shown exactly as written. Text that is not a URL is
/// redacted conservatively: everything up to the last `@` after the scheme goes,
/// and so does everything from the first `?` or `#`.
pub(crate) fn redact(text: &str) -> String {
    let Ok(url) = Url::parse(text) else {
        return redact_unparsed(text);
    };
    if url.cannot_be_a_base() {
        // `scheme:anything`: no host or path to show, and no telling what the rest is.
        return format!("{}:…", url.scheme());
    }
    let has_secrets = !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some();
    if !has_secrets {
        return text.to_owned();
    }
    let mut bare = url.clone();
    // These only fail for URLs that cannot have credentials, which then have none.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.set_query(None);
    bare.set_fragment(None);
    let mut shown = String::from(bare);
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

/// [`redact`] for text the URL parser refused.
fn redact_unparsed(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (Some(scheme), rest)
        }
        _ => (None, text),
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
    let (rest, query) = match rest.find(['?', '#']) {
        Some(at) => (&rest[..at], rest[at..].starts_with('?')),
        None => (rest, false),
    };
    let mut shown = String::new();
    if let Some(scheme) = scheme {
        shown.push_str(scheme);
        shown.push_str("://");
    }
    shown.push_str(rest);
    if query {
        shown.push_str("?…");
    }
    shown
}

fn redirect(attempt: Attempt<'_>, max_redirects: usize) -> reqwest::redirect::Action {
    match refusal(attempt.previous(), attempt.url(), max_redirects) {
        Some(reason) => attempt.error(reason),
        None => attempt.follow(),
    }
}

/// Why a redirect to `next` must not be followed, if it must not. `previous`
/// holds every URL requested so far, the first one included.
fn refusal(previous: &[Url], next: &Url, max_redirects: usize) -> Option<String> {
    if previous.len() > max_redirects {
        return Some(format!(
            "more than {max_redirects} redirects (a redirect loop?)"
        ));
    }
    if let Some(last) = previous.last()
        && last.scheme() != next.scheme()
    {
        return Some(format!(
            "from {} to {}: a redirect may not change the scheme",
            redact(last.as_str()),
            redact(next.as_str())
        ));
    }
    allowed(next)
        .err()
        .map(|reason| format!("to {}: {reason}", redact(next.as_str())))
}

/// The causes of an error, outermost first, without the top-level message (which
/// repeats the URL).
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        next = cause.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts.join(": ")
}

/// The lifetime granted by `Cache-Control` (the smallest `max-age`; `no-cache` and
/// `no-store` count as 0), less the `Age` a shared cache reports.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found: Option<u64> = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(text) = value.to_str() else { continue };
        for directive in text.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            let seconds =
                if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
                    Some(0)
                } else if name.eq_ignore_ascii_case("max-age") {
                    argument.and_then(delta_seconds)
                } else {
                    None
                };
            if let Some(seconds) = seconds {
                found = Some(found.map_or(seconds, |f| f.min(seconds)));
            }
        }
    }
    let age = headers
        .get(AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(delta_seconds)
        .unwrap_or(0);
    found.map(|seconds| Duration::from_secs(seconds.saturating_sub(age)))
}

/// RFC 9111 §1.2.2 delta-seconds: digits only; too large a number means "very long".
fn delta_seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cache_control_max_age() {
        let secs = |pairs| max_age(&headers(pairs)).map(|d| d.as_secs());
        assert_eq!(secs(&[]), None);
        assert_eq!(secs(&[("cache-control", "public, max-age=600")]), Some(600));
        assert_eq!(secs(&[("cache-control", "Max-Age=\"60\"")]), Some(60));
        assert_eq!(secs(&[("cache-control", "max-age=600, no-cache")]), Some(0));
        assert_eq!(
            secs(&[("cache-control", "max-age=600"), ("age", "100")]),
            Some(500)
        );
        assert_eq!(secs(&[("cache-control", "max-age=-5")]), None);
        assert_eq!(
            secs(&[("cache-control", "max-age=99999999999999999999999")]),
            Some(u64::MAX)
        );
        assert_eq!(secs(&[("cache-control", "private")]), None);
    }

    #[test]
    fn only_https_or_loopback_http() {
        for ok in [
            "https://login.example.com/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://127.9.8.7/jwks",
            "http://[::1]:9000/jwks",
            "http://localhost/jwks",
            "http://LOCALHOST:1/jwks",
        ] {
            assert!(parse_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://login.example.com/jwks",
            "http://128.0.0.1/jwks",
            "http://[::ffff:127.0.0.1]/jwks",
            "http://localhost.example.com/jwks",
            "ftp://127.0.0.1/jwks",
            "file:///etc/jwks.json",
        ] {
            assert_eq!(
                parse_url(bad).map_err(|e| e.code()).err(),
                Some("insecure_url"),
                "{bad}"
            );
        }
        assert_eq!(
            parse_url("not a url").map_err(|e| e.code()).err(),
            Some("invalid_config")
        );
    }

    #[test]
    fn redirects_never_change_the_scheme() {
        let url = |s| Url::parse(s).unwrap();
        let https = url("https://user:pw@op.example.com/jwks?key=s3cret");
        // https → http is refused even to a loopback address, naming both URLs redacted.
        let reason = refusal(
            std::slice::from_ref(&https),
            &url("http://127.0.0.1/jwks?token=t0ken"),
            3,
        )
        .unwrap();
        assert_eq!(
            reason,
            "from https://op.example.com/jwks?… to http://127.0.0.1/jwks?…: \
             a redirect may not change the scheme"
        );
        assert!(
            refusal(
                std::slice::from_ref(&https),
                &url("https://cdn.example.com/jwks"),
                3
            )
            .is_none()
        );
        // http (loopback) → http elsewhere is refused; loopback → loopback is fine.
        let local = url("http://127.0.0.1:8080/jwks");
        assert!(
            refusal(
                std::slice::from_ref(&local),
                &url("http://example.com/jwks"),
                3
            )
            .is_some()
        );
        assert!(refusal(std::slice::from_ref(&local), &url("http://[::1]:9/jwks"), 3).is_none());
        // http (loopback) → https is a change of scheme too, and refused.
        let reason = refusal(
            std::slice::from_ref(&local),
            &url("https://example.com/jwks"),
            3,
        )
        .unwrap();
        assert!(
            reason.contains("http://127.0.0.1:8080/jwks")
                && reason.contains("https://example.com/jwks")
                && reason.contains("may not change the scheme"),
            "{reason}"
        );
        // The limit counts redirects already followed.
        let chain = vec![local.clone(); 3];
        assert!(refusal(&chain, &local, 3).is_none());
        let chain = vec![local.clone(); 4];
        assert!(refusal(&chain, &local, 3).unwrap().contains("more than 3"));
        assert!(refusal(std::slice::from_ref(&local), &local, 0).is_some());
    }

    #[test]
    fn redaction_drops_credentials_and_queries() {
        for (text, shown) in [
            // Nothing to hide: exactly as written.
            ("https://op.example.com/jwks", "https://op.example.com/jwks"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            (
                "https://op.example.com/a@b/jwks",
                "https://op.example.com/a@b/jwks",
            ),
            // User info goes; scheme, host, port and path stay.
            (
                "https://user:pw@op.example.com:8443/jwks",
                "https://op.example.com:8443/jwks",
            ),
            (
                "https://user@op.example.com/jwks",
                "https://op.example.com/jwks",
            ),
            // A query becomes "?…"; a fragment goes.
            (
                "https://op.example.com/jwks?api_key=s3cret&x=1",
                "https://op.example.com/jwks?…",
            ),
            (
                "https://op.example.com/jwks?",
                "https://op.example.com/jwks?…",
            ),
            (
                "https://op.example.com/jwks#frag",
                "https://op.example.com/jwks",
            ),
            (
                "https://u:p@op.example.com/jwks?k=v#f",
                "https://op.example.com/jwks?…",
            ),
            // No host, no path to speak of.
            ("mailto:user:pw@example.com", "mailto:…"),
            // Not URLs at all: user info and queries go all the same.
            (
                "https://user:pw@op.example.com:99999/jwks",
                "https://op.example.com:99999/jwks",
            ),
            (
                "//user:pw@op.example.com/jwks?key=1",
                "op.example.com/jwks?…",
            ),
            ("https://us@er:p@ss@[::1/x#k=v", "https://[::1/x"),
            // A missing scheme makes the user name the scheme: only that is shown.
            ("user:pw@op.example.com/jwks?key=1", "user:…"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact(text), shown, "{text}");
        }
    }

    #[test]
    fn credentials_are_not_shown() {
        let url = Url::parse("https://user:pw@op.example.com/jwks?key=s3cret").unwrap();
        assert_eq!(redact(url.as_str()), "https://op.example.com/jwks?…");
        // A URL the parser refuses is not echoed with its user info or query.
        for text in [
            "https://user:s3cret@op.example.com:99999/jwks?key=k3y",
            "https://user:s3cret@exa mple.com/jwks?key=k3y",
            "//user:s3cret@op.example.com/jwks?key=k3y",
        ] {
            let error = parse_url(text).unwrap_err();
            assert_eq!(error.code(), "invalid_config");
            let message = error.to_string();
            assert!(!message.contains("s3cret"), "{message}");
            assert!(!message.contains("k3y"), "{message}");
            assert!(!message.contains("user"), "{message}");
        }
        // Nor is a URL that is refused as insecure.
        let error = parse_url("http://user:s3cret@keys.example.com/jwks?key=k3y").unwrap_err();
        assert_eq!(error.code(), "insecure_url");
        let message = error.to_string();
        assert!(
            message.contains("http://keys.example.com/jwks?…"),
            "{message}"
        );
        assert!(
            !message.contains("s3cret") && !message.contains("k3y"),
            "{message}"
        );
    }
}
