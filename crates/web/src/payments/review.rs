//! The review before leaving for the payment site (RGAA 11.12): what is paid, how much,
//! to whom, where the receipt goes; then the departure. The family can still change its
//! mind: nothing has left the portal before « Confirmer et payer ».

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::clock::paris;
use ribambelle_payment::{Departure, PaymentProvider, PaymentRequest};
use ribambelle_store::payments::{self, OnlinePayment, PaymentState, Regie, Verdict};

use crate::{
    AppState,
    error::AppError,
    forms::{Button, SignedForm},
    layout::{Layout, Section, Shell},
    session::Family,
};

use super::{provider, provider_origin};

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

/// The family's payment if it may still leave for the bank.
async fn departing(
    state: &AppState,
    family: &Family,
    public_id: &str,
) -> Result<Result<(OnlinePayment, Regie), Response>, AppError> {
    let payment = payments::find(&state.db, family.account.id, public_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let regie = payments::regie(&state.db, payment.structure_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fresh = state.clock.now().duration_since(payment.created_at) < payments::IN_PROGRESS_HOLD;
    if payment.state != PaymentState::InProgress || !fresh || payment.provider_id.is_some() {
        return Ok(Err(
            Redirect::to(&format!("/paiement/{public_id}/retour")).into_response()
        ));
    }
    Ok(Ok((payment, regie)))
}

fn request(state: &AppState, payment: &OnlinePayment, regie: &Regie) -> PaymentRequest {
    let now = state.clock.now();
    let base = &state.config.public_url;
    PaymentRequest {
        reference: payment.reference.clone(),
        amount_cents: payment.amount.0,
        email: payment.email.clone(),
        label: format!("{} {}", regie.structure_name, payment.purposes.join(" ")),
        notify_url: format!("{base}/paiement/notification/{}", regie.structure_id),
        return_url: format!("{base}/paiement/{}/retour", payment.public_id),
        year: now.to_zoned_datetime(paris()).year(),
        // Systempay wants a number unique per day below 900000; ids cycle far slower.
        trans_id: u32::try_from(payment.id.rem_euclid(900_000)).unwrap_or(0),
        now,
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
) -> Result<Response, AppError> {
    let (payment, regie) = match departing(&state, &family, &public_id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let (action, fields) = match regie.provider {
        payments::Provider::Systempay => {
            let bank = provider(&regie, &state.config.public_url)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            match bank.start(&request(&state, &payment, &regie)).await {
                Ok(Departure::Form { action, fields }) => (action, fields),
                Ok(Departure::Redirect { url, .. }) => (url, Vec::new()),
                Err(error) => return Err(AppError::Internal(format!("payment form: {error}"))),
            }
        }
        payments::Provider::PayFip => (
            format!("/paiement/{public_id}/aller"),
            vec![("_csrf".to_owned(), family.session.csrf_token.clone())],
        ),
    };
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
    let policy = crate::security::csp_with_form_action(provider_origin(&regie));
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
    let (payment, regie) = match departing(&state, &family, &public_id).await? {
        Ok(found) => found,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let bank = provider(&regie, &state.config.public_url)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    match bank.start(&request(&state, &payment, &regie)).await {
        Ok(Departure::Redirect { url, provider_id }) => {
            if let Some(id) = provider_id {
                payments::set_provider_id(&state.db, payment.id, &id, state.clock.now()).await?;
            }
            Ok(Redirect::to(&url).into_response())
        }
        Ok(Departure::Form { .. }) => Err(AppError::Internal(
            "a form departure for a redirect provider".into(),
        )),
        Err(error) => {
            tracing::warn!(%error, reference = %payment.reference, "payment provider refused or unreachable");
            payments::settle(
                &state.db,
                &payment.reference,
                payment.amount,
                &Verdict::Abandoned,
                state.clock.now(),
            )
            .await?;
            Err(AppError::PaymentUnavailable)
        }
    }
}

/// « Modifier mon choix »: the payment never left, so it is given up at once and its
/// invoices can be chosen again.
pub(crate) async fn change(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    if let Ok((payment, _)) = departing(&state, &family, &public_id).await? {
        payments::settle(
            &state.db,
            &payment.reference,
            payment.amount,
            &Verdict::Abandoned,
            state.clock.now(),
        )
        .await?;
    }
    Ok(Redirect::to("/paiement").into_response())
}
