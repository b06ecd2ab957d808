//! The committed nginx and Caddy configs, run by the real proxies in front of the
//! gateway: the whole scenario of `scenario::run` through each.

use std::net::SocketAddr;
use std::time::Instant;

use crate::proxy::{self, Proxy};
use crate::scenario::{self, Passes};
use crate::support::{Stack, free_port};

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
