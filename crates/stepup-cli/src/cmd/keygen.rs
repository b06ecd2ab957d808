//! `stepup keygen`: generate a key pair and write private.pem, public.pem and jwks.json.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stepup::generate_key;

use super::{Exit, Failure, written};
use crate::args::KeygenArgs;
use crate::output;

/// The files keygen writes, in order.
const PRIVATE: &str = "private.pem";
const PUBLIC: &str = "public.pem";
const JWKS: &str = "jwks.json";

/// Runs `stepup keygen`.
pub(crate) fn run(args: &KeygenArgs) -> Result<Exit, Failure> {
    let generated = generate_key(args.kind)?;
    let mut jwks = generated.jwks;
    let kid = match &args.kid {
        Some(kid) => {
            set_kid(&mut jwks, kid);
            kid.clone()
        }
        None => generated.kid,
    };
    let jwks_text = format!(
        "{}\n",
        serde_json::to_string_pretty(&jwks).unwrap_or_else(|_| jwks.to_string())
    );
    // PEM text with LF line ends, as OpenSSL writes it (the encoder uses CRLF).
    let private = String::from_utf8_lossy(generated.private_pem.expose()).replace("\r\n", "\n");
    let public = generated.public_pem.replace("\r\n", "\n");
    if args.stdout {
        written(output::raw(&private))?;
        written(output::raw(&public))?;
        written(output::raw(&jwks_text))?;
        return Ok(Exit::Success);
    }
    let dir = args.out_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let paths = [PRIVATE, PUBLIC, JWKS].map(|name| dir.join(name));
    if !args.force {
        // Check all three first so a refusal leaves nothing half-written.
        if let Some(existing) = paths.iter().find(|path| path.exists()) {
            return Err(Failure::config(
                "file_exists",
                format!(
                    "{} already exists; choose another --out-dir or pass --force to overwrite",
                    existing.display()
                ),
            ));
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::config(
            "file_unwritable",
            format!("cannot create directory {}: {e}", dir.display()),
        )
    })?;
    let [private_path, public_path, jwks_path] = &paths;
    write_file(private_path, private.as_bytes(), true, args.force)?;
    write_file(public_path, public.as_bytes(), false, args.force)?;
    write_file(jwks_path, jwks_text.as_bytes(), false, args.force)?;
    let summary = format!(
        "kid          {}\nalg          {}\nprivate key  {} (keep it secret)\npublic key   {}\nJWKS         {}",
        output::clean(&kid),
        generated.alg,
        private_path.display(),
        public_path.display(),
        jwks_path.display(),
    );
    written(output::line(&summary))?;
    Ok(Exit::Success)
}

/// Replaces the `kid` of every key in the set (keygen makes exactly one).
fn set_kid(jwks: &mut Value, kid: &str) {
    if let Some(keys) = jwks.get_mut("keys").and_then(Value::as_array_mut) {
        for key in keys {
            if let Some(key) = key.as_object_mut() {
                key.insert("kid".into(), json!(kid));
            }
        }
    }
}

/// Writes a file, refusing to replace one unless `overwrite`; a private file gets
/// mode 0600 on Unix (also when an existing file is overwritten).
fn write_file(path: &Path, contents: &[u8], private: bool, overwrite: bool) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        Failure::config(
            "file_unwritable",
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    if private {
        // `mode` applies only to new files; an overwritten one keeps its old mode.
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    file.write_all(contents).map_err(fail)?;
    file.sync_all().map_err(fail)
}
