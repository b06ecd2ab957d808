use super::*;

fn vector_key(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/keys/");
    std::fs::read_to_string(format!("{path}{name}")).unwrap()
}

fn code<T>(result: Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn rfc7638_thumbprint_known_answer() {
    // RFC 7638 §3.1: the example RSA key and its thumbprint.
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    let members = [
        ("e", "AQAB".to_string()),
        ("kty", "RSA".to_string()),
        ("n", n.to_string()),
    ];
    assert_eq!(
        thumbprint(&members),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn pem_spki_pkcs1_and_certificate() {
    for name in [
        "rsa-2048.public.pem",
        "rsa-3072.public.pem",
        "rsa-2048.cert.pem",
        "ec-p256.public.pem",
        "ec-p384.public.pem",
        "ec-p521.public.pem",
        "ed25519.public.pem",
    ] {
        let set = KeySet::from_public_key(&vector_key(name)).unwrap();
        assert_eq!(set.keys().len(), 1, "{name}");
        assert!(!set.algorithms().is_empty(), "{name}");
    }
    // The same RSA key as PKCS#1 "RSA PUBLIC KEY".
    let spki = ::pem::parse(vector_key("rsa-2048.public.pem")).unwrap();
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki.contents()).unwrap();
    let pkcs1 = ::pem::encode(&::pem::Pem::new(
        "RSA PUBLIC KEY",
        info.subject_public_key.raw_bytes().to_vec(),
    ));
    assert_eq!(code(KeySet::from_public_key(&pkcs1)), "ok");
}

#[test]
fn pem_mistakes_have_clear_errors() {
    let private = KeySet::from_public_key(&vector_key("rsa-2048.private.pem")).unwrap_err();
    assert_eq!(private.code(), "invalid_key");
    assert!(
        private.to_string().contains("give the public key"),
        "{private}"
    );
    let two = format!(
        "{}{}",
        vector_key("ec-p256.public.pem"),
        vector_key("ec-p384.public.pem")
    );
    assert_eq!(code(KeySet::from_public_key(&two)), "invalid_key");
    let k1 = KeySet::from_public_key(&vector_key("secp256k1.public.pem")).unwrap_err();
    assert_eq!(k1.code(), "invalid_key");
    assert!(k1.to_string().contains("P-256, P-384 or P-521"), "{k1}");
    assert_eq!(
        code(KeySet::from_public_key(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        )),
        "invalid_key"
    );
    assert_eq!(code(KeySet::from_public_key("not a key")), "invalid_key");
}

#[test]
fn jwk_mistakes_have_clear_errors() {
    let ec =
        |x: &str, y: &str| serde_json::json!({"kty":"EC","crv":"P-256","x":x,"y":y}).to_string();
    // Coordinates of the wrong length.
    assert_eq!(
        code(KeySet::from_public_key(&ec("AAAA", "AAAA"))),
        "invalid_key"
    );
    // A point not on the curve.
    let zeros = "A".repeat(43);
    assert_eq!(
        code(KeySet::from_public_key(&ec(&zeros, &zeros))),
        "invalid_key"
    );
    // Private material in a public JWK.
    let with_d = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}"#;
    assert_eq!(code(KeySet::from_public_key(with_d)), "no_usable_key");
    // Not base64url.
    let padded =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="}"#;
    assert_eq!(code(KeySet::from_public_key(padded)), "invalid_key");
    // A JWK Set passed as one key, duplicate members, no kty.
    assert_eq!(
        code(KeySet::from_public_key(r#"{"keys":[]}"#)),
        "invalid_key"
    );
    assert_eq!(
        code(KeySet::from_public_key(r#"{"kty":"OKP","kty":"RSA"}"#)),
        "invalid_key"
    );
    assert_eq!(
        code(KeySet::from_public_key(r#"{"crv":"Ed25519"}"#)),
        "invalid_key"
    );
    // The RFC 8037 A.2 public key is fine.
    let ok = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    assert_eq!(code(KeySet::from_public_key(ok)), "ok");
}

#[test]
fn jwks_skips_bad_keys_and_keeps_good_ones() {
    let good = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"good"}"#;
    let set = format!(
        r#"{{"keys":[{good},{{"kty":"oct","k":"c2VjcmV0","kid":"sym"}},{{"kty":"OKP","crv":"X25519","x":"AAAA","kid":"x"}},{{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"tiny"}},7]}}"#
    );
    let keys = KeySet::from_jwks(&set).unwrap();
    assert_eq!(keys.keys().len(), 1);
    assert_eq!(keys.keys()[0].kid(), Some("good"));
    let skipped: Vec<(Option<&str>, &str)> = keys
        .skipped()
        .iter()
        .map(|s| (s.kid.as_deref(), s.reason.code()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (Some("sym"), "no_usable_key"),
            (Some("x"), "no_usable_key"),
            (Some("tiny"), "weak_key"),
            (None, "invalid_key"),
        ]
    );
    assert_eq!(code(KeySet::from_jwks(r#"{"keys":[]}"#)), "no_usable_key");
    assert_eq!(code(KeySet::from_jwks(r#"{"nokeys":1}"#)), "invalid_key");
    assert_eq!(code(KeySet::from_jwks("[]")), "invalid_key");
}

#[test]
fn committed_jwks_loads_all_keys() {
    let keys = KeySet::from_jwks(&vector_key("jwks.json")).unwrap();
    assert_eq!(keys.keys().len(), 6);
    assert!(keys.skipped().is_empty());
}

#[test]
fn a_fetched_set_is_refused_past_the_key_limit() {
    let jwk = |kid: usize| {
        format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k{kid}"}}"#
        )
    };
    let set = |count: usize| {
        let keys: Vec<String> = (0..count).map(jwk).collect();
        format!(
            r#"{{"keys":[{},{{"kty":"oct","k":"c2VjcmV0"}}]}}"#,
            keys.join(",")
        )
    };
    assert_eq!(
        KeySet::from_jwks_at_most(&set(3), 3).unwrap().keys().len(),
        3
    );
    let error = KeySet::from_jwks_at_most(&set(4), 3).unwrap_err();
    assert_eq!(error, Error::TooManyKeys { listed: 5, max: 3 });
    assert_eq!(error.code(), "too_many_keys");
    // Without a limit when read, the verifier built from it applies its own.
    let keys = KeySet::from_jwks(&set(4)).unwrap();
    assert_eq!(keys.check_size(4), Ok(()));
    assert_eq!(
        keys.check_size(3),
        Err(Error::TooManyKeys { listed: 5, max: 3 })
    );
}

#[test]
fn secret_debug_is_redacted() {
    let secret = Secret::new("super-secret-value-super-secret-value");
    assert_eq!(format!("{secret:?}"), "Secret([redacted])");
    let keys = KeySet::from_secret(&secret).unwrap();
    assert!(!format!("{keys:?}").contains("super-secret"));
}

#[test]
fn a_key_document_with_a_duplicate_member_is_not_called_a_payload() {
    let error = KeySet::from_jwks(r#"{"keys":[],"keys":[]}"#).unwrap_err();
    let message = error.to_string();
    assert_eq!(error.code(), "invalid_key", "{message}");
    assert!(
        message.contains("it has the member") && !message.contains("payload"),
        "{message}"
    );
}
