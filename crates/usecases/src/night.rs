//! The night's jobs, run by the binary at the configured hour (or by `ribambelle
//! process`): the processing run that decides every structure's requests against the
//! places, then the consommations of the days gone by. Invoices are issued by a
//! gestionnaire, month by month (`billing::issue`).

use jiff::civil::Date;
use ribambelle_domain::clock::Clock;
use ribambelle_store::{
    Db, billing,
    processing::{self, RunScope},
};

pub use ribambelle_store::processing::{RunOutcome, RunSummary};

use crate::Error;

/// Decides the requests of every structure; `Busy` when another instance is at it.
pub async fn process(db: &Db, clock: &Clock) -> Result<RunOutcome, Error> {
    Ok(processing::run(db, clock, RunScope::Everywhere).await?)
}

/// Records the consommations of the days before `today`; returns how many.
pub async fn record_consommations(db: &Db, today: Date) -> Result<u64, Error> {
    Ok(billing::run(db, today).await?)
}
