//! `stepup issuer`: the development provider starts, serves discovery, rotates keys.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::Stdio;

use serde_json::Value;

use crate::util::{run, stepup, temp_dir};

/// A plain HTTP/1.1 GET on loopback, returning the body.
fn http_get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = response.split_once("\r\n\r\n").unwrap().1;
    body.to_owned()
}

#[test]
fn issuer_serves_discovery_and_jwks_then_rotates_keys() {
    let state = temp_dir("issuer-state");
    let mut child = stepup()
        .args(["issuer", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut discovery = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("discovery") {
            discovery = Some(url.trim().to_owned());
            break;
        }
    }
    let discovery = discovery.expect("the banner names the discovery URL");
    let doc: Value = serde_json::from_str(&http_get(&discovery)).unwrap();
    let issuer = doc["issuer"].as_str().unwrap();
    assert!(discovery.starts_with(issuer));
    // The body may be chunked; the JWKS is small enough to find the object in it.
    let jwks_body = http_get(doc["jwks_uri"].as_str().unwrap());
    let start = jwks_body.find('{').unwrap();
    let end = jwks_body.rfind('}').unwrap();
    let jwks: Value = serde_json::from_str(&jwks_body[start..=end]).unwrap();
    let before = jwks["keys"].as_array().unwrap().len();
    assert!(before >= 1);

    let rotated = run(&[
        "issuer",
        "rotate-keys",
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    rotated.expect_code(0);
    assert!(rotated.stdout.contains("\"added\""), "{}", rotated.stdout);

    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn issuer_configuration_errors_exit_3() {
    let dir = temp_dir("issuer-config");
    let missing = dir.join("missing.toml");
    run(&["issuer", "--config", missing.to_str().unwrap()]).expect_code(3);
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "no_such_field = 1\n").unwrap();
    run(&[
        "issuer",
        "--config",
        bad.to_str().unwrap(),
        "--state-dir",
        dir.to_str().unwrap(),
    ])
    .expect_code(3);
    run(&["issuer", "--listen", "not-an-address"]).expect_code(3);
}
