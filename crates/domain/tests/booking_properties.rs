//! Properties of the booking rules over many generated days, times and calendars.

use jiff::{
    ToSpan,
    civil::{Date, Time, date},
};
use proptest::prelude::*;
use ribambelle_domain::{
    activity::{PeriodKind, Schedule, parse_weekdays},
    booking::{
        BookingRules, CalendarDay, DayState, Deadline, Pending, QuickTool, ReservationState,
        Standing, quick_tool,
    },
    calendar::{SchoolCalendar, SchoolZone, parse_holiday_csv},
    clock::{paris_date, paris_instant},
};

fn calendar() -> SchoolCalendar {
    let periods =
        parse_holiday_csv(include_str!("../../store/seed/vacances-scolaires.csv")).unwrap();
    SchoolCalendar::new(SchoolZone::C, periods, false)
}

fn any_day() -> impl Strategy<Value = Date> {
    (0i64..(365 * 3)).prop_map(|n| date(2025, 1, 1) + n.days())
}

fn any_state() -> impl Strategy<Value = DayState> {
    prop_oneof![
        Just(DayState::Bookable),
        Just(DayState::BookedCancellable),
        Just(DayState::BookedLocked),
        Just(DayState::Closed)
    ]
}

fn any_pending(state: DayState) -> BoxedStrategy<Option<Pending>> {
    match state {
        DayState::Bookable => prop_oneof![Just(None), Just(Some(Pending::Book))].boxed(),
        DayState::BookedCancellable => prop_oneof![Just(None), Just(Some(Pending::Cancel))].boxed(),
        _ => Just(None).boxed(),
    }
}

fn any_set() -> impl Strategy<Value = Vec<CalendarDay>> {
    prop::collection::vec(
        any_state().prop_flat_map(|s| (Just(s), any_pending(s))),
        0..25,
    )
    .prop_map(|days| {
        days.into_iter()
            .enumerate()
            .map(|(i, (state, pending))| CalendarDay {
                day: date(2027, 6, 1) + (i as i64).days(),
                state,
                pending,
                reservation: state.is_booked().then_some(ReservationState::Acceptee),
                refusal: None,
            })
            .collect()
    })
}

fn apply(set: &[CalendarDay], changes: &[(Date, Option<Pending>)]) -> Vec<CalendarDay> {
    set.iter()
        .map(|d| match changes.iter().find(|(day, _)| *day == d.day) {
            Some((_, pending)) => CalendarDay {
                pending: *pending,
                ..*d
            },
            None => *d,
        })
        .collect()
}

proptest! {
    /// The deadline of a day is before the day's week starts, the same for the whole week,
    /// and never goes backwards from one day to the next.
    #[test]
    fn deadlines_fall_before_the_week_and_move_forward(day in any_day()) {
        let deadline = Deadline::default();
        let monday = day - i64::from(day.weekday().to_monday_zero_offset()).days();
        let week_start = paris_instant(monday, Time::midnight());
        prop_assert!(deadline.for_day(day) < week_start);
        prop_assert!(deadline.for_day(day) >= paris_instant(monday - 5.days(), Time::midnight()));
        prop_assert_eq!(deadline.for_day(day), deadline.for_day(monday));
        prop_assert!(deadline.for_day(day + 1.day()) >= deadline.for_day(day));
    }

    /// Whatever the day and the moment, a school day accepted by the rules is open, before
    /// its deadline and within 90 days.
    #[test]
    fn an_accepted_school_day_respects_every_rule(day in any_day(), before in -5i64..100, hour in 0i8..24) {
        // Moments around the window that matters: from a few days after the day to 100 before.
        let now = paris_instant(day - before.days(), Time::constant(hour, 30, 0, 0));
        let rules = BookingRules {
            schedule: Schedule { period_kind: PeriodKind::Scolaire, weekdays: parse_weekdays("1,2,3,4,5").unwrap() },
            deadline: Deadline::default(),
            horizon_days: 90,
            holiday_windows: Vec::new(),
            closures: Vec::new(),
        };
        let cal = calendar();
        let standing = Standing { block: None, reglement_signed: true };
        if rules.may_change(standing, false, day, now, &cal).is_ok() {
            prop_assert!(cal.is_school_day(day));
            prop_assert!(now <= rules.deadline.for_day(day));
            prop_assert!(day <= paris_date(now) + 90.days());
            prop_assert!(day > paris_date(now));
        }
    }

    /// After a quick tool, every modifiable day of the set agrees, with the opposite of
    /// what the first modifiable day was; days that cannot change are left alone.
    #[test]
    fn quick_tools_make_the_set_agree(set in any_set()) {
        let first = set.iter().find(|d| d.state.is_modifiable()).copied();
        match quick_tool(&set) {
            QuickTool::Nothing => prop_assert!(first.is_none()),
            QuickTool::Changes(changes) => {
                let first = first.expect("a modifiable day");
                let after = apply(&set, &changes);
                let wanted = !first.booked_with_pending();
                for (before, now) in set.iter().zip(&after) {
                    if before.state.is_modifiable() {
                        prop_assert_eq!(now.booked_with_pending(), wanted);
                        // A pending change always goes against the day's real state.
                        prop_assert!(now.pending != Some(Pending::Book) || !now.state.is_booked());
                        prop_assert!(now.pending != Some(Pending::Cancel) || now.state.is_booked());
                    } else {
                        prop_assert_eq!(now, before);
                    }
                }
            }
        }
    }
}

proptest! {
    /// Whatever the movements, capacity changes and closures, accepted places never exceed
    /// the capacity, nobody waits while an open day has a free place, and the waiting list
    /// keeps arrival order: every reservation it promotes is reported, oldest first.
    #[test]
    fn allocation_never_overbooks(capacity in 0i64..6, moves in prop::collection::vec((0u8..7, 0usize..40), 0..80)) {
        use ribambelle_domain::allocation::{Decided, Decision, Ledger, Movement};
        let mut ledger = Ledger { capacity: Some(capacity), ..Ledger::default() };
        let mut holders: Vec<i64> = Vec::new();
        let mut next = 0i64;
        let served = |holders: &mut Vec<i64>, promoted: Vec<i64>| -> Result<(), TestCaseError> {
            prop_assert!(promoted.windows(2).all(|w| w[0] < w[1]));
            holders.extend(promoted);
            Ok(())
        };
        for (kind, pick) in moves {
            let cancellable = !holders.is_empty() || !ledger.waiting.is_empty();
            // Whether the day's waiting list was just served (by a movement or the run's
            // pass), rather than the day just changed by the structure.
            let served_now = match kind {
                2 if cancellable => {
                    let waiting: Vec<i64> = ledger.waiting.iter().copied().collect();
                    let all: Vec<i64> = holders.iter().chain(&waiting).copied().collect();
                    let id = all[pick % all.len()];
                    let held = holders.contains(&id);
                    holders.retain(|h| *h != id);
                    let Decided { decision, promoted } = ledger.apply(Movement::Cancel { id }, held);
                    prop_assert_eq!(decision, Decision::Cancelled);
                    served(&mut holders, promoted)?;
                    true
                }
                3 => {
                    let capacity = ledger.capacity.unwrap_or(0) + pick as i64 % 3 - 1;
                    ledger.capacity = Some(capacity.clamp(0, 6));
                    false
                }
                4 => {
                    ledger.closed = !ledger.closed;
                    false
                }
                5 => {
                    served(&mut holders, ledger.promote())?;
                    true
                }
                _ => {
                    next += 1;
                    let possible = if ledger.closed { Err("fermé") } else { Ok(()) };
                    let Decided { decision, promoted } = ledger.apply(Movement::Book { id: next, possible }, false);
                    served(&mut holders, promoted)?;
                    match &decision {
                        Decision::Accepted => holders.push(next),
                        Decision::WaitingList => {}
                        Decision::Refused(_) => prop_assert!(ledger.closed),
                        other => prop_assert!(false, "{other:?}"),
                    }
                    prop_assert!(decision != Decision::Accepted || Some(ledger.accepted) <= ledger.capacity);
                    true
                }
            };
            prop_assert!(!served_now || ledger.closed || ledger.waiting.is_empty() || Some(ledger.accepted) >= ledger.capacity);
            prop_assert_eq!(ledger.accepted as usize, holders.len());
            prop_assert!(ledger.waiting.iter().zip(ledger.waiting.iter().skip(1)).all(|(a, b)| a < b));
        }
    }
}
