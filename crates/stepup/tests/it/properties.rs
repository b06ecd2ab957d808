//! Property tests: arbitrary input never panics and is never accepted.

use proptest::prelude::*;
use stepup::{KeySet, Secret, UnixTime, Verifier};

fn verifier() -> Verifier {
    let secret = Secret::new("0123456789abcdef0123456789abcdef");
    Verifier::builder("https://op", "c", KeySet::from_secret(&secret).unwrap())
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any string: an error (never a panic, never acceptance without the key).
    #[test]
    fn arbitrary_strings_are_rejected(token in ".{0,300}") {
        prop_assert!(verifier().verify(&token, UnixTime::from_secs(0)).is_err());
    }

    /// Three base64url-looking parts built from arbitrary JSON-ish bytes.
    #[test]
    fn arbitrary_parts_are_rejected(
        header in proptest::collection::vec(any::<u8>(), 0..80),
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        sig in proptest::collection::vec(any::<u8>(), 0..70),
    ) {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!("{}.{}.{}", e.encode(&header), e.encode(&payload), e.encode(&sig));
        prop_assert!(verifier().verify(&token, UnixTime::from_secs(0)).is_err());
    }

    /// Structured JSON headers around a valid payload: parsing never panics.
    #[test]
    fn json_like_headers_never_panic(header in r#"\{("[a-z]{1,4}":("[A-Za-z0-9+]{0,8}"|[0-9]{1,3}|\[\]|\{\}|null|true),?){0,6}\}"#) {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = format!("{}.{}.{}", e.encode(&header), e.encode(br#"{"iss":"https://op"}"#), e.encode([0u8; 32]));
        prop_assert!(verifier().verify(&token, UnixTime::from_secs(0)).is_err());
    }

    /// Key parsers never panic on arbitrary text.
    #[test]
    fn key_parsers_never_panic(text in ".{0,200}") {
        stepup::__private::fuzz_keys(text.as_bytes());
        stepup::__private::fuzz_token(text.as_bytes());
    }
}
