//! Online payments (R-PAY-3, 4). A payment is recorded *en cours* before the family leaves
//! for the provider; the provider's verified answer then settles it exactly once: paid
//! (allocated to the chosen invoices or credited to the prepaid wallet, the ticket queued
//! in the same transaction), refused or abandoned. Replayed or concurrent answers find the
//! payment settled and change nothing.

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use ribambelle_domain::ids::{FamilyId, PaymentId, StructureId, WalletId};
use ribambelle_domain::{
    clock::paris,
    family_mails::{self, Parent},
    money::{
        BillingMode, Cents, MAX_AMOUNT, MIN_AMOUNT, PaymentMode, PaymentRefusal, wallet_credit,
    },
};
use sqlx::{Any, Row, Transaction};

use crate::{
    Db, StoreError, db_time,
    outbox::{self, NewMail},
};

/// A payment left unfinished this long (the family closed the bank's page, say) no longer
/// holds its invoices: PayFiP's own operations expire after 15 minutes.
pub const IN_PROGRESS_HOLD: SignedDuration = SignedDuration::from_mins(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    PayFip,
    Systempay,
}

impl Provider {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Provider::PayFip => "payfip",
            Provider::Systempay => "systempay",
        }
    }

    fn parse(code: &str) -> Result<Provider, StoreError> {
        match code {
            "payfip" => Ok(Provider::PayFip),
            "systempay" => Ok(Provider::Systempay),
            other => Err(StoreError::corrupt("regies.provider", other)),
        }
    }

    /// How the family is told where it is going.
    pub fn label(self) -> &'static str {
        match self {
            Provider::PayFip => "PayFiP, le service de paiement en ligne de la DGFiP",
            Provider::Systempay => {
                "Systempay, le service de paiement sécurisé de la banque de la régie"
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// The simulated bank served by the binary itself.
    Simulated,
    Test,
    /// PayFiP's validation phase with the comptable public.
    Activation,
    Production,
}

/// A structure's contract with its payment provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regie {
    pub structure_id: StructureId,
    pub structure_name: String,
    pub provider: Provider,
    pub environment: Environment,
    /// PayFiP numcli or Systempay site id.
    pub merchant_id: String,
    /// Systempay certificate; empty for PayFiP.
    pub secret: String,
}

const REGIE_COLUMNS: &str = "SELECT r.structure_id, s.name, r.provider, r.environment, r.merchant_id, r.secret FROM regies r \
     JOIN structures s ON s.id = r.structure_id";

pub async fn regie(db: &Db, structure_id: StructureId) -> Result<Option<Regie>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REGIE_COLUMNS} WHERE r.structure_id = $1"
    )))
    .bind(structure_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(regie_from).transpose()
}

/// The régies served by the simulated bank, which the binary then serves.
pub async fn simulated_regies(db: &Db) -> Result<Vec<Regie>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REGIE_COLUMNS} WHERE r.environment = 'simulee' ORDER BY r.structure_id"
    )))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(regie_from).collect()
}

fn regie_from(r: &sqlx::any::AnyRow) -> Result<Regie, StoreError> {
    Ok(Regie {
        structure_id: r.get("structure_id"),
        structure_name: r.get("name"),
        provider: Provider::parse(&r.get::<String, _>("provider"))?,
        environment: match r.get::<String, _>("environment").as_str() {
            "simulee" => Environment::Simulated,
            "test" => Environment::Test,
            "activation" => Environment::Activation,
            "production" => Environment::Production,
            other => return Err(StoreError::corrupt("regies.environment", other)),
        },
        merchant_id: r.get("merchant_id"),
        secret: r.get("secret"),
    })
}

/// Sets (or replaces) a structure's régie.
pub async fn set_regie(
    db: &Db,
    structure_id: StructureId,
    provider: Provider,
    environment: Environment,
    merchant_id: &str,
    secret: &str,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    replace_regie(
        &mut tx,
        structure_id,
        provider,
        environment,
        merchant_id,
        secret,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes a structure's régie inside the caller's transaction (the back office records
/// its audit entry in the same one).
pub(crate) async fn replace_regie(
    tx: &mut Transaction<'_, Any>,
    structure_id: StructureId,
    provider: Provider,
    environment: Environment,
    merchant_id: &str,
    secret: &str,
) -> Result<(), StoreError> {
    let environment = match environment {
        Environment::Simulated => "simulee",
        Environment::Test => "test",
        Environment::Activation => "activation",
        Environment::Production => "production",
    };
    sqlx::query("DELETE FROM regies WHERE structure_id = $1")
        .bind(structure_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO regies (structure_id, provider, environment, merchant_id, secret) VALUES ($1, $2, $3, $4, $5)")
        .bind(structure_id)
        .bind(provider.code())
        .bind(environment)
        .bind(merchant_id)
        .bind(secret)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What the family chose to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Invoices, by public id: each is paid for what it still owes.
    Invoices(Vec<String>),
    /// An amount credited to a prepaid wallet.
    Credit { wallet_id: WalletId, amount: Cents },
}

/// A payment recorded *en cours*, ready to be sent to the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub public_id: String,
}

/// Records the family's choice as a payment *en cours*. Amounts come from the database,
/// never from the form: an invoice is paid for what it still owes.
pub async fn begin(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    choice: &Choice,
    email: &str,
    provider: Provider,
    now: Timestamp,
) -> Result<Result<Started, PaymentRefusal>, StoreError> {
    let mut tx = db.begin().await?;
    let (wallet_id, parts) = match choice {
        Choice::Invoices(ids) if ids.is_empty() => return Ok(Err(PaymentRefusal::NothingChosen)),
        Choice::Invoices(ids) => {
            let mut parts = Vec::with_capacity(ids.len());
            for public_id in ids {
                match invoice_owed(&mut tx, family_id, structure_id, public_id, now).await? {
                    Ok(part) => parts.push(part),
                    Err(refusal) => return Ok(Err(refusal)),
                }
            }
            (None, parts)
        }
        Choice::Credit { wallet_id, amount } => {
            let mode: Option<String> = sqlx::query_scalar(
                "SELECT billing_mode FROM wallets WHERE id = $1 AND structure_id = $2",
            )
            .bind(wallet_id)
            .bind(structure_id)
            .fetch_optional(&mut *tx)
            .await?;
            if mode.as_deref().and_then(BillingMode::from_code) != Some(BillingMode::Prepaiement) {
                return Ok(Err(PaymentRefusal::NotPrepaid));
            }
            (Some(*wallet_id), vec![(None, *amount)])
        }
    };
    let amount: Cents = parts.iter().map(|(_, owed)| *owed).sum();
    if amount < MIN_AMOUNT {
        return Ok(Err(PaymentRefusal::TooSmall));
    }
    if amount > MAX_AMOUNT {
        return Ok(Err(PaymentRefusal::TooLarge));
    }
    let public_id = uuid::Uuid::new_v4().to_string();
    let payment_id: PaymentId = sqlx::query_scalar(
        "INSERT INTO payments (public_id, family_id, structure_id, wallet_id, amount_cents, mode, reference, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'carte', $6, 'en_cours', $7) RETURNING id",
    )
    .bind(&public_id)
    .bind(family_id)
    .bind(structure_id)
    .bind(wallet_id)
    .bind(amount.0)
    .bind(new_reference(now))
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO online_payments (payment_id, provider, email, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(payment_id)
        .bind(provider.code())
        .bind(email)
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
    for (invoice_id, owed) in parts
        .iter()
        .filter_map(|(id, owed)| id.map(|id| (id, owed)))
    {
        sqlx::query("INSERT INTO payment_invoices (payment_id, invoice_id, amount_cents) VALUES ($1, $2, $3)")
            .bind(payment_id)
            .bind(invoice_id)
            .bind(owed.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Ok(Started { public_id }))
}

/// What an invoice of the family still owes, unless it is settled or being paid.
async fn invoice_owed(
    tx: &mut Transaction<'_, Any>,
    family_id: FamilyId,
    structure_id: StructureId,
    public_id: &str,
    now: Timestamp,
) -> Result<Result<(Option<i64>, Cents), PaymentRefusal>, StoreError> {
    let row = sqlx::query(
        "SELECT i.id, i.number, i.amount_cents - CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS BIGINT) AS owed, \
           (SELECT COUNT(*) FROM payment_invoices pi JOIN payments p ON p.id = pi.payment_id \
              WHERE pi.invoice_id = i.id AND p.state = 'en_cours' AND p.created_at > $4) AS pending \
         FROM invoices i WHERE i.public_id = $1 AND i.family_id = $2 AND i.structure_id = $3",
    )
    .bind(public_id)
    .bind(family_id)
    .bind(structure_id)
    .bind(db_time(now - IN_PROGRESS_HOLD))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(PaymentRefusal::UnknownInvoice));
    };
    let number: String = row.get("number");
    let owed: i64 = row.get("owed");
    if owed <= 0 {
        return Ok(Err(PaymentRefusal::AlreadyPaid(number)));
    }
    if row.get::<i64, _>("pending") > 0 {
        return Ok(Err(PaymentRefusal::InProgress(number)));
    }
    Ok(Ok((Some(row.get("id")), Cents(owed))))
}

/// Our reference at the provider: letters and digits only, 6 to 30 of them (PayFiP's
/// refdet rule), unique per attempt.
pub(crate) fn new_reference(now: Timestamp) -> String {
    let stamp = now.to_zoned_datetime(paris()).strftime("%Y%m%d%H%M%S");
    format!(
        "RB{stamp}{:08}",
        rand::rng().random_range(0..100_000_000u32)
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentState {
    InProgress,
    Paid,
    Refused,
    Abandoned,
}

impl PaymentState {
    fn parse(code: &str) -> Result<PaymentState, StoreError> {
        match code {
            "en_cours" => Ok(PaymentState::InProgress),
            "paye" => Ok(PaymentState::Paid),
            "refuse" => Ok(PaymentState::Refused),
            "abandonne" => Ok(PaymentState::Abandoned),
            other => Err(StoreError::corrupt("payments.state", other)),
        }
    }
}

/// An online payment as its family sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlinePayment {
    pub id: PaymentId,
    pub public_id: String,
    pub structure_id: StructureId,
    pub reference: String,
    pub amount: Cents,
    pub state: PaymentState,
    pub provider_id: Option<String>,
    pub email: String,
    pub created_at: Timestamp,
    /// « Facture F202610-00001 », or « Crédit du porte-monnaie Cantine ».
    pub purposes: Vec<String>,
}

impl OnlinePayment {
    /// Whether it may still leave for the bank, be resumed or given up: *en cours*, within
    /// its hold, and not handed to the provider as far as the portal knows (PayFiP's
    /// operation not created yet; a Systempay form is posted by the browser unseen).
    pub fn may_still_leave(&self, now: Timestamp) -> bool {
        self.state == PaymentState::InProgress
            && now.duration_since(self.created_at) < IN_PROGRESS_HOLD
            && self.provider_id.is_none()
    }

    /// When its invoices may be paid again if the bank never answers.
    pub fn released_at(&self) -> Timestamp {
        self.created_at + IN_PROGRESS_HOLD
    }
}

/// The family's card payments at the structure still *en cours* within their hold, oldest
/// first: those that keep their invoices from being paid again.
pub async fn under_way(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    now: Timestamp,
) -> Result<Vec<OnlinePayment>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT p.public_id FROM payments p JOIN online_payments o ON o.payment_id = p.id \
         WHERE p.family_id = $1 AND p.structure_id = $2 AND p.state = 'en_cours' AND p.created_at > $3 ORDER BY p.created_at, p.id",
    )
    .bind(family_id)
    .bind(structure_id)
    .bind(db_time(now - IN_PROGRESS_HOLD))
    .fetch_all(db.reader())
    .await?;
    let mut found = Vec::with_capacity(ids.len());
    for public_id in ids {
        found.extend(find(db, family_id, &public_id).await?);
    }
    Ok(found)
}

/// One of the family's online payments, by public id.
pub async fn find(
    db: &Db,
    family_id: FamilyId,
    public_id: &str,
) -> Result<Option<OnlinePayment>, StoreError> {
    let row = sqlx::query(
        "SELECT p.id, p.public_id, p.structure_id, p.reference, p.amount_cents, p.state, p.created_at, o.provider_id, o.email, w.name AS wallet \
         FROM payments p JOIN online_payments o ON o.payment_id = p.id LEFT JOIN wallets w ON w.id = p.wallet_id \
         WHERE p.public_id = $1 AND p.family_id = $2",
    )
    .bind(public_id)
    .bind(family_id)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: PaymentId = row.get("id");
    let mut purposes: Vec<String> = sqlx::query_scalar(
        "SELECT i.number FROM payment_invoices pi JOIN invoices i ON i.id = pi.invoice_id WHERE pi.payment_id = $1 ORDER BY i.number",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await?
    .into_iter()
    .map(|number: String| format!("Facture {number}"))
    .collect();
    if let Some(wallet) = row.get::<Option<String>, _>("wallet") {
        purposes.push(wallet_credit(&wallet));
    }
    Ok(Some(OnlinePayment {
        id,
        public_id: row.get("public_id"),
        structure_id: row.get("structure_id"),
        reference: row.get("reference"),
        amount: Cents(row.get("amount_cents")),
        state: PaymentState::parse(&row.get::<String, _>("state"))?,
        provider_id: row.get("provider_id"),
        email: row.get("email"),
        created_at: crate::parse_db_time(&row.get::<String, _>("created_at"))?,
        purposes,
    }))
}

/// Remembers the provider's own id of the payment (PayFiP's idOp).
pub async fn set_provider_id(
    db: &Db,
    payment_id: PaymentId,
    provider_id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE online_payments SET provider_id = $1, updated_at = $2 WHERE payment_id = $3",
    )
    .bind(provider_id)
    .bind(db_time(now))
    .bind(payment_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// The provider's verified word on a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Paid { authorisation: String },
    Refused,
    Abandoned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The payment changed to this state now.
    Now(PaymentState),
    /// Already settled: a replay or a concurrent notification; nothing changed.
    Unchanged(PaymentState),
    UnknownReference,
    /// The provider reports another amount than the one asked: nothing is recorded.
    AmountMismatch,
}

/// Applies the provider's verdict to the payment with our `reference`, once. A paid
/// payment may still arrive after the payment was given up as abandoned (a late bank
/// notification): money did move, so it is recorded.
pub async fn settle(
    db: &Db,
    reference: &str,
    amount: Cents,
    verdict: &Verdict,
    now: Timestamp,
) -> Result<Settled, StoreError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT p.id, p.family_id, p.structure_id, p.wallet_id, p.amount_cents, p.state, o.email FROM payments p \
         JOIN online_payments o ON o.payment_id = p.id WHERE p.reference = $1",
    )
    .bind(reference)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Settled::UnknownReference);
    };
    let payment_id: PaymentId = row.get("id");
    let state = PaymentState::parse(&row.get::<String, _>("state"))?;
    if row.get::<i64, _>("amount_cents") != amount.0 {
        return Ok(Settled::AmountMismatch);
    }
    // The guard in the statement, not the state read above, decides: a concurrent
    // settlement that committed first leaves nothing for this one to update.
    let (statement, new_state) = match verdict {
        Verdict::Paid { .. } => (
            "UPDATE payments SET state = 'paye', paid_at = $1 WHERE id = $2 AND state <> 'paye'",
            PaymentState::Paid,
        ),
        Verdict::Refused => (
            "UPDATE payments SET state = 'refuse', paid_at = $1 WHERE id = $2 AND state = 'en_cours'",
            PaymentState::Refused,
        ),
        Verdict::Abandoned => (
            "UPDATE payments SET state = 'abandonne', paid_at = $1 WHERE id = $2 AND state = 'en_cours'",
            PaymentState::Abandoned,
        ),
    };
    let changed = sqlx::query(statement)
        .bind(matches!(verdict, Verdict::Paid { .. }).then(|| db_time(now)))
        .bind(payment_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(Settled::Unchanged(state));
    }
    if let Verdict::Paid { authorisation } = verdict {
        sqlx::query(
            "UPDATE online_payments SET authorisation = $1, updated_at = $2 WHERE payment_id = $3",
        )
        .bind(authorisation)
        .bind(db_time(now))
        .bind(payment_id)
        .execute(&mut *tx)
        .await?;
        allocate(&mut tx, payment_id).await?;
        let receipt = Receipt {
            payment_id,
            family_id: row.get("family_id"),
            structure_id: row.get("structure_id"),
            wallet_id: row.get("wallet_id"),
            amount,
            how: PaymentMode::Carte.how(),
            reference,
            authorisation: Some(authorisation),
            fallback_email: Some(row.get("email")),
        };
        if let Some(ticket) = ticket(&mut tx, &receipt, now).await? {
            outbox::enqueue(&mut tx, &ticket, now).await?;
        }
    }
    tx.commit().await?;
    Ok(Settled::Now(new_state))
}

/// Allocates a paid payment to the invoices it was asked for, each up to what it still
/// owes (another payment may have settled part of it meanwhile).
async fn allocate(tx: &mut Transaction<'_, Any>, payment_id: PaymentId) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT pi.invoice_id, pi.amount_cents, i.amount_cents - CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS BIGINT) AS owed \
         FROM payment_invoices pi JOIN invoices i ON i.id = pi.invoice_id WHERE pi.payment_id = $1",
    )
    .bind(payment_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let part = row.get::<i64, _>("amount_cents").min(row.get("owed"));
        if part > 0 {
            sqlx::query("INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents) VALUES ($1, $2, $3)")
                .bind(payment_id)
                .bind(row.get::<i64, _>("invoice_id"))
                .bind(part)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// A paid payment, as its ticket tells it: card payments here, counter payments in
/// [`crate::counter`].
pub(crate) struct Receipt<'a> {
    pub payment_id: PaymentId,
    pub family_id: FamilyId,
    pub structure_id: StructureId,
    /// The prepaid wallet it credits, if any.
    pub wallet_id: Option<WalletId>,
    pub amount: Cents,
    /// « par carte bancaire », « par chèque »…
    pub how: &'a str,
    pub reference: &'a str,
    /// The bank's authorisation number of a card payment.
    pub authorisation: Option<&'a str>,
    /// Where to send it when the family has no address: the one it gave when paying online.
    pub fallback_email: Option<String>,
}

/// The payment ticket, to the family's first address only (R-PROF-2): the one it has now,
/// or the fallback if it has none; `None` when there is nowhere to send it.
pub(crate) async fn ticket(
    tx: &mut Transaction<'_, Any>,
    receipt: &Receipt<'_>,
    now: Timestamp,
) -> Result<Option<NewMail>, StoreError> {
    let payment_id = receipt.payment_id;
    let family = sqlx::query("SELECT f.civility, f.last_name, f.first_name, f.emails, s.name FROM families f, structures s WHERE f.id = $1 AND s.id = $2")
        .bind(receipt.family_id)
        .bind(receipt.structure_id)
        .fetch_one(&mut **tx)
        .await?;
    let first = family
        .get::<String, _>("emails")
        .split(';')
        .map(str::trim)
        .find(|e| !e.is_empty())
        .map(str::to_owned);
    let Some(recipient) = first.or_else(|| receipt.fallback_email.clone()) else {
        return Ok(None);
    };
    let invoices: Vec<(String, i64)> = sqlx::query(
        "SELECT i.number, pa.amount_cents FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id WHERE pa.payment_id = $1 ORDER BY i.number",
    )
    .bind(payment_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| (r.get("number"), r.get("amount_cents")))
    .collect();
    let wallet: Option<String> = match receipt.wallet_id {
        Some(id) => {
            sqlx::query_scalar("SELECT name FROM wallets WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let structure: String = family.get("name");
    let (civility, first_name, last_name): (String, String, String) = (
        family.get("civility"),
        family.get("first_name"),
        family.get("last_name"),
    );
    let invoices: Vec<(String, Cents)> = invoices
        .into_iter()
        .map(|(number, part)| (number, Cents(part)))
        .collect();
    let written = family_mails::receipt(&family_mails::Receipt {
        parent: Parent {
            civility: &civility,
            first_name: &first_name,
            last_name: &last_name,
        },
        how: receipt.how,
        amount: receipt.amount,
        at: now.to_zoned_datetime(paris()).datetime(),
        reference: receipt.reference,
        authorisation: receipt.authorisation,
        structure: &structure,
        invoices: &invoices,
        wallet: wallet.as_deref(),
    });
    Ok(Some(NewMail {
        recipients: vec![recipient],
        subject: written.subject,
        body_text: written.body,
        body_html: None,
    }))
}

/// An online payment still waiting for its provider's word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfinished {
    pub reference: String,
    pub structure_id: StructureId,
    pub amount: Cents,
    pub provider_id: Option<String>,
    pub created_at: Timestamp,
}

/// The online payments still *en cours* that were started before `before`, oldest first,
/// for the reconciliation job.
pub async fn unfinished(
    db: &Db,
    before: Timestamp,
    limit: i64,
) -> Result<Vec<Unfinished>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.reference, p.structure_id, p.amount_cents, p.created_at, o.provider_id FROM payments p \
         JOIN online_payments o ON o.payment_id = p.id WHERE p.state = 'en_cours' AND p.created_at < $1 ORDER BY p.created_at LIMIT $2",
    )
    .bind(db_time(before))
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Unfinished {
                reference: r.get("reference"),
                structure_id: r.get("structure_id"),
                amount: Cents(r.get("amount_cents")),
                provider_id: r.get("provider_id"),
                created_at: crate::parse_db_time(&r.get::<String, _>("created_at"))?,
            })
        })
        .collect()
}
