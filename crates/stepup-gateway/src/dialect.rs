//! The proxy dialects: how each proxy tells the gateway about the original request,
//! and how a browser is sent to the login start. Everything else is shared.

use http::{HeaderMap, Method, Uri};
use stepup_axum::BrowserRedirect;

/// A proxy's way of asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// nginx `auth_request`: `X-Original-URI`, `X-Original-Method`, `Host`,
    /// `X-Forwarded-Proto`; browsers get 401 with an absolute `Location` (the recipe
    /// turns it into a 302).
    Nginx,
    /// Traefik ForwardAuth and Caddy `forward_auth`: `X-Forwarded-Method`, `-Proto`,
    /// `-Host`, `-Uri`; browsers get 302.
    Forward,
    /// Envoy `ext_authz` (HTTP service): the original path follows `/auth/envoy`,
    /// with the original method, `Host` (`:authority`) and `X-Forwarded-Proto`;
    /// browsers get 302.
    Envoy,
}

/// The original request, as the proxy described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// The method.
    pub method: Method,
    /// Path and query, as the client sent them (not yet normalised).
    pub uri: String,
    /// The host, without port.
    pub host: Option<String>,
    /// The host with port, as sent (for rebuilding the URL).
    pub authority: Option<String>,
    /// `http` or `https`.
    pub proto: Option<String>,
}

impl Dialect {
    /// The metric and log name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Nginx => "nginx",
            Self::Forward => "forward",
            Self::Envoy => "envoy",
        }
    }

    /// How browsers are redirected in this dialect.
    pub fn redirect(self) -> BrowserRedirect {
        match self {
            Self::Nginx => BrowserRedirect::UnauthorizedWithLocation,
            Self::Forward | Self::Envoy => BrowserRedirect::Found,
        }
    }

    /// Reads the original request from the auth request; `None` when a header the
    /// dialect needs is missing or not text (the request is then refused with 400).
    pub fn original(self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Option<Original> {
        // Outer `None`: refuse (sent twice, or not text); inner `None`: absent.
        let text = |name: &str| -> Option<Option<String>> {
            let mut values = headers.get_all(name).iter();
            let Some(value) = values.next() else {
                return Some(None);
            };
            // A header sent twice is ambiguous: refuse rather than pick one.
            if values.next().is_some() {
                return None;
            }
            value.to_str().ok().map(|v| Some(v.to_owned()))
        };
        let (method, target, authority, proto) = match self {
            Self::Nginx => (
                text("x-original-method")??,
                text("x-original-uri")??,
                text("host")?,
                text("x-forwarded-proto")?,
            ),
            Self::Forward => (
                text("x-forwarded-method")??,
                text("x-forwarded-uri")??,
                text("x-forwarded-host")?,
                text("x-forwarded-proto")?,
            ),
            Self::Envoy => {
                let full = uri.path_and_query().map_or("/", |pq| pq.as_str());
                let rest = full.strip_prefix("/auth/envoy")?;
                let target = if rest.is_empty() || rest.starts_with('?') {
                    format!("/{rest}")
                } else {
                    rest.to_owned()
                };
                (
                    method.as_str().to_owned(),
                    target,
                    text("host")?,
                    text("x-forwarded-proto")?,
                )
            }
        };
        // Methods are case-sensitive, but some apps upper-case them before routing: a
        // lower-case `get` could pass a GET rule by not matching it. Refused.
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') {
            return None;
        }
        let method = Method::from_bytes(method.as_bytes()).ok()?;
        let host = authority.as_deref().map(host_without_port);
        Some(Original {
            method,
            uri: target,
            host,
            authority,
            proto,
        })
    }
}

/// `app.example.com:8443` → `app.example.com`; `[::1]:80` → `[::1]`; one trailing
/// dot dropped (`app.example.com.` is the same host, and apps treat it so).
pub fn host_without_port(authority: &str) -> String {
    let host = if authority.starts_with('[') {
        authority
            .split_once(']')
            .map_or(authority, |(h, _)| &authority[..=h.len()])
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn each_dialect_reads_its_headers() {
        let nginx = Dialect::Nginx
            .original(
                &Method::GET,
                &Uri::from_static("/auth/nginx"),
                &headers(&[
                    ("x-original-uri", "/admin?x=1"),
                    ("x-original-method", "POST"),
                    ("host", "App.Example.com:8443"),
                    ("x-forwarded-proto", "https"),
                ]),
            )
            .unwrap();
        assert_eq!(nginx.method, Method::POST);
        assert_eq!(nginx.uri, "/admin?x=1");
        assert_eq!(nginx.host.as_deref(), Some("app.example.com"));
        assert_eq!(nginx.authority.as_deref(), Some("App.Example.com:8443"));

        let forward = Dialect::Forward
            .original(
                &Method::GET,
                &Uri::from_static("/auth/forward"),
                &headers(&[
                    ("x-forwarded-method", "GET"),
                    ("x-forwarded-uri", "/a"),
                    ("x-forwarded-host", "app"),
                    ("x-forwarded-proto", "http"),
                ]),
            )
            .unwrap();
        assert_eq!(forward.uri, "/a");
        assert_eq!(forward.host.as_deref(), Some("app"));

        let envoy = Dialect::Envoy
            .original(
                &Method::DELETE,
                &Uri::from_static("/auth/envoy/admin/x?y=1"),
                &headers(&[("host", "[::1]:9")]),
            )
            .unwrap();
        assert_eq!(envoy.method, Method::DELETE);
        assert_eq!(envoy.uri, "/admin/x?y=1");
        assert_eq!(envoy.host.as_deref(), Some("[::1]"));
        let root = Dialect::Envoy
            .original(
                &Method::GET,
                &Uri::from_static("/auth/envoy"),
                &HeaderMap::new(),
            )
            .unwrap();
        assert_eq!(root.uri, "/");
    }

    #[test]
    fn missing_or_doubled_headers_are_refused() {
        let uri = Uri::from_static("/auth/nginx");
        assert!(
            Dialect::Nginx
                .original(&Method::GET, &uri, &HeaderMap::new())
                .is_none()
        );
        let doubled = headers(&[
            ("x-original-uri", "/public"),
            ("x-original-uri", "/admin"),
            ("x-original-method", "GET"),
        ]);
        assert!(
            Dialect::Nginx
                .original(&Method::GET, &uri, &doubled)
                .is_none()
        );
        let bad_method = headers(&[("x-original-uri", "/"), ("x-original-method", "G T")]);
        assert!(
            Dialect::Nginx
                .original(&Method::GET, &uri, &bad_method)
                .is_none()
        );
    }
}
