#![no_main]
//! The hot path's JSON scanner against the serde_json reader it replaced: same
//! acceptance, same values, same error codes, for headers and payloads.
libfuzzer_sys::fuzz_target!(|data: &[u8]| stepup::__private::fuzz_differential(data));
