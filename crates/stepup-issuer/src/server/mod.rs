//! The HTTP server: shared state, router, start and shutdown.

mod authorize;
mod endpoints;
mod limits;
mod passwords;
mod request_log;
pub(crate) mod store;
mod token;
mod try_it;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use aws_lc_rs::hmac;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::IssuerConfig;
use crate::error::Error;
use crate::keys::KeyStore;
use crate::model::{self, ClientCredentials, Directory, UserCredentials};
use crate::password::Argon2Memory;
use crate::state::{self, SESSIONS_FILE};
use limits::Limits;
use passwords::PasswordChecker;
use store::Store;

/// The cookie holding the login session id.
pub(crate) const SESSION_COOKIE: &str = "stepup_issuer_session";
/// The cookie binding login forms to the browser that opened them (CSRF).
pub(crate) const BROWSER_COOKIE: &str = "stepup_issuer_browser";

/// Everything a request handler needs.
pub(crate) struct App {
    pub(crate) issuer: String,
    pub(crate) config: IssuerConfig,
    pub(crate) directory: Directory,
    pub(crate) keys: KeyStore,
    pub(crate) store: Mutex<Store>,
    /// Checks passwords on the provider's one Argon2 thread.
    pub(crate) passwords: PasswordChecker,
    /// Keys the CSRF tokens (HMAC of the browser cookie); new at each start.
    csrf_key: hmac::Key,
    secure_cookies: bool,
}

impl App {
    /// The endpoint URL for `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer.trim_end_matches('/'))
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The failed-login limits of the configuration.
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            per_address: self.config.max_failed_logins,
            per_account: self.config.max_failed_logins_per_account,
            window: self.failed_login_window(),
        }
    }

    /// `failed_login_window` in seconds (validated: at most a year).
    pub(crate) fn failed_login_window(&self) -> i64 {
        i64::try_from(self.config.failed_login_window).unwrap_or(300)
    }

    /// The CSRF token for forms shown to the browser with this cookie value.
    pub(crate) fn csrf_token(&self, browser: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.csrf_key, browser.as_bytes()))
    }

    /// Checks a submitted CSRF token against the browser cookie (constant time).
    pub(crate) fn csrf_ok(&self, browser: &str, token: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(token)
            .is_ok_and(|tag| hmac::verify(&self.csrf_key, browser.as_bytes(), &tag).is_ok())
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Lax (the provider must see its session
    /// on the top-level navigation back from a client), Secure on an https issuer.
    pub(crate) fn cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(seconds) = max_age {
            cookie.push_str(&format!("; Max-Age={seconds}"));
        }
        if self.secure_cookies {
            cookie.push_str("; Secure");
        }
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// Saves the sessions file; a failure is not fatal (sessions stay in memory).
    pub(crate) fn save_sessions(&self, store: &Store) {
        let _ = store.save_sessions();
    }
}

/// The current time in Unix seconds.
pub(crate) fn now() -> i64 {
    stepup::UnixTime::now().as_secs()
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty() && value.len() <= 128)
}

/// An HTML page with a status.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

/// A redirect (302 after GET, 303 after POST) with no-store.
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Parses `application/x-www-form-urlencoded` text, refusing repeated parameters
/// (OAuth 2.0 §3.1: parameters MUST NOT be included more than once).
pub(crate) fn parse_params(
    text: &str,
) -> Result<std::collections::HashMap<String, String>, String> {
    let mut params = std::collections::HashMap::new();
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        if value.len() > 4096 {
            return Err(format!("parameter {key} is longer than 4096 bytes"));
        }
        if params.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("parameter {key} is repeated"));
        }
    }
    Ok(params)
}

/// The demo users' and clients' credentials plus where things are: what the startup
/// banner shows.
#[derive(Debug, Clone)]
pub struct BannerInfo {
    /// The issuer URL.
    pub issuer: String,
    /// The state directory.
    pub state_dir: PathBuf,
    /// The users.
    pub users: Vec<UserCredentials>,
    /// The clients.
    pub clients: Vec<ClientCredentials>,
    /// The built-in try-it page, if served.
    pub try_url: Option<String>,
}

/// The development OpenID Provider.
#[derive(Debug)]
pub struct Issuer;

impl Issuer {
    /// Binds `listen`, loads or creates the keys and generated credentials in `state_dir`,
    /// and serves on the current tokio runtime until [`RunningIssuer::shutdown`].
    ///
    /// # Errors
    /// `invalid_config`, `state_io`/`state_invalid` for the state directory, `bind_failed`,
    /// `key_failed`.
    pub async fn start(
        config: IssuerConfig,
        listen: SocketAddr,
        state_dir: &Path,
    ) -> Result<RunningIssuer, Error> {
        config.validate()?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| Error::Bind {
                addr: listen,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: listen,
            source,
        })?;
        let issuer = match &config.issuer {
            Some(issuer) => issuer.clone(),
            None => {
                let host = if local_addr.ip().is_unspecified() {
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local_addr.port())
                } else {
                    local_addr
                };
                format!("http://{host}")
            }
        };
        let state_dir = state_dir.to_owned();
        let app = {
            let config = config.clone();
            let issuer = issuer.clone();
            let state_dir = state_dir.clone();
            // Key generation and Argon2 hashing are CPU work; keep them off the runtime.
            tokio::task::spawn_blocking(move || build_app(config, issuer, &state_dir))
                .await
                .map_err(|e| Error::config(format!("startup task failed: {e}")))??
        };
        let (app, banner) = app;
        let app = Arc::new(app);
        let router = router(Arc::clone(&app));
        let (stop, stopped) = oneshot::channel::<()>();
        let pruner = {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    app.store().prune(now(), app.failed_login_window());
                }
            })
        };
        let task = tokio::spawn(async move {
            let result = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
            pruner.abort();
            result.map_err(Error::Server)
        });
        Ok(RunningIssuer {
            local_addr,
            issuer,
            banner,
            stop: Some(stop),
            task,
            app,
        })
    }
}

fn build_app(
    config: IssuerConfig,
    issuer: String,
    state_dir: &Path,
) -> Result<(App, BannerInfo), Error> {
    state::ensure_dir(state_dir)?;
    // Short, so the QR code stays small enough for a terminal.
    let label = "stepup-dev";
    // One Argon2 buffer for the configured passwords, the dummy hash and then every
    // check (see `passwords`).
    let mut argon2 = Argon2Memory::default();
    let mut resolved = model::resolve(&config, state_dir, label, &mut argon2)?;
    // Unknown users are checked against this, so they cost what a wrong password costs.
    let dummy_hash = argon2.hash(&crate::random::token()?)?;
    if config.try_client {
        // A configured client of the same id wins.
        if !resolved
            .directory
            .clients
            .contains_key(try_it::TRY_CLIENT_ID)
        {
            resolved
                .directory
                .clients
                .insert(try_it::TRY_CLIENT_ID.into(), try_it::client(&issuer)?);
        }
    }
    let keys = KeyStore::open(state_dir)?;
    let store = Store::with_sessions_file(state_dir.join(SESSIONS_FILE), now())?;
    let csrf_key = hmac::Key::new(hmac::HMAC_SHA256, &crate::random::bytes::<32>()?);
    let banner = BannerInfo {
        issuer: issuer.clone(),
        state_dir: state_dir.to_owned(),
        users: resolved.users,
        clients: resolved.clients,
        try_url: config
            .try_client
            .then(|| format!("{}/try", issuer.trim_end_matches('/'))),
    };
    let app = App {
        secure_cookies: issuer.starts_with("https://"),
        issuer,
        config,
        directory: resolved.directory,
        keys,
        store: Mutex::new(store),
        passwords: PasswordChecker::start(argon2, dummy_hash)?,
        csrf_key,
    };
    Ok((app, banner))
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(endpoints::index))
        .route(
            "/.well-known/openid-configuration",
            get(endpoints::discovery),
        )
        .route("/jwks.json", get(endpoints::jwks))
        .route(
            "/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route(
            "/login",
            get(authorize::login_page).post(authorize::login_submit),
        )
        .route("/login/totp", post(authorize::totp_submit))
        .route("/token", post(token::token))
        .route(
            "/userinfo",
            get(endpoints::userinfo).post(endpoints::userinfo),
        )
        .route(
            "/logout",
            get(endpoints::logout_get).post(endpoints::logout_post),
        )
        .route("/admin/rotate-keys", post(endpoints::rotate_keys))
        .route("/try", get(try_it::page))
        .route("/try/start", get(try_it::start))
        .route("/try/callback", get(try_it::callback))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(request_log::log_request))
        .with_state(app)
}

/// Headers on every response: no sniffing, no referrer, no framing, no caching of pages.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A running provider. [`shutdown`](Self::shutdown) stops it and waits for requests in
/// flight; dropping it also stops it, without waiting.
#[derive(Debug)]
pub struct RunningIssuer {
    local_addr: SocketAddr,
    issuer: String,
    banner: BannerInfo,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
    app: Arc<App>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl RunningIssuer {
    /// The address the server is bound to (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The issuer URL (`iss`, and the base of every endpoint).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The discovery document's URL.
    pub fn discovery_url(&self) -> String {
        self.app.url("/.well-known/openid-configuration")
    }

    /// The users with their passwords and TOTP secrets.
    pub fn users(&self) -> &[UserCredentials] {
        &self.banner.users
    }

    /// The clients with their secrets.
    pub fn clients(&self) -> &[ClientCredentials] {
        &self.banner.clients
    }

    /// What the startup banner shows.
    pub fn banner_info(&self) -> &BannerInfo {
        &self.banner
    }

    /// The startup banner: endpoints, users with passwords, TOTP enrolment as
    /// `otpauth://` URIs and terminal QR codes, clients with secrets.
    pub fn banner(&self) -> String {
        crate::banner::render(&self.banner)
    }

    /// Rotates the signing keys of this provider (as `stepup issuer rotate-keys` does).
    ///
    /// # Errors
    /// `state_io`, `key_failed`.
    pub fn rotate_keys(&self) -> Result<crate::KeyRotation, Error> {
        self.app.keys.rotate()
    }

    /// Waits until the server stops by itself (an I/O error) — normally never.
    ///
    /// # Errors
    /// `server_failed`.
    pub async fn wait(self) -> Result<(), Error> {
        // Hold the stop sender: dropping it would stop the server.
        let Self { task, stop, .. } = self;
        let result = task
            .await
            .map_err(|e| Error::Server(std::io::Error::other(e.to_string())))?;
        drop(stop);
        result
    }

    /// Stops accepting connections, finishes requests in flight and returns.
    ///
    /// # Errors
    /// `server_failed` if the server had failed.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = (&mut self.task)
            .await
            .map_err(|e| Error::Server(std::io::Error::other(e.to_string())))?;
        // Sessions are saved on every change; save once more for a clean stop.
        let store = self.app.store();
        self.app.save_sessions(&store);
        result
    }
}

/// An OAuth error as JSON (token endpoint), RFC 6749 §5.2.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
