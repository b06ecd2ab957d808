//! The demo web app of `stepup demo` and `examples/web.rs`: three pages that show
//! step-up at work (feature `demo`).
//!
//! - `/` is public and says who is logged in, if anyone.
//! - `/profile` needs a login.
//! - `/security` ("recovery codes", "change password") needs a multi-factor login no
//!   older than [`SECURITY_MAX_AGE`] seconds.
//!
//! Each protected page shows the claims it saw (`amr`, `acr`, `auth_time` as a date and
//! an age) and, after a step-up, why it was asked for. Plain HTML and a little CSS, no
//! JavaScript. The whole app is the few lines of [`router`]; the rest is HTML.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use http::HeaderMap;
use stepup::Policy;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::pages::{STYLE, escape, explain};
use crate::{Identity, Login, StepUp, SteppedUp};

/// How recent a login `/security` accepts, in seconds.
pub const SECURITY_MAX_AGE: u64 = 300;

/// The policy of `/security`: `amr` must contain `mfa`, and the login must be at
/// most `max_age` seconds old.
pub fn security_policy(max_age: u64) -> Policy {
    Policy::default().with_max_age(max_age)
}

/// The demo app: its pages plus the login routes, guarded by `stepup`. `max_age` is
/// the freshness `/security` asks for ([`SECURITY_MAX_AGE`] in the demo).
pub fn router(stepup: &StepUp, max_age: u64) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/profile", get(profile).route_layer(stepup.require_login()))
        .route(
            "/security",
            get(security).route_layer(stepup.require(security_policy(max_age))),
        )
        .with_state(stepup.clone())
        .merge(stepup.routes())
        .layer(axum::middleware::map_response(no_store))
}

/// The pages show personal data: no cache may keep them.
async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

async fn home(State(stepup): State<StepUp>, headers: HeaderMap) -> Html<String> {
    let who = match stepup.current_session(&headers) {
        Some(who) => format!(
            "<p id=\"who\">Logged in as <b>{}</b>, with <code>amr</code> {}.</p>",
            escape(who.sub()),
            escape(&format!("{:?}", who.amr()))
        ),
        None => "<p id=\"who\">Not logged in.</p>".into(),
    };
    page(
        &stepup,
        "stepup demo",
        &format!(
            "<p>A small app whose pages need different logins, to watch step-up happen.</p>\n{who}\n\
             <ul>\n<li><a id=\"to-profile\" href=\"/profile\">Profile</a>: needs a login \
             (a password is enough).</li>\n<li><a id=\"to-security\" href=\"/security\">Security</a>: \
             needs a multi-factor login (password and a TOTP code) no older than 5 minutes.</li>\n</ul>"
        ),
    )
}

async fn profile(State(stepup): State<StepUp>, Login(who): Login) -> Html<String> {
    page(
        &stepup,
        "Profile",
        &format!(
            "<p class=\"ok\">You are logged in. This page needs nothing more.</p>\n{}",
            claims_table(&who, stepup.clock().now().as_secs())
        ),
    )
}

async fn security(State(stepup): State<StepUp>, SteppedUp(who): SteppedUp) -> Html<String> {
    let why = if who.stepped_up_for().is_empty() {
        String::new()
    } else {
        let reasons: Vec<String> = who
            .stepped_up_for()
            .iter()
            .map(|name| {
                format!(
                    "<li><code>{}</code>: {}</li>",
                    escape(name),
                    escape(&explain_name(name))
                )
            })
            .collect();
        format!(
            "<div class=\"box\" id=\"why\"><p>You were asked to log in again because this page \
             needs:</p><ul>{}</ul></div>",
            reasons.concat()
        )
    };
    page(
        &stepup,
        "Security",
        &format!(
            "<p class=\"ok\" id=\"granted\">Multi-factor login, recent enough: access granted.</p>\n{why}\n\
             <div class=\"box\"><h2>Recovery codes</h2><p><code>4F7K-2QJD</code> \
             <code>9HX3-MW8P</code> <code>C2RT-6YNB</code></p></div>\n\
             <div class=\"box\"><h2>Change password</h2><p>(A real app would show the form \
             here.)</p></div>\n{}",
            claims_table(&who, stepup.clock().now().as_secs())
        ),
    )
}

/// The words for a stable missing-requirement name.
fn explain_name(name: &str) -> String {
    let missing = match name {
        "acr" => stepup::Missing::Acr,
        "auth_time" => stepup::Missing::AuthTime,
        "fresh_login" => stepup::Missing::FreshLogin,
        other => stepup::Missing::Amr(other.strip_prefix("amr:").unwrap_or(other).to_owned()),
    };
    explain(&missing)
}

/// The claims the page saw.
fn claims_table(who: &Identity, now: i64) -> String {
    let auth_time = match who.auth_time() {
        Some(at) => {
            let secs = at.as_secs();
            let date = OffsetDateTime::from_unix_timestamp(secs)
                .ok()
                .and_then(|d| d.format(&Rfc3339).ok())
                .unwrap_or_else(|| secs.to_string());
            format!("{date} ({})", age(now.saturating_sub(secs)))
        }
        None => "(none)".into(),
    };
    let rows = [
        ("sub", "sub", who.sub().to_owned()),
        (
            "email",
            "email",
            who.email().unwrap_or_else(|| "(none)".into()),
        ),
        (
            "amr",
            "amr",
            serde_json::to_string(who.amr()).unwrap_or_default(),
        ),
        (
            "acr",
            "acr",
            who.acr().map_or_else(|| "(none)".into(), str::to_owned),
        ),
        ("auth_time", "auth-time", auth_time),
    ];
    let mut html = String::from("<h2>What this page saw</h2>\n<table>");
    for (name, id, value) in rows {
        html.push_str(&format!(
            "<tr><th>{name}</th><td id=\"{id}\"><code>{}</code></td></tr>",
            escape(&value)
        ));
    }
    html.push_str("</table>");
    html
}

/// "3 min 20 s ago".
fn age(seconds: i64) -> String {
    if seconds < 0 {
        return format!("{} s in the future", seconds.unsigned_abs());
    }
    match seconds {
        0..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min {} s ago", seconds / 60, seconds % 60),
        _ => format!("{} h {} min ago", seconds / 3600, (seconds % 3600) / 60),
    }
}

fn page(stepup: &StepUp, title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\n<body><main>\n\
         <nav><a href=\"/\">Home</a><a href=\"/profile\">Profile</a><a href=\"/security\">Security</a></nav>\n\
         <h1>{title}</h1>\n{body}\n\
         <form method=\"post\" action=\"{logout}\"><button id=\"logout\" type=\"submit\">Log out</button></form>\n\
         </main></body></html>\n",
        title = escape(title),
        logout = escape(stepup.logout_path()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_well() {
        assert_eq!(age(5), "5 s ago");
        assert_eq!(age(200), "3 min 20 s ago");
        assert_eq!(age(7300), "2 h 1 min ago");
        assert_eq!(age(-3), "3 s in the future");
        assert_eq!(
            explain_name("amr:mfa"),
            explain(&stepup::Missing::Amr("mfa".into()))
        );
    }
}
