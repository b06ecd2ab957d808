//! The code exchange at the provider's token endpoint (OIDC Core §3.1.3.1–3.1.3.4).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use stepup::Secret;

use crate::config::{Client, ClientAuth};
use crate::error::Error;

/// Token responses are small; anything bigger is refused unread.
const MAX_BODY: usize = 256 * 1024;

/// An HTTP client for one token endpoint: bounded time and size, no redirects, and
/// no proxy for a loopback endpoint (a proxy could read or answer in its place).
#[derive(Debug)]
pub(crate) struct TokenEndpoint {
    url: url::Url,
    http: reqwest::Client,
}

/// Why an exchange failed.
#[derive(Debug)]
pub(crate) enum ExchangeError {
    /// The provider refused the code (`invalid_grant`, …): start the login again.
    Refused { error: String, description: String },
    /// The provider could not be reached or answered nonsense: try again later.
    Unavailable(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenEndpoint {
    pub(crate) fn new(url: &str) -> Result<Self, Error> {
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::config("token_endpoint", format!("{url:?}: {e}")))?;
        let loopback = stepup::is_loopback_url(&parsed);
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("stepup-axum/", env!("CARGO_PKG_VERSION")));
        if loopback {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| {
            Error::config(
                "token_endpoint",
                format!("cannot set up the HTTP client: {e}"),
            )
        })?;
        Ok(Self { url: parsed, http })
    }

    /// Exchanges `code` for the ID token.
    pub(crate) async fn exchange(
        &self,
        client: &Client,
        code: &str,
        code_verifier: &str,
    ) -> Result<String, ExchangeError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &client.redirect_uri),
            ("code_verifier", code_verifier),
        ];
        let mut request = self.http.post(self.url.clone());
        match (&client.secret, client.auth) {
            (Some(secret), ClientAuth::SecretBasic) => {
                request = request.header(
                    reqwest::header::AUTHORIZATION,
                    basic_auth(&client.id, secret),
                );
            }
            (Some(secret), ClientAuth::SecretPost) => {
                form.push(("client_id", &client.id));
                form.push(("client_secret", secret_text(secret)));
            }
            (None, _) => form.push(("client_id", &client.id)),
        }
        let unavailable = |what: String| ExchangeError::Unavailable(what);
        let mut response = request
            .form(&form)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unavailable(format!("the token endpoint cannot be reached: {e}")))?;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY as u64)
        {
            return Err(unavailable("the token response is too large".into()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(format!("the token response broke off: {e}")))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(unavailable("the token response is too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_client_error() {
            let refused: ErrorResponse = serde_json::from_slice(&body).unwrap_or(ErrorResponse {
                error: None,
                error_description: None,
            });
            return Err(ExchangeError::Refused {
                error: refused.error.unwrap_or_else(|| format!("HTTP {status}")),
                description: refused.error_description.unwrap_or_default(),
            });
        }
        if !status.is_success() {
            return Err(unavailable(format!(
                "the token endpoint answered HTTP {status}"
            )));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| unavailable("the token response is not JSON".into()))?;
        parsed
            .id_token
            .ok_or_else(|| unavailable("the token response has no id_token".into()))
    }
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
fn basic_auth(id: &str, secret: &Secret) -> String {
    let encode = |text: &[u8]| url::form_urlencoded::byte_serialize(text).collect::<String>();
    let pair = format!("{}:{}", encode(id.as_bytes()), encode(secret.expose()));
    format!("Basic {}", STANDARD.encode(pair))
}

fn secret_text(secret: &Secret) -> &str {
    // Client secrets are text in every provider's registration; a non-UTF-8 secret
    // cannot be sent in a form and is sent empty (the provider then refuses it).
    std::str::from_utf8(secret.expose()).unwrap_or_default()
}
