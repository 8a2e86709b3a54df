//! Booking (R-RES): the calendar and its quick tools, the day view, the copy, the
//! récapitulatif and its confirmation, the Suivi and the phone's calendar feed. Each day a
//! family changes is checked by the domain's one booking rule, when it is drafted and
//! again when it is confirmed; the browser is trusted for nothing.

mod copy;
mod draft;

use std::collections::HashMap;

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{
    booking::{
        Block, CalendarDay, DayState, Debts, Pending, QuickTool, ReservationState, Standing,
        quick_tool,
    },
    calendar::SchoolCalendar,
    clock::paris_date,
    ids::{ActivityId, FamilyId, StructureId},
    money::Cents,
};
use ribambelle_store::{
    Db, bookings, invoices,
    invoices::Invoice,
    wallets::{self, WalletLine},
};

pub use copy::{Copied, CopySource, copy, copy_sources};
pub use draft::{Confirmation, Draft, DraftLine, confirm, confirmation_key, review};
pub use ribambelle_store::bookings::{AcceptedDay, Activity, Child, Confirmed, FollowUp};

use crate::Error;

/// Who books: the family, with the quotient familial its prices depend on, at the
/// structure it is consulting, with the school calendar and the processing mode its
/// requests depend on.
#[derive(Clone, Debug)]
pub struct Booker {
    pub family: FamilyId,
    pub quotient_familial: Option<i64>,
    pub structure: StructureId,
    pub calendar: SchoolCalendar,
    /// The structure decides requests as soon as they are confirmed.
    pub immediate_processing: bool,
}

/// What every reservation page starts from: the family's children at the structure, the
/// child and activity asked for, and whether the family may book at all.
#[derive(Clone, Debug)]
pub struct Selected {
    pub children: Vec<Child>,
    pub child: Option<Child>,
    /// The selected child's activities at the structure.
    pub activities: Vec<Activity>,
    pub activity: Option<Activity>,
    pub block: Option<Block>,
}

impl Selected {
    /// Where the family and the selected child stand (no child: nothing may change).
    pub fn standing(&self) -> Standing {
        Standing {
            block: self.block,
            reglement_signed: self.child.as_ref().is_some_and(|c| c.reglement_signed),
        }
    }
}

/// The child and activity asked for by public id; the only child when none is asked.
/// `None` when either is not the family's: for the family, a page that does not exist.
pub async fn select(
    db: &Db,
    booker: &Booker,
    child: Option<&str>,
    activity: Option<&str>,
    today: Date,
) -> Result<Option<Selected>, Error> {
    let children = bookings::children(db, booker.family, booker.structure).await?;
    let child = match child.filter(|s| !s.is_empty()) {
        Some(id) => match children.iter().find(|c| c.public_id == id) {
            Some(c) => Some(c.clone()),
            None => return Ok(None),
        },
        None if children.len() == 1 => children.first().cloned(),
        None => None,
    };
    let activities = match &child {
        Some(c) => bookings::child_activities(db, c.id, booker.structure).await?,
        None => Vec::new(),
    };
    let activity = match activity.filter(|s| !s.is_empty()) {
        Some(id) => match activities.iter().find(|a| a.public_id == id) {
            Some(a) => Some(a.clone()),
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some(Selected {
        children,
        child,
        activities,
        activity,
        block: block(db, booker, today).await?,
    }))
}

/// What makes a family débiteur, for the screens to say which invoice to pay.
#[derive(Clone, Debug, Default)]
pub struct Owed {
    /// The invoices past their due date that still owe something.
    pub invoices: Vec<Invoice>,
    /// The prepaid porte-monnaie below zero.
    pub overdrawn: Vec<WalletLine>,
}

/// The invoices and porte-monnaie behind the family's `Block::Debtor`.
pub async fn owed(db: &Db, booker: &Booker, now: Timestamp) -> Result<Owed, Error> {
    let today = paris_date(now);
    let invoices = invoices::list(db, booker.family, booker.structure, now)
        .await?
        .into_iter()
        .filter(|i| Debts::is_overdue(i.due_on, i.owed, today))
        .collect();
    let overdrawn = wallets::wallet_lines(db, booker.family, booker.structure, today)
        .await?
        .into_iter()
        .filter(|w| w.billing.is_prepaid() && w.solde < Cents(0))
        .collect();
    Ok(Owed {
        invoices,
        overdrawn,
    })
}

/// Why the family may not book at all, if it may not: an invoice overdue, a prepaid
/// porte-monnaie overdrawn.
async fn block(db: &Db, booker: &Booker, today: Date) -> Result<Option<Block>, Error> {
    let debts = wallets::debts(db, booker.family, booker.structure, today).await?;
    Ok(Block::for_debts(debts))
}

/// Some days of the selected child's calendar.
#[derive(Clone, Debug, Default)]
pub struct Days {
    /// Each day's state for the selected activity, or for all the child's activities at
    /// once (booked if any is, modifiable if any is, pending if any change waits).
    pub days: Vec<CalendarDay>,
    /// Places taken each day, for a selected activity with a capacity.
    pub places_taken: HashMap<Date, i64>,
    /// For a selected activity, the child's place in each waiting list it is on.
    pub waiting_ranks: HashMap<Date, u32>,
    /// Changes waiting in the family's draft, all children and days.
    pub pending_count: usize,
}

/// The calendar's days (`None` when no child is selected).
pub async fn calendar(
    db: &Db,
    booker: &Booker,
    selected: &Selected,
    days: &[Date],
    now: Timestamp,
) -> Result<Option<Days>, Error> {
    let (Some(child), Some((&first, &last))) = (&selected.child, days.first().zip(days.last()))
    else {
        return Ok(None);
    };
    let booked = bookings::child_bookings(db, child.id, first, last).await?;
    let pending = bookings::pending(db, booker.family).await?;
    let shown: Vec<&Activity> = match &selected.activity {
        Some(a) => vec![a],
        None => selected.activities.iter().collect(),
    };
    let per_activity: Vec<Vec<CalendarDay>> = shown
        .iter()
        .map(|a| activity_days(booker, selected, a, days, &booked, &pending, now))
        .collect();
    let places_taken = match &selected.activity {
        Some(a) if a.capacity.is_some() => bookings::places_taken(db, a.id, first, last).await?,
        _ => HashMap::new(),
    };
    // Looked up only when the child waits for a day of the month: most calendars have none.
    let waiting_ranks = match &selected.activity {
        Some(a)
            if booked
                .iter()
                .any(|((id, _), s)| *id == a.id && *s == ReservationState::Attente) =>
        {
            bookings::waiting_ranks(db, child.id, a.id, first, last).await?
        }
        _ => HashMap::new(),
    };
    Ok(Some(Days {
        days: match &selected.activity {
            Some(_) => per_activity.into_iter().next().unwrap_or_default(),
            None => combined(&per_activity, days),
        },
        places_taken,
        waiting_ranks,
        pending_count: pending.len(),
    }))
}

/// One day of the selected child: each of its activities' state, in the activities'
/// order (`None` when no child is selected).
pub async fn day(
    db: &Db,
    booker: &Booker,
    selected: &Selected,
    day: Date,
    now: Timestamp,
) -> Result<Option<Vec<CalendarDay>>, Error> {
    let Some(child) = &selected.child else {
        return Ok(None);
    };
    let booked = bookings::child_bookings(db, child.id, day, day).await?;
    let pending = bookings::pending(db, booker.family).await?;
    Ok(Some(
        selected
            .activities
            .iter()
            .map(|a| activity_days(booker, selected, a, &[day], &booked, &pending, now)[0])
            .collect(),
    ))
}

/// The day view's « Valider »: the wanted activities become « to book », the unwanted
/// booked ones « to cancel »; an activity that cannot change that day keeps its state
/// whatever was asked. `false` when no child is selected.
pub async fn choose_day(
    db: &Db,
    booker: &Booker,
    selected: &Selected,
    on: Date,
    wanted: impl Fn(&Activity) -> bool,
    now: Timestamp,
) -> Result<bool, Error> {
    let (Some(child), Some(days)) = (&selected.child, day(db, booker, selected, on, now).await?)
    else {
        return Ok(false);
    };
    for (activity, current) in selected.activities.iter().zip(&days) {
        if !current.state.is_modifiable() {
            continue;
        }
        let change = match (current.state.is_booked(), wanted(activity)) {
            (false, true) => Some(Pending::Book),
            (true, false) => Some(Pending::Cancel),
            _ => None,
        };
        bookings::set_pending(
            db,
            booker.family,
            child.id,
            activity.id,
            &[(on, change)],
            now,
        )
        .await?;
    }
    Ok(true)
}

/// What a click on the calendar of one activity asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// One day, toggled.
    Day(Date),
    /// The week starting that Monday.
    Week(Date),
    /// Every such weekday of the month, 1 (Monday) to 7.
    Weekday(i8),
    Month,
}

/// What became of a click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drafted {
    /// The draft holds the changes (a day that cannot change is left as it is).
    Changed,
    /// No day of the selection may change: nothing did.
    Nothing,
    /// No child and activity selected, or a day outside the month: not a click the
    /// calendar sends.
    Invalid,
}

/// A click on the calendar of the selected child and activity, over the month's `days`:
/// one day toggled, or a quick tool (R-RES-6). Nothing is recorded but the draft.
pub async fn draft_days(
    db: &Db,
    booker: &Booker,
    selected: &Selected,
    days: &[Date],
    tool: Tool,
    now: Timestamp,
) -> Result<Drafted, Error> {
    let (Some(child), Some(activity), Some((&first, &last))) = (
        &selected.child,
        &selected.activity,
        days.first().zip(days.last()),
    ) else {
        return Ok(Drafted::Invalid);
    };
    let booked = bookings::child_bookings(db, child.id, first, last).await?;
    let pending = bookings::pending(db, booker.family).await?;
    let month = activity_days(booker, selected, activity, days, &booked, &pending, now);
    let in_set = |d: &CalendarDay| match tool {
        Tool::Day(day) => d.day == day,
        Tool::Week(monday) => d.day >= monday && d.day < monday + 7.days(),
        Tool::Weekday(n) => d.day.weekday().to_monday_one_offset() == n,
        Tool::Month => true,
    };
    let set: Vec<CalendarDay> = month.into_iter().filter(in_set).collect();
    let changes = match (tool, set.first()) {
        // A day that cannot change is left as it is.
        (Tool::Day(day), Some(clicked)) => {
            clicked.toggled().map(|p| (day, p)).into_iter().collect()
        }
        (Tool::Day(_), None) => return Ok(Drafted::Invalid),
        _ => match quick_tool(&set) {
            QuickTool::Nothing => return Ok(Drafted::Nothing),
            QuickTool::Changes(changes) => changes,
        },
    };
    bookings::set_pending(db, booker.family, child.id, activity.id, &changes, now).await?;
    Ok(Drafted::Changed)
}

/// « Annuler » on the calendar, « Abandonner » on the récapitulatif: every pending
/// change of the family is dropped.
pub async fn drop_draft(db: &Db, booker: &Booker) -> Result<(), Error> {
    bookings::clear_pending(db, booker.family).await?;
    Ok(())
}

/// What « Suivi des réservations » narrows its list to: one child (by public id), one
/// activity (by name), one state; `None` is every one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowFilter {
    pub child: Option<String>,
    pub activity: Option<String>,
    pub state: Option<ReservationState>,
}

impl FollowFilter {
    fn admits(&self, line: &FollowUp) -> bool {
        self.child
            .as_ref()
            .is_none_or(|c| *c == line.child_public_id)
            && self
                .activity
                .as_ref()
                .is_none_or(|a| *a == line.activity_name)
            && self.state.is_none_or(|s| s == line.state)
    }
}

/// « Suivi des réservations »: the family's reservations at the structure from `from` on,
/// as the filter narrows them.
pub struct FollowedUp {
    pub lines: Vec<FollowUp>,
    /// The family's children at the structure (the filter's choices, the calendar feeds).
    pub children: Vec<Child>,
    /// The activities the family has reservations at, by name (the filter's choices).
    pub activities: Vec<String>,
    /// Changes in the family's draft, not validated yet: not in the list.
    pub drafts: usize,
    /// The filter named a child that is not the family's: it was left out.
    pub unknown_child: bool,
}

pub async fn follow_up(
    db: &Db,
    booker: &Booker,
    from: Date,
    filter: &FollowFilter,
) -> Result<FollowedUp, Error> {
    let (family, structure) = (booker.family, booker.structure);
    let all = bookings::follow_up(db, family, structure, from).await?;
    let children = bookings::children(db, family, structure).await?;
    let mut activities: Vec<String> = all.iter().map(|f| f.activity_name.clone()).collect();
    activities.sort();
    activities.dedup();
    // A child with reservations left but no registration any more is still the family's.
    let unknown_child = filter.child.as_ref().is_some_and(|c| {
        !children.iter().any(|k| k.public_id == *c) && !all.iter().any(|f| f.child_public_id == *c)
    });
    let filter = if unknown_child {
        FollowFilter {
            child: None,
            ..filter.clone()
        }
    } else {
        filter.clone()
    };
    Ok(FollowedUp {
        lines: all.into_iter().filter(|f| filter.admits(f)).collect(),
        children,
        activities,
        drafts: bookings::pending(db, family).await?.len(),
        unknown_child,
    })
}

/// The private token of a child's calendar feed, created on first request; `None` when the
/// child is not one of the family's at the structure.
pub async fn feed_token(
    db: &Db,
    booker: &Booker,
    child: &str,
    now: Timestamp,
) -> Result<Option<(Child, String)>, Error> {
    let children = bookings::children(db, booker.family, booker.structure).await?;
    let Some(child) = children.into_iter().find(|c| c.public_id == child) else {
        return Ok(None);
    };
    let token = bookings::feed_token(db, booker.family, &child.public_id, now).await?;
    Ok(token.map(|token| (child, token)))
}

/// The accepted days behind a feed's token, for the phone's calendar (`None`: no such
/// feed). The token is the only key: a calendar application has no session.
pub async fn feed(db: &Db, token: &str) -> Result<Option<Vec<AcceptedDay>>, Error> {
    Ok(bookings::feed(db, token).await?)
}

/// The state of each day of one activity for the selected child, with its pending change.
fn activity_days(
    booker: &Booker,
    selected: &Selected,
    activity: &Activity,
    days: &[Date],
    booked: &HashMap<(ActivityId, Date), ReservationState>,
    pending: &[bookings::PendingChange],
    now: Timestamp,
) -> Vec<CalendarDay> {
    let child_id = selected.child.as_ref().map(|c| c.id);
    days.iter()
        .map(|&day| {
            let reservation = booked
                .get(&(activity.id, day))
                .copied()
                .filter(|s| s.holds_place());
            let refusal = activity.rules.calendar_refusal(
                selected.standing(),
                reservation.is_some(),
                day,
                now,
                &booker.calendar,
            );
            let modifiable = refusal.is_none();
            let pending = pending
                .iter()
                .find(|p| {
                    Some(p.child_id) == child_id && p.activity_id == activity.id && p.day == day
                })
                .map(|p| p.change);
            CalendarDay {
                day,
                state: DayState::of(reservation.is_some(), modifiable),
                pending,
                reservation,
                refusal,
            }
        })
        .collect()
}

/// Several activities: a day is booked if any activity is, modifiable if any activity is;
/// pending if any change waits; on the waiting list only if no activity has a place that day.
fn combined(per_activity: &[Vec<CalendarDay>], days: &[Date]) -> Vec<CalendarDay> {
    days.iter()
        .enumerate()
        .map(|(i, &day)| {
            let all: Vec<&CalendarDay> = per_activity.iter().map(|list| &list[i]).collect();
            let modifiable = all.iter().any(|d| d.state.is_modifiable());
            let pending = all.iter().find_map(|d| d.pending);
            let reservation = all
                .iter()
                .filter_map(|d| d.reservation)
                .min_by_key(|&s| s == ReservationState::Attente);
            CalendarDay {
                day,
                state: DayState::of(reservation.is_some(), modifiable),
                pending,
                reservation,
                refusal: if modifiable {
                    None
                } else {
                    all.iter().find_map(|d| d.refusal)
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn booked(state: ReservationState) -> CalendarDay {
        CalendarDay {
            day: date(2027, 6, 2),
            state: DayState::BookedCancellable,
            pending: None,
            reservation: Some(state),
            refusal: None,
        }
    }

    fn free() -> CalendarDay {
        CalendarDay {
            day: date(2027, 6, 2),
            state: DayState::Bookable,
            pending: None,
            reservation: None,
            refusal: None,
        }
    }

    #[test]
    fn all_activities_show_a_waiting_day_only_when_no_activity_has_a_place() {
        let days = [date(2027, 6, 2)];
        let one = |list: Vec<CalendarDay>| {
            combined(
                &list.into_iter().map(|d| vec![d]).collect::<Vec<_>>(),
                &days,
            )[0]
        };
        let waiting = booked(ReservationState::Attente);
        let accepted = booked(ReservationState::Acceptee);
        assert!(one(vec![free(), waiting]).is_waiting());
        assert!(one(vec![waiting, waiting]).is_waiting());
        assert!(!one(vec![waiting, accepted]).is_waiting());
        assert!(!one(vec![accepted, waiting]).is_waiting());
        assert!(one(vec![accepted, waiting]).state.is_booked());
        assert_eq!(one(vec![free(), free()]).reservation, None);
    }
}
