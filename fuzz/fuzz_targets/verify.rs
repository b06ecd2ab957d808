#![no_main]
//! The whole verifier on arbitrary tokens: must never panic, never accept.
libfuzzer_sys::fuzz_target!(|data: &[u8]| assert!(!stepup::__private::fuzz_verify(data)));
