//! Billing (R-PAY-2, R-BO-7). Accepted days become consommations once they have passed, at
//! the price they were booked at (every night); a gestionnaire then previews a finished
//! month of a structure and issues its invoices: one numbered invoice per family and
//! *facturation* wallet. Both steps can run again, after a crash or on several instances at
//! once, without billing a day twice.

use ribambelle_domain::ids::{FamilyId, StaffId, StructureId, WalletId};
use std::collections::BTreeMap;

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{
    family_mails::{self, IssuedInvoice},
    french::month_year,
    journal::Action,
    money::Cents,
};
use sqlx::Row;

use crate::{
    Db, StoreError, audit,
    outbox::{self, NewMail},
};

/// Days before an invoice falls due.
const PAYMENT_TERM_DAYS: i32 = 30;

/// Records the consommations of the days before `today` (the nightly job); returns how many.
/// Invoices are issued by a gestionnaire, month by month ([`issue`]).
pub async fn run(db: &Db, today: Date) -> Result<u64, StoreError> {
    record_consommations(db, today).await
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

/// What one family's invoice for one wallet will be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewLine {
    pub family_public_id: String,
    /// « DUPONT Jean-Paul »
    pub family: String,
    pub wallet: String,
    /// The consommations it bills (a child's day at one activity).
    pub days: i64,
    pub amount: Cents,
}

/// A month of a structure before its invoices are issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    pub lines: Vec<PreviewLine>,
    pub total: Cents,
    /// Invoices already issued for that month, and their total.
    pub issued: i64,
    pub issued_total: Cents,
}

/// Only a finished month can be invoiced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthNotFinished;

/// The month's uninvoiced consommations of the structure's *facturation* wallets, grouped
/// as they would be invoiced, by family name.
pub async fn preview(
    db: &Db,
    structure_id: StructureId,
    month: Date,
) -> Result<Preview, StoreError> {
    let groups = groups(db.reader(), structure_id, month).await?;
    let (issued, issued_total): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM invoices WHERE structure_id = $1 AND period_month = $2",
    )
    .bind(structure_id)
    .bind(month.strftime("%Y-%m").to_string())
    .fetch_one(db.reader())
    .await?;
    Ok(Preview {
        total: groups.iter().map(|g| g.line.amount).sum(),
        lines: groups.into_iter().map(|g| g.line).collect(),
        issued,
        issued_total: Cents(issued_total),
    })
}

struct Group {
    family_id: FamilyId,
    wallet_id: WalletId,
    emails: String,
    greeting: String,
    line: PreviewLine,
}

async fn groups<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    executor: E,
    structure_id: StructureId,
    month: Date,
) -> Result<Vec<Group>, StoreError> {
    let month = month.first_of_month();
    let rows = sqlx::query(
        "SELECT c.family_id, f.public_id, f.civility, f.last_name, f.first_name, f.emails, a.wallet_id, w.name, \
           COUNT(*) AS days, CAST(SUM(c.amount_cents) AS BIGINT) AS amount FROM consommations c \
         JOIN activities a ON a.id = c.activity_id JOIN wallets w ON w.id = a.wallet_id JOIN families f ON f.id = c.family_id \
         WHERE c.invoice_id IS NULL AND w.billing_mode = 'facturation' AND a.structure_id = $1 AND c.day >= $2 AND c.day < $3 \
         GROUP BY c.family_id, f.public_id, f.civility, f.last_name, f.first_name, f.emails, a.wallet_id, w.name \
         ORDER BY f.last_name, f.first_name, c.family_id, a.wallet_id",
    )
    .bind(structure_id)
    .bind(month.to_string())
    .bind((month + 1.month()).to_string())
    .fetch_all(executor)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let (last, first): (String, String) = (r.get("last_name"), r.get("first_name"));
            Group {
                family_id: r.get("family_id"),
                wallet_id: r.get("wallet_id"),
                emails: r.get("emails"),
                greeting: format!("{} {first} {last}", r.get::<String, _>("civility")),
                line: PreviewLine {
                    family_public_id: r.get("public_id"),
                    family: format!("{last} {first}"),
                    wallet: r.get("name"),
                    days: r.get("days"),
                    amount: Cents(r.get("amount")),
                },
            }
        })
        .collect())
}

/// What one issuing did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issued {
    pub invoices: u64,
    pub total: Cents,
}

/// Issues the invoices of `month` at the structure, as [`preview`] shows them, except for
/// the `excluded` families (by public id); each family with an address is told by mail;
/// the staff member's audit entry goes in the same transaction. Issuing a month again
/// issues only what was not invoiced yet (nothing, usually).
pub async fn issue(
    db: &Db,
    staff_id: StaffId,
    structure_id: StructureId,
    month: Date,
    excluded: &[String],
    now: Timestamp,
) -> Result<Result<Issued, MonthNotFinished>, StoreError> {
    let today = ribambelle_domain::clock::paris_date(now);
    let month = month.first_of_month();
    if month >= today.first_of_month() {
        return Ok(Err(MonthNotFinished));
    }
    let prefix = format!("F{}-", month.strftime("%Y%m"));
    let mut tx = db.begin().await?;
    // Taken first, so that a concurrent issuing of any structure for this month waits, then
    // finds its days invoiced and the numbers used.
    sqlx::query(
        "INSERT INTO invoice_numbering (prefix) VALUES ($1) ON CONFLICT (prefix) DO NOTHING",
    )
    .bind(&prefix)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE invoice_numbering SET prefix = prefix WHERE prefix = $1")
        .bind(&prefix)
        .execute(&mut *tx)
        .await?;
    let mut number = last_number(&mut tx, &prefix).await?;
    let mut issued = Issued::default();
    // Per family: its greeting, its addresses, and the invoices it is told of.
    let mut told: BTreeMap<FamilyId, (String, String, Vec<IssuedInvoice>)> = BTreeMap::new();
    let due_on = today + PAYMENT_TERM_DAYS.days();
    for group in groups(&mut *tx, structure_id, month).await? {
        if excluded.contains(&group.line.family_public_id) {
            continue;
        }
        number += 1;
        let invoice_number = format!("{prefix}{number:05}");
        let invoice_id: i64 = sqlx::query_scalar(
            "INSERT INTO invoices (public_id, number, family_id, structure_id, wallet_id, period_month, amount_cents, issued_on, due_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&invoice_number)
        .bind(group.family_id)
        .bind(structure_id)
        .bind(group.wallet_id)
        .bind(month.strftime("%Y-%m").to_string())
        .bind(group.line.amount.0)
        .bind(today.to_string())
        .bind(due_on.to_string())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE consommations SET invoice_id = $1 WHERE family_id = $2 AND invoice_id IS NULL AND day >= $3 AND day < $4 \
             AND activity_id IN (SELECT id FROM activities WHERE wallet_id = $5)",
        )
        .bind(invoice_id)
        .bind(group.family_id)
        .bind(month.to_string())
        .bind((month + 1.month()).to_string())
        .bind(group.wallet_id)
        .execute(&mut *tx)
        .await?;
        // A consommation recorded late (between the groups' reading and now) is billed too:
        // the invoice says what it actually took.
        let amount: i64 = sqlx::query_scalar(
            "SELECT CAST(SUM(amount_cents) AS BIGINT) FROM consommations WHERE invoice_id = $1",
        )
        .bind(invoice_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE invoices SET amount_cents = $1 WHERE id = $2")
            .bind(amount)
            .bind(invoice_id)
            .execute(&mut *tx)
            .await?;
        issued.invoices += 1;
        issued.total += Cents(amount);
        let entry = told
            .entry(group.family_id)
            .or_insert_with(|| (group.greeting.clone(), group.emails.clone(), Vec::new()));
        entry.2.push(IssuedInvoice {
            number: invoice_number,
            wallet: group.line.wallet.clone(),
            amount: Cents(amount),
        });
    }
    if issued.invoices == 0 {
        tx.rollback().await?;
        return Ok(Ok(issued));
    }
    let structure: String = sqlx::query_scalar("SELECT name FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(&mut *tx)
        .await?;
    let period = month_year(month.year(), month.month());
    for (greeting, emails, invoices) in told.values() {
        let Some(first) = emails.split(';').map(str::trim).find(|e| !e.is_empty()) else {
            continue;
        };
        let written = family_mails::invoices_issued(greeting, month, invoices, due_on, &structure);
        let mail = NewMail {
            recipients: vec![first.to_owned()],
            subject: written.subject,
            body_text: written.body,
            body_html: None,
        };
        outbox::enqueue(&mut tx, &mail, now).await?;
    }
    let subject = format!(
        "{period}, {} facture{}, {}",
        issued.invoices,
        if issued.invoices > 1 { "s" } else { "" },
        issued.total.to_french()
    );
    let after = (!excluded.is_empty())
        .then(|| audit::describe(&[("Familles exclues", excluded.len().to_string())]));
    let change = audit::Change {
        staff_id,
        structure_id: Some(structure_id),
        family_id: None,
        action: Action::InvoicesIssued,
        subject: &subject,
        before: None,
        after,
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(Ok(issued))
}

/// The highest sequence number used for invoices starting with `prefix` (« F202610- »).
async fn last_number(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    prefix: &str,
) -> Result<i64, StoreError> {
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT number FROM invoices WHERE number LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_all(&mut **tx)
            .await?;
    Ok(numbers
        .iter()
        .filter_map(|n| n.strip_prefix(prefix)?.parse::<i64>().ok())
        .max()
        .unwrap_or(0))
}
