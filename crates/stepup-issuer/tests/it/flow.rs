//! The authorization-code flow and its step-up semantics, checked with the core verifier.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use stepup::{Decision, KeySet, Policy, Profile, Secret, UnixTime, Verifier};

use crate::support::*;

#[tokio::test]
async fn password_only_is_valid_but_needs_step_up() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let before = unix_now() as i64;
    let page = browser.login_request("web", &[]).await;
    assert!(page.is_password_form());
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    assert_eq!(callback["state"], "st-123");
    assert_eq!(callback["iss"], op.issuer());
    let (status, body) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let id_token = body["id_token"].as_str().unwrap();

    let verifier = verifier_via_discovery(&op.issuer(), "web").await;
    let verified = verifier
        .verify_with_nonce(id_token, "n-456", UnixTime::now())
        .await
        .unwrap();
    let (_, decision) = verifier
        .check(id_token, &Policy::default(), UnixTime::now())
        .await
        .unwrap();
    assert!(matches!(decision, Decision::StepUp(_)), "{decision:?}");
    assert_eq!(decision.missing()[0].name(), "amr:mfa");

    let claims = claims(id_token);
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert!(claims.get("acr").is_none());
    assert_eq!(claims["sub"], "alice");
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!(auth_time >= before && auth_time <= unix_now() as i64);
    assert!(verified.header().kid.is_some());

    // The access token opens userinfo.
    let userinfo: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/userinfo", op.issuer()))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        userinfo,
        json!({"sub": "alice", "preferred_username": "alice", "name": "Alice",
               "email": "alice@example.com", "email_verified": true})
    );
}

#[tokio::test]
async fn acr_values_in_a_password_session_asks_only_for_totp_and_satisfies() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let mut app = Authenticator::new(ALICE_TOTP);
    let first = browser.password_login("web", &[]).await;
    let first_auth = claims(&first)["auth_time"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let page = browser.login_request("web", &[("acr_values", MFA)]).await;
    assert!(page.is_totp_form(), "step-up asks for TOTP only: {page:?}");
    let callback = browser.totp(&page, &app.code().await).await.callback();
    let (status, body) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id_token = body["id_token"].as_str().unwrap();

    let verifier = verifier_via_discovery(&op.issuer(), "web").await;
    for policy in [Policy::default(), Profile::Auth0.policy()] {
        let (_, decision) = verifier
            .check(id_token, &policy, UnixTime::now())
            .await
            .unwrap();
        assert_eq!(decision, Decision::Satisfied);
    }
    let claims = claims(id_token);
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["acr"], MFA);
    assert_eq!(claims["nonce"], "n-456");
    // The TOTP step is a real authentication: auth_time moves forward.
    assert!(claims["auth_time"].as_i64().unwrap() > first_auth);

    // The session is now multi-factor: the next request is answered at once.
    let again = browser
        .login_request("web", &[("acr_values", MFA)])
        .await
        .callback();
    let (_, body) = browser.exchange("web", WEB_SECRET, &again["code"]).await;
    let sso = crate::support::claims(body["id_token"].as_str().unwrap());
    assert_eq!(sso["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(sso["auth_time"], claims["auth_time"]);
}

#[tokio::test]
async fn acr_values_on_a_fresh_login_asks_password_then_totp() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let mut app = Authenticator::new(ALICE_TOTP);
    let page = browser.login_request("web", &[("acr_values", MFA)]).await;
    let (_, html) = browser.get(&format!("{}/", op.issuer())).await.html();
    assert!(html.contains("not for production"));
    assert!(page.is_password_form());
    let page = browser.password(&page, "alice", ALICE_PASSWORD).await;
    assert!(page.is_totp_form(), "TOTP follows the password: {page:?}");
    let callback = browser.totp(&page, &app.code().await).await.callback();
    let (_, body) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;
    let verifier = verifier_via_discovery(&op.issuer(), "web").await;
    let (_, decision) = verifier
        .check(
            body["id_token"].as_str().unwrap(),
            &Policy::default(),
            UnixTime::now(),
        )
        .await
        .unwrap();
    assert!(decision.is_satisfied());
}

#[tokio::test]
async fn a_user_without_a_second_factor_cannot_step_up() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let page = browser.login_request("web", &[("acr_values", MFA)]).await;
    let callback = browser
        .password(&page, "bob", BOB_PASSWORD)
        .await
        .callback();
    assert_eq!(callback["error"], "unmet_authentication_requirements");
    assert_eq!(callback["state"], "st-123");
}

#[tokio::test]
async fn max_age_0_forces_a_new_login_with_a_new_auth_time() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let first = browser.password_login("web", &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // A session exists: without max_age the code comes at once, same auth_time.
    let sso = browser.login_request("web", &[]).await.callback();
    let (_, body) = browser.exchange("web", WEB_SECRET, &sso["code"]).await;
    assert_eq!(
        claims(body["id_token"].as_str().unwrap())["auth_time"],
        claims(&first)["auth_time"]
    );

    let page = browser.login_request("web", &[("max_age", "0")]).await;
    let (_, html) = match &page {
        Page::Html(status, html) => (*status, html.clone()),
        other => panic!("max_age=0 must show the login form: {other:?}"),
    };
    assert!(html.contains("older than the application allows"));
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    let (_, body) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;
    let second = body["id_token"].as_str().unwrap();
    let (first_time, second_time) = (
        claims(&first)["auth_time"].as_i64().unwrap(),
        claims(second)["auth_time"].as_i64().unwrap(),
    );
    assert!(second_time > first_time, "{first_time} -> {second_time}");

    // A verifier policy with max_age sees it as fresh.
    let verifier = verifier_via_discovery(&op.issuer(), "web").await;
    let policy = Policy::default()
        .with_required_amr(["pwd"])
        .with_max_age(5)
        .with_leeway(0);
    let (_, decision) = verifier
        .check(second, &policy, UnixTime::now())
        .await
        .unwrap();
    assert!(decision.is_satisfied(), "{decision:?}");

    // A large max_age is satisfied by the session.
    let sso = browser.login_request("web", &[("max_age", "3600")]).await;
    assert!(matches!(sso, Page::Callback(_)), "{sso:?}");
}

#[tokio::test]
async fn any_u64_max_age_is_accepted_and_saturates() {
    let op = TestIssuer::start().await;
    // Above 2^32 - 1, u64::MAX, and a number of digits no integer type holds: all mean
    // "a login of any age will do", so the session answers at once.
    for max_age in [
        "4294967296",
        "18446744073709551615",
        "99999999999999999999999999",
    ] {
        let browser = op.browser();
        let page = browser.login_request("web", &[("max_age", max_age)]).await;
        assert!(page.is_password_form(), "max_age={max_age}: {page:?}");
        let callback = browser
            .password(&page, "alice", ALICE_PASSWORD)
            .await
            .callback();
        assert!(callback.contains_key("code"), "max_age={max_age}");
        let sso = browser
            .login_request("web", &[("max_age", max_age)])
            .await
            .callback();
        assert!(sso.contains_key("code"), "max_age={max_age}: {sso:?}");
    }
    let browser = op.browser();
    for bad in ["-1", "1.5", "+5", "ten", "0x10"] {
        let refused = browser
            .login_request("web", &[("max_age", bad)])
            .await
            .callback();
        assert_eq!(refused["error"], "invalid_request", "max_age={bad}");
    }
}

#[tokio::test]
async fn prompt_consent_is_granted_by_the_client_registration() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    // Without a session: the login form, then the code; no consent page in between.
    let page = browser.login_request("web", &[("prompt", "consent")]).await;
    assert!(page.is_password_form(), "{page:?}");
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    assert!(callback.contains_key("code"), "{callback:?}");
    // With a session: answered at once, as without prompt=consent.
    let sso = browser
        .login_request("web", &[("prompt", "consent")])
        .await
        .callback();
    assert!(sso.contains_key("code"), "{sso:?}");
    // prompt=login consent: the login form (consent changes nothing).
    let page = browser
        .login_request("web", &[("prompt", "login consent")])
        .await;
    assert!(page.is_password_form(), "{page:?}");
    // none with any other value is an error (OIDC Core §3.1.2.1).
    let both = browser
        .login_request("web", &[("prompt", "none consent")])
        .await
        .callback();
    assert_eq!(both["error"], "invalid_request");
    // Discovery says consent is a prompt value it handles.
    let discovery: serde_json::Value =
        reqwest::get(format!("{}/.well-known/openid-configuration", op.issuer()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        discovery["prompt_values_supported"],
        json!(["none", "login", "consent"])
    );
}

#[tokio::test]
async fn prompt_login_forces_the_login_form() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    browser.password_login("web", &[]).await;
    let page = browser.login_request("web", &[("prompt", "login")]).await;
    assert!(page.is_password_form(), "{page:?}");
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    assert!(callback.contains_key("code"));
}

#[tokio::test]
async fn prompt_none_answers_without_interaction_or_with_an_error() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let none = browser
        .login_request("web", &[("prompt", "none")])
        .await
        .callback();
    assert_eq!(none["error"], "login_required");
    assert_eq!(none["state"], "st-123");

    browser.password_login("web", &[]).await;
    let ok = browser
        .login_request("web", &[("prompt", "none")])
        .await
        .callback();
    assert!(ok.contains_key("code"));
    let mfa = browser
        .login_request("web", &[("prompt", "none"), ("acr_values", MFA)])
        .await
        .callback();
    assert_eq!(mfa["error"], "interaction_required");
    let both = browser
        .login_request("web", &[("prompt", "none login")])
        .await
        .callback();
    assert_eq!(both["error"], "invalid_request");
}

#[tokio::test]
async fn each_client_gets_its_registered_signing_algorithm() {
    let op = TestIssuer::start().await;
    for (client, alg) in [
        ("web", "RS256"),
        ("es", "ES256"),
        ("ed", "EdDSA"),
        ("hs", "HS256"),
    ] {
        let browser = op.browser();
        let page = browser.login_request(client, &[]).await;
        let callback = browser
            .password(&page, "alice", ALICE_PASSWORD)
            .await
            .callback();
        let secret = if client == "hs" {
            HS_SECRET
        } else {
            WEB_SECRET
        };
        let (status, body) = browser.exchange(client, secret, &callback["code"]).await;
        assert_eq!(status, StatusCode::OK, "{client}: {body}");
        let token = body["id_token"].as_str().unwrap();
        let verified = if client == "hs" {
            // OIDC Core §10.1: HS256 keyed with the client secret's UTF-8 bytes.
            let keys = KeySet::from_secret(&Secret::new(HS_SECRET)).unwrap();
            let local = Verifier::builder(op.issuer(), client, keys)
                .build()
                .unwrap();
            local.verify(token, UnixTime::now()).unwrap()
        } else {
            let remote = verifier_via_discovery(&op.issuer(), client).await;
            remote.verify(token, UnixTime::now()).await.unwrap()
        };
        assert_eq!(verified.header().alg.name(), alg, "{client}");
    }
}

#[tokio::test]
async fn public_clients_must_use_pkce() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let refused = browser.login_request("spa", &[]).await.callback();
    assert_eq!(refused["error"], "invalid_request");
    let (verifier, challenge) = pkce();
    let plain = browser
        .login_request(
            "spa",
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "plain"),
            ],
        )
        .await
        .callback();
    assert_eq!(plain["error"], "invalid_request");

    let page = browser
        .login_request(
            "spa",
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    let (status, body) = browser
        .token_request(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "spa"),
                ("code", &callback["code"]),
                ("redirect_uri", CALLBACK),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = verifier_via_discovery(&op.issuer(), "spa").await;
    v.verify(body["id_token"].as_str().unwrap(), UnixTime::now())
        .await
        .unwrap();
}

#[tokio::test]
async fn client_secret_post_is_accepted() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let page = browser.login_request("web", &[]).await;
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    let (status, body) = browser
        .token_request(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "web"),
                ("client_secret", WEB_SECRET),
                ("code", &callback["code"]),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn logout_with_id_token_hint_ends_the_session() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let id_token = browser.password_login("web", &[]).await;
    let mut url = url::Url::parse(&format!("{}/logout", op.issuer())).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "http://127.0.0.1:1/bye")
        .append_pair("state", "bye-1");
    let back = browser.get(url.as_str()).await.callback();
    assert_eq!(back["state"], "bye-1");
    let none = browser
        .login_request("web", &[("prompt", "none")])
        .await
        .callback();
    assert_eq!(none["error"], "login_required");

    // Without a hint, a person confirms with a button first.
    browser.password_login("web", &[]).await;
    let (status, html) = browser.get(&format!("{}/logout", op.issuer())).await.html();
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Log out</button>"));
    let ok = browser
        .login_request("web", &[("prompt", "none")])
        .await
        .callback();
    assert!(ok.contains_key("code"), "a GET alone does not log out");
}

#[tokio::test]
async fn the_try_page_shows_step_up_in_a_browser() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let mut app = Authenticator::new(ALICE_TOTP);
    let page = browser
        .get(&format!("{}/try/start?mode=password", op.issuer()))
        .await;
    let (status, html) = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .html();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Step-up needed"), "{html}");
    assert!(html.contains("amr:mfa"));
    assert!(
        html.contains("id=\"decision\" class=\"decision needed\"><span class=\"badge\">"),
        "{html}"
    );
    check_token_and_command(&op, &html, json!(["pwd"]), "valid but needs a step-up").await;

    // The authenticator app shows the code as "902 367"; typed that way it works.
    let page = browser
        .get(&format!("{}/try/start?mode=mfa", op.issuer()))
        .await;
    let code = app.code().await;
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (status, html) = browser.totp(&page, &spaced).await.html();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Step-up satisfied"), "{html}");
    assert!(html.contains("&quot;mfa&quot;"));
    assert!(
        html.contains("id=\"decision\" class=\"decision satisfied\"><span class=\"badge\">"),
        "{html}"
    );
    check_token_and_command(&op, &html, json!(["pwd", "otp", "mfa"]), "satisfied").await;
}

/// The result page shows the raw ID token, a `stepup verify` command line whose words
/// name the right issuer, audience, nonce and token, and the token's times as dates.
async fn check_token_and_command(op: &TestIssuer, html: &str, amr: serde_json::Value, what: &str) {
    let token = between(
        html,
        "<textarea id=\"id-token\" readonly rows=\"6\" spellcheck=\"false\">",
        "</textarea>",
    );
    assert_eq!(claims(token)["amr"], amr, "{what}");
    let command = between(
        html,
        "<pre class=\"copy\" id=\"verify-command\"><code>",
        "</code></pre>",
    );
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(
        words[..8],
        [
            "stepup",
            "verify",
            "--discover",
            "--issuer",
            &op.issuer(),
            "--audience",
            "stepup-try",
            "--nonce"
        ],
        "{command}"
    );
    assert_eq!(words.len(), 10, "{command}");
    assert_eq!(words[9], token, "the command carries the token shown");
    // What the command asks for holds: keys by discovery, this audience, this nonce.
    let verifier = verifier_via_discovery(&op.issuer(), "stepup-try").await;
    verifier
        .verify_with_nonce(token, words[8], UnixTime::now())
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    for id in ["auth-time", "iat", "exp"] {
        let shown = between(html, &format!("<dd id=\"{id}\">"), "</dd>");
        let time = between(shown, "<time datetime=\"", "\"");
        assert!(
            time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{id}: {shown}"
        );
        // exp is an hour after iat; the others are seconds ago.
        let age = shown.rsplit('(').next().unwrap();
        let fits = match id {
            "exp" => ["in 59 min)", "in 60 min)"].contains(&age),
            _ => age == "now)" || age.ends_with(" s ago)"),
        };
        assert!(fits, "{id}: {shown}");
    }
}

/// The text between `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let to = text[from..].find(end).unwrap() + from;
    &text[from..to]
}
