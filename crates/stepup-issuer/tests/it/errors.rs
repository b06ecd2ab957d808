//! Every refusal, with the OAuth error (or page) it must produce.

use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn wrong_password_is_refused_on_the_page_and_no_code_is_issued() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let page = browser.login_request("web", &[]).await;
    let again = browser.password(&page, "alice", "not-her-password").await;
    let (status, html) = again.html();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Wrong username or password."));
    assert!(html.contains("value=\"alice\""), "username kept");
    // Unknown users get the same answer.
    let page = browser.login_request("web", &[]).await;
    let (status, html) = browser.password(&page, "mallory", "x").await.html();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Wrong username or password."));
}

#[tokio::test]
async fn wrong_totp_is_refused_and_a_used_code_cannot_be_replayed() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let mut app = Authenticator::new(ALICE_TOTP);
    let page = browser.login_request("web", &[("acr_values", MFA)]).await;
    let page = browser.password(&page, "alice", ALICE_PASSWORD).await;
    let (status, html) = browser.totp(&page, &app.wrong_code()).await.html();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("That code is not valid"));

    let code = app.code().await;
    let page = browser.login_request("web", &[("acr_values", MFA)]).await;
    let page = browser.password(&page, "alice", ALICE_PASSWORD).await;
    assert!(
        browser
            .totp(&page, &code)
            .await
            .callback()
            .contains_key("code")
    );

    // The same TOTP code again, in another browser: refused (RFC 6238 §5.2).
    let other = op.browser();
    let page = other.login_request("web", &[("acr_values", MFA)]).await;
    let page = other.password(&page, "alice", ALICE_PASSWORD).await;
    let (status, _) = other.totp(&page, &code).await.html();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited() {
    let op = TestIssuer::start().await; // max_failed_logins = 3
    let browser = op.browser();
    let page = browser.login_request("web", &[]).await;
    for _ in 0..3 {
        let (status, _) = browser.password(&page, "alice", "wrong").await.html();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, html) = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .html();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Too many failed logins"));
    // Another user is not affected.
    let (status, _) = browser.password(&page, "bob", "wrong").await.html();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant_and_revokes_the_first_access_token() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let page = browser.login_request("web", &[]).await;
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    let (status, first) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    let response = reqwest::Client::new()
        .get(format!("{}/userinfo", op.issuer()))
        .bearer_auth(first["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("invalid_token"), "{challenge}");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_invalid_grant() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let (_, challenge) = pkce();
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
    let wrong = "w".repeat(43);
    let (status, body) = browser
        .token_request(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "spa"),
                ("code", &callback["code"]),
                ("redirect_uri", CALLBACK),
                ("code_verifier", &wrong),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier")
    );
}

#[tokio::test]
async fn a_wrong_redirect_uri_is_refused_at_both_endpoints() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    // Not registered: an error page, never a redirect to it.
    for uri in [
        "http://127.0.0.1:1/callback/extra",
        "http://127.0.0.1:1/callback?x=1",
        "http://127.0.0.1:1/CALLBACK",
        "http://evil.example/callback",
    ] {
        let page = browser
            .authorize(&[
                ("client_id", "web"),
                ("redirect_uri", uri),
                ("scope", "openid"),
            ])
            .await;
        let (status, html) = page.html();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(html.contains("not registered"), "{uri}");
    }
    // At the token endpoint: must equal the one of the request.
    let page = browser.login_request("web", &[]).await;
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    let (status, body) = browser
        .token_request(
            Some(("web", WEB_SECRET)),
            &[
                ("grant_type", "authorization_code"),
                ("code", &callback["code"]),
                ("redirect_uri", "http://127.0.0.1:1/other"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let page = browser.login_request("web", &[]).await;
    let callback = browser
        .password(&page, "alice", ALICE_PASSWORD)
        .await
        .callback();
    let code = callback["code"].as_str();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    let (status, body) = browser
        .token_request(Some(("web", "wrong-secret")), &form)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let mut post = form.to_vec();
    post.extend([("client_id", "web"), ("client_secret", "wrong-secret")]);
    let (status, body) = browser.token_request(None, &post).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let mut none = form.to_vec();
    none.push(("client_id", "web"));
    let (status, body) = browser.token_request(None, &none).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    // The code was not used up by failed client authentication.
    let (status, _) = browser.exchange("web", WEB_SECRET, code).await;
    assert_eq!(status, StatusCode::OK);
    // Another client cannot redeem it either way.
    let (status, body) = browser.exchange("es", WEB_SECRET, code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn bad_authorization_requests_get_the_right_errors() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let unknown = browser
        .authorize(&[
            ("client_id", "nope"),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
        ])
        .await;
    assert_eq!(unknown.html().0, StatusCode::BAD_REQUEST);
    let no_openid = browser
        .authorize(&[
            ("client_id", "web"),
            ("redirect_uri", CALLBACK),
            ("scope", "profile"),
            ("state", "s"),
        ])
        .await
        .callback();
    assert_eq!(no_openid["error"], "invalid_scope");
    assert_eq!(no_openid["state"], "s");
    let mut url = url::Url::parse(&format!("{}/authorize", op.issuer())).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", "web")
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", "openid")
        .append_pair("response_type", "token");
    let implicit = browser.get(url.as_str()).await.callback();
    assert_eq!(implicit["error"], "unsupported_response_type");
    let (status, body) = browser
        .token_request(Some(("web", WEB_SECRET)), &[("grant_type", "password")])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (status, body) = browser
        .token_request(
            Some(("web", WEB_SECRET)),
            &[
                ("grant_type", "authorization_code"),
                ("code", "made-up"),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn cancel_returns_access_denied_and_a_forged_form_is_refused() {
    let op = TestIssuer::start().await;
    let browser = op.browser();
    let page = browser.login_request("web", &[]).await;
    // CSRF: the right transaction with a wrong token is refused.
    let (status, _) = browser
        .submit(
            &page,
            &[
                ("csrf", "forged"),
                ("username", "alice"),
                ("password", ALICE_PASSWORD),
            ],
        )
        .await
        .html();
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another browser (no cookie) cannot use this login page.
    let other = op.browser();
    let (status, _) = other
        .submit(
            &page,
            &[("username", "alice"), ("password", ALICE_PASSWORD)],
        )
        .await
        .html();
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let denied = browser
        .submit(&page, &[("action", "cancel")])
        .await
        .callback();
    assert_eq!(denied["error"], "access_denied");
    assert_eq!(denied["state"], "st-123");
}

#[tokio::test]
async fn login_pages_are_labelled_and_set_safe_cookies() {
    let op = TestIssuer::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = url::Url::parse(&format!("{}/authorize", op.issuer())).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", "web")
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", "openid")
        .append_pair("response_type", "code");
    let response = http.get(url.as_str()).send().await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let browser = op.browser();
    let (_, html) = browser.login_request("web", &[]).await.html();
    assert!(html.contains("Development provider — not for production"));
    assert!(html.contains("<label for=\"username\">Username</label>"));
    assert!(html.contains("<label for=\"password\">Password</label>"));
    assert!(!html.contains("<script"));
    let response = browser
        .http
        .get(format!("{}/", op.issuer()))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");
}
