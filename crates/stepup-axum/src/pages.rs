//! The few HTML pages of the outcome table and the login flow: plain HTML, a little
//! CSS, no JavaScript.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::header::{self, HeaderValue};
use stepup::Missing;

use crate::outcome::LoopGuard;

/// HTML-escapes text for element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What a missing requirement means, in words.
pub fn explain(missing: &Missing) -> String {
    match missing {
        Missing::Amr(value) if value == "mfa" => {
            "a multi-factor login (amr must contain \"mfa\")".into()
        }
        Missing::Amr(value) => format!("the authentication method {value:?} in amr"),
        Missing::Acr => "an accepted authentication level (acr)".into(),
        Missing::AuthTime => "the time of the login (auth_time), to check its age".into(),
        Missing::FreshLogin => "a recent login (the last one is older than allowed)".into(),
        other => other.name(),
    }
}

/// A complete page with the given status.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\n<body><main>\n<h1>{title}</h1>\n{body}\n</main></body></html>\n",
        title = escape(title),
    );
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The style shared by every page (readable on a phone).
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c1e21}\
main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem}h1{font-size:1.5rem}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #dde;vertical-align:top}\
code{background:#eceef2;padding:0 .25rem;border-radius:3px;word-break:break-all}\
.ok{color:#0a6b2c}.need{color:#9a3412}.box{background:#fff;border:1px solid #dde;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}\
nav a{margin-right:1rem}button{font-size:1rem;padding:.4rem .9rem}";

pub(crate) fn forbidden() -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Not allowed",
        "<p>No rule allows this request, so it is denied.</p>",
    )
}

pub(crate) fn unavailable(retry_after: u64) -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Login check unavailable",
        &format!(
            "<p>The identity provider's keys cannot be fetched right now, so logins cannot be \
             checked. Nothing is wrong with your account: try again in {retry_after} seconds.</p>"
        ),
    )
}

pub(crate) fn misconfigured() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Login check failed",
        "<p>This site cannot check logins right now because of a problem on the server. \
         The operators can find the cause in the server's log.</p>",
    )
}

/// The loop guard's page: the step-up came back and still falls short.
pub(crate) fn step_up_not_met(guard: &LoopGuard) -> Response {
    let mut body = String::from(
        "<p id=\"not-met\">You logged in again, but the login still does not meet what this \
         page needs. You are not sent round again; the page stays closed.</p>\n\
         <h2>The provider returned</h2>\n<table id=\"returned\">",
    );
    for (name, value) in &guard.returned {
        body.push_str(&format!(
            "<tr><th>{}</th><td><code>{}</code></td></tr>",
            escape(name),
            escape(value)
        ));
    }
    body.push_str("</table>\n<h2>This page needs</h2>\n<ul id=\"needs\">");
    for missing in &guard.missing {
        body.push_str(&format!(
            "<li><code>{}</code>: {}</li>",
            escape(&missing.name()),
            escape(&explain(missing))
        ));
    }
    let level = guard
        .missing
        .iter()
        .any(|m| matches!(m, Missing::Amr(_) | Missing::Acr));
    body.push_str(if level {
        "</ul>\n<p>If your account has no second factor, ask for one to be set up; then \
         open the page again.</p>\n<p><a href=\"/\">Home</a></p>"
    } else {
        "</ul>\n<p>The provider reported a login older than this page accepts, or a time \
         this site cannot judge: the provider's and this site's clocks may disagree. Try \
         again in a minute; if it persists, tell the site's operators.</p>\n\
         <p><a href=\"/\">Home</a></p>"
    });
    page(StatusCode::FORBIDDEN, "Step-up did not succeed", &body)
}

/// A login flow that cannot go on (bad or expired state, provider error).
pub(crate) fn flow_error(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        title,
        &format!(
            "<p role=\"alert\">{}</p>\n<p><a href=\"/\">Home</a></p>",
            escape(message)
        ),
    )
}
