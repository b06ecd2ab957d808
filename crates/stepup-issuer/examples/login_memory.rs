//! Measures the provider's memory: starts it in this process on 127.0.0.1, performs
//! password logins over HTTP (authorization request, password form, code exchange), and
//! prints the process's resident set size (`VmRSS` and its peak `VmHWM` from
//! `/proc/self/status`, so Linux only) before and after.
//!
//! ```text
//! cargo run --release -p stepup-issuer --example login_memory -- [--logins 1000] [--concurrency 16]
//! ```
//!
//! The figures include this process's HTTP client, which is small and the same before
//! and after. Each login uses `prompt=login`, so every one of them checks a password
//! (Argon2id) instead of reusing the session.

// An example's job is to print its figures for a person.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use stepup_issuer::{Issuer, IssuerConfig};

const PASSWORD: &str = "memory-test-password-1";
const CLIENT_SECRET: &str = "memory-test-client-secret-0123456789abcdef";
const CALLBACK: &str = "http://127.0.0.1:1/callback";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut logins = 1000_usize;
    let mut concurrency = 16_usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .ok_or(format!("{name} needs a value"))?
                .parse()
                .map_err(|e| format!("{name}: {e}"))
        };
        match arg.as_str() {
            "--logins" => logins = number("--logins")?,
            "--concurrency" => concurrency = number("--concurrency")?.max(1),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let config = IssuerConfig::from_toml(&format!(
        "max_failed_logins = 1000\nmax_failed_logins_per_account = 1000\n\
         [[users]]\nusername = \"alice\"\npassword = \"{PASSWORD}\"\ntotp = false\n\
         [[clients]]\nclient_id = \"web\"\nclient_secret = \"{CLIENT_SECRET}\"\n\
         redirect_uris = [\"{CALLBACK}\"]\n"
    ))
    .map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let running = Issuer::start(
        config,
        "127.0.0.1:0".parse().map_err(|_| "address")?,
        dir.path(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let issuer = Arc::new(running.issuer().to_owned());
    // One login first, so that the idle figure includes what any first request loads.
    login(&client()?, &issuer).await?;
    let idle = rss()?;
    println!("after start and one login: {idle}");

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let issuer = Arc::clone(&issuer);
        let share = logins / concurrency + usize::from(worker < logins % concurrency);
        tasks.spawn(async move {
            let http = client()?;
            for _ in 0..share {
                login(&http, &issuer).await?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    let elapsed = started.elapsed();
    println!(
        "after {logins} logins ({concurrency} at a time, {:.1} s): {}",
        elapsed.as_secs_f64(),
        rss()?
    );
    running.shutdown().await.map_err(|e| e.to_string())
}

/// A client that keeps cookies (the login form is bound to its browser cookie) and stops
/// at redirects.
fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

/// One password login through the authorization-code flow.
async fn login(http: &reqwest::Client, issuer: &str) -> Result<(), String> {
    let err = |e: reqwest::Error| e.to_string();
    let authorize = http
        .get(format!("{issuer}/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "web"),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            ("state", "s"),
            ("prompt", "login"),
        ])
        .send()
        .await
        .map_err(err)?;
    let page = location(&authorize)?;
    let form = http
        .get(format!("{issuer}{page}"))
        .send()
        .await
        .map_err(err)?
        .text()
        .await
        .map_err(err)?;
    let submitted = http
        .post(format!("{issuer}/login"))
        .form(&[
            ("tx", hidden(&form, "tx")?),
            ("csrf", hidden(&form, "csrf")?),
            ("username", "alice"),
            ("password", PASSWORD),
            ("action", "login"),
        ])
        .send()
        .await
        .map_err(err)?;
    let callback = url::Url::parse(&location(&submitted)?).map_err(|e| e.to_string())?;
    let code = callback
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.into_owned())
        .ok_or("the login did not return a code")?;
    let token = http
        .post(format!("{issuer}/token"))
        .basic_auth("web", Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .map_err(err)?;
    if !token.status().is_success() {
        return Err(format!("token endpoint answered {}", token.status()));
    }
    Ok(())
}

fn location(response: &reqwest::Response) -> Result<String, String> {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("expected a redirect, got {}", response.status()))
}

fn hidden<'a>(html: &'a str, name: &str) -> Result<&'a str, String> {
    let prefix = format!("name=\"{name}\" value=\"");
    let start = html.find(&prefix).ok_or(format!("no {name} field"))? + prefix.len();
    let end = html[start..].find('"').ok_or("unterminated value")? + start;
    Ok(&html[start..end])
}

/// `VmRSS` and `VmHWM` of this process.
fn rss() -> Result<String, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status (Linux only): {e}"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map_or("?".to_owned(), |v| v.trim().to_owned())
    };
    Ok(format!(
        "VmRSS {}, VmHWM {}",
        field("VmRSS:"),
        field("VmHWM:")
    ))
}
