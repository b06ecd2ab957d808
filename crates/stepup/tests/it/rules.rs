//! One test per rule of docs/verification-rules.md, end to end with real keys and a fixed clock.
//! Each would fail if the rule it names were removed from the verifier.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use stepup::{Alg, KeySet, Limits, Policy, Secret, SigningKey, TokenKind, UnixTime, Verifier};

use crate::util::{AUD, IAT, ISS, NOW, claims, key_file, outcome, signer, verifier};

const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn hs_verifier(secret: &str) -> Verifier {
    Verifier::builder(ISS, AUD, KeySet::from_secret(&Secret::new(secret)).unwrap())
        .build()
        .unwrap()
}

fn hs256(claims: &Value) -> String {
    SigningKey::from_secret(&Secret::new(SECRET), Alg::HS256)
        .unwrap()
        .sign(claims)
        .unwrap()
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

/// Re-signs a token whose header and payload are given as raw JSON text.
fn raw(header: &str, payload: &str) -> String {
    SigningKey::from_secret(&Secret::new(SECRET), Alg::HS256)
        .unwrap()
        .sign_raw(header.as_bytes(), payload.as_bytes())
        .unwrap()
}

fn payload_text() -> String {
    claims().to_string()
}

// ---- input form ----

#[test]
fn form_exactly_three_canonical_parts() {
    let v = hs_verifier(SECRET);
    let token = hs256(&claims());
    assert_eq!(outcome(&v, &token), "ok");
    let (head, sig) = token.rsplit_once('.').unwrap();
    assert_eq!(outcome(&v, &format!("{token}.x.y")), "jwe_not_supported");
    assert_eq!(outcome(&v, head), "malformed_token");
    assert_eq!(outcome(&v, &format!("{head}.")), "malformed_token");
    assert_eq!(outcome(&v, &format!("{head}.{sig}=")), "invalid_base64");
    assert_eq!(outcome(&v, &format!(" {token}")), "invalid_base64");
    assert_eq!(outcome(&v, &format!("{token}\n")), "invalid_base64");
    let (h, rest) = token.split_once('.').unwrap();
    assert_eq!(outcome(&v, &format!("{h}.\t{rest}")), "invalid_base64");
    assert_eq!(outcome(&v, &format!("{h}+.{rest}")), "invalid_base64");
}

#[test]
fn the_first_failure_in_the_order_of_verdicts_is_reported() {
    // Whatever fails to decode, the failure that comes first in the order of verdicts
    // is the one reported, and it names its part.
    let v = hs_verifier(SECRET);
    let token = hs256(&claims());
    let mut parts = token.split('.');
    let (h, p, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let error = |token: String| v.verify(&token, NOW).unwrap_err();
    // A dot in the payload (four parts) before a header that does not decode.
    assert_eq!(error(format!("{h}+.{p}.x.{s}")).code(), "malformed_token");
    // The header before the payload and the signature.
    let e = error(format!("{h}+.{p}+.{s}+"));
    assert_eq!(
        (e.code(), e.to_string().starts_with("header")),
        ("invalid_base64", true),
        "{e}"
    );
    // The payload before the signature.
    let e = error(format!("{h}.{p}+.{s}+"));
    assert_eq!(
        (e.code(), e.to_string().starts_with("payload")),
        ("invalid_base64", true),
        "{e}"
    );
    // The signature's decoding counts only after the allow-list.
    let rs256 = raw(r#"{"alg":"RS256"}"#, &payload_text());
    let (head, sig) = rs256.rsplit_once('.').unwrap();
    assert_eq!(error(format!("{head}.{sig}+")).code(), "alg_not_allowed");
    let e = error(format!("{h}.{p}.{s}+"));
    assert_eq!(
        (e.code(), e.to_string().starts_with("signature")),
        ("invalid_base64", true),
        "{e}"
    );
}

#[test]
fn form_non_canonical_trailing_bits_are_rejected() {
    let v = hs_verifier(SECRET);
    let token = hs256(&claims());
    let (head, sig) = token.rsplit_once('.').unwrap();
    // A 32-byte MAC is 43 base64url characters whose last one carries 2 unused bits.
    assert_eq!(sig.len(), 43);
    let last = sig.as_bytes()[42];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.iter().position(|c| *c == last).unwrap();
    let tweaked = alphabet[index ^ 1] as char; // sets/clears an unused bit
    let forged = format!("{head}.{}{tweaked}", &sig[..42]);
    assert_eq!(outcome(&v, &forged), "invalid_base64");
}

#[test]
fn unsecured_tokens_are_rejected() {
    let v = hs_verifier(SECRET);
    let header = B64.encode(br#"{"alg":"none"}"#);
    let payload = B64.encode(payload_text());
    assert_eq!(
        outcome(&v, &format!("{header}.{payload}.")),
        "malformed_token"
    );
    // With a bogus signature, the alg itself is refused.
    assert_eq!(outcome(&v, &format!("{header}.{payload}.AAAA")), "alg_none");
    let header = B64.encode(br#"{"alg":"nOnE"}"#);
    assert_eq!(outcome(&v, &format!("{header}.{payload}.AAAA")), "alg_none");
}

#[test]
fn nested_jwts_are_rejected() {
    let v = hs_verifier(SECRET);
    let token = raw(r#"{"alg":"HS256","cty":"JWT"}"#, &payload_text());
    assert_eq!(outcome(&v, &token), "nested_jwt");
}

// ---- limits ----

#[test]
fn oversize_tokens_are_rejected_before_parsing() {
    let v = hs_verifier(SECRET);
    let big = with(claims(), "pad", json!("x".repeat(70_000)));
    assert_eq!(outcome(&v, &hs256(&big)), "token_too_large");
    let small = Verifier::builder(ISS, AUD, KeySet::from_secret(&Secret::new(SECRET)).unwrap())
        .with_limits(Limits {
            max_token_len: 200,
            ..Limits::default()
        })
        .build()
        .unwrap();
    assert_eq!(outcome(&small, &hs256(&claims())), "token_too_large");
}

#[test]
fn deep_json_is_rejected() {
    let v = hs_verifier(SECRET);
    let deep = format!("{}1{}", "[".repeat(70), "]".repeat(70));
    let payload = payload_text().replacen('{', &format!("{{\"deep\":{deep},"), 1);
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256"}"#, &payload)),
        "json_too_deep"
    );
    let header = format!(r#"{{"alg":"HS256","x":{deep}}}"#);
    assert_eq!(outcome(&v, &raw(&header, &payload_text())), "json_too_deep");
}

// ---- JSON objects, duplicates ----

#[test]
fn duplicate_members_are_rejected_in_header_and_payload() {
    let v = hs_verifier(SECRET);
    let dup_header = raw(r#"{"alg":"HS256","kid":"a","kid":"b"}"#, &payload_text());
    assert_eq!(outcome(&v, &dup_header), "duplicate_member");
    let dup_sub = payload_text().replacen('{', r#"{"sub":"admin","#, 1);
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256"}"#, &dup_sub)),
        "duplicate_member"
    );
    let nested = payload_text().replacen('{', r#"{"x":{"y":1,"y":2},"#, 1);
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256"}"#, &nested)),
        "duplicate_member"
    );
}

#[test]
fn header_and_payload_must_be_utf8_objects() {
    let v = hs_verifier(SECRET);
    assert_eq!(
        outcome(&v, &raw(r#"["HS256"]"#, &payload_text())),
        "invalid_json"
    );
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256"}"#, "[1]")),
        "invalid_json"
    );
    let token = SigningKey::from_secret(&Secret::new(SECRET), Alg::HS256)
        .unwrap()
        .sign_raw(br#"{"alg":"HS256"}"#, b"{\"sub\":\"\xff\"}")
        .unwrap();
    assert_eq!(outcome(&v, &token), "invalid_json");
}

// ---- alg and keys ----

#[test]
fn alg_must_fit_the_key_type() {
    // HS256 signed with the RSA public key's PEM text as the secret: the classic confusion.
    let rsa_pem = key_file("rsa-2048.public.pem");
    let confused = SigningKey::from_secret(&Secret::new(rsa_pem.as_bytes()), Alg::HS256)
        .unwrap()
        .sign(&claims())
        .unwrap();
    assert_eq!(
        outcome(&verifier("rsa-2048.public.pem"), &confused),
        "alg_not_allowed"
    );
    // ES256 on a P-384 key, RS256 on an EC key.
    let es256 = signer("ec-p256.private.pem", Alg::ES256)
        .sign(&claims())
        .unwrap();
    assert_eq!(
        outcome(&verifier("ec-p384.public.pem"), &es256),
        "alg_not_allowed"
    );
    assert_eq!(outcome(&verifier("ec-p256.public.pem"), &es256), "ok");
    let rs256 = signer("rsa-2048.private.pem", Alg::RS256)
        .sign(&claims())
        .unwrap();
    assert_eq!(
        outcome(&verifier("ec-p256.public.pem"), &rs256),
        "alg_not_allowed"
    );
}

#[test]
fn explicit_allow_list_is_enforced() {
    let keys = KeySet::from_public_key(&key_file("rsa-2048.public.pem")).unwrap();
    let v = Verifier::builder(ISS, AUD, keys)
        .with_algorithms([Alg::PS256])
        .build()
        .unwrap();
    let rs256 = signer("rsa-2048.private.pem", Alg::RS256)
        .sign(&claims())
        .unwrap();
    let ps256 = signer("rsa-2048.private.pem", Alg::PS256)
        .sign(&claims())
        .unwrap();
    assert_eq!(outcome(&v, &rs256), "alg_not_allowed");
    assert_eq!(outcome(&v, &ps256), "ok");
}

#[test]
fn default_allow_list_is_what_the_keys_permit() {
    let v = verifier("ed25519.public.pem");
    let algs: Vec<Alg> = v.algorithms().iter().collect();
    assert_eq!(algs, vec![Alg::EdDSA, Alg::Ed25519]);
    for alg in [Alg::EdDSA, Alg::Ed25519] {
        let token = signer("ed25519.private.pem", alg).sign(&claims()).unwrap();
        assert_eq!(outcome(&v, &token), "ok", "{alg}");
    }
    let hs = hs_verifier(&SECRET[..40]);
    assert_eq!(hs.algorithms().iter().collect::<Vec<_>>(), vec![Alg::HS256]);
}

#[test]
fn allowing_an_unusable_alg_is_a_configuration_error() {
    let short = KeySet::from_secret(&Secret::new(&SECRET[..40])).unwrap();
    let err = Verifier::builder(ISS, AUD, short)
        .with_algorithms([Alg::HS512])
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "alg_unusable");
    assert_eq!(err.class(), stepup::ErrorClass::Config);
    let rsa = KeySet::from_public_key(&key_file("rsa-2048.public.pem")).unwrap();
    let err = Verifier::builder(ISS, AUD, rsa)
        .with_algorithms([Alg::HS256])
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "alg_unusable");
}

#[test]
fn weak_keys_are_refused_at_build_time() {
    for secret in ["", "short", &SECRET[..31]] {
        let err = KeySet::from_secret(&Secret::new(secret)).unwrap_err();
        assert_eq!(err.code(), "weak_key", "{secret:?}");
    }
    // A 1024-bit RSA modulus as a JWK.
    let n = B64.encode([0xC3u8; 128]);
    let jwk = json!({"kty":"RSA","n":n,"e":"AQAB"}).to_string();
    assert_eq!(
        KeySet::from_public_key(&jwk).unwrap_err().code(),
        "weak_key"
    );
    // The same inside a set is skipped, and a set of only weak keys is unusable.
    let set = json!({"keys":[{"kty":"RSA","n":n,"e":"AQAB","kid":"weak"}]}).to_string();
    assert_eq!(KeySet::from_jwks(&set).unwrap_err().code(), "no_usable_key");
}

#[test]
fn a_secret_permits_only_the_hs_algs_its_length_allows() {
    let secret48 = &SECRET[..48];
    let v = hs_verifier(secret48);
    let key = |alg| SigningKey::from_secret(&Secret::new(SECRET), alg).unwrap();
    // Signed with a 64-byte secret under HS512 — the verifier's 48-byte secret can't do HS512.
    assert_eq!(
        outcome(&v, &key(Alg::HS512).sign(&claims()).unwrap()),
        "alg_not_allowed"
    );
    let hs384 = SigningKey::from_secret(&Secret::new(secret48), Alg::HS384).unwrap();
    assert_eq!(outcome(&v, &hs384.sign(&claims()).unwrap()), "ok");
}

#[test]
fn crit_b64_and_kid_type() {
    let v = hs_verifier(SECRET);
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","crit":[]}"#, &payload_text())),
        "crit_not_supported"
    );
    assert_eq!(
        outcome(
            &v,
            &raw(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#, &payload_text())
        ),
        "crit_not_supported"
    );
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","b64":true}"#, &payload_text())),
        "b64_not_supported"
    );
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","kid":1}"#, &payload_text())),
        "invalid_kid"
    );
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","kid":"any"}"#, &payload_text())),
        "ok"
    );
}

#[test]
fn header_keys_are_never_trusted() {
    // Signed with a fresh attacker key, which is embedded in the header as jwk / x5c / jku.
    let attacker = stepup::generate_key(stepup::KeyKind::P256).unwrap();
    let pem = std::str::from_utf8(attacker.private_pem.expose()).unwrap();
    let evil = SigningKey::from_pem(pem, Some(Alg::ES256)).unwrap();
    let jwk = attacker.jwks["keys"][0].clone();
    let header = json!({"typ":"JWT","jwk": jwk, "jku": "http://127.0.0.1:1/jwks", "x5u": "http://127.0.0.1:1/x"});
    let token = evil.sign_with_header(&header, &claims()).unwrap();
    assert_eq!(
        outcome(&verifier("ec-p256.public.pem"), &token),
        "invalid_signature"
    );
}

fn jwks_with(entries: Vec<Value>) -> Verifier {
    let keys = KeySet::from_jwks(&json!({ "keys": entries }).to_string()).unwrap();
    Verifier::builder(ISS, AUD, keys).build().unwrap()
}

fn jwk(file: &str, alg: Alg, kid: &str) -> Value {
    let mut jwk = signer(file, alg).with_kid(kid).public_jwk().unwrap();
    jwk.as_object_mut().unwrap().remove("alg");
    jwk.as_object_mut().unwrap().remove("use");
    jwk
}

#[test]
fn kid_selects_among_jwks_keys() {
    let a = jwk("ec-p256.private.pem", Alg::ES256, "a");
    let b = jwk("ec-p384.private.pem", Alg::ES384, "b");
    let v = jwks_with(vec![a, b]);
    let es256 = signer("ec-p256.private.pem", Alg::ES256);
    assert_eq!(
        outcome(&v, &es256.clone_with_kid("a").sign(&claims()).unwrap()),
        "ok"
    );
    assert_eq!(
        outcome(&v, &es256.clone_with_kid("b").sign(&claims()).unwrap()),
        "key_not_found"
    );
    assert_eq!(
        outcome(&v, &es256.clone_with_kid("zzz").sign(&claims()).unwrap()),
        "key_not_found"
    );
    // No kid: every compatible key is tried.
    assert_eq!(outcome(&v, &es256.sign(&claims()).unwrap()), "ok");
}

#[test]
fn escaped_header_members_are_read_as_their_values() {
    // The header rules compare the members' unescaped bytes: an escape changes
    // nothing, whichever rule reads the member.
    let v = hs_verifier(SECRET);
    let payload = payload_text();
    for (header, expected) in [
        (r#"{"alg":"HS\u0032\u0035\u0036"}"#, "ok"),
        (r#"{"alg":"n\u006fne"}"#, "alg_none"),
        (r#"{"alg":"HS256","typ":"\u004aWT"}"#, "ok"),
        (r#"{"alg":"HS256","typ":"J\u0057"}"#, "typ_not_allowed"),
        (r#"{"alg":"HS256","cty":"\u006awt"}"#, "nested_jwt"),
    ] {
        assert_eq!(outcome(&v, &raw(header, &payload)), expected, "{header}");
    }
    // An escaped kid selects the key whose kid is its value, and only that one.
    let v = jwks_with(vec![
        jwk("ec-p256.private.pem", Alg::ES256, "k1"),
        jwk("ec-p384.private.pem", Alg::ES384, "k2"),
    ]);
    let es256 = signer("ec-p256.private.pem", Alg::ES256);
    let token = |header: &str| {
        es256
            .sign_raw(header.as_bytes(), payload.as_bytes())
            .unwrap()
    };
    assert_eq!(
        outcome(&v, &token(r#"{"alg":"ES256","kid":"k\u0031"}"#)),
        "ok"
    );
    assert_eq!(
        outcome(&v, &token(r#"{"alg":"ES256","kid":"k\u0032"}"#)),
        "key_not_found"
    );
}

trait CloneWithKid {
    fn clone_with_kid(&self, kid: &str) -> SigningKey;
}

impl CloneWithKid for SigningKey {
    fn clone_with_kid(&self, kid: &str) -> SigningKey {
        let file = match self.alg() {
            Alg::ES256 => "ec-p256.private.pem",
            Alg::ES384 => "ec-p384.private.pem",
            _ => "rsa-2048.private.pem",
        };
        signer(file, self.alg()).with_kid(kid)
    }
}

#[test]
fn a_single_configured_key_ignores_kid() {
    let token = signer("ec-p256.private.pem", Alg::ES256)
        .with_kid("whatever")
        .sign(&claims())
        .unwrap();
    assert_eq!(outcome(&verifier("ec-p256.public.pem"), &token), "ok");
}

#[test]
fn jwks_use_key_ops_and_alg_filter_candidates() {
    let token = signer("rsa-2048.private.pem", Alg::RS256)
        .with_kid("k")
        .sign(&claims())
        .unwrap();
    let base = jwk("rsa-2048.private.pem", Alg::RS256, "k");
    let spare = jwk("rsa-3072.private.pem", Alg::RS256, "spare");
    let variant = |name: &str, value: Value| {
        let mut k = base.clone();
        k[name] = value;
        jwks_with(vec![k, spare.clone()])
    };
    assert_eq!(outcome(&variant("use", json!("sig")), &token), "ok");
    assert_eq!(
        outcome(&variant("use", json!("enc")), &token),
        "key_not_found"
    );
    assert_eq!(
        outcome(&variant("key_ops", json!(["verify"])), &token),
        "ok"
    );
    assert_eq!(
        outcome(&variant("key_ops", json!(["encrypt"])), &token),
        "key_not_found"
    );
    assert_eq!(outcome(&variant("alg", json!("RS256")), &token), "ok");
    // An RSA key published for RS384 is kept, but is no candidate for an RS256 token.
    let v = variant("alg", json!("RS384"));
    assert!(v.keys().skipped().is_empty());
    assert_eq!(outcome(&v, &token), "key_not_found");
    // An RSA key published for an EC algorithm is skipped when the set is read.
    let v = variant("alg", json!("ES256"));
    assert_eq!(v.keys().skipped().len(), 1);
    assert_eq!(outcome(&v, &token), "key_not_found");
}

#[test]
fn oct_keys_in_a_jwks_are_never_used() {
    let k = B64.encode(SECRET);
    let set = json!({"keys":[{"kty":"oct","k":k,"kid":"s"}, jwk("ec-p256.private.pem", Alg::ES256, "e")]});
    let keys = KeySet::from_jwks(&set.to_string()).unwrap();
    assert_eq!(keys.skipped().len(), 1);
    let v = Verifier::builder(ISS, AUD, keys).build().unwrap();
    assert!(!v.algorithms().contains(Alg::HS256));
    let token = SigningKey::from_secret(&Secret::new(SECRET), Alg::HS256)
        .unwrap()
        .with_kid("s")
        .sign(&claims())
        .unwrap();
    assert_eq!(outcome(&v, &token), "alg_not_allowed");
}

// ---- exact signature forms ----

fn replace_signature(token: &str, sig: &[u8]) -> String {
    let (head, _) = token.rsplit_once('.').unwrap();
    format!("{head}.{}", B64.encode(sig))
}

fn signature(token: &str) -> Vec<u8> {
    B64.decode(token.rsplit_once('.').unwrap().1).unwrap()
}

#[test]
fn ecdsa_signatures_are_raw_fixed_size() {
    let v = verifier("ec-p256.public.pem");
    let token = signer("ec-p256.private.pem", Alg::ES256)
        .sign(&claims())
        .unwrap();
    let sig = signature(&token);
    assert_eq!(sig.len(), 64);
    // DER encoding of the same (r, s).
    let der = |x: &[u8]| {
        let mut v = x.to_vec();
        while v.len() > 1 && v[0] == 0 && v[1] < 0x80 {
            v.remove(0);
        }
        if v[0] >= 0x80 {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    };
    let mut body = der(&sig[..32]);
    body.extend(der(&sig[32..]));
    let mut der_sig = vec![0x30, body.len() as u8];
    der_sig.extend(body);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &der_sig)),
        "invalid_signature"
    );
    // r = 0 and s = 0.
    let mut zero_r = sig.clone();
    zero_r[..32].fill(0);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &zero_r)),
        "invalid_signature"
    );
    let mut zero_s = sig.clone();
    zero_s[32..].fill(0);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &zero_s)),
        "invalid_signature"
    );
    // One byte short, one byte long.
    assert_eq!(
        outcome(&v, &replace_signature(&token, &sig[..63])),
        "invalid_signature"
    );
    let mut long = sig;
    long.push(0);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &long)),
        "invalid_signature"
    );
    assert_eq!(outcome(&v, &token), "ok");
}

#[test]
fn rsa_signatures_are_modulus_length() {
    let v = verifier("rsa-2048.public.pem");
    let token = signer("rsa-2048.private.pem", Alg::RS256)
        .sign(&claims())
        .unwrap();
    let sig = signature(&token);
    assert_eq!(sig.len(), 256);
    // A leading zero byte stripped or added keeps the integer but not the form.
    let mut padded = vec![0];
    padded.extend(&sig);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &padded)),
        "invalid_signature"
    );
}

#[test]
fn ed25519_rejects_non_canonical_s() {
    let v = verifier("ed25519.public.pem");
    let token = signer("ed25519.private.pem", Alg::EdDSA)
        .sign(&claims())
        .unwrap();
    let sig = signature(&token);
    // S + L (the group order) is the same scalar mod L but not canonical.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut s = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        s[i] = sum as u8;
        carry = sum >> 8;
    }
    let mut forged = sig[..32].to_vec();
    forged.extend_from_slice(&s);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &forged)),
        "invalid_signature"
    );
}

#[test]
fn hmac_tags_are_exact_length() {
    let v = hs_verifier(SECRET);
    let token = hs256(&claims());
    let sig = signature(&token);
    assert_eq!(
        outcome(&v, &replace_signature(&token, &sig[..16])),
        "invalid_signature"
    );
}

// ---- claims ----

#[test]
fn iss_exact_match() {
    let v = hs_verifier(SECRET);
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "iss", json!(format!("{ISS}/"))))),
        "iss_mismatch"
    );
    assert_eq!(
        outcome(
            &v,
            &hs256(&with(claims(), "iss", json!(ISS.to_uppercase())))
        ),
        "iss_mismatch"
    );
    assert_eq!(
        outcome(&v, &hs256(&without(claims(), "iss"))),
        "iss_missing"
    );
}

#[test]
fn sub_is_a_required_string() {
    let v = hs_verifier(SECRET);
    assert_eq!(
        outcome(&v, &hs256(&without(claims(), "sub"))),
        "sub_missing"
    );
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "sub", json!(42)))),
        "invalid_claim"
    );
}

#[test]
fn aud_contains_client_id() {
    let v = hs_verifier(SECRET);
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "aud", json!("other")))),
        "aud_mismatch"
    );
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "aud", json!([AUD])))),
        "ok"
    );
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "aud", json!([])))),
        "invalid_claim"
    );
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "aud", json!([AUD, 5])))),
        "invalid_claim"
    );
    assert_eq!(
        outcome(&v, &hs256(&without(claims(), "aud"))),
        "aud_missing"
    );
}

#[test]
fn several_audiences_require_matching_azp() {
    let v = hs_verifier(SECRET);
    let multi = with(claims(), "aud", json!([AUD, "api"]));
    assert_eq!(outcome(&v, &hs256(&multi)), "azp_missing");
    assert_eq!(
        outcome(&v, &hs256(&with(multi.clone(), "azp", json!(AUD)))),
        "ok"
    );
    assert_eq!(
        outcome(&v, &hs256(&with(multi, "azp", json!("api")))),
        "azp_mismatch"
    );
    // A present azp must match even with one audience.
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "azp", json!("other")))),
        "azp_mismatch"
    );
}

fn at(v: &Verifier, token: &str, now: i64) -> &'static str {
    match v.verify(token, UnixTime::from_secs(now)) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn exp_with_leeway_boundary() {
    let v = hs_verifier(SECRET);
    let exp = IAT + 3600;
    let token = hs256(&claims());
    // Valid iff now < exp + leeway.
    assert_eq!(at(&v, &token, exp + 59), "ok");
    assert_eq!(at(&v, &token, exp + 60), "token_expired");
    assert_eq!(at(&v, &token, exp + 61), "token_expired");
    assert_eq!(
        outcome(&v, &hs256(&without(claims(), "exp"))),
        "exp_missing"
    );
    let fractional = hs256(&with(claims(), "exp", json!(exp as f64 + 0.5)));
    assert_eq!(at(&v, &fractional, exp + 60), "ok");
    let strict = Verifier::builder(ISS, AUD, KeySet::from_secret(&Secret::new(SECRET)).unwrap())
        .with_leeway(0)
        .build()
        .unwrap();
    assert_eq!(at(&strict, &token, exp - 1), "ok");
    assert_eq!(at(&strict, &token, exp), "token_expired");
}

#[test]
fn iat_required_and_not_in_future() {
    let v = hs_verifier(SECRET);
    assert_eq!(
        outcome(&v, &hs256(&without(claims(), "iat"))),
        "iat_missing"
    );
    let token = hs256(&claims());
    assert_eq!(at(&v, &token, IAT - 60), "ok");
    assert_eq!(at(&v, &token, IAT - 61), "iat_in_future");
}

#[test]
fn nbf_honoured_with_leeway() {
    let v = hs_verifier(SECRET);
    let token = hs256(&with(claims(), "nbf", json!(IAT + 100)));
    assert_eq!(at(&v, &token, IAT + 40), "ok");
    assert_eq!(at(&v, &token, IAT + 39), "nbf_in_future");
}

#[test]
fn numeric_dates_must_be_finite_numbers_within_range() {
    let v = hs_verifier(SECRET);
    for bad in [
        json!("1767229200"),
        json!(1e19),
        json!(-1e19),
        json!(null),
        json!([1]),
    ] {
        assert_eq!(
            outcome(&v, &hs256(&with(claims(), "exp", bad.clone()))),
            "invalid_claim",
            "{bad}"
        );
    }
    let huge = payload_text().replacen('{', r#"{"nbf":1e400,"#, 1);
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256"}"#, &huge)),
        "invalid_claim"
    );
    assert_eq!(
        outcome(&v, &hs256(&with(claims(), "exp", json!(1.7672292e9)))),
        "ok"
    );
}

#[test]
fn nonce_present_and_equal_when_expected() {
    let v = hs_verifier(SECRET);
    let token = hs256(&claims());
    assert!(v.verify_with_nonce(&token, "n-0S6_WzA2Mj", NOW).is_ok());
    let code = |t: &str, n| v.verify_with_nonce(t, n, NOW).unwrap_err().code();
    assert_eq!(code(&token, "other"), "nonce_mismatch");
    assert_eq!(
        code(&hs256(&without(claims(), "nonce")), "n"),
        "nonce_missing"
    );
    // Not expected: not checked.
    assert_eq!(outcome(&v, &hs256(&without(claims(), "nonce"))), "ok");
}

#[test]
fn typ_per_token_kind() {
    let v = hs_verifier(SECRET);
    let payload = payload_text();
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","typ":"jwt"}"#, &payload)),
        "ok"
    );
    assert_eq!(
        outcome(
            &v,
            &raw(r#"{"alg":"HS256","typ":"application/jwt"}"#, &payload)
        ),
        "ok"
    );
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","typ":"at+jwt"}"#, &payload)),
        "typ_not_allowed"
    );
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","typ":"JOSE"}"#, &payload)),
        "typ_not_allowed"
    );
    let at_verifier =
        Verifier::builder(ISS, AUD, KeySet::from_secret(&Secret::new(SECRET)).unwrap())
            .with_token_kind(TokenKind::AccessToken)
            .build()
            .unwrap();
    assert_eq!(
        outcome(
            &at_verifier,
            &raw(r#"{"alg":"HS256","typ":"at+jwt"}"#, &payload)
        ),
        "ok"
    );
    assert_eq!(
        outcome(
            &at_verifier,
            &raw(r#"{"alg":"HS256","typ":"JWT"}"#, &payload)
        ),
        "typ_not_allowed"
    );
}

// ---- order of verdicts ----

#[test]
fn config_errors_come_first_then_token_then_policy() {
    // A bad configuration never gets to see the token.
    assert_eq!(
        KeySet::from_secret(&Secret::new("x")).unwrap_err().code(),
        "weak_key"
    );
    // An expired token without MFA is an error, not a step-up.
    let v = hs_verifier(SECRET);
    let expired_weak = hs256(&with(
        with(claims(), "amr", json!(["pwd"])),
        "exp",
        json!(IAT),
    ));
    let err = v.check(&expired_weak, &Policy::default(), NOW).unwrap_err();
    assert_eq!(err.code(), "token_expired");
    // A bad signature on a non-MFA token is an error too.
    let forged = replace_signature(&hs256(&with(claims(), "amr", json!(["pwd"]))), &[0; 32]);
    assert_eq!(
        v.check(&forged, &Policy::default(), NOW)
            .unwrap_err()
            .code(),
        "invalid_signature"
    );
    // Only a valid token reaches the policy.
    let (_, decision) = v
        .check(
            &hs256(&with(claims(), "amr", json!(["pwd"]))),
            &Policy::default(),
            NOW,
        )
        .unwrap();
    assert_eq!(decision.missing()[0].name(), "amr:mfa");
}

#[test]
fn step_up_claim_types_fail_policy_not_validity() {
    let v = hs_verifier(SECRET);
    let policy = Policy::default()
        .with_accepted_acr(["gold"])
        .with_max_age(300);
    let weird = with(
        with(with(claims(), "amr", json!("mfa")), "acr", json!(["gold"])),
        "auth_time",
        json!("now"),
    );
    let (_, decision) = v.check(&hs256(&weird), &policy, NOW).unwrap();
    let names: Vec<String> = decision.missing().iter().map(|m| m.name()).collect();
    assert_eq!(names, vec!["amr:mfa", "acr", "auth_time"]);
}

#[test]
fn custom_claims_deserialize_into_caller_types() {
    #[derive(serde::Deserialize)]
    struct Mine {
        sub: String,
        email: String,
    }
    let v = hs_verifier(SECRET);
    let token = hs256(&with(claims(), "email", json!("a@example.com")));
    let verified = v.verify(&token, NOW).unwrap();
    let mine: Mine = verified.deserialize_claims().unwrap();
    assert_eq!(
        (mine.sub.as_str(), mine.email.as_str()),
        ("user-1", "a@example.com")
    );
}

#[test]
fn verifier_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Verifier>();
    let v = hs_verifier(SECRET);
    let token = hs256(&claims());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let v = v.clone();
            let token = &token;
            scope.spawn(move || {
                for _ in 0..100 {
                    assert!(v.verify(token, NOW).is_ok());
                }
            });
        }
    });
}

// ---- found in review ----

#[test]
fn small_order_ed25519_keys_are_refused() {
    // The identity point (y = 1): with it, `R = identity, S = 0`-style forgeries verify.
    let identity = B64.encode({
        let mut y = [0u8; 32];
        y[0] = 1;
        y
    });
    let zero = B64.encode([0u8; 32]);
    for x in [identity, zero] {
        let jwk = json!({"kty":"OKP","crv":"Ed25519","x":x}).to_string();
        assert_eq!(
            KeySet::from_public_key(&jwk).unwrap_err().code(),
            "weak_key"
        );
        let set = json!({"keys":[{"kty":"OKP","crv":"Ed25519","x":x,"kid":"k"}]}).to_string();
        assert_eq!(KeySet::from_jwks(&set).unwrap_err().code(), "no_usable_key");
    }
}

#[test]
fn rsa_exponent_is_checked_when_the_key_is_read() {
    let info = rsa_modulus();
    for e in ["AQ", "Ag", "AQAAAAAAAAAB"] {
        let jwk = json!({"kty":"RSA","n":info,"e":e}).to_string();
        assert_eq!(
            KeySet::from_public_key(&jwk).unwrap_err().code(),
            "invalid_key",
            "e={e}"
        );
    }
    let jwk = json!({"kty":"RSA","n":info,"e":"AQAB"}).to_string();
    assert!(KeySet::from_public_key(&jwk).is_ok());
}

/// The base64url modulus of a committed RSA key, via its JWK export.
fn rsa_modulus() -> String {
    let jwk = signer("rsa-2048.private.pem", Alg::RS256)
        .public_jwk()
        .unwrap();
    jwk["n"].as_str().unwrap().to_owned()
}

#[test]
fn a_single_oct_jwk_obeys_use_key_ops_and_member_types() {
    let k = B64.encode(SECRET);
    let code = |jwk: Value| match KeySet::from_public_key(&jwk.to_string()) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    };
    assert_eq!(code(json!({"kty":"oct","k":k})), "ok");
    assert_eq!(
        code(json!({"kty":"oct","k":k,"use":"enc"})),
        "no_usable_key"
    );
    assert_eq!(
        code(json!({"kty":"oct","k":k,"key_ops":["encrypt"]})),
        "no_usable_key"
    );
    assert_eq!(code(json!({"kty":"oct","k":k,"kid":5})), "invalid_key");
    assert_eq!(
        code(json!({"kty":"oct","k":k,"alg":"RS256"})),
        "no_usable_key"
    );
    assert_eq!(
        code(json!({"kty":"oct","k":B64.encode("short")})),
        "weak_key"
    );
}

#[test]
fn numeric_date_range_is_exact_for_integers() {
    let v = hs_verifier(SECRET);
    for bad in [
        "9223372036854775809",
        "9223372036854776832",
        "18446744073709551615",
    ] {
        let payload = payload_text().replacen('{', &format!("{{\"nbf\":{bad},"), 1);
        assert_eq!(
            outcome(&v, &raw(r#"{"alg":"HS256"}"#, &payload)),
            "invalid_claim",
            "{bad}"
        );
    }
    // -2^63 itself is in range (and long past).
    let payload = payload_text().replacen('{', r#"{"nbf":-9223372036854775808,"#, 1);
    assert_eq!(outcome(&v, &raw(r#"{"alg":"HS256"}"#, &payload)), "ok");
}

#[test]
fn token_size_limit_is_inclusive() {
    let token = hs256(&claims());
    let verifier_with = |max| {
        Verifier::builder(ISS, AUD, KeySet::from_secret(&Secret::new(SECRET)).unwrap())
            .with_limits(Limits {
                max_token_len: max,
                ..Limits::default()
            })
            .build()
            .unwrap()
    };
    assert_eq!(outcome(&verifier_with(token.len()), &token), "ok");
    assert_eq!(
        outcome(&verifier_with(token.len() - 1), &token),
        "token_too_large"
    );
}

#[test]
fn nested_jwt_cty_in_any_casing() {
    let v = hs_verifier(SECRET);
    for cty in ["JWT", "jwt", "application/JWT", "application/jwt"] {
        let header = format!(r#"{{"alg":"HS256","cty":"{cty}"}}"#);
        assert_eq!(
            outcome(&v, &raw(&header, &payload_text())),
            "nested_jwt",
            "{cty}"
        );
    }
    // Other content types are not nested tokens.
    assert_eq!(
        outcome(&v, &raw(r#"{"alg":"HS256","cty":"json"}"#, &payload_text())),
        "ok"
    );
}

#[test]
fn access_token_mode_does_not_apply_the_id_token_azp_rules() {
    // RFC 9068 access tokens name the resource server in `aud` and the client in
    // `client_id`; OIDC's azp rules are for ID tokens only.
    let at = Verifier::builder(ISS, AUD, KeySet::from_secret(&Secret::new(SECRET)).unwrap())
        .with_token_kind(TokenKind::AccessToken)
        .build()
        .unwrap();
    let multi = with(claims(), "aud", json!([AUD, "api"]));
    let payload = with(multi, "client_id", json!("some-client")).to_string();
    assert_eq!(
        outcome(&at, &raw(r#"{"alg":"HS256","typ":"at+jwt"}"#, &payload)),
        "ok"
    );
    let id = hs_verifier(SECRET);
    let multi = with(claims(), "aud", json!([AUD, "api"]));
    assert_eq!(outcome(&id, &hs256(&multi)), "azp_missing");
}
