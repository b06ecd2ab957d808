//! The gateway as an axum app on top of `stepup-axum`: one auth handler per proxy
//! dialect, the shared login flow under `/stepup/*`, health and metrics.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use stepup::Policy;
use stepup_axum::{
    Answer, BrowserRedirect, Client, ClientKind, NeedResolver, Provider, Refusal, StepUp, respond,
};
use tower::ServiceExt as _;

use crate::dialect::Dialect;
use crate::identity_headers::identity_headers;
use crate::metrics::Metrics;
use crate::path::normalise_path;
use crate::setup::Settings;

/// Paths of the shared login flow, on the public origin through the proxy.
pub const START_PATH: &str = "/stepup/start";
/// The callback (`redirect_uri` = public origin + this).
pub const CALLBACK_PATH: &str = "/stepup/callback";
/// Logout.
pub const LOGOUT_PATH: &str = "/stepup/logout";
/// The page behind nginx's `error_page 403 = /stepup/denied` (the example config): the
/// gateway's answer to a request it refused with 403 (no rule allows it, or a
/// cookie-authenticated change from another site), in place of nginx's own page.
pub const DENIED_PATH: &str = "/stepup/denied";

/// The running gateway's shared state. Until the provider has been reached, auth
/// answers 503 (never an allow) and `/readyz` says not ready.
#[derive(Debug)]
pub struct Gateway {
    settings: Arc<Settings>,
    ready: OnceLock<Ready>,
    metrics: Metrics,
}

#[derive(Debug)]
struct Ready {
    stepup: StepUp,
    flow: Router,
}

impl Gateway {
    /// A gateway that is not ready yet: call [`connect`](Self::connect) (or
    /// [`connect_with`](Self::connect_with)), or let [`serve`](crate::serve) retry.
    pub fn new(settings: Settings) -> Arc<Self> {
        Arc::new(Self {
            settings: Arc::new(settings),
            ready: OnceLock::new(),
            metrics: Metrics::new(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the provider has been reached and its keys are usable.
    pub fn is_ready(&self) -> bool {
        self.ready
            .get()
            .is_some_and(|ready| ready.stepup.provider().verifier().ready())
    }

    /// Discovers the provider and becomes ready.
    ///
    /// # Errors
    /// The discovery or key fetch error.
    pub async fn connect(&self) -> Result<(), stepup_axum::Error> {
        let settings = &self.settings;
        // Bearer tokens go through a bounded verified-token cache: a token seen again
        // costs its claim checks, not its signature (flushed when the keys change).
        let provider = Provider::discover_with(&settings.issuer, &settings.client_id, |b| {
            b.with_token_cache(stepup::TokenCacheSettings::default())
        })
        .await?;
        self.connect_with(provider)
    }

    /// Becomes ready with a provider set up by the caller (tests, custom key sources).
    ///
    /// # Errors
    /// `invalid_config` when the provider does not fit the settings.
    pub fn connect_with(&self, provider: Provider) -> Result<(), stepup_axum::Error> {
        let settings = Arc::clone(&self.settings);
        let redirect_uri = format!("{}{CALLBACK_PATH}", settings.public_origin);
        let client = match &settings.client_secret {
            Some(secret) => Client::confidential(&settings.client_id, secret.clone(), redirect_uri),
            None => Client::public(&settings.client_id, redirect_uri),
        }
        .with_auth(settings.client_auth);
        let resolver_settings = Arc::clone(&settings);
        let stepup = StepUp::builder(provider, client, settings.session_keys.clone())
            .with_profile(settings.profile.clone())
            .with_session_lifetime(settings.lifetime)
            .with_paths(START_PATH, LOGOUT_PATH)
            .with_post_logout_redirect(format!("{}/", settings.public_origin))
            .with_return_origin(settings.public_origin.clone())
            .with_need_resolver(NeedResolver::new(move |return_to| {
                policy_for_return(&resolver_settings, return_to)
            }))
            .build()?;
        let flow = stepup.routes();
        // A second connect (a race with the retry loop) keeps the first.
        let _ = self.ready.set(Ready { stepup, flow });
        Ok(())
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn stepup(&self) -> Option<&StepUp> {
        self.ready.get().map(|ready| &ready.stepup)
    }
}

/// What the page at `return_to` (an absolute URL on the public origin, or a path)
/// needs, by the rules.
fn policy_for_return(settings: &Settings, return_to: &str) -> Option<Policy> {
    let (host, target) = match url::Url::parse(return_to) {
        Ok(url) => {
            let path_and_query = &return_to[url.origin().ascii_serialization().len()..];
            (url.host_str().map(str::to_owned), path_and_query.to_owned())
        }
        Err(_) => (None, return_to.to_owned()),
    };
    let path = normalise_path(&target).ok()?;
    settings
        .rule_for(host.as_deref(), "GET", &path)
        .and_then(|rule| rule.policy.clone())
}

/// The gateway's router.
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/auth/nginx", get(nginx))
        .route("/auth/forward", any(forward))
        .route("/auth/envoy", any(envoy))
        // The site's root: Envoy appends "/" to path_prefix.
        .route("/auth/envoy/", any(envoy))
        .route("/auth/envoy/{*rest}", any(envoy))
        .route(DENIED_PATH, any(denied))
        .route("/stepup/{*rest}", any(flow))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(gateway)
}

async fn nginx(
    State(gw): State<Arc<Gateway>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    auth(&gw, Dialect::Nginx, &method, &uri, &headers).await
}

async fn forward(
    State(gw): State<Arc<Gateway>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    auth(&gw, Dialect::Forward, &method, &uri, &headers).await
}

async fn envoy(
    State(gw): State<Arc<Gateway>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    auth(&gw, Dialect::Envoy, &method, &uri, &headers).await
}

/// One auth decision, timed and counted.
async fn auth(
    gw: &Gateway,
    dialect: Dialect,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    let started = Instant::now();
    let (outcome, rule, response) = decide(gw, dialect, method, uri, headers).await;
    gw.metrics
        .record(dialect.name(), outcome, rule.as_deref(), started.elapsed());
    response
}

async fn decide(
    gw: &Gateway,
    dialect: Dialect,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> (&'static str, Option<String>, Response) {
    let Some(original) = dialect.original(method, uri, headers) else {
        let what = match dialect {
            Dialect::Nginx => "X-Original-URI and X-Original-Method",
            Dialect::Forward => "X-Forwarded-Method and X-Forwarded-Uri",
            Dialect::Envoy => "the original path after /auth/envoy",
        };
        return (
            "bad_request",
            None,
            plain(
                StatusCode::BAD_REQUEST,
                &format!("the proxy did not send {what} (once each); see the example configs"),
            ),
        );
    };
    let path = match normalise_path(&original.uri) {
        Ok(path) => path,
        Err(e) => {
            tracing::debug!(target: "stepup::reject", code = "bad_path", reason = %e, "request refused");
            return (
                "bad_path",
                None,
                plain(StatusCode::BAD_REQUEST, &format!("refused: {e}")),
            );
        }
    };
    let kind = ClientKind::of(&original.method, headers);
    let Some(rule) =
        gw.settings
            .rule_for(original.host.as_deref(), original.method.as_str(), &path)
    else {
        let response = refuse_plain(&Refusal::NoRule, kind);
        return ("no_rule", None, tag_forbidden(response, &Refusal::NoRule));
    };
    let rule_name = rule.index.to_string();
    let Some(policy) = &rule.policy else {
        return ("public", Some(rule_name), StatusCode::OK.into_response());
    };
    let Some(stepup) = gw.stepup() else {
        let error = stepup::Error::KeysUnavailable {
            url: gw.settings.issuer.clone(),
            reason: "the provider has not been reached yet".into(),
        };
        return (
            "unavailable",
            Some(rule_name),
            refuse_plain(&Refusal::Unavailable(error), kind),
        );
    };
    let decided = stepup.decide(&original.method, headers, policy).await;
    match decided.result {
        Ok(identity) => {
            let mut response = StatusCode::OK.into_response();
            response.headers_mut().extend(identity_headers(&identity));
            ("allowed", Some(rule_name), response)
        }
        Err(refusal) => {
            let login =
                stepup.login_start_url(&format!("{}{}", gw.settings.public_origin, original.uri));
            let outcome = match &refusal {
                Refusal::NoCredentials => "no_credentials",
                Refusal::Invalid(_) => "invalid",
                Refusal::StepUp(_) => "step_up",
                Refusal::Unavailable(_) => "unavailable",
                Refusal::CrossSite => "cross_site",
                _ => "error",
            };
            let response = stepup.answer(
                &refusal,
                decided.kind,
                decided.drop_session,
                &login,
                dialect.redirect(),
            );
            (outcome, Some(rule_name), tag_forbidden(response, &refusal))
        }
    }
}

/// Names why a 403 answer refused ([`Refusal::code`]), for a proxy that shows another
/// page in its place: the nginx example passes it on to `/stepup/denied`.
const REFUSAL_HEADER: &str = "x-stepup-refusal";

fn tag_forbidden(mut response: Response, refusal: &Refusal) -> Response {
    if response.status() == StatusCode::FORBIDDEN {
        response
            .headers_mut()
            .insert(REFUSAL_HEADER, HeaderValue::from_static(refusal.code()));
    }
    response
}

/// `/stepup/denied`: the gateway's 403 answer again, for a proxy that cannot pass the
/// auth endpoint's own 403 on (nginx `auth_request` keeps only the status; the example
/// config maps it here with `X-Stepup-Refusal` from the auth answer). A request no rule
/// allows, or a cookie-authenticated change from another site. Whether or not the
/// provider is reached; the header only picks which of the two explanations is shown.
async fn denied(method: Method, headers: HeaderMap) -> Response {
    let cross_site = Refusal::CrossSite;
    let refusal = match headers.get(REFUSAL_HEADER) {
        Some(code) if code.as_bytes() == cross_site.code().as_bytes() => cross_site,
        _ => Refusal::NoRule,
    };
    refuse_plain(&refusal, ClientKind::of(&method, &headers))
}

/// A refusal answered without a login URL (no rule, not ready).
fn refuse_plain(refusal: &Refusal, kind: ClientKind) -> Response {
    respond(
        refusal,
        &Answer {
            kind,
            realm: "stepup",
            login: "/",
            redirect: BrowserRedirect::Found,
            drop_session: None,
            retry_after: 5,
        },
    )
}

fn plain(status: StatusCode, message: &str) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `/stepup/*`: the shared login flow once the provider is reached; 503 before.
async fn flow(State(gw): State<Arc<Gateway>>, request: Request) -> Response {
    match gw.ready.get() {
        Some(ready) => match ready.flow.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => {
            let mut response = plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the identity provider has not been reached yet; try again shortly",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    }
}

async fn readyz(State(gw): State<Arc<Gateway>>) -> Response {
    if gw.is_ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the provider's keys are not loaded\n",
        )
            .into_response()
    }
}

async fn metrics(State(gw): State<Arc<Gateway>>) -> Response {
    let (stats, tokens) = match gw.stepup().map(|s| s.provider().verifier()) {
        Some(stepup_axum::TokenVerifier::Remote(remote)) => {
            (Some(remote.stats()), Some(remote.token_cache_stats()))
        }
        Some(stepup_axum::TokenVerifier::Local(local)) => (None, Some(local.token_cache_stats())),
        None => (None, None),
    };
    let body = gw.metrics.render(stats.as_ref(), tokens, gw.is_ready());
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// Retries discovery with backoff (1 s doubling, capped at 30 s) until it succeeds,
/// logging each failure.
pub async fn connect_with_retry(gateway: Arc<Gateway>) {
    let mut wait = Duration::from_secs(1);
    loop {
        match gateway.connect().await {
            Ok(()) => {
                tracing::info!(target: "stepup::gateway", issuer = %gateway.settings.issuer, "provider reached; ready");
                return;
            }
            Err(e) => {
                tracing::warn!(target: "stepup::gateway", code = e.code(), error = %e, retry_in = ?wait, "provider not reachable");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
}
