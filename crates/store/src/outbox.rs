//! The mail outbox. A mail is queued in the transaction of the change that causes it, so a
//! committed change always has its mail, and a rolled-back one never does. The sender
//! (crate `ribambelle-mail`) claims due mails with a lease, delivers them and records the
//! outcome, retrying with a growing delay.

use jiff::{SignedDuration, Timestamp};
use sqlx::Row;

use crate::{Db, StoreError, db_time};

/// After this many failed attempts a mail is left aside for staff to look at.
pub const MAX_ATTEMPTS: i64 = 12;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    /// One or more addresses; every one receives the mail.
    pub recipients: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attempts: i64,
}

/// Queues `mail` inside the caller's transaction.
pub async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &NewMail,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (recipients, subject, body_text, body_html, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(mail.recipients.join(";"))
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(mail.body_html.as_deref())
    .bind(db_time(now))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// Queues a mail that no other change goes with (a test mail, say).
pub async fn enqueue_alone(db: &Db, mail: &NewMail, now: Timestamp) -> Result<i64, StoreError> {
    let mut tx = db.begin().await?;
    let id = enqueue(&mut tx, mail, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Claims up to `limit` due mails for `lease`. A mail claimed by an instance that dies
/// becomes due again when the lease ends. The conditions are repeated on the outer UPDATE
/// so that, on PostgreSQL, a concurrent claimer re-checks them and skips taken rows.
pub async fn claim_due(
    db: &Db,
    now: Timestamp,
    lease: SignedDuration,
    limit: i64,
) -> Result<Vec<QueuedMail>, StoreError> {
    let now_text = db_time(now);
    let until = db_time(now + lease);
    let rows = sqlx::query(
        "UPDATE outbox SET claimed_until = $1 \
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < $4 \
                        AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2) \
                      ORDER BY id LIMIT $3) \
           AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
         RETURNING id, recipients, subject, body_text, body_html, attempts",
    )
    .bind(until)
    .bind(now_text)
    .bind(limit)
    .bind(MAX_ATTEMPTS)
    .fetch_all(db.writer())
    .await?;
    let mut mails: Vec<QueuedMail> = rows
        .into_iter()
        .map(|r| {
            let recipients: String = r.get("recipients");
            QueuedMail {
                id: r.get("id"),
                recipients: recipients.split(';').map(str::to_owned).collect(),
                subject: r.get("subject"),
                body_text: r.get("body_text"),
                body_html: r.get("body_html"),
                attempts: r.get("attempts"),
            }
        })
        .collect();
    mails.sort_by_key(|m| m.id);
    Ok(mails)
}

pub async fn mark_sent(db: &Db, id: i64, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL, attempts = attempts + 1 WHERE id = $2")
        .bind(db_time(now))
        .bind(id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Records a failed attempt; the next one waits twice as long as the previous one
/// (1 minute, 2, 4… capped at 6 hours).
pub async fn mark_failed(
    db: &Db,
    mail: &QueuedMail,
    error: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let next = now + retry_delay(mail.attempts + 1);
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claimed_until = NULL \
         WHERE id = $3",
    )
    .bind(error)
    .bind(db_time(next))
    .bind(mail.id)
    .execute(db.writer())
    .await?;
    Ok(())
}

fn retry_delay(attempts: i64) -> SignedDuration {
    let minutes = 1i64 << attempts.clamp(1, 16).saturating_sub(1);
    SignedDuration::from_mins(minutes.min(6 * 60))
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub abandoned: i64,
}

pub async fn counts(db: &Db) -> Result<OutboxCounts, StoreError> {
    let row = sqlx::query(
        "SELECT \
           COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts < $1 THEN 1 ELSE 0 END), 0) AS pending, \
           COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent, \
           COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts >= $1 THEN 1 ELSE 0 END), 0) AS abandoned \
         FROM outbox",
    )
    .bind(MAX_ATTEMPTS)
    .fetch_one(db.reader())
    .await?;
    Ok(OutboxCounts {
        pending: row.get("pending"),
        sent: row.get("sent"),
        abandoned: row.get("abandoned"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_then_caps() {
        assert_eq!(retry_delay(1), SignedDuration::from_mins(1));
        assert_eq!(retry_delay(2), SignedDuration::from_mins(2));
        assert_eq!(retry_delay(5), SignedDuration::from_mins(16));
        assert_eq!(retry_delay(12), SignedDuration::from_mins(360));
    }
}
