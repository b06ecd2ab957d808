//! The identity headers of an allowed request: `X-Stepup-Sub`, `X-Stepup-Email`,
//! `X-Stepup-Amr`, `X-Stepup-Acr`, `X-Stepup-Auth-Time`.
//!
//! Values come from tokens, so they are attacker-influenced: every byte that is not
//! visible ASCII, and `%` (and `,` inside an `amr` value), is percent-encoded
//! (RFC 3986), so no value can add a header or a line, and the encoding can be
//! reversed.

use http::{HeaderMap, HeaderName, HeaderValue};
use stepup_axum::Identity;

/// The header names, in the order they are set.
pub const IDENTITY_HEADERS: [&str; 5] = [
    "x-stepup-sub",
    "x-stepup-email",
    "x-stepup-amr",
    "x-stepup-acr",
    "x-stepup-auth-time",
];

/// Percent-encodes every byte outside visible ASCII, `%`, and the bytes in `extra`.
pub fn encode_value(value: &str, extra: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if (0x21..=0x7e).contains(&byte) && byte != b'%' && !extra.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The identity headers for `identity`; absent claims give no header.
pub fn identity_headers(identity: &Identity) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        // Encoded values are visible ASCII, which is always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-stepup-sub", encode_value(identity.sub(), &[]));
    if let Some(email) = identity.email() {
        set("x-stepup-email", encode_value(&email, &[]));
    }
    if !identity.amr().is_empty() {
        let amr: Vec<String> = identity
            .amr()
            .iter()
            .map(|value| encode_value(value, b","))
            .collect();
        set("x-stepup-amr", amr.join(","));
    }
    if let Some(acr) = identity.acr() {
        set("x-stepup-acr", encode_value(acr, &[]));
    }
    if let Some(auth_time) = identity.auth_time() {
        // Unix seconds as an integer; a fraction is dropped.
        set("x-stepup-auth-time", auth_time.as_secs().to_string());
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_visible_ascii_and_reversible() {
        assert_eq!(encode_value("alice", &[]), "alice");
        assert_eq!(
            encode_value("a b\r\nX-Evil: 1", &[]),
            "a%20b%0D%0AX-Evil:%201"
        );
        assert_eq!(encode_value("100%", &[]), "100%25");
        assert_eq!(encode_value("é", &[]), "%C3%A9");
        assert_eq!(encode_value("a,b", b","), "a%2Cb");
        assert_eq!(encode_value("a,b", &[]), "a,b");
    }
}
