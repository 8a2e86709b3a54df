//! The staff's second factor, as stored: the secret being activated or in force, the last
//! code's time step (a code is good once), and the sign-ins waiting for their code.

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::ids::StaffId;
use ribambelle_domain::{journal::Action, staff::StaffRole};
use sqlx::Row;

use crate::{Db, StoreError, audit, db_time, parse_db_time, token};

/// How long a sign-in may wait for its code.
pub const CHALLENGE_LIFETIME: SignedDuration = SignedDuration::from_mins(5);
/// Wrong codes after which the sign-in starts again from the password.
pub const MAX_FAILURES: i64 = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondFactor {
    pub secret: Option<String>,
    /// Since when codes are asked at sign-in; `None` while the activation is not confirmed.
    pub enabled_at: Option<Timestamp>,
    pub last_step: Option<u64>,
}

pub async fn of(db: &Db, staff_id: StaffId) -> Result<SecondFactor, StoreError> {
    let row =
        sqlx::query("SELECT totp_secret, totp_enabled_at, totp_last_step FROM staff WHERE id = $1")
            .bind(staff_id)
            .fetch_one(db.reader())
            .await?;
    Ok(SecondFactor {
        secret: row.get("totp_secret"),
        enabled_at: row
            .get::<Option<String>, _>("totp_enabled_at")
            .as_deref()
            .map(parse_db_time)
            .transpose()?,
        last_step: row
            .get::<Option<i64>, _>("totp_last_step")
            .and_then(|s| u64::try_from(s).ok()),
    })
}

/// Keeps a new secret for an activation to confirm; an active second factor is left alone.
pub async fn prepare(db: &Db, staff_id: StaffId, secret: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff SET totp_secret = $1 WHERE id = $2 AND totp_enabled_at IS NULL")
        .bind(secret)
        .bind(staff_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

fn step(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// Records that the code of `used` was accepted, unless that step or a later one was
/// already: two requests with the same code cannot both pass.
pub async fn use_step(db: &Db, staff_id: StaffId, used: u64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE staff SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
        .bind(step(used))
        .bind(staff_id)
        .execute(db.writer())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns the second factor on, once its first code is confirmed.
pub async fn enable(
    db: &Db,
    staff_id: StaffId,
    used: u64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE staff SET totp_enabled_at = $1, totp_last_step = $2 WHERE id = $3 AND totp_enabled_at IS NULL AND totp_secret IS NOT NULL",
    )
    .bind(db_time(now))
    .bind(step(used))
    .bind(staff_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    record(&mut tx, staff_id, Action::SecondFactorEnabled, now).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn disable(db: &Db, staff_id: StaffId, now: Timestamp) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE staff SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1")
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, staff_id, Action::SecondFactorDisabled, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    staff_id: StaffId,
    action: Action,
    now: Timestamp,
) -> Result<(), StoreError> {
    let login: String = sqlx::query_scalar("SELECT login FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_one(&mut **tx)
        .await?;
    let change = audit::Change {
        staff_id,
        structure_id: None,
        family_id: None,
        action,
        subject: &login,
        before: None,
        after: None,
    };
    audit::record(tx, &change, now).await
}

/// Starts a sign-in that owes its code; returns the token the code form carries.
pub async fn challenge(db: &Db, staff_id: StaffId, now: Timestamp) -> Result<String, StoreError> {
    let token = token::new_token()?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM staff_login_challenges WHERE expires_at < $1")
        .bind(db_time(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO staff_login_challenges (token_hash, staff_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token::token_hash(&token))
    .bind(staff_id)
    .bind(db_time(now + CHALLENGE_LIFETIME))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The staff member a live challenge belongs to.
pub async fn challenger(
    db: &Db,
    token: &str,
    now: Timestamp,
) -> Result<Option<StaffId>, StoreError> {
    Ok(sqlx::query_scalar("SELECT staff_id FROM staff_login_challenges WHERE token_hash = $1 AND expires_at >= $2 AND failures < $3")
        .bind(token::token_hash(token))
        .bind(db_time(now))
        .bind(MAX_FAILURES)
        .fetch_optional(db.reader())
        .await?)
}

/// Counts a wrong code; returns whether the challenge can still be answered.
pub async fn fail(db: &Db, token: &str) -> Result<bool, StoreError> {
    let failures: Option<i64> = sqlx::query_scalar("UPDATE staff_login_challenges SET failures = failures + 1 WHERE token_hash = $1 RETURNING failures")
        .bind(token::token_hash(token))
        .fetch_optional(db.writer())
        .await?;
    Ok(failures.is_some_and(|f| f < MAX_FAILURES))
}

/// Ends a challenge (answered, or given up).
pub async fn end(db: &Db, token: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_login_challenges WHERE token_hash = $1")
        .bind(token::token_hash(token))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// The staff member's login, and the addresses told when its codes are refused: its own and
/// the administrateurs'.
pub async fn lock_recipients(
    db: &Db,
    staff_id: StaffId,
) -> Result<(String, Vec<String>), StoreError> {
    let login: String = sqlx::query_scalar("SELECT login FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_one(db.reader())
        .await?;
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT email FROM staff WHERE (id = $1 OR role = $2) AND email <> '' ORDER BY email",
    )
    .bind(staff_id)
    .bind(StaffRole::Administrateur.code())
    .fetch_all(db.reader())
    .await?;
    Ok((login, emails))
}
