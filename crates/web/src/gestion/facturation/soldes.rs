//! Every family's balance per porte-monnaie at a structure, débiteurs first.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Html,
};
use ribambelle_domain::money::Cents;
use ribambelle_usecases::billing::{self, Balances, FamilyBalance};

use super::{BillingQuery, Frame};
use crate::{
    AppState,
    error::AppError,
    gestion::Scope,
    layout::{Gestion, Layout},
    portal::payment::solde_words,
    session::Staff,
};

/// Rows shown at most: the débiteurs come first, and a page of thousands of rows helps no one.
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "gestion/facturation/soldes.html")]
struct BalancesPage {
    layout: Layout,
    frame: Frame,
    balances: Balances,
    debtors: usize,
    owed: Cents,
    families: usize,
}

impl BalancesPage {
    fn shown(&self) -> &[FamilyBalance] {
        &self.balances.families[..self.balances.families.len().min(SHOWN)]
    }

    fn words(&self, amount: &Cents) -> String {
        solde_words(*amount)
    }
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
        "/gestion/facturation/soldes",
        state.clock.today(),
    )?;
    let balances = billing::balances(&state.db, frame.structure_id).await?;
    let debtors: Vec<&FamilyBalance> = balances.families.iter().filter(|f| f.total.0 < 0).collect();
    let page = BalancesPage {
        layout: super::super::layout(
            &state,
            &staff,
            Gestion::Facturation,
            "Soldes des familles",
            "/gestion/facturation/soldes",
        )
        .await?,
        frame,
        debtors: debtors.len(),
        owed: -debtors.iter().map(|f| f.total).sum::<Cents>(),
        families: balances.families.len(),
        balances,
    };
    Ok(Html(page.render()?))
}
