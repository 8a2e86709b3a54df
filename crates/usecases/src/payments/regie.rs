//! A régie as a person typed it (the back office's form, `ribambelle regie`), checked the
//! way a payment will use it before it is saved.

use ribambelle_domain::ids::{StaffId, StructureId};
use ribambelle_payment::PaymentError;

use super::{Environment, Provider, Regie};

/// Why a typed régie is refused.
#[derive(Debug, thiserror::Error)]
pub enum RegieError {
    #[error("Systempay demande le certificat de la plateforme")]
    MissingCertificate,
    #[error("l'identifiant {name} compte {digits} chiffres")]
    MerchantId { name: &'static str, digits: usize },
    #[error("le prestataire n'accepte pas ces identifiants ({0})")]
    Refused(PaymentError),
}

/// The merchant id's digits (PayFiP numcli, Systempay shop id), Systempay's certificate,
/// then the provider's own checks. PayFiP has no certificate: one typed is dropped.
pub fn checked_regie(
    structure: (StructureId, &str),
    provider: Provider,
    environment: Environment,
    merchant: &str,
    certificate: &str,
) -> Result<Regie, RegieError> {
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
    let regie = Regie {
        structure_id: structure.0,
        structure_name: structure.1.to_owned(),
        provider,
        environment,
        merchant_id: merchant.to_owned(),
        secret,
    };
    // Any address will do: only the credentials are being checked.
    super::provider(&regie, "https://portail.invalid").map_err(RegieError::Refused)?;
    Ok(regie)
}

/// A régie as typed in the structure's page.
#[derive(Clone, Copy, Debug)]
pub struct TypedRegie<'a> {
    pub provider: Provider,
    pub environment: Environment,
    pub merchant: &'a str,
    /// Left empty to keep the saved one.
    pub certificate: &'a str,
}

impl super::Payments<'_> {
    /// The structure's régie as saved, whether or not families may pay through it here.
    pub async fn regie(&self, structure: StructureId) -> Result<Option<Regie>, crate::Error> {
        Ok(ribambelle_store::payments::regie(self.db, structure).await?)
    }

    /// « Enregistrer la régie »: checked as a payment will use it, then saved with its
    /// audit row. The saved certificate is kept when the field is left empty, as long as
    /// it is the same platform's: another environment has another certificate.
    pub async fn save_regie(
        &self,
        staff: StaffId,
        structure: (StructureId, &str),
        typed: TypedRegie<'_>,
        now: jiff::Timestamp,
    ) -> Result<Result<(), RegieError>, crate::Error> {
        let certificate = match self.regie(structure.0).await? {
            Some(saved)
                if typed.certificate.trim().is_empty()
                    && saved.provider == typed.provider
                    && saved.environment == typed.environment =>
            {
                saved.secret
            }
            _ => typed.certificate.to_owned(),
        };
        let regie = match checked_regie(
            structure,
            typed.provider,
            typed.environment,
            typed.merchant,
            &certificate,
        ) {
            Ok(regie) => regie,
            Err(refused) => return Ok(Err(refused)),
        };
        ribambelle_store::catalog_admin::save_regie(self.db, staff, &regie, now).await?;
        Ok(Ok(()))
    }
}
