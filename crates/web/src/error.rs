//! The web layer's one error type and the French error pages. Internal details go to the
//! logs only; the family sees what happened and what to do.

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use ribambelle_store::StoreError;

use crate::layout::Layout;

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error("not found")]
    NotFound,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "erreur.html")]
struct ErrorPage {
    layout: Layout,
    code: u16,
    heading: &'static str,
    explanation: &'static str,
}

fn page(status: StatusCode, heading: &'static str, explanation: &'static str) -> Response {
    let body = ErrorPage { layout: Layout::anonymous(heading), code: status.as_u16(), heading, explanation };
    match body.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page template failed");
            (status, heading).into_response()
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => not_found_page(),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                internal_page()
            }
        }
    }
}

fn not_found_page() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Page introuvable",
        "L'adresse demandée n'existe pas ou n'est plus disponible. Vérifiez-la, ou revenez à l'accueil du portail.",
    )
}

fn internal_page() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Une erreur est survenue",
        "Le portail n'a pas pu traiter votre demande. Rien de ce que vous aviez déjà confirmé n'est perdu. \
         Réessayez dans quelques instants ; si le problème persiste, contactez votre structure.",
    )
}

pub(crate) async fn not_found() -> Response {
    not_found_page()
}

/// A panic in a handler becomes the French 500 page; the panic message is logged, never shown.
pub(crate) fn panic_page(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(detail, "handler panicked");
    internal_page()
}
