//! Server-side sessions, shared by every instance through the database.

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::ids::{FamilyId, StaffId, StructureId};
use ribambelle_domain::session::{SessionPolicy, SessionState};
use sqlx::Row;

use crate::{
    Db, StoreError, db_time, parse_db_time,
    token::{new_token, token_hash},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    Family(FamilyId),
    Staff(StaffId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub principal: Principal,
    /// The structure a family is consulting.
    pub structure_id: Option<StructureId>,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// Activity is written back at most this often, so that a family clicking through the
/// calendar does not cost a database write per page.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// Opens a session and returns the token for the cookie; the token itself is not stored.
pub async fn create(
    db: &Db,
    principal: Principal,
    structure_id: Option<StructureId>,
    now: Timestamp,
    policy: &SessionPolicy,
) -> Result<(String, Session), StoreError> {
    let token = new_token()?;
    let session = Session {
        token_hash: token_hash(&token),
        principal,
        structure_id,
        csrf_token: new_token()?,
        created_at: now,
        last_seen_at: now,
    };
    let (family, staff) = match principal {
        Principal::Family(id) => (Some(id), None),
        Principal::Staff(id) => (None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, family_id, staff_id, structure_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
    )
    .bind(&session.token_hash)
    .bind(family)
    .bind(staff)
    .bind(structure_id)
    .bind(&session.csrf_token)
    .bind(db_time(now))
    .bind(db_time(now + policy.absolute))
    .execute(db.writer())
    .await?;
    Ok((token, session))
}

/// The live session of `token`, after recording activity; an expired one is deleted.
pub async fn load(
    db: &Db,
    token: &str,
    now: Timestamp,
    policy: &SessionPolicy,
) -> Result<Option<Session>, StoreError> {
    let hash = token_hash(token);
    let Some(row) = sqlx::query(
        "SELECT family_id, staff_id, structure_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.reader())
    .await?
    else {
        return Ok(None);
    };
    let family: Option<FamilyId> = row.get("family_id");
    let staff: Option<StaffId> = row.get("staff_id");
    let principal = match (family, staff) {
        (Some(id), None) => Principal::Family(id),
        (None, Some(id)) => Principal::Staff(id),
        _ => {
            return Err(StoreError::corrupt(
                "sessions.family_id",
                "neither or both principals",
            ));
        }
    };
    let mut session = Session {
        token_hash: hash,
        principal,
        structure_id: row.get("structure_id"),
        csrf_token: row.get("csrf_token"),
        created_at: parse_db_time(&row.get::<String, _>("created_at"))?,
        last_seen_at: parse_db_time(&row.get::<String, _>("last_seen_at"))?,
    };
    if policy.state(session.created_at, session.last_seen_at, now) != SessionState::Active {
        delete(db, &session.token_hash).await?;
        return Ok(None);
    }
    if now >= session.last_seen_at + TOUCH_EVERY {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(db_time(now))
            .bind(&session.token_hash)
            .execute(db.writer())
            .await?;
        session.last_seen_at = now;
    }
    Ok(Some(session))
}

pub async fn delete(db: &Db, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Ends every session of a family but `keep` (the one changing its password, say).
pub async fn delete_family_sessions<'c, E>(
    executor: E,
    family_id: FamilyId,
    keep: Option<&str>,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM sessions WHERE family_id = $1 AND token_hash <> $2")
        .bind(family_id)
        .bind(keep.unwrap_or(""))
        .execute(executor)
        .await?;
    Ok(())
}

pub async fn set_structure(
    db: &Db,
    token_hash: &str,
    structure_id: StructureId,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET structure_id = $1 WHERE token_hash = $2")
        .bind(structure_id)
        .bind(token_hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Removes sessions past their absolute end; idle ones go when next presented.
pub async fn purge_expired(db: &Db, now: Timestamp) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(db_time(now))
        .execute(db.writer())
        .await?;
    Ok(done.rows_affected())
}

/// Records activity now, whatever the last write (the « Rester connecté » button).
pub async fn touch(db: &Db, token_hash: &str, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(db_time(now))
        .bind(token_hash)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// A random single-use key (a form's idempotency key, say).
pub fn new_key() -> Result<String, StoreError> {
    new_token()
}
