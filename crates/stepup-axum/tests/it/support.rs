//! Shared fixtures: fixed clock, committed keys, an app with the layer, a token
//! endpoint and a JWKS server on 127.0.0.1, and wire parsers (`WWW-Authenticate`
//! as auth-params, `Location` as a URL, `Set-Cookie` with the `cookie` crate).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::digest;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cookie::Cookie;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use stepup::{
    Alg, CacheSettings, FetchSettings, KeySet, KeySource, Policy, Profile, ProviderMetadata,
    RemoteVerifier, Secret, SigningKey, UnixTime, Verifier,
};
use stepup_axum::{
    Client, ClientAuth, Clock, Identity, Login, Provider, SessionKeys, StepUp, SteppedUp,
};
use tower::ServiceExt as _;
use url::Url;

// ---------------------------------------------------------------- constants

pub(crate) const ISSUER: &str = "https://op.example.com";
pub(crate) const OTHER_ISSUER: &str = "https://other-op.example.com";
pub(crate) const AUTHORIZE: &str = "https://op.example.com/authorize";
pub(crate) const END_SESSION: &str = "https://op.example.com/logout";
pub(crate) const CLIENT_ID: &str = "stepup-app";
pub(crate) const CLIENT_SECRET: &str = "client secret/with:odd&chars";
pub(crate) const APP: &str = "https://app.example.com";
pub(crate) const REDIRECT_URI: &str = "https://app.example.com/callback";
/// Over https the cookies carry the `__Host-` prefix.
pub(crate) const SESSION_COOKIE: &str = "__Host-stepup_session";
pub(crate) const FLOW_COOKIE: &str = "__Host-stepup_flow";
/// 2026-01-01T00:00:00Z + 10 min: every test starts at this instant.
pub(crate) const NOW: i64 = 1_767_225_600 + 600;
pub(crate) const KEY_A: &[u8] = b"session-key-A-0123456789abcdef-0123456789";
pub(crate) const KEY_B: &[u8] = b"session-key-B-0123456789abcdef-0123456789";
pub(crate) const KEY_C: &[u8] = b"session-key-C-0123456789abcdef-0123456789";
/// Session lifetime of the test apps.
pub(crate) const LIFETIME: u64 = 3600;

// ---------------------------------------------------------------- clock

/// A clock the test sets by hand; starts at [`NOW`].
#[derive(Clone)]
pub(crate) struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub(crate) fn new() -> Self {
        Self(Arc::new(AtomicI64::new(NOW)))
    }

    pub(crate) fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    fn clock(&self) -> Clock {
        let at = Arc::clone(&self.0);
        Clock::from_fn(move || UnixTime::from_secs(at.load(Ordering::SeqCst)))
    }
}

// ---------------------------------------------------------------- keys and tokens

fn key_file(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/keys/");
    std::fs::read_to_string(format!("{path}{name}")).expect(name)
}

/// The provider's signing key: the committed Ed25519 key (deterministic signatures).
pub(crate) fn signer() -> SigningKey {
    SigningKey::from_pem(&key_file("ed25519.private.pem"), Some(Alg::EdDSA))
        .unwrap()
        .with_kid("ed25519")
}

/// The provider's public key as a JWK Set (the committed `jwks.json` entry).
pub(crate) fn provider_jwks() -> Value {
    let all: Value = serde_json::from_str(&key_file("jwks.json")).unwrap();
    let key = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "ed25519")
        .unwrap()
        .clone();
    json!({ "keys": [key] })
}

/// Another Ed25519 key, from a fixed seed (PKCS#8 v1 DER around it).
pub(crate) fn attacker() -> SigningKey {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[0x5a; 32]);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der)
    );
    SigningKey::from_pem(&pem, Some(Alg::EdDSA))
        .unwrap()
        .with_kid("ed25519")
}

/// The local verifier the apps use (and the tests, to predict error messages).
pub(crate) fn local_verifier(issuer: &str) -> Verifier {
    let keys = KeySet::from_public_key(&key_file("ed25519.public.pem")).unwrap();
    Verifier::builder(issuer, CLIENT_ID, keys).build().unwrap()
}

pub(crate) fn sign(claims: &Value) -> String {
    signer().sign(claims).unwrap()
}

/// What the app's local verifier says about `token` at `now`: `code: message`,
/// exactly the `error_description` the layer must send.
pub(crate) fn expected_description(token: &str, now: i64) -> String {
    let error = local_verifier(ISSUER)
        .verify(token, UnixTime::from_secs(now))
        .expect_err("the token was meant to be invalid");
    format!("{}: {error}", error.code())
}

// ---------------------------------------------------------------- the app

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientMode {
    Basic,
    Post,
    Public,
}

/// Settings of a test app.
pub(crate) struct Options {
    pub(crate) profile: Profile,
    pub(crate) keys: Vec<&'static [u8]>,
    pub(crate) issuer: &'static str,
    pub(crate) client: ClientMode,
    /// Keys from a JWKS server (a `RemoteVerifier`) instead of a local key.
    pub(crate) remote: Option<String>,
    /// The `WWW-Authenticate` realm (default: the client id).
    pub(crate) realm: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            profile: Profile::Generic,
            keys: vec![KEY_A],
            issuer: ISSUER,
            client: ClientMode::Basic,
            remote: None,
            realm: None,
        }
    }
}

impl Options {
    pub(crate) fn auth0() -> Self {
        Self {
            profile: Profile::Auth0,
            ..Self::default()
        }
    }

    pub(crate) fn keys(keys: &[&'static [u8]]) -> Self {
        Self {
            keys: keys.to_vec(),
            ..Self::default()
        }
    }
}

/// An app: the layer on a few routes, the flow routes, its own token endpoint.
pub(crate) struct App {
    pub(crate) stepup: StepUp,
    pub(crate) router: Router,
    pub(crate) clock: TestClock,
    pub(crate) op: TokenServer,
    pub(crate) issuer: &'static str,
    /// How many times a protected handler ran.
    pub(crate) hits: Arc<AtomicUsize>,
}

/// The policies of the test routes.
pub(crate) fn mfa() -> Policy {
    Policy::default()
}
pub(crate) fn mfa_fresh() -> Policy {
    Policy::default().with_max_age(300)
}
pub(crate) fn fresh_only() -> Policy {
    Policy::default()
        .with_required_amr(Vec::<String>::new())
        .with_max_age(300)
}
pub(crate) fn gold() -> Policy {
    Policy::default()
        .with_required_amr(Vec::<String>::new())
        .with_accepted_acr(["gold", "platinum"])
}

/// The handler's answer: what the extractor gave it.
fn describe(via: &str, who: &Identity) -> String {
    json!({
        "via": via,
        "sub": who.sub(),
        "iss": who.iss(),
        "amr": who.amr(),
        "acr": who.acr(),
        "auth_time": who.auth_time().map(|t| t.as_secs()),
        "email": who.email(),
        "source": format!("{:?}", who.source()),
        "stepped_up_for": who.stepped_up_for(),
    })
    .to_string()
}

impl App {
    pub(crate) async fn new() -> Self {
        Self::with(Options::default()).await
    }

    pub(crate) async fn auth0() -> Self {
        Self::with(Options::auth0()).await
    }

    pub(crate) async fn with(options: Options) -> Self {
        let clock = TestClock::new();
        let op = TokenServer::start(options.client).await;
        let jwks_uri = options
            .remote
            .clone()
            .unwrap_or_else(|| format!("{}/jwks", options.issuer));
        let metadata = ProviderMetadata::new(
            options.issuer,
            AUTHORIZE,
            op.token_url(),
            jwks_uri,
            Some(END_SESSION.to_owned()),
        )
        .unwrap();
        let provider = match &options.remote {
            None => Provider::new(metadata, local_verifier(options.issuer)).unwrap(),
            Some(url) => {
                let remote = RemoteVerifier::builder(
                    options.issuer,
                    CLIENT_ID,
                    KeySource::JwksUrl(url.clone()),
                )
                .with_fetch_settings(
                    FetchSettings::default()
                        .with_connect_timeout(Duration::from_millis(500))
                        .with_timeout(Duration::from_millis(500)),
                )
                .with_cache_settings(
                    CacheSettings::default()
                        .with_unknown_kid_cooldown(Duration::from_millis(1))
                        .with_max_wait(Duration::from_secs(2)),
                )
                .build()
                .await
                .unwrap();
                Provider::new(metadata, remote).unwrap()
            }
        };
        let client = match options.client {
            ClientMode::Basic => {
                Client::confidential(CLIENT_ID, Secret::new(CLIENT_SECRET), REDIRECT_URI)
            }
            ClientMode::Post => {
                Client::confidential(CLIENT_ID, Secret::new(CLIENT_SECRET), REDIRECT_URI)
                    .with_auth(ClientAuth::SecretPost)
            }
            ClientMode::Public => Client::public(CLIENT_ID, REDIRECT_URI),
        };
        let mut builder =
            StepUp::builder(provider, client, SessionKeys::new(options.keys).unwrap())
                .with_profile(options.profile)
                .with_session_lifetime(LIFETIME)
                .with_clock(clock.clock());
        if let Some(realm) = options.realm {
            builder = builder.with_realm(realm);
        }
        let stepup = builder.build().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let login = |hits: &Arc<AtomicUsize>| {
            let hits = Arc::clone(hits);
            get(move |Login(who): Login| async move {
                hits.fetch_add(1, Ordering::SeqCst);
                describe("login", &who)
            })
        };
        let stepped = |hits: &Arc<AtomicUsize>| {
            let hits = Arc::clone(hits);
            get(move |SteppedUp(who): SteppedUp| async move {
                hits.fetch_add(1, Ordering::SeqCst);
                describe("stepped_up", &who)
            })
            .post(|| async { "posted" })
        };
        let router = Router::new()
            .route(
                "/login-only",
                login(&hits).route_layer(stepup.require_login()),
            )
            .route("/mfa", stepped(&hits).route_layer(stepup.require(mfa())))
            .route(
                "/fresh",
                stepped(&hits).route_layer(stepup.require(mfa_fresh())),
            )
            .route(
                "/recent",
                login(&hits).route_layer(stepup.require(fresh_only())),
            )
            .route("/gold", stepped(&hits).route_layer(stepup.require(gold())))
            .route("/no-layer", login(&hits))
            .route("/no-layer-stepped", stepped(&hits))
            .route(
                "/login-only-stepped",
                stepped(&hits).route_layer(stepup.require_login()),
            )
            .merge(stepup.routes());
        Self {
            stepup,
            router,
            clock,
            op,
            issuer: options.issuer,
            hits,
        }
    }

    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub(crate) async fn send(&self, request: Req) -> Reply {
        let response = self.router.clone().oneshot(request.build()).await.unwrap();
        Reply::read(response).await
    }

    /// ID-token claims from this app's provider at the current clock: `amr`, and
    /// `auth_time` `auth_age` seconds ago (none for `None`).
    pub(crate) fn claims(&self, amr: &[&str], auth_age: Option<i64>) -> Value {
        let now = self.clock.now();
        let mut claims = json!({
            "iss": self.issuer, "sub": "alice", "aud": CLIENT_ID,
            "iat": now - 10, "exp": now + 3600, "amr": amr,
            "email": "alice@example.com",
        });
        if let Some(age) = auth_age {
            claims["auth_time"] = json!(now - age);
        }
        claims
    }

    /// A signed ID token with these claims, for `Authorization: Bearer`.
    pub(crate) fn token(&self, amr: &[&str], auth_age: Option<i64>) -> String {
        sign(&self.claims(amr, auth_age))
    }

    /// Starts a login at `login_uri` (`/login?rd=…`) with an optional session
    /// cookie; asserts the 302 to the provider and the flow cookie.
    pub(crate) async fn start(&self, login_uri: &str, session: Option<&str>) -> Authorize {
        let mut request = Req::get(login_uri).html();
        if let Some(session) = session {
            request = request.cookie(SESSION_COOKIE, session);
        }
        self.start_with(request).await
    }

    /// [`start`](Self::start) with a request of the caller's making.
    pub(crate) async fn start_with(&self, request: Req) -> Authorize {
        let login_uri = request.uri.clone();
        let reply = self.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::FOUND,
            "{login_uri}: {}",
            reply.body
        );
        let url = Url::parse(reply.location().expect("a Location")).unwrap();
        assert_eq!(
            format!("{}://{}{}", url.scheme(), url.authority(), url.path()),
            AUTHORIZE,
            "{url}"
        );
        let mut params = BTreeMap::new();
        for (name, value) in url.query_pairs() {
            let previous = params.insert(name.to_string(), value.to_string());
            assert!(previous.is_none(), "{name} twice in {url}");
        }
        let flow = reply.cookie(FLOW_COOKIE).expect("a flow cookie");
        assert!(!flow.value().is_empty());
        assert_eq!(flow.max_age(), Some(cookie::time::Duration::seconds(600)));
        assert_cookie_attributes(&flow);
        assert!(
            reply.cookie(SESSION_COOKIE).is_none(),
            "the login start leaves the session alone"
        );
        Authorize {
            params,
            flow: flow.value().to_owned(),
        }
    }

    /// Plays the provider: grants a code for `authorize` whose ID token has `claims`
    /// (the nonce is not added: callers put in the one they mean), and returns the
    /// callback URI the browser would be sent to.
    pub(crate) fn provider_answers(&self, authorize: &Authorize, claims: &Value) -> String {
        let code = self
            .op
            .grant(&authorize.params["code_challenge"], &sign(claims));
        callback_uri(&[
            ("code", &code),
            ("state", &authorize.params["state"]),
            ("iss", self.issuer),
        ])
    }

    /// The callback request with the flow cookie (and a session cookie if given).
    pub(crate) async fn callback(&self, uri: &str, flow: Option<&str>) -> Reply {
        let mut request = Req::get(uri).html();
        if let Some(flow) = flow {
            request = request.cookie(FLOW_COOKIE, flow);
        }
        self.send(request).await
    }

    /// A whole login from `/login?rd=/`, returning the session cookie's value.
    pub(crate) async fn login(&self, amr: &[&str], auth_age: Option<i64>) -> String {
        let authorize = self.start("/login?rd=%2F", None).await;
        let mut claims = self.claims(amr, auth_age);
        claims["nonce"] = json!(authorize.params["nonce"]);
        let uri = self.provider_answers(&authorize, &claims);
        let reply = self.callback(&uri, Some(&authorize.flow)).await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
        assert_eq!(reply.location(), Some("/"));
        reply.session().expect("a session cookie")
    }
}

/// `/callback?…` with the given parameters, form-encoded.
pub(crate) fn callback_uri(params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    format!("/callback?{}", query.finish())
}

/// What the login start sent to the provider.
#[derive(Debug)]
pub(crate) struct Authorize {
    /// The authorization request's parameters (each present once).
    pub(crate) params: BTreeMap<String, String>,
    /// The flow cookie's value.
    pub(crate) flow: String,
}

/// `HttpOnly`, `SameSite=Lax`, `Secure` (https app), `Path=/`, no `Domain`.
pub(crate) fn assert_cookie_attributes(cookie: &Cookie<'_>) {
    assert_eq!(cookie.http_only(), Some(true), "{cookie}");
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Lax), "{cookie}");
    assert_eq!(cookie.secure(), Some(true), "{cookie}");
    assert_eq!(cookie.path(), Some("/"), "{cookie}");
    assert_eq!(cookie.domain(), None, "{cookie}");
}

// ---------------------------------------------------------------- requests and replies

/// A request under construction.
pub(crate) struct Req {
    method: Method,
    uri: String,
    headers: Vec<(HeaderName, String)>,
    cookies: Vec<String>,
}

pub(crate) const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

impl Req {
    pub(crate) fn new(method: Method, uri: &str) -> Self {
        Self {
            method,
            uri: uri.to_owned(),
            headers: Vec::new(),
            cookies: Vec::new(),
        }
    }

    pub(crate) fn get(uri: &str) -> Self {
        Self::new(Method::GET, uri)
    }

    /// A browser's `Accept`.
    pub(crate) fn html(self) -> Self {
        self.header(header::ACCEPT, BROWSER_ACCEPT)
    }

    /// An API client's `Accept`.
    pub(crate) fn json(self) -> Self {
        self.header(header::ACCEPT, "application/json")
    }

    pub(crate) fn bearer(self, token: &str) -> Self {
        self.header(header::AUTHORIZATION, &format!("Bearer {token}"))
    }

    pub(crate) fn header(mut self, name: HeaderName, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub(crate) fn cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push(format!("{name}={value}"));
        self
    }

    pub(crate) fn build(self) -> Request<Body> {
        let mut builder = Request::builder().method(self.method).uri(&self.uri);
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        if !self.cookies.is_empty() {
            builder = builder.header(header::COOKIE, self.cookies.join("; "));
        }
        builder.body(Body::empty()).unwrap()
    }
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) async fn read(response: Response) -> Self {
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        Self {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    pub(crate) fn header(&self, name: HeaderName) -> Option<&str> {
        let mut values = self.headers.get_all(&name).iter();
        let value = values.next()?;
        assert!(values.next().is_none(), "{name} sent twice");
        Some(value.to_str().unwrap())
    }

    pub(crate) fn location(&self) -> Option<&str> {
        self.header(header::LOCATION)
    }

    /// The one `WWW-Authenticate` challenge, parsed.
    pub(crate) fn challenge(&self) -> Challenge {
        let value = self
            .header(header::WWW_AUTHENTICATE)
            .unwrap_or_else(|| panic!("no WWW-Authenticate in {self:?}"));
        parse_challenge(value).unwrap_or_else(|e| panic!("{value:?}: {e}"))
    }

    pub(crate) fn set_cookies(&self) -> Vec<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| Cookie::parse(v.to_str().unwrap().to_owned()).unwrap())
            .collect()
    }

    /// The `Set-Cookie` of `name`, if any (asserting there is at most one).
    pub(crate) fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        let mut found: Vec<_> = self
            .set_cookies()
            .into_iter()
            .filter(|c| c.name() == name)
            .collect();
        assert!(found.len() <= 1, "{name} set twice: {found:?}");
        found.pop()
    }

    /// The value of a new session cookie (not a removal), with its attributes checked.
    pub(crate) fn session(&self) -> Option<String> {
        let cookie = self.cookie(SESSION_COOKIE)?;
        assert!(!cookie.value().is_empty(), "a removal, not a session");
        assert_eq!(
            cookie.max_age(),
            Some(cookie::time::Duration::seconds(LIFETIME as i64))
        );
        assert_cookie_attributes(&cookie);
        Some(cookie.value().to_owned())
    }

    /// Asserts the reply removes cookie `name`.
    pub(crate) fn assert_removes(&self, name: &str) {
        let cookie = self
            .cookie(name)
            .unwrap_or_else(|| panic!("{name} is not removed: {self:?}"));
        assert_eq!(cookie.value(), "", "{cookie}");
        assert_eq!(
            cookie.max_age(),
            Some(cookie::time::Duration::ZERO),
            "{cookie}"
        );
        assert_cookie_attributes(&cookie);
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The `Location` of a redirect to this app's login start, as a URL on the
    /// app's origin, with its query pairs in order.
    pub(crate) fn login_redirect(&self) -> Vec<(String, String)> {
        assert_eq!(self.status, StatusCode::FOUND, "{self:?}");
        let location = self.location().expect("a Location");
        let url = same_origin(location);
        assert_eq!(url.path(), "/login", "{location}");
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// `location` resolved against the app's origin; asserts it stays on that origin
/// (a relative path, not `//host` or an absolute URL elsewhere).
pub(crate) fn same_origin(location: &str) -> Url {
    let base = Url::parse(APP).unwrap();
    let url = base.join(location).unwrap();
    assert_eq!(url.origin(), base.origin(), "{location} leaves the site");
    assert!(
        location.starts_with('/') && !location.starts_with("//"),
        "{location} is not a relative path"
    );
    url
}

/// Pairs as owned strings, for comparisons with [`Reply::login_redirect`].
pub(crate) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Flips one bit in the middle of a base64url sealed value.
pub(crate) fn flip_bit(sealed: &str) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(sealed).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------- WWW-Authenticate

/// One challenge (RFC 9110 §11.6.1): `scheme [1*SP #auth-param]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Challenge {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Parses one challenge with auth-params: `token 1*SP name=value, name=value`,
/// each value a token or a quoted-string with backslash escapes. Refuses token68,
/// several challenges, duplicate names, bad escapes and trailing garbage.
pub(crate) fn parse_challenge(text: &str) -> Result<Challenge, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let token = |at: &mut usize| -> String {
        let start = *at;
        while *at < chars.len() && is_tchar(chars[*at]) {
            *at += 1;
        }
        chars[start..*at].iter().collect()
    };
    let skip_ows = |at: &mut usize| {
        while *at < chars.len() && matches!(chars[*at], ' ' | '\t') {
            *at += 1;
        }
    };
    let scheme = token(&mut at);
    if scheme.is_empty() {
        return Err("no auth-scheme".into());
    }
    let mut params: Vec<(String, String)> = Vec::new();
    if at == chars.len() {
        return Ok(Challenge { scheme, params });
    }
    if chars[at] != ' ' {
        return Err(format!("expected a space after the scheme at {at}"));
    }
    skip_ows(&mut at);
    loop {
        let name = token(&mut at);
        if name.is_empty() {
            return Err(format!("expected a parameter name at {at}"));
        }
        skip_ows(&mut at);
        if chars.get(at) != Some(&'=') {
            return Err(format!(
                "expected = after {name:?} at {at} (token68 or a second challenge?)"
            ));
        }
        at += 1;
        skip_ows(&mut at);
        let value = if chars.get(at) == Some(&'"') {
            at += 1;
            let mut value = String::new();
            loop {
                match chars.get(at) {
                    None => return Err(format!("unterminated quoted-string for {name}")),
                    Some('"') => {
                        at += 1;
                        break;
                    }
                    Some('\\') => {
                        match chars.get(at + 1) {
                            Some(&c) if c == '\t' || (' '..='~').contains(&c) => value.push(c),
                            other => return Err(format!("bad escape {other:?} in {name}")),
                        }
                        at += 2;
                    }
                    Some(&c) if c == '\t' || (' '..='~').contains(&c) => {
                        value.push(c);
                        at += 1;
                    }
                    Some(c) => return Err(format!("{c:?} in the quoted-string of {name}")),
                }
            }
            value
        } else {
            let value = token(&mut at);
            if value.is_empty() {
                return Err(format!("no value for {name}"));
            }
            value
        };
        if params.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            return Err(format!("{name} twice"));
        }
        params.push((name, value));
        skip_ows(&mut at);
        match chars.get(at) {
            None => return Ok(Challenge { scheme, params }),
            Some(',') => {
                at += 1;
                skip_ows(&mut at);
            }
            Some(c) => return Err(format!("unexpected {c:?} at {at}")),
        }
    }
}

// ---------------------------------------------------------------- token endpoint

/// The provider's token endpoint on 127.0.0.1: checks the grant type, the code
/// (single use), the redirect URI, the PKCE verifier against the challenge and
/// the client's authentication, then returns the ID token granted for the code.
pub(crate) struct TokenServer {
    addr: SocketAddr,
    state: Arc<OpState>,
}

struct OpState {
    mode: ClientMode,
    grants: Mutex<HashMap<String, Grant>>,
    calls: Mutex<Vec<Call>>,
    next: AtomicUsize,
}

struct Grant {
    challenge: String,
    id_token: String,
}

/// One request to the token endpoint and how it was answered.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) form: HashMap<String, String>,
    pub(crate) authorization: Option<String>,
    /// `ok` or the OAuth error sent back.
    pub(crate) outcome: String,
}

impl TokenServer {
    async fn start(mode: ClientMode) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(OpState {
            mode,
            grants: Mutex::new(HashMap::new()),
            calls: Mutex::new(Vec::new()),
            next: AtomicUsize::new(1),
        });
        let app = Router::new()
            .route("/token", post(token_endpoint))
            .with_state(Arc::clone(&state));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, state }
    }

    pub(crate) fn token_url(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    /// Grants a fresh code for a PKCE `challenge`, to be exchanged for `id_token`.
    pub(crate) fn grant(&self, challenge: &str, id_token: &str) -> String {
        let code = format!("code-{}", self.state.next.fetch_add(1, Ordering::SeqCst));
        self.state.grants.lock().unwrap().insert(
            code.clone(),
            Grant {
                challenge: challenge.to_owned(),
                id_token: id_token.to_owned(),
            },
        );
        code
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": error, "error_description": format!("test provider: {error}") })
            .to_string(),
    )
        .into_response()
}

/// RFC 6749 §2.3.1 Basic: both parts form-urlencoded.
fn decode_basic(value: &str) -> Option<(String, String)> {
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

async fn token_endpoint(
    State(op): State<Arc<OpState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let outcome = check_token_request(&op, &headers, &form, authorization.as_deref());
    op.calls.lock().unwrap().push(Call {
        form,
        authorization,
        outcome: match &outcome {
            Ok(_) => "ok".into(),
            Err((_, error)) => (*error).into(),
        },
    });
    match outcome {
        Ok(id_token) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            json!({
                "access_token": "opaque-access-token", "token_type": "Bearer",
                "expires_in": 300, "id_token": id_token,
            })
            .to_string(),
        )
            .into_response(),
        Err((status, error)) => oauth_error(status, error),
    }
}

fn check_token_request(
    op: &OpState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    authorization: Option<&str>,
) -> Result<String, (StatusCode, &'static str)> {
    let field = |name: &str| form.get(name).map(String::as_str);
    let bad = |error| (StatusCode::BAD_REQUEST, error);
    if headers.get(header::CONTENT_TYPE)
        != Some(&HeaderValue::from_static(
            "application/x-www-form-urlencoded",
        ))
    {
        return Err(bad("invalid_request"));
    }
    if field("grant_type") != Some("authorization_code") {
        return Err(bad("unsupported_grant_type"));
    }
    let client_ok = match op.mode {
        ClientMode::Basic => {
            authorization.and_then(decode_basic)
                == Some((CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned()))
                && field("client_secret").is_none()
        }
        ClientMode::Post => {
            authorization.is_none()
                && field("client_id") == Some(CLIENT_ID)
                && field("client_secret") == Some(CLIENT_SECRET)
        }
        ClientMode::Public => {
            authorization.is_none()
                && field("client_id") == Some(CLIENT_ID)
                && field("client_secret").is_none()
        }
    };
    if !client_ok {
        return Err((StatusCode::UNAUTHORIZED, "invalid_client"));
    }
    // Single use: a code is gone once presented, whatever happens next.
    let grant = field("code").and_then(|code| op.grants.lock().unwrap().remove(code));
    let Some(grant) = grant else {
        return Err(bad("invalid_grant"));
    };
    if field("redirect_uri") != Some(REDIRECT_URI) {
        return Err(bad("invalid_grant"));
    }
    let verifier = field("code_verifier").unwrap_or_default();
    let computed = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    if !(43..=128).contains(&verifier.len()) || computed != grant.challenge {
        return Err(bad("invalid_grant"));
    }
    Ok(grant.id_token)
}

// ---------------------------------------------------------------- JWKS server

/// A JWK Set server on 127.0.0.1 that answers the provider's key, or a status
/// the test sets (an outage).
pub(crate) struct JwksServer {
    addr: SocketAddr,
    status: Arc<AtomicU16>,
}

impl JwksServer {
    pub(crate) async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let status = Arc::new(AtomicU16::new(200));
        let app = Router::new()
            .route(
                "/jwks",
                get(|State(status): State<Arc<AtomicU16>>| async move {
                    match status.load(Ordering::SeqCst) {
                        200 => (
                            [(header::CONTENT_TYPE, "application/json")],
                            provider_jwks().to_string(),
                        )
                            .into_response(),
                        code => StatusCode::from_u16(code).unwrap().into_response(),
                    }
                }),
            )
            .with_state(Arc::clone(&status));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, status }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/jwks", self.addr)
    }

    /// From now on, answer `status` (500: the provider is down).
    pub(crate) fn fail_with(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------- the parser's own tests

#[test]
fn challenge_parser_reads_auth_params_and_refuses_garbage() {
    let parsed =
        parse_challenge(r#"Bearer realm="a \"b\" \\c", error=invalid_token ,  max_age="300""#)
            .unwrap();
    assert_eq!(parsed.scheme, "Bearer");
    assert_eq!(
        parsed.params,
        pairs(&[
            ("realm", r#"a "b" \c"#),
            ("error", "invalid_token"),
            ("max_age", "300")
        ])
    );
    assert_eq!(parse_challenge("Bearer").unwrap().params, []);
    for bad in [
        "",
        r#"Bearer realm="x"#,
        r#"Bearer realm="x" junk"#,
        r#"Bearer realm="x", realm="y""#,
        r#"Bearer realm="x", Basic realm="y""#,
        "Bearer abc==",
        r#"Bearer realm="x\"#,
        "Bearer realm=\"x\ny\"",
        r#"Bearer realm="x","#,
    ] {
        assert!(parse_challenge(bad).is_err(), "{bad:?} parsed");
    }
}
