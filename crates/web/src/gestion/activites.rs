//! Structures and activities (R-BO-2, 3): settings, prices, calendars, capacities, deadlines, registrations.

use crate::routes::Route;

pub(crate) fn routes() -> Vec<Route> {
    Vec::new()
}
