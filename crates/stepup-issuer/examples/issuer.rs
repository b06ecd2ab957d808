//! Runs the development provider by hand, as `stepup issuer` will:
//!
//! ```text
//! cargo run -p stepup-issuer --example issuer -- [--config issuer.toml] [--listen 127.0.0.1:9000] [--state-dir DIR]
//! cargo run -p stepup-issuer --example issuer -- rotate-keys [--state-dir DIR]
//! ```
//!
//! Then open the printed `try it` URL in a browser. Each request is logged on stderr
//! (method, path, status, time); `STEPUP_LOG=warn` quiets that.

// An example's job is to print the banner for a person.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use stepup_issuer::{DEFAULT_LISTEN, Issuer, IssuerConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEPUP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut config_path: Option<PathBuf> = None;
    let mut listen: SocketAddr = DEFAULT_LISTEN;
    let mut state_dir = stepup_issuer::default_state_dir();
    let mut rotate = false;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--config" => config_path = Some(value("--config")?.into()),
            "--listen" => {
                listen = value("--listen")?
                    .parse()
                    .map_err(|e| format!("--listen: {e}"))?;
            }
            "--state-dir" => state_dir = value("--state-dir")?.into(),
            "rotate-keys" => rotate = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if rotate {
        let rotation = stepup_issuer::rotate_keys(&state_dir).map_err(|e| e.to_string())?;
        println!(
            "signing with {:?}; retiring {:?}; removed {:?}",
            rotation.added, rotation.retiring, rotation.removed
        );
        return Ok(());
    }
    let config = match &config_path {
        Some(path) => IssuerConfig::load(path).map_err(|e| e.to_string())?,
        None => IssuerConfig::default(),
    };
    let running = Issuer::start(config, listen, &state_dir)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", running.banner());
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    running.shutdown().await.map_err(|e| e.to_string())
}
