//! Paying online (R-PAY-3, 4): the family chooses what to pay on « Paiement et Solde »,
//! reviews it (RGAA 11.12), leaves for its structure's payment provider and comes back.
//! A payment is settled only by what the provider proves: a signed notification, or the
//! provider's own answer to a server-to-server query; never by what the browser brings.

pub(crate) mod back;
pub(crate) mod choose;
pub(crate) mod notify;
pub mod reconcile;
pub(crate) mod review;

use jiff::Timestamp;
use ribambelle_domain::{clock::Clock, money::Cents};
use ribambelle_payment::{
    Checked, Outcome, PaymentError, ProviderConfig, Regie, simulated::SimulatedBank,
};
use ribambelle_store::{
    Db, StoreError,
    payments::{self, Environment, Provider, Settled, Verdict},
};

/// Where the binary serves its simulated bank (demonstrations, tests).
pub const SIMULATED_BANK_PATH: &str = "/banque-simulee";

/// The simulated bank for the régies of this database that use it (the demo's), to be
/// served under [`SIMULATED_BANK_PATH`]; `None` when no régie does.
pub async fn simulated_bank(
    db: &Db,
    public_url: &str,
    clock: Clock,
) -> Result<Option<SimulatedBank>, SimulatedBankError> {
    let regies = payments::simulated_regies(db).await?;
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

#[derive(Debug, thiserror::Error)]
pub enum SimulatedBankError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bank(#[from] PaymentError),
}

/// The provider of a structure's régie, with the real platforms' addresses, or the
/// simulated bank's under the portal's own address. Building it checks the credentials'
/// format.
pub fn provider(regie: &payments::Regie, public_url: &str) -> Result<Regie, PaymentError> {
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
    Regie::new(config)
}

/// The structure's régie, if families may pay through it here: one on the simulated bank
/// only where that bank is served.
pub(crate) async fn usable_regie(
    state: &crate::AppState,
    structure_id: i64,
) -> Result<Option<payments::Regie>, StoreError> {
    let regie = payments::regie(&state.db, structure_id).await?;
    Ok(regie.filter(|r| r.environment != Environment::Simulated || state.config.simulated_bank))
}

/// Why a régie typed by a person (the back office's form, `ribambelle regie`) is refused.
#[derive(Debug, thiserror::Error)]
pub enum RegieError {
    #[error("Systempay demande le certificat de la plateforme")]
    MissingCertificate,
    #[error("l'identifiant {name} compte {digits} chiffres")]
    MerchantId { name: &'static str, digits: usize },
    #[error("le prestataire n'accepte pas ces identifiants ({0})")]
    Refused(PaymentError),
}

/// A régie as a person typed it, checked the way a payment will use it before it is saved:
/// the merchant id's digits (PayFiP numcli, Systempay shop id), Systempay's certificate,
/// then the provider's own checks. PayFiP has no certificate: one typed is dropped.
pub fn checked_regie(
    structure: (i64, &str),
    provider: Provider,
    environment: Environment,
    merchant: &str,
    certificate: &str,
) -> Result<payments::Regie, RegieError> {
    let secret = match provider {
        Provider::Systempay if certificate.trim().is_empty() => {
            return Err(RegieError::MissingCertificate);
        }
        Provider::Systempay => certificate.trim().to_owned(),
        Provider::PayFip => String::new(),
    };
    let (name, digits) = match provider {
        Provider::PayFip => ("PayFiP (numcli)", 6),
        Provider::Systempay => ("Systempay (boutique)", 8),
    };
    let merchant = merchant.trim();
    if merchant.len() != digits || !merchant.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RegieError::MerchantId { name, digits });
    }
    let regie = payments::Regie {
        structure_id: structure.0,
        structure_name: structure.1.to_owned(),
        provider,
        environment,
        merchant_id: merchant.to_owned(),
        secret,
    };
    // Any address will do: only the credentials are being checked.
    self::provider(&regie, "https://portail.invalid").map_err(RegieError::Refused)?;
    Ok(regie)
}

/// The origin the family's browser is sent to, for the page's `form-action`.
pub(crate) fn provider_origin(regie: &payments::Regie) -> &'static str {
    match (regie.environment, regie.provider) {
        (Environment::Simulated, _) => "'self'",
        (_, Provider::PayFip) => "https://www.payfip.gouv.fr",
        (_, Provider::Systempay) => "https://paiement.systempay.fr",
    }
}

/// Records what the provider proved; a payment still under way, or unknown to the
/// provider, stays as it is.
pub(crate) async fn apply(
    db: &Db,
    checked: &Checked,
    now: Timestamp,
) -> Result<Option<Settled>, StoreError> {
    let verdict = match checked.outcome {
        Outcome::Paid => Verdict::Paid {
            authorisation: checked.provider_reference.clone(),
        },
        Outcome::Refused => Verdict::Refused,
        Outcome::Abandoned => Verdict::Abandoned,
        Outcome::Pending | Outcome::Unknown => return Ok(None),
    };
    let settled = payments::settle(
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
