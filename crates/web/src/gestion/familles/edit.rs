//! Creating and editing a family's account, and adding or editing a child with its
//! registrations to the activities of the family's structures.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::civil::Date;
use ribambelle_domain::{
    family_fields as rules,
    ids::{ActivityId, StructureId},
};
use ribambelle_usecases::{
    families::{self, ActivityChoice, Child, ChildFields, Family, FamilyFields, Saved},
    structures::StructureSummary,
};

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::Layout,
    session::{Editor, Staff},
};

use super::{Scope, family_of, layout};

/// A form as posted: its fields in order, repeated ones (checkboxes) included.
type Pairs = Vec<(String, String)>;

fn value(pairs: &Pairs, name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn values(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A text field of a form: (name, label, value typed, hint).
pub(super) struct TextField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
}

/// The account as typed.
#[derive(Default)]
struct FamilyInput {
    civilite: String,
    nom: String,
    prenom: String,
    identifiant: String,
    emails: String,
    structures: Vec<String>,
}

impl FamilyInput {
    fn posted(pairs: &Pairs) -> FamilyInput {
        FamilyInput {
            civilite: value(pairs, "civilite"),
            nom: value(pairs, "nom"),
            prenom: value(pairs, "prenom"),
            identifiant: value(pairs, "identifiant"),
            emails: value(pairs, "emails"),
            structures: values(pairs, "structure"),
        }
    }

    fn of(family: &Family) -> FamilyInput {
        FamilyInput {
            civilite: family.civility.clone(),
            nom: family.last_name.clone(),
            prenom: family.first_name.clone(),
            identifiant: family.identifiant.clone(),
            emails: family.emails.join(" ; "),
            structures: family
                .structures
                .iter()
                .map(|(id, _)| id.to_string())
                .collect(),
        }
    }

    fn check(&self, scope: &Scope) -> Result<FamilyFields, FormErrors> {
        let mut errors = FormErrors::default();
        let mut keep = |field: &str, result: Result<String, String>| match result {
            Ok(value) => value,
            Err(message) => {
                errors.add(field, message);
                String::new()
            }
        };
        let civility = keep(
            "civilite",
            rules::civility(&self.civilite).map(str::to_owned),
        );
        let last_name = keep("nom", rules::name(&self.nom, "le nom", true));
        let first_name = keep("prenom", rules::name(&self.prenom, "le prénom", false));
        let identifiant = keep("identifiant", rules::identifiant(&self.identifiant));
        let emails = rules::emails(&self.emails).unwrap_or_else(|message| {
            errors.add("emails", message);
            Vec::new()
        });
        let structures: Vec<StructureId> = scope
            .structures
            .iter()
            .map(|s| s.id)
            .filter(|id| self.structures.contains(&id.to_string()))
            .collect();
        if structures.is_empty() {
            errors.add(
                "structure",
                "Cochez au moins une structure où la famille est connue.",
            );
        }
        if errors.is_empty() {
            Ok(FamilyFields {
                civility,
                last_name,
                first_name,
                identifiant,
                emails,
                structures,
            })
        } else {
            Err(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "gestion/familles/formulaire.html")]
struct FamilyForm {
    layout: Layout,
    heading: String,
    action: String,
    /// Where « Annuler » goes.
    back: String,
    csrf: String,
    input: FamilyInput,
    structures: Vec<StructureSummary>,
    errors: FormErrors,
}

impl FamilyForm {
    fn text_fields(&self) -> Vec<TextField> {
        vec![
            TextField {
                name: "nom",
                label: "Nom",
                value: self.input.nom.clone(),
                hint: "En majuscules sur les courriers.",
            },
            TextField {
                name: "prenom",
                label: "Prénom",
                value: self.input.prenom.clone(),
                hint: "Le prénom du responsable du compte.",
            },
            TextField {
                name: "identifiant",
                label: "Identifiant de connexion",
                value: self.input.identifiant.clone(),
                hint: "De 3 à 50 caractères : lettres sans accent, chiffres, points, tirets ou soulignés ; unique.",
            },
            TextField {
                name: "emails",
                label: "Adresses e-mail",
                value: self.input.emails.clone(),
                hint: "Séparées par « ; ». La première reçoit les tickets de paiement ; toutes reçoivent les comptes rendus de réservation.",
            },
        ]
    }

    fn civility_chosen(&self, civility: &&str) -> bool {
        self.input.civilite == *civility
    }

    fn structure_chosen(&self, id: &StructureId) -> bool {
        self.input.structures.contains(&id.to_string())
    }

    fn civilities(&self) -> [&'static str; 2] {
        rules::CIVILITIES
    }

    /// (field, label) of the form, for the summary of errors.
    fn error_list(&self) -> Vec<(&'static str, &'static str, String)> {
        [
            ("civilite", "Civilité"),
            ("nom", "Nom"),
            ("prenom", "Prénom"),
            ("identifiant", "Identifiant de connexion"),
            ("emails", "Adresses e-mail"),
            ("structure", "Structures"),
        ]
        .into_iter()
        .filter_map(|(field, label)| self.errors.get(field).map(|m| (field, label, m.to_owned())))
        .collect()
    }
}

async fn render_form(
    state: &AppState,
    staff: &Staff,
    family: Option<&Family>,
    input: FamilyInput,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(state, staff).await?;
    let (heading, action, back) = match family {
        None => (
            "Créer une famille".to_owned(),
            "/gestion/familles/nouvelle".to_owned(),
            "/gestion/familles".to_owned(),
        ),
        Some(f) => (
            format!("Modifier la famille {}", f.name()),
            format!("/gestion/familles/{}/modifier", f.public_id),
            format!("/gestion/familles/{}", f.public_id),
        ),
    };
    let page = FamilyForm {
        layout: layout(state, staff, heading.clone(), &action).await?,
        heading,
        action,
        back,
        csrf: staff.session.csrf_token.clone(),
        input,
        structures: scope.structures,
        errors,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    // With a single structure in scope, it is the family's.
    let structures = if scope.structures.len() == 1 {
        scope
            .structure_ids()
            .iter()
            .map(ToString::to_string)
            .collect()
    } else {
        Vec::new()
    };
    render_form(
        &state,
        &staff,
        None,
        FamilyInput {
            civilite: "Mme".to_owned(),
            structures,
            ..FamilyInput::default()
        },
        FormErrors::default(),
    )
    .await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(pairs): SignedForm<Pairs>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let input = FamilyInput::posted(&pairs);
    let fields = match input.check(&scope) {
        Ok(fields) => fields,
        Err(errors) => {
            return Ok(invalid(
                render_form(&state, &staff, None, input, errors)
                    .await?
                    .into_response(),
            ));
        }
    };
    match families::create(&state.db, staff.id(), &fields, state.clock.now()).await? {
        Saved::Done { public_id } => {
            Ok(Redirect::to(&format!("/gestion/familles/{public_id}?fait=creee")).into_response())
        }
        Saved::IdentifiantTaken => {
            let mut errors = FormErrors::default();
            errors.add("identifiant", rules::IDENTIFIANT_TAKEN);
            Ok(invalid(
                render_form(&state, &staff, None, input, errors)
                    .await?
                    .into_response(),
            ))
        }
    }
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let family = family_of(&state, &scope, &id).await?;
    render_form(
        &state,
        &staff,
        Some(&family),
        FamilyInput::of(&family),
        FormErrors::default(),
    )
    .await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
    SignedForm(pairs): SignedForm<Pairs>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let family = family_of(&state, &scope, &id).await?;
    let input = FamilyInput::posted(&pairs);
    let fields = match input.check(&scope) {
        Ok(fields) => fields,
        Err(errors) => {
            return Ok(invalid(
                render_form(&state, &staff, Some(&family), input, errors)
                    .await?
                    .into_response(),
            ));
        }
    };
    match families::update(
        &state.db,
        staff.id(),
        &scope.structure_ids(),
        &family,
        &fields,
        state.clock.now(),
    )
    .await?
    {
        Saved::Done { public_id } => Ok(Redirect::to(&format!(
            "/gestion/familles/{public_id}?fait=modifiee"
        ))
        .into_response()),
        Saved::IdentifiantTaken => {
            let mut errors = FormErrors::default();
            errors.add("identifiant", rules::IDENTIFIANT_TAKEN);
            Ok(invalid(
                render_form(&state, &staff, Some(&family), input, errors)
                    .await?
                    .into_response(),
            ))
        }
    }
}

/// The child as typed.
#[derive(Default)]
struct ChildInput {
    prenom: String,
    nom: String,
    naissance: String,
    ecole: String,
    activities: Vec<String>,
}

impl ChildInput {
    fn posted(pairs: &Pairs) -> ChildInput {
        ChildInput {
            prenom: value(pairs, "prenom"),
            nom: value(pairs, "nom"),
            naissance: value(pairs, "naissance"),
            ecole: value(pairs, "ecole"),
            activities: values(pairs, "activite"),
        }
    }

    fn of(child: &Child) -> ChildInput {
        ChildInput {
            prenom: child.first_name.clone(),
            nom: child.last_name.clone(),
            naissance: child.birth_date.strftime("%d/%m/%Y").to_string(),
            ecole: child.school.clone(),
            activities: child
                .activities
                .iter()
                .map(|(id, _)| id.to_string())
                .collect(),
        }
    }

    fn check(&self, offered: &[ActivityChoice], today: Date) -> Result<ChildFields, FormErrors> {
        let mut errors = FormErrors::default();
        let mut keep = |field: &str, result: Result<String, String>| match result {
            Ok(value) => value,
            Err(message) => {
                errors.add(field, message);
                String::new()
            }
        };
        let first_name = keep(
            "prenom",
            rules::name(&self.prenom, "le prénom de l'enfant", false),
        );
        let last_name = keep("nom", rules::name(&self.nom, "le nom de l'enfant", true));
        let school = keep("ecole", rules::school(&self.ecole));
        let birth_date = rules::birth_date(&self.naissance, today)
            .map_err(|message| errors.add("naissance", message))
            .ok();
        let activities = offered
            .iter()
            .map(|a| a.id)
            .filter(|id| self.activities.contains(&id.to_string()))
            .collect();
        match birth_date {
            Some(birth_date) if errors.is_empty() => Ok(ChildFields {
                first_name,
                last_name,
                birth_date,
                school,
                activities,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "gestion/familles/enfant.html")]
struct ChildForm {
    layout: Layout,
    heading: String,
    action: String,
    family: Family,
    csrf: String,
    input: ChildInput,
    offered: Vec<ActivityChoice>,
    errors: FormErrors,
}

impl ChildForm {
    fn text_fields(&self) -> Vec<TextField> {
        vec![
            TextField {
                name: "prenom",
                label: "Prénom",
                value: self.input.prenom.clone(),
                hint: "",
            },
            TextField {
                name: "nom",
                label: "Nom",
                value: self.input.nom.clone(),
                hint: "",
            },
            TextField {
                name: "naissance",
                label: "Date de naissance",
                value: self.input.naissance.clone(),
                hint: "Format : jj/mm/aaaa",
            },
            TextField {
                name: "ecole",
                label: "École",
                value: self.input.ecole.clone(),
                hint: "Facultatif.",
            },
        ]
    }

    fn ticked(&self, id: &ActivityId) -> bool {
        self.input.activities.contains(&id.to_string())
    }

    fn error_list(&self) -> Vec<(&'static str, &'static str, String)> {
        [
            ("prenom", "Prénom"),
            ("nom", "Nom"),
            ("naissance", "Date de naissance"),
            ("ecole", "École"),
        ]
        .into_iter()
        .filter_map(|(field, label)| self.errors.get(field).map(|m| (field, label, m.to_owned())))
        .collect()
    }
}

/// The family, the child (None for « nouveau ») and the activities it may be registered to.
async fn child_context(
    state: &AppState,
    staff: &Staff,
    family_id: &str,
    child_id: &str,
) -> Result<(Family, Option<Child>, Vec<ActivityChoice>), AppError> {
    let scope = Scope::of(state, staff).await?;
    let family = family_of(state, &scope, family_id).await?;
    let child = match child_id {
        "nouveau" => None,
        id => Some(
            family
                .children
                .iter()
                .find(|c| c.public_id == id)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
    };
    let offered = families::activities(&state.db, &family).await?;
    Ok((family, child, offered))
}

async fn render_child(
    state: &AppState,
    staff: &Staff,
    family: Family,
    child: Option<&Child>,
    offered: Vec<ActivityChoice>,
    input: ChildInput,
    errors: FormErrors,
) -> Result<Html<String>, AppError> {
    let (heading, slug) = match child {
        None => (
            format!("Ajouter un enfant à la famille {}", family.name()),
            "nouveau".to_owned(),
        ),
        Some(c) => (
            format!("Modifier l'enfant {} {}", c.first_name, c.last_name),
            c.public_id.clone(),
        ),
    };
    let action = format!("/gestion/familles/{}/enfants/{slug}", family.public_id);
    let page = ChildForm {
        layout: layout(state, staff, heading.clone(), &action).await?,
        heading,
        action,
        family,
        csrf: staff.session.csrf_token.clone(),
        input,
        offered,
        errors,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn child_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path((family_id, child_id)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let (family, child, offered) = child_context(&state, &staff, &family_id, &child_id).await?;
    let input = match &child {
        Some(child) => ChildInput::of(child),
        None => ChildInput {
            nom: family.last_name.clone(),
            ..ChildInput::default()
        },
    };
    render_child(
        &state,
        &staff,
        family,
        child.as_ref(),
        offered,
        input,
        FormErrors::default(),
    )
    .await
}

pub(crate) async fn child_save(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path((family_id, child_id)): Path<(String, String)>,
    SignedForm(pairs): SignedForm<Pairs>,
) -> Result<Response, AppError> {
    let (family, child, offered) = child_context(&state, &staff, &family_id, &child_id).await?;
    let input = ChildInput::posted(&pairs);
    let fields = match input.check(&offered, state.clock.today()) {
        Ok(fields) => fields,
        Err(errors) => {
            return Ok(invalid(
                render_child(
                    &state,
                    &staff,
                    family,
                    child.as_ref(),
                    offered,
                    input,
                    errors,
                )
                .await?
                .into_response(),
            ));
        }
    };
    families::save_child(
        &state.db,
        staff.id(),
        &family,
        child.as_ref(),
        &offered,
        &fields,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/gestion/familles/{}?fait=enfant",
        family.public_id
    ))
    .into_response())
}
