//! The structures a page is about: the family's, the portal's first one (the sign-in
//! page's header), one named in an address.

use ribambelle_domain::ids::FamilyId;
use ribambelle_store::{Db, portal};

pub use ribambelle_store::portal::StructureSummary;

use crate::Error;

/// The structures the family is known to, in their order.
pub async fn of_family(db: &Db, family: FamilyId) -> Result<Vec<StructureSummary>, Error> {
    Ok(portal::family_structures(db, family).await?)
}

/// The portal's first structure, whose name and colours pages without a family show.
pub async fn home(db: &Db) -> Result<Option<StructureSummary>, Error> {
    Ok(portal::home_structure(db).await?)
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<StructureSummary>, Error> {
    Ok(portal::structure_by_slug(db, slug).await?)
}

/// The school calendar the structure's booking rules follow (its zone, Alsace-Moselle).
pub fn school_calendar(
    structure: &StructureSummary,
) -> Result<ribambelle_domain::calendar::SchoolCalendar, Error> {
    Ok(structure.school_calendar()?)
}
