#![no_main]
//! The gateway's `stepup.toml`: TOML parsing with unknown keys refused, rule
//! compilation (globs, methods, hosts, policies) and resolution into `Settings`
//! (public URL, issuer, lifetime, profile).
//!
//! Resolution reads the secret and key files the config names; every such path is
//! pointed at one fixed file first, so no input makes the target read a file of its
//! choosing (or block on one).

use std::path::PathBuf;

use stepup_gateway::{FileConfig, Settings};

/// A readable file of more than 32 bytes: stands in for the client secret and every
/// session key.
const KEY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fuzz_targets/gateway_config.rs"
);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut file) = FileConfig::from_toml(text) else {
        return;
    };
    let rules = file.rules();
    let key = PathBuf::from(KEY_FILE);
    if let Some(secret) = file.provider.client_secret_file.as_mut() {
        secret.clone_from(&key);
    }
    file.session.key_files.truncate(4);
    for path in &mut file.session.key_files {
        path.clone_from(&key);
    }
    if let Ok(settings) = Settings::resolve(&file, None) {
        // Resolution compiles the same rules as `rules()`.
        assert_eq!(rules.as_ref().ok(), Some(&settings.rules));
        for (method, path) in [("GET", "/"), ("HEAD", "/admin/x"), ("POST", "/api/v1/keys")] {
            let _ = settings.rule_for(Some("app.example.com"), method, path);
        }
    }
});
