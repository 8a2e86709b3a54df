//! Demo data: a town hall, its activities and calendar, and families in every situation a
//! newcomer wants to try, plus synthetic families for benchmarks. Dates are relative to
//! the day the data is loaded, so the demo always shows the current months.

mod catalog;
mod fixed;
mod synthetic;

use jiff::Timestamp;
use ribambelle_domain::password::{HashError, PasswordHashing};

use crate::{Db, StoreError, portal};

pub use synthetic::SyntheticReport;

/// An account a newcomer can log in with; printed by `serve --demo` and listed in the README.
#[derive(Clone, Copy, Debug)]
pub struct DemoAccount {
    pub who: &'static str,
    pub identifiant: &'static str,
    pub password: &'static str,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount { who: "Famille DUPONT (première connexion)", identifiant: "dupont", password: "bienvenue" },
    DemoAccount { who: "Famille MARTIN", identifiant: "martin", password: "Martin-Demo-2026!" },
    DemoAccount { who: "Gestionnaire (/gestion)", identifiant: "gestion", password: "Gestion-Demo-2026!" },
];

/// The password of every synthetic family (`famille000001`, …), for load tests.
pub const SYNTHETIC_PASSWORD: &str = "Famille-Demo-2026!";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("la base de données contient déjà des données : les données de démonstration ne sont chargées que dans une base vide")]
    NotEmpty,
    #[error("les familles de test demandent les données de démonstration : lancez d'abord `ribambelle demo`")]
    NoDemo,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<sqlx::Error> for DemoError {
    fn from(e: sqlx::Error) -> Self {
        DemoError::Store(e.into())
    }
}

/// Loads the fixed demo (structures, activities, DUPONT, MARTIN, the gestionnaire…) into
/// an empty database, in one transaction.
pub async fn load(db: &Db, hashing: &PasswordHashing, now: Timestamp) -> Result<(), DemoError> {
    if !portal::is_empty(db).await? {
        return Err(DemoError::NotEmpty);
    }
    fixed::load(db, hashing, now).await
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
