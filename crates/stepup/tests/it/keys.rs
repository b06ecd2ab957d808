//! Key sets: how many keys a set may hold, how many one token may be checked
//! against, and which JWK `alg` values make a key a candidate (RFC 9864 names).

use serde_json::{Value, json};
use stepup::{Alg, ErrorClass, KeyKind, KeySet, Limits, SigningKey, Verifier};

use crate::util::{AUD, ISS, claims, outcome, signer};

/// The public JWK of a committed key (without `use` and `alg`), with `kid` if given.
fn public_jwk(file: &str, alg: Alg, kid: Option<&str>) -> Value {
    let mut jwk = signer(file, alg).public_jwk().unwrap();
    let object = jwk.as_object_mut().unwrap();
    object.remove("use");
    object.remove("alg");
    if let Some(kid) = kid {
        object.insert("kid".into(), json!(kid));
    }
    jwk
}

/// The committed Ed25519 key `count` times, under the kids `kid(i)` (or none).
fn ed25519_set(count: usize, kid: impl Fn(usize) -> Option<String>) -> String {
    let keys: Vec<Value> = (0..count)
        .map(|i| public_jwk("ed25519.private.pem", Alg::EdDSA, kid(i).as_deref()))
        .collect();
    json!({ "keys": keys }).to_string()
}

fn build(jwks: &str, limits: Limits) -> Result<Verifier, stepup::Error> {
    Verifier::builder(ISS, AUD, KeySet::from_jwks(jwks)?)
        .with_limits(limits)
        .build()
}

fn ed25519_token(alg: Alg, kid: Option<&str>) -> String {
    let key = signer("ed25519.private.pem", alg);
    match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    }
    .sign(&claims())
    .unwrap()
}

/// A token like [`ed25519_token`]'s, signed by a key that is in no set.
fn forged_token(kid: Option<&str>) -> String {
    let other = stepup::generate_key(KeyKind::Ed25519).unwrap();
    let pem = std::str::from_utf8(other.private_pem.expose()).unwrap();
    let key = SigningKey::from_pem(pem, Some(Alg::EdDSA)).unwrap();
    match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    }
    .sign(&claims())
    .unwrap()
}

// ---- the number of keys in a set ----

#[test]
fn a_key_set_over_the_key_limit_is_refused_when_the_verifier_is_built() {
    let kid = |i: usize| Some(format!("k{i}"));
    // The default limit is 100 usable keys.
    assert!(build(&ed25519_set(100, kid), Limits::default()).is_ok());
    let error = build(&ed25519_set(101, kid), Limits::default()).unwrap_err();
    assert_eq!(error.code(), "too_many_keys");
    assert_eq!(error.class(), ErrorClass::Config);
    let message = error.to_string();
    assert!(
        message.contains("more than 100 usable keys (it lists 101)"),
        "{message}"
    );
    assert!(message.contains("Limits::max_keys"), "{message}");
    // Skipped keys do not count, but are listed.
    let mut set: Value = serde_json::from_str(&ed25519_set(100, kid)).unwrap();
    let keys = set["keys"].as_array_mut().unwrap();
    for i in 0..5 {
        keys.push(json!({"kty": "oct", "k": "c2VjcmV0", "kid": format!("s{i}")}));
    }
    let verifier = build(&set.to_string(), Limits::default()).unwrap();
    assert_eq!(verifier.keys().keys().len(), 100);
    assert_eq!(verifier.keys().skipped().len(), 5);
}

#[test]
fn the_key_limit_is_configurable() {
    let kid = |i: usize| Some(format!("k{i}"));
    let limits = |max_keys| Limits {
        max_keys,
        ..Limits::default()
    };
    assert!(build(&ed25519_set(101, kid), limits(101)).is_ok());
    assert_eq!(
        build(&ed25519_set(3, kid), limits(2))
            .map(|_| ())
            .unwrap_err()
            .code(),
        "too_many_keys"
    );
    assert_eq!(
        build(&ed25519_set(1, kid), limits(0))
            .map(|_| ())
            .unwrap_err()
            .code(),
        "invalid_config"
    );
}

// ---- the number of signature checks per token ----

#[test]
fn a_token_without_kid_is_checked_against_at_most_four_keys() {
    let no_kid = |_| None;
    // Four compatible keys: a kid-less token is tried against each of them.
    let four = build(&ed25519_set(4, no_kid), Limits::default()).unwrap();
    assert_eq!(outcome(&four, &ed25519_token(Alg::EdDSA, None)), "ok");
    assert_eq!(outcome(&four, &forged_token(None)), "invalid_signature");
    // Five: none is tried, forged or genuine.
    let five = build(&ed25519_set(5, no_kid), Limits::default()).unwrap();
    assert_eq!(
        outcome(&five, &forged_token(None)),
        "too_many_candidate_keys"
    );
    let error = five
        .verify(&ed25519_token(Alg::EdDSA, None), crate::util::NOW)
        .unwrap_err();
    assert_eq!(error.code(), "too_many_candidate_keys");
    assert_eq!(error.class(), ErrorClass::Token);
    let message = error.to_string();
    assert!(
        message.contains("the token has no kid, and 5 keys of the set can verify EdDSA"),
        "{message}"
    );
    assert!(
        message.contains("more than the 4 signature checks"),
        "{message}"
    );
    // Keys with a kid are candidates for a kid-less token too.
    let with_kids = build(
        &ed25519_set(10, |i| Some(format!("k{i}"))),
        Limits::default(),
    )
    .unwrap();
    assert_eq!(
        outcome(&with_kids, &forged_token(None)),
        "too_many_candidate_keys"
    );
    assert_eq!(
        outcome(&with_kids, &ed25519_token(Alg::EdDSA, Some("k7"))),
        "ok"
    );
}

#[test]
fn a_kid_shared_by_more_than_four_keys_is_refused() {
    let shared = |_| Some("shared".to_owned());
    let four = build(&ed25519_set(4, shared), Limits::default()).unwrap();
    assert_eq!(
        outcome(&four, &ed25519_token(Alg::EdDSA, Some("shared"))),
        "ok"
    );
    assert_eq!(
        outcome(&four, &forged_token(Some("shared"))),
        "invalid_signature"
    );
    let five = build(&ed25519_set(5, shared), Limits::default()).unwrap();
    let error = five
        .verify(&forged_token(Some("shared")), crate::util::NOW)
        .unwrap_err();
    assert_eq!(error.code(), "too_many_candidate_keys");
    assert!(
        error
            .to_string()
            .contains("kid \"shared\" is shared by 5 keys of the set that can verify EdDSA"),
        "{error}"
    );
}

#[test]
fn only_keys_that_fit_the_alg_count_as_candidates() {
    // Four Ed25519 keys among 40 EC keys, none with a kid: an EdDSA token has four
    // candidates, an ES256 token forty.
    let mut keys: Vec<Value> = (0..4)
        .map(|_| public_jwk("ed25519.private.pem", Alg::EdDSA, None))
        .collect();
    keys.extend((0..40).map(|_| public_jwk("ec-p256.private.pem", Alg::ES256, None)));
    let verifier = build(&json!({ "keys": keys }).to_string(), Limits::default()).unwrap();
    assert_eq!(outcome(&verifier, &ed25519_token(Alg::EdDSA, None)), "ok");
    let es256 = signer("ec-p256.private.pem", Alg::ES256)
        .sign(&claims())
        .unwrap();
    assert_eq!(outcome(&verifier, &es256), "too_many_candidate_keys");
}

#[test]
fn the_signature_check_limit_is_configurable() {
    let limits = |max_signature_attempts| Limits {
        max_signature_attempts,
        ..Limits::default()
    };
    let five = ed25519_set(5, |_| None);
    let token = ed25519_token(Alg::EdDSA, None);
    assert_eq!(outcome(&build(&five, limits(5)).unwrap(), &token), "ok");
    let one = build(&ed25519_set(2, |_| Some("k".into())), limits(1)).unwrap();
    assert_eq!(
        outcome(&one, &ed25519_token(Alg::EdDSA, Some("k"))),
        "too_many_candidate_keys"
    );
    assert_eq!(
        build(&five, limits(0)).map(|_| ()).unwrap_err().code(),
        "invalid_config"
    );
    // A single configured key is one candidate whatever the token's kid.
    let single = Verifier::builder(
        ISS,
        AUD,
        KeySet::from_public_key(&crate::util::key_file("ed25519.public.pem")).unwrap(),
    )
    .with_limits(limits(1))
    .build()
    .unwrap();
    assert_eq!(outcome(&single, &token), "ok");
}

// ---- RFC 9864: EdDSA and Ed25519 on an Ed25519 key ----

/// A JWK Set with the committed Ed25519 key published for `alg`, under kid `ed`.
fn ed25519_published_for(alg: &str) -> KeySet {
    let mut jwk = public_jwk("ed25519.private.pem", Alg::EdDSA, Some("ed"));
    jwk["alg"] = json!(alg);
    jwk["use"] = json!("sig");
    KeySet::from_jwks(&json!({ "keys": [jwk] }).to_string()).unwrap()
}

#[test]
fn a_jwk_published_for_eddsa_verifies_ed25519_tokens() {
    let verifier = Verifier::builder(ISS, AUD, ed25519_published_for("EdDSA"))
        .build()
        .unwrap();
    let algs: Vec<Alg> = verifier.algorithms().iter().collect();
    assert_eq!(algs, vec![Alg::EdDSA, Alg::Ed25519]);
    for kid in [Some("ed"), None] {
        assert_eq!(
            outcome(&verifier, &ed25519_token(Alg::Ed25519, kid)),
            "ok",
            "{kid:?}"
        );
        assert_eq!(outcome(&verifier, &ed25519_token(Alg::EdDSA, kid)), "ok");
    }
}

#[test]
fn a_jwk_published_for_ed25519_verifies_eddsa_tokens() {
    let verifier = Verifier::builder(ISS, AUD, ed25519_published_for("Ed25519"))
        .build()
        .unwrap();
    let algs: Vec<Alg> = verifier.algorithms().iter().collect();
    assert_eq!(algs, vec![Alg::EdDSA, Alg::Ed25519]);
    for kid in [Some("ed"), None] {
        assert_eq!(
            outcome(&verifier, &ed25519_token(Alg::EdDSA, kid)),
            "ok",
            "{kid:?}"
        );
        assert_eq!(outcome(&verifier, &ed25519_token(Alg::Ed25519, kid)), "ok");
    }
    // The same for a single configured JWK.
    let mut jwk = public_jwk("ed25519.private.pem", Alg::EdDSA, None);
    jwk["alg"] = json!("Ed25519");
    let single = Verifier::builder(ISS, AUD, KeySet::from_public_key(&jwk.to_string()).unwrap())
        .build()
        .unwrap();
    assert_eq!(outcome(&single, &ed25519_token(Alg::EdDSA, None)), "ok");
}

#[test]
fn the_allow_list_names_the_token_algs_it_accepts() {
    // The key's published name does not decide which names a token may carry: an
    // allow-list of the fully specified Ed25519 alone refuses the deprecated
    // polymorphic EdDSA, whatever the JWK says, and the other way round.
    for (published, allowed, refused) in [
        ("EdDSA", Alg::Ed25519, Alg::EdDSA),
        ("Ed25519", Alg::Ed25519, Alg::EdDSA),
        ("EdDSA", Alg::EdDSA, Alg::Ed25519),
        ("Ed25519", Alg::EdDSA, Alg::Ed25519),
    ] {
        let verifier = Verifier::builder(ISS, AUD, ed25519_published_for(published))
            .with_algorithms([allowed])
            .build()
            .unwrap_or_else(|e| panic!("{published} with [{allowed}]: {e}"));
        assert_eq!(
            outcome(&verifier, &ed25519_token(allowed, Some("ed"))),
            "ok",
            "{published} with [{allowed}]"
        );
        assert_eq!(
            outcome(&verifier, &ed25519_token(refused, Some("ed"))),
            "alg_not_allowed",
            "{published} with [{allowed}]"
        );
    }
}

#[test]
fn eddsa_on_an_ed448_key_stays_refused() {
    // RFC 8037 A.1's Ed448 test vector public key is 57 bytes; any 57 bytes will do,
    // the curve is refused before the key is read.
    let x = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([9u8; 57])
    };
    let ed448 = json!({"kty": "OKP", "crv": "Ed448", "alg": "EdDSA", "kid": "ed", "x": x});
    let other = public_jwk("ec-p256.private.pem", Alg::ES256, Some("ec"));
    let keys = KeySet::from_jwks(&json!({ "keys": [ed448, other] }).to_string()).unwrap();
    assert_eq!(keys.skipped().len(), 1);
    assert_eq!(keys.skipped()[0].kid.as_deref(), Some("ed"));
    let verifier = Verifier::builder(ISS, AUD, keys).build().unwrap();
    assert!(!verifier.algorithms().contains(Alg::EdDSA));
    assert_eq!(
        outcome(&verifier, &ed25519_token(Alg::EdDSA, Some("ed"))),
        "alg_not_allowed"
    );
    assert_eq!(
        KeySet::from_jwks(&json!({ "keys": [ed448] }).to_string())
            .unwrap_err()
            .code(),
        "no_usable_key"
    );
}
