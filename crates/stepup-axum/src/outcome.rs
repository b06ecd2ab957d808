//! The outcome table (docs/serving.md) in one place: every refusal, for an API client or a
//! browser, becomes its HTTP answer here and nowhere else. The axum layer, the
//! login flow and every gateway dialect call [`respond`]; they differ only in how
//! they read the request and how a browser is sent elsewhere ([`BrowserRedirect`]).

use axum::body::Body;
use axum::response::Response;
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use stepup::{ErrorClass, Missing};

use crate::ask::Ask;
use crate::pages;

/// Who is asking, which decides the form of every answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// A program: it has `Authorization: Bearer`, or does not accept `text/html`, or
    /// the method is not GET/HEAD. It gets status codes and `WWW-Authenticate`.
    Api,
    /// A person's browser: GET or HEAD, `Accept` has `text/html`, no Bearer token.
    /// It gets redirects and pages.
    Browser,
}

impl ClientKind {
    /// Classifies a request by its method (or the original method a proxy reports)
    /// and headers.
    pub fn of(method: &Method, headers: &HeaderMap) -> Self {
        let safe = method == Method::GET || method == Method::HEAD;
        let bearer = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .any(|value| scheme_is_bearer(value.as_bytes()));
        let html = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|item| {
                item.split(';')
                    .next()
                    .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/html"))
            });
        if safe && html && !bearer {
            Self::Browser
        } else {
            Self::Api
        }
    }
}

fn scheme_is_bearer(value: &[u8]) -> bool {
    value.len() >= 6 && value[..6].eq_ignore_ascii_case(b"bearer")
}

/// Why a request is not let through. Every variant has a stable [`code`](Self::code).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Refusal {
    /// No rule covers the request (gateway): deny by default.
    NoRule,
    /// Neither a Bearer token nor a live session.
    NoCredentials,
    /// The token (or session) is not valid.
    Invalid(stepup::Error),
    /// A valid login that does not meet the policy: ask for a step-up.
    StepUp(Ask),
    /// A step-up came back and still does not meet the policy (the loop guard):
    /// never another redirect.
    StepUpNotMet(LoopGuard),
    /// The provider's keys cannot be had right now.
    Unavailable(stepup::Error),
    /// The setup is wrong (a bug or a misconfiguration): 500, never an allow.
    Misconfigured(String),
    /// A request that changes state (not GET/HEAD/OPTIONS), authenticated only by
    /// the session cookie, that does not come from the app's own pages
    /// (`Sec-Fetch-Site`, else `Origin`): refused with 403, as cross-site request
    /// forgery. `SameSite=Lax` alone lets a sibling subdomain through.
    CrossSite,
}

/// What the loop-guard page tells the user.
#[derive(Debug, Clone, Default)]
pub struct LoopGuard {
    /// What the provider returned, as `(name, value)` lines (`amr`, `acr`,
    /// `auth_time`, or the provider's `error`).
    pub returned: Vec<(String, String)>,
    /// What the page still lacks.
    pub missing: Vec<Missing>,
    /// The challenge for API clients (the same as before the round trip).
    pub ask: Ask,
}

impl Refusal {
    /// The stable code, as logged on `stepup::reject`: `no_rule`, `no_credentials`,
    /// the core's token error code, `step_up_required`, `step_up_not_met`, the
    /// core's availability code (`keys_unavailable`, …), `misconfigured`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoRule => "no_rule",
            Self::NoCredentials => "no_credentials",
            Self::Invalid(error) | Self::Unavailable(error) => error.code(),
            Self::StepUp(_) => "step_up_required",
            Self::StepUpNotMet(_) => "step_up_not_met",
            Self::Misconfigured(_) => "misconfigured",
            Self::CrossSite => "cross_site_request",
        }
    }

    /// The refusal for a core error, by its class.
    pub fn from_error(error: stepup::Error) -> Self {
        match error.class() {
            ErrorClass::Token => Self::Invalid(error),
            ErrorClass::Unavailable => Self::Unavailable(error),
            ErrorClass::Config => Self::Misconfigured(format!("{} ({})", error, error.code())),
        }
    }
}

/// How a dialect sends a browser to the login start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserRedirect {
    /// `302 Found` with `Location` (axum, Traefik, Caddy, Envoy).
    Found,
    /// `401` with an absolute `Location`, which the nginx recipe turns into a 302
    /// (nginx passes only 2xx, 401 and 403 on from an auth subrequest).
    UnauthorizedWithLocation,
}

/// Everything [`respond`] needs besides the refusal.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    /// API client or browser.
    pub kind: ClientKind,
    /// The `realm` of `WWW-Authenticate`.
    pub realm: &'a str,
    /// The login start for this request (`/login?rd=…` or
    /// `https://app/stepup/start?rd=…`), for browser redirects.
    pub login: &'a str,
    /// How browsers are redirected.
    pub redirect: BrowserRedirect,
    /// A `Set-Cookie` that removes a session cookie the request carried but that
    /// is no good, added to every answer.
    pub drop_session: Option<HeaderValue>,
    /// Seconds for `Retry-After` on 503.
    pub retry_after: u64,
}

/// The HTTP answer to a refusal (the table in docs/serving.md).
///
/// | refusal | API client | browser |
/// |---|---|---|
/// | `NoRule` | 403 | 403 page |
/// | `NoCredentials` | 401 `Bearer realm` | redirect to the login start |
/// | `Invalid` | 401 `error="invalid_token"` | drop the session, redirect to the login start |
/// | `StepUp` | 401 `error="insufficient_user_authentication"` + `acr_values`/`max_age` | redirect to the login start |
/// | `StepUpNotMet` | as `StepUp` | 403 page: what came back, what is needed |
/// | `Unavailable` | 503 + `Retry-After` | 503 page + `Retry-After` |
/// | `Misconfigured` | 500 | 500 page |
/// | `CrossSite` | 403 | 403 |
///
/// Each refusal is logged once, at debug, on target `stepup::reject` with its code
/// (token errors already were, by the verifier).
pub fn respond(refusal: &Refusal, answer: &Answer<'_>) -> Response {
    if !matches!(refusal, Refusal::Invalid(_)) {
        tracing::debug!(target: "stepup::reject", code = refusal.code(), kind = ?answer.kind, "request refused");
    }
    let browser = answer.kind == ClientKind::Browser;
    let mut response = match refusal {
        Refusal::CrossSite => api_error(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "a request that changes state must come from this site's own pages",
        ),
        Refusal::NoRule if browser => pages::forbidden(),
        Refusal::NoRule => api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "no rule allows this request",
        ),
        Refusal::NoCredentials | Refusal::Invalid(_) | Refusal::StepUp(_) if browser => {
            redirect(answer)
        }
        Refusal::NoCredentials => {
            let mut response = api_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send an ID token as Authorization: Bearer",
            );
            set(
                &mut response,
                header::WWW_AUTHENTICATE,
                challenge(answer.realm, &[]),
            );
            response
        }
        Refusal::Invalid(error) => {
            let description = format!("{}: {error}", error.code());
            let mut response = api_error(StatusCode::UNAUTHORIZED, "invalid_token", &description);
            set(
                &mut response,
                header::WWW_AUTHENTICATE,
                challenge(
                    answer.realm,
                    &[
                        ("error", "invalid_token"),
                        ("error_description", &description),
                    ],
                ),
            );
            response
        }
        Refusal::StepUpNotMet(guard) if browser => pages::step_up_not_met(guard),
        Refusal::StepUp(ask) | Refusal::StepUpNotMet(LoopGuard { ask, .. }) => {
            step_up_challenge(ask, answer.realm)
        }
        Refusal::Unavailable(error) => {
            let mut response = if browser {
                pages::unavailable(answer.retry_after)
            } else {
                api_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    &format!(
                        "{}: the provider's keys cannot be fetched; retry later",
                        error.code()
                    ),
                )
            };
            set(
                &mut response,
                header::RETRY_AFTER,
                answer.retry_after.to_string(),
            );
            response
        }
        Refusal::Misconfigured(reason) => {
            tracing::error!(target: "stepup::reject", reason = %reason, "cannot decide a request");
            if browser {
                pages::misconfigured()
            } else {
                api_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server cannot check logins right now",
                )
            }
        }
    };
    if let Some(drop) = &answer.drop_session {
        response
            .headers_mut()
            .append(header::SET_COOKIE, drop.clone());
    }
    // Answers about credentials are per user: never cache them.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The RFC 9470 step-up challenge: `error_description` by reason, `acr_values` and
/// `max_age` only when they apply.
fn step_up_challenge(ask: &Ask, realm: &str) -> Response {
    let freshness_only = ask
        .missing
        .iter()
        .all(|m| matches!(m, Missing::FreshLogin | Missing::AuthTime));
    let description = if freshness_only && !ask.missing.is_empty() {
        "More recent authentication is required"
    } else {
        "A different authentication level is required"
    };
    let acr_values = ask.acr_values.join(" ");
    let max_age = ask.max_age.map(|age| age.to_string());
    let mut params: Vec<(&str, &str)> = vec![
        ("error", "insufficient_user_authentication"),
        ("error_description", description),
    ];
    if !acr_values.is_empty() {
        params.push(("acr_values", &acr_values));
    }
    if let Some(max_age) = &max_age {
        params.push(("max_age", max_age));
    }
    let mut response = api_error(
        StatusCode::UNAUTHORIZED,
        "insufficient_user_authentication",
        description,
    );
    set(
        &mut response,
        header::WWW_AUTHENTICATE,
        challenge(realm, &params),
    );
    response
}

/// A browser redirect to the login start, in the dialect's form.
fn redirect(answer: &Answer<'_>) -> Response {
    let status = match answer.redirect {
        BrowserRedirect::Found => StatusCode::FOUND,
        BrowserRedirect::UnauthorizedWithLocation => StatusCode::UNAUTHORIZED,
    };
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    set(&mut response, header::LOCATION, answer.login.to_owned());
    response
}

/// `Bearer realm="…", name="value", …` with every value as an RFC 9110 quoted-string.
pub fn challenge(realm: &str, params: &[(&str, &str)]) -> String {
    let mut value = format!("Bearer realm={}", quoted(realm));
    for (name, param) in params {
        value.push_str(", ");
        value.push_str(name);
        value.push('=');
        value.push_str(&quoted(param));
    }
    value
}

/// An RFC 9110 §5.6.4 quoted-string: `"` and `\` are escaped; anything that is not
/// visible ASCII, space or tab (control characters, non-ASCII) becomes `?`, so no
/// value can break the header or smuggle a line.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' ' | '\t' | '!'..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

/// A small JSON body for API clients: `{"error": …, "error_description": …}`.
fn api_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    set(
        &mut response,
        header::CONTENT_TYPE,
        "application/json".to_owned(),
    );
    response
}

fn set(response: &mut Response, name: header::HeaderName, value: impl Into<String>) {
    // Values built here are visible ASCII (quoted() and our own URLs); a value that
    // is not would be dropped rather than sent broken.
    if let Ok(value) = HeaderValue::from_str(&value.into()) {
        response.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_and_cannot_break_the_header() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quoted("x\r\ny…"), "\"x??y?\"");
        assert!(
            HeaderValue::from_str(&challenge("r\"\n", &[("error_description", "\u{0}")])).is_ok()
        );
    }

    #[test]
    fn browsers_are_get_or_head_with_html_and_no_bearer() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9"),
        );
        assert_eq!(ClientKind::of(&Method::GET, &headers), ClientKind::Browser);
        assert_eq!(ClientKind::of(&Method::HEAD, &headers), ClientKind::Browser);
        assert_eq!(ClientKind::of(&Method::POST, &headers), ClientKind::Api);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(ClientKind::of(&Method::GET, &headers), ClientKind::Api);
        let mut json = HeaderMap::new();
        json.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert_eq!(ClientKind::of(&Method::GET, &json), ClientKind::Api);
        assert_eq!(
            ClientKind::of(&Method::GET, &HeaderMap::new()),
            ClientKind::Api
        );
        let mut fake = HeaderMap::new();
        fake.insert(header::ACCEPT, HeaderValue::from_static("text/htmlx"));
        assert_eq!(ClientKind::of(&Method::GET, &fake), ClientKind::Api);
    }
}
