//! The monthly invoicing run: the preview of a finished month (per family and *facturation*
//! porte-monnaie: days, amount, totals, what is already invoiced), then « Émettre les
//! factures ».

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::clock::paris_date;
use ribambelle_usecases::billing::{self, Preview};

use super::{BillingQuery, Frame};
use crate::{
    AppState,
    error::AppError,
    forms::SignedForm,
    gestion::Scope,
    layout::{Gestion, Layout},
    session::{Editor, Staff},
};

#[derive(Template)]
#[template(path = "gestion/facturation/emission.html")]
struct IssuePage {
    layout: Layout,
    frame: Frame,
    preview: Preview,
    csrf: String,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<BillingQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let frame = Frame::new(&scope, &query, "/gestion/facturation", state.clock.today())?;
    let preview = billing::preview(&state.db, frame.structure_id, frame.month).await?;
    let page = IssuePage {
        layout: super::super::layout(
            &state,
            &staff,
            Gestion::Facturation,
            "Facturation",
            "/gestion/facturation",
        )
        .await?,
        frame,
        preview,
        csrf: staff.session.csrf_token.clone(),
    };
    Ok(Html(page.render()?))
}

/// Issues the chosen month's invoices, except for the families ticked « Ne pas facturer ».
pub(crate) async fn issue(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let scope = Scope::of(&state, &staff).await?;
    let query = BillingQuery {
        structure: value("structure"),
        mois: value("mois"),
        ..BillingQuery::default()
    };
    let now = state.clock.now();
    let frame = Frame::new(&scope, &query, "/gestion/facturation", paris_date(now))?;
    let excluded: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "exclure")
        .map(|(_, v)| v.clone())
        .collect();
    // The form offers only finished months; another one is a forged request.
    let issued = billing::issue(
        &state.db,
        staff.id(),
        frame.structure_id,
        frame.month,
        &excluded,
        now,
    )
    .await?
    .map_err(|_| AppError::BadRequest)?;
    Ok(Redirect::to(&format!(
        "/gestion/facturation/factures?{}&emises={}",
        frame.query(),
        issued.invoices
    ))
    .into_response())
}
