//! « Journal »: the audit trail of changes and of readings of health data, within the
//! structures the reader may see.

use ribambelle_domain::ids::{FamilyId, StaffId, StructureId};
use ribambelle_store::{Db, accounts, audit};

pub use ribambelle_store::audit::{Entry, Filter};

use crate::Error;

/// The trail, newest first, at most `limit` entries.
pub async fn search(
    db: &Db,
    scope: &[StructureId],
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, Error> {
    let structures = scope.to_vec();
    Ok(audit::search(db, &structures, filter, limit).await?)
}

/// The family a filter names by identifiant.
pub async fn family_named(db: &Db, identifiant: &str) -> Result<Option<FamilyId>, Error> {
    Ok(accounts::family_id_by_identifiant(db, identifiant).await?)
}

/// The staff member a filter names by login.
pub async fn staff_named(db: &Db, login: &str) -> Result<Option<StaffId>, Error> {
    Ok(accounts::staff_id_by_login(db, login).await?)
}
