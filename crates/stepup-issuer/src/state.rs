//! Files in the state directory: generated credentials, keys, sessions.
//!
//! Every file is JSON, written whole to a temporary file and renamed into place, with
//! owner-only permissions on Unix since they hold private keys and secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Generated credentials for users and clients whose configuration left them out.
pub(crate) const CREDENTIALS_FILE: &str = "credentials.json";
/// The signing keys.
pub(crate) const KEYS_FILE: &str = "keys.json";
/// Login sessions (hashed ids).
pub(crate) const SESSIONS_FILE: &str = "sessions.json";

/// Generated secrets, kept so a restart (and an authenticator app) keeps working.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Credentials {
    #[serde(default)]
    pub(crate) users: BTreeMap<String, StoredUser>,
    #[serde(default)]
    pub(crate) clients: BTreeMap<String, StoredClient>,
}

/// A user's generated password and TOTP secret.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) totp_secret: Option<String>,
}

/// A client's generated secret.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredClient {
    pub(crate) client_secret: String,
}

/// Creates the state directory (owner-only on Unix) if needed.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(Error::io(dir))
}

/// Reads a JSON state file; `None` if it does not exist.
pub(crate) fn read<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path)(e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::StateInvalid {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

/// Writes a JSON state file atomically, readable by the owner only.
pub(crate) fn write<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::StateInvalid {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let tmp = temp_path(path);
    {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(Error::io(&tmp))?;
        file.write_all(&bytes).map_err(Error::io(&tmp))?;
        file.sync_all().map_err(Error::io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(Error::io(path))
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    // Unique per process and write, so concurrent writers never share a temporary file.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    name.push(format!(".{}.{n}.tmp", std::process::id()));
    path.with_file_name(name)
}
