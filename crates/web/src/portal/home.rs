//! « Accueil », the family's dashboard: what is waiting for it (each with the way to do it),
//! each child's next days, then the structure's announcements.

use askama::Template;
use axum::{extract::State, response::Html};
use ribambelle_domain::{
    dossier::{FicheKind, FicheState},
    french,
};
use ribambelle_usecases::home::{self, Announcement, FicheSummary, FollowUp, Home, Invoice};

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
    home: Home,
    reminders: Vec<String>,
    today: jiff::civil::Date,
}

impl HomePage {
    /// « Fiche sanitaire d'Amalia », « Fiche « Autres responsables » ».
    fn fiche_name(&self, fiche: &FicheSummary) -> String {
        let title = match fiche.kind {
            FicheKind::AutresResponsables => format!("Fiche « {} »", fiche.kind.title()),
            _ => fiche.kind.title().to_owned(),
        };
        match &fiche.child {
            Some(child) => format!("{title} {}", french::of(child)),
            None => title,
        }
    }

    fn refusal<'a>(&self, fiche: &'a FicheSummary) -> Option<&'a str> {
        match &fiche.state {
            FicheState::Refusee { reason } => Some(reason),
            _ => None,
        }
    }

    fn late(&self, invoice: &Invoice) -> bool {
        invoice.due_on < self.today
    }

    fn day(&self, line: &FollowUp) -> String {
        french::short_day(line.day)
    }

    fn long_day(&self, line: &FollowUp) -> String {
        french::long_date(line.day)
    }

    fn state(&self, line: &FollowUp) -> String {
        line.state.label_with_rank(line.rank)
    }

    fn announcements(&self) -> &[Announcement] {
        &self.home.announcements
    }
}

pub(crate) async fn home(
    State(state): State<AppState>,
    family: Family,
) -> Result<Html<String>, AppError> {
    let (now, today) = (state.clock.now(), state.clock.today());
    let home = home::home(&state.db, family.id(), family.structure_id(), now, today).await?;
    let reminders = home
        .unsigned
        .iter()
        .map(|name| format!("Le règlement intérieur {} reste à signer : {name} ne peut pas encore être inscrit aux activités.", french::of(name)))
        .collect();
    let shell = Shell::family(&state, &family, Section::Accueil, "/accueil").await?;
    let page = HomePage {
        layout: Layout::new("Accueil", Some(family.structure.clone())).with_shell(shell),
        home,
        reminders,
        today,
    };
    Ok(Html(page.render()?))
}
