//! The back office's « Réservations »: the day's list of an activity, the pointage of who
//! came (R-POI, gestionnaires only), and the processing run started by hand. A staff
//! member reaches only its structures' activities.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    calendar::SchoolCalendar,
    clock::Clock,
    ids::{StaffId, StructureId},
    pointage::PointageRefusal,
};
use ribambelle_store::{Db, attendance, bookings};

pub use ribambelle_store::{
    attendance::{ActivityRef, Day, DayChild, Mark, Recorded, Registered},
    processing::RunOutcome,
};

use crate::{Error, reservations::Activity};

/// The activities of the staff member's structures.
pub async fn activities(db: &Db, scope: &[StructureId]) -> Result<Vec<ActivityRef>, Error> {
    Ok(attendance::activities(db, scope).await?)
}

/// An activity by public id, if it is of one of `scope`'s structures.
pub async fn activity(
    db: &Db,
    scope: &[StructureId],
    public_id: &str,
) -> Result<Option<ActivityRef>, Error> {
    let found = attendance::activity(db, public_id.trim()).await?;
    Ok(found.filter(|a| scope.contains(&a.structure_id)))
}

/// The activity's rules, hours and places, and its structure's school calendar.
pub async fn details(db: &Db, activity: &ActivityRef) -> Result<(Activity, SchoolCalendar), Error> {
    Ok((
        bookings::activity_by_id(db, activity.id).await?,
        bookings::school_calendar(db, activity.structure_id).await?,
    ))
}

/// The children expected on the day, with their health notes (the reading is logged).
pub async fn day_list(
    db: &Db,
    staff: StaffId,
    activity: &ActivityRef,
    day: Date,
    now: Timestamp,
) -> Result<Day, Error> {
    Ok(attendance::day_list(db, staff, activity, day, now).await?)
}

/// The pointage sheet: the children expected, and the others registered who may come.
pub async fn sheet(
    db: &Db,
    activity: &ActivityRef,
    day: Date,
) -> Result<(Day, Vec<Registered>), Error> {
    Ok(attendance::sheet(db, activity.id, day).await?)
}

/// « Enregistrer le pointage »: who came, each mark becoming the day's consommations.
pub async fn record(
    db: &Db,
    staff: StaffId,
    activity: &ActivityRef,
    day: Date,
    marks: &[Mark],
    now: Timestamp,
    today: Date,
) -> Result<Result<Recorded, PointageRefusal>, Error> {
    Ok(attendance::record(db, staff, activity.id, day, marks, today, now).await?)
}

/// « Lancer le traitement » for the staff member's structures.
pub async fn run_processing(
    db: &Db,
    staff: StaffId,
    scope: &[StructureId],
    clock: &Clock,
) -> Result<RunOutcome, Error> {
    Ok(attendance::run_processing(db, staff, scope, clock).await?)
}
