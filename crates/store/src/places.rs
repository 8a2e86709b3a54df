//! The places of each activity and day (table `day_places`): those held (`taken`, which
//! the processing run moves as it decides) and the requests not decided yet (`asked`,
//! which every change of a reservation to or from *Non transmise* moves in its own
//! transaction). Loaders that write reservations directly recount both.

use ribambelle_domain::ids::ActivityId;
use std::collections::BTreeMap;

use jiff::civil::Date;
use sqlx::{Any, Row, Transaction, any::AnyRow};

use crate::{
    Backend, StoreError,
    bulk::{ROWS_PER_STATEMENT, Statement, Val},
};

/// Sets every day's counters from the reservations' states, for data written without the
/// confirmation and the processing run (the demo's history, bulk requests).
pub(crate) async fn recount(tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM day_places")
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO day_places (activity_id, day, taken, asked) \
         SELECT activity_id, day, CAST(SUM(CASE WHEN state = 'acceptee' THEN 1 ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN state = 'non_transmise' THEN 1 ELSE 0 END) AS BIGINT) \
         FROM reservations WHERE state IN ('acceptee', 'non_transmise') GROUP BY activity_id, day",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Net changes of the undecided requests per (activity, day), from the reservations a
/// statement moved to *Non transmise* (+1 each) or out of it (−1 each).
#[derive(Default)]
pub(crate) struct Asked(BTreeMap<(ActivityId, Date), i64>);

impl Asked {
    /// Counts the `(activity_id, day)` rows a statement's RETURNING gave back.
    pub(crate) fn count(&mut self, rows: &[AnyRow], delta: i64) -> Result<(), StoreError> {
        for r in rows {
            let day = r
                .get::<String, _>("day")
                .parse()
                .map_err(|e| StoreError::corrupt("reservations.day", e))?;
            *self.0.entry((r.get("activity_id"), day)).or_default() += delta;
        }
        Ok(())
    }

    pub(crate) fn into_days(self) -> BTreeMap<(ActivityId, Date), i64> {
        self.0
    }

    /// Writes the changes in the order of their days, as the processing run does (on
    /// PostgreSQL, two transactions that lock the same days in the same order cannot
    /// deadlock): the usual confirmation, which only adds, with one upsert per thousand
    /// days; one with undecided requests cancelled, day by day. A removal never takes a
    /// counter below zero, even if rows were written around the counters (by hand, say):
    /// the calendars then show a place too many rather than the confirmation failing.
    pub(crate) async fn apply(
        self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
    ) -> Result<(), StoreError> {
        const UPSERT: &str = "INSERT INTO day_places (activity_id, day, taken, asked) VALUES ";
        const ADD: &str = " ON CONFLICT (activity_id, day) DO UPDATE SET asked = day_places.asked + excluded.asked";
        let row = |(&(activity, day), &n): (&(ActivityId, Date), &i64)| -> [Val; 4] {
            [
                activity.into(),
                day.to_string().into(),
                0i64.into(),
                n.into(),
            ]
        };
        if self.0.values().all(|&n| n > 0) {
            let rows: Vec<[Val; 4]> = self.0.iter().map(row).collect();
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut upsert = Statement::new(backend, UPSERT);
                upsert.rows(chunk.iter().cloned()).sql(ADD);
                upsert.execute(&mut **tx).await?;
            }
            return Ok(());
        }
        for (&(activity, day), &n) in &self.0 {
            if n > 0 {
                let mut upsert = Statement::new(backend, UPSERT);
                upsert.rows([row((&(activity, day), &n))]).sql(ADD);
                upsert.execute(&mut **tx).await?;
            } else if n < 0 {
                sqlx::query("UPDATE day_places SET asked = CASE WHEN asked > $1 THEN asked - $1 ELSE 0 END WHERE activity_id = $2 AND day = $3")
                    .bind(-n)
                    .bind(activity)
                    .bind(day.to_string())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}
