//! The back office's « Activités »: a structure's settings and its activities (schedule,
//! places, prices, booking windows, closures). Every change is audited; the caller has
//! checked the structure or the activity is in the staff member's scope.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    calendar::SchoolCalendar,
    ids::{StaffId, StructureId},
};
use ribambelle_store::{Db, bookings, catalog_admin as store};

pub use ribambelle_store::catalog_admin::{
    ActivityDetails, ActivityLine, ActivitySettings, BookingWindow, Closure, ClosureAdded, Saved,
    StructureSettings, WalletChoice, WalletPick, environment_name, hour, provider_name,
};

use crate::Error;

pub async fn settings(db: &Db, structure: StructureId) -> Result<StructureSettings, Error> {
    Ok(store::structure_settings(db, structure).await?)
}

/// « Enregistrer » the structure's settings.
pub async fn save_settings(
    db: &Db,
    staff: StaffId,
    structure: StructureId,
    settings: &StructureSettings,
    now: Timestamp,
) -> Result<(), Error> {
    Ok(store::update_structure(db, staff, structure, settings, now).await?)
}

/// The structure's school calendar, for its activities' holiday windows.
pub async fn school_calendar(db: &Db, structure: StructureId) -> Result<SchoolCalendar, Error> {
    Ok(bookings::school_calendar(db, structure).await?)
}

pub async fn wallets(db: &Db, structure: StructureId) -> Result<Vec<WalletChoice>, Error> {
    Ok(store::structure_wallets(db, structure).await?)
}

pub async fn activities(db: &Db, structure: StructureId) -> Result<Vec<ActivityLine>, Error> {
    Ok(store::structure_activities(db, structure).await?)
}

/// An activity by public id, whatever its structure (the caller checks the scope).
pub async fn activity(db: &Db, public_id: &str) -> Result<Option<ActivityDetails>, Error> {
    Ok(store::activity_details(db, public_id).await?)
}

/// « Créer l'activité », its new wallet with it if one was asked.
pub async fn create_activity(
    db: &Db,
    staff: StaffId,
    structure: StructureId,
    settings: &ActivitySettings,
    now: Timestamp,
) -> Result<Saved, Error> {
    Ok(store::create_activity(db, staff, structure, settings, now).await?)
}

/// « Enregistrer » an activity's settings.
pub async fn save_activity(
    db: &Db,
    staff: StaffId,
    details: &ActivityDetails,
    settings: &ActivitySettings,
    now: Timestamp,
) -> Result<Saved, Error> {
    Ok(store::update_activity(db, staff, details, settings, now).await?)
}

/// « Ajouter la fermeture »: the day closes, its bookings cancelled and the families told.
pub async fn add_closure(
    db: &Db,
    staff: StaffId,
    details: &ActivityDetails,
    day: Date,
    reason: &str,
    now: Timestamp,
) -> Result<ClosureAdded, Error> {
    Ok(store::add_closure(db, staff, details, day, reason, now).await?)
}

/// « Retirer » a closure; false when there was none that day.
pub async fn remove_closure(
    db: &Db,
    staff: StaffId,
    details: &ActivityDetails,
    day: Date,
    now: Timestamp,
) -> Result<bool, Error> {
    Ok(store::remove_closure(db, staff, details, day, now).await?)
}
