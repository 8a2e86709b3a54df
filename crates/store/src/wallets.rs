//! « Paiement et Solde » (R-PAY-1, 2): the family's balance per porte-monnaie at one
//! structure. A *facturation* wallet owes what its invoices leave unpaid; a *prépaiement*
//! wallet holds its payments minus what was consumed, and shows what its coming days cost.

use jiff::civil::Date;
use ribambelle_domain::booking::Debts;
use ribambelle_domain::ids::{FamilyId, StructureId, WalletId};
use ribambelle_domain::money::{BillingMode, Cents};
use sqlx::Row;

use crate::{Db, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletLine {
    pub id: WalletId,
    pub name: String,
    pub billing: BillingMode,
    /// Positive: in credit; negative: owed.
    pub solde: Cents,
    /// Prepaid only: the price of the accepted days still to come.
    pub cout_estime: Cents,
    /// Prepaid only: the price of the days asked for and not decided yet, or waiting.
    pub montant_reservations: Cents,
}

/// A wallet's balance from its sums (the back office's grouped balances use it too): a
/// prepaid wallet holds its payments minus what was consumed, an invoiced one owes what its
/// invoices leave unpaid.
pub(crate) fn solde(
    billing: BillingMode,
    credited: i64,
    consumed: i64,
    invoiced: i64,
    allocated: i64,
) -> Cents {
    if billing.is_prepaid() {
        Cents(credited - consumed)
    } else {
        Cents(allocated - invoiced)
    }
}

/// What a wallet's balance is computed from (`solde`), for the family `$1`.
const SOLDE_SUMS: &str = "\
    CAST(COALESCE((SELECT SUM(p.amount_cents) FROM payments p WHERE p.wallet_id = w.id AND p.family_id = $1 AND p.state = 'paye'), 0) AS BIGINT) AS credited, \
    CAST(COALESCE((SELECT SUM(c.amount_cents) FROM consommations c JOIN activities a ON a.id = c.activity_id \
       WHERE a.wallet_id = w.id AND c.family_id = $1), 0) AS BIGINT) AS consumed, \
    CAST(COALESCE((SELECT SUM(i.amount_cents) FROM invoices i WHERE i.wallet_id = w.id AND i.family_id = $1), 0) AS BIGINT) AS invoiced, \
    CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id \
       WHERE i.wallet_id = w.id AND i.family_id = $1), 0) AS BIGINT) AS allocated";

/// A stored billing mode, read once where its row is.
pub(crate) fn billing_mode(code: String) -> Result<BillingMode, StoreError> {
    BillingMode::from_code(&code).ok_or_else(|| StoreError::corrupt("wallets.billing_mode", code))
}

fn solde_of(r: &sqlx::any::AnyRow) -> Result<Cents, StoreError> {
    let get = |c: &str| -> i64 { r.get(c) };
    Ok(solde(
        billing_mode(r.get("billing_mode"))?,
        get("credited"),
        get("consumed"),
        get("invoiced"),
        get("allocated"),
    ))
}

/// The family's balance at a structure, all its wallets together, without the coming
/// days' amounts: what the back office's family search shows.
pub async fn balance(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
) -> Result<Cents, StoreError> {
    let sql =
        format!("SELECT w.billing_mode, {SOLDE_SUMS} FROM wallets w WHERE w.structure_id = $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(family_id)
        .bind(structure_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(solde_of).sum()
}

/// What the family owes at a structure for the débiteur rule (`Debts`): each invoice past
/// its due date (`Debts::is_overdue`, written here as SQL) for what it still owes, each
/// prepaid porte-monnaie for what it is below zero. One statement: every calendar reads it.
pub async fn debts(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    today: Date,
) -> Result<Debts, StoreError> {
    let sql = format!(
        "SELECT w.billing_mode, {SOLDE_SUMS}, \
           CAST(COALESCE((SELECT SUM(CASE WHEN o.owed > 0 THEN o.owed ELSE 0 END) FROM \
              (SELECT i.amount_cents - COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS owed \
               FROM invoices i WHERE i.wallet_id = w.id AND i.family_id = $1 AND i.due_on < $3) o), 0) AS BIGINT) AS overdue \
         FROM wallets w WHERE w.structure_id = $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(family_id)
        .bind(structure_id)
        .bind(today.to_string())
        .fetch_all(db.reader())
        .await?;
    let mut debts = Debts::default();
    for r in &rows {
        if billing_mode(r.get("billing_mode"))?.is_prepaid() {
            debts.overdrawn_prepaid += Cents((-solde_of(r)?.0).max(0));
        } else {
            debts.overdue_invoices += Cents(r.get::<i64, _>("overdue").max(0));
        }
    }
    Ok(debts)
}

pub async fn wallet_lines(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    today: Date,
) -> Result<Vec<WalletLine>, StoreError> {
    let sql = format!(
        "SELECT w.id, w.name, w.billing_mode, {SOLDE_SUMS}, \
           CAST(COALESCE((SELECT SUM(r.amount_cents) FROM reservations r JOIN activities a ON a.id = r.activity_id \
              WHERE a.wallet_id = w.id AND r.family_id = $1 AND r.day >= $3 AND r.state = 'acceptee'), 0) AS BIGINT) AS accepted, \
           CAST(COALESCE((SELECT SUM(r.amount_cents) FROM reservations r JOIN activities a ON a.id = r.activity_id \
              WHERE a.wallet_id = w.id AND r.family_id = $1 AND r.day >= $3 AND r.state IN ('non_transmise', 'attente')), 0) AS BIGINT) AS asked \
         FROM wallets w WHERE w.structure_id = $2 ORDER BY w.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(family_id)
        .bind(structure_id)
        .bind(today.to_string())
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| {
            let get = |c: &str| -> i64 { r.get(c) };
            let billing = billing_mode(r.get("billing_mode"))?;
            let solde = solde_of(r)?;
            let (cout_estime, montant_reservations) = if billing.is_prepaid() {
                (Cents(get("accepted")), Cents(get("asked")))
            } else {
                (Cents::ZERO, Cents::ZERO)
            };
            Ok(WalletLine {
                id: r.get("id"),
                name: r.get("name"),
                billing,
                solde,
                cout_estime,
                montant_reservations,
            })
        })
        .collect()
}
