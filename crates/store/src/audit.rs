//! The back office's audit trail (R-BO-8): each staff change is recorded in the
//! transaction that makes it, so a change without its record cannot exist; the trail also
//! lists the staff readings of health data. Searchable by family and by staff member.

use jiff::Timestamp;
use ribambelle_domain::ids::{FamilyId, StaffId, StructureId};
use ribambelle_domain::journal::{Action, health_read_subject};
use sqlx::{Any, Row, Transaction};

use crate::{Db, StoreError, db_time, parse_db_time, sql::id_list};

/// One change made by a staff member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change<'a> {
    pub staff_id: StaffId,
    pub structure_id: Option<StructureId>,
    pub family_id: Option<FamilyId>,
    pub action: Action,
    /// What was changed, in words: « DUPONT Jean-Paul », « APS MATIN »…
    pub subject: &'a str,
    /// The values before and after, as the staff member saw them (« Capacité : 12 »), one
    /// per line; `None` for a creation or a deletion.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Records `change` inside the caller's transaction.
pub async fn record(
    tx: &mut Transaction<'_, Any>,
    change: &Change<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, staff_id, structure_id, family_id, action, subject, before_value, after_value) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(db_time(now))
    .bind(change.staff_id)
    .bind(change.structure_id)
    .bind(change.family_id)
    .bind(change.action.label())
    .bind(change.subject)
    .bind(change.before.as_deref())
    .bind(change.after.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Lines of « label : value » for the before/after columns, skipping nothing: an empty
/// value is shown as « (vide) » so that a cleared field is visible.
pub fn describe(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(label, value)| {
            if value.is_empty() {
                format!("{label} : (vide)")
            } else {
                format!("{label} : {value}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub at: Timestamp,
    pub staff: String,
    pub action: String,
    pub subject: String,
    pub family: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only what concerns this family.
    pub family_id: Option<FamilyId>,
    /// Only what this staff member did.
    pub staff_id: Option<StaffId>,
}

/// The trail, newest first: changes, and readings of health data, within the structures
/// the reader may see (changes without a structure, such as staff accounts, included).
pub async fn search(
    db: &Db,
    structures: &[StructureId],
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let within = id_list(structures);
    let sql = format!(
        "SELECT a.at, s.display_name, a.action, a.subject, f.last_name || ' ' || f.first_name AS family, a.before_value, a.after_value \
         FROM audit_log a JOIN staff s ON s.id = a.staff_id LEFT JOIN families f ON f.id = a.family_id \
         WHERE ($1 = 0 OR a.family_id = $1) AND ($2 = 0 OR a.staff_id = $2) AND (a.structure_id IS NULL OR a.structure_id IN {within}) \
         UNION ALL \
         SELECT r.read_at, s.display_name, $4, \
           CASE WHEN r.file_id IS NULL THEN $5 ELSE $6 END || COALESCE(' de ' || c.first_name, ''), \
           f.last_name || ' ' || f.first_name, NULL, NULL \
         FROM health_data_reads r JOIN staff s ON s.id = r.staff_id JOIN fiches fi ON fi.id = r.fiche_id \
         JOIN dossier_campaigns d ON d.id = fi.campaign_id JOIN families f ON f.id = fi.family_id LEFT JOIN children c ON c.id = fi.child_id \
         WHERE ($1 = 0 OR fi.family_id = $1) AND ($2 = 0 OR r.staff_id = $2) AND d.structure_id IN {within} \
         ORDER BY 1 DESC LIMIT $3",
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.family_id.map_or(0, FamilyId::get))
        .bind(filter.staff_id.map_or(0, StaffId::get))
        .bind(limit)
        .bind(Action::HealthDataRead.label())
        .bind(health_read_subject(false))
        .bind(health_read_subject(true))
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                at: parse_db_time(&r.get::<String, _>("at"))?,
                staff: r.get("display_name"),
                action: r.get("action"),
                subject: r.get("subject"),
                family: r.get("family"),
                before: r.get("before_value"),
                after: r.get("after_value"),
            })
        })
        .collect()
}
