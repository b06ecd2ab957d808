//! Running the gateway: listen, connect to the provider in the background (with
//! backoff), stop gracefully on SIGTERM or Ctrl-C (requests in flight finish).

use std::future::Future;

use crate::app::{Gateway, connect_with_retry, router};
use crate::setup::Settings;

/// Serves the gateway until SIGTERM or Ctrl-C. It starts even when the provider
/// cannot be reached: `/readyz` then says not ready, auth answers 503, and discovery
/// is retried with backoff.
///
/// # Errors
/// When the listen address cannot be bound (the message names `listen`), or the
/// server fails.
pub async fn serve(settings: Settings) -> std::io::Result<()> {
    let listen = settings.listen;
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "listen: cannot listen on {listen}: {e}; choose another address or stop \
                 what is using it"
            ),
        )
    })?;
    // The handlers are installed before the gateway says it is listening: a SIGTERM
    // sent as soon as it is up stops it gracefully instead of killing it.
    let shutdown = shutdown_signal()?;
    let gateway = Gateway::new(settings);
    let connecting = tokio::spawn(connect_with_retry(std::sync::Arc::clone(&gateway)));
    tracing::info!(target: "stepup::gateway", listen = %listener.local_addr()?, "gateway listening");
    // `into_make_service`: each connection gets a clone of the built router (an `Arc`).
    // Served as a bare `Router`, axum rebuilds it per connection (`with_state(())`, one
    // allocation per method endpoint), and behind nginx's `auth_request` every decision
    // comes on a connection of its own.
    let result = axum::serve(listener, router(gateway).into_make_service())
        .with_graceful_shutdown(shutdown)
        .await;
    connecting.abort();
    result
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C), both registered at once.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
        tracing::info!(target: "stepup::gateway", "shutting down; finishing requests in flight");
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!(target: "stepup::gateway", "shutting down; finishing requests in flight");
    })
}
