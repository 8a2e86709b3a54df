//! « Dossier Famille » (R-DOS): the campaign's fiches and their states, each fiche's form
//! with « Enregistrer en brouillon » and « Valider et transmettre la fiche », read-only once
//! transmitted, editable again with the gestionnaire's reason once refused.

pub(crate) mod contacts;
pub(crate) mod form;
pub(crate) mod pieces;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::{
    clock::paris_date,
    dossier::{self, FicheKind, FicheState, Intent, Values},
    french::{self, long_date},
};
use ribambelle_usecases::dossier::{Campaign, FamilyFile, Fiche, FicheSummary, Saved};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{SignedForm, invalid},
    layout::{Layout, Section, Shell},
    session::Family,
};
use form::{FieldView, views};

/// The fiches of one subject (the family, or one child).
pub(crate) struct Group {
    pub heading: String,
    pub fiches: Vec<FicheSummary>,
}

pub(crate) fn state_class(state: &FicheState) -> &'static str {
    match state {
        FicheState::Validee | FicheState::Transmise => "state-ok",
        FicheState::ACompleter | FicheState::Brouillon | FicheState::Refusee { .. } => "state-todo",
    }
}

/// A sign beside the state's words, so that the state never rests on colour alone.
pub(crate) fn state_sign(state: &FicheState) -> &'static str {
    match state {
        FicheState::Validee => "✓",
        FicheState::Transmise => "➜",
        FicheState::Refusee { .. } => "✗",
        FicheState::ACompleter | FicheState::Brouillon => "✎",
    }
}

#[derive(Template)]
#[template(path = "portal/dossier.html")]
struct DossierPage {
    layout: Layout,
    campaign: Option<Campaign>,
    groups: Vec<Group>,
    to_do: usize,
    notice: Option<String>,
}

impl DossierPage {
    fn class_of(&self, fiche: &FicheSummary) -> &'static str {
        state_class(&fiche.state)
    }

    fn sign_of(&self, fiche: &FicheSummary) -> &'static str {
        state_sign(&fiche.state)
    }

    fn closes(&self) -> String {
        self.campaign
            .as_ref()
            .map(|c| long_date(c.closes_on))
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub(crate) struct DossierQuery {
    /// The fiche just transmitted, for the confirmation message.
    #[serde(default)]
    transmise: Option<String>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<DossierQuery>,
) -> Result<Html<String>, AppError> {
    let now = state.clock.now();
    let (campaign, fiches) = state
        .family_file(&family)
        .fiches(family.structure_id(), now, paris_date(now))
        .await?;
    let to_do = fiches.iter().filter(|f| f.state.is_to_do()).count();
    let mut groups: Vec<Group> = Vec::new();
    for fiche in fiches {
        let heading = match &fiche.child {
            Some(child) => format!("Les fiches {}", french::of(child)),
            None => "Les fiches rattachées à la famille".to_owned(),
        };
        match groups.last_mut() {
            Some(group) if group.heading == heading => group.fiches.push(fiche),
            _ => groups.push(Group {
                heading,
                fiches: vec![fiche],
            }),
        }
    }
    let notice = query
        .transmise
        .as_deref()
        .and_then(FicheKind::from_code)
        .map(|kind| format!("La {} est transmise à votre gestionnaire. Vous recevrez un mail quand il l'aura validée ou refusée.", kind.title().to_lowercase()));
    let shell = Shell::family(&state, &family, Section::Dossier, "/dossier").await?;
    let page = DossierPage {
        layout: Layout::new("Dossier Famille", Some(family.structure.clone())).with_shell(shell),
        campaign,
        groups,
        to_do,
        notice,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "dossier/fiche.html")]
struct FichePage {
    layout: Layout,
    fiche: Fiche,
    title: String,
    editable: bool,
    fields: Vec<FieldView>,
    /// Read-only: (label, value).
    answers: Vec<(&'static str, String)>,
    csrf: String,
    notice: Option<&'static str>,
    error_count: usize,
    pieces: Vec<pieces::PieceView>,
}

/// What the top of a fiche page (`dossier/entete.html`) asks of its page.
pub(crate) trait FicheHeader {
    fn fiche(&self) -> &Fiche;

    fn state_class(&self) -> &'static str {
        state_class(&self.fiche().state)
    }

    fn state_sign(&self) -> &'static str {
        state_sign(&self.fiche().state)
    }

    fn refusal(&self) -> Option<&str> {
        match &self.fiche().state {
            FicheState::Refusee { reason } => Some(reason),
            _ => None,
        }
    }
}

impl FicheHeader for FichePage {
    fn fiche(&self) -> &Fiche {
        &self.fiche
    }
}

fn fiche_title(fiche: &Fiche) -> String {
    match &fiche.child {
        Some(child) => format!("{} — {child}", fiche.kind.title()),
        None => fiche.kind.title().to_owned(),
    }
}

async fn render_fiche(
    state: &AppState,
    family: &Family,
    fiche: Fiche,
    typed: Option<(&Values, &[dossier::FieldError])>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    render_fiche_with(state, family, fiche, typed, notice, None).await
}

/// The fiche page, with the refusal of a file next to its piece.
async fn render_fiche_with(
    state: &AppState,
    family: &Family,
    fiche: Fiche,
    typed: Option<(&Values, &[dossier::FieldError])>,
    notice: Option<&'static str>,
    refused: Option<pieces::Refusal>,
) -> Result<Response, AppError> {
    let editable = fiche.state.editable_by_family();
    let (values, errors) = typed.unwrap_or((&fiche.values, &[]));
    let fields = views(fiche.kind.fields(), values, errors);
    let answers = fiche
        .kind
        .fields()
        .iter()
        .map(|f| (f.label, form::shown(f, &fiche.values)))
        .collect();
    let title = fiche_title(&fiche);
    let shell = Shell::family(
        state,
        family,
        Section::Dossier,
        &format!("/dossier/fiches/{}", fiche.public_id),
    )
    .await?;
    let page = FichePage {
        layout: Layout::new(
            if errors.is_empty() {
                title.clone()
            } else {
                format!("Erreur — {title}")
            },
            Some(family.structure.clone()),
        )
        .with_shell(shell),
        pieces: pieces::views(state, &fiche, refused, pieces::Reader::Family).await?,
        fiche,
        title,
        editable,
        fields,
        answers,
        csrf: family.session.csrf_token.clone(),
        notice,
        error_count: errors.len(),
    };
    Ok(Html(page.render()?).into_response())
}

impl AppState {
    /// The signed-in family's dossier, as the use cases see it.
    pub(crate) fn family_file<'a>(&'a self, family: &Family) -> FamilyFile<'a> {
        FamilyFile {
            db: &self.db,
            files: &self.files,
            family: family.id(),
        }
    }
}

async fn own_fiche(state: &AppState, family: &Family, id: &str) -> Result<Fiche, AppError> {
    state
        .family_file(family)
        .fiche(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A change posted to a fiche transmitted meanwhile (another device).
const READ_ONLY: &str = "Cette fiche est déjà transmise : elle n'est plus modifiable.";

#[derive(Deserialize)]
pub(crate) struct FicheQuery {
    #[serde(default)]
    enregistree: Option<String>,
}

pub(crate) async fn fiche(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    Query(query): Query<FicheQuery>,
) -> Result<Response, AppError> {
    let fiche = own_fiche(&state, &family, &id).await?;
    let notice = query.enregistree.map(|_| "Fiche enregistrée en brouillon. Elle n'est pas transmise : pensez à revenir la valider et la transmettre.");
    if fiche.kind == FicheKind::Contacts {
        return contacts::render(
            &state,
            &family,
            fiche,
            contacts::Typed::default(),
            notice.map(str::to_owned),
        )
        .await
        .map(IntoResponse::into_response);
    }
    render_fiche(&state, &family, fiche, None, notice).await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    SignedForm(submitted): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        submitted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let intent = match field("action") {
        "brouillon" => Intent::Draft,
        "transmettre" => Intent::Transmit,
        _ => return Err(AppError::BadRequest),
    };
    let fiche = own_fiche(&state, &family, &id).await?;
    let typed: Values = fiche
        .kind
        .fields()
        .iter()
        .map(|f| (f.name.to_owned(), field(f.name).to_owned()))
        .collect();
    match state
        .family_file(&family)
        .save(&fiche, &typed, intent, state.clock.now())
        .await?
    {
        Saved::Saved => {}
        Saved::Invalid(errors) => {
            return Ok(invalid(
                render_fiche(&state, &family, fiche, Some((&typed, &errors)), None)
                    .await?
                    .into_response(),
            ));
        }
        Saved::ReadOnly => {
            // Transmitted meanwhile (another device): the read-only fiche says so.
            let fiche = own_fiche(&state, &family, &id).await?;
            return Ok(invalid(
                render_fiche(&state, &family, fiche, None, Some(READ_ONLY))
                    .await?
                    .into_response(),
            ));
        }
    }
    Ok(match intent {
        Intent::Draft => Redirect::to(&format!("/dossier/fiches/{id}?enregistree=1")),
        Intent::Transmit => Redirect::to(&format!("/dossier?transmise={}", fiche.kind.code())),
    }
    .into_response())
}
