//! The page the family comes back to from the payment site. What the browser brings is
//! only used when it proves itself (Systempay signs its return); otherwise the portal asks
//! the provider (PayFiP). The notification may have settled the payment already.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Response},
};
use ribambelle_payment::PaymentProvider;
use ribambelle_store::payments::{self, OnlinePayment, PaymentState, Provider};

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

use super::{apply, provider};

#[derive(Template)]
#[template(path = "payments/retour.html")]
struct ReturnPage {
    layout: Layout,
    payment: OnlinePayment,
    paid: bool,
    refused: bool,
    abandoned: bool,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
    Query(returned): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let payment = payments::find(&state.db, family.account.id, &public_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if payment.state == PaymentState::InProgress {
        ask_provider(&state, &payment, &returned).await?;
    }
    let payment = payments::find(&state.db, family.account.id, &public_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = match payment.state {
        PaymentState::Paid => "Paiement accepté",
        PaymentState::Refused => "Paiement refusé",
        PaymentState::Abandoned => "Paiement abandonné",
        PaymentState::InProgress => "Paiement en cours de vérification",
    };
    let shell = Shell::family(&state, &family, Section::Paiement, "/paiement").await?;
    let page = ReturnPage {
        layout: Layout::new(title, Some(family.structure.clone())).with_shell(shell),
        paid: payment.state == PaymentState::Paid,
        refused: payment.state == PaymentState::Refused,
        abandoned: payment.state == PaymentState::Abandoned,
        payment,
    };
    Ok(Html(page.render()?).into_response())
}

/// Settles the payment from the signed return or the provider's answer, if either says
/// how it ended. A failure here is not the family's: the page says the payment is being
/// checked, and the notification or the reconciliation job will settle it.
async fn ask_provider(
    state: &AppState,
    payment: &OnlinePayment,
    returned: &[(String, String)],
) -> Result<(), AppError> {
    let Some(regie) = super::usable_regie(state, payment.structure_id).await? else {
        return Ok(());
    };
    let bank = provider(&regie, &state.config.public_url)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let answer = match (regie.provider, payment.provider_id.as_deref()) {
        (Provider::Systempay, _) if returned.iter().any(|(k, _)| k == "signature") => {
            bank.confirm(returned).await.map(Some)
        }
        (Provider::PayFip, Some(id)) => bank.status(id).await,
        _ => Ok(None),
    };
    match answer {
        Ok(Some(checked)) => {
            apply(&state.db, &checked, state.clock.now()).await?;
        }
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, reference = %payment.reference, "payment return not verified")
        }
    }
    Ok(())
}
