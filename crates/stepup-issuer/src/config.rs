//! The provider's configuration: users, clients, issuer URL and lifetimes (TOML).

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The whole configuration of the development provider.
///
/// Read from TOML with [`IssuerConfig::from_toml`] or [`IssuerConfig::load`]; unknown
/// fields are rejected. [`IssuerConfig::default`] is the demo setup: users `alice` and
/// `bob` (password and TOTP generated at first start and kept in the state directory) and
/// one confidential client `demo-app`.
///
/// ```
/// let config = stepup_issuer::IssuerConfig::from_toml(r#"
///     issuer = "http://127.0.0.1:9000"
///
///     [[users]]
///     username = "carol"
///     password = "correct horse battery staple"
///     totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
///
///     [[clients]]
///     client_id = "my-app"
///     client_secret = "a-client-secret-of-at-least-32-bytes"
///     redirect_uris = ["http://127.0.0.1:3000/callback"]
///     id_token_signed_response_alg = "ES256"
/// "#)?;
/// assert_eq!(config.users[0].username, "carol");
/// # Ok::<(), stepup_issuer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The issuer URL (`iss` of every token, base of every endpoint). Default:
    /// `http://<listen address>` (`127.0.0.1` when listening on all interfaces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Seconds an ID token is valid. Default 3600.
    #[serde(default = "default_token_lifetime")]
    pub id_token_lifetime: u64,
    /// Seconds an access token is valid. Default 3600.
    #[serde(default = "default_token_lifetime")]
    pub access_token_lifetime: u64,
    /// Seconds a login session at the provider lasts. Default 8 hours.
    #[serde(default = "default_session_lifetime")]
    pub session_lifetime: u64,
    /// Failed logins (password or TOTP) allowed per username and client address within
    /// [`failed_login_window`](Self::failed_login_window) before further tries are refused.
    /// Default 5. A try is counted as it starts, so concurrent guesses cannot exceed it.
    #[serde(default = "default_max_failed_logins")]
    pub max_failed_logins: u32,
    /// Failed logins (password or TOTP) allowed per username from all client addresses
    /// together within [`failed_login_window`](Self::failed_login_window), so that
    /// guesses spread over many addresses stop too. Default 10: two addresses' worth of
    /// [`max_failed_logins`](Self::max_failed_logins). Reaching it locks the account for
    /// everyone until the window passes, the person who owns it included.
    #[serde(default = "default_max_failed_logins_per_account")]
    pub max_failed_logins_per_account: u32,
    /// The window, in seconds, over which failed logins are counted. Default 300.
    #[serde(default = "default_failed_login_window")]
    pub failed_login_window: u64,
    /// Serve the `/try` page, a built-in client (id `stepup-try`) that shows the ID
    /// token and step-up decision in the browser. Default true.
    #[serde(default = "default_true")]
    pub try_client: bool,
    /// The users who can log in.
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// The registered clients (relying parties).
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
}

/// One user account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The login name, also used as `sub`.
    pub username: String,
    /// The password in clear text (hashed with Argon2id at start, never kept in clear in
    /// memory). Omit both this and `password_hash` to have one generated at first start
    /// and kept in the state directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The password as an Argon2 PHC string (`$argon2id$v=19$...`), instead of `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Whether the user has a TOTP second factor. Default true.
    #[serde(default = "default_true")]
    pub totp: bool,
    /// The TOTP secret, base32 (RFC 4648, as in `otpauth://` URIs). Omit to have one
    /// generated at first start and kept in the state directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// The `name` claim (scope `profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The `email` claim (scope `email`), reported as verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserConfig")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("password_hash", &self.password_hash)
            .field("totp", &self.totp)
            .field(
                "totp_secret",
                &self.totp_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("name", &self.name)
            .field("email", &self.email)
            .finish()
    }
}

/// The shortest `client_secret` accepted, in bytes: 256 bits, as much as a generated
/// secret has. Every confidential client needs it, not only HS256 ones (whose ID tokens
/// are keyed with the secret, OIDC Core §10.1, and need the SHA-256 output size, RFC 7518
/// §3.2): a short secret can be guessed at the token endpoint, which has no lockout.
pub const MIN_CLIENT_SECRET_LEN: usize = 32;

/// One registered client (relying party).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// The client id (`aud` of its ID tokens).
    pub client_id: String,
    /// The client secret of a confidential client: at least
    /// [`MIN_CLIENT_SECRET_LEN`] (32) bytes. Omit to have one generated at first start
    /// and kept in the state directory. Must be absent for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// A public client (no secret; PKCE with S256 is then required). Default false.
    #[serde(default)]
    pub public: bool,
    /// A display name shown on the login page. Default: the client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The redirect URIs, matched exactly (no wildcards, no prefix match).
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send the browser back to, matched exactly.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// How ID tokens for this client are signed. Default RS256.
    #[serde(default)]
    pub id_token_signed_response_alg: SigningAlg,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("public", &self.public)
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("post_logout_redirect_uris", &self.post_logout_redirect_uris)
            .field(
                "id_token_signed_response_alg",
                &self.id_token_signed_response_alg,
            )
            .finish()
    }
}

/// The algorithms the provider signs ID tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 and the provider's RSA 2048 key.
    #[default]
    RS256,
    /// ECDSA P-256 with SHA-256 and the provider's P-256 key.
    ES256,
    /// Ed25519 with the provider's Ed25519 key.
    EdDSA,
    /// HMAC SHA-256 keyed with the client secret (OIDC Core §10.1).
    HS256,
}

impl SigningAlg {
    /// Every algorithm, in the order discovery lists them.
    pub const ALL: [Self; 4] = [Self::RS256, Self::ES256, Self::EdDSA, Self::HS256];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
            Self::HS256 => "HS256",
        }
    }

    pub(crate) fn alg(self) -> stepup::Alg {
        match self {
            Self::RS256 => stepup::Alg::RS256,
            Self::ES256 => stepup::Alg::ES256,
            Self::EdDSA => stepup::Alg::EdDSA,
            Self::HS256 => stepup::Alg::HS256,
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn default_true() -> bool {
    true
}
fn default_token_lifetime() -> u64 {
    3600
}
fn default_session_lifetime() -> u64 {
    8 * 3600
}
fn default_max_failed_logins() -> u32 {
    5
}
fn default_max_failed_logins_per_account() -> u32 {
    10
}
fn default_failed_login_window() -> u64 {
    300
}

/// The demo setup: `alice` and `bob` with generated credentials, client `demo-app`.
impl Default for IssuerConfig {
    fn default() -> Self {
        let user = |username: &str, name: &str| UserConfig {
            username: username.into(),
            password: None,
            password_hash: None,
            totp: true,
            totp_secret: None,
            name: Some(name.into()),
            email: Some(format!("{username}@example.com")),
        };
        Self {
            issuer: None,
            id_token_lifetime: default_token_lifetime(),
            access_token_lifetime: default_token_lifetime(),
            session_lifetime: default_session_lifetime(),
            max_failed_logins: default_max_failed_logins(),
            max_failed_logins_per_account: default_max_failed_logins_per_account(),
            failed_login_window: default_failed_login_window(),
            try_client: true,
            users: vec![user("alice", "Alice Example"), user("bob", "Bob Example")],
            clients: vec![ClientConfig {
                client_id: "demo-app".into(),
                client_secret: None,
                public: false,
                name: Some("stepup demo app".into()),
                redirect_uris: vec![
                    "http://127.0.0.1:3000/callback".into(),
                    "http://localhost:3000/callback".into(),
                ],
                post_logout_redirect_uris: vec![
                    "http://127.0.0.1:3000/".into(),
                    "http://localhost:3000/".into(),
                ],
                id_token_signed_response_alg: SigningAlg::RS256,
            }],
        }
    }
}

impl IssuerConfig {
    /// Parses TOML text (unknown fields are errors) and checks it.
    ///
    /// # Errors
    /// `config_syntax` for TOML or field errors, `invalid_config` for inconsistencies.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        Self::parse(text, "<string>")
    }

    /// Reads and checks a TOML file.
    ///
    /// # Errors
    /// `config_syntax` if the file cannot be read or parsed, `invalid_config` for
    /// inconsistencies.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ConfigSyntax {
            path: path.display().to_string(),
            reason: source.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, path: &str) -> Result<Self, Error> {
        let config: Self = toml::from_str(text).map_err(|e| Error::ConfigSyntax {
            path: path.into(),
            reason: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the configuration for mistakes that would otherwise show on the first request.
    ///
    /// # Errors
    /// `invalid_config` naming the first problem found.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(issuer) = &self.issuer {
            let url = url::Url::parse(issuer)
                .map_err(|e| Error::config(format!("issuer {issuer:?} is not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https")
                || url.query().is_some()
                || url.fragment().is_some()
            {
                return Err(Error::config(format!(
                    "issuer {issuer:?} must be an http(s) URL without query or fragment"
                )));
            }
        }
        for (what, value) in [
            ("id_token_lifetime", self.id_token_lifetime),
            ("access_token_lifetime", self.access_token_lifetime),
            ("session_lifetime", self.session_lifetime),
            ("failed_login_window", self.failed_login_window),
        ] {
            if value == 0 || value > 366 * 86_400 {
                return Err(Error::config(format!(
                    "{what} = {value}: use a number of seconds between 1 and one year"
                )));
            }
        }
        if self.max_failed_logins == 0 {
            return Err(Error::config("max_failed_logins must be at least 1"));
        }
        if self.max_failed_logins_per_account == 0 {
            return Err(Error::config(
                "max_failed_logins_per_account must be at least 1",
            ));
        }
        if self.users.is_empty() {
            return Err(Error::config("no [[users]]: declare at least one user"));
        }
        if self.clients.is_empty() {
            return Err(Error::config("no [[clients]]: declare at least one client"));
        }
        let mut seen = HashSet::new();
        for user in &self.users {
            let name = &user.username;
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                return Err(Error::config(format!(
                    "username {name:?} must be 1 to 64 characters without control characters"
                )));
            }
            if !seen.insert(name.to_lowercase()) {
                return Err(Error::config(format!(
                    "username {name:?} is declared twice (usernames are case-insensitive)"
                )));
            }
            if user.password.is_some() && user.password_hash.is_some() {
                return Err(Error::config(format!(
                    "user {name:?} has both password and password_hash; keep one"
                )));
            }
            if let Some(hash) = &user.password_hash {
                crate::password::check_hash_format(hash).map_err(|reason| {
                    Error::config(format!("user {name:?}: password_hash {reason}"))
                })?;
            }
            if let Some(secret) = &user.totp_secret {
                if !user.totp {
                    return Err(Error::config(format!(
                        "user {name:?} has totp = false and a totp_secret; remove one"
                    )));
                }
                crate::totp::decode_secret(secret)
                    .map_err(|reason| Error::config(format!("user {name:?}: {reason}")))?;
            }
        }
        let mut seen = HashSet::new();
        for client in &self.clients {
            let id = &client.client_id;
            if id.is_empty() || id.chars().any(|c| c.is_control() || c == ':') {
                return Err(Error::config(format!(
                    "client_id {id:?} must be non-empty, without ':' or control characters"
                )));
            }
            if !seen.insert(id.clone()) {
                return Err(Error::config(format!("client_id {id:?} is declared twice")));
            }
            if client.public && client.client_secret.is_some() {
                return Err(Error::config(format!(
                    "client {id:?} is public and has a client_secret; remove one"
                )));
            }
            if client.public && client.id_token_signed_response_alg == SigningAlg::HS256 {
                return Err(Error::config(format!(
                    "client {id:?} is public and has no secret to sign HS256 ID tokens with; \
                     use RS256, ES256 or EdDSA"
                )));
            }
            if let Some(secret) = &client.client_secret
                && secret.len() < MIN_CLIENT_SECRET_LEN
            {
                return Err(Error::WeakClientSecret {
                    client_id: id.clone(),
                    len: secret.len(),
                });
            }
            if client.redirect_uris.is_empty() {
                return Err(Error::config(format!(
                    "client {id:?} has no redirect_uris; list the exact callback URLs"
                )));
            }
            for uri in client
                .redirect_uris
                .iter()
                .chain(&client.post_logout_redirect_uris)
            {
                let parsed = url::Url::parse(uri).map_err(|e| {
                    Error::config(format!("client {id:?}: {uri:?} is not a URL: {e}"))
                })?;
                if parsed.fragment().is_some() || parsed.cannot_be_a_base() {
                    return Err(Error::config(format!(
                        "client {id:?}: {uri:?} must be an absolute URL without a fragment"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_round_trips_through_toml() {
        let config = IssuerConfig::default();
        config.validate().unwrap();
        let text = toml::to_string(&config).unwrap();
        assert_eq!(IssuerConfig::from_toml(&text).unwrap(), config);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = IssuerConfig::from_toml("issuer = \"http://x\"\nfoo = 1\n").unwrap_err();
        assert_eq!(err.code(), "config_syntax");
        assert!(err.to_string().contains("foo"), "{err}");
        let err = IssuerConfig::from_toml(
            "[[users]]\nusername = \"a\"\npasword = \"x\"\n[[clients]]\nclient_id = \"c\"\nredirect_uris = [\"http://x/cb\"]\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("pasword"), "{err}");
    }

    #[test]
    fn inconsistencies_are_config_errors() {
        let base = "[[users]]\nusername = \"a\"\n";
        for (extra, needle) in [
            (
                "[[clients]]\nclient_id = \"c\"\npublic = true\nclient_secret = \"s\"\nredirect_uris = [\"http://x/cb\"]\n",
                "public and has a client_secret",
            ),
            (
                "[[clients]]\nclient_id = \"c\"\nredirect_uris = []\n",
                "no redirect_uris",
            ),
            (
                "[[clients]]\nclient_id = \"c\"\nredirect_uris = [\"/cb\"]\n",
                "not a URL",
            ),
        ] {
            let err = IssuerConfig::from_toml(&format!("{base}{extra}")).unwrap_err();
            assert_eq!(err.code(), "invalid_config");
            assert!(err.to_string().contains(needle), "{err}");
        }
        let err = IssuerConfig::from_toml(
            "[[users]]\nusername = \"a\"\ntotp_secret = \"not base32!\"\n[[clients]]\nclient_id = \"c\"\nredirect_uris = [\"http://x/cb\"]\n",
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_config");
    }

    #[test]
    fn every_confidential_client_needs_a_32_byte_secret() {
        let config = |secret: &str, alg: &str| {
            IssuerConfig::from_toml(&format!(
                "[[users]]\nusername = \"a\"\n[[clients]]\nclient_id = \"c\"\n\
                 client_secret = \"{secret}\"\nid_token_signed_response_alg = \"{alg}\"\n\
                 redirect_uris = [\"http://x/cb\"]\n"
            ))
        };
        for alg in ["RS256", "ES256", "EdDSA", "HS256"] {
            for short in ["tiny-secret", &"y".repeat(31)] {
                let err = config(short, alg).unwrap_err();
                assert_eq!(err.code(), "weak_client_secret", "{alg}");
                let message = err.to_string();
                assert!(
                    message.contains(&format!("is {} bytes", short.len()))
                        && message.contains("at least 32")
                        && message.contains("omit client_secret"),
                    "{message}"
                );
                assert!(
                    !message.contains(short),
                    "the secret is not shown: {message}"
                );
            }
            config(&"x".repeat(32), alg).unwrap();
        }
    }

    #[test]
    fn failed_login_limits_must_be_positive() {
        let base = "[[users]]\nusername = \"a\"\n[[clients]]\nclient_id = \"c\"\nredirect_uris = [\"http://x/cb\"]\n";
        for field in ["max_failed_logins", "max_failed_logins_per_account"] {
            let err = IssuerConfig::from_toml(&format!("{field} = 0\n{base}")).unwrap_err();
            assert_eq!(err.code(), "invalid_config");
            assert!(err.to_string().contains(field), "{err}");
        }
        let config = IssuerConfig::from_toml(base).unwrap();
        assert_eq!(
            (
                config.max_failed_logins,
                config.max_failed_logins_per_account
            ),
            (5, 10)
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let mut config = IssuerConfig::default();
        config.users[0].password = Some("hunter2-secret".into());
        config.clients[0].client_secret = Some("client-secret-value".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("client-secret-value"));
    }
}
