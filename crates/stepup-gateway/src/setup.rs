//! From the file to what runs: secrets read, keys checked, the public URL parsed
//! (the second step of config resolution; every mistake names its key).

use std::path::Path;

use stepup::{Profile, Secret};
use stepup_axum::{ClientAuth, SessionKeys};

use crate::config::{ClientAuthName, ConfigError, FileConfig, Rule};

/// The environment variable that may hold the client secret.
pub const CLIENT_SECRET_ENV: &str = "STEPUP_CLIENT_SECRET";

/// A configuration with secrets loaded and rules compiled.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen.
    pub listen: std::net::SocketAddr,
    /// The public URL's origin, e.g. `https://app.example.com` (no trailing slash).
    pub public_origin: String,
    /// Whether browsers reach the app over https (the cookie is then `Secure`).
    pub secure: bool,
    /// The issuer.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// The client secret; `None` for a public client.
    pub client_secret: Option<Secret>,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// The provider profile.
    pub profile: Profile,
    /// The session keys.
    pub session_keys: SessionKeys,
    /// Session lifetime in seconds.
    pub lifetime: u64,
    /// The rules, first match wins.
    pub rules: Vec<Rule>,
}

impl Settings {
    /// Resolves `file`: reads the secret (file, else `STEPUP_CLIENT_SECRET` from
    /// `env_secret`) and the session keys, compiles the rules.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key: `public_url`, `provider.client_secret_file`,
    /// `session.key_files[i]`, `session.lifetime`, `rule[i].…`.
    pub fn resolve(file: &FileConfig, env_secret: Option<String>) -> Result<Self, ConfigError> {
        let error = |key: &str, reason: String| ConfigError {
            key: key.to_owned(),
            reason,
        };
        let url = url::Url::parse(&file.public_url).map_err(|e| {
            error(
                "public_url",
                format!("{:?} is not an absolute URL ({e})", file.public_url),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https")
            || url.path() != "/"
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(error(
                "public_url",
                format!(
                    "{:?} must be the origin where browsers reach the app, such as \
                     \"https://app.example.com\" (no path, query or user)",
                    file.public_url
                ),
            ));
        }
        // The core's rule (https, or http only to loopback), and no query or fragment.
        let issuer = stepup::checked_url(&file.provider.issuer)
            .ok()
            .filter(|issuer| issuer.query().is_none() && issuer.fragment().is_none());
        if issuer.is_none() {
            return Err(error(
                "provider.issuer",
                format!(
                    "{:?} must be the provider's issuer URL exactly as it publishes it: \
                     https (plain http only to localhost or 127.0.0.1), no query or fragment",
                    file.provider.issuer
                ),
            ));
        }
        let client_secret = match &file.provider.client_secret_file {
            Some(path) => Some(read_secret(path, "provider.client_secret_file", 1)?),
            None => match env_secret {
                Some(value) if value.is_empty() => {
                    return Err(error(
                        CLIENT_SECRET_ENV,
                        "is set but empty; unset it for a public client".into(),
                    ));
                }
                Some(value) => Some(Secret::new(value)),
                None => None,
            },
        };
        let mut keys = Vec::new();
        for (index, path) in file.session.key_files.iter().enumerate() {
            let key = format!("session.key_files[{index}]");
            keys.push(read_secret(path, &key, stepup_axum::MIN_SESSION_KEY_LEN)?);
        }
        if keys.is_empty() {
            return Err(error(
                "session.key_files",
                "list at least one file of 32 or more random bytes \
                 (e.g. `openssl rand -base64 32 > session-key`)"
                    .into(),
            ));
        }
        let session_keys = SessionKeys::new(keys.iter().map(Secret::expose))
            .map_err(|e| error("session.key_files", e.to_string()))?;
        if file.session.lifetime == 0 || file.session.lifetime > 366 * 86_400 {
            return Err(error(
                "session.lifetime",
                format!(
                    "{} seconds: use between 1 second and one year (default 43200, 12 hours)",
                    file.session.lifetime
                ),
            ));
        }
        let profile: Profile = file
            .provider
            .profile
            .parse()
            .map_err(|e: stepup::Error| error("provider.profile", e.to_string()))?;
        Ok(Self {
            listen: file.listen,
            public_origin: url.origin().ascii_serialization(),
            secure: url.scheme() == "https",
            issuer: file.provider.issuer.clone(),
            client_id: file.provider.client_id.clone(),
            client_secret,
            client_auth: match file.provider.client_auth {
                ClientAuthName::ClientSecretBasic => ClientAuth::SecretBasic,
                ClientAuthName::ClientSecretPost => ClientAuth::SecretPost,
            },
            profile,
            session_keys,
            lifetime: file.session.lifetime,
            rules: file.rules()?,
        })
    }

    /// The first rule that covers the request, if any.
    pub fn rule_for(&self, host: Option<&str>, method: &str, path: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|rule| rule.matches(host, method, path))
    }
}

/// A secret file's contents with one trailing newline dropped; at least `min` bytes.
fn read_secret(path: &Path, key: &str, min: usize) -> Result<Secret, ConfigError> {
    let error = |reason: String| ConfigError {
        key: key.to_owned(),
        reason,
    };
    let mut bytes = std::fs::read(path).map_err(|e| {
        error(format!(
            "cannot read {}: {e}; check the path (relative paths are relative to the \
             configuration file) and that this user may read the file",
            path.display()
        ))
    })?;
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    if bytes.len() < min {
        return Err(error(format!(
            "{} holds {} bytes; it needs at least {min}{}",
            path.display(),
            bytes.len(),
            if min > 1 {
                " (e.g. `openssl rand -base64 32 > FILE`)"
            } else {
                ""
            }
        )));
    }
    Ok(Secret::new(bytes))
}
