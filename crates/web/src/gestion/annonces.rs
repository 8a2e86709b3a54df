//! Announcements and the versioned texts (R-BO-5): a gestionnaire publishes, edits or
//! removes the announcements families read on « Accueil », and publishes new versions of
//! the RGPD notice, the CGU and the règlement intérieur, which families then accept again.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use jiff::civil::Date;
use ribambelle_domain::{
    dossier::parse_french_date,
    ids::{AnnouncementId, StructureId},
};
use ribambelle_usecases::notices::{
    self, AnnouncementRow, CurrentText, NewAnnouncement, text_kind_label,
};
use serde::Deserialize;

use crate::{
    Access, AppState,
    error::AppError,
    forms::{Button, FormErrors, SignedForm, invalid},
    layout::{Gestion, Layout, format_instant},
    routes::Route,
    session::{Editor, Staff},
};

use super::{Scope, layout};

pub(crate) fn routes() -> Vec<Route> {
    vec![
        (Access::Staff, "/gestion/annonces", get(page).post(create)),
        (
            Access::Staff,
            "/gestion/annonces/{annonce}",
            get(edit_page).post(update),
        ),
        (
            Access::Staff,
            "/gestion/annonces/{annonce}/supprimer",
            post(delete),
        ),
        (
            Access::Staff,
            "/gestion/textes/{structure}/{texte}",
            get(text_page).post(publish),
        ),
    ]
}

/// What the announcement form holds, as typed.
#[derive(Default, Deserialize)]
pub(crate) struct AnnouncementForm {
    #[serde(default)]
    structure: String,
    #[serde(default)]
    titre: String,
    #[serde(default)]
    texte: String,
    #[serde(default)]
    debut: String,
    #[serde(default)]
    fin: String,
}

impl AnnouncementForm {
    fn from_row(row: &AnnouncementRow) -> AnnouncementForm {
        AnnouncementForm {
            structure: row.structure_id.to_string(),
            titre: row.title.clone(),
            texte: row.body.clone(),
            debut: row.display_from.strftime("%d/%m/%Y").to_string(),
            fin: row
                .display_until
                .map(|d| d.strftime("%d/%m/%Y").to_string())
                .unwrap_or_default(),
        }
    }

    /// The announcement, or the errors to show beside the fields.
    fn check(
        &self,
        scope: &Scope,
        errors: &mut FormErrors,
    ) -> Option<(StructureId, Date, Option<Date>)> {
        let structure = scope
            .structures
            .iter()
            .find(|s| s.id.to_string() == self.structure)
            .map(|s| s.id);
        if structure.is_none() {
            errors.add("structure", "Choisissez une de vos structures.");
        }
        errors.require("titre", &self.titre, "le titre de l'annonce", 120);
        errors.require_text("texte", &self.texte, "le texte de l'annonce", 4000);
        let from = parse_french_date(&self.debut);
        if from.is_none() {
            errors.add("debut", "Saisissez une date au format jj/mm/aaaa.");
        }
        let until = if self.fin.trim().is_empty() {
            Ok(None)
        } else {
            parse_french_date(&self.fin).map(Some).ok_or(())
        };
        match (from, until) {
            (_, Err(())) => errors.add("fin", "Saisissez une date au format jj/mm/aaaa, ou laissez vide pour ne pas fixer de fin."),
            (Some(from), Ok(Some(until))) if until < from => errors.add("fin", "La fin de l'affichage doit venir après son début."),
            _ => {}
        }
        match (structure, from, until, errors.is_empty()) {
            (Some(structure), Some(from), Ok(until), true) => Some((structure, from, until)),
            _ => None,
        }
    }

    fn announcement(
        &self,
        structure_id: StructureId,
        display_from: Date,
        display_until: Option<Date>,
    ) -> NewAnnouncement<'_> {
        NewAnnouncement {
            structure_id,
            title: self.titre.trim(),
            body: self.texte.trim(),
            display_from,
            display_until,
        }
    }
}

#[derive(Template)]
#[template(path = "gestion/annonces.html")]
struct AnnouncementsPage {
    layout: Layout,
    csrf: String,
    scope: Scope,
    announcements: Vec<AnnouncementRow>,
    texts: Vec<CurrentText>,
    form: AnnouncementForm,
    errors: FormErrors,
    /// The announcement being edited, if any (the form then updates it).
    editing: Option<AnnouncementRow>,
    notice: Option<&'static str>,
    today: Date,
}

impl AnnouncementsPage {
    fn period(&self, a: &AnnouncementRow) -> String {
        match a.display_until {
            Some(until) => format!(
                "du {} au {}",
                a.display_from.strftime("%d/%m/%Y"),
                until.strftime("%d/%m/%Y")
            ),
            None => format!("à partir du {}", a.display_from.strftime("%d/%m/%Y")),
        }
    }

    /// Its state in words, never by colour alone.
    fn state(&self, a: &AnnouncementRow) -> &'static str {
        if a.display_from > self.today {
            "À venir"
        } else if a.display_until.is_some_and(|until| until < self.today) {
            "Terminée"
        } else {
            "Affichée"
        }
    }

    fn kind(&self, t: &CurrentText) -> &'static str {
        text_kind_label(&t.kind).unwrap_or("Texte")
    }

    fn published(&self, t: &CurrentText) -> String {
        format_instant(t.published_at)
    }

    fn chosen(&self, id: &StructureId) -> bool {
        self.form.structure == id.to_string()
    }

    /// (name, label, value typed, hint) of the dates.
    fn date_fields(&self) -> Vec<(&'static str, &'static str, String, &'static str)> {
        vec![
            (
                "debut",
                "Affichée à partir du",
                self.form.debut.clone(),
                "Format : jj/mm/aaaa",
            ),
            (
                "fin",
                "Jusqu'au (facultatif)",
                self.form.fin.clone(),
                "Format : jj/mm/aaaa ; vide : sans date de fin",
            ),
        ]
    }
}

#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    fait: Option<String>,
}

fn notice(done: &Done) -> Option<&'static str> {
    match done.fait.as_deref() {
        Some("publiee") => Some(
            "L'annonce est publiée : les familles de la structure la voient sur leur page d'accueil pendant sa période d'affichage.",
        ),
        Some("modifiee") => Some("L'annonce est modifiée."),
        Some("supprimee") => Some("L'annonce est supprimée."),
        Some("texte") => Some(
            "La nouvelle version est publiée : les familles devront l'accepter à leur prochaine connexion.",
        ),
        _ => None,
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    form: AnnouncementForm,
    errors: FormErrors,
    editing: Option<AnnouncementRow>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let scope = Scope::of(state, staff).await?;
    let ids = scope.structure_ids();
    let path = editing.as_ref().map_or_else(
        || "/gestion/annonces".to_owned(),
        |a| format!("/gestion/annonces/{}", a.id),
    );
    let title = if editing.is_some() {
        "Modifier une annonce"
    } else {
        "Annonces et textes"
    };
    let page = AnnouncementsPage {
        layout: layout(state, staff, Gestion::Annonces, title, &path).await?,
        csrf: staff.session.csrf_token.clone(),
        announcements: notices::announcements(&state.db, &ids).await?,
        texts: notices::texts(&state.db, &ids).await?,
        scope,
        form,
        errors,
        editing,
        notice,
        today: state.clock.today(),
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    render(
        &state,
        &staff,
        AnnouncementForm::default(),
        FormErrors::default(),
        None,
        notice(&done),
    )
    .await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(form): SignedForm<AnnouncementForm>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let mut errors = FormErrors::default();
    let Some((structure, from, until)) = form.check(&scope, &mut errors) else {
        return Ok(invalid(
            render(&state, &staff, form, errors, None, None).await?,
        ));
    };
    notices::publish_announcement(
        &state.db,
        staff.id(),
        &form.announcement(structure, from, until),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to("/gestion/annonces?fait=publiee").into_response())
}

async fn find(state: &AppState, staff: &Staff, id: &str) -> Result<AnnouncementRow, AppError> {
    let id: AnnouncementId = id.parse().map_err(|_| AppError::NotFound)?;
    let scope = Scope::of(state, staff).await?;
    notices::announcement(&state.db, &scope.structure_ids(), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let row = find(&state, &staff, &id).await?;
    render(
        &state,
        &staff,
        AnnouncementForm::from_row(&row),
        FormErrors::default(),
        Some(row),
        None,
    )
    .await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
    SignedForm(mut form): SignedForm<AnnouncementForm>,
) -> Result<Response, AppError> {
    let row = find(&state, &staff, &id).await?;
    // An announcement stays with its structure.
    form.structure = row.structure_id.to_string();
    let scope = Scope::of(&state, &staff).await?;
    let mut errors = FormErrors::default();
    let Some((structure, from, until)) = form.check(&scope, &mut errors) else {
        return Ok(invalid(
            render(&state, &staff, form, errors, Some(row), None).await?,
        ));
    };
    notices::change_announcement(
        &state.db,
        staff.id(),
        &row,
        &form.announcement(structure, from, until),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to("/gestion/annonces?fait=modifiee").into_response())
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let row = find(&state, &staff, &id).await?;
    notices::withdraw_announcement(&state.db, staff.id(), &row, state.clock.now()).await?;
    Ok(Redirect::to("/gestion/annonces?fait=supprimee").into_response())
}

#[derive(Template)]
#[template(path = "gestion/texte.html")]
struct TextPage {
    layout: Layout,
    csrf: String,
    current: CurrentText,
    kind: &'static str,
    title: String,
    body: String,
    errors: FormErrors,
}

#[derive(Default, Deserialize)]
pub(crate) struct TextForm {
    #[serde(default)]
    titre: String,
    #[serde(default)]
    texte: String,
}

async fn current_text(
    state: &AppState,
    staff: &Staff,
    structure: &str,
    kind: &str,
) -> Result<(CurrentText, &'static str), AppError> {
    let scope = Scope::of(state, staff).await?;
    let label = text_kind_label(kind).ok_or(AppError::NotFound)?;
    let current = notices::texts(&state.db, &scope.structure_ids())
        .await?
        .into_iter()
        .find(|t| t.structure_id.to_string() == structure && t.kind == kind)
        .ok_or(AppError::NotFound)?;
    Ok((current, label))
}

async fn render_text(
    state: &AppState,
    staff: &Staff,
    current: CurrentText,
    kind: &'static str,
    form: TextForm,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let path = format!("/gestion/textes/{}/{}", current.structure_id, current.kind);
    let page = TextPage {
        layout: layout(
            state,
            staff,
            Gestion::Annonces,
            format!("{kind} — nouvelle version"),
            &path,
        )
        .await?,
        csrf: staff.session.csrf_token.clone(),
        kind,
        title: form.titre,
        body: form.texte,
        current,
        errors,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn text_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path((structure, kind)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (current, label) = current_text(&state, &staff, &structure, &kind).await?;
    let form = TextForm {
        titre: current.title.clone(),
        texte: current.body.clone(),
    };
    render_text(&state, &staff, current, label, form, FormErrors::default()).await
}

pub(crate) async fn publish(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path((structure, kind)): Path<(String, String)>,
    SignedForm(form): SignedForm<TextForm>,
) -> Result<Response, AppError> {
    let (current, label) = current_text(&state, &staff, &structure, &kind).await?;
    let mut errors = FormErrors::default();
    errors.require("titre", &form.titre, "le titre du texte", 200);
    errors.require_text("texte", &form.texte, "le texte", 100_000);
    if errors.is_empty()
        && form.titre.trim() == current.title
        && form.texte.trim() == current.body.trim()
    {
        errors.add("texte", "Le texte est identique à la version en vigueur : modifiez-le avant de publier une nouvelle version.");
    }
    if !errors.is_empty() {
        return Ok(invalid(
            render_text(&state, &staff, current, label, form, errors).await?,
        ));
    }
    notices::publish_text(
        &state.db,
        staff.id(),
        &current,
        (form.titre.trim(), form.texte.trim()),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to("/gestion/annonces?fait=texte").into_response())
}
