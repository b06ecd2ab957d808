//! The token endpoint: authorization_code grant, client authentication, PKCE, and
//! the ID and access tokens.

use std::sync::Arc;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use stepup::PAPE_MULTI_FACTOR;

use super::store::{Grant, Redeem};
use super::{App, now, oauth_error, parse_params};
use crate::config::SigningAlg;
use crate::model::Client;

/// `amr` after a password login (RFC 8176).
pub(crate) const AMR_PASSWORD: [&str; 1] = ["pwd"];
/// `amr` after password and TOTP (RFC 8176: `otp`, and `mfa` for more than one factor).
pub(crate) const AMR_MFA: [&str; 3] = ["pwd", "otp", "mfa"];

pub(crate) async fn token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut response = match exchange(&app, &headers, &body) {
        Ok(body) => (StatusCode::OK, axum::Json(body)).into_response(),
        Err(error) => error.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    // Browser-based public clients call this endpoint from their own origin.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// An error answer of the token endpoint (RFC 6749 §5.2).
#[derive(Debug)]
struct TokenError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// Add `WWW-Authenticate: Basic` (the client tried HTTP Basic).
    basic_challenge: bool,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let mut response = oauth_error(self.status, self.error, &self.description);
        if self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"stepup-issuer\""),
            );
        }
        response
    }
}

fn error(status: StatusCode, error: &'static str, description: &str) -> TokenError {
    TokenError {
        status,
        error,
        description: description.to_owned(),
        basic_challenge: false,
    }
}

fn invalid_request(description: &str) -> TokenError {
    error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> TokenError {
    error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// 401, with a Basic challenge when the client tried Basic.
fn invalid_client(description: &str, tried_basic: bool) -> TokenError {
    TokenError {
        basic_challenge: tried_basic,
        ..error(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }
}

fn exchange(app: &App, headers: &HeaderMap, body: &str) -> Result<Value, TokenError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(invalid_request(
            "send the request as application/x-www-form-urlencoded",
        ));
    }
    let params = parse_params(body).map_err(|e| invalid_request(&e))?;
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let client = authenticate(app, headers, get("client_id"), get("client_secret"))?;
    match get("grant_type") {
        Some("authorization_code") => {}
        Some(other) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type {other:?} is not supported; use authorization_code"),
            ));
        }
        None => return Err(invalid_request("grant_type is missing")),
    }
    let code = get("code").ok_or_else(|| invalid_request("code is missing"))?;
    redeem(app, client, code, get("redirect_uri"), get("code_verifier"))
}

/// Redeems a code for an authenticated client: the tokens, or why not.
fn redeem(
    app: &App,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Result<Value, TokenError> {
    let now = now();
    let grant = match app.store().redeem(code, &client.id, now) {
        Redeem::Ok(grant) => *grant,
        Redeem::Unknown => return Err(invalid_grant("the code is unknown")),
        Redeem::Expired => return Err(invalid_grant("the code has expired (codes last 60 s)")),
        Redeem::Replayed => {
            return Err(invalid_grant(
                "the code was already used; the tokens issued for it are revoked",
            ));
        }
        Redeem::WrongClient => return Err(invalid_grant("the code was issued to another client")),
    };
    // OIDC Core §3.1.3.2: redirect_uri must be identical to the one in the request.
    if redirect_uri != Some(grant.request.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri does not match the one in the authorization request",
        ));
    }
    check_pkce(grant.request.code_challenge.as_deref(), code_verifier)?;

    let (access_token, jti) = access_token(app, &grant, now)?;
    app.store().set_access_jti(code, jti);
    let id_token = id_token(app, client, &grant, now)?;
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": app.config.access_token_lifetime,
        "id_token": id_token,
        "scope": grant.request.scope.join(" "),
    }))
}

/// The in-process exchange of the built-in try-it client (no HTTP round trip, no secret).
pub(crate) fn redeem_for_try_client(
    app: &App,
    client: &Client,
    code: &str,
    redirect_uri: &str,
) -> Result<Value, (&'static str, String)> {
    redeem(app, client, code, Some(redirect_uri), None).map_err(|e| (e.error, e.description))
}

/// Client authentication: `client_secret_basic`, `client_secret_post`, or `none` for a
/// public client. Exactly one method per request (RFC 6749 §2.3).
fn authenticate<'a>(
    app: &'a App,
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<&'a Client, TokenError> {
    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(parse_basic(value).ok_or_else(|| {
            invalid_client("the Authorization header is not valid HTTP Basic", true)
        })?),
    };
    let tried_basic = basic.is_some();
    let (id, secret) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(invalid_request(
                "use one client authentication method, not both Basic and client_secret",
            ));
        }
        (Some((id, secret)), None) => {
            if body_id.is_some_and(|body_id| body_id != id) {
                return Err(invalid_request(
                    "client_id in the body differs from the Basic credentials",
                ));
            }
            (id, Some(secret))
        }
        (None, secret) => {
            let id = body_id.ok_or_else(|| invalid_client("no client authentication", false))?;
            (id.to_owned(), secret.map(str::to_owned))
        }
    };
    let client = app
        .directory
        .clients
        .get(&id)
        .ok_or_else(|| invalid_client("unknown client", tried_basic))?;
    match (&client.secret, secret) {
        (None, None) => Ok(client),
        (None, Some(_)) => Err(invalid_client(
            "this is a public client; send no client secret",
            tried_basic,
        )),
        (Some(_), None) => Err(invalid_client(
            "this client must authenticate with client_secret_basic or client_secret_post",
            tried_basic,
        )),
        (Some(expected), Some(given)) => {
            if verify_slices_are_equal(expected.expose(), given.as_bytes()).is_ok() {
                Ok(client)
            } else {
                Err(invalid_client("wrong client secret", tried_basic))
            }
        }
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn parse_basic(value: &HeaderValue) -> Option<(String, String)> {
    let text = value.to_str().ok()?;
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    // Form-decoding ("+" is a space, %XX an octet); "&" is escaped first so it stays data.
    let unescape = |s: &str| -> Option<String> {
        url::form_urlencoded::parse(format!("x={}", s.replace('&', "%26")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) == challenge; a verifier without a
/// challenge is refused too (no PKCE downgrade, RFC 9700 §2.1.1).
fn check_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), TokenError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(invalid_grant(
            "code_verifier sent but the authorization request had no code_challenge",
        )),
        (Some(_), None) => Err(invalid_grant("code_verifier is missing")),
        (Some(challenge), Some(verifier)) => {
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            let computed =
                URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
            if well_formed
                && verify_slices_are_equal(computed.as_bytes(), challenge.as_bytes()).is_ok()
            {
                Ok(())
            } else {
                Err(invalid_grant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}

fn amr(mfa: bool) -> Vec<&'static str> {
    if mfa {
        AMR_MFA.to_vec()
    } else {
        AMR_PASSWORD.to_vec()
    }
}

fn server_error(what: &str) -> TokenError {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &format!("cannot {what}"),
    )
}

/// The ID token (OIDC Core §2), signed as the client registered.
fn id_token(app: &App, client: &Client, grant: &Grant, now: i64) -> Result<String, TokenError> {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(app.issuer));
    claims.insert("sub".into(), json!(grant.user));
    claims.insert("aud".into(), json!(client.id));
    claims.insert("iat".into(), json!(now));
    claims.insert(
        "exp".into(),
        json!(now.saturating_add(i64::try_from(app.config.id_token_lifetime).unwrap_or(3600))),
    );
    claims.insert("auth_time".into(), json!(grant.auth_time));
    if let Some(nonce) = &grant.request.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    claims.insert("amr".into(), json!(amr(grant.mfa)));
    if grant.mfa {
        claims.insert("acr".into(), json!(PAPE_MULTI_FACTOR));
    }
    claims.insert("sid".into(), json!(grant.sid));
    profile_claims(app, &grant.user, &grant.request.scope, &mut claims);
    let claims = Value::Object(claims);
    let signed = match client.alg {
        SigningAlg::HS256 => client.hs256.as_ref().map(|key| key.sign(&claims)),
        alg => app.keys.ring().signer(alg).map(|key| key.sign(&claims)),
    };
    match signed {
        Some(Ok(token)) => Ok(token),
        _ => Err(server_error("sign the ID token")),
    }
}

/// The access token: an RFC 9068 JWT (`typ` `at+jwt`, RS256) for the userinfo endpoint,
/// carrying the same `acr`/`amr`/`auth_time` so APIs can make step-up decisions too.
fn access_token(app: &App, grant: &Grant, now: i64) -> Result<(String, String), TokenError> {
    let jti = crate::random::token().map_err(|_| server_error("create a token id"))?;
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(app.issuer));
    claims.insert("sub".into(), json!(grant.user));
    claims.insert("aud".into(), json!(app.url("/userinfo")));
    claims.insert("client_id".into(), json!(grant.request.client_id));
    claims.insert("iat".into(), json!(now));
    claims.insert(
        "exp".into(),
        json!(now.saturating_add(i64::try_from(app.config.access_token_lifetime).unwrap_or(3600))),
    );
    claims.insert("jti".into(), json!(jti));
    claims.insert("scope".into(), json!(grant.request.scope.join(" ")));
    claims.insert("auth_time".into(), json!(grant.auth_time));
    claims.insert("amr".into(), json!(amr(grant.mfa)));
    if grant.mfa {
        claims.insert("acr".into(), json!(PAPE_MULTI_FACTOR));
    }
    let ring = app.keys.ring();
    let key = ring
        .signer(SigningAlg::RS256)
        .ok_or_else(|| server_error("find the RS256 key"))?;
    let mut header = Map::new();
    header.insert("typ".into(), json!("at+jwt"));
    if let Some(kid) = key.kid() {
        header.insert("kid".into(), json!(kid));
    }
    let token = key
        .sign_with_header(&Value::Object(header), &Value::Object(claims))
        .map_err(|_| server_error("sign the access token"))?;
    Ok((token, jti))
}

/// `name`/`preferred_username` for scope `profile`, `email`/`email_verified` for `email`.
pub(crate) fn profile_claims(
    app: &App,
    username: &str,
    scope: &[String],
    claims: &mut Map<String, Value>,
) {
    let Some(user) = app.directory.user(username) else {
        return;
    };
    if scope.iter().any(|s| s == "profile") {
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(name) = &user.name {
            claims.insert("name".into(), json!(name));
        }
    }
    if scope.iter().any(|s| s == "email")
        && let Some(email) = &user.email
    {
        claims.insert("email".into(), json!(email));
        claims.insert("email_verified".into(), json!(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(check_pkce(Some(challenge), Some(verifier)).is_ok());
        assert!(check_pkce(Some(challenge), Some("x".repeat(43).as_str())).is_err());
        assert!(check_pkce(Some(challenge), None).is_err());
        assert!(check_pkce(None, Some(verifier)).is_err());
        assert!(check_pkce(None, None).is_ok());
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let value =
            HeaderValue::from_str(&format!("Basic {}", STANDARD.encode("my%3Aapp:s%2Bcr+t")))
                .unwrap();
        assert_eq!(
            parse_basic(&value),
            Some(("my:app".to_owned(), "s+cr t".to_owned()))
        );
        assert_eq!(parse_basic(&HeaderValue::from_static("Bearer x")), None);
    }
}
