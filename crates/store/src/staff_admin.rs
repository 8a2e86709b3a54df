//! Staff accounts managed by an administrateur (R-BO-1): who works in the back office, with
//! which role and on which structures. Every change is audited in its own transaction with
//! the role and structures before and after; a password never reaches the trail.

use ribambelle_domain::ids::{StaffId, StructureId};
use std::collections::{BTreeMap, btree_map::Entry};

use jiff::Timestamp;
use sqlx::{Any, Row, Transaction};

use ribambelle_domain::{journal::Action, staff::StaffRole};

use crate::{Db, StoreError, accounts::staff_role, audit, db_time};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    pub id: StaffId,
    pub login: String,
    pub display_name: String,
    pub email: String,
    pub role: StaffRole,
    /// (id, name) of the structures granted, by id.
    pub structures: Vec<(StructureId, String)>,
    /// Whether a code is asked at sign-in.
    pub second_factor: bool,
}

/// What an administrateur types for a staff member; the login only counts at creation.
#[derive(Clone, Debug)]
pub struct StaffDraft<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub role: StaffRole,
    pub structure_ids: &'a [StructureId],
}

/// Every account when bound to 0, else the one with that id.
const MEMBERS: &str = "SELECT s.id, s.login, s.display_name, s.email, s.role, s.totp_enabled_at, st.id AS structure_id, st.name AS structure_name \
     FROM staff s LEFT JOIN staff_structures ss ON ss.staff_id = s.id LEFT JOIN structures st ON st.id = ss.structure_id \
     WHERE $1 = 0 OR s.id = $1 ORDER BY s.login, st.id";

fn members(rows: &[sqlx::any::AnyRow]) -> Result<Vec<StaffMember>, StoreError> {
    let mut by_id: BTreeMap<StaffId, StaffMember> = BTreeMap::new();
    let mut order = Vec::new();
    for row in rows {
        let id: StaffId = row.get("id");
        let member = match by_id.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                order.push(id);
                new.insert(StaffMember {
                    id,
                    login: row.get("login"),
                    display_name: row.get("display_name"),
                    email: row.get("email"),
                    role: staff_role(row.get("role"))?,
                    structures: Vec::new(),
                    second_factor: row.get::<Option<String>, _>("totp_enabled_at").is_some(),
                })
            }
        };
        if let Some(structure) = row.get::<Option<StructureId>, _>("structure_id") {
            member
                .structures
                .push((structure, row.get("structure_name")));
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect())
}

/// Every staff member, by login.
pub async fn list(db: &Db) -> Result<Vec<StaffMember>, StoreError> {
    let rows = sqlx::query(MEMBERS)
        .bind(0_i64)
        .fetch_all(db.reader())
        .await?;
    members(&rows)
}

pub async fn member(db: &Db, staff_id: StaffId) -> Result<Option<StaffMember>, StoreError> {
    let rows = sqlx::query(MEMBERS)
        .bind(staff_id)
        .fetch_all(db.reader())
        .await?;
    Ok(members(&rows)?.pop())
}

async fn member_in(
    tx: &mut Transaction<'_, Any>,
    staff_id: StaffId,
) -> Result<Option<StaffMember>, StoreError> {
    let rows = sqlx::query(MEMBERS)
        .bind(staff_id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(members(&rows)?.pop())
}

/// The trail's view of an account: never its password.
fn describe(member: &StaffMember) -> String {
    let structures: Vec<&str> = member
        .structures
        .iter()
        .map(|(_, name)| name.as_str())
        .collect();
    audit::describe(&[
        ("Nom", member.display_name.clone()),
        ("E-mail", member.email.clone()),
        ("Rôle", member.role.code().to_owned()),
        ("Structures", structures.join(", ")),
    ])
}

async fn grant(
    tx: &mut Transaction<'_, Any>,
    staff_id: StaffId,
    structure_ids: &[StructureId],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_structures WHERE staff_id = $1")
        .bind(staff_id)
        .execute(&mut **tx)
        .await?;
    for structure in structure_ids {
        sqlx::query("INSERT INTO staff_structures (staff_id, structure_id) VALUES ($1, $2)")
            .bind(staff_id)
            .bind(structure)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn record(
    tx: &mut Transaction<'_, Any>,
    author: StaffId,
    action: Action,
    before: Option<&StaffMember>,
    after: &StaffMember,
    now: Timestamp,
) -> Result<(), StoreError> {
    let change = audit::Change {
        staff_id: author,
        structure_id: None,
        family_id: None,
        action,
        subject: &after.login,
        before: before.map(describe),
        after: Some(describe(after)),
    };
    audit::record(tx, &change, now).await
}

/// Creates the account with its first password hash; `None` when the login is taken.
pub async fn create(
    db: &Db,
    author: StaffId,
    draft: &StaffDraft<'_>,
    password_hash: &str,
    now: Timestamp,
) -> Result<Option<StaffId>, StoreError> {
    let mut tx = db.begin().await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM staff WHERE login = $1")
        .bind(draft.login)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let id: StaffId = sqlx::query_scalar(
        "INSERT INTO staff (login, display_name, email, role, password_hash, must_change_password, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(draft.login)
    .bind(draft.display_name)
    .bind(draft.email)
    .bind(draft.role.code())
    .bind(password_hash)
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    grant(&mut tx, id, draft.structure_ids).await?;
    if let Some(created) = member_in(&mut tx, id).await? {
        record(&mut tx, author, Action::StaffCreated, None, &created, now).await?;
    }
    tx.commit().await?;
    Ok(Some(id))
}

/// Changes name, e-mail, role and structures; the login stays.
pub async fn update(
    db: &Db,
    author: StaffId,
    staff_id: StaffId,
    draft: &StaffDraft<'_>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let Some(before) = member_in(&mut tx, staff_id).await? else {
        return Ok(false);
    };
    sqlx::query("UPDATE staff SET display_name = $1, email = $2, role = $3 WHERE id = $4")
        .bind(draft.display_name)
        .bind(draft.email)
        .bind(draft.role.code())
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    grant(&mut tx, staff_id, draft.structure_ids).await?;
    let Some(after) = member_in(&mut tx, staff_id).await? else {
        return Ok(false);
    };
    record(
        &mut tx,
        author,
        Action::StaffEdited,
        Some(&before),
        &after,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A new password for `staff_id`, given by an administrateur (`author`) or chosen by the
/// staff member; every other session of the account ends (`keep_session` is the chooser's
/// own), and so do the sign-ins waiting for their code.
pub async fn reset_password(
    db: &Db,
    author: StaffId,
    staff_id: StaffId,
    password_hash: &str,
    keep_session: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let Some(member) = member_in(&mut tx, staff_id).await? else {
        return Ok(false);
    };
    sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE staff_id = $1 AND token_hash <> $2")
        .bind(staff_id)
        .bind(keep_session.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM staff_login_challenges WHERE staff_id = $1")
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    let action = if author == staff_id {
        Action::OwnPasswordChanged
    } else {
        Action::StaffPasswordRenewed
    };
    record(&mut tx, author, action, None, &member, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// For a lost phone: the account signs in with its password alone until it sets up a new
/// code. Audited under the administrateur's name, unlike the staff member's own choice.
pub async fn disable_second_factor(
    db: &Db,
    author: StaffId,
    staff_id: StaffId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let Some(before) = member_in(&mut tx, staff_id).await? else {
        return Ok(false);
    };
    sqlx::query("UPDATE staff SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1")
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    let after = StaffMember {
        second_factor: false,
        ..before
    };
    record(
        &mut tx,
        author,
        Action::SecondFactorDisabledByAdministrateur,
        None,
        &after,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
