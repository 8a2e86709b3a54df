//! Every activity with its rules, holiday windows, closures and prices, kept in memory.
//!
//! The catalogue is read at every booking step and changes a few times a year; reading it
//! from the database cost more than all the step's other queries together. Each use reads
//! only `catalog_version`, which triggers move on any change to these tables (migration
//! 0017), and reloads the whole catalogue when it has moved: several portal instances, or
//! a change made by hand, are seen at the next request.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use jiff::civil::{Date, Weekday};
use ribambelle_domain::{
    activity::{AbsenceBilling, PriceBracket, Schedule, parse_weekdays},
    booking::{BookingRules, Deadline, HolidayWindow},
    ids::ActivityId,
    money::Cents,
};
use sqlx::Row;

use crate::{
    Db, StoreError,
    bookings::{Activity, date, parse_time},
    parse_db_time,
};

/// The catalogue as of one version.
#[derive(Debug)]
pub(crate) struct Catalog {
    version: i64,
    /// By start time and name.
    activities: Vec<Activity>,
}

impl Catalog {
    pub(crate) fn activities(&self) -> impl Iterator<Item = &Activity> {
        self.activities.iter()
    }

    pub(crate) fn activity(&self, id: ActivityId) -> Option<&Activity> {
        self.activities.iter().find(|a| a.id == id)
    }
}

/// The last catalogue loaded by this process.
#[derive(Debug, Default)]
pub(crate) struct Cache(RwLock<Option<Arc<Catalog>>>);

impl Cache {
    fn get(&self) -> Option<Arc<Catalog>> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Keeps `loaded` unless a newer version was kept meanwhile.
    fn keep(&self, loaded: Arc<Catalog>) {
        let mut kept = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.as_ref().is_none_or(|k| k.version < loaded.version) {
            *kept = Some(loaded);
        }
    }
}

/// The catalogue as it is in the database now.
pub(crate) async fn current(db: &Db) -> Result<Arc<Catalog>, StoreError> {
    // The version is read before the rows, so that the rows are at least as new as the
    // version they are kept under.
    let version: i64 = sqlx::query_scalar("SELECT version FROM catalog_version")
        .fetch_one(db.reader())
        .await?;
    at_version(db, version).await
}

/// The catalogue as of `version`, just read from `catalog_version` (by `current`, or with
/// the rows of a query that needs the catalogue, to spare a round trip).
pub(crate) async fn at_version(db: &Db, version: i64) -> Result<Arc<Catalog>, StoreError> {
    if let Some(catalog) = db.catalog().get()
        && catalog.version == version
    {
        return Ok(catalog);
    }
    let loaded = Arc::new(Catalog {
        version,
        activities: load(db).await?,
    });
    db.catalog().keep(loaded.clone());
    Ok(loaded)
}

const ACTIVITY_COLUMNS: &str = "a.id, a.public_id, a.name, a.capacity, a.start_time, a.end_time, a.period_kind, a.weekdays, \
     a.deadline_weekday, a.deadline_time, a.deadline_weeks_before, a.horizon_days, a.absence_billing";
/// Empty values in the place of `ACTIVITY_COLUMNS`.
const NO_ACTIVITY: &str =
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL";

/// Every activity, by start time and name, with its windows, closures and prices.
async fn load(db: &Db) -> Result<Vec<Activity>, StoreError> {
    // The activities and their three lists in one result, each row filling the columns of
    // its kind (typed in the first SELECT: PostgreSQL matches the columns' types from left
    // to right). The activities come by start time and name, the lists' rows (whose start
    // time and name are empty) by position and day.
    let sql = format!(
        "SELECT 'activity' AS kind, a.id AS activity_id, {ACTIVITY_COLUMNS}, 0 AS position, CAST(NULL AS TEXT) AS day, \
           CAST(NULL AS TEXT) AS last_day, CAST(NULL AS TEXT) AS opens_at, CAST(NULL AS TEXT) AS closes_at, \
           CAST(NULL AS BIGINT) AS qf_max, CAST(NULL AS BIGINT) AS price_cents FROM activities a \
         UNION ALL SELECT 'window', activity_id, {NO_ACTIVITY}, id, first_day, last_day, opens_at, closes_at, NULL, NULL \
           FROM holiday_booking_windows \
         UNION ALL SELECT 'closure', activity_id, {NO_ACTIVITY}, 0, day, NULL, NULL, NULL, NULL, NULL FROM activity_closures \
         UNION ALL SELECT 'price', activity_id, {NO_ACTIVITY}, id, NULL, NULL, NULL, NULL, qf_max, price_cents FROM price_brackets \
         ORDER BY start_time, name, position, day"
    );
    let mut rows = Vec::new();
    let mut windows: HashMap<i64, Vec<HolidayWindow>> = HashMap::new();
    let mut closures: HashMap<i64, Vec<Date>> = HashMap::new();
    let mut prices: HashMap<i64, Vec<PriceBracket>> = HashMap::new();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.reader())
        .await?
    {
        let activity: i64 = r.get("activity_id");
        let day = |column: &str, name: &'static str| date(&r.get::<String, _>(column), name);
        match r.get::<String, _>("kind").as_str() {
            "activity" => {
                rows.push(r);
                continue;
            }
            "window" => windows.entry(activity).or_default().push(HolidayWindow {
                first_day: day("day", "holiday_booking_windows.first_day")?,
                last_day: day("last_day", "holiday_booking_windows.last_day")?,
                opens_at: parse_db_time(&r.get::<String, _>("opens_at"))?,
                closes_at: parse_db_time(&r.get::<String, _>("closes_at"))?,
            }),
            "closure" => closures
                .entry(activity)
                .or_default()
                .push(day("day", "activity_closures.day")?),
            _ => prices.entry(activity).or_default().push(PriceBracket {
                qf_max: r.get("qf_max"),
                price: Cents(r.get("price_cents")),
            }),
        }
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.get("id");
            activity_from(
                r,
                windows.remove(&id).unwrap_or_default(),
                closures.remove(&id).unwrap_or_default(),
                prices.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

fn activity_from(
    r: &sqlx::any::AnyRow,
    holiday_windows: Vec<HolidayWindow>,
    closures: Vec<Date>,
    prices: Vec<PriceBracket>,
) -> Result<Activity, StoreError> {
    Ok(Activity {
        id: r.get("id"),
        public_id: r.get("public_id"),
        name: r.get("name"),
        capacity: r.get("capacity"),
        start_time: parse_time(&r.get::<String, _>("start_time"))?,
        end_time: parse_time(&r.get::<String, _>("end_time"))?,
        rules: BookingRules {
            schedule: Schedule {
                period_kind: r
                    .get::<String, _>("period_kind")
                    .parse()
                    .map_err(|e| StoreError::corrupt("activities.period_kind", e))?,
                weekdays: parse_weekdays(&r.get::<String, _>("weekdays"))
                    .map_err(|e| StoreError::corrupt("activities.weekdays", e))?,
            },
            deadline: Deadline {
                weekday: i8::try_from(r.get::<i64, _>("deadline_weekday"))
                    .ok()
                    .and_then(|n| Weekday::from_monday_one_offset(n).ok())
                    .ok_or_else(|| {
                        StoreError::corrupt("activities.deadline_weekday", "out of 1..=7")
                    })?,
                time: parse_time(&r.get::<String, _>("deadline_time"))?,
                weeks_before: r.get("deadline_weeks_before"),
            },
            horizon_days: r.get("horizon_days"),
            holiday_windows,
            closures,
        },
        prices,
        absence: absence_billing(r)?,
    })
}

/// An activity row's `absence_billing`, read once for every reader of activities.
pub(crate) fn absence_billing(r: &sqlx::any::AnyRow) -> Result<AbsenceBilling, StoreError> {
    r.get::<String, _>("absence_billing")
        .parse()
        .map_err(|e| StoreError::corrupt("activities.absence_billing", e))
}
