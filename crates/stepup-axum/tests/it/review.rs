//! Findings of the adversarial review, each pinned by a test: nested routes keep
//! their prefix in `rd`, `session_cookie` refuses another audience's token, a
//! `Bearer<TAB>` header is a broken Bearer header, colliding paths are refused at
//! build, over-long return paths still allow a login, shortening the lifetime
//! shortens live sessions, and a session sealed by an instance whose clock runs
//! ahead still opens.

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, StatusCode, header};
use serde_json::json;
use stepup::{Policy, ProviderMetadata, UnixTime};
use stepup_axum::{Client, Clock, Provider, SessionKeys, StepUp, StepUpBuilder};
use tower::ServiceExt as _;

use crate::support::{CLIENT_ID, ISSUER, KEY_A, NOW, REDIRECT_URI, local_verifier, sign};

fn builder(now: i64) -> StepUpBuilder {
    let metadata = ProviderMetadata::new(
        ISSUER,
        format!("{ISSUER}/authorize"),
        format!("{ISSUER}/token"),
        format!("{ISSUER}/jwks"),
        None,
    )
    .unwrap();
    StepUp::builder(
        Provider::new(metadata, local_verifier(ISSUER)).unwrap(),
        Client::public(CLIENT_ID, REDIRECT_URI),
        SessionKeys::new([KEY_A]).unwrap(),
    )
    .with_clock(Clock::from_fn(move || UnixTime::from_secs(now)))
}

fn token(claims: serde_json::Value) -> String {
    sign(&claims)
}

fn claims(aud: &str, amr: &[&str]) -> serde_json::Value {
    json!({"iss": ISSUER, "sub": "alice", "aud": aud, "iat": NOW - 10, "exp": NOW + 3600,
           "auth_time": NOW - 10, "amr": amr})
}

async fn status_and_location(app: &Router, request: Request<Body>) -> (StatusCode, Option<String>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), location)
}

fn session_pair(set_cookie: &http::HeaderValue) -> String {
    set_cookie
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_nested_route_keeps_its_prefix_in_rd() {
    let stepup = builder(NOW).build().unwrap();
    let inner = Router::new()
        .route("/page", get(|| async { "admin page" }))
        .route_layer(stepup.require(Policy::default()));
    let app = Router::new().nest("/admin", inner);
    let request = Request::get("/admin/page?x=1")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let (status, location) = status_and_location(&app, request).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        location.as_deref(),
        Some("/login?rd=%2Fadmin%2Fpage%3Fx%3D1&amr=mfa")
    );
}

#[tokio::test]
async fn session_cookie_refuses_a_token_for_another_audience() {
    let stepup = builder(NOW).build().unwrap();
    let other = stepup::Verifier::builder(
        ISSUER,
        "other-api",
        stepup::KeySet::from_public_key(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/vectors/keys/ed25519.public.pem"
            ))
            .unwrap(),
        )
        .unwrap(),
    )
    .build()
    .unwrap();
    let foreign = other
        .verify(
            &token(claims("other-api", &["mfa"])),
            UnixTime::from_secs(NOW),
        )
        .unwrap();
    assert!(stepup.session_cookie(&foreign).is_none());
    let ours = local_verifier(ISSUER)
        .verify(
            &token(claims(CLIENT_ID, &["mfa"])),
            UnixTime::from_secs(NOW),
        )
        .unwrap();
    assert!(stepup.session_cookie(&ours).is_some());
}

#[tokio::test]
async fn a_bearer_header_with_a_tab_is_invalid_not_absent() {
    let stepup = builder(NOW).build().unwrap();
    let app = Router::new()
        .route("/pay", get(|| async { "paid" }))
        .route_layer(stepup.require(Policy::default()));
    let good = token(claims(CLIENT_ID, &["mfa"]));
    for (value, expected) in [
        (format!("Bearer {good}"), StatusCode::OK),
        (format!("bearer {good}"), StatusCode::OK),
        (format!("Bearer\t{good}"), StatusCode::UNAUTHORIZED),
        (format!("Bearer{good}"), StatusCode::UNAUTHORIZED),
        (format!("Bearer  {good} x"), StatusCode::UNAUTHORIZED),
    ] {
        let request = Request::get("/pay")
            .header(header::AUTHORIZATION, &value)
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), expected, "{:?}", &value[..8]);
        if expected == StatusCode::UNAUTHORIZED {
            let challenge = response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap();
            assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        }
    }
}

#[test]
fn colliding_paths_are_refused_at_build() {
    let err = builder(NOW)
        .with_paths("/callback", "/logout")
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("must differ"), "{err}");
    assert!(builder(NOW).with_paths("/x", "/x").build().is_err());
}

#[test]
fn redirect_uris_follow_the_cores_url_rule() {
    let metadata = || {
        ProviderMetadata::new(
            ISSUER,
            format!("{ISSUER}/authorize"),
            format!("{ISSUER}/token"),
            format!("{ISSUER}/jwks"),
            None,
        )
        .unwrap()
    };
    let build = |redirect: &str| {
        StepUp::builder(
            Provider::new(metadata(), local_verifier(ISSUER)).unwrap(),
            Client::public(CLIENT_ID, redirect),
            SessionKeys::new([KEY_A]).unwrap(),
        )
        .build()
    };
    for bad in [
        "http://app.example.com/callback",
        "ftp://app/cb",
        "/callback",
        "https://app/cb?x=1",
    ] {
        let err = build(bad).unwrap_err();
        assert_eq!(err.code(), "invalid_config", "{bad}");
        assert!(err.to_string().contains("redirect_uri"), "{err}");
    }
    for good in [
        "https://app.example.com/callback",
        "http://127.0.0.1:3000/callback",
        "http://localhost/cb",
    ] {
        assert!(build(good).is_ok(), "{good}");
    }
}

#[tokio::test]
async fn an_over_long_return_path_still_allows_a_login() {
    let stepup = builder(NOW).build().unwrap();
    let app = Router::new()
        .route("/page", get(|| async { "page" }))
        .route_layer(stepup.require(Policy::default()))
        .merge(stepup.routes());
    let long = format!("/page?q={}", "a".repeat(3000));
    let request = Request::get(&long)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let (_, location) = status_and_location(&app, request).await;
    let login = location.unwrap();
    assert_eq!(login, "/login?rd=%2Fpage&amr=mfa");
    let request = Request::get(&login)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let (status, location) = status_and_location(&app, request).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        location
            .unwrap()
            .starts_with(&format!("{ISSUER}/authorize?"))
    );
}

#[test]
fn a_gateway_login_start_url_is_absolute_and_cut_to_fit() {
    let stepup = builder(NOW)
        .with_return_origin("https://app.example.com")
        .with_paths("/stepup/start", "/stepup/logout")
        .build()
        .unwrap();
    assert_eq!(
        stepup.login_start_url("https://app.example.com/admin?x=1"),
        "https://app.example.com/stepup/start?rd=https%3A%2F%2Fapp.example.com%2Fadmin%3Fx%3D1"
    );
    let long = format!("https://app.example.com/admin?q={}", "a".repeat(3000));
    assert_eq!(
        stepup.login_start_url(&long),
        "https://app.example.com/stepup/start?rd=https%3A%2F%2Fapp.example.com%2Fadmin"
    );
}

#[tokio::test]
async fn lifetime_and_clock_skew_are_judged_from_the_session_iat() {
    let verified = local_verifier(ISSUER)
        .verify(
            &token(claims(CLIENT_ID, &["pwd"])),
            UnixTime::from_secs(NOW),
        )
        .unwrap();
    // Sealed by an instance whose clock runs 600 s ahead, with a 1 h lifetime.
    let ahead = builder(NOW + 600)
        .with_session_lifetime(3600)
        .build()
        .unwrap();
    let cookie = session_pair(&ahead.session_cookie(&verified).unwrap());
    let request = |cookie: &str| {
        Request::get("/me")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let app = |stepup: &StepUp| {
        Router::new()
            .route("/me", get(|| async { "me" }))
            .route_layer(stepup.require_login())
    };
    // An instance at the true time opens it: no drop, no loop between instances.
    let behind = builder(NOW).with_session_lifetime(3600).build().unwrap();
    let (status, _) = status_and_location(&app(&behind), request(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    // Sealed at NOW with 1 h; the operator shortens the lifetime to 60 s: at NOW + 1800
    // the session has ended, although its sealed expiry has not.
    let now_instance = builder(NOW).with_session_lifetime(3600).build().unwrap();
    let cookie = session_pair(&now_instance.session_cookie(&verified).unwrap());
    let shortened = builder(NOW + 1800)
        .with_session_lifetime(60)
        .build()
        .unwrap();
    let (status, _) = status_and_location(&app(&shortened), request(&cookie)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let unchanged = builder(NOW + 1800)
        .with_session_lifetime(3600)
        .build()
        .unwrap();
    let (status, _) = status_and_location(&app(&unchanged), request(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
}
