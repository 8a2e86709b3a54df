//! The back office's days of an activity (R-BO-6): who is booked and who waits, with the
//! health information the staff need (each fiche shown is a logged reading of health
//! data); the pointage of a day, which writes its consommations; and the processing run
//! started by hand.
//!
//! A day with a pointage is billed from it: a present child is consumed (at the price of
//! the booking, or at the family's price for a child who came without one); an absent
//! one only where the activity bills an absence, and never when it is excused. A day without one keeps being billed from its accepted reservations by
//! the nightly step (`billing::record_consommations`).

use ribambelle_domain::ids::{ActivityId, ChildId, FamilyId, FicheId, StaffId, StructureId};
use std::collections::{HashMap, HashSet};

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    activity::{AbsenceBilling, PriceBracket, day_price},
    clock::Clock,
    dossier::Values,
    french::long_date,
    journal::Action,
    money::Cents,
    pointage::{PointageRefusal, Presence},
};
use sqlx::{Row, any::AnyRow};

use crate::{
    Db, StoreError, audit, db_time, parse_db_time,
    processing::{self, RunOutcome},
};

/// An activity as the back office names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRef {
    pub id: ActivityId,
    pub public_id: String,
    pub name: String,
    pub structure_id: StructureId,
    pub structure: String,
    pub absence: AbsenceBilling,
}

const ACTIVITY_REF: &str = "SELECT a.id, a.public_id, a.name, a.structure_id, s.name AS structure, a.absence_billing FROM activities a JOIN structures s ON s.id = a.structure_id";

fn activity_ref(r: &AnyRow) -> Result<ActivityRef, StoreError> {
    Ok(ActivityRef {
        id: r.get("id"),
        public_id: r.get("public_id"),
        name: r.get("name"),
        structure_id: r.get("structure_id"),
        structure: r.get("structure"),
        absence: crate::catalog::absence_billing(r)?,
    })
}

fn presence(present: bool, excused: bool) -> Presence {
    match (present, excused) {
        (true, _) => Presence::Present,
        (false, false) => Presence::Absent,
        (false, true) => Presence::Excused,
    }
}

/// The activities of these structures, structure by structure, by start time.
pub async fn activities(
    db: &Db,
    structures: &[StructureId],
) -> Result<Vec<ActivityRef>, StoreError> {
    let mut all = Vec::new();
    for structure in structures {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ACTIVITY_REF} WHERE a.structure_id = $1 ORDER BY a.start_time, a.name"
        )))
        .bind(*structure)
        .fetch_all(db.reader())
        .await?;
        for row in &rows {
            all.push(activity_ref(row)?);
        }
    }
    Ok(all)
}

pub async fn activity(db: &Db, public_id: &str) -> Result<Option<ActivityRef>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ACTIVITY_REF} WHERE a.public_id = $1"
    )))
    .bind(public_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(activity_ref).transpose()
}

/// What the staff need to know of a child's health, from the latest fiche sanitaire the
/// family transmitted (or the gestionnaire validated) at the activity's structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub fiche_id: FicheId,
    pub validated: bool,
    pub allergies: String,
    /// The dietary requirement, empty for « Aucune ».
    pub diet: String,
    pub pai: bool,
    pub treatment: String,
}

impl Health {
    fn from_fiche(fiche_id: FicheId, state: &str, values: &Values) -> Health {
        let get = |key: &str| {
            values
                .get(key)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let diet = get("regime_alimentaire");
        Health {
            fiche_id,
            validated: state == "validee",
            allergies: get("allergies"),
            diet: if diet == "Aucune" {
                String::new()
            } else {
                diet
            },
            pai: get("pai") == "oui",
            treatment: get("traitement"),
        }
    }
}

/// A child on a day's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayChild {
    pub child_id: ChildId,
    pub public_id: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Date,
    pub school: Option<String>,
    /// « MARTIN Claire », the account holder.
    pub family: String,
    /// Where the child stands in the waiting list (1 = next to get a place).
    pub rank: Option<usize>,
    /// The pointage, once recorded.
    pub presence: Option<Presence>,
    /// Came without an accepted reservation.
    pub walk_in: bool,
    pub health: Option<Health>,
}

impl DayChild {
    /// « MARTIN Léa », as lists and the audit trail name children.
    pub fn name(&self) -> String {
        format!("{} {}", self.last_name, self.first_name)
    }
}

/// Who recorded a day's pointage last, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorder {
    pub staff: String,
    pub at: Timestamp,
}

/// One day of one activity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Day {
    /// Accepted reservations, by name.
    pub booked: Vec<DayChild>,
    /// The waiting list, in queue order.
    pub waiting: Vec<DayChild>,
    /// Children the pointage added without a booking.
    pub walk_ins: Vec<DayChild>,
    pub recorded: Option<Recorder>,
}

/// The children of a day: booked, waiting, or on its pointage.
async fn children_of_day(db: &Db, activity_id: ActivityId, day: Date) -> Result<Day, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.public_id, c.first_name, c.last_name, c.birth_date, c.school, f.last_name || ' ' || f.first_name AS family, \
           r.state, r.queue_position, t.present, t.excused, t.walk_in, s.display_name AS recorder, t.recorded_at \
         FROM (SELECT child_id FROM reservations WHERE activity_id = $1 AND day = $2 AND state IN ('acceptee', 'attente') \
               UNION SELECT child_id FROM attendance WHERE activity_id = $1 AND day = $2) d \
         JOIN children c ON c.id = d.child_id JOIN families f ON f.id = c.family_id \
         LEFT JOIN reservations r ON r.child_id = c.id AND r.activity_id = $1 AND r.day = $2 \
         LEFT JOIN attendance t ON t.child_id = c.id AND t.activity_id = $1 AND t.day = $2 \
         LEFT JOIN staff s ON s.id = t.recorded_by \
         ORDER BY r.queue_position, c.last_name, c.first_name, c.id",
    )
    .bind(activity_id)
    .bind(day.to_string())
    .fetch_all(db.reader())
    .await?;
    let mut list = Day::default();
    for r in &rows {
        let presence = r
            .get::<Option<i64>, _>("present")
            .map(|p| presence(p == 1, r.get::<Option<i64>, _>("excused") == Some(1)));
        let walk_in = r.get::<Option<i64>, _>("walk_in") == Some(1);
        if let (Some(staff), Some(at)) = (
            r.get::<Option<String>, _>("recorder"),
            r.get::<Option<String>, _>("recorded_at"),
        ) {
            let at = parse_db_time(&at)?;
            if list.recorded.as_ref().is_none_or(|known| known.at < at) {
                list.recorded = Some(Recorder { staff, at });
            }
        }
        let state: Option<String> = r.get("state");
        let mut child = DayChild {
            child_id: r.get("id"),
            public_id: r.get("public_id"),
            first_name: r.get("first_name"),
            last_name: r.get("last_name"),
            birth_date: r
                .get::<String, _>("birth_date")
                .parse()
                .map_err(|e| StoreError::corrupt("children.birth_date", e))?,
            school: r.get("school"),
            family: r.get("family"),
            rank: None,
            presence,
            walk_in,
            health: None,
        };
        if walk_in {
            list.walk_ins.push(child);
        } else if state.as_deref() == Some("acceptee") {
            list.booked.push(child);
        } else if state.as_deref() == Some("attente") {
            child.rank = Some(list.waiting.len() + 1);
            list.waiting.push(child);
        }
    }
    // The query ordered by queue position first (for the waiting list); the others read
    // better by name, whatever place each backend gives to a missing position.
    for children in [&mut list.booked, &mut list.walk_ins] {
        children.sort_by(|a, b| (&a.last_name, &a.first_name).cmp(&(&b.last_name, &b.first_name)));
    }
    Ok(list)
}

/// A day's lists with each child's health information, for a staff member: every fiche
/// shown is logged as a reading of health data (RGPD art. 9), in one transaction.
pub async fn day_list(
    db: &Db,
    staff_id: StaffId,
    activity: &ActivityRef,
    day: Date,
    now: Timestamp,
) -> Result<Day, StoreError> {
    let mut list = children_of_day(db, activity.id, day).await?;
    let rows = sqlx::query(
        "SELECT f.id, f.child_id, f.state, f.data FROM fiches f JOIN dossier_campaigns d ON d.id = f.campaign_id \
         WHERE d.structure_id = $3 AND f.kind = 'sanitaire' AND f.state IN ('transmise', 'validee') \
           AND f.child_id IN (SELECT child_id FROM reservations WHERE activity_id = $1 AND day = $2 AND state IN ('acceptee', 'attente') \
                              UNION SELECT child_id FROM attendance WHERE activity_id = $1 AND day = $2) \
         ORDER BY f.child_id, d.opens_on DESC, f.transmitted_at DESC, f.id DESC",
    )
    .bind(activity.id)
    .bind(day.to_string())
    .bind(activity.structure_id)
    .fetch_all(db.reader())
    .await?;
    let mut latest: HashMap<ChildId, Health> = HashMap::new();
    for r in &rows {
        let child: ChildId = r.get("child_id");
        if latest.contains_key(&child) {
            continue;
        }
        let values: Values = serde_json::from_str(&r.get::<String, _>("data"))
            .map_err(|e| StoreError::corrupt("fiches.data", e))?;
        latest.insert(
            child,
            Health::from_fiche(r.get("id"), &r.get::<String, _>("state"), &values),
        );
    }
    if latest.is_empty() {
        return Ok(list);
    }
    let mut tx = db.begin().await?;
    for health in latest.values() {
        sqlx::query("INSERT INTO health_data_reads (staff_id, fiche_id, file_id, read_at) VALUES ($1, $2, NULL, $3)")
            .bind(staff_id)
            .bind(health.fiche_id)
            .bind(db_time(now))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    for child in list
        .booked
        .iter_mut()
        .chain(list.waiting.iter_mut())
        .chain(list.walk_ins.iter_mut())
    {
        child.health = latest.get(&child.child_id).cloned();
    }
    Ok(list)
}

/// A child registered to the activity who may be added to a day's pointage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub child_id: ChildId,
    pub public_id: String,
    /// « MARTIN Hugo »
    pub name: String,
}

/// The pointage sheet of a day: the booked children, the walk-ins already recorded, and
/// the other children registered to the activity, who may have come without a booking.
pub async fn sheet(
    db: &Db,
    activity_id: ActivityId,
    day: Date,
) -> Result<(Day, Vec<Registered>), StoreError> {
    let list = children_of_day(db, activity_id, day).await?;
    let rows = sqlx::query(
        "SELECT c.id, c.public_id, c.last_name || ' ' || c.first_name AS name FROM registrations g JOIN children c ON c.id = g.child_id \
         WHERE g.activity_id = $1 \
           AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.child_id = c.id AND r.activity_id = $1 AND r.day = $2 AND r.state = 'acceptee') \
           AND NOT EXISTS (SELECT 1 FROM attendance t WHERE t.child_id = c.id AND t.activity_id = $1 AND t.day = $2) \
         ORDER BY c.last_name, c.first_name, c.id",
    )
    .bind(activity_id)
    .bind(day.to_string())
    .fetch_all(db.reader())
    .await?;
    let others = rows
        .iter()
        .map(|r| Registered {
            child_id: r.get("id"),
            public_id: r.get("public_id"),
            name: r.get("name"),
        })
        .collect();
    Ok((list, others))
}

/// One child's line of a pointage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub child_id: ChildId,
    pub presence: Presence,
}

/// What a pointage changed in the consommations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub present: u64,
    pub absent: u64,
    pub added: u64,
    pub removed: u64,
}

/// A child the pointage may name, with what billing them needs.
struct Known {
    name: String,
    family_id: FamilyId,
    /// The booking's price; None for a child without an accepted reservation.
    booked_price: Option<i64>,
    quotient_familial: Option<i64>,
}

fn describe_sheet(lines: &[(String, Presence, bool)]) -> String {
    let mut sorted = lines.to_vec();
    // By name, then answer: two children of the same name always come in the same order.
    sorted.sort_by(|a, b| (&a.0, a.1.code(), a.2).cmp(&(&b.0, b.1.code(), b.2)));
    let fields: Vec<(&str, String)> = sorted
        .iter()
        .map(|(name, presence, walk_in)| {
            (name.as_str(), presence.journal_word(*walk_in).to_owned())
        })
        .collect();
    audit::describe(&fields)
}

/// Records (or records again) the pointage of a day and makes its consommations follow
/// it, in one transaction with its audit entry. Recording the same sheet twice changes
/// nothing; a consommation already invoiced is never removed (the whole sheet is refused).
pub async fn record(
    db: &Db,
    staff_id: StaffId,
    activity_id: ActivityId,
    day: Date,
    marks: &[Mark],
    today: Date,
    now: Timestamp,
) -> Result<Result<Recorded, PointageRefusal>, StoreError> {
    if day > today {
        return Ok(Err(PointageRefusal::Future));
    }
    let day_text = day.to_string();
    let mut tx = db.begin().await?;
    let activity =
        sqlx::query("SELECT name, structure_id, absence_billing FROM activities WHERE id = $1")
            .bind(activity_id)
            .fetch_one(&mut *tx)
            .await?;
    let known_rows = sqlx::query(
        "SELECT c.id, c.last_name || ' ' || c.first_name AS name, c.family_id, f.quotient_familial, r.amount_cents \
         FROM children c JOIN families f ON f.id = c.family_id \
         LEFT JOIN reservations r ON r.child_id = c.id AND r.activity_id = $1 AND r.day = $2 AND r.state = 'acceptee' \
         WHERE c.id IN (SELECT child_id FROM registrations WHERE activity_id = $1 \
                        UNION SELECT child_id FROM reservations WHERE activity_id = $1 AND day = $2 AND state = 'acceptee')",
    )
    .bind(activity_id)
    .bind(&day_text)
    .fetch_all(&mut *tx)
    .await?;
    let known: HashMap<ChildId, Known> = known_rows
        .iter()
        .map(|r| {
            let child = Known {
                name: r.get("name"),
                family_id: r.get("family_id"),
                booked_price: r.get("amount_cents"),
                quotient_familial: r.get("quotient_familial"),
            };
            (r.get("id"), child)
        })
        .collect();
    let rule = crate::catalog::absence_billing(&activity)?;
    let marked: HashMap<ChildId, Presence> =
        marks.iter().map(|m| (m.child_id, m.presence)).collect();
    // Whether the sheet bills the child's day: a child without an accepted reservation
    // came without one.
    let billed = |child: &ChildId| {
        marked.get(child).is_some_and(|p| {
            p.is_billed(
                rule,
                known.get(child).is_none_or(|k| k.booked_price.is_none()),
            )
        })
    };
    if marks.iter().any(|m| !known.contains_key(&m.child_id)) {
        return Ok(Err(PointageRefusal::NotRegistered));
    }
    let mut unmarked: Vec<&str> = known
        .iter()
        .filter(|(id, k)| k.booked_price.is_some() && !marked.contains_key(id))
        .map(|(_, k)| k.name.as_str())
        .collect();
    unmarked.sort_unstable();
    if let Some(first) = unmarked.first() {
        return Ok(Err(PointageRefusal::Unmarked((*first).to_owned())));
    }

    let previous_rows = sqlx::query(
        "SELECT c.last_name || ' ' || c.first_name AS name, t.present, t.excused, t.walk_in FROM attendance t JOIN children c ON c.id = t.child_id \
         WHERE t.activity_id = $1 AND t.day = $2",
    )
    .bind(activity_id)
    .bind(&day_text)
    .fetch_all(&mut *tx)
    .await?;
    let previous: Vec<(String, Presence, bool)> = previous_rows
        .iter()
        .map(|r| {
            (
                r.get("name"),
                presence(
                    r.get::<i64, _>("present") == 1,
                    r.get::<i64, _>("excused") == 1,
                ),
                r.get::<i64, _>("walk_in") == 1,
            )
        })
        .collect();

    let mut recorded = Recorded::default();
    let existing = sqlx::query(
        "SELECT c.id, c.child_id, i.number FROM consommations c LEFT JOIN invoices i ON i.id = c.invoice_id WHERE c.activity_id = $1 AND c.day = $2",
    )
    .bind(activity_id)
    .bind(&day_text)
    .fetch_all(&mut *tx)
    .await?;
    let mut consumed: HashSet<ChildId> = HashSet::new();
    for r in &existing {
        let child: ChildId = r.get("child_id");
        if billed(&child) {
            consumed.insert(child);
            continue;
        }
        if let Some(invoice) = r.get::<Option<String>, _>("number") {
            let name = match known.get(&child) {
                Some(k) => k.name.clone(),
                None => {
                    sqlx::query_scalar(
                        "SELECT last_name || ' ' || first_name FROM children WHERE id = $1",
                    )
                    .bind(child)
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            return Ok(Err(PointageRefusal::Invoiced {
                child: name,
                invoice,
            }));
        }
        sqlx::query("DELETE FROM consommations WHERE id = $1")
            .bind(r.get::<i64, _>("id"))
            .execute(&mut *tx)
            .await?;
        recorded.removed += 1;
    }

    let brackets: Vec<PriceBracket> =
        sqlx::query("SELECT qf_max, price_cents FROM price_brackets WHERE activity_id = $1")
            .bind(activity_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| PriceBracket {
                qf_max: r.get("qf_max"),
                price: Cents(r.get("price_cents")),
            })
            .collect();
    sqlx::query("DELETE FROM attendance WHERE activity_id = $1 AND day = $2")
        .bind(activity_id)
        .bind(&day_text)
        .execute(&mut *tx)
        .await?;
    let mut after = Vec::with_capacity(marks.len());
    for (child_id, presence) in &marked {
        let Some(child) = known.get(child_id) else {
            continue;
        };
        let walk_in = child.booked_price.is_none();
        sqlx::query(
            "INSERT INTO attendance (activity_id, day, child_id, present, excused, walk_in, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(activity_id)
        .bind(&day_text)
        .bind(*child_id)
        .bind(i64::from(*presence == Presence::Present))
        .bind(i64::from(*presence == Presence::Excused))
        .bind(i64::from(walk_in))
        .bind(staff_id)
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
        after.push((child.name.clone(), *presence, walk_in));
        if *presence == Presence::Present {
            recorded.present += 1;
        } else {
            recorded.absent += 1;
        }
        if !billed(child_id) || consumed.contains(child_id) {
            continue;
        }
        let price = child
            .booked_price
            .unwrap_or_else(|| day_price(&brackets, child.quotient_familial).0);
        sqlx::query(
            "INSERT INTO consommations (family_id, child_id, activity_id, day, quantity, unit_price_cents, amount_cents) VALUES ($1, $2, $3, $4, 1, $5, $5)",
        )
        .bind(child.family_id)
        .bind(*child_id)
        .bind(activity_id)
        .bind(&day_text)
        .bind(price)
        .execute(&mut *tx)
        .await?;
        recorded.added += 1;
    }
    let subject = format!("{} — {}", activity.get::<String, _>("name"), long_date(day));
    let change = audit::Change {
        staff_id,
        structure_id: Some(activity.get("structure_id")),
        family_id: None,
        action: Action::PointageRecorded,
        subject: &subject,
        before: (!previous.is_empty()).then(|| describe_sheet(&previous)),
        after: Some(describe_sheet(&after)),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(Ok(recorded))
}

/// Runs the processing now on a staff member's demand, for the structures of its scope,
/// and records who asked in the audit trail. The run is a sequence of transactions of its
/// own (so that a run killed midway is resumed), hence the entry is written once it has
/// finished.
pub async fn run_processing(
    db: &Db,
    staff_id: StaffId,
    structures: &[StructureId],
    clock: &Clock,
) -> Result<RunOutcome, StoreError> {
    let outcome = processing::run(db, clock, processing::RunScope::Structures(structures)).await?;
    let now = clock.now();
    if let RunOutcome::Done(summary) = outcome {
        let after = audit::describe(&[
            ("Demandes traitées", summary.requests.to_string()),
            ("Mails de compte rendu", summary.reports.to_string()),
            (
                "Places attribuées depuis la liste d'attente",
                summary.promotions.to_string(),
            ),
        ]);
        let subject = format!("Traitement n° {}", summary.run_id);
        let change = audit::Change {
            staff_id,
            structure_id: None,
            family_id: None,
            action: Action::ProcessingStarted,
            subject: &subject,
            before: None,
            after: Some(after),
        };
        let mut tx = db.begin().await?;
        audit::record(&mut tx, &change, now).await?;
        tx.commit().await?;
    }
    Ok(outcome)
}
