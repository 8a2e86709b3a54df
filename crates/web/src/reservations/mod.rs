//! « Réservations »: choose a child (and an activity), the month calendar with its four
//! states and the quick tools, the several-activities day view, the récapitulatif and
//! its confirmation, and the follow-up. Pending changes live on the server.

pub(crate) mod calendar;
pub(crate) mod context;
pub(crate) mod copy;
pub(crate) mod day;
pub(crate) mod follow;
pub(crate) mod ical;
pub(crate) mod recap;
