//! The demo web app (what `stepup demo` runs) against any OpenID Provider.
//!
//! ```sh
//! stepup issuer &        # or any provider with a client registered for the callback below
//! STEPUP_CLIENT_SECRET=… cargo run -p stepup-axum --features demo --example web
//! ```
//!
//! Settings: `STEPUP_ISSUER` (default `http://127.0.0.1:9000`), `STEPUP_CLIENT_ID`
//! (default `demo-app`), `STEPUP_CLIENT_SECRET` (required; the development provider
//! prints it at start), `STEPUP_PROFILE` (default `auth0`, which is how the development
//! provider asks for TOTP), `STEPUP_LISTEN` (default `127.0.0.1:3000`; the callback is
//! `http://<listen>/callback`).

// The example tells the user where to go.
#![allow(clippy::print_stdout)]

use stepup::{Profile, Secret};
use stepup_axum::{Client, Provider, SessionKeys, StepUp, demo};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let issuer = env("STEPUP_ISSUER", "http://127.0.0.1:9000");
    let client_id = env("STEPUP_CLIENT_ID", "demo-app");
    let listen = env("STEPUP_LISTEN", "127.0.0.1:3000");
    let secret = std::env::var("STEPUP_CLIENT_SECRET")
        .map_err(|_| "set STEPUP_CLIENT_SECRET to the client secret of STEPUP_CLIENT_ID")?;
    let profile: Profile = env("STEPUP_PROFILE", "auth0").parse()?;

    let provider = Provider::discover(&issuer, &client_id).await?;
    let client = Client::confidential(
        client_id,
        Secret::new(secret),
        format!("http://{listen}/callback"),
    );
    // A fresh key per start: sessions end with the process. Real apps load theirs.
    let stepup = StepUp::builder(provider, client, SessionKeys::generate()?)
        .with_profile(profile)
        .build()?;

    let app = demo::router(&stepup, demo::SECURITY_MAX_AGE);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("open http://{listen}/");
    axum::serve(listener, app).await?;
    Ok(())
}
