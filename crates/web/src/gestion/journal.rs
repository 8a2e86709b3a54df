//! « Journal » (R-BO-8): the audit trail of the structures in scope — every staff change
//! with its author, and every reading of health data — by family or by staff member.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Html,
};
use ribambelle_usecases::journal::{self, Entry, Filter};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    layout::{Gestion, Layout, format_instant},
    routes::Route,
    session::Staff,
};

use super::{Scope, layout};

pub(crate) fn routes() -> Vec<Route> {
    use axum::routing::get;
    vec![(crate::Access::Staff, "/gestion/journal", get(page))]
}

/// The most recent entries shown; older ones are found by narrowing the search.
const SHOWN: i64 = 500;

#[derive(Deserialize, Default)]
pub(crate) struct JournalQuery {
    /// The family's identifiant.
    #[serde(default)]
    famille: String,
    /// The staff member's login.
    #[serde(default)]
    personnel: String,
}

#[derive(Template)]
#[template(path = "gestion/journal.html")]
struct JournalPage {
    layout: Layout,
    famille: String,
    personnel: String,
    /// A search term that matched nobody, said in words.
    unknown: Option<String>,
    entries: Vec<Entry>,
}

impl JournalPage {
    fn when(&self, entry: &Entry) -> String {
        format_instant(entry.at)
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<JournalQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let famille = query.famille.trim().chars().take(100).collect::<String>();
    let personnel = query.personnel.trim().chars().take(100).collect::<String>();
    let mut filter = Filter::default();
    let mut unknown = None;
    if !famille.is_empty() {
        match journal::family_named(&state.db, &famille).await? {
            Some(id) => filter.family_id = Some(id),
            None => unknown = Some(format!("Aucune famille n'a l'identifiant « {famille} ».")),
        }
    }
    if !personnel.is_empty() {
        match journal::staff_named(&state.db, &personnel).await? {
            Some(id) => filter.staff_id = Some(id),
            None => {
                unknown = Some(format!(
                    "Aucun membre du personnel n'a l'identifiant « {personnel} »."
                ))
            }
        }
    }
    let entries = if unknown.is_some() {
        Vec::new()
    } else {
        journal::search(&state.db, &scope.structure_ids(), &filter, SHOWN).await?
    };
    let page = JournalPage {
        layout: layout(
            &state,
            &staff,
            Gestion::Journal,
            "Journal des modifications",
            "/gestion/journal",
        )
        .await?,
        famille,
        personnel,
        unknown,
        entries,
    };
    Ok(Html(page.render()?))
}
