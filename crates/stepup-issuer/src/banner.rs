//! The startup banner: where the provider is, and how to log in.

use std::fmt::Write as _;

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

use crate::server::BannerInfo;

/// Renders the banner text for a terminal (UTF-8; QR codes drawn with half blocks).
pub(crate) fn render(info: &BannerInfo) -> String {
    let mut out = String::new();
    let issuer = info.issuer.trim_end_matches('/');
    let _ = writeln!(
        out,
        "stepup development OpenID Provider — NOT FOR PRODUCTION\n\n\
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
        let _ = writeln!(out, "\n  {}  password {password}", user.username);
        match &user.otpauth_uri {
            Some(uri) => {
                let _ = writeln!(
                    out,
                    "    TOTP: scan the code below with an authenticator app (drawn for a dark \
                     terminal), or add the secret {}\n    {uri}",
                    user.totp_secret.as_deref().unwrap_or_default()
                );
                if let Some(qr) = qr(uri) {
                    out.push_str(&qr);
                }
            }
            None => {
                let _ = writeln!(out, "    no second factor");
            }
        }
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
        assert!(text.contains("alice  password pw-1"));
        assert!(text.contains("otpauth://totp/x:alice"));
        assert!(text.contains("client_secret s3"));
        assert!(text.contains("http://127.0.0.1:9000/try"));
        assert!(text.contains('▀') || text.contains('▄') || text.contains('█'));
    }
}
