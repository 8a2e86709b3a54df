//! What every reservation page starts from: the family's children at the structure, the
//! child and activity asked for (someone else's is a page that does not exist), and
//! whether the family may book at all.

use jiff::{Timestamp, civil::Date};
use ribambelle_domain::{
    booking::{Block, Standing},
    calendar::SchoolCalendar,
};
use ribambelle_store::{
    bookings::{self, Activity, Child},
    drafts,
};
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
    pub children: Vec<Child>,
    pub child: Option<Child>,
    pub activities: Vec<Activity>,
    pub activity: Option<Activity>,
    pub calendar: SchoolCalendar,
    pub block: Option<Block>,
    pub now: Timestamp,
}

impl Context {
    pub async fn load(
        state: &AppState,
        family: &Family,
        selection: &Selection,
    ) -> Result<Context, AppError> {
        let structure = family.structure.id;
        let children = bookings::children(&state.db, family.account.id, structure).await?;
        let child = match selection.enfant.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => Some(
                children
                    .iter()
                    .find(|c| c.public_id == id)
                    .cloned()
                    .ok_or(AppError::NotFound)?,
            ),
            None if children.len() == 1 => children.first().cloned(),
            None => None,
        };
        let activities = match &child {
            Some(c) => bookings::child_activities(&state.db, c.id, structure).await?,
            None => Vec::new(),
        };
        let activity = match selection.activite.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => Some(
                activities
                    .iter()
                    .find(|a| a.public_id == id)
                    .cloned()
                    .ok_or(AppError::NotFound)?,
            ),
            None => None,
        };
        Ok(Context {
            children,
            child,
            activities,
            activity,
            calendar: family.structure.school_calendar()?,
            block: drafts::block(&state.db, family.account.id, structure).await?,
            now: state.clock.now(),
        })
    }

    /// Where the family and the selected child stand (no child: nothing may change).
    pub fn standing(&self) -> Standing {
        Standing {
            block: self.block,
            reglement_signed: self.child.as_ref().is_some_and(|c| c.reglement_signed),
        }
    }

    /// The query string that brings back this child, activity and month.
    pub fn query(&self, month: Option<Date>) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.child {
            parts.push(format!("enfant={}", c.public_id));
        }
        if let Some(a) = &self.activity {
            parts.push(format!("activite={}", a.public_id));
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
