//! The back office's « Facturation » (R-FAC): a structure's month previewed then issued as
//! invoices, its invoices and règlements listed and exported, payments recorded at the
//! counter, and the families' balances. Each function is about one structure, which the
//! caller has checked is in the staff member's scope.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::ids::{StaffId, StructureId};
use ribambelle_store::{Db, accounting, billing, counter, invoices, wallets};

pub use ribambelle_store::{
    accounting::{Balances, FamilyBalance, FamilyRef, InvoicesOf, Received, StaffInvoice},
    billing::{Issued, MonthNotFinished, Preview},
    counter::{CounterPayment, Recorded, Target},
};

pub use ribambelle_domain::money::CounterRefusal;

use crate::{
    Error,
    payments::{Invoice, InvoiceDetail, WalletLine},
};

/// What « Émettre les factures » would issue for the month: each family's lines.
pub async fn preview(db: &Db, structure: StructureId, month: Date) -> Result<Preview, Error> {
    Ok(billing::preview(db, structure, month).await?)
}

/// « Émettre les factures du mois », but for the families `excluded`; a month not
/// finished yet is refused.
pub async fn issue(
    db: &Db,
    staff: StaffId,
    structure: StructureId,
    month: Date,
    excluded: &[String],
    now: Timestamp,
) -> Result<Result<Issued, MonthNotFinished>, Error> {
    Ok(billing::issue(db, staff, structure, month, excluded, now).await?)
}

/// The month's invoices: issued in it, or for its period; only those still owed.
pub async fn invoices(
    db: &Db,
    structure: StructureId,
    month: Date,
    of: InvoicesOf,
    only_due: bool,
) -> Result<Vec<StaffInvoice>, Error> {
    Ok(accounting::invoices(db, structure, month, of, only_due).await?)
}

/// An invoice by public id with its lines, if it is of one of `scope`'s structures.
pub async fn invoice(
    db: &Db,
    scope: &[StructureId],
    public_id: &str,
    now: Timestamp,
) -> Result<Option<InvoiceDetail>, Error> {
    let Some((family, structure)) = accounting::invoice_owner(db, public_id).await? else {
        return Ok(None);
    };
    if !scope.contains(&structure) {
        return Ok(None);
    }
    Ok(invoices::detail(db, family, structure, public_id, now).await?)
}

/// The règlements received from `from` to `to`, whatever their mode.
pub async fn received(
    db: &Db,
    structure: StructureId,
    from: Date,
    to: Date,
) -> Result<Vec<Received>, Error> {
    Ok(accounting::received(db, structure, from, to).await?)
}

/// Every family's balance at the structure, with the totals.
pub async fn balances(db: &Db, structure: StructureId) -> Result<Balances, Error> {
    Ok(accounting::balances(db, structure).await?)
}

/// A family of the structure, by public id.
pub async fn family(
    db: &Db,
    structure: StructureId,
    public_id: &str,
) -> Result<Option<FamilyRef>, Error> {
    Ok(accounting::family(db, structure, public_id).await?)
}

/// The structure's families whose name or identifiant holds `text`.
pub async fn find_families(
    db: &Db,
    structure: StructureId,
    text: &str,
) -> Result<Vec<FamilyRef>, Error> {
    Ok(accounting::find_families(db, structure, text).await?)
}

/// What a family may pay at the counter: its invoices still owed, newest first, and its
/// prepaid wallets.
pub async fn payable(
    db: &Db,
    structure: StructureId,
    family: &FamilyRef,
    now: Timestamp,
    today: Date,
) -> Result<(Vec<Invoice>, Vec<WalletLine>), Error> {
    let mut owed: Vec<Invoice> = invoices::list(db, family.id, structure, now)
        .await?
        .into_iter()
        .filter(|i| i.owed.0 > 0)
        .collect();
    owed.reverse();
    let prepaid = wallets::wallet_lines(db, family.id, structure, today)
        .await?
        .into_iter()
        .filter(|w| w.billing.is_prepaid())
        .collect();
    Ok((owed, prepaid))
}

/// « Enregistrer le règlement » at the counter: cash, cheque, CESU… against invoices or
/// a wallet, with its receipt queued when the family has an address.
pub async fn record_payment(
    db: &Db,
    staff: StaffId,
    structure: StructureId,
    payment: &CounterPayment,
    now: Timestamp,
) -> Result<Result<Recorded, CounterRefusal>, Error> {
    Ok(counter::record(db, staff, structure, payment, now).await?)
}

/// When a règlement was received (`None` for a value the database should never hold).
pub fn paid_at(received: &Received) -> Option<Timestamp> {
    ribambelle_store::parse_db_time(&received.paid_at).ok()
}
