//! « Accueil » with the structure's announcements and the reminders of what is left to do.

use askama::Template;
use axum::{extract::State, response::Html};
use ribambelle_store::{
    legal,
    portal::{self, Announcement},
};

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
    let announcements = portal::announcements(&state.db, family.structure.id, today).await?;
    let mut unsigned: Vec<String> = Vec::new();
    for item in legal::reglements(&state.db, family.account.id).await? {
        if item.signature.is_none() && !unsigned.contains(&item.child_first_name) {
            unsigned.push(item.child_first_name);
        }
    }
    let reminders = unsigned
        .iter()
        .map(|name| format!("Le règlement intérieur de {name} reste à signer : {name} ne peut pas encore être inscrit aux activités."))
        .collect();
    let shell = Shell::family(&state, &family, Section::Accueil, "/accueil").await?;
    let page = HomePage {
        layout: Layout::new("Accueil", Some(family.structure.clone())).with_shell(shell),
        announcements,
        reminders,
    };
    Ok(Html(page.render()?))
}
