//! « Personnel » (R-BO-1): the administrateur lists, creates and edits the staff accounts,
//! their role and structures, gives a new password (shown once, the account's sessions
//! ended) and turns off a lost phone's second factor. Nobody else reaches these pages.
//!
//! Staff sign-in has no first-login step, so a new account keeps the generated password
//! until its owner changes it; it is never stored in clear, logged nor put in an URL.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use ribambelle_domain::{
    emails::parse_email_list,
    ids::{StaffId, StructureId},
    staff::StaffRole,
};
use ribambelle_usecases::{
    personnel::{self, StaffDraft, StaffMember},
    structures::StructureSummary,
};
use serde::Deserialize;

use crate::{
    Access, AppState,
    error::AppError,
    forms::{Button, FormErrors, SignedForm, invalid},
    layout::{Gestion, Layout},
    routes::Route,
    session::{Administrateur, Staff},
};

use super::Scope;

pub(crate) fn routes() -> Vec<Route> {
    use Access::Staff as StaffOnly;
    vec![
        (StaffOnly, "/gestion/personnel", get(list)),
        (
            StaffOnly,
            "/gestion/personnel/nouveau",
            get(new_page).post(create),
        ),
        (
            StaffOnly,
            "/gestion/personnel/{id}",
            get(edit_page).post(update),
        ),
        (
            StaffOnly,
            "/gestion/personnel/{id}/mot-de-passe",
            post(new_password),
        ),
        (
            StaffOnly,
            "/gestion/personnel/{id}/double-authentification",
            post(disable_second_factor),
        ),
    ]
}

#[derive(Template)]
#[template(path = "gestion/personnel/liste.html")]
struct ListPage {
    layout: Layout,
    members: Vec<StaffMember>,
}

impl ListPage {
    fn role(&self, member: &StaffMember) -> &'static str {
        member.role.label()
    }

    fn structures(&self, member: &StaffMember) -> String {
        if member.role.is_administrateur() {
            return "Toutes".to_owned();
        }
        let names: Vec<&str> = member
            .structures
            .iter()
            .map(|(_, name)| name.as_str())
            .collect();
        if names.is_empty() {
            "Aucune".to_owned()
        } else {
            names.join(", ")
        }
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
) -> Result<Html<String>, AppError> {
    let page = ListPage {
        layout: super::layout(
            &state,
            &staff,
            Gestion::Personnel,
            "Personnel",
            "/gestion/personnel",
        )
        .await?,
        members: personnel::members(&state.db).await?,
    };
    Ok(Html(page.render()?))
}

/// The form as typed.
#[derive(Default)]
struct StaffForm {
    login: String,
    nom: String,
    email: String,
    role: String,
    structures: Vec<String>,
}

impl StaffForm {
    fn from_pairs(pairs: &[(String, String)]) -> StaffForm {
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        StaffForm {
            login: value("identifiant"),
            nom: value("nom"),
            email: value("email"),
            role: value("role"),
            structures: pairs
                .iter()
                .filter(|(k, _)| k == "structure")
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    fn of(member: &StaffMember) -> StaffForm {
        StaffForm {
            login: member.login.clone(),
            nom: member.display_name.clone(),
            email: member.email.clone(),
            role: member.role.code().to_owned(),
            structures: member
                .structures
                .iter()
                .map(|(id, _)| id.to_string())
                .collect(),
        }
    }
}

/// A form that passed every check, ready for the store.
struct Checked {
    email: String,
    /// The least powerful role when none was chosen (never recorded: the form comes back).
    role: StaffRole,
    structure_ids: Vec<StructureId>,
}

/// Logins are compared lowercase, as at sign-in; only characters every keyboard has.
fn check_login(errors: &mut FormErrors, login: &str) -> String {
    let login = login.trim().to_lowercase();
    if login.is_empty() {
        errors.add("identifiant", "Saisissez l'identifiant de connexion.");
    } else if login.chars().count() > 50 {
        errors.add("identifiant", "L'identifiant est limité à 50 caractères.");
    } else if !login
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        errors.add("identifiant", "L'identifiant ne peut contenir que des lettres sans accent, des chiffres, des points, des tirets et des tirets bas.");
    }
    login
}

fn check(form: &StaffForm, structures: &[StructureSummary], errors: &mut FormErrors) -> Checked {
    errors.require(
        "nom",
        &form.nom,
        "le nom affiché (par exemple : Nadia GESTION)",
        100,
    );
    let email = match parse_email_list(&form.email) {
        Ok(list) if list.is_empty() => {
            errors.add("email", "Saisissez l'adresse e-mail.");
            String::new()
        }
        Ok(mut list) if list.len() == 1 => list.pop().unwrap_or_default(),
        Ok(_) => {
            errors.add("email", "Saisissez une seule adresse e-mail.");
            String::new()
        }
        Err(error) => {
            errors.add("email", error.message());
            String::new()
        }
    };
    let role = StaffRole::from_code(&form.role).unwrap_or_else(|| {
        errors.add("role", "Choisissez un rôle.");
        StaffRole::Animateur
    });
    let structure_ids: Vec<StructureId> = structures
        .iter()
        .filter(|s| form.structures.contains(&s.id.to_string()))
        .map(|s| s.id)
        .collect();
    if structure_ids.is_empty() && !role.is_administrateur() {
        errors.add("structure", "Cochez au moins une structure : un gestionnaire ou un animateur ne voit que les siennes.");
    }
    Checked {
        email,
        role,
        structure_ids,
    }
}

#[derive(Template)]
#[template(path = "gestion/personnel/formulaire.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    csrf: String,
    /// `None` when creating.
    member: Option<StaffMember>,
    form: StaffForm,
    structures: Vec<StructureSummary>,
    errors: FormErrors,
    notice: Option<&'static str>,
}

impl FormPage {
    fn roles(&self) -> Vec<(&'static str, &'static str)> {
        StaffRole::ALL.map(|r| (r.code(), r.label())).to_vec()
    }

    fn role_chosen(&self, role: &str) -> bool {
        self.form.role == role
    }

    fn structure_chosen(&self, id: &StructureId) -> bool {
        self.form.structures.contains(&id.to_string())
    }

    /// (field, label, message) of every error, for the summary at the top.
    fn error_list(&self) -> Vec<(&'static str, &'static str, String)> {
        [
            ("identifiant", "Identifiant"),
            ("nom", "Nom affiché"),
            ("email", "Adresse e-mail"),
            ("role", "Rôle"),
            ("structure", "Structures"),
        ]
        .into_iter()
        .filter_map(|(field, label)| {
            self.errors
                .get(field)
                .map(|message| (field, label, message.to_owned()))
        })
        .collect()
    }
}

async fn render_form(
    state: &AppState,
    staff: &Staff,
    member: Option<StaffMember>,
    form: StaffForm,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> Result<Html<String>, AppError> {
    let (heading, action, back) = match &member {
        Some(m) => (
            format!("Compte de {}", m.display_name),
            format!("/gestion/personnel/{}", m.id),
            format!("/gestion/personnel/{}", m.id),
        ),
        None => (
            "Nouveau membre du personnel".to_owned(),
            "/gestion/personnel/nouveau".to_owned(),
            "/gestion/personnel/nouveau".to_owned(),
        ),
    };
    let page = FormPage {
        layout: super::layout(state, staff, Gestion::Personnel, heading.clone(), &back).await?,
        heading,
        action,
        csrf: staff.session.csrf_token.clone(),
        member,
        form,
        structures: Scope::of(state, staff).await?.structures,
        errors,
        notice,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
) -> Result<Html<String>, AppError> {
    let form = StaffForm {
        role: StaffRole::Gestionnaire.code().to_owned(),
        ..StaffForm::default()
    };
    render_form(&state, &staff, None, form, FormErrors::default(), None).await
}

#[derive(Template)]
#[template(path = "gestion/personnel/mot_de_passe.html")]
struct PasswordPage {
    layout: Layout,
    member: StaffMember,
    password: String,
    created: bool,
}

async fn password_page(
    state: &AppState,
    staff: &Staff,
    member: StaffMember,
    password: String,
    created: bool,
) -> Result<Response, AppError> {
    let page = PasswordPage {
        layout: super::layout(
            state,
            staff,
            Gestion::Personnel,
            format!("Mot de passe de {}", member.display_name),
            "/gestion/personnel",
        )
        .await?,
        member,
        password,
        created,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
    SignedForm(pairs): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = StaffForm::from_pairs(&pairs);
    let structures = Scope::of(&state, &staff).await?.structures;
    let mut errors = FormErrors::default();
    let login = check_login(&mut errors, &form.login);
    let checked = check(&form, &structures, &mut errors);
    if !errors.is_empty() {
        return Ok(invalid(
            render_form(&state, &staff, None, form, errors, None)
                .await?
                .into_response(),
        ));
    }
    let draft = StaffDraft {
        login: &login,
        display_name: form.nom.trim(),
        email: &checked.email,
        role: checked.role,
        structure_ids: &checked.structure_ids,
    };
    let Some((member, password)) =
        personnel::create(&state.passwords(), staff.id(), &draft, state.clock.now()).await?
    else {
        errors.add("identifiant", "Cet identifiant est déjà celui d'un autre membre du personnel : choisissez-en un autre.");
        return Ok(invalid(
            render_form(&state, &staff, None, form, errors, None)
                .await?
                .into_response(),
        ));
    };
    password_page(&state, &staff, member, password, true).await
}

async fn member_of(state: &AppState, id: &str) -> Result<StaffMember, AppError> {
    let id: StaffId = id.parse().map_err(|_| AppError::NotFound)?;
    personnel::member(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    fait: Option<String>,
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Html<String>, AppError> {
    let member = member_of(&state, &id).await?;
    let notice = match done.fait.as_deref() {
        Some("enregistre") => Some("Les modifications sont enregistrées."),
        Some("double-authentification") => Some(
            "La double authentification est désactivée : ce compte se connecte avec son seul mot de passe jusqu'à ce qu'il en active une nouvelle.",
        ),
        _ => None,
    };
    let form = StaffForm::of(&member);
    render_form(
        &state,
        &staff,
        Some(member),
        form,
        FormErrors::default(),
        notice,
    )
    .await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
    Path(id): Path<String>,
    SignedForm(pairs): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let member = member_of(&state, &id).await?;
    let form = StaffForm {
        login: member.login.clone(),
        ..StaffForm::from_pairs(&pairs)
    };
    let structures = Scope::of(&state, &staff).await?.structures;
    let mut errors = FormErrors::default();
    let checked = check(&form, &structures, &mut errors);
    if member.id == staff.account.id && !checked.role.is_administrateur() {
        errors.add("role", "Vous ne pouvez pas retirer votre propre rôle d'administrateur : un autre administrateur doit le faire, pour que la mairie en garde toujours un.");
    }
    if !errors.is_empty() {
        return Ok(invalid(
            render_form(&state, &staff, Some(member), form, errors, None)
                .await?
                .into_response(),
        ));
    }
    let draft = StaffDraft {
        login: &member.login,
        display_name: form.nom.trim(),
        email: &checked.email,
        role: checked.role,
        structure_ids: &checked.structure_ids,
    };
    if !personnel::update(&state.db, staff.id(), member.id, &draft, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/gestion/personnel/{}?fait=enregistre", member.id)).into_response())
}

pub(crate) async fn new_password(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
    Path(id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let member = member_of(&state, &id).await?;
    let Some(password) =
        personnel::new_password(&state.passwords(), staff.id(), member.id, state.clock.now())
            .await?
    else {
        return Err(AppError::NotFound);
    };
    password_page(&state, &staff, member, password, false).await
}

pub(crate) async fn disable_second_factor(
    State(state): State<AppState>,
    Administrateur(staff): Administrateur,
    Path(id): Path<String>,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let member = member_of(&state, &id).await?;
    if !personnel::disable_second_factor(&state.db, staff.id(), member.id, state.clock.now())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!(
        "/gestion/personnel/{}?fait=double-authentification",
        member.id
    ))
    .into_response())
}
