//! `stepup decode`: header and claims, marked unverified, with dates.

use serde_json::json;

use crate::util::{EXP, IAT, hs256, mint, run, run_stdin};

#[test]
fn decode_shows_unverified_marker_header_claims_and_dates() {
    let auth_time = (IAT - 10).to_string();
    let token = hs256(&["pwd", "mfa"], &["--auth-time", &auth_time]);
    let out = run(&["decode", &token]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("UNVERIFIED"), "{}", out.stdout);
    assert!(out.stdout.contains("NOT checked"));
    assert!(out.stdout.contains(r#""alg": "HS256""#));
    assert!(out.stdout.contains(&format!(r#""exp": {EXP}"#)));
    assert!(out.stdout.contains("exp        2026-01-01T01:00:00Z"));
    assert!(out.stdout.contains("iat        2026-01-01T00:00:00Z"));
    assert!(out.stdout.contains("auth_time  2025-12-31T23:59:50Z"));
    assert!(!out.stdout.contains("nbf "));
}

#[test]
fn decode_json() {
    let token = hs256(&["mfa"], &["--claim", "nbf=1767225600.5"]);
    let json = run(&["decode", "--json", &token]).expect_code(0).json();
    assert_eq!(json["verified"], false);
    assert_eq!(json["header"], json!({"alg": "HS256", "typ": "JWT"}));
    assert_eq!(json["claims"]["amr"], json!(["mfa"]));
    assert_eq!(
        json["dates"],
        json!({
            "exp": "2026-01-01T01:00:00Z",
            "iat": "2026-01-01T00:00:00Z",
            "nbf": "2026-01-01T00:00:00.5Z",
        })
    );
    assert_eq!(json["error"], serde_json::Value::Null);
}

#[test]
fn decode_reads_stdin_and_does_not_verify() {
    // A token signed with some other secret decodes just the same.
    let token = mint(&["--secret", &"x".repeat(32), "--amr", "mfa"]);
    let out = run_stdin(&["decode", "--json"], format!("{token}\n").as_bytes());
    assert_eq!(out.expect_code(0).json()["claims"]["sub"], "test-user");
    run_stdin(&["decode", "-"], format!("{token}\n").as_bytes()).expect_code(0);
}

#[test]
fn undecodable_tokens_exit_2_and_usage_errors_3() {
    let out = run(&["decode", "garbage"]);
    out.expect_code(2);
    assert!(out.stderr.contains("malformed_token"), "{}", out.stderr);
    // "not json" as the header.
    let json = run(&["decode", "--json", "bm90IGpzb24.e30.c2ln"])
        .expect_code(2)
        .json();
    assert_eq!(json["error"]["code"], "invalid_json");
    assert_eq!(json["verified"], false);
    run(&["decode", "--bogus"]).expect_code(3);
}
