#![no_main]
//! OpenID Connect discovery documents: the issuer's well-known URL, the strict JSON
//! check, the issuer match and the endpoint URLs (`discover` after the fetch).
//! Input: the issuer, a newline, the document.
libfuzzer_sys::fuzz_target!(|data: &[u8]| stepup::__private::fuzz_discovery(data));
