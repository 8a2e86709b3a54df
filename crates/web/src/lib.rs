//! The web layer: the family portal at `/` and the back office at `/gestion`, rendered on
//! the server with askama templates. A handler reads the request, calls one use case and
//! renders; it never decides a business rule.

mod assets;
mod auth;
mod client;
mod dossier;
mod error;
mod forms;
mod gestion;
mod health;
mod layout;
mod payments;
mod portal;
mod reservations;
mod routes;
mod security;
mod session;
mod spreadsheet;
mod state;

use std::time::Duration;

use axum::{Router, http::StatusCode, middleware};
use tower::ServiceBuilder;
use tower_http::{
    CompressionLevel, catch_panic::CatchPanicLayer, compression::CompressionLayer, csrf::CsrfLayer,
    limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer,
};

pub use error::too_many_connections;
pub use ribambelle_usecases::accounts::{PasswordQueue, PasswordQueueFigures, PasswordQueueLimits};
pub use routes::{Access, RouteInfo, route_list};
pub use state::{AppState, WebConfig};

/// Large enough for the pièces justificatives (4 files of 2000 KB) with form overhead.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The whole application as one router, ready to serve or to drive in tests.
pub fn router(state: AppState) -> Router {
    let https = security::Https(state.config.https());
    // Cross-site form posts are refused from the browser's own Origin and Sec-Fetch-Site
    // headers; signed-in forms also carry the session's anti-forgery token.
    let csrf = CsrfLayer::new()
        .add_trusted_origin(&state.config.public_url)
        .unwrap_or_else(|_| CsrfLayer::new())
        .with_rejection_response(|_| error::forbidden_page());
    let mut router = Router::new();
    for (access, path, handler) in routes::table() {
        router = router.route(path, session::guarded(access, handler, &state));
    }
    router
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::custom(error::panic_page))
                .layer(middleware::map_response(error::layer_answers))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
                // Every browser asks for gzip: at the default level a calendar page cost
                // half as much CPU again as without it; the fastest level keeps most of
                // the saving in bytes for a fraction of the work.
                .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
                .layer(middleware::map_response_with_state(
                    https,
                    security::add_headers,
                ))
                .layer(csrf),
        )
}
