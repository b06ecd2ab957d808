//! The provider's pages: small, plain, accessible HTML without scripts.

use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;\
padding:0 1rem;line-height:1.5;color:#111;background:#fff}\
.dev{border:3px solid #b00;background:#fee;color:#600;padding:.5rem .75rem;font-weight:bold}\
label{display:block;margin-top:1rem;font-weight:600}\
input[type=text],input[type=password]{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}\
button{font-size:1rem;padding:.5rem 1.2rem;margin:1.2rem .5rem 0 0}\
[role=alert]{border-left:4px solid #b00;padding:.25rem .75rem;background:#fff4f4}\
code{background:#f3f3f3;padding:0 .2rem;word-break:break-all}\
pre{background:#f3f3f3;padding:.5rem;overflow-x:auto}pre code{background:none;padding:0}\
pre.copy{white-space:pre-wrap;word-break:break-all;user-select:all}\
textarea{width:100%;box-sizing:border-box;font-family:monospace;word-break:break-all}\
.decision{border-left:6px solid;padding:.5rem .75rem}\
.decision.needed{border-color:#b45309;background:#fff7ed}\
.decision.satisfied{border-color:#15803d;background:#f0fdf4}\
.badge{display:inline-block;padding:0 .5rem;margin-right:.25rem;border-radius:.25rem;\
color:#fff;font-weight:bold}\
.needed .badge{background:#b45309}.satisfied .badge{background:#15803d}";

/// A whole page with the development banner.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — stepup development provider</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<header>\n<p class=\"dev\" role=\"note\">Development provider — not for production. \
         Accounts and keys here are for testing only.</p>\n</header>\n<main>\n<h1>{title}</h1>\n{body}\n\
         </main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

fn alert(error: Option<&str>) -> String {
    match error {
        Some(message) => format!("<p role=\"alert\" id=\"error\">{}</p>\n", escape(message)),
        None => String::new(),
    }
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// What the login pages show.
pub(crate) struct LoginView<'a> {
    pub(crate) tx: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) client_name: &'a str,
    pub(crate) reason: Option<&'a str>,
    pub(crate) error: Option<&'a str>,
}

/// The password form.
pub(crate) fn login_page(view: &LoginView<'_>, username: &str) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p><strong>{}</strong> asks you to log in.</p>",
        escape(view.client_name)
    );
    if let Some(reason) = view.reason {
        let _ = writeln!(body, "<p>{}</p>", escape(reason));
    }
    body.push_str(&alert(view.error));
    let described = if view.error.is_some() {
        " aria-describedby=\"error\""
    } else {
        ""
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/login\">\n{}{}\
         <label for=\"username\">Username</label>\n\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{}\" autocomplete=\"username\" \
         autocapitalize=\"none\" spellcheck=\"false\" required{described}{}>\n\
         <label for=\"password\">Password</label>\n\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" \
         required{described}{}>\n\
         <button type=\"submit\" name=\"action\" value=\"login\">Log in</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button>\n</form>",
        hidden("tx", view.tx),
        hidden("csrf", view.csrf),
        escape(username),
        if username.is_empty() {
            " autofocus"
        } else {
            ""
        },
        if username.is_empty() {
            ""
        } else {
            " autofocus"
        },
    );
    page("Log in", &body)
}

/// The TOTP form.
pub(crate) fn totp_page(view: &LoginView<'_>, username: &str) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p><strong>{}</strong> asks for a second factor.</p>",
        escape(view.client_name)
    );
    if let Some(reason) = view.reason {
        let _ = writeln!(body, "<p>{}</p>", escape(reason));
    }
    let _ = writeln!(
        body,
        "<p>Logged in with a password as <strong>{}</strong>. Enter the 6-digit code \
         from your authenticator app.</p>",
        escape(username)
    );
    body.push_str(&alert(view.error));
    let described = if view.error.is_some() {
        " aria-describedby=\"error\""
    } else {
        ""
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/login/totp\">\n{}{}\
         <label for=\"code\">Authentication code</label>\n\
         <input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" \
         pattern=\" *([0-9] *){{6}}\" title=\"6 digits (spaces are fine)\" maxlength=\"16\" \
         autocomplete=\"one-time-code\" required autofocus{described}>\n\
         <button type=\"submit\" name=\"action\" value=\"verify\">Verify</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button>\n</form>",
        hidden("tx", view.tx),
        hidden("csrf", view.csrf),
    );
    page("Second factor", &body)
}

/// An error shown to the person (never redirected to a client).
pub(crate) fn error_page(title: &str, message: &str) -> String {
    page(title, &format!("<p role=\"alert\">{}</p>", escape(message)))
}

/// Asks before ending the session (RP-initiated logout without a valid `id_token_hint`).
pub(crate) fn logout_confirm(csrf: &str, fields: &[(&str, &str)]) -> String {
    let mut form = String::from("<p>Do you want to log out of the development provider?</p>\n");
    form.push_str("<form method=\"post\" action=\"/logout\">\n");
    form.push_str(&hidden("csrf", csrf));
    for (name, value) in fields {
        form.push_str(&hidden(name, value));
    }
    form.push_str("<button type=\"submit\">Log out</button>\n</form>");
    page("Log out", &form)
}

/// After logout without a place to return to.
pub(crate) fn logged_out() -> String {
    page(
        "Logged out",
        "<p>You are logged out of the development provider.</p>",
    )
}

/// The front page: what this is and where things are.
pub(crate) fn index(issuer: &str) -> String {
    let issuer = escape(issuer);
    page(
        "stepup development provider",
        &format!(
            "<p>An OpenID Provider for trying step-up authentication on one machine: \
             password login, then a TOTP second factor when a client asks for it with \
             <code>acr_values</code>.</p>\n<ul>\n\
             <li>Issuer: <code>{issuer}</code></li>\n\
             <li><a href=\"/.well-known/openid-configuration\">Discovery document</a></li>\n\
             <li><a href=\"/jwks.json\">Signing keys (JWKS)</a></li>\n\
             <li><a href=\"/try\">Try step-up in this browser</a></li>\n</ul>\n\
             <p>Users, passwords and TOTP enrolment are printed in the terminal where the \
             provider was started.</p>"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn pages_carry_the_banner_and_labels() {
        let view = LoginView {
            tx: "t",
            csrf: "c",
            client_name: "<app>",
            reason: None,
            error: Some("Wrong username or password."),
        };
        let html = login_page(&view, "alice\"");
        assert!(html.contains("Development provider — not for production"));
        assert!(html.contains("<label for=\"username\">"));
        assert!(html.contains("&lt;app&gt;"));
        assert!(html.contains("value=\"alice&quot;\""));
        assert!(html.contains("role=\"alert\""));
    }
}
