//! The processing run (R-NIGHT): every *Non transmise* request in arrival order gets its
//! place, its waiting-list slot or its refusal; the places still free (a capacity raised,
//! a closure lifted) go to the waiting lists; then each family gets one report mail per
//! structure, and families whose waiting reservations got a place are told.
//!
//! One run at a time across instances (a lease row); the work is a sequence of small
//! transactions — a batch of requests, one family's mail — so a run killed anywhere is
//! finished by the next one with the same result and no mail lost or sent twice.

use ribambelle_domain::ids::{ActivityId, FamilyId, StructureId};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque, hash_map::Entry};

use jiff::{SignedDuration, Timestamp, civil::Date};
use ribambelle_domain::{
    allocation::{Decision, Impossible, Ledger, Movement},
    booking::{BookingRules, RequestOutcome, ReservationState},
    calendar::SchoolCalendar,
    clock::{Clock, paris_date},
    promotion::{PromotedDay, Promotion},
    report::{Report, ReportLine},
};
use sqlx::{Any, Row, Transaction};

use crate::{
    Backend, Db, StoreError,
    bookings::{self, reservation_state},
    db_time,
    outbox::{self, NewMail},
    places::Asked,
};

const LEASE_NAME: &str = "traitement";
const LEASE: SignedDuration = SignedDuration::from_mins(5);
/// Requests decided per transaction: small enough to lose little when killed, large
/// enough for 100 000 requests to take seconds.
const BATCH: i64 = 500;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: i64,
    pub requests: u64,
    pub reports: u64,
    pub promotions: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Done(RunSummary),
    /// Another instance is running it.
    Busy,
}

/// Takes (or renews) the lease for `holder`; false when someone else holds it.
async fn take_lease<'c, E>(executor: E, holder: &str, now: Timestamp) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let done = sqlx::query(
        "INSERT INTO run_lease (name, holder, until) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
         WHERE run_lease.until < $4 OR run_lease.holder = $2",
    )
    .bind(LEASE_NAME)
    .bind(holder)
    .bind(db_time(now + LEASE))
    .bind(db_time(now))
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which structures' requests a run decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunScope<'a> {
    /// Every structure's: the nightly run, `ribambelle process`.
    Everywhere,
    /// These structures' only: a staff member's « Lancer le traitement », an immediate
    /// structure after a confirmation.
    Structures(&'a [StructureId]),
}

impl RunScope<'_> {
    /// The condition on the structure of the activities joined as `a`.
    fn condition(self) -> String {
        match self {
            RunScope::Everywhere => String::new(),
            RunScope::Structures(ids) => {
                format!(" AND a.structure_id IN {}", crate::sql::id_list(ids))
            }
        }
    }
}

/// Runs (or resumes) the processing now. Requests confirmed while it runs are taken by
/// another round under the same lease (each round is a run of its own, with its own
/// reports), so that a confirmation that found the run busy is not left for the night.
/// An unfinished run is resumed whatever its scope: what it decided gets its mails.
pub async fn run(db: &Db, clock: &Clock, scope: RunScope<'_>) -> Result<RunOutcome, StoreError> {
    let holder = crate::sessions::new_key()?;
    if !take_lease(db.writer(), &holder, clock.now()).await? {
        return Ok(RunOutcome::Busy);
    }
    let mut total = RunSummary::default();
    loop {
        let Some(round) = one_run(db, clock, &holder, scope).await? else {
            return Ok(RunOutcome::Busy);
        };
        total = RunSummary {
            run_id: round.run_id,
            requests: total.requests + round.requests,
            reports: total.reports + round.reports,
            promotions: total.promotions + round.promotions,
        };
        if unprocessed(db, scope).await? == 0 {
            break;
        }
    }
    sqlx::query("DELETE FROM run_lease WHERE name = $1 AND holder = $2")
        .bind(LEASE_NAME)
        .bind(&holder)
        .execute(db.writer())
        .await?;
    Ok(RunOutcome::Done(total))
}

/// One run: every request waiting, then the mails, then the run is marked finished.
/// None when the lease was lost to another instance.
async fn one_run(
    db: &Db,
    clock: &Clock,
    holder: &str,
    scope: RunScope<'_>,
) -> Result<Option<RunSummary>, StoreError> {
    let run_id = current_run(db, clock).await?;
    let started = std::time::Instant::now();
    let mut summary = RunSummary {
        run_id,
        ..RunSummary::default()
    };
    let mut decider = Decider::default();
    loop {
        let mut tx = db.begin().await?;
        if !take_lease(&mut *tx, holder, clock.now()).await? {
            return Ok(None);
        }
        let done = decider
            .batch(db, &mut tx, run_id, scope, clock.now())
            .await?;
        tx.commit().await?;
        if done.requests == 0 {
            break;
        }
        summary.requests += done.requests;
        summary.promotions += done.promotions;
    }
    let mut tx = db.begin().await?;
    if !take_lease(&mut *tx, holder, clock.now()).await? {
        return Ok(None);
    }
    summary.promotions += decider
        .serve_waiting_lists(db, &mut tx, run_id, scope, clock.now())
        .await?;
    tx.commit().await?;
    let decided = started.elapsed();
    summary.reports = send_mails(db, clock, run_id).await?;
    tracing::info!(run = run_id, requests = summary.requests, decided_in = ?decided, mails_in = ?(started.elapsed() - decided), "processing run");
    let now = clock.now();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE processing_runs SET finished_at = $1 WHERE id = $2")
        .bind(db_time(now))
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO app_state (key, value) VALUES ('last_run_at', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(db_time(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(summary))
}

/// The unfinished run to resume, or a new one.
async fn current_run(db: &Db, clock: &Clock) -> Result<i64, StoreError> {
    let unfinished: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM processing_runs WHERE finished_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_optional(db.writer())
    .await?;
    if let Some(id) = unfinished {
        return Ok(id);
    }
    Ok(
        sqlx::query_scalar("INSERT INTO processing_runs (started_at) VALUES ($1) RETURNING id")
            .bind(db_time(clock.now()))
            .fetch_one(db.writer())
            .await?,
    )
}

#[derive(Default)]
struct BatchDone {
    requests: u64,
    promotions: u64,
}

/// What the run keeps between batches: each activity's rules and each day's places.
#[derive(Default)]
struct Decider {
    activities: HashMap<ActivityId, (BookingRules, Option<i64>)>,
    calendars: HashMap<StructureId, SchoolCalendar>,
    ledgers: HashMap<(ActivityId, Date), Ledger>,
    /// The next place in each day's queue. Counted per day rather than taken from the
    /// request's id: on PostgreSQL a confirmation may commit after a later-numbered one
    /// was already queued, and it must join behind it, not jump ahead.
    next_in_queue: HashMap<(ActivityId, Date), i64>,
}

struct Request {
    id: i64,
    activity_id: ActivityId,
    day: Date,
    book: bool,
    previous_state: Option<ReservationState>,
    /// The reservation the request is about, and its state now.
    reservation: Option<(i64, ReservationState)>,
    structure_id: StructureId,
    registered: bool,
}

/// A batch's decisions, written with a handful of statements rather than a few per request.
#[derive(Default)]
struct Writes {
    accepted: Vec<i64>,
    refused: Vec<i64>,
    /// (reservation, its place in its day's queue)
    waiting: Vec<(i64, i64)>,
    /// Reservations taken off their day's waiting list, with their day.
    promoted: Vec<(i64, (ActivityId, Date))>,
    outcomes: HashMap<RequestOutcome, Vec<i64>>,
    /// Reservations already decided in this batch (their state read at its start is stale).
    decided: HashSet<i64>,
    /// Places held on each day the batch touched, before it: (activity, day) → taken.
    places_before: HashMap<(ActivityId, Date), i64>,
}

/// « $first, $first+1, … » for `count` values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Moves reservations still in `only_from` to `state`; what was *Non transmise* leaves the
/// count of undecided requests. Returns the ids moved.
async fn set_state(
    tx: &mut Transaction<'static, Any>,
    state: ReservationState,
    only_from: ReservationState,
    ids: &[i64],
    now: &str,
    asked: &mut Asked,
) -> Result<HashSet<i64>, StoreError> {
    let mut moved_ids = HashSet::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE reservations SET state = $1, queue_position = NULL, updated_at = $2 WHERE state = $3 AND id IN ({}) \
             RETURNING id, activity_id, day",
            placeholders(4, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(state.code())
            .bind(now.to_owned())
            .bind(only_from.code());
        for id in chunk {
            query = query.bind(*id);
        }
        let moved = query.fetch_all(&mut **tx).await?;
        if only_from == ReservationState::NonTransmise {
            asked.count(&moved, -1)?;
        }
        moved_ids.extend(moved.iter().map(|r| r.get::<i64, _>("id")));
    }
    Ok(moved_ids)
}

/// Moves a day's places held by `taken`, refusing to go over the activity's capacity: the
/// in-memory ledger already decided within it, so a refusal here means another run decided
/// meanwhile, and the batch is rolled back rather than overbook.
async fn take_places(
    tx: &mut Transaction<'static, Any>,
    (activity, day): (ActivityId, Date),
    taken: i64,
) -> Result<(), StoreError> {
    let day = day.to_string();
    sqlx::query("INSERT INTO day_places (activity_id, day, taken, asked) VALUES ($1, $2, 0, 0) ON CONFLICT DO NOTHING")
        .bind(activity)
        .bind(&day)
        .execute(&mut **tx)
        .await?;
    let moved = sqlx::query(
        "UPDATE day_places SET taken = taken + $1 WHERE activity_id = $2 AND day = $3 \
         AND ($1 <= 0 OR taken + $1 <= COALESCE((SELECT capacity FROM activities WHERE id = $2), taken + $1))",
    )
    .bind(taken)
    .bind(activity)
    .bind(&day)
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(StoreError::corrupt(
            "day_places.taken",
            format!("activity {activity} on {day} would go over its capacity"),
        ));
    }
    Ok(())
}

impl Writes {
    fn promote(&mut self, ids: Vec<i64>, day: (ActivityId, Date)) {
        self.promoted.extend(ids.into_iter().map(|id| (id, day)));
    }

    /// Remembers a day's places before the batch first changes them.
    fn touch(&mut self, activity: ActivityId, day: Date, ledger: &Ledger) {
        self.places_before
            .entry((activity, day))
            .or_insert(ledger.accepted);
    }

    /// Writes the reservations first, then the places held in the order of their days, as
    /// the undecided requests' counts are written: on PostgreSQL, a run and the folding
    /// of those counts never wait for each other's rows in opposite orders.
    /// Returns how many reservations the waiting lists gave a place to.
    async fn apply(
        self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
        decider: &mut Decider,
        run_id: i64,
        now: &str,
    ) -> Result<u64, StoreError> {
        let mut asked = Asked::default();
        set_state(
            tx,
            ReservationState::Acceptee,
            ReservationState::NonTransmise,
            &self.accepted,
            now,
            &mut asked,
        )
        .await?;
        set_state(
            tx,
            ReservationState::Refusee,
            ReservationState::NonTransmise,
            &self.refused,
            now,
            &mut asked,
        )
        .await?;
        // A promoted reservation cancelled since its day was read keeps its cancellation,
        // and gives its place back: its cancellation request found it waiting, so it will
        // free nothing when decided.
        let promoted: Vec<i64> = self.promoted.iter().map(|(id, _)| *id).collect();
        let moved = set_state(
            tx,
            ReservationState::Acceptee,
            ReservationState::Attente,
            &promoted,
            now,
            &mut asked,
        )
        .await?;
        for (id, day) in &self.promoted {
            if !moved.contains(id) {
                decider.ledger_mut(day.0, day.1)?.accepted -= 1;
            }
        }
        let promoted: Vec<i64> = promoted
            .into_iter()
            .filter(|id| moved.contains(id))
            .collect();
        for chunk in self.waiting.chunks(250) {
            let cases: Vec<String> = (0..chunk.len())
                .map(|i| format!("WHEN ${} THEN ${}", 2 + 2 * i, 3 + 2 * i))
                .collect();
            let ids = placeholders(2 + 2 * chunk.len(), chunk.len());
            let sql = format!(
                "UPDATE reservations SET state = 'attente', updated_at = $1, queue_position = CASE id {} END \
                 WHERE state = 'non_transmise' AND id IN ({ids}) RETURNING activity_id, day",
                cases.join(" ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now.to_owned());
            for (reservation, request) in chunk {
                query = query.bind(*reservation).bind(*request);
            }
            for (reservation, _) in chunk {
                query = query.bind(*reservation);
            }
            asked.count(&query.fetch_all(&mut **tx).await?, -1)?;
        }
        for chunk in promoted.chunks(500) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, ${})", i + 2))
                .collect();
            let sql = format!(
                "INSERT INTO promotions (run_id, reservation_id) VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut **tx).await?;
        }
        for (outcome, requests) in self.outcomes {
            for chunk in requests.chunks(500) {
                let sql = format!(
                    "UPDATE reservation_requests SET processed_at = $1, outcome = $2, run_id = $3 WHERE id IN ({})",
                    placeholders(4, chunk.len())
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now.to_owned())
                    .bind(outcome.code())
                    .bind(run_id);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut **tx).await?;
            }
        }
        let taken: BTreeMap<(ActivityId, Date), i64> = self
            .places_before
            .iter()
            .map(|(&key, before)| {
                let after = decider.ledgers.get(&key).map_or(*before, |l| l.accepted);
                (key, after - before)
            })
            .collect();
        for (key, taken) in taken {
            if taken != 0 {
                take_places(tx, key, taken).await?;
            }
        }
        asked.apply(tx, backend).await?;
        Ok(promoted.len() as u64)
    }
}

impl Decider {
    async fn batch(
        &mut self,
        db: &Db,
        tx: &mut Transaction<'static, Any>,
        run_id: i64,
        scope: RunScope<'_>,
        now: Timestamp,
    ) -> Result<BatchDone, StoreError> {
        let sql = format!(
            "SELECT q.id, q.child_id, q.activity_id, q.day, q.action, q.previous_state, r.id AS reservation_id, r.state, \
                    a.structure_id, CASE WHEN EXISTS (SELECT 1 FROM registrations g WHERE g.child_id = q.child_id \
                      AND g.activity_id = q.activity_id) THEN 1 ELSE 0 END AS registered \
             FROM reservation_requests q JOIN activities a ON a.id = q.activity_id \
             LEFT JOIN reservations r ON r.child_id = q.child_id AND r.activity_id = q.activity_id AND r.day = q.day \
             WHERE q.processed_at IS NULL{} ORDER BY q.id LIMIT $1",
            scope.condition()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(BATCH)
            .fetch_all(&mut **tx)
            .await?;
        let mut done = BatchDone::default();
        let mut writes = Writes::default();
        for r in rows {
            let reservation_id: Option<i64> = r.get("reservation_id");
            let request = Request {
                id: r.get("id"),
                activity_id: r.get("activity_id"),
                day: r
                    .get::<String, _>("day")
                    .parse()
                    .map_err(|e| StoreError::corrupt("reservation_requests.day", e))?,
                book: r.get::<String, _>("action") == "reserver",
                previous_state: r
                    .get::<Option<String>, _>("previous_state")
                    .map(reservation_state)
                    .transpose()?,
                reservation: reservation_id
                    .map(|id| Ok::<_, StoreError>((id, reservation_state(r.get("state"))?)))
                    .transpose()?,
                structure_id: r.get("structure_id"),
                registered: r.get::<i64, _>("registered") == 1,
            };
            let outcome = self.decide(db, tx, &request, &mut writes).await?;
            writes.outcomes.entry(outcome).or_default().push(request.id);
            done.requests += 1;
        }
        done.promotions = writes
            .apply(tx, db.backend(), self, run_id, &db_time(now))
            .await?;
        sqlx::query("UPDATE processing_runs SET requests = requests + $1 WHERE id = $2")
            .bind(done.requests as i64)
            .bind(run_id)
            .execute(&mut **tx)
            .await?;
        Ok(done)
    }

    /// Gives the places no request was about to the days' waiting lists: a capacity raised
    /// or a closure lifted since the last run frees them, and the oldest waiting child is
    /// told at once rather than at the next cancellation. Returns how many were promoted.
    async fn serve_waiting_lists(
        &mut self,
        db: &Db,
        tx: &mut Transaction<'static, Any>,
        run_id: i64,
        scope: RunScope<'_>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        // Read again within this transaction: a capacity or a closure changed, a waiting
        // place cancelled since the batches read them, would otherwise be decided stale
        // (the run is the only one deciding, so what it wrote is what it reads back).
        self.activities.clear();
        self.ledgers.clear();
        self.next_in_queue.clear();
        let sql = format!(
            "SELECT r.activity_id, r.day, a.structure_id FROM reservations r JOIN activities a ON a.id = r.activity_id \
             LEFT JOIN day_places p ON p.activity_id = r.activity_id AND p.day = r.day \
             WHERE r.state = 'attente' AND r.day >= $1{} AND (a.capacity IS NULL OR COALESCE(p.taken, 0) < a.capacity) \
             GROUP BY r.activity_id, r.day, a.structure_id ORDER BY r.activity_id, r.day",
            scope.condition()
        );
        let days = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(paris_date(now).to_string())
            .fetch_all(&mut **tx)
            .await?;
        let mut writes = Writes::default();
        for r in days {
            let activity: ActivityId = r.get("activity_id");
            let day: Date = r
                .get::<String, _>("day")
                .parse()
                .map_err(|e| StoreError::corrupt("reservations.day", e))?;
            self.ledger(db, tx, activity, day, r.get("structure_id"))
                .await?;
            writes.touch(activity, day, self.ledger_mut(activity, day)?);
            let promoted = self.ledger_mut(activity, day)?.promote();
            writes.promote(promoted, (activity, day));
        }
        writes
            .apply(tx, db.backend(), self, run_id, &db_time(now))
            .await
    }

    /// Decides one request against its day's places; returns the request's outcome.
    async fn decide(
        &mut self,
        db: &Db,
        tx: &mut Transaction<'static, Any>,
        r: &Request,
        writes: &mut Writes,
    ) -> Result<RequestOutcome, StoreError> {
        let Some((reservation_id, state)) = &r.reservation else {
            return Ok(RequestOutcome::Refused(
                Impossible::ReservationNotFound.reason().to_owned(),
            ));
        };
        self.ledger(db, tx, r.activity_id, r.day, r.structure_id)
            .await?;
        writes.touch(r.activity_id, r.day, self.ledger_mut(r.activity_id, r.day)?);
        if r.book {
            // Cancelled (or decided) again since it was asked: a later request speaks for it.
            if *state != ReservationState::NonTransmise || !writes.decided.insert(*reservation_id) {
                return Ok(RequestOutcome::Replaced);
            }
            let possible = self
                .still_possible(db, r)
                .await?
                .map_err(Impossible::reason);
            let decided = self.ledger_mut(r.activity_id, r.day)?.apply(
                Movement::Book {
                    id: *reservation_id,
                    possible,
                },
                false,
            );
            writes.promote(decided.promoted, (r.activity_id, r.day));
            return Ok(match decided.decision {
                Decision::Accepted => {
                    writes.accepted.push(*reservation_id);
                    RequestOutcome::Accepted
                }
                Decision::WaitingList => {
                    let next = self
                        .next_in_queue
                        .entry((r.activity_id, r.day))
                        .or_insert(1);
                    writes.waiting.push((*reservation_id, *next));
                    *next += 1;
                    RequestOutcome::WaitingList
                }
                Decision::Refused(reason) => {
                    writes.refused.push(*reservation_id);
                    RequestOutcome::Refused(reason.to_owned())
                }
                Decision::Cancelled => unreachable!("a booking is never a cancellation"),
            });
        }
        let held_place = r.previous_state == Some(ReservationState::Acceptee);
        let decided = self.ledger_mut(r.activity_id, r.day)?.apply(
            Movement::Cancel {
                id: *reservation_id,
            },
            held_place,
        );
        writes.promote(decided.promoted, (r.activity_id, r.day));
        Ok(RequestOutcome::Cancelled)
    }

    /// The day's places, after `ledger()` loaded them.
    fn ledger_mut(&mut self, activity: ActivityId, day: Date) -> Result<&mut Ledger, StoreError> {
        self.ledgers
            .get_mut(&(activity, day))
            .ok_or_else(|| StoreError::corrupt("ledger", "day not loaded"))
    }

    /// The day's places, loaded once per run and then kept up to date in memory (the
    /// lease makes this run the only one deciding). The places held come from the day's
    /// counter, not from the reservations' states: a cancellation confirmed since the last
    /// run already shows *Annulée* but frees its place only when this run reaches it.
    async fn ledger(
        &mut self,
        db: &Db,
        tx: &mut Transaction<'static, Any>,
        activity: ActivityId,
        day: Date,
        structure: StructureId,
    ) -> Result<(), StoreError> {
        if self.ledgers.contains_key(&(activity, day)) {
            return Ok(());
        }
        let (rules, capacity) = self.activity(db, activity).await?.clone();
        let closed = !rules.is_open(day, self.calendar(db, structure).await?);
        let accepted: Option<i64> =
            sqlx::query_scalar("SELECT taken FROM day_places WHERE activity_id = $1 AND day = $2")
                .bind(activity)
                .bind(day.to_string())
                .fetch_optional(&mut **tx)
                .await?;
        let last_in_queue: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(queue_position) FROM reservations WHERE activity_id = $1 AND day = $2",
        )
        .bind(activity)
        .bind(day.to_string())
        .fetch_one(&mut **tx)
        .await?;
        self.next_in_queue
            .insert((activity, day), last_in_queue.unwrap_or(0) + 1);
        let waiting: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM reservations WHERE activity_id = $1 AND day = $2 AND state = 'attente' ORDER BY queue_position, id",
        )
        .bind(activity)
        .bind(day.to_string())
        .fetch_all(&mut **tx)
        .await?;
        self.ledgers.insert(
            (activity, day),
            Ledger {
                capacity,
                accepted: accepted.unwrap_or(0),
                waiting: VecDeque::from(waiting),
                closed,
            },
        );
        Ok(())
    }

    async fn activity(
        &mut self,
        db: &Db,
        activity: ActivityId,
    ) -> Result<&(BookingRules, Option<i64>), StoreError> {
        if let Entry::Vacant(e) = self.activities.entry(activity) {
            let loaded = bookings::activity_by_id(db, activity).await?;
            e.insert((loaded.rules, loaded.capacity));
        }
        Ok(&self.activities[&activity])
    }

    async fn calendar(
        &mut self,
        db: &Db,
        structure: StructureId,
    ) -> Result<&SchoolCalendar, StoreError> {
        if let Entry::Vacant(e) = self.calendars.entry(structure) {
            e.insert(bookings::school_calendar(db, structure).await?);
        }
        Ok(&self.calendars[&structure])
    }

    /// A booking stays possible if the day is still open and the child still registered.
    async fn still_possible(
        &mut self,
        db: &Db,
        r: &Request,
    ) -> Result<Result<(), Impossible>, StoreError> {
        let (rules, _) = self.activity(db, r.activity_id).await?.clone();
        if !rules.is_open(r.day, self.calendar(db, r.structure_id).await?) {
            return Ok(Err(Impossible::ActivityClosed));
        }
        Ok(if r.registered {
            Ok(())
        } else {
            Err(Impossible::NoLongerRegistered)
        })
    }
}

/// Queues the run's mails not queued yet: one report per family and structure (to every
/// address), and one mail per family whose waiting reservations got a place.
async fn send_mails(db: &Db, clock: &Clock, run_id: i64) -> Result<u64, StoreError> {
    let pending = sqlx::query(
        "SELECT DISTINCT r.family_id, a.structure_id FROM reservation_requests r JOIN activities a ON a.id = r.activity_id \
         WHERE r.run_id = $1 AND NOT EXISTS (SELECT 1 FROM run_reports rr WHERE rr.run_id = $1 AND rr.family_id = r.family_id \
           AND rr.structure_id = a.structure_id AND rr.kind = 'compte_rendu')",
    )
    .bind(run_id)
    .fetch_all(db.reader())
    .await?;
    let mut sent = 0;
    // Families in groups, one transaction each: the mails and their « sent » marks commit
    // together, and a run killed in between starts again with the next group.
    for group in pending.chunks(200) {
        let mut tx = db.begin().await?;
        for row in group {
            let (family, structure): (FamilyId, StructureId) =
                (row.get("family_id"), row.get("structure_id"));
            let (report, emails) = family_report(&mut tx, run_id, family, structure).await?;
            if !emails.is_empty() {
                let mail = NewMail {
                    recipients: emails,
                    subject: report.subject(),
                    body_text: report.text(),
                    body_html: Some(
                        report
                            .html()
                            .map_err(|e| StoreError::MailTemplate(e.to_string()))?,
                    ),
                };
                outbox::enqueue(&mut tx, &mail, clock.now()).await?;
                sent += 1;
            }
            mark_sent(&mut tx, run_id, family, structure, "compte_rendu").await?;
        }
        tx.commit().await?;
    }
    sent += send_promotion_mails(db, clock, run_id).await?;
    Ok(sent)
}

async fn mark_sent(
    tx: &mut Transaction<'static, Any>,
    run_id: i64,
    family: FamilyId,
    structure: StructureId,
    kind: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO run_reports (run_id, family_id, structure_id, kind) VALUES ($1, $2, $3, $4)",
    )
    .bind(run_id)
    .bind(family)
    .bind(structure)
    .bind(kind)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

struct Addressee {
    name: String,
    emails: Vec<String>,
    structure: String,
}

async fn addressee(
    tx: &mut Transaction<'static, Any>,
    family: FamilyId,
    structure: StructureId,
) -> Result<Addressee, StoreError> {
    let f =
        sqlx::query("SELECT civility, last_name, first_name, emails FROM families WHERE id = $1")
            .bind(family)
            .fetch_one(&mut **tx)
            .await?;
    let structure: String = sqlx::query_scalar("SELECT name FROM structures WHERE id = $1")
        .bind(structure)
        .fetch_one(&mut **tx)
        .await?;
    let emails: String = f.get("emails");
    Ok(Addressee {
        name: format!(
            "{} {} {}",
            f.get::<String, _>("civility"),
            f.get::<String, _>("last_name"),
            f.get::<String, _>("first_name")
        ),
        emails: emails
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        structure,
    })
}

async fn family_report(
    tx: &mut Transaction<'static, Any>,
    run_id: i64,
    family: FamilyId,
    structure: StructureId,
) -> Result<(Report, Vec<String>), StoreError> {
    let who = addressee(tx, family, structure).await?;
    let rows = sqlx::query(
        "SELECT r.action, r.outcome, r.day, a.name, c.last_name, c.first_name FROM reservation_requests r \
         JOIN activities a ON a.id = r.activity_id JOIN children c ON c.id = r.child_id \
         WHERE r.run_id = $1 AND r.family_id = $2 AND a.structure_id = $3 ORDER BY a.start_time, a.name, c.birth_date, r.day",
    )
    .bind(run_id)
    .bind(family)
    .bind(structure)
    .fetch_all(&mut **tx)
    .await?;
    let (mut new_requests, mut cancellations, mut lines) = (0, 0, Vec::new());
    for r in rows {
        let action: String = r.get("action");
        let code: String = r.get("outcome");
        if action == "reserver" {
            new_requests += 1
        } else {
            cancellations += 1
        }
        let outcome = RequestOutcome::from_code(&code)
            .ok_or_else(|| StoreError::corrupt("reservation_requests.outcome", code))?;
        let Some(outcome) = outcome.report_section() else {
            continue;
        };
        lines.push(ReportLine {
            outcome,
            activity: r.get("name"),
            child: format!(
                "{} {}",
                r.get::<String, _>("last_name"),
                r.get::<String, _>("first_name")
            ),
            day: r
                .get::<String, _>("day")
                .parse()
                .map_err(|e| StoreError::corrupt("reservation_requests.day", e))?,
        });
    }
    let report = Report {
        addressee: who.name,
        structure: who.structure,
        new_requests,
        cancellations,
        lines,
    };
    Ok((report, who.emails))
}

async fn send_promotion_mails(db: &Db, clock: &Clock, run_id: i64) -> Result<u64, StoreError> {
    let pending = sqlx::query(
        "SELECT DISTINCT res.family_id, a.structure_id FROM promotions p JOIN reservations res ON res.id = p.reservation_id \
         JOIN activities a ON a.id = res.activity_id WHERE p.run_id = $1 AND NOT EXISTS (SELECT 1 FROM run_reports rr \
           WHERE rr.run_id = $1 AND rr.family_id = res.family_id AND rr.structure_id = a.structure_id AND rr.kind = 'liste_attente')",
    )
    .bind(run_id)
    .fetch_all(db.reader())
    .await?;
    let mut sent = 0;
    for row in pending {
        let (family, structure): (FamilyId, StructureId) =
            (row.get("family_id"), row.get("structure_id"));
        let mut tx = db.begin().await?;
        let who = addressee(&mut tx, family, structure).await?;
        let days = sqlx::query(
            "SELECT a.name, c.first_name, res.day FROM promotions p JOIN reservations res ON res.id = p.reservation_id \
             JOIN activities a ON a.id = res.activity_id JOIN children c ON c.id = res.child_id \
             WHERE p.run_id = $1 AND res.family_id = $2 AND a.structure_id = $3 ORDER BY res.day, a.name",
        )
        .bind(run_id)
        .bind(family)
        .bind(structure)
        .fetch_all(&mut *tx)
        .await?;
        if !who.emails.is_empty() && !days.is_empty() {
            let mut lines = Vec::with_capacity(days.len());
            for d in &days {
                lines.push(PromotedDay {
                    activity: d.get("name"),
                    child: d.get("first_name"),
                    day: d
                        .get::<String, _>("day")
                        .parse()
                        .map_err(|e| StoreError::corrupt("reservations.day", e))?,
                });
            }
            let promotion = Promotion {
                addressee: who.name,
                structure: who.structure,
                lines,
            };
            let mail = NewMail {
                recipients: who.emails,
                subject: promotion.subject(),
                body_text: promotion.text(),
                body_html: Some(
                    promotion
                        .html()
                        .map_err(|e| StoreError::MailTemplate(e.to_string()))?,
                ),
            };
            outbox::enqueue(&mut tx, &mail, clock.now()).await?;
            sent += 1;
        }
        mark_sent(&mut tx, run_id, family, structure, "liste_attente").await?;
        tx.commit().await?;
    }
    Ok(sent)
}

/// How many requests of `scope` wait for a run.
pub async fn unprocessed(db: &Db, scope: RunScope<'_>) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) FROM reservation_requests q JOIN activities a ON a.id = q.activity_id WHERE q.processed_at IS NULL{}",
        scope.condition()
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(db.reader())
        .await?)
}

/// Immediate mode: runs the processing right after a confirmation. When another instance
/// is running it, that run takes the new requests in a further round; this waits a little
/// for them to be decided, so that the family sees the outcome at once.
pub async fn run_now(db: &Db, clock: &Clock, structure_id: StructureId) -> Result<(), StoreError> {
    let scope = RunScope::Structures(&[structure_id]);
    for attempt in 0..20 {
        match run(db, clock, scope).await? {
            RunOutcome::Done(_) => return Ok(()),
            RunOutcome::Busy => {
                tokio::time::sleep(std::time::Duration::from_millis(50 + 25 * attempt)).await;
                if unprocessed(db, scope).await? == 0 {
                    return Ok(());
                }
            }
        }
    }
    tracing::warn!("immediate processing: the run stayed busy; the requests wait for the next run");
    Ok(())
}
