//! Billing (R-PAY-2). Accepted days become consommations once they have passed, at the
//! price they were booked at; then each finished month's consommations of a *facturation*
//! wallet become one numbered invoice per family. Both steps can run again after a crash or
//! on several instances at once without billing a day twice.

use jiff::{ToSpan, civil::Date};
use sqlx::Row;

use crate::{Db, StoreError};

/// Days before an invoice falls due.
const PAYMENT_TERM_DAYS: i32 = 30;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BillingSummary {
    pub consommations: u64,
    pub invoices: u64,
}

/// Records the consommations of the days before `today` and invoices every month before
/// `today`'s.
pub async fn run(db: &Db, today: Date) -> Result<BillingSummary, StoreError> {
    let consommations = record_consommations(db, today).await?;
    let invoices = issue_invoices(db, today).await?;
    Ok(BillingSummary { consommations, invoices })
}

async fn record_consommations(db: &Db, today: Date) -> Result<u64, StoreError> {
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO consommations (family_id, child_id, activity_id, day, quantity, unit_price_cents, amount_cents) \
         SELECT r.family_id, r.child_id, r.activity_id, r.day, 1, r.amount_cents, r.amount_cents FROM reservations r \
         WHERE r.state = 'acceptee' AND r.day < $1 \
           AND NOT EXISTS (SELECT 1 FROM consommations c WHERE c.child_id = r.child_id AND c.activity_id = r.activity_id AND c.day = r.day) \
           AND NOT EXISTS (SELECT 1 FROM attendance t WHERE t.activity_id = r.activity_id AND t.day = r.day) \
         ON CONFLICT (child_id, activity_id, day) DO NOTHING",
    )
    .bind(today.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(inserted)
}

async fn issue_invoices(db: &Db, today: Date) -> Result<u64, StoreError> {
    let month_start = today.first_of_month();
    let mut tx = db.begin().await?;
    let groups = sqlx::query(
        "SELECT c.family_id, a.structure_id, a.wallet_id, SUBSTR(c.day, 1, 7) AS month FROM consommations c \
         JOIN activities a ON a.id = c.activity_id JOIN wallets w ON w.id = a.wallet_id \
         WHERE c.invoice_id IS NULL AND w.billing_mode = 'facturation' AND c.day < $1 \
         GROUP BY c.family_id, a.structure_id, a.wallet_id, SUBSTR(c.day, 1, 7) ORDER BY 4, 2, 1, 3",
    )
    .bind(month_start.to_string())
    .fetch_all(&mut *tx)
    .await?;
    let mut issued = 0;
    let mut numbering: Option<(String, i64)> = None;
    for group in &groups {
        let month: String = group.get("month");
        let period: Date = format!("{month}-01").parse().map_err(|e| StoreError::corrupt("consommations.day", e))?;
        let prefix = format!("F{}-", period.strftime("%Y%m"));
        let last = match &numbering {
            Some((known, last)) if *known == prefix => *last,
            _ => last_number(&mut tx, &prefix).await?,
        };
        let number = last + 1;
        numbering = Some((prefix.clone(), number));
        let invoice_id: i64 = sqlx::query_scalar(
            "INSERT INTO invoices (public_id, number, family_id, structure_id, wallet_id, period_month, amount_cents, issued_on, due_on) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(format!("{prefix}{number:05}"))
        .bind(group.get::<i64, _>("family_id"))
        .bind(group.get::<i64, _>("structure_id"))
        .bind(group.get::<i64, _>("wallet_id"))
        .bind(&month)
        .bind(today.to_string())
        .bind((today + PAYMENT_TERM_DAYS.days()).to_string())
        .fetch_one(&mut *tx)
        .await?;
        // The invoice's amount is what it actually took: on PostgreSQL another instance may
        // have billed these days since the groups were read.
        let attached = sqlx::query(
            "UPDATE consommations SET invoice_id = $1 WHERE family_id = $2 AND invoice_id IS NULL AND day >= $3 AND day < $4 \
             AND activity_id IN (SELECT id FROM activities WHERE wallet_id = $5)",
        )
        .bind(invoice_id)
        .bind(group.get::<i64, _>("family_id"))
        .bind(period.to_string())
        .bind((period + 1.month()).to_string())
        .bind(group.get::<i64, _>("wallet_id"))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if attached == 0 {
            sqlx::query("DELETE FROM invoices WHERE id = $1").bind(invoice_id).execute(&mut *tx).await?;
            continue;
        }
        sqlx::query("UPDATE invoices SET amount_cents = CAST((SELECT SUM(amount_cents) FROM consommations WHERE invoice_id = $1) AS BIGINT) WHERE id = $1")
            .bind(invoice_id)
            .execute(&mut *tx)
            .await?;
        issued += 1;
    }
    tx.commit().await?;
    Ok(issued)
}

/// The highest sequence number used for invoices starting with `prefix` (« F202610- »).
async fn last_number(tx: &mut sqlx::Transaction<'_, sqlx::Any>, prefix: &str) -> Result<i64, StoreError> {
    let numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM invoices WHERE number LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_all(&mut **tx)
        .await?;
    Ok(numbers.iter().filter_map(|n| n.strip_prefix(prefix)?.parse::<i64>().ok()).max().unwrap_or(0))
}
