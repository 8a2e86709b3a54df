//! Families (R-BO-4): search, the family page, creation and edits, initial passwords and their letter, CSV import.

use crate::routes::Route;

pub(crate) fn routes() -> Vec<Route> {
    Vec::new()
}
