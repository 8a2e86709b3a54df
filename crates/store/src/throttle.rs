//! Persistence of login failures per key (an account or an address).

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::ids::StaffId;
use ribambelle_domain::session::{FailureRecord, Throttle, ThrottlePolicy};
use sqlx::Row;

use crate::{Db, StoreError, db_time, parse_db_time};

pub fn account_key(identifiant: &str) -> String {
    format!("compte:{}", identifiant.trim().to_lowercase())
}

pub fn address_key(address: &str) -> String {
    format!("adresse:{address}")
}

/// The wrong second-factor codes of a staff member, across all its sign-ins.
pub fn code_key(staff_id: StaffId) -> String {
    format!("code:{staff_id}")
}

async fn record(db: &Db, key: &str) -> Result<Option<FailureRecord>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = $1",
    )
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

/// How often a claim is tried again when another attempt on the same key changed its row
/// in between; past that, the attempt waits as if it came too soon.
const CLAIM_TRIES: usize = 256;

/// Counts one attempt on `key` before its password is checked, if the policy allows one
/// now: it counts as a failure until `forgive` takes it back. The row is changed only if it
/// is still as read (compare and swap), so that attempts sent at the same moment are
/// counted one by one on both engines and none is checked past the policy's limit.
/// Gives the key's record as it stands with the attempt counted, or why it must wait.
pub async fn claim(
    db: &Db,
    key: &str,
    policy: &ThrottlePolicy,
    now: Timestamp,
) -> Result<Result<FailureRecord, Throttle>, StoreError> {
    for _ in 0..CLAIM_TRIES {
        let seen = record(db, key).await?;
        let decision = policy.decide(seen, now);
        if decision != Throttle::Allowed {
            return Ok(Err(decision));
        }
        let next = policy.after_failure(seen, now);
        let swapped = match seen {
            None => sqlx::query(
                "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(next.failures)
            .bind(db_time(next.last_failure_at))
            .bind(next.locked_until.map(db_time)),
            Some(seen) => sqlx::query(
                "UPDATE login_throttle SET failures = $2, last_failure_at = $3, locked_until = $4 \
                 WHERE key = $1 AND failures = $5 AND last_failure_at = $6",
            )
            .bind(key)
            .bind(next.failures)
            .bind(db_time(next.last_failure_at))
            .bind(next.locked_until.map(db_time))
            .bind(seen.failures)
            .bind(db_time(seen.last_failure_at)),
        }
        .execute(db.writer())
        .await?
        .rows_affected();
        if swapped == 1 {
            return Ok(Ok(next));
        }
    }
    Ok(Err(Throttle::Wait(SignedDuration::from_secs(1))))
}

/// Takes back an attempt counted by `claim` that was not a wrong password: a right one on
/// the address, or one whose check never ran.
pub async fn forgive(db: &Db, key: &str, policy: &ThrottlePolicy) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1, \
           locked_until = CASE WHEN failures - 1 >= $2 THEN locked_until ELSE NULL END \
         WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .bind(policy.lock_after)
    .execute(db.writer())
    .await?;
    Ok(())
}

pub async fn clear(db: &Db, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(db.writer())
        .await?;
    Ok(())
}
