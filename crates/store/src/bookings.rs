//! Reservations as the family sees and changes them: its children and their activities,
//! the days booked, the draft of pending changes, the confirmation that records them all
//! at once, and the follow-up.

use ribambelle_domain::ids::{ActivityId, ChildId, FamilyId, StructureId};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::LazyLock,
};

use jiff::{
    Timestamp,
    civil::{Date, Time},
};
use ribambelle_domain::{
    activity::{AbsenceBilling, PriceBracket},
    booking::{BookingRules, Pending, ReservationState},
    calendar::{HolidayPeriod, SchoolCalendar, SchoolZone, parse_holiday_csv},
    money::Cents,
};
use sqlx::Row;

use crate::{
    Backend, Db, StoreError,
    bulk::{ROWS_PER_STATEMENT, Statement, Val, in_shapes},
    catalog, db_time,
    places::Asked,
    writes::{Batch, BoxFuture, WriteTx},
};

pub(crate) fn date(text: &str, column: &'static str) -> Result<Date, StoreError> {
    text.parse().map_err(|e| StoreError::corrupt(column, e))
}

/// The national school-holiday calendar shipped with the binary, parsed once: the table
/// `school_holidays` is its copy, refreshed at every start, which never changes meanwhile.
static HOLIDAYS: LazyLock<Result<Vec<HolidayPeriod>, String>> =
    LazyLock::new(|| parse_holiday_csv(crate::portal::HOLIDAYS_CSV).map_err(|e| e.to_string()));

/// The school calendar of a zone, without a query.
pub fn calendar_of(zone: SchoolZone, alsace_moselle: bool) -> Result<SchoolCalendar, StoreError> {
    let all = HOLIDAYS
        .as_ref()
        .map_err(|e| StoreError::Reference(e.clone()))?;
    Ok(SchoolCalendar::new(
        zone,
        all.iter()
            .filter(|p| p.zone == zone)
            .cloned()
            .collect::<Vec<_>>(),
        alsace_moselle,
    ))
}

/// The school calendar of a structure's zone.
pub async fn school_calendar(
    db: &Db,
    structure_id: StructureId,
) -> Result<SchoolCalendar, StoreError> {
    let row = sqlx::query("SELECT school_zone, alsace_moselle FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(db.reader())
        .await?;
    let zone_text: String = row.get("school_zone");
    let zone: SchoolZone = zone_text
        .parse()
        .map_err(|_| StoreError::corrupt("structures.school_zone", &zone_text))?;
    calendar_of(zone, row.get::<i64, _>("alsace_moselle") != 0)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub id: ChildId,
    pub public_id: String,
    pub first_name: String,
    pub last_name: String,
    /// Signed the structure's current règlement intérieur (or the structure has none).
    pub reglement_signed: bool,
}

/// The family's children registered to at least one activity of the structure.
pub async fn children(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
) -> Result<Vec<Child>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.public_id, c.first_name, c.last_name, \
           (SELECT COUNT(*) FROM legal_texts t WHERE t.structure_id = $2 AND t.kind = 'reglement' \
              AND t.version = (SELECT MAX(t2.version) FROM legal_texts t2 WHERE t2.structure_id = $2 AND t2.kind = 'reglement') \
              AND NOT EXISTS (SELECT 1 FROM reglement_signatures s WHERE s.child_id = c.id AND s.legal_text_id = t.id)) AS unsigned \
         FROM children c WHERE c.family_id = $1 \
           AND EXISTS (SELECT 1 FROM registrations r JOIN activities a ON a.id = r.activity_id \
                       WHERE r.child_id = c.id AND a.structure_id = $2) \
         ORDER BY c.birth_date, c.first_name",
    )
    .bind(family_id)
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Child {
            id: r.get("id"),
            public_id: r.get("public_id"),
            first_name: r.get("first_name"),
            last_name: r.get("last_name"),
            reglement_signed: r.get::<i64, _>("unsigned") == 0,
        })
        .collect())
}

/// An activity with everything the booking rules and the prices need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub id: ActivityId,
    pub public_id: String,
    pub name: String,
    pub capacity: Option<i64>,
    pub start_time: Time,
    pub end_time: Time,
    pub rules: BookingRules,
    pub prices: Vec<PriceBracket>,
    pub absence: AbsenceBilling,
}

/// The activities of the structure the child is registered to, by start time and name.
pub async fn child_activities(
    db: &Db,
    child_id: ChildId,
    structure_id: StructureId,
) -> Result<Vec<Activity>, StoreError> {
    // The catalogue's version comes with the registrations (one row at least, with no
    // activity when there is none), read before the catalogue's rows as `catalog` wants.
    let rows: Vec<(i64, Option<ActivityId>)> = sqlx::query_as(
        "SELECT v.version, r.activity_id FROM catalog_version v LEFT JOIN registrations r \
           ON r.child_id = $1 AND r.activity_id IN (SELECT id FROM activities WHERE structure_id = $2)",
    )
    .bind(child_id)
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    let Some(&(version, _)) = rows.first() else {
        return Err(StoreError::corrupt("catalog_version", "no row"));
    };
    let ids: Vec<ActivityId> = rows.iter().filter_map(|&(_, id)| id).collect();
    Ok(catalog::at_version(db, version)
        .await?
        .activities()
        .filter(|a| ids.contains(&a.id))
        .cloned()
        .collect())
}

/// One activity with its rules and prices.
pub async fn activity_by_id(db: &Db, activity_id: ActivityId) -> Result<Activity, StoreError> {
    catalog::current(db)
        .await?
        .activity(activity_id)
        .cloned()
        .ok_or_else(|| sqlx::Error::RowNotFound.into())
}

pub(crate) fn parse_time(text: &str) -> Result<Time, StoreError> {
    text.parse().map_err(|e| StoreError::corrupt("time", e))
}

/// The states of the child's reservations on these activities between two days (included).
pub async fn child_bookings(
    db: &Db,
    child_id: ChildId,
    from: Date,
    to: Date,
) -> Result<HashMap<(ActivityId, Date), ReservationState>, StoreError> {
    let rows = sqlx::query("SELECT activity_id, day, state FROM reservations WHERE child_id = $1 AND day >= $2 AND day <= $3")
        .bind(child_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(db.reader())
        .await?;
    let mut map = HashMap::with_capacity(rows.len());
    for r in rows {
        map.insert(
            (
                r.get("activity_id"),
                date(&r.get::<String, _>("day"), "reservations.day")?,
            ),
            reservation_state(r.get("state"))?,
        );
    }
    Ok(map)
}

/// Where the waiting reservation `r` stands in its day's queue (1 = the next to get a
/// place), in the order the processing run serves the queue.
const WAITING_RANK: &str = "(SELECT COUNT(*) FROM reservations w WHERE w.activity_id = r.activity_id AND w.day = r.day AND w.state = 'attente' \
     AND (w.queue_position < r.queue_position OR (w.queue_position = r.queue_position AND w.id <= r.id)))";

/// The child's places in the waiting lists of the activity between two days (included).
pub async fn waiting_ranks(
    db: &Db,
    child_id: ChildId,
    activity_id: ActivityId,
    from: Date,
    to: Date,
) -> Result<HashMap<Date, u32>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT r.day, {WAITING_RANK} AS rank FROM reservations r \
         WHERE r.child_id = $1 AND r.activity_id = $2 AND r.state = 'attente' AND r.day >= $3 AND r.day <= $4"
    )))
    .bind(child_id)
    .bind(activity_id)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                date(&r.get::<String, _>("day"), "reservations.day")?,
                rank(r.get("rank"))?,
            ))
        })
        .collect()
}

fn rank(count: i64) -> Result<u32, StoreError> {
    u32::try_from(count).map_err(|e| StoreError::corrupt("waiting rank", e))
}

/// A stored reservation state, read once where its row is.
pub(crate) fn reservation_state(code: String) -> Result<ReservationState, StoreError> {
    ReservationState::from_code(&code)
        .ok_or_else(|| StoreError::corrupt("reservations.state", code))
}

/// Places taken per activity and day: accepted bookings and requests not processed yet.
pub async fn places_taken(
    db: &Db,
    activity_id: ActivityId,
    from: Date,
    to: Date,
) -> Result<HashMap<Date, i64>, StoreError> {
    // One row per day, whatever the number of families that booked it, and on
    // PostgreSQL the few moves not folded into it yet (see `places`).
    let rows = sqlx::query(
        "SELECT day, CAST(SUM(n) AS BIGINT) AS taken FROM ( \
           SELECT day, taken + asked AS n FROM day_places WHERE activity_id = $1 AND day >= $2 AND day <= $3 \
           UNION ALL SELECT day, asked FROM day_place_moves WHERE activity_id = $1 AND day >= $2 AND day <= $3 \
         ) AS d GROUP BY day",
    )
        .bind(activity_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(db.reader())
        .await?;
    let mut map = HashMap::with_capacity(rows.len());
    for r in rows {
        map.insert(
            date(&r.get::<String, _>("day"), "day_places.day")?,
            r.get("taken"),
        );
    }
    Ok(map)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingChange {
    pub child_id: ChildId,
    pub activity_id: ActivityId,
    pub day: Date,
    pub change: Pending,
}

fn change_text(change: Pending) -> &'static str {
    match change {
        Pending::Book => "reserver",
        Pending::Cancel => "annuler",
    }
}

/// The family's pending changes, in the order of the days.
pub async fn pending(db: &Db, family_id: FamilyId) -> Result<Vec<PendingChange>, StoreError> {
    let rows = sqlx::query(
        "SELECT child_id, activity_id, day, change FROM pending_changes \
         WHERE family_id = $1 ORDER BY day, child_id, activity_id",
    )
    .bind(family_id)
    .persistent(keeps_drafts_plan(db))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(pending_from).collect()
}

/// The family's pending changes, each with the state of the reservation it would change.
/// PostgreSQL plans the join in 0.13 ms and runs it in 0.095 ms where it plans the drafts
/// alone in 0.035 ms and runs them in 0.04 (40 drafts, 80 000 in the table), at every use
/// (see `keeps_drafts_plan`): only the pages that show those states ask for them.
pub async fn pending_with_states(
    db: &Db,
    family_id: FamilyId,
) -> Result<Vec<(PendingChange, Option<ReservationState>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.child_id, p.activity_id, p.day, p.change, r.state FROM pending_changes p \
         LEFT JOIN reservations r ON r.child_id = p.child_id AND r.activity_id = p.activity_id AND r.day = p.day \
         WHERE p.family_id = $1 ORDER BY p.day, p.child_id, p.activity_id",
    )
    .bind(family_id)
    .persistent(keeps_drafts_plan(db))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let state = r
                .get::<Option<String>, _>("state")
                .map(reservation_state)
                .transpose()?;
            Ok((pending_from(r)?, state))
        })
        .collect()
}

/// Whether a connection may keep the plan of a query on the drafts. Drafts come and go:
/// at the opening the table grows from a few rows to thousands within the minute. A plan
/// kept by a PostgreSQL connection since the table was small scans it whole at every
/// page (2 ms per page at 40 000 rows, the rush bench: most of PostgreSQL's CPU); planned
/// at each use, it takes the family's index. SQLite's planner does not weigh the table's
/// size, so it keeps its statement.
fn keeps_drafts_plan(db: &Db) -> bool {
    db.backend() == Backend::Sqlite
}

fn pending_from(r: &sqlx::any::AnyRow) -> Result<PendingChange, StoreError> {
    let change: String = r.get("change");
    Ok(PendingChange {
        child_id: r.get("child_id"),
        activity_id: r.get("activity_id"),
        day: date(&r.get::<String, _>("day"), "pending_changes.day")?,
        change: if change == "reserver" {
            Pending::Book
        } else {
            Pending::Cancel
        },
    })
}

/// Sets (or, with None, drops) the pending change of each day, in one transaction. The
/// caller has checked that the child is the family's and the days modifiable.
pub async fn set_pending(
    db: &Db,
    family_id: FamilyId,
    child_id: ChildId,
    activity_id: ActivityId,
    changes: &[(Date, Option<Pending>)],
    now: Timestamp,
) -> Result<(), StoreError> {
    // A day given twice keeps its last change, as when the days were written one by one;
    // an upsert may not meet the same row twice either (PostgreSQL refuses it).
    let changes: Vec<(Date, Option<Pending>)> = changes
        .iter()
        .copied()
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let created_at = db_time(now);
    let mut statements: Vec<Statement> = Vec::new();
    for chunk in changes.chunks(ROWS_PER_STATEMENT) {
        let dropped: Vec<(ChildId, ActivityId, Date)> = chunk
            .iter()
            .filter(|(_, c)| c.is_none())
            .map(|&(day, _)| (child_id, activity_id, day))
            .collect();
        if !dropped.is_empty() {
            let mut delete = Statement::new(db.backend(), "DELETE FROM pending_changes WHERE ");
            days_condition(&mut delete, &dropped);
            statements.push(delete);
        }
        let set: Vec<[Val; 6]> = chunk
            .iter()
            .filter_map(|&(day, change)| {
                let change = change_text(change?);
                Some([
                    family_id.into(),
                    child_id.into(),
                    activity_id.into(),
                    day.to_string().into(),
                    change.into(),
                    created_at.as_str().into(),
                ])
            })
            .collect();
        if !set.is_empty() {
            let mut upsert = Statement::new(
                db.backend(),
                "INSERT INTO pending_changes (family_id, child_id, activity_id, day, change, created_at) VALUES ",
            );
            upsert.rows(set).sql(
                " ON CONFLICT (child_id, activity_id, day) DO UPDATE SET family_id = excluded.family_id, \
                 change = excluded.change, created_at = excluded.created_at",
            );
            statements.push(upsert);
        }
    }
    db.write(move |tx| {
        let statements = statements.clone();
        Box::pin(async move {
            for statement in statements {
                statement.execute(&mut **tx).await?;
            }
            Ok(())
        })
    })
    .await
}

/// `((child_id = ? AND activity_id = ? AND day IN (?, …)) OR …)`: the rows of these
/// (child, activity, day), written so that both databases look each one up in the
/// (child_id, activity_id, day) index; a row-value `IN (VALUES …)` makes SQLite scan the
/// whole table. `keys` must not be empty.
fn days_condition(statement: &mut Statement, keys: &[(ChildId, ActivityId, Date)]) {
    let mut groups: BTreeMap<(ChildId, ActivityId), Vec<Date>> = BTreeMap::new();
    for &(child_id, activity_id, day) in keys {
        groups.entry((child_id, activity_id)).or_default().push(day);
    }
    statement.not_kept().sql("(");
    for (i, ((child_id, activity_id), days)) in groups.into_iter().enumerate() {
        statement.sql(if i == 0 {
            "(child_id = "
        } else {
            " OR (child_id = "
        });
        statement
            .value(child_id)
            .sql(" AND activity_id = ")
            .value(activity_id)
            .sql(" AND day IN (");
        for (j, day) in days.into_iter().enumerate() {
            if j > 0 {
                statement.sql(", ");
            }
            statement.value(day.to_string());
        }
        statement.sql("))");
    }
    statement.sql(")");
}

/// « Annuler » / « Abandonner »: every pending change of the family is dropped.
pub async fn clear_pending(db: &Db, family_id: FamilyId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM pending_changes WHERE family_id = $1")
        .bind(family_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// One movement to record, checked and priced by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Movement {
    pub child_id: ChildId,
    pub activity_id: ActivityId,
    pub day: Date,
    pub change: Pending,
    pub amount: Cents,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmed {
    Recorded {
        bookings: i64,
        cancellations: i64,
    },
    /// This confirmation was already recorded (a double submit): nothing new.
    AlreadyRecorded {
        bookings: i64,
        cancellations: i64,
    },
}

/// Records every movement as *Non transmise*, the requests in arrival order, and drops
/// those pending changes (and the `refused` ones), all in one transaction committed before
/// the family gets its answer. Each (child, activity, day) appears at most once, as in the
/// draft the movements come from.
pub async fn confirm(
    db: &Db,
    family_id: FamilyId,
    key: &str,
    movements: &[Movement],
    refused: &[(ChildId, ActivityId, Date)],
    now: Timestamp,
) -> Result<Confirmed, StoreError> {
    let bookings = movements
        .iter()
        .filter(|m| m.change == Pending::Book)
        .count() as i64;
    let cancellations = movements.len() as i64 - bookings;
    let confirmation = Confirmation {
        backend: db.backend(),
        family_id,
        key: key.to_owned(),
        bookings,
        cancellations,
        movements: movements.to_vec(),
        refused: refused.to_vec(),
        now,
    };
    if db.write_batched(confirmation).await? {
        return Ok(Confirmed::Recorded {
            bookings,
            cancellations,
        });
    }
    let row = sqlx::query(
        "SELECT bookings, cancellations FROM confirmations WHERE key = $1 AND family_id = $2",
    )
    .bind(key)
    .bind(family_id)
    .fetch_one(db.reader())
    .await?;
    Ok(Confirmed::AlreadyRecorded {
        bookings: row.get("bookings"),
        cancellations: row.get("cancellations"),
    })
}

/// A confirmation to write, owned by the job that writes it.
struct Confirmation {
    backend: Backend,
    family_id: FamilyId,
    key: String,
    bookings: i64,
    cancellations: i64,
    movements: Vec<Movement>,
    refused: Vec<(ChildId, ActivityId, Date)>,
    now: Timestamp,
}

/// At the opening rush, the confirmations that queue together are written with the
/// statements of one, which saves each its round trips to SQLite's connection thread.
impl Batch for Confirmation {
    /// Whether its key was new, and everything recorded with it.
    type Output = bool;

    /// Two confirmations of one family may touch the same days, which statements over
    /// both would not see change in between: they go one after the other. Families' days
    /// never meet (a child has one family).
    fn joins(&self, earlier: &[Self]) -> bool {
        earlier.iter().all(|c| c.family_id != self.family_id)
    }

    fn write_all<'t>(
        tx: &'t mut WriteTx,
        items: &'t [Self],
    ) -> BoxFuture<'t, Result<Vec<bool>, StoreError>> {
        Box::pin(write_confirmations(tx, items))
    }
}

async fn write_confirmations(
    tx: &mut WriteTx,
    confirmations: &[Confirmation],
) -> Result<Vec<bool>, StoreError> {
    let Some(backend) = confirmations.first().map(|c| c.backend) else {
        return Ok(Vec::new());
    };
    // The keys are claimed first: a second submit of the same récapitulatif, even at the
    // same instant on another instance, waits for the first and then finds it recorded.
    let mut claim = Statement::new(
        backend,
        "INSERT INTO confirmations (key, family_id, bookings, cancellations, confirmed_at) VALUES ",
    );
    claim
        .rows(confirmations.iter().map(|c| -> [Val; 5] {
            [
                c.key.as_str().into(),
                c.family_id.into(),
                c.bookings.into(),
                c.cancellations.into(),
                db_time(c.now).into(),
            ]
        }))
        .sql(" ON CONFLICT (key) DO NOTHING RETURNING key");
    let mut new_keys: HashSet<String> = claim
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.get("key"))
        .collect();
    // The first confirmation with a new key takes it; another with the same key is a
    // double submit.
    let claimed: Vec<bool> = confirmations
        .iter()
        .map(|c| new_keys.remove(&c.key))
        .collect();
    let recorded: Vec<&Confirmation> = confirmations
        .iter()
        .zip(&claimed)
        .filter(|&(_, &claimed)| claimed)
        .map(|(c, _)| c)
        .collect();
    if recorded.is_empty() {
        return Ok(claimed);
    }
    let movements: Vec<(&Confirmation, &Movement)> = recorded
        .iter()
        .flat_map(|&c| c.movements.iter().map(move |m| (c, m)))
        .collect();
    record(tx, backend, &movements).await?;
    let done: Vec<(ChildId, ActivityId, Date)> = recorded
        .iter()
        .flat_map(|c| {
            c.movements
                .iter()
                .map(|m| (m.child_id, m.activity_id, m.day))
                .chain(c.refused.iter().copied())
        })
        .collect();
    for chunk in done.chunks(ROWS_PER_STATEMENT) {
        // A child has one family: its (child, activity, day) keys are the family's.
        let mut delete = Statement::new(backend, "DELETE FROM pending_changes WHERE ");
        days_condition(&mut delete, chunk);
        delete.execute(&mut **tx).await?;
    }
    if let Some(last) = recorded.iter().map(|c| c.now).max() {
        crate::portal::touch_data_change(tx, last).await?;
    }
    Ok(claimed)
}

/// Writes the movements of confirmations with a few statements for them all: first the
/// requests, in the movements' order, which is their arrival order, each with the state
/// its reservation had; then the bookings and the cancellations.
async fn record(
    tx: &mut WriteTx,
    backend: Backend,
    movements: &[(&Confirmation, &Movement)],
) -> Result<(), StoreError> {
    for chunk in in_shapes(movements) {
        let mut requests = Statement::new(
            backend,
            "INSERT INTO reservation_requests \
             (confirmation_key, family_id, child_id, activity_id, day, action, previous_state, amount_cents, confirmed_at) \
             SELECT v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, r.state, v.column8, v.column9 FROM (VALUES ",
        );
        requests.rows(
            chunk
                .iter()
                .zip(0i64..)
                .map(|(&(c, m), position)| -> [Val; 9] {
                    [
                        position.into(),
                        c.key.as_str().into(),
                        c.family_id.into(),
                        m.child_id.into(),
                        m.activity_id.into(),
                        m.day.to_string().into(),
                        change_text(m.change).into(),
                        m.amount.0.into(),
                        db_time(c.now).into(),
                    ]
                }),
        );
        requests.sql(
            ") AS v LEFT JOIN reservations r ON r.child_id = v.column4 AND r.activity_id = v.column5 AND r.day = v.column6 \
             ORDER BY v.column1",
        );
        requests.execute(&mut **tx).await?;
    }
    let booked: Vec<[Val; 8]> = movements
        .iter()
        .filter(|(_, m)| m.change == Pending::Book)
        .map(|&(c, m)| {
            let at = db_time(c.now);
            [
                c.family_id.into(),
                m.child_id.into(),
                m.activity_id.into(),
                m.day.to_string().into(),
                "non_transmise".into(),
                m.amount.0.into(),
                at.clone().into(),
                at.into(),
            ]
        })
        .collect();
    let mut asked = Asked::default();
    for chunk in in_shapes(&booked) {
        // A day already asked for (two confirmations racing from two tabs) stays as it
        // was: only the rows that become *Non transmise* count as a new request.
        let mut upsert = Statement::new(
            backend,
            "INSERT INTO reservations (family_id, child_id, activity_id, day, state, amount_cents, confirmed_at, updated_at) VALUES ",
        );
        upsert.rows(chunk.iter().cloned()).sql(
            " ON CONFLICT (child_id, activity_id, day) DO UPDATE SET state = 'non_transmise', \
             amount_cents = excluded.amount_cents, confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at \
             WHERE reservations.state <> 'non_transmise' RETURNING activity_id, day",
        );
        asked.count(&upsert.fetch_all(&mut **tx).await?, 1)?;
    }
    let cancelled: Vec<(ChildId, ActivityId, Date)> = movements
        .iter()
        .filter(|(_, m)| m.change == Pending::Cancel)
        .map(|(_, m)| (m.child_id, m.activity_id, m.day))
        .collect();
    // The cancellations of confirmations written together are dated alike, by the last.
    if let Some(at) = movements
        .iter()
        .filter(|(_, m)| m.change == Pending::Cancel)
        .map(|(c, _)| db_time(c.now))
        .max()
    {
        for chunk in cancelled.chunks(ROWS_PER_STATEMENT) {
            // First the requests not decided yet, whose cancellation frees their count.
            let mut undecided = Statement::new(
                backend,
                "UPDATE reservations SET state = 'annulee', updated_at = ",
            );
            undecided
                .value(at.as_str())
                .sql(" WHERE state = 'non_transmise' AND ");
            days_condition(&mut undecided, chunk);
            undecided.sql(" RETURNING activity_id, day");
            asked.count(&undecided.fetch_all(&mut **tx).await?, -1)?;
            let mut update = Statement::new(
                backend,
                "UPDATE reservations SET state = 'annulee', updated_at = ",
            );
            update.value(at.as_str()).sql(" WHERE ");
            days_condition(&mut update, chunk);
            update.execute(&mut **tx).await?;
        }
    }
    asked.apply(tx, backend).await
}

/// One line of « Suivi des réservations ».
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    pub child_public_id: String,
    pub child_first_name: String,
    pub activity_name: String,
    pub day: Date,
    pub state: ReservationState,
    /// On the waiting list: the place in its queue.
    pub rank: Option<u32>,
    pub amount: Cents,
}

/// The family's reservations at the structure from `from` on, by day.
pub async fn follow_up(
    db: &Db,
    family_id: FamilyId,
    structure_id: StructureId,
    from: Date,
) -> Result<Vec<FollowUp>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT c.public_id, c.first_name, a.name, r.day, r.state, r.amount_cents, CASE WHEN r.state = 'attente' THEN {WAITING_RANK} END AS rank \
         FROM reservations r JOIN children c ON c.id = r.child_id JOIN activities a ON a.id = r.activity_id \
         WHERE r.family_id = $1 AND a.structure_id = $2 AND r.day >= $3 ORDER BY r.day, c.birth_date, a.start_time",
    )))
    .bind(family_id)
    .bind(structure_id)
    .bind(from.to_string())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FollowUp {
                child_public_id: r.get("public_id"),
                child_first_name: r.get("first_name"),
                activity_name: r.get("name"),
                day: date(&r.get::<String, _>("day"), "reservations.day")?,
                state: reservation_state(r.get("state"))?,
                rank: r.get::<Option<i64>, _>("rank").map(rank).transpose()?,
                amount: Cents(r.get("amount_cents")),
            })
        })
        .collect()
}

/// The private address token of a child's calendar feed, created on first request.
pub async fn feed_token(
    db: &Db,
    family_id: FamilyId,
    child_public_id: &str,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let Some(child_id): Option<ChildId> =
        sqlx::query_scalar("SELECT id FROM children WHERE public_id = $1 AND family_id = $2")
            .bind(child_public_id)
            .bind(family_id)
            .fetch_optional(db.reader())
            .await?
    else {
        return Ok(None);
    };
    sqlx::query("INSERT INTO calendar_feeds (token, child_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (child_id) DO NOTHING")
        .bind(crate::sessions::new_key()?)
        .bind(child_id)
        .bind(db_time(now))
        .execute(db.writer())
        .await?;
    Ok(Some(
        sqlx::query_scalar("SELECT token FROM calendar_feeds WHERE child_id = $1")
            .bind(child_id)
            .fetch_one(db.writer())
            .await?,
    ))
}

/// One accepted day of a child, for the calendar feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedDay {
    pub child_first_name: String,
    pub activity_name: String,
    pub day: Date,
    pub start: Time,
    pub end: Time,
    pub structure_name: String,
}

/// The accepted days of the child whose feed has this token (None: no such feed).
pub async fn feed(db: &Db, token: &str) -> Result<Option<Vec<AcceptedDay>>, StoreError> {
    let Some(child_id): Option<ChildId> =
        sqlx::query_scalar("SELECT child_id FROM calendar_feeds WHERE token = $1")
            .bind(token)
            .fetch_optional(db.reader())
            .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT c.first_name, a.name, r.day, a.start_time, a.end_time, s.name AS structure_name FROM reservations r \
         JOIN children c ON c.id = r.child_id JOIN activities a ON a.id = r.activity_id JOIN structures s ON s.id = a.structure_id \
         WHERE r.child_id = $1 AND r.state = 'acceptee' ORDER BY r.day, a.start_time",
    )
    .bind(child_id)
    .fetch_all(db.reader())
    .await?;
    let days = rows
        .iter()
        .map(|r| {
            Ok(AcceptedDay {
                child_first_name: r.get("first_name"),
                activity_name: r.get("name"),
                day: date(&r.get::<String, _>("day"), "reservations.day")?,
                start: parse_time(&r.get::<String, _>("start_time"))?,
                end: parse_time(&r.get::<String, _>("end_time"))?,
                structure_name: r.get("structure_name"),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(days))
}
