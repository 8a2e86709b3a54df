//! « Générer un mot de passe initial »: a new password replaces the family's, which is back in
//! first-login state with its sessions closed. The password exists in clear only in the
//! answer to that POST: shown once with a form that posts it back for the printable letter,
//! or in the mail queued to the family. It is never stored nor logged, and never in an URL.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_documents::{LetterDoc, initial_password_letter_pdf};
use ribambelle_domain::french::long_date;
use ribambelle_usecases::{
    accounts::NewMail,
    catalog,
    families::{self, Family},
};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{SignedForm, invalid},
    layout::Layout,
    portal::payment::pdf_response,
    session::Editor,
};

use super::{Scope, family_of, layout, render_page};

#[derive(Deserialize)]
pub(crate) struct IssueForm {
    /// `courrier` or `mail`.
    #[serde(default)]
    remise: String,
}

#[derive(Template)]
#[template(path = "gestion/familles/mot_de_passe.html")]
struct PasswordPage {
    layout: Layout,
    family: Family,
    csrf: String,
    password: String,
    /// The letter could not be made: the password changed since.
    error: Option<&'static str>,
}

const NO_ADDRESS: &str = "Cette famille n'a pas d'adresse e-mail : ajoutez-en une dans « Modifier », ou imprimez le courrier.";

pub(crate) async fn issue(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
    SignedForm(form): SignedForm<IssueForm>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let family = family_of(&state, &scope, &id).await?;
    let by_mail = match form.remise.as_str() {
        "mail" => true,
        "courrier" => false,
        _ => return Err(AppError::BadRequest),
    };
    if by_mail && family.emails.is_empty() {
        return Ok(invalid(
            render_page(&state, &staff, family, None, Some(NO_ADDRESS))
                .await?
                .into_response(),
        ));
    }
    let now = state.clock.now();
    if by_mail {
        let write = |password: &str| mail(&state, &family, password);
        families::issue_initial_password(
            &state.passwords(),
            staff.id(),
            &family,
            Some(&write),
            now,
        )
        .await?;
        return Ok(Redirect::to(&format!(
            "/gestion/familles/{}?fait=envoye",
            family.public_id
        ))
        .into_response());
    }
    let password =
        families::issue_initial_password(&state.passwords(), staff.id(), &family, None, now)
            .await?;
    let page = PasswordPage {
        layout: layout(
            &state,
            &staff,
            format!("Mot de passe initial de la famille {}", family.name()),
            &format!("/gestion/familles/{}", family.public_id),
        )
        .await?,
        family,
        csrf: staff.session.csrf_token.clone(),
        password,
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

fn structure_of(family: &Family) -> String {
    family
        .structures
        .first()
        .map(|(_, name)| name.clone())
        .unwrap_or_default()
}

fn mail(state: &AppState, family: &Family, password: &str) -> NewMail {
    let structure = structure_of(family);
    let body = format!(
        "{} {} {}\n\n\
         Votre compte famille est ouvert sur le Portail Famille de {structure} : vous pourrez y réserver les activités de vos enfants, payer vos factures et tenir votre dossier famille à jour.\n\n\
         Adresse du portail : {}\n\
         Identifiant : {}\n\
         Mot de passe provisoire : {password}\n\n\
         Ce mot de passe ne sert qu'une fois : à votre première connexion, le portail vous demandera de choisir votre mot de passe personnel. \
         Personne ne vous demandera jamais votre mot de passe, pas même la structure.\n\n\
         {structure}\n",
        family.civility,
        family.last_name,
        family.first_name,
        state.config.public_url,
        family.identifiant,
    );
    NewMail {
        recipients: family.emails.clone(),
        subject: format!("{structure} : vos codes d'accès au Portail Famille"),
        body_text: body,
        body_html: None,
    }
}

/// The letter of `family` with `password`, as the PDF module wants it.
pub(super) async fn letter_doc(
    state: &AppState,
    family: &Family,
    password: String,
) -> Result<LetterDoc, AppError> {
    let structure_address = match family.structures.first() {
        Some((id, _)) => catalog::address_lines(&catalog::settings(&state.db, *id).await?.address),
        None => Vec::new(),
    };
    Ok(LetterDoc {
        structure: structure_of(family),
        structure_address,
        family: format!("{} {}", family.civility, family.name()),
        address: families::address(&state.db, family.id).await?,
        identifiant: family.identifiant.clone(),
        password,
        portal_url: state.config.public_url.clone(),
        date: long_date(state.clock.today()),
    })
}

#[derive(Deserialize)]
pub(crate) struct LetterForm {
    #[serde(default)]
    mot_de_passe: String,
}

/// Whether `password` is the initial password the family has now: a letter prints nothing
/// else, so that it can neither be forged with a text of one's own nor printed from an old
/// page with a password that no longer works.
pub(super) async fn is_initial_password(
    state: &AppState,
    family: &Family,
    password: &str,
) -> Result<bool, AppError> {
    if !family.must_change_password {
        return Ok(false);
    }
    Ok(families::is_initial_password(&state.passwords(), family, password).await?)
}

/// The letter for the password just shown, by those who may generate one.
pub(crate) async fn letter(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(id): Path<String>,
    SignedForm(form): SignedForm<LetterForm>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let family = family_of(&state, &scope, &id).await?;
    if !is_initial_password(&state, &family, &form.mot_de_passe).await? {
        let page = PasswordPage {
            layout: layout(
                &state,
                &staff,
                format!("Mot de passe initial de la famille {}", family.name()),
                &format!("/gestion/familles/{}", family.public_id),
            )
            .await?,
            family,
            csrf: staff.session.csrf_token.clone(),
            password: String::new(),
            error: Some(
                "Ce mot de passe n'est plus celui de la famille : un autre a été généré depuis, ou la famille a choisi le sien. Générez-en un nouveau depuis la page de la famille.",
            ),
        };
        return Ok(invalid(Html(page.render()?).into_response()));
    }
    let file_name = format!("courrier-{}.pdf", family.identifiant);
    let doc = letter_doc(&state, &family, form.mot_de_passe).await?;
    Ok(pdf_response(&file_name, initial_password_letter_pdf(&doc)))
}
