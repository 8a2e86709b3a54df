//! The back office's billing reads (R-BO-7): a structure's invoices with what each still
//! owes, the payments received over a period (online and at the counter) with their
//! allocation, every family's balance per porte-monnaie in one grouped query, and the
//! families a gestionnaire records a payment for.

use ribambelle_domain::ids::{FamilyId, StructureId, WalletId};
use std::collections::HashMap;

use jiff::{
    ToSpan,
    civil::{Date, Time},
};
use ribambelle_domain::{
    clock::paris_instant,
    money::{BillingMode, Cents, InvoiceState, PaymentMode, wallet_credit},
};
use sqlx::Row;

use crate::{Db, StoreError, db_time, history::payment_mode, wallets};

/// One invoice as the gestionnaire lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffInvoice {
    pub public_id: String,
    pub number: String,
    pub family_public_id: String,
    /// « MARTIN Paul »
    pub family: String,
    pub wallet: String,
    /// The first day of the month it bills.
    pub period: Date,
    pub issued_on: Date,
    pub due_on: Date,
    pub amount: Cents,
    pub owed: Cents,
}

impl StaffInvoice {
    pub fn state(&self) -> InvoiceState {
        InvoiceState::of(self.amount, self.owed)
    }
}

/// Which invoices of a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoicesOf {
    /// Those billing the month's consommations.
    Period,
    /// Those issued during the month (the accounting export).
    Issue,
}

/// The structure's invoices of `month` by family name, optionally only those still owing.
pub async fn invoices(
    db: &Db,
    structure_id: StructureId,
    month: Date,
    of: InvoicesOf,
    only_due: bool,
) -> Result<Vec<StaffInvoice>, StoreError> {
    let month = month.first_of_month();
    // « 2026-10 » and « 2026-10-01 » both sort as text.
    let (within, format) = match of {
        InvoicesOf::Period => ("i.period_month >= $2 AND i.period_month < $3", "%Y-%m"),
        InvoicesOf::Issue => ("i.issued_on >= $2 AND i.issued_on < $3", "%Y-%m-%d"),
    };
    let (from, to) = (
        month.strftime(format).to_string(),
        (month + 1.month()).strftime(format).to_string(),
    );
    let order = match of {
        InvoicesOf::Period => "f.last_name, f.first_name, i.number",
        InvoicesOf::Issue => "i.number",
    };
    let sql = format!(
        "SELECT * FROM (SELECT i.public_id, i.number, f.public_id AS family_public_id, f.last_name, f.first_name, w.name AS wallet, i.period_month, \
           i.issued_on, i.due_on, i.amount_cents, \
           i.amount_cents - CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS BIGINT) AS owed \
         FROM invoices i JOIN families f ON f.id = i.family_id JOIN wallets w ON w.id = i.wallet_id \
         WHERE i.structure_id = $1 AND {within} ORDER BY {order}) listed WHERE ($4 = 0 OR owed > 0)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(structure_id)
        .bind(from)
        .bind(to)
        .bind(i64::from(only_due))
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StaffInvoice {
                public_id: r.get("public_id"),
                number: r.get("number"),
                family_public_id: r.get("family_public_id"),
                family: format!(
                    "{} {}",
                    r.get::<String, _>("last_name"),
                    r.get::<String, _>("first_name")
                ),
                wallet: r.get("wallet"),
                period: date(
                    &format!("{}-01", r.get::<String, _>("period_month")),
                    "period_month",
                )?,
                issued_on: date(&r.get::<String, _>("issued_on"), "issued_on")?,
                due_on: date(&r.get::<String, _>("due_on"), "due_on")?,
                amount: Cents(r.get("amount_cents")),
                owed: Cents(r.get("owed")),
            })
        })
        .collect()
}

fn date(text: &str, column: &'static str) -> Result<Date, StoreError> {
    text.parse().map_err(|e| StoreError::corrupt(column, e))
}

/// The family and structure of an invoice, for the staff's copy of its PDF.
pub async fn invoice_owner(
    db: &Db,
    public_id: &str,
) -> Result<Option<(FamilyId, StructureId)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT family_id, structure_id FROM invoices WHERE public_id = $1")
            .bind(public_id)
            .fetch_optional(db.reader())
            .await?,
    )
}

/// A payment received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// As stored (UTC).
    pub paid_at: String,
    pub family_public_id: String,
    pub family: String,
    /// « Chèque »
    pub mode: &'static str,
    pub online: bool,
    pub reference: String,
    pub amount: Cents,
    /// « Facture F202610-00004 : 5,40 € », « Crédit du porte-monnaie Restauration ».
    pub allocation: Vec<String>,
}

/// The structure's payments received from `from` to `to` (Paris days, both included),
/// oldest first.
pub async fn received(
    db: &Db,
    structure_id: StructureId,
    from: Date,
    to: Date,
) -> Result<Vec<Received>, StoreError> {
    let start = db_time(paris_instant(from, Time::midnight()));
    let end = db_time(paris_instant(to + 1.day(), Time::midnight()));
    let rows = sqlx::query(
        "SELECT p.id, p.paid_at, p.mode, p.reference, p.amount_cents, f.public_id, f.last_name, f.first_name, w.name AS wallet FROM payments p \
         JOIN families f ON f.id = p.family_id LEFT JOIN wallets w ON w.id = p.wallet_id \
         WHERE p.structure_id = $1 AND p.state = 'paye' AND p.paid_at >= $2 AND p.paid_at < $3 ORDER BY p.paid_at, p.id",
    )
    .bind(structure_id)
    .bind(&start)
    .bind(&end)
    .fetch_all(db.reader())
    .await?;
    let parts = sqlx::query(
        "SELECT pa.payment_id, i.number, pa.amount_cents FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id \
         JOIN invoices i ON i.id = pa.invoice_id WHERE p.structure_id = $1 AND p.state = 'paye' AND p.paid_at >= $2 AND p.paid_at < $3 ORDER BY i.number",
    )
    .bind(structure_id)
    .bind(&start)
    .bind(&end)
    .fetch_all(db.reader())
    .await?;
    let mut allocations: HashMap<i64, Vec<String>> = HashMap::new();
    for part in &parts {
        allocations
            .entry(part.get("payment_id"))
            .or_default()
            .push(format!(
                "Facture {} : {}",
                part.get::<String, _>("number"),
                Cents(part.get("amount_cents")).to_french()
            ));
    }
    rows.iter()
        .map(|r| {
            let mode = payment_mode(&r.get::<String, _>("mode"))?;
            let mut allocation = allocations
                .remove(&r.get::<i64, _>("id"))
                .unwrap_or_default();
            if let Some(wallet) = r.get::<Option<String>, _>("wallet") {
                allocation.push(wallet_credit(&wallet));
            }
            Ok(Received {
                paid_at: r.get("paid_at"),
                family_public_id: r.get("public_id"),
                family: format!(
                    "{} {}",
                    r.get::<String, _>("last_name"),
                    r.get::<String, _>("first_name")
                ),
                online: mode == PaymentMode::Carte,
                mode: mode.label(),
                reference: r.get("reference"),
                amount: Cents(r.get("amount_cents")),
                allocation,
            })
        })
        .collect()
}

/// A wallet of the structure, as a column of the balances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletColumn {
    pub id: WalletId,
    pub name: String,
    pub billing: BillingMode,
}

/// One family's balances at the structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyBalance {
    pub family_id: FamilyId,
    pub public_id: String,
    pub family: String,
    /// In the order of the wallet columns; positive: in credit, negative: owed.
    pub soldes: Vec<Cents>,
    pub total: Cents,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balances {
    pub wallets: Vec<WalletColumn>,
    /// Débiteurs first (the largest debt first), then by name.
    pub families: Vec<FamilyBalance>,
}

/// Every family of the structure with its balance per porte-monnaie, computed as
/// « Paiement et Solde » does ([`wallets::wallet_lines`]), but for all families at once:
/// one grouped statement per kind of sum instead of one query per family.
pub async fn balances(db: &Db, structure_id: StructureId) -> Result<Balances, StoreError> {
    let wallet_rows = sqlx::query(
        "SELECT id, name, billing_mode FROM wallets WHERE structure_id = $1 ORDER BY id",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    let wallets = wallet_rows
        .iter()
        .map(|r| {
            Ok(WalletColumn {
                id: r.get("id"),
                name: r.get("name"),
                billing: wallets::billing_mode(r.get("billing_mode"))?,
            })
        })
        .collect::<Result<Vec<WalletColumn>, StoreError>>()?;
    let families = sqlx::query(
        "SELECT f.id, f.public_id, f.last_name, f.first_name FROM families f JOIN family_structures fs ON fs.family_id = f.id WHERE fs.structure_id = $1",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    // (family, wallet) → [credited, consumed, invoiced, allocated]
    let mut sums: HashMap<(FamilyId, WalletId), [i64; 4]> = HashMap::new();
    let grouped = [
        "SELECT family_id, wallet_id, CAST(SUM(amount_cents) AS BIGINT) AS total FROM payments \
         WHERE structure_id = $1 AND state = 'paye' AND wallet_id IS NOT NULL GROUP BY family_id, wallet_id",
        "SELECT c.family_id, a.wallet_id, CAST(SUM(c.amount_cents) AS BIGINT) AS total FROM consommations c JOIN activities a ON a.id = c.activity_id \
         WHERE a.structure_id = $1 GROUP BY c.family_id, a.wallet_id",
        "SELECT family_id, wallet_id, CAST(SUM(amount_cents) AS BIGINT) AS total FROM invoices WHERE structure_id = $1 GROUP BY family_id, wallet_id",
        "SELECT i.family_id, i.wallet_id, CAST(SUM(pa.amount_cents) AS BIGINT) AS total FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id \
         WHERE i.structure_id = $1 GROUP BY i.family_id, i.wallet_id",
    ];
    for (k, sql) in grouped.into_iter().enumerate() {
        for r in sqlx::query(sql)
            .bind(structure_id)
            .fetch_all(db.reader())
            .await?
        {
            sums.entry((r.get("family_id"), r.get("wallet_id")))
                .or_default()[k] += r.get::<i64, _>("total");
        }
    }
    let mut families: Vec<FamilyBalance> = families
        .iter()
        .map(|r| {
            let family_id: FamilyId = r.get("id");
            let soldes: Vec<Cents> = wallets
                .iter()
                .map(|w| {
                    let [credited, consumed, invoiced, allocated] =
                        sums.get(&(family_id, w.id)).copied().unwrap_or_default();
                    wallets::solde(w.billing, credited, consumed, invoiced, allocated)
                })
                .collect();
            FamilyBalance {
                family_id,
                public_id: r.get("public_id"),
                family: format!(
                    "{} {}",
                    r.get::<String, _>("last_name"),
                    r.get::<String, _>("first_name")
                ),
                total: soldes.iter().sum(),
                soldes,
            }
        })
        .collect();
    families.sort_by(|a, b| {
        a.total
            .0
            .min(0)
            .cmp(&b.total.0.min(0))
            .then_with(|| a.family.cmp(&b.family))
    });
    Ok(Balances { wallets, families })
}

/// A family of the structure, for the counter payment form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyRef {
    pub id: FamilyId,
    pub public_id: String,
    pub identifiant: String,
    pub family: String,
}

const FAMILY_COLUMNS: &str = "SELECT f.id, f.public_id, f.identifiant, f.last_name, f.first_name FROM families f \
     JOIN family_structures fs ON fs.family_id = f.id WHERE fs.structure_id = $1";

fn family_ref(r: &sqlx::any::AnyRow) -> FamilyRef {
    FamilyRef {
        id: r.get("id"),
        public_id: r.get("public_id"),
        identifiant: r.get("identifiant"),
        family: format!(
            "{} {}",
            r.get::<String, _>("last_name"),
            r.get::<String, _>("first_name")
        ),
    }
}

/// A family of the structure by public id.
pub async fn family(
    db: &Db,
    structure_id: StructureId,
    public_id: &str,
) -> Result<Option<FamilyRef>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{FAMILY_COLUMNS} AND f.public_id = $2"
    )))
    .bind(structure_id)
    .bind(public_id)
    .fetch_optional(db.reader())
    .await?;
    Ok(row.as_ref().map(family_ref))
}

/// The structure's families whose name or identifiant contains `text` (at most 20).
pub async fn find_families(
    db: &Db,
    structure_id: StructureId,
    text: &str,
) -> Result<Vec<FamilyRef>, StoreError> {
    let pattern = format!("%{}%", text.trim().to_lowercase().replace(['%', '_'], ""));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{FAMILY_COLUMNS} AND (LOWER(f.last_name) LIKE $2 OR LOWER(f.first_name) LIKE $2 OR LOWER(f.identifiant) LIKE $2) \
         ORDER BY f.last_name, f.first_name LIMIT 20"
    )))
    .bind(structure_id)
    .bind(pattern)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.iter().map(family_ref).collect())
}
