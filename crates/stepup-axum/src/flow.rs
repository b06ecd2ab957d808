//! The browser flow (OIDC Core §3.1, authorization code + PKCE S256): the login
//! start, the callback and logout.
//!
//! - Login start (`/login?rd=…&amr=…&max_age=…`): checks the return path, decides
//!   what the current session lacks for what the page needs, and sends the browser
//!   to the provider asking for exactly that. `state`, `nonce`, the PKCE verifier,
//!   the return path and the need go into a sealed flow cookie (10 minutes, single use).
//! - Callback: checks `state` (and `iss`, RFC 9207), exchanges the code, verifies the
//!   ID token with the nonce, then re-checks what the page needs against the new
//!   `amr`/`acr`/`auth_time` (never trusting what was asked for). Met: a session
//!   cookie and a redirect back. Not met: the loop guard's 403 page, never another
//!   redirect.
//! - Logout: GET shows a button, POST clears the cookies and, when the provider
//!   offers `end_session_endpoint`, sends the browser there (RP-initiated logout).

use aws_lc_rs::{constant_time, digest};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{self, HeaderValue};
use http::{HeaderMap, StatusCode, Uri};
use stepup::{Claims, Decision, Missing};

use crate::ask::Ask;
use crate::config::StepUp;
use crate::need::Need;
use crate::outcome::{LoopGuard, Refusal};
use crate::pages::{self, escape};
use crate::return_path::allowed_return;
use crate::session::{FLOW_LIFETIME, FlowData, SessionData, cookie_value};
use crate::token_endpoint::ExchangeError;

impl StepUp {
    /// The login start, callback and logout routes, at the configured paths (the
    /// callback at the redirect URI's path). Merge them into the app's router.
    ///
    /// ```no_run
    /// # fn demo(stepup: stepup_axum::StepUp) {
    /// let app: axum::Router = axum::Router::new().merge(stepup.routes());
    /// # }
    /// ```
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let inner = &self.inner;
        Router::new()
            .route(&inner.login_path, get(login_start))
            .route(&inner.callback_path, get(callback))
            .route(&inner.logout_path, get(logout_page).post(logout))
            .with_state(self.clone())
    }

    /// The login of the request's session cookie, if it has a live one, without
    /// any policy: for pages that show who is logged in but need no login.
    pub fn current_session(&self, headers: &HeaderMap) -> Option<crate::Identity> {
        let (claims, email, stepped_up_for) = self.session(headers)?.into_parts();
        Some(crate::Identity::from_session(claims, email, stepped_up_for))
    }

    /// The current browser session's claims, if it has a live one.
    pub(crate) fn session(&self, headers: &HeaderMap) -> Option<SessionData> {
        let value = cookie_value(headers, &self.inner.cookies.session)?;
        self.open_session(value, self.inner.clock.now())
    }

    /// Opens a session cookie's value: a live session of this provider and client.
    pub(crate) fn open_session(&self, value: &str, now: stepup::UnixTime) -> Option<SessionData> {
        let inner = &self.inner;
        SessionData::open(
            &inner.keys,
            &inner.cookies.session,
            value,
            inner.provider.verifier().issuer(),
            &inner.client.id,
            now,
            inner.session_lifetime,
        )
    }
}

/// Cryptographically random, base64url: 32 bytes (256 bits) for state, nonce and
/// the PKCE verifier (43 characters, within RFC 7636's 43–128).
fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

fn found(location: &str) -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn bad_request(message: &str) -> Response {
    pages::flow_error(StatusCode::BAD_REQUEST, "Login not possible", message)
}

/// A query parameter (the first of its name).
fn param(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

async fn login_start(State(stepup): State<StepUp>, uri: Uri, headers: HeaderMap) -> Response {
    let inner = &stepup.inner;
    let now = inner.clock.now();
    let rd = param(&uri, "rd").unwrap_or_else(|| "/".into());
    let Some(return_to) = allowed_return(&rd, inner.return_origin.as_deref()) else {
        return bad_request(
            "The page to return to is not on this site (rd must be a path starting with a \
             single /); open the page you wanted from this site again.",
        );
    };
    let need = match &inner.need_for {
        Some(resolver) => resolver
            .resolve(&return_to)
            .map(|policy| Need::from_policy(&policy))
            .unwrap_or_default(),
        None => match Need::from_query(uri.query().unwrap_or("")) {
            Ok(need) => need,
            Err(reason) => return bad_request(&format!("The login link is damaged: {reason}.")),
        },
    };
    let return_to = return_to.as_str();
    let policy = need.policy();
    let session = stepup.session(&headers);
    let current = session.as_ref().map(SessionData::claims);
    if let Some(claims) = &current
        && policy.decide(claims, now).is_satisfied()
    {
        // Nothing to ask for: the session already meets what the page needs.
        return found(return_to);
    }
    let ask = Ask::for_login(&policy, current.as_ref(), &inner.mfa, now);
    let (Some(state), Some(nonce), Some(code_verifier)) =
        (random_token(), random_token(), random_token())
    else {
        return pages::misconfigured();
    };
    let challenge =
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, code_verifier.as_bytes()));
    let flow = FlowData {
        state: state.clone(),
        nonce: nonce.clone(),
        code_verifier,
        return_to: return_to.to_owned(),
        need,
        missing: ask.missing.iter().map(Missing::name).collect(),
        exp: now.as_secs().saturating_add(FLOW_LIFETIME),
    };
    let Some(sealed) = flow.seal(&inner.keys, &inner.cookies.flow) else {
        return bad_request("The page address is too long to log in from; open a shorter one.");
    };
    let Ok(mut authorize) = url::Url::parse(&inner.provider.metadata().authorization_endpoint)
    else {
        return pages::misconfigured();
    };
    {
        let mut query = authorize.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &inner.client.id)
            .append_pair("redirect_uri", &inner.client.redirect_uri)
            .append_pair("scope", &inner.scopes)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        for (name, value) in ask.authorize_params() {
            query.append_pair(name, &value);
        }
    }
    let mut response = found(authorize.as_str());
    response.headers_mut().append(
        header::SET_COOKIE,
        inner
            .cookies
            .set_cookie(&inner.cookies.flow, Some((&sealed, FLOW_LIFETIME))),
    );
    response
}

async fn callback(State(stepup): State<StepUp>, uri: Uri, headers: HeaderMap) -> Response {
    let inner = &stepup.inner;
    let mut response = callback_answer(&stepup, &uri, &headers).await;
    // The flow cookie is single-use: whatever happened, it is gone.
    response.headers_mut().append(
        header::SET_COOKIE,
        inner.cookies.set_cookie(&inner.cookies.flow, None),
    );
    response
}

async fn callback_answer(stepup: &StepUp, uri: &Uri, headers: &HeaderMap) -> Response {
    let inner = &stepup.inner;
    let now = inner.clock.now();
    let flow = cookie_value(headers, &inner.cookies.flow)
        .and_then(|value| FlowData::open(&inner.keys, &inner.cookies.flow, value, now));
    let Some(flow) = flow else {
        return bad_request(
            "This login was not started in this browser, was already used, or took more than \
             10 minutes. Open the page you wanted again to start a new login.",
        );
    };
    let state = param(uri, "state").unwrap_or_default();
    if constant_time::verify_slices_are_equal(state.as_bytes(), flow.state.as_bytes()).is_err() {
        return bad_request(
            "The answer from the provider does not belong to the login this browser started \
             (state mismatch). Open the page you wanted again.",
        );
    }
    let issuer = inner.provider.verifier().issuer();
    if let Some(iss) = param(uri, "iss")
        && iss != issuer
    {
        return bad_request(&format!(
            "The answer came from {iss:?}, not from the provider {issuer:?} (RFC 9207 iss); \
             open the page you wanted again."
        ));
    }
    let policy = flow.need.policy();
    if let Some(error) = param(uri, "error") {
        let description = param(uri, "error_description").unwrap_or_default();
        let mut returned = vec![("error".to_owned(), error)];
        if !description.is_empty() {
            returned.push(("error_description".to_owned(), description));
        }
        let current = stepup.session(headers).map(|s| s.claims());
        let ask = Ask::for_policy(&policy, current.as_ref(), &inner.mfa, now);
        return loop_guard(stepup, returned, ask);
    }
    let Some(code) = param(uri, "code") else {
        return bad_request("The provider's answer has neither a code nor an error.");
    };
    let id_token = match inner
        .token_endpoint
        .exchange(&inner.client, &code, &flow.code_verifier)
        .await
    {
        Ok(token) => token,
        Err(ExchangeError::Refused { error, description }) => {
            return bad_request(&format!(
                "The provider refused the login code ({error}{}{description}). Open the page \
                 you wanted again.",
                if description.is_empty() { "" } else { ": " }
            ));
        }
        Err(ExchangeError::Unavailable(reason)) => {
            tracing::warn!(target: "stepup::flow", %reason, "code exchange failed");
            let mut response = pages::flow_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Login check unavailable",
                "The identity provider cannot be reached to finish the login; try again shortly.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(inner.retry_after));
            return response;
        }
    };
    let verified = match inner
        .provider
        .verifier()
        .verify(&id_token, now, Some(&flow.nonce))
        .await
    {
        Ok(verified) => verified,
        Err(error) => {
            return match Refusal::from_error(error) {
                Refusal::Invalid(error) => pages::flow_error(
                    StatusCode::UNAUTHORIZED,
                    "Login refused",
                    &format!(
                        "The provider's ID token was refused ({}): {error}",
                        error.code()
                    ),
                ),
                // The outcome table's answer (503 page + Retry-After), from `respond`.
                refusal @ Refusal::Unavailable(_) => stepup.refuse(
                    &refusal,
                    crate::outcome::ClientKind::Browser,
                    false,
                    "/",
                    &stepup::Policy::default(),
                ),
                _ => pages::misconfigured(),
            };
        }
    };
    let claims = verified.claims();
    let Some(set_session) = stepup.seal_session(&verified, flow.missing.clone()) else {
        return pages::flow_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Login too large",
            "The provider's login details are too large to keep in a cookie.",
        );
    };
    let mut response = match policy.decide(claims, now) {
        Decision::Satisfied => found(&flow.return_to),
        Decision::StepUp(_) => {
            let ask = Ask::for_policy(&policy, Some(claims), &inner.mfa, now);
            loop_guard(stepup, returned(claims), ask)
        }
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_session);
    response
}

/// What the provider returned, for the loop guard's page.
fn returned(claims: &Claims) -> Vec<(String, String)> {
    let show = |claim: &stepup::StepUpClaim<String>| match claim {
        stepup::StepUpClaim::Present(value) => format!("{value:?}"),
        stepup::StepUpClaim::Absent => "(none)".into(),
        stepup::StepUpClaim::WrongType(kind) => format!("(not a string: {kind})"),
    };
    let amr = match &claims.amr {
        stepup::StepUpClaim::Present(values) => format!("{values:?}"),
        stepup::StepUpClaim::Absent => "(none)".into(),
        stepup::StepUpClaim::WrongType(kind) => format!("(not an array of strings: {kind})"),
    };
    let auth_time = match &claims.auth_time {
        stepup::StepUpClaim::Present(at) => at.as_secs().to_string(),
        stepup::StepUpClaim::Absent => "(none)".into(),
        stepup::StepUpClaim::WrongType(kind) => format!("(not a number: {kind})"),
    };
    vec![
        ("amr".into(), amr),
        ("acr".into(), show(&claims.acr)),
        ("auth_time".into(), auth_time),
    ]
}

fn loop_guard(stepup: &StepUp, returned: Vec<(String, String)>, ask: Ask) -> Response {
    let guard = LoopGuard {
        returned,
        missing: ask.missing.clone(),
        ask,
    };
    // The callback is always a browser: the page, never another redirect.
    stepup.refuse(
        &Refusal::StepUpNotMet(guard),
        crate::outcome::ClientKind::Browser,
        false,
        "/",
        &stepup::Policy::default(),
    )
}

async fn logout_page(State(stepup): State<StepUp>) -> Response {
    pages::page(
        StatusCode::OK,
        "Log out",
        &format!(
            "<form method=\"post\" action=\"{}\"><button id=\"logout\" type=\"submit\">Log out</button></form>",
            escape(&stepup.inner.logout_path)
        ),
    )
}

async fn logout(State(stepup): State<StepUp>, headers: HeaderMap) -> Response {
    let inner = &stepup.inner;
    // Another site must not be able to log the user out (logout CSRF).
    if !crate::gate::from_origin(&headers, &inner.origin) {
        return pages::flow_error(
            StatusCode::FORBIDDEN,
            "Log out",
            "This logout did not come from this site's own page; use the Log out button here.",
        );
    }
    let location = match &inner.provider.metadata().end_session_endpoint {
        Some(endpoint) => match url::Url::parse(endpoint) {
            Ok(mut url) => {
                url.query_pairs_mut()
                    .append_pair("client_id", &inner.client.id)
                    .append_pair("post_logout_redirect_uri", &inner.post_logout_redirect);
                url.to_string()
            }
            Err(_) => inner.post_logout_redirect.clone(),
        },
        None => inner.post_logout_redirect.clone(),
    };
    // 303: after a POST, the browser follows with a GET.
    let mut response = found(&location);
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, stepup.remove_session_cookie());
    headers.append(
        header::SET_COOKIE,
        inner.cookies.set_cookie(&inner.cookies.flow, None),
    );
    response
}
