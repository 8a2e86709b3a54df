//! The family's draft of reservations: reviewed (checked and priced) for the
//! récapitulatif, then confirmed. Every rule is checked again here, on the server, at the
//! moment of confirming: the browser is trusted for nothing.

use std::collections::HashMap;

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    activity::day_price,
    booking::{Block, BookingRefusal, Pending, ReservationState, Standing},
    clock::{Clock, paris_date},
    ids::{ActivityId, ChildId},
    money::Cents,
};
use ribambelle_store::{
    Db,
    bookings::{self, Activity, Child, Confirmed, Movement},
    processing,
};

use super::{Booker, block};
use crate::Error;

/// One pending change as the récapitulatif shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftLine {
    pub child_id: ChildId,
    pub child_public_id: String,
    pub child_first_name: String,
    pub activity_id: ActivityId,
    pub activity_public_id: String,
    pub activity_name: String,
    pub day: Date,
    pub change: Pending,
    pub amount: Cents,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    pub bookings: Vec<DraftLine>,
    pub cancellations: Vec<DraftLine>,
    /// Changes that can no longer be made, with the reason.
    pub refused: Vec<(DraftLine, BookingRefusal)>,
    /// Why the family may not book at all, found while reviewing its changes (not looked
    /// for when there are none).
    pub block: Option<Block>,
}

impl Draft {
    pub fn is_empty(&self) -> bool {
        self.bookings.is_empty() && self.cancellations.is_empty() && self.refused.is_empty()
    }

    /// The first change's line: the calendar the family came from.
    pub fn first_line(&self) -> Option<&DraftLine> {
        self.bookings
            .iter()
            .chain(&self.cancellations)
            .chain(self.refused.iter().map(|(l, _)| l))
            .next()
    }

    pub fn total(&self) -> Cents {
        self.bookings.iter().map(|l| l.amount).sum()
    }
}

/// The family's pending changes at the structure, checked against every rule now.
pub async fn review(db: &Db, booker: &Booker, now: Timestamp) -> Result<Draft, Error> {
    let (family_id, structure_id, qf, calendar) = (
        booker.family,
        booker.structure,
        booker.quotient_familial,
        &booker.calendar,
    );
    let pending = bookings::pending_with_states(db, family_id).await?;
    let mut draft = Draft::default();
    if pending.is_empty() {
        return Ok(draft);
    }
    draft.block = block(db, booker, paris_date(now)).await?;
    let children: HashMap<ChildId, Child> = bookings::children(db, family_id, structure_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut activities: HashMap<ChildId, HashMap<ActivityId, Activity>> = HashMap::new();
    for child in children
        .values()
        .filter(|c| pending.iter().any(|(p, _)| p.child_id == c.id))
    {
        activities.insert(
            child.id,
            bookings::child_activities(db, child.id, structure_id)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect(),
        );
    }
    for (change, state) in pending {
        let (Some(child), Some(activities)) = (
            children.get(&change.child_id),
            activities.get(&change.child_id),
        ) else {
            continue;
        };
        // Changes for another structure's activities wait for that structure's récapitulatif.
        let Some(activity) = activities.get(&change.activity_id) else {
            continue;
        };
        let line = DraftLine {
            child_id: child.id,
            child_public_id: child.public_id.clone(),
            child_first_name: child.first_name.clone(),
            activity_id: activity.id,
            activity_public_id: activity.public_id.clone(),
            activity_name: activity.name.clone(),
            day: change.day,
            change: change.change,
            amount: match change.change {
                Pending::Book => day_price(&activity.prices, qf),
                Pending::Cancel => Cents(0),
            },
        };
        let standing = Standing {
            block: draft.block,
            reglement_signed: child.reglement_signed,
        };
        let booked = state.is_some_and(ReservationState::holds_place);
        let refusal = activity
            .rules
            .may_make(change.change, booked, standing, change.day, now, calendar)
            .err();
        match (refusal, change.change) {
            (Some(reason), _) => draft.refused.push((line, reason)),
            (None, Pending::Book) => draft.bookings.push(line),
            (None, Pending::Cancel) => draft.cancellations.push(line),
        }
    }
    Ok(draft)
}

/// A fresh key for a récapitulatif: confirming it twice records its demands once.
pub fn confirmation_key() -> Result<String, Error> {
    crate::sessions::new_key()
}

/// What « Confirmer » recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    /// What was recorded now, or had been by the same récapitulatif (a double submit).
    pub confirmed: Confirmed,
    /// What could no longer be made, dropped from the draft.
    pub refused: Vec<(DraftLine, BookingRefusal)>,
    /// The structure decides its requests at once: they have been, and their report mail
    /// is queued.
    pub decided: bool,
}

/// « Confirmer »: reviews the draft again and records what can be, once per
/// récapitulatif `key`, in one transaction committed before the family gets its answer;
/// a structure in immediate mode then runs its processing for them.
pub async fn confirm(
    db: &Db,
    clock: &Clock,
    booker: &Booker,
    key: &str,
) -> Result<Confirmation, Error> {
    let draft = review(db, booker, clock.now()).await?;
    let movements: Vec<Movement> = draft
        .bookings
        .iter()
        .chain(&draft.cancellations)
        .map(|l| Movement {
            child_id: l.child_id,
            activity_id: l.activity_id,
            day: l.day,
            change: l.change,
            amount: l.amount,
        })
        .collect();
    let refused: Vec<(ChildId, ActivityId, Date)> = draft
        .refused
        .iter()
        .map(|(l, _)| (l.child_id, l.activity_id, l.day))
        .collect();
    let confirmed =
        bookings::confirm(db, booker.family, key, &movements, &refused, clock.now()).await?;
    if booker.immediate_processing {
        processing::run_now(db, clock, booker.structure).await?;
    }
    Ok(Confirmation {
        confirmed,
        refused: draft.refused,
        decided: booker.immediate_processing,
    })
}
