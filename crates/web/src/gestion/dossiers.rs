//! The gestionnaire's side of the dossier famille (R-DOS-2): the transmitted fiches of
//! their structures, oldest first; a fiche with « Valider » or « Refuser » and a reason.
//! Each reading of a fiche sanitaire is logged (RGPD art. 9).

use askama::Template;
use axum::{
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::dossier::FicheState;
use ribambelle_usecases::dossier::{
    Fiche,
    office::{self, Decision, Waiting},
};
use serde::Deserialize;

use crate::{
    AppState,
    dossier::{
        form::shown,
        pieces::{self, PieceView, Reader},
    },
    error::AppError,
    forms::{SignedForm, invalid},
    layout::{Layout, format_instant},
    session::{Editor, Staff},
};

#[derive(Template)]
#[template(path = "gestion/dossiers.html")]
struct QueuePage {
    layout: Layout,
    waiting: Vec<Waiting>,
}

impl QueuePage {
    fn when(&self, w: &Waiting) -> String {
        w.transmitted_at
            .parse()
            .map(format_instant)
            .unwrap_or_default()
    }
}

pub(crate) async fn queue(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, AppError> {
    let waiting = office::waiting(
        &state.db,
        &super::Scope::of(&state, &staff).await?.structure_ids(),
    )
    .await?;
    let layout = super::layout(
        &state,
        &staff,
        crate::layout::Gestion::Dossiers,
        "Fiches à valider",
        "/gestion/dossiers",
    )
    .await?;
    Ok(Html(QueuePage { layout, waiting }.render()?))
}

#[derive(Template)]
#[template(path = "gestion/fiche.html")]
struct FichePage {
    layout: Layout,
    fiche: Fiche,
    answers: Vec<(&'static str, String)>,
    csrf: String,
    reason: String,
    error: Option<&'static str>,
    pieces: Vec<PieceView>,
}

impl FichePage {
    fn awaiting(&self) -> bool {
        self.fiche.state == FicheState::Transmise
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    fiche: Fiche,
    reason: String,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let title = match &fiche.child {
        Some(child) => format!("{} — {child} ({})", fiche.kind.title(), fiche.family_name),
        None => format!("{} — {}", fiche.kind.title(), fiche.family_name),
    };
    let layout = super::layout(
        state,
        staff,
        crate::layout::Gestion::Dossiers,
        title,
        &format!("/gestion/dossiers/{}", fiche.public_id),
    )
    .await?;
    let answers = fiche
        .kind
        .fields()
        .iter()
        .map(|f| (f.label, shown(f, &fiche.values)))
        .collect();
    let pieces = pieces::views(state, &fiche, None, Reader::Staff).await?;
    let page = FichePage {
        layout,
        fiche,
        answers,
        csrf: staff.session.csrf_token.clone(),
        reason,
        error,
        pieces,
    };
    Ok(Html(page.render()?).into_response())
}

async fn fiche_of(state: &AppState, staff: &Staff, id: &str) -> Result<Fiche, AppError> {
    let scope = super::Scope::of(state, staff).await?;
    office::fiche(
        &state.db,
        staff.id(),
        &scope.structure_ids(),
        id,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub(crate) async fn fiche(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let fiche = fiche_of(&state, &staff, &id).await?;
    render(&state, &staff, fiche, String::new(), None).await
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    motif: String,
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
    SignedForm(form): SignedForm<DecisionForm>,
) -> Result<Response, AppError> {
    let fiche = fiche_of(&state, &staff, &id).await?;
    let reason = form.motif.trim().to_owned();
    let decision = match form.decision.as_str() {
        "valider" => Decision::Validate,
        "refuser" if reason.is_empty() => {
            let page = render(
                &state,
                &staff,
                fiche,
                reason,
                Some("Saisissez le motif du refus : la famille le lira pour corriger sa fiche."),
            )
            .await?;
            return Ok(invalid(page.into_response()));
        }
        "refuser" if reason.chars().count() > 1000 => {
            let page = render(
                &state,
                &staff,
                fiche,
                reason,
                Some("Le motif est limité à 1000 caractères."),
            )
            .await?;
            return Ok(invalid(page.into_response()));
        }
        "refuser" => Decision::Refuse { reason },
        _ => return Err(AppError::BadRequest),
    };
    if !office::decide(&state.db, staff.id(), &fiche, &decision, state.clock.now()).await? {
        let page = render(
            &state,
            &staff,
            fiche,
            String::new(),
            Some("Cette fiche n'attend plus de décision : elle a déjà été traitée."),
        )
        .await?;
        return Ok(invalid(page.into_response()));
    }
    Ok(Redirect::to("/gestion/dossiers").into_response())
}
