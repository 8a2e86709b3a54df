//! The places of each activity and day (table `day_places`): those held (`taken`, which
//! the processing run moves as it decides) and the requests not decided yet (`asked`,
//! which every change of a reservation to or from *Non transmise* moves in its own
//! transaction). Loaders that write reservations directly recount both.
//!
//! On PostgreSQL a change of `asked` is first written as a row of its own
//! (`day_place_moves`), which no other transaction waits for, and folded into the day's
//! counter soon after by one instance at a time. Counting it in place made every
//! confirmation of the town queue on the rows of the days everybody books (the rush bench:
//! 135 ms per confirmation waiting for those rows, « Confirmer » p99 1.5 s). SQLite has
//! one writer, which waits for nobody: it moves the counter in place.

use ribambelle_domain::ids::ActivityId;
use std::{collections::BTreeMap, time::Duration};

use jiff::civil::Date;
use sqlx::{Any, Row, Transaction, any::AnyRow};

use crate::{
    Backend, Db, StoreError,
    bulk::{ROWS_PER_STATEMENT, Statement, Val},
};

/// Sets every day's counters from the reservations' states, for data written without the
/// confirmation and the processing run (the demo's history, bulk requests).
pub(crate) async fn recount(tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
    for table in ["DELETE FROM day_place_moves", "DELETE FROM day_places"] {
        sqlx::query(table).execute(&mut **tx).await?;
    }
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
        self.add(rows, "reservations.day", |_| delta)
    }

    /// Adds up the moves (`activity_id, day, asked` rows) taken out of `day_place_moves`.
    fn fold_in(&mut self, moves: &[AnyRow]) -> Result<(), StoreError> {
        self.add(moves, "day_place_moves.day", |r| r.get("asked"))
    }

    fn add(
        &mut self,
        rows: &[AnyRow],
        day_column: &'static str,
        delta: impl Fn(&AnyRow) -> i64,
    ) -> Result<(), StoreError> {
        for r in rows {
            let day = r
                .get::<String, _>("day")
                .parse()
                .map_err(|e| StoreError::corrupt(day_column, e))?;
            *self.0.entry((r.get("activity_id"), day)).or_default() += delta(r);
        }
        Ok(())
    }

    /// Records the changes in the transaction: in place on SQLite, as moves to fold on
    /// PostgreSQL (see the module's comment).
    pub(crate) async fn apply(
        self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
    ) -> Result<(), StoreError> {
        match backend {
            Backend::Sqlite => self.write(tx, backend).await,
            Backend::Postgres => self.defer(tx, backend).await,
        }
    }

    async fn defer(
        self,
        tx: &mut Transaction<'static, Any>,
        backend: Backend,
    ) -> Result<(), StoreError> {
        let rows: Vec<[Val; 3]> = self
            .0
            .into_iter()
            .filter(|&(_, n)| n != 0)
            .map(|((activity, day), n)| [activity.into(), day.to_string().into(), n.into()])
            .collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Statement::new(
                backend,
                "INSERT INTO day_place_moves (activity_id, day, asked) VALUES ",
            );
            insert.rows(chunk.iter().cloned());
            insert.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Moves the counters in the order of their days, as the processing run does (on
    /// PostgreSQL, two transactions that lock the same days in the same order cannot
    /// deadlock): the usual confirmation, which only adds, with one upsert per thousand
    /// days; one with undecided requests cancelled, day by day. A removal never takes a
    /// counter below zero, even if rows were written around the counters (by hand, say):
    /// the calendars then show a place too many rather than the confirmation failing.
    async fn write(
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

/// Any number: the key of PostgreSQL's advisory lock that lets one instance fold at a time.
const FOLDING: i64 = 0x6461_795f_706c_6163;

/// Folds the moves written so far into the days' counters, unless another instance is
/// doing it; whether there was anything to fold. One folder at a time: a move that frees
/// a request (−1) is written after the one that counted it (+1) was committed, so whatever
/// it takes it never takes a counter below what the reservations say.
pub async fn fold(db: &Db) -> Result<bool, StoreError> {
    if db.backend() == Backend::Sqlite {
        return Ok(false);
    }
    let waiting: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM day_place_moves)")
        .fetch_one(db.reader())
        .await?;
    if !waiting {
        return Ok(false);
    }
    let mut tx = db.begin().await?;
    let alone: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(FOLDING)
        .fetch_one(&mut *tx)
        .await?;
    if !alone {
        return Ok(false);
    }
    let moves = sqlx::query("DELETE FROM day_place_moves RETURNING activity_id, day, asked")
        .fetch_all(&mut *tx)
        .await?;
    let mut asked = Asked::default();
    asked.fold_in(&moves)?;
    asked.write(&mut tx, Backend::Postgres).await?;
    tx.commit().await?;
    Ok(!moves.is_empty())
}

/// PostgreSQL's folder, for as long as the process runs: at once while there are moves,
/// so that calendars add up a few of them at most, then every quarter of a second.
pub(crate) async fn keep_folding(db: Db) {
    loop {
        match fold(&db).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(_) if db.writer().is_closed() => return,
            Err(e) => tracing::warn!(error = %e, "day counters not folded; trying again"),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
