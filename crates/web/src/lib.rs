//! The web layer: the family portal at `/` and the back office at `/gestion`, rendered on
//! the server with askama templates. A handler reads the request, calls one use case and
//! renders; it never decides a business rule.

mod assets;
mod error;
mod health;
mod layout;
mod login;
mod security;
mod state;

use std::time::Duration;

use axum::{Router, middleware, routing::get};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};

pub use state::{AppState, WebConfig};

/// Large enough for the pièces justificatives (4 files of 2000 KB) with form overhead.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The whole application as one router, ready to serve or to drive in tests.
pub fn router(state: AppState) -> Router {
    let https = security::Https(state.config.public_url.starts_with("https://"));
    Router::new()
        .route("/", get(login::home))
        .route("/connexion", get(login::page))
        .route("/healthz", get(health::check))
        .route("/static/{version}/{name}", get(assets::serve))
        .route("/theme/{slug}", get(assets::theme))
        .fallback(error::not_found)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::custom(error::panic_page))
                .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
                .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
                .layer(CompressionLayer::new())
                .layer(middleware::map_response_with_state(https, security::add_headers)),
        )
}
