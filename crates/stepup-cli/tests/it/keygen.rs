//! `stepup keygen`: key files, permissions, and keygen → mint → verify.

use serde_json::Value;

use crate::util::{AUD, ISS, NOW, mint, run, temp_dir};

#[test]
fn keygen_mint_verify_with_the_generated_jwks() {
    for (kind, alg) in [
        ("rsa", "RS256"),
        ("p256", "ES256"),
        ("p384", "ES384"),
        ("p521", "ES512"),
        ("ed25519", "EdDSA"),
    ] {
        let dir = temp_dir(&format!("keygen-{kind}"));
        let dir_arg = dir.to_string_lossy().into_owned();
        let out = run(&["keygen", "--type", kind, "--out-dir", &dir_arg]);
        out.expect_code(0);
        let jwks_text = std::fs::read_to_string(dir.join("jwks.json")).unwrap();
        let jwks: Value = serde_json::from_str(&jwks_text).unwrap();
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["alg"], alg);
        let kid = jwk["kid"].as_str().unwrap().to_owned();
        assert!(out.stdout.contains(&kid), "{}", out.stdout);
        for name in ["private.pem", "public.pem", "jwks.json"] {
            assert!(out.stdout.contains(name), "{}", out.stdout);
        }

        let private = dir.join("private.pem").to_string_lossy().into_owned();
        let token = mint(&["--key", &private, "--kid", &kid, "--amr", "mfa"]);
        let jwks_path = dir.join("jwks.json").to_string_lossy().into_owned();
        let public = dir.join("public.pem").to_string_lossy().into_owned();
        let now = NOW.to_string();
        for source in [["--jwks", &jwks_path], ["--key", &public]] {
            let mut args = vec![
                "verify",
                &token,
                "--issuer",
                ISS,
                "--audience",
                AUD,
                "--now",
                &now,
            ];
            args.extend_from_slice(&source);
            run(&args).expect_code(0);
        }
        // The private key is the only thing keygen writes that must stay private.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |name: &str| {
                std::fs::metadata(dir.join(name))
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777
            };
            assert_eq!(mode("private.pem"), 0o600, "{kind}");
            assert!(
                !std::fs::read_to_string(dir.join("public.pem"))
                    .unwrap()
                    .contains("PRIVATE")
            );
        }
    }
}

#[test]
fn keygen_refuses_to_overwrite_unless_forced() {
    let dir = temp_dir("keygen-overwrite");
    let dir_arg = dir.to_string_lossy().into_owned();
    run(&["keygen", "--type", "p256", "--out-dir", &dir_arg]).expect_code(0);
    let before = std::fs::read_to_string(dir.join("private.pem")).unwrap();
    let out = run(&["keygen", "--type", "p256", "--out-dir", &dir_arg]);
    out.expect_code(3);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("private.pem")).unwrap(),
        before
    );
    // One existing file is enough to refuse, and nothing is written then.
    let partial = temp_dir("keygen-partial");
    std::fs::write(partial.join("jwks.json"), "keep").unwrap();
    let partial_arg = partial.to_string_lossy().into_owned();
    run(&["keygen", "--type", "p256", "--out-dir", &partial_arg]).expect_code(3);
    assert!(!partial.join("private.pem").exists());

    let out = run(&[
        "keygen",
        "--type",
        "p256",
        "--out-dir",
        &dir_arg,
        "--force",
        "--kid",
        "k2",
    ]);
    out.expect_code(0);
    assert_ne!(
        std::fs::read_to_string(dir.join("private.pem")).unwrap(),
        before
    );
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("jwks.json")).unwrap()).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "k2");
}

#[test]
fn keygen_stdout_prints_all_three() {
    let out = run(&["keygen", "--type", "ed25519", "--stdout", "--kid", "dev"]);
    out.expect_code(0);
    assert!(out.stdout.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(out.stdout.contains("-----BEGIN PUBLIC KEY-----\n"));
    let json_start = out.stdout.find('{').unwrap();
    let jwks: Value = serde_json::from_str(&out.stdout[json_start..]).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "dev");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
}

#[test]
fn keygen_usage_errors_exit_3() {
    run(&["keygen"]).expect_code(3);
    run(&["keygen", "--type", "dsa"]).expect_code(3);
    run(&["keygen", "--type", "p256", "--stdout", "--out-dir", "x"]).expect_code(3);
    // An --out-dir below a regular file cannot be created.
    let dir = temp_dir("keygen-blocked");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let blocked = file.join("keys");
    let out = run(&[
        "keygen",
        "--type",
        "p256",
        "--out-dir",
        blocked.to_str().unwrap(),
    ]);
    out.expect_code(3);
}

#[test]
fn keygen_creates_a_missing_out_dir() {
    let dir = temp_dir("keygen-nested").join("new/keys");
    run(&[
        "keygen",
        "--type",
        "ed25519",
        "--out-dir",
        dir.to_str().unwrap(),
    ])
    .expect_code(0);
    assert!(dir.join("jwks.json").exists());
}
