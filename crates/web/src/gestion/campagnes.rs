//! The yearly dossier campaigns (R-DOS-1): a gestionnaire opens one for a structure with its
//! dates; while it is open, the structure's families review and transmit their fiches.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::ids::StructureId;
use ribambelle_domain::{dossier::parse_french_date, french::long_date};
use ribambelle_usecases::dossier::office::{self, CampaignRow};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::Layout,
    session::{Editor, Staff},
};

#[derive(Template)]
#[template(path = "gestion/campagnes.html")]
struct CampaignsPage {
    layout: Layout,
    campaigns: Vec<CampaignRow>,
    structures: Vec<(StructureId, String)>,
    csrf: String,
    form: CampaignForm,
    errors: FormErrors,
    notice: bool,
}

impl CampaignsPage {
    fn dates(&self, row: &CampaignRow) -> String {
        format!(
            "du {} au {}",
            long_date(row.campaign.opens_on),
            long_date(row.campaign.closes_on)
        )
    }

    /// (name, label, value typed, hint) of the form's text fields.
    fn text_fields(&self) -> Vec<(&'static str, &'static str, String, &'static str)> {
        vec![
            (
                "libelle",
                "Libellé",
                self.form.libelle.clone(),
                "Par exemple : Dossier famille 2027-2028",
            ),
            (
                "ouverture",
                "Ouverture",
                self.form.ouverture.clone(),
                "Format : jj/mm/aaaa",
            ),
            (
                "cloture",
                "Clôture",
                self.form.cloture.clone(),
                "Format : jj/mm/aaaa",
            ),
        ]
    }

    fn chosen(&self, id: &StructureId) -> bool {
        self.form.structure == id.to_string()
    }
}

#[derive(Default, Deserialize)]
pub(crate) struct CampaignForm {
    #[serde(default)]
    structure: String,
    #[serde(default)]
    libelle: String,
    #[serde(default)]
    ouverture: String,
    #[serde(default)]
    cloture: String,
}

#[derive(Deserialize)]
pub(crate) struct Opened {
    #[serde(default)]
    ouverte: Option<String>,
}

async fn render(
    state: &AppState,
    staff: &Staff,
    form: CampaignForm,
    errors: FormErrors,
    notice: bool,
) -> Result<Html<String>, AppError> {
    let scope = super::Scope::of(state, staff).await?;
    let page = CampaignsPage {
        layout: super::layout(
            state,
            staff,
            crate::layout::Gestion::Dossiers,
            "Campagnes du dossier famille",
            "/gestion/campagnes",
        )
        .await?,
        campaigns: office::campaigns(&state.db, &scope.structure_ids()).await?,
        structures: scope
            .structures
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
        csrf: staff.session.csrf_token.clone(),
        form,
        errors,
        notice,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(opened): Query<Opened>,
) -> Result<Html<String>, AppError> {
    render(
        &state,
        &staff,
        CampaignForm::default(),
        FormErrors::default(),
        opened.ouverte.is_some(),
    )
    .await
}

pub(crate) async fn open(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(form): SignedForm<CampaignForm>,
) -> Result<Response, AppError> {
    let scope = super::Scope::of(&state, &staff).await?;
    let mut errors = FormErrors::default();
    let structure = scope
        .structures
        .iter()
        .find(|s| s.id.to_string() == form.structure)
        .map(|s| s.id);
    if structure.is_none() {
        errors.add("structure", "Choisissez une de vos structures.");
    }
    errors.require("libelle", &form.libelle, "le libellé de la campagne", 100);
    let opens = parse_french_date(&form.ouverture);
    let closes = parse_french_date(&form.cloture);
    if opens.is_none() {
        errors.add("ouverture", "Saisissez une date au format jj/mm/aaaa.");
    }
    match (opens, closes) {
        (_, None) => errors.add("cloture", "Saisissez une date au format jj/mm/aaaa."),
        (Some(o), Some(c)) if c < o => {
            errors.add("cloture", "La clôture doit venir après l'ouverture.")
        }
        _ => {}
    }
    let (Some(structure), Some(opens), Some(closes), true) =
        (structure, opens, closes, errors.is_empty())
    else {
        return Ok(invalid(
            render(&state, &staff, form, errors, false)
                .await?
                .into_response(),
        ));
    };
    office::open_campaign(
        &state.db,
        staff.id(),
        structure,
        form.libelle.trim(),
        (opens, closes),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to("/gestion/campagnes?ouverte=1").into_response())
}
