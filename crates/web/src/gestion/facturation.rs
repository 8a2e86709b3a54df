//! Billing (R-BO-7): the monthly invoicing run, payments at the counter, balances, the accounting export.

use crate::routes::Route;

pub(crate) fn routes() -> Vec<Route> {
    Vec::new()
}
