use axum::{extract::State, http::StatusCode};

use crate::AppState;

/// 200 once the database answers, 503 otherwise: what a load balancer or a supervisor
/// needs to know before sending traffic.
pub(crate) async fn check(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "base de données injoignable\n",
            )
        }
    }
}
