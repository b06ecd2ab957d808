//! Running the gateway: listen, connect to the provider in the background (with
//! backoff), stop gracefully on SIGTERM or Ctrl-C (requests in flight finish).

use crate::app::{Gateway, connect_with_retry, router};
use crate::setup::Settings;

/// Serves the gateway until SIGTERM or Ctrl-C. It starts even when the provider
/// cannot be reached: `/readyz` then says not ready, auth answers 503, and discovery
/// is retried with backoff.
///
/// # Errors
/// When the listen address cannot be bound, or the server fails.
pub async fn serve(settings: Settings) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let gateway = Gateway::new(settings);
    let connecting = tokio::spawn(connect_with_retry(std::sync::Arc::clone(&gateway)));
    tracing::info!(target: "stepup::gateway", listen = %listener.local_addr()?, "gateway listening");
    let result = axum::serve(listener, router(gateway))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    connecting.abort();
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!(target: "stepup::gateway", "shutting down; finishing requests in flight");
}
