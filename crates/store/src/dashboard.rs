//! The back office's dashboard (R-BO-9): the day at a glance for the structures in scope —
//! children booked per activity, payments received, the last processing run.

use jiff::{
    Timestamp,
    civil::{Date, Time},
};
use ribambelle_domain::ids::StructureId;
use ribambelle_domain::{clock::paris_instant, money::Cents};
use sqlx::Row;

use crate::{Db, StoreError, db_time, parse_db_time, sql::id_list};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityToday {
    pub structure: String,
    pub activity: String,
    pub booked: i64,
    pub waiting: i64,
    pub capacity: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentsToday {
    /// « Carte bancaire », « Chèque »…
    pub mode: &'static str,
    pub count: i64,
    pub total: Cents,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastRun {
    pub started_at: Timestamp,
    pub finished: bool,
    pub requests: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Today {
    pub activities: Vec<ActivityToday>,
    pub payments: Vec<PaymentsToday>,
    pub last_run: Option<LastRun>,
}

pub async fn today(db: &Db, scope: &[StructureId], today: Date) -> Result<Today, StoreError> {
    let within = id_list(scope);
    let activities = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.name AS structure, a.name AS activity, a.capacity, \
           CAST(SUM(CASE WHEN r.state = 'acceptee' THEN 1 ELSE 0 END) AS BIGINT) AS booked, \
           CAST(SUM(CASE WHEN r.state = 'attente' THEN 1 ELSE 0 END) AS BIGINT) AS waiting \
         FROM reservations r JOIN activities a ON a.id = r.activity_id JOIN structures s ON s.id = a.structure_id \
         WHERE r.day = $1 AND r.state IN ('acceptee', 'attente') AND a.structure_id IN {within} \
         GROUP BY s.id, s.name, a.id, a.name, a.capacity ORDER BY s.id, a.name"
    )))
    .bind(today.to_string())
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| ActivityToday { structure: r.get("structure"), activity: r.get("activity"), booked: r.get("booked"), waiting: r.get("waiting"), capacity: r.get("capacity") })
    .collect();
    let since = db_time(paris_instant(today, Time::midnight()));
    let payments = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT mode, COUNT(*) AS count, CAST(SUM(amount_cents) AS BIGINT) AS total FROM payments \
         WHERE state = 'paye' AND paid_at >= $1 AND structure_id IN {within} GROUP BY mode ORDER BY mode"
    )))
    .bind(since)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| {
        Ok(PaymentsToday {
            mode: crate::history::payment_mode(&r.get::<String, _>("mode"))?.label(),
            count: r.get("count"),
            total: Cents(r.get("total")),
        })
    })
    .collect::<Result<_, StoreError>>()?;
    let last_run = sqlx::query(
        "SELECT started_at, finished_at, requests FROM processing_runs ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(db.reader())
    .await?
    .map(|r| {
        Ok::<_, StoreError>(LastRun {
            started_at: parse_db_time(&r.get::<String, _>("started_at"))?,
            finished: r.get::<Option<String>, _>("finished_at").is_some(),
            requests: r.get("requests"),
        })
    })
    .transpose()?;
    Ok(Today {
        activities,
        payments,
        last_run,
    })
}
