//! `/try`: a built-in client, so a person can watch step-up in a browser with nothing
//! else running. It sends the browser through `/authorize` like any client, redeems
//! the code in process, checks the ID token with the core verifier and shows the
//! step-up decision of the default policy (`amr` must contain `mfa`).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use stepup::{Decision, KeySet, Policy, Secret, UnixTime, Verifier};

use super::{App, cookie, html, now, redirect};
use crate::config::SigningAlg;
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
    let mut lead = String::new();
    match &decision {
        Decision::Satisfied => lead.push_str(
            "<p role=\"status\" id=\"decision\"><strong>Step-up satisfied:</strong> the ID token proves a \
             multi-factor login.</p>\n",
        ),
        Decision::StepUp(step_up) => {
            let missing: Vec<String> = step_up.missing.iter().map(|m| m.name()).collect();
            let _ = writeln!(
                lead,
                "<p role=\"status\" id=\"decision\"><strong>Step-up needed:</strong> the token is valid but \
                 missing {}. An application would now send you back with \
                 <code>acr_values</code>: use “Step up” below.</p>",
                escape(&missing.join(", "))
            );
        }
    }
    let auth_time = claims["auth_time"].as_i64().unwrap_or(0);
    let _ = writeln!(
        lead,
        "<dl>\n<dt><code>amr</code></dt><dd id=\"amr\"><code>{}</code></dd>\n\
         <dt><code>acr</code></dt><dd id=\"acr\"><code>{}</code></dd>\n\
         <dt><code>auth_time</code></dt><dd><code>{auth_time}</code> ({} s ago)</dd>\n</dl>",
        escape(&claims["amr"].to_string()),
        escape(
            &claims
                .get("acr")
                .map_or("(none)".to_owned(), ToString::to_string)
        ),
        now() - auth_time,
    );
    let pretty = serde_json::to_string_pretty(&claims).unwrap_or_default();
    let body = format!(
        "{}\n<h2>ID token claims (verified)</h2>\n<pre><code>{}</code></pre>",
        menu(&app, &lead),
        escape(&pretty)
    );
    html(StatusCode::OK, pages::page("Try step-up: result", &body))
}
