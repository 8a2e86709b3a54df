//! What every back-office page starts from: the structures a staff member may see (all
//! of them for an administrateur), the portal's latest update, and the dashboard.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    ids::{StaffId, StructureId},
    staff::StaffRole,
};
use ribambelle_store::{Db, dashboard, dossier, portal, second_factor};

pub use ribambelle_store::dashboard::{ActivityToday, LastRun, Today};

use crate::{Error, structures::StructureSummary};

/// The structures the staff member works for; an administrateur sees them all.
pub async fn scope(
    db: &Db,
    staff: StaffId,
    role: StaffRole,
) -> Result<Vec<StructureSummary>, Error> {
    Ok(portal::staff_scope(db, staff, role).await?)
}

/// The last processing run or data change, for the header's « dernière mise à jour ».
pub async fn last_update(db: &Db) -> Result<Option<Timestamp>, Error> {
    Ok(portal::last_update(db).await?)
}

/// The dashboard's figures of the day.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub today: Today,
    /// Fiches transmitted and waiting for a decision.
    pub fiches_waiting: usize,
    /// The staff member's second factor is on.
    pub second_factor: bool,
}

pub async fn dashboard(
    db: &Db,
    staff: StaffId,
    scope: &[StructureId],
    day: Date,
) -> Result<Dashboard, Error> {
    let structures = scope.to_vec();
    Ok(Dashboard {
        today: dashboard::today(db, &structures, day).await?,
        fiches_waiting: dossier::waiting(db, &structures).await?.len(),
        second_factor: second_factor::of(db, staff).await?.enabled_at.is_some(),
    })
}
