//! Synthetic families for benchmarks: `famille000001`, `famille000002`, … at CarteVille,
//! each with one to three children registered to the périscolaire and the restaurant,
//! two weeks of accepted lunches ahead, a week of consommations behind and a prepaid
//! credit. Written with multi-row INSERTs (see `bulk`) in one transaction.

use ribambelle_domain::ids::{ActivityId, FamilyId, StructureId};
use std::time::Instant;

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{calendar::SchoolCalendar, clock::paris_date, password::PasswordHashing};
use sqlx::{Any, Row, Transaction};

use super::{
    DemoError, SYNTHETIC_PASSWORD,
    catalog::{Activity, CARTEVILLE},
    fixed::zone_calendar,
};
use crate::{
    Backend, Db,
    bulk::{Bulk, Val},
    db_time, portal,
};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyntheticReport {
    pub families: u32,
    pub children: u64,
    pub reservations: u64,
    pub consommations: u64,
    pub seconds: f64,
}

const FIRST_NAMES: &[&str] = &[
    "Jade", "Gabriel", "Louise", "Raphaël", "Ambre", "Arthur", "Alba", "Jules", "Rose", "Maël",
];
const LAST_NAMES: &[&str] = &[
    "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX",
    "VINCENT",
];

const FAMILY_COLUMNS: [&str; 11] = [
    "public_id",
    "identifiant",
    "civility",
    "last_name",
    "first_name",
    "emails",
    "password_hash",
    "must_change_password",
    "quotient_familial",
    "created_at",
    "updated_at",
];
const LINK_COLUMNS: [&str; 2] = ["family_id", "structure_id"];
const CHILD_COLUMNS: [&str; 6] = [
    "public_id",
    "family_id",
    "first_name",
    "last_name",
    "birth_date",
    "school",
];
const PAYMENT_COLUMNS: [&str; 10] = [
    "public_id",
    "family_id",
    "structure_id",
    "wallet_id",
    "amount_cents",
    "mode",
    "reference",
    "state",
    "created_at",
    "paid_at",
];
const REGISTRATION_COLUMNS: [&str; 2] = ["child_id", "activity_id"];
const RESERVATION_COLUMNS: [&str; 8] = [
    "family_id",
    "child_id",
    "activity_id",
    "day",
    "state",
    "amount_cents",
    "confirmed_at",
    "updated_at",
];
const CONSOMMATION_COLUMNS: [&str; 7] = [
    "family_id",
    "child_id",
    "activity_id",
    "day",
    "quantity",
    "unit_price_cents",
    "amount_cents",
];

/// What every synthetic family shares, worked out once before the load.
struct Plan {
    backend: Backend,
    structure_id: StructureId,
    matin: Activity,
    soir: Activity,
    cantine: Activity,
    /// The days of accepted lunches ahead and of consommations behind, as stored.
    upcoming: Vec<String>,
    past: Vec<String>,
    /// Families share one hash: hashing each password would take minutes, and these
    /// accounts exist only to be loaded by benchmarks.
    password_hash: String,
    created: String,
}

/// A child just inserted, with what its bookings need to know of its family.
struct NewChild {
    id: i64,
    family_id: FamilyId,
    quotient_familial: Option<i64>,
}

pub(super) async fn add(
    db: &Db,
    hashing: &PasswordHashing,
    count: u32,
    now: Timestamp,
) -> Result<SyntheticReport, DemoError> {
    let started = Instant::now();
    let plan = plan(db, hashing, now).await?;
    let mut tx = db.begin().await?;
    let offset: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM families WHERE identifiant LIKE 'famille%'")
            .fetch_one(&mut *tx)
            .await?;
    let first_new_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM families")
        .fetch_one(&mut *tx)
        .await?;

    let families = insert_families(&mut tx, &plan, offset, count, first_new_id).await?;
    insert_links_and_payments(&mut tx, &plan, &families).await?;
    let children = insert_children(&mut tx, &plan, &families, offset, first_new_id).await?;
    let (reservations, consommations) = insert_bookings(&mut tx, &plan, &children).await?;
    if let (Some(&first), Some(&last)) = (families.first(), families.last()) {
        super::onboard(&mut tx, first, last, now).await?;
    }
    crate::places::recount(&mut tx).await?;
    portal::touch_data_change(&mut tx, now).await?;
    tx.commit().await?;
    Ok(SyntheticReport {
        families: count,
        children: children.len() as u64,
        reservations,
        consommations,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn plan(db: &Db, hashing: &PasswordHashing, now: Timestamp) -> Result<Plan, DemoError> {
    let structure_id: StructureId = sqlx::query_scalar("SELECT id FROM structures WHERE slug = $1")
        .bind(CARTEVILLE.slug)
        .fetch_optional(db.reader())
        .await?
        .ok_or(DemoError::NoDemo)?;
    let activities = load_activities(db, structure_id).await?;
    let by_name = |name: &str| {
        activities
            .iter()
            .find(|a| a.name == name)
            .cloned()
            .ok_or(DemoError::NoDemo)
    };
    let (matin, soir, cantine) = (
        by_name("APS MATIN")?,
        by_name("APS SOIR")?,
        by_name("RESTAURATION")?,
    );
    let calendar = zone_calendar()?;
    let today = paris_date(now);
    Ok(Plan {
        backend: db.backend(),
        structure_id,
        upcoming: open_days(&cantine, &calendar, today, today + 14.days())?,
        past: open_days(&cantine, &calendar, today - 8.days(), today - 1.day())?,
        matin,
        soir,
        cantine,
        password_hash: hashing.hash(SYNTHETIC_PASSWORD)?,
        created: db_time(now),
    })
}

/// Inserts the families numbered after the `offset` synthetic ones already there and
/// returns their ids, in order.
async fn insert_families(
    tx: &mut Transaction<'_, Any>,
    plan: &Plan,
    offset: i64,
    count: u32,
    first_new_id: i64,
) -> Result<Vec<i64>, DemoError> {
    let mut families = Bulk::new(plan.backend, "families", &FAMILY_COLUMNS);
    for n in 0..i64::from(count) {
        families.push(tx, family_row(plan, offset + n + 1)).await?;
    }
    families.flush(tx).await?;
    let ids = sqlx::query_scalar("SELECT id FROM families WHERE id >= $1 ORDER BY id")
        .bind(first_new_id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(ids)
}

fn family_row(plan: &Plan, index: i64) -> [Val; 11] {
    let index_usize = index as usize;
    [
        uuid::Uuid::new_v4().to_string().into(),
        format!("famille{index:06}").into(),
        "Mme".into(),
        LAST_NAMES[index_usize % LAST_NAMES.len()].into(),
        FIRST_NAMES[(index_usize * 7) % FIRST_NAMES.len()].into(),
        format!("famille{index:06}@example.fr").into(),
        plan.password_hash.as_str().into(),
        0i64.into(),
        Some(300 + (index * 37) % 1800).into(),
        plan.created.as_str().into(),
        plan.created.as_str().into(),
    ]
}

/// Attaches every family to CarteVille and gives it a prepaid credit at the restaurant.
async fn insert_links_and_payments(
    tx: &mut Transaction<'_, Any>,
    plan: &Plan,
    families: &[i64],
) -> Result<(), DemoError> {
    let mut links = Bulk::new(plan.backend, "family_structures", &LINK_COLUMNS);
    let mut payments = Bulk::new(plan.backend, "payments", &PAYMENT_COLUMNS);
    for &family in families {
        links
            .push(tx, [family.into(), plan.structure_id.into()])
            .await?;
        payments.push(tx, payment_row(plan, family)).await?;
    }
    links.flush(tx).await?;
    payments.flush(tx).await?;
    Ok(())
}

fn payment_row(plan: &Plan, family: i64) -> [Val; 10] {
    [
        uuid::Uuid::new_v4().to_string().into(),
        family.into(),
        plan.structure_id.into(),
        plan.cantine.wallet_id.into(),
        10_000i64.into(),
        "carte".into(),
        format!("SYNTH-{family}").into(),
        "paye".into(),
        plan.created.as_str().into(),
        plan.created.as_str().into(),
    ]
}

/// Inserts one to three children per family and returns them in id order, with their
/// family's quotient (read by a join, the database's index doing the lookup).
async fn insert_children(
    tx: &mut Transaction<'_, Any>,
    plan: &Plan,
    families: &[i64],
    offset: i64,
    first_new_id: i64,
) -> Result<Vec<NewChild>, DemoError> {
    let mut children = Bulk::new(plan.backend, "children", &CHILD_COLUMNS);
    for (i, &family) in families.iter().enumerate() {
        for k in 0..children_of(i) {
            children.push(tx, child_row(i, k, family, offset)).await?;
        }
    }
    children.flush(tx).await?;
    let rows = sqlx::query(
        "SELECT c.id, c.family_id, f.quotient_familial FROM children c JOIN families f ON f.id = c.family_id \
         WHERE c.family_id >= $1 ORDER BY c.id",
    )
    .bind(first_new_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| NewChild {
            id: r.get("id"),
            family_id: r.get("family_id"),
            quotient_familial: r.get("quotient_familial"),
        })
        .collect())
}

fn children_of(family_index: usize) -> usize {
    1 + family_index % 3
}

/// The `k`-th child of the `i`-th new family, which bears its family's name.
fn child_row(i: usize, k: usize, family: i64, offset: i64) -> [Val; 6] {
    [
        uuid::Uuid::new_v4().to_string().into(),
        family.into(),
        FIRST_NAMES[(i + 3 * k) % FIRST_NAMES.len()].into(),
        LAST_NAMES[(offset as usize + i + 1) % LAST_NAMES.len()].into(),
        format!("{}-0{}-1{}", 2015 + (i + k) % 6, 1 + (i + k) % 9, k).into(),
        "École Jules Ferry".into(),
    ]
}

/// Registers every child to the périscolaire and the restaurant, books its lunches ahead
/// and records those behind; returns how many reservations and consommations it wrote.
async fn insert_bookings(
    tx: &mut Transaction<'_, Any>,
    plan: &Plan,
    children: &[NewChild],
) -> Result<(u64, u64), DemoError> {
    let mut registrations = Bulk::new(plan.backend, "registrations", &REGISTRATION_COLUMNS);
    let mut reservations = Bulk::new(plan.backend, "reservations", &RESERVATION_COLUMNS);
    let mut consommations = Bulk::new(plan.backend, "consommations", &CONSOMMATION_COLUMNS);
    for child in children {
        for activity in [&plan.matin, &plan.soir, &plan.cantine] {
            registrations
                .push(tx, [child.id.into(), activity.id.into()])
                .await?;
        }
        let price = plan.cantine.price(child.quotient_familial).0;
        for day in &plan.upcoming {
            reservations
                .push(tx, reservation_row(plan, child, day, price))
                .await?;
        }
        for day in &plan.past {
            consommations
                .push(tx, consommation_row(plan, child, day, price))
                .await?;
        }
    }
    registrations.flush(tx).await?;
    reservations.flush(tx).await?;
    consommations.flush(tx).await?;
    let per_child = |days: &[String]| (children.len() * days.len()) as u64;
    Ok((per_child(&plan.upcoming), per_child(&plan.past)))
}

fn reservation_row(plan: &Plan, child: &NewChild, day: &str, price: i64) -> [Val; 8] {
    [
        child.family_id.into(),
        child.id.into(),
        plan.cantine.id.into(),
        day.into(),
        "acceptee".into(),
        price.into(),
        plan.created.as_str().into(),
        plan.created.as_str().into(),
    ]
}

fn consommation_row(plan: &Plan, child: &NewChild, day: &str, price: i64) -> [Val; 7] {
    [
        child.family_id.into(),
        child.id.into(),
        plan.cantine.id.into(),
        day.into(),
        1i64.into(),
        price.into(),
        price.into(),
    ]
}

/// The days `activity` is open from `from` to `to` included, formatted as stored.
fn open_days(
    activity: &Activity,
    calendar: &SchoolCalendar,
    from: Date,
    to: Date,
) -> Result<Vec<String>, DemoError> {
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        if activity.is_open(day, calendar) {
            days.push(day.to_string());
        }
        day = super::next_day(day)?;
    }
    Ok(days)
}

async fn load_activities(db: &Db, structure_id: StructureId) -> Result<Vec<Activity>, DemoError> {
    let rows = sqlx::query(
        "SELECT id, wallet_id, name, period_kind, weekdays FROM activities WHERE structure_id = $1",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    let mut activities = Vec::new();
    for r in rows {
        let id: ActivityId = r.get("id");
        let brackets =
            sqlx::query("SELECT qf_max, price_cents FROM price_brackets WHERE activity_id = $1")
                .bind(id)
                .fetch_all(db.reader())
                .await?
                .iter()
                .map(|b| ribambelle_domain::activity::PriceBracket {
                    qf_max: b.get("qf_max"),
                    price: ribambelle_domain::money::Cents(b.get("price_cents")),
                })
                .collect();
        let period_kind: String = r.get("period_kind");
        let weekdays: String = r.get("weekdays");
        activities.push(Activity {
            id,
            wallet_id: r.get("wallet_id"),
            name: r.get("name"),
            schedule: Activity::schedule_from(&period_kind, &weekdays),
            brackets,
        });
    }
    Ok(activities)
}
