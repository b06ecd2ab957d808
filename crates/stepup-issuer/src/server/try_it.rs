//! `/try`: a built-in client, so a person can watch step-up in a browser with nothing
//! else running. It sends the browser through `/authorize` like any client, redeems
//! the code in process, checks the ID token with the core verifier and shows the
//! step-up decision of the default policy (`amr` must contain `mfa`) as a coloured badge,
//! the token's times as dates, the raw token, and a `stepup verify` command line that
//! checks the same token from a terminal.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use stepup::{Decision, KeySet, Policy, Secret, UnixTime, Verifier};

use super::{App, cookie, html, now, redirect};
use crate::config::SigningAlg;
use crate::dates;
use crate::html::{self as pages, escape};
use crate::model::Client;

/// The built-in client's id.
pub(crate) const TRY_CLIENT_ID: &str = "stepup-try";
const STATE_COOKIE: &str = "stepup_issuer_try";

/// The try-it client, registered when `try_client` is on.
pub(crate) fn client(app_issuer: &str) -> Result<Client, crate::Error> {
    let base = app_issuer.trim_end_matches('/');
    Ok(Client {
        id: TRY_CLIENT_ID.into(),
        secret: Some(Secret::new(crate::random::token()?)),
        name: "the provider's try-it page".into(),
        redirect_uris: vec![format!("{base}/try/callback")],
        post_logout_redirect_uris: vec![format!("{base}/try")],
        alg: SigningAlg::RS256,
        hs256: None,
    })
}

pub(crate) async fn page(State(app): State<Arc<App>>) -> Response {
    html(StatusCode::OK, pages::page("Try step-up", &menu(&app, "")))
}

fn menu(app: &App, lead: &str) -> String {
    let logout = format!(
        "/logout?client_id={TRY_CLIENT_ID}&amp;post_logout_redirect_uri={}",
        escape(
            &url::form_urlencoded::byte_serialize(app.url("/try").as_bytes()).collect::<String>()
        )
    );
    format!(
        "{lead}<p>This page is a small client of the provider. Each link runs the \
         authorization-code flow and shows the ID token and the step-up decision of the \
         default policy (<code>amr</code> must contain <code>mfa</code>).</p>\n<ul>\n\
         <li><a id=\"try-login\" href=\"/try/start?mode=password\">Log in</a> (a password is enough)</li>\n\
         <li><a id=\"try-step-up\" href=\"/try/start?mode=mfa\">Step up</a>: ask for multi-factor with \
         <code>acr_values</code> (TOTP)</li>\n\
         <li><a href=\"/try/start?mode=fresh\">Log in again</a>: <code>max_age=0</code></li>\n\
         <li><a href=\"{logout}\">Log out</a></li>\n</ul>"
    )
}

#[derive(Deserialize)]
pub(crate) struct Start {
    #[serde(default)]
    mode: String,
}

pub(crate) async fn start(State(app): State<Arc<App>>, Query(start): Query<Start>) -> Response {
    let Ok(state) = crate::random::token() else {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::error_page("Error", "no randomness"),
        );
    };
    let Ok(mut url) = url::Url::parse(&app.url("/authorize")) else {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::error_page("Error", "bad issuer URL"),
        );
    };
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", TRY_CLIENT_ID)
        .append_pair("redirect_uri", &app.url("/try/callback"))
        .append_pair("scope", "openid profile email")
        .append_pair("state", &state)
        .append_pair("nonce", &state);
    match start.mode.as_str() {
        "mfa" => {
            url.query_pairs_mut()
                .append_pair("acr_values", stepup::PAPE_MULTI_FACTOR);
        }
        "fresh" => {
            url.query_pairs_mut().append_pair("max_age", "0");
        }
        _ => {}
    }
    // Stay on the path of the provider: /authorize is ours, relative is fine.
    let location = format!("/authorize?{}", url.query().unwrap_or(""));
    let mut response = redirect(StatusCode::FOUND, &location);
    response.headers_mut().append(
        header::SET_COOKIE,
        app.cookie(STATE_COOKIE, &state, Some(900)),
    );
    response
}

#[derive(Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub(crate) async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Response {
    let fail = |title: &str, message: &str| {
        let lead = format!("<p role=\"alert\">{}</p>\n", escape(message));
        html(
            StatusCode::BAD_REQUEST,
            pages::page(title, &menu(&app, &lead)),
        )
    };
    let expected = cookie(&headers, STATE_COOKIE);
    if expected.is_none() || expected != callback.state {
        return fail(
            "Try step-up",
            "The state does not match this browser's login; start again.",
        );
    }
    if let Some(error) = &callback.error {
        let message = format!(
            "The provider answered {error}: {}",
            callback.error_description.as_deref().unwrap_or("")
        );
        return fail("Login not completed", &message);
    }
    let Some(client) = app.directory.clients.get(TRY_CLIENT_ID) else {
        return fail("Try step-up", "The try-it client is not registered.");
    };
    let tokens = match super::token::redeem_for_try_client(
        &app,
        client,
        callback.code.as_deref().unwrap_or(""),
        &app.url("/try/callback"),
    ) {
        Ok(tokens) => tokens,
        Err((error, description)) => {
            return fail("Token request failed", &format!("{error}: {description}"));
        }
    };
    let id_token = tokens["id_token"].as_str().unwrap_or("");
    let verifier = KeySet::from_jwks(&app.keys.ring().jwks().to_string())
        .and_then(|keys| Verifier::builder(app.issuer.clone(), TRY_CLIENT_ID, keys).build());
    let nonce = expected.unwrap_or_default();
    let checked = verifier.and_then(|v| {
        let verified = v.verify_with_nonce(id_token, &nonce, UnixTime::now())?;
        let decision = Policy::default().decide(verified.claims(), UnixTime::now());
        Ok((verified, decision))
    });
    let (verified, decision) = match checked {
        Ok(checked) => checked,
        Err(error) => return fail("ID token refused", &format!("{}: {error}", error.code())),
    };
    let claims: serde_json::Value = verified
        .deserialize_claims()
        .unwrap_or(serde_json::Value::Null);
    let shown = Shown {
        issuer: &app.issuer,
        id_token,
        nonce: &nonce,
        claims: &claims,
        decision: &decision,
        now: now(),
    };
    let body = format!(
        "{}\n{}",
        menu(&app, &shown.summary()),
        shown.token_and_command()
    );
    html(StatusCode::OK, pages::page("Try step-up: result", &body))
}

/// What the result page shows of a verified ID token.
struct Shown<'a> {
    issuer: &'a str,
    id_token: &'a str,
    nonce: &'a str,
    claims: &'a serde_json::Value,
    decision: &'a Decision,
    now: i64,
}

impl Shown<'_> {
    /// The decision as a coloured badge with a word, then the step-up claims and the
    /// token's times as dates with their age.
    fn summary(&self) -> String {
        let mut out = String::new();
        match self.decision {
            Decision::Satisfied => out.push_str(
                "<p role=\"status\" id=\"decision\" class=\"decision satisfied\">\
                 <span class=\"badge\"><span aria-hidden=\"true\">✓ </span>Step-up satisfied</span> \
                 the ID token proves a multi-factor login.</p>\n",
            ),
            Decision::StepUp(step_up) => {
                let missing: Vec<String> = step_up.missing.iter().map(|m| m.name()).collect();
                let _ = writeln!(
                    out,
                    "<p role=\"status\" id=\"decision\" class=\"decision needed\">\
                     <span class=\"badge\"><span aria-hidden=\"true\">! </span>Step-up needed</span> \
                     the token is valid but missing {}. An application would now send you back with \
                     <code>acr_values</code>: use “Step up” below.</p>",
                    escape(&missing.join(", "))
                );
            }
        }
        let claims = self.claims;
        let _ = writeln!(
            out,
            "<dl>\n<dt><code>amr</code></dt><dd id=\"amr\"><code>{}</code></dd>\n\
             <dt><code>acr</code></dt><dd id=\"acr\"><code>{}</code></dd>",
            escape(&claims["amr"].to_string()),
            escape(
                &claims
                    .get("acr")
                    .map_or("(none)".to_owned(), ToString::to_string)
            ),
        );
        for (claim, id) in [("auth_time", "auth-time"), ("iat", "iat"), ("exp", "exp")] {
            let _ = writeln!(
                out,
                "<dt><code>{claim}</code></dt><dd id=\"{id}\">{}</dd>",
                self.date(claim)
            );
        }
        out.push_str("</dl>\n");
        out
    }

    /// A NumericDate claim as `<code>1700000000</code> <time>2023-11-14T22:13:20Z</time>
    /// (12 s ago)`.
    fn date(&self, claim: &str) -> String {
        let Some(unix) = self.claims[claim].as_i64() else {
            return "(none)".to_owned();
        };
        let date = dates::rfc3339(unix).map_or(String::new(), |date| {
            format!(" <time datetime=\"{date}\">{date}</time>")
        });
        format!(
            "<code>{unix}</code>{date} ({})",
            escape(&dates::age(unix, self.now))
        )
    }

    /// The raw ID token, a `stepup verify` command line for it, and the claims.
    fn token_and_command(&self) -> String {
        let pretty = serde_json::to_string_pretty(self.claims).unwrap_or_default();
        format!(
            "<h2>ID token</h2>\n\
             <label for=\"id-token\">As the provider issued it (click in the box, then select \
             all to copy)</label>\n\
             <textarea id=\"id-token\" readonly rows=\"6\" spellcheck=\"false\">{}</textarea>\n\
             <h2>Verify it with the CLI</h2>\n\
             <p>Keys by discovery, this client's id as the audience, the nonce this page \
             sent; exit code 0 when the step-up is satisfied, 1 when it is needed:</p>\n\
             <pre class=\"copy\" id=\"verify-command\"><code>{}</code></pre>\n{}\
             <h2>ID token claims (verified)</h2>\n<pre><code>{}</code></pre>",
            escape(self.id_token),
            escape(&verify_command(self.issuer, self.nonce, self.id_token)),
            plain_http_note(self.issuer),
            escape(&pretty)
        )
    }
}

/// `stepup verify` for the try-it client's token, ready to paste into a POSIX shell.
fn verify_command(issuer: &str, nonce: &str, id_token: &str) -> String {
    [
        "stepup",
        "verify",
        "--discover",
        "--issuer",
        issuer,
        "--audience",
        TRY_CLIENT_ID,
        "--nonce",
        nonce,
        id_token,
    ]
    .iter()
    .map(|word| shell_word(word))
    .collect::<Vec<_>>()
    .join(" ")
}

/// A warning when the issuer is plain http to a host that is not loopback: the CLI
/// fetches discovery and keys over http only from loopback addresses (docs/verification-rules.md, "Keys from the network").
fn plain_http_note(issuer: &str) -> &'static str {
    let loopback = url::Url::parse(issuer).is_ok_and(|url| match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    });
    if issuer.starts_with("http://") && !loopback {
        "<p id=\"plain-http-note\">This issuer is plain http to an address that is not \
         loopback: <code>stepup verify</code> fetches keys over http only from loopback \
         addresses. Run it on this machine against a loopback issuer, or serve the \
         provider over https.</p>\n"
    } else {
        ""
    }
}

/// `word` as one POSIX shell word: as it is when it holds only characters no shell
/// treats specially, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,/:=@+%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
        assert_eq!(shell_word("eyJh.eyJz.c2ln"), "eyJh.eyJz.c2ln");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(
            verify_command("http://127.0.0.1:9000", "n-1", "h.p.s"),
            "stepup verify --discover --issuer http://127.0.0.1:9000 --audience stepup-try \
             --nonce n-1 h.p.s"
        );
    }

    #[test]
    fn plain_http_is_noted_only_off_loopback() {
        for issuer in [
            "http://127.0.0.1:9000",
            "http://127.1.2.3:9000",
            "http://[::1]:9000",
            "http://localhost:9000",
            "https://login.example.com",
        ] {
            assert_eq!(plain_http_note(issuer), "", "{issuer}");
        }
        assert!(plain_http_note("http://192.168.1.5:9000").contains("loopback"));
        assert!(plain_http_note("http://dev.example.com").contains("loopback"));
    }

    #[test]
    fn the_result_shows_dates_ages_and_a_badge() {
        let claims = serde_json::json!({
            "amr": ["pwd"], "auth_time": 1_700_000_000, "iat": 1_700_000_000,
            "exp": 1_700_003_600
        });
        let shown = Shown {
            issuer: "http://127.0.0.1:9000",
            id_token: "h.p.s",
            nonce: "n",
            claims: &claims,
            decision: &Decision::Satisfied,
            now: 1_700_000_012,
        };
        let summary = shown.summary();
        assert!(
            summary.contains("class=\"decision satisfied\""),
            "{summary}"
        );
        assert!(
            summary.contains(
                "<dd id=\"auth-time\"><code>1700000000</code> \
             <time datetime=\"2023-11-14T22:13:20Z\">2023-11-14T22:13:20Z</time> (12 s ago)</dd>"
            ),
            "{summary}"
        );
        assert!(summary.contains("(in 59 min)"), "{summary}");
        assert!(
            summary.contains("<dd id=\"acr\"><code>(none)</code></dd>"),
            "{summary}"
        );
    }
}
