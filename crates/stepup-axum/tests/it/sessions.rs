//! Sealed session cookies: a bad one (forged, expired, foreign key, another
//! issuer, the flow cookie passed off as a session) is no session. A browser is
//! sent to log in and the cookie is removed; never an error page, never a login.
//! Keys rotate: the first seals, every listed key opens. The policy is decided
//! again on every request, so freshness decays.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use http::header::{CACHE_CONTROL, LOCATION, WWW_AUTHENTICATE};

use crate::support::{
    App, CLIENT_ID, END_SESSION, FLOW_COOKIE, KEY_A, KEY_B, KEY_C, LIFETIME, OTHER_ISSUER, Options,
    Reply, Req, SESSION_COOKIE, flip_bit, pairs,
};

/// The browser answer to a session that does not open: 302 to the login start
/// for `/mfa`, and a `Set-Cookie` that removes the session.
fn assert_dropped_and_sent_to_log_in(reply: &Reply) {
    assert_eq!(
        reply.login_redirect(),
        pairs(&[("rd", "/mfa"), ("amr", "mfa")]),
        "{reply:?}"
    );
    reply.assert_removes(SESSION_COOKIE);
    assert!(reply.header(WWW_AUTHENTICATE).is_none());
}

async fn browser_get(app: &App, path: &str, session: &str) -> Reply {
    app.send(Req::get(path).html().cookie(SESSION_COOKIE, session))
        .await
}

#[tokio::test]
async fn session_cookie_is_sealed_and_small() {
    let app = App::new().await;
    let session = app.login(&["pwd", "mfa"], Some(10)).await;
    // `session()` checked HttpOnly, SameSite=Lax, Secure, Path=/ and Max-Age.
    assert!(session.len() < 4000, "{}", session.len());
    let bytes = URL_SAFE_NO_PAD.decode(&session).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for clear in ["alice", "mfa", CLIENT_ID, "example"] {
        assert!(!text.contains(clear), "{clear} readable in the cookie");
    }
    let reply = browser_get(&app, "/mfa", &session).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.json()["source"], "Session");
    assert!(
        reply.set_cookies().is_empty(),
        "a good session is left alone"
    );
}

#[tokio::test]
async fn forged_session_cookie_is_dropped_and_the_browser_sent_to_log_in() {
    let app = App::new().await;
    let session = app.login(&["pwd", "mfa"], Some(10)).await;
    let forged = [
        flip_bit(&session),
        session[..session.len() - 4].to_owned(),
        format!("{session}AA"),
        "x".to_owned(),
        String::new(),
        "not base64 !".replace(' ', "%20"),
    ];
    for value in &forged {
        let reply = browser_get(&app, "/mfa", value).await;
        assert_dropped_and_sent_to_log_in(&reply);
        // A program with the same cookie: no credentials, and the cookie goes too.
        let reply = app
            .send(Req::get("/mfa").json().cookie(SESSION_COOKIE, value))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.challenge().params, pairs(&[("realm", CLIENT_ID)]));
        reply.assert_removes(SESSION_COOKIE);
        assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
    }
    assert_eq!(app.hits(), 0, "never a login");
    // The original still works: nothing was poisoned.
    assert_eq!(
        browser_get(&app, "/mfa", &session).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn expired_session_is_dropped_at_its_sealed_expiry() {
    let app = App::new().await;
    // No max_age on /mfa: only the session's own lifetime ends it.
    let session = app.login(&["pwd", "mfa"], Some(10)).await;
    app.clock.advance(LIFETIME as i64 - 1);
    assert_eq!(
        browser_get(&app, "/mfa", &session).await.status,
        StatusCode::OK
    );
    app.clock.advance(1);
    let reply = browser_get(&app, "/mfa", &session).await;
    assert_dropped_and_sent_to_log_in(&reply);
    assert_eq!(app.hits(), 1);
}

#[tokio::test]
async fn cookie_sealed_with_another_key_is_dropped() {
    let app = App::new().await;
    let foreign = App::with(Options::keys(&[KEY_B])).await;
    let session = foreign.login(&["pwd", "mfa"], Some(10)).await;
    assert_eq!(
        browser_get(&foreign, "/mfa", &session).await.status,
        StatusCode::OK
    );
    let reply = browser_get(&app, "/mfa", &session).await;
    assert_dropped_and_sent_to_log_in(&reply);
    assert_eq!(app.hits(), 0);
}

#[tokio::test]
async fn rotated_keys_open_old_cookies_while_listed_and_not_once_dropped() {
    let old = App::with(Options::keys(&[KEY_A])).await;
    let old_session = old.login(&["pwd", "mfa"], Some(10)).await;

    // The new key first, the old one second: old cookies still open.
    let rotated = App::with(Options::keys(&[KEY_B, KEY_A])).await;
    let reply = browser_get(&rotated, "/mfa", &old_session).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert!(reply.set_cookies().is_empty());
    // New cookies are sealed with the first key only.
    let new_session = rotated.login(&["pwd", "mfa"], Some(10)).await;
    assert_dropped_and_sent_to_log_in(&browser_get(&old, "/mfa", &new_session).await);

    // The old key dropped: its cookies no longer open; the new ones do.
    let dropped = App::with(Options::keys(&[KEY_B])).await;
    assert_dropped_and_sent_to_log_in(&browser_get(&dropped, "/mfa", &old_session).await);
    assert_eq!(
        browser_get(&dropped, "/mfa", &new_session).await.status,
        StatusCode::OK
    );
    // A key that was never listed opens nothing.
    let unrelated = App::with(Options::keys(&[KEY_C, KEY_B])).await;
    assert_dropped_and_sent_to_log_in(&browser_get(&unrelated, "/mfa", &old_session).await);
}

#[tokio::test]
async fn session_of_another_issuer_does_not_open_even_with_the_same_key() {
    let app = App::new().await;
    let other = App::with(Options {
        issuer: OTHER_ISSUER,
        ..Options::default()
    })
    .await;
    let session = other.login(&["pwd", "mfa"], Some(10)).await;
    assert_eq!(
        browser_get(&other, "/mfa", &session).await.status,
        StatusCode::OK
    );
    assert_dropped_and_sent_to_log_in(&browser_get(&app, "/mfa", &session).await);
}

#[tokio::test]
async fn flow_cookie_does_not_open_as_a_session() {
    let app = App::new().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    assert_dropped_and_sent_to_log_in(&browser_get(&app, "/mfa", &authorize.flow).await);
}

#[tokio::test]
async fn policy_is_decided_again_on_every_request() {
    let app = App::new().await;
    let session = app.login(&["pwd", "mfa"], Some(0)).await;
    assert_eq!(
        browser_get(&app, "/fresh", &session).await.status,
        StatusCode::OK
    );
    // max_age 300 + leeway 60: fresh up to 360 s after the login.
    app.clock.advance(360);
    assert_eq!(
        browser_get(&app, "/fresh", &session).await.status,
        StatusCode::OK
    );
    app.clock.advance(1);
    let reply = browser_get(&app, "/fresh", &session).await;
    assert_eq!(
        reply.login_redirect(),
        pairs(&[("rd", "/fresh"), ("amr", "mfa"), ("max_age", "300")])
    );
    assert!(reply.set_cookies().is_empty(), "the session itself is fine");
    // Pages without max_age still take it.
    assert_eq!(
        browser_get(&app, "/mfa", &session).await.status,
        StatusCode::OK
    );
    // A program with the same session gets the RFC 9470 challenge.
    let reply = app
        .send(Req::get("/fresh").json().cookie(SESSION_COOKIE, &session))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.challenge().params,
        pairs(&[
            ("realm", CLIENT_ID),
            ("error", "insufficient_user_authentication"),
            (
                "error_description",
                "More recent authentication is required"
            ),
            ("max_age", "300"),
        ])
    );
    // And the login start asks the provider to log the user in again.
    let location = browser_get(&app, "/fresh", &session)
        .await
        .location()
        .unwrap()
        .to_owned();
    let authorize = app.start(&location, Some(&session)).await;
    assert_eq!(authorize.params["prompt"], "login");
    assert_eq!(authorize.params["max_age"], "300");
    assert!(!authorize.params.contains_key("acr_values"));
    assert_eq!(app.hits(), 3);
}

#[tokio::test]
async fn logout_removes_both_cookies_and_ends_the_provider_session() {
    let app = App::new().await;
    let session = app.login(&["pwd"], Some(10)).await;
    let reply = app
        .send(
            Req::new(http::Method::POST, "/logout")
                .html()
                .header(
                    http::HeaderName::from_static("sec-fetch-site"),
                    "same-origin",
                )
                .cookie(SESSION_COOKIE, &session),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let location = url::Url::parse(reply.header(LOCATION).unwrap()).unwrap();
    assert_eq!(
        format!(
            "{}://{}{}",
            location.scheme(),
            location.authority(),
            location.path()
        ),
        END_SESSION
    );
    let params: Vec<_> = location.query_pairs().into_owned().collect();
    assert_eq!(
        params,
        pairs(&[
            ("client_id", CLIENT_ID),
            ("post_logout_redirect_uri", "https://app.example.com/")
        ])
    );
    reply.assert_removes(SESSION_COOKIE);
    reply.assert_removes(FLOW_COOKIE);
}

/// A state-changing request carried only by the session cookie must come from the
/// app's own pages; a cross-site (or same-site sibling) POST is refused with 403, and
/// so is a cross-site logout.
#[tokio::test]
async fn cookie_authenticated_unsafe_requests_must_come_from_the_app() {
    let app = App::new().await;
    let session = app.login(&["pwd", "mfa"], Some(10)).await;
    let post = |site: Option<&'static str>, origin: Option<&str>| {
        let mut request = Req::new(http::Method::POST, "/mfa").cookie(SESSION_COOKIE, &session);
        if let Some(site) = site {
            request = request.header(http::HeaderName::from_static("sec-fetch-site"), site);
        }
        if let Some(origin) = origin {
            request = request.header(http::header::ORIGIN, origin);
        }
        request
    };
    let own_origin = {
        let url = url::Url::parse(crate::support::REDIRECT_URI).unwrap();
        url.origin().ascii_serialization()
    };
    for (site, origin, allowed) in [
        (Some("same-origin"), None, true),
        (Some("none"), None, true),
        (None, Some(own_origin.as_str()), true),
        (Some("same-site"), Some(own_origin.as_str()), false),
        (Some("cross-site"), None, false),
        (None, Some("https://evil.example.com"), false),
        (None, None, false),
    ] {
        let reply = app.send(post(site, origin)).await;
        if allowed {
            assert_ne!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{site:?} {origin:?}: {reply:?}"
            );
        } else {
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{site:?} {origin:?}: {reply:?}"
            );
            assert_eq!(reply.json()["error"], "cross_site_request");
        }
    }
    // A GET stays a GET: reading needs no origin check.
    let reply = app
        .send(Req::get("/mfa").cookie(SESSION_COOKIE, &session))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    let logout = app
        .send(
            Req::new(http::Method::POST, "/logout")
                .header(
                    http::HeaderName::from_static("sec-fetch-site"),
                    "cross-site",
                )
                .cookie(SESSION_COOKIE, &session),
        )
        .await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    assert!(
        logout.cookie(SESSION_COOKIE).is_none(),
        "a cross-site logout must not clear the session"
    );
}
