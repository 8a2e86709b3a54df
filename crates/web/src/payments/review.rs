//! The review before leaving for the payment site (RGAA 11.12): what is paid, how much,
//! to whom, where the receipt goes; then the departure. The family can still change its
//! mind: nothing has left the portal before « Confirmer et payer ».

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_usecases::payments::{Departing, OnlinePayment, Provider, bank_origin};

use crate::{
    AppState,
    error::AppError,
    forms::{Button, SignedForm},
    layout::{Layout, Section, Shell},
    session::Family,
};

#[derive(Template)]
#[template(path = "payments/verifier.html")]
struct ReviewPage {
    layout: Layout,
    csrf: String,
    payment: OnlinePayment,
    structure: String,
    provider: &'static str,
    /// Systempay: the signed form goes straight to the bank; PayFiP: through the portal,
    /// which creates the operation first.
    action: String,
    fields: Vec<(String, String)>,
}

/// The family's payment if it may still leave for the bank; otherwise its return page,
/// which says how it stands.
async fn departing(
    state: &AppState,
    family: &Family,
    public_id: &str,
) -> Result<Result<Departing, Response>, AppError> {
    match state
        .payments()
        .departing(family.id(), public_id, state.clock.now())
        .await?
    {
        None => Err(AppError::NotFound),
        Some(Ok(departing)) => Ok(Ok(departing)),
        Some(Err(_)) => Ok(Err(
            Redirect::to(&format!("/paiement/{public_id}/retour")).into_response()
        )),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
) -> Result<Response, AppError> {
    let departing = match departing(&state, &family, &public_id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let (action, fields) = match departing.regie.provider {
        Provider::Systempay => {
            state
                .payments()
                .bank_form(&departing, state.clock.now())
                .await?
        }
        Provider::PayFip => (
            format!("/paiement/{public_id}/aller"),
            vec![("_csrf".to_owned(), family.session.csrf_token.clone())],
        ),
    };
    let Departing { payment, regie } = departing;
    let shell = Shell::family(&state, &family, Section::Paiement, "/paiement").await?;
    let page = ReviewPage {
        layout: Layout::new("Vérifiez votre paiement", Some(family.structure.clone()))
            .with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        structure: regie.structure_name.clone(),
        provider: regie.provider.label(),
        payment,
        action,
        fields,
    };
    let mut response = Html(page.render()?).into_response();
    // The form, or the redirect after it, leaves for the payment site.
    let policy = crate::security::csp_with_form_action(bank_origin(&regie));
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// PayFiP: creates the operation at the DGFiP, then sends the family to its payment page.
pub(crate) async fn go(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let departing = match departing(&state, &family, &public_id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    match state
        .payments()
        .leave_for_bank(&departing, state.clock.now())
        .await?
    {
        Some(bank) => Ok(Redirect::to(&bank).into_response()),
        None => Err(AppError::PaymentUnavailable),
    }
}

/// « Modifier mon choix » on the review page, or « Abandonner ce paiement » on « Paiement et
/// Solde »: the payment never left, so it is given up at once and its invoices can be
/// chosen again.
pub(crate) async fn change(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let given_up = match departing(&state, &family, &public_id).await? {
        Ok(departing) => {
            state
                .payments()
                .give_up(&departing, state.clock.now())
                .await?
        }
        Err(_) => false,
    };
    Ok(if given_up {
        Redirect::to("/paiement?paiement=abandonne#factures")
    } else {
        // Left for the bank, or settled by it meanwhile: its return page says how it stands.
        Redirect::to(&format!("/paiement/{public_id}/retour"))
    }
    .into_response())
}
