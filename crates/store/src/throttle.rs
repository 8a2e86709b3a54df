//! Persistence of login failures per key (an account or an address).

use jiff::Timestamp;
use ribambelle_domain::session::{FailureRecord, Throttle, ThrottlePolicy};
use sqlx::Row;

use crate::{Db, StoreError, db_time, parse_db_time};

pub fn account_key(identifiant: &str) -> String {
    format!("compte:{}", identifiant.trim().to_lowercase())
}

pub fn address_key(address: &str) -> String {
    format!("adresse:{address}")
}

async fn record(db: &Db, key: &str) -> Result<Option<FailureRecord>, StoreError> {
    let Some(row) = sqlx::query("SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(db.reader())
        .await?
    else {
        return Ok(None);
    };
    let locked: Option<String> = row.get("locked_until");
    Ok(Some(FailureRecord {
        failures: row.get("failures"),
        last_failure_at: parse_db_time(&row.get::<String, _>("last_failure_at"))?,
        locked_until: locked.as_deref().map(parse_db_time).transpose()?,
    }))
}

pub async fn check(db: &Db, key: &str, policy: &ThrottlePolicy, now: Timestamp) -> Result<Throttle, StoreError> {
    Ok(policy.decide(record(db, key).await?, now))
}

pub async fn record_failure(db: &Db, key: &str, policy: &ThrottlePolicy, now: Timestamp) -> Result<(), StoreError> {
    let next = policy.after_failure(record(db, key).await?, now);
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, \
           locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(next.failures)
    .bind(db_time(next.last_failure_at))
    .bind(next.locked_until.map(db_time))
    .execute(db.writer())
    .await?;
    Ok(())
}

pub async fn clear(db: &Db, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(db.writer()).await?;
    Ok(())
}
