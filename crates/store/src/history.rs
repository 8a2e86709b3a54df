//! « Historique » (R-HIST-1): a family's consommations of one month and its règlements, at
//! one structure.

use jiff::civil::Date;
use ribambelle_domain::ids::{FamilyId, StructureId};
use ribambelle_domain::money::{Cents, PaymentMode};
use sqlx::Row;

use crate::{Db, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consommation {
    pub day: Date,
    /// « Léa »
    pub child: String,
    pub activity: String,
    pub quantity: i64,
    pub amount: Cents,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reglement {
    /// The day it was paid (Paris time).
    pub paid_at: String,
    /// « Carte bancaire », « Chèque »…
    pub mode: &'static str,
    pub amount: Cents,
    pub reference: String,
}

/// A payment's mode, read from its row.
pub(crate) fn payment_mode(code: &str) -> Result<PaymentMode, StoreError> {
    PaymentMode::from_code(code).ok_or_else(|| StoreError::corrupt("payments.mode", code))
}

/// The consommations of the family's children between `from` and `to` (inclusive) at the
/// structure's activities, by date.
pub async fn consommations(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    from: Date,
    to: Date,
) -> Result<Vec<Consommation>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.day, ch.first_name, a.name, c.quantity, c.amount_cents FROM consommations c \
         JOIN children ch ON ch.id = c.child_id JOIN activities a ON a.id = c.activity_id \
         WHERE c.family_id = $1 AND a.structure_id = $2 AND c.day >= $3 AND c.day <= $4 ORDER BY c.day, ch.birth_date, a.name",
    )
    .bind(family_id)
    .bind(structure_id)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Consommation {
                day: r
                    .get::<String, _>("day")
                    .parse()
                    .map_err(|e| StoreError::corrupt("consommations.day", e))?,
                child: r.get("first_name"),
                activity: r.get("name"),
                quantity: r.get("quantity"),
                amount: Cents(r.get("amount_cents")),
            })
        })
        .collect()
}

/// The family's payments received at the structure since `from` (an instant as stored),
/// newest first.
pub async fn reglements(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    from: &str,
) -> Result<Vec<Reglement>, StoreError> {
    let rows = sqlx::query(
        "SELECT paid_at, mode, amount_cents, reference FROM payments \
         WHERE family_id = $1 AND structure_id = $2 AND state = 'paye' AND paid_at >= $3 ORDER BY paid_at DESC, id DESC",
    )
    .bind(family_id)
    .bind(structure_id)
    .bind(from)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Reglement {
                paid_at: r.get("paid_at"),
                mode: payment_mode(&r.get::<String, _>("mode"))?.label(),
                amount: Cents(r.get("amount_cents")),
                reference: r.get("reference"),
            })
        })
        .collect()
}
