//! The booking rules: which days of an activity a family may book or cancel now, the four
//! states of a calendar day, and the quick tools (week, weekday of the month, month).
//! Every rule is stated in Paris time (see `clock`).

use jiff::{
    Timestamp, ToSpan,
    civil::{Date, Time, Weekday},
};

use crate::{
    activity::Schedule,
    calendar::SchoolCalendar,
    clock::{paris_date, paris_instant},
    money::Cents,
    report::Outcome,
};

/// The last moment to book or cancel a school-period day: by default the Thursday of the
/// week before, at 23:59:59.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub weekday: Weekday,
    pub time: Time,
    /// 1: the week before the day's week; 2: the week before that…
    pub weeks_before: i64,
}

impl Default for Deadline {
    fn default() -> Self {
        Deadline {
            weekday: Weekday::Thursday,
            time: Time::constant(23, 59, 59, 0),
            weeks_before: 1,
        }
    }
}

impl Deadline {
    /// The first week (its Monday) still open to changes at `now`, and its deadline: what
    /// the calendar announces above its grid.
    pub fn next_open_week(&self, now: Timestamp) -> (Date, Timestamp) {
        let today = paris_date(now);
        let mut monday = today - i64::from(today.weekday().to_monday_zero_offset()).days();
        while self.for_day(monday) < now {
            monday += 7.days();
        }
        (monday, self.for_day(monday))
    }

    /// « Prochaine date limite : le jeudi 3 décembre 2026 à 23h59, pour réserver ou annuler
    /// les jours de la semaine du lundi 7 décembre 2026. »
    pub fn next_open_week_text(&self, now: Timestamp) -> String {
        let (monday, until) = self.next_open_week(now);
        format!(
            "Prochaine date limite : le {}, pour réserver ou annuler les jours de la semaine du {}.",
            moment(until),
            crate::french::long_date(monday)
        )
    }

    /// The same in a phone's width: « Limite : jeu. 03/12, 23h59 (sem. du 07/12) ».
    pub fn next_open_week_short(&self, now: Timestamp) -> String {
        let (monday, until) = self.next_open_week(now);
        let at = until.to_zoned_datetime(crate::clock::paris());
        format!(
            "Limite : {}, {:02}h{:02} (sem. du {:02}/{:02})",
            crate::french::short_day(at.date()),
            at.hour(),
            at.minute(),
            monday.day(),
            monday.month()
        )
    }

    /// The instant after which `day` can no longer be booked or cancelled. Weeks run from
    /// Monday to Sunday.
    pub fn for_day(&self, day: Date) -> Timestamp {
        let monday = day - i64::from(day.weekday().to_monday_zero_offset()).days();
        let date = monday - (7 * self.weeks_before).days()
            + i64::from(self.weekday.to_monday_zero_offset()).days();
        paris_instant(date, self.time)
    }
}

/// The booking window of one holiday period, set by the structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayWindow {
    pub first_day: Date,
    pub last_day: Date,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
}

/// What decides whether a day of an activity can be changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRules {
    pub schedule: Schedule,
    pub deadline: Deadline,
    /// School-period days can be booked at most this many days ahead.
    pub horizon_days: i64,
    pub holiday_windows: Vec<HolidayWindow>,
    /// Days the structure closed (strike, school trip, works…).
    pub closures: Vec<Date>,
}

/// Why a family may not book at a structure at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// The account is débiteur: this much is owed (see `Debts`).
    Debtor(Cents),
}

/// What a family owes at a structure, as the débiteur rule (R-RES-2) reads it, the way a
/// family understands it: an invoice not paid by its due date, or a prepaid porte-monnaie
/// spent beyond its credit. An invoice still within its due date blocks nothing, and a
/// prepaid credit is money for its own activities, not for paying invoices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Debts {
    /// What invoices past their due date still owe.
    pub overdue_invoices: Cents,
    /// What prepaid porte-monnaie are below zero, counted positive.
    pub overdrawn_prepaid: Cents,
}

impl Debts {
    /// Whether an invoice owing `owed` and due on `due_on` is overdue on `today`: it may
    /// be paid until the end of its due date.
    pub fn is_overdue(due_on: Date, owed: Cents, today: Date) -> bool {
        owed > Cents(0) && due_on < today
    }
}

impl Block {
    /// The family's block at a structure, from what it owes there.
    pub fn for_debts(debts: Debts) -> Option<Block> {
        let owed = debts.overdue_invoices + debts.overdrawn_prepaid;
        (owed > Cents(0)).then_some(Block::Debtor(owed))
    }
}

/// Where the family and the child stand at the structure: what a day's rules do not say
/// but every change depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub block: Option<Block>,
    /// The child's règlement intérieur is signed for this structure.
    pub reglement_signed: bool,
}

/// Why a change cannot be made now, in the family's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingRefusal {
    Debtor,
    ReglementUnsigned,
    NotOpen,
    PastDeadline,
    BeyondHorizon,
    WindowNotYetOpen,
    WindowClosed,
    AlreadyBooked,
    NothingToCancel,
}

impl BookingRefusal {
    pub fn message(self) -> &'static str {
        match self {
            BookingRefusal::Debtor => {
                "compte débiteur : réglez ce qui reste dû dans « Paiement et Solde »"
            }
            BookingRefusal::ReglementUnsigned => {
                "le règlement intérieur de l'enfant n'est pas signé"
            }
            BookingRefusal::NotOpen => "l'activité n'est pas ouverte ce jour-là",
            BookingRefusal::PastDeadline => {
                "hors délai : au plus tard le jeudi de la semaine précédente"
            }
            BookingRefusal::BeyondHorizon => {
                "trop tôt : les réservations sont ouvertes sur 90 jours"
            }
            BookingRefusal::WindowNotYetOpen => {
                "les réservations pour ces vacances ne sont pas encore ouvertes"
            }
            BookingRefusal::WindowClosed => "les réservations pour ces vacances sont closes",
            BookingRefusal::AlreadyBooked => "déjà réservé",
            BookingRefusal::NothingToCancel => "aucune réservation à annuler",
        }
    }
}

/// Why the calendar shows a day as not changeable, with what a family needs to know: the
/// holiday or public holiday that closes it, the date its booking opens, the deadline
/// that passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedReason {
    /// In the day's accessible name: « hors délai depuis le jeudi 3 décembre 2026 à 23h59 ».
    pub spoken: String,
    /// On the day's cell: « hors délai ».
    pub short: String,
}

impl ClosedReason {
    fn new(spoken: String, short: &str) -> ClosedReason {
        ClosedReason {
            spoken,
            short: short.to_owned(),
        }
    }
}

/// « jeudi 3 décembre 2026 à 23h59 », Paris time.
fn moment(instant: Timestamp) -> String {
    let at = instant.to_zoned_datetime(crate::clock::paris());
    format!(
        "{} à {:02}h{:02}",
        crate::french::long_date(at.date()),
        at.hour(),
        at.minute()
    )
}

impl BookingRules {
    pub fn is_open(&self, day: Date, calendar: &SchoolCalendar) -> bool {
        self.schedule.is_open(day, calendar) && !self.closures.contains(&day)
    }

    /// Whether the family may change `day` at `now`, booking it or, when it is `booked`
    /// (a place or a waiting-list place), cancelling it: the one rule the calendar, the
    /// day view, the copy, the récapitulatif and the confirmation follow. The account and
    /// the règlement come first (a débiteur may still cancel, never book; what it asked
    /// before, waiting places included, is still decided by the run: the block stops new
    /// bookings, it takes nothing back); then school-period days follow the deadline and
    /// the horizon, holiday days their period's window only.
    pub fn may_change(
        &self,
        standing: Standing,
        booked: bool,
        day: Date,
        now: Timestamp,
        calendar: &SchoolCalendar,
    ) -> Result<(), BookingRefusal> {
        if standing.block.is_some() && !booked {
            return Err(BookingRefusal::Debtor);
        }
        if !standing.reglement_signed {
            return Err(BookingRefusal::ReglementUnsigned);
        }
        if !self.is_open(day, calendar) {
            return Err(BookingRefusal::NotOpen);
        }
        if calendar.holiday_at(day).is_some() {
            let window = self
                .holiday_windows
                .iter()
                .find(|w| w.first_day <= day && day <= w.last_day);
            return match window {
                None => Err(BookingRefusal::WindowNotYetOpen),
                Some(w) if now < w.opens_at => Err(BookingRefusal::WindowNotYetOpen),
                Some(w) if now > w.closes_at => Err(BookingRefusal::WindowClosed),
                Some(_) => Ok(()),
            };
        }
        if now > self.deadline.for_day(day) {
            return Err(BookingRefusal::PastDeadline);
        }
        if day > paris_date(now) + self.horizon_days.days() {
            return Err(BookingRefusal::BeyondHorizon);
        }
        Ok(())
    }

    /// `refusal`, the reason `day` cannot change, in the words of the day itself.
    pub fn closed_reason(
        &self,
        refusal: BookingRefusal,
        day: Date,
        calendar: &SchoolCalendar,
    ) -> ClosedReason {
        use crate::activity::PeriodKind;
        let window = || {
            self.holiday_windows
                .iter()
                .find(|w| w.first_day <= day && day <= w.last_day)
        };
        match refusal {
            BookingRefusal::NotOpen => {
                if self.closures.contains(&day) {
                    ClosedReason::new("fermeture exceptionnelle de l'activité".into(), "fermeture")
                } else if let Some(name) = calendar.public_holiday_at(day) {
                    ClosedReason::new(format!("jour férié ({name})"), "férié")
                } else if let (PeriodKind::Scolaire, Some(holiday)) =
                    (self.schedule.period_kind, calendar.holiday_at(day))
                {
                    ClosedReason::new(format!("vacances scolaires ({})", holiday.name), "vacances")
                } else if self.schedule.period_kind == PeriodKind::Vacances
                    && calendar.holiday_at(day).is_none()
                {
                    ClosedReason::new(
                        "l'activité n'a lieu que pendant les vacances".into(),
                        "hors vacances",
                    )
                } else {
                    ClosedReason::new(
                        "l'activité n'a pas lieu ce jour-là".into(),
                        "pas d'activité",
                    )
                }
            }
            BookingRefusal::PastDeadline => ClosedReason::new(
                format!(
                    "hors délai depuis le {}",
                    moment(self.deadline.for_day(day))
                ),
                "hors délai",
            ),
            BookingRefusal::BeyondHorizon => ClosedReason::new(
                format!(
                    "réservable à partir du {}",
                    crate::french::long_date(day - self.horizon_days.days())
                ),
                "pas encore ouvert",
            ),
            BookingRefusal::WindowNotYetOpen => match window() {
                Some(w) => ClosedReason::new(
                    format!("réservations ouvertes à partir du {}", moment(w.opens_at)),
                    "pas encore ouvert",
                ),
                None => ClosedReason::new(
                    "les réservations de ces vacances ne sont pas encore ouvertes".into(),
                    "pas encore ouvert",
                ),
            },
            BookingRefusal::WindowClosed => match window() {
                Some(w) => ClosedReason::new(
                    format!("réservations closes depuis le {}", moment(w.closes_at)),
                    "réservations closes",
                ),
                None => ClosedReason::new(refusal.message().into(), "réservations closes"),
            },
            BookingRefusal::Debtor => ClosedReason::new(refusal.message().into(), "débiteur"),
            BookingRefusal::ReglementUnsigned => {
                ClosedReason::new(refusal.message().into(), "règlement à signer")
            }
            BookingRefusal::AlreadyBooked | BookingRefusal::NothingToCancel => {
                ClosedReason::new(refusal.message().into(), "")
            }
        }
    }

    /// Why the calendar shows `day` as not changeable, if it is not: the day's own reason
    /// (closed, past its deadline) before the account's, so that a débiteur is told about
    /// the account only on the days it could otherwise book.
    pub fn calendar_refusal(
        &self,
        standing: Standing,
        booked: bool,
        day: Date,
        now: Timestamp,
        calendar: &SchoolCalendar,
    ) -> Option<BookingRefusal> {
        match self.may_change(standing, booked, day, now, calendar) {
            Ok(()) => None,
            Err(BookingRefusal::Debtor) => {
                let in_good_standing = Standing {
                    block: None,
                    ..standing
                };
                Some(
                    self.may_change(in_good_standing, booked, day, now, calendar)
                        .err()
                        .unwrap_or(BookingRefusal::Debtor),
                )
            }
            Err(other) => Some(other),
        }
    }

    /// Whether this change of a day booked or not can be made now: the day may change,
    /// and a booking is for a day not booked, a cancellation for a booked one.
    pub fn may_make(
        &self,
        change: Pending,
        booked: bool,
        standing: Standing,
        day: Date,
        now: Timestamp,
        calendar: &SchoolCalendar,
    ) -> Result<(), BookingRefusal> {
        self.may_change(standing, booked, day, now, calendar)?;
        match (change, booked) {
            (Pending::Book, true) => Err(BookingRefusal::AlreadyBooked),
            (Pending::Cancel, false) => Err(BookingRefusal::NothingToCancel),
            _ => Ok(()),
        }
    }
}

/// A source day of a copy (R-RES-10) as the target activity finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopiedDay {
    pub day: Date,
    /// The target is already booked (or about to be) that day.
    pub already_booked: bool,
    /// The target has no place left that day.
    pub full: bool,
    /// Another activity of the child that day overlaps the target's hours.
    pub overlapping: bool,
}

/// Why a day cannot be copied, in the family's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyRefusal {
    Booking(BookingRefusal),
    Full,
    Overlapping,
}

impl CopyRefusal {
    pub fn message(self) -> &'static str {
        match self {
            CopyRefusal::Booking(refusal) => refusal.message(),
            CopyRefusal::Full => "plus de place",
            CopyRefusal::Overlapping => {
                "horaires incompatibles avec une autre activité de l'enfant ce jour-là"
            }
        }
    }
}

/// The longest period one copy covers: three months, so that a copy's list of refused
/// days stays one a family reads through.
pub const COPY_SPAN_DAYS: i32 = 92;

/// Why the period typed for a copy is refused, in the family's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyPeriodRefusal {
    EndsBeforeStart,
    TooLong,
}

impl CopyPeriodRefusal {
    pub fn message(self) -> &'static str {
        match self {
            CopyPeriodRefusal::EndsBeforeStart => "La date de fin doit suivre la date de début.",
            CopyPeriodRefusal::TooLong => "Copiez au plus trois mois à la fois.",
        }
    }
}

/// Whether a copy may cover the days from `from` to `to`, both included.
pub fn copy_period(from: Date, to: Date) -> Result<(), CopyPeriodRefusal> {
    if to < from {
        Err(CopyPeriodRefusal::EndsBeforeStart)
    } else if (to - from).get_days() > COPY_SPAN_DAYS {
        Err(CopyPeriodRefusal::TooLong)
    } else {
        Ok(())
    }
}

impl BookingRules {
    /// Whether a day of the copy's source may be booked for this target activity: as any
    /// booking, then with a place left and no other activity of the child at those hours.
    pub fn may_copy(
        &self,
        standing: Standing,
        copied: CopiedDay,
        now: Timestamp,
        calendar: &SchoolCalendar,
    ) -> Result<(), CopyRefusal> {
        self.may_make(
            Pending::Book,
            copied.already_booked,
            standing,
            copied.day,
            now,
            calendar,
        )
        .map_err(CopyRefusal::Booking)?;
        if copied.full {
            return Err(CopyRefusal::Full);
        }
        if copied.overlapping {
            return Err(CopyRefusal::Overlapping);
        }
        Ok(())
    }
}

/// The state of a reservation, as stored and as « Suivi des réservations » names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReservationState {
    /// Confirmed by the family, waiting for the processing run.
    NonTransmise,
    Acceptee,
    /// On the waiting list.
    Attente,
    Refusee,
    Annulee,
}

impl ReservationState {
    pub const ALL: [ReservationState; 5] = [
        ReservationState::NonTransmise,
        ReservationState::Acceptee,
        ReservationState::Attente,
        ReservationState::Refusee,
        ReservationState::Annulee,
    ];

    /// The stored form.
    pub fn code(self) -> &'static str {
        match self {
            ReservationState::NonTransmise => "non_transmise",
            ReservationState::Acceptee => "acceptee",
            ReservationState::Attente => "attente",
            ReservationState::Refusee => "refusee",
            ReservationState::Annulee => "annulee",
        }
    }

    pub fn from_code(code: &str) -> Option<ReservationState> {
        ReservationState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// What the family reads.
    pub fn label(self) -> &'static str {
        match self {
            ReservationState::NonTransmise => "Non transmise",
            ReservationState::Acceptee => "Acceptée",
            ReservationState::Attente => "En liste d'attente",
            ReservationState::Refusee => "Refusée",
            ReservationState::Annulee => "Annulée",
        }
    }

    /// « En liste d'attente (2e) »: the state, with the place in the queue where known.
    pub fn label_with_rank(self, rank: Option<u32>) -> String {
        match rank {
            Some(rank) => format!("{} ({})", self.label(), crate::french::rank(rank)),
            None => self.label().to_owned(),
        }
    }

    /// Whether the reservation holds a place, or asks for one: the day counts as booked.
    pub fn holds_place(self) -> bool {
        matches!(
            self,
            ReservationState::NonTransmise | ReservationState::Acceptee | ReservationState::Attente
        )
    }

    /// Whether the day is billed: a cancelled or refused day costs nothing.
    pub fn is_billed(self) -> bool {
        !matches!(self, ReservationState::Refusee | ReservationState::Annulee)
    }
}

/// What the processing run decided for one request, as stored with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RequestOutcome {
    Accepted,
    WaitingList,
    /// Refused, with the reason the family reads (« plus de place »…).
    Refused(String),
    Cancelled,
    /// Cancelled or decided again since it was asked: a later request speaks for it.
    Replaced,
}

impl RequestOutcome {
    /// The stored form: « acceptee », « attente », « refusee:plus de place », « annulee »,
    /// « remplacee ».
    pub fn code(&self) -> String {
        match self {
            RequestOutcome::Accepted => "acceptee".to_owned(),
            RequestOutcome::WaitingList => "attente".to_owned(),
            RequestOutcome::Refused(reason) => format!("refusee:{reason}"),
            RequestOutcome::Cancelled => "annulee".to_owned(),
            RequestOutcome::Replaced => "remplacee".to_owned(),
        }
    }

    pub fn from_code(code: &str) -> Option<RequestOutcome> {
        Some(match code.split_once(':') {
            Some(("refusee", reason)) => RequestOutcome::Refused(reason.to_owned()),
            Some(_) => return None,
            None => match code {
                "acceptee" => RequestOutcome::Accepted,
                "attente" => RequestOutcome::WaitingList,
                "annulee" => RequestOutcome::Cancelled,
                "remplacee" => RequestOutcome::Replaced,
                _ => return None,
            },
        })
    }

    /// Its section of the report mail; a replaced request has none (the later one speaks).
    pub fn report_section(&self) -> Option<Outcome> {
        match self {
            RequestOutcome::Accepted => Some(Outcome::Accepted),
            RequestOutcome::WaitingList => Some(Outcome::WaitingList),
            RequestOutcome::Refused(_) => Some(Outcome::Refused),
            RequestOutcome::Cancelled => Some(Outcome::Cancelled),
            RequestOutcome::Replaced => None,
        }
    }
}

/// The four states of a calendar day (R-RES-6), before pending changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayState {
    /// Open, not booked: can be booked.
    Bookable,
    /// Booked (or requested, or on the waiting list) and still cancellable.
    BookedCancellable,
    /// Booked, too late to cancel.
    BookedLocked,
    /// Not open, or too late to book.
    Closed,
}

impl DayState {
    pub fn of(booked: bool, modifiable: bool) -> DayState {
        match (booked, modifiable) {
            (false, true) => DayState::Bookable,
            (true, true) => DayState::BookedCancellable,
            (true, false) => DayState::BookedLocked,
            (false, false) => DayState::Closed,
        }
    }

    pub fn is_booked(self) -> bool {
        matches!(self, DayState::BookedCancellable | DayState::BookedLocked)
    }

    pub fn is_modifiable(self) -> bool {
        matches!(self, DayState::Bookable | DayState::BookedCancellable)
    }
}

/// A change the family asked for but has not confirmed yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pending {
    Book,
    Cancel,
}

/// One day as the calendar shows it: its state and any pending change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarDay {
    pub day: Date,
    pub state: DayState,
    pub pending: Option<Pending>,
    /// The state of the reservation that holds the day, if it is booked: accepted, not
    /// transmitted yet, or on the waiting list.
    pub reservation: Option<ReservationState>,
    /// Why the day cannot be changed now, when it cannot.
    pub refusal: Option<BookingRefusal>,
}

impl CalendarDay {
    /// Booked, but on the waiting list: the family has no place yet.
    pub fn is_waiting(&self) -> bool {
        self.state.is_booked() && self.reservation == Some(ReservationState::Attente)
    }

    /// Booked once the pending change is applied.
    pub fn booked_with_pending(&self) -> bool {
        match self.pending {
            Some(Pending::Book) => true,
            Some(Pending::Cancel) => false,
            None => self.state.is_booked(),
        }
    }

    /// What clicking the day does: a modifiable day toggles between its state and the
    /// opposite pending change.
    pub fn toggled(&self) -> Option<Option<Pending>> {
        if !self.state.is_modifiable() {
            return None;
        }
        Some(match (self.state.is_booked(), self.pending) {
            (_, Some(_)) => None,
            (false, None) => Some(Pending::Book),
            (true, None) => Some(Pending::Cancel),
        })
    }
}

/// What a quick tool decided for its set of days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuickTool {
    /// The set held no modifiable day.
    Nothing,
    /// The pending change of each day to set (None: drop a pending change).
    Changes(Vec<(Date, Option<Pending>)>),
}

/// The quick tools' rule (R-RES-7): within the modifiable days of the set, if the first
/// one is not booked (counting pending changes) every day not booked becomes « to book »;
/// otherwise every booked day becomes « to cancel ».
pub fn quick_tool(set: &[CalendarDay]) -> QuickTool {
    let mut modifiable: Vec<&CalendarDay> =
        set.iter().filter(|d| d.state.is_modifiable()).collect();
    modifiable.sort_by_key(|d| d.day);
    let Some(first) = modifiable.first() else {
        return QuickTool::Nothing;
    };
    let book = !first.booked_with_pending();
    let changes = modifiable
        .iter()
        .filter(|d| d.booked_with_pending() != book)
        .map(|d| {
            let pending = match (book, d.state.is_booked()) {
                (true, true) | (false, false) => None,
                (true, false) => Some(Pending::Book),
                (false, true) => Some(Pending::Cancel),
            };
            (d.day, pending)
        })
        .collect();
    QuickTool::Changes(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        activity::{PeriodKind, parse_weekdays},
        calendar::{SchoolZone, parse_holiday_csv},
    };
    use jiff::civil::date;

    /// A family that may book, with the child's règlement signed.
    const SIGNED: Standing = Standing {
        block: None,
        reglement_signed: true,
    };

    fn calendar() -> SchoolCalendar {
        let periods =
            parse_holiday_csv(include_str!("../../store/seed/vacances-scolaires.csv")).unwrap();
        SchoolCalendar::new(SchoolZone::C, periods, false)
    }

    fn aps() -> BookingRules {
        BookingRules {
            schedule: Schedule {
                period_kind: PeriodKind::Scolaire,
                weekdays: parse_weekdays("1,2,4,5").unwrap(),
            },
            deadline: Deadline::default(),
            horizon_days: 90,
            holiday_windows: Vec::new(),
            closures: Vec::new(),
        }
    }

    fn paris(d: Date, h: i8, m: i8, s: i8) -> Timestamp {
        paris_instant(d, Time::constant(h, m, s, 0))
    }

    #[test]
    fn a_closed_day_says_why_in_the_words_of_the_day() {
        let cal = calendar();
        let now = paris(date(2026, 12, 1), 8, 0, 0);
        let reason = |rules: &BookingRules, day: Date| {
            let refusal = rules
                .calendar_refusal(SIGNED, false, day, now, &cal)
                .expect("a closed day");
            rules.closed_reason(refusal, day, &cal).spoken
        };
        let mut rules = aps();
        assert_eq!(
            reason(&rules, date(2026, 12, 22)),
            "vacances scolaires (Vacances de Noël)"
        );
        assert_eq!(reason(&rules, date(2027, 5, 6)), "jour férié (Ascension)");
        assert_eq!(
            reason(&rules, date(2026, 12, 2)),
            "l'activité n'a pas lieu ce jour-là",
            "a Wednesday"
        );
        assert_eq!(
            reason(&rules, date(2026, 12, 3)),
            "hors délai depuis le jeudi 26 novembre 2026 à 23h59"
        );
        assert_eq!(
            reason(&rules, date(2027, 3, 15)),
            "réservable à partir du mardi 15 décembre 2026"
        );
        rules.closures.push(date(2026, 12, 14));
        assert_eq!(
            reason(&rules, date(2026, 12, 14)),
            "fermeture exceptionnelle de l'activité"
        );
        let holidays = BookingRules {
            schedule: Schedule {
                period_kind: PeriodKind::Vacances,
                weekdays: parse_weekdays("1,2,3,4,5").unwrap(),
            },
            holiday_windows: vec![HolidayWindow {
                first_day: date(2026, 12, 21),
                last_day: date(2027, 1, 1),
                opens_at: paris(date(2026, 12, 5), 0, 0, 0),
                closes_at: paris(date(2026, 12, 12), 23, 59, 0),
            }],
            ..aps()
        };
        assert_eq!(
            reason(&holidays, date(2026, 12, 21)),
            "réservations ouvertes à partir du samedi 5 décembre 2026 à 00h00"
        );
        assert_eq!(
            reason(&holidays, date(2026, 12, 7)),
            "l'activité n'a lieu que pendant les vacances"
        );
        assert_eq!(
            reason(&holidays, date(2027, 2, 15)),
            "les réservations de ces vacances ne sont pas encore ouvertes"
        );
    }

    #[test]
    fn the_next_open_week_is_the_first_whose_deadline_is_still_to_come() {
        let d = Deadline::default();
        // Tuesday 1 December 2026: the week of 7 December closed on Thursday 3rd at
        // 23:59:59, so it is still open; on Friday 4th, the next one is the 14th's.
        assert_eq!(
            d.next_open_week(paris(date(2026, 12, 1), 8, 0, 0)),
            (date(2026, 12, 7), paris(date(2026, 12, 3), 23, 59, 59))
        );
        assert_eq!(
            d.next_open_week(paris(date(2026, 12, 4), 0, 0, 0)),
            (date(2026, 12, 14), paris(date(2026, 12, 10), 23, 59, 59))
        );
        assert_eq!(
            d.next_open_week_text(paris(date(2026, 12, 1), 8, 0, 0)),
            "Prochaine date limite : le jeudi 3 décembre 2026 à 23h59, pour réserver ou annuler les jours de la semaine du lundi 7 décembre 2026."
        );
        assert_eq!(
            d.next_open_week_short(paris(date(2026, 12, 1), 8, 0, 0)),
            "Limite : jeu. 03/12, 23h59 (sem. du 07/12)"
        );
        assert_eq!(
            d.next_open_week(paris(date(2026, 12, 3), 23, 59, 59)).0,
            date(2026, 12, 7),
            "up to the deadline's last second"
        );
    }

    #[test]
    fn the_deadline_is_the_thursday_of_the_week_before() {
        let d = Deadline::default();
        // Monday 7 June 2027 and Friday 11 June: Thursday 3 June, 23:59:59.
        assert_eq!(
            d.for_day(date(2027, 6, 7)),
            paris(date(2027, 6, 3), 23, 59, 59)
        );
        assert_eq!(
            d.for_day(date(2027, 6, 11)),
            paris(date(2027, 6, 3), 23, 59, 59)
        );
        // Sunday belongs to the same week as the Monday before it.
        assert_eq!(
            d.for_day(date(2027, 6, 13)),
            paris(date(2027, 6, 3), 23, 59, 59)
        );
        // Across a month and a year.
        assert_eq!(
            d.for_day(date(2027, 3, 1)),
            paris(date(2027, 2, 25), 23, 59, 59)
        );
        assert_eq!(
            d.for_day(date(2027, 1, 4)),
            paris(date(2026, 12, 31), 23, 59, 59)
        );
    }

    #[test]
    fn the_deadline_follows_paris_time_across_daylight_saving() {
        let d = Deadline::default();
        // Summer time starts on Sunday 28 March 2027: the deadline of Monday 29 March is
        // Thursday 25 March 23:59:59 winter time, 22:59:59 UTC.
        assert_eq!(
            d.for_day(date(2027, 3, 29)).to_string(),
            "2027-03-25T22:59:59Z"
        );
        // In summer, the same wall-clock time is 21:59:59 UTC.
        assert_eq!(
            d.for_day(date(2027, 6, 7)).to_string(),
            "2027-06-03T21:59:59Z"
        );
        // Winter time returns on Sunday 31 October 2027.
        assert_eq!(
            d.for_day(date(2027, 11, 1)).to_string(),
            "2027-10-28T21:59:59Z"
        );
    }

    #[test]
    fn the_deadline_is_configurable() {
        let tuesday_noon_two_weeks = Deadline {
            weekday: Weekday::Tuesday,
            time: Time::constant(12, 0, 0, 0),
            weeks_before: 2,
        };
        assert_eq!(
            tuesday_noon_two_weeks.for_day(date(2027, 6, 10)),
            paris(date(2027, 5, 25), 12, 0, 0)
        );
    }

    #[test]
    fn reservation_states_are_read_back_from_their_codes() {
        for state in ReservationState::ALL {
            assert_eq!(ReservationState::from_code(state.code()), Some(state));
        }
        assert_eq!(ReservationState::from_code("Acceptée"), None);
        let holding: Vec<&str> = ReservationState::ALL
            .iter()
            .filter(|s| s.holds_place())
            .map(|s| s.code())
            .collect();
        assert_eq!(holding, ["non_transmise", "acceptee", "attente"]);
    }

    #[test]
    fn request_outcomes_are_read_back_from_their_codes() {
        let outcomes = [
            RequestOutcome::Accepted,
            RequestOutcome::WaitingList,
            RequestOutcome::Refused("plus de place".to_owned()),
            RequestOutcome::Cancelled,
            RequestOutcome::Replaced,
        ];
        for outcome in outcomes {
            assert_eq!(RequestOutcome::from_code(&outcome.code()), Some(outcome));
        }
        assert_eq!(
            RequestOutcome::Refused("réservation introuvable".to_owned()).code(),
            "refusee:réservation introuvable"
        );
        assert_eq!(RequestOutcome::from_code("acceptee:x"), None);
        assert_eq!(RequestOutcome::from_code("Acceptée"), None);
        assert_eq!(RequestOutcome::Replaced.report_section(), None);
    }

    #[test]
    fn the_account_and_the_reglement_come_before_the_day() {
        let (rules, cal) = (aps(), calendar());
        let (monday, now) = (date(2027, 6, 7), paris(date(2027, 6, 1), 9, 0, 0));
        let debtor = Standing {
            block: Block::for_debts(Debts {
                overdue_invoices: Cents(3000),
                ..Debts::default()
            }),
            ..SIGNED
        };
        let unsigned = Standing {
            reglement_signed: false,
            ..SIGNED
        };
        assert_eq!(rules.may_change(SIGNED, false, monday, now, &cal), Ok(()));
        assert_eq!(
            rules.may_change(debtor, false, monday, now, &cal),
            Err(BookingRefusal::Debtor)
        );
        assert_eq!(
            rules.may_change(unsigned, false, monday, now, &cal),
            Err(BookingRefusal::ReglementUnsigned)
        );
        // A débiteur is told about the account even on a day that is closed anyway.
        assert_eq!(
            rules.may_change(debtor, false, date(2027, 6, 9), now, &cal),
            Err(BookingRefusal::Debtor)
        );
        // What a débiteur booked it may still cancel, within the same deadline.
        assert_eq!(rules.may_change(debtor, true, monday, now, &cal), Ok(()));
        assert_eq!(
            rules.may_make(Pending::Cancel, true, debtor, monday, now, &cal),
            Ok(())
        );
        assert_eq!(
            rules.may_make(Pending::Book, false, debtor, monday, now, &cal),
            Err(BookingRefusal::Debtor)
        );
        assert_eq!(
            rules.may_change(debtor, true, monday, paris(date(2027, 6, 4), 0, 0, 0), &cal),
            Err(BookingRefusal::PastDeadline)
        );
        // The calendar says why a day is closed before saying the account blocks it.
        let late = paris(date(2027, 6, 4), 0, 0, 0);
        assert_eq!(
            rules.calendar_refusal(debtor, false, monday, now, &cal),
            Some(BookingRefusal::Debtor)
        );
        assert_eq!(
            rules.calendar_refusal(debtor, false, monday, late, &cal),
            Some(BookingRefusal::PastDeadline)
        );
        assert_eq!(
            rules.calendar_refusal(debtor, true, monday, now, &cal),
            None
        );
    }

    #[test]
    fn a_family_is_debtor_for_an_overdue_invoice_or_an_overdrawn_prepaid_wallet() {
        assert_eq!(Block::for_debts(Debts::default()), None);
        assert_eq!(
            Block::for_debts(Debts {
                overdue_invoices: Cents(3000),
                overdrawn_prepaid: Cents(410),
            }),
            Some(Block::Debtor(Cents(3410)))
        );
        assert_eq!(
            Block::for_debts(Debts {
                overdrawn_prepaid: Cents(1),
                ..Debts::default()
            }),
            Some(Block::Debtor(Cents(1)))
        );
        // Due on 31 December: payable until that day ends, overdue the next morning.
        let due = date(2026, 12, 31);
        assert!(!Debts::is_overdue(due, Cents(3000), date(2026, 12, 31)));
        assert!(Debts::is_overdue(due, Cents(3000), date(2027, 1, 1)));
        assert!(!Debts::is_overdue(due, Cents(0), date(2027, 1, 1)));
    }

    #[test]
    fn a_booking_is_for_a_day_not_booked_a_cancellation_for_a_booked_one() {
        let (rules, cal) = (aps(), calendar());
        let (monday, now) = (date(2027, 6, 7), paris(date(2027, 6, 1), 9, 0, 0));
        let make = |change, booked| rules.may_make(change, booked, SIGNED, monday, now, &cal);
        assert_eq!(make(Pending::Book, false), Ok(()));
        assert_eq!(make(Pending::Cancel, true), Ok(()));
        assert_eq!(
            make(Pending::Book, true),
            Err(BookingRefusal::AlreadyBooked)
        );
        assert_eq!(
            make(Pending::Cancel, false),
            Err(BookingRefusal::NothingToCancel)
        );
        // Past the deadline the day's rule speaks first, whatever the change.
        let late = paris(date(2027, 6, 4), 0, 0, 0);
        assert_eq!(
            rules.may_make(Pending::Book, true, SIGNED, monday, late, &cal),
            Err(BookingRefusal::PastDeadline)
        );
    }

    #[test]
    fn a_copied_day_is_a_booking_then_a_place_then_free_hours() {
        let (rules, cal) = (aps(), calendar());
        let (monday, now) = (date(2027, 6, 7), paris(date(2027, 6, 1), 9, 0, 0));
        let free = CopiedDay {
            day: monday,
            already_booked: false,
            full: false,
            overlapping: false,
        };
        let copy = |copied| rules.may_copy(SIGNED, copied, now, &cal);
        assert_eq!(copy(free), Ok(()));
        assert_eq!(
            copy(CopiedDay {
                already_booked: true,
                full: true,
                ..free
            }),
            Err(CopyRefusal::Booking(BookingRefusal::AlreadyBooked))
        );
        assert_eq!(
            copy(CopiedDay {
                full: true,
                overlapping: true,
                ..free
            }),
            Err(CopyRefusal::Full)
        );
        assert_eq!(
            copy(CopiedDay {
                overlapping: true,
                ..free
            }),
            Err(CopyRefusal::Overlapping)
        );
        assert_eq!(CopyRefusal::Full.message(), "plus de place");
    }

    #[test]
    fn a_school_day_can_change_until_its_deadline_and_within_ninety_days() {
        let rules = aps();
        let cal = calendar();
        let monday = date(2027, 6, 7);
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                monday,
                paris(date(2027, 6, 3), 23, 59, 59),
                &cal
            ),
            Ok(())
        );
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                monday,
                paris(date(2027, 6, 4), 0, 0, 0),
                &cal
            ),
            Err(BookingRefusal::PastDeadline)
        );
        // 90 days ahead at most: from 9 March 2027, 7 June is day 90.
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                monday,
                paris(date(2027, 3, 9), 9, 0, 0),
                &cal
            ),
            Ok(())
        );
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                monday,
                paris(date(2027, 3, 8), 9, 0, 0),
                &cal
            ),
            Err(BookingRefusal::BeyondHorizon)
        );
        // Not its weekday, a public holiday, a closure.
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                date(2027, 6, 9),
                paris(date(2027, 5, 1), 9, 0, 0),
                &cal
            ),
            Err(BookingRefusal::NotOpen)
        );
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                date(2027, 5, 17),
                paris(date(2027, 4, 1), 9, 0, 0),
                &cal
            ),
            Err(BookingRefusal::NotOpen)
        ); // Pentecôte
        let closed = BookingRules {
            closures: vec![monday],
            ..aps()
        };
        assert_eq!(
            closed.may_change(
                SIGNED,
                false,
                monday,
                paris(date(2027, 5, 1), 9, 0, 0),
                &cal
            ),
            Err(BookingRefusal::NotOpen)
        );
    }

    #[test]
    fn holiday_days_follow_their_window_not_the_horizon() {
        let cal = calendar();
        let noel = cal.holiday_at(date(2027, 12, 20)).unwrap().clone();
        let window = HolidayWindow {
            first_day: noel.first_day,
            last_day: noel.last_day,
            opens_at: paris(date(2027, 11, 1), 8, 0, 0),
            closes_at: paris(date(2027, 12, 5), 23, 59, 59),
        };
        let rules = BookingRules {
            schedule: Schedule {
                period_kind: PeriodKind::Vacances,
                weekdays: parse_weekdays("1,2,3,4,5").unwrap(),
            },
            holiday_windows: vec![window],
            ..aps()
        };
        let day = date(2027, 12, 20);
        assert_eq!(
            rules.may_change(SIGNED, false, day, paris(date(2027, 10, 31), 9, 0, 0), &cal),
            Err(BookingRefusal::WindowNotYetOpen)
        );
        assert_eq!(
            rules.may_change(SIGNED, false, day, paris(date(2027, 11, 1), 8, 0, 0), &cal),
            Ok(())
        );
        // Past the school deadline but inside the window: still fine.
        assert_eq!(
            rules.may_change(SIGNED, false, day, paris(date(2027, 12, 5), 23, 0, 0), &cal),
            Ok(())
        );
        assert_eq!(
            rules.may_change(SIGNED, false, day, paris(date(2027, 12, 6), 0, 0, 0), &cal),
            Err(BookingRefusal::WindowClosed)
        );
        // A holiday period with no window set is not open for booking.
        let spring = date(2028, 4, 18);
        assert!(cal.holiday_at(spring).is_some());
        assert_eq!(
            rules.may_change(
                SIGNED,
                false,
                spring,
                paris(date(2028, 3, 1), 9, 0, 0),
                &cal
            ),
            Err(BookingRefusal::WindowNotYetOpen)
        );
    }

    #[test]
    fn day_states_combine_booking_and_modifiability() {
        assert_eq!(DayState::of(false, true), DayState::Bookable);
        assert_eq!(DayState::of(true, true), DayState::BookedCancellable);
        assert_eq!(DayState::of(true, false), DayState::BookedLocked);
        assert_eq!(DayState::of(false, false), DayState::Closed);
    }

    fn day(d: i8, state: DayState, pending: Option<Pending>) -> CalendarDay {
        CalendarDay {
            day: date(2027, 6, d),
            state,
            pending,
            reservation: state.is_booked().then_some(ReservationState::Acceptee),
            refusal: None,
        }
    }

    #[test]
    fn clicking_a_day_toggles_its_pending_change() {
        assert_eq!(
            day(7, DayState::Bookable, None).toggled(),
            Some(Some(Pending::Book))
        );
        assert_eq!(
            day(7, DayState::Bookable, Some(Pending::Book)).toggled(),
            Some(None)
        );
        assert_eq!(
            day(7, DayState::BookedCancellable, None).toggled(),
            Some(Some(Pending::Cancel))
        );
        assert_eq!(day(7, DayState::BookedLocked, None).toggled(), None);
        assert_eq!(day(7, DayState::Closed, None).toggled(), None);
    }

    #[test]
    fn quick_tool_books_all_when_the_first_day_is_free() {
        use DayState::*;
        let week = [
            day(7, Closed, None),
            day(8, Bookable, None),
            day(10, BookedCancellable, None),
            day(11, Bookable, None),
        ];
        assert_eq!(
            quick_tool(&week),
            QuickTool::Changes(vec![
                (date(2027, 6, 8), Some(Pending::Book)),
                (date(2027, 6, 11), Some(Pending::Book))
            ])
        );
    }

    #[test]
    fn quick_tool_cancels_all_when_the_first_day_is_booked() {
        use DayState::*;
        let week = [
            day(7, BookedLocked, None),
            day(8, BookedCancellable, None),
            day(10, Bookable, None),
            day(11, BookedCancellable, None),
        ];
        assert_eq!(
            quick_tool(&week),
            QuickTool::Changes(vec![
                (date(2027, 6, 8), Some(Pending::Cancel)),
                (date(2027, 6, 11), Some(Pending::Cancel))
            ])
        );
    }

    #[test]
    fn quick_tool_counts_pending_changes() {
        use DayState::*;
        // The first day is pending « to book »: the tool cancels, which drops that pending
        // booking and asks to cancel the booked day.
        let set = [
            day(8, Bookable, Some(Pending::Book)),
            day(10, BookedCancellable, None),
            day(11, Bookable, None),
        ];
        assert_eq!(
            quick_tool(&set),
            QuickTool::Changes(vec![
                (date(2027, 6, 8), None),
                (date(2027, 6, 10), Some(Pending::Cancel))
            ])
        );
        // The first day is booked but pending « to cancel »: it counts as free, so the tool books.
        let set = [
            day(8, BookedCancellable, Some(Pending::Cancel)),
            day(11, Bookable, None),
        ];
        assert_eq!(
            quick_tool(&set),
            QuickTool::Changes(vec![
                (date(2027, 6, 8), None),
                (date(2027, 6, 11), Some(Pending::Book))
            ])
        );
    }

    #[test]
    fn quick_tool_on_a_set_without_modifiable_days_does_nothing() {
        use DayState::*;
        assert_eq!(
            quick_tool(&[day(7, Closed, None), day(8, BookedLocked, None)]),
            QuickTool::Nothing
        );
        assert_eq!(quick_tool(&[]), QuickTool::Nothing);
    }
    #[test]
    fn a_copy_covers_three_months_at_most_and_never_ends_before_it_starts() {
        let from = date(2027, 1, 4);
        assert_eq!(copy_period(from, from), Ok(()));
        assert_eq!(copy_period(from, from + 92.days()), Ok(()));
        assert_eq!(
            copy_period(from, from + 93.days()),
            Err(CopyPeriodRefusal::TooLong)
        );
        assert_eq!(
            copy_period(from, from - 1.day()),
            Err(CopyPeriodRefusal::EndsBeforeStart)
        );
    }
}
