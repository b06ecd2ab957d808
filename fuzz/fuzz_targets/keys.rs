#![no_main]
//! PEM, X.509, JWK and JWK Set parsing.
libfuzzer_sys::fuzz_target!(|data: &[u8]| stepup::__private::fuzz_keys(data));
