//! What the demo offers: structures, porte-monnaies and activities with their prices.

use jiff::civil::{Date, Weekday};
use ribambelle_domain::ids::{ActivityId, WalletId};
use ribambelle_domain::{
    activity::{PeriodKind, PriceBracket, Schedule, day_price},
    calendar::{SchoolCalendar, SchoolZone},
    money::Cents,
};

pub(super) struct StructureSpec {
    pub slug: &'static str,
    pub name: &'static str,
    pub website_url: &'static str,
    pub accent_color: &'static str,
    pub wallets: &'static [(&'static str, &'static str)],
    pub activities: &'static [ActivitySpec],
}

pub(super) struct ActivitySpec {
    pub name: &'static str,
    pub wallet: &'static str,
    pub period_kind: &'static str,
    pub weekdays: &'static str,
    pub hours: (&'static str, &'static str),
    pub capacity: Option<i64>,
    /// (quotient familial maximum, price in cents); the last line has no maximum.
    pub prices: &'static [(Option<i64>, i64)],
}

pub(super) const CARTEVILLE: StructureSpec = StructureSpec {
    slug: "carteville",
    name: "Mairie de CarteVille",
    website_url: "https://www.carteville.example",
    accent_color: "#1f5f9e",
    wallets: &[
        ("Périscolaire", "facturation"),
        ("Restauration", "prepaiement"),
        ("Loisirs", "facturation"),
    ],
    activities: &[
        ActivitySpec {
            name: "APS MATIN",
            wallet: "Périscolaire",
            period_kind: "scolaire",
            weekdays: "1,2,4,5",
            hours: ("07:30", "08:20"),
            capacity: Some(60),
            prices: &[
                (Some(600), 120),
                (Some(1000), 180),
                (Some(1500), 240),
                (None, 300),
            ],
        },
        ActivitySpec {
            name: "APS SOIR",
            wallet: "Périscolaire",
            period_kind: "scolaire",
            weekdays: "1,2,4,5",
            hours: ("16:30", "18:30"),
            capacity: Some(60),
            prices: &[
                (Some(600), 150),
                (Some(1000), 220),
                (Some(1500), 290),
                (None, 360),
            ],
        },
        ActivitySpec {
            name: "RESTAURATION",
            wallet: "Restauration",
            period_kind: "scolaire",
            weekdays: "1,2,4,5",
            hours: ("11:45", "13:30"),
            capacity: Some(180),
            prices: &[
                (Some(600), 150),
                (Some(1000), 280),
                (Some(1500), 390),
                (None, 450),
            ],
        },
        // Kept small on purpose: the demo families fill it almost completely.
        ActivitySpec {
            name: "MERCREDI",
            wallet: "Loisirs",
            period_kind: "scolaire",
            weekdays: "3",
            hours: ("08:00", "18:00"),
            capacity: Some(14),
            prices: &[
                (Some(600), 500),
                (Some(1000), 900),
                (Some(1500), 1300),
                (None, 1600),
            ],
        },
        ActivitySpec {
            name: "ACCUEIL VACANCES",
            wallet: "Loisirs",
            period_kind: "vacances",
            weekdays: "1,2,3,4,5",
            hours: ("08:00", "18:00"),
            capacity: Some(40),
            prices: &[
                (Some(600), 800),
                (Some(1000), 1200),
                (Some(1500), 1600),
                (None, 2000),
            ],
        },
    ],
};

pub(super) const ECUREUILS: StructureSpec = StructureSpec {
    slug: "ecureuils",
    name: "Centre de loisirs Les Écureuils",
    website_url: "https://www.les-ecureuils.example",
    accent_color: "#2e6b30",
    wallets: &[("Activités", "prepaiement")],
    activities: &[
        ActivitySpec {
            name: "MERCREDI NATURE",
            wallet: "Activités",
            period_kind: "scolaire",
            weekdays: "3",
            hours: ("09:00", "17:00"),
            capacity: Some(24),
            prices: &[(Some(700), 700), (Some(1200), 1000), (None, 1400)],
        },
        ActivitySpec {
            name: "STAGES VACANCES",
            wallet: "Activités",
            period_kind: "vacances",
            weekdays: "1,2,3,4,5",
            hours: ("09:00", "17:00"),
            capacity: Some(20),
            prices: &[(Some(700), 900), (Some(1200), 1300), (None, 1700)],
        },
    ],
};

pub(super) const ZONE: SchoolZone = SchoolZone::C;

/// An activity as loaded, with what the demo needs to place reservations on it.
#[derive(Clone, Debug)]
pub(super) struct Activity {
    pub id: ActivityId,
    pub wallet_id: WalletId,
    pub name: String,
    pub schedule: Schedule,
    pub brackets: Vec<PriceBracket>,
}

impl Activity {
    pub fn is_open(&self, day: Date, calendar: &SchoolCalendar) -> bool {
        self.schedule.is_open(day, calendar)
    }

    pub fn price(&self, quotient_familial: Option<i64>) -> Cents {
        day_price(&self.brackets, quotient_familial)
    }

    pub fn schedule_from(period_kind: &str, weekdays: &str) -> Schedule {
        Schedule {
            period_kind: period_kind
                .parse::<PeriodKind>()
                .expect("demo period kinds are valid"),
            weekdays: ribambelle_domain::activity::parse_weekdays(weekdays)
                .expect("demo weekdays are valid"),
        }
    }
}

pub(super) fn weekday_is(day: Date, days: &[Weekday]) -> bool {
    days.contains(&day.weekday())
}
