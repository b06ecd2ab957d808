#![no_main]
//! The session and login-flow cookies of stepup-axum: the `Cookie` header, base64url,
//! AES-256-GCM opening with key rotation, the sealed JSON and its checks. Tampered
//! cookies must never open (see `fuzz_session` for the input format).
libfuzzer_sys::fuzz_target!(|data: &[u8]| stepup_axum::__private::fuzz_session(data));
