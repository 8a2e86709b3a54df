//! Families (R-BO-3): the search, the family's page (account, children and registrations,
//! balances, coming reservations, dossier), creation and edits, initial passwords with their
//! letter or mail, and the CSV import. Only the structures of the staff member's scope exist
//! here: a family known elsewhere only is answered 404.

mod edit;
mod import;
mod password;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Html,
    routing::{get, post},
};
use ribambelle_domain::{booking::ReservationState, dossier::FicheState, money::Cents};
use ribambelle_usecases::{
    families::{self, AtStructure, Family, FamilyHit, FicheLine, Found},
    payments::WalletLine,
};
use serde::Deserialize;

use crate::{
    Access, AppState,
    error::AppError,
    layout::{Gestion, Layout},
    routes::Route,
    session::Staff,
};

use super::Scope;

pub(crate) fn routes() -> Vec<Route> {
    use Access::Staff as StaffOnly;
    vec![
        (StaffOnly, "/gestion/familles", get(search)),
        (
            StaffOnly,
            "/gestion/familles/nouvelle",
            get(edit::new_page).post(edit::create),
        ),
        (
            StaffOnly,
            "/gestion/familles/import",
            get(import::page).post(import::submit),
        ),
        (
            StaffOnly,
            "/gestion/familles/import/courriers",
            post(import::letters),
        ),
        (StaffOnly, "/gestion/familles/{famille}", get(page)),
        (
            StaffOnly,
            "/gestion/familles/{famille}/modifier",
            get(edit::edit_page).post(edit::update),
        ),
        (
            StaffOnly,
            "/gestion/familles/{famille}/enfants/{enfant}",
            get(edit::child_page).post(edit::child_save),
        ),
        (
            StaffOnly,
            "/gestion/familles/{famille}/mot-de-passe",
            post(password::issue),
        ),
        (
            StaffOnly,
            "/gestion/familles/{famille}/courrier",
            post(password::letter),
        ),
    ]
}

/// The most families a search lists; more are found by narrowing it.
const LISTED: i64 = 100;

/// The family with this public id within the scope, or 404.
async fn family_of(state: &AppState, scope: &Scope, public_id: &str) -> Result<Family, AppError> {
    families::family(&state.db, &scope.structure_ids(), public_id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn layout(
    state: &AppState,
    staff: &Staff,
    title: impl Into<String>,
    return_to: &str,
) -> Result<Layout, AppError> {
    super::layout(state, staff, Gestion::Familles, title, return_to).await
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

struct HitRow {
    hit: FamilyHit,
    /// « Mairie de CarteVille : −12,00 € » per structure.
    balances: Vec<String>,
}

#[derive(Template)]
#[template(path = "gestion/familles/recherche.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    rows: Vec<HitRow>,
    more: bool,
}

pub(crate) async fn search(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let q: String = query.q.trim().chars().take(100).collect();
    let (found, more) = families::search(&state.db, &scope.structure_ids(), &q, LISTED).await?;
    let rows = found
        .into_iter()
        .map(|Found { hit, balances }| HitRow {
            hit,
            balances: balances
                .into_iter()
                .map(|(name, balance)| format!("{name} : {}", balance.to_french()))
                .collect(),
        })
        .collect();
    let page = SearchPage {
        layout: layout(&state, &staff, "Familles", "/gestion/familles").await?,
        q,
        rows,
        more,
    };
    Ok(Html(page.render()?))
}

/// A structure's porte-monnaies with their balances.
struct StructureBalance {
    structure: String,
    lines: Vec<WalletLine>,
    total: Cents,
}

/// A coming reservation.
struct Coming {
    day: String,
    child: String,
    activity: String,
    structure: String,
    state: &'static str,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    /// What was just done, for the notice: `creee`, `modifiee`, `enfant`, `envoye`.
    #[serde(default)]
    fait: String,
}

#[derive(Template)]
#[template(path = "gestion/familles/famille.html")]
struct FamilyPage {
    layout: Layout,
    family: Family,
    csrf: String,
    balances: Vec<StructureBalance>,
    coming: Vec<Coming>,
    fiches: Vec<FicheLine>,
    notice: Option<&'static str>,
    /// The password could not be mailed: the family has no address.
    mail_error: Option<&'static str>,
}

impl FamilyPage {
    fn solde(&self, amount: &Cents) -> String {
        amount.to_french()
    }

    fn transmitted(&self, fiche: &FicheLine) -> bool {
        fiche.state == FicheState::Transmise
    }

    fn fiche_state_ok(&self, fiche: &FicheLine) -> bool {
        matches!(fiche.state, FicheState::Validee | FicheState::Transmise)
    }

    fn registrations(&self, child: &families::Child) -> String {
        if child.activities.is_empty() {
            "Aucune".to_owned()
        } else {
            child
                .activities
                .iter()
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    fn access(&self) -> &'static str {
        match (self.family.has_password, self.family.must_change_password) {
            (false, _) => {
                "Aucun mot de passe n'a encore été généré : la famille ne peut pas se connecter."
            }
            (true, true) => {
                "Mot de passe initial : la famille choisira le sien à sa prochaine connexion."
            }
            (true, false) => "La famille a choisi son mot de passe personnel.",
        }
    }
}

/// Coming reservations shown per structure; the family's « Suivi » has them all.
const COMING_SHOWN: usize = 20;

async fn render_page(
    state: &AppState,
    staff: &Staff,
    family: Family,
    notice: Option<&'static str>,
    mail_error: Option<&'static str>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(state, staff).await?;
    let today = state.clock.today();
    let (structures, fiches) =
        families::overview(&state.db, &scope.structure_ids(), &family, today).await?;
    let mut balances = Vec::new();
    let mut coming = Vec::new();
    for AtStructure {
        structure,
        balance,
        coming: days,
    } in structures
    {
        coming.extend(
            days.into_iter()
                .filter(|d| d.state != ReservationState::Annulee)
                .take(COMING_SHOWN)
                .map(|d| Coming {
                    day: d.day.strftime("%d/%m/%Y").to_string(),
                    child: d.child_first_name,
                    activity: d.activity_name,
                    structure: structure.clone(),
                    state: d.state.label(),
                }),
        );
        balances.push(StructureBalance {
            total: balance.iter().map(|l| l.solde).sum(),
            structure,
            lines: balance,
        });
    }
    let title = format!("Famille {}", family.name());
    let page = FamilyPage {
        layout: layout(
            state,
            staff,
            title,
            &format!("/gestion/familles/{}", family.public_id),
        )
        .await?,
        family,
        csrf: staff.session.csrf_token.clone(),
        balances,
        coming,
        fiches,
        notice,
        mail_error,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let family = family_of(&state, &scope, &id).await?;
    let notice = match query.fait.as_str() {
        "creee" => Some(
            "La famille est créée. Ajoutez ses enfants, puis générez son mot de passe initial.",
        ),
        "modifiee" => Some("Les modifications de la famille sont enregistrées."),
        "enfant" => Some("L'enfant et ses inscriptions sont enregistrés."),
        "envoye" => Some(
            "Le mot de passe initial est envoyé par mail à la famille. L'ancien mot de passe ne fonctionne plus.",
        ),
        _ => None,
    };
    render_page(&state, &staff, family, notice, None).await
}
