//! The family portal's sections.

pub(crate) mod history;
pub(crate) mod home;
pub(crate) mod payment;
pub(crate) mod profile;
pub(crate) mod switch;
