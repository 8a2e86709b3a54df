//! The family's contacts (R-DOS-5): created once, tied to each child with a relationship
//! and two permissions, edited without changing the name, deleted for good only once no
//! child keeps them. Every query is scoped by the family taken from the session.

use jiff::Timestamp;
use ribambelle_domain::dossier::Values;
use ribambelle_domain::ids::{ChildId, ContactId, FamilyId};
use sqlx::{Row, any::AnyRow};

use crate::{Db, StoreError, db_time};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub public_id: String,
    pub last_name: String,
    pub first_name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// The first names of the children it is tied to.
    pub children: Vec<String>,
}

/// A contact as one child has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildContact {
    pub contact: Contact,
    pub relationship: String,
    pub may_pick_up: bool,
    pub emergency: bool,
}

/// What deleting a contact did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// Still tied to these children: it must be removed from each first.
    StillAttached(Vec<String>),
    NotFound,
}

fn value(values: &Values, name: &str) -> String {
    values.get(name).cloned().unwrap_or_default()
}

fn contact_from(r: &AnyRow, children: Vec<String>) -> Contact {
    Contact {
        id: r.get("id"),
        public_id: r.get("public_id"),
        last_name: r.get("last_name"),
        first_name: r.get("first_name"),
        address: r.get("address"),
        phone: r.get("phone"),
        email: r.get("email"),
        children,
    }
}

/// Every contact of the family, with the children each one is tied to.
pub async fn family_contacts(db: &Db, family_id: FamilyId) -> Result<Vec<Contact>, StoreError> {
    let rows = sqlx::query("SELECT id, public_id, last_name, first_name, address, phone, email FROM contacts WHERE family_id = $1 ORDER BY last_name, first_name, id")
        .bind(family_id)
        .fetch_all(db.reader())
        .await?;
    let links: Vec<(ContactId, String)> = sqlx::query_as(
        "SELECT cc.contact_id, ch.first_name FROM child_contacts cc JOIN children ch ON ch.id = cc.child_id \
         WHERE ch.family_id = $1 ORDER BY ch.birth_date, ch.id",
    )
    .bind(family_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: ContactId = r.get("id");
            contact_from(
                r,
                links
                    .iter()
                    .filter(|(c, _)| *c == id)
                    .map(|(_, name)| name.clone())
                    .collect(),
            )
        })
        .collect())
}

/// The contacts of one child of the family.
pub async fn child_contacts(
    db: &Db,
    family_id: FamilyId,
    child_id: ChildId,
) -> Result<Vec<ChildContact>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.public_id, c.last_name, c.first_name, c.address, c.phone, c.email, cc.relationship, cc.may_pick_up, cc.emergency \
         FROM child_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE c.family_id = $1 AND cc.child_id = $2 ORDER BY c.last_name, c.first_name",
    )
    .bind(family_id)
    .bind(child_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .iter()
        .map(|r| ChildContact {
            contact: contact_from(r, Vec::new()),
            relationship: r.get("relationship"),
            may_pick_up: r.get::<i64, _>("may_pick_up") == 1,
            emergency: r.get::<i64, _>("emergency") == 1,
        })
        .collect())
}

/// One contact of the family; None for another family's.
pub async fn contact(
    db: &Db,
    family_id: FamilyId,
    public_id: &str,
) -> Result<Option<Contact>, StoreError> {
    Ok(family_contacts(db, family_id)
        .await?
        .into_iter()
        .find(|c| c.public_id == public_id))
}

/// Creates a contact from checked values (`CONTACT` fields); returns its id.
pub async fn create(
    db: &Db,
    family_id: FamilyId,
    values: &Values,
    now: Timestamp,
) -> Result<ContactId, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO contacts (public_id, family_id, last_name, first_name, address, phone, email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(family_id)
    .bind(value(values, "nom").to_uppercase())
    .bind(value(values, "prenom"))
    .bind(value(values, "adresse"))
    .bind(value(values, "telephone"))
    .bind(value(values, "email"))
    .bind(db_time(now))
    .fetch_one(db.writer())
    .await?)
}

/// Changes the address, phone and e-mail; the name is never changed.
pub async fn update(
    db: &Db,
    family_id: FamilyId,
    contact_id: ContactId,
    values: &Values,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE contacts SET address = $1, phone = $2, email = $3 WHERE id = $4 AND family_id = $5",
    )
    .bind(value(values, "adresse"))
    .bind(value(values, "telephone"))
    .bind(value(values, "email"))
    .bind(contact_id)
    .bind(family_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Ties a contact of the family to one of its children (or changes the tie) from checked
/// values (`CONTACT_LINK` fields).
pub async fn attach(
    db: &Db,
    family_id: FamilyId,
    child_id: ChildId,
    contact_id: ContactId,
    link: &Values,
) -> Result<(), StoreError> {
    let yes = |name: &str| i64::from(link.get(name).is_some_and(|v| v == "oui"));
    sqlx::query(
        "INSERT INTO child_contacts (child_id, contact_id, relationship, may_pick_up, emergency) \
         SELECT ch.id, c.id, $1, $2, $3 FROM children ch, contacts c WHERE ch.id = $4 AND c.id = $5 AND ch.family_id = $6 AND c.family_id = $6 \
         ON CONFLICT (child_id, contact_id) DO UPDATE SET relationship = excluded.relationship, may_pick_up = excluded.may_pick_up, emergency = excluded.emergency",
    )
    .bind(value(link, "lien"))
    .bind(yes("recuperer"))
    .bind(yes("urgence"))
    .bind(child_id)
    .bind(contact_id)
    .bind(family_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Removes a contact from one child; the contact stays in the family's list.
pub async fn detach(
    db: &Db,
    family_id: FamilyId,
    child_id: ChildId,
    contact_id: ContactId,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM child_contacts WHERE child_id = $1 AND contact_id = $2 \
         AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = $2 AND c.family_id = $3)",
    )
    .bind(child_id)
    .bind(contact_id)
    .bind(family_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Deletes a contact for good, only once no child keeps it.
pub async fn delete(db: &Db, family_id: FamilyId, public_id: &str) -> Result<Deletion, StoreError> {
    let Some(found) = contact(db, family_id, public_id).await? else {
        return Ok(Deletion::NotFound);
    };
    if !found.children.is_empty() {
        return Ok(Deletion::StillAttached(found.children));
    }
    let done = sqlx::query(
        "DELETE FROM contacts WHERE id = $1 AND family_id = $2 AND NOT EXISTS (SELECT 1 FROM child_contacts WHERE contact_id = $1)",
    )
    .bind(found.id)
    .bind(family_id)
    .execute(db.writer())
    .await?;
    // Tied to a child meanwhile (another device): say so rather than delete.
    if done.rows_affected() == 1 {
        Ok(Deletion::Deleted)
    } else {
        Ok(Deletion::StillAttached(
            contact(db, family_id, public_id)
                .await?
                .map(|c| c.children)
                .unwrap_or_default(),
        ))
    }
}
