//! `--jwks URL` and `--discover` against a real HTTP server on 127.0.0.1.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::util::{AUD, IAT, NOW, key, run};

/// A tiny loopback HTTP server: discovery (naming `issuer`, or the server's own URL)
/// and the committed JWK Set at `/jwks`. Counts requests.
struct Provider {
    url: String,
    requests: Arc<AtomicUsize>,
}

fn provider(issuer_override: Option<&str>) -> Provider {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let issuer = issuer_override.map_or_else(|| url.clone(), str::to_owned);
    let jwks = std::fs::read_to_string(key("jwks.json")).unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    let base = url.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut request_line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Drain the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = match path {
                "/.well-known/openid-configuration" => (
                    "200 OK",
                    serde_json::json!({
                        "issuer": issuer,
                        "jwks_uri": format!("{base}/jwks"),
                        "authorization_endpoint": format!("{base}/authorize"),
                    })
                    .to_string(),
                ),
                "/jwks" => ("200 OK", jwks.clone()),
                _ => ("404 Not Found", String::from("{}")),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Provider { url, requests }
}

fn token_from(issuer: &str) -> String {
    let private = key("rsa-2048.private.pem");
    let iat = IAT.to_string();
    let out = run(&[
        "mint",
        "--key",
        &private,
        "--kid",
        "rsa-2048",
        "--amr",
        "mfa",
        "--issuer",
        issuer,
        "--audience",
        AUD,
        "--now",
        &iat,
    ]);
    out.expect_code(0);
    out.stdout.trim_end().to_owned()
}

fn verify(token: &str, issuer: &str, source: &[&str]) -> crate::util::Output {
    let now = NOW.to_string();
    let mut args = vec![
        "verify",
        token,
        "--issuer",
        issuer,
        "--audience",
        AUD,
        "--now",
        &now,
    ];
    args.extend_from_slice(source);
    args.push("--json");
    run(&args)
}

#[test]
fn discover_fetches_the_keys_named_by_the_issuer() {
    let op = provider(None);
    let token = token_from(&op.url);
    let out = verify(&token, &op.url, &["--discover"]);
    out.expect_code(0);
    assert_eq!(out.json()["valid"], true);
    // Discovery document, then the JWK Set.
    assert_eq!(op.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn jwks_url_on_loopback() {
    let op = provider(None);
    let token = token_from(&op.url);
    let jwks = format!("{}/jwks", op.url);
    verify(&token, &op.url, &["--jwks", &jwks]).expect_code(0);
}

#[test]
fn discovery_naming_another_issuer_is_refused() {
    let op = provider(Some("https://evil.example.com"));
    let token = token_from(&op.url);
    let out = verify(&token, &op.url, &["--discover"]);
    out.expect_code(3);
    assert_eq!(out.json()["error"]["code"], "discovery_issuer_mismatch");
    // The keys were never fetched.
    assert_eq!(op.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn unreachable_and_insecure_urls_exit_3_naming_the_url() {
    let token = token_from("https://issuer.example.com");
    // A closed loopback port.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks", listener.local_addr().unwrap())
    };
    let out = verify(&token, "https://issuer.example.com", &["--jwks", &closed]);
    out.expect_code(3);
    let json = out.json();
    assert_eq!(json["error"]["code"], "jwks_unreachable");
    assert!(json["error"]["message"].as_str().unwrap().contains(&closed));
    // Plain http off loopback is refused before any request.
    let out = verify(
        &token,
        "https://issuer.example.com",
        &["--jwks", "http://issuer.example.com/jwks"],
    );
    out.expect_code(3);
    assert_eq!(out.json()["error"]["code"], "insecure_url");
}

/// A loopback "proxy" that answers every request, whatever its target, with the
/// committed JWK Set (so a token signed with the committed key would verify).
fn forging_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let jwks = std::fs::read_to_string(key("jwks.json")).unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{jwks}",
                jwks.len()
            );
        }
    });
    (url, requests)
}

#[test]
fn loopback_jwks_urls_never_go_through_a_proxy_from_the_environment() {
    let (proxy, requests) = forging_proxy();
    let token = token_from("http://127.0.0.1:1");
    let now = NOW.to_string();
    let mut command = crate::util::stepup();
    for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        command.env(name, &proxy);
    }
    command.env_remove("NO_PROXY").env_remove("no_proxy");
    // Nothing listens on port 1: without the proxy, the keys cannot be had.
    let out = crate::util::run_with(
        command,
        &[
            "verify",
            &token,
            "--issuer",
            "http://127.0.0.1:1",
            "--audience",
            AUD,
            "--now",
            &now,
            "--jwks",
            "http://127.0.0.1:1/jwks",
            "--json",
        ],
        None,
    );
    out.expect_code(3);
    assert_eq!(out.json()["error"]["code"], "jwks_unreachable");
    assert_eq!(requests.load(Ordering::SeqCst), 0, "the proxy was asked");
}
