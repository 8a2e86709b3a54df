//! « Historique » (R-HIST-1, 2): the consommations of the current or the previous month
//! (arrows between the two) and the règlements of both months; printable, and exported as
//! CSV files that open right in a French spreadsheet (UTF-8 with BOM, « ; », decimal comma)
//! and as a PDF.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use jiff::{Timestamp, civil::Date};
use ribambelle_documents::{HistoryConsommation, HistoryDoc, HistoryReglement, history_pdf};
use ribambelle_domain::{
    french::{self, month_year},
    money::Cents,
};
use ribambelle_usecases::history::{self, Consommation, History, Reglement, previous};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell, format_instant},
    reservations::context::parse_month,
    session::Family,
    spreadsheet::csv_file,
};

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    #[serde(default)]
    mois: Option<String>,
}

/// The month asked for: the current one by default, the previous one, nothing else.
fn month(query: &MonthQuery, today: Date) -> Result<Date, AppError> {
    let current = today.first_of_month();
    match query.mois.as_deref() {
        None => Ok(current),
        Some(text) => parse_month(text)
            .filter(|m| *m == current || *m == previous(current))
            .ok_or(AppError::BadRequest),
    }
}

fn month_code(month: Date) -> String {
    month.strftime("%Y-%m").to_string()
}

/// The family's consommations of `month` and its règlements of the current and the
/// previous months.
async fn load(
    state: &AppState,
    family: &Family,
    month: Date,
    today: Date,
) -> Result<(Vec<Consommation>, Vec<Reglement>), AppError> {
    let History {
        consommations,
        reglements,
    } = history::history(&state.db, family.id(), family.structure_id(), month, today).await?;
    Ok((consommations, reglements))
}

fn paid_on(reglement: &Reglement) -> String {
    reglement
        .paid_at
        .parse::<Timestamp>()
        .map(format_instant)
        .unwrap_or_else(|_| reglement.paid_at.clone())
}

#[derive(Template)]
#[template(path = "portal/historique.html")]
struct HistoryPage {
    layout: Layout,
    /// « MARTIN Claire — Mairie de CarteVille », on the printout, whose header is left out.
    printed_for: String,
    /// Why the month asked for is not the one shown.
    notice: Option<&'static str>,
    month_label: String,
    month: String,
    /// The other month the arrow leads to, with its label and whether it is earlier.
    other: (String, String, bool),
    consommations: Vec<Consommation>,
    total: Cents,
    reglements: Vec<Reglement>,
}

impl HistoryPage {
    fn day(&self, c: &Consommation) -> String {
        french::short_day(c.day)
    }

    fn paid(&self, r: &Reglement) -> String {
        paid_on(r)
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    // A month out of reach (an arrow followed once too often, an old bookmark) shows the
    // current one and says why, rather than a bare error.
    let (month, notice) = match month(&query, today) {
        Ok(month) => (month, None),
        Err(_) => (
            today.first_of_month(),
            Some(
                "L'historique en ligne présente le mois en cours et le mois précédent : voici le mois en cours. Pour un mois plus ancien, adressez-vous à votre structure.",
            ),
        ),
    };
    let (consommations, reglements) = load(&state, &family, month, today).await?;
    let current = today.first_of_month();
    let other = if month == current {
        previous(current)
    } else {
        current
    };
    let shell = Shell::family(&state, &family, Section::Historique, "/historique").await?;
    let page = HistoryPage {
        layout: Layout::new("Historique", Some(family.structure.clone())).with_shell(shell),
        printed_for: format!(
            "{} — {}",
            family.account.display_name(),
            family.structure.name
        ),
        notice,
        month_label: month_year(month.year(), month.month()),
        month: month_code(month),
        other: (
            month_code(other),
            month_year(other.year(), other.month()),
            other < month,
        ),
        total: consommations.iter().map(|c| c.amount).sum(),
        consommations,
        reglements,
    };
    let html = Html(page.render()?);
    Ok(if notice.is_some() {
        (StatusCode::BAD_REQUEST, html).into_response()
    } else {
        html.into_response()
    })
}

pub(crate) async fn consommations_csv(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let month = month(&query, today)?;
    let (consommations, _) = load(&state, &family, month, today).await?;
    let rows = consommations
        .iter()
        .map(|c| {
            vec![
                c.day.strftime("%d/%m/%Y").to_string(),
                c.child.clone(),
                c.activity.clone(),
                c.quantity.to_string(),
                c.amount.to_decimal_comma(),
            ]
        })
        .collect();
    csv_file(
        &format!("consommations-{}.csv", month_code(month)),
        &["Date", "Enfant", "Activité", "Quantité", "Montant (€)"],
        rows,
    )
}

pub(crate) async fn reglements_csv(
    State(state): State<AppState>,
    family: Family,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let (_, reglements) = load(&state, &family, today.first_of_month(), today).await?;
    let rows = reglements
        .iter()
        .map(|r| {
            vec![
                paid_on(r),
                r.mode.to_owned(),
                r.amount.to_decimal_comma(),
                r.reference.clone(),
            ]
        })
        .collect();
    csv_file(
        "reglements.csv",
        &["Date", "Mode", "Montant (€)", "Référence"],
        rows,
    )
}

/// The month's history as a PDF: its consommations and the règlements of both months.
pub(crate) async fn pdf(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let month = month(&query, today)?;
    let (consommations, reglements) = load(&state, &family, month, today).await?;
    let doc = HistoryDoc {
        structure: family.structure.name.clone(),
        family: family.account.display_name(),
        month: month_year(month.year(), month.month()),
        total: consommations.iter().map(|c| c.amount).sum(),
        consommations: consommations
            .iter()
            .map(|c| HistoryConsommation {
                day: c.day.strftime("%d/%m/%Y").to_string(),
                child: c.child.clone(),
                activity: c.activity.clone(),
                quantity: c.quantity,
                amount: c.amount,
            })
            .collect(),
        reglements: reglements
            .iter()
            .map(|r| HistoryReglement {
                paid_on: paid_on(r),
                mode: r.mode.to_owned(),
                amount: r.amount,
                reference: r.reference.clone(),
            })
            .collect(),
        generated_on: today.strftime("%d/%m/%Y").to_string(),
    };
    let bytes = history_pdf(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::portal::payment::pdf_response(
        &format!("historique-{}.pdf", month_code(month)),
        bytes,
    ))
}
