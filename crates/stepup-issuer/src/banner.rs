//! The startup banner: where the provider is, and how to log in.

use std::fmt::Write as _;

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

use crate::server::BannerInfo;

/// Renders the banner text for a terminal (UTF-8; QR codes drawn with half blocks).
///
/// The QR codes come first and the summary (URLs, clients, users and passwords) last, so
/// that the summary is what stays on screen once the banner has scrolled by.
pub(crate) fn render(info: &BannerInfo) -> String {
    let mut out = String::from(TITLE);
    out.push('\n');
    let enrolled: Vec<_> = info
        .users
        .iter()
        .filter_map(|user| Some((user, user.otpauth_uri.as_deref()?)))
        .collect();
    if !enrolled.is_empty() {
        let _ = writeln!(
            out,
            "\nTOTP enrolment: scan a user's code with an authenticator app (drawn for a dark \
             terminal), or add the secret listed under Users below."
        );
        for (user, uri) in enrolled {
            let _ = writeln!(out, "\n  {}\n    {uri}", user.username);
            if let Some(qr) = qr(uri) {
                out.push_str(&qr);
            }
        }
    }
    out.push('\n');
    out.push_str(&summary(info));
    out
}

const TITLE: &str = "stepup development OpenID Provider — NOT FOR PRODUCTION";

/// Where the provider is, its clients and its users with their passwords.
fn summary(info: &BannerInfo) -> String {
    let mut out = String::new();
    let issuer = info.issuer.trim_end_matches('/');
    let _ = writeln!(
        out,
        "{TITLE}\n\n\
         issuer     {}\n\
         discovery  {issuer}/.well-known/openid-configuration\n\
         state dir  {}",
        info.issuer,
        info.state_dir.display()
    );
    if let Some(url) = &info.try_url {
        let _ = writeln!(out, "try it     {url}  (log in and step up in a browser)");
    }
    out.push('\n');
    let _ = writeln!(out, "Clients:");
    for client in &info.clients {
        let secret = match &client.client_secret {
            Some(secret) => format!("client_secret {secret}"),
            None => "public client (PKCE S256 required)".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {}  {secret}  ID tokens {}\n    redirect_uris {}",
            client.client_id,
            client.id_token_signed_response_alg,
            client.redirect_uris.join(" "),
        );
    }
    let _ = writeln!(
        out,
        "\nUsers (a password login gives amr [\"pwd\"]; when a client sends \
         acr_values=http://schemas.openid.net/pape/policies/2007/06/multi-factor \
         the TOTP step follows and gives [\"pwd\",\"otp\",\"mfa\"]):"
    );
    for user in &info.users {
        let password = user
            .password
            .as_deref()
            .unwrap_or("(given as a hash in the configuration)");
        let totp = match &user.totp_secret {
            Some(secret) => format!("TOTP secret {secret} (QR code above)"),
            None => "no second factor".to_owned(),
        };
        let _ = writeln!(out, "  {}  password {password}  {totp}", user.username);
    }
    out
}

/// A QR code drawn with Unicode half blocks, light on dark so it scans from a terminal
/// with a dark background as well as a light one (the quiet zone is included).
fn qr(data: &str) -> Option<String> {
    // Level L: the code is read from a screen, not a worn label, and stays smaller.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    let image = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    let mut out = String::new();
    for line in image.lines() {
        let _ = writeln!(out, "    {line}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientCredentials, UserCredentials};

    #[test]
    fn banner_lists_users_with_passwords_uris_and_qr() {
        let info = BannerInfo {
            issuer: "http://127.0.0.1:9000".into(),
            state_dir: "state".into(),
            users: vec![UserCredentials {
                username: "alice".into(),
                password: Some("pw-1".into()),
                totp_secret: Some("JBSWY3DPEHPK3PXP".into()),
                otpauth_uri: Some("otpauth://totp/x:alice?secret=JBSWY3DPEHPK3PXP".into()),
            }],
            clients: vec![ClientCredentials {
                client_id: "demo-app".into(),
                client_secret: Some("s3".into()),
                redirect_uris: vec!["http://127.0.0.1:3000/callback".into()],
                id_token_signed_response_alg: crate::SigningAlg::RS256,
            }],
            try_url: Some("http://127.0.0.1:9000/try".into()),
        };
        let text = render(&info);
        assert!(text.contains("NOT FOR PRODUCTION"));
        assert!(text.contains("alice  password pw-1  TOTP secret JBSWY3DPEHPK3PXP"));
        assert!(text.contains("otpauth://totp/x:alice"));
        assert!(text.contains("client_secret s3"));
        assert!(text.contains("http://127.0.0.1:9000/try"));
        assert!(text.contains('▀') || text.contains('▄') || text.contains('█'));

        // The summary comes after the last QR code, so it stays on screen.
        let last_qr = text.rfind(['▀', '▄', '█']).unwrap();
        for line in [
            "issuer     http://127.0.0.1:9000",
            "try it     http://127.0.0.1:9000/try",
            "client_secret s3",
            "alice  password pw-1",
        ] {
            let at = text
                .find(line)
                .unwrap_or_else(|| panic!("{line:?} missing"));
            assert!(at > last_qr, "{line:?} comes before the QR code:\n{text}");
        }
        assert!(
            text.trim_end().ends_with("(QR code above)"),
            "the banner ends with the users:\n{text}"
        );
    }

    #[test]
    fn a_banner_without_second_factors_has_no_enrolment_section() {
        let info = BannerInfo {
            issuer: "http://127.0.0.1:9000".into(),
            state_dir: "state".into(),
            users: vec![UserCredentials {
                username: "bob".into(),
                password: None,
                totp_secret: None,
                otpauth_uri: None,
            }],
            clients: vec![],
            try_url: None,
        };
        let text = render(&info);
        assert!(!text.contains("TOTP enrolment"), "{text}");
        assert!(
            text.contains("bob  password (given as a hash in the configuration)  no second factor")
        );
    }
}
