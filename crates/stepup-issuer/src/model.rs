//! The configuration resolved for serving: generated credentials filled in, passwords
//! hashed, TOTP secrets decoded, HS256 signers built.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use stepup::{Alg, Secret, SigningKey};

use crate::config::{IssuerConfig, SigningAlg};
use crate::error::Error;
use crate::password::Argon2Memory;
use crate::state::{self, CREDENTIALS_FILE, Credentials, StoredClient};
use crate::totp;

/// A user as the server sees it: no clear-text password.
pub(crate) struct User {
    pub(crate) username: String,
    pub(crate) password_hash: String,
    pub(crate) totp_secret: Option<Vec<u8>>,
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
}

/// A registered client.
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) name: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) post_logout_redirect_uris: Vec<String>,
    pub(crate) alg: SigningAlg,
    /// The HS256 signer keyed with the client secret, for HS256 clients.
    pub(crate) hs256: Option<SigningKey>,
}

impl Client {
    pub(crate) fn is_public(&self) -> bool {
        self.secret.is_none()
    }
}

/// Users (by lower-cased name) and clients (by id).
pub(crate) struct Directory {
    pub(crate) users: HashMap<String, User>,
    pub(crate) clients: HashMap<String, Client>,
}

impl Directory {
    pub(crate) fn user(&self, username: &str) -> Option<&User> {
        self.users.get(&username.to_lowercase())
    }
}

/// A user's login details as shown in the startup banner and used by tests.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The login name.
    pub username: String,
    /// The password, unless the configuration gave only its hash.
    pub password: Option<String>,
    /// The TOTP secret (base32), if the user has a second factor.
    pub totp_secret: Option<String>,
    /// The `otpauth://totp/...` enrolment URI for authenticator apps.
    pub otpauth_uri: Option<String>,
}

impl fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A client's credentials as shown in the startup banner and used by tests.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret; `None` for a public client.
    pub client_secret: Option<String>,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// How its ID tokens are signed.
    pub id_token_signed_response_alg: SigningAlg,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("redirect_uris", &self.redirect_uris)
            .field(
                "id_token_signed_response_alg",
                &self.id_token_signed_response_alg,
            )
            .finish_non_exhaustive()
    }
}

/// The resolved directory plus what the banner shows.
pub(crate) struct Resolved {
    pub(crate) directory: Directory,
    pub(crate) users: Vec<UserCredentials>,
    pub(crate) clients: Vec<ClientCredentials>,
}

/// Fills in generated credentials (kept in `credentials.json`), hashes passwords (in
/// `argon2`, the memory the password thread goes on to use) and decodes TOTP secrets.
/// `issuer_label` names the provider in `otpauth://` URIs.
pub(crate) fn resolve(
    config: &IssuerConfig,
    state_dir: &Path,
    issuer_label: &str,
    argon2: &mut Argon2Memory,
) -> Result<Resolved, Error> {
    config.validate()?;
    let path = state_dir.join(CREDENTIALS_FILE);
    let mut stored: Credentials = state::read(&path)?.unwrap_or_default();
    let mut changed = false;

    let mut users = HashMap::new();
    let mut shown_users = Vec::new();
    for user in &config.users {
        let entry = stored.users.entry(user.username.clone()).or_default();
        let password = match (&user.password, &user.password_hash) {
            (Some(password), _) => Some(password.clone()),
            (None, Some(_)) => None,
            (None, None) => Some(match &entry.password {
                Some(password) => password.clone(),
                None => {
                    let generated = crate::random::password()?;
                    entry.password = Some(generated.clone());
                    changed = true;
                    generated
                }
            }),
        };
        let password_hash = match (&user.password_hash, &password) {
            (Some(hash), _) => hash.clone(),
            (None, Some(password)) => argon2.hash(password)?,
            (None, None) => {
                return Err(Error::config(format!(
                    "user {:?} has no password",
                    user.username
                )));
            }
        };
        let totp_secret = if !user.totp {
            None
        } else if let Some(secret) = &user.totp_secret {
            Some(secret.clone())
        } else if let Some(secret) = &entry.totp_secret {
            Some(secret.clone())
        } else {
            let generated = totp::encode_secret(&crate::random::bytes::<{ totp::SECRET_LEN }>()?);
            entry.totp_secret = Some(generated.clone());
            changed = true;
            Some(generated)
        };
        let totp_bytes = match &totp_secret {
            Some(text) => {
                Some(
                    totp::decode_secret(text).map_err(|reason| Error::StateInvalid {
                        path: path.clone(),
                        reason: format!("user {:?}: {reason}", user.username),
                    })?,
                )
            }
            None => None,
        };
        shown_users.push(UserCredentials {
            username: user.username.clone(),
            password,
            otpauth_uri: totp_secret
                .as_deref()
                .map(|secret| totp::otpauth_uri(issuer_label, &user.username, secret)),
            totp_secret,
        });
        users.insert(
            user.username.to_lowercase(),
            User {
                username: user.username.clone(),
                password_hash,
                totp_secret: totp_bytes,
                name: user.name.clone(),
                email: user.email.clone(),
            },
        );
    }

    let mut clients = HashMap::new();
    let mut shown_clients = Vec::new();
    for client in &config.clients {
        let secret = if client.public {
            None
        } else if let Some(secret) = &client.client_secret {
            Some(secret.clone())
        } else {
            let entry = match stored.clients.get(&client.client_id) {
                Some(entry) => entry.client_secret.clone(),
                None => {
                    let generated = crate::random::token()?;
                    stored.clients.insert(
                        client.client_id.clone(),
                        StoredClient {
                            client_secret: generated.clone(),
                        },
                    );
                    changed = true;
                    generated
                }
            };
            Some(entry)
        };
        let hs256 = match (&secret, client.id_token_signed_response_alg) {
            (Some(secret), SigningAlg::HS256) => Some(
                SigningKey::from_secret(&Secret::new(secret.as_bytes()), Alg::HS256)
                    .map_err(|e| Error::config(format!("client {:?}: {e}", client.client_id)))?,
            ),
            _ => None,
        };
        shown_clients.push(ClientCredentials {
            client_id: client.client_id.clone(),
            client_secret: secret.clone(),
            redirect_uris: client.redirect_uris.clone(),
            id_token_signed_response_alg: client.id_token_signed_response_alg,
        });
        clients.insert(
            client.client_id.clone(),
            Client {
                id: client.client_id.clone(),
                secret: secret.map(|s| Secret::new(s.into_bytes())),
                name: client
                    .name
                    .clone()
                    .unwrap_or_else(|| client.client_id.clone()),
                redirect_uris: client.redirect_uris.clone(),
                post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
                alg: client.id_token_signed_response_alg,
                hs256,
            },
        );
    }
    if changed {
        state::write(&path, &stored)?;
    }
    Ok(Resolved {
        directory: Directory { users, clients },
        users: shown_users,
        clients: shown_clients,
    })
}
