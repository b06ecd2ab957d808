//! The login start (`/login?rd=…&<need>`): the authorization request it sends the
//! browser to (code + PKCE S256, state, nonce, the fixed redirect URI), what it
//! asks for per docs/serving.md (`acr_values`, `max_age`, `prompt=login`), and the
//! return path it refuses (no open redirect).

use std::collections::BTreeSet;

use http::StatusCode;
use http::header::{CONTENT_TYPE, HOST, LOCATION, SET_COOKIE};
use stepup::PAPE_MULTI_FACTOR;

use crate::support::{
    App, Authorize, CLIENT_ID, REDIRECT_URI, Req, SESSION_COOKIE, pairs, same_origin,
};

/// The authorization request's parameters besides the fixed ones, checked here.
fn step_up_params(authorize: &Authorize) -> Vec<(String, String)> {
    let fixed = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    ];
    let p = &authorize.params;
    for name in fixed {
        assert!(p.contains_key(name), "{name} missing from {p:?}");
    }
    assert_eq!(p["response_type"], "code");
    assert_eq!(p["client_id"], CLIENT_ID);
    assert_eq!(p["redirect_uri"], REDIRECT_URI);
    assert!(p["scope"].split(' ').any(|s| s == "openid"), "{p:?}");
    assert_eq!(p["code_challenge_method"], "S256");
    let base64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    for name in ["state", "nonce", "code_challenge"] {
        assert_eq!(p[name].len(), 43, "{name}: {p:?}");
        assert!(base64url(&p[name]), "{name}: {p:?}");
    }
    let rest: Vec<_> = p
        .iter()
        .filter(|(name, _)| !fixed.contains(&name.as_str()))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    for (name, _) in &rest {
        assert!(
            ["acr_values", "max_age", "prompt"].contains(&name.as_str()),
            "unexpected {name} in {p:?}"
        );
    }
    rest
}

// ---------------------------------------------------------------- the authorization request

#[tokio::test]
async fn authorize_request_is_code_with_pkce_state_nonce_and_the_fixed_redirect_uri() {
    let app = App::new().await;
    // The redirect URI comes from configuration, never from the request.
    let authorize = app
        .start_with(
            Req::get("/login?rd=%2Fmfa&amr=mfa")
                .html()
                .header(HOST, "evil.example")
                .header("x-forwarded-host".parse().unwrap(), "evil.example")
                .header("x-forwarded-proto".parse().unwrap(), "http"),
        )
        .await;
    // A first login on the generic profile asks for nothing special.
    assert_eq!(step_up_params(&authorize), pairs(&[]));
    assert_eq!(authorize.params["scope"], "openid profile email");
    let p = &authorize.params;
    let distinct: BTreeSet<_> = [&p["state"], &p["nonce"], &p["code_challenge"]]
        .into_iter()
        .collect();
    assert_eq!(distinct.len(), 3);
    // Every start is a new flow: nothing is reused.
    let again = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    for name in ["state", "nonce", "code_challenge"] {
        assert_ne!(again.params[name], authorize.params[name], "{name}");
    }
    assert_ne!(again.flow, authorize.flow);
    // No rd: home.
    let home = app.start("/login", None).await;
    assert_eq!(step_up_params(&home), pairs(&[]));
}

#[tokio::test]
async fn first_login_on_auth0_asks_the_pape_acr_and_max_age_without_prompt() {
    let app = App::auth0().await;
    let authorize = app
        .start("/login?rd=%2Ffresh&amr=mfa&max_age=300", None)
        .await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", PAPE_MULTI_FACTOR), ("max_age", "300")])
    );
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", None).await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", PAPE_MULTI_FACTOR)])
    );
}

#[tokio::test]
async fn first_login_on_generic_asks_max_age_only() {
    let app = App::new().await;
    let authorize = app
        .start("/login?rd=%2Ffresh&amr=mfa&max_age=300", None)
        .await;
    assert_eq!(step_up_params(&authorize), pairs(&[("max_age", "300")]));
}

#[tokio::test]
async fn generic_step_up_from_a_short_session_adds_prompt_login() {
    let app = App::new().await;
    let session = app.login(&["pwd"], Some(10)).await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", Some(&session)).await;
    assert_eq!(step_up_params(&authorize), pairs(&[("prompt", "login")]));
    let authorize = app
        .start("/login?rd=%2Ffresh&amr=mfa&max_age=300", Some(&session))
        .await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("max_age", "300"), ("prompt", "login")])
    );
}

#[tokio::test]
async fn auth0_step_up_from_a_short_session_asks_acr_values_without_prompt() {
    let app = App::auth0().await;
    let session = app.login(&["pwd"], Some(10)).await;
    let authorize = app.start("/login?rd=%2Fmfa&amr=mfa", Some(&session)).await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", PAPE_MULTI_FACTOR)])
    );
    let authorize = app
        .start("/login?rd=%2Ffresh&amr=mfa&max_age=300", Some(&session))
        .await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", PAPE_MULTI_FACTOR), ("max_age", "300")])
    );
}

#[tokio::test]
async fn missing_freshness_adds_prompt_login_on_every_profile() {
    // With prompt=login the provider logs the user in afresh, and that login proves
    // only what happens in it: so a page that needs MFA asks for it again
    // (Auth0: its acr value) even though the stale session had it.
    for (app, level) in [
        (App::new().await, None),
        (App::auth0().await, Some(PAPE_MULTI_FACTOR)),
    ] {
        // MFA, but 1000 s ago: the level is met, only freshness is missing.
        let old = app.login(&["pwd", "mfa"], Some(1000)).await;
        let authorize = app
            .start("/login?rd=%2Ffresh&amr=mfa&max_age=300", Some(&old))
            .await;
        let mut expected: Vec<(&str, &str)> =
            level.map(|v| ("acr_values", v)).into_iter().collect();
        expected.extend([("max_age", "300"), ("prompt", "login")]);
        assert_eq!(step_up_params(&authorize), pairs(&expected));
        // A page that needs only freshness asks for no level, on any profile.
        let authorize = app
            .start("/login?rd=%2Frecent&max_age=300", Some(&old))
            .await;
        assert_eq!(
            step_up_params(&authorize),
            pairs(&[("max_age", "300"), ("prompt", "login")])
        );
        // No auth_time at all: its age cannot be known, so log in again.
        let unknown = app.login(&["pwd", "mfa"], None).await;
        let authorize = app
            .start("/login?rd=%2Frecent&max_age=300", Some(&unknown))
            .await;
        assert_eq!(
            step_up_params(&authorize),
            pairs(&[("max_age", "300"), ("prompt", "login")])
        );
    }
}

#[tokio::test]
async fn rule_acr_list_is_asked_on_any_profile() {
    let gold = "/login?rd=%2Fgold&acr=gold&acr=platinum";
    let generic = App::new().await;
    let authorize = generic.start(gold, None).await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", "gold platinum")])
    );
    let session = generic.login(&["pwd"], Some(10)).await;
    let authorize = generic.start(gold, Some(&session)).await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", "gold platinum"), ("prompt", "login")])
    );
    let auth0 = App::auth0().await;
    let session = auth0.login(&["pwd"], Some(10)).await;
    let authorize = auth0.start(gold, Some(&session)).await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", "gold platinum")])
    );
}

// ---------------------------------------------------------------- from the layer to the provider

#[tokio::test]
async fn browser_step_up_redirects_to_the_login_start_which_asks_for_what_is_missing() {
    let app = App::auth0().await;
    let session = app.login(&["pwd"], Some(10)).await;
    // Valid session, policy not met: redirect to log in for what is missing.
    let reply = app
        .send(
            Req::get("/fresh?tab=keys")
                .html()
                .cookie(SESSION_COOKIE, &session),
        )
        .await;
    assert_eq!(
        reply.login_redirect(),
        pairs(&[
            ("rd", "/fresh?tab=keys"),
            ("amr", "mfa"),
            ("max_age", "300")
        ])
    );
    assert!(
        reply.set_cookies().is_empty(),
        "a valid session is not dropped: {reply:?}"
    );
    assert_eq!(app.hits(), 0);
    // Following the Location as a browser would.
    let location = reply.location().unwrap().to_owned();
    let authorize = app.start(&location, Some(&session)).await;
    assert_eq!(
        step_up_params(&authorize),
        pairs(&[("acr_values", PAPE_MULTI_FACTOR), ("max_age", "300")])
    );

    // Generic profile, same situation: prompt=login instead of acr_values.
    let app = App::new().await;
    let session = app.login(&["pwd"], Some(10)).await;
    let reply = app
        .send(Req::get("/mfa").html().cookie(SESSION_COOKIE, &session))
        .await;
    let location = reply.location().unwrap().to_owned();
    assert_eq!(
        reply.login_redirect(),
        pairs(&[("rd", "/mfa"), ("amr", "mfa")])
    );
    let authorize = app.start(&location, Some(&session)).await;
    assert_eq!(step_up_params(&authorize), pairs(&[("prompt", "login")]));
}

#[tokio::test]
async fn a_session_that_meets_the_need_goes_straight_back() {
    let app = App::new().await;
    let session = app.login(&["pwd", "mfa"], Some(10)).await;
    let reply = app
        .send(
            Req::get("/login?rd=%2Fmfa%3Fx%3D1&amr=mfa")
                .html()
                .cookie(SESSION_COOKIE, &session),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location(), Some("/mfa?x=1"));
    same_origin(reply.location().unwrap());
    assert!(reply.header(SET_COOKIE).is_none(), "no flow to start");
}

#[tokio::test]
async fn damaged_need_is_400() {
    let app = App::new().await;
    for uri in [
        "/login?rd=%2F&max_age=abc",
        "/login?rd=%2F&combine=some",
        "/login?rd=%2F&amr=",
    ] {
        let reply = app.send(Req::get(uri).html()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.header(LOCATION).is_none());
        assert!(reply.header(SET_COOKIE).is_none());
    }
}

// ---------------------------------------------------------------- open redirects

#[tokio::test]
async fn open_redirects_are_refused_with_400_never_a_location_off_site() {
    let app = App::new().await;
    let session = app.login(&["pwd", "mfa"], Some(10)).await;
    let attempts = [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\t/evil.example",
        "\\\\evil.example",
        "evil.example",
        "",
    ];
    for rd in attempts {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("rd", rd)
            .append_pair("amr", "mfa")
            .finish();
        let uri = format!("/login?{query}");
        // With no session (a login would start) and with one that already meets
        // the need (the straight-back shortcut): refused before either.
        for session in [None, Some(session.as_str())] {
            let mut request = Req::get(&uri).html();
            if let Some(session) = session {
                request = request.cookie(SESSION_COOKIE, session);
            }
            let reply = app.send(request).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{rd:?}: {reply:?}");
            assert!(reply.header(LOCATION).is_none(), "{rd:?}");
            assert!(
                reply.header(SET_COOKIE).is_none(),
                "{rd:?}: no flow started"
            );
            // A page that says so, not a redirect anywhere.
            assert!(
                reply.header(CONTENT_TYPE).unwrap().starts_with("text/html"),
                "{rd:?}"
            );
        }
    }
    // Percent-encoding inside the value stays an escape, not a second slash.
    let authorize = app.start("/login?rd=%2F%252F%252Fevil.example", None).await;
    assert!(authorize.params.contains_key("state"));
}
