//! The callback, against a real token endpoint on 127.0.0.1: the code exchange
//! (client authentication, PKCE verifier), the ID token's nonce, `state` and
//! `iss` checks, replays, the provider's errors, and the loop guard (a step-up
//! that comes back still short is a 403 page, never a redirect).

use http::StatusCode;
use http::header::{CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use serde_json::json;

use crate::support::{
    App, CLIENT_ID, ClientMode, FLOW_COOKIE, NOW, OTHER_ISSUER, Options, REDIRECT_URI, Reply, Req,
    SESSION_COOKIE, callback_uri, same_origin,
};

/// No session was made, and the single-use flow cookie is removed.
fn assert_no_session(reply: &Reply) {
    assert!(
        reply.cookie(SESSION_COOKIE).is_none(),
        "no session may be set: {reply:?}"
    );
    reply.assert_removes(FLOW_COOKIE);
    assert!(reply.location().is_none(), "{reply:?}");
}

/// The loop guard's page: 403, HTML, no redirect.
fn assert_loop_guard(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert!(reply.location().is_none(), "never a redirect: {reply:?}");
    assert!(reply.header(WWW_AUTHENTICATE).is_none());
    assert!(
        reply.header(CONTENT_TYPE).unwrap().starts_with("text/html"),
        "{reply:?}"
    );
    assert!(
        reply.body.contains("Step-up did not succeed"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn full_login_exchanges_the_code_and_returns_to_rd_with_a_session() {
    let app = App::new().await;
    let authorize = app
        .start("/login?rd=%2Ffresh%3Ftab%3Dkeys&amr=mfa&max_age=300", None)
        .await;
    let mut claims = app.claims(&["pwd", "mfa"], Some(5));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let uri = app.provider_answers(&authorize, &claims);
    let reply = app.callback(&uri, Some(&authorize.flow)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
    assert_eq!(reply.location(), Some("/fresh?tab=keys"));
    same_origin(reply.location().unwrap());
    let session = reply.session().expect("a session cookie");
    reply.assert_removes(FLOW_COOKIE);

    // The token endpoint saw one proper exchange.
    let calls = app.op.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.outcome, "ok");
    assert_eq!(call.form["grant_type"], "authorization_code");
    assert_eq!(call.form["redirect_uri"], REDIRECT_URI);
    assert_eq!(call.form["code_verifier"].len(), 43);
    assert!(call.authorization.as_deref().unwrap().starts_with("Basic "));
    assert!(!call.form.contains_key("client_secret"));

    // The session works on the page, for the browser and for a program.
    for request in [
        Req::get("/fresh?tab=keys").html(),
        Req::get("/fresh").json(),
    ] {
        let reply = app.send(request.cookie(SESSION_COOKIE, &session)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(
            reply.json(),
            json!({
                "via": "stepped_up", "sub": "alice", "iss": crate::support::ISSUER,
                "amr": ["pwd", "mfa"], "acr": null, "auth_time": NOW - 5,
                "email": "alice@example.com", "source": "Session",
                "stepped_up_for": ["amr:mfa", "auth_time"],
            })
        );
    }
    assert_eq!(app.hits(), 2);
}

#[tokio::test]
async fn client_secret_post_and_public_clients_authenticate_as_configured() {
    for mode in [ClientMode::Post, ClientMode::Public] {
        let app = App::with(Options {
            client: mode,
            ..Options::default()
        })
        .await;
        let session = app.login(&["pwd"], Some(5)).await;
        assert!(!session.is_empty());
        let calls = app.op.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].outcome, "ok", "{mode:?}");
        assert_eq!(calls[0].form["client_id"], CLIENT_ID);
        assert!(calls[0].authorization.is_none());
        assert_eq!(
            calls[0].form.contains_key("client_secret"),
            mode == ClientMode::Post
        );
    }
}

#[tokio::test]
async fn a_step_up_round_trip_ends_on_the_page() {
    let app = App::auth0().await;
    let weak = app.login(&["pwd"], Some(10)).await;
    let reply = app
        .send(Req::get("/fresh?x=1").html().cookie(SESSION_COOKIE, &weak))
        .await;
    let login = reply.location().unwrap().to_owned();
    assert_eq!(
        reply.login_redirect(),
        crate::support::pairs(&[("rd", "/fresh?x=1"), ("amr", "mfa"), ("max_age", "300")])
    );
    let authorize = app.start(&login, Some(&weak)).await;
    let mut claims = app.claims(&["pwd", "otp", "mfa"], Some(0));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let uri = app.provider_answers(&authorize, &claims);
    // The browser still sends its old session to the callback; it is replaced.
    let reply = app
        .send(
            Req::get(&uri)
                .html()
                .cookie(FLOW_COOKIE, &authorize.flow)
                .cookie(SESSION_COOKIE, &weak),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
    assert_eq!(reply.location(), Some("/fresh?x=1"));
    let strong = reply.session().unwrap();
    assert_ne!(strong, weak);
    let reply = app
        .send(
            Req::get("/fresh?x=1")
                .html()
                .cookie(SESSION_COOKIE, &strong),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.json()["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(reply.json()["stepped_up_for"], json!(["amr:mfa"]));
}

// ---------------------------------------------------------------- state, replay, iss

#[tokio::test]
async fn replayed_callback_without_the_flow_cookie_is_400() {
    let app = App::new().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let mut claims = app.claims(&["mfa"], Some(5));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let uri = app.provider_answers(&authorize, &claims);
    let first = app.callback(&uri, Some(&authorize.flow)).await;
    assert_eq!(first.status, StatusCode::FOUND);
    // The first answer removed the flow cookie: the browser sends none.
    first.assert_removes(FLOW_COOKIE);
    let second = app.callback(&uri, None).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST, "{second:?}");
    assert_no_session(&second);
    assert_eq!(app.op.calls().len(), 1, "no second exchange");
}

#[tokio::test]
async fn replayed_callback_with_the_old_flow_cookie_is_refused_by_the_provider() {
    let app = App::new().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let mut claims = app.claims(&["mfa"], Some(5));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let uri = app.provider_answers(&authorize, &claims);
    assert_eq!(
        app.callback(&uri, Some(&authorize.flow)).await.status,
        StatusCode::FOUND
    );
    // A copied flow cookie gets as far as the provider, which spent the code.
    let replay = app.callback(&uri, Some(&authorize.flow)).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{replay:?}");
    assert!(replay.body.contains("invalid_grant"), "{}", replay.body);
    assert_no_session(&replay);
    let calls = app.op.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].outcome, "invalid_grant");
}

#[tokio::test]
async fn mismatched_or_missing_state_is_400_and_no_code_is_exchanged() {
    let app = App::new().await;
    let a = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let b = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let mut claims = app.claims(&["mfa"], Some(5));
    claims["nonce"] = json!(a.params["nonce"]);
    let uri = app.provider_answers(&a, &claims);
    // A's answer in the browser that started B.
    let reply = app.callback(&uri, Some(&b.flow)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    assert!(reply.body.contains("state mismatch"), "{}", reply.body);
    assert_no_session(&reply);
    let code = url::Url::parse(&format!("https://app.example.com{uri}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let no_state = callback_uri(&[("code", &code)]);
    let reply = app.callback(&no_state, Some(&a.flow)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_no_session(&reply);
    assert!(app.op.calls().is_empty(), "no code was exchanged");
    // The right pair still works: nothing was spent.
    let reply = app.callback(&uri, Some(&a.flow)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
}

#[tokio::test]
async fn iss_of_another_issuer_is_400_and_no_iss_is_fine() {
    let app = App::new().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let mut claims = app.claims(&["mfa"], Some(5));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let code = app.op.grant(
        &authorize.params["code_challenge"],
        &crate::support::sign(&claims),
    );
    let state = authorize.params["state"].as_str();
    let mixed_up = callback_uri(&[("code", &code), ("state", state), ("iss", OTHER_ISSUER)]);
    let reply = app.callback(&mixed_up, Some(&authorize.flow)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    assert!(reply.body.contains("RFC 9207"), "{}", reply.body);
    assert_no_session(&reply);
    assert!(app.op.calls().is_empty(), "no code sent to the wrong place");
    // iss is optional (providers without RFC 9207 support).
    let plain = callback_uri(&[("code", &code), ("state", state)]);
    let reply = app.callback(&plain, Some(&authorize.flow)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
    assert!(reply.session().is_some());
}

#[tokio::test]
async fn expired_flow_cookie_is_400() {
    let app = App::new().await;
    for (wait, ok) in [(599, true), (600, false)] {
        let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
        app.clock.advance(wait);
        let mut claims = app.claims(&["mfa"], Some(5));
        claims["nonce"] = json!(authorize.params["nonce"]);
        let uri = app.provider_answers(&authorize, &claims);
        let reply = app.callback(&uri, Some(&authorize.flow)).await;
        if ok {
            assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
        } else {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
            assert!(reply.body.contains("10 minutes"), "{}", reply.body);
            assert_no_session(&reply);
        }
    }
}

// ---------------------------------------------------------------- the ID token

#[tokio::test]
async fn token_without_the_nonce_or_with_another_is_refused() {
    let app = App::new().await;
    let other = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    for (nonce, code) in [
        (None, "nonce_missing"),
        (Some(other.params["nonce"].clone()), "nonce_mismatch"),
    ] {
        let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
        let mut claims = app.claims(&["pwd", "mfa"], Some(5));
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        let uri = app.provider_answers(&authorize, &claims);
        let reply = app.callback(&uri, Some(&authorize.flow)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
        assert!(reply.body.contains(code), "{code}: {}", reply.body);
        assert_no_session(&reply);
    }
    assert_eq!(app.op.calls().len(), 2, "both codes were exchanged");
}

#[tokio::test]
async fn token_from_the_exchange_is_verified_like_any_other() {
    let app = App::new().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let mut claims = app.claims(&["pwd", "mfa"], Some(5));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let forged = crate::support::attacker().sign(&claims).unwrap();
    let code = app.op.grant(&authorize.params["code_challenge"], &forged);
    let uri = callback_uri(&[("code", &code), ("state", &authorize.params["state"])]);
    let reply = app.callback(&uri, Some(&authorize.flow)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.body.contains("invalid_signature"), "{}", reply.body);
    assert_no_session(&reply);
}

// ---------------------------------------------------------------- the loop guard

#[tokio::test]
async fn provider_error_access_denied_is_the_loop_guard_page() {
    let app = App::new().await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    let uri = callback_uri(&[
        ("error", "access_denied"),
        ("error_description", "The user <b>cancelled</b>"),
        ("state", &authorize.params["state"]),
    ]);
    let reply = app.callback(&uri, Some(&authorize.flow)).await;
    assert_loop_guard(&reply);
    assert!(reply.body.contains("access_denied"), "{}", reply.body);
    assert!(
        reply.body.contains("The user &lt;b&gt;cancelled&lt;/b&gt;"),
        "escaped: {}",
        reply.body
    );
    assert!(reply.body.contains("amr:mfa"), "{}", reply.body);
    assert_no_session(&reply);
    assert!(app.op.calls().is_empty());
}

#[tokio::test]
async fn step_up_that_comes_back_short_is_a_403_page_never_a_redirect() {
    let app = App::auth0().await;
    let weak = app.login(&["pwd"], Some(10)).await;
    // Asked for MFA; the provider answers with a password login again.
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", Some(&weak)).await;
    let mut claims = app.claims(&["pwd"], Some(0));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let uri = app.provider_answers(&authorize, &claims);
    let reply = app.callback(&uri, Some(&authorize.flow)).await;
    assert_loop_guard(&reply);
    assert!(reply.body.contains("[&quot;pwd&quot;]"), "{}", reply.body);
    assert!(reply.body.contains("amr:mfa"), "{}", reply.body);
    reply.assert_removes(FLOW_COOKIE);

    // Asked for max_age=300; the provider answers with an old login anyway:
    // auth_time is checked, never trusted from having sent max_age.
    let authorize = app
        .start("/login?rd=%2Ffresh&amr=mfa&max_age=300", Some(&weak))
        .await;
    assert_eq!(authorize.params["max_age"], "300");
    let mut claims = app.claims(&["pwd", "mfa"], Some(1000));
    claims["nonce"] = json!(authorize.params["nonce"]);
    let uri = app.provider_answers(&authorize, &claims);
    let reply = app.callback(&uri, Some(&authorize.flow)).await;
    assert_loop_guard(&reply);
    assert!(reply.body.contains("fresh_login"), "{}", reply.body);
    assert!(
        reply.body.contains(&(app.clock.now() - 1000).to_string()),
        "shows the auth_time returned: {}",
        reply.body
    );
    // Not even a Location header pointing at the login start.
    assert!(reply.header(LOCATION).is_none());
}
