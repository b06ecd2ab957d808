//! The `/try` page's step-up flow in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), against a provider started in this process on 127.0.0.1.
//!
//! Needs Chromium and its driver (Debian: `apt-get install chromium chromium-driver`),
//! with `chromedriver` on `PATH`. Without them the test fails and says so, unless
//! `STEPUP_SKIP_BROWSER_TESTS=1` is set: then it reports that it skipped and passes.
//! `STEPUP_BROWSER_ARTIFACTS=DIR` keeps a copy of the final screenshot in `DIR`.

// Test helpers panic on broken fixtures by design; clippy's in-test allowance only covers
// #[test] fns. The skip notice goes to stderr on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use stepup_issuer::{Issuer, IssuerConfig};

const PASSWORD: &str = "alice-browser-password-1";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// How long one page may take to show what the test waits for.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);
/// The whole browser part, Chromium's start included.
const FLOW_LIMIT: Duration = Duration::from_secs(45);

/// Chromium flags: headless, and nothing that reaches out to the network on its own
/// (without the background-networking flags Chromium can hang on a closed network).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=900,1000",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_page_steps_up_in_headless_chromium() {
    let Some(chromedriver) = chromedriver_or_skip() else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let running = Issuer::start(
        config(),
        "127.0.0.1:0".parse().unwrap(),
        &dir.path().join("state"),
    )
    .await
    .expect("issuer starts");
    let issuer = running.issuer().to_owned();

    let driver = ChromeDriver::start(&chromedriver, dir.path()).await;
    let profile = dir.path().join("chromium-profile");
    std::fs::create_dir(&profile).unwrap();
    let screenshot = dir.path().join("try-satisfied.png");

    // The flow runs in a task so that a failed assertion still closes the browser
    // session (chromedriver then quits Chromium) before the panic is passed on.
    let browser = tokio::time::timeout(FLOW_LIMIT, open_browser(&driver, &profile))
        .await
        .unwrap_or_else(|_| driver.fail("Chromium did not start within the time limit"));
    let flow = tokio::spawn(step_up_flow(browser.clone(), issuer, screenshot.clone()));
    let outcome = tokio::time::timeout(FLOW_LIMIT, flow).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(join)) => std::panic::resume_unwind(join.into_panic()),
        Err(_) => driver.fail("the browser flow did not finish within the time limit"),
    }
    drop(driver);
    running.shutdown().await.unwrap();

    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG ({} bytes)",
        png.len()
    );
    if let Some(keep) = std::env::var_os("STEPUP_BROWSER_ARTIFACTS") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&screenshot, Path::new(&keep).join("try-satisfied.png")).unwrap();
    }
    eprintln!("browser flow took {:.1?}", started.elapsed());
}

/// Log in with a password (valid token, step-up needed), then step up with TOTP
/// (satisfied), clicking and typing as a person would.
async fn step_up_flow(browser: Client, issuer: String, screenshot: PathBuf) {
    browser.goto(&format!("{issuer}/try")).await.unwrap();
    wait_for(&browser, "#try-login")
        .await
        .click()
        .await
        .unwrap();

    // The password form, under the development banner.
    let username = wait_for(&browser, "input#username").await;
    let banner = browser.find(Locator::Css("p.dev")).await.unwrap();
    assert!(
        banner.is_displayed().await.unwrap(),
        "banner hidden on the login page"
    );
    let banner = banner.text().await.unwrap();
    assert!(
        banner.contains("Development provider — not for production"),
        "banner: {banner:?}"
    );
    username.send_keys("alice").await.unwrap();
    browser
        .find(Locator::Css("input#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Css("button[name=action][value=login]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Back at the try-it client: the token verifies but the policy wants `mfa`.
    let decision = wait_for_text(&browser, "#decision", "Step-up needed").await;
    assert!(
        decision.contains("the token is valid") && decision.contains("amr:mfa"),
        "{decision}"
    );
    assert_eq!(amr(&browser).await, json!(["pwd"]));
    assert_eq!(text(&browser, "#acr").await, "(none)");
    assert_eq!(browser.current_url().await.unwrap().path(), "/try/callback");

    // Step up: the provider asks only for the TOTP code.
    wait_for(&browser, "#try-step-up")
        .await
        .click()
        .await
        .unwrap();
    let code_field = wait_for(&browser, "input#code").await;
    assert!(
        browser
            .find_all(Locator::Css("input#password"))
            .await
            .unwrap()
            .is_empty(),
        "step-up asked for the password again"
    );
    let code = stepup_issuer::totp_code(TOTP_SECRET, unix_now()).unwrap();
    code_field.send_keys(&code).await.unwrap();
    browser
        .find(Locator::Css("button[name=action][value=verify]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let decision = wait_for_text(&browser, "#decision", "Step-up satisfied").await;
    assert!(decision.contains("multi-factor login"), "{decision}");
    let amr = amr(&browser).await;
    assert!(amr.as_array().unwrap().contains(&json!("mfa")), "amr {amr}");
    assert_eq!(
        text(&browser, "#acr").await,
        format!("\"{}\"", stepup_issuer::ACR_MULTI_FACTOR)
    );

    let png = browser.screenshot().await.unwrap();
    std::fs::write(&screenshot, png).unwrap();
}

/// Users: alice, with a password and a TOTP secret. The try-it client is on by default;
/// one ordinary client is needed for the configuration to be valid.
fn config() -> IssuerConfig {
    IssuerConfig::from_toml(&format!(
        "[[users]]\nusername = \"alice\"\npassword = \"{PASSWORD}\"\n\
         totp_secret = \"{TOTP_SECRET}\"\nname = \"Alice\"\n\
         [[clients]]\nclient_id = \"web\"\n\
         client_secret = \"web-client-secret-0123456789abcdef\"\n\
         redirect_uris = [\"http://127.0.0.1:1/callback\"]\n"
    ))
    .expect("test config")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `chromedriver` from `PATH`; `None` (after saying so) when the skip variable is set.
fn chromedriver_or_skip() -> Option<PathBuf> {
    if std::env::var_os("STEPUP_SKIP_BROWSER_TESTS").is_some_and(|v| v == "1") {
        eprintln!("SKIPPED browser test: STEPUP_SKIP_BROWSER_TESTS=1");
        return None;
    }
    let found = find_in_path("chromedriver");
    assert!(
        found.is_some(),
        "chromedriver is not on PATH: install Chromium and its WebDriver \
         (Debian: apt-get install chromium chromium-driver), \
         or set STEPUP_SKIP_BROWSER_TESTS=1 to skip the browser test"
    );
    found
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// A chromedriver process on a loopback port, killed when dropped (also on a panic).
struct ChromeDriver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl ChromeDriver {
    /// Starts chromedriver and waits until its `/status` says it is ready. The port is
    /// chosen free just before; if another process takes it first, tries another.
    async fn start(binary: &Path, dir: &Path) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let log = dir.join(format!("chromedriver-{attempt}.log"));
            let out = File::create(&log).unwrap();
            let child = Command::new(binary)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            let mut driver = Self {
                child,
                url: format!("http://127.0.0.1:{port}"),
                log,
            };
            let deadline = Instant::now() + WAIT;
            loop {
                if driver.child.try_wait().unwrap().is_some() {
                    if attempt < 3 {
                        break; // most likely the port was taken: try another
                    }
                    driver.fail("chromedriver exited at start");
                }
                if let Ok(response) = http.get(format!("{}/status", driver.url)).send().await
                    && let Ok(status) = response.json::<Value>().await
                    && status["value"]["ready"] == true
                {
                    return driver;
                }
                if Instant::now() > deadline {
                    driver.fail("chromedriver's /status did not answer ready");
                }
                tokio::time::sleep(POLL).await;
            }
        }
    }

    /// Fails the test with chromedriver's output.
    fn fail(&self, what: &str) -> ! {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!("{what}; chromedriver output:\n{}", tail.join("\n"));
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session with a fresh headless Chromium profile.
async fn open_browser(driver: &ChromeDriver, profile: &Path) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut options = json!({ "args": args });
    // Name the browser when it is on PATH; otherwise chromedriver looks in its defaults.
    if let Some(binary) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| find_in_path(name))
    {
        options["binary"] = json!(binary);
    }
    let Value::Object(capabilities) = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
        "timeouts": { "pageLoad": 10_000, "script": 5_000, "implicit": 0 },
    }) else {
        unreachable!()
    };
    let mut builder = ClientBuilder::rustls().expect("TLS roots for the WebDriver client");
    builder.capabilities(capabilities);
    match builder.connect(&driver.url).await {
        Ok(client) => client,
        Err(e) => driver.fail(&format!("no browser session: {e}")),
    }
}

/// The element matching `css`, once it is there.
async fn wait_for(browser: &Client, css: &str) -> Element {
    match browser
        .wait()
        .at_most(WAIT)
        .every(POLL)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => panic!("no {css} ({e}) on {}", page_summary(browser).await),
    }
}

/// The text of the element matching `css`, once it contains `wanted`.
async fn wait_for_text(browser: &Client, css: &str, wanted: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && text.contains(wanted)
        {
            return text;
        }
        if Instant::now() > deadline {
            panic!(
                "no {css} saying {wanted:?} on {}",
                page_summary(browser).await
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn text(browser: &Client, css: &str) -> String {
    match browser.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap(),
        Err(e) => panic!("no {css} ({e}) on {}", page_summary(browser).await),
    }
}

/// The `amr` claim as the result page shows it (JSON).
async fn amr(browser: &Client) -> Value {
    let shown = text(browser, "#amr").await;
    serde_json::from_str(&shown).unwrap_or_else(|e| panic!("amr {shown:?}: {e}"))
}

/// Where the browser is and what it shows, for failure messages.
async fn page_summary(browser: &Client) -> String {
    let url = browser
        .current_url()
        .await
        .map_or_else(|e| format!("(no URL: {e})"), |u| u.to_string());
    let body = match browser.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(e) => format!("(no body: {e})"),
    };
    format!("{url}:\n{body}")
}
