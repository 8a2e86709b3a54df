//! « Paiement et Solde » (R-PAY-1, 2): the balance per porte-monnaie and the family's
//! total. Paying online comes with the payment providers.

use askama::Template;
use axum::{extract::State, response::Html};
use jiff::Timestamp;
use ribambelle_domain::{clock::paris_date, money::Cents};
use ribambelle_store::wallets::{self, WalletLine};

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

#[derive(Template)]
#[template(path = "portal/paiement.html")]
struct PaymentPage {
    layout: Layout,
    lines: Vec<WalletLine>,
    total: Cents,
    any_invoiced: bool,
}

impl PaymentPage {
    /// The balance with its meaning in words, never by colour or sign alone.
    fn solde(&self, amount: &Cents) -> String {
        match amount.0 {
            0 => amount.to_french(),
            n if n > 0 => format!("{} (crédit)", amount.to_french()),
            _ => format!("{} (à régler)", amount.to_french()),
        }
    }
}

pub(crate) async fn page(State(state): State<AppState>, family: Family) -> Result<Html<String>, AppError> {
    let today = paris_date(Timestamp::now());
    let lines = wallets::wallet_lines(&state.db, family.account.id, family.structure.id, today).await?;
    let shell = Shell::family(&state, &family, Section::Paiement, "/paiement").await?;
    let page = PaymentPage {
        layout: Layout::new("Paiement et Solde", Some(family.structure.clone())).with_shell(shell),
        total: lines.iter().map(|l| l.solde).sum(),
        any_invoiced: lines.iter().any(|l| !l.prepaid),
        lines,
    };
    Ok(Html(page.render()?))
}
