#![no_main]
//! Compact JWS splitting, base64url, strict header and claims JSON.
libfuzzer_sys::fuzz_target!(|data: &[u8]| stepup::__private::fuzz_token(data));
