//! What every proxy in front of the gateway must do, checked on the wire through it:
//! the outcome table (docs/serving.md) for browsers and API clients, the login through the provider and
//! back, identity headers (and only the gateway's), Bearer tokens, refused paths.

use http::{StatusCode, header};
use stepup_gateway::IDENTITY_HEADERS;
use url::Url;

use crate::proxy::Proxy;
use crate::support::{
    ALICE_EMAIL, Browser, CLIENT_ID, Challenge, Echo, HTML, MFA_ACR, Page, Stack, is_password_form,
    is_totp_form, location, query, raw_get, unix_now,
};

/// The value of every header in [`FORGED_SPELLINGS`] (the email's: `root@example.com`).
const FORGED: &str = "root";

/// Identity headers a client makes up with `_` for a `-`, in any case (sent as written,
/// not in reqwest's lower case). CGI, WSGI, PHP-FPM and Rack read each as the gateway's:
/// `X-Stepup_Sub`, `X_Stepup_Sub` and `X-Stepup-Sub` are all `HTTP_X_STEPUP_SUB`. The
/// plain spelling in capitals comes along.
const FORGED_SPELLINGS: [(&str, &str); 10] = [
    ("X-Stepup_Sub", FORGED),
    ("X_Stepup_Sub", FORGED),
    ("x_STEPUP-sub", FORGED),
    ("X-STEPUP-SUB", FORGED),
    ("X_Stepup_Email", "root@example.com"),
    ("X-Stepup_Amr", FORGED),
    ("X_STEPUP_ACR", FORGED),
    ("X-Stepup-Auth_Time", FORGED),
    ("x_stepup-auth_time", FORGED),
    ("X_STEPUP_AUTH_TIME", FORGED),
];

/// How a proxy passes on the gateway's answers that are not 2xx, 401 or 403.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Passes {
    /// nginx `auth_request`: any other status becomes 500.
    Only401And403,
    /// Caddy, Traefik, Envoy: the gateway's status as it is.
    Everything,
}

pub(crate) async fn run(stack: &Stack, proxy: &Proxy, passes: Passes) {
    let origin = stack.origin.as_str();
    let name = proxy.name();
    let api = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let json = "application/json";

    // A public path: the app answers, and sees no identity header.
    let response = api
        .get(format!("{origin}/public/hello?x=1"))
        .header(header::ACCEPT, json)
        .send()
        .await
        .unwrap();
    let echo = Echo::of(response).await;
    assert_eq!(echo.uri(), "/public/hello?x=1", "{name}");
    assert_eq!(
        echo.stepup_headers(),
        Vec::<String>::new(),
        "{name}: {echo:?}"
    );

    // Identity headers a client makes up never reach the app on a public path.
    let response = api
        .get(format!("{origin}/public/hello"))
        .header("X-Stepup-Sub", "admin")
        .header("x-stepup-amr", "mfa")
        .header("X-Stepup-Email", "admin@example.com")
        .header("X-Stepup-Acr", MFA_ACR)
        .header("X-Stepup-Auth-Time", "9999999999")
        .send()
        .await
        .unwrap();
    let echo = Echo::of(response).await;
    assert_eq!(
        echo.stepup_headers(),
        Vec::<String>::new(),
        "{name}: {echo:?}"
    );

    // Nor spelled with `_` for a `-`, in any case.
    let response = raw_get(origin, "/public/hello", &FORGED_SPELLINGS).await;
    check_no_forged(&response.echo(), name, false);

    // The proxy routes by host (what `host` rules rely on): a request for another Host
    // reaches neither the app nor the gateway, on a public path or any other (nginx
    // answers 421, Caddy an empty 200 of its own).
    let hits = stack.hits();
    for path in ["/public/hello", "/app/page", "/stepup/start"] {
        for host in ["other.example", "app.example.com:443"] {
            let response = raw_get(origin, path, &[("Host", host)]).await;
            assert!(
                !response.body.contains("\"headers\""),
                "{name} {host}{path}: {response:?}"
            );
            if path == "/stepup/start" {
                assert_ne!(response.status, StatusCode::FOUND, "{name} {host}{path}");
            }
        }
    }
    assert_eq!(
        stack.hits(),
        hits,
        "{name}: the app was reached for another Host"
    );

    // An API client without credentials on a protected path: the RFC 6750 challenge,
    // no redirect, and the app is not reached.
    let hits = stack.hits();
    for (method, path, accept) in [
        (http::Method::GET, "/admin/report", json),
        (http::Method::GET, "/app/page", "*/*"),
        // Not GET/HEAD: an API request even with text/html (and nginx's auth subrequest
        // must still reach the gateway's GET endpoint).
        (http::Method::POST, "/app/form", HTML),
    ] {
        let response = api
            .request(method.clone(), format!("{origin}{path}"))
            .header(header::ACCEPT, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name} {method} {path}: {}",
            proxy.logs()
        );
        assert!(
            response.headers().get(header::LOCATION).is_none(),
            "{name} {path}"
        );
        let challenge = Challenge::of(&response);
        assert_eq!(challenge.scheme, "Bearer", "{name}");
        assert_eq!(challenge.param("realm"), Some(CLIENT_ID), "{name}");
        assert_eq!(challenge.param("error"), None, "{name}: {challenge:?}");
    }
    assert_eq!(
        stack.hits(),
        hits,
        "{name}: the app was reached without a login"
    );

    // No rule covers the path: 403, for browsers (the gateway's page; behind nginx via
    // `error_page 403 = /stepup/denied`) and API clients alike.
    for accept in [HTML, json] {
        let response = api
            .get(format!("{origin}/nothing/here"))
            .header(header::ACCEPT, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name} {accept}");
        let body = response.text().await.unwrap();
        let expected = if accept == HTML {
            "No rule allows this request"
        } else {
            "\"forbidden\""
        };
        assert!(body.contains(expected), "{name} {accept}: {body}");
    }

    // A path that cannot be normalised safely (%2F) is refused before any rule, even
    // under a public prefix: 400 from the gateway, which nginx turns into 500.
    for path in ["/public/a%2F..%2F..%2Fadmin", "/public/a%2fb"] {
        let response = api
            .get(format!("{origin}{path}"))
            .header(header::ACCEPT, json)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_ne!(status, StatusCode::OK, "{name} {path}");
        let expected = match passes {
            Passes::Only401And403 => StatusCode::INTERNAL_SERVER_ERROR,
            Passes::Everything => StatusCode::BAD_REQUEST,
        };
        assert_eq!(status, expected, "{name} {path}");
    }
    assert_eq!(
        stack.hits(),
        hits,
        "{name}: the app was reached on a refused path"
    );

    // A browser: to the login start on our origin, through the provider (password,
    // then TOTP for the MFA rule), back to the page it asked for.
    let browser = stack.browser();
    let page = format!("{origin}/admin/report?year=2026");
    let session_cookie = browser_login(stack, &browser, &page, name).await;
    let echo = Echo::of(browser.get(&page).await).await;
    assert_eq!(echo.uri(), "/admin/report?year=2026", "{name}");
    check_identity(&echo, name, true);

    // The session also covers a login-only path, and a client's own identity header
    // never reaches the app next to the gateway's.
    let response = browser
        .http
        .get(format!("{origin}/app/page"))
        .header(header::ACCEPT, HTML)
        .header("X-Stepup-Sub", "admin")
        .header("X-Stepup-Amr", "hwk")
        .send()
        .await
        .unwrap();
    let echo = Echo::of(response).await;
    check_identity(&echo, name, true);

    // A form posted from the site's own page (Origin) goes through with the session;
    // the same post from another site is refused (403), and the app never sees it.
    let response = browser
        .http
        .post(format!("{origin}/app/form"))
        .header(header::ACCEPT, HTML)
        .header(header::ORIGIN, origin)
        .form(&[("field", "value")])
        .send()
        .await
        .unwrap();
    let echo = Echo::of(response).await;
    assert_eq!(echo.0["method"], "POST", "{name}");
    check_identity(&echo, name, true);
    let hits = stack.hits();
    for (header_name, value) in [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = browser
            .http
            .post(format!("{origin}/app/form"))
            .header(header::ACCEPT, HTML)
            .header(header_name, value)
            .form(&[("field", "value")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{name} {header_name}"
        );
        let body = response.text().await.unwrap();
        assert!(
            body.contains("cross_site_request"),
            "{name} {header_name}: {body}"
        );
    }
    assert_eq!(
        stack.hits(),
        hits,
        "{name}: a cross-site post reached the app"
    );

    // A session cookie that does not open: a browser is sent to log in again, and the
    // cookie is removed on that same redirect (behind nginx, from the 401 answer).
    let response = api
        .get(format!("{origin}/app/page"))
        .header(header::ACCEPT, HTML)
        .header(header::COOKIE, format!("{session_cookie}=tampered"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND, "{name}");
    let removal = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{session_cookie}=")))
        .unwrap_or_else(|| panic!("{name}: the bad cookie is not removed"));
    assert!(removal.contains("Max-Age=0"), "{name}: {removal}");

    // The session cookie is a credential for a page's fetch() too (an API client).
    let response = browser
        .http
        .get(format!("{origin}/admin/data"))
        .header(header::ACCEPT, json)
        .send()
        .await
        .unwrap();
    check_identity(&Echo::of(response).await, name, true);

    // An ID token as Bearer, with MFA: the provider's session in this browser is
    // already multi-factor, so the code comes without a form.
    let token = stack.id_token(&browser, &[("acr_values", MFA_ACR)]).await;
    let response = api
        .get(format!("{origin}/admin/report"))
        .bearer_auth(&token)
        .header("X-Stepup-Sub", "admin")
        .send()
        .await
        .unwrap();
    check_identity(&Echo::of(response).await, name, true);

    // The same token with identity headers spelled with `_`: the app sees the gateway's
    // alone, none of the client's next to them.
    let bearer = format!("Bearer {token}");
    let mut headers = vec![("Authorization", bearer.as_str()), ("Accept", json)];
    headers.extend(FORGED_SPELLINGS);
    let echo = raw_get(origin, "/admin/report", &headers).await.echo();
    check_identity(&echo, name, true);
    check_no_forged(&echo, name, true);

    // A password-only token: enough for a login rule, a step-up challenge on MFA.
    let fresh = stack.browser();
    let password_only = stack.id_token(&fresh, &[]).await;
    let response = api
        .get(format!("{origin}/app/page"))
        .bearer_auth(&password_only)
        .send()
        .await
        .unwrap();
    check_identity(&Echo::of(response).await, name, false);
    let hits = stack.hits();
    let response = api
        .get(format!("{origin}/admin/report"))
        .bearer_auth(&password_only)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
    assert!(response.headers().get(header::LOCATION).is_none(), "{name}");
    let challenge = Challenge::of(&response);
    assert_eq!(challenge.scheme, "Bearer");
    assert_eq!(
        challenge.param("error"),
        Some("insufficient_user_authentication"),
        "{name}: {challenge:?}"
    );
    assert_eq!(challenge.param("acr_values"), Some(MFA_ACR), "{name}");
    assert_eq!(challenge.param("max_age"), Some("600"), "{name}");

    // A token that is not one.
    let response = api
        .get(format!("{origin}/app/page"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
    let challenge = Challenge::of(&response);
    assert_eq!(challenge.param("error"), Some("invalid_token"), "{name}");
    assert_eq!(
        stack.hits(),
        hits,
        "{name}: the app was reached with a refused token"
    );

    // Logout through the proxy: the session cookie goes, the provider's logout is next.
    let response = browser
        .http
        .post(format!("{origin}/stepup/logout"))
        .header(header::ACCEPT, HTML)
        .header(header::ORIGIN, origin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name}");
    let to = Url::parse(&location(&response)).unwrap();
    assert!(
        to.as_str().starts_with(stack.issuer.issuer()),
        "{name}: {to}"
    );
    assert_eq!(
        query(&to, "post_logout_redirect_uri").as_deref(),
        Some(format!("{origin}/").as_str())
    );
    let response = browser.get(&format!("{origin}/app/page")).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{name}: logged out");
}

/// Opens `page` (a protected URL behind the proxy) in `browser` and logs alice in:
/// 302 to the login start with `rd` = the page, 302 to the provider asking for MFA,
/// password and TOTP, the callback through the proxy, 302 back to `page`. Returns the
/// session cookie's name.
pub(crate) async fn browser_login(
    stack: &Stack,
    browser: &Browser,
    page: &str,
    name: &str,
) -> String {
    let origin = stack.origin.as_str();
    let response = browser.get(page).await;
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "{name}: browser to login"
    );
    assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    assert_eq!(
        response.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store",
        "{name}"
    );
    let start = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        start.origin().ascii_serialization(),
        origin,
        "{name}: {start}"
    );
    assert_eq!(start.path(), "/stepup/start", "{name}");
    assert_eq!(query(&start, "rd").as_deref(), Some(page), "{name}");

    // The login start (through the proxy) sets the flow cookie and asks for MFA.
    let response = browser.get(start.as_str()).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{name}: login start");
    let authorize = Url::parse(&location(&response)).unwrap();
    assert!(
        authorize.as_str().starts_with(stack.issuer.issuer()),
        "{name}: {authorize}"
    );
    assert_eq!(query(&authorize, "acr_values").as_deref(), Some(MFA_ACR));
    assert_eq!(
        query(&authorize, "redirect_uri").as_deref(),
        Some(stack.callback().as_str())
    );

    let form = browser.at_provider(authorize.as_str()).await;
    assert!(
        matches!(&form, Page::Html(_, body) if is_password_form(body)),
        "{form:?}"
    );
    let form = browser.password(&form).await;
    assert!(
        matches!(&form, Page::Html(_, body) if is_totp_form(body)),
        "{form:?}"
    );
    let Page::Left(callback) = browser.totp(&form).await else {
        panic!("{name}: the provider did not send the browser back");
    };
    assert!(
        callback.as_str().starts_with(&stack.callback()),
        "{name}: {callback}"
    );

    // The callback, through the proxy: a session cookie and back to the page.
    let response = browser.get(callback.as_str()).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{name}: callback");
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("stepup_session"))
        .unwrap_or_else(|| panic!("{name}: no session cookie"));
    assert_eq!(location(&response), page, "{name}: back to the page");
    cookie.split_once('=').unwrap().0.to_owned()
}

/// None of [`FORGED_SPELLINGS`] reached the app: no header whose name, with `_` read as
/// `-` and case ignored, is an X-Stepup-* one carries a forged value, and each such header
/// is one the proxy set itself (its name spelled with `-`): the gateway's, after a login,
/// and none at all without one.
fn check_no_forged(echo: &Echo, name: &str, logged_in: bool) {
    let seen = echo.stepup_like_headers();
    for (header, values) in &seen {
        assert!(
            values.iter().all(|value| !value.contains(FORGED)),
            "{name}: the client's {header}: {values:?} reached the app"
        );
        assert!(
            IDENTITY_HEADERS.contains(&header.as_str()),
            "{name}: {header}: {values:?} reached the app"
        );
    }
    if !logged_in {
        assert_eq!(seen, Vec::new(), "{name}: {echo:?}");
    }
}

/// The identity headers alice's login gives the app: exactly one of each, the
/// client's own never among them.
fn check_identity(echo: &Echo, name: &str, mfa: bool) {
    assert_eq!(echo.one("x-stepup-sub"), "alice", "{name}");
    assert_eq!(echo.one("x-stepup-email"), ALICE_EMAIL, "{name}");
    let amr = echo.one("x-stepup-amr");
    let amr: Vec<&str> = amr.split(',').collect();
    assert!(amr.contains(&"pwd"), "{name}: {amr:?}");
    assert_eq!(amr.contains(&"mfa"), mfa, "{name}: {amr:?}");
    if mfa {
        assert_eq!(echo.one("x-stepup-acr"), MFA_ACR, "{name}");
    } else {
        assert!(echo.header("x-stepup-acr").is_empty(), "{name}");
    }
    let auth_time: u64 = echo
        .one("x-stepup-auth-time")
        .parse()
        .expect("X-Stepup-Auth-Time is an integer");
    assert!(auth_time.abs_diff(unix_now()) < 120, "{name}: {auth_time}");
}
