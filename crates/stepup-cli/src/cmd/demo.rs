//! `stepup demo`: the development provider and the example app (stepup-axum's demo
//! pages) on loopback, so the whole step-up loop can be seen in a browser.

use std::net::SocketAddr;

use stepup::{Profile, Secret};
use stepup_axum::{Client, Provider, SessionKeys, StepUp, demo};
use stepup_issuer::{Issuer, IssuerConfig};

use crate::args::DemoArgs;
use crate::cmd::{Exit, Failure, written};
use crate::output;

/// The demo client registered at the development provider.
const CLIENT_ID: &str = "demo-app";

/// Runs both servers until Ctrl-C.
pub(crate) fn run(args: &DemoArgs) -> Result<Exit, Failure> {
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(stepup_issuer::default_state_dir);
    // One line per request of the provider (method, path, status, time) on stderr.
    crate::cmd::init_logging("text");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::config("runtime", format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        // The app's port first, so the provider registers the exact callback URL.
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                Failure::config(
                    "bind_failed",
                    format!(
                        "cannot listen on {} for the demo app: {e}; pick another with --listen",
                        args.listen
                    ),
                )
            })?;
        let app_addr = listener
            .local_addr()
            .map_err(|e| Failure::config("bind_failed", e.to_string()))?;
        let app_url = format!("http://{}", shown(app_addr));
        let running = Issuer::start(issuer_config(&app_url), args.issuer_listen, &state_dir)
            .await
            .map_err(|e| Failure::config(e.code(), e.to_string()))?;
        let secret = running
            .clients()
            .iter()
            .find(|c| c.client_id == CLIENT_ID)
            .and_then(|c| c.client_secret.clone())
            .ok_or_else(|| Failure::config("internal", "the demo client has no secret"))?;
        let stepup = build(running.issuer(), &app_url, secret)
            .await
            .map_err(|e| Failure::config(e.code(), e.to_string()))?;
        let app = demo::router(&stepup, demo::SECURITY_MAX_AGE);
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        });
        written(output::line(&running.banner()))?;
        written(output::line(&format!(
            "\nstepup demo: open {app_url}/ in a browser\n\
             \x20 {app_url}/          public\n\
             \x20 {app_url}/profile   needs a login (password)\n\
             \x20 {app_url}/security  needs MFA (password + TOTP code) no older than 5 minutes\n\
             Log in as one of the users above; scan the QR code (or type the otpauth secret) into\n\
             an authenticator app for the TOTP step. Press Ctrl-C to stop."
        )))?;
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| Failure::config("signal", format!("cannot wait for Ctrl-C: {e}")))?;
        let _ = server.await;
        running
            .shutdown()
            .await
            .map_err(|e| Failure::config(e.code(), e.to_string()))?;
        Ok(Exit::Success)
    })
}

/// The provider's demo setup, with the demo client's redirect and logout URLs at the
/// app's actual address.
fn issuer_config(app_url: &str) -> IssuerConfig {
    let mut config = IssuerConfig::default();
    for client in &mut config.clients {
        if client.client_id == CLIENT_ID {
            client.redirect_uris = vec![format!("{app_url}/callback")];
            client.post_logout_redirect_uris = vec![format!("{app_url}/")];
        }
    }
    config
}

/// The app's step-up setup: discovery from the provider, the demo client, a fresh
/// session key (demo sessions end with the process), the auth0 profile (the
/// development provider asks for TOTP when `acr_values` names PAPE multi-factor).
async fn build(issuer: &str, app_url: &str, secret: String) -> Result<StepUp, stepup_axum::Error> {
    let provider = Provider::discover(issuer, CLIENT_ID).await?;
    let client = Client::confidential(
        CLIENT_ID,
        Secret::new(secret),
        format!("{app_url}/callback"),
    );
    StepUp::builder(provider, client, SessionKeys::generate()?)
        .with_profile(Profile::Auth0)
        .build()
}

/// `127.0.0.1:3000` (the address as browsers write it).
fn shown(addr: SocketAddr) -> String {
    addr.to_string()
}
