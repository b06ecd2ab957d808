//! Discovery, JWKS, userinfo, RP-initiated logout, the front page and key rotation.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use stepup::{KeySet, PAPE_MULTI_FACTOR, TokenKind, UnixTime, Verifier};

use super::{App, BROWSER_COOKIE, SESSION_COOKIE, cookie, html, parse_params, redirect};
use crate::config::SigningAlg;
use crate::html as pages;

fn public_json(body: Value, max_age: u32) -> Response {
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}

pub(crate) async fn index(State(app): State<Arc<App>>) -> Response {
    html(StatusCode::OK, pages::index(&app.issuer))
}

/// OpenID Connect Discovery 1.0 §3.
pub(crate) async fn discovery(State(app): State<Arc<App>>) -> Response {
    let algs: Vec<&str> = SigningAlg::ALL.iter().map(|alg| alg.name()).collect();
    public_json(
        json!({
            "issuer": app.issuer,
            "authorization_endpoint": app.url("/authorize"),
            "token_endpoint": app.url("/token"),
            "userinfo_endpoint": app.url("/userinfo"),
            "jwks_uri": app.url("/jwks.json"),
            "end_session_endpoint": app.url("/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": algs,
            "userinfo_signing_alg_values_supported": [],
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
                "name", "preferred_username", "email", "email_verified"
            ],
            "acr_values_supported": [PAPE_MULTI_FACTOR],
            // consent: granted by the client's registration, never a page.
            "prompt_values_supported": ["none", "login", "consent"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        }),
        300,
    )
}

/// The public keys: active ones first, then those retiring after a rotation. A short
/// cache lifetime so verifiers notice a rotation soon.
pub(crate) async fn jwks(State(app): State<Arc<App>>) -> Response {
    public_json(app.keys.ring().jwks().clone(), 60)
}

/// OIDC Core §5.3, with the RFC 9068 access token from the token endpoint.
pub(crate) async fn userinfo(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let challenge = |error: Option<(&str, &str)>| {
        let value = match error {
            Some((code, description)) => {
                format!("Bearer error=\"{code}\", error_description=\"{description}\"")
            }
            None => "Bearer".to_owned(),
        };
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    };
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
    else {
        return challenge(None);
    };
    let ring = app.keys.ring();
    let verifier = KeySet::from_jwks(&ring.jwks().to_string()).and_then(|keys| {
        Verifier::builder(app.issuer.clone(), app.url("/userinfo"), keys)
            .with_token_kind(TokenKind::AccessToken)
            .with_algorithms([stepup::Alg::RS256])
            .with_leeway(0)
            .build()
    });
    let Ok(verifier) = verifier else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let verified = match verifier.verify(&token, UnixTime::now()) {
        Ok(verified) => verified,
        Err(error) => {
            return challenge(Some(("invalid_token", error.code())));
        }
    };
    let Ok(claims) = verified.deserialize_claims::<Map<String, Value>>() else {
        return challenge(Some(("invalid_token", "claims")));
    };
    let jti = claims.get("jti").and_then(Value::as_str).unwrap_or("");
    if app.store().is_revoked(jti) {
        return challenge(Some(("invalid_token", "revoked")));
    }
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let scope: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .map(str::to_owned)
        .collect();
    let mut body = Map::new();
    body.insert("sub".into(), json!(sub));
    super::token::profile_claims(&app, sub, &scope, &mut body);
    Json(Value::Object(body)).into_response()
}

/// RP-Initiated Logout 1.0: with a valid `id_token_hint` the session ends at once;
/// without one the person confirms with a button (so a stray link cannot log them out).
pub(crate) async fn logout_get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    logout(&app, &headers, query.as_deref().unwrap_or(""), false)
}

pub(crate) async fn logout_post(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    logout(&app, &headers, &body, true)
}

fn logout(app: &App, headers: &HeaderMap, text: &str, posted: bool) -> Response {
    let params = match parse_params(text) {
        Ok(params) => params,
        Err(e) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::error_page("Invalid logout request", &e),
            );
        }
    };
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let hint_client = get("id_token_hint").and_then(|hint| own_id_token_audience(app, hint));
    let client_id = match (get("client_id"), hint_client.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::error_page(
                    "Invalid logout request",
                    "client_id differs from the id_token_hint's audience.",
                ),
            );
        }
        (Some(a), _) => Some(a.to_owned()),
        (None, b) => b.map(str::to_owned),
    };
    let return_to = match get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let registered = client_id
                .as_deref()
                .and_then(|id| app.directory.clients.get(id))
                .is_some_and(|client| client.post_logout_redirect_uris.iter().any(|u| u == uri));
            if !registered {
                return html(
                    StatusCode::BAD_REQUEST,
                    pages::error_page(
                        "Invalid logout request",
                        "post_logout_redirect_uri is not registered for this client \
                         (send client_id or id_token_hint with it).",
                    ),
                );
            }
            Some(uri.to_owned())
        }
    };
    let browser = cookie(headers, BROWSER_COOKIE);
    let confirmed = hint_client.is_some()
        || (posted
            && browser
                .as_deref()
                .is_some_and(|b| get("csrf").is_some_and(|csrf| app.csrf_ok(b, csrf))));
    if !confirmed {
        let Some(browser) = browser.or_else(|| crate::random::token().ok()) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let mut fields = Vec::new();
        for name in ["client_id", "post_logout_redirect_uri", "state"] {
            if let Some(value) = get(name) {
                fields.push((name, value));
            }
        }
        if let (None, Some(id)) = (get("client_id"), client_id.as_deref()) {
            fields.push(("client_id", id));
        }
        let mut response = html(
            StatusCode::OK,
            pages::logout_confirm(&app.csrf_token(&browser), &fields),
        );
        response.headers_mut().append(
            header::SET_COOKIE,
            app.cookie(BROWSER_COOKIE, &browser, None),
        );
        return response;
    }
    if let Some(session_cookie) = cookie(headers, SESSION_COOKIE) {
        let mut store = app.store();
        if let Some(session) = store.end_session(&session_cookie) {
            store.end_sid(&session.sid);
        }
        app.save_sessions(&store);
    }
    let mut response = match return_to {
        Some(uri) => {
            let mut url = url::Url::parse(&uri).ok();
            if let (Some(url), Some(state)) = (url.as_mut(), get("state")) {
                url.query_pairs_mut().append_pair("state", state);
            }
            let location = url.map_or(uri, |u| u.to_string());
            redirect(
                if posted {
                    StatusCode::SEE_OTHER
                } else {
                    StatusCode::FOUND
                },
                &location,
            )
        }
        None => html(StatusCode::OK, pages::logged_out()),
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, app.cookie(SESSION_COOKIE, "", Some(0)));
    response
}

/// The client an ID token we issued was for, if its signature and issuer check out.
/// An expired hint is fine (RP-Initiated Logout §2): it is checked as of its own `iat`.
fn own_id_token_audience(app: &App, token: &str) -> Option<String> {
    let (_, claims) = stepup::decode_unverified(token).ok()?;
    let aud = claims.get("aud").and_then(Value::as_str)?.to_owned();
    let iat = claims.get("iat").and_then(Value::as_i64)?;
    let client = app.directory.clients.get(&aud)?;
    let keys = match (&client.alg, &client.secret) {
        (SigningAlg::HS256, Some(secret)) => KeySet::from_secret(secret).ok()?,
        _ => KeySet::from_jwks(&app.keys.ring().jwks().to_string()).ok()?,
    };
    let verifier = Verifier::builder(app.issuer.clone(), aud.clone(), keys)
        .build()
        .ok()?;
    verifier.verify(token, UnixTime::from_secs(iat)).ok()?;
    Some(aud)
}

/// `POST /admin/rotate-keys`: only from a loopback address, and never from a browser
/// page (a request carrying `Origin` is refused), so no web page can trigger it.
pub(crate) async fn rotate_keys(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !peer.ip().is_loopback() || headers.contains_key(header::ORIGIN) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({
                "error": "forbidden",
                "error_description": "key rotation is allowed only from a loopback address, not from web pages"
            })),
        )
            .into_response();
    }
    let app = Arc::clone(&app);
    match tokio::task::spawn_blocking(move || app.keys.rotate()).await {
        Ok(Ok(rotation)) => Json(json!(rotation)).into_response(),
        Ok(Err(error)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": error.code(), "error_description": error.to_string()})),
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
