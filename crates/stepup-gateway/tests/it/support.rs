//! The pieces behind a proxy: the development provider, the gateway (in process), the
//! upstream app that echoes what it received, a scripted browser, and wire parsers.

use std::collections::{BTreeMap, HashMap};
use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, Uri, header};
use reqwest::redirect::Policy as Redirects;
use serde_json::{Value, json};
use stepup_gateway::{FileConfig, Gateway, Settings, router};
use stepup_issuer::{Issuer, IssuerConfig, RunningIssuer};
use tokio::task::JoinHandle;
use url::Url;

pub(crate) const ALICE_PASSWORD: &str = "alice-password-1";
pub(crate) const ALICE_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
pub(crate) const ALICE_EMAIL: &str = "alice@example.com";
/// The gateway's client at the provider (`client_id` of tests/it/stepup.toml).
pub(crate) const CLIENT_ID: &str = "gateway";
pub(crate) const CLIENT_SECRET: &str = "gateway-client-secret-0123456789abcdef";
pub(crate) const SESSION_KEY: &str = "session-key-of-the-gateway-tests-0123456789";
/// The `acr` the development provider sends after MFA, and the `acr_values` that asks
/// for it (profile `auth0`).
pub(crate) const MFA_ACR: &str = stepup_issuer::ACR_MULTI_FACTOR;
/// The test configuration, whose rules the tests rely on:
/// `/public/**` public, `/app/**` login, `/admin/**` MFA (max_age 600), nothing else.
pub(crate) const TEST_CONFIG: &str = include_str!("stepup.toml");

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A port that was free a moment ago, for a proxy that binds it itself.
pub(crate) fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------- the stack

/// Provider, gateway and upstream app, for browsers reaching them at `origin`.
pub(crate) struct Stack {
    /// `http://127.0.0.1:<port>`: the proxy (or, in process, just the public_url).
    pub(crate) origin: String,
    pub(crate) issuer: RunningIssuer,
    pub(crate) gateway: Arc<Gateway>,
    pub(crate) gateway_addr: SocketAddr,
    pub(crate) upstream_addr: SocketAddr,
    /// Requests the upstream app answered.
    pub(crate) upstream_hits: Arc<AtomicUsize>,
    tasks: Vec<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Stack {
    /// Starts everything for a public origin `origin` (no trailing slash): the
    /// provider with alice and the gateway's client (redirect URI on `origin`), the
    /// gateway from tests/it/stepup.toml connected by discovery, the upstream app.
    pub(crate) async fn start(origin: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let issuer = start_issuer(origin, &dir.path().join("issuer")).await;

        let key_file = dir.path().join("session-key");
        std::fs::write(&key_file, format!("{SESSION_KEY}\n")).unwrap();
        let mut file = FileConfig::from_toml(TEST_CONFIG).unwrap();
        origin.clone_into(&mut file.public_url);
        file.provider.issuer = issuer.issuer().to_owned();
        file.session.key_files = vec![key_file];
        let settings = Settings::resolve(&file, Some(CLIENT_SECRET.to_owned())).unwrap();
        let gateway = Gateway::new(settings);
        gateway
            .connect()
            .await
            .expect("the gateway discovers the provider");
        assert!(gateway.is_ready());

        let mut tasks = Vec::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway_addr = listener.local_addr().unwrap();
        let app = router(Arc::clone(&gateway));
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).into_future().await;
        }));

        let upstream_hits = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream_addr = listener.local_addr().unwrap();
        let upstream = Router::new()
            .fallback(echo)
            .with_state(Arc::clone(&upstream_hits));
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, upstream).into_future().await;
        }));

        Self {
            origin: origin.to_owned(),
            issuer,
            gateway,
            gateway_addr,
            upstream_addr,
            upstream_hits,
            tasks,
            _dir: dir,
        }
    }

    pub(crate) fn hits(&self) -> usize {
        self.upstream_hits.load(Ordering::SeqCst)
    }

    /// The gateway's redirect URI.
    pub(crate) fn callback(&self) -> String {
        format!("{}/stepup/callback", self.origin)
    }

    /// A scripted browser with an empty cookie jar.
    pub(crate) fn browser(&self) -> Browser {
        Browser::new(self.issuer.issuer())
    }

    /// An ID token for the gateway's client, from a login of alice in `browser` at the
    /// provider (password, and TOTP when `extra` asks for MFA and the provider session
    /// has none), exchanged at the token endpoint as the gateway would.
    pub(crate) async fn id_token(&self, browser: &Browser, extra: &[(&str, &str)]) -> String {
        let callback = self.callback();
        let mut params = vec![
            ("client_id", CLIENT_ID),
            ("redirect_uri", callback.as_str()),
            ("scope", "openid email"),
            ("state", "state-of-a-test"),
            ("nonce", "nonce-of-a-test"),
        ];
        params.extend_from_slice(extra);
        let mut authorize = Url::parse(&format!("{}/authorize", self.issuer.issuer())).unwrap();
        authorize
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .extend_pairs(&params);
        let mut page = browser.at_provider(authorize.as_str()).await;
        let url = loop {
            page = match page {
                Page::Left(url) => break url,
                Page::Html(_, ref body) if is_password_form(body) => browser.password(&page).await,
                Page::Html(_, ref body) if is_totp_form(body) => browser.totp(&page).await,
                Page::Html(status, body) => panic!("unexpected provider page {status}: {body}"),
            };
        };
        assert!(url.as_str().starts_with(&callback), "{url}");
        let code = query(&url, "code").expect("a code");
        let response = reqwest::Client::new()
            .post(format!("{}/token", self.issuer.issuer()))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", callback.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["id_token"].as_str().unwrap().to_owned()
    }
}

async fn start_issuer(origin: &str, dir: &std::path::Path) -> RunningIssuer {
    let text = format!(
        "[[users]]\nusername = \"alice\"\npassword = \"{ALICE_PASSWORD}\"\n\
         totp_secret = \"{ALICE_TOTP}\"\nname = \"Alice\"\nemail = \"{ALICE_EMAIL}\"\n\
         [[clients]]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\
         redirect_uris = [\"{origin}/stepup/callback\"]\n\
         post_logout_redirect_uris = [\"{origin}/\"]\n"
    );
    let config = IssuerConfig::from_toml(&text).unwrap();
    Issuer::start(config, "127.0.0.1:0".parse().unwrap(), dir)
        .await
        .expect("the provider starts")
}

/// The upstream app: answers every request with what it received, as JSON
/// `{"method", "uri", "headers": {name: [values]}}`.
async fn echo(
    State(hits): State<Arc<AtomicUsize>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &headers {
        seen.entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let body = json!({ "method": method.as_str(), "uri": uri.to_string(), "headers": seen });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// What the upstream app said it received.
#[derive(Debug)]
pub(crate) struct Echo(pub(crate) Value);

impl Echo {
    pub(crate) async fn of(response: reqwest::Response) -> Self {
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "expected the app's answer"
        );
        Self(response.json().await.unwrap())
    }

    pub(crate) fn uri(&self) -> &str {
        self.0["uri"].as_str().unwrap()
    }

    /// Every value the app received for `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Vec<String> {
        self.0["headers"][name]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The names of every `x-stepup-*` header the app received.
    pub(crate) fn stepup_headers(&self) -> Vec<String> {
        self.0["headers"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|name| name.starts_with("x-stepup-"))
            .cloned()
            .collect()
    }

    /// Every header the app received whose name, with `_` read as `-` (and case ignored:
    /// the app gets names in lower case), is an `x-stepup-*` one, with its values: CGI,
    /// WSGI, PHP-FPM and Rack give `X-Stepup_Sub` and `X-Stepup-Sub` the same
    /// `HTTP_X_STEPUP_SUB`, so an app behind them cannot tell the two apart.
    pub(crate) fn stepup_like_headers(&self) -> Vec<(String, Vec<String>)> {
        self.0["headers"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|name| name.replace('_', "-").starts_with("x-stepup-"))
            .map(|name| (name.clone(), self.header(name)))
            .collect()
    }

    /// The one value of `name`; panics when there is none or several.
    pub(crate) fn one(&self, name: &str) -> String {
        let values = self.header(name);
        assert_eq!(values.len(), 1, "{name}: {values:?} in {:?}", self.0);
        values[0].clone()
    }
}

/// A response to [`raw_get`], as read off the wire.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) body: String,
}

impl RawResponse {
    /// What the upstream app said it received; panics unless it answered.
    pub(crate) fn echo(&self) -> Echo {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected the app's answer: {self:?}"
        );
        Echo(serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}")))
    }

    fn parse(bytes: &[u8]) -> Self {
        let split = find(bytes, b"\r\n\r\n").expect("a response head");
        let head = std::str::from_utf8(&bytes[..split]).unwrap();
        let mut rest = &bytes[split + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let code = status_line.split(' ').nth(1).expect("a status code");
        let status = StatusCode::from_bytes(code.as_bytes()).unwrap();
        let chunked = lines.any(|line| {
            line.split_once(':').is_some_and(|(name, value)| {
                name.eq_ignore_ascii_case("transfer-encoding")
                    && value.trim().eq_ignore_ascii_case("chunked")
            })
        });
        let body = if chunked {
            let mut body = Vec::new();
            loop {
                let end = find(rest, b"\r\n").expect("a chunk size");
                let size = std::str::from_utf8(&rest[..end]).unwrap();
                let size = size.split(';').next().unwrap().trim();
                let size = usize::from_str_radix(size, 16).unwrap();
                rest = &rest[end + 2..];
                if size == 0 {
                    break body;
                }
                body.extend_from_slice(&rest[..size]);
                rest = &rest[size + 2..];
            }
        } else {
            rest.to_vec()
        };
        Self {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// One HTTP/1.1 GET of `path` at `origin` (`http://127.0.0.1:<port>`), written by hand:
/// the header names go exactly as given (reqwest would send them in lower case), and
/// `Host` is `origin`'s unless `headers` has one. `Connection: close`; the response is
/// read to the end.
pub(crate) async fn raw_get(origin: &str, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let authority = origin.strip_prefix("http://").expect("an http:// origin");
    let addr: SocketAddr = authority.parse().unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\n");
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request.push_str(&format!("Host: {authority}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    tokio::task::spawn_blocking(move || {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        RawResponse::parse(&bytes)
    })
    .await
    .unwrap()
}

// ---------------------------------------------------------------- the browser

/// Where the browser ended up at the provider.
#[derive(Debug)]
pub(crate) enum Page {
    /// A provider page (status, HTML).
    Html(StatusCode, String),
    /// Sent away from the provider, to this URL (not followed).
    Left(Url),
}

/// A scripted browser: a cookie jar, `Accept: text/html`, redirects followed by hand.
pub(crate) struct Browser {
    pub(crate) http: reqwest::Client,
    issuer: String,
    totp_step: std::sync::Mutex<Option<u64>>,
}

pub(crate) const HTML: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

impl Browser {
    fn new(issuer: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Redirects::none())
            .build()
            .unwrap();
        Self {
            http,
            issuer: issuer.to_owned(),
            totp_step: std::sync::Mutex::new(None),
        }
    }

    /// One GET as a browser sends it, without following a redirect.
    pub(crate) async fn get(&self, url: &str) -> reqwest::Response {
        self.http
            .get(url)
            .header(header::ACCEPT, HTML)
            .send()
            .await
            .unwrap()
    }

    /// Opens `url` at the provider and follows its redirects until a page, or until
    /// they leave the provider.
    pub(crate) async fn at_provider(&self, url: &str) -> Page {
        let response = self.get(url).await;
        self.follow(response).await
    }

    async fn follow(&self, mut response: reqwest::Response) -> Page {
        loop {
            let status = response.status();
            if !status.is_redirection() {
                return Page::Html(status, response.text().await.unwrap());
            }
            let base = response.url().clone();
            let target = base.join(&location(&response)).unwrap();
            if !target.as_str().starts_with(&self.issuer) {
                return Page::Left(target);
            }
            response = self.get(target.as_str()).await;
        }
    }

    async fn submit(&self, page: &Page, fields: &[(&str, &str)]) -> Page {
        let Page::Html(_, body) = page else {
            panic!("no form: {page:?}");
        };
        let action = attribute(body, "form method=\"post\" action=\"").expect("a form");
        let mut form: Vec<(String, String)> = ["tx", "csrf"]
            .iter()
            .map(|name| ((*name).to_owned(), hidden(body, name)))
            .collect();
        for (name, value) in fields {
            form.push(((*name).to_owned(), (*value).to_owned()));
        }
        let response = self
            .http
            .post(format!("{}{action}", self.issuer))
            .header(header::ACCEPT, HTML)
            .form(&form)
            .send()
            .await
            .unwrap();
        self.follow(response).await
    }

    /// Submits alice's password on the provider's password form.
    pub(crate) async fn password(&self, page: &Page) -> Page {
        self.submit(
            page,
            &[
                ("username", "alice"),
                ("password", ALICE_PASSWORD),
                ("action", "login"),
            ],
        )
        .await
    }

    /// Submits a TOTP code on the provider's TOTP form: the current step's, or the
    /// next one if this browser used the current one (the provider takes each once).
    pub(crate) async fn totp(&self, page: &Page) -> Page {
        let code = {
            let mut last = self.totp_step.lock().unwrap();
            let now = unix_now() / 30;
            let step = match *last {
                Some(used) if used >= now => used + 1,
                _ => now,
            };
            assert!(step <= now + 1, "more than two TOTP codes within 30 s");
            *last = Some(step);
            stepup_issuer::totp_code(ALICE_TOTP, step * 30).unwrap()
        };
        self.submit(page, &[("code", code.as_str()), ("action", "verify")])
            .await
    }
}

pub(crate) fn is_password_form(body: &str) -> bool {
    body.contains("name=\"password\"")
}

pub(crate) fn is_totp_form(body: &str) -> bool {
    body.contains("name=\"code\"")
}

fn attribute(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)? + prefix.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].replace("&amp;", "&"))
}

fn hidden(body: &str, name: &str) -> String {
    attribute(body, &format!("name=\"{name}\" value=\"")).unwrap_or_default()
}

// ---------------------------------------------------------------- wire parsers

/// The `Location` header, as sent.
pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The first value of query parameter `name`.
pub(crate) fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A `WWW-Authenticate` challenge: its scheme and auth-params (RFC 9110 §11.2), the
/// values unquoted. Panics on anything that is not one well-formed challenge.
#[derive(Debug)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: HashMap<String, String>,
}

impl Challenge {
    pub(crate) fn of(response: &reqwest::Response) -> Self {
        let values: Vec<_> = response
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .collect();
        assert_eq!(values.len(), 1, "one WWW-Authenticate: {values:?}");
        Self::parse(values[0].to_str().unwrap())
    }

    pub(crate) fn parse(text: &str) -> Self {
        let (scheme, mut rest) = text.split_once(' ').unwrap_or((text, ""));
        let mut params = HashMap::new();
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            if rest.is_empty() {
                break;
            }
            let (name, after) = rest.split_once('=').expect("name=value");
            let name = name.trim().to_ascii_lowercase();
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "bad auth-param name in {text:?}"
            );
            let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let end = loop {
                    match chars.next().expect("a closing quote") {
                        (_, '\\') => value.push(chars.next().expect("an escaped char").1),
                        (i, '"') => break i + 1,
                        (_, c) => value.push(c),
                    }
                };
                (value, &quoted[end..])
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            };
            assert!(
                params.insert(name.clone(), value).is_none(),
                "{name} twice in {text:?}"
            );
            rest = after;
        }
        Self {
            scheme: scheme.to_owned(),
            params,
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}
