//! `stepup issuer`: runs the development OpenID Provider, or rotates its keys.

use stepup_issuer::{Issuer, IssuerConfig};

use crate::args::{IssuerAction, IssuerArgs};
use crate::cmd::{Exit, Failure, written};
use crate::output;

/// Runs the provider until Ctrl-C, or performs `rotate-keys`.
pub(crate) fn run(args: &IssuerArgs) -> Result<Exit, Failure> {
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(stepup_issuer::default_state_dir);
    if let Some(IssuerAction::RotateKeys) = args.action {
        let rotation = stepup_issuer::rotate_keys(&state_dir).map_err(issuer_failure)?;
        let text = serde_json::to_string_pretty(&rotation)
            .map_err(|e| Failure::config("internal", e.to_string()))?;
        written(output::line(&format!(
            "rotated the keys in {}:\n{text}",
            state_dir.display()
        )))?;
        return Ok(Exit::Success);
    }
    let config = match &args.config {
        Some(path) => IssuerConfig::load(path).map_err(issuer_failure)?,
        None => IssuerConfig::default(),
    };
    // One line per request of the provider (method, path, status, time) on stderr.
    crate::cmd::init_logging("text");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::config("runtime", format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let running = Issuer::start(config, args.listen, &state_dir)
            .await
            .map_err(issuer_failure)?;
        written(output::line(&running.banner()))?;
        written(output::line("Press Ctrl-C to stop."))?;
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| Failure::config("signal", format!("cannot wait for Ctrl-C: {e}")))?;
        running.shutdown().await.map_err(issuer_failure)?;
        Ok(Exit::Success)
    })
}

/// Every issuer error is a startup or configuration problem: exit 3 with its code.
fn issuer_failure(error: stepup_issuer::Error) -> Failure {
    Failure::config(error.code(), error.to_string())
}
