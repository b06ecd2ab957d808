//! The extractors fail closed: `Login` / `SteppedUp` on a route without the layer,
//! or `SteppedUp` behind `require_login()`, answer 500 and never run the handler,
//! whatever credentials the request carries.

use http::StatusCode;
use http::header::{LOCATION, WWW_AUTHENTICATE};

use crate::support::{App, Req};

#[tokio::test]
async fn login_without_the_layer_is_500_never_allowed() {
    let app = App::new().await;
    let token = app.token(&["pwd", "mfa"], Some(10));
    for request in [
        Req::get("/no-layer").bearer(&token),
        Req::get("/no-layer").json(),
        Req::get("/no-layer").html(),
    ] {
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{reply:?}");
        assert!(
            reply.body.contains("its route has no stepup layer")
                && reply.body.contains(".route_layer(stepup.require(policy))"),
            "{}",
            reply.body
        );
        assert!(reply.header(LOCATION).is_none());
        assert!(reply.header(WWW_AUTHENTICATE).is_none());
    }
    assert_eq!(app.hits(), 0, "the handler never ran");
}

#[tokio::test]
async fn stepped_up_without_the_layer_is_500_never_allowed() {
    let app = App::new().await;
    let token = app.token(&["pwd", "mfa"], Some(10));
    let reply = app.send(Req::get("/no-layer-stepped").bearer(&token)).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        reply.body.contains("its route has no stepup layer"),
        "{}",
        reply.body
    );
    assert_eq!(app.hits(), 0);
}

#[tokio::test]
async fn stepped_up_behind_require_login_is_500() {
    let app = App::new().await;
    // Even an MFA login: the layer only checked for a login, so no step-up is proven.
    let token = app.token(&["pwd", "mfa"], Some(10));
    let reply = app
        .send(Req::get("/login-only-stepped").bearer(&token))
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        reply
            .body
            .contains("its route's layer asks only for a login"),
        "{}",
        reply.body
    );
    assert_eq!(app.hits(), 0);
    // The layer still answers first: without credentials it is the usual 401.
    let reply = app.send(Req::get("/login-only-stepped").json()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_and_stepped_up_behind_their_layers_run() {
    let app = App::new().await;
    let password = app.token(&["pwd"], Some(10));
    let reply = app.send(Req::get("/login-only").bearer(&password)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["via"], "login");
    let mfa = app.token(&["pwd", "mfa"], Some(10));
    let reply = app.send(Req::get("/mfa").bearer(&mfa)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["via"], "stepped_up");
    assert_eq!(reply.json()["sub"], "alice");
    assert_eq!(app.hits(), 2);
}
