//! The provider's server-to-server notification, answered as the provider expects: 200
//! once recorded, 400 refused, 503 to be sent again (`Payments::receive_notification`).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use ribambelle_domain::ids::StructureId;
use ribambelle_usecases::payments::Notification;

use crate::{AppState, error::AppError, forms::FrenchForm};

pub(crate) async fn receive(
    State(state): State<AppState>,
    Path(structure): Path<i64>,
    FrenchForm(fields): FrenchForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let notification = state
        .payments()
        .receive_notification(StructureId::new(structure), &fields, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(match notification {
        Notification::Accepted => (StatusCode::OK, "OK"),
        Notification::Refused => (StatusCode::BAD_REQUEST, "Notification refusée"),
        Notification::CannotVerify => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Vérification impossible pour le moment",
        ),
    }
    .into_response())
}
