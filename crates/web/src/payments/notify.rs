//! The provider's server-to-server notification. Nothing in it is believed as such: a
//! Systempay notification must carry a valid signature, and a PayFiP one only names an
//! operation, which the portal then asks PayFiP about. Replays settle nothing twice.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use ribambelle_payment::{PaymentError, PaymentProvider};
use ribambelle_store::payments::Settled;

use crate::{AppState, error::AppError, forms::FrenchForm};

use super::{apply, provider};

pub(crate) async fn receive(
    State(state): State<AppState>,
    Path(structure): Path<i64>,
    FrenchForm(fields): FrenchForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Some(regie) = super::usable_regie(&state, structure).await? else {
        return Err(AppError::NotFound);
    };
    let bank = provider(&regie, &state.config.public_url)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let checked = match bank.confirm(&fields).await {
        Ok(checked) => checked,
        Err(error @ PaymentError::Network(_)) => {
            tracing::warn!(%error, structure, "payment notification: provider unreachable to verify it");
            return Ok((
                StatusCode::SERVICE_UNAVAILABLE,
                "Vérification impossible pour le moment",
            )
                .into_response());
        }
        Err(error) => {
            tracing::warn!(%error, structure, "payment notification refused");
            return Ok((StatusCode::BAD_REQUEST, "Notification refusée").into_response());
        }
    };
    Ok(match apply(&state.db, &checked, state.clock.now()).await? {
        Some(Settled::AmountMismatch | Settled::UnknownReference) => {
            (StatusCode::BAD_REQUEST, "Notification refusée").into_response()
        }
        Some(Settled::Now(_) | Settled::Unchanged(_)) | None => {
            (StatusCode::OK, "OK").into_response()
        }
    })
}
