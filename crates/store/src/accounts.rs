//! Family and staff accounts: what logging in, choosing a password and editing the
//! profile need.

use jiff::Timestamp;
use ribambelle_domain::ids::{FamilyId, StaffId};
use ribambelle_domain::staff::StaffRole;
use sqlx::Row;

use crate::{
    Db, StoreError, db_time,
    outbox::{self, NewMail},
    sessions::{self, Principal},
};

/// What logging in needs to know of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The account the login names: the one a session is opened for.
    pub principal: Principal,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyAccount {
    pub id: FamilyId,
    pub identifiant: String,
    pub civility: String,
    pub last_name: String,
    pub first_name: String,
    /// In the family's order; the first receives payment tickets.
    pub emails: Vec<String>,
    pub must_change_password: bool,
    /// The quotient familial the prices are chosen by, once known.
    pub quotient_familial: Option<i64>,
}

impl FamilyAccount {
    /// « DUPONT Jean-Paul », as the header shows it.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.last_name, self.first_name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: StaffId,
    pub login: String,
    pub display_name: String,
    pub role: StaffRole,
}

/// Identifiants are compared without case or surrounding spaces: phones capitalise the
/// first letter, and the town hall writes them as it likes on its letters.
fn normalise(identifiant: &str) -> String {
    identifiant.trim().to_lowercase()
}

async fn credentials(
    db: &Db,
    sql: &'static str,
    login: &str,
    principal: fn(i64) -> Principal,
) -> Result<Option<Credentials>, StoreError> {
    let row = sqlx::query(sql)
        .bind(normalise(login))
        .fetch_optional(db.reader())
        .await?;
    Ok(row.map(|r| Credentials {
        principal: principal(r.get("id")),
        password_hash: r.get("password_hash"),
        must_change_password: r.get::<i64, _>("must_change_password") != 0,
    }))
}

pub async fn family_credentials(
    db: &Db,
    identifiant: &str,
) -> Result<Option<Credentials>, StoreError> {
    credentials(
        db,
        "SELECT id, password_hash, must_change_password FROM families WHERE identifiant = $1",
        identifiant,
        |id| Principal::Family(FamilyId::new(id)),
    )
    .await
}

pub async fn family_password_hash(
    db: &Db,
    family_id: FamilyId,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM families WHERE id = $1")
            .bind(family_id)
            .fetch_optional(db.reader())
            .await?,
    )
}

/// The columns `family_from` reads, from `families f`.
pub(crate) const FAMILY_COLUMNS: &str = "f.id AS family_id, f.identifiant, f.civility, f.last_name, f.first_name, f.emails, f.must_change_password, f.quotient_familial";

pub(crate) fn family_from(r: &sqlx::any::AnyRow) -> FamilyAccount {
    let emails: String = r.get("emails");
    FamilyAccount {
        id: r.get("family_id"),
        identifiant: r.get("identifiant"),
        civility: r.get("civility"),
        last_name: r.get("last_name"),
        first_name: r.get("first_name"),
        emails: emails
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        must_change_password: r.get::<i64, _>("must_change_password") != 0,
        quotient_familial: r.get("quotient_familial"),
    }
}

pub async fn family(db: &Db, family_id: FamilyId) -> Result<Option<FamilyAccount>, StoreError> {
    let sql = format!("SELECT {FAMILY_COLUMNS} FROM families f WHERE f.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(family_id)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(family_from))
}

/// The family whose identifiant and one of whose addresses match, for a reset request.
pub async fn family_by_identifiant_and_email(
    db: &Db,
    identifiant: &str,
    email: &str,
) -> Result<Option<FamilyAccount>, StoreError> {
    let id: Option<FamilyId> = sqlx::query_scalar("SELECT id FROM families WHERE identifiant = $1")
        .bind(normalise(identifiant))
        .fetch_optional(db.reader())
        .await?;
    let Some(id) = id else { return Ok(None) };
    let account = family(db, id).await?;
    Ok(account.filter(|a| {
        a.emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case(email.trim()))
    }))
}

/// Stores a new password hash and queues its notification mail in one transaction. A
/// password chosen by the family ends the first-login state and closes its other
/// sessions; one issued by staff starts the first-login state again and closes them all.
pub async fn set_family_password(
    db: &Db,
    family_id: FamilyId,
    hash: &str,
    chosen_by_family: bool,
    keep_session: Option<&str>,
    notification: Option<&NewMail>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE families SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
        .bind(hash)
        .bind(i64::from(!chosen_by_family))
        .bind(db_time(now))
        .bind(family_id)
        .execute(&mut *tx)
        .await?;
    sessions::delete_family_sessions(&mut *tx, family_id, keep_session).await?;
    if let Some(mail) = notification {
        outbox::enqueue(&mut tx, mail, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Upgrades a hash made with older parameters, keeping everything else.
pub async fn rehash_family_password(
    db: &Db,
    family_id: FamilyId,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE families SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(family_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

pub async fn set_family_emails(
    db: &Db,
    family_id: FamilyId,
    emails: &[String],
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE families SET emails = $1, updated_at = $2 WHERE id = $3")
        .bind(emails.join(";"))
        .bind(db_time(now))
        .bind(family_id)
        .execute(db.writer())
        .await?;
    Ok(())
}

pub async fn family_id_by_identifiant(
    db: &Db,
    identifiant: &str,
) -> Result<Option<FamilyId>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM families WHERE identifiant = $1")
            .bind(normalise(identifiant))
            .fetch_optional(db.reader())
            .await?,
    )
}

pub async fn staff_id_by_login(db: &Db, login: &str) -> Result<Option<StaffId>, StoreError> {
    Ok(sqlx::query_scalar("SELECT id FROM staff WHERE login = $1")
        .bind(normalise(login))
        .fetch_optional(db.reader())
        .await?)
}

pub async fn staff_credentials(db: &Db, login: &str) -> Result<Option<Credentials>, StoreError> {
    credentials(
        db,
        "SELECT id, password_hash, must_change_password FROM staff WHERE login = $1",
        login,
        |id| Principal::Staff(StaffId::new(id)),
    )
    .await
}

/// A stored role, read once where its row is.
pub(crate) fn staff_role(code: String) -> Result<StaffRole, StoreError> {
    StaffRole::from_code(&code).ok_or_else(|| StoreError::corrupt("staff.role", code))
}

pub async fn staff(db: &Db, staff_id: StaffId) -> Result<Option<StaffAccount>, StoreError> {
    let row = sqlx::query("SELECT id, login, display_name, role FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_optional(db.reader())
        .await?;
    row.map(|r| {
        Ok(StaffAccount {
            id: r.get("id"),
            login: r.get("login"),
            display_name: r.get("display_name"),
            role: staff_role(r.get("role"))?,
        })
    })
    .transpose()
}

pub async fn rehash_staff_password(
    db: &Db,
    staff_id: StaffId,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(staff_id)
        .execute(db.writer())
        .await?;
    Ok(())
}
