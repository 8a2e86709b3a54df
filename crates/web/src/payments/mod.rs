//! Paying online (R-PAY-3, 4): the family chooses what to pay on « Paiement et Solde »,
//! reviews it (RGAA 11.12), leaves for its structure's payment provider and comes back.
//! What each step does is `ribambelle_usecases::payments`; here are its pages.

pub(crate) mod back;
pub(crate) mod choose;
pub(crate) mod notify;
pub(crate) mod review;

use ribambelle_usecases::payments::Payments;

use crate::AppState;

impl AppState {
    /// This portal's payments, as the use cases see them.
    pub(crate) fn payments(&self) -> Payments<'_> {
        Payments {
            db: &self.db,
            public_url: &self.config.public_url,
            simulated_bank: self.config.simulated_bank,
        }
    }
}
