//! Reservation lists per activity and day, the processing run on demand, and the pointage (R-BO-6).

use crate::routes::Route;

pub(crate) fn routes() -> Vec<Route> {
    Vec::new()
}
