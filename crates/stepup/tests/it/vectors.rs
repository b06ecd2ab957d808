//! Runs `tests/vectors/{interop,rfc}.json` (see `tests/vectors/README.md`).

use serde_json::Value;
use stepup::{Alg, KeySet, Policy, Secret, UnixTime, Verifier};

use crate::util::vectors_dir;

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn key_set(spec: &Value) -> Result<KeySet, stepup::Error> {
    let value = &spec["value"];
    match spec["type"].as_str().unwrap() {
        "secret" => KeySet::from_secret(&Secret::new(value.as_str().unwrap())),
        "pem" => KeySet::from_public_key(value.as_str().unwrap()),
        "jwk" => KeySet::from_public_key(&value.to_string()),
        "jwks" => KeySet::from_jwks(&value.to_string()),
        other => panic!("unknown key type {other}"),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What the verifier says about one vector, in the vectors' vocabulary.
fn run(file: &Value, vector: &Value) -> Value {
    let keys = match key_set(&file["keys"][vector["key"].as_str().unwrap()]) {
        Ok(keys) => keys,
        Err(e) => return serde_json::json!({"result": "error", "code": e.code()}),
    };
    let leeway = vector["leeway"].as_u64().unwrap_or(60);
    let mut builder = Verifier::builder(
        vector["issuer"].as_str().unwrap(),
        vector["audience"].as_str().unwrap(),
        keys,
    )
    .with_leeway(leeway);
    if let Some(algs) = vector.get("algorithms") {
        builder = builder.with_algorithms(strings(algs).iter().map(|a| a.parse::<Alg>().unwrap()));
    }
    let verifier = match builder.build() {
        Ok(v) => v,
        Err(e) => return serde_json::json!({"result": "error", "code": e.code()}),
    };
    let now = UnixTime::from_secs(vector["now"].as_i64().unwrap());
    let token = vector["token"].as_str().unwrap();
    let verified = match vector["nonce"].as_str() {
        Some(nonce) => verifier.verify_with_nonce(token, nonce, now),
        None => verifier.verify(token, now),
    };
    let verified = match verified {
        Ok(v) => v,
        Err(e) => return serde_json::json!({"result": "error", "code": e.code()}),
    };
    let mut policy = Policy::default().with_leeway(leeway);
    if let Some(spec) = vector.get("policy") {
        if let Some(amr) = spec.get("require_amr") {
            policy = policy.with_required_amr(strings(amr));
        }
        if let Some(acr) = spec.get("acr") {
            policy = policy.with_accepted_acr(strings(acr));
        }
        if let Some(max_age) = spec["max_age"].as_u64() {
            policy = policy.with_max_age(max_age);
        }
    }
    let decision = policy.decide(verified.claims(), now);
    if decision.is_satisfied() {
        serde_json::json!({"result": "satisfied"})
    } else {
        let missing: Vec<String> = decision.missing().iter().map(|m| m.name()).collect();
        serde_json::json!({"result": "step_up", "missing": missing})
    }
}

fn check_file(name: &str) -> usize {
    let file = load(name);
    let vectors = file["vectors"].as_array().unwrap();
    let mut failures = Vec::new();
    for vector in vectors {
        let expect = &vector["expect"];
        let got = run(&file, vector);
        let ok = match expect["result"].as_str().unwrap() {
            // Known-answer signatures: the full verifier must get past the signature and
            // stop at the expected claim check (claims are read only after the signature).
            "signature_valid" => got["result"] == "error" && got["code"] == expect["claims_error"],
            _ => got == *expect,
        };
        if !ok {
            failures.push(format!("{}: expected {expect}, got {got}", vector["name"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
    vectors.len()
}

#[test]
fn interop_vectors() {
    assert!(check_file("interop.json") >= 150);
}

#[test]
fn rfc_vectors() {
    assert!(check_file("rfc.json") >= 10);
}

/// The RFC signatures verify through the signature path directly too, and fail
/// once a bit is flipped.
#[test]
fn rfc_signatures_through_the_signature_path() {
    let file = load("rfc.json");
    for vector in file["vectors"].as_array().unwrap() {
        if vector["expect"]["result"] != "signature_valid" {
            continue;
        }
        let keys = key_set(&file["keys"][vector["key"].as_str().unwrap()]).unwrap();
        let token = vector["token"].as_str().unwrap();
        let verifier = Verifier::builder("x", "y", keys).build().unwrap();
        let mut bytes = token.as_bytes().to_vec();
        // Flip a bit in the middle of the signature part (keeping it base64url).
        let sig_start = token.rfind('.').unwrap() + 1;
        let i = sig_start + (token.len() - sig_start) / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let code = verifier
            .verify(&tampered, UnixTime::from_secs(0))
            .unwrap_err()
            .code();
        assert_eq!(code, "invalid_signature", "{}", vector["name"]);
    }
}
