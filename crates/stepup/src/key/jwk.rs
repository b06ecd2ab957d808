//! JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2) and JWK Sets.

use serde_json::{Map, Value};

use super::{Key, SkippedKey, coordinate_len, curve, problem};
use crate::alg::Alg;
use crate::crypto::VerifyingKey;
use crate::error::{Error, Part};
use crate::jws;

/// Depth limit for key documents; JWKs are flat.
const MAX_DEPTH: usize = 16;

/// Parses one JWK given on its own (`--key`). It must be usable for verification.
pub(super) fn parse_one(text: &str) -> Result<Key, Error> {
    let value = strict_json(text)?;
    let Value::Object(jwk) = value else {
        return Err(Error::invalid_key("a JWK must be a JSON object"));
    };
    if jwk.contains_key("keys") {
        return Err(Error::invalid_key(
            "this is a JWK Set; pass it as a key set (--jwks) rather than a single key",
        ));
    }
    // A single `oct` JWK given explicitly is a shared secret, with the same strength
    // rules as `--secret` and the same `use`/`key_ops`/`alg` checks as other JWKs;
    // inside a JWK Set it is never used.
    match parse_key(&jwk, Oct::Allowed)? {
        Ok(key) => Ok(key),
        Err(reason) => Err(Error::NoUsableKey { reason }),
    }
}

/// Parses a JWK Set: usable keys, and the skipped ones with reasons. Stops with
/// `too_many_keys` as soon as more than `max_keys` keys are usable, so that a huge
/// set costs no more than `max_keys + 1` key parses.
pub(super) fn parse_set(text: &str, max_keys: usize) -> Result<(Vec<Key>, Vec<SkippedKey>), Error> {
    let value = strict_json(text)?;
    let Some(Value::Array(entries)) = value.get("keys") else {
        return Err(Error::invalid_key(
            "a JWK Set must be a JSON object with a \"keys\" array",
        ));
    };
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries {
        let kid = entry.get("kid").and_then(Value::as_str).map(str::to_owned);
        let outcome = match entry {
            Value::Object(jwk) => parse_key(jwk, Oct::Refused),
            _ => Err(Error::invalid_key("a JWK must be a JSON object")),
        };
        match outcome {
            Ok(Ok(key)) => {
                keys.push(key);
                if keys.len() > max_keys {
                    return Err(Error::TooManyKeys {
                        listed: entries.len(),
                        max: max_keys,
                    });
                }
            }
            Ok(Err(reason)) => skipped.push(SkippedKey {
                kid,
                reason: Error::NoUsableKey { reason },
            }),
            Err(reason) => skipped.push(SkippedKey { kid, reason }),
        }
    }
    Ok((keys, skipped))
}

fn strict_json(text: &str) -> Result<Value, Error> {
    crate::json::check(text.as_bytes(), MAX_DEPTH, Part::Payload).map_err(|e| {
        Error::invalid_key(format!(
            "the key document is not strict JSON: {}",
            e.json_problem()
        ))
    })?;
    serde_json::from_str(text)
        .map_err(|e| Error::invalid_key(format!("the JWK JSON is invalid: {e}")))
}

/// Whether a symmetric (`oct`) JWK may be used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Oct {
    /// A single configured JWK: a shared secret.
    Allowed,
    /// A member of a JWK Set: never used.
    Refused,
}

/// Reads one JWK. `Ok(Err(reason))`: a well-formed key that is not for verification.
fn parse_key(jwk: &Map<String, Value>, oct: Oct) -> Result<Result<Key, String>, Error> {
    let text = |name: &str| -> Result<Option<&str>, Error> {
        match jwk.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::invalid_key(format!(
                "JWK member \"{name}\" must be a string"
            ))),
        }
    };
    let kid = text("kid")?.map(str::to_owned);
    let Some(kty) = text("kty")? else {
        return Err(Error::invalid_key("the JWK has no \"kty\""));
    };
    if kty == "oct" && oct == Oct::Refused {
        return Ok(Err(
            "symmetric (oct) keys in a JWK are never used; configure a shared secret instead"
                .into(),
        ));
    }
    if let Some(key_use) = text("use")?
        && key_use != "sig"
    {
        return Ok(Err(format!(
            "the key's \"use\" is {key_use:?}, not \"sig\""
        )));
    }
    if let Some(ops) = jwk.get("key_ops") {
        let allows_verify = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !allows_verify {
            return Ok(Err("the key's \"key_ops\" do not include \"verify\"".into()));
        }
    }
    if jwk.contains_key("d") {
        return Ok(Err(
            "the JWK holds private key material (\"d\"); publish and configure only public keys"
                .into(),
        ));
    }
    let alg = match text("alg")? {
        None => None,
        Some(name) => match name.parse::<Alg>() {
            Ok(alg) => Some(alg),
            Err(_) => return Ok(Err(format!("the key's \"alg\" {name:?} is not supported"))),
        },
    };
    let bytes = |name: &str| -> Result<Vec<u8>, Error> {
        let value = text(name)?
            .ok_or_else(|| Error::invalid_key(format!("the {kty} JWK has no \"{name}\"")))?;
        jws::decode(Part::Payload, value).map_err(|_| {
            Error::invalid_key(format!(
                "JWK member \"{name}\" is not canonical unpadded base64url"
            ))
        })
    };
    let material = match kty {
        "oct" => VerifyingKey::secret(&bytes("k")?).map_err(problem)?,
        "RSA" => VerifyingKey::rsa(&bytes("n")?, &bytes("e")?).map_err(problem)?,
        "EC" => {
            let crv = text("crv")?.unwrap_or("(none)");
            let Some(family) = curve(crv) else {
                return Ok(Err(format!("EC curve {crv:?} is not supported")));
            };
            let (x, y) = (bytes("x")?, bytes("y")?);
            let len = coordinate_len(family);
            if x.len() != len || y.len() != len {
                return Err(Error::invalid_key(format!(
                    "{crv} coordinates must be {len} bytes each, found {} and {}",
                    x.len(),
                    y.len()
                )));
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            VerifyingKey::ec(family, &point).map_err(problem)?
        }
        "OKP" => match text("crv")? {
            Some("Ed25519") => VerifyingKey::ed25519(&bytes("x")?).map_err(problem)?,
            crv => {
                return Ok(Err(format!(
                    "OKP curve {crv:?} is not supported (only Ed25519)"
                )));
            }
        },
        other => return Ok(Err(format!("key type {other:?} is not supported"))),
    };
    if let Some(alg) = alg
        && !material.permits(alg)
    {
        return Ok(Err(format!(
            "the key's \"alg\" {alg} does not fit {}",
            material.describe()
        )));
    }
    Ok(Ok(Key::new(kid, alg, material)))
}
