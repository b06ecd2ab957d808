//! Discovery, key rotation seen through discovery, restarts, and the demo setup.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;
use stepup::UnixTime;
use stepup_issuer::IssuerConfig;

use crate::support::*;

async fn jwks_kids(issuer: &str) -> HashSet<String> {
    let jwks: Value = reqwest::get(format!("{issuer}/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn kid(token: &str) -> String {
    stepup::decode_unverified(token).unwrap().0["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn discovery_describes_the_provider() {
    let op = TestIssuer::start().await;
    let doc: Value = reqwest::get(op.running.discovery_url())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = op.issuer();
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks.json"));
    assert_eq!(doc["end_session_endpoint"], format!("{issuer}/logout"));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["acr_values_supported"], serde_json::json!([MFA]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256", "ES256", "EdDSA", "HS256"])
    );
    assert_eq!(jwks_kids(&issuer).await.len(), 3);
}

#[tokio::test]
async fn key_rotation_is_picked_up_by_a_verifier_using_discovery() {
    let op = TestIssuer::start().await;
    let issuer = op.issuer();
    let browser = op.browser();
    let old_token = browser.password_login("web", &[]).await;
    let old_kid = kid(&old_token);
    // One verifier for the whole test, as an application would keep it.
    let verifier = verifier_via_discovery(&issuer, "web").await;
    verifier.verify(&old_token, UnixTime::now()).await.unwrap();

    // Rotation through the loopback-only admin endpoint.
    let rotation: Value = reqwest::Client::new()
        .post(format!("{issuer}/admin/rotate-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        rotation["retiring"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == &old_kid[..])
    );
    let new_token = browser.password_login("web", &[("prompt", "login")]).await;
    let new_kid = kid(&new_token);
    assert_ne!(new_kid, old_kid);
    // The new kid is unknown to the verifier: it refetches the JWKS by itself.
    verifier.verify(&new_token, UnixTime::now()).await.unwrap();
    verifier.verify(&old_token, UnixTime::now()).await.unwrap(); // retiring keys stay published

    // Rotation by another process (the CLI) on the state directory: seen at once.
    let second = stepup_issuer::rotate_keys(op.dir.path()).unwrap();
    assert!(second.removed.contains(&old_kid));
    let kids = jwks_kids(&issuer).await;
    assert!(!kids.contains(&old_kid) && kids.contains(&new_kid) && kids.len() == 6);
    // A retired key disappears from the verifier at its next refresh.
    verifier.refresh().await.unwrap();
    assert_eq!(
        verifier
            .verify(&old_token, UnixTime::now())
            .await
            .unwrap_err()
            .code(),
        "key_not_found"
    );
    verifier.verify(&new_token, UnixTime::now()).await.unwrap();
    let newest = browser.password_login("web", &[("prompt", "login")]).await;
    assert!(second.added.contains(&kid(&newest)));
}

#[tokio::test]
async fn the_admin_endpoint_refuses_browser_requests() {
    let op = TestIssuer::start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/admin/rotate-keys", op.issuer()))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(jwks_kids(&op.issuer()).await.len(), 3);
}

#[tokio::test]
async fn a_restart_with_the_same_state_dir_keeps_keys_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_in(test_config(), dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let addr = first.local_addr();
    let issuer = first.issuer().to_owned();
    let browser = Browser::new(issuer.clone());
    let token = browser.password_login("web", &[]).await;
    let kids = jwks_kids(&issuer).await;
    first.shutdown().await.unwrap();

    let second = start_in(test_config(), dir.path(), addr).await;
    assert_eq!(second.issuer(), issuer);
    assert_eq!(jwks_kids(&issuer).await, kids);
    let verifier = verifier_via_discovery(&issuer, "web").await;
    verifier.verify(&token, UnixTime::now()).await.unwrap();
    // The browser's session survived the restart.
    let again = browser
        .login_request("web", &[("prompt", "none")])
        .await
        .callback();
    assert!(again.contains_key("code"), "{again:?}");
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_demo_setup_generates_credentials_once_and_lets_alice_step_up() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_in(
        IssuerConfig::default(),
        dir.path(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    let banner = running.banner();
    let alice = running
        .users()
        .iter()
        .find(|u| u.username == "alice")
        .unwrap()
        .clone();
    let password = alice.password.clone().unwrap();
    assert!(banner.contains(&password));
    assert!(banner.contains(alice.otpauth_uri.as_deref().unwrap()));
    assert!(banner.contains("NOT FOR PRODUCTION"));
    let client = running.clients()[0].clone();
    assert_eq!(client.client_id, "demo-app");
    let secret = client.client_secret.clone().unwrap();

    // The demo client's callback is not served here; the browser stops at it.
    let browser = Browser::new(running.issuer().to_owned());
    let mut app = Authenticator::new(alice.totp_secret.as_deref().unwrap());
    let page = browser
        .authorize(&[
            ("client_id", "demo-app"),
            ("redirect_uri", "http://127.0.0.1:3000/callback"),
            ("scope", "openid"),
            ("acr_values", MFA),
        ])
        .await;
    let page = browser.password(&page, "alice", &password).await;
    let callback = browser.totp(&page, &app.code().await).await.callback();
    let (status, body) = browser
        .token_request(
            Some(("demo-app", &secret)),
            &[
                ("grant_type", "authorization_code"),
                ("code", &callback["code"]),
                ("redirect_uri", "http://127.0.0.1:3000/callback"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verifier = verifier_via_discovery(running.issuer(), "demo-app").await;
    let (_, decision) = verifier
        .check(
            body["id_token"].as_str().unwrap(),
            &stepup::Policy::default(),
            UnixTime::now(),
        )
        .await
        .unwrap();
    assert!(decision.is_satisfied());
    running.shutdown().await.unwrap();

    // Same credentials after a restart (an authenticator app keeps working).
    let again = start_in(
        IssuerConfig::default(),
        dir.path(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    assert_eq!(again.users(), running_users(&alice, again.users()));
    assert_eq!(
        again.clients()[0].client_secret.as_deref(),
        Some(secret.as_str())
    );
    again.shutdown().await.unwrap();
}

fn running_users<'a>(
    alice: &stepup_issuer::UserCredentials,
    users: &'a [stepup_issuer::UserCredentials],
) -> &'a [stepup_issuer::UserCredentials] {
    let found = users.iter().find(|u| u.username == "alice").unwrap();
    assert_eq!(found.password, alice.password);
    assert_eq!(found.totp_secret, alice.totp_secret);
    users
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_in(test_config(), dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let url = running.discovery_url();
    assert!(reqwest::get(&url).await.unwrap().status().is_success());
    drop(running);
    let mut stopped = false;
    for _ in 0..50 {
        if reqwest::get(&url).await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stopped);
}
