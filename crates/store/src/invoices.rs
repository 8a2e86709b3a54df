//! A family's invoices (R-PAY-2, *facturation*): what each owes, and everything its PDF
//! shows.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::ids::{FamilyId, StructureId};
use ribambelle_domain::money::Cents;
use sqlx::Row;

use crate::{Db, StoreError, db_time, payments::IN_PROGRESS_HOLD};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub public_id: String,
    pub number: String,
    pub wallet: String,
    /// The first day of the month it bills.
    pub period: Date,
    pub issued_on: Date,
    pub due_on: Date,
    pub amount: Cents,
    /// What is left to pay after the payments allocated to it.
    pub owed: Cents,
    /// A card payment for it is under way.
    pub in_progress: bool,
}

/// The family's invoices at the structure, newest first.
pub async fn list(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    now: Timestamp,
) -> Result<Vec<Invoice>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.public_id, i.number, w.name, i.period_month, i.issued_on, i.due_on, i.amount_cents, \
           i.amount_cents - CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS BIGINT) AS owed, \
           (SELECT COUNT(*) FROM payment_invoices pi JOIN payments p ON p.id = pi.payment_id \
              WHERE pi.invoice_id = i.id AND p.state = 'en_cours' AND p.created_at > $3) AS pending \
         FROM invoices i JOIN wallets w ON w.id = i.wallet_id WHERE i.family_id = $1 AND i.structure_id = $2 \
         ORDER BY i.period_month DESC, i.number DESC",
    )
    .bind(family_id)
    .bind(structure_id)
    .bind(db_time(now - IN_PROGRESS_HOLD))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Invoice {
                public_id: r.get("public_id"),
                number: r.get("number"),
                wallet: r.get("name"),
                period: format!("{}-01", r.get::<String, _>("period_month"))
                    .parse()
                    .map_err(|e| StoreError::corrupt("period_month", e))?,
                issued_on: date(r, "issued_on")?,
                due_on: date(r, "due_on")?,
                amount: Cents(r.get("amount_cents")),
                owed: Cents(r.get("owed")),
                in_progress: r.get::<i64, _>("pending") > 0,
            })
        })
        .collect()
}

fn date(row: &sqlx::any::AnyRow, column: &'static str) -> Result<Date, StoreError> {
    row.get::<String, _>(column)
        .parse()
        .map_err(|e| StoreError::corrupt(column, e))
}

/// One billed day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLine {
    pub day: Date,
    pub child: String,
    pub activity: String,
    pub quantity: i64,
    pub unit_price: Cents,
    pub amount: Cents,
}

/// Everything an invoice's document shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    pub structure: String,
    /// The structure's postal address, line by line.
    pub structure_address: Vec<String>,
    /// « MARTIN Paul »
    pub family: String,
    pub family_address: Vec<String>,
    pub lines: Vec<InvoiceLine>,
}

/// One of the family's invoices with its lines; `None` if it is not the family's.
pub async fn detail(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    public_id: &str,
    now: Timestamp,
) -> Result<Option<InvoiceDetail>, StoreError> {
    let Some(invoice) = list(db, family_id, structure_id, now)
        .await?
        .into_iter()
        .find(|i| i.public_id == public_id)
    else {
        return Ok(None);
    };
    let heading = sqlx::query("SELECT s.name, s.address, f.last_name, f.first_name FROM structures s, families f WHERE s.id = $1 AND f.id = $2")
        .bind(structure_id)
        .bind(family_id)
        .fetch_one(db.reader())
        .await?;
    let rows = sqlx::query(
        "SELECT c.day, ch.first_name, a.name, c.quantity, c.unit_price_cents, c.amount_cents FROM consommations c \
         JOIN invoices i ON i.id = c.invoice_id JOIN children ch ON ch.id = c.child_id JOIN activities a ON a.id = c.activity_id \
         WHERE i.public_id = $1 ORDER BY c.day, ch.birth_date, a.name",
    )
    .bind(public_id)
    .fetch_all(db.reader())
    .await?;
    let lines = rows
        .iter()
        .map(|r| {
            Ok(InvoiceLine {
                day: date(r, "day")?,
                child: r.get("first_name"),
                activity: r.get("name"),
                quantity: r.get("quantity"),
                unit_price: Cents(r.get("unit_price_cents")),
                amount: Cents(r.get("amount_cents")),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(InvoiceDetail {
        invoice,
        structure: heading.get("name"),
        structure_address: crate::catalog_admin::address_lines(
            &heading.get::<String, _>("address"),
        ),
        family: format!(
            "{} {}",
            heading.get::<String, _>("last_name"),
            heading.get::<String, _>("first_name")
        ),
        family_address: crate::dossier::family_address(db, family_id).await?,
        lines,
    }))
}
