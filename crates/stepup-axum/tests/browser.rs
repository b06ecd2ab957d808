//! The demo app's step-up flow in a real browser: headless Chromium driven over
//! WebDriver (chromedriver), against the development provider and the demo app
//! (`stepup_axum::demo::router`), both started in this process on 127.0.0.1.
//!
//! One browser session walks through, in order:
//! 1. `/security` without a session: the password page, then the TOTP page at once
//!    (the app asked for PAPE multi-factor and `max_age=300`), back on `/security`.
//! 2. Logout from an app page (and the provider's confirmation): `/security` is closed
//!    again (the provider's password page).
//! 3. `/profile` with a password only (`amr` `["pwd"]`), then `/security`: the provider
//!    asks only for the TOTP code, and the page says `amr:mfa` was missing.
//! 4. The app's clock moved past `max_age` + leeway: `/security` sends the browser for
//!    a fresh login (`prompt=login`, `max_age=300`, and PAPE multi-factor again, since
//!    a fresh login replaces the session); the provider's clock is real, so the new
//!    login is still "old" by the app's clock and the callback answers the loop
//!    guard's 403 page, never another redirect. With the clock back, that fresh login
//!    is accepted and `/security` opens at once (the session sealed at that callback).
//!
//! Three TOTP codes in all, each for a different time step, so no code is refused as
//! reused and the test need not wait for the next step (see `Ctx::next_totp`); no
//! wrong password or code is ever sent, so the provider's failed-login limit is never
//! near.
//!
//! Needs Chromium and its driver (Debian: `apt-get install chromium chromium-driver`),
//! with `chromedriver` on `PATH`. Without them the test fails and says so, unless
//! `STEPUP_SKIP_BROWSER_TESTS=1` is set: then it reports that it skipped and passes
//! (`STEPUP_REQUIRE_BROWSER_TESTS=1`, as in CI, refuses to skip). When a step fails,
//! the screenshot of each step so far (the failing one taken at the failure) is saved
//! as `<step>.png` in `STEPUP_BROWSER_ARTIFACTS=DIR` if set, else in a directory under
//! the system temp dir, and the panic message names the files. With the variable set,
//! a passing run saves them too.

// Test helpers panic on broken fixtures by design; clippy's in-test allowance only covers
// #[test] fns. The skip notice and the timing go to stderr on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::Request;
use axum::middleware::Next;
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use stepup::{Profile, Secret, UnixTime};
use stepup_axum::{Clock, Provider, SessionKeys, StepUp, demo};
use stepup_issuer::{Issuer, IssuerConfig};
use stepup_testkit::browser::{
    ChromeDriver, POLL, WAIT, chromedriver_or_skip, open_browser, page_summary, text, wait_for,
    wait_for_text,
};

const PASSWORD: &str = "alice-demo-browser-password-1";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const CLIENT_ID: &str = "demo-app";
const CLIENT_SECRET: &str = "demo-app-browser-secret-0123456789abcdef";
/// `/security`'s freshness, as in `stepup demo`.
const MAX_AGE: u64 = demo::SECURITY_MAX_AGE;
/// How far the app's clock jumps to make the login stale: past `max_age` and the
/// policy's 60 s leeway, with room for the seconds the test itself takes.
const STALE_OFFSET: i64 = 300 + 60 + 40;
/// One step (a few pages).
const STEP_LIMIT: Duration = Duration::from_secs(30);
/// Chromium's start.
const START_LIMIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_app_steps_up_in_headless_chromium() {
    let Some(chromedriver) = chromedriver_or_skip() else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();

    // The app's port first, so the provider registers the exact callback URL.
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let app_url = format!("http://{}", listener.local_addr().unwrap());
    let running = Issuer::start(
        issuer_config(&app_url),
        "127.0.0.1:0".parse().unwrap(),
        &dir.path().join("state"),
    )
    .await
    .expect("the provider starts");
    let issuer = running.issuer().to_owned();

    let offset = Arc::new(AtomicI64::new(0));
    let hops = Arc::new(Mutex::new(Vec::new()));
    let stepup = build_app(&issuer, &app_url, Arc::clone(&offset)).await;
    let app = demo::router(&stepup, MAX_AGE).layer(axum::middleware::from_fn({
        let hops = Arc::clone(&hops);
        move |request: Request, next: Next| record(Arc::clone(&hops), request, next)
    }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let driver = ChromeDriver::start(&chromedriver, dir.path()).await;
    let profile = dir.path().join("chromium-profile");
    std::fs::create_dir(&profile).unwrap();
    let browser = tokio::time::timeout(START_LIMIT, open_browser(&driver, &profile))
        .await
        .unwrap_or_else(|_| driver.fail("Chromium did not start within the time limit"));
    let browser_started = Instant::now();

    let ctx = Arc::new(Ctx {
        browser,
        app: app_url,
        issuer,
        offset,
        hops,
        totp_step: Mutex::new(None),
        callback_mark: Mutex::new(0),
        fresh_auth_time: Mutex::new(None),
    });
    let mut steps = Steps::new(Arc::clone(&ctx));
    steps
        .run("01-security-first-login-password", security_first_login)
        .await;
    steps
        .run("02-security-first-login-totp", security_first_login_totp)
        .await;
    steps.run("03-logout", logout).await;
    steps
        .run(
            "04-security-closed-after-logout",
            security_closed_after_logout,
        )
        .await;
    steps
        .run("05-profile-password-only", profile_password_only)
        .await;
    steps
        .run("06-security-step-up-totp-only", step_up_totp_only)
        .await;
    steps
        .run("07-stale-login-fresh-login", stale_login_fresh_login)
        .await;
    steps
        .run("08-stale-login-loop-guard", stale_login_loop_guard)
        .await;
    steps
        .run("09-fresh-login-accepted", fresh_login_accepted)
        .await;
    let flow_took = browser_started.elapsed();
    steps.finish().await;

    drop(driver);
    server.abort();
    running.shutdown().await.unwrap();
    eprintln!(
        "browser flow took {:.1?} (the whole test, servers and Chromium's start included: {:.1?})",
        flow_took,
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------
// The steps. Each runs as its own task: a panic is caught by `Steps::run`, which
// saves the screenshots and closes the browser before failing the test.

/// `/security` without a session: sent to the provider with PAPE multi-factor and
/// `max_age`, which shows the password form (saying a code will follow).
async fn security_first_login(ctx: Arc<Ctx>) {
    let mark = ctx.mark();
    ctx.goto("/security").await;
    ctx.wait_on_provider("/login").await;
    let login = ctx.hop_since(mark, "/security");
    assert_eq!(login.status, 302, "{login:?}");
    assert_eq!(
        login.location.as_deref(),
        Some("/login?rd=%2Fsecurity&amr=mfa&max_age=300"),
        "{login:?}"
    );
    let ask = ctx.authorize_since(mark);
    assert_eq!(
        ask.get("acr_values").map(String::as_str),
        Some(stepup::PAPE_MULTI_FACTOR),
        "{ask:?}"
    );
    assert_eq!(
        ask.get("max_age").map(String::as_str),
        Some("300"),
        "{ask:?}"
    );
    assert_eq!(
        ask.get("prompt"),
        None,
        "a first login needs no prompt: {ask:?}"
    );
    let body = text(&ctx.browser, "main").await;
    assert!(
        body.contains("asks for multi-factor authentication"),
        "the password page does not announce the second factor: {body}"
    );
    ctx.enter_password().await;
}

/// The TOTP form follows the password directly; the code opens `/security`.
async fn security_first_login_totp(ctx: Arc<Ctx>) {
    let code = wait_for(&ctx.browser, "input#code").await;
    ctx.assert_no_password_field().await;
    ctx.enter_totp(code).await;
    ctx.wait_granted().await;
    let amr = amr(&ctx.browser).await;
    assert!(amr.contains(&"mfa".to_owned()), "amr {amr:?}");
    assert_eq!(
        text(&ctx.browser, "#acr").await,
        stepup::PAPE_MULTI_FACTOR,
        "acr after the TOTP step"
    );
    assert_eq!(text(&ctx.browser, "#sub").await, "alice");
    assert_eq!(text(&ctx.browser, "#email").await, "alice@example.com");
    let auth_time = text(&ctx.browser, "#auth-time").await;
    assert!(auth_time.contains(" s ago)"), "auth_time {auth_time:?}");
}

/// The app page's logout button, then the provider's confirmation (the app sends no
/// `id_token_hint`), then back on the app's home page, logged out.
async fn logout(ctx: Arc<Ctx>) {
    let mark = ctx.mark();
    wait_for(&ctx.browser, "#logout")
        .await
        .click()
        .await
        .unwrap();
    ctx.wait_on_provider("/logout").await;
    let sent = ctx.hop_since(mark, "/logout");
    assert_eq!(sent.status, 303, "{sent:?}");
    let location = url::Url::parse(sent.location.as_deref().unwrap_or("")).unwrap();
    let query: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(
        query.get("post_logout_redirect_uri"),
        Some(&format!("{}/", ctx.app)),
        "{location}"
    );
    wait_for(&ctx.browser, "form[action=\"/logout\"] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let who = wait_for_text(&ctx.browser, "#who", "Not logged in").await;
    assert!(!who.contains("alice"), "{who}");
    ctx.assert_on_app("/").await;
}

/// After logout, `/security` is closed again: the provider asks for the password.
async fn security_closed_after_logout(ctx: Arc<Ctx>) {
    let mark = ctx.mark();
    ctx.goto("/security").await;
    ctx.wait_on_provider("/login").await;
    wait_for(&ctx.browser, "input#password").await;
    let hop = ctx.hop_since(mark, "/security");
    assert_eq!(
        hop.status, 302,
        "the app served /security after logout: {hop:?}"
    );
    let ask = ctx.authorize_since(mark);
    assert_eq!(
        ask.get("prompt"),
        None,
        "no session, a first login: {ask:?}"
    );
}

/// `/profile` needs only a login: the password is enough, no TOTP.
async fn profile_password_only(ctx: Arc<Ctx>) {
    let mark = ctx.mark();
    ctx.goto("/profile").await;
    ctx.wait_on_provider("/login").await;
    let ask = ctx.authorize_since(mark);
    assert_eq!(ask.get("acr_values"), None, "{ask:?}");
    assert_eq!(ask.get("max_age"), None, "{ask:?}");
    ctx.enter_password().await;
    wait_for_text(&ctx.browser, "h1", "Profile").await;
    ctx.assert_on_app("/profile").await;
    assert_eq!(amr(&ctx.browser).await, ["pwd"]);
    assert_eq!(text(&ctx.browser, "#acr").await, "(none)");
}

/// The literal issue: from a password login, `/security` steps up with the TOTP code
/// alone, and says why it asked.
async fn step_up_totp_only(ctx: Arc<Ctx>) {
    let mark = ctx.mark();
    ctx.goto("/security").await;
    ctx.wait_on_provider("/login").await;
    let code = wait_for(&ctx.browser, "input#code").await;
    ctx.assert_no_password_field().await;
    let ask = ctx.authorize_since(mark);
    assert_eq!(
        ask.get("acr_values").map(String::as_str),
        Some(stepup::PAPE_MULTI_FACTOR),
        "{ask:?}"
    );
    assert_eq!(
        ask.get("max_age").map(String::as_str),
        Some("300"),
        "{ask:?}"
    );
    assert_eq!(
        ask.get("prompt"),
        None,
        "a step-up on the auth0 profile keeps the provider session: {ask:?}"
    );
    ctx.enter_totp(code).await;
    ctx.wait_granted().await;
    let amr = amr(&ctx.browser).await;
    assert!(amr.contains(&"mfa".to_owned()), "amr {amr:?}");
    let why = text(&ctx.browser, "#why").await;
    assert!(why.contains("amr:mfa"), "#why: {why}");
    assert!(why.contains("multi-factor login"), "#why: {why}");
    assert!(
        !why.contains("fresh_login"),
        "the login was fresh, only mfa was missing: {why}"
    );
}

/// The app's clock jumps past `max_age` + leeway: the multi-factor session is now too
/// old, so `/security` sends the browser for a fresh login, although the provider's
/// session would answer at once without `prompt=login`.
async fn stale_login_fresh_login(ctx: Arc<Ctx>) {
    ctx.offset.store(STALE_OFFSET, Ordering::SeqCst);
    let mark = ctx.mark();
    ctx.goto("/security").await;
    ctx.wait_on_provider("/login").await;
    let ask = ctx.authorize_since(mark);
    assert_eq!(
        ask.get("prompt").map(String::as_str),
        Some("login"),
        "{ask:?}"
    );
    assert_eq!(
        ask.get("max_age").map(String::as_str),
        Some("300"),
        "{ask:?}"
    );
    // A fresh login replaces the session: it must prove multi-factor again, so the
    // provider has to be asked for it (a login that is only fresh has amr ["pwd"]).
    assert_eq!(
        ask.get("acr_values").map(String::as_str),
        Some(stepup::PAPE_MULTI_FACTOR),
        "{ask:?}"
    );
    ctx.enter_password().await;
    let code = wait_for(&ctx.browser, "input#code").await;
    *ctx.callback_mark.lock().unwrap() = ctx.mark();
    ctx.enter_totp(code).await;
}

/// The provider's `auth_time` is real time, the app's clock is ahead: the new login is
/// stale by the app's clock too, and the callback answers the loop guard's page.
async fn stale_login_loop_guard(ctx: Arc<Ctx>) {
    let mark = *ctx.callback_mark.lock().unwrap();
    wait_for(&ctx.browser, "#not-met").await;
    ctx.assert_on_app("/callback").await;
    let returned = text(&ctx.browser, "#returned").await;
    assert!(returned.contains("\"mfa\""), "#returned: {returned}");
    let auth_time: i64 = returned
        .lines()
        .find_map(|line| line.strip_prefix("auth_time "))
        .and_then(|secs| secs.trim().parse().ok())
        .unwrap_or_else(|| panic!("no auth_time in #returned: {returned}"));
    let real_age = i64::try_from(unix_now()).unwrap() - auth_time;
    assert!(
        (0..30).contains(&real_age),
        "the fresh login is {real_age} s old in real time"
    );
    *ctx.fresh_auth_time.lock().unwrap() = Some(auth_time);
    let needs = text(&ctx.browser, "#needs").await;
    assert!(needs.contains("fresh_login"), "#needs: {needs}");
    assert!(
        !needs.contains("amr:mfa"),
        "the fresh login was multi-factor: {needs}"
    );
    // The callback itself answered 403; no redirect loop: the page stays, the app
    // sends the browser nowhere.
    let callback = ctx.hop_since(mark, "/callback");
    assert_eq!(callback.status, 403, "{callback:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    ctx.assert_on_app("/callback").await;
    let sent: Vec<Hop> = ctx
        .hops_since(mark)
        .into_iter()
        .filter(|hop| hop.location.is_some())
        .collect();
    assert!(sent.is_empty(), "redirects since the TOTP code: {sent:?}");
}

/// The clock back to real time, and the fresh login of step 07 is accepted. The
/// session cookie the loop guard's callback sealed was made by the clock ahead, so
/// now it reads as made in the future and counts as no session; the app sends the
/// browser to the provider once, whose multi-factor session from that fresh login
/// answers at once (no form), and the callback lets `/security` open with it.
async fn fresh_login_accepted(ctx: Arc<Ctx>) {
    ctx.offset.store(0, Ordering::SeqCst);
    let mark = ctx.mark();
    ctx.goto("/security").await;
    ctx.wait_granted().await;
    // The session the loop-guard callback sealed holds the fresh login (judged
    // by the real clock, it is recent): /security opens at once, no round trip.
    let route: Vec<(String, u16)> = ctx
        .hops_since(mark)
        .into_iter()
        .filter(|hop| hop.request != "/favicon.ico")
        .map(|hop| {
            let path = hop.request.split('?').next().unwrap_or("").to_owned();
            (path, hop.status)
        })
        .collect();
    assert_eq!(
        route,
        [("/security".to_owned(), 200)],
        "the way to /security"
    );
    let amr = amr(&ctx.browser).await;
    assert!(amr.contains(&"mfa".to_owned()), "amr {amr:?}");
    let auth_time = ctx.fresh_auth_time.lock().unwrap().expect("step 08 ran");
    let date = time::OffsetDateTime::from_unix_timestamp(auth_time)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let shown = text(&ctx.browser, "#auth-time").await;
    assert!(
        shown.starts_with(&date),
        "the login shown is not the fresh one of {date}: {shown}"
    );
}

// ---------------------------------------------------------------------------
// The setup.

/// Users: alice, with a fixed password and TOTP secret. The demo client, with its
/// callback and logout return at the app's actual address.
fn issuer_config(app_url: &str) -> IssuerConfig {
    IssuerConfig::from_toml(&format!(
        "try_client = false\n\
         [[users]]\nusername = \"alice\"\npassword = \"{PASSWORD}\"\n\
         totp_secret = \"{TOTP_SECRET}\"\nname = \"Alice\"\nemail = \"alice@example.com\"\n\
         [[clients]]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\
         redirect_uris = [\"{app_url}/callback\"]\n\
         post_logout_redirect_uris = [\"{app_url}/\"]\n"
    ))
    .expect("test config")
}

/// The demo app's step-up, as `stepup demo` builds it, with a clock the test moves:
/// real time plus `offset` seconds.
async fn build_app(issuer: &str, app_url: &str, offset: Arc<AtomicI64>) -> StepUp {
    let provider = Provider::discover(issuer, CLIENT_ID)
        .await
        .expect("discovery");
    let client = stepup_axum::Client::confidential(
        CLIENT_ID,
        Secret::new(CLIENT_SECRET.to_owned()),
        format!("{app_url}/callback"),
    );
    StepUp::builder(provider, client, SessionKeys::generate().unwrap())
        .with_profile(Profile::Auth0)
        .with_clock(Clock::from_fn(move || {
            UnixTime::from_secs(UnixTime::now().as_secs() + offset.load(Ordering::SeqCst))
        }))
        .build()
        .expect("the app's step-up")
}

/// One answer of the app: what was asked, the status, and where it sent the browser.
#[derive(Debug, Clone)]
struct Hop {
    /// Path and query.
    request: String,
    status: u16,
    location: Option<String>,
}

/// Middleware around the demo app: keeps every answer, so the test sees the redirects
/// the browser followed (the browser only shows where it ended).
async fn record(
    hops: Arc<Mutex<Vec<Hop>>>,
    request: Request,
    next: Next,
) -> axum::response::Response {
    let asked = request
        .uri()
        .path_and_query()
        .map_or_else(String::new, |pq| pq.as_str().to_owned());
    let response = next.run(request).await;
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    hops.lock().unwrap().push(Hop {
        request: asked,
        status: response.status().as_u16(),
        location,
    });
    response
}

/// What the steps share.
struct Ctx {
    browser: Client,
    /// `http://127.0.0.1:<port>`, the demo app.
    app: String,
    /// The provider's issuer URL.
    issuer: String,
    /// Seconds added to the app's clock.
    offset: Arc<AtomicI64>,
    hops: Arc<Mutex<Vec<Hop>>>,
    /// The last TOTP time step used (the provider takes each step once).
    totp_step: Mutex<Option<u64>>,
    /// Where the app's record stood before the stale login's last form was sent.
    callback_mark: Mutex<usize>,
    /// The `auth_time` of that fresh login, as the loop guard's page showed it.
    fresh_auth_time: Mutex<Option<i64>>,
}

impl Ctx {
    async fn goto(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.app))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// Where the app's record stands now.
    fn mark(&self) -> usize {
        self.hops.lock().unwrap().len()
    }

    fn hops_since(&self, mark: usize) -> Vec<Hop> {
        self.hops.lock().unwrap()[mark..].to_vec()
    }

    /// The app's answer to `path` (with any query) since `mark`: exactly one.
    fn hop_since(&self, mark: usize, path: &str) -> Hop {
        let hops = self.hops_since(mark);
        let matching: Vec<&Hop> = hops
            .iter()
            .filter(|hop| hop.request.split('?').next() == Some(path))
            .collect();
        assert_eq!(matching.len(), 1, "answers to {path}: {hops:?}");
        matching[0].clone()
    }

    /// The query of the one authorization request the app sent the browser to since
    /// `mark` (exactly one: never a loop).
    fn authorize_since(&self, mark: usize) -> HashMap<String, String> {
        let authorize = format!("{}/authorize", self.issuer);
        let hops = self.hops_since(mark);
        let sent: Vec<&str> = hops
            .iter()
            .filter_map(|hop| hop.location.as_deref())
            .filter(|location| location.starts_with(&authorize))
            .collect();
        assert_eq!(sent.len(), 1, "redirects to {authorize}: {hops:?}");
        let url = url::Url::parse(sent[0]).unwrap();
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
        assert_eq!(
            query.get("redirect_uri"),
            Some(&format!("{}/callback", self.app)),
            "{url}"
        );
        query
    }

    /// Waits until the browser shows the provider's `path`.
    async fn wait_on_provider(&self, path: &str) {
        let issuer = url::Url::parse(&self.issuer).unwrap();
        self.wait_on(&issuer, path).await;
    }

    async fn assert_on_app(&self, path: &str) {
        let app = url::Url::parse(&self.app).unwrap();
        let url = self.browser.current_url().await.unwrap();
        assert!(
            url.origin() == app.origin() && url.path() == path,
            "expected {}{path}, on {}",
            self.app,
            page_summary(&self.browser).await
        );
    }

    async fn wait_on(&self, site: &url::Url, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(url) = self.browser.current_url().await
                && url.origin() == site.origin()
                && url.path() == path
            {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "not on {}{path}: {}",
                    site.as_str().trim_end_matches('/'),
                    page_summary(&self.browser).await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// `/security` granted, on the app.
    async fn wait_granted(&self) {
        wait_for(&self.browser, "#granted").await;
        self.assert_on_app("/security").await;
    }

    async fn assert_no_password_field(&self) {
        assert_eq!(
            find_all(&self.browser, "input#password").await,
            0,
            "the provider asked for the password again: {}",
            page_summary(&self.browser).await
        );
    }

    /// Fills in the provider's password form as alice and submits it.
    async fn enter_password(&self) {
        let username = wait_for(&self.browser, "input#username").await;
        username.clear().await.unwrap();
        username.send_keys("alice").await.unwrap();
        wait_for(&self.browser, "input#password")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        wait_for(&self.browser, "button[name=action][value=login]")
            .await
            .click()
            .await
            .unwrap();
    }

    /// Types a TOTP code into `field` and submits the form.
    async fn enter_totp(&self, field: Element) {
        let code = self.next_totp().await;
        field.send_keys(&code).await.unwrap();
        wait_for(&self.browser, "button[name=action][value=verify]")
            .await
            .click()
            .await
            .unwrap();
    }

    /// A code the provider takes now: it accepts the steps either side of the current
    /// one (RFC 6238 §5.2), each at most once and in increasing order. The lowest step
    /// still valid in 5 s is used first, so up to three logins pass without waiting;
    /// when the next unused step is too far ahead, waits for real time to catch up.
    async fn next_totp(&self) -> String {
        loop {
            let now = unix_now();
            let lowest = (now + 5) / 30 - 1;
            let highest = now / 30 + 1;
            let step = {
                let last = self.totp_step.lock().unwrap();
                last.map_or(lowest, |last| (last + 1).max(lowest))
            };
            if step <= highest {
                *self.totp_step.lock().unwrap() = Some(step);
                return stepup_issuer::totp_code(TOTP_SECRET, step * 30).unwrap();
            }
            let ready = (step - 1) * 30;
            tokio::time::sleep(Duration::from_secs(ready.saturating_sub(now).max(1))).await;
        }
    }
}

/// Runs the steps, keeps a screenshot of each, and on a failure saves them and fails
/// with the step's message and where the screenshots are.
struct Steps {
    ctx: Arc<Ctx>,
    /// The last screenshot of each step, by name, in order.
    shots: Vec<(String, Vec<u8>)>,
}

impl Steps {
    fn new(ctx: Arc<Ctx>) -> Self {
        Self {
            ctx,
            shots: Vec::new(),
        }
    }

    async fn run<F, Fut>(&mut self, name: &str, step: F)
    where
        F: FnOnce(Arc<Ctx>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut task = tokio::spawn(step(Arc::clone(&self.ctx)));
        let failure = match tokio::time::timeout(STEP_LIMIT, &mut task).await {
            Ok(Ok(())) => None,
            Ok(Err(join)) => Some(match join.try_into_panic() {
                Ok(panic) => panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "(a panic without a message)".into()),
                Err(join) => format!("the step's task ended: {join}"),
            }),
            Err(_) => {
                task.abort();
                Some(format!(
                    "the step did not finish within {STEP_LIMIT:?}, on {}",
                    page_summary(&self.ctx.browser).await
                ))
            }
        };
        let shot = tokio::time::timeout(Duration::from_secs(5), self.ctx.browser.screenshot())
            .await
            .ok()
            .and_then(Result::ok);
        match (shot, &failure) {
            (Some(png), _) => self.keep(name, png),
            (None, None) => self.fail(name, "no screenshot could be taken").await,
            (None, Some(_)) => {}
        }
        if let Some(message) = failure {
            self.fail(name, &message).await;
        }
    }

    fn keep(&mut self, name: &str, png: Vec<u8>) {
        self.shots.retain(|(kept, _)| kept != name);
        self.shots.push((name.to_owned(), png));
    }

    /// Saves the screenshots, closes the browser, and fails the test.
    async fn fail(&self, name: &str, message: &str) {
        let (dir, saved) = self.save(&artifacts_dir_or_temp());
        let _ =
            tokio::time::timeout(Duration::from_secs(5), self.ctx.browser.clone().close()).await;
        panic!(
            "browser step {name} failed: {message}\nscreenshots of the steps so far in {}: {}",
            dir.display(),
            saved.join(", ")
        );
    }

    /// Checks every screenshot is a PNG, keeps them when asked, and ends the session.
    async fn finish(mut self) {
        for (name, png) in &self.shots {
            assert!(
                png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
                "the screenshot of {name} is not a PNG ({} bytes)",
                png.len()
            );
        }
        if let Some(dir) = std::env::var_os("STEPUP_BROWSER_ARTIFACTS") {
            self.save(Path::new(&dir));
        }
        let _ =
            tokio::time::timeout(Duration::from_secs(5), self.ctx.browser.clone().close()).await;
        self.shots.clear();
    }

    /// Writes `<step>.png` for each step into `dir`; returns the directory and the names.
    fn save(&self, dir: &Path) -> (PathBuf, Vec<String>) {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let mut saved = Vec::new();
        for (name, png) in &self.shots {
            let file = format!("{name}.png");
            match std::fs::write(dir.join(&file), png) {
                Ok(()) => saved.push(file),
                Err(e) => saved.push(format!("{file} (not written: {e})")),
            }
        }
        (dir.to_owned(), saved)
    }
}

/// `STEPUP_BROWSER_ARTIFACTS`, else a directory of its own under the system temp dir
/// (kept after the test, unlike the test's temporary state).
fn artifacts_dir_or_temp() -> PathBuf {
    match std::env::var_os("STEPUP_BROWSER_ARTIFACTS") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!(
            "stepup-axum-browser-{}-{}",
            std::process::id(),
            unix_now()
        )),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------
// Page helpers of this test (the rest are in stepup_testkit::browser).

async fn find_all(browser: &Client, css: &str) -> usize {
    browser.find_all(Locator::Css(css)).await.unwrap().len()
}

/// The `amr` claim as the demo page shows it (JSON).
async fn amr(browser: &Client) -> Vec<String> {
    let shown = text(browser, "#amr").await;
    serde_json::from_str(&shown).unwrap_or_else(|e| panic!("amr {shown:?}: {e}"))
}
