//! Synthetic families for benchmarks: `famille000001`, `famille000002`, … at CarteVille,
//! each with one to three children registered to the périscolaire and the restaurant,
//! two weeks of accepted lunches ahead, a week of consommations behind and a prepaid
//! credit. Written with multi-row INSERTs in one transaction.

use std::time::Instant;

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{clock::paris_date, password::PasswordHashing};
use sqlx::Row;

use super::{
    DemoError, SYNTHETIC_PASSWORD,
    catalog::{Activity, CARTEVILLE},
    fixed::zone_calendar,
};
use crate::{
    Db, db_time,
    bulk::{Bulk, Val},
    portal,
};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyntheticReport {
    pub families: u32,
    pub children: u64,
    pub reservations: u64,
    pub consommations: u64,
    pub seconds: f64,
}

const FIRST_NAMES: &[&str] = &["Jade", "Gabriel", "Louise", "Raphaël", "Ambre", "Arthur", "Alba", "Jules", "Rose", "Maël"];
const LAST_NAMES: &[&str] = &["MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT"];

pub(super) async fn add(db: &Db, hashing: &PasswordHashing, count: u32, now: Timestamp) -> Result<SyntheticReport, DemoError> {
    let started = Instant::now();
    let structure_id: i64 = sqlx::query_scalar("SELECT id FROM structures WHERE slug = $1")
        .bind(CARTEVILLE.slug)
        .fetch_optional(db.reader())
        .await?
        .ok_or(DemoError::NoDemo)?;
    let activities = load_activities(db, structure_id).await?;
    let by_name = |name: &str| activities.iter().find(|a| a.name == name).cloned().ok_or(DemoError::NoDemo);
    let (matin, soir, cantine) = (by_name("APS MATIN")?, by_name("APS SOIR")?, by_name("RESTAURATION")?);
    let calendar = zone_calendar()?;
    let today = paris_date(now);
    let upcoming = open_days(&cantine, &calendar, today, today + 14.days());
    let past = open_days(&cantine, &calendar, today - 8.days(), today - 1.day());

    // Families share one hash: hashing each password would take minutes, and these
    // accounts exist only to be loaded by benchmarks.
    let password_hash = hashing.hash(SYNTHETIC_PASSWORD)?;
    let created = db_time(now);
    let mut tx = db.begin().await?;
    let offset: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM families WHERE identifiant LIKE 'famille%'")
        .fetch_one(&mut *tx)
        .await?;
    let first_new_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM families").fetch_one(&mut *tx).await?;

    let mut families = Bulk::new(
        "families",
        &["public_id", "identifiant", "civility", "last_name", "first_name", "emails", "password_hash",
          "must_change_password", "quotient_familial", "created_at", "updated_at"],
    );
    for n in 0..i64::from(count) {
        let index = offset + n + 1;
        let last = LAST_NAMES[(index as usize) % LAST_NAMES.len()];
        let row: Vec<Val> = vec![
            uuid::Uuid::new_v4().to_string().into(),
            format!("famille{index:06}").into(),
            "Mme".into(),
            last.into(),
            FIRST_NAMES[(index as usize * 7) % FIRST_NAMES.len()].into(),
            format!("famille{index:06}@example.fr").into(),
            password_hash.as_str().into(),
            0i64.into(),
            Some(300 + (index * 37) % 1800).into(),
            created.as_str().into(),
            created.as_str().into(),
        ];
        families.push(&mut tx, row).await?;
    }
    families.flush(&mut tx).await?;
    let rows = sqlx::query("SELECT id, quotient_familial FROM families WHERE id >= $1 ORDER BY id")
        .bind(first_new_id)
        .fetch_all(&mut *tx)
        .await?;
    let new_families: Vec<(i64, Option<i64>)> = rows.iter().map(|r| (r.get("id"), r.get("quotient_familial"))).collect();

    let mut links = Bulk::new("family_structures", &["family_id", "structure_id"]);
    let mut children = Bulk::new("children", &["public_id", "family_id", "first_name", "last_name", "birth_date", "school"]);
    for (i, (family, _)) in new_families.iter().enumerate() {
        links.push(&mut tx, vec![(*family).into(), structure_id.into()]).await?;
        for k in 0..children_of(i) {
            let first = FIRST_NAMES[(i + 3 * k) % FIRST_NAMES.len()];
            let row: Vec<Val> = vec![
                uuid::Uuid::new_v4().to_string().into(),
                (*family).into(),
                first.into(),
                LAST_NAMES[i % LAST_NAMES.len()].into(),
                format!("{}-0{}-1{}", 2015 + (i + k) % 6, 1 + (i + k) % 9, k).into(),
                "École Jules Ferry".into(),
            ];
            children.push(&mut tx, row).await?;
        }
    }
    links.flush(&mut tx).await?;
    children.flush(&mut tx).await?;
    let child_rows = sqlx::query("SELECT id, family_id FROM children WHERE family_id >= $1 ORDER BY id")
        .bind(first_new_id)
        .fetch_all(&mut *tx)
        .await?;

    let mut registrations = Bulk::new("registrations", &["child_id", "activity_id"]);
    let mut reservations = Bulk::new(
        "reservations",
        &["family_id", "child_id", "activity_id", "day", "state", "amount_cents", "confirmed_at", "updated_at"],
    );
    let mut consommations = Bulk::new(
        "consommations",
        &["family_id", "child_id", "activity_id", "day", "quantity", "unit_price_cents", "amount_cents"],
    );
    let mut payments = Bulk::new(
        "payments",
        &["public_id", "family_id", "structure_id", "wallet_id", "amount_cents", "mode", "reference", "state", "created_at", "paid_at"],
    );
    let (mut reservation_count, mut consommation_count) = (0u64, 0u64);
    let mut credited = std::collections::HashSet::new();
    for row in &child_rows {
        let (child, family): (i64, i64) = (row.get("id"), row.get("family_id"));
        // Families are sorted by id, so their quotient is found by binary search.
        let qf = new_families
            .binary_search_by_key(&family, |(id, _)| *id)
            .ok()
            .and_then(|i| new_families[i].1);
        for activity in [&matin, &soir, &cantine] {
            registrations.push(&mut tx, vec![child.into(), activity.id.into()]).await?;
        }
        let price = cantine.price(qf);
        for day in &upcoming {
            let row: Vec<Val> = vec![
                family.into(), child.into(), cantine.id.into(), day.to_string().into(), "acceptee".into(),
                price.0.into(), created.as_str().into(), created.as_str().into(),
            ];
            reservations.push(&mut tx, row).await?;
            reservation_count += 1;
        }
        for day in &past {
            let row: Vec<Val> =
                vec![family.into(), child.into(), cantine.id.into(), day.to_string().into(), 1i64.into(), price.0.into(), price.0.into()];
            consommations.push(&mut tx, row).await?;
            consommation_count += 1;
        }
        if credited.insert(family) {
            let row: Vec<Val> = vec![
                uuid::Uuid::new_v4().to_string().into(), family.into(), structure_id.into(), cantine.wallet_id.into(),
                10_000i64.into(), "carte".into(), format!("SYNTH-{family}").into(), "paye".into(),
                created.as_str().into(), created.as_str().into(),
            ];
            payments.push(&mut tx, row).await?;
        }
    }
    for bulk in [&mut registrations, &mut reservations, &mut consommations, &mut payments] {
        bulk.flush(&mut tx).await?;
    }
    portal::touch_data_change(&mut *tx, now).await?;
    tx.commit().await?;
    Ok(SyntheticReport {
        families: count,
        children: child_rows.len() as u64,
        reservations: reservation_count,
        consommations: consommation_count,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn children_of(family_index: usize) -> usize {
    1 + family_index % 3
}

fn open_days(activity: &Activity, calendar: &ribambelle_domain::calendar::SchoolCalendar, from: Date, to: Date) -> Vec<Date> {
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        if activity.is_open(day, calendar) {
            days.push(day);
        }
        day = day.tomorrow().expect("demo dates are far from the calendar's end");
    }
    days
}

async fn load_activities(db: &Db, structure_id: i64) -> Result<Vec<Activity>, DemoError> {
    let rows = sqlx::query("SELECT id, wallet_id, name, period_kind, weekdays FROM activities WHERE structure_id = $1")
        .bind(structure_id)
        .fetch_all(db.reader())
        .await?;
    let mut activities = Vec::new();
    for r in rows {
        let id: i64 = r.get("id");
        let brackets = sqlx::query("SELECT qf_max, price_cents FROM price_brackets WHERE activity_id = $1")
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
