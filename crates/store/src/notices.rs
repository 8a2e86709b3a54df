//! What the back office publishes for families (R-BO-5): the announcements shown on
//! « Accueil » between two dates, and new versions of the RGPD notice, the CGU and the
//! règlement intérieur, which families are asked to accept (or sign) again. Every change is
//! audited in its transaction.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::ids::{AnnouncementId, StaffId, StructureId};
use ribambelle_domain::journal::Action;
use sqlx::Row;

use crate::{Db, StoreError, audit, legal, parse_db_time, sql::id_list};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnouncementRow {
    pub id: AnnouncementId,
    pub structure_id: StructureId,
    pub structure: String,
    pub title: String,
    pub body: String,
    pub display_from: Date,
    pub display_until: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAnnouncement<'a> {
    pub structure_id: StructureId,
    pub title: &'a str,
    pub body: &'a str,
    pub display_from: Date,
    pub display_until: Option<Date>,
}

fn date(row: &sqlx::any::AnyRow, column: &'static str) -> Result<Option<Date>, StoreError> {
    row.get::<Option<String>, _>(column)
        .map(|d| d.parse().map_err(|e| StoreError::corrupt(column, e)))
        .transpose()
}

fn announcement(row: &sqlx::any::AnyRow) -> Result<AnnouncementRow, StoreError> {
    Ok(AnnouncementRow {
        id: row.get("id"),
        structure_id: row.get("structure_id"),
        structure: row.get("name"),
        title: row.get("title"),
        body: row.get("body"),
        display_from: date(row, "display_from")?
            .ok_or_else(|| StoreError::corrupt("announcements.display_from", "missing"))?,
        display_until: date(row, "display_until")?,
    })
}

const ANNOUNCEMENTS: &str = "SELECT a.id, a.structure_id, s.name, a.title, a.body, a.display_from, a.display_until FROM announcements a JOIN structures s ON s.id = a.structure_id";

/// The announcements of the structures in `scope`, the latest first.
pub async fn announcements(
    db: &Db,
    scope: &[StructureId],
) -> Result<Vec<AnnouncementRow>, StoreError> {
    let sql = format!(
        "{ANNOUNCEMENTS} WHERE a.structure_id IN {} ORDER BY a.display_from DESC, a.id DESC",
        id_list(scope)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(announcement).collect()
}

/// One announcement, if its structure is in `scope`.
pub async fn announcement_in(
    db: &Db,
    scope: &[StructureId],
    id: AnnouncementId,
) -> Result<Option<AnnouncementRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ANNOUNCEMENTS} WHERE a.id = $1"
    )))
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    Ok(row
        .as_ref()
        .map(announcement)
        .transpose()?
        .filter(|a| scope.contains(&a.structure_id)))
}

fn describe(a: &NewAnnouncement<'_>) -> String {
    audit::describe(&[
        ("Titre", a.title.to_owned()),
        ("Texte", a.body.to_owned()),
        (
            "Affichée à partir du",
            a.display_from.strftime("%d/%m/%Y").to_string(),
        ),
        (
            "Jusqu'au",
            a.display_until
                .map(|d| d.strftime("%d/%m/%Y").to_string())
                .unwrap_or_default(),
        ),
    ])
}

fn describe_row(a: &AnnouncementRow) -> String {
    describe(&NewAnnouncement {
        structure_id: a.structure_id,
        title: &a.title,
        body: &a.body,
        display_from: a.display_from,
        display_until: a.display_until,
    })
}

pub async fn create_announcement(
    db: &Db,
    staff_id: StaffId,
    a: &NewAnnouncement<'_>,
    now: Timestamp,
) -> Result<AnnouncementId, StoreError> {
    let mut tx = db.begin().await?;
    let id: AnnouncementId = sqlx::query_scalar(
        "INSERT INTO announcements (structure_id, title, body, display_from, display_until, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(a.structure_id)
    .bind(a.title)
    .bind(a.body)
    .bind(a.display_from.to_string())
    .bind(a.display_until.map(|d| d.to_string()))
    .bind(crate::db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    let change = audit::Change {
        staff_id,
        structure_id: Some(a.structure_id),
        family_id: None,
        action: Action::AnnouncementPublished,
        subject: a.title,
        before: None,
        after: Some(describe(a)),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces an announcement's content (its structure stays).
pub async fn update_announcement(
    db: &Db,
    staff_id: StaffId,
    before: &AnnouncementRow,
    a: &NewAnnouncement<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE announcements SET title = $1, body = $2, display_from = $3, display_until = $4 WHERE id = $5")
        .bind(a.title)
        .bind(a.body)
        .bind(a.display_from.to_string())
        .bind(a.display_until.map(|d| d.to_string()))
        .bind(before.id)
        .execute(&mut *tx)
        .await?;
    let change = audit::Change {
        staff_id,
        structure_id: Some(before.structure_id),
        family_id: None,
        action: Action::AnnouncementEdited,
        subject: a.title,
        before: Some(describe_row(before)),
        after: Some(describe(a)),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_announcement(
    db: &Db,
    staff_id: StaffId,
    before: &AnnouncementRow,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM announcements WHERE id = $1")
        .bind(before.id)
        .execute(&mut *tx)
        .await?;
    let change = audit::Change {
        staff_id,
        structure_id: Some(before.structure_id),
        family_id: None,
        action: Action::AnnouncementDeleted,
        subject: &before.title,
        before: Some(describe_row(before)),
        after: None,
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The kinds of versioned texts, as stored and as named on the pages.
pub const TEXT_KINDS: [(&str, &str); 3] = [
    ("rgpd", "Notice RGPD"),
    ("cgu", "Conditions générales d'utilisation"),
    ("reglement", "Règlement intérieur"),
];

pub fn text_kind_label(kind: &str) -> Option<&'static str> {
    TEXT_KINDS
        .iter()
        .find(|(code, _)| *code == kind)
        .map(|(_, label)| *label)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentText {
    pub structure_id: StructureId,
    pub structure: String,
    pub kind: String,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub published_at: Timestamp,
    /// Families that accepted (RGPD, CGU) or children whose règlement was signed, for this
    /// version.
    pub agreed: i64,
}

/// The current version of each text of the structures in `scope`.
pub async fn current_texts(db: &Db, scope: &[StructureId]) -> Result<Vec<CurrentText>, StoreError> {
    let sql = format!(
        "SELECT t.structure_id, s.name, t.kind, t.version, t.title, t.body, t.published_at, \
           (SELECT COUNT(*) FROM consents c WHERE c.legal_text_id = t.id) + (SELECT COUNT(*) FROM reglement_signatures r WHERE r.legal_text_id = t.id) AS agreed \
         FROM legal_texts t JOIN structures s ON s.id = t.structure_id \
         WHERE t.structure_id IN {} AND t.version = (SELECT MAX(u.version) FROM legal_texts u WHERE u.structure_id = t.structure_id AND u.kind = t.kind) \
         ORDER BY t.structure_id, t.kind",
        id_list(scope)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CurrentText {
                structure_id: r.get("structure_id"),
                structure: r.get("name"),
                kind: r.get("kind"),
                version: r.get("version"),
                title: r.get("title"),
                body: r.get("body"),
                published_at: parse_db_time(&r.get::<String, _>("published_at"))?,
                agreed: r.get("agreed"),
            })
        })
        .collect()
}

/// Publishes a new version of a structure's text; from now on families are asked to
/// accept (or sign, for the règlement) this version.
pub async fn publish_text(
    db: &Db,
    staff_id: StaffId,
    current: &CurrentText,
    title: &str,
    body: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    legal::publish(
        &mut *tx,
        current.structure_id,
        &current.kind,
        title,
        body,
        now,
    )
    .await?;
    let label = text_kind_label(&current.kind).unwrap_or("Texte");
    let change = audit::Change {
        staff_id,
        structure_id: Some(current.structure_id),
        family_id: None,
        action: Action::TextPublished,
        subject: label,
        before: Some(audit::describe(&[
            ("Version", current.version.to_string()),
            ("Titre", current.title.clone()),
        ])),
        after: Some(audit::describe(&[
            ("Version", (current.version + 1).to_string()),
            ("Titre", title.to_owned()),
            ("Texte", body.to_owned()),
        ])),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(())
}
