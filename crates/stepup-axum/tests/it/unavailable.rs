//! Keys unavailable: a `RemoteVerifier` against a JWKS server on 127.0.0.1 that
//! starts answering 500. A token whose `kid` is not in the last good set cannot be
//! judged while the provider is down (`keys_unavailable`), which takes one failed
//! refetch (cooldown 1 ms), not a wait for the cache to expire.
//!
//! Browsers never send Bearer tokens and sessions are checked without the
//! provider's keys, so for browsers the row is reached at the callback (the ID
//! token is verified there) and on [`respond`] itself.

use std::time::Duration;

use http::StatusCode;
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE};
use serde_json::json;
use stepup::UnixTime;
use stepup_axum::{Answer, BrowserRedirect, ClientKind, Refusal, respond};

use crate::support::{
    App, CLIENT_ID, FLOW_COOKIE, JwksServer, NOW, Options, Reply, Req, SESSION_COOKIE,
    callback_uri, signer,
};

async fn remote_app() -> (App, JwksServer) {
    let jwks = JwksServer::start().await;
    let app = App::with(Options {
        remote: Some(jwks.url()),
        ..Options::default()
    })
    .await;
    (app, jwks)
}

/// A valid MFA token signed by the provider's key under a `kid` it never published.
fn token_with_kid(app: &App, kid: &str) -> String {
    signer()
        .with_kid(kid)
        .sign(&app.claims(&["pwd", "mfa"], Some(10)))
        .unwrap()
}

fn rotated_token(app: &App) -> String {
    token_with_kid(app, "rotated-key")
}

/// The provider goes down; the unknown-kid cooldown (1 ms) has passed.
async fn outage(jwks: &JwksServer) {
    jwks.fail_with(500);
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_unavailable_api_is_503_with_retry_after() {
    let (app, jwks) = remote_app().await;
    let known = app.token(&["pwd", "mfa"], Some(10));
    assert_eq!(
        app.send(Req::get("/mfa").bearer(&known)).await.status,
        StatusCode::OK
    );
    // Provider up: an unpublished kid is simply an invalid token. (Another kid
    // than below: a kid found missing is remembered, and refused as not found
    // for the cooldown after each fetch, even while fetches fail.)
    let unpublished = token_with_kid(&app, "never-published");
    let reply = app.send(Req::get("/mfa").bearer(&unpublished)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply
            .challenge()
            .get("error_description")
            .unwrap()
            .starts_with("key_not_found: ")
    );

    outage(&jwks).await;
    let rotated = rotated_token(&app);
    for request in [
        Req::get("/mfa").json().bearer(&rotated),
        // A Bearer token makes a program of a browser-looking request.
        Req::get("/mfa").html().bearer(&rotated),
    ] {
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
        assert_eq!(reply.header(RETRY_AFTER), Some("10"));
        assert!(
            reply.header(WWW_AUTHENTICATE).is_none(),
            "not a token problem"
        );
        assert!(reply.location().is_none());
        let body = reply.json();
        assert_eq!(body["error"], "temporarily_unavailable");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .starts_with("keys_unavailable: "),
            "{body}"
        );
    }
    // Keys already held still verify: the outage does not stop everyone.
    assert_eq!(
        app.send(Req::get("/mfa").bearer(&known)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_unavailable_at_the_callback_is_a_503_page_with_retry_after() {
    let (app, jwks) = remote_app().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let mut claims = app.claims(&["pwd", "mfa"], Some(5));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let id_token = signer().with_kid("rotated-key").sign(&claims).unwrap();
    let code = app.op.grant(&authorize.params["code_challenge"], &id_token);
    outage(&jwks).await;
    let uri = callback_uri(&[("code", &code), ("state", &authorize.params["state"])]);
    let reply = app.callback(&uri, Some(&authorize.flow)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
    assert_eq!(reply.header(RETRY_AFTER), Some("10"), "{reply:?}");
    assert!(reply.header(CONTENT_TYPE).unwrap().starts_with("text/html"));
    assert!(reply.header(LOCATION).is_none());
    assert!(reply.cookie(SESSION_COOKIE).is_none(), "no session");
    reply.assert_removes(FLOW_COOKIE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_unavailable_browser_answer_is_a_503_page_with_retry_after() {
    let (app, jwks) = remote_app().await;
    outage(&jwks).await;
    let error = app
        .stepup
        .provider()
        .verifier()
        .verify(&rotated_token(&app), UnixTime::from_secs(NOW), None)
        .await
        .unwrap_err();
    let refusal = Refusal::from_error(error);
    assert_eq!(refusal.code(), "keys_unavailable");
    assert!(matches!(refusal, Refusal::Unavailable(_)));
    for kind in [ClientKind::Browser, ClientKind::Api] {
        let answer = Answer {
            kind,
            realm: CLIENT_ID,
            login: "/login?rd=%2Fmfa&amr=mfa",
            redirect: BrowserRedirect::Found,
            drop_session: None,
            retry_after: 7,
        };
        let reply = Reply::read(respond(&refusal, &answer)).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{kind:?}");
        assert_eq!(reply.header(RETRY_AFTER), Some("7"), "{kind:?}");
        assert!(reply.header(LOCATION).is_none(), "{kind:?}: never a login");
        let html = reply.header(CONTENT_TYPE).unwrap().starts_with("text/html");
        assert_eq!(html, kind == ClientKind::Browser, "{kind:?}");
    }
}
