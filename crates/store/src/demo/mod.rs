//! Demo data: a town hall, its activities and calendar, and families in every situation a
//! newcomer wants to try, plus synthetic families for benchmarks. Dates are relative to
//! the day the data is loaded, so the demo always shows the current months.

mod catalog;
mod fixed;
mod requests;
mod synthetic;

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::{
    clock::Clock,
    password::{HashError, PasswordHashing},
};

use sqlx::{Any, Transaction};

use crate::{Db, StoreError, db_time, portal};

pub use requests::add_requests;
pub use synthetic::SyntheticReport;

/// An account a newcomer can log in with; printed by `serve --demo` and listed in the README.
#[derive(Clone, Copy, Debug)]
pub struct DemoAccount {
    pub who: &'static str,
    pub identifiant: &'static str,
    pub password: &'static str,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        who: "Famille DUPONT (première connexion)",
        identifiant: "dupont",
        password: "bienvenue",
    },
    DemoAccount {
        who: "Famille MARTIN",
        identifiant: "martin",
        password: "Martin-Demo-2026!",
    },
    DemoAccount {
        who: "Gestionnaire (/gestion)",
        identifiant: "gestion",
        password: "Gestion-Demo-2026!",
    },
    DemoAccount {
        who: "Animateur de CarteVille (/gestion, consultation seulement)",
        identifiant: "animateur",
        password: "Animateur-Demo-2026!",
    },
    DemoAccount {
        who: "Administrateur (/gestion, personnel)",
        identifiant: "admin",
        password: "Admin-Demo-2026!",
    },
];

/// The password of every synthetic family (`famille000001`, …), for load tests.
pub const SYNTHETIC_PASSWORD: &str = "Famille-Demo-2026!";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "la base de données contient déjà des données : les données de démonstration ne sont chargées que dans une base vide"
    )]
    NotEmpty,
    #[error(
        "les familles de test demandent les données de démonstration : lancez d'abord `ribambelle demo`"
    )]
    NoDemo,
    #[error(
        "{activity} n'ouvre aucun jour dans les {horizon_days} prochains jours : aucune demande ajoutée"
    )]
    NoOpenDay { activity: String, horizon_days: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// The day after `day`; the demo's dates are far from the calendar's end, but an error beats
/// a panic if a clock ever says otherwise.
pub(crate) fn next_day(day: jiff::civil::Date) -> Result<jiff::civil::Date, DemoError> {
    day.tomorrow()
        .map_err(|e| DemoError::Store(StoreError::Reference(format!("date after {day}: {e}"))))
}

impl From<sqlx::Error> for DemoError {
    fn from(e: sqlx::Error) -> Self {
        DemoError::Store(e.into())
    }
}

/// Loads the fixed demo (structures, activities, DUPONT, MARTIN, the gestionnaire…) into
/// an empty database, in one transaction, dated by `clock`; a moved clock is kept by the
/// database (see [`saved_clock`]).
pub async fn load(db: &Db, hashing: &PasswordHashing, clock: &Clock) -> Result<(), DemoError> {
    if !portal::is_empty(db).await? {
        return Err(DemoError::NotEmpty);
    }
    fixed::load(db, hashing, clock).await
}

/// The `app_state` key of a demo loaded on a moved clock: how far ahead of the system
/// clock it runs, in milliseconds.
const MOVED_CLOCK: &str = "demo_clock_ahead_ms";

/// The moved clock a demo was loaded on, which every instance and command opening the
/// database then runs on, so that they all agree on « now » whenever they were started.
/// None for a database the demo did not make, or made on the system clock: no real
/// family's deadlines, invoices or payments are ever dated by a moved clock.
pub async fn saved_clock(db: &Db) -> Result<Option<Clock>, StoreError> {
    let ahead: Option<String> = sqlx::query_scalar("SELECT value FROM app_state WHERE key = $1")
        .bind(MOVED_CLOCK)
        .fetch_optional(db.reader())
        .await?;
    ahead
        .map(|ms| {
            ms.parse()
                .map(|ms| Clock::running_ahead(SignedDuration::from_millis(ms)))
                .map_err(|e| StoreError::corrupt("app_state.demo_clock_ahead_ms", e))
        })
        .transpose()
}

/// Adds `count` synthetic families to a database that holds the demo.
pub async fn add_families(
    db: &Db,
    hashing: &PasswordHashing,
    count: u32,
    now: Timestamp,
) -> Result<SyntheticReport, DemoError> {
    synthetic::add(db, hashing, count, now).await
}

/// Families whose id lies in `first..=last` have accepted every current text of their
/// structures and signed every règlement of their children, as families who have used the
/// portal for a while (MARTIN, the synthetic families).
pub(crate) async fn onboard(
    tx: &mut Transaction<'_, Any>,
    first: i64,
    last: i64,
    now: Timestamp,
) -> Result<(), DemoError> {
    sqlx::query(
        "INSERT INTO consents (family_id, legal_text_id, accepted_at) \
         SELECT fs.family_id, t.id, $3 FROM legal_texts t JOIN family_structures fs ON fs.structure_id = t.structure_id \
         WHERE fs.family_id >= $1 AND fs.family_id <= $2 AND t.kind IN ('rgpd', 'cgu')",
    )
    .bind(first)
    .bind(last)
    .bind(db_time(now))
    .execute(&mut **tx)
    .await?;
    let signed_at = ribambelle_domain::french::date_time(
        now.to_zoned_datetime(ribambelle_domain::clock::paris())
            .datetime(),
    );
    sqlx::query(
        "INSERT INTO reglement_signatures (child_id, legal_text_id, signer_name, signed_place, signed_at_text, recorded_at) \
         SELECT DISTINCT c.id, t.id, f.last_name || ' ' || f.first_name, 'CarteVille', $3, $4 FROM children c \
         JOIN families f ON f.id = c.family_id \
         JOIN registrations r ON r.child_id = c.id JOIN activities a ON a.id = r.activity_id \
         JOIN legal_texts t ON t.structure_id = a.structure_id AND t.kind = 'reglement' \
         WHERE c.family_id >= $1 AND c.family_id <= $2",
    )
    .bind(first)
    .bind(last)
    .bind(signed_at)
    .bind(db_time(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
