//! The accounting export of a month: the invoices issued and the payments received, as CSV
//! files for French spreadsheets (UTF-8 with BOM, « ; », decimal comma); the page says
//! what each column holds.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, Response},
};
use jiff::ToSpan;
use ribambelle_domain::{clock::paris_date, french::month_year};
use ribambelle_usecases::billing::{self, InvoicesOf};

use super::{BillingQuery, Frame};
use crate::{
    AppState,
    error::AppError,
    gestion::Scope,
    layout::{Gestion, Layout},
    session::Staff,
    spreadsheet::csv_file,
};

const INVOICE_COLUMNS: [&str; 6] = [
    "Numéro",
    "Date d'émission",
    "Famille",
    "Porte-monnaie",
    "Période",
    "Montant (€)",
];
const PAYMENT_COLUMNS: [&str; 6] = [
    "Date",
    "Famille",
    "Mode",
    "Référence",
    "Affectation",
    "Montant (€)",
];

#[derive(Template)]
#[template(path = "gestion/facturation/export.html")]
struct ExportPage {
    layout: Layout,
    frame: Frame,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<BillingQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let frame = Frame::new(
        &scope,
        &query,
        "/gestion/facturation/export",
        state.clock.today(),
    )?;
    let page = ExportPage {
        layout: super::super::layout(
            &state,
            &staff,
            Gestion::Facturation,
            "Export comptable",
            "/gestion/facturation/export",
        )
        .await?,
        frame,
    };
    Ok(Html(page.render()?))
}

async fn frame(state: &AppState, staff: &Staff, query: &BillingQuery) -> Result<Frame, AppError> {
    let scope = Scope::of(state, staff).await?;
    Frame::new(
        &scope,
        query,
        "/gestion/facturation/export",
        state.clock.today(),
    )
}

/// The invoices issued during the month, by number.
pub(crate) async fn invoices(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<BillingQuery>,
) -> Result<Response, AppError> {
    let frame = frame(&state, &staff, &query).await?;
    let rows = billing::invoices(
        &state.db,
        frame.structure_id,
        frame.month,
        InvoicesOf::Issue,
        false,
    )
    .await?
    .into_iter()
    .map(|i| {
        vec![
            i.number,
            i.issued_on.strftime("%d/%m/%Y").to_string(),
            i.family,
            i.wallet,
            month_year(i.period.year(), i.period.month()),
            i.amount.to_decimal_comma(),
        ]
    })
    .collect();
    csv_file(
        &format!("factures-emises-{}.csv", frame.month_code()),
        &INVOICE_COLUMNS,
        rows,
    )
}

/// The payments received during the month, oldest first.
pub(crate) async fn payments(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<BillingQuery>,
) -> Result<Response, AppError> {
    let frame = frame(&state, &staff, &query).await?;
    let last_day = frame.month + 1.month() - 1.day();
    let rows = billing::received(&state.db, frame.structure_id, frame.month, last_day)
        .await?
        .into_iter()
        .map(|p| {
            let day = billing::paid_at(&p)
                .map(|t| paris_date(t).strftime("%d/%m/%Y").to_string())
                .unwrap_or_else(|| p.paid_at.clone());
            vec![
                day,
                p.family,
                p.mode.to_owned(),
                p.reference,
                p.allocation.join(" ; "),
                p.amount.to_decimal_comma(),
            ]
        })
        .collect();
    csv_file(
        &format!("reglements-recus-{}.csv", frame.month_code()),
        &PAYMENT_COLUMNS,
        rows,
    )
}
