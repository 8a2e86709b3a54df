//! The back office at `/gestion`: staff only, with its own login.

pub(crate) mod campagnes;
pub(crate) mod dossiers;

use askama::Template;
use axum::{
    extract::State,
    response::{Html, Response},
};
use axum_extra::extract::cookie::CookieJar;
use jiff::Timestamp;
use ribambelle_store::portal::{self, staff_structure_names};

use crate::{
    AppState,
    auth::login::{Audience, CsrfOnly, LoginForm, sign_in, sign_out},
    client::ClientAddress,
    error::AppError,
    forms::FrenchForm,
    layout::{Layout, Section, Shell},
    session::{MaybeSession, Staff},
};

pub(crate) async fn login_page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    Ok(Html(Audience::Staff.page(&state).await?.render()?))
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    MaybeSession(previous): MaybeSession,
    jar: CookieJar,
    FrenchForm(form): FrenchForm<LoginForm>,
) -> Result<Response, AppError> {
    sign_in(&state, Audience::Staff, &address, previous, jar, form).await
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    FrenchForm(form): FrenchForm<CsrfOnly>,
) -> Result<Response, AppError> {
    sign_out(&state, jar, Some(staff.session), form.csrf(), "/gestion/connexion").await
}

#[derive(Template)]
#[template(path = "gestion/tableau.html")]
struct DashboardPage {
    layout: Layout,
    staff_name: String,
    structures: Vec<String>,
    /// Fiches transmitted and waiting for a decision.
    waiting: usize,
}

/// Animateurs read; only gestionnaires and administrateurs change anything.
pub(crate) fn may_change(staff: &Staff) -> Result<(), AppError> {
    if staff.account.role == "animateur" { Err(AppError::Forbidden) } else { Ok(()) }
}

/// The back office's header: the staff member, the last run, the logout button.
pub(crate) async fn shell(state: &AppState, staff: &Staff, return_to: &str) -> Result<Shell, AppError> {
    let policy = &state.config.session_policy;
    Ok(Shell {
        person: staff.account.display_name.clone(),
        structures: Vec::new(),
        structure_id: 0,
        last_update: portal::last_update(&state.db).await?.map(crate::layout::format_instant),
        csrf: staff.session.csrf_token.clone(),
        section: Section::None,
        return_to: return_to.to_owned(),
        logout_action: "/gestion/deconnexion",
        session_seconds_left: policy.ends_at(staff.session.created_at, staff.session.last_seen_at).duration_since(Timestamp::now()).as_secs(),
    })
}

/// A back-office page's layout, under the portal's home structure.
pub(crate) async fn layout(state: &AppState, staff: &Staff, title: impl Into<String>, return_to: &str) -> Result<Layout, AppError> {
    let shell = shell(state, staff, return_to).await?;
    Ok(Layout::new(title, portal::home_structure(&state.db).await?).with_shell(shell))
}

pub(crate) async fn dashboard(State(state): State<AppState>, staff: Staff) -> Result<Html<String>, AppError> {
    let structures = staff_structure_names(&state.db, staff.account.id).await?;
    let waiting = ribambelle_store::dossier::waiting(&state.db, staff.account.id).await?.len();
    let page = DashboardPage {
        layout: layout(&state, &staff, "Tableau de bord", "/gestion").await?,
        waiting,
        staff_name: staff.account.display_name,
        structures,
    };
    Ok(Html(page.render()?))
}
