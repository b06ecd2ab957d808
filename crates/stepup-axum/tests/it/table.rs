//! The outcome table of docs/serving.md through the layer: each row for API clients
//! (Bearer, no `text/html`, or not GET/HEAD) and for browsers. Rows that need a
//! browser session or the callback are in `sessions.rs`, `login.rs` and `callback.rs`; the
//! rows no request through the axum layer can reach (no rule, the loop guard for
//! an API client) are checked on [`respond`], the one function every answer comes from.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{Method, StatusCode};
use serde_json::json;
use stepup::{Alg, Missing, PAPE_MULTI_FACTOR, Secret, SigningKey};
use stepup_axum::{Answer, Ask, BrowserRedirect, ClientKind, LoopGuard, Refusal, respond};

use crate::support::{
    App, CLIENT_ID, ISSUER, NOW, Options, Reply, Req, expected_description, pairs, sign,
};

/// RFC 6750 §3 without credentials: `Bearer realm="…"` and no error parameter.
fn assert_bare_challenge(reply: &Reply, realm: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    let challenge = reply.challenge();
    assert_eq!(challenge.scheme, "Bearer");
    assert_eq!(challenge.params, pairs(&[("realm", realm)]));
    assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
    assert!(reply.location().is_none());
}

/// `Bearer realm, error="invalid_token", error_description="<description>"` and nothing more.
fn assert_invalid_token(reply: &Reply, description: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.location().is_none());
    let challenge = reply.challenge();
    assert_eq!(challenge.scheme, "Bearer");
    assert_eq!(
        challenge.params,
        pairs(&[
            ("realm", CLIENT_ID),
            ("error", "invalid_token"),
            ("error_description", description),
        ])
    );
    let body = reply.json();
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(body["error_description"], description);
}

/// The RFC 9470 challenge, parameters in order, each only when it applies.
fn assert_step_up(
    reply: &Reply,
    description: &str,
    acr_values: Option<&str>,
    max_age: Option<&str>,
) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert!(reply.location().is_none());
    let challenge = reply.challenge();
    assert_eq!(challenge.scheme, "Bearer");
    let mut expected = vec![
        ("realm", CLIENT_ID),
        ("error", "insufficient_user_authentication"),
        ("error_description", description),
    ];
    expected.extend(acr_values.map(|v| ("acr_values", v)));
    expected.extend(max_age.map(|v| ("max_age", v)));
    assert_eq!(challenge.params, pairs(&expected), "{reply:?}");
    assert_eq!(reply.json()["error"], "insufficient_user_authentication");
    assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
}

const LEVEL: &str = "A different authentication level is required";
const FRESHNESS: &str = "More recent authentication is required";

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

// ---------------------------------------------------------------- no credentials

#[tokio::test]
async fn no_credentials_api_is_401_with_a_bare_bearer_challenge() {
    let app = App::new().await;
    for request in [
        Req::get("/mfa").json(),
        // No Accept at all: a program.
        Req::get("/fresh"),
        // Not GET/HEAD: an API answer even with text/html.
        Req::new(Method::POST, "/mfa").html(),
        // Another scheme is not ours: as if there were no credentials.
        Req::get("/mfa")
            .json()
            .header(AUTHORIZATION, "Basic YWxpY2U6cHc="),
        Req::get("/login-only").header(ACCEPT, "application/json, text/plain;q=0.5"),
        // "text/htmlx" is not text/html.
        Req::get("/login-only").header(ACCEPT, "text/htmlx"),
    ] {
        let reply = app.send(request).await;
        assert_bare_challenge(&reply, CLIENT_ID);
        assert!(reply.set_cookies().is_empty(), "{reply:?}");
    }
    assert_eq!(app.hits(), 0);
}

#[tokio::test]
async fn realm_is_a_quoted_string_too() {
    let app = App::with(Options {
        realm: Some(r#"the "app" \ realm"#),
        ..Options::default()
    })
    .await;
    let reply = app.send(Req::get("/mfa").json()).await;
    assert!(
        reply
            .header(WWW_AUTHENTICATE)
            .unwrap()
            .starts_with(r#"Bearer realm="the \"app\" \\ realm""#),
        "{reply:?}"
    );
    assert_bare_challenge(&reply, r#"the "app" \ realm"#);
}

#[tokio::test]
async fn no_credentials_browser_is_sent_to_the_login_start_with_rd_and_need() {
    let app = App::new().await;
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "/fresh?tab=keys&x=%2F",
            &[
                ("rd", "/fresh?tab=keys&x=%2F"),
                ("amr", "mfa"),
                ("max_age", "300"),
            ],
        ),
        ("/mfa", &[("rd", "/mfa"), ("amr", "mfa")]),
        ("/login-only", &[("rd", "/login-only")]),
        ("/recent", &[("rd", "/recent"), ("max_age", "300")]),
        (
            "/gold",
            &[("rd", "/gold"), ("acr", "gold"), ("acr", "platinum")],
        ),
    ];
    for (path, expected) in cases {
        for method in [Method::GET, Method::HEAD] {
            let reply = app.send(Req::new(method.clone(), path).html()).await;
            assert_eq!(reply.login_redirect(), pairs(expected), "{method} {path}");
            assert!(reply.header(WWW_AUTHENTICATE).is_none());
            assert_eq!(reply.header(CACHE_CONTROL), Some("no-store"));
            assert!(reply.set_cookies().is_empty(), "no session to drop");
        }
    }
    // Basic credentials are not ours: the browser still logs in.
    let reply = app
        .send(
            Req::get("/mfa")
                .html()
                .header(AUTHORIZATION, "Basic YWxpY2U6cHc="),
        )
        .await;
    assert_eq!(
        reply.login_redirect(),
        pairs(&[("rd", "/mfa"), ("amr", "mfa")])
    );
    assert_eq!(app.hits(), 0);
}

// ---------------------------------------------------------------- token invalid

#[tokio::test]
async fn invalid_token_api_is_401_invalid_token_with_the_verifier_description() {
    let app = App::new().await;
    let good = app.claims(&["pwd", "mfa"], Some(10));
    let with = |changes: serde_json::Value| {
        let mut claims = good.clone();
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        claims
    };
    let public_pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/keys/ed25519.public.pem"
    ))
    .unwrap();
    let padded_secret = [public_pem.as_slice(), &[b'x'; 32]].concat();
    let none_header = b64(&json!({ "alg": "none", "typ": "JWT" }));
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "expired",
            "token_expired",
            sign(&with(json!({ "iat": NOW - 4000, "exp": NOW - 61 }))),
        ),
        (
            "wrong signature",
            "invalid_signature",
            crate::support::attacker().sign(&good).unwrap(),
        ),
        (
            "wrong audience",
            "aud_mismatch",
            sign(&with(json!({ "aud": "another-app" }))),
        ),
        (
            "another issuer",
            "iss_mismatch",
            sign(&with(json!({ "iss": "https://other-op.example.com" }))),
        ),
        (
            "alg none",
            "alg_none",
            format!("{none_header}.{}.c2lnbmF0dXJl", b64(&good)),
        ),
        (
            "alg nOnE, no signature",
            "malformed_token",
            format!("{}.{}.", b64(&json!({ "alg": "nOnE" })), b64(&good)),
        ),
        (
            "HS256 keyed with the public key",
            "alg_not_allowed",
            SigningKey::from_secret(&Secret::new(padded_secret), Alg::HS256)
                .unwrap()
                .sign(&good)
                .unwrap(),
        ),
        (
            "access token typ",
            "typ_not_allowed",
            crate::support::signer()
                .sign_with_header(&json!({ "typ": "at+jwt" }), &good)
                .unwrap(),
        ),
        (
            "issued in the future",
            "iat_in_future",
            sign(&with(json!({ "iat": NOW + 61 }))),
        ),
        ("not a JWS", "malformed_token", "not-a-token".to_owned()),
    ];
    for (what, code, token) in &cases {
        let description = expected_description(token, NOW);
        assert!(
            description.starts_with(&format!("{code}: ")),
            "{what}: {description}"
        );
        let reply = app.send(Req::get("/login-only").json().bearer(token)).await;
        assert_invalid_token(&reply, &description);
        // A Bearer token makes an API client, whatever Accept says.
        let reply = app.send(Req::get("/mfa").html().bearer(token)).await;
        assert_invalid_token(&reply, &description);
        assert!(reply.set_cookies().is_empty(), "{what}: no session to drop");
    }
    assert_eq!(app.hits(), 0, "no invalid token reached a handler");
}

#[tokio::test]
async fn malformed_authorization_is_invalid_token() {
    let app = App::new().await;
    let reply = app
        .send(Req::get("/mfa").json().header(AUTHORIZATION, "Bearer "))
        .await;
    let challenge = reply.challenge();
    assert_eq!(challenge.get("error"), Some("invalid_token"));
    let description = challenge.get("error_description").unwrap();
    assert!(
        description.starts_with("malformed_token: "),
        "{description}"
    );
    assert!(
        description.contains("the Bearer token is empty"),
        "{description}"
    );

    let token = app.token(&["mfa"], Some(10));
    let reply = app
        .send(Req::get("/mfa").json().bearer(&token).bearer(&token))
        .await;
    let challenge = reply.challenge();
    assert_eq!(challenge.get("error"), Some("invalid_token"));
    assert!(
        challenge
            .get("error_description")
            .unwrap()
            .contains("several Authorization headers")
    );
    assert_eq!(app.hits(), 0);
}

#[tokio::test]
async fn expiry_is_judged_at_the_fixed_clock_with_the_leeway() {
    let app = App::new().await;
    let at = |exp: i64| {
        let mut claims = app.claims(&["mfa"], Some(10));
        claims["iat"] = json!(NOW - 4000);
        claims["exp"] = json!(exp);
        sign(&claims)
    };
    // Valid iff now < exp + 60.
    let reply = app.send(Req::get("/mfa").bearer(&at(NOW - 59))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let late = at(NOW - 60);
    let reply = app.send(Req::get("/mfa").bearer(&late)).await;
    assert_invalid_token(&reply, &expected_description(&late, NOW));
    assert!(
        reply
            .challenge()
            .get("error_description")
            .unwrap()
            .starts_with("token_expired: "),
    );
}

#[tokio::test]
async fn error_description_escapes_quotes_and_backslashes() {
    let app = App::new().await;
    let mut claims = app.claims(&["mfa"], Some(10));
    claims["iss"] = json!(r#"https://op.example.com/"quoted"\path"#);
    let token = sign(&claims);
    let reply = app.send(Req::get("/mfa").bearer(&token)).await;
    let description = expected_description(&token, NOW);
    assert!(description.starts_with("iss_mismatch: "), "{description}");
    assert!(
        description.contains('"') && description.contains('\\'),
        "{description}"
    );
    // On the wire: the core's message quotes the issuer (`\"`, `\\`), and the
    // quoted-string escapes each of those once more.
    let raw = reply.header(WWW_AUTHENTICATE).unwrap();
    assert!(raw.contains(r#"\\\"quoted\\\"\\\\path"#), "{raw}");
    assert_invalid_token(&reply, &description);

    // Non-ASCII and control characters cannot reach the header as such.
    claims["iss"] = json!("https://op.example.com/é\u{7f}");
    let token = sign(&claims);
    let reply = app.send(Req::get("/mfa").bearer(&token)).await;
    let description = expected_description(&token, NOW);
    assert!(description.contains('é'), "{description}");
    let sent = reply.challenge();
    let sent = sent.get("error_description").unwrap();
    assert_eq!(sent, description.replace(['é', '\u{7f}'], "?"));
}

// ---------------------------------------------------------------- valid, policy not met

#[tokio::test]
async fn policy_not_met_api_on_auth0_asks_with_the_pape_acr() {
    let app = App::auth0().await;
    let password = app.token(&["pwd"], Some(10));
    let reply = app.send(Req::get("/mfa").bearer(&password)).await;
    assert_step_up(&reply, LEVEL, Some(PAPE_MULTI_FACTOR), None);
    let reply = app.send(Req::get("/fresh").bearer(&password)).await;
    assert_step_up(&reply, LEVEL, Some(PAPE_MULTI_FACTOR), Some("300"));
    // The rule's own acr list wins over the profile's value.
    let bronze = {
        let mut claims = app.claims(&["pwd"], Some(10));
        claims["acr"] = json!("bronze");
        sign(&claims)
    };
    let reply = app.send(Req::get("/gold").bearer(&bronze)).await;
    assert_step_up(&reply, LEVEL, Some("gold platinum"), None);
    // Level met, too old: freshness only, no acr_values.
    let old = app.token(&["pwd", "mfa"], Some(1000));
    let reply = app.send(Req::get("/fresh").bearer(&old)).await;
    assert_step_up(&reply, FRESHNESS, None, Some("300"));
    assert_eq!(app.hits(), 0);
}

#[tokio::test]
async fn policy_not_met_api_on_generic_has_no_acr_values() {
    let app = App::new().await;
    let password = app.token(&["pwd"], Some(10));
    let reply = app.send(Req::get("/mfa").bearer(&password)).await;
    assert_step_up(&reply, LEVEL, None, None);
    let reply = app.send(Req::get("/fresh").bearer(&password)).await;
    assert_step_up(&reply, LEVEL, None, Some("300"));
    // The rule's acr list is sent on any profile.
    let reply = app.send(Req::get("/gold").bearer(&password)).await;
    assert_step_up(&reply, LEVEL, Some("gold platinum"), None);
    // Freshness only: missing auth_time, or too old.
    let no_auth_time = app.token(&["pwd"], None);
    let reply = app.send(Req::get("/recent").bearer(&no_auth_time)).await;
    assert_step_up(&reply, FRESHNESS, None, Some("300"));
    let old = app.token(&["pwd", "mfa"], Some(361));
    let reply = app.send(Req::get("/fresh").bearer(&old)).await;
    assert_step_up(&reply, FRESHNESS, None, Some("300"));
    assert_eq!(app.hits(), 0);
}

#[tokio::test]
async fn wrongly_typed_step_up_claims_fail_the_policy_not_the_token() {
    let app = App::new().await;
    let mut claims = app.claims(&["mfa"], Some(10));
    claims["amr"] = json!("mfa");
    let reply = app.send(Req::get("/mfa").bearer(&sign(&claims))).await;
    assert_step_up(&reply, LEVEL, None, None);
    let mut claims = app.claims(&["mfa"], Some(10));
    claims["acr"] = json!(["gold"]);
    let reply = app.send(Req::get("/gold").bearer(&sign(&claims))).await;
    assert_step_up(&reply, LEVEL, Some("gold platinum"), None);
    let mut claims = app.claims(&["mfa"], None);
    claims["auth_time"] = json!(NOW.to_string());
    let reply = app.send(Req::get("/recent").bearer(&sign(&claims))).await;
    assert_step_up(&reply, FRESHNESS, None, Some("300"));
    assert_eq!(app.hits(), 0);
}

// ---------------------------------------------------------------- allowed

#[tokio::test]
async fn allowed_bearer_runs_the_handler_with_the_verified_claims() {
    let app = App::new().await;
    let token = app.token(&["pwd", "mfa"], Some(100));
    let reply = app.send(Req::get("/fresh").bearer(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({
            "via": "stepped_up", "sub": "alice", "iss": ISSUER, "amr": ["pwd", "mfa"],
            "acr": null, "auth_time": NOW - 100, "email": "alice@example.com",
            "source": "Bearer", "stepped_up_for": [],
        })
    );
    assert!(reply.header(WWW_AUTHENTICATE).is_none());
    // A password login is enough for a login-only route.
    let reply = app
        .send(Req::get("/login-only").bearer(&app.token(&["pwd"], None)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.json()["via"], "login");
    assert_eq!(reply.json()["amr"], json!(["pwd"]));
    // max_age + leeway exactly is still fresh; one second more is not.
    let edge = app.token(&["mfa"], Some(360));
    assert_eq!(
        app.send(Req::get("/recent").bearer(&edge)).await.status,
        StatusCode::OK
    );
    let past = app.token(&["mfa"], Some(361));
    assert_eq!(
        app.send(Req::get("/recent").bearer(&past)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.hits(), 3);
}

// ---------------------------------------------------------------- rows only `respond` reaches

fn answer(kind: ClientKind) -> Answer<'static> {
    Answer {
        kind,
        realm: CLIENT_ID,
        login: "/login?rd=%2Fmfa&amr=mfa",
        redirect: BrowserRedirect::Found,
        drop_session: None,
        retry_after: 10,
    }
}

#[tokio::test]
async fn step_up_still_not_met_is_the_challenge_for_api_and_a_page_for_browsers() {
    let ask = Ask {
        acr_values: vec![PAPE_MULTI_FACTOR.to_owned()],
        max_age: Some(300),
        prompt_login: false,
        missing: vec![Missing::Amr("mfa".into())],
    };
    let refusal = Refusal::StepUpNotMet(LoopGuard {
        returned: vec![("amr".into(), r#"["pwd"]"#.into())],
        missing: ask.missing.clone(),
        ask,
    });
    let api = Reply::read(respond(&refusal, &answer(ClientKind::Api))).await;
    assert_step_up(&api, LEVEL, Some(PAPE_MULTI_FACTOR), Some("300"));
    let browser = Reply::read(respond(&refusal, &answer(ClientKind::Browser))).await;
    assert_eq!(browser.status, StatusCode::FORBIDDEN);
    assert!(
        browser.location().is_none(),
        "the loop guard never redirects"
    );
    assert!(browser.header(WWW_AUTHENTICATE).is_none());
    assert!(browser.body.contains("amr:mfa"), "{}", browser.body);
    assert!(
        browser.body.contains("[&quot;pwd&quot;]"),
        "{}",
        browser.body
    );
}

#[tokio::test]
async fn invalid_login_for_a_browser_drops_the_session_and_redirects_to_log_in() {
    // Through the layer a browser never carries a token (a bad session counts as
    // none, see sessions.rs); the gateway's dialects can hand `Invalid` over for
    // a browser, and the table's answer is the same redirect.
    let app = App::new().await;
    let token = sign(&{
        let mut claims = app.claims(&["mfa"], Some(10));
        claims["aud"] = json!("another-app");
        claims
    });
    let error = crate::support::local_verifier(ISSUER)
        .verify(&token, stepup::UnixTime::from_secs(NOW))
        .unwrap_err();
    let refusal = Refusal::from_error(error);
    assert!(matches!(refusal, Refusal::Invalid(_)));
    let reply = Reply::read(app.stepup.refuse(
        &refusal,
        ClientKind::Browser,
        false,
        "/mfa?x=1",
        &crate::support::mfa(),
    ))
    .await;
    assert_eq!(
        reply.login_redirect(),
        pairs(&[("rd", "/mfa?x=1"), ("amr", "mfa")])
    );
    assert!(reply.header(WWW_AUTHENTICATE).is_none());
    reply.assert_removes(crate::support::SESSION_COOKIE);
    // respond() alone: the redirect, in the dialect's form.
    let reply = Reply::read(respond(&refusal, &answer(ClientKind::Browser))).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.location(), Some("/login?rd=%2Fmfa&amr=mfa"));
    let nginx = Answer {
        redirect: BrowserRedirect::UnauthorizedWithLocation,
        login: "https://app.example.com/stepup/start?rd=%2Fmfa",
        ..answer(ClientKind::Browser)
    };
    let reply = Reply::read(respond(&refusal, &nginx)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.location(),
        Some("https://app.example.com/stepup/start?rd=%2Fmfa")
    );
    // The same refusal for a program is the invalid_token challenge.
    let reply = Reply::read(respond(&refusal, &answer(ClientKind::Api))).await;
    assert_invalid_token(&reply, &expected_description(&token, NOW));
}

#[tokio::test]
async fn no_rule_is_403_for_both() {
    let api = Reply::read(respond(&Refusal::NoRule, &answer(ClientKind::Api))).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["error"], "forbidden");
    assert!(api.location().is_none());
    let browser = Reply::read(respond(&Refusal::NoRule, &answer(ClientKind::Browser))).await;
    assert_eq!(browser.status, StatusCode::FORBIDDEN);
    assert!(browser.location().is_none(), "nothing to log in for");
    assert!(browser.header(RETRY_AFTER).is_none());
}
