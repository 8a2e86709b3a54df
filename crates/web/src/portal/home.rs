//! « Accueil » with the structure's announcements and the reminders of what is left to do.

use askama::Template;
use axum::{extract::State, response::Html};
use ribambelle_domain::french;
use ribambelle_usecases::home::{self, Announcement, Home};

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

#[derive(Template)]
#[template(path = "portal/accueil.html")]
struct HomePage {
    layout: Layout,
    announcements: Vec<Announcement>,
    reminders: Vec<String>,
}

pub(crate) async fn home(
    State(state): State<AppState>,
    family: Family,
) -> Result<Html<String>, AppError> {
    let today = state.clock.today();
    let Home {
        announcements,
        unsigned,
    } = home::home(&state.db, family.id(), family.structure_id(), today).await?;
    let reminders = unsigned
        .iter()
        .map(|name| format!("Le règlement intérieur {} reste à signer : {name} ne peut pas encore être inscrit aux activités.", french::of(name)))
        .collect();
    let shell = Shell::family(&state, &family, Section::Accueil, "/accueil").await?;
    let page = HomePage {
        layout: Layout::new("Accueil", Some(family.structure.clone())).with_shell(shell),
        announcements,
        reminders,
    };
    Ok(Html(page.render()?))
}
