//! The back office's « Activités »: a structure's settings and its activities (schedule,
//! places, prices, booking windows, closures). Every change is audited; the caller has
//! checked the structure or the activity is in the staff member's scope.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    calendar::SchoolCalendar,
    clock::Clock,
    ids::{StaffId, StructureId},
};
use ribambelle_store::{Db, bookings, catalog_admin as store, processing};

pub use ribambelle_store::catalog_admin::{
    ActivityDetails, ActivityLine, ActivitySettings, BookingWindow, Closure, ClosureAdded, Saved,
    StructureSettings, WalletChoice, WalletPick, address_lines, environment_name, hour,
    provider_name,
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

/// « Enregistrer » an activity's settings. A capacity raised gives its places to the
/// waiting lists at the next run, at once in an immediate structure.
pub async fn save_activity(
    db: &Db,
    clock: &Clock,
    staff: StaffId,
    details: &ActivityDetails,
    settings: &ActivitySettings,
) -> Result<Saved, Error> {
    let saved = store::update_activity(db, staff, details, settings, clock.now()).await?;
    if matches!(saved, Saved::Done { .. }) && settings.capacity != details.activity.capacity {
        serve_waiting_list(db, clock, details.structure_id).await?;
    }
    Ok(saved)
}

/// In an immediate structure, the places a change freed go to the waiting list now; the
/// other structures' wait for the night's run.
/// The change is saved whatever happens here: a run that fails leaves the places to the
/// next one rather than show the staff an error about a change that was made.
async fn serve_waiting_list(db: &Db, clock: &Clock, structure: StructureId) -> Result<(), Error> {
    if store::structure_settings(db, structure).await?.immediate
        && let Err(error) = processing::run_now(db, clock, structure).await
    {
        tracing::warn!(%error, "immediate processing after a catalogue change failed; the next run serves the waiting lists");
    }
    Ok(())
}

/// « Ajouter la fermeture »: the day closes; its bookings stay, and the staff is told how
/// many there are to deal with.
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

/// « Retirer » a closure; false when there was none that day. The day's waiting list is
/// served as after a capacity raised.
pub async fn remove_closure(
    db: &Db,
    clock: &Clock,
    staff: StaffId,
    details: &ActivityDetails,
    day: Date,
) -> Result<bool, Error> {
    let removed = store::remove_closure(db, staff, details, day, clock.now()).await?;
    if removed {
        serve_waiting_list(db, clock, details.structure_id).await?;
    }
    Ok(removed)
}
