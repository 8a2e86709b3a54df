//! « Accueil »: the structure's announcements of the day and what the family has left to
//! do before its children can be booked.

use jiff::civil::Date;
use ribambelle_domain::ids::{FamilyId, StructureId};
use ribambelle_store::{Db, portal};

pub use ribambelle_store::portal::Announcement;

use crate::Error;

#[derive(Clone, Debug, Default)]
pub struct Home {
    pub announcements: Vec<Announcement>,
    /// First names of the children whose règlement intérieur is still to sign, once each.
    pub unsigned: Vec<String>,
}

pub async fn home(
    db: &Db,
    family: FamilyId,
    structure: StructureId,
    today: Date,
) -> Result<Home, Error> {
    let announcements = portal::announcements(db, structure, today).await?;
    let mut unsigned: Vec<String> = Vec::new();
    for item in crate::legal::reglements(db, family).await? {
        if item.signature.is_none() && !unsigned.contains(&item.child_first_name) {
            unsigned.push(item.child_first_name);
        }
    }
    Ok(Home {
        announcements,
        unsigned,
    })
}
