//! The request log: one info line per request with method, path, status and time, and
//! nothing from query strings, forms or headers.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::*;

/// Collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The lines written on this thread.
    fn lines(&self) -> Vec<String> {
        let thread = std::thread::current();
        let name = thread.name().unwrap();
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .filter(|line| line.contains(&format!(" {name} ")))
            .map(str::to_owned)
            .collect()
    }
}

// The subscriber is the global one: a thread-local one (`set_default`) misses events
// when another test's thread registers the log call site first, since the call site
// then caches "no interest". The other tests' lines are told apart by thread: on a
// current-thread runtime the server's tasks run on this test's thread, which the test
// harness names after the test.
#[tokio::test(flavor = "current_thread")]
async fn each_request_is_logged_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_thread_names(true)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .expect("no other test sets a global subscriber");

    let op = TestIssuer::start().await;
    let browser = op.browser();
    let mut app = Authenticator::new(ALICE_TOTP);
    let page = browser.login_request("web", &[("acr_values", MFA)]).await;
    let page = browser.password(&page, "alice", ALICE_PASSWORD).await;
    let code = app.code().await;
    let callback = browser.totp(&page, &code).await.callback();
    let (_, tokens) = browser.exchange("web", WEB_SECRET, &callback["code"]).await;

    let lines: Vec<String> = captured
        .lines()
        .into_iter()
        .filter(|line| line.contains("stepup_issuer::http"))
        .collect();
    for (method, path, status) in [
        ("GET", "/authorize", 302),
        ("GET", "/login", 200),
        ("POST", "/login", 303),
        ("POST", "/login/totp", 303),
        ("POST", "/token", 200),
    ] {
        let wanted = format!("method={method} path={path} status={status} ");
        assert!(
            lines
                .iter()
                .any(|line| line.contains(" INFO ") && line.contains(&wanted)),
            "no {wanted:?} in {lines:#?}"
        );
    }
    assert!(
        lines.iter().all(|line| line.contains("elapsed=")),
        "{lines:#?}"
    );
    let secrets = [
        ALICE_PASSWORD,
        WEB_SECRET,
        &code,
        &callback["code"],
        "st-123",
        "n-456",
        tokens["id_token"].as_str().unwrap(),
        tokens["access_token"].as_str().unwrap(),
    ];
    for line in captured.lines() {
        assert!(!line.contains('?'), "a query string was logged: {line}");
        // Digits of the timestamp and of `elapsed` could spell the 6-digit TOTP code.
        let fields: String = line
            .split(' ')
            .skip(1)
            .filter(|field| !field.starts_with("elapsed="))
            .collect::<Vec<_>>()
            .join(" ");
        for secret in secrets {
            assert!(!fields.contains(secret), "{secret:?} was logged: {line}");
        }
    }
}
