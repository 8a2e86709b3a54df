//! « Suivi des réservations »: every reservation with its state and amount.

use askama::Template;
use axum::{extract::State, response::Html};
use ribambelle_domain::french;
use ribambelle_usecases::reservations;

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

pub(crate) struct Row {
    pub day: String,
    pub child: String,
    pub activity: String,
    pub state: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "reservations/suivi.html")]
struct FollowPage {
    layout: Layout,
    rows: Vec<Row>,
    /// (public id, first name) of each child, for the calendar feeds.
    children: Vec<(String, String)>,
}

/// From today on, the coming days first; what was consumed is in « Historique ».
pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
) -> Result<Html<String>, AppError> {
    let from = state.clock.today();
    let (rows, children) = reservations::follow_up(&state.db, &family.booker()?, from).await?;
    let rows = rows
        .into_iter()
        .map(|f| Row {
            day: french::long_date(f.day),
            child: f.child_first_name,
            activity: f.activity_name,
            state: match f.rank {
                Some(rank) => format!("{} ({})", f.state.label(), french::rank(rank)),
                None => f.state.label().to_owned(),
            },
            amount: if f.state.is_billed() {
                f.amount.to_french()
            } else {
                "—".to_owned()
            },
        })
        .collect();
    let shell = Shell::family(
        &state,
        &family,
        Section::Reservations,
        "/reservations/suivi",
    )
    .await?;
    let children = children
        .into_iter()
        .map(|c| (c.public_id, c.first_name))
        .collect();
    let page = FollowPage {
        layout: Layout::new("Suivi des réservations", Some(family.structure.clone()))
            .with_shell(shell),
        rows,
        children,
    };
    Ok(Html(page.render()?))
}
