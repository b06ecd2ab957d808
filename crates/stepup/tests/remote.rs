//! Keys from the network, against real HTTP servers on 127.0.0.1 started here.
//!
//! Each server counts the requests it answers, so the tests can assert how many
//! fetches the cache made. Durations are short (tens to hundreds of milliseconds)
//! so the whole file runs in a few seconds.
#![cfg(feature = "remote")]
// Test helpers panic on broken fixtures by design; clippy's in-test allowance only covers #[test] fns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, Uri};
use serde_json::{Value, json};
use stepup::{
    Alg, CacheSettings, ErrorClass, FetchSettings, KeyKind, KeySource, Limits, Policy,
    RemoteVerifier, SigningKey, UnixTime, fetch_key_set, fetch_key_set_blocking, generate_key,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::{Instant, sleep};

const CLIENT: &str = "stepup-client";
const ISSUER: &str = "https://issuer.example.com";
const NOW: i64 = 1_800_000_000;

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

// ---------------------------------------------------------------- test server

/// What the server answers on one path.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

impl Reply {
    fn json(value: &Value) -> Self {
        Self {
            status: 200,
            body: value.to_string().into_bytes(),
            headers: vec![("content-type", "application/json".into())],
            delay: Duration::ZERO,
        }
    }

    fn status(status: u16) -> Self {
        Self {
            status,
            body: b"oops".to_vec(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    fn body(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    fn redirect(location: impl Into<String>) -> Self {
        Self {
            status: 302,
            body: Vec::new(),
            headers: vec![("location", location.into())],
            delay: Duration::ZERO,
        }
    }

    fn max_age(mut self, value: &str) -> Self {
        self.headers.push(("cache-control", value.into()));
        self
    }

    fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct Routes {
    replies: Mutex<HashMap<String, Reply>>,
    hits: Mutex<HashMap<String, usize>>,
}

/// A real HTTP/1.1 server (axum) on 127.0.0.1 with a port of its own.
struct Server {
    addr: SocketAddr,
    routes: Arc<Routes>,
}

impl Server {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let routes = Arc::new(Routes::default());
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&routes));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, routes }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn set(&self, path: &str, reply: Reply) {
        self.routes
            .replies
            .lock()
            .unwrap()
            .insert(path.into(), reply);
    }

    fn hits(&self, path: &str) -> usize {
        *self.routes.hits.lock().unwrap().get(path).unwrap_or(&0)
    }
}

async fn answer(State(routes): State<Arc<Routes>>, uri: Uri) -> Response<Body> {
    let path = uri.path().to_owned();
    *routes.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let reply = routes.replies.lock().unwrap().get(&path).cloned();
    let reply = reply.unwrap_or_else(|| Reply::status(404));
    if !reply.delay.is_zero() {
        sleep(reply.delay).await;
    }
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// A port on 127.0.0.1 where nothing listens.
async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

// ---------------------------------------------------------------- keys and tokens

/// An ES256 key pair with its public JWK.
struct Signer {
    key: SigningKey,
    jwk: Value,
    kid: String,
}

impl Signer {
    fn new() -> Self {
        let generated = generate_key(KeyKind::P256).unwrap();
        let pem = std::str::from_utf8(generated.private_pem.expose()).unwrap();
        let key = SigningKey::from_pem(pem, None)
            .unwrap()
            .with_kid(generated.kid.clone());
        Self {
            key,
            jwk: generated.jwks["keys"][0].clone(),
            kid: generated.kid,
        }
    }

    /// A valid MFA ID token for `issuer` with this key's kid.
    fn token(&self, issuer: &str) -> String {
        self.token_with_kid(issuer, Some(&self.kid))
    }

    /// A token signed by this key, claiming any kid (or none).
    fn token_with_kid(&self, issuer: &str, kid: Option<&str>) -> String {
        let mut header = json!({ "typ": "JWT" });
        if let Some(kid) = kid {
            header["kid"] = json!(kid);
        }
        self.key.sign_with_header(&header, &claims(issuer)).unwrap()
    }
}

fn claims(issuer: &str) -> Value {
    json!({
        "iss": issuer, "sub": "alice", "aud": CLIENT,
        "iat": NOW - 10, "exp": NOW + 3600, "amr": ["pwd", "mfa"],
    })
}

fn jwks(signers: &[&Signer]) -> Value {
    json!({ "keys": signers.iter().map(|s| s.jwk.clone()).collect::<Vec<_>>() })
}

/// Short timeouts and cache durations for tests.
fn quick_fetch() -> FetchSettings {
    FetchSettings::default()
        .with_connect_timeout(Duration::from_millis(500))
        .with_timeout(Duration::from_millis(500))
}

fn quick_cache() -> CacheSettings {
    CacheSettings::default()
        .with_unknown_kid_cooldown(Duration::from_millis(300))
        .with_max_wait(Duration::from_secs(2))
}

async fn build(
    issuer: &str,
    source: KeySource,
    cache: CacheSettings,
) -> Result<RemoteVerifier, stepup::Error> {
    RemoteVerifier::builder(issuer, CLIENT, source)
        .with_fetch_settings(quick_fetch())
        .with_cache_settings(cache)
        .build()
        .await
}

/// Waits (up to 5 s) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        sleep(Duration::from_millis(10)).await;
    }
}

fn code<T>(result: Result<T, stepup::Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

// ---------------------------------------------------------------- discovery

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_finds_the_jwks() {
    let server = Server::start().await;
    let issuer = server.url("");
    let signer = Signer::new();
    server.set(
        "/.well-known/openid-configuration",
        Reply::json(&json!({ "issuer": issuer, "jwks_uri": server.url("/keys") })),
    );
    server.set("/keys", Reply::json(&jwks(&[&signer])));

    let verifier = build(&issuer, KeySource::Discovery, quick_cache())
        .await
        .unwrap();
    assert_eq!(verifier.jwks_url(), server.url("/keys"));
    let (verified, decision) = verifier
        .check(&signer.token(&issuer), &Policy::default(), now())
        .await
        .unwrap();
    assert_eq!(verified.claims().sub.as_deref(), Some("alice"));
    assert!(decision.is_satisfied());
    assert_eq!(server.hits("/.well-known/openid-configuration"), 1);
    assert_eq!(server.hits("/keys"), 1);

    // The one-shot fetch for the CLI takes the same path.
    let keys = fetch_key_set(&KeySource::Discovery, &issuer, &quick_fetch())
        .await
        .unwrap();
    assert_eq!(keys.keys()[0].kid(), Some(signer.kid.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_with_another_issuer_is_refused() {
    let server = Server::start().await;
    let issuer = server.url("");
    let signer = Signer::new();
    server.set("/keys", Reply::json(&jwks(&[&signer])));
    for published in [
        json!("https://evil.example.com"),
        json!(format!("{issuer}/")),
        json!(issuer.to_uppercase()),
    ] {
        server.set(
            "/.well-known/openid-configuration",
            Reply::json(&json!({ "issuer": published, "jwks_uri": server.url("/keys") })),
        );
        let error = build(&issuer, KeySource::Discovery, quick_cache())
            .await
            .unwrap_err();
        assert_eq!(error.code(), "discovery_issuer_mismatch", "{published}");
        assert_eq!(error.class(), ErrorClass::Config);
        let message = error.to_string();
        assert!(
            message.contains("/.well-known/openid-configuration"),
            "{message}"
        );
        assert!(
            message.contains("evil") || message.contains(&issuer),
            "{message}"
        );
    }
    // The keys of a provider that names another issuer are never fetched.
    assert_eq!(server.hits("/keys"), 0);

    // A document without issuer or jwks_uri is not a discovery document.
    server.set(
        "/.well-known/openid-configuration",
        Reply::json(&json!({ "jwks_uri": server.url("/keys") })),
    );
    let error = build(&issuer, KeySource::Discovery, quick_cache())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    server.set(
        "/.well-known/openid-configuration",
        Reply::json(&json!({ "issuer": issuer })),
    );
    let error = build(&issuer, KeySource::Discovery, quick_cache())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    assert!(error.to_string().contains("jwks_uri"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_jwks_uri_on_another_loopback_port() {
    let provider = Server::start().await;
    let key_host = Server::start().await;
    let issuer = provider.url("");
    let signer = Signer::new();
    provider.set(
        "/.well-known/openid-configuration",
        Reply::json(&json!({ "issuer": issuer, "jwks_uri": key_host.url("/jwks") })),
    );
    key_host.set("/jwks", Reply::json(&jwks(&[&signer])));
    let verifier = build(&issuer, KeySource::Discovery, quick_cache())
        .await
        .unwrap();
    assert!(verifier.verify(&signer.token(&issuer), now()).await.is_ok());
    assert_eq!(key_host.hits("/jwks"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_https_or_loopback_urls() {
    // A plain-http JWKS URL off loopback is refused before any request.
    let error = build(
        ISSUER,
        KeySource::JwksUrl("http://keys.example.com/jwks".into()),
        quick_cache(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "insecure_url");
    assert_eq!(error.class(), ErrorClass::Config);
    assert!(error.to_string().contains("http://keys.example.com/jwks"));

    // So is a discovered jwks_uri with plain http off loopback.
    let server = Server::start().await;
    let issuer = server.url("");
    server.set(
        "/.well-known/openid-configuration",
        Reply::json(&json!({ "issuer": issuer, "jwks_uri": "http://keys.example.com/jwks" })),
    );
    let error = build(&issuer, KeySource::Discovery, quick_cache())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "insecure_url");

    // Discovery from a plain-http issuer off loopback is refused too.
    let error = build(
        "http://issuer.example.com",
        KeySource::Discovery,
        quick_cache(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "insecure_url");
}

// ---------------------------------------------------------------- rotation

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_new_kid_verifies_after_exactly_one_refetch() {
    let server = Server::start().await;
    let (old, new) = (Signer::new(), Signer::new());
    server.set("/jwks", Reply::json(&jwks(&[&old])));
    let verifier = build(
        ISSUER,
        KeySource::JwksUrl(server.url("/jwks")),
        quick_cache(),
    )
    .await
    .unwrap();
    assert!(verifier.verify(&old.token(ISSUER), now()).await.is_ok());

    // The provider publishes a new key and signs with it at once.
    server.set("/jwks", Reply::json(&jwks(&[&old, &new])));
    sleep(Duration::from_millis(350)).await; // past the cooldown of the first fetch
    let verified = verifier.verify(&new.token(ISSUER), now()).await.unwrap();
    assert_eq!(verified.header().kid.as_deref(), Some(new.kid.as_str()));
    assert_eq!(server.hits("/jwks"), 2, "one initial fetch and one refetch");
    let stats = verifier.stats();
    assert_eq!(stats.unknown_kid_refetches, 1);
    assert_eq!(stats.keys_in_use, 2);

    // Both keys now verify without any further fetch.
    for _ in 0..10 {
        assert!(verifier.verify(&new.token(ISSUER), now()).await.is_ok());
        assert!(verifier.verify(&old.token(ISSUER), now()).await.is_ok());
    }
    assert_eq!(server.hits("/jwks"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_removed_key_fails_after_the_next_refresh() {
    let server = Server::start().await;
    let (old, new) = (Signer::new(), Signer::new());
    // max-age=0 is clamped to the floor: the set is refreshed every ~150 ms.
    server.set(
        "/jwks",
        Reply::json(&jwks(&[&old, &new])).max_age("max-age=0"),
    );
    let cache = quick_cache()
        .with_max_age_bounds(Duration::from_millis(200), Duration::from_secs(60))
        .with_unknown_kid_cooldown(Duration::from_secs(30));
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    assert!(verifier.verify(&old.token(ISSUER), now()).await.is_ok());

    server.set("/jwks", Reply::json(&jwks(&[&new])).max_age("max-age=0"));
    let before = server.hits("/jwks");
    eventually("the background refresh", || {
        verifier.keys().keys().len() == 1
    })
    .await;
    assert!(server.hits("/jwks") > before);
    assert_eq!(
        code(verifier.verify(&old.token(ISSUER), now()).await),
        "key_not_found"
    );
    assert!(verifier.verify(&new.token(ISSUER), now()).await.is_ok());
    assert_eq!(
        verifier.stats().unknown_kid_refetches,
        0,
        "refreshed, not refetched"
    );
}

// ---------------------------------------------------------------- unknown-kid storm

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_storm_fetches_at_most_once_per_cooldown() {
    let server = Server::start().await;
    let signer = Signer::new();
    server.set("/jwks", Reply::json(&jwks(&[&signer])));
    let cooldown = Duration::from_secs(1);
    let cache = quick_cache().with_unknown_kid_cooldown(cooldown);
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    // A slow provider, so that many verifications arrive during the fetch.
    server.set(
        "/jwks",
        Reply::json(&jwks(&[&signer])).delay(Duration::from_millis(100)),
    );
    sleep(cooldown).await;

    // Every token is signed by the genuine key but names a random kid.
    let waves: Vec<Vec<String>> = (1..=3)
        .map(|wave| {
            (0..1000)
                .map(|i| signer.token_with_kid(ISSUER, Some(&format!("random-{wave}-{i}"))))
                .collect()
        })
        .collect();
    let storm = |wave: usize| {
        let tokens = waves[wave - 1].clone();
        let verifier = verifier.clone();
        async move {
            let tasks: Vec<_> = tokens
                .into_iter()
                .map(|token| {
                    let verifier = verifier.clone();
                    tokio::spawn(async move { code(verifier.verify(&token, now()).await) })
                })
                .collect();
            let mut codes = HashMap::new();
            for task in tasks {
                *codes.entry(task.await.unwrap()).or_insert(0) += 1;
            }
            codes
        }
    };

    let started = Instant::now();
    let codes = storm(1).await;
    assert_eq!(codes.get("key_not_found"), Some(&1000), "{codes:?}");
    assert_eq!(server.hits("/jwks"), 2, "one initial fetch and one refetch");

    // More random kids within the same cooldown window: no fetch at all.
    let codes = storm(2).await;
    assert!(started.elapsed() < cooldown, "the test machine is too slow");
    assert_eq!(codes.get("key_not_found"), Some(&1000), "{codes:?}");
    assert_eq!(server.hits("/jwks"), 2);

    // The next window allows one more fetch, shared again by everyone.
    sleep(cooldown).await;
    let codes = storm(3).await;
    assert_eq!(codes.get("key_not_found"), Some(&1000), "{codes:?}");
    assert_eq!(server.hits("/jwks"), 3);
    assert_eq!(verifier.stats().unknown_kid_refetches, 2);

    // A kid still unknown after a refetch that started after it arrived is
    // remembered: within the cooldown it is refused without a fetch.
    sleep(cooldown).await;
    let remembered = signer.token_with_kid(ISSUER, Some("remembered"));
    assert_eq!(
        code(verifier.verify(&remembered, now()).await),
        "key_not_found"
    );
    assert_eq!(server.hits("/jwks"), 4);
    assert_eq!(
        code(verifier.verify(&remembered, now()).await),
        "key_not_found"
    );
    assert_eq!(server.hits("/jwks"), 4);
    // The genuine key still verifies, with no fetch.
    assert!(verifier.verify(&signer.token(ISSUER), now()).await.is_ok());
    assert_eq!(server.hits("/jwks"), 4);

    // Once the cooldown has passed, it may cause one refetch again (the next
    // fetch, which ends what was remembered of the last one).
    sleep(cooldown).await;
    assert_eq!(
        code(verifier.verify(&remembered, now()).await),
        "key_not_found"
    );
    assert_eq!(server.hits("/jwks"), 5);
    assert_eq!(verifier.stats().unknown_kid_refetches, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembered_missing_kid_is_refetched_after_the_cooldown() {
    let server = Server::start().await;
    let (old, new) = (Signer::new(), Signer::new());
    server.set("/jwks", Reply::json(&jwks(&[&old])));
    let cooldown = Duration::from_millis(500);
    let cache = quick_cache().with_unknown_kid_cooldown(cooldown);
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    sleep(cooldown).await;

    // The kid is unknown, the refetch does not find it either: remembered.
    let token = new.token(ISSUER);
    assert_eq!(code(verifier.verify(&token, now()).await), "key_not_found");
    assert_eq!(server.hits("/jwks"), 2, "one initial fetch and one refetch");
    let refetched = Instant::now();

    // The provider publishes it. Within the cooldown the token is refused
    // without a fetch.
    server.set("/jwks", Reply::json(&jwks(&[&old, &new])));
    assert_eq!(code(verifier.verify(&token, now()).await), "key_not_found");
    assert_eq!(server.hits("/jwks"), 2);
    assert!(
        refetched.elapsed() < cooldown,
        "the test machine is too slow"
    );

    // After the cooldown, the remembered kid causes one refetch, which finds it.
    sleep(cooldown).await;
    let verified = verifier.verify(&token, now()).await.unwrap();
    assert_eq!(verified.header().kid.as_deref(), Some(new.kid.as_str()));
    assert_eq!(server.hits("/jwks"), 3);
    assert_eq!(verifier.stats().unknown_kid_refetches, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembered_missing_kid_is_unavailable_not_invalid_while_fetches_fail() {
    let server = Server::start().await;
    let (old, new) = (Signer::new(), Signer::new());
    server.set("/jwks", Reply::json(&jwks(&[&old])));
    let cooldown = Duration::from_secs(1);
    let cache = quick_cache().with_unknown_kid_cooldown(cooldown);
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    sleep(cooldown).await;
    // Unknown after a refetch: remembered as missing from this set.
    let token = new.token(ISSUER);
    assert_eq!(code(verifier.verify(&token, now()).await), "key_not_found");
    // The provider goes down and a refresh fails, within the cooldown.
    server.set("/jwks", Reply::status(503));
    let started = Instant::now();
    assert!(verifier.refresh().await.is_err());
    // The key may well exist by now: 503, not an invalid token.
    assert_eq!(
        code(verifier.verify(&token, now()).await),
        "keys_unavailable"
    );
    assert!(started.elapsed() < cooldown, "the test machine is too slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cache_is_flushed_when_the_key_set_changes() {
    let server = Server::start().await;
    let (old, new) = (Signer::new(), Signer::new());
    server.set("/jwks", Reply::json(&jwks(&[&old])));
    let verifier = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(server.url("/jwks")))
        .with_fetch_settings(quick_fetch())
        .with_cache_settings(quick_cache())
        .with_token_cache(stepup::TokenCacheSettings::default())
        .build()
        .await
        .unwrap();
    let token = old.token(ISSUER);
    assert!(verifier.verify(&token, now()).await.is_ok());
    assert!(verifier.verify(&token, now()).await.is_ok());
    assert_eq!(verifier.token_cache_stats().hits, 1);
    // The provider drops the key: after the refresh the cached verdict is gone and
    // the token is refused, exactly as without a cache.
    server.set("/jwks", Reply::json(&jwks(&[&new])));
    verifier.refresh().await.unwrap();
    assert_eq!(code(verifier.verify(&token, now()).await), "key_not_found");
    assert_eq!(verifier.token_cache_stats().hits, 1);
    assert_eq!(verifier.token_cache_stats().entries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_does_not_settle_for_a_fetch_that_started_before_it() {
    let server = Server::start().await;
    let (old, new) = (Signer::new(), Signer::new());
    server.set("/jwks", Reply::json(&jwks(&[&old])));
    let cooldown = Duration::from_millis(200);
    let cache = quick_cache().with_unknown_kid_cooldown(cooldown);
    let fetch = quick_fetch().with_timeout(Duration::from_secs(2));
    let verifier = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(server.url("/jwks")))
        .with_fetch_settings(fetch)
        .with_cache_settings(cache)
        .build()
        .await
        .unwrap();

    // A slow refresh of the old set is in flight…
    server.set(
        "/jwks",
        Reply::json(&jwks(&[&old])).delay(Duration::from_millis(700)),
    );
    let refresh = tokio::spawn({
        let verifier = verifier.clone();
        async move { verifier.refresh().await }
    });
    eventually("the slow fetch to start", || server.hits("/jwks") == 2).await;
    // …for longer than the cooldown, when the provider publishes a new key and a
    // token signed with it arrives.
    sleep(cooldown + Duration::from_millis(100)).await;
    server.set("/jwks", Reply::json(&jwks(&[&old, &new])));
    let verified = verifier.verify(&new.token(ISSUER), now()).await.unwrap();
    assert_eq!(verified.header().kid.as_deref(), Some(new.kid.as_str()));
    assert!(refresh.await.unwrap().is_ok());
    assert_eq!(server.hits("/jwks"), 3, "the slow fetch, then one after it");
    assert_eq!(verifier.stats().unknown_kid_refetches, 1);
}

// ---------------------------------------------------------------- faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_at_startup_have_documented_outcomes() {
    let server = Server::start().await;
    let signer = Signer::new();
    let build_from =
        |path: &str| build(ISSUER, KeySource::JwksUrl(server.url(path)), quick_cache());

    // Server down: nothing listens on the port.
    let down = format!("http://{}/jwks", closed_port().await);
    let error = build(ISSUER, KeySource::JwksUrl(down.clone()), quick_cache())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    assert_eq!(error.class(), ErrorClass::Unavailable);
    let message = error.to_string();
    assert!(
        message.contains(&down) && message.contains("cannot connect"),
        "{message}"
    );

    // HTTP 500.
    server.set("/500", Reply::status(500));
    let error = build_from("/500").await.unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    assert!(error.to_string().contains("HTTP 500"), "{error}");

    // Slower than the timeout (500 ms).
    server.set(
        "/slow",
        Reply::json(&jwks(&[&signer])).delay(Duration::from_secs(3)),
    );
    let started = Instant::now();
    let error = build_from("/slow").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(error.code(), "jwks_unreachable");
    assert!(error.to_string().contains("timeout"), "{error}");

    // Garbage bodies.
    for garbage in [
        &b"<html>gateway error</html>"[..],
        b"",
        b"\xff\xfe",
        b"{\"keys\": \"no\"}",
        b"[]",
        b"{\"keys\": [], \"keys\": [1]}",
    ] {
        server.set("/garbage", Reply::body(garbage));
        let error = build_from("/garbage").await.unwrap_err();
        assert_eq!(error.code(), "jwks_invalid", "{garbage:?}");
        assert_eq!(error.class(), ErrorClass::Unavailable);
    }

    // Body over the limit, announced by Content-Length.
    let big = json!({ "keys": [signer.jwk], "padding": "x".repeat(4096) });
    server.set("/big", Reply::json(&big));
    let error = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(server.url("/big")))
        .with_fetch_settings(quick_fetch().with_max_body(2048))
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    assert!(
        error.to_string().contains("over the limit of 2048 bytes"),
        "{error}"
    );

    // Redirect to plain http off loopback: refused without following it.
    server.set("/to-http", Reply::redirect("http://keys.example.com/jwks"));
    let error = build_from("/to-http").await.unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    let message = error.to_string();
    assert!(message.contains("redirect refused"), "{message}");
    assert!(
        message.contains("http://keys.example.com/jwks"),
        "{message}"
    );

    // Redirect from http (loopback) to https: another scheme, refused, naming both URLs.
    server.set("/to-https", Reply::redirect("https://127.0.0.1:9/jwks"));
    let error = build_from("/to-https").await.unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    let message = error.to_string();
    assert!(message.contains("redirect refused"), "{message}");
    assert!(message.contains(&server.url("/to-https")), "{message}");
    assert!(message.contains("https://127.0.0.1:9/jwks"), "{message}");
    assert!(message.contains("may not change the scheme"), "{message}");

    // Redirect loop.
    server.set("/loop-a", Reply::redirect(server.url("/loop-b")));
    server.set("/loop-b", Reply::redirect(server.url("/loop-a")));
    let error = build_from("/loop-a").await.unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    assert!(
        error.to_string().contains("more than 3 redirects"),
        "{error}"
    );
    assert_eq!(server.hits("/loop-a") + server.hits("/loop-b"), 4);

    // A short redirect chain to another loopback port is fine.
    let other = Server::start().await;
    other.set("/jwks", Reply::json(&jwks(&[&signer])));
    server.set("/moved", Reply::redirect(other.url("/jwks")));
    let verifier = build_from("/moved").await.unwrap();
    assert!(verifier.verify(&signer.token(ISSUER), now()).await.is_ok());

    // Empty key set, and a set of unusable keys only.
    server.set("/empty", Reply::json(&json!({ "keys": [] })));
    let error = build_from("/empty").await.unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    assert!(error.to_string().contains("no usable key"), "{error}");
    server.set(
        "/oct-only",
        Reply::json(&json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg", "kid": "s" }] })),
    );
    assert_eq!(code(build_from("/oct-only").await), "jwks_invalid");

    // The HTTP client error does not replace the documented code: 404 too.
    assert_eq!(code(build_from("/nothing-here").await), "jwks_unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_body_over_the_limit_is_cut() {
    // A raw HTTP/1.1 server that streams 64 KiB in chunks, with no Content-Length.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&served);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            *counter.lock().unwrap() += 1;
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                continue;
            }
            let chunk = format!("400\r\n{}\r\n", " ".repeat(0x400));
            for _ in 0..64 {
                if socket.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
    });
    let error = RemoteVerifier::builder(
        ISSUER,
        CLIENT,
        KeySource::JwksUrl(format!("http://{addr}/jwks")),
    )
    .with_fetch_settings(quick_fetch().with_max_body(8 * 1024))
    .build()
    .await
    .unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    assert!(error.to_string().contains("over the limit"), "{error}");
    assert_eq!(*served.lock().unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_keys_survive_weak_and_unsupported_neighbours() {
    let server = Server::start().await;
    let good = Signer::new();
    // A 1024-bit RSA modulus: weak, skipped.
    let weak_n = format!("w{}", "A".repeat(169));
    // The oct key holds the very secret an attacker signs HS256 tokens with below.
    let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYnk";
    let set = json!({ "keys": [
        { "kty": "RSA", "kid": "weak", "n": weak_n, "e": "AQAB" },
        { "kty": "oct", "kid": "shared", "k": secret },
        { "kty": "EC", "kid": "k256", "crv": "secp256k1", "x": "AA", "y": "AA" },
        { "kty": "RSA", "kid": "enc", "use": "enc", "n": weak_n, "e": "AQAB" },
        good.jwk,
    ]});
    server.set("/jwks", Reply::json(&set));
    let verifier = build(
        ISSUER,
        KeySource::JwksUrl(server.url("/jwks")),
        quick_cache(),
    )
    .await
    .unwrap();
    let stats = verifier.stats();
    assert_eq!((stats.keys_in_use, stats.keys_skipped), (1, 4));
    let keys = verifier.keys();
    let skipped: Vec<&str> = keys.skipped().iter().map(|s| s.reason.code()).collect();
    assert!(skipped.contains(&"weak_key"), "{skipped:?}");
    assert!(verifier.verify(&good.token(ISSUER), now()).await.is_ok());

    // No skipped key is ever used: not the weak one's kid, not the oct secret.
    sleep(Duration::from_millis(350)).await;
    let weak_kid = good.token_with_kid(ISSUER, Some("weak"));
    assert_eq!(
        code(verifier.verify(&weak_kid, now()).await),
        "key_not_found"
    );
    let hs = SigningKey::from_secret(
        &stepup::Secret::new("secret-secret-secret-secret-32by"),
        Alg::HS256,
    )
    .unwrap();
    let token = hs
        .sign_with_header(&json!({ "kid": "shared" }), &claims(ISSUER))
        .unwrap();
    assert_eq!(
        code(verifier.verify(&token, now()).await),
        "alg_not_allowed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_serves_stale_keys_until_the_limit_then_fails_closed() {
    let server = Server::start().await;
    let signer = Signer::new();
    server.set("/jwks", Reply::json(&jwks(&[&signer])).max_age("max-age=0"));
    // Lifetime 300 ms (refreshed at 225 ms), then 700 ms of stale use.
    let cache = quick_cache()
        .with_max_age_bounds(Duration::from_millis(300), Duration::from_secs(60))
        .with_unknown_kid_cooldown(Duration::from_millis(100))
        .with_max_stale(Duration::from_millis(700));
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    let token = signer.token(ISSUER);
    let started = Instant::now();

    // The provider goes down.
    server.set("/jwks", Reply::status(503));
    sleep(Duration::from_millis(450)).await;
    let stats = verifier.stats();
    assert!(stats.fetch_failures >= 1, "{stats:?}");
    assert_eq!(
        stats.last_error.as_ref().map(|e| e.code()),
        Some("jwks_unreachable")
    );
    // Past the lifetime, within the staleness limit: still verifies, counted stale.
    assert!(verifier.verify(&token, now()).await.is_ok());
    assert!(verifier.stats().stale_serves >= 1);
    // A kid the stale set lacks cannot be judged while the provider is down.
    let unknown = signer.token_with_kid(ISSUER, Some("rotated-during-outage"));
    let error = verifier.verify(&unknown, now()).await.unwrap_err();
    assert_eq!(error.code(), "keys_unavailable");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "too slow to check"
    );

    assert!(
        verifier.keys_usable(),
        "stale within the limit is still usable"
    );
    // Past lifetime + staleness limit: fails closed, naming the URL and the cause.
    sleep(
        Duration::from_millis(1000).saturating_sub(started.elapsed()) + Duration::from_millis(50),
    )
    .await;
    let error = verifier.verify(&token, now()).await.unwrap_err();
    assert_eq!(error.code(), "keys_unavailable");
    assert!(
        !verifier.keys_usable(),
        "past the staleness limit: not ready"
    );
    assert_eq!(error.class(), ErrorClass::Unavailable);
    let message = error.to_string();
    assert!(message.contains(&server.url("/jwks")), "{message}");
    assert!(message.contains("HTTP 503"), "{message}");
    assert!(verifier.stats().unavailable >= 1);

    // The provider comes back: the background retry restores service.
    server.set("/jwks", Reply::json(&jwks(&[&signer])).max_age("max-age=0"));
    let probe = verifier.clone();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if probe.verify(&token, now()).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "service did not come back");
        sleep(Duration::from_millis(20)).await;
    }
    assert!(verifier.stats().last_error.is_none());
    assert!(verifier.keys_usable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_with_garbage_or_timeouts_keeps_the_last_good_set() {
    let server = Server::start().await;
    let signer = Signer::new();
    server.set("/jwks", Reply::json(&jwks(&[&signer])));
    let verifier = build(
        ISSUER,
        KeySource::JwksUrl(server.url("/jwks")),
        quick_cache(),
    )
    .await
    .unwrap();
    let token = signer.token(ISSUER);
    for broken in [
        Reply::body("<html>"),
        Reply::json(&json!({ "keys": [] })),
        Reply::json(&jwks(&[&signer])).delay(Duration::from_secs(2)),
        Reply::redirect("http://keys.example.com/jwks"),
    ] {
        server.set("/jwks", broken);
        let error = verifier.refresh().await.unwrap_err();
        assert!(
            ["jwks_invalid", "jwks_unreachable"].contains(&error.code()),
            "{error}"
        );
        assert!(verifier.verify(&token, now()).await.is_ok());
        assert_eq!(verifier.stats().keys_in_use, 1);
    }
}

/// `signer`'s public key `count` times, under the kids `kid(i)` (or none).
fn copies(signer: &Signer, count: usize, kid: impl Fn(usize) -> Option<String>) -> Value {
    let keys: Vec<Value> = (0..count)
        .map(|i| {
            let mut jwk = signer.jwk.clone();
            let object = jwk.as_object_mut().unwrap();
            object.remove("kid");
            if let Some(kid) = kid(i) {
                object.insert("kid".into(), json!(kid));
            }
            jwk
        })
        .collect();
    json!({ "keys": keys })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwks_over_the_key_limit_is_refused_like_any_unusable_answer() {
    let server = Server::start().await;
    let signer = Signer::new();
    let numbered = |i: usize| Some(format!("k{i}"));
    let url = server.url("/jwks");
    server.set("/jwks", Reply::json(&copies(&signer, 101, numbered)));
    // At startup: the build fails as for a provider serving garbage.
    let error = build(ISSUER, KeySource::JwksUrl(url.clone()), quick_cache())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    assert_eq!(error.class(), ErrorClass::Unavailable);
    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(
        message.contains("too many keys: the JWK Set has more than 100 usable keys (it lists 101)"),
        "{message}"
    );
    // The limit is the verifier's `Limits::max_keys`.
    let roomy = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(url.clone()))
        .with_fetch_settings(quick_fetch())
        .with_cache_settings(quick_cache())
        .with_limits(Limits {
            max_keys: 101,
            ..Limits::default()
        })
        .build()
        .await
        .unwrap();
    assert_eq!(roomy.stats().keys_in_use, 101);

    // Later: a refresh that brings too many keys keeps the last good set.
    server.set("/jwks", Reply::json(&copies(&signer, 2, numbered)));
    let verifier = build(ISSUER, KeySource::JwksUrl(url), quick_cache())
        .await
        .unwrap();
    server.set("/jwks", Reply::json(&copies(&signer, 1_000, numbered)));
    let error = verifier.refresh().await.unwrap_err();
    assert_eq!(error.code(), "jwks_invalid");
    assert!(error.to_string().contains("too many keys"), "{error}");
    let stats = verifier.stats();
    assert_eq!(stats.keys_in_use, 2);
    assert_eq!(
        stats.last_error.as_ref().map(stepup::Error::code),
        Some("jwks_invalid")
    );
    let token = signer.token_with_kid(ISSUER, Some("k1"));
    assert!(verifier.verify(&token, now()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_fitting_too_many_keys_is_refused_without_a_refetch() {
    let server = Server::start().await;
    let signer = Signer::new();
    server.set("/jwks", Reply::json(&copies(&signer, 5, |_| None)));
    let verifier = build(
        ISSUER,
        KeySource::JwksUrl(server.url("/jwks")),
        quick_cache(),
    )
    .await
    .unwrap();
    let token = signer.token_with_kid(ISSUER, None);
    let error = verifier.verify(&token, now()).await.unwrap_err();
    assert_eq!(error.code(), "too_many_candidate_keys");
    assert_eq!(error.class(), ErrorClass::Token);
    assert_eq!(server.hits("/jwks"), 1);
    assert_eq!(verifier.stats().unknown_kid_refetches, 0);
    // Four fitting keys are all tried.
    server.set("/jwks", Reply::json(&copies(&signer, 4, |_| None)));
    verifier.refresh().await.unwrap();
    assert!(verifier.verify(&token, now()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc_9864_names_fit_keys_published_under_the_other_name() {
    let server = Server::start().await;
    let generated = generate_key(KeyKind::Ed25519).unwrap();
    let pem = std::str::from_utf8(generated.private_pem.expose()).unwrap();
    for (published, token_alg) in [("EdDSA", Alg::Ed25519), ("Ed25519", Alg::EdDSA)] {
        let mut jwks = generated.jwks.clone();
        jwks["keys"][0]["alg"] = json!(published);
        server.set("/jwks", Reply::json(&jwks));
        let verifier = build(
            ISSUER,
            KeySource::JwksUrl(server.url("/jwks")),
            quick_cache(),
        )
        .await
        .unwrap();
        let token = SigningKey::from_pem(pem, Some(token_alg))
            .unwrap()
            .with_kid(generated.kid.clone())
            .sign(&claims(ISSUER))
            .unwrap();
        assert_eq!(
            code(verifier.verify(&token, now()).await),
            "ok",
            "JWK alg {published}, token alg {token_alg}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_waits_at_most_the_bound_for_keys() {
    let server = Server::start().await;
    let signer = Signer::new();
    server.set("/jwks", Reply::json(&jwks(&[&signer])));
    let cache = quick_cache()
        .with_unknown_kid_cooldown(Duration::from_millis(50))
        .with_max_wait(Duration::from_millis(150));
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    server.set(
        "/jwks",
        Reply::json(&jwks(&[&signer])).delay(Duration::from_millis(450)),
    );
    sleep(Duration::from_millis(60)).await;
    let started = Instant::now();
    let unknown = signer.token_with_kid(ISSUER, Some("new-kid"));
    let error = verifier.verify(&unknown, now()).await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(error.code(), "keys_unavailable");
    assert!(
        waited >= Duration::from_millis(140) && waited < Duration::from_millis(400),
        "{waited:?}"
    );
    // Meanwhile, tokens with known keys never wait.
    let started = Instant::now();
    assert!(verifier.verify(&signer.token(ISSUER), now()).await.is_ok());
    assert!(started.elapsed() < Duration::from_millis(50));
}

// ---------------------------------------------------------------- Cache-Control

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_control_max_age_is_honoured_and_clamped() {
    let server = Server::start().await;
    let signer = Signer::new();
    let cache = quick_cache()
        .with_max_age_bounds(Duration::from_secs(60), Duration::from_secs(3600))
        .with_default_max_age(Duration::from_secs(900));
    server.set(
        "/jwks",
        Reply::json(&jwks(&[&signer])).max_age("public, max-age=600"),
    );
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    assert_eq!(verifier.stats().max_age, Duration::from_secs(600));

    let cases = [
        (Some("max-age=0"), 60),
        (Some("no-store"), 60),
        (Some("max-age=86400"), 3600),
        (Some("max-age=120, must-revalidate"), 120),
        (None, 900),
    ];
    for (header, expected) in cases {
        let mut reply = Reply::json(&jwks(&[&signer]));
        if let Some(header) = header {
            reply = reply.max_age(header);
        }
        server.set("/jwks", reply);
        verifier.refresh().await.unwrap();
        assert_eq!(
            verifier.stats().max_age,
            Duration::from_secs(expected),
            "{header:?}"
        );
    }
    assert_eq!(server.hits("/jwks"), 1 + cases.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_refresh_follows_max_age() {
    let server = Server::start().await;
    let signer = Signer::new();
    // Lifetime 600 ms: refreshed every 450 ms, before it expires, so never stale.
    server.set("/jwks", Reply::json(&jwks(&[&signer])).max_age("max-age=0"));
    let cache =
        quick_cache().with_max_age_bounds(Duration::from_millis(600), Duration::from_secs(60));
    let verifier = build(ISSUER, KeySource::JwksUrl(server.url("/jwks")), cache)
        .await
        .unwrap();
    let token = signer.token(ISSUER);
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        assert!(verifier.verify(&token, now()).await.is_ok());
        sleep(Duration::from_millis(20)).await;
    }
    let hits = server.hits("/jwks");
    assert!((3..=6).contains(&hits), "{hits} fetches in 1.5 s");
    assert_eq!(verifier.stats().stale_serves, 0);

    // Dropping the last clone stops the background refresh.
    drop(verifier);
    sleep(Duration::from_millis(50)).await;
    let hits = server.hits("/jwks");
    sleep(Duration::from_millis(700)).await;
    assert_eq!(server.hits("/jwks"), hits);
}

// ---------------------------------------------------------------- URLs in messages

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_in_errors_lose_user_info_and_query() {
    let server = Server::start().await;
    let signer = Signer::new();
    let secret_url = |path: &str| format!("http://user:s3cret@{}{path}?api_key=k3y", server.addr);
    let hidden = |message: &str| {
        assert!(!message.contains("s3cret"), "{message}");
        assert!(!message.contains("k3y"), "{message}");
        assert!(!message.contains("user"), "{message}");
    };

    // A fetch error names the URL without its user info and query.
    server.set("/down", Reply::status(500));
    let error = build(
        ISSUER,
        KeySource::JwksUrl(secret_url("/down")),
        quick_cache(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    let message = error.to_string();
    assert!(
        message.contains(&format!("{}?…", server.url("/down"))),
        "{message}"
    );
    hidden(&message);

    // So does a refused redirect, for both URLs.
    server.set(
        "/moved",
        Reply::redirect(secret_url("/elsewhere").replace("http:", "https:")),
    );
    let error = build(
        ISSUER,
        KeySource::JwksUrl(secret_url("/moved")),
        quick_cache(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "jwks_unreachable");
    hidden(&error.to_string());

    // A URL that does not even parse is not echoed with them either.
    let error = build(
        ISSUER,
        KeySource::JwksUrl("https://user:s3cret@exa mple.com/jwks?api_key=k3y".into()),
        quick_cache(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), "invalid_config");
    hidden(&error.to_string());

    // The credentials are still used for the request; the URL shown is redacted.
    server.set("/jwks", Reply::json(&jwks(&[&signer])));
    let verifier = build(
        ISSUER,
        KeySource::JwksUrl(secret_url("/jwks")),
        quick_cache(),
    )
    .await
    .unwrap();
    assert_eq!(verifier.jwks_url(), format!("{}?…", server.url("/jwks")));
    hidden(&format!("{verifier:?}"));
}

// ---------------------------------------------------------------- settings

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_checked_before_any_request() {
    let server = Server::start().await;
    let url = server.url("/jwks");
    let error = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(url.clone()))
        .with_algorithms([Alg::HS256])
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "alg_unusable");
    let error = RemoteVerifier::builder("", CLIENT, KeySource::JwksUrl(url.clone()))
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid_config");
    let error = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(url.clone()))
        .with_cache_settings(
            CacheSettings::default()
                .with_max_age_bounds(Duration::from_secs(10), Duration::from_secs(1)),
        )
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid_config");
    assert_eq!(server.hits("/jwks"), 0);

    // An allow-list the provider's keys cannot serve.
    let signer = Signer::new();
    server.set("/jwks", Reply::json(&jwks(&[&signer])));
    let error = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(url.clone()))
        .with_algorithms([Alg::RS256])
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.code(), "no_usable_key");
    // With a fitting one, an ES256 token verifies and an RS256 one is not allowed.
    let verifier = RemoteVerifier::builder(ISSUER, CLIENT, KeySource::JwksUrl(url))
        .with_algorithms([Alg::ES256])
        .build()
        .await
        .unwrap();
    assert!(verifier.verify(&signer.token(ISSUER), now()).await.is_ok());
    assert_eq!(verifier.algorithms().to_string(), "ES256");
}

#[test]
fn blocking_fetch_outside_a_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let signer = Signer::new();
    let server = runtime.block_on(Server::start());
    server.set("/jwks", Reply::json(&jwks(&[&signer])));
    let source = KeySource::JwksUrl(server.url("/jwks"));
    // Called from a plain thread (as the CLI does), it runs its own runtime.
    let keys = fetch_key_set_blocking(&source, ISSUER, &quick_fetch()).unwrap();
    let verifier = stepup::Verifier::builder(ISSUER, CLIENT, keys)
        .build()
        .unwrap();
    assert!(verifier.verify(&signer.token(ISSUER), now()).is_ok());
    // Inside a runtime it refuses rather than panicking.
    let inside =
        runtime.block_on(async { fetch_key_set_blocking(&source, ISSUER, &quick_fetch()) });
    assert_eq!(code(inside), "invalid_config");
    // Network errors are the same as for the cached verifier.
    let down = KeySource::JwksUrl(format!("http://{}/jwks", runtime.block_on(closed_port())));
    assert_eq!(
        code(fetch_key_set_blocking(&down, ISSUER, &quick_fetch())),
        "jwks_unreachable"
    );
}
