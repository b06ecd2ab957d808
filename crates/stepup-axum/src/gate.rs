//! Deciding one request: find its credentials (Bearer token or session cookie),
//! verify them, apply the route's policy. Shared by the layer and the gateway.

use axum::response::Response;
use http::header::{self, HeaderValue};
use http::{HeaderMap, Method};
use stepup::{Decision, Policy};

use crate::ask::Ask;
use crate::config::{BearerTokens, StepUp};
use crate::identity::{CredentialSource, Identity};
use crate::need::Need;
use crate::outcome::{Answer, BrowserRedirect, ClientKind, Refusal, respond};
use crate::return_path::fitting_return;
use crate::session::{SessionData, cookie_value};

/// The decision on one request.
#[derive(Debug)]
pub struct Decided {
    /// The login, when the policy lets the request through; otherwise why not.
    pub result: Result<Identity, Refusal>,
    /// API client or browser.
    pub kind: ClientKind,
    /// The request carried a session cookie that is no good (tampered, foreign,
    /// expired): answers remove it.
    pub drop_session: bool,
}

fn is_safe(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD || method == Method::OPTIONS
}

/// Whether a browser request comes from `origin`'s own pages: `Sec-Fetch-Site` is
/// `same-origin` or `none` (typed, bookmarked), or, from browsers without it, the
/// `Origin` header is `origin`. A request with neither is not let through.
pub(crate) fn from_origin(headers: &HeaderMap, origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    headers
        .get(header::ORIGIN)
        .is_some_and(|value| value.as_bytes() == origin.as_bytes())
}

/// What the `Authorization` header holds.
enum Authorization<'h> {
    None,
    Bearer(&'h str),
    Malformed(&'static str),
}

fn authorization(headers: &HeaderMap) -> Authorization<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Authorization::None;
    };
    if values.next().is_some() {
        return Authorization::Malformed("the request has several Authorization headers");
    }
    // UTF-8 check only (fast on ASCII); the verifier refuses every byte of the token
    // outside base64url and `.`, so a visible-ASCII scan here would only repeat it.
    let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
        return Authorization::Malformed("the Authorization header is not text");
    };
    let bytes = text.as_bytes();
    if bytes.len() < 6 || !bytes[..6].eq_ignore_ascii_case(b"bearer") {
        // Another scheme (Basic, …) is not ours: as if there were no credentials.
        return Authorization::None;
    }
    // RFC 6750 §2.1: "Bearer", one space, the token. Anything else that starts with
    // "Bearer" (a tab, no space, "Bearerx") is a broken Bearer header, not another scheme.
    match text[6..].strip_prefix(' ') {
        // Whitespace inside the token is left to the verifier, which refuses every
        // byte outside base64url and `.` (scanning here would cost as much again).
        Some(token) if !token.trim_matches(' ').is_empty() => {
            Authorization::Bearer(token.trim_matches(' '))
        }
        Some(_) => Authorization::Malformed("the Bearer token is empty"),
        None => Authorization::Malformed(
            "the Authorization header must be \"Bearer\", one space, then the token",
        ),
    }
}

impl StepUp {
    /// Decides a request (its method, or the original method a proxy reports, and
    /// its headers) against `policy`.
    ///
    /// A Bearer token is checked first; otherwise the session cookie. A cookie that
    /// does not open (tampered, foreign key, expired, another issuer) counts as no
    /// session, never as an error or a login.
    pub async fn decide(&self, method: &Method, headers: &HeaderMap, policy: &Policy) -> Decided {
        let inner = &self.inner;
        let now = inner.clock.now();
        let kind = if inner.api_only {
            ClientKind::Api
        } else {
            ClientKind::of(method, headers)
        };
        let decided = |result| Decided {
            result,
            kind,
            drop_session: false,
        };
        let malformed = |reason| Refusal::Invalid(stepup::Error::MalformedToken { reason });
        match authorization(headers) {
            Authorization::Bearer(token) => {
                let verifier = match &inner.bearer {
                    BearerTokens::IdToken => inner.provider.verifier(),
                    BearerTokens::AccessToken(verifier) => verifier,
                    BearerTokens::Refused => {
                        return decided(Err(malformed(
                            "Bearer tokens are not accepted here; log in with the browser",
                        )));
                    }
                };
                let result = match verifier.verify(token, now, None).await {
                    // Decided on the claims in place; the owned `Claims` are built only
                    // if something asks for them (a handler, the identity headers).
                    Ok(token) => match policy.decide_token(&token, now) {
                        Decision::Satisfied => {
                            Ok(Identity::from_token(token, CredentialSource::Bearer))
                        }
                        Decision::StepUp(_) => Err(Refusal::StepUp(Ask::for_policy(
                            policy,
                            Some(token.claims()),
                            &inner.mfa,
                            now,
                        ))),
                    },
                    Err(error) => Err(Refusal::from_error(error)),
                };
                return decided(result);
            }
            Authorization::Malformed(reason) => return decided(Err(malformed(reason))),
            Authorization::None => {}
        }
        let cookie = if inner.api_only {
            None
        } else {
            cookie_value(headers, &inner.cookies.session)
        };
        let Some(cookie) = cookie else {
            return decided(Err(Refusal::NoCredentials));
        };
        let Some(session) = self.open_session(cookie, now) else {
            return Decided {
                result: Err(Refusal::NoCredentials),
                kind,
                drop_session: true,
            };
        };
        if !is_safe(method) && !from_origin(headers, &inner.origin) {
            return decided(Err(Refusal::CrossSite));
        }
        let (claims, email, stepped_up_for) = session.into_parts();
        let result = match policy.decide(&claims, now) {
            Decision::Satisfied => Ok(Identity::from_session(claims, email, stepped_up_for)),
            Decision::StepUp(_) => Err(Refusal::StepUp(Ask::for_policy(
                policy,
                Some(&claims),
                &inner.mfa,
                now,
            ))),
        };
        decided(result)
    }

    /// The answer to a refused request (the outcome table), sending browsers to
    /// this app's login start with `return_to` and what `policy` needs.
    pub fn refuse(
        &self,
        refusal: &Refusal,
        decided_kind: ClientKind,
        drop_session: bool,
        return_to: &str,
        policy: &Policy,
    ) -> Response {
        let login = self.login_url(return_to, policy);
        self.answer(
            refusal,
            decided_kind,
            drop_session,
            &login,
            BrowserRedirect::Found,
        )
    }

    /// The answer to a refused request with the login start URL and redirect form
    /// of the caller's choosing (a gateway sends browsers to an absolute URL, and
    /// behind nginx as a 401 with `Location`).
    pub fn answer(
        &self,
        refusal: &Refusal,
        decided_kind: ClientKind,
        drop_session: bool,
        login: &str,
        redirect: BrowserRedirect,
    ) -> Response {
        // A browser whose login is invalid loses its session cookie too (docs/serving.md).
        let invalid_browser =
            matches!(refusal, Refusal::Invalid(_)) && decided_kind == ClientKind::Browser;
        let drop = (drop_session || invalid_browser).then(|| self.remove_session_cookie());
        respond(
            refusal,
            &Answer {
                kind: decided_kind,
                realm: &self.inner.realm,
                login,
                redirect,
                drop_session: drop,
                retry_after: self.inner.retry_after,
            },
        )
    }

    /// `/login?rd=<return_to>&<what policy needs>`.
    ///
    /// A return path the login start would refuse (too long, say) is cut to its
    /// path, or to `/`, so that a login is always possible.
    pub fn login_url(&self, return_to: &str, policy: &Policy) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("rd", &fitting_return(return_to, None));
        Need::from_policy(policy).append_to(&mut query);
        format!("{}?{}", self.inner.login_path, query.finish())
    }

    /// The absolute login start for `return_to`, an absolute URL on the return origin
    /// ([`StepUpBuilder::with_return_origin`](crate::StepUpBuilder::with_return_origin)):
    /// `https://app.example.com/stepup/start?rd=…`, for a gateway in front of another
    /// app. What the page needs comes from the need resolver, not the URL. Cut like
    /// [`login_url`](Self::login_url) when it would not fit.
    pub fn login_start_url(&self, return_to: &str) -> String {
        let origin = self.inner.return_origin.as_deref().unwrap_or("");
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("rd", &fitting_return(return_to, Some(origin)));
        format!("{origin}{}?{}", self.inner.login_path, query.finish())
    }

    /// A `Set-Cookie` value that starts a browser session from an ID token this app
    /// verified itself, for custom login flows and tests (the flow of
    /// [`routes`](Self::routes) does this on its callback). `None` when the token is
    /// not from this provider for this client (`iss`, `aud`, `azp`), lacks `sub`, or
    /// the session would not fit in a cookie.
    ///
    /// The session holds the token's `iss`, `sub`, `amr`, `acr`, `auth_time` and
    /// `email`, and lasts the configured session lifetime from now.
    pub fn session_cookie(&self, token: &stepup::VerifiedToken) -> Option<HeaderValue> {
        let inner = &self.inner;
        // Only a token for this client from this provider: one checked by another
        // verifier (another audience, an access token) must not become a login here.
        let claims = token.claims();
        let ours = claims.iss.as_deref() == Some(inner.provider.verifier().issuer())
            && claims.aud.iter().any(|aud| *aud == inner.client.id)
            && claims
                .azp
                .as_deref()
                .is_none_or(|azp| azp == inner.client.id);
        if !ours {
            return None;
        }
        self.seal_session(token, Vec::new())
    }

    /// The `Set-Cookie` of a new session from a verified token (the callback's and
    /// [`session_cookie`](Self::session_cookie)'s one way to make a session); `None`
    /// when it would not fit in a cookie.
    pub(crate) fn seal_session(
        &self,
        token: &stepup::VerifiedToken,
        stepped_up_for: Vec<String>,
    ) -> Option<HeaderValue> {
        let inner = &self.inner;
        let session = SessionData::from_claims(
            token.claims(),
            crate::identity::email_claim(token),
            &inner.client.id,
            inner.clock.now(),
            inner.session_lifetime,
            stepped_up_for,
        )?;
        let sealed = session.seal(&inner.keys, &inner.cookies.session)?;
        let lifetime = i64::try_from(inner.session_lifetime).unwrap_or(i64::MAX);
        Some(
            inner
                .cookies
                .set_cookie(&inner.cookies.session, Some((&sealed, lifetime))),
        )
    }

    /// A `Set-Cookie` value that removes the session cookie.
    pub(crate) fn remove_session_cookie(&self) -> HeaderValue {
        self.inner
            .cookies
            .set_cookie(&self.inner.cookies.session, None)
    }
}
