//! The authorization endpoint and the login pages (password, then TOTP when asked).
//!
//! How a request becomes a code (README, "Step-up semantics"):
//! - a fresh login (password) is needed without a session, with `prompt=login`, or when
//!   the session's `auth_time` is older than `max_age` (`max_age=0` always);
//! - the TOTP step is needed when `acr_values` asks for multi-factor and the session
//!   (or the fresh login) has not done it;
//! - otherwise the session answers at once; `prompt=none` turns any needed interaction
//!   into `login_required` / `interaction_required`;
//! - `prompt=consent` changes nothing: the client's registration is the consent.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use stepup::PAPE_MULTI_FACTOR;

use super::limits::{Factor, Lockout};
use super::passwords::CheckFailed;
use super::store::{
    AuthRequest, CODE_LIFETIME, Grant, Session, Stage, TRANSACTION_LIFETIME, Transaction,
};
use super::{App, BROWSER_COOKIE, SESSION_COOKIE, cookie, html, now, parse_params, redirect};
use crate::html::{self as pages, LoginView};
use crate::{random, totp};

/// The scope values the provider knows; others are ignored (RFC 6749 §3.3 lets the
/// server narrow the scope).
const SCOPES: [&str; 3] = ["openid", "profile", "email"];

pub(crate) async fn authorize_get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(&app, &headers, query.as_deref().unwrap_or(""))
}

pub(crate) async fn authorize_post(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    authorize(&app, &headers, &body)
}

/// A refused authorization request: shown to the person when the client or its
/// redirect URI cannot be trusted, otherwise sent back to the client.
enum Refusal {
    Page(String),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// The validated request plus the `prompt`/`max_age` flags that only matter now.
struct Validated {
    request: AuthRequest,
    prompt_none: bool,
    prompt_login: bool,
    max_age: Option<i64>,
}

fn authorize(app: &App, headers: &HeaderMap, text: &str) -> Response {
    match validate(app, text) {
        Ok(validated) => decide(app, headers, validated),
        Err(Refusal::Page(message)) => html(
            StatusCode::BAD_REQUEST,
            pages::error_page("Invalid login request", &message),
        ),
        Err(Refusal::Redirect {
            redirect_uri,
            state,
            error,
            description,
        }) => redirect(
            StatusCode::FOUND,
            &error_location(app, &redirect_uri, state.as_deref(), error, &description),
        ),
    }
}

/// OAuth 2.0 §4.1.2.1 order: client and redirect URI first (never redirect to an
/// unverified URI), then everything else as an error response to the client.
fn validate(app: &App, text: &str) -> Result<Validated, Refusal> {
    let params = parse_params(text).map_err(|e| {
        Refusal::Page(format!(
            "The login request is malformed: {e}. Start again from the application."
        ))
    })?;
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let client_id = get("client_id")
        .ok_or_else(|| Refusal::Page("The login request has no client_id.".into()))?;
    let client = app.directory.clients.get(client_id).ok_or_else(|| {
        Refusal::Page(format!(
            "Unknown client {client_id:?}; check the client_id."
        ))
    })?;
    let redirect_uri = get("redirect_uri")
        .ok_or_else(|| Refusal::Page("The login request has no redirect_uri.".into()))?;
    // Exact string match: no prefix, no wildcard, no normalisation.
    if !client.redirect_uris.iter().any(|uri| uri == redirect_uri) {
        return Err(Refusal::Page(format!(
            "The redirect_uri {redirect_uri:?} is not registered for client {client_id:?}. \
             Registered: {}.",
            client.redirect_uris.join(", ")
        )));
    }
    let state = get("state").map(str::to_owned);
    let refuse = |error: &'static str, description: String| Refusal::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        error,
        description,
    };
    if get("request").is_some() {
        return Err(refuse(
            "request_not_supported",
            "request objects are not supported".into(),
        ));
    }
    if get("request_uri").is_some() {
        return Err(refuse(
            "request_uri_not_supported",
            "request_uri is not supported".into(),
        ));
    }
    match get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err(refuse(
                "unsupported_response_type",
                format!("response_type {other:?} is not supported; use code"),
            ));
        }
        None => return Err(refuse("invalid_request", "response_type is missing".into())),
    }
    if let Some(mode) = get("response_mode")
        && mode != "query"
    {
        return Err(refuse(
            "invalid_request",
            format!("response_mode {mode:?} is not supported; use query"),
        ));
    }
    let scope: Vec<String> = get("scope")
        .unwrap_or("")
        .split(' ')
        .filter(|s| SCOPES.contains(s))
        .map(str::to_owned)
        .collect();
    if !scope.iter().any(|s| s == "openid") {
        return Err(refuse(
            "invalid_scope",
            "scope must contain openid (this is an OpenID Connect provider)".into(),
        ));
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) if client.is_public() => {
            return Err(refuse(
                "invalid_request",
                "PKCE is required for public clients: send code_challenge with code_challenge_method=S256".into(),
            ));
        }
        (None, None) => None,
        (Some(challenge), Some("S256")) => {
            if challenge.len() != 43
                || !challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge must be the 43-character base64url SHA-256 of the verifier"
                        .into(),
                ));
            }
            Some(challenge.to_owned())
        }
        (Some(_), None | Some("plain")) => {
            return Err(refuse(
                "invalid_request",
                "only code_challenge_method=S256 is supported (plain is not)".into(),
            ));
        }
        (_, Some(method)) => {
            return Err(refuse(
                "invalid_request",
                format!(
                    "code_challenge_method {method:?} without a valid code_challenge; use S256"
                ),
            ));
        }
    };
    let prompts: Vec<&str> = get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect();
    let prompt_none = prompts.contains(&"none");
    if prompt_none && prompts.len() > 1 {
        return Err(refuse(
            "invalid_request",
            "prompt=none cannot be combined with other prompt values".into(),
        ));
    }
    let prompt_login = prompts.contains(&"login");
    // `prompt=consent` needs nothing more: every client is registered in the
    // configuration, and that registration is the consent (README, "Step-up semantics").
    // The spec lets a provider that has consent answer without asking again (OIDC Core
    // §3.1.2.1); answering `consent_required` instead would break the many applications
    // that send `prompt=consent` to their real provider, which is what this provider is
    // for trying.
    let max_age = match get("max_age") {
        None => None,
        Some(text) => Some(parse_max_age(text).ok_or_else(|| {
            refuse(
                "invalid_request",
                format!("max_age {text:?} is not a whole number of seconds"),
            )
        })?),
    };
    let mfa = get("acr_values")
        .unwrap_or("")
        .split(' ')
        .any(|value| value == PAPE_MULTI_FACTOR);
    let fresh_reason = if prompt_login {
        Some("The application asks you to log in again.")
    } else if max_age.is_some() {
        Some("Your last login is older than the application allows; please log in again.")
    } else {
        None
    };
    Ok(Validated {
        request: AuthRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            state,
            nonce: get("nonce").map(str::to_owned),
            scope,
            code_challenge,
            mfa,
            login_hint: get("login_hint").map(str::to_owned),
            fresh_reason,
        },
        prompt_none,
        prompt_login,
        max_age,
    })
}

/// `max_age`: a non-negative whole number of seconds in decimal digits. Any such number
/// is accepted; beyond what an `i64` holds it saturates, meaning a login of any age.
fn parse_max_age(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<i64>().unwrap_or(i64::MAX))
}

fn decide(app: &App, headers: &HeaderMap, validated: Validated) -> Response {
    let Validated {
        mut request,
        prompt_none,
        prompt_login,
        max_age,
    } = validated;
    let now = now();
    let session_cookie = cookie(headers, SESSION_COOKIE);
    let session = session_cookie
        .as_deref()
        .and_then(|c| app.store().session(c, now))
        // A session kept across a restart whose user left the configuration is void.
        .filter(|s| app.directory.user(&s.user).is_some());
    let too_old = match (&session, max_age) {
        // max_age=0 is prompt=login (OIDC Core §3.1.2.1).
        (Some(_), Some(0)) => true,
        (Some(session), Some(max_age)) => now.saturating_sub(session.auth_time) > max_age,
        _ => false,
    };
    let need_login = session.is_none() || prompt_login || too_old;
    if !need_login || session.is_none() {
        // Only a login forced over an existing session needs explaining.
        request.fresh_reason = None;
    }
    let need_totp = request.mfa && (need_login || session.as_ref().is_some_and(|s| !s.mfa));

    if prompt_none && need_login {
        let description = if session.is_none() {
            "no login session at the provider"
        } else {
            "the login session is older than max_age"
        };
        return client_error(app, &request, "login_required", description);
    }
    if prompt_none && need_totp {
        return client_error(
            app,
            &request,
            "interaction_required",
            "multi-factor authentication needs the user",
        );
    }
    if let (false, false, Some(session)) = (need_login, need_totp, &session) {
        // The session answers at once (single sign-on).
        return issue(app, &request, session);
    }
    let stage = match (&session, need_login) {
        (Some(session), false) => {
            let has_totp = app
                .directory
                .user(&session.user)
                .is_some_and(|u| u.totp_secret.is_some());
            if !has_totp {
                return client_error(
                    app,
                    &request,
                    "unmet_authentication_requirements",
                    "the user has no second factor enrolled",
                );
            }
            Stage::Totp {
                user: session.user.clone(),
            }
        }
        _ => Stage::Password,
    };
    let (browser, new_browser) = match cookie(headers, BROWSER_COOKIE) {
        Some(browser) => (browser, false),
        None => match random::token() {
            Ok(browser) => (browser, true),
            Err(_) => return server_error(),
        },
    };
    let tx = Transaction {
        browser: browser.clone(),
        request,
        stage,
        expires: now + TRANSACTION_LIFETIME,
    };
    let Ok(tx_id) = app.store().add_transaction(tx) else {
        return server_error();
    };
    let mut response = redirect(StatusCode::FOUND, &format!("/login?tx={tx_id}"));
    if new_browser {
        response.headers_mut().append(
            header::SET_COOKIE,
            app.cookie(BROWSER_COOKIE, &browser, None),
        );
    }
    response
}

#[derive(Deserialize)]
pub(crate) struct TxQuery {
    tx: String,
}

/// Shows the form the login stands at.
pub(crate) async fn login_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<TxQuery>,
) -> Response {
    let (tx, browser) = match transaction(&app, &headers, &query.tx) {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    render_stage(&app, &query.tx, &tx, &browser, None, StatusCode::OK, "")
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    tx: String,
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    action: String,
}

/// Longest username accepted at the login form, in bytes: longer ones are refused before
/// they are counted (the failed-login counters key on the name).
const MAX_USERNAME_LEN: usize = 256;

/// The password form was submitted.
pub(crate) async fn login_submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let (tx, browser) = match checked_transaction(&app, &headers, &form.tx, &form.csrf) {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    if form.action == "cancel" {
        return cancel(&app, &form.tx, &tx);
    }
    if tx.stage != Stage::Password {
        return render_stage(&app, &form.tx, &tx, &browser, None, StatusCode::OK, "");
    }
    let username = form.username.trim().to_owned();
    // Counted by name below: a name no user could have is not kept in the counters.
    if username.len() > MAX_USERNAME_LEN {
        return html(
            StatusCode::BAD_REQUEST,
            pages::error_page(
                "Username too long",
                &format!("Usernames are at most {MAX_USERNAME_LEN} bytes."),
            ),
        );
    }
    // Counted before the (slow) check, so concurrent guesses cannot all pass the limit.
    let attempt = match app.store().failed_logins.begin(
        &username,
        peer.ip(),
        Factor::Password,
        app.limits(),
        now(),
    ) {
        Ok(attempt) => attempt,
        Err(lockout) => return too_many(lockout),
    };
    let user = app.directory.user(&username);
    let hash = user.map(|u| u.password_hash.clone());
    // An unknown user costs the same as a wrong password, so timing does not reveal who
    // exists. The check and the settling of the attempt run in a task of their own: a
    // request dropped while it waits (the browser gave up, a double submit) still
    // settles its attempt, instead of leaving the slot "being checked" for the window.
    let settled = {
        let app = Arc::clone(&app);
        let known = user.is_some();
        tokio::spawn(async move {
            let checked = app.passwords.check(form.password, hash).await;
            let mut store = app.store();
            match checked {
                Ok(true) if known => store.failed_logins.succeeded(attempt),
                _ => store.failed_logins.failed(attempt),
            }
            checked
        })
    };
    let ok = match settled.await {
        Ok(Ok(ok)) => ok,
        Ok(Err(CheckFailed::Busy)) => return passwords_busy(),
        Ok(Err(CheckFailed::Unavailable)) | Err(_) => return server_error(),
    };
    let now = now();
    let Some(user) = user.filter(|_| ok) else {
        return render_stage(
            &app,
            &form.tx,
            &tx,
            &browser,
            Some("Wrong username or password."),
            StatusCode::UNAUTHORIZED,
            &username,
        );
    };
    if tx.request.mfa {
        if user.totp_secret.is_none() {
            return finish_with_error(
                &app,
                &form.tx,
                &tx,
                "unmet_authentication_requirements",
                "the user has no second factor enrolled",
            );
        }
        let stage = Stage::Totp {
            user: user.username.clone(),
        };
        app.store().set_stage(&form.tx, stage);
        return redirect(StatusCode::SEE_OTHER, &format!("/login?tx={}", form.tx));
    }
    complete(&app, &headers, &form.tx, &tx, &user.username, false, now)
}

#[derive(Deserialize)]
pub(crate) struct TotpForm {
    tx: String,
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    action: String,
}

/// The TOTP form was submitted.
pub(crate) async fn totp_submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<TotpForm>,
) -> Response {
    let (tx, browser) = match checked_transaction(&app, &headers, &form.tx, &form.csrf) {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    if form.action == "cancel" {
        return cancel(&app, &form.tx, &tx);
    }
    let Stage::Totp { user: username } = &tx.stage else {
        return render_stage(&app, &form.tx, &tx, &browser, None, StatusCode::OK, "");
    };
    let Some(secret) = app
        .directory
        .user(username)
        .and_then(|u| u.totp_secret.as_ref())
    else {
        return finish_with_error(
            &app,
            &form.tx,
            &tx,
            "unmet_authentication_requirements",
            "the user has no second factor enrolled",
        );
    };
    let now = now();
    let unix = u64::try_from(now).unwrap_or(0);
    let limits = app.limits();
    let matched = {
        // One lock for the limit, the check and its outcome.
        let mut store = app.store();
        let attempt =
            match store
                .failed_logins
                .begin(username, peer.ip(), Factor::Totp, limits, now)
            {
                Ok(attempt) => attempt,
                Err(lockout) => return too_many(lockout),
            };
        let last = store.totp_last_step(username);
        let matched = totp::verify(secret, &form.code, unix, last);
        match matched {
            Some(step) => {
                store.set_totp_last_step(username, step);
                store.failed_logins.succeeded(attempt);
            }
            None => store.failed_logins.failed(attempt),
        }
        matched
    };
    if matched.is_none() {
        return render_stage(
            &app,
            &form.tx,
            &tx,
            &browser,
            Some(
                "That code is not valid. Codes change every 30 seconds, and each works only once.",
            ),
            StatusCode::UNAUTHORIZED,
            "",
        );
    }
    let username = username.clone();
    complete(&app, &headers, &form.tx, &tx, &username, true, now)
}

/// A login finished: new session (new id), code to the client.
fn complete(
    app: &App,
    headers: &HeaderMap,
    tx_id: &str,
    tx: &Transaction,
    username: &str,
    mfa: bool,
    now: i64,
) -> Response {
    let old = cookie(headers, SESSION_COOKIE);
    let lifetime = app.config.session_lifetime;
    let Ok(sid) = random::token() else {
        return server_error();
    };
    let session = Session {
        user: username.to_owned(),
        auth_time: now,
        mfa,
        sid,
        expires: now + i64::try_from(lifetime).unwrap_or(i64::MAX / 2),
    };
    let started = {
        let mut store = app.store();
        store.remove_transaction(tx_id);
        let started = store.start_session(old.as_deref(), session.clone());
        app.save_sessions(&store);
        started
    };
    let Ok(cookie_value) = started else {
        return server_error();
    };
    let mut response = issue(app, &tx.request, &session);
    response.headers_mut().append(
        header::SET_COOKIE,
        app.cookie(SESSION_COOKIE, &cookie_value, Some(lifetime)),
    );
    response
}

/// Issues a code for `session` and sends the browser back to the client.
fn issue(app: &App, request: &AuthRequest, session: &Session) -> Response {
    let now = now();
    let grant = Grant {
        request: request.clone(),
        user: session.user.clone(),
        auth_time: session.auth_time,
        mfa: session.mfa,
        sid: session.sid.clone(),
        expires: now + CODE_LIFETIME,
        used: false,
        access_jti: None,
    };
    let Ok(code) = app.store().issue_code(grant) else {
        return server_error();
    };
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = &request.state {
        params.push(("state", state));
    }
    params.push(("iss", &app.issuer));
    redirect(
        StatusCode::SEE_OTHER,
        &with_params(&request.redirect_uri, &params),
    )
}

fn cancel(app: &App, tx_id: &str, tx: &Transaction) -> Response {
    finish_with_error(
        app,
        tx_id,
        tx,
        "access_denied",
        "the user cancelled the login",
    )
}

fn finish_with_error(
    app: &App,
    tx_id: &str,
    tx: &Transaction,
    error: &str,
    description: &str,
) -> Response {
    app.store().remove_transaction(tx_id);
    let mut response = client_error(app, &tx.request, error, description);
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
}

fn client_error(app: &App, request: &AuthRequest, error: &str, description: &str) -> Response {
    redirect(
        StatusCode::FOUND,
        &error_location(
            app,
            &request.redirect_uri,
            request.state.as_deref(),
            error,
            description,
        ),
    )
}

fn error_location(
    app: &App,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> String {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    params.push(("iss", &app.issuer));
    with_params(redirect_uri, &params)
}

/// `uri` with `params` added to its query (keeping any query it has).
fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

/// Why a login form cannot be used.
enum FormRefusal {
    /// Unknown or expired transaction, or opened in another browser.
    Expired,
    /// The CSRF token does not match the browser.
    Forged,
}

impl FormRefusal {
    fn into_response(self) -> Response {
        match self {
            Self::Expired => html(
                StatusCode::BAD_REQUEST,
                pages::error_page(
                    "Login expired",
                    "This login page has expired or was opened in another browser. \
                     Go back to the application and start again. (Cookies must be enabled.)",
                ),
            ),
            Self::Forged => html(
                StatusCode::FORBIDDEN,
                pages::error_page(
                    "Form refused",
                    "The form's security token does not match this browser. \
                     Reload the login page and try again.",
                ),
            ),
        }
    }
}

/// Finds a live transaction opened by this browser.
fn transaction(
    app: &App,
    headers: &HeaderMap,
    tx_id: &str,
) -> Result<(Transaction, String), FormRefusal> {
    let browser = cookie(headers, BROWSER_COOKIE).ok_or(FormRefusal::Expired)?;
    let tx = app
        .store()
        .transaction(tx_id, now())
        .filter(|tx| tx.browser == browser)
        .ok_or(FormRefusal::Expired)?;
    Ok((tx, browser))
}

/// As [`transaction`], and checks the form's CSRF token.
fn checked_transaction(
    app: &App,
    headers: &HeaderMap,
    tx_id: &str,
    csrf: &str,
) -> Result<(Transaction, String), FormRefusal> {
    let (tx, browser) = transaction(app, headers, tx_id)?;
    if !app.csrf_ok(&browser, csrf) {
        return Err(FormRefusal::Forged);
    }
    Ok((tx, browser))
}

fn render_stage(
    app: &App,
    tx_id: &str,
    tx: &Transaction,
    browser: &str,
    error: Option<&str>,
    status: StatusCode,
    username: &str,
) -> Response {
    let client_name = app
        .directory
        .clients
        .get(&tx.request.client_id)
        .map_or(tx.request.client_id.as_str(), |c| c.name.as_str());
    let csrf = app.csrf_token(browser);
    let reason = match (&tx.stage, tx.request.mfa) {
        (Stage::Password, true) => Some(
            "It asks for multi-factor authentication: after your password you will be asked \
             for a code from your authenticator app.",
        ),
        (Stage::Password, false) => tx.request.fresh_reason,
        (Stage::Totp { .. }, _) => None,
    };
    let view = LoginView {
        tx: tx_id,
        csrf: &csrf,
        client_name,
        reason,
        error,
    };
    let body = match &tx.stage {
        Stage::Password => {
            let prefill = if username.is_empty() {
                tx.request.login_hint.as_deref().unwrap_or("")
            } else {
                username
            };
            pages::login_page(&view, prefill)
        }
        Stage::Totp { user } => pages::totp_page(&view, user),
    };
    html(status, body)
}

fn too_many(lockout: Lockout) -> Response {
    let wait = lockout.wait();
    let message = match lockout {
        Lockout::Address { .. } => format!(
            "Too many failed logins for this user from your address. Try again in {wait} seconds."
        ),
        Lockout::Account { .. } => format!(
            "Too many failed logins for this user (from all addresses together). \
             Try again in {wait} seconds."
        ),
        Lockout::Busy => "Other logins for this user are being checked right now. \
                          Try again in a second."
            .to_owned(),
    };
    let mut response = html(
        StatusCode::TOO_MANY_REQUESTS,
        pages::error_page("Too many attempts", &message),
    );
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The password queue is full: every check ahead of this one is answered first.
fn passwords_busy() -> Response {
    let mut response = html(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::error_page(
            "Busy",
            "The provider is checking many logins right now. Try again in a few seconds.",
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn server_error() -> Response {
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::error_page("Server error", "The provider could not complete this step."),
    )
}
