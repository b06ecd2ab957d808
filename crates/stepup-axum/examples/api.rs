//! A Bearer-only JSON API with one route that needs a multi-factor login.
//!
//! ```sh
//! stepup issuer &                       # the development provider on 127.0.0.1:9000
//! cargo run -p stepup-axum --example api
//! curl -i http://127.0.0.1:3001/api/me -H "Authorization: Bearer $ID_TOKEN"
//! curl -i http://127.0.0.1:3001/api/payments -H "Authorization: Bearer $ID_TOKEN"
//! ```
//!
//! `/api/me` needs a valid ID token for client `demo-app`; `/api/payments` needs one
//! whose `amr` contains `mfa`. A password-only token gets the RFC 9470 challenge:
//! `401` with `WWW-Authenticate: Bearer error="insufficient_user_authentication", …`.
//! Settings: `STEPUP_ISSUER` (default `http://127.0.0.1:9000`), `STEPUP_CLIENT_ID`
//! (default `demo-app`), `STEPUP_LISTEN` (default `127.0.0.1:3001`).

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use stepup::Policy;
use stepup_axum::{Login, Provider, StepUp, SteppedUp};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let issuer = env("STEPUP_ISSUER", "http://127.0.0.1:9000");
    let client_id = env("STEPUP_CLIENT_ID", "demo-app");
    let listen = env("STEPUP_LISTEN", "127.0.0.1:3001");

    // Discovery and keys once, at startup; configuration mistakes stop here.
    let stepup = StepUp::for_api(Provider::discover(&issuer, &client_id).await?)?;

    let app = Router::new()
        .route("/api/me", get(me).route_layer(stepup.require_login()))
        .route(
            "/api/payments",
            post(pay).route_layer(stepup.require(Policy::default())),
        );
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn me(Login(who): Login) -> Json<Value> {
    Json(json!({ "sub": who.sub(), "amr": who.amr(), "acr": who.acr() }))
}

async fn pay(SteppedUp(who): SteppedUp) -> Json<Value> {
    Json(json!({ "paid": true, "by": who.sub() }))
}
