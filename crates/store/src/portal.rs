//! What every page of the portal needs: the structures, the reference calendar and the
//! date of the last update shown in the header.

use jiff::Timestamp;
use ribambelle_domain::ids::{FamilyId, StaffId, StructureId};
use ribambelle_domain::{
    calendar::{SchoolCalendar, SchoolZone, parse_holiday_csv},
    staff::StaffRole,
};
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Db, StoreError,
    accounts::{FAMILY_COLUMNS, FamilyAccount, family_from},
    db_time, legal, parse_db_time,
};

pub(crate) const HOLIDAYS_CSV: &str = include_str!("../seed/vacances-scolaires.csv");

/// Loads (or refreshes) the national school-holiday calendar shipped with the binary.
pub(crate) async fn load_reference_data(db: &Db) -> Result<(), StoreError> {
    let periods =
        parse_holiday_csv(HOLIDAYS_CSV).map_err(|e| StoreError::Reference(e.to_string()))?;
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
    pub id: StructureId,
    pub slug: String,
    pub name: String,
    pub website_url: Option<String>,
    pub accent_color: String,
    pub school_zone: SchoolZone,
    /// Whether the Alsace-Moselle public holidays apply.
    pub alsace_moselle: bool,
    /// Requests decided right after each confirmation rather than by the nightly run.
    pub immediate_processing: bool,
}

impl StructureSummary {
    pub fn school_calendar(&self) -> Result<SchoolCalendar, StoreError> {
        crate::bookings::calendar_of(self.school_zone, self.alsace_moselle)
    }
}

/// The columns `structure_from` reads, from `structures s`.
const STRUCTURE_COLUMNS: &str = "s.id AS structure_id, s.slug, s.name, s.website_url, s.accent_color, s.school_zone, s.alsace_moselle, s.processing_mode";

fn structure_from(r: &AnyRow) -> Result<StructureSummary, StoreError> {
    let zone: String = r.get("school_zone");
    Ok(StructureSummary {
        id: r.get("structure_id"),
        slug: r.get("slug"),
        name: r.get("name"),
        website_url: r.get("website_url"),
        accent_color: r.get("accent_color"),
        school_zone: zone
            .parse()
            .map_err(|_| StoreError::corrupt("structures.school_zone", &zone))?,
        alsace_moselle: r.get::<i64, _>("alsace_moselle") != 0,
        immediate_processing: r.get::<String, _>("processing_mode") == "immediat",
    })
}

/// The structure that welcomes visitors on the login page: the first one created.
pub async fn home_structure(db: &Db) -> Result<Option<StructureSummary>, StoreError> {
    let sql = format!("SELECT {STRUCTURE_COLUMNS} FROM structures s ORDER BY s.id LIMIT 1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(structure_from).transpose()
}

pub async fn structure_by_slug(
    db: &Db,
    slug: &str,
) -> Result<Option<StructureSummary>, StoreError> {
    let sql = format!("SELECT {STRUCTURE_COLUMNS} FROM structures s WHERE s.slug = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(slug)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(structure_from).transpose()
}

/// The structures a staff member works for: every one for an administrateur, the granted
/// ones for the others.
pub async fn staff_scope(
    db: &Db,
    staff_id: StaffId,
    role: StaffRole,
) -> Result<Vec<StructureSummary>, StoreError> {
    let sql = format!(
        "SELECT {STRUCTURE_COLUMNS} FROM structures s \
         WHERE $2 = 1 OR EXISTS (SELECT 1 FROM staff_structures ss WHERE ss.staff_id = $1 AND ss.structure_id = s.id) ORDER BY s.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(staff_id)
        .bind(i64::from(role.is_administrateur()))
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(structure_from).collect()
}

const LAST_DATA_CHANGE: &str = "last_data_change";

/// How stale the header's « Dernière mise à jour » may be: the row is rewritten at most
/// this often, so that the confirmations of a whole town never queue on that one row.
const DATA_CHANGE_PRECISION: jiff::SignedDuration = jiff::SignedDuration::from_mins(1);

/// Records that families' data changed now; the header shows it until a processing run
/// exists to date the last update.
pub async fn touch_data_change(
    connection: &mut sqlx::AnyConnection,
    now: Timestamp,
) -> Result<(), StoreError> {
    // A plain read takes no lock: within the precision, nothing is written at all.
    let written: Option<String> = sqlx::query_scalar("SELECT value FROM app_state WHERE key = $1")
        .bind(LAST_DATA_CHANGE)
        .fetch_optional(&mut *connection)
        .await?;
    let recent = written
        .and_then(|at| parse_db_time(&at).ok())
        .is_some_and(|at| at <= now && now.duration_since(at) < DATA_CHANGE_PRECISION);
    if recent {
        return Ok(());
    }
    // Among confirmations racing past the precision, the later ones find the row already
    // moved by the first and leave it (the WHERE is checked again after its lock).
    sqlx::query(
        "INSERT INTO app_state (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE app_state.value < excluded.value",
    )
    .bind(LAST_DATA_CHANGE)
    .bind(db_time(now))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Whether the database holds any structure yet (an empty installation).
pub async fn is_empty(db: &Db) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM structures")
        .fetch_one(db.reader())
        .await?;
    Ok(count == 0)
}

/// The structures a family is known to, in creation order.
pub async fn family_structures(
    db: &Db,
    family_id: FamilyId,
) -> Result<Vec<StructureSummary>, StoreError> {
    let sql = format!(
        "SELECT {STRUCTURE_COLUMNS} FROM structures s JOIN family_structures fs ON fs.structure_id = s.id WHERE fs.family_id = $1 ORDER BY s.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(family_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(structure_from).collect()
}

/// What every page of a signed-in family shows or checks first.
#[derive(Clone, Debug)]
pub struct FamilyView {
    pub account: FamilyAccount,
    /// A RGPD notice or CGU (or a new version of one) waits for the family's acceptance.
    pub consents_pending: bool,
    pub structures: Vec<StructureSummary>,
    pub last_update: Option<Timestamp>,
}

/// The family's account, structures, pending consents and the header's date in one query
/// (one row per structure), since every page of the portal starts with them.
pub async fn family_view(db: &Db, family_id: FamilyId) -> Result<Option<FamilyView>, StoreError> {
    let sql = format!(
        "SELECT {FAMILY_COLUMNS}, CASE WHEN {} THEN 1 ELSE 0 END AS consents_pending, {} AS last_update, {STRUCTURE_COLUMNS} \
         FROM families f LEFT JOIN family_structures fs ON fs.family_id = f.id LEFT JOIN structures s ON s.id = fs.structure_id \
         WHERE f.id = $1 ORDER BY s.id",
        legal::consents_pending_sql(),
        last_update_sql(2)
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(family_id)
        .bind(LAST_RUN)
        .bind(LAST_DATA_CHANGE)
        .fetch_all(db.reader())
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut structures = Vec::with_capacity(rows.len());
    for r in &rows {
        // A family known to no structure yet: its one row has none.
        if r.get::<Option<i64>, _>("structure_id").is_some() {
            structures.push(structure_from(r)?);
        }
    }
    Ok(Some(FamilyView {
        account: family_from(first),
        consents_pending: first.get::<i64, _>("consents_pending") != 0,
        structures,
        last_update: first
            .get::<Option<String>, _>("last_update")
            .as_deref()
            .map(parse_db_time)
            .transpose()?,
    }))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub title: String,
    pub body: String,
    pub display_from: jiff::civil::Date,
}

/// The announcements a structure shows today, newest first.
pub async fn announcements(
    db: &Db,
    structure_id: StructureId,
    today: jiff::civil::Date,
) -> Result<Vec<Announcement>, StoreError> {
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
                display_from: from
                    .parse()
                    .map_err(|e| StoreError::corrupt("announcements.display_from", e))?,
            })
        })
        .collect()
}

const LAST_RUN: &str = "last_run_at";

/// The « date de dernière mise à jour » of the header: the end of the last processing
/// run, or until there has been one, the last change of the families' data.
pub async fn last_update(db: &Db) -> Result<Option<Timestamp>, StoreError> {
    let sql = format!("SELECT {}", last_update_sql(1));
    let value: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(LAST_RUN)
        .bind(LAST_DATA_CHANGE)
        .fetch_one(db.reader())
        .await?;
    value.as_deref().map(parse_db_time).transpose()
}

/// The header's date, with the keys `LAST_RUN` and `LAST_DATA_CHANGE` bound as the
/// parameters `first` and `first + 1`.
fn last_update_sql(first: usize) -> String {
    format!(
        "COALESCE((SELECT value FROM app_state WHERE key = ${first}), (SELECT value FROM app_state WHERE key = ${}))",
        first + 1
    )
}
