//! The provider's signing keys: created at first start, kept in `keys.json`, rotated on demand.
//!
//! There is one active key per algorithm family (RSA 2048 for RS256, P-256 for ES256,
//! Ed25519 for EdDSA). Rotation adds a new active key for each and demotes the current
//! ones to *retiring*: still published in the JWKS, so tokens they signed keep verifying,
//! but no longer used to sign. The next rotation removes the retiring keys.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stepup::{KeyKind, SigningKey, UnixTime};

use crate::config::SigningAlg;
use crate::error::Error;
use crate::state::{self, KEYS_FILE};

/// What [`rotate_keys`](crate::rotate_keys) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRotation {
    /// The new signing keys' ids (now used to sign).
    pub added: Vec<String>,
    /// Keys demoted: still published in the JWKS, no longer used to sign.
    pub retiring: Vec<String>,
    /// Keys removed from the JWKS (they were retiring since the previous rotation).
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Active,
    Retiring,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredKey {
    kid: String,
    alg: SigningAlg,
    status: Status,
    created: i64,
    private_pem: String,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

/// The asymmetric algorithms the provider holds keys for.
const FAMILIES: [(SigningAlg, KeyKind); 3] = [
    (SigningAlg::RS256, KeyKind::Rsa2048),
    (SigningAlg::ES256, KeyKind::P256),
    (SigningAlg::EdDSA, KeyKind::Ed25519),
];

/// Adds a new key for every family and demotes or removes the older ones.
pub(crate) fn rotate(state_dir: &Path) -> Result<KeyRotation, Error> {
    state::ensure_dir(state_dir)?;
    let path = state_dir.join(KEYS_FILE);
    let mut file: KeyFile = state::read(&path)?.unwrap_or_default();
    let mut rotation = KeyRotation {
        added: Vec::new(),
        retiring: Vec::new(),
        removed: Vec::new(),
    };
    file.keys.retain(|key| {
        let keep = key.status == Status::Active;
        if !keep {
            rotation.removed.push(key.kid.clone());
        }
        keep
    });
    for key in &mut file.keys {
        key.status = Status::Retiring;
        rotation.retiring.push(key.kid.clone());
    }
    for (alg, kind) in FAMILIES {
        let key = generate(alg, kind)?;
        rotation.added.push(key.kid.clone());
        file.keys.push(key);
    }
    state::write(&path, &file)?;
    Ok(rotation)
}

fn generate(alg: SigningAlg, kind: KeyKind) -> Result<StoredKey, Error> {
    let generated = stepup::generate_key(kind)?;
    let pem = String::from_utf8(generated.private_pem.expose().to_vec())
        .map_err(|_| Error::config("a generated private key is not UTF-8 PEM"))?;
    Ok(StoredKey {
        kid: generated.kid,
        alg,
        status: Status::Active,
        created: UnixTime::now().as_secs(),
        private_pem: pem,
    })
}

/// The keys as loaded: signers for the active keys, and the published JWKS.
pub(crate) struct KeyRing {
    active: Vec<SigningKey>,
    jwks: Value,
}

impl KeyRing {
    /// The active key signing `alg` (RS256, ES256 or EdDSA).
    pub(crate) fn signer(&self, alg: SigningAlg) -> Option<&SigningKey> {
        self.active.iter().find(|key| key.alg() == alg.alg())
    }

    /// The public JWK Set: active keys, then retiring ones.
    pub(crate) fn jwks(&self) -> &Value {
        &self.jwks
    }

    fn from_file(path: &Path, file: &KeyFile) -> Result<Self, Error> {
        let invalid = |reason: String| Error::StateInvalid {
            path: path.to_owned(),
            reason,
        };
        let mut active = Vec::new();
        let mut published = Vec::new();
        for status in [Status::Active, Status::Retiring] {
            for stored in file.keys.iter().filter(|key| key.status == status) {
                if stored.alg == SigningAlg::HS256 {
                    return Err(invalid(format!("key {:?} claims HS256", stored.kid)));
                }
                let key = SigningKey::from_pem(&stored.private_pem, Some(stored.alg.alg()))
                    .map_err(|e| invalid(format!("key {:?}: {e}", stored.kid)))?
                    .with_kid(stored.kid.clone());
                let jwk = key
                    .public_jwk()
                    .ok_or_else(|| invalid(format!("key {:?} has no public key", stored.kid)))?;
                published.push(jwk);
                if status == Status::Active {
                    active.push(key);
                }
            }
        }
        for (alg, _) in FAMILIES {
            if !active.iter().any(|key| key.alg() == alg.alg()) {
                return Err(invalid(format!("no active {alg} key")));
            }
        }
        Ok(Self {
            active,
            jwks: json!({ "keys": published }),
        })
    }
}

/// The key ring of a running provider, reloaded when `keys.json` changes on disk (so
/// `stepup issuer rotate-keys` in another terminal is picked up without a restart).
pub(crate) struct KeyStore {
    path: PathBuf,
    loaded: RwLock<Loaded>,
}

struct Loaded {
    stamp: Option<Stamp>,
    ring: Arc<KeyRing>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
        inode,
    })
}

impl KeyStore {
    /// Loads `keys.json` from the state directory, creating keys at first start and
    /// adding any missing family.
    pub(crate) fn open(state_dir: &Path) -> Result<Self, Error> {
        let path = state_dir.join(KEYS_FILE);
        let mut file: KeyFile = state::read(&path)?.unwrap_or_default();
        let mut changed = false;
        for (alg, kind) in FAMILIES {
            if !file
                .keys
                .iter()
                .any(|key| key.alg == alg && key.status == Status::Active)
            {
                file.keys.push(generate(alg, kind)?);
                changed = true;
            }
        }
        if changed {
            state::write(&path, &file)?;
        }
        let ring = KeyRing::from_file(&path, &file)?;
        Ok(Self {
            loaded: RwLock::new(Loaded {
                stamp: stamp(&path),
                ring: Arc::new(ring),
            }),
            path,
        })
    }

    /// The current key ring, reloaded first if the file changed. A file that fails to
    /// load keeps the previous ring in service.
    pub(crate) fn ring(&self) -> Arc<KeyRing> {
        let now = stamp(&self.path);
        if let Ok(loaded) = self.loaded.read()
            && loaded.stamp == now
        {
            return Arc::clone(&loaded.ring);
        }
        let reloaded = state::read::<KeyFile>(&self.path)
            .ok()
            .flatten()
            .and_then(|file| KeyRing::from_file(&self.path, &file).ok());
        match self.loaded.write() {
            Ok(mut loaded) => {
                if let Some(ring) = reloaded {
                    loaded.ring = Arc::new(ring);
                }
                loaded.stamp = now;
                Arc::clone(&loaded.ring)
            }
            Err(poisoned) => Arc::clone(&poisoned.into_inner().ring),
        }
    }

    /// Rotates the keys and reloads them.
    pub(crate) fn rotate(&self) -> Result<KeyRotation, Error> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let rotation = rotate(dir)?;
        let _ = self.ring();
        Ok(rotation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_open_creates_three_keys_and_rotation_retires_in_two_steps() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path()).unwrap();
        let first = store.ring();
        assert_eq!(first.jwks()["keys"].as_array().unwrap().len(), 3);
        let rs_kid = first
            .signer(SigningAlg::RS256)
            .unwrap()
            .kid()
            .unwrap()
            .to_owned();

        let rotation = store.rotate().unwrap();
        assert_eq!(rotation.added.len(), 3);
        assert!(rotation.retiring.contains(&rs_kid));
        assert!(rotation.removed.is_empty());
        let second = store.ring();
        assert_eq!(second.jwks()["keys"].as_array().unwrap().len(), 6);
        assert_ne!(
            second.signer(SigningAlg::RS256).unwrap().kid(),
            Some(rs_kid.as_str())
        );

        let rotation = rotate(dir.path()).unwrap();
        assert!(rotation.removed.contains(&rs_kid));
        // Written by "another process": picked up through the file stamp.
        let third = store.ring();
        let kids: Vec<&str> = third.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids.len(), 6);
        assert!(!kids.contains(&rs_kid.as_str()));

        // Reopening keeps the same keys.
        let reopened = KeyStore::open(dir.path()).unwrap();
        assert_eq!(reopened.ring().jwks(), third.jwks());
    }
}
