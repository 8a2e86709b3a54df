//! The back office at `/gestion`: staff only, with its own login.

pub(crate) mod activites;
pub(crate) mod annonces;
pub(crate) mod campagnes;
pub(crate) mod dossiers;
pub(crate) mod facturation;
pub(crate) mod familles;
pub(crate) mod journal;
pub(crate) mod personnel;
pub(crate) mod reservations;
pub(crate) mod second_factor;

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, Response},
};
use axum_extra::extract::cookie::CookieJar;
use ribambelle_domain::ids::StructureId;
use ribambelle_usecases::{
    office::{self, Dashboard},
    structures::{self, StructureSummary},
};

use axum::routing::{get, post};

use crate::{
    Access, AppState,
    auth::login::{Audience, LoginForm, LoginNotice, sign_in, sign_out},
    client::ClientAddress,
    error::AppError,
    forms::{Button, FrenchForm, SignedForm},
    layout::{Gestion, Layout, Section, Shell},
    routes::Route,
    session::{MaybeSession, Staff},
};

/// The back office's routes: the sign-in, the dashboard, then each section's own.
pub(crate) fn routes() -> Vec<Route> {
    use Access::{Public, Staff as StaffOnly};
    let mut routes: Vec<Route> = vec![
        (Public, "/gestion/connexion", get(login_page).post(login)),
        (
            Public,
            "/gestion/connexion/attente",
            get(crate::auth::waiting::staff),
        ),
        (
            Public,
            "/gestion/connexion/code",
            post(second_factor::submit_code),
        ),
        (StaffOnly, "/gestion/securite", get(second_factor::page)),
        (
            StaffOnly,
            "/gestion/securite/preparer",
            post(second_factor::prepare),
        ),
        (
            StaffOnly,
            "/gestion/securite/activer",
            post(second_factor::enable),
        ),
        (
            StaffOnly,
            "/gestion/securite/desactiver",
            post(second_factor::disable),
        ),
        (
            StaffOnly,
            "/gestion/securite/mot-de-passe",
            post(second_factor::change_password),
        ),
        (StaffOnly, "/gestion", get(dashboard)),
        (StaffOnly, "/gestion/deconnexion", post(logout)),
        (
            StaffOnly,
            "/gestion/campagnes",
            get(campagnes::page).post(campagnes::open),
        ),
        (StaffOnly, "/gestion/dossiers", get(dossiers::queue)),
        (
            StaffOnly,
            "/gestion/dossiers/{fiche}",
            get(dossiers::fiche).post(dossiers::decide),
        ),
        (
            StaffOnly,
            "/gestion/fichiers/{fichier}",
            get(crate::dossier::pieces::staff_download),
        ),
    ];
    for section in [
        familles::routes,
        activites::routes,
        reservations::routes,
        facturation::routes,
        annonces::routes,
        journal::routes,
        personnel::routes,
    ] {
        routes.extend(section());
    }
    routes
}

pub(crate) async fn login_page(
    State(state): State<AppState>,
    Query(notice): Query<LoginNotice>,
) -> Result<Html<String>, AppError> {
    let mut page = Audience::Staff.page(&state).await?;
    page.notice = notice.text();
    Ok(Html(page.render()?))
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
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    sign_out(&state, jar, Some(staff.session), "/gestion/connexion").await
}

#[derive(Template)]
#[template(path = "gestion/tableau.html")]
struct DashboardPage {
    layout: Layout,
    staff_name: String,
    structures: Vec<String>,
    /// Fiches transmitted and waiting for a decision.
    waiting: usize,
    today: office::Today,
    today_label: String,
    /// Whether a code is asked at sign-in.
    second_factor: bool,
}

impl DashboardPage {
    fn places(&self, a: &office::ActivityToday) -> String {
        match a.capacity {
            Some(capacity) => format!("{} sur {capacity}", a.booked),
            None => a.booked.to_string(),
        }
    }

    fn run(&self, run: &office::LastRun) -> String {
        let when = crate::layout::format_instant(run.started_at);
        match (run.finished, run.requests) {
            (false, _) => format!("En cours depuis le {when}."),
            (true, 0) => format!("Le {when} : aucune demande à traiter."),
            (true, 1) => format!("Le {when} : 1 demande traitée."),
            (true, n) => format!("Le {when} : {n} demandes traitées."),
        }
    }
}

/// The structures a staff member may see and work on.
pub(crate) struct Scope {
    pub structures: Vec<StructureSummary>,
}

impl Scope {
    pub async fn of(state: &AppState, staff: &Staff) -> Result<Scope, AppError> {
        Ok(Scope {
            structures: office::scope(&state.db, staff.id(), staff.account.role).await?,
        })
    }

    pub fn structure_ids(&self) -> Vec<StructureId> {
        self.structures.iter().map(|s| s.id).collect()
    }

    /// A structure out of scope is answered as if it did not exist.
    pub fn check(&self, structure_id: StructureId) -> Result<(), AppError> {
        if self.structures.iter().any(|s| s.id == structure_id) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}

/// The back office's header: the staff member, the last run, the logout button.
pub(crate) async fn shell(
    state: &AppState,
    staff: &Staff,
    section: Gestion,
    return_to: &str,
) -> Result<Shell, AppError> {
    let policy = &state.config.session_policy;
    Ok(Shell {
        person: staff.account.display_name.clone(),
        structures: Vec::new(),
        structure_id: None,
        last_update: office::last_update(&state.db)
            .await?
            .map(crate::layout::format_instant),
        csrf: staff.session.csrf_token.clone(),
        section: Section::Gestion(section),
        return_to: return_to.to_owned(),
        logout_action: "/gestion/deconnexion",
        role: Some(staff.account.role),
        session_seconds_left: policy
            .ends_at(staff.session.created_at, staff.session.last_seen_at)
            .duration_since(state.clock.now())
            .as_secs(),
    })
}

/// A back-office page's layout, under the portal's home structure, in its section.
pub(crate) async fn layout(
    state: &AppState,
    staff: &Staff,
    section: Gestion,
    title: impl Into<String>,
    return_to: &str,
) -> Result<Layout, AppError> {
    let shell = shell(state, staff, section, return_to).await?;
    Ok(Layout::new(title, structures::home(&state.db).await?).with_shell(shell))
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let day = state.clock.today();
    let Dashboard {
        today,
        fiches_waiting,
        second_factor,
    } = office::dashboard(&state.db, staff.id(), &scope.structure_ids(), day).await?;
    let page = DashboardPage {
        layout: layout(
            &state,
            &staff,
            Gestion::Tableau,
            "Tableau de bord",
            "/gestion",
        )
        .await?,
        waiting: fiches_waiting,
        today,
        today_label: ribambelle_domain::french::long_date(day),
        second_factor,
        staff_name: staff.account.display_name,
        structures: scope.structures.into_iter().map(|s| s.name).collect(),
    };
    Ok(Html(page.render()?))
}
