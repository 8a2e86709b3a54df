//! Password-reset links: single use, valid 30 minutes, only the token's hash stored, a new
//! request replacing the previous link.

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::ids::FamilyId;
use sqlx::Row;

use crate::{
    Db, StoreError, db_time,
    outbox::{self, NewMail},
    parse_db_time, sessions,
    token::{new_token, token_hash},
};

pub const VALIDITY: SignedDuration = SignedDuration::from_mins(30);

/// Creates a link token for the family and queues its mail, built by `mail` from the
/// token, in the same transaction; the family's earlier links stop working.
pub async fn create(
    db: &Db,
    family_id: FamilyId,
    now: Timestamp,
    mail: impl FnOnce(&str) -> NewMail,
) -> Result<(), StoreError> {
    let token = new_token()?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE password_resets SET expires_at = $1 WHERE family_id = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(db_time(now))
        .bind(family_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO password_resets (token_hash, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(family_id)
        .bind(db_time(now))
        .bind(db_time(now + VALIDITY))
        .execute(&mut *tx)
        .await?;
    outbox::enqueue(&mut tx, &mail(&token), now).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetLink {
    Valid { family_id: FamilyId },
    Used,
    Expired,
    Unknown,
}

pub async fn check(db: &Db, token: &str, now: Timestamp) -> Result<ResetLink, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT family_id, expires_at, used_at FROM password_resets WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(db.reader())
    .await?
    else {
        return Ok(ResetLink::Unknown);
    };
    let used: Option<String> = row.get("used_at");
    if used.is_some() {
        return Ok(ResetLink::Used);
    }
    if parse_db_time(&row.get::<String, _>("expires_at"))? <= now {
        return Ok(ResetLink::Expired);
    }
    Ok(ResetLink::Valid {
        family_id: row.get("family_id"),
    })
}

/// Uses the link to set the new password hash, closes the family's sessions and queues
/// the notification mail, all in one transaction. None when the link was used, replaced or
/// expired meanwhile, so that two submissions of one link change the password once.
pub async fn complete(
    db: &Db,
    token: &str,
    new_hash: &str,
    now: Timestamp,
    notification: impl FnOnce(&[String]) -> Option<NewMail>,
) -> Result<Option<FamilyId>, StoreError> {
    let mut tx = db.begin().await?;
    let family_id: Option<FamilyId> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING family_id",
    )
    .bind(db_time(now))
    .bind(token_hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(family_id) = family_id else {
        return Ok(None);
    };
    let (emails, identifiant): (String, String) = sqlx::query_as(
        "UPDATE families SET password_hash = $1, must_change_password = 0, updated_at = $2 WHERE id = $3 RETURNING emails, identifiant",
    )
    .bind(new_hash)
    .bind(db_time(now))
    .bind(family_id)
    .fetch_one(&mut *tx)
    .await?;
    sessions::delete_family_sessions(&mut *tx, family_id, None).await?;
    // The link came to the family's mail: whoever locked the account by guessing does
    // not keep the family out any longer.
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(crate::throttle::account_key(&identifiant))
        .execute(&mut *tx)
        .await?;
    let emails: Vec<String> = emails
        .split(';')
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(mail) = notification(&emails) {
        outbox::enqueue(&mut tx, &mail, now).await?;
    }
    tx.commit().await?;
    Ok(Some(family_id))
}

/// How many links a family asked for since `since`, to keep the mail from being abused.
pub async fn requests_since(
    db: &Db,
    family_id: FamilyId,
    since: Timestamp,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_resets WHERE family_id = $1 AND created_at >= $2",
    )
    .bind(family_id)
    .bind(db_time(since))
    .fetch_one(db.reader())
    .await?)
}
