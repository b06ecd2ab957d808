//! The auth requests of the proxies that are not packaged here, in process on
//! `router(gateway)` (tower `oneshot`): Traefik's ForwardAuth (examples/traefik/) and
//! Envoy's ext_authz HTTP service (examples/envoy/envoy.yaml), as their docs say they
//! send them. The gateway is connected to the development provider by discovery.

use std::sync::Arc;

use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode, header};
use stepup_gateway::{Gateway, router};
use tower::ServiceExt as _;
use url::Url;

use crate::support::{CLIENT_ID, Challenge, HTML, MFA_ACR, Stack, query};

const ORIGIN: &str = "https://app.example.com";

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> Option<Url> {
        self.headers
            .get(header::LOCATION)
            .map(|v| Url::parse(v.to_str().unwrap()).unwrap())
    }

    fn challenge(&self) -> Challenge {
        let values: Vec<_> = self
            .headers
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .collect();
        assert_eq!(values.len(), 1, "one WWW-Authenticate: {values:?}");
        Challenge::parse(values[0].to_str().unwrap())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn stepup_headers(&self) -> Vec<&str> {
        self.headers
            .keys()
            .map(http::HeaderName::as_str)
            .filter(|name| name.starts_with("x-stepup-"))
            .collect()
    }

    /// A browser sent to the login start, for `page` on the public origin.
    fn is_login_redirect(&self, page: &str) {
        assert_eq!(self.status, StatusCode::FOUND, "{}", self.body);
        let to = self.location().expect("Location");
        assert_eq!(to.origin().ascii_serialization(), ORIGIN);
        assert_eq!(to.path(), "/stepup/start");
        assert_eq!(
            query(&to, "rd").as_deref(),
            Some(format!("{ORIGIN}{page}").as_str())
        );
        assert!(self.headers.get(header::WWW_AUTHENTICATE).is_none());
    }

    /// An API client asked for credentials: 401, the RFC 6750 challenge, no Location.
    fn is_api_challenge(&self) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{}", self.body);
        assert!(self.location().is_none());
        let challenge = self.challenge();
        assert_eq!(challenge.scheme, "Bearer");
        assert_eq!(challenge.param("realm"), Some(CLIENT_ID));
        assert_eq!(challenge.param("error"), None);
    }
}

async fn send(gateway: &Arc<Gateway>, request: Request<Body>) -> Answer {
    let response = router(Arc::clone(gateway)).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Traefik's ForwardAuth request for an original request: always `GET` to the
/// configured address, the client's headers, and X-Forwarded-Method, -Proto, -Host,
/// -Uri, -For set by Traefik.
fn traefik(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri("/auth/forward")
        .header(header::HOST, "127.0.0.1:4180")
        .header("X-Forwarded-Method", method)
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "app.example.com")
        .header("X-Forwarded-Uri", uri)
        .header("X-Forwarded-For", "203.0.113.7");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

/// Envoy's ext_authz HTTP check request: the original method, the original path and
/// query appended to `path_prefix`, Host = the original `:authority`, Content-Length 0
/// and the allowed headers (Authorization always; Cookie, Accept, X-Forwarded-Proto
/// as configured in examples/envoy/envoy.yaml).
fn envoy(method: Method, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/auth/envoy{path}"))
        .header(header::HOST, "app.example.com")
        .header(header::CONTENT_LENGTH, "0")
        .header("X-Forwarded-Proto", "https");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traefik_forward_auth_and_envoy_ext_authz() {
    let stack = Stack::start(ORIGIN).await;
    let gw = &stack.gateway;
    let browser = [(header::ACCEPT.as_str(), HTML)];
    let api = [(header::ACCEPT.as_str(), "application/json")];
    let page = "/admin/report?year=2026";

    // ------------------------------------------------ Traefik ForwardAuth
    send(gw, traefik("GET", page, &browser))
        .await
        .is_login_redirect(page);
    send(gw, traefik("HEAD", page, &browser))
        .await
        .is_login_redirect(page);
    send(gw, traefik("GET", page, &api))
        .await
        .is_api_challenge();
    // The auth request is a GET, but the original method decides: a POST is an API call.
    send(gw, traefik("POST", "/app/form", &browser))
        .await
        .is_api_challenge();

    let public = send(gw, traefik("GET", "/public/x", &api)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.stepup_headers().is_empty());
    let none = send(gw, traefik("GET", "/nothing", &browser)).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert!(
        none.body.contains("No rule allows this request"),
        "{}",
        none.body
    );
    let bad = send(gw, traefik("GET", "/public/a%2Fb", &api)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // A missing or doubled X-Forwarded-Uri is refused, never guessed.
    let mut missing = traefik("GET", "/public/x", &api);
    missing.headers_mut().remove("x-forwarded-uri");
    assert_eq!(send(gw, missing).await.status, StatusCode::BAD_REQUEST);
    let doubled = traefik("GET", "/public/x", &[("X-Forwarded-Uri", "/admin")]);
    assert_eq!(send(gw, doubled).await.status, StatusCode::BAD_REQUEST);

    // A real ID token (password only) as Bearer.
    let token = stack.id_token(&stack.browser(), &[]).await;
    let bearer = format!("Bearer {token}");
    let bearer = [(header::AUTHORIZATION.as_str(), bearer.as_str())];
    let allowed = send(gw, traefik("GET", "/app/page", &bearer)).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.header("x-stepup-sub"), Some("alice"));
    assert_eq!(allowed.header("x-stepup-amr"), Some("pwd"));
    assert!(
        allowed
            .header("x-stepup-auth-time")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    let step_up = send(gw, traefik("GET", page, &bearer)).await;
    assert_eq!(step_up.status, StatusCode::UNAUTHORIZED);
    assert!(step_up.location().is_none());
    let challenge = step_up.challenge();
    assert_eq!(
        challenge.param("error"),
        Some("insufficient_user_authentication")
    );
    assert_eq!(challenge.param("acr_values"), Some(MFA_ACR));

    // ------------------------------------------------ Envoy ext_authz (HTTP service)
    send(gw, envoy(Method::GET, page, &browser))
        .await
        .is_login_redirect(page);
    send(gw, envoy(Method::HEAD, page, &browser))
        .await
        .is_login_redirect(page);
    send(gw, envoy(Method::GET, page, &api))
        .await
        .is_api_challenge();
    send(gw, envoy(Method::POST, "/app/form", &browser))
        .await
        .is_api_challenge();
    send(gw, envoy(Method::DELETE, "/app/thing", &[]))
        .await
        .is_api_challenge();

    let public = send(gw, envoy(Method::GET, "/public/x?y=1", &api)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.stepup_headers().is_empty());
    // The root of the site is the path "/" (Envoy sends /auth/envoy/).
    let root = send(gw, envoy(Method::GET, "/", &api)).await;
    assert_eq!(root.status, StatusCode::FORBIDDEN, "no rule for /");
    let none = send(gw, envoy(Method::POST, "/nothing", &api)).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert!(none.body.contains("\"forbidden\""), "{}", none.body);
    let bad = send(gw, envoy(Method::GET, "/public/a%2Fb", &api)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let allowed = send(gw, envoy(Method::PUT, "/app/page", &bearer)).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.header("x-stepup-sub"), Some("alice"));
    let step_up = send(gw, envoy(Method::GET, page, &bearer)).await;
    assert_eq!(step_up.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        step_up.challenge().param("error"),
        Some("insufficient_user_authentication")
    );

    // ------------------------------------------------ nginx, without nginx
    // The nginx dialect: 401 + Location for a browser, 401 + WWW-Authenticate for an API.
    let nginx = |accept: &str| {
        Request::builder()
            .uri("/auth/nginx")
            .header(header::HOST, "app.example.com")
            .header("X-Original-URI", page)
            .header("X-Original-Method", "GET")
            .header("X-Forwarded-Proto", "https")
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap()
    };
    let answer = send(gw, nginx(HTML)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.headers.get(header::WWW_AUTHENTICATE).is_none());
    let to = answer.location().expect("an absolute Location");
    assert_eq!(
        query(&to, "rd").as_deref(),
        Some(format!("{ORIGIN}{page}").as_str())
    );
    send(gw, nginx("application/json")).await.is_api_challenge();

    // /stepup/denied (nginx's `error_page 403`): the gateway's 403, page or JSON.
    let denied = Request::builder()
        .uri("/stepup/denied")
        .header(header::ACCEPT, HTML)
        .body(Body::empty())
        .unwrap();
    let denied = send(gw, denied).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(
        denied.body.contains("No rule allows this request"),
        "{}",
        denied.body
    );
}

/// Before the provider is reached: 503 + Retry-After in every dialect that passes it
/// on, never an allow; public paths and the no-rule 403 do not need the provider.
#[tokio::test]
async fn not_ready_answers_503_with_retry_after() {
    let stack = Stack::start(ORIGIN).await;
    let gw = Gateway::new(stack.gateway.settings().clone());
    assert!(!gw.is_ready());
    for request in [
        traefik("GET", "/app/page", &[]),
        traefik("GET", "/app/page", &[(header::ACCEPT.as_str(), HTML)]),
        envoy(Method::GET, "/admin/x", &[]),
    ] {
        let answer = send(&gw, request).await;
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            answer.body
        );
        assert!(answer.header("retry-after").is_some());
    }
    assert_eq!(
        send(&gw, traefik("GET", "/public/x", &[])).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&gw, traefik("GET", "/nothing", &[])).await.status,
        StatusCode::FORBIDDEN
    );
    let readyz = Request::builder()
        .uri("/readyz")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&gw, readyz).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let start = Request::builder()
        .uri("/stepup/start?rd=%2Fapp")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&gw, start).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}
