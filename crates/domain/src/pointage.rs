//! The pointage (R-BO-6): a day's sheet of who came, and why one is refused.

use jiff::civil::Date;

use crate::{
    activity::AbsenceBilling,
    french::{long_date, of},
};

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

/// What the pointage says of a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Present,
    Absent,
    /// Absent with a medical certificate: never billed.
    Excused,
}

impl Presence {
    pub const ALL: [Presence; 3] = [Presence::Present, Presence::Absent, Presence::Excused];

    /// The answers an activity's sheet offers: an excuse only matters where an absence is
    /// billed.
    pub fn choices(rule: AbsenceBilling) -> &'static [Presence] {
        match rule {
            AbsenceBilling::Billed => &[Presence::Present, Presence::Absent, Presence::Excused],
            AbsenceBilling::NotBilled => &[Presence::Present, Presence::Absent],
        }
    }

    /// The form's value.
    pub fn code(self) -> &'static str {
        match self {
            Presence::Present => "present",
            Presence::Absent => "absent",
            Presence::Excused => "excuse",
        }
    }

    pub fn from_code(code: &str) -> Option<Presence> {
        Presence::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Presence::Present => "Présent",
            Presence::Absent => "Absent",
            Presence::Excused => "Absent excusé",
        }
    }

    /// Whether the child's day is billed: the days it came, and under `Billed` the booked
    /// days it missed without an excuse (a child who came without a booking and is then
    /// marked absent had nothing booked to bill).
    pub fn is_billed(self, rule: AbsenceBilling, walk_in: bool) -> bool {
        match self {
            Presence::Present => true,
            Presence::Absent => rule == AbsenceBilling::Billed && !walk_in,
            Presence::Excused => false,
        }
    }

    /// A child's line of the sheet, in the Journal's words.
    pub fn journal_word(self, walk_in: bool) -> &'static str {
        match (self, walk_in) {
            (Presence::Present, false) => "présence",
            (Presence::Present, true) => "présence sans réservation",
            (Presence::Absent, _) => "absence",
            (Presence::Excused, _) => "absence excusée",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absence_is_billed_only_where_the_activity_says_so_and_never_when_excused() {
        use AbsenceBilling::{Billed, NotBilled};
        assert!(Presence::Present.is_billed(NotBilled, false));
        assert!(Presence::Present.is_billed(Billed, true));
        assert!(!Presence::Absent.is_billed(NotBilled, false));
        assert!(Presence::Absent.is_billed(Billed, false));
        assert!(
            !Presence::Absent.is_billed(Billed, true),
            "nothing was booked"
        );
        assert!(!Presence::Excused.is_billed(Billed, false));
        assert_eq!(Presence::choices(NotBilled).len(), 2);
        assert!(Presence::choices(Billed).contains(&Presence::Excused));
        for p in Presence::choices(Billed) {
            assert_eq!(Presence::from_code(p.code()), Some(*p));
        }
        assert_eq!(Presence::from_code("peut-être"), None);
        for rule in AbsenceBilling::ALL {
            assert_eq!(rule.code().parse(), Ok(rule));
        }
        assert!("oui".parse::<AbsenceBilling>().is_err());
    }
}
