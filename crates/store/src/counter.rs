//! Payments received at the counter (R-BO-7): cash, cheque, CESU or bank transfer, recorded
//! by a gestionnaire for a family. One transaction allocates the payment to the family's
//! invoices (the oldest first, each up to what it still owes) or credits a prepaid wallet,
//! queues the same ticket as an online payment, and writes the audit entry.

use jiff::Timestamp;
use ribambelle_domain::ids::{FamilyId, PaymentId, StaffId, StructureId, WalletId};
use ribambelle_domain::journal::Action;
use ribambelle_domain::money::{
    BillingMode, Cents, CounterRefusal, MAX_AMOUNT, PaymentMode, wallet_credit,
};
use sqlx::Row;

use crate::{Db, StoreError, audit, db_time, outbox, payments};

/// What the payment settles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// These invoices (by public id), the oldest first; none chosen: every invoice the
    /// family still owes at the structure.
    Invoices(Vec<String>),
    /// A prepaid wallet of the structure.
    Credit(WalletId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterPayment {
    pub family_public_id: String,
    pub mode: PaymentMode,
    /// The cheque's number, the transfer's label…; a receipt number is made up when empty.
    pub reference: String,
    pub amount: Cents,
    pub target: Target,
}

/// A recorded counter payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub reference: String,
    /// « Facture F202610-00004 : 5,40 € », or « Crédit du porte-monnaie Restauration ».
    pub allocation: Vec<String>,
    /// Whether a ticket went to the family's first address.
    pub ticket: bool,
}

/// Records a payment received at the structure's counter.
pub async fn record(
    db: &Db,
    staff_id: StaffId,
    structure_id: StructureId,
    payment: &CounterPayment,
    now: Timestamp,
) -> Result<Result<Recorded, CounterRefusal>, StoreError> {
    if payment.amount.0 <= 0 {
        return Ok(Err(CounterRefusal::NotPositive));
    }
    if payment.amount > MAX_AMOUNT {
        return Ok(Err(CounterRefusal::TooLarge));
    }
    let typed = payment.reference.trim();
    if payment.mode == PaymentMode::Cheque && typed.is_empty() {
        return Ok(Err(CounterRefusal::ChequeNumber));
    }
    let mut tx = db.begin().await?;
    let family = sqlx::query(
        "SELECT f.id, f.last_name, f.first_name FROM families f JOIN family_structures fs ON fs.family_id = f.id \
         WHERE f.public_id = $1 AND fs.structure_id = $2",
    )
    .bind(&payment.family_public_id)
    .bind(structure_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(family) = family else {
        return Ok(Err(CounterRefusal::UnknownFamily));
    };
    let family_id: FamilyId = family.get("id");
    let family_name = format!(
        "{} {}",
        family.get::<String, _>("last_name"),
        family.get::<String, _>("first_name")
    );

    // (invoice id, number, part) to allocate, or the wallet credited.
    let (parts, wallet) = match &payment.target {
        Target::Credit(wallet_id) => {
            let wallet: Option<(String, String)> = sqlx::query_as(
                "SELECT name, billing_mode FROM wallets WHERE id = $1 AND structure_id = $2",
            )
            .bind(wallet_id)
            .bind(structure_id)
            .fetch_optional(&mut *tx)
            .await?;
            match wallet {
                Some((name, mode))
                    if BillingMode::from_code(&mode) == Some(BillingMode::Prepaiement) =>
                {
                    (Vec::new(), Some((*wallet_id, name)))
                }
                _ => return Ok(Err(CounterRefusal::NotPrepaid)),
            }
        }
        Target::Invoices(chosen) => {
            match allocation(&mut tx, family_id, structure_id, chosen, payment.amount).await? {
                Ok(parts) => (parts, None),
                Err(refusal) => return Ok(Err(refusal)),
            }
        }
    };

    let reference = if typed.is_empty() {
        payments::new_reference(now)
    } else {
        typed.chars().take(60).collect()
    };
    let payment_id: PaymentId = sqlx::query_scalar(
        "INSERT INTO payments (public_id, family_id, structure_id, wallet_id, amount_cents, mode, reference, state, created_at, paid_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'paye', $8, $8) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(family_id)
    .bind(structure_id)
    .bind(wallet.as_ref().map(|(id, _)| *id))
    .bind(payment.amount.0)
    .bind(payment.mode.code())
    .bind(&reference)
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    let mut allocation = Vec::new();
    for (invoice_id, number, part) in &parts {
        sqlx::query("INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents) VALUES ($1, $2, $3)")
            .bind(payment_id)
            .bind(invoice_id)
            .bind(part.0)
            .execute(&mut *tx)
            .await?;
        allocation.push(format!("Facture {number} : {}", part.to_french()));
    }
    if let Some((_, name)) = &wallet {
        allocation.push(wallet_credit(name));
    }

    let receipt = payments::Receipt {
        payment_id,
        family_id,
        structure_id,
        wallet_id: wallet.as_ref().map(|(id, _)| *id),
        amount: payment.amount,
        how: payment.mode.how(),
        reference: &reference,
        authorisation: None,
        fallback_email: None,
    };
    let ticket = payments::ticket(&mut tx, &receipt, now).await?;
    if let Some(mail) = &ticket {
        outbox::enqueue(&mut tx, mail, now).await?;
    }
    let subject = format!(
        "{family_name}, {} {}",
        payment.mode.label(),
        payment.amount.to_french()
    );
    let after = audit::describe(&[
        ("Mode", payment.mode.label().to_owned()),
        ("Référence", reference.clone()),
        ("Montant", payment.amount.to_french()),
        ("Affectation", allocation.join(" ; ")),
    ]);
    let change = audit::Change {
        staff_id,
        structure_id: Some(structure_id),
        family_id: Some(family_id),
        action: Action::CounterPaymentRecorded,
        subject: &subject,
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(Ok(Recorded {
        reference,
        allocation,
        ticket: ticket.is_some(),
    }))
}

/// Spreads `amount` over the invoices still owed (the chosen ones, or all), oldest first,
/// each up to what it owes; refuses more than they owe together.
async fn allocation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    family_id: FamilyId,
    structure_id: StructureId,
    chosen: &[String],
    amount: Cents,
) -> Result<Result<Vec<(i64, String, Cents)>, CounterRefusal>, StoreError> {
    // Touching the family's invoices first makes a concurrent payment for them (at the
    // counter or online) wait for this one on PostgreSQL, so what they owe is read once.
    sqlx::query("UPDATE invoices SET amount_cents = amount_cents WHERE family_id = $1 AND structure_id = $2")
        .bind(family_id)
        .bind(structure_id)
        .execute(&mut **tx)
        .await?;
    let rows = sqlx::query(
        "SELECT i.id, i.public_id, i.number, i.amount_cents - CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS BIGINT) AS owed \
         FROM invoices i WHERE i.family_id = $1 AND i.structure_id = $2 ORDER BY i.period_month, i.issued_on, i.number",
    )
    .bind(family_id)
    .bind(structure_id)
    .fetch_all(&mut **tx)
    .await?;
    let invoices: Vec<(i64, String, String, Cents)> = rows
        .iter()
        .map(|r| {
            (
                r.get("id"),
                r.get("public_id"),
                r.get("number"),
                Cents(r.get("owed")),
            )
        })
        .collect();
    for public_id in chosen {
        match invoices.iter().find(|(_, p, _, _)| p == public_id) {
            None => return Ok(Err(CounterRefusal::UnknownInvoice)),
            Some((_, _, number, owed)) if owed.0 <= 0 => {
                return Ok(Err(CounterRefusal::AlreadyPaid(number.clone())));
            }
            Some(_) => {}
        }
    }
    let owed: Vec<&(i64, String, String, Cents)> = invoices
        .iter()
        .filter(|(_, p, _, owed)| owed.0 > 0 && (chosen.is_empty() || chosen.contains(p)))
        .collect();
    if owed.is_empty() {
        return Ok(Err(CounterRefusal::NothingOwed));
    }
    let total: Cents = owed.iter().map(|(_, _, _, o)| *o).sum();
    if amount > total {
        return Ok(Err(CounterRefusal::MoreThanOwed(total)));
    }
    let mut left = amount;
    let mut parts = Vec::new();
    for (id, _, number, owes) in owed {
        if left.0 == 0 {
            break;
        }
        let part = Cents(left.0.min(owes.0));
        parts.push((*id, number.clone(), part));
        left -= part;
    }
    Ok(Ok(parts))
}
