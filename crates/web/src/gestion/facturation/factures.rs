//! A structure's invoices of a month with their state (réglée, à régler, partiellement
//! réglée), filtered to those still owing if asked, and each invoice's PDF for the staff.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, Response},
};
use ribambelle_domain::money::Cents;
use ribambelle_usecases::billing::{self, InvoicesOf, StaffInvoice};

use super::{BillingQuery, Frame};
use crate::{
    AppState,
    error::AppError,
    gestion::Scope,
    layout::{Gestion, Layout},
    session::Staff,
};

#[derive(Template)]
#[template(path = "gestion/facturation/factures.html")]
struct InvoicesPage {
    layout: Layout,
    frame: Frame,
    invoices: Vec<StaffInvoice>,
    only_due: bool,
    /// Invoices just issued, after « Émettre les factures ».
    issued: Option<u64>,
    total: Cents,
    owed: Cents,
}

impl InvoicesPage {
    fn settled(&self, invoice: &StaffInvoice) -> bool {
        invoice.owed.0 <= 0
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<BillingQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let frame = Frame::new(
        &scope,
        &query,
        "/gestion/facturation/factures",
        state.clock.today(),
    )?;
    let only_due = query.a_regler.is_some();
    let invoices = billing::invoices(
        &state.db,
        frame.structure_id,
        frame.month,
        InvoicesOf::Period,
        only_due,
    )
    .await?;
    let page = InvoicesPage {
        layout: super::super::layout(
            &state,
            &staff,
            Gestion::Facturation,
            "Factures",
            "/gestion/facturation/factures",
        )
        .await?,
        frame,
        total: invoices.iter().map(|i| i.amount).sum(),
        owed: invoices.iter().map(|i| i.owed).sum(),
        invoices,
        only_due,
        issued: query.emises.as_deref().and_then(|n| n.parse().ok()),
    };
    Ok(Html(page.render()?))
}

/// An invoice's PDF, as its family downloads it; only within the staff member's scope.
pub(crate) async fn pdf(
    State(state): State<AppState>,
    staff: Staff,
    Path(public_id): Path<String>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?.structure_ids();
    let detail = billing::invoice(&state.db, &scope, &public_id, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    crate::portal::payment::invoice_document(&detail)
}
