//! chromedriver and headless Chromium for the end-to-end browser tests.
//!
//! A test starts with [`chromedriver_or_skip`], then [`ChromeDriver::start`] and
//! [`open_browser`], and reads pages with [`wait_for`], [`wait_for_text`] and [`text`],
//! whose failures show where the browser is and what it shows ([`page_summary`]).
//!
//! Needs Chromium and its driver (Debian: `apt-get install chromium chromium-driver`),
//! with `chromedriver` on `PATH`. Without them the test fails and says so, unless
//! `STEPUP_SKIP_BROWSER_TESTS=1` is set: then it reports that it skipped and passes.
//! `STEPUP_REQUIRE_BROWSER_TESTS=1` (as in CI) refuses to skip.
//!
//! ```no_run
//! # async fn demo(dir: &std::path::Path) {
//! use stepup_testkit::browser::{ChromeDriver, chromedriver_or_skip, open_browser, wait_for};
//!
//! let Some(chromedriver) = chromedriver_or_skip() else {
//!     return;
//! };
//! let driver = ChromeDriver::start(&chromedriver, dir).await;
//! let browser = open_browser(&driver, &dir.join("chromium-profile")).await;
//! browser.goto("http://127.0.0.1:8080/").await.unwrap();
//! wait_for(&browser, "h1").await;
//! # }
//! ```

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How long one page may take to show what the test waits for (also chromedriver's
/// start).
pub const WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
pub const POLL: Duration = Duration::from_millis(50);

/// Chromium flags: headless, and nothing that reaches out to the network on its own
/// (without the background-networking flags Chromium can hang on a closed network).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=900,1000",
];

/// `chromedriver` from `PATH`; `None` (after saying so on stderr) when
/// `STEPUP_SKIP_BROWSER_TESTS=1` is set and `STEPUP_REQUIRE_BROWSER_TESTS=1` is not.
///
/// # Panics
///
/// When both variables are set (the test is required here and may not be skipped), or
/// when `chromedriver` is not on `PATH` and the test is not skipped; the message says
/// what to install or set.
pub fn chromedriver_or_skip() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| v == "1");
    let required = set("STEPUP_REQUIRE_BROWSER_TESTS");
    if set("STEPUP_SKIP_BROWSER_TESTS") {
        assert!(
            !required,
            "STEPUP_SKIP_BROWSER_TESTS=1 and STEPUP_REQUIRE_BROWSER_TESTS=1: the browser \
             test is required here and may not be skipped"
        );
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

/// The first file named `program` in a directory of `PATH`.
pub fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// A chromedriver process on a loopback port, killed when dropped (also on a panic).
pub struct ChromeDriver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl ChromeDriver {
    /// Starts chromedriver and waits until its `/status` says it is ready. The port is
    /// chosen free just before; if another process takes it first, tries another.
    /// chromedriver's output goes to `chromedriver-<attempt>.log` in `dir`.
    ///
    /// # Panics
    ///
    /// When chromedriver cannot be run, exits at start three times, or is not ready
    /// within [`WAIT`]; the message ends with its output.
    pub async fn start(binary: &Path, dir: &Path) -> Self {
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

    /// Fails the test: panics with `what` and the last 30 lines of chromedriver's output.
    pub fn fail(&self, what: &str) -> ! {
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

/// A WebDriver session with a headless Chromium using the profile directory `profile`
/// (give it a fresh one). Chromium is named when it is on `PATH`
/// (`chromium`, `chromium-browser`, `google-chrome`); otherwise chromedriver looks in
/// its defaults.
///
/// # Panics
///
/// When there is no session; the message ends with chromedriver's output.
pub async fn open_browser(driver: &ChromeDriver, profile: &Path) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut options = json!({ "args": args });
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
        unreachable!("json!({{..}}) is an object")
    };
    let mut builder = ClientBuilder::rustls().expect("TLS roots for the WebDriver client");
    builder.capabilities(capabilities);
    match builder.connect(&driver.url).await {
        Ok(client) => client,
        Err(e) => driver.fail(&format!("no browser session: {e}")),
    }
}

/// The element matching `css`, once it is there.
///
/// # Panics
///
/// When it is not there within [`WAIT`]; the message has the [`page_summary`].
pub async fn wait_for(browser: &Client, css: &str) -> Element {
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
///
/// # Panics
///
/// When it does not within [`WAIT`]; the message has the [`page_summary`].
pub async fn wait_for_text(browser: &Client, css: &str, wanted: &str) -> String {
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

/// The text of the element matching `css`, which must be there now.
///
/// # Panics
///
/// When it is not; the message has the [`page_summary`].
pub async fn text(browser: &Client, css: &str) -> String {
    match browser.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap(),
        Err(e) => panic!("no {css} ({e}) on {}", page_summary(browser).await),
    }
}

/// Where the browser is and what it shows (URL and body text), for failure messages.
pub async fn page_summary(browser: &Client) -> String {
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
