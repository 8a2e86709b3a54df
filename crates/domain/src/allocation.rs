//! How the processing run hands out places (R-NIGHT-1): per activity and day, freed places
//! go first to the waiting list, oldest first; a new booking gets a place if one is left,
//! else joins the waiting list; a request that has become impossible is refused.

use std::collections::VecDeque;

/// The places of one activity on one day, as the run sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// None: unlimited.
    pub capacity: Option<i64>,
    pub accepted: i64,
    /// Reservations waiting for a place, oldest first.
    pub waiting: VecDeque<i64>,
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
    /// The reservations taken off the waiting list by the place this cancellation freed.
    Cancelled {
        promoted: Vec<i64>,
    },
}

impl Ledger {
    fn has_room(&self) -> bool {
        self.capacity.is_none_or(|c| self.accepted < c)
    }

    /// Gives free places to the waiting list, oldest first; returns who got one.
    pub fn promote(&mut self) -> Vec<i64> {
        let mut promoted = Vec::new();
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
    pub fn apply(&mut self, movement: Movement, held_place: bool) -> Decision {
        match movement {
            Movement::Book {
                possible: Err(reason),
                ..
            } => Decision::Refused(reason),
            Movement::Book {
                id,
                possible: Ok(()),
            } => {
                // The waiting list is served before any newcomer.
                self.promote();
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
                Decision::Cancelled {
                    promoted: self.promote(),
                }
            }
        }
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

    #[test]
    fn places_then_waiting_list_in_arrival_order() {
        let mut day = Ledger {
            capacity: Some(2),
            ..Ledger::default()
        };
        assert_eq!(day.apply(book(1), false), Decision::Accepted);
        assert_eq!(day.apply(book(2), false), Decision::Accepted);
        assert_eq!(day.apply(book(3), false), Decision::WaitingList);
        assert_eq!(day.apply(book(4), false), Decision::WaitingList);
        // A cancellation frees a place for the oldest waiting request.
        assert_eq!(
            day.apply(Movement::Cancel { id: 1 }, true),
            Decision::Cancelled { promoted: vec![3] }
        );
        assert_eq!(day.waiting, VecDeque::from([4]));
        // A waiting request cancelled just leaves the list.
        assert_eq!(
            day.apply(Movement::Cancel { id: 4 }, false),
            Decision::Cancelled { promoted: vec![] }
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
            Decision::Refused("jour fermé")
        );
        for id in 2..100 {
            assert_eq!(day.apply(book(id), false), Decision::Accepted);
        }
    }

    #[test]
    fn a_place_freed_before_the_run_goes_to_the_waiting_list_first() {
        // The structure raised the capacity: the waiting list is served before newcomers.
        let mut day = Ledger {
            capacity: Some(3),
            accepted: 2,
            waiting: VecDeque::from([7]),
        };
        assert_eq!(day.apply(book(8), false), Decision::WaitingList);
        assert_eq!(
            (day.accepted, day.waiting.clone()),
            (3, VecDeque::from([8]))
        );
    }
}
