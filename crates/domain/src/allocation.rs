//! How the processing run hands out places (R-NIGHT-1): per activity and day, freed places
//! go first to the waiting list, oldest first; a new booking gets a place if one is left,
//! else joins the waiting list; a request that has become impossible is refused. A place is
//! freed by a cancellation, a raised capacity or a closure lifted; a closed day keeps its
//! waiting list until it opens again.

use std::collections::VecDeque;

/// The places of one activity on one day, as the run sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// None: unlimited.
    pub capacity: Option<i64>,
    pub accepted: i64,
    /// Reservations waiting for a place, oldest first.
    pub waiting: VecDeque<i64>,
    /// Closed that day: a place it frees is not given to a child who could not come.
    pub closed: bool,
}

/// One movement, in arrival order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Movement {
    /// Book the reservation `id`; `Err` when the day was closed or the child unregistered
    /// since the family asked.
    Book {
        id: i64,
        possible: Result<(), &'static str>,
    },
    /// Cancel the reservation `id`, which held a place, waited, or held nothing yet.
    Cancel { id: i64 },
}

/// Why a booking asked for can no longer be given, in the words of the family's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impossible {
    /// The request's reservation is gone.
    ReservationNotFound,
    /// The day was closed after the request.
    ActivityClosed,
    /// The child was unregistered after the request.
    NoLongerRegistered,
}

impl Impossible {
    pub fn reason(self) -> &'static str {
        match self {
            Impossible::ReservationNotFound => "réservation introuvable",
            Impossible::ActivityClosed => "l'activité est fermée ce jour-là",
            Impossible::NoLongerRegistered => "l'enfant n'est plus inscrit à l'activité",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Accepted,
    WaitingList,
    Refused(&'static str),
    Cancelled,
}

/// A movement's decision, and the reservations the day's free places took off the waiting
/// list on the way (oldest first), each to be told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    pub decision: Decision,
    pub promoted: Vec<i64>,
}

impl Ledger {
    fn has_room(&self) -> bool {
        self.capacity.is_none_or(|c| self.accepted < c)
    }

    /// Gives free places to the waiting list, oldest first; returns who got one. A day
    /// whose capacity was raised, or which opened again, is served this way before any
    /// other movement.
    pub fn promote(&mut self) -> Vec<i64> {
        let mut promoted = Vec::new();
        if self.closed {
            return promoted;
        }
        while self.has_room() {
            let Some(id) = self.waiting.pop_front() else {
                break;
            };
            self.accepted += 1;
            promoted.push(id);
        }
        promoted
    }

    /// Decides one movement. `held_place` says whether a cancelled reservation held a
    /// place (it was accepted) — a waiting one leaves the list instead.
    pub fn apply(&mut self, movement: Movement, held_place: bool) -> Decided {
        // The waiting list is served before any newcomer.
        let mut promoted = self.promote();
        let decision = match movement {
            Movement::Book {
                possible: Err(reason),
                ..
            } => Decision::Refused(reason),
            Movement::Book {
                id,
                possible: Ok(()),
            } => {
                if self.has_room() && self.waiting.is_empty() {
                    self.accepted += 1;
                    Decision::Accepted
                } else {
                    self.waiting.push_back(id);
                    Decision::WaitingList
                }
            }
            Movement::Cancel { id } => {
                if held_place {
                    self.accepted = (self.accepted - 1).max(0);
                } else {
                    self.waiting.retain(|w| *w != id);
                }
                promoted.extend(self.promote());
                Decision::Cancelled
            }
        };
        Decided { decision, promoted }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(id: i64) -> Movement {
        Movement::Book {
            id,
            possible: Ok(()),
        }
    }

    fn decided(decision: Decision, promoted: &[i64]) -> Decided {
        Decided {
            decision,
            promoted: promoted.to_vec(),
        }
    }

    #[test]
    fn places_then_waiting_list_in_arrival_order() {
        let mut day = Ledger {
            capacity: Some(2),
            ..Ledger::default()
        };
        assert_eq!(day.apply(book(1), false), decided(Decision::Accepted, &[]));
        assert_eq!(day.apply(book(2), false), decided(Decision::Accepted, &[]));
        assert_eq!(
            day.apply(book(3), false),
            decided(Decision::WaitingList, &[])
        );
        assert_eq!(
            day.apply(book(4), false),
            decided(Decision::WaitingList, &[])
        );
        // A cancellation frees a place for the oldest waiting request.
        assert_eq!(
            day.apply(Movement::Cancel { id: 1 }, true),
            decided(Decision::Cancelled, &[3])
        );
        assert_eq!(day.waiting, VecDeque::from([4]));
        // A waiting request cancelled just leaves the list.
        assert_eq!(
            day.apply(Movement::Cancel { id: 4 }, false),
            decided(Decision::Cancelled, &[])
        );
        assert_eq!((day.accepted, day.waiting.len()), (2, 0));
    }

    #[test]
    fn impossible_requests_are_refused_and_unlimited_days_accept_all() {
        let mut day = Ledger::default();
        assert_eq!(
            day.apply(
                Movement::Book {
                    id: 1,
                    possible: Err("jour fermé")
                },
                false
            ),
            decided(Decision::Refused("jour fermé"), &[])
        );
        for id in 2..100 {
            assert_eq!(day.apply(book(id), false), decided(Decision::Accepted, &[]));
        }
    }

    #[test]
    fn a_place_freed_before_the_run_goes_to_the_waiting_list_first() {
        // The structure raised the capacity: the waiting list is served before newcomers.
        let mut day = Ledger {
            capacity: Some(3),
            accepted: 2,
            waiting: VecDeque::from([7]),
            closed: false,
        };
        assert_eq!(
            day.apply(book(8), false),
            decided(Decision::WaitingList, &[7])
        );
        assert_eq!(
            (day.accepted, day.waiting.clone()),
            (3, VecDeque::from([8]))
        );
    }

    #[test]
    fn a_closed_day_keeps_its_waiting_list_until_it_opens_again() {
        let mut day = Ledger {
            capacity: Some(1),
            accepted: 1,
            waiting: VecDeque::from([2, 3]),
            closed: true,
        };
        assert_eq!(
            day.apply(Movement::Cancel { id: 1 }, true),
            decided(Decision::Cancelled, &[])
        );
        day.capacity = Some(2);
        assert!(day.promote().is_empty());
        day.closed = false;
        assert_eq!(day.promote(), vec![2, 3]);
        assert_eq!((day.accepted, day.waiting.len()), (2, 0));
    }
}
