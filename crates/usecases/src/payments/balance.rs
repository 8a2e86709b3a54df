//! « Paiement et Solde »: the balance of each porte-monnaie and the family's invoices.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::ids::{FamilyId, StructureId};
use ribambelle_store::{invoices, payments, wallets};

pub use ribambelle_store::{
    invoices::{Invoice, InvoiceDetail},
    payments::OnlinePayment,
    wallets::WalletLine,
};

use crate::Error;

#[derive(Clone, Debug, Default)]
pub struct Balance {
    pub lines: Vec<WalletLine>,
    pub invoices: Vec<Invoice>,
    /// Card payments begun and not settled yet, whose invoices wait for them.
    pub under_way: Vec<OnlinePayment>,
}

impl super::Payments<'_> {
    pub async fn balance(
        &self,
        family: FamilyId,
        structure: StructureId,
        now: Timestamp,
        today: Date,
    ) -> Result<Balance, Error> {
        let (family, structure) = (family, structure);
        Ok(Balance {
            lines: wallets::wallet_lines(self.db, family, structure, today).await?,
            invoices: invoices::list(self.db, family, structure, now).await?,
            under_way: payments::under_way(self.db, family, structure, now).await?,
        })
    }

    /// One of the family's invoices, with its lines, for its PDF.
    pub async fn invoice(
        &self,
        family: FamilyId,
        structure: StructureId,
        public_id: &str,
        now: Timestamp,
    ) -> Result<Option<InvoiceDetail>, Error> {
        Ok(invoices::detail(self.db, family, structure, public_id, now).await?)
    }
}
