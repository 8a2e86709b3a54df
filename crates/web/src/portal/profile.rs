//! Dossier Famille / Profil Utilisateur: the password and the e-mail addresses.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::{
    emails::{join_email_list, parse_email_list},
    password_policy::PasswordPolicy,
};
use serde::Deserialize;

use crate::{
    AppState,
    auth::{
        check_current_password, first_login::check_new_password, login::Audience,
        reset::password_changed_mail,
    },
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::{Layout, Section, Shell},
    session::Family,
};

#[derive(Template)]
#[template(path = "portal/profil.html")]
struct ProfilePage {
    layout: Layout,
    csrf: String,
    policy: PasswordPolicy,
    rules: Vec<String>,
    current_emails: Vec<String>,
    emails_value: String,
    errors: FormErrors,
    notice: Option<&'static str>,
}

async fn render(
    state: &AppState,
    family: &Family,
    errors: FormErrors,
    emails_value: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let shell = Shell::family(state, family, Section::Dossier, "/dossier/profil").await?;
    let page = ProfilePage {
        layout: Layout::new("Profil Utilisateur", Some(family.structure.clone())).with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        policy: state.config.password_policy,
        rules: state.config.password_policy.rules_text(),
        current_emails: family.account.emails.clone(),
        emails_value: emails_value.unwrap_or_else(|| family.account.emails.join(" ; ")),
        errors,
        notice,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    enregistre: Option<String>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(saved): Query<Saved>,
) -> Result<Response, AppError> {
    let notice = match saved.enregistre.as_deref() {
        Some("mot-de-passe") => {
            Some("Le mot de passe a bien été enregistré. Vos autres sessions ont été fermées.")
        }
        Some("emails") => Some("Vos adresses e-mail ont bien été enregistrées."),
        _ => None,
    };
    render(&state, &family, FormErrors::default(), None, notice).await
}

/// The current password, checked before any change to the account; why not, as the field
/// says it.
async fn current_password(
    state: &AppState,
    family: &Family,
    given: &str,
) -> Result<Result<(), String>, AppError> {
    let hash = state.passwords().family_hash(family.id()).await?;
    check_current_password(
        state,
        Audience::Family,
        &family.account.identifiant,
        given,
        hash,
    )
    .await
}

/// A password change: the current one, the new one twice (families and staff alike).
#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    pub actuel: String,
    #[serde(default)]
    pub nouveau: String,
    #[serde(default)]
    pub confirmation: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    family: Family,
    SignedForm(form): SignedForm<PasswordForm>,
) -> Result<Response, AppError> {
    let account = &family.account;
    let personal = [
        account.identifiant.as_str(),
        account.last_name.as_str(),
        account.first_name.as_str(),
    ];
    let mut errors = check_new_password(
        &state.config.password_policy,
        &form.nouveau,
        &form.confirmation,
        &personal,
    );
    if let Err(message) = current_password(&state, &family, &form.actuel).await? {
        errors.add("actuel", message);
    } else if form.actuel == form.nouveau {
        errors.add(
            "nouveau",
            "Choisissez un mot de passe différent de l'actuel.",
        );
    }
    if !errors.is_empty() {
        return Ok(invalid(render(&state, &family, errors, None, None).await?));
    }
    let mail = password_changed_mail(&account.emails, &family.structure.name);
    let keep = Some(family.session.token_hash.as_str());
    state
        .passwords()
        .set_family_password(
            family.id(),
            form.nouveau,
            keep,
            mail.as_ref(),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to("/dossier/profil?enregistre=mot-de-passe").into_response())
}

#[derive(Deserialize)]
pub(crate) struct EmailsForm {
    #[serde(default)]
    emails: String,
    #[serde(default)]
    actuel: String,
}

pub(crate) async fn change_emails(
    State(state): State<AppState>,
    family: Family,
    SignedForm(form): SignedForm<EmailsForm>,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    let parsed = if form.emails.chars().count() > 1000 {
        errors.add("emails", "Ce champ est limité à 1000 caractères.");
        None
    } else {
        parse_email_list(&form.emails)
            .map_err(|e| errors.add("emails", e.message()))
            .ok()
    };
    if let Err(message) = current_password(&state, &family, &form.actuel).await? {
        errors.add("actuel_emails", message);
    }
    match parsed {
        Some(list) if errors.is_empty() => {
            ribambelle_usecases::accounts::set_family_emails(
                &state.db,
                family.id(),
                &list,
                state.clock.now(),
            )
            .await?;
            tracing::info!(family = %family.account.id, addresses = %join_email_list(&list).len(), "e-mail addresses changed");
            Ok(Redirect::to("/dossier/profil?enregistre=emails").into_response())
        }
        _ => {
            let value: String = form.emails.chars().take(1000).collect();
            Ok(invalid(
                render(&state, &family, errors, Some(value), None).await?,
            ))
        }
    }
}
