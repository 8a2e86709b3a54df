//! Non-transmitted requests in bulk, for the processing run's benchmark and crash test:
//! synthetic children ask for the evening périscolaire (60 places a day) on its coming
//! open days, so that the run fills the days and builds long waiting lists.

use jiff::{Timestamp, ToSpan};
use ribambelle_domain::clock::paris_date;
use ribambelle_domain::ids::ActivityId;
use sqlx::Row;

use super::{DemoError, fixed::zone_calendar};
use crate::{
    Db, bookings,
    bulk::{Bulk, Val},
    db_time,
};

const RESERVATION_COLUMNS: [&str; 8] = [
    "family_id",
    "child_id",
    "activity_id",
    "day",
    "state",
    "amount_cents",
    "confirmed_at",
    "updated_at",
];
const REQUEST_COLUMNS: [&str; 8] = [
    "confirmation_key",
    "family_id",
    "child_id",
    "activity_id",
    "day",
    "action",
    "amount_cents",
    "confirmed_at",
];

/// Four school weeks of APS SOIR.
const OPEN_DAYS: usize = 20;

/// Adds up to `count` *Non transmise* bookings of APS SOIR by synthetic children (child by
/// child, day by day over its next four school weeks: after the rentrée when loaded in the
/// summer holidays); returns how many were added.
pub async fn add_requests(db: &Db, count: u64, now: Timestamp) -> Result<u64, DemoError> {
    let activity_id: ActivityId =
        sqlx::query_scalar("SELECT id FROM activities WHERE name = 'APS SOIR'")
            .fetch_optional(db.reader())
            .await?
            .ok_or(DemoError::NoDemo)?;
    let activity = bookings::activity_by_id(db, activity_id).await?;
    let calendar = zone_calendar()?;
    let today = paris_date(now);
    let days: Vec<String> = (1..=activity.rules.horizon_days)
        .map(|n| today + n.days())
        .filter(|d| activity.rules.is_open(*d, &calendar))
        .take(OPEN_DAYS)
        .map(|d| d.to_string())
        .collect();
    if days.is_empty() {
        return Err(DemoError::NoOpenDay {
            activity: activity.name.clone(),
            horizon_days: activity.rules.horizon_days,
        });
    }
    let children = sqlx::query(
        "SELECT c.id, c.family_id FROM children c JOIN families f ON f.id = c.family_id \
         JOIN registrations r ON r.child_id = c.id AND r.activity_id = $1 \
         WHERE f.identifiant LIKE 'famille%' \
           AND NOT EXISTS (SELECT 1 FROM reservations x WHERE x.child_id = c.id AND x.activity_id = $1) ORDER BY c.id",
    )
    .bind(activity_id)
    .fetch_all(db.reader())
    .await?;
    if children.is_empty() {
        return Err(DemoError::NoDemo);
    }
    let at = db_time(now);
    let mut tx = db.begin().await?;
    let mut reservations = Bulk::new(db.backend(), "reservations", &RESERVATION_COLUMNS);
    let mut requests = Bulk::new(db.backend(), "reservation_requests", &REQUEST_COLUMNS);
    let mut added = 0u64;
    'fill: for day in &days {
        for row in &children {
            if added == count {
                break 'fill;
            }
            let (child, family): (i64, i64) = (row.get("id"), row.get("family_id"));
            let reservation: [Val; 8] = [
                family.into(),
                child.into(),
                activity_id.into(),
                day.as_str().into(),
                "non_transmise".into(),
                290i64.into(),
                at.as_str().into(),
                at.as_str().into(),
            ];
            reservations.push(&mut tx, reservation).await?;
            let request: [Val; 8] = [
                "bench".into(),
                family.into(),
                child.into(),
                activity_id.into(),
                day.as_str().into(),
                "reserver".into(),
                290i64.into(),
                at.as_str().into(),
            ];
            requests.push(&mut tx, request).await?;
            added += 1;
        }
    }
    reservations.flush(&mut tx).await?;
    requests.flush(&mut tx).await?;
    crate::places::recount(&mut tx).await?;
    tx.commit().await?;
    Ok(added)
}
