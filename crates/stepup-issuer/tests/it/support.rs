//! A test provider and a scripted browser that submits the forms and computes TOTP codes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use serde_json::Value;
use stepup::{CacheSettings, KeySource, RemoteVerifier};
use stepup_issuer::{Issuer, IssuerConfig, RunningIssuer};

pub(crate) const ALICE_PASSWORD: &str = "alice-password-1";
pub(crate) const ALICE_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
pub(crate) const BOB_PASSWORD: &str = "bob-password-2";
pub(crate) const WEB_SECRET: &str = "web-client-secret-0123456789abcdef";
pub(crate) const HS_SECRET: &str = "hs256-client-secret-0123456789abcdef";
pub(crate) const CALLBACK: &str = "http://127.0.0.1:1/callback";
pub(crate) const MFA: &str = stepup_issuer::ACR_MULTI_FACTOR;

/// Users alice (password + TOTP) and bob (password only); clients `web` (RS256),
/// `es` (ES256), `ed` (EdDSA), `hs` (HS256) and the public `spa`. Failed logins: 3 per
/// username and address, 5 per username from all addresses.
pub(crate) fn test_config() -> IssuerConfig {
    let client = |id: &str, secret: Option<&str>, alg: &str| {
        format!(
            "[[clients]]\nclient_id = \"{id}\"\n{}redirect_uris = [\"{CALLBACK}\"]\n\
             post_logout_redirect_uris = [\"http://127.0.0.1:1/bye\"]\n\
             id_token_signed_response_alg = \"{alg}\"\n",
            match secret {
                Some(secret) => format!("client_secret = \"{secret}\"\n"),
                None => "public = true\n".to_owned(),
            }
        )
    };
    let text = format!(
        "max_failed_logins = 3\nmax_failed_logins_per_account = 5\n\
         [[users]]\nusername = \"alice\"\npassword = \"{ALICE_PASSWORD}\"\ntotp_secret = \"{ALICE_TOTP}\"\n\
         name = \"Alice\"\nemail = \"alice@example.com\"\n\
         [[users]]\nusername = \"bob\"\npassword = \"{BOB_PASSWORD}\"\ntotp = false\n\
         {}{}{}{}{}",
        client("web", Some(WEB_SECRET), "RS256"),
        client("es", Some(WEB_SECRET), "ES256"),
        client("ed", Some(WEB_SECRET), "EdDSA"),
        client("hs", Some(HS_SECRET), "HS256"),
        client("spa", None, "RS256"),
    );
    IssuerConfig::from_toml(&text).expect("test config")
}

/// A provider on 127.0.0.1 with its own state directory.
pub(crate) struct TestIssuer {
    pub(crate) running: RunningIssuer,
    pub(crate) dir: tempfile::TempDir,
}

impl TestIssuer {
    pub(crate) async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let running = start_in(test_config(), dir.path(), "127.0.0.1:0".parse().unwrap()).await;
        Self { running, dir }
    }

    pub(crate) fn issuer(&self) -> String {
        self.running.issuer().to_owned()
    }

    pub(crate) fn browser(&self) -> Browser {
        Browser::new(self.issuer())
    }
}

pub(crate) async fn start_in(
    config: IssuerConfig,
    dir: &Path,
    listen: SocketAddr,
) -> RunningIssuer {
    Issuer::start(config, listen, dir)
        .await
        .expect("issuer starts")
}

/// The core verifier with keys found by discovery (feature `remote`): the discovery
/// document's `issuer` must be the issuer, and the keys come from its `jwks_uri`. The
/// unknown-kid cooldown is short so a key rotation is seen at once.
pub(crate) async fn verifier_via_discovery(issuer: &str, client_id: &str) -> RemoteVerifier {
    RemoteVerifier::builder(issuer, client_id, KeySource::Discovery)
        .with_cache_settings(
            CacheSettings::default().with_unknown_kid_cooldown(Duration::from_millis(1)),
        )
        .build()
        .await
        .unwrap()
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Computes TOTP codes like an authenticator app, never reusing a time step (the
/// provider accepts each code once).
pub(crate) struct Authenticator {
    secret: String,
    last_step: Option<u64>,
}

impl Authenticator {
    pub(crate) fn new(secret: &str) -> Self {
        Self {
            secret: secret.to_owned(),
            last_step: None,
        }
    }

    /// The code for the current step, or the next one (accepted: ±1 step) if the
    /// current one was used; waits if both were.
    pub(crate) async fn code(&mut self) -> String {
        loop {
            let now_step = unix_now() / 30;
            let step = match self.last_step {
                Some(last) if last >= now_step => last + 1,
                _ => now_step,
            };
            if step <= now_step + 1 {
                self.last_step = Some(step);
                return stepup_issuer::totp_code(&self.secret, step * 30).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// A code that is certainly wrong now.
    pub(crate) fn wrong_code(&self) -> String {
        let step = unix_now() / 30;
        let valid: Vec<String> = (step - 1..=step + 1)
            .map(|s| stepup_issuer::totp_code(&self.secret, s * 30).unwrap())
            .collect();
        (0..1_000_000)
            .map(|n| format!("{n:06}"))
            .find(|c| !valid.contains(c))
            .unwrap()
    }
}

/// What the browser ended up with after a step.
#[derive(Debug, Clone)]
pub(crate) enum Page {
    /// A provider page (status, HTML).
    Html(StatusCode, String),
    /// Sent back to the client's redirect URI with these query parameters.
    Callback(HashMap<String, String>),
}

impl Page {
    pub(crate) fn callback(self) -> HashMap<String, String> {
        match self {
            Self::Callback(params) => params,
            Self::Html(status, body) => panic!("expected a callback, got {status}: {body}"),
        }
    }

    pub(crate) fn html(self) -> (StatusCode, String) {
        match self {
            Self::Html(status, body) => (status, body),
            Self::Callback(params) => panic!("expected a page, got callback {params:?}"),
        }
    }

    pub(crate) fn is_password_form(&self) -> bool {
        matches!(self, Self::Html(_, body) if body.contains("name=\"password\""))
    }

    pub(crate) fn is_totp_form(&self) -> bool {
        matches!(self, Self::Html(_, body) if body.contains("name=\"code\""))
    }
}

/// A scripted browser: keeps cookies, follows the provider's redirects, stops at the
/// client's callback. Clones share the cookies.
#[derive(Clone)]
pub(crate) struct Browser {
    pub(crate) http: reqwest::Client,
    issuer: String,
}

impl Browser {
    pub(crate) fn new(issuer: String) -> Self {
        Self::with(issuer, reqwest::Client::builder())
    }

    /// A browser whose connections come from `address` (any of 127.0.0.0/8 works on
    /// Linux), so the provider sees another client address.
    pub(crate) fn from_address(issuer: String, address: std::net::IpAddr) -> Self {
        Self::with(issuer, reqwest::Client::builder().local_address(address))
    }

    fn with(issuer: String, builder: reqwest::ClientBuilder) -> Self {
        let http = builder
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { http, issuer }
    }

    /// Opens the authorization endpoint with these parameters (plus `response_type`).
    pub(crate) async fn authorize(&self, params: &[(&str, &str)]) -> Page {
        let mut url = url::Url::parse(&format!("{}/authorize", self.issuer)).unwrap();
        url.query_pairs_mut().append_pair("response_type", "code");
        url.query_pairs_mut().extend_pairs(params);
        self.get(url.as_str()).await
    }

    /// A standard request for `client_id` with state and nonce, and any extras.
    pub(crate) async fn login_request(&self, client_id: &str, extra: &[(&str, &str)]) -> Page {
        let mut params = vec![
            ("client_id", client_id),
            ("redirect_uri", CALLBACK),
            ("scope", "openid profile email"),
            ("state", "st-123"),
            ("nonce", "n-456"),
        ];
        params.extend_from_slice(extra);
        self.authorize(&params).await
    }

    pub(crate) async fn get(&self, url: &str) -> Page {
        let response = self.http.get(url).send().await.unwrap();
        self.follow(response).await
    }

    async fn follow(&self, mut response: reqwest::Response) -> Page {
        loop {
            let status = response.status();
            if status.is_redirection() {
                let location = location(response.headers());
                let absolute = if location.starts_with('/') {
                    format!("{}{location}", self.issuer)
                } else {
                    location
                };
                if !absolute.starts_with(&self.issuer) {
                    let url = url::Url::parse(&absolute).unwrap();
                    return Page::Callback(url.query_pairs().into_owned().collect());
                }
                response = self.http.get(&absolute).send().await.unwrap();
                continue;
            }
            return Page::Html(status, response.text().await.unwrap());
        }
    }

    /// Submits the form on `page` (password or TOTP) with these fields.
    pub(crate) async fn submit(&self, page: &Page, fields: &[(&str, &str)]) -> Page {
        let Page::Html(_, body) = page else {
            panic!("no form on a callback");
        };
        let action = attribute(body, "form method=\"post\" action=\"").expect("a form");
        let form = form_fields(page, fields);
        let response = self
            .http
            .post(format!("{}{action}", self.issuer))
            .form(&form)
            .send()
            .await
            .unwrap();
        self.follow(response).await
    }

    pub(crate) async fn password(&self, page: &Page, username: &str, password: &str) -> Page {
        assert!(
            page.is_password_form(),
            "expected the password form: {page:?}"
        );
        self.submit(
            page,
            &[
                ("username", username),
                ("password", password),
                ("action", "login"),
            ],
        )
        .await
    }

    pub(crate) async fn totp(&self, page: &Page, code: &str) -> Page {
        assert!(page.is_totp_form(), "expected the TOTP form: {page:?}");
        self.submit(page, &[("code", code), ("action", "verify")])
            .await
    }

    /// Exchanges a code at the token endpoint with client_secret_basic.
    pub(crate) async fn exchange(
        &self,
        client_id: &str,
        secret: &str,
        code: &str,
    ) -> (StatusCode, Value) {
        self.token_request(
            Some((client_id, secret)),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await
    }

    /// A raw token request: optional Basic credentials and form fields.
    pub(crate) async fn token_request(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Password login for alice through `client_id` (web secret) and the ID token.
    pub(crate) async fn password_login(&self, client_id: &str, extra: &[(&str, &str)]) -> String {
        let page = self.login_request(client_id, extra).await;
        let callback = self
            .password(&page, "alice", ALICE_PASSWORD)
            .await
            .callback();
        let (status, body) = self
            .exchange(client_id, WEB_SECRET, &callback["code"])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["id_token"].as_str().unwrap().to_owned()
    }
}

/// The fields the form on `page` would send: its hidden `tx` and `csrf`, plus `fields`.
pub(crate) fn form_fields(page: &Page, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let Page::Html(_, body) = page else {
        panic!("no form on a callback");
    };
    let mut form: Vec<(String, String)> = ["tx", "csrf"]
        .iter()
        .map(|name| (name.to_string(), hidden(body, name)))
        .collect();
    for (name, value) in fields {
        form.retain(|(n, _)| n != name);
        form.push((name.to_string(), value.to_string()));
    }
    form
}

pub(crate) fn location(headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .expect("Location")
        .to_str()
        .unwrap()
        .to_owned()
}

fn attribute(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)? + prefix.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].replace("&amp;", "&"))
}

fn hidden(body: &str, name: &str) -> String {
    attribute(body, &format!("name=\"{name}\" value=\"")).unwrap_or_default()
}

/// A PKCE verifier and its S256 challenge.
pub(crate) fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(format!("verifier-{}", unix_now()).repeat(3));
    let challenge = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ));
    (verifier, challenge)
}

/// The claims of a token, unverified (for reading `auth_time`, `amr`...).
pub(crate) fn claims(token: &str) -> Value {
    stepup::decode_unverified(token).unwrap().1
}
