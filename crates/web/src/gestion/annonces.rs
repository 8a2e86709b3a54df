//! Announcements and the versioned texts (R-BO-5).

use crate::routes::Route;

pub(crate) fn routes() -> Vec<Route> {
    Vec::new()
}
