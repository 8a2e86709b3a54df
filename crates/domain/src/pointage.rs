//! The pointage (R-BO-6): a day's sheet of who came, and why one is refused.

use jiff::civil::Date;

use crate::french::{long_date, of};

/// Why a pointage was not recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PointageRefusal {
    /// The day has not started yet.
    Future,
    /// A booked child is missing from the sheet.
    Unmarked(String),
    /// A child neither booked nor registered to the activity.
    NotRegistered,
    /// A consommation to remove is already on an invoice.
    Invoiced { child: String, invoice: String },
}

impl PointageRefusal {
    pub fn message(&self, day: Date) -> String {
        match self {
            PointageRefusal::Future => format!(
                "Le {} n'a pas encore commencé : le pointage se fait le jour même ou après.",
                long_date(day)
            ),
            PointageRefusal::Unmarked(child) => {
                format!("Indiquez la présence ou l'absence {}.", of(child))
            }
            PointageRefusal::NotRegistered => {
                "Cet enfant n'est pas inscrit à l'activité : choisissez un enfant de la liste."
                    .to_owned()
            }
            PointageRefusal::Invoiced { child, invoice } => format!(
                "La consommation {} du {} figure déjà sur la facture {invoice} : elle ne peut plus être retirée. Le pointage n'a pas été enregistré.",
                of(child),
                long_date(day)
            ),
        }
    }
}

/// A child's line of the sheet, in the Journal's words.
pub fn mark_word(present: bool, walk_in: bool) -> &'static str {
    match (present, walk_in) {
        (true, false) => "présence",
        (true, true) => "présence sans réservation",
        (false, _) => "absence",
    }
}
