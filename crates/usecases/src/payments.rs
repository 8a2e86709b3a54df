//! Paying online (R-PAY-3, 4): the family's choice becomes a payment *en cours*, leaves for
//! its structure's payment provider and comes back. A payment is settled only by what the
//! provider proves: a signed notification, or the provider's own answer to a
//! server-to-server query; never by what the browser brings.

mod balance;
mod reconcile;
mod regie;

use jiff::Timestamp;
use ribambelle_domain::{
    clock::{Clock, paris},
    ids::{FamilyId, StructureId},
    money::Cents,
};
use ribambelle_payment::{
    Checked, Departure, Outcome, PaymentError, PaymentProvider, PaymentRequest,
    simulated::SimulatedBank,
};
use ribambelle_store::{
    Db, StoreError,
    payments::{self as store, Settled, Verdict},
};

pub use balance::{Balance, Invoice, InvoiceDetail, WalletLine};
pub use reconcile::Reconciled;
pub use regie::{RegieError, TypedRegie, checked_regie};
pub use ribambelle_domain::money::PaymentRefusal;
pub use ribambelle_store::payments::{
    Choice, Environment, IN_PROGRESS_HOLD, OnlinePayment, PaymentState, Provider, Regie, Started,
};

use crate::Error;

/// Where the binary serves its simulated bank (demonstrations, tests).
pub const SIMULATED_BANK_PATH: &str = "/banque-simulee";

/// The payments of one portal: its database, the address families and providers reach
/// it at, and whether it serves the simulated bank (never in production, where anyone
/// could open operations there and have it settle payments).
#[derive(Clone, Copy, Debug)]
pub struct Payments<'a> {
    pub db: &'a Db,
    pub public_url: &'a str,
    pub simulated_bank: bool,
}

/// A payment that may still leave for the bank, with its régie.
#[derive(Clone, Debug)]
pub struct Departing {
    pub payment: OnlinePayment,
    pub regie: Regie,
}

/// What becomes of a provider's server-to-server notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notification {
    /// Verified, and recorded if it said something new.
    Accepted,
    /// Unsigned, forged, for an unknown payment or for another amount: nothing recorded.
    Refused,
    /// The provider could not be asked to confirm it; it will notify again.
    CannotVerify,
}

impl Payments<'_> {
    /// The structure's régie, if families may pay through it here: one on the simulated
    /// bank only where that bank is served.
    pub async fn usable_regie(&self, structure: StructureId) -> Result<Option<Regie>, Error> {
        let regie = store::regie(self.db, structure).await?;
        Ok(regie.filter(|r| r.environment != Environment::Simulated || self.simulated_bank))
    }

    /// « Payer »: records the family's choice as a payment *en cours* with its structure's
    /// provider, amounts read from the database; or says why the choice cannot be paid.
    pub async fn pay(
        &self,
        family: FamilyId,
        structure: StructureId,
        choice: &Choice,
        receipt_to: &str,
        provider: Provider,
        now: Timestamp,
    ) -> Result<Result<Started, PaymentRefusal>, Error> {
        Ok(store::begin(
            self.db, family, structure, choice, receipt_to, provider, now,
        )
        .await?)
    }

    /// A family without any address gives one for its receipt: it becomes its first.
    pub async fn keep_receipt_address(
        &self,
        family: FamilyId,
        address: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        crate::accounts::set_family_emails(self.db, family, &[address.to_owned()], now).await
    }

    /// The family's payment, and whether it may still leave for the bank: `Err` with the
    /// payment when it has left, ended or waited too long (its return page then says how
    /// it stands); `None` when the family has no such payment.
    pub async fn departing(
        &self,
        family: FamilyId,
        public_id: &str,
        now: Timestamp,
    ) -> Result<Option<Result<Departing, OnlinePayment>>, Error> {
        let Some(payment) = store::find(self.db, family, public_id).await? else {
            return Ok(None);
        };
        let Some(regie) = store::regie(self.db, payment.structure_id).await? else {
            return Ok(None);
        };
        if !payment.may_still_leave(now) {
            return Ok(Some(Err(payment)));
        }
        Ok(Some(Ok(Departing { payment, regie })))
    }

    /// Systempay: the signed form the family's browser posts straight to the bank.
    pub async fn bank_form(
        &self,
        departing: &Departing,
        now: Timestamp,
    ) -> Result<(String, Vec<(String, String)>), Error> {
        let bank = provider(&departing.regie, self.public_url)?;
        Ok(match bank.start(&self.request(departing, now)).await? {
            Departure::Form { action, fields } => (action, fields),
            Departure::Redirect { url, .. } => (url, Vec::new()),
        })
    }

    /// PayFiP: « Confirmer et payer » creates the operation at the DGFiP and gives the
    /// address of its payment page. A provider that refuses or does not answer gives the
    /// payment up at once (`None`), so that its invoices can be paid again.
    pub async fn leave_for_bank(
        &self,
        departing: &Departing,
        now: Timestamp,
    ) -> Result<Option<String>, Error> {
        let payment = &departing.payment;
        let bank = provider(&departing.regie, self.public_url)?;
        match bank.start(&self.request(departing, now)).await {
            Ok(Departure::Redirect { url, provider_id }) => {
                if let Some(id) = provider_id {
                    store::set_provider_id(self.db, payment.id, &id, now).await?;
                }
                Ok(Some(url))
            }
            Ok(Departure::Form { .. }) => Err(Error::Unexpected(
                "a form departure for a redirect provider",
            )),
            Err(error) => {
                tracing::warn!(%error, reference = %payment.reference, "payment provider refused or unreachable");
                self.give_up(departing, now).await?;
                Ok(None)
            }
        }
    }

    /// « Modifier mon choix »: the payment never left, so it is given up at once and its
    /// invoices can be chosen again. False when the bank's word came first (its payment
    /// ended otherwise, paid most of all): the family is then shown how it ended.
    pub async fn give_up(&self, departing: &Departing, now: Timestamp) -> Result<bool, Error> {
        let payment = &departing.payment;
        let settled = store::settle(
            self.db,
            &payment.reference,
            payment.amount,
            &Verdict::Abandoned,
            now,
        )
        .await?;
        Ok(settled == Settled::Now(PaymentState::Abandoned))
    }

    /// The family is back from the payment site: a payment still *en cours* is settled
    /// from the signed return (Systempay) or the provider's answer (PayFiP) if either says
    /// how it ended, then read again as it now stands. A failure to ask is not the
    /// family's: the payment stays *en cours* for the notification or the reconciliation.
    pub async fn come_back(
        &self,
        family: FamilyId,
        public_id: &str,
        returned: &[(String, String)],
        now: Timestamp,
    ) -> Result<Option<OnlinePayment>, Error> {
        let Some(payment) = store::find(self.db, family, public_id).await? else {
            return Ok(None);
        };
        if payment.state != PaymentState::InProgress {
            return Ok(Some(payment));
        }
        let structure = payment.structure_id;
        if let Some(regie) = self.usable_regie(structure).await? {
            let bank = provider(&regie, self.public_url)?;
            let answer = match (regie.provider, payment.provider_id.as_deref()) {
                (Provider::Systempay, _) if returned.iter().any(|(k, _)| k == "signature") => {
                    bank.confirm(returned).await.map(Some)
                }
                (Provider::PayFip, Some(id)) => bank.status(id).await,
                _ => Ok(None),
            };
            match answer {
                Ok(Some(checked)) => {
                    apply(self.db, &checked, now).await?;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, reference = %payment.reference, "payment return not verified")
                }
            }
        }
        Ok(store::find(self.db, family, public_id).await?)
    }

    /// The provider's notification for a structure's régie. Nothing in it is believed as
    /// such: a Systempay notification must carry a valid signature, and a PayFiP one only
    /// names an operation, which the portal then asks PayFiP about. Replays settle nothing
    /// twice. `None` when the structure has no usable régie.
    pub async fn receive_notification(
        &self,
        structure: StructureId,
        fields: &[(String, String)],
        now: Timestamp,
    ) -> Result<Option<Notification>, Error> {
        let Some(regie) = self.usable_regie(structure).await? else {
            return Ok(None);
        };
        let bank = provider(&regie, self.public_url)?;
        let checked = match bank.confirm(fields).await {
            Ok(checked) => checked,
            Err(error @ PaymentError::Network(_)) => {
                tracing::warn!(%error, %structure, "payment notification: provider unreachable to verify it");
                return Ok(Some(Notification::CannotVerify));
            }
            Err(error) => {
                tracing::warn!(%error, %structure, "payment notification refused");
                return Ok(Some(Notification::Refused));
            }
        };
        Ok(Some(match apply(self.db, &checked, now).await? {
            Some(Settled::AmountMismatch | Settled::UnknownReference) => Notification::Refused,
            Some(Settled::Now(_) | Settled::Unchanged(_)) | None => Notification::Accepted,
        }))
    }

    /// The régie's job: asks the providers about the payments left *en cours* and settles
    /// them, or gives up those that never end.
    pub async fn reconcile(&self, now: Timestamp) -> Result<Reconciled, Error> {
        Ok(reconcile::run(self.db, self.public_url, now).await?)
    }

    /// What the provider is asked for, with the addresses the portal answers on: the
    /// notification per structure, the return per payment.
    fn request(&self, departing: &Departing, now: Timestamp) -> PaymentRequest {
        let Departing { payment, regie } = departing;
        let base = self.public_url;
        PaymentRequest {
            reference: payment.reference.clone(),
            amount_cents: payment.amount.0,
            email: payment.email.clone(),
            label: format!("{} {}", regie.structure_name, payment.purposes.join(" ")),
            notify_url: format!("{base}/paiement/notification/{}", regie.structure_id),
            return_url: format!("{base}/paiement/{}/retour", payment.public_id),
            year: now.to_zoned_datetime(paris()).year(),
            // Systempay wants a number unique per day below 900000; ids cycle far slower.
            trans_id: u32::try_from(payment.id.get().rem_euclid(900_000)).unwrap_or(0),
            now,
        }
    }
}

/// The simulated bank for the régies of this database that use it (the demo's), to be
/// served under [`SIMULATED_BANK_PATH`]; `None` when no régie does.
pub async fn simulated_bank(
    db: &Db,
    public_url: &str,
    clock: Clock,
) -> Result<Option<SimulatedBank>, Error> {
    let regies = store::simulated_regies(db).await?;
    if regies.is_empty() {
        return Ok(None);
    }
    let shops = regies
        .iter()
        .filter(|r| r.provider == Provider::Systempay)
        .map(|r| (r.merchant_id.clone(), r.secret.clone()))
        .collect();
    Ok(Some(SimulatedBank::new(
        format!("{public_url}{SIMULATED_BANK_PATH}"),
        shops,
        clock,
    )?))
}

/// The provider of a structure's régie, with the real platforms' addresses, or the
/// simulated bank's under the portal's own address. Building it checks the credentials'
/// format.
pub fn provider(
    regie: &Regie,
    public_url: &str,
) -> Result<ribambelle_payment::Regie, PaymentError> {
    use ribambelle_payment::ProviderConfig;
    let simulated = regie.environment == Environment::Simulated;
    let bank = format!("{public_url}{SIMULATED_BANK_PATH}");
    let config = match regie.provider {
        Provider::PayFip => {
            let (ws_url, pay_url) = if simulated {
                (
                    format!("{bank}/tpa/services/securite"),
                    format!("{bank}/tpa/paiementws.web"),
                )
            } else {
                (
                    "https://www.payfip.gouv.fr/tpa/services/securite".to_owned(),
                    "https://www.payfip.gouv.fr/tpa/paiementws.web".to_owned(),
                )
            };
            let saisie = match regie.environment {
                Environment::Simulated | Environment::Test => 'T',
                Environment::Activation => 'X',
                Environment::Production => 'W',
            };
            ProviderConfig::PayFip {
                numcli: regie.merchant_id.clone(),
                saisie,
                ws_url,
                pay_url,
            }
        }
        Provider::Systempay => ProviderConfig::Systempay {
            site_id: regie.merchant_id.clone(),
            production: regie.environment == Environment::Production,
            certificate: regie.secret.clone(),
            url: if simulated {
                format!("{bank}/vads-payment/")
            } else {
                "https://paiement.systempay.fr/vads-payment/".to_owned()
            },
        },
    };
    ribambelle_payment::Regie::new(config)
}

/// The origin the family's browser is sent to, for the page's `form-action`.
pub fn bank_origin(regie: &Regie) -> &'static str {
    match (regie.environment, regie.provider) {
        (Environment::Simulated, _) => "'self'",
        (_, Provider::PayFip) => "https://www.payfip.gouv.fr",
        (_, Provider::Systempay) => "https://paiement.systempay.fr",
    }
}

/// Records what the provider proved; a payment still under way, or unknown to the
/// provider, stays as it is.
async fn apply(db: &Db, checked: &Checked, now: Timestamp) -> Result<Option<Settled>, StoreError> {
    let verdict = match checked.outcome {
        Outcome::Paid => Verdict::Paid {
            authorisation: checked.provider_reference.clone(),
        },
        Outcome::Refused => Verdict::Refused,
        Outcome::Abandoned => Verdict::Abandoned,
        Outcome::Pending | Outcome::Unknown => return Ok(None),
    };
    let settled = store::settle(
        db,
        &checked.reference,
        Cents(checked.amount_cents),
        &verdict,
        now,
    )
    .await?;
    match settled {
        Settled::AmountMismatch => {
            tracing::warn!(reference = %checked.reference, amount = checked.amount_cents, "payment provider reported another amount: ignored")
        }
        Settled::UnknownReference => {
            tracing::warn!(reference = %checked.reference, "payment provider reported an unknown reference: ignored")
        }
        Settled::Now(state) => {
            tracing::info!(reference = %checked.reference, ?state, "payment settled")
        }
        Settled::Unchanged(_) => {}
    }
    Ok(Some(settled))
}
