//! Common mistakes get a stable code and a hint instead of a bare library error:
//! pasted wrappers around a token, a token response, no token at all, a JWE, and key
//! files of the wrong kind. The CLI names the mistake; it never repairs the input.

use serde_json::{Value, json};

use crate::util::{
    AUD, ISS, NOW, SECRET, check_names, hs256, key, run, run_stdin, temp_file, verify_hs,
};

/// `stepup verify --secret … --json` with the token on stdin.
fn verify_stdin_json(stdin: &str, extra: &[&str]) -> Value {
    let now = NOW.to_string();
    let mut args = vec![
        "verify",
        "--secret",
        SECRET,
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--now",
        &now,
        "--json",
    ];
    args.extend_from_slice(extra);
    run_stdin(&args, stdin.as_bytes()).json()
}

/// Asserts an invalid-token JSON object with this code, whose message contains
/// `hint`, that stops at the format check, and never repeats `token` (unless empty).
#[track_caller]
fn assert_hint(json: &Value, code: &str, hint: &str, token: &str) {
    assert_eq!(json["valid"], false, "{json}");
    assert_eq!(json["error"]["code"], code, "{json}");
    assert_eq!(json["error"]["class"], "token", "{json}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains(hint), "{message}");
    assert!(
        token.is_empty() || !message.contains(token),
        "a message never holds the token: {message}"
    );
    assert_eq!(check_names(json), ["format"], "{json}");
    assert_eq!(json["checks"][0]["ok"], false);
    assert_eq!(json["header"], Value::Null);
}

#[test]
fn a_bearer_prefix_is_named_not_stripped() {
    let token = hs256(&["mfa"], &[]);
    for pasted in [
        format!("Bearer {token}"),
        format!("bearer  {token}"),
        format!("Authorization: Bearer {token}"),
    ] {
        let out = verify_hs(&pasted, &["--json"]);
        out.expect_code(2);
        assert_hint(&out.json(), "bearer_prefix", "remove ", &token);
        assert_hint(
            &out.json(),
            "bearer_prefix",
            "the \"Bearer \" prefix",
            &token,
        );
    }
    // On stdin too, and in the checklist.
    let json = verify_stdin_json(&format!("Bearer {token}\n"), &[]);
    assert_hint(&json, "bearer_prefix", "Authorization header value", &token);
    let out = verify_hs(&format!("Bearer {token}"), &[]);
    out.expect_code(2);
    assert!(out.stdout.contains("✘ format "), "{}", out.stdout);
    assert!(
        out.stdout.contains("INVALID (bearer_prefix): "),
        "{}",
        out.stdout
    );
    // The token itself, as given, still verifies: a hint never changes a verdict.
    verify_hs(&token, &[]).expect_code(0);
}

#[test]
fn quotes_around_a_token_are_named() {
    let token = hs256(&["mfa"], &[]);
    for pasted in [
        format!("'{token}'"),
        format!("\"{token}\""),
        format!("“{token}”"),
        format!("\"{token}"),
    ] {
        let out = verify_hs(&pasted, &["--json"]);
        out.expect_code(2);
        assert_hint(&out.json(), "quoted_token", "remove the quotes", &token);
    }
    let out = verify_hs(&format!("\"Bearer {token}\""), &["--json"]);
    assert_hint(
        &out.expect_code(2).json(),
        "quoted_token",
        "remove the quotes and the \"Bearer \" prefix",
        &token,
    );
}

#[test]
fn a_token_response_points_at_its_id_token() {
    let token = hs256(&["mfa"], &[]);
    let response = json!({
        "access_token": "opaque-access-token",
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": token,
    })
    .to_string();
    let json = verify_stdin_json(&response, &[]);
    assert_hint(
        &json,
        "token_response",
        "its \"id_token\" member is the ID token",
        &token,
    );
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("jq -r .id_token")
    );
    // In access-token mode, the access_token member.
    let json = verify_stdin_json(&response, &["--access-token"]);
    assert_hint(&json, "token_response", "\"access_token\" member", &token);
    // A response without an ID token: the openid scope was not asked for.
    let json = verify_stdin_json(r#"{"access_token":"x","token_type":"Bearer"}"#, &[]);
    assert_hint(&json, "token_response", "`openid`", "");
    // decode says the same.
    let out = run_stdin(&["decode", "--json"], response.as_bytes());
    assert_eq!(out.expect_code(2).json()["error"]["code"], "token_response");
}

#[test]
fn other_json_is_not_a_token() {
    let json = verify_stdin_json(r#"{"iss":"https://op","sub":"alice","amr":["mfa"]}"#, &[]);
    assert_hint(&json, "token_is_json", "decoded claims", "");
    let json = verify_stdin_json("[1, 2", &[]);
    assert_hint(&json, "token_is_json", "header.payload.signature", "");
}

#[test]
fn no_token_at_all_is_a_usage_error() {
    for args in [
        &[
            "verify",
            "",
            "--secret",
            SECRET,
            "--issuer",
            ISS,
            "--audience",
            AUD,
            "--json",
        ][..],
        &[
            "verify",
            "  ",
            "--secret",
            SECRET,
            "--issuer",
            ISS,
            "--audience",
            AUD,
            "--json",
        ][..],
        &["decode", "", "--json"][..],
    ] {
        let json = run(args).expect_code(3).json();
        assert_eq!(json["error"]["code"], "no_token", "{args:?}");
        assert!(
            json["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("no token given"),
            "{json}"
        );
    }
    // Empty stdin: the same (see also verify::token_from_stdin_drops_exactly_one_trailing_newline).
    let out = run_stdin(&["decode"], b"");
    out.expect_code(3);
    assert!(
        out.stderr.contains("no token given: stdin was empty") && out.stderr.contains("[no_token]"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_encrypted_token_says_so_and_what_to_do() {
    // A JWE in compact form: header.encrypted_key.iv.ciphertext.tag ("dir": no key).
    let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXYtaXYtaXYtaXY.Y2lwaGVydGV4dA.dGFnLXRhZy10YWctdGFn";
    let out = verify_hs(jwe, &["--json"]);
    let json = out.expect_code(2).json();
    assert_hint(
        &json,
        "jwe_not_supported",
        "this is an encrypted token (JWE",
        "aXYtaXYt",
    );
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("stepup verifies signed ID tokens"),
        "{message}"
    );
    assert!(
        message.contains("id_token_encrypted_response_alg"),
        "{message}"
    );
    let out = run(&["decode", jwe]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("encrypted token (JWE"),
        "{}",
        out.stderr
    );
}

/// `stepup verify TOKEN --FLAG FILE --issuer … --audience … --json`: exit 3, the error.
fn key_error(flag: &str, file: &str) -> Value {
    let token = hs256(&["mfa"], &[]);
    let json = run(&[
        "verify",
        &token,
        flag,
        file,
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--json",
    ])
    .expect_code(3)
    .json();
    assert_eq!(json["error"]["class"], "config", "{json}");
    json["error"].clone()
}

#[test]
fn jwks_given_a_single_jwk_or_a_pem_hints_key() {
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(key("jwks.json")).unwrap()).unwrap();
    let jwk = temp_file("one.jwk", jwks["keys"][0].to_string().as_bytes());
    let error = key_error("--jwks", &jwk);
    assert_eq!(error["code"], "invalid_key");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("a single JWK"), "{message}");
    assert!(
        message.contains(&format!("pass it with --key {jwk}")),
        "{message}"
    );
    let pem = key("rsa-2048.public.pem");
    let message = key_error("--jwks", &pem)["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("holds a PEM key"), "{message}");
    assert!(message.contains("--key"), "{message}");
    // And the other way round (the library's own hint).
    let message = key_error("--key", &key("jwks.json"))["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("--jwks"), "{message}");
}

#[test]
fn key_files_that_are_not_json_are_not_called_a_payload() {
    let broken = temp_file("broken.json", b"{\"kty\": \"RSA\", n: 1}");
    for flag in ["--key", "--jwks"] {
        let error = key_error(flag, &broken);
        assert_eq!(error["code"], "invalid_key");
        let message = error["message"].as_str().unwrap();
        assert!(!message.contains("payload"), "{message}");
        assert!(
            message.contains("is not valid JSON (key must be a string at line 1 column "),
            "{message}"
        );
        assert!(message.contains(&broken), "names the file: {message}");
    }
    let text = temp_file("text.txt", b"hello");
    let message = key_error("--jwks", &text)["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!message.contains("payload"), "{message}");
    assert!(message.contains("expected a JWK Set"), "{message}");
    // A strict-JSON problem the library finds (a duplicated member) is not a "payload" either.
    let jwk = temp_file("duplicated.jwk", br#"{"kty":"RSA","kty":"EC"}"#);
    let set = temp_file("duplicated.json", br#"{"keys":[],"keys":[]}"#);
    for (flag, file, name) in [("--key", &jwk, "kty"), ("--jwks", &set, "keys")] {
        let error = key_error(flag, file);
        let message = error["message"].as_str().unwrap();
        assert!(!message.contains("payload"), "{message}");
        assert!(message.contains(&format!("\"{name}\" twice")), "{message}");
    }
}

#[test]
fn verify_help_lists_the_cli_error_codes() {
    let out = run(&["verify", "--help"]);
    out.expect_code(0);
    for code in [
        "usage",
        "no_token",
        "bearer_prefix",
        "quoted_token",
        "token_response",
        "token_is_json",
        "file_unreadable",
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|line| line.trim_start().starts_with(code)),
            "{code}\n{}",
            out.stdout
        );
    }
}
