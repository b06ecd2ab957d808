//! `stepup mint`: claims from flags, defaults and refusals.

use serde_json::{Value, json};

use crate::util::{AUD, IAT, ISS, SECRET, key, mint, run, run_stdin, temp_file};

fn claims(token: &str) -> Value {
    run(&["decode", "--json", token]).expect_code(0).json()["claims"].clone()
}

fn header(token: &str) -> Value {
    run(&["decode", "--json", token]).expect_code(0).json()["header"].clone()
}

#[test]
fn defaults_and_flags() {
    let token = mint(&[
        "--secret",
        SECRET,
        "--amr",
        "pwd",
        "--amr",
        "otp",
        "--acr",
        "gold",
        "--nonce",
        "n1",
        "--azp",
        AUD,
        "--auth-time",
        "now",
        "--kid",
        "k1",
    ]);
    assert_eq!(
        claims(&token),
        json!({
            "iss": ISS, "aud": AUD, "sub": "test-user",
            "iat": IAT, "exp": IAT + 3600, "auth_time": IAT,
            "amr": ["pwd", "otp"], "acr": "gold", "nonce": "n1", "azp": AUD,
        })
    );
    assert_eq!(
        header(&token),
        json!({"alg": "HS256", "typ": "JWT", "kid": "k1"})
    );
}

#[test]
fn repeated_audience_makes_an_array_and_lifetime_sets_exp() {
    let token = mint(&[
        "--secret",
        SECRET,
        "--audience",
        "second",
        "--lifetime",
        "60",
        "--subject",
        "alice",
    ]);
    let claims = claims(&token);
    assert_eq!(claims["aud"], json!([AUD, "second"]));
    assert_eq!(claims["exp"], IAT + 60);
    assert_eq!(claims["sub"], "alice");
    assert!(claims.get("amr").is_none(), "no amr by default");
}

#[test]
fn claim_values_are_json_when_they_parse() {
    let token = mint(&[
        "--secret",
        SECRET,
        "--claim",
        "n=42",
        "--claim",
        "s=plain text",
        "--claim",
        r#"q="42""#,
        "--claim",
        "a=[1,\"x\"]",
        "--claim",
        "o={\"k\":true}",
        "--claim",
        "amr=mfa",
    ]);
    let claims = claims(&token);
    assert_eq!(claims["n"], 42);
    assert_eq!(claims["s"], "plain text");
    assert_eq!(claims["q"], "42");
    assert_eq!(claims["a"], json!([1, "x"]));
    assert_eq!(claims["o"], json!({"k": true}));
    assert_eq!(claims["amr"], "mfa");
}

#[test]
fn claims_json_is_merged_first_and_flags_override() {
    let file = temp_file(
        "claims.json",
        br#"{"sub": "from-file", "iss": "https://file", "exp": 5, "custom": [1]}"#,
    );
    let token = mint(&["--secret", SECRET, "--claims-json", &file]);
    let claims = claims(&token);
    assert_eq!(
        claims["sub"], "from-file",
        "no --subject: the file wins over the default"
    );
    assert_eq!(claims["iss"], ISS, "--issuer overrides the file");
    assert_eq!(claims["iat"], IAT, "--now overrides");
    assert_eq!(claims["exp"], 5, "no --lifetime: the file's exp stays");
    assert_eq!(claims["custom"], json!([1]));
    let token = mint(&[
        "--secret",
        SECRET,
        "--claims-json",
        &file,
        "--lifetime",
        "10",
    ]);
    assert_eq!(self::claims(&token)["exp"], IAT + 10);
    // From stdin, and --claim overrides everything.
    let out = run_stdin(
        &[
            "mint",
            "--secret",
            SECRET,
            "--claims-json",
            "-",
            "--claim",
            "sub=last",
        ],
        br#"{"sub": "stdin", "x": 1}"#,
    );
    let token = out.expect_code(0).stdout.trim().to_owned();
    let claims = self::claims(&token);
    assert_eq!(claims["sub"], "last");
    assert_eq!(claims["x"], 1);
}

#[test]
fn key_decides_the_default_algorithm_and_alg_must_fit() {
    for (key_name, alg) in [
        ("rsa-2048", "RS256"),
        ("ec-p256", "ES256"),
        ("ec-p384", "ES384"),
        ("ec-p521", "ES512"),
        ("ed25519", "EdDSA"),
    ] {
        let private = key(&format!("{key_name}.private.pem"));
        let token = mint(&["--key", &private]);
        assert_eq!(header(&token)["alg"], alg);
    }
    let private = key("ec-p256.private.pem");
    let out = run(&["mint", "--key", &private, "--alg", "ES384"]);
    out.expect_code(3);
    run(&["mint", "--key", &private, "--alg", "HS256"]).expect_code(3);
}

#[test]
fn bad_input_exits_3() {
    // alg none, unknown alg.
    let out = run(&["mint", "--secret", SECRET, "--alg", "none"]);
    out.expect_code(3);
    assert!(out.stdout.is_empty());
    run(&["mint", "--secret", SECRET, "--alg", "XS256"]).expect_code(3);
    // A secret too short for the algorithm; no key at all; two keys.
    run(&["mint", "--secret", SECRET, "--alg", "HS512"]).expect_code(3);
    run(&["mint", "--secret", "short"]).expect_code(3);
    run(&["mint"]).expect_code(3);
    let private = key("rsa-2048.private.pem");
    run(&["mint", "--secret", SECRET, "--key", &private]).expect_code(3);
    // A public key where a private one belongs; a missing file.
    let public = key("rsa-2048.public.pem");
    run(&["mint", "--key", &public]).expect_code(3);
    run(&["mint", "--key", "no/such.pem"]).expect_code(3);
    // Malformed claims.
    run(&["mint", "--secret", SECRET, "--claim", "novalue"]).expect_code(3);
    run(&["mint", "--secret", SECRET, "--claim", "=x"]).expect_code(3);
    run(&["mint", "--secret", SECRET, "--auth-time", "yesterday"]).expect_code(3);
    let not_object = temp_file("array.json", b"[1]");
    run(&["mint", "--secret", SECRET, "--claims-json", &not_object]).expect_code(3);
    let not_json = temp_file("bad.json", b"{");
    run(&["mint", "--secret", SECRET, "--claims-json", &not_json]).expect_code(3);
}

/// A kid may start with '-', as an RFC 7638 thumbprint (base64url) can.
#[test]
fn kid_may_start_with_a_hyphen() {
    let token = mint(&["--secret", SECRET, "--kid", "-mHyphenKid"]);
    let out = run(&["decode", "--json", &token]);
    assert_eq!(out.expect_code(0).json()["header"]["kid"], "-mHyphenKid");
}
