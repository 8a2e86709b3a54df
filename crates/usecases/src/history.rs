//! « Historique » (R-HIS): what the family consumed in a month, and what it paid in the
//! current and the previous months, for the page, its CSV files and its PDF.

use jiff::{
    ToSpan,
    civil::{Date, Time},
};
use ribambelle_domain::{
    clock::paris_instant,
    ids::{FamilyId, StructureId},
};
use ribambelle_store::{Db, db_time, history};

pub use ribambelle_store::history::{Consommation, Reglement};

use crate::Error;

#[derive(Clone, Debug, Default)]
pub struct History {
    pub consommations: Vec<Consommation>,
    /// Newest first.
    pub reglements: Vec<Reglement>,
}

/// The month before `month`.
pub fn previous(month: Date) -> Date {
    month.saturating_sub(1.month())
}

/// The consommations of `month` and the règlements since the first of the month before
/// `today`'s.
pub async fn history(
    db: &Db,
    family: FamilyId,
    structure: StructureId,
    month: Date,
    today: Date,
) -> Result<History, Error> {
    let (family, structure) = (family, structure);
    let consommations =
        history::consommations(db, family, structure, month, month.last_of_month()).await?;
    let since = db_time(paris_instant(
        previous(today.first_of_month()),
        Time::midnight(),
    ));
    let reglements = history::reglements(db, family, structure, &since).await?;
    Ok(History {
        consommations,
        reglements,
    })
}
