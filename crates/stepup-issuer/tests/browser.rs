//! The `/try` page's step-up flow in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), against a provider started in this process on 127.0.0.1.
//!
//! Needs Chromium and its driver (Debian: `apt-get install chromium chromium-driver`),
//! with `chromedriver` on `PATH`. Without them the test fails and says so, unless
//! `STEPUP_SKIP_BROWSER_TESTS=1` is set: then it reports that it skipped and passes
//! (`STEPUP_REQUIRE_BROWSER_TESTS=1`, as in CI, refuses to skip). The harness
//! (chromedriver, Chromium, waits) is `stepup_testkit::browser`.
//! `STEPUP_BROWSER_ARTIFACTS=DIR` keeps a copy of the final screenshot in `DIR`.

// Test helpers panic on broken fixtures by design; clippy's in-test allowance only covers
// #[test] fns. The skip notice goes to stderr on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use stepup_issuer::{Issuer, IssuerConfig};
use stepup_testkit::browser::{
    ChromeDriver, chromedriver_or_skip, open_browser, text, wait_for, wait_for_text,
};

const PASSWORD: &str = "alice-browser-password-1";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// The whole browser part, Chromium's start included.
const FLOW_LIMIT: Duration = Duration::from_secs(45);

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
    let needed = decision_look(&browser, "needed").await;
    token_and_command(&browser, &issuer).await;

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
    // Typed as the authenticator app shows it, "902 367": the form takes it.
    let code = stepup_issuer::totp_code(TOTP_SECRET, unix_now()).unwrap();
    code_field
        .send_keys(&format!("{} {}", &code[..3], &code[3..]))
        .await
        .unwrap();
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
    let satisfied = decision_look(&browser, "satisfied").await;
    assert_ne!(needed, satisfied, "the two decisions look the same");
    token_and_command(&browser, &issuer).await;

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

/// The decision's badge for `state` (`needed` or `satisfied`) is shown: its background
/// and the decision's border colour, to compare the two.
async fn decision_look(browser: &Client, state: &str) -> (String, String) {
    let badge = wait_for(browser, &format!("#decision.decision.{state} .badge")).await;
    assert!(badge.is_displayed().await.unwrap(), "{state} badge hidden");
    let background = badge.css_value("background-color").await.unwrap();
    let border = browser
        .find(Locator::Css("#decision"))
        .await
        .unwrap()
        .css_value("border-left-color")
        .await
        .unwrap();
    assert_ne!(
        background, "rgba(0, 0, 0, 0)",
        "{state} badge has no colour"
    );
    (background, border)
}

/// The raw ID token is shown, with a `stepup verify` command line for it, and the times
/// as dates.
async fn token_and_command(browser: &Client, issuer: &str) {
    let token = browser
        .find(Locator::Css("textarea#id-token[readonly]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(token.split('.').count(), 3, "token {token:?}");
    let command = text(browser, "#verify-command").await;
    let prefix =
        format!("stepup verify --discover --issuer {issuer} --audience stepup-try --nonce ");
    assert!(command.starts_with(&prefix), "{command}");
    assert!(command.ends_with(&format!(" {token}")), "{command}");
    let auth_time = text(browser, "#auth-time time").await;
    assert!(
        auth_time.ends_with('Z') && auth_time.contains('T'),
        "{auth_time}"
    );
    assert!(text(browser, "#exp").await.contains("(in "), "exp");
}

/// The `amr` claim as the result page shows it (JSON).
async fn amr(browser: &Client) -> Value {
    let shown = text(browser, "#amr").await;
    serde_json::from_str(&shown).unwrap_or_else(|e| panic!("amr {shown:?}: {e}"))
}
