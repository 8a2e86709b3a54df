//! « Paiement et Solde » (R-PAY-1, 2, 3): the balance per porte-monnaie and the family's
//! total, its invoices with their PDF, and the forms that start a card payment: the
//! invoices to settle, or an amount for a prepaid wallet.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{Html, IntoResponse, Response},
};
use jiff::Timestamp;
use ribambelle_documents::{InvoiceDoc, InvoiceLine, invoice_pdf};
use ribambelle_domain::{
    booking::Debts,
    clock::{paris, paris_date},
    french::month_year,
    ids::WalletId,
    money::Cents,
};
use ribambelle_usecases::payments::{Balance, Invoice, InvoiceDetail, OnlinePayment, WalletLine};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::FormErrors,
    layout::{Layout, Section, Shell},
    session::Family,
};

/// What the family typed in a credit form, shown again with its error.
pub(crate) struct TypedCredit {
    pub wallet_id: WalletId,
    pub amount: String,
}

/// A card payment begun and not settled, as the page explains it.
struct UnderWay {
    public_id: String,
    /// « Facture F202611-00001, Facture F202611-00002 »
    purposes: String,
    amount: Cents,
    /// « 19h22 »
    started: String,
    /// When its invoices may be chosen again if the bank never answers.
    released: String,
    /// Not handed to the bank as far as the portal knows: the family may resume it or
    /// give it up.
    may_resume: bool,
}

impl UnderWay {
    fn of(payment: &OnlinePayment, now: Timestamp) -> UnderWay {
        let hour = |at: Timestamp| at.to_zoned_datetime(paris()).strftime("%Hh%M").to_string();
        UnderWay {
            public_id: payment.public_id.clone(),
            purposes: payment.purposes.join(", "),
            amount: payment.amount,
            started: hour(payment.created_at),
            released: hour(payment.released_at()),
            may_resume: payment.may_still_leave(now),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/paiement.html")]
struct PaymentPage {
    layout: Layout,
    csrf: String,
    lines: Vec<WalletLine>,
    total: Cents,
    any_invoiced: bool,
    invoices: Vec<Invoice>,
    under_way: Vec<UnderWay>,
    /// A payment the family has just given up.
    abandoned: bool,
    today: jiff::civil::Date,
    /// The provider's name when the structure takes card payments.
    online: Option<&'static str>,
    needs_email: bool,
    errors: FormErrors,
    typed: Option<TypedCredit>,
}

impl PaymentPage {
    fn solde(&self, amount: &Cents) -> String {
        solde_words(*amount)
    }

    fn period(&self, invoice: &Invoice) -> String {
        month_year(invoice.period.year(), invoice.period.month())
    }

    fn invoice_state(&self, invoice: &Invoice) -> &'static str {
        if invoice.owed.0 <= 0 {
            "Réglée"
        } else if invoice.in_progress {
            "Paiement en cours"
        } else if Debts::is_overdue(invoice.due_on, invoice.owed, self.today) {
            "En retard : échéance dépassée"
        } else {
            "À régler"
        }
    }

    /// Still owed, and waiting for a payment shown above the table.
    fn waits_for_payment(&self, invoice: &Invoice) -> bool {
        invoice.owed.0 > 0 && invoice.in_progress
    }

    fn payable(&self, invoice: &Invoice) -> bool {
        self.online.is_some() && invoice.owed.0 > 0 && !invoice.in_progress
    }

    fn any_payable(&self) -> bool {
        self.invoices.iter().any(|i| self.payable(i))
    }

    fn typed_amount(&self, wallet_id: &WalletId) -> &str {
        self.typed
            .as_ref()
            .filter(|t| t.wallet_id == *wallet_id)
            .map_or("", |t| t.amount.as_str())
    }

    fn amount_error(&self, wallet_id: &WalletId) -> Option<&str> {
        self.typed
            .as_ref()
            .filter(|t| t.wallet_id == *wallet_id)
            .and(self.errors.get("montant"))
    }

    fn email_error(&self, form: &str) -> Option<&str> {
        let credit = self.typed.is_some();
        let this_form = if form == "factures" {
            !credit
        } else {
            self.typed
                .as_ref()
                .is_some_and(|t| form == t.wallet_id.to_string())
        };
        if this_form {
            self.errors.get("email")
        } else {
            None
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PaymentQuery {
    /// « abandonne » after a payment given up.
    #[serde(default)]
    paiement: String,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<PaymentQuery>,
) -> Result<Response, AppError> {
    let abandoned = query.paiement == "abandonne";
    render(&state, &family, FormErrors::default(), None, abandoned).await
}

/// The page, with the errors of a refused payment form if any.
pub(crate) async fn render(
    state: &AppState,
    family: &Family,
    errors: FormErrors,
    typed: Option<TypedCredit>,
    abandoned: bool,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let payments = state.payments();
    let Balance {
        lines,
        invoices,
        under_way,
    } = payments
        .balance(family.id(), family.structure_id(), now, paris_date(now))
        .await?;
    let online = payments
        .usable_regie(family.structure_id())
        .await?
        .map(|r| r.provider.label());
    let shell = Shell::family(state, family, Section::Paiement, "/paiement").await?;
    let page = PaymentPage {
        layout: Layout::new("Paiement et Solde", Some(family.structure.clone())).with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        total: lines.iter().map(|l| l.solde).sum(),
        any_invoiced: lines.iter().any(|l| !l.billing.is_prepaid()),
        lines,
        invoices,
        under_way: under_way.iter().map(|p| UnderWay::of(p, now)).collect(),
        abandoned,
        today: paris_date(now),
        online,
        needs_email: family.account.emails.is_empty(),
        errors,
        typed,
    };
    Ok(Html(page.render()?).into_response())
}

/// A balance with its meaning in words, never by colour or sign alone (the back office's
/// balances say it the same way).
pub(crate) fn solde_words(amount: Cents) -> String {
    match amount.0 {
        0 => amount.to_french(),
        n if n > 0 => format!("{} (crédit)", amount.to_french()),
        _ => format!("{} (à régler)", amount.to_french()),
    }
}

/// One of the family's invoices as a PDF.
pub(crate) async fn invoice(
    State(state): State<AppState>,
    family: Family,
    Path(public_id): Path<String>,
) -> Result<Response, AppError> {
    let detail = state
        .payments()
        .invoice(
            family.id(),
            family.structure_id(),
            &public_id,
            state.clock.now(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
    invoice_document(&detail)
}

/// An invoice's PDF, the same for the family and for the staff.
pub(crate) fn invoice_document(detail: &InvoiceDetail) -> Result<Response, AppError> {
    let invoice = &detail.invoice;
    let doc = InvoiceDoc {
        structure: detail.structure.clone(),
        structure_address: detail.structure_address.clone(),
        wallet: invoice.wallet.clone(),
        number: invoice.number.clone(),
        family: detail.family.clone(),
        family_address: detail.family_address.clone(),
        period: month_year(invoice.period.year(), invoice.period.month()),
        issued_on: invoice.issued_on.strftime("%d/%m/%Y").to_string(),
        due_on: invoice.due_on.strftime("%d/%m/%Y").to_string(),
        lines: detail
            .lines
            .iter()
            .map(|l| InvoiceLine {
                day: l.day.strftime("%d/%m/%Y").to_string(),
                child: l.child.clone(),
                activity: l.activity.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect(),
        total: invoice.amount,
        paid: invoice.amount - invoice.owed,
        remaining: invoice.owed,
    };
    let pdf = invoice_pdf(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(pdf_response(
        &format!("facture-{}.pdf", invoice.number),
        pdf,
    ))
}

/// A PDF the family downloads; private, so never kept by a shared cache.
pub(crate) fn pdf_response(file_name: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}
