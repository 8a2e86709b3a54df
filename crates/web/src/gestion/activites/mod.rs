//! Structures and activities (R-BO-2): the list of each structure's activities, a
//! structure's settings and régie, and an activity's form — porte-monnaie, prices per
//! quotient familial, schedule, hours, capacity, deadline, holiday booking windows — with
//! its closures. Every change goes through `ribambelle_usecases::catalog`, audited.

mod activity;
mod structure;

use askama::Template;
use axum::{
    extract::State,
    response::Html,
    routing::{get, post},
};
use jiff::civil::Time;
use ribambelle_domain::activity::{PeriodKind, capacity_text, prices_text, weekdays_text};
use ribambelle_usecases::{
    catalog::{self, ActivityLine},
    structures::StructureSummary,
};

use crate::{
    Access, AppState,
    error::AppError,
    gestion::{Scope, layout},
    layout::{Gestion, Layout},
    routes::Route,
    session::Staff,
};

pub(crate) fn routes() -> Vec<Route> {
    vec![
        (Access::Staff, "/gestion/activites", get(list)),
        (
            Access::Staff,
            "/gestion/activites/{activite}",
            get(activity::edit_page).post(activity::save),
        ),
        (
            Access::Staff,
            "/gestion/activites/{activite}/fermetures",
            post(activity::closures),
        ),
        (
            Access::Staff,
            "/gestion/structures/{structure}",
            get(structure::page).post(structure::save),
        ),
        (
            Access::Staff,
            "/gestion/structures/{structure}/regie",
            post(structure::save_regie),
        ),
        (
            Access::Staff,
            "/gestion/structures/{structure}/activites/nouvelle",
            get(activity::new_page).post(activity::create),
        ),
    ]
}

/// The structure of this slug, if the staff member works for it; 404 otherwise.
async fn structure_in_scope(
    state: &AppState,
    staff: &Staff,
    slug: &str,
) -> Result<StructureSummary, AppError> {
    let scope = Scope::of(state, staff).await?;
    scope
        .structures
        .into_iter()
        .find(|s| s.slug == slug)
        .ok_or(AppError::NotFound)
}

/// An hour as typed: « 07:30 » (the time field's value), « 7:30 », « 7h30 » or « 7h ».
fn parse_hour(text: &str) -> Option<Time> {
    let text = text.trim().to_lowercase();
    let (h, m) = text.split_once([':', 'h'])?;
    let hour: i8 = h.trim().parse().ok()?;
    let minute: i8 = if m.trim().is_empty() {
        0
    } else {
        m.trim().parse().ok()?
    };
    Time::new(hour, minute, 0, 0).ok()
}

struct StructureActivities {
    structure: StructureSummary,
    activities: Vec<ActivityLine>,
}

#[derive(Template)]
#[template(path = "gestion/activites/liste.html")]
struct ListPage {
    layout: Layout,
    structures: Vec<StructureActivities>,
}

impl ListPage {
    fn schedule(&self, a: &ActivityLine) -> String {
        let period = match a.period_kind {
            PeriodKind::Scolaire => "périodes scolaires",
            PeriodKind::Vacances => "vacances",
        };
        format!(
            "{}, {} – {} ({period})",
            weekdays_text(&a.weekdays),
            catalog::hour(a.start_time),
            catalog::hour(a.end_time)
        )
    }

    fn capacity(&self, a: &ActivityLine) -> String {
        capacity_text(a.capacity)
    }

    fn prices(&self, a: &ActivityLine) -> String {
        prices_text(&a.prices)
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let mut structures = Vec::with_capacity(scope.structures.len());
    for structure in scope.structures {
        let activities = catalog::activities(&state.db, structure.id).await?;
        structures.push(StructureActivities {
            structure,
            activities,
        });
    }
    let page = ListPage {
        layout: layout(
            &state,
            &staff,
            Gestion::Activites,
            "Structures et activités",
            "/gestion/activites",
        )
        .await?,
        structures,
    };
    Ok(Html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_as_people_type_them() {
        assert_eq!(parse_hour("07:30"), Some(Time::constant(7, 30, 0, 0)));
        assert_eq!(parse_hour("7h30"), Some(Time::constant(7, 30, 0, 0)));
        assert_eq!(parse_hour("18h"), Some(Time::constant(18, 0, 0, 0)));
        assert_eq!(parse_hour("25:00"), None);
        assert_eq!(parse_hour("midi"), None);
        assert_eq!(parse_hour(""), None);
    }
}
