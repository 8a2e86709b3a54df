//! The fiche de contacts of a child (R-DOS-5): « Ajouter une personne » (one of the
//! family's contacts, or « Créer un nouveau contact »), for each child the lien de parenté
//! and whether the contact may pick the child up or be called in an emergency; a contact's
//! name is fixed; a contact leaves the family's list only once no child keeps it.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::dossier::{CONTACT, CONTACT_LINK, FicheKind, FieldError, Values, check_all};
use ribambelle_usecases::dossier::{ChildContact, Contact, Deletion, Fiche};
use serde::Deserialize;

use super::{
    FicheHeader,
    form::{FieldView, views},
};
use crate::{
    AppState,
    error::AppError,
    forms::{SignedForm, invalid},
    layout::{Layout, Section, Shell},
    session::Family,
};

/// The contact fields a family may still change once the contact exists.
fn editable_fields() -> &'static [ribambelle_domain::dossier::Field] {
    &CONTACT[2..]
}

#[derive(Template)]
#[template(path = "dossier/contacts.html")]
struct ContactsPage {
    layout: Layout,
    fiche: Fiche,
    title: String,
    child: String,
    editable: bool,
    attached: Vec<ChildContact>,
    available: Vec<Contact>,
    family_contacts: Vec<Contact>,
    pick_link: Vec<FieldView>,
    new_contact: Vec<FieldView>,
    new_link: Vec<FieldView>,
    csrf: String,
    notice: Option<String>,
    error_count: usize,
}

impl FicheHeader for ContactsPage {
    fn fiche(&self) -> &Fiche {
        &self.fiche
    }
}

/// What the family just typed in one of the page's forms, to show it back with its errors.
#[derive(Default)]
pub(super) struct Typed {
    pick: (Values, Vec<FieldError>),
    create: (Values, Vec<FieldError>),
}

pub(super) async fn render(
    state: &AppState,
    family: &Family,
    fiche: Fiche,
    typed: Typed,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let child = fiche.child_id.ok_or(AppError::NotFound)?;
    let (family_contacts, attached) = state.family_file(family).contacts(child).await?;
    let available = family_contacts
        .iter()
        .filter(|c| !attached.iter().any(|a| a.contact.id == c.id))
        .cloned()
        .collect();
    let child = fiche.child.clone().unwrap_or_default();
    let title = format!("{} — {child}", fiche.kind.title());
    let shell = Shell::family(
        state,
        family,
        Section::Dossier,
        &format!("/dossier/fiches/{}", fiche.public_id),
    )
    .await?;
    let error_count = typed.pick.1.len() + typed.create.1.len();
    let page = ContactsPage {
        layout: Layout::new(
            if error_count == 0 {
                title.clone()
            } else {
                format!("Erreur — {title}")
            },
            Some(family.structure.clone()),
        )
        .with_shell(shell),
        editable: fiche.state.editable_by_family(),
        pick_link: views(CONTACT_LINK, &typed.pick.0, &typed.pick.1),
        new_contact: views(CONTACT, &typed.create.0, &typed.create.1),
        new_link: views(CONTACT_LINK, &typed.create.0, &typed.create.1),
        fiche,
        title,
        child,
        attached,
        available,
        family_contacts,
        csrf: family.session.csrf_token.clone(),
        notice,
        error_count,
    };
    Ok(Html(page.render()?))
}

fn field<'a>(submitted: &'a [(String, String)], name: &str) -> &'a str {
    submitted
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn typed(
    submitted: &[(String, String)],
    fields: &[&[ribambelle_domain::dossier::Field]],
) -> Values {
    fields
        .iter()
        .flat_map(|set| set.iter())
        .map(|f| (f.name.to_owned(), field(submitted, f.name).to_owned()))
        .collect()
}

async fn contacts_fiche(state: &AppState, family: &Family, id: &str) -> Result<Fiche, AppError> {
    match state.family_file(family).fiche(id).await? {
        Some(fiche) if fiche.kind == FicheKind::Contacts => Ok(fiche),
        _ => Err(AppError::NotFound),
    }
}

async fn own_contact(state: &AppState, family: &Family, id: &str) -> Result<Contact, AppError> {
    state
        .family_file(family)
        .contact(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// « Ajouter » (an existing contact), « Enregistrer » (a new one) or « Retirer ».
pub(crate) async fn change(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    SignedForm(submitted): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fiche = contacts_fiche(&state, &family, &id).await?;
    let child = fiche.child_id.ok_or(AppError::NotFound)?;
    let dossier = state.family_file(&family);
    if !fiche.state.editable_by_family() {
        let notice = Some(
            "Cette fiche est déjà transmise : ses contacts ne sont plus modifiables.".to_owned(),
        );
        return Ok(invalid(
            render(&state, &family, fiche, Typed::default(), notice)
                .await?
                .into_response(),
        ));
    }
    let back = format!("/dossier/fiches/{id}");
    match field(&submitted, "action") {
        "ajouter" => {
            let contact = own_contact(&state, &family, field(&submitted, "contact")).await?;
            let link = typed(&submitted, &[CONTACT_LINK]);
            match check_all(CONTACT_LINK, &link) {
                Ok(link) => dossier.attach(child, &contact, &link).await?,
                Err(errors) => {
                    let typed = Typed {
                        pick: (link, errors),
                        ..Typed::default()
                    };
                    return Ok(invalid(
                        render(&state, &family, fiche, typed, None)
                            .await?
                            .into_response(),
                    ));
                }
            }
        }
        "creer" => {
            let values = typed(&submitted, &[CONTACT, CONTACT_LINK]);
            let checked = (
                check_all(CONTACT, &values),
                check_all(CONTACT_LINK, &values),
            );
            let (Ok(contact), Ok(link)) = checked else {
                let errors = [
                    checked.0.err().unwrap_or_default(),
                    checked.1.err().unwrap_or_default(),
                ]
                .concat();
                let typed = Typed {
                    create: (values, errors),
                    ..Typed::default()
                };
                return Ok(invalid(
                    render(&state, &family, fiche, typed, None)
                        .await?
                        .into_response(),
                ));
            };
            dossier
                .add_contact(child, &contact, &link, state.clock.now())
                .await?;
        }
        "retirer" => {
            let contact = own_contact(&state, &family, field(&submitted, "contact")).await?;
            dossier.detach(child, &contact).await?;
        }
        _ => return Err(AppError::BadRequest),
    }
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "dossier/contact.html")]
struct ContactPage {
    layout: Layout,
    contact: Contact,
    fields: Vec<FieldView>,
    csrf: String,
    fiche: String,
    back: String,
}

#[derive(Deserialize)]
pub(crate) struct FromFiche {
    /// The contacts fiche the family came from, to go back to.
    #[serde(default)]
    fiche: String,
}

/// Where to go back: the fiche the family came from if it is one of its own, else the dossier.
async fn back_to(state: &AppState, family: &Family, fiche: &str) -> Result<String, AppError> {
    Ok(match state.family_file(family).fiche(fiche).await? {
        Some(f) => format!("/dossier/fiches/{}", f.public_id),
        None => "/dossier".to_owned(),
    })
}

async fn render_contact(
    state: &AppState,
    family: &Family,
    contact: Contact,
    values: Values,
    errors: &[FieldError],
    fiche: String,
) -> Result<Html<String>, AppError> {
    let shell = Shell::family(
        state,
        family,
        Section::Dossier,
        &format!("/dossier/contacts/{}", contact.public_id),
    )
    .await?;
    let title = format!(
        "Modifier le contact {} {}",
        contact.last_name, contact.first_name
    );
    let back = back_to(state, family, &fiche).await?;
    let page = ContactPage {
        layout: Layout::new(title, Some(family.structure.clone())).with_shell(shell),
        fields: views(editable_fields(), &values, errors),
        contact,
        csrf: family.session.csrf_token.clone(),
        fiche,
        back,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    Query(from): Query<FromFiche>,
) -> Result<Html<String>, AppError> {
    let contact = own_contact(&state, &family, &id).await?;
    let values: Values = [
        ("adresse", &contact.address),
        ("telephone", &contact.phone),
        ("email", &contact.email),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_owned(), v.clone()))
    .collect();
    render_contact(&state, &family, contact, values, &[], from.fiche).await
}

/// Saves the address, phone and e-mail; a « nom » or « prénom » sent anyway is ignored.
pub(crate) async fn edit(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    SignedForm(submitted): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let contact = own_contact(&state, &family, &id).await?;
    let fiche = field(&submitted, "fiche").to_owned();
    let values = typed(&submitted, &[editable_fields()]);
    match check_all(editable_fields(), &values) {
        Ok(values) => {
            state
                .family_file(&family)
                .update_contact(&contact, &values)
                .await?;
            Ok(Redirect::to(&back_to(&state, &family, &fiche).await?).into_response())
        }
        Err(errors) => Ok(invalid(
            render_contact(&state, &family, contact, values, &errors, fiche)
                .await?
                .into_response(),
        )),
    }
}

/// « Supprimer définitivement »: refused, with the steps, while a child keeps the contact.
pub(crate) async fn delete(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
    SignedForm(submitted): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fiche_id = field(&submitted, "fiche");
    let back = back_to(&state, &family, fiche_id).await?;
    match state.family_file(&family).delete_contact(&id).await? {
        Deletion::Deleted => Ok(Redirect::to(&back).into_response()),
        Deletion::NotFound => Err(AppError::NotFound),
        Deletion::StillAttached(children) => {
            let notice = format!(
                "Ce contact est encore rattaché à {} : retirez-le de chaque enfant et enregistrez sa fiche en brouillon, puis supprimez-le.",
                children.join(", ")
            );
            let fiche = contacts_fiche(&state, &family, fiche_id).await?;
            Ok(invalid(
                render(&state, &family, fiche, Typed::default(), Some(notice))
                    .await?
                    .into_response(),
            ))
        }
    }
}
