//! The family's draft of reservations: reviewed (checked and priced) for the
//! récapitulatif, then confirmed. Every rule is checked again here, on the server, at the
//! moment of confirming: the browser is trusted for nothing.

use std::collections::HashMap;

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    activity::day_price,
    booking::{Block, BookingRefusal, Pending, ReservationState, Standing},
    calendar::SchoolCalendar,
    money::Cents,
};

use crate::{
    Db, StoreError,
    bookings::{self, Activity, Child, Confirmed, Movement},
};

/// One pending change as the récapitulatif shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftLine {
    pub child_id: i64,
    pub child_public_id: String,
    pub child_first_name: String,
    pub activity_id: i64,
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
    pub refused: Vec<(DraftLine, &'static str)>,
    /// Why the family may not book at all, found while reviewing its changes (not looked
    /// for when there are none).
    pub block: Option<Block>,
}

impl Draft {
    pub fn is_empty(&self) -> bool {
        self.bookings.is_empty() && self.cancellations.is_empty() && self.refused.is_empty()
    }

    /// The calendar the family came from: its first change's child, activity and month.
    pub fn calendar_query(&self) -> String {
        let first = self
            .bookings
            .iter()
            .chain(&self.cancellations)
            .chain(self.refused.iter().map(|(l, _)| l))
            .next();
        first.map_or_else(String::new, |l| {
            format!(
                "?enfant={}&activite={}&mois={}",
                l.child_public_id,
                l.activity_public_id,
                l.day.strftime("%Y-%m")
            )
        })
    }

    pub fn total(&self) -> Cents {
        self.bookings.iter().map(|l| l.amount).sum()
    }
}

pub async fn block(
    db: &Db,
    family_id: i64,
    structure_id: i64,
) -> Result<Option<Block>, StoreError> {
    let balance = crate::wallets::balance(db, family_id, structure_id).await?;
    Ok(Block::for_balance(balance))
}

/// Who reviews a draft: the family, with the quotient familial its prices depend on, at a
/// structure, with the school calendar its rules depend on.
#[derive(Clone, Debug)]
pub struct Booker {
    pub family_id: i64,
    pub quotient_familial: Option<i64>,
    pub structure_id: i64,
    pub calendar: SchoolCalendar,
}

/// The family's pending changes at the structure, checked against every rule now.
pub async fn review(db: &Db, booker: &Booker, now: Timestamp) -> Result<Draft, StoreError> {
    let (family_id, structure_id, qf, calendar) = (
        booker.family_id,
        booker.structure_id,
        booker.quotient_familial,
        &booker.calendar,
    );
    let pending = bookings::pending_with_states(db, family_id).await?;
    let mut draft = Draft::default();
    if pending.is_empty() {
        return Ok(draft);
    }
    draft.block = block(db, family_id, structure_id).await?;
    let children: HashMap<i64, Child> = bookings::children(db, family_id, structure_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut activities: HashMap<i64, HashMap<i64, Activity>> = HashMap::new();
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
            .err()
            .map(BookingRefusal::message);
        match (refusal, change.change) {
            (Some(reason), _) => draft.refused.push((line, reason)),
            (None, Pending::Book) => draft.bookings.push(line),
            (None, Pending::Cancel) => draft.cancellations.push(line),
        }
    }
    Ok(draft)
}

/// Reviews the draft again and records what can be; returns what was recorded (or had
/// been, for a repeated confirmation) and what was refused.
pub async fn confirm(
    db: &Db,
    booker: &Booker,
    key: &str,
    now: Timestamp,
) -> Result<(Confirmed, Vec<(DraftLine, &'static str)>), StoreError> {
    let draft = review(db, booker, now).await?;
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
    let refused: Vec<(i64, i64, Date)> = draft
        .refused
        .iter()
        .map(|(l, _)| (l.child_id, l.activity_id, l.day))
        .collect();
    let confirmed = bookings::confirm(db, booker.family_id, key, &movements, &refused, now).await?;
    Ok((confirmed, draft.refused))
}
