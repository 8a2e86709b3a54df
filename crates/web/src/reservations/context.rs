//! What every reservation page starts from: the family's children at the structure, the
//! child and activity asked for (someone else's is a page that does not exist), and
//! whether the family may book at all.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::clock::paris_date;
use ribambelle_usecases::reservations::{self, Booker, Selected};
use serde::Deserialize;

use crate::{AppState, error::AppError, session::Family};

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Selection {
    #[serde(default)]
    pub enfant: Option<String>,
    #[serde(default)]
    pub activite: Option<String>,
    /// « 2027-05 »
    #[serde(default)]
    pub mois: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub info: Option<String>,
}

pub(crate) struct Context {
    pub booker: Booker,
    pub selected: Selected,
    pub now: Timestamp,
}

impl Context {
    /// The selection of the request; someone else's child or activity is a page that
    /// does not exist.
    pub async fn load(
        state: &AppState,
        family: &Family,
        selection: &Selection,
    ) -> Result<Context, AppError> {
        let booker = family.booker()?;
        // One reading of the clock: the day the débiteur rule reads and the moment the
        // days' deadlines are checked at never fall either side of midnight.
        let now = state.clock.now();
        let selected = reservations::select(
            &state.db,
            &booker,
            selection.enfant.as_deref(),
            selection.activite.as_deref(),
            paris_date(now),
        )
        .await?
        .ok_or(AppError::NotFound)?;
        Ok(Context {
            booker,
            selected,
            now,
        })
    }

    /// The query string that brings back this child, activity and month.
    pub fn query(&self, month: Option<Date>) -> String {
        calendar_query(
            self.selected.child.as_ref().map(|c| c.public_id.as_str()),
            self.selected
                .activity
                .as_ref()
                .map(|a| a.public_id.as_str()),
            month,
        )
    }
}

/// « ?enfant=…&activite=…&mois=… », what is given of it.
pub(crate) fn calendar_query(
    child: Option<&str>,
    activity: Option<&str>,
    month: Option<Date>,
) -> String {
    let mut parts = Vec::new();
    if let Some(c) = child {
        parts.push(format!("enfant={c}"));
    }
    if let Some(a) = activity {
        parts.push(format!("activite={a}"));
    }
    if let Some(m) = month {
        parts.push(format!("mois={}", m.strftime("%Y-%m")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Years a family may look at or ask for: far enough on both sides for any real use, and
/// far from the calendar's ends so that date arithmetic on them cannot overflow.
const YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

/// « 2027-05 » → the first of that month; anything else → None.
pub(crate) fn parse_month(text: &str) -> Option<Date> {
    let (year, month) = text.split_once('-')?;
    let date = Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
    YEARS.contains(&date.year()).then_some(date)
}

/// « 2027-05-15 » from a form or a link; anything else (or out of range) is a bad request.
pub(crate) fn parse_day(text: &str) -> Result<Date, AppError> {
    text.trim()
        .parse::<Date>()
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or(AppError::BadRequest)
}
