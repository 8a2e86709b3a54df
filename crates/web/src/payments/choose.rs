//! « Payer »: the family's choice (invoices ticked, or an amount for a prepaid wallet)
//! becomes a payment *en cours*, then the review page. Amounts of invoices are read from
//! the database; only a credit's amount is typed, and it is checked here.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use ribambelle_domain::{emails::parse_email_list, ids::WalletId, money::parse_euros};
use ribambelle_usecases::payments::Choice;

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    portal::payment::{TypedCredit, render},
    session::Family,
};

pub(crate) async fn pay(
    State(state): State<AppState>,
    family: Family,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    let payments = state.payments();
    let Some(regie) = payments.usable_regie(family.structure_id()).await? else {
        return Err(AppError::NotFound);
    };
    let mut errors = FormErrors::default();
    let (choice, typed) = match value("porte_monnaie") {
        Some(wallet) => {
            let wallet: WalletId = wallet.parse().map_err(|_| AppError::BadRequest)?;
            let amount_text = value("montant").unwrap_or_default();
            let typed = TypedCredit {
                wallet_id: wallet,
                amount: amount_text.chars().take(12).collect(),
            };
            match parse_euros(amount_text) {
                Ok(amount) if amount.0 > 0 => (
                    Some(Choice::Credit {
                        wallet_id: wallet,
                        amount,
                    }),
                    Some(typed),
                ),
                Ok(_) => {
                    errors.add("montant", "Indiquez un montant supérieur à zéro.");
                    (None, Some(typed))
                }
                Err(_) if amount_text.is_empty() => {
                    errors.add("montant", "Indiquez le montant à créditer.");
                    (None, Some(typed))
                }
                Err(_) => {
                    errors.add(
                        "montant",
                        "Indiquez un montant en euros, par exemple 25 ou 25,50.",
                    );
                    (None, Some(typed))
                }
            }
        }
        None => {
            let chosen = fields
                .iter()
                .filter(|(k, _)| k == "facture")
                .map(|(_, v)| v.clone())
                .collect();
            (Some(Choice::Invoices(chosen)), None)
        }
    };
    let email = match family.account.emails.first() {
        Some(first) => Some(first.clone()),
        None => {
            receipt_address(
                &state,
                &family,
                value("email").unwrap_or_default(),
                &mut errors,
            )
            .await?
        }
    };
    if let (Some(choice), Some(email), true) = (&choice, &email, errors.is_empty()) {
        match payments
            .pay(
                family.id(),
                family.structure_id(),
                choice,
                email,
                regie.provider,
                state.clock.now(),
            )
            .await?
        {
            Ok(started) => {
                return Ok(
                    Redirect::to(&format!("/paiement/{}", started.public_id)).into_response()
                );
            }
            Err(refusal) => errors.add(
                if typed.is_some() {
                    "montant"
                } else {
                    "factures"
                },
                refusal.message(),
            ),
        }
    }
    Ok(invalid(
        render(&state, &family, errors, typed, false).await?,
    ))
}

/// A family without any address gives one for its receipt; it becomes its first address.
async fn receipt_address(
    state: &AppState,
    family: &Family,
    given: &str,
    errors: &mut FormErrors,
) -> Result<Option<String>, AppError> {
    if given.is_empty() {
        errors.add(
            "email",
            "Indiquez l'adresse e-mail à laquelle envoyer le reçu du paiement.",
        );
        return Ok(None);
    }
    match parse_email_list(given) {
        Ok(list) if list.len() == 1 => {
            let address = list.into_iter().next();
            if let Some(address) = &address {
                state
                    .payments()
                    .keep_receipt_address(family.id(), address, state.clock.now())
                    .await?;
            }
            Ok(address)
        }
        Ok(_) => {
            errors.add("email", "Indiquez une seule adresse e-mail.");
            Ok(None)
        }
        Err(e) => {
            errors.add("email", e.message());
            Ok(None)
        }
    }
}
