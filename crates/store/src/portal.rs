//! What every page of the portal needs: the structures, the reference calendar and the
//! date of the last update shown in the header.

use jiff::Timestamp;
use ribambelle_domain::calendar::parse_holiday_csv;
use sqlx::Row;

use crate::{Db, StoreError, db_time, parse_db_time};

pub(crate) const HOLIDAYS_CSV: &str = include_str!("../seed/vacances-scolaires.csv");

/// Loads (or refreshes) the national school-holiday calendar shipped with the binary.
pub(crate) async fn load_reference_data(db: &Db) -> Result<(), StoreError> {
    let periods = parse_holiday_csv(HOLIDAYS_CSV).map_err(|e| StoreError::Reference(e.to_string()))?;
    let mut tx = db.begin().await?;
    for p in &periods {
        sqlx::query(
            "INSERT INTO school_holidays (zone, name, first_day, last_day) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (zone, first_day) DO UPDATE SET name = excluded.name, last_day = excluded.last_day",
        )
        .bind(p.zone.as_str())
        .bind(&p.name)
        .bind(p.first_day.to_string())
        .bind(p.last_day.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructureSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub website_url: Option<String>,
    pub accent_color: String,
}

fn structure_from(r: &sqlx::any::AnyRow) -> StructureSummary {
    StructureSummary {
        id: r.get("id"),
        slug: r.get("slug"),
        name: r.get("name"),
        website_url: r.get("website_url"),
        accent_color: r.get("accent_color"),
    }
}

/// The structure that welcomes visitors on the login page: the first one created.
pub async fn home_structure(db: &Db) -> Result<Option<StructureSummary>, StoreError> {
    let row = sqlx::query("SELECT id, slug, name, website_url, accent_color FROM structures ORDER BY id LIMIT 1")
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(structure_from))
}

pub async fn structure_by_slug(db: &Db, slug: &str) -> Result<Option<StructureSummary>, StoreError> {
    let row = sqlx::query("SELECT id, slug, name, website_url, accent_color FROM structures WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(structure_from))
}

/// The structures a staff member works for: every one for an administrateur, the granted
/// ones for the others.
pub async fn staff_scope(db: &Db, staff_id: i64, role: &str) -> Result<Vec<StructureSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, slug, name, website_url, accent_color FROM structures s \
         WHERE $2 = 'administrateur' OR EXISTS (SELECT 1 FROM staff_structures ss WHERE ss.staff_id = $1 AND ss.structure_id = s.id) ORDER BY id",
    )
    .bind(staff_id)
    .bind(role)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.iter().map(structure_from).collect())
}

const LAST_DATA_CHANGE: &str = "last_data_change";

/// Records that families' data changed now; the header shows it until a processing run
/// exists to date the last update.
pub async fn touch_data_change<'c, E>(executor: E, now: Timestamp) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO app_state (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(LAST_DATA_CHANGE)
    .bind(db_time(now))
    .execute(executor)
    .await?;
    Ok(())
}

/// Whether the database holds any structure yet (an empty installation).
pub async fn is_empty(db: &Db) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM structures").fetch_one(db.reader()).await?;
    Ok(count == 0)
}

/// The structures a family is known to, in creation order.
pub async fn family_structures(db: &Db, family_id: i64) -> Result<Vec<StructureSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.slug, s.name, s.website_url, s.accent_color FROM structures s \
         JOIN family_structures fs ON fs.structure_id = s.id WHERE fs.family_id = $1 ORDER BY s.id",
    )
    .bind(family_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.iter().map(structure_from).collect())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub title: String,
    pub body: String,
    pub display_from: jiff::civil::Date,
}

/// The announcements a structure shows today, newest first.
pub async fn announcements(db: &Db, structure_id: i64, today: jiff::civil::Date) -> Result<Vec<Announcement>, StoreError> {
    let rows = sqlx::query(
        "SELECT title, body, display_from FROM announcements \
         WHERE structure_id = $1 AND display_from <= $2 AND (display_until IS NULL OR display_until >= $2) \
         ORDER BY display_from DESC, id DESC",
    )
    .bind(structure_id)
    .bind(today.to_string())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let from: String = r.get("display_from");
            Ok(Announcement {
                title: r.get("title"),
                body: r.get("body"),
                display_from: from.parse().map_err(|e| StoreError::corrupt("announcements.display_from", e))?,
            })
        })
        .collect()
}

const LAST_RUN: &str = "last_run_at";

/// The « date de dernière mise à jour » of the header: the end of the last processing
/// run, or until there has been one, the last change of the families' data.
pub async fn last_update(db: &Db) -> Result<Option<Timestamp>, StoreError> {
    let value: Option<String> = sqlx::query_scalar(
        "SELECT COALESCE((SELECT value FROM app_state WHERE key = $1), (SELECT value FROM app_state WHERE key = $2))",
    )
    .bind(LAST_RUN)
    .bind(LAST_DATA_CHANGE)
    .fetch_one(db.reader())
    .await?;
    value.as_deref().map(parse_db_time).transpose()
}

