//! Copy (R-RES-10): every booked (or pending) day of a source child and activity over a
//! period is checked for the calendar's child and activity — open, in time, registered,
//! places left, hours compatible with the child's other activities — and becomes a
//! pending change; the others are given back with the reason.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    booking::{CopiedDay, CopyRefusal, Pending},
    ids::{ActivityId, ChildId},
};
use ribambelle_store::{
    Db,
    bookings::{self, Activity, Child, PendingChange},
};

use super::{Booker, Selected};
use crate::Error;

/// A child and one of its activities that a copy can start from.
#[derive(Clone, Debug)]
pub struct CopySource {
    pub child: Child,
    pub activity: Activity,
}

impl CopySource {
    /// How the copy form names it: « <child public id>/<activity public id> ».
    pub fn value(&self) -> String {
        format!("{}/{}", self.child.public_id, self.activity.public_id)
    }
}

/// What a copy drafted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copied {
    /// Days now pending as « to book ».
    pub copied: usize,
    pub refused: Vec<(Date, CopyRefusal)>,
}

/// Every child and activity of the family at the structure that could be copied from.
pub async fn copy_sources(
    db: &Db,
    booker: &Booker,
    selected: &Selected,
) -> Result<Vec<CopySource>, Error> {
    let mut sources = Vec::new();
    for child in &selected.children {
        for activity in bookings::child_activities(db, child.id, booker.structure).await? {
            sources.push(CopySource {
                child: child.clone(),
                activity,
            });
        }
    }
    Ok(sources)
}

/// « Copier »: the source's days from `from` to `to` drafted for the selected child and
/// activity where the rules allow. `None` when no child and activity are selected.
pub async fn copy(
    db: &Db,
    booker: &Booker,
    selected: &Selected,
    source: &CopySource,
    (from, to): (Date, Date),
    now: Timestamp,
) -> Result<Option<Copied>, Error> {
    let (Some(child), Some(target)) = (&selected.child, &selected.activity) else {
        return Ok(None);
    };
    let family = booker.family;
    let pending = bookings::pending(db, family).await?;
    let booking = |child_id: ChildId, activity_id: ActivityId, day: Date| {
        pending.iter().any(|p: &PendingChange| {
            p.child_id == child_id
                && p.activity_id == activity_id
                && p.day == day
                && p.change == Pending::Book
        })
    };
    // The source's booked days, counting its pending changes.
    let (source_child, source_activity) = (source.child.id, source.activity.id);
    let source_states = bookings::child_bookings(db, source_child, from, to).await?;
    let mut source_days: Vec<Date> = source_states
        .iter()
        .filter(|((a, _), s)| *a == source_activity && s.holds_place())
        .map(|((_, d), _)| *d)
        .filter(|d| {
            !pending.iter().any(|p| {
                p.child_id == source_child
                    && p.activity_id == source_activity
                    && p.day == *d
                    && p.change == Pending::Cancel
            })
        })
        .chain(
            pending
                .iter()
                .filter(|p| {
                    p.child_id == source_child
                        && p.activity_id == source_activity
                        && p.change == Pending::Book
                        && p.day >= from
                        && p.day <= to
                })
                .map(|p| p.day),
        )
        .collect();
    source_days.sort();
    source_days.dedup();
    let target_states = bookings::child_bookings(db, child.id, from, to).await?;
    let taken = match target.capacity {
        Some(_) => bookings::places_taken(db, target.id, from, to).await?,
        None => Default::default(),
    };
    let holds = |activity_id: ActivityId, day: Date| {
        target_states
            .get(&(activity_id, day))
            .is_some_and(|s| s.holds_place())
            || booking(child.id, activity_id, day)
    };
    let mut copied = Vec::new();
    let mut refused = Vec::new();
    for day in source_days {
        let candidate = CopiedDay {
            day,
            already_booked: holds(target.id, day),
            full: target
                .capacity
                .is_some_and(|c| taken.get(&day).copied().unwrap_or(0) >= c),
            overlapping: selected
                .activities
                .iter()
                .filter(|a| a.id != target.id)
                .any(|other| {
                    holds(other.id, day)
                        && other.start_time < target.end_time
                        && target.start_time < other.end_time
                }),
        };
        match target
            .rules
            .may_copy(selected.standing(), candidate, now, &booker.calendar)
        {
            Ok(()) => copied.push((day, Some(Pending::Book))),
            Err(reason) => refused.push((day, reason)),
        }
    }
    bookings::set_pending(db, family, child.id, target.id, &copied, now).await?;
    Ok(Some(Copied {
        copied: copied.len(),
        refused,
    }))
}
