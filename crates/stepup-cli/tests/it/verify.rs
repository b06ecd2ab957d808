//! `stepup verify`: exit codes, checklist, JSON shape, key sources, policies, stdin.

use serde_json::{Value, json};

use crate::util::{
    AUD, EXP, IAT, ISS, NOW, Output, SECRET, check_names, hs256, key, mint, run, run_stdin,
    run_with, stepup, temp_file, verify_hs,
};

/// `verify TOKEN --key <committed public key> …` at [`NOW`] unless `extra` sets `--now`.
/// `stepup verify TOKEN --jwks FILE --json` at the fixed clock.
fn verify_jwks_json(token: &str, jwks_file: &str) -> Output {
    let now = NOW.to_string();
    run(&[
        "verify",
        token,
        "--jwks",
        jwks_file,
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--now",
        &now,
        "--json",
    ])
}

fn verify_key(token: &str, key_file: &str, extra: &[&str]) -> Output {
    let key_path = key(key_file);
    let now = NOW.to_string();
    let mut args = vec![
        "verify",
        token,
        "--key",
        &key_path,
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ];
    if !extra.contains(&"--now") {
        args.extend(["--now", &now]);
    }
    args.extend_from_slice(extra);
    run(&args)
}

fn rsa_token(amr: &[&str], extra: &[&str]) -> String {
    let private = key("rsa-2048.private.pem");
    let mut args = vec!["--key", private.as_str(), "--kid", "rsa-2048"];
    for value in amr {
        args.extend(["--amr", value]);
    }
    args.extend_from_slice(extra);
    mint(&args)
}

// ---- exit 0 / 1 / 2 / 3 -------------------------------------------------------------

#[test]
fn valid_mfa_token_exits_0_with_a_checklist() {
    let token = rsa_token(&["pwd", "mfa"], &[]);
    let out = verify_key(&token, "rsa-2048.public.pem", &[]);
    out.expect_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let (verdict, check_lines) = lines.split_last().unwrap();
    let names: Vec<&str> = check_lines
        .iter()
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        names,
        [
            "format",
            "header",
            "alg",
            "signature",
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "amr",
        ]
    );
    assert!(check_lines.iter().all(|line| line.starts_with("✔ ")));
    assert!(out.stdout.contains("✔ format     compact JWS, 3 parts"));
    assert!(out.stdout.contains("✔ alg        RS256 (allowed: RS256, "));
    assert!(
        out.stdout
            .contains("✔ signature  verified with an RSA 2048-bit key")
    );
    assert!(out.stdout.contains(&format!("✔ iss        {ISS}")));
    assert!(
        out.stdout
            .contains(&format!("✔ aud        {AUD} (found: {AUD})"))
    );
    assert!(
        out.stdout
            .contains("✔ exp        2026-01-01T01:00:00Z (in 50 min)")
    );
    assert!(
        out.stdout
            .contains("✔ iat        2026-01-01T00:00:00Z (10 min ago)")
    );
    assert!(
        out.stdout
            .contains(r#"✔ amr        required [mfa], found ["pwd","mfa"]"#)
    );
    assert_eq!(*verdict, "VALID — step-up satisfied");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn password_only_token_exits_1_and_reports_the_missing_mfa() {
    let token = rsa_token(&["pwd"], &[]);
    let out = verify_key(&token, "rsa-2048.public.pem", &[]);
    out.expect_code(1);
    assert!(
        out.stdout
            .contains(r#"✘ amr        required [mfa], found ["pwd"]"#)
    );
    assert!(
        out.stdout.contains("VALID — STEP-UP REQUIRED: amr:mfa\n"),
        "{}",
        out.stdout
    );

    let json = verify_key(&token, "rsa-2048.public.pem", &["--json"])
        .expect_code(1)
        .json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["step_up"]["satisfied"], false);
    assert_eq!(json["step_up"]["missing"], json!(["amr:mfa"]));
    assert!(
        json["step_up"]["challenge"]["www_authenticate"]
            .as_str()
            .unwrap()
            .starts_with("Bearer error=\"insufficient_user_authentication\"")
    );
    assert_eq!(json["error"], Value::Null);
}

#[test]
fn missing_amr_exits_1() {
    let token = rsa_token(&[], &[]);
    let out = verify_key(&token, "rsa-2048.public.pem", &[]);
    out.expect_code(1);
    assert!(
        out.stdout
            .contains("✘ amr        required [mfa], found (absent)")
    );
}

#[test]
fn amr_as_a_string_is_a_step_up_not_an_invalid_token() {
    let token = hs256(&[], &["--claim", r#"amr="mfa""#]);
    let json = verify_hs(&token, &["--json"]).expect_code(1).json();
    assert_eq!(json["step_up"]["missing"], json!(["amr:mfa"]));
    assert_eq!(json["claims"]["amr"], "mfa");
    // The checklist says why: it must be an array.
    let note =
        "amr must be an array of strings, such as [\"pwd\",\"mfa\"]; this token has a string";
    let amr = &json["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(amr["name"], "amr");
    assert_eq!(amr["note"], note);
    let out = verify_hs(&token, &[]);
    out.expect_code(1);
    assert!(
        out.stdout.contains(&format!(
            "✘ amr        required [mfa], found \"mfa\" ({note})"
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn step_up_claims_of_the_wrong_type_say_which_type_is_needed() {
    let token = hs256(
        &["mfa"],
        &[
            "--claim",
            r#"acr=["gold"]"#,
            "--claim",
            r#"auth_time="yesterday""#,
        ],
    );
    let out = verify_hs(&token, &["--acr", "gold", "--max-age", "300"]);
    out.expect_code(1);
    assert!(
        out.stdout
            .contains("(acr must be a string; this token has an array)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("(auth_time must be a number (Unix seconds); this token has a string)"),
        "{}",
        out.stdout
    );
}

#[test]
fn step_up_says_what_an_app_does_with_the_challenge() {
    // Generic profile with max_age: the header for an API, and the login request of a
    // web app, which asks for a fresh login (prompt=login: no acr value asks for MFA).
    let token = hs256(&["pwd"], &["--auth-time", &IAT.to_string()]);
    let out = verify_hs(&token, &["--max-age", "300"]);
    out.expect_code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let verdict = lines
        .iter()
        .position(|line| line.starts_with("VALID — STEP-UP REQUIRED: "))
        .expect("a verdict line");
    assert_eq!(
        lines[verdict],
        "VALID — STEP-UP REQUIRED: amr:mfa, fresh_login"
    );
    assert_eq!(
        lines[verdict + 1],
        "  an API answers 401 with the header WWW-Authenticate: Bearer \
         error=\"insufficient_user_authentication\", error_description=\"A different \
         authentication level is required\", max_age=\"300\""
    );
    assert_eq!(
        lines[verdict + 2],
        "  a web app sends the user back to the provider's authorization endpoint with \
         max_age=300 prompt=login"
    );
    assert_eq!(lines.len(), verdict + 3);
    // auth0 asks with its acr value, no prompt=login for the level alone.
    let out = verify_hs(&hs256(&["pwd"], &[]), &["--profile", "auth0"]);
    assert!(
        out.expect_code(1).stdout.contains(
            "  a web app sends the user back to the provider's authorization endpoint with \
             acr_values=http://schemas.openid.net/pape/policies/2007/06/multi-factor\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn expired_token_exits_2_and_shows_the_failing_check() {
    let token = rsa_token(&["mfa"], &[]);
    let now = (EXP + 320).to_string();
    let out = verify_key(&token, "rsa-2048.public.pem", &["--now", &now]);
    out.expect_code(2);
    assert!(
        out.stdout
            .contains("✘ exp        2026-01-01T01:00:00Z (5 min ago)")
    );
    assert!(out.stdout.contains("[token_expired]"));
    assert!(
        out.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("INVALID (token_expired): token expired 320 s ago (exp 1767229200")
    );
    // The checks the library runs after exp are not shown.
    assert!(!out.stdout.contains(" iat "));
    assert!(!out.stdout.contains(" amr "));
}

// ---- exit 3: usage and configuration ------------------------------------------------

#[test]
fn alg_none_is_a_configuration_error() {
    let token = hs256(&["mfa"], &[]);
    for none in ["none", "NONE", "None"] {
        let out = verify_hs(&token, &["--alg", none]);
        out.expect_code(3);
        assert!(out.stderr.contains("never accepted"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    let json = verify_hs(&token, &["--alg", "none", "--json"])
        .expect_code(3)
        .json();
    assert_eq!(json["error"]["code"], "alg_none");
    assert_eq!(json["error"]["class"], "config");
    assert_eq!(json["valid"], false);
}

#[test]
fn unknown_option_exits_3_not_clap_s_2() {
    let token = hs256(&["mfa"], &[]);
    let out = verify_hs(&token, &["--frobnicate"]);
    out.expect_code(3);
    assert!(out.stderr.contains("--frobnicate"), "{}", out.stderr);
    run(&["frobnicate"]).expect_code(3);
    run(&[]).expect_code(3);
}

#[test]
fn usage_error_with_json_still_prints_a_json_error() {
    let token = hs256(&["mfa"], &[]);
    let json = verify_hs(&token, &["--json", "--frobnicate"])
        .expect_code(3)
        .json();
    assert_eq!(json["error"]["code"], "usage");
    assert_eq!(json["valid"], false);
}

#[test]
fn usage_error_json_carries_all_of_clap_s_message() {
    let token = hs256(&["mfa"], &[]);
    // CLICOLOR_FORCE: clap styles its message as for a terminal; the JSON must not.
    let mut command = stepup();
    command.env("CLICOLOR_FORCE", "1");
    let out = run_with(command, &["verify", &token, "--json"], None);
    let json = out.expect_code(3).json();
    assert_eq!(json["error"]["code"], "usage");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the following required arguments were not provided:\n"),
        "{message}"
    );
    for missing in [
        "--issuer <ISS>",
        "--audience <CLIENT_ID>",
        "--secret <SECRET>|",
    ] {
        assert!(message.contains(missing), "{missing} in {message}");
    }
    assert!(message.contains("\nUsage: stepup verify "), "{message}");
    assert!(!message.contains("For more information"), "{message}");
    assert!(!message.contains('\u{1b}'), "{message:?}");
    assert!(!message.ends_with('\n'), "{message:?}");
    // stderr keeps clap's own text, tail included.
    assert!(
        out.stderr.contains("For more information"),
        "{}",
        out.stderr
    );
    // A one-line error stays one line.
    let json = verify_hs(&token, &["--json", "--frobnicate"])
        .expect_code(3)
        .json();
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("unexpected argument '--frobnicate' found"),
        "{message}"
    );
}

#[test]
fn missing_issuer_or_audience_exits_3() {
    let token = hs256(&["mfa"], &[]);
    let out = run(&["verify", &token, "--secret", SECRET, "--audience", AUD]);
    out.expect_code(3);
    assert!(out.stderr.contains("--issuer"), "{}", out.stderr);
    run(&["verify", &token, "--secret", SECRET, "--issuer", ISS]).expect_code(3);
}

#[test]
fn key_source_is_required_and_exactly_one() {
    let token = hs256(&["mfa"], &[]);
    run(&["verify", &token, "--issuer", ISS, "--audience", AUD]).expect_code(3);
    let out = verify_key(&token, "rsa-2048.public.pem", &["--secret", SECRET]);
    out.expect_code(3);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
    let jwks = key("jwks.json");
    verify_key(&token, "rsa-2048.public.pem", &["--jwks", &jwks]).expect_code(3);
    verify_hs(&token, &["--discover"]).expect_code(3);
}

#[test]
fn weak_secret_exits_3_without_printing_it() {
    let token = hs256(&["mfa"], &[]);
    let out = run(&[
        "verify",
        &token,
        "--secret",
        "hunter2",
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ]);
    out.expect_code(3);
    assert!(out.stderr.contains("weak_key"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"));
    let out = run(&[
        "verify",
        &token,
        "--secret",
        "",
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ]);
    out.expect_code(3);
}

#[test]
fn key_file_problems_exit_3() {
    let token = rsa_token(&["mfa"], &[]);
    // Unreadable file.
    let out = run(&[
        "verify",
        &token,
        "--key",
        "no/such/key.pem",
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ]);
    out.expect_code(3);
    assert!(out.stderr.contains("file_unreadable"), "{}", out.stderr);
    // A private key where a public one belongs.
    let out = verify_key(&token, "rsa-2048.private.pem", &[]);
    out.expect_code(3);
    assert!(out.stderr.contains("invalid_key"), "{}", out.stderr);
    // Not a key at all.
    let garbage = temp_file("garbage.pem", b"hello");
    let out = run(&[
        "verify",
        &token,
        "--key",
        &garbage,
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ]);
    out.expect_code(3);
    // Unreadable secret file and JWKS file.
    run(&[
        "verify",
        &token,
        "--secret-file",
        "no/such/secret",
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ])
    .expect_code(3);
    run(&[
        "verify",
        &token,
        "--jwks",
        "no/such/jwks.json",
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ])
    .expect_code(3);
}

#[test]
fn other_configuration_errors_exit_3() {
    let token = rsa_token(&["mfa"], &[]);
    // An allowed algorithm the key cannot use.
    let out = verify_key(&token, "rsa-2048.public.pem", &["--alg", "HS256"]);
    out.expect_code(3);
    assert!(out.stderr.contains("alg_unusable"), "{}", out.stderr);
    // An algorithm stepup does not know.
    verify_key(&token, "rsa-2048.public.pem", &["--alg", "RS1"]).expect_code(3);
    // Bad numbers and values.
    verify_key(&token, "rsa-2048.public.pem", &["--leeway", "-1"]).expect_code(3);
    verify_key(&token, "rsa-2048.public.pem", &["--leeway", "100000"]).expect_code(3);
    verify_key(&token, "rsa-2048.public.pem", &["--now", "soon"]).expect_code(3);
    verify_key(&token, "rsa-2048.public.pem", &["--profile", "azure"]).expect_code(3);
    verify_key(&token, "rsa-2048.public.pem", &["--profile", "keycloak:"]).expect_code(3);
}

#[test]
fn help_and_version_exit_0() {
    let out = run(&["--version"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("stepup "));
    let out = run(&["verify", "--help"]);
    out.expect_code(0);
    assert!(out.stdout.contains("--require-amr"));
    run(&["help"]).expect_code(0);
    run(&["help", "verify"]).expect_code(0);
}

// ---- token errors (exit 2) -----------------------------------------------------------

#[test]
fn hs256_token_against_an_rsa_key_is_alg_not_allowed() {
    let token = hs256(&["mfa"], &[]);
    let out = verify_key(&token, "rsa-2048.public.pem", &["--json"]);
    let json = out.expect_code(2).json();
    assert_eq!(json["error"]["code"], "alg_not_allowed");
    assert_eq!(json["error"]["class"], "token");
    // Only the checks the library ran: signature was never attempted.
    assert_eq!(check_names(&json), ["format", "header", "alg"]);
    let human = verify_key(&token, "rsa-2048.public.pem", &[]);
    human.expect_code(2);
    assert!(human.stdout.contains("✘ alg        HS256 is not allowed"));
    assert!(!human.stdout.contains("signature"));
}

#[test]
fn signature_by_another_key_is_invalid_signature() {
    let attacker = key("attacker-rsa-2048.private.pem");
    let token = mint(&["--key", &attacker, "--amr", "mfa"]);
    let json = verify_key(&token, "rsa-2048.public.pem", &["--json"])
        .expect_code(2)
        .json();
    assert_eq!(json["error"]["code"], "invalid_signature");
    assert_eq!(check_names(&json), ["format", "header", "alg", "signature"]);
    let checks = json["checks"].as_array().unwrap();
    assert!(checks[..3].iter().all(|c| c["ok"] == true));
    assert_eq!(checks[3]["ok"], false);
    // Decoded, but marked unverified.
    assert_eq!(json["verified"], false);
    assert_eq!(json["claims"]["amr"], json!(["mfa"]));
}

#[test]
fn unknown_kid_in_a_jwks_is_key_not_found() {
    let private = key("rsa-2048.private.pem");
    let token = mint(&["--key", &private, "--kid", "rotated-away", "--amr", "mfa"]);
    let jwks = key("jwks.json");
    let json = verify_key(&token, "rsa-2048.public.pem", &["--json"])
        .expect_code(0)
        .json();
    assert_eq!(json["valid"], true, "a single --key ignores the kid");
    let out = verify_jwks_json(&token, &jwks);
    assert_eq!(out.expect_code(2).json()["error"]["code"], "key_not_found");
}

#[test]
fn issuer_and_audience_mismatches() {
    let token = hs256(&["mfa"], &[]);
    let now = NOW.to_string();
    let out = run(&[
        "verify",
        &token,
        "--secret",
        SECRET,
        "--issuer",
        "https://other.example.com",
        "--audience",
        AUD,
        "--now",
        &now,
    ]);
    out.expect_code(2);
    assert!(out.stdout.contains(&format!(
        "✘ iss        expected https://other.example.com, found {ISS} [iss_mismatch]"
    )));
    let json = run(&[
        "verify",
        &token,
        "--secret",
        SECRET,
        "--issuer",
        ISS,
        "--audience",
        "someone-else",
        "--now",
        &now,
        "--json",
    ])
    .expect_code(2)
    .json();
    assert_eq!(json["error"]["code"], "aud_mismatch");
    assert_eq!(
        check_names(&json),
        ["format", "header", "alg", "signature", "iss", "sub", "aud"]
    );
}

#[test]
fn several_audiences_need_azp() {
    let token = hs256(&["mfa"], &["--audience", "other"]);
    let json = verify_hs(&token, &["--json"]).expect_code(2).json();
    assert_eq!(json["error"]["code"], "azp_missing");
    let token = hs256(&["mfa"], &["--audience", "other", "--azp", AUD]);
    let out = verify_hs(&token, &[]);
    out.expect_code(0);
    assert!(out.stdout.contains(&format!("✔ azp        {AUD}")));
}

#[test]
fn expiry_edge_with_leeway() {
    let token = hs256(&["mfa"], &[]);
    let at = |now: i64, extra: &[&str]| {
        let now = now.to_string();
        let mut args = vec!["--now", now.as_str(), "--json"];
        args.extend_from_slice(extra);
        verify_hs(&token, &args)
    };
    // Valid iff now < exp + leeway (default 60 s).
    assert_eq!(at(EXP + 59, &[]).expect_code(0).json()["valid"], true);
    let json = at(EXP + 60, &[]).expect_code(2).json();
    assert_eq!(json["error"]["code"], "token_expired");
    // Leeway + 1 s past expiry.
    assert_eq!(
        at(EXP + 61, &[]).expect_code(2).json()["error"]["code"],
        "token_expired"
    );
    // The same edge with an explicit leeway.
    at(EXP - 1, &["--leeway", "0"]).expect_code(0);
    at(EXP, &["--leeway", "0"]).expect_code(2);
    at(EXP + 299, &["--leeway", "300"]).expect_code(0);
    at(EXP + 300, &["--leeway", "300"]).expect_code(2);
    // At the edge, validity and step-up are separate: a pwd-only token exits 1.
    let pwd = hs256(&["pwd"], &[]);
    let edge = (EXP + 59).to_string();
    verify_hs(&pwd, &["--now", &edge]).expect_code(1);
}

#[test]
fn token_from_the_future_and_not_yet_valid() {
    let token = hs256(&["mfa"], &[]);
    let before = (IAT - 61).to_string();
    let json = verify_hs(&token, &["--now", &before, "--json"])
        .expect_code(2)
        .json();
    assert_eq!(json["error"]["code"], "iat_in_future");
    let at_edge = (IAT - 60).to_string();
    verify_hs(&token, &["--now", &at_edge]).expect_code(0);

    let nbf = (NOW + 120).to_string();
    let token = hs256(&["mfa"], &["--claim", &format!("nbf={nbf}")]);
    let out = verify_hs(&token, &[]);
    out.expect_code(2);
    assert!(out.stdout.contains("✘ nbf"), "{}", out.stdout);
    let later = (NOW + 60).to_string();
    let out = verify_hs(&token, &["--now", &later]);
    out.expect_code(0);
    assert!(out.stdout.contains("✔ nbf"), "{}", out.stdout);
}

#[test]
fn nonce_is_checked_only_when_expected() {
    let token = hs256(&["mfa"], &["--nonce", "n-0S6_WzA2Mj"]);
    let out = verify_hs(&token, &[]);
    out.expect_code(0);
    assert!(!out.stdout.contains("nonce"));
    let out = verify_hs(&token, &["--nonce", "n-0S6_WzA2Mj"]);
    out.expect_code(0);
    assert!(
        out.stdout
            .contains("✔ nonce      n-0S6_WzA2Mj (as expected)")
    );
    let out = verify_hs(&token, &["--nonce", "other"]);
    out.expect_code(2);
    assert!(
        out.stdout
            .contains("✘ nonce      expected other, found n-0S6_WzA2Mj [nonce_mismatch]")
    );
    let json = verify_hs(&token, &["--nonce", "other", "--json"])
        .expect_code(2)
        .json();
    assert_eq!(json["error"]["code"], "nonce_mismatch");
    let without = hs256(&["mfa"], &[]);
    let json = verify_hs(&without, &["--nonce", "other", "--json"])
        .expect_code(2)
        .json();
    assert_eq!(json["error"]["code"], "nonce_missing");
}

#[test]
fn access_token_mode_wants_at_jwt() {
    let token = hs256(&["mfa"], &["--typ", "at+jwt"]);
    verify_hs(&token, &["--access-token"]).expect_code(0);
    let json = verify_hs(&token, &["--json"]).expect_code(2).json();
    assert_eq!(json["error"]["code"], "typ_not_allowed");
    let id_token = hs256(&["mfa"], &[]);
    verify_hs(&id_token, &["--access-token"]).expect_code(2);
}

// ---- step-up policy -------------------------------------------------------------------

#[test]
fn require_amr_replaces_the_mfa_default() {
    let mfa_only = hs256(&["pwd", "mfa"], &[]);
    let json = verify_hs(&mfa_only, &["--require-amr", "hwk", "--json"])
        .expect_code(1)
        .json();
    assert_eq!(json["step_up"]["missing"], json!(["amr:hwk"]));
    let hwk = hs256(&["hwk"], &[]);
    verify_hs(&hwk, &["--require-amr", "hwk"]).expect_code(0);
    // Repeated: all are required.
    let json = verify_hs(
        &hwk,
        &["--require-amr", "hwk", "--require-amr", "pin", "--json"],
    )
    .expect_code(1)
    .json();
    assert_eq!(json["step_up"]["missing"], json!(["amr:pin"]));
    // amr values are case-sensitive.
    let upper = hs256(&["MFA"], &[]);
    verify_hs(&upper, &[]).expect_code(1);
}

#[test]
fn acr_step_up() {
    let gold = hs256(&["mfa"], &["--acr", "gold"]);
    let out = verify_hs(&gold, &["--acr", "silver", "--acr", "gold"]);
    out.expect_code(0);
    assert!(
        out.stdout
            .contains(r#"✔ acr        accepted [silver, gold], found "gold""#)
    );
    let bronze = hs256(&["mfa"], &["--acr", "bronze"]);
    let json = verify_hs(&bronze, &["--acr", "silver", "--acr", "gold", "--json"])
        .expect_code(1)
        .json();
    assert_eq!(json["step_up"]["missing"], json!(["acr"]));
    let challenge = &json["step_up"]["challenge"];
    assert_eq!(challenge["acr_values"], json!(["silver", "gold"]));
    assert_eq!(challenge["max_age"], Value::Null);
    assert!(
        challenge["www_authenticate"]
            .as_str()
            .unwrap()
            .contains(r#"acr_values="silver gold""#)
    );
    // acr as an array fails the policy, it does not invalidate the token.
    let array = hs256(&["mfa"], &["--claim", r#"acr=["gold"]"#]);
    verify_hs(&array, &["--acr", "gold"]).expect_code(1);
}

#[test]
fn max_age_step_up() {
    let recent = (NOW - 100).to_string();
    let old = (NOW - 1000).to_string();
    let fresh = hs256(&["mfa"], &["--auth-time", &recent]);
    let out = verify_hs(&fresh, &["--max-age", "300"]);
    out.expect_code(0);
    assert!(
        out.stdout
            .contains("✔ auth_time  login within 300 s (+60 s leeway)")
    );

    let stale = hs256(&["mfa"], &["--auth-time", &old]);
    let json = verify_hs(&stale, &["--max-age", "300", "--json"])
        .expect_code(1)
        .json();
    assert_eq!(json["step_up"]["missing"], json!(["fresh_login"]));
    assert_eq!(json["step_up"]["challenge"]["max_age"], 300);
    assert!(
        json["step_up"]["challenge"]["www_authenticate"]
            .as_str()
            .unwrap()
            .contains(r#"max_age="300""#)
    );
    // Edge: now - auth_time <= max_age + leeway.
    let edge = (NOW - 360).to_string();
    let at_edge = hs256(&["mfa"], &["--auth-time", &edge]);
    verify_hs(&at_edge, &["--max-age", "300"]).expect_code(0);
    verify_hs(&at_edge, &["--max-age", "299"]).expect_code(1);

    let without = hs256(&["mfa"], &[]);
    let json = verify_hs(&without, &["--max-age", "300", "--json"])
        .expect_code(1)
        .json();
    assert_eq!(json["step_up"]["missing"], json!(["auth_time"]));
}

#[test]
fn everything_missing_is_listed_in_policy_order() {
    let token = hs256(&["pwd"], &[]);
    let json = verify_hs(
        &token,
        &[
            "--acr",
            "gold",
            "--max-age",
            "60",
            "--require-amr",
            "mfa",
            "--json",
        ],
    )
    .expect_code(1)
    .json();
    assert_eq!(
        json["step_up"]["missing"],
        json!(["amr:mfa", "acr", "auth_time"])
    );
    let names = check_names(&json);
    assert_eq!(&names[names.len() - 3..], ["amr", "acr", "auth_time"]);
}

#[test]
fn profiles_set_the_base_policy() {
    const PAPE: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
    // auth0: amr mfa OR the PAPE acr.
    let pape = hs256(&["pwd"], &["--acr", PAPE]);
    let out = verify_hs(&pape, &["--profile", "auth0"]);
    out.expect_code(0);
    assert!(out.stdout.contains("– amr"), "{}", out.stdout);
    assert!(out.stdout.contains("not needed"), "{}", out.stdout);
    verify_hs(&hs256(&["mfa"], &[]), &["--profile", "auth0"]).expect_code(0);
    let json = verify_hs(&hs256(&["pwd"], &[]), &["--profile", "auth0", "--json"])
        .expect_code(1)
        .json();
    assert_eq!(json["step_up"]["missing"], json!(["amr:mfa", "acr"]));
    assert_eq!(json["step_up"]["challenge"]["acr_values"], json!([PAPE]));
    // The amr values and the acr are alternatives: the output says either is enough.
    let checks = json["checks"].as_array().unwrap();
    let note = |name: &str| {
        checks.iter().find(|c| c["name"] == name).unwrap()["note"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(note("amr"), "either this or the acr below is enough");
    assert_eq!(note("acr"), "either this or the amr above is enough");
    let out = verify_hs(&hs256(&["pwd"], &[]), &["--profile", "auth0"]);
    assert!(
        out.expect_code(1)
            .stdout
            .contains("VALID — STEP-UP REQUIRED: amr:mfa or acr (either one is enough)\n"),
        "{}",
        out.stdout
    );
    // Without the profile the two are both required, and the output does not say "either".
    let out = verify_hs(&hs256(&["pwd"], &[]), &["--acr", PAPE]);
    assert!(
        !out.expect_code(1).stdout.contains("either"),
        "{}",
        out.stdout
    );
    // okta.
    let okta = hs256(&[], &["--acr", "urn:okta:loa:2fa:any"]);
    verify_hs(&okta, &["--profile", "okta"]).expect_code(0);
    // keycloak: the acr level, amr not required.
    let gold = hs256(&[], &["--acr", "gold"]);
    verify_hs(&gold, &["--profile", "keycloak:gold"]).expect_code(0);
    verify_hs(&gold, &["--profile", "keycloak:platinum"]).expect_code(1);
    // generic and cognito: amr mfa.
    verify_hs(&gold, &["--profile", "generic"]).expect_code(1);
    verify_hs(&hs256(&["mfa"], &[]), &["--profile", "cognito"]).expect_code(0);
    // An explicit flag overrides its part of the profile.
    verify_hs(&gold, &["--profile", "keycloak:platinum", "--acr", "gold"]).expect_code(0);
    let json = verify_hs(
        &gold,
        &["--profile", "keycloak:gold", "--max-age", "60", "--json"],
    )
    .expect_code(1)
    .json();
    assert_eq!(json["step_up"]["missing"], json!(["auth_time"]));
}

// ---- JSON output -------------------------------------------------------------------------

#[test]
fn json_shape_of_a_valid_token() {
    let token = rsa_token(&["pwd", "mfa"], &["--nonce", "abc"]);
    let json = verify_key(&token, "rsa-2048.public.pem", &["--json", "--nonce", "abc"])
        .expect_code(0)
        .json();
    let object = json.as_object().unwrap();
    for member in [
        "valid", "verified", "step_up", "error", "header", "claims", "checks",
    ] {
        assert!(object.contains_key(member), "missing {member}");
    }
    assert_eq!(json["valid"], true);
    assert_eq!(json["verified"], true);
    assert_eq!(
        json["step_up"],
        json!({"satisfied": true, "missing": [], "challenge": null})
    );
    assert_eq!(json["error"], Value::Null);
    assert_eq!(
        json["header"],
        json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-2048"})
    );
    assert_eq!(json["claims"]["iss"], ISS);
    assert_eq!(json["claims"]["sub"], "test-user");
    assert_eq!(json["claims"]["iat"], IAT);
    for check in json["checks"].as_array().unwrap() {
        assert_eq!(check["ok"], true, "{check}");
        assert!(check["name"].is_string());
        assert!(check["expected"].is_string());
        assert!(check["found"].is_string());
    }
    assert_eq!(
        check_names(&json),
        [
            "format",
            "header",
            "alg",
            "signature",
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "nonce",
            "amr"
        ]
    );
}

#[test]
fn json_shape_of_an_invalid_and_of_an_undecodable_token() {
    let token = hs256(&["mfa"], &[]);
    let now = (EXP + 320).to_string();
    let json = verify_hs(&token, &["--now", &now, "--json"])
        .expect_code(2)
        .json();
    assert_eq!(json["valid"], false);
    assert_eq!(json["verified"], false);
    assert_eq!(json["step_up"], Value::Null);
    assert_eq!(json["error"]["code"], "token_expired");
    assert_eq!(json["error"]["class"], "token");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("320 s ago")
    );
    assert_eq!(json["header"]["alg"], "HS256");
    assert_eq!(json["claims"]["exp"], EXP);
    let checks = json["checks"].as_array().unwrap();
    let (last, passed) = checks.split_last().unwrap();
    assert_eq!(last["name"], "exp");
    assert_eq!(last["ok"], false);
    assert!(passed.iter().all(|check| check["ok"] == true));

    let json = verify_hs("not-a-token", &["--json"]).expect_code(2).json();
    assert_eq!(json["error"]["code"], "malformed_token");
    assert_eq!(json["header"], Value::Null);
    assert_eq!(json["claims"], Value::Null);
    assert_eq!(check_names(&json), ["format"]);
}

#[test]
fn json_configuration_error_shape() {
    let token = hs256(&["mfa"], &[]);
    let json = run(&[
        "verify",
        &token,
        "--secret",
        "short",
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--json",
    ])
    .expect_code(3)
    .json();
    assert_eq!(json["valid"], false);
    assert_eq!(json["error"]["code"], "weak_key");
    assert_eq!(json["error"]["class"], "config");
    assert_eq!(json["step_up"], Value::Null);
    assert_eq!(json["checks"], json!([]));
}

// ---- input ---------------------------------------------------------------------------

#[test]
fn token_from_stdin_drops_exactly_one_trailing_newline() {
    let token = hs256(&["mfa"], &[]);
    let now = NOW.to_string();
    let base = [
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
    let with_dash: Vec<&str> = base.iter().copied().chain(["-"]).collect();
    for args in [&base[..], &with_dash[..]] {
        run_stdin(args, format!("{token}\n").as_bytes()).expect_code(0);
        run_stdin(args, token.as_bytes()).expect_code(0);
        run_stdin(args, format!("{token}\r\n").as_bytes()).expect_code(0);
        let json = run_stdin(args, format!("{token}\n\n").as_bytes())
            .expect_code(2)
            .json();
        assert_eq!(json["error"]["code"], "invalid_base64");
        // Other whitespace is the library's business: rejected.
        let json = run_stdin(args, format!(" {token}\n").as_bytes())
            .expect_code(2)
            .json();
        assert_eq!(json["error"]["code"], "invalid_base64");
    }
    // Nothing at all is no token, a usage error (it was exit 2, malformed_token).
    for empty in [&b""[..], b"\n", b" \n\t"] {
        let json = run_stdin(&base, empty).expect_code(3).json();
        assert_eq!(json["error"]["code"], "no_token", "{empty:?}");
        assert_eq!(json["error"]["class"], "config");
        assert!(
            json["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("no token given: stdin "),
            "{json}"
        );
    }
}

#[test]
fn token_argument_is_trimmed() {
    let token = hs256(&["mfa"], &[]);
    verify_hs(&format!("  {token}\n\t"), &[]).expect_code(0);
}

#[test]
fn key_sources_pem_certificate_jwk_jwks_secret_file() {
    let token = rsa_token(&["mfa"], &[]);
    verify_key(&token, "rsa-2048.public.pem", &[]).expect_code(0);
    let out = verify_key(&token, "rsa-2048.cert.pem", &[]);
    out.expect_code(0);
    // One JWK (taken from the committed JWKS) as --key.
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(key("jwks.json")).unwrap()).unwrap();
    let jwk = temp_file("rsa.jwk", jwks["keys"][0].to_string().as_bytes());
    let now = NOW.to_string();
    let with = |args: &[&str]| {
        let mut all = vec![
            "verify",
            &token,
            "--issuer",
            ISS,
            "--audience",
            AUD,
            "--now",
            &now,
        ];
        all.extend_from_slice(args);
        run(&all)
    };
    with(&["--key", &jwk]).expect_code(0);
    let jwks_path = key("jwks.json");
    let out = with(&["--jwks", &jwks_path]);
    out.expect_code(0);
    assert!(
        out.stdout
            .contains(r#"✔ signature  verified with an RSA 2048-bit key (kid "rsa-2048")"#)
    );
    // A secret file with one trailing newline, as `echo` writes it.
    let hs = hs256(&["mfa"], &[]);
    let secret_file = temp_file("secret.txt", format!("{SECRET}\n").as_bytes());
    run(&[
        "verify",
        &hs,
        "--secret-file",
        &secret_file,
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--now",
        &now,
    ])
    .expect_code(0);
}

#[test]
fn skipped_jwks_keys_are_warned_about_on_stderr() {
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(key("jwks.json")).unwrap()).unwrap();
    let jwks = json!({"keys": [
        {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"},
        committed["keys"][0],
    ]});
    let path = temp_file("jwks-with-oct.json", jwks.to_string().as_bytes());
    let token = rsa_token(&["mfa"], &[]);
    let out = verify_jwks_json(&token, &path);
    out.expect_code(0);
    assert!(
        out.stderr
            .contains("warning: JWKS key kid \"shared\" skipped"),
        "{}",
        out.stderr
    );
    assert_eq!(out.json()["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn no_color_when_not_a_terminal_and_with_no_color() {
    let token = hs256(&["pwd"], &[]);
    let now = NOW.to_string();
    let args = [
        "verify",
        &token,
        "--secret",
        SECRET,
        "--issuer",
        ISS,
        "--audience",
        AUD,
        "--now",
        &now,
    ];
    let mut with_no_color = stepup();
    with_no_color.env("NO_COLOR", "1");
    for out in [run(&args), run_with(with_no_color, &args, None)] {
        out.expect_code(1);
        assert!(!out.stdout.contains('\x1b'), "{:?}", out.stdout);
        assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);
    }
}

#[test]
fn token_values_cannot_inject_terminal_escapes() {
    let token = hs256(&["mfa"], &["--subject", "evil\u{1b}[2J\u{9b}31m"]);
    let out = verify_hs(&token, &[]);
    out.expect_code(0);
    assert!(!out.stdout.contains('\x1b'), "{:?}", out.stdout);
    assert!(!out.stdout.contains('\u{9b}'), "{:?}", out.stdout);
    assert!(out.stdout.contains(r"evil\u{1b}[2J"), "{}", out.stdout);
}

#[test]
fn token_values_cannot_reorder_the_terminal_output() {
    // U+202E (right-to-left override) would show "resu-laer" as "real-user" and
    // reorder the rest of the line; zero-width and BOM characters hide in it.
    let sub = "resu-laer\u{202e}\u{200b}\u{2066}\u{feff}";
    let token = hs256(&["mfa"], &["--subject", sub]);
    let out = verify_hs(&token, &[]);
    out.expect_code(0);
    for c in ['\u{202e}', '\u{200b}', '\u{2066}', '\u{feff}'] {
        assert!(!out.stdout.contains(c), "{c:?} in {:?}", out.stdout);
    }
    assert!(
        out.stdout
            .contains(r"resu-laer\u{202e}\u{200b}\u{2066}\u{feff}"),
        "{}",
        out.stdout
    );
    // `decode` shows the claims as JSON: escaped there too, and still the same value.
    let out = run(&["decode", &token]);
    out.expect_code(0);
    assert!(!out.stdout.contains('\u{202e}'), "{:?}", out.stdout);
    assert!(
        out.stdout.contains(r"resu-laer\u202e\u200b\u2066\ufeff"),
        "{}",
        out.stdout
    );
    // The JSON output carries the exact value.
    let json = run(&["decode", "--json", &token]).expect_code(0).json();
    assert_eq!(json["claims"]["sub"], sub);
}

#[test]
fn secrets_never_appear_in_the_output() {
    let token = hs256(&["mfa"], &[]);
    for extra in [&[][..], &["--json"][..], &["--now", "1"][..]] {
        let out = verify_hs(&token, extra);
        assert!(!out.stdout.contains(SECRET));
        assert!(!out.stderr.contains(SECRET));
    }
}

// ---- mint → verify round trips ---------------------------------------------------------

#[test]
fn mint_verify_round_trip_every_algorithm() {
    let secret64 = "0123456789abcdef".repeat(4);
    let cases: &[(&str, &str, &str)] = &[
        ("HS256", "secret", SECRET),
        ("HS384", "secret", &secret64),
        ("HS512", "secret", &secret64),
        ("RS256", "rsa-2048", ""),
        ("RS384", "rsa-3072", ""),
        ("RS512", "rsa-2048", ""),
        ("PS256", "rsa-2048", ""),
        ("PS384", "rsa-3072", ""),
        ("PS512", "rsa-2048", ""),
        ("ES256", "ec-p256", ""),
        ("ES384", "ec-p384", ""),
        ("ES512", "ec-p521", ""),
        ("EdDSA", "ed25519", ""),
        ("Ed25519", "ed25519", ""),
    ];
    let now = NOW.to_string();
    let jwks = key("jwks.json");
    for &(alg, key_name, secret) in cases {
        let common = ["--issuer", ISS, "--audience", AUD, "--now", &now];
        if key_name == "secret" {
            let token = mint(&["--alg", alg, "--secret", secret, "--amr", "mfa"]);
            let mut args = vec!["verify", &token, "--secret", secret, "--alg", alg];
            args.extend_from_slice(&common);
            run(&args).expect_code(0);
            continue;
        }
        let private = key(&format!("{key_name}.private.pem"));
        let public = key(&format!("{key_name}.public.pem"));
        let token = mint(&[
            "--alg", alg, "--key", &private, "--kid", key_name, "--amr", "pwd", "--amr", "mfa",
        ]);
        let header = run(&["decode", &token, "--json"]).expect_code(0).json()["header"].clone();
        assert_eq!(header["alg"], alg);
        // By PEM public key, with the algorithm pinned.
        let mut args = vec!["verify", &token, "--key", &public, "--alg", alg];
        args.extend_from_slice(&common);
        let out = run(&args);
        out.expect_code(0);
        assert!(
            out.stdout
                .contains(&format!("✔ alg        {alg} (allowed: {alg})"))
        );
        // By JWK Set, kid selecting the key.
        let mut args = vec!["verify", &token, "--jwks", &jwks, "--json"];
        args.extend_from_slice(&common);
        let json = run(&args).expect_code(0).json();
        assert_eq!(json["valid"], true, "{alg}");
    }
}

// ---- the committed interop vectors, through the CLI ----------------------------------------

/// Every vector of `tests/vectors/interop.json` run through `stepup verify --json`:
/// the exit code and the error code or missing list must be the vector's verdict.
#[test]
fn interop_vectors_through_the_cli() {
    let path = format!(
        "{}/../../tests/vectors/interop.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let dir = crate::util::temp_dir("interop");
    let mut key_args = std::collections::HashMap::new();
    for (name, spec) in file["keys"].as_object().unwrap() {
        let value = &spec["value"];
        let args = match spec["type"].as_str().unwrap() {
            "secret" => vec!["--secret".to_owned(), value.as_str().unwrap().to_owned()],
            kind => {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let file = dir.join(name);
                std::fs::write(&file, text).unwrap();
                let flag = if kind == "jwks" { "--jwks" } else { "--key" };
                vec![flag.to_owned(), file.to_string_lossy().into_owned()]
            }
        };
        key_args.insert(name.clone(), args);
    }
    let mut checked = 0;
    for vector in file["vectors"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let mut args: Vec<String> = vec!["verify".into(), vector["token"].as_str().unwrap().into()];
        args.extend(key_args[vector["key"].as_str().unwrap()].iter().cloned());
        for (flag, member) in [
            ("--issuer", "issuer"),
            ("--audience", "audience"),
            ("--now", "now"),
            ("--leeway", "leeway"),
            ("--nonce", "nonce"),
        ] {
            match &vector[member] {
                Value::Null => {}
                Value::String(text) => args.extend([flag.to_owned(), text.clone()]),
                other => args.extend([flag.to_owned(), other.to_string()]),
            }
        }
        for alg in vector["algorithms"].as_array().into_iter().flatten() {
            args.extend(["--alg".to_owned(), alg.as_str().unwrap().to_owned()]);
        }
        let policy = &vector["policy"];
        for amr in policy["require_amr"].as_array().into_iter().flatten() {
            args.extend(["--require-amr".to_owned(), amr.as_str().unwrap().to_owned()]);
        }
        for acr in policy["acr"].as_array().into_iter().flatten() {
            args.extend(["--acr".to_owned(), acr.as_str().unwrap().to_owned()]);
        }
        if let Some(max_age) = policy["max_age"].as_u64() {
            args.extend(["--max-age".to_owned(), max_age.to_string()]);
        }
        args.push("--json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        let json = out.json();
        let expect = &vector["expect"];
        match expect["result"].as_str().unwrap() {
            // The CLI trims whitespace around an argument, so these verify.
            _ if name == "trailing-newline" || name == "leading-space" => {
                assert_eq!(out.code, 0, "{name}: {}", out.stdout);
            }
            // An empty argument is no token at all: a usage error.
            _ if name == "empty-token" => {
                assert_eq!(out.code, 3, "{name}: {}", out.stdout);
                assert_eq!(json["error"]["code"], "no_token", "{name}");
            }
            "satisfied" => assert_eq!(out.code, 0, "{name}: {}", out.stdout),
            "step_up" => {
                assert_eq!(out.code, 1, "{name}: {}", out.stdout);
                assert_eq!(json["step_up"]["missing"], expect["missing"], "{name}");
            }
            "error" => {
                assert_eq!(json["error"]["code"], expect["code"], "{name}");
                assert_eq!(out.code, 2, "{name}: {}", out.stdout);
                let checks = json["checks"].as_array().unwrap();
                let (last, passed) = checks.split_last().unwrap();
                assert_eq!(last["ok"], false, "{name}");
                assert!(passed.iter().all(|c| c["ok"] == true), "{name}");
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
        checked += 1;
    }
    assert!(checked >= 150, "only {checked} vectors");
}
