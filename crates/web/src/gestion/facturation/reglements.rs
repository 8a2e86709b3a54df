//! Payments received over a month (online and at the counter, with mode, reference and
//! allocation), and the form recording a counter payment for a family: espèces, chèque
//! (with its number), CESU or virement, allocated to its invoices or credited to a prepaid
//! porte-monnaie.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::ToSpan;
use ribambelle_domain::ids::WalletId;
use ribambelle_domain::{
    clock::paris_date,
    money::{Cents, PaymentMode, parse_euros},
};
use ribambelle_usecases::{
    billing::{self, CounterPayment, CounterRefusal, FamilyRef, Received, Target},
    payments::{Invoice, WalletLine},
};

use super::{BillingQuery, Frame};
use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    gestion::Scope,
    layout::{Gestion, Layout, format_instant},
    session::{Editor, Staff},
};

#[derive(Template)]
#[template(path = "gestion/facturation/reglements.html")]
struct PaymentsPage {
    layout: Layout,
    frame: Frame,
    payments: Vec<Received>,
    total: Cents,
    /// After recording: whether a ticket went to the family.
    recorded: Option<bool>,
}

impl PaymentsPage {
    fn when(&self, payment: &Received) -> String {
        billing::paid_at(payment)
            .map(format_instant)
            .unwrap_or_else(|| payment.paid_at.clone())
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
        "/gestion/facturation/reglements",
        state.clock.today(),
    )?;
    let last_day = frame.month + 1.month() - 1.day();
    let payments = billing::received(&state.db, frame.structure_id, frame.month, last_day).await?;
    let page = PaymentsPage {
        layout: super::super::layout(
            &state,
            &staff,
            Gestion::Facturation,
            "Règlements reçus",
            "/gestion/facturation/reglements",
        )
        .await?,
        frame,
        total: payments.iter().map(|p| p.amount).sum(),
        payments,
        recorded: query.enregistre.as_deref().map(|e| e == "recu"),
    };
    Ok(Html(page.render()?))
}

/// What the gestionnaire typed, shown again with its errors.
#[derive(Default)]
struct Typed {
    mode: String,
    reference: String,
    montant: String,
    affectation: String,
    factures: Vec<String>,
}

#[derive(Template)]
#[template(path = "gestion/facturation/reglement.html")]
struct RecordPage {
    layout: Layout,
    frame: Frame,
    csrf: String,
    search: String,
    found: Option<Vec<FamilyRef>>,
    family: Option<FamilyRef>,
    /// The family's invoices still owing, oldest first.
    owed: Vec<Invoice>,
    prepaid: Vec<WalletLine>,
    typed: Typed,
    errors: FormErrors,
}

impl RecordPage {
    /// (value, label) of the payment modes.
    fn modes(&self) -> Vec<(&'static str, &'static str)> {
        PaymentMode::AT_COUNTER
            .into_iter()
            .map(|m| (m.code(), m.label()))
            .collect()
    }

    fn mode_checked(&self, code: &str) -> bool {
        self.typed.mode == code
    }

    fn target_checked(&self, value: &str) -> bool {
        self.typed.affectation == value
            || (self.typed.affectation.is_empty() && value == "factures")
    }

    fn invoice_checked(&self, public_id: &str) -> bool {
        self.typed.factures.iter().any(|f| f == public_id)
    }

    fn period(&self, invoice: &Invoice) -> String {
        ribambelle_domain::french::month_year(invoice.period.year(), invoice.period.month())
    }

    fn solde(&self, line: &WalletLine) -> String {
        crate::portal::payment::solde_words(line.solde)
    }

    /// `aria-describedby` and `aria-invalid` of a field.
    fn described(&self, field: &str, hint: bool) -> String {
        let mut ids: Vec<String> = Vec::new();
        if hint {
            ids.push(format!("{field}-aide"));
        }
        if self.errors.get(field).is_some() {
            ids.push(format!("{field}-erreur"));
        }
        let mut attributes = if ids.is_empty() {
            String::new()
        } else {
            format!(" aria-describedby=\"{}\"", ids.join(" "))
        };
        if self.errors.get(field).is_some() {
            attributes.push_str(" aria-invalid=\"true\"");
        }
        attributes
    }

    fn error_list(&self) -> Vec<(&'static str, &str)> {
        ["mode", "reference", "montant", "affectation"]
            .into_iter()
            .filter_map(|f| self.errors.get(f).map(|m| (f, m)))
            .collect()
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    frame: Frame,
    query: &BillingQuery,
    typed: Typed,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let today = frame.today;
    let family = match query.famille.as_deref().filter(|f| !f.is_empty()) {
        Some(public_id) => Some(
            billing::family(&state.db, frame.structure_id, public_id)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let search = query
        .recherche
        .clone()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect::<String>();
    let found = match (&family, search.trim().is_empty()) {
        (None, false) => {
            Some(billing::find_families(&state.db, frame.structure_id, &search).await?)
        }
        _ => None,
    };
    let (owed, prepaid) = match &family {
        Some(f) => {
            billing::payable(&state.db, frame.structure_id, f, state.clock.now(), today).await?
        }
        None => (Vec::new(), Vec::new()),
    };
    let page = RecordPage {
        layout: super::super::layout(
            state,
            staff,
            Gestion::Facturation,
            "Enregistrer un règlement",
            "/gestion/facturation/reglements/nouveau",
        )
        .await?,
        frame,
        csrf: staff.session.csrf_token.clone(),
        search,
        found,
        family,
        owed,
        prepaid,
        typed,
        errors,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn form(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Query(query): Query<BillingQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let frame = Frame::new(
        &scope,
        &query,
        "/gestion/facturation/reglements",
        state.clock.today(),
    )?;
    render(
        &state,
        &staff,
        frame,
        &query,
        Typed::default(),
        FormErrors::default(),
    )
    .await
}

pub(crate) async fn record(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let scope = Scope::of(&state, &staff).await?;
    let query = BillingQuery {
        structure: Some(value("structure")),
        mois: Some(value("mois")),
        famille: Some(value("famille")),
        ..BillingQuery::default()
    };
    let now = state.clock.now();
    let frame = Frame::new(
        &scope,
        &query,
        "/gestion/facturation/reglements",
        paris_date(now),
    )?;
    let typed = Typed {
        mode: value("mode"),
        reference: value("reference").chars().take(60).collect(),
        montant: value("montant").chars().take(15).collect(),
        affectation: value("affectation"),
        factures: fields
            .iter()
            .filter(|(k, _)| k == "facture")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let mut errors = FormErrors::default();
    let mode = PaymentMode::AT_COUNTER
        .into_iter()
        .find(|m| m.code() == typed.mode);
    if mode.is_none() {
        errors.add("mode", "Choisissez le mode de règlement.");
    }
    let amount = match parse_euros(&typed.montant) {
        Ok(amount) => Some(amount),
        Err(_) if typed.montant.is_empty() => {
            errors.add("montant", "Indiquez le montant reçu.");
            None
        }
        Err(_) => {
            errors.add(
                "montant",
                "Indiquez un montant en euros, par exemple 25 ou 25,50.",
            );
            None
        }
    };
    let target = match typed.affectation.as_str() {
        "" | "factures" => Some(Target::Invoices(typed.factures.clone())),
        wallet => match wallet.parse::<WalletId>() {
            Ok(id) => Some(Target::Credit(id)),
            Err(_) => {
                errors.add(
                    "affectation",
                    "Choisissez les factures à régler ou le porte-monnaie à créditer.",
                );
                None
            }
        },
    };
    if let (Some(mode), Some(amount), Some(target)) = (mode, amount, target) {
        let payment = CounterPayment {
            family_public_id: value("famille"),
            mode,
            reference: typed.reference.clone(),
            amount,
            target,
        };
        match billing::record_payment(&state.db, staff.id(), frame.structure_id, &payment, now)
            .await?
        {
            Ok(recorded) => {
                let current = frame.today.strftime("%Y-%m");
                let ticket = if recorded.ticket { "recu" } else { "sans-recu" };
                return Ok(Redirect::to(&format!("/gestion/facturation/reglements?structure={}&mois={current}&enregistre={ticket}", frame.structure_id)).into_response());
            }
            Err(CounterRefusal::UnknownFamily) => return Err(AppError::NotFound),
            Err(refusal) => errors.add(refusal.field(), refusal.message()),
        }
    }
    Ok(invalid(
        render(&state, &staff, frame, &query, typed, errors)
            .await?
            .into_response(),
    ))
}
