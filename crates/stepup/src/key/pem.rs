//! PEM public keys: SubjectPublicKeyInfo, PKCS#1 RSA, and X.509 certificates.

use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoRef;

use super::{Key, curve, problem};
use crate::crypto::VerifyingKey;
use crate::error::Error;

const RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("1.3.101.112");
const P256: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Parses exactly one PEM block holding a public key or certificate.
pub(super) fn parse(text: &str) -> Result<Key, Error> {
    let blocks = ::pem::parse_many(text)
        .map_err(|e| Error::invalid_key(format!("the PEM text cannot be read: {e}")))?;
    let [block] = blocks.as_slice() else {
        return Err(Error::invalid_key(format!(
            "the PEM text holds {} blocks; give exactly one public key or certificate",
            blocks.len()
        )));
    };
    let material = match block.tag() {
        "PUBLIC KEY" => spki_key(block.contents())?,
        "RSA PUBLIC KEY" => rsa_pkcs1(block.contents())?,
        "CERTIFICATE" => {
            let cert = x509_cert::Certificate::from_der(block.contents()).map_err(|e| {
                Error::invalid_key(format!("the X.509 certificate cannot be parsed: {e}"))
            })?;
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| {
                    Error::invalid_key(format!("the certificate's key cannot be read: {e}"))
                })?;
            spki_key(&spki)?
        }
        tag if tag.contains("PRIVATE KEY") => {
            return Err(Error::invalid_key(format!(
                "this is a {tag}; give the public key instead (stepup keygen writes both)"
            )));
        }
        tag => {
            return Err(Error::invalid_key(format!(
                "unexpected PEM block {tag:?}; expected PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE"
            )));
        }
    };
    Ok(Key::new(None, None, material))
}

/// Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
pub(crate) fn spki_key(der: &[u8]) -> Result<VerifyingKey, Error> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| {
        Error::invalid_key(format!("the SubjectPublicKeyInfo cannot be parsed: {e}"))
    })?;
    let Some(bits) = info.subject_public_key.as_bytes() else {
        return Err(Error::invalid_key(
            "the public key bit string has unused bits",
        ));
    };
    match info.algorithm.oid {
        RSA_ENCRYPTION => rsa_pkcs1(bits),
        RSASSA_PSS => Err(Error::invalid_key(
            "RSASSA-PSS-restricted keys (OID 1.2.840.113549.1.1.10) are not supported; export the key as rsaEncryption",
        )),
        EC_PUBLIC_KEY => {
            let params = info
                .algorithm
                .parameters_oid()
                .map_err(|_| Error::invalid_key("the EC key does not name its curve"))?;
            let family = match params {
                P256 => curve("P-256"),
                P384 => curve("P-384"),
                P521 => curve("P-521"),
                other => {
                    return Err(Error::invalid_key(format!(
                        "EC curve {other} is not supported; use P-256, P-384 or P-521"
                    )));
                }
            };
            let family = family.ok_or_else(|| Error::invalid_key("unknown curve"))?;
            VerifyingKey::ec(family, bits).map_err(problem)
        }
        ED25519 => VerifyingKey::ed25519(bits).map_err(problem),
        other => Err(Error::invalid_key(format!(
            "public key algorithm {other} is not supported; use RSA, EC P-256/384/521 or Ed25519"
        ))),
    }
}

fn rsa_pkcs1(der: &[u8]) -> Result<VerifyingKey, Error> {
    let key = pkcs1::RsaPublicKey::from_der(der)
        .map_err(|e| Error::invalid_key(format!("the RSA public key cannot be parsed: {e}")))?;
    VerifyingKey::rsa(key.modulus.as_bytes(), key.public_exponent.as_bytes()).map_err(problem)
}

/// The public JWK members (`kty` and key members) of a DER SubjectPublicKeyInfo,
/// in RFC 7638 order, as (name, value) pairs.
pub(crate) fn jwk_members(der: &[u8]) -> Option<Vec<(&'static str, String)>> {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| crate::jws::B64.encode(bytes);
    let info = SubjectPublicKeyInfoRef::from_der(der).ok()?;
    let bits = info.subject_public_key.as_bytes()?;
    match info.algorithm.oid {
        RSA_ENCRYPTION => {
            let key = pkcs1::RsaPublicKey::from_der(bits).ok()?;
            Some(vec![
                ("e", b64(key.public_exponent.as_bytes())),
                ("kty", "RSA".into()),
                ("n", b64(key.modulus.as_bytes())),
            ])
        }
        EC_PUBLIC_KEY => {
            let crv = match info.algorithm.parameters_oid().ok()? {
                P256 => "P-256",
                P384 => "P-384",
                P521 => "P-521",
                _ => return None,
            };
            let coordinates = bits.strip_prefix(&[4])?;
            let (x, y) = coordinates.split_at(coordinates.len() / 2);
            Some(vec![
                ("crv", crv.into()),
                ("kty", "EC".into()),
                ("x", b64(x)),
                ("y", b64(y)),
            ])
        }
        ED25519 => Some(vec![
            ("crv", "Ed25519".into()),
            ("kty", "OKP".into()),
            ("x", b64(bits)),
        ]),
        _ => None,
    }
}
