//! The page the family comes back to from the payment site, saying how the payment ended
//! once the portal has checked it (`Payments::come_back`).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Response},
};
use ribambelle_usecases::payments::{OnlinePayment, PaymentState};

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

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
    let payment = state
        .payments()
        .come_back(family.id(), &public_id, &returned, state.clock.now())
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
