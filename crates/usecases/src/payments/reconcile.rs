//! Notifications get lost (PayFiP sends one, once). This job asks the providers about the
//! payments still *en cours* after a few minutes and settles them; one that never ends is
//! given up, so that its invoices can be paid again. A late word from the bank that the
//! money moved still counts (see `payments::settle`).

use std::collections::{HashMap, hash_map::Entry};

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::ids::StructureId;
use ribambelle_payment::{Outcome, PaymentProvider, Regie};
use ribambelle_store::{
    Db, StoreError,
    payments::{self, Settled, Verdict},
};

use super::{apply, provider};

/// Leave the family time to pay before asking.
const ASK_AFTER: SignedDuration = SignedDuration::from_mins(2);
/// PayFiP keeps answering "not finished" for an operation nobody pays; after this long it
/// is treated as abandoned (the research notes' provider practice: 120 minutes).
const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_mins(120);
const BATCH: i64 = 200;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub settled: usize,
    pub given_up: usize,
}

pub(super) async fn run(
    db: &Db,
    public_url: &str,
    now: Timestamp,
) -> Result<Reconciled, StoreError> {
    let mut done = Reconciled::default();
    let mut providers: HashMap<StructureId, Option<Regie>> = HashMap::new();
    for payment in payments::unfinished(db, now - ASK_AFTER, BATCH).await? {
        if let Entry::Vacant(slot) = providers.entry(payment.structure_id) {
            let regie = payments::regie(db, payment.structure_id).await?;
            slot.insert(regie.and_then(|r| {
                provider(&r, public_url)
                    .inspect_err(|e| tracing::error!(%e, "régie misconfigured"))
                    .ok()
            }));
        }
        let bank = providers
            .get(&payment.structure_id)
            .and_then(Option::as_ref);
        // Systempay has no status query: its payments may be at the bank without our knowing.
        let may_be_at_bank =
            payment.provider_id.is_some() || matches!(bank, Some(Regie::Systempay(_)));
        let answer = match (bank, payment.provider_id.as_deref()) {
            (Some(bank), Some(id)) => match bank.status(id).await {
                Ok(answer) => answer,
                Err(error) => {
                    tracing::warn!(%error, reference = %payment.reference, "payment status query failed; next round");
                    continue;
                }
            },
            _ => None,
        };
        match answer {
            Some(checked) if !matches!(checked.outcome, Outcome::Pending | Outcome::Unknown) => {
                if let Some(Settled::Now(_)) = apply(db, &checked, now).await? {
                    done.settled += 1;
                }
            }
            _ if now.duration_since(payment.created_at) >= give_up_after(may_be_at_bank) => {
                if let Settled::Now(_) = payments::settle(
                    db,
                    &payment.reference,
                    payment.amount,
                    &Verdict::Abandoned,
                    now,
                )
                .await?
                {
                    done.given_up += 1;
                }
            }
            _ => {}
        }
    }
    Ok(done)
}

/// A payment known never to have reached the provider (the family stopped at the review
/// page) holds its invoices no longer than the portal's own hold.
fn give_up_after(may_be_at_bank: bool) -> SignedDuration {
    if may_be_at_bank {
        GIVE_UP_AFTER
    } else {
        payments::IN_PROGRESS_HOLD
    }
}
