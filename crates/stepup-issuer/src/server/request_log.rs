//! One log line per HTTP request, at info level on the target `stepup_issuer::http`:
//! method, path, status and time taken. Never the query string, headers or body, which
//! carry codes, states, passwords and tokens.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// The log target of the request lines.
pub(crate) const TARGET: &str = "stepup_issuer::http";

/// Logs `request` once its response is ready.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // The path only: `uri()` would include the query string.
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: TARGET,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        elapsed = ?started.elapsed(),
        "request"
    );
    response
}
