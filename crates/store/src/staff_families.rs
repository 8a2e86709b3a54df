//! Families as the back office manages them (R-BO-3): the search, a family with its children
//! and registrations, creation and edits, initial passwords and the CSV import. Everything is
//! read within the structures of the staff member's scope: a family known only elsewhere does
//! not exist here. Every change is audited in its own transaction.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::dossier::{FicheKind, FicheState};
use ribambelle_domain::ids::{ActivityId, ChildId, FamilyId, StaffId, StructureId};
use ribambelle_domain::journal::Action;
use sqlx::{Any, Row, Transaction, any::AnyRow};

use crate::{
    Db, StoreError, audit, db_time,
    outbox::{self, NewMail},
    sessions,
    sql::{Integer, id_list},
};

fn date(text: &str) -> Result<Date, StoreError> {
    text.parse()
        .map_err(|e| StoreError::corrupt("children.birth_date", e))
}

/// A family found by the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyHit {
    pub id: FamilyId,
    pub public_id: String,
    pub identifiant: String,
    /// « DUPONT Jean-Paul ».
    pub name: String,
    /// The children's first and last names.
    pub children: Vec<String>,
    /// The structures of the scope the family is known to.
    pub structures: Vec<(StructureId, String)>,
}

/// Families of the scope whose name, identifiant or child's name contains `term` (all of
/// them when it is empty), by name; `limit` at most, and whether there were more.
pub async fn search(
    db: &Db,
    scope: &[StructureId],
    term: &str,
    limit: i64,
) -> Result<(Vec<FamilyHit>, bool), StoreError> {
    let term = term.trim();
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    // Names are mostly stored in capitals: the upper-case pattern finds accented ones, which
    // SQLite's LOWER leaves alone.
    let (lower, upper) = (
        format!("%{}%", escaped.to_lowercase()),
        format!("%{}%", escaped.to_uppercase()),
    );
    let like = |column: &str| {
        format!("LOWER({column}) LIKE $2 ESCAPE '\\' OR {column} LIKE $3 ESCAPE '\\'")
    };
    let sql = format!(
        "SELECT f.id, f.public_id, f.identifiant, f.last_name, f.first_name FROM families f \
         WHERE EXISTS (SELECT 1 FROM family_structures fs WHERE fs.family_id = f.id AND fs.structure_id IN {scope}) \
         AND ($1 = '' OR {family_last} OR {family_first} OR f.identifiant LIKE $2 ESCAPE '\\' \
           OR EXISTS (SELECT 1 FROM children c WHERE c.family_id = f.id AND ({child_last} OR {child_first}))) \
         ORDER BY f.last_name, f.first_name, f.id LIMIT $4",
        scope = id_list(scope),
        family_last = like("f.last_name"),
        family_first = like("f.first_name"),
        child_last = like("c.last_name"),
        child_first = like("c.first_name"),
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(term)
        .bind(lower)
        .bind(upper)
        .bind(limit + 1)
        .fetch_all(db.reader())
        .await?;
    let more = rows.len() as i64 > limit;
    let mut hits: Vec<FamilyHit> = rows
        .iter()
        .take(limit.max(0) as usize)
        .map(|r| FamilyHit {
            id: r.get("id"),
            public_id: r.get("public_id"),
            identifiant: r.get("identifiant"),
            name: format!(
                "{} {}",
                r.get::<String, _>("last_name"),
                r.get::<String, _>("first_name")
            ),
            children: Vec::new(),
            structures: Vec::new(),
        })
        .collect();
    let ids: Vec<FamilyId> = hits.iter().map(|h| h.id).collect();
    let children = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT family_id, first_name, last_name FROM children WHERE family_id IN {} ORDER BY birth_date, id",
        id_list(&ids)
    )))
    .fetch_all(db.reader())
    .await?;
    let structures = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT fs.family_id, s.id, s.name FROM family_structures fs JOIN structures s ON s.id = fs.structure_id \
         WHERE fs.family_id IN {} AND fs.structure_id IN {} ORDER BY s.id",
        id_list(&ids),
        id_list(scope)
    )))
    .fetch_all(db.reader())
    .await?;
    for hit in &mut hits {
        hit.children = children
            .iter()
            .filter(|r| r.get::<FamilyId, _>("family_id") == hit.id)
            .map(|r| {
                format!(
                    "{} {}",
                    r.get::<String, _>("first_name"),
                    r.get::<String, _>("last_name")
                )
            })
            .collect();
        hit.structures = structures
            .iter()
            .filter(|r| r.get::<FamilyId, _>("family_id") == hit.id)
            .map(|r| (r.get("id"), r.get("name")))
            .collect();
    }
    Ok((hits, more))
}

/// A family as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    pub id: FamilyId,
    pub public_id: String,
    pub identifiant: String,
    pub civility: String,
    pub last_name: String,
    pub first_name: String,
    /// In order; the first receives payment tickets.
    pub emails: Vec<String>,
    /// False until a first initial password is issued: nobody can log in yet.
    pub has_password: bool,
    pub must_change_password: bool,
    /// The structures of the scope the family is known to.
    pub structures: Vec<(StructureId, String)>,
    pub children: Vec<Child>,
}

impl Family {
    /// « DUPONT Jean-Paul ».
    pub fn name(&self) -> String {
        format!("{} {}", self.last_name, self.first_name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub id: ChildId,
    pub public_id: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Date,
    pub school: String,
    /// The activities of the scope the child is registered to: (id, name).
    pub activities: Vec<(ActivityId, String)>,
}

/// The family with this public id, if it is known to a structure of the scope.
pub async fn family(
    db: &Db,
    scope: &[StructureId],
    public_id: &str,
) -> Result<Option<Family>, StoreError> {
    load(db, scope, "public_id", public_id).await
}

/// The family with this identifiant (any case), if it is known to a structure of the scope.
pub async fn family_by_identifiant(
    db: &Db,
    scope: &[StructureId],
    identifiant: &str,
) -> Result<Option<Family>, StoreError> {
    load(db, scope, "identifiant", &identifiant.trim().to_lowercase()).await
}

async fn load(
    db: &Db,
    scope: &[StructureId],
    column: &'static str,
    key: &str,
) -> Result<Option<Family>, StoreError> {
    let within = id_list(scope);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, public_id, identifiant, civility, last_name, first_name, emails, must_change_password, \
           CASE WHEN password_hash = '' THEN 0 ELSE 1 END AS has_password FROM families f \
         WHERE {column} = $1 AND EXISTS (SELECT 1 FROM family_structures fs WHERE fs.family_id = f.id AND fs.structure_id IN {within})"
    )))
    .bind(key)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: FamilyId = row.get("id");
    let structures = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.name FROM family_structures fs JOIN structures s ON s.id = fs.structure_id \
         WHERE fs.family_id = $1 AND fs.structure_id IN {within} ORDER BY s.id"
    )))
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let registrations = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT r.child_id, a.id, a.name FROM registrations r JOIN activities a ON a.id = r.activity_id JOIN children c ON c.id = r.child_id \
         WHERE c.family_id = $1 AND a.structure_id IN {within} ORDER BY a.structure_id, a.start_time, a.name"
    )))
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let children = sqlx::query("SELECT id, public_id, first_name, last_name, birth_date, school FROM children WHERE family_id = $1 ORDER BY birth_date, id")
        .bind(id)
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            let child_id: ChildId = r.get("id");
            Ok(Child {
                id: child_id,
                public_id: r.get("public_id"),
                first_name: r.get("first_name"),
                last_name: r.get("last_name"),
                birth_date: date(&r.get::<String, _>("birth_date"))?,
                school: r.get::<Option<String>, _>("school").unwrap_or_default(),
                activities: registrations.iter().filter(|a| a.get::<ChildId, _>("child_id") == child_id).map(|a| (a.get("id"), a.get("name"))).collect(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let emails: String = row.get("emails");
    Ok(Some(Family {
        id,
        public_id: row.get("public_id"),
        identifiant: row.get("identifiant"),
        civility: row.get("civility"),
        last_name: row.get("last_name"),
        first_name: row.get("first_name"),
        emails: emails
            .split(';')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        has_password: row.get::<i64, _>("has_password") != 0,
        must_change_password: row.get::<i64, _>("must_change_password") != 0,
        structures: structures
            .iter()
            .map(|r| (r.get("id"), r.get("name")))
            .collect(),
        children,
    }))
}

/// An activity a child may be registered to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityChoice {
    pub id: ActivityId,
    pub name: String,
    pub structure: String,
}

/// The activities of these structures, by structure then time of day.
pub async fn activities(
    db: &Db,
    structures: &[StructureId],
) -> Result<Vec<ActivityChoice>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, a.name, s.name AS structure FROM activities a JOIN structures s ON s.id = a.structure_id \
         WHERE a.structure_id IN {} ORDER BY a.structure_id, a.start_time, a.name",
        id_list(structures)
    )))
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .iter()
        .map(|r| ActivityChoice {
            id: r.get("id"),
            name: r.get("name"),
            structure: r.get("structure"),
        })
        .collect())
}

/// One fiche of the family's dossier, in a campaign of the scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FicheLine {
    pub public_id: String,
    pub kind: FicheKind,
    pub child: Option<String>,
    pub state: FicheState,
    /// « Dossier famille 2026-2027 — Mairie de CarteVille ».
    pub campaign: String,
}

/// The family's fiches in the campaigns of the scope, latest campaign first.
pub async fn fiches(
    db: &Db,
    family_id: FamilyId,
    scope: &[StructureId],
) -> Result<Vec<FicheLine>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT f.public_id, f.kind, f.state, f.refusal_reason, c.first_name, d.label, s.name FROM fiches f \
         JOIN dossier_campaigns d ON d.id = f.campaign_id JOIN structures s ON s.id = d.structure_id LEFT JOIN children c ON c.id = f.child_id \
         WHERE f.family_id = $1 AND d.structure_id IN {} ORDER BY d.opens_on DESC, d.id DESC, f.child_id, f.id",
        id_list(scope)
    )))
    .bind(family_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r: &AnyRow| {
            let kind: String = r.get("kind");
            let state: String = r.get("state");
            Ok(FicheLine {
                public_id: r.get("public_id"),
                kind: FicheKind::from_code(&kind)
                    .ok_or_else(|| StoreError::corrupt("fiches.kind", &kind))?,
                child: r.get("first_name"),
                state: FicheState::from_code(&state, r.get("refusal_reason"))
                    .ok_or_else(|| StoreError::corrupt("fiches.state", &state))?,
                campaign: format!(
                    "{} — {}",
                    r.get::<String, _>("label"),
                    r.get::<String, _>("name")
                ),
            })
        })
        .collect()
}

/// The family's postal address from its dossier, for its letter; empty if unknown.
pub async fn address(db: &Db, family_id: FamilyId) -> Result<Vec<String>, StoreError> {
    crate::dossier::family_address(db, family_id).await
}

/// Which of these identifiants (already normalised) are taken.
pub async fn taken_identifiants(
    db: &Db,
    identifiants: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut taken = Vec::new();
    for chunk in identifiants.chunks(500) {
        let placeholders = (1..=chunk.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
            "SELECT identifiant FROM families WHERE identifiant IN ({placeholders})"
        )));
        for identifiant in chunk {
            query = query.bind(identifiant.as_str());
        }
        taken.extend(query.fetch_all(db.reader()).await?);
    }
    Ok(taken)
}

/// A family's account as the staff member typed it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyFields {
    /// « M. » or « Mme ».
    pub civility: String,
    pub last_name: String,
    pub first_name: String,
    /// Normalised: trimmed, lower case.
    pub identifiant: String,
    pub emails: Vec<String>,
    /// Structures of the scope; those out of the scope are never touched.
    pub structures: Vec<StructureId>,
}

/// A child as the staff member typed it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildFields {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Date,
    pub school: String,
    /// The activities ticked, among those offered.
    pub activities: Vec<ActivityId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    Done { public_id: String },
    IdentifiantTaken,
}

async fn identifiant_taken(
    tx: &mut Transaction<'_, Any>,
    identifiant: &str,
    other_than: Option<FamilyId>,
) -> Result<bool, StoreError> {
    let found: Option<FamilyId> =
        sqlx::query_scalar("SELECT id FROM families WHERE identifiant = $1 AND id <> $2")
            .bind(identifiant)
            .bind(other_than.map_or(0, FamilyId::get))
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.is_some())
}

async fn names<T: Integer>(
    tx: &mut Transaction<'_, Any>,
    table: &'static str,
    ids: &[T],
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM {table} WHERE id IN {} ORDER BY id",
        id_list(ids)
    )))
    .fetch_all(&mut **tx)
    .await?)
}

async fn describe_family(
    tx: &mut Transaction<'_, Any>,
    fields: &FamilyFields,
) -> Result<String, StoreError> {
    let structures = names(tx, "structures", &fields.structures).await?;
    Ok(audit::describe(&[
        ("Civilité", fields.civility.clone()),
        ("Nom", fields.last_name.clone()),
        ("Prénom", fields.first_name.clone()),
        ("Identifiant", fields.identifiant.clone()),
        ("Adresses e-mail", fields.emails.join(" ; ")),
        ("Structures", structures.join(", ")),
    ]))
}

async fn describe_child(
    tx: &mut Transaction<'_, Any>,
    child: &ChildFields,
) -> Result<String, StoreError> {
    let activities = names(tx, "activities", &child.activities).await?;
    Ok(audit::describe(&[
        ("Prénom", child.first_name.clone()),
        ("Nom", child.last_name.clone()),
        (
            "Date de naissance",
            child.birth_date.strftime("%d/%m/%Y").to_string(),
        ),
        ("École", child.school.clone()),
        ("Inscriptions", activities.join(", ")),
    ]))
}

/// Inserts the family and its memberships; returns (id, public id).
async fn insert_family(
    tx: &mut Transaction<'_, Any>,
    fields: &FamilyFields,
    password_hash: &str,
    now: Timestamp,
) -> Result<(FamilyId, String), StoreError> {
    let public_id = uuid::Uuid::new_v4().to_string();
    let id: FamilyId = sqlx::query_scalar(
        "INSERT INTO families (public_id, identifiant, civility, last_name, first_name, emails, password_hash, must_change_password, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
    )
    .bind(&public_id)
    .bind(&fields.identifiant)
    .bind(&fields.civility)
    .bind(&fields.last_name)
    .bind(&fields.first_name)
    .bind(fields.emails.join(";"))
    .bind(password_hash)
    .bind(db_time(now))
    .fetch_one(&mut **tx)
    .await?;
    for structure in &fields.structures {
        sqlx::query("INSERT INTO family_structures (family_id, structure_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*structure)
            .execute(&mut **tx)
            .await?;
    }
    Ok((id, public_id))
}

async fn register(
    tx: &mut Transaction<'_, Any>,
    child_id: ChildId,
    activities: &[ActivityId],
) -> Result<(), StoreError> {
    for activity in activities {
        sqlx::query("INSERT INTO registrations (child_id, activity_id) VALUES ($1, $2)")
            .bind(child_id)
            .bind(*activity)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert_child(
    tx: &mut Transaction<'_, Any>,
    family_id: FamilyId,
    child: &ChildFields,
) -> Result<String, StoreError> {
    let public_id = uuid::Uuid::new_v4().to_string();
    let id: ChildId = sqlx::query_scalar(
        "INSERT INTO children (public_id, family_id, first_name, last_name, birth_date, school) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&public_id)
    .bind(family_id)
    .bind(&child.first_name)
    .bind(&child.last_name)
    .bind(child.birth_date.to_string())
    .bind(&child.school)
    .fetch_one(&mut **tx)
    .await?;
    register(tx, id, &child.activities).await?;
    Ok(public_id)
}

/// Creates a family without a password: nobody can log in until one is issued.
pub async fn create_family(
    db: &Db,
    staff_id: StaffId,
    fields: &FamilyFields,
    now: Timestamp,
) -> Result<Saved, StoreError> {
    let mut tx = db.begin().await?;
    if identifiant_taken(&mut tx, &fields.identifiant, None).await? {
        return Ok(Saved::IdentifiantTaken);
    }
    let (id, public_id) = insert_family(&mut tx, fields, "", now).await?;
    let after = describe_family(&mut tx, fields).await?;
    let subject = format!("{} {}", fields.last_name, fields.first_name);
    let change = audit::Change {
        staff_id,
        structure_id: fields.structures.first().copied(),
        family_id: Some(id),
        action: Action::FamilyCreated,
        subject: &subject,
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(Saved::Done { public_id })
}

/// Changes the family's account; its memberships of structures out of `scope` stay.
pub async fn update_family(
    db: &Db,
    staff_id: StaffId,
    family: &Family,
    scope: &[StructureId],
    fields: &FamilyFields,
    now: Timestamp,
) -> Result<Saved, StoreError> {
    let mut tx = db.begin().await?;
    if identifiant_taken(&mut tx, &fields.identifiant, Some(family.id)).await? {
        return Ok(Saved::IdentifiantTaken);
    }
    let previous = FamilyFields {
        civility: family.civility.clone(),
        last_name: family.last_name.clone(),
        first_name: family.first_name.clone(),
        identifiant: family.identifiant.clone(),
        emails: family.emails.clone(),
        structures: family.structures.iter().map(|(id, _)| *id).collect(),
    };
    sqlx::query("UPDATE families SET civility = $1, last_name = $2, first_name = $3, identifiant = $4, emails = $5, updated_at = $6 WHERE id = $7")
        .bind(&fields.civility)
        .bind(&fields.last_name)
        .bind(&fields.first_name)
        .bind(&fields.identifiant)
        .bind(fields.emails.join(";"))
        .bind(db_time(now))
        .bind(family.id)
        .execute(&mut *tx)
        .await?;
    let dropped: Vec<StructureId> = scope
        .iter()
        .copied()
        .filter(|s| !fields.structures.contains(s))
        .collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM family_structures WHERE family_id = $1 AND structure_id IN {}",
        id_list(&dropped)
    )))
    .bind(family.id)
    .execute(&mut *tx)
    .await?;
    let added: Vec<StructureId> = fields
        .structures
        .iter()
        .copied()
        .filter(|s| !previous.structures.contains(s))
        .collect();
    for structure in added {
        sqlx::query("INSERT INTO family_structures (family_id, structure_id) VALUES ($1, $2)")
            .bind(family.id)
            .bind(structure)
            .execute(&mut *tx)
            .await?;
    }
    let (before, after) = (
        describe_family(&mut tx, &previous).await?,
        describe_family(&mut tx, fields).await?,
    );
    if before != after {
        let subject = format!("{} {}", fields.last_name, fields.first_name);
        let structure_id = previous
            .structures
            .first()
            .or(fields.structures.first())
            .copied();
        let change = audit::Change {
            staff_id,
            structure_id,
            family_id: Some(family.id),
            action: Action::FamilyEdited,
            subject: &subject,
            before: Some(before),
            after: Some(after),
        };
        audit::record(&mut tx, &change, now).await?;
    }
    tx.commit().await?;
    Ok(Saved::Done {
        public_id: family.public_id.clone(),
    })
}

/// Adds a child to the family (`child` None) or changes one; `offered` are the activities
/// the staff member could tick, so registrations to other activities stay as they were.
pub async fn save_child(
    db: &Db,
    staff_id: StaffId,
    family: &Family,
    child: Option<&Child>,
    offered: &[ActivityId],
    fields: &ChildFields,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let subject = format!("{} {}", fields.first_name, fields.last_name);
    let structure_id = family.structures.first().map(|(id, _)| *id);
    let (action, before) = match child {
        None => {
            insert_child(&mut tx, family.id, fields).await?;
            (Action::ChildAdded, None)
        }
        Some(child) => {
            let previous = ChildFields {
                first_name: child.first_name.clone(),
                last_name: child.last_name.clone(),
                birth_date: child.birth_date,
                school: child.school.clone(),
                activities: child
                    .activities
                    .iter()
                    .map(|(id, _)| *id)
                    .filter(|id| offered.contains(id))
                    .collect(),
            };
            sqlx::query("UPDATE children SET first_name = $1, last_name = $2, birth_date = $3, school = $4 WHERE id = $5 AND family_id = $6")
                .bind(&fields.first_name)
                .bind(&fields.last_name)
                .bind(fields.birth_date.to_string())
                .bind(&fields.school)
                .bind(child.id)
                .bind(family.id)
                .execute(&mut *tx)
                .await?;
            let dropped: Vec<ActivityId> = previous
                .activities
                .iter()
                .copied()
                .filter(|a| !fields.activities.contains(a))
                .collect();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM registrations WHERE child_id = $1 AND activity_id IN {}",
                id_list(&dropped)
            )))
            .bind(child.id)
            .execute(&mut *tx)
            .await?;
            let added: Vec<ActivityId> = fields
                .activities
                .iter()
                .copied()
                .filter(|a| !previous.activities.contains(a))
                .collect();
            register(&mut tx, child.id, &added).await?;
            (
                Action::ChildEdited,
                Some(describe_child(&mut tx, &previous).await?),
            )
        }
    };
    let after = describe_child(&mut tx, fields).await?;
    if before.as_ref() != Some(&after) {
        let change = audit::Change {
            staff_id,
            structure_id,
            family_id: Some(family.id),
            action,
            subject: &subject,
            before,
            after: Some(after),
        };
        audit::record(&mut tx, &change, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Replaces the family's password by a new initial one (its hash): the family is back in
/// first-login state and every one of its sessions ends. The mail that carries it, if any,
/// is queued in the same transaction.
pub async fn issue_initial_password(
    db: &Db,
    staff_id: StaffId,
    family: &Family,
    hash: &str,
    mail: Option<&NewMail>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE families SET password_hash = $1, must_change_password = 1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(db_time(now))
        .bind(family.id)
        .execute(&mut *tx)
        .await?;
    sessions::delete_family_sessions(&mut *tx, family.id, None).await?;
    let delivery = match mail {
        Some(mail) => {
            outbox::enqueue(&mut tx, mail, now).await?;
            ("Envoyé par mail à", mail.recipients.join(" ; "))
        }
        None => ("Remis par", "courrier imprimé".to_owned()),
    };
    let name = family.name();
    let change = audit::Change {
        staff_id,
        structure_id: family.structures.first().map(|(id, _)| *id),
        family_id: Some(family.id),
        action: Action::InitialPasswordIssued,
        subject: &name,
        before: None,
        after: Some(audit::describe(&[delivery])),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A family of an import, with the hash of its initial password and its children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFamily {
    pub fields: FamilyFields,
    pub password_hash: String,
    pub children: Vec<ChildFields>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    Done,
    /// Identifiants created by someone else since the file was checked: nothing was imported.
    IdentifiantsTaken(Vec<String>),
}

/// Creates every family of an import, or none.
pub async fn import(
    db: &Db,
    staff_id: StaffId,
    families: &[ImportedFamily],
    now: Timestamp,
) -> Result<Imported, StoreError> {
    let mut tx = db.begin().await?;
    let mut taken = Vec::new();
    for family in families {
        if identifiant_taken(&mut tx, &family.fields.identifiant, None).await? {
            taken.push(family.fields.identifiant.clone());
        }
    }
    if !taken.is_empty() {
        return Ok(Imported::IdentifiantsTaken(taken));
    }
    for family in families {
        let (id, _) = insert_family(&mut tx, &family.fields, &family.password_hash, now).await?;
        let mut lines = vec![describe_family(&mut tx, &family.fields).await?];
        for child in &family.children {
            insert_child(&mut tx, id, child).await?;
            lines.push(format!(
                "Enfant : {} {}, né(e) le {}",
                child.first_name,
                child.last_name,
                child.birth_date.strftime("%d/%m/%Y")
            ));
        }
        let subject = format!("{} {}", family.fields.last_name, family.fields.first_name);
        let change = audit::Change {
            staff_id,
            structure_id: family.fields.structures.first().copied(),
            family_id: Some(id),
            action: Action::FamilyImported,
            subject: &subject,
            before: None,
            after: Some(lines.join("\n")),
        };
        audit::record(&mut tx, &change, now).await?;
    }
    tx.commit().await?;
    Ok(Imported::Done)
}
