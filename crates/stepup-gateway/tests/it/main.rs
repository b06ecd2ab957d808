//! Integration tests of the gateway (one binary, STYLE §5).
//!
//! - `proxies`: the committed example configs of nginx (`examples/nginx/nginx.conf`) and
//!   Caddy (`examples/caddy/Caddyfile`) run by the real proxies, as child processes, in
//!   front of the gateway (in process, connected to the development provider by
//!   discovery) and a small upstream app that echoes the headers it received. A scripted
//!   browser logs in through the proxy with password and TOTP. A missing proxy binary is
//!   a failure unless `STEPUP_SKIP_PROXY_TESTS=1`.
//! - `dialects`: the auth requests Traefik (ForwardAuth) and Envoy (ext_authz HTTP
//!   service) send, in process with `tower::ServiceExt::oneshot` on `router(gateway)`;
//!   neither proxy is packaged where the tests run.
//! - `examples`: the example `stepup.toml` resolves.
//!
//! Everything listens on 127.0.0.1, on ports the system picks.

// Fixtures and helpers panic on a broken test setup by design; clippy's in-test
// allowance covers only #[test] functions, not the helpers they share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod dialects;
mod examples;
mod proxies;
mod proxy;
mod scenario;
mod support;
