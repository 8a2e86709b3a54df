//! The back office's « Annonces et textes »: the announcements families read on their
//! home page, and the texts they accept or sign (RGPD notice, CGU, règlement intérieur),
//! each new version published for acceptance again. Within the staff member's scope.

use jiff::Timestamp;
use ribambelle_domain::ids::{AnnouncementId, StaffId, StructureId};
use ribambelle_store::{Db, notices as store};

pub use ribambelle_store::notices::{
    AnnouncementRow, CurrentText, NewAnnouncement, text_kind_label,
};

use crate::Error;

pub async fn announcements(db: &Db, scope: &[StructureId]) -> Result<Vec<AnnouncementRow>, Error> {
    Ok(store::announcements(db, scope).await?)
}

/// An announcement of the scope's structures.
pub async fn announcement(
    db: &Db,
    scope: &[StructureId],
    id: AnnouncementId,
) -> Result<Option<AnnouncementRow>, Error> {
    Ok(store::announcement_in(db, scope, id).await?)
}

pub async fn publish_announcement(
    db: &Db,
    staff: StaffId,
    announcement: &NewAnnouncement<'_>,
    now: Timestamp,
) -> Result<AnnouncementId, Error> {
    Ok(store::create_announcement(db, staff, announcement, now).await?)
}

pub async fn change_announcement(
    db: &Db,
    staff: StaffId,
    before: &AnnouncementRow,
    announcement: &NewAnnouncement<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    Ok(store::update_announcement(db, staff, before, announcement, now).await?)
}

pub async fn withdraw_announcement(
    db: &Db,
    staff: StaffId,
    before: &AnnouncementRow,
    now: Timestamp,
) -> Result<(), Error> {
    Ok(store::delete_announcement(db, staff, before, now).await?)
}

/// The current version of each text of the scope's structures.
pub async fn texts(db: &Db, scope: &[StructureId]) -> Result<Vec<CurrentText>, Error> {
    Ok(store::current_texts(db, scope).await?)
}

/// « Publier la nouvelle version »: families accept or sign it again.
pub async fn publish_text(
    db: &Db,
    staff: StaffId,
    current: &CurrentText,
    (title, body): (&str, &str),
    now: Timestamp,
) -> Result<(), Error> {
    Ok(store::publish_text(db, staff, current, title, body, now).await?)
}
