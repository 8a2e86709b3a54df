//! The web layer's one error type and the French error pages. Internal details go to the
//! logs only; the family sees what happened and what to do.

use crate::layout::Layout;
use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error("not found")]
    NotFound,
    #[error("malformed request")]
    BadRequest,
    /// A forged or stale form (anti-forgery check failed).
    #[error("forbidden")]
    Forbidden,
    /// A family (or a visitor) on a staff page.
    #[error("staff only")]
    StaffOnly,
    /// The payment provider refused to start a payment or did not answer.
    #[error("payment provider unavailable")]
    PaymentUnavailable,
    /// Too many password hashes waiting: the portal is asked to wait, not broken.
    #[error("password queue full")]
    Busy,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<ribambelle_usecases::Error> for AppError {
    fn from(e: ribambelle_usecases::Error) -> Self {
        match e {
            ribambelle_usecases::Error::Busy => AppError::Busy,
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "erreur.html")]
struct ErrorPage {
    layout: Layout,
    code: u16,
    heading: &'static str,
    explanation: &'static str,
    /// The way back: the portal's home, or the back office's dashboard.
    home: (&'static str, &'static str),
}

fn page(status: StatusCode, heading: &'static str, explanation: &'static str) -> Response {
    render(
        status,
        ErrorPage {
            layout: Layout::anonymous(heading),
            code: status.as_u16(),
            heading,
            explanation,
            home: ("/", "Revenir à l'accueil"),
        },
    )
}

/// A staff member whose role does not open the page: said as such, inside the back
/// office, with its menu.
pub(crate) fn refused_for_role(layout: Layout) -> Response {
    render(
        StatusCode::FORBIDDEN,
        ErrorPage {
            layout,
            code: StatusCode::FORBIDDEN.as_u16(),
            heading: ROLE_REFUSED,
            explanation: "Votre rôle ne vous permet pas d'ouvrir cette page ou de faire cette action. \
             Si besoin, adressez-vous à un administrateur du portail.",
            home: ("/gestion", "Revenir au tableau de bord"),
        },
    )
}

/// The title of the page of `refused_for_role`.
pub(crate) const ROLE_REFUSED: &str = "Accès non autorisé pour votre rôle";

fn render(status: StatusCode, body: ErrorPage) -> Response {
    let heading = body.heading;
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
            AppError::BadRequest => page(
                StatusCode::BAD_REQUEST,
                "Demande incomplète",
                "Les informations envoyées n'ont pas pu être lues. Revenez à la page précédente, \
                 rechargez-la et recommencez.",
            ),
            AppError::Forbidden => forbidden_page(),
            AppError::StaffOnly => page(
                StatusCode::FORBIDDEN,
                "Accès réservé",
                "Cet espace est réservé au personnel de la structure. Les familles utilisent le Portail Famille.",
            ),
            AppError::PaymentUnavailable => page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Paiement en ligne indisponible",
                "Le service de paiement en ligne ne répond pas pour le moment. Aucun paiement n'a été fait. \
                 Réessayez dans quelques minutes depuis « Paiement et Solde », ou réglez auprès de la régie.",
            ),
            AppError::Busy => {
                let mut response = overloaded_page();
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("5"),
                );
                response
            }
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

pub(crate) fn forbidden_page() -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Action refusée",
        "Cette action n'a pas pu être vérifiée : la page était peut-être ouverte depuis longtemps. \
         Rechargez la page et recommencez.",
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

/// The answers the tower layers make on their own (a body over the global limit, a request
/// that took too long) carry no page: they get the French one.
pub(crate) async fn layer_answers<B>(response: Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let is_html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if !is_html => page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Envoi trop volumineux",
            "Ce que vous avez envoyé dépasse la taille acceptée (2000 ko par fichier). \
             Revenez à la page précédente et choisissez un fichier plus petit.",
        ),
        StatusCode::SERVICE_UNAVAILABLE if !is_html => overloaded_page(),
        _ => response.map(axum::body::Body::new),
    }
}

fn overloaded_page() -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Portail momentanément surchargé",
        "Votre demande a pris trop de temps. Réessayez dans quelques instants : ce que vous aviez déjà confirmé n'est pas perdu.",
    )
}

/// The answer on a connection above the server's cap, before any work for the request.
pub fn too_many_connections() -> Response {
    let mut response = page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Portail momentanément surchargé",
        "Le portail reçoit beaucoup de visites en ce moment. Rechargez la page dans quelques secondes : \
         ce que vous aviez déjà confirmé n'est pas perdu.",
    );
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("2"),
    );
    response
}

/// A link followed to a form address, or a form posted to a page.
pub(crate) async fn method_not_allowed() -> Response {
    page(
        StatusCode::METHOD_NOT_ALLOWED,
        "Action impossible",
        "Cette adresse ne peut pas être utilisée de cette façon. Revenez à l'accueil du portail.",
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
