//! The committed nginx and Caddy configs, run by the real proxies in front of the
//! gateway: the whole scenario of `scenario::run` through each.

use std::net::SocketAddr;
use std::time::Instant;

use http::StatusCode;

use crate::proxy::{self, Proxy};
use crate::scenario::{self, Passes};
use crate::support::{Stack, free_port, raw_get};

/// The proxy's address: a port picked now, that the proxy binds itself (the
/// provider must know the callback URL on it before the proxy starts).
fn public_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_port()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_runs_the_example_config() {
    let Some(bin) = proxy::binary("nginx", "Debian: apt-get install nginx-light") else {
        return;
    };
    let started = Instant::now();
    let listen = public_addr();
    let stack = Stack::start(&format!("http://{listen}")).await;
    let dir = tempfile::tempdir().unwrap();
    let nginx: Proxy = proxy::nginx(
        &bin,
        dir.path(),
        listen,
        stack.gateway_addr,
        stack.upstream_addr,
    );
    scenario::run(&stack, &nginx, Passes::Only401And403).await;
    // Another Host: nginx.conf's default server refuses it with 421. The app's server_name
    // matches the Host with or without its port.
    let origin = stack.origin.as_str();
    for host in ["other.example", "localhost", "127.0.0.2"] {
        let response = raw_get(origin, "/public/hello", &[("Host", host)]).await;
        assert_eq!(
            response.status,
            StatusCode::MISDIRECTED_REQUEST,
            "{host}: {response:?}"
        );
    }
    let response = raw_get(
        origin,
        "/public/hello",
        &[("Host", &listen.ip().to_string())],
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    eprintln!("nginx scenario: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caddy_runs_the_example_config() {
    let Some(bin) = proxy::binary("caddy", "Debian: apt-get install caddy") else {
        return;
    };
    let started = Instant::now();
    let listen = public_addr();
    let stack = Stack::start(&format!("http://{listen}")).await;
    let dir = tempfile::tempdir().unwrap();
    let caddy: Proxy = proxy::caddy(
        &bin,
        dir.path(),
        listen,
        stack.gateway_addr,
        stack.upstream_addr,
    );
    scenario::run(&stack, &caddy, Passes::Everything).await;
    eprintln!("caddy scenario: {:?}", started.elapsed());
}
