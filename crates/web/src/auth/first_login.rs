//! The first login: before anything else, the family replaces the password it was given.

use askama::Template;
use axum::{
    extract::State,
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::{password::Verification, password_policy::PasswordPolicy};
use ribambelle_usecases::structures;
use serde::Deserialize;

use super::verify_password;
use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::{Layout, Shell},
    session::FamilySession,
};

#[derive(Template)]
#[template(path = "auth/premiere_connexion.html")]
struct FirstLoginPage {
    layout: Layout,
    csrf: String,
    policy: PasswordPolicy,
    rules: Vec<String>,
    errors: FormErrors,
    saved: bool,
    next: &'static str,
}

async fn render(
    state: &AppState,
    family: &FamilySession,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let structure = structures::of_family(&state.db, family.id())
        .await?
        .into_iter()
        .next();
    let shell = Shell::onboarding(state, family, "/premiere-connexion");
    let next = if saved {
        super::next_step(state, family.account.id, false).await?
    } else {
        "/accueil"
    };
    let page = FirstLoginPage {
        layout: Layout::new("Première connexion", structure).with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        policy: state.config.password_policy,
        rules: state.config.password_policy.rules_text(),
        errors,
        saved,
        next,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: FamilySession,
) -> Result<Response, AppError> {
    if !family.account.must_change_password {
        return Ok(Redirect::to("/accueil").into_response());
    }
    render(&state, &family, FormErrors::default(), false).await
}

/// Shown after the password is saved (the form redirects here, so a reload resubmits nothing).
pub(crate) async fn saved(
    State(state): State<AppState>,
    family: FamilySession,
) -> Result<Response, AppError> {
    if family.account.must_change_password {
        return Ok(Redirect::to("/premiere-connexion").into_response());
    }
    render(&state, &family, FormErrors::default(), true).await
}

#[derive(Deserialize)]
pub(crate) struct NewPasswordForm {
    #[serde(default)]
    pub nouveau: String,
    #[serde(default)]
    pub confirmation: String,
}

/// The checks every new password goes through, with a message per broken rule.
pub(crate) fn check_new_password(
    policy: &PasswordPolicy,
    new: &str,
    confirmation: &str,
    personal: &[&str],
) -> FormErrors {
    let mut errors = FormErrors::default();
    if new.is_empty() {
        errors.add("nouveau", "Saisissez le nouveau mot de passe.");
    } else {
        for problem in policy.check(new, personal) {
            errors.add("nouveau", problem.message());
        }
    }
    if confirmation.is_empty() {
        errors.add(
            "confirmation",
            "Saisissez à nouveau le mot de passe pour le confirmer.",
        );
    } else if confirmation != new {
        errors.add(
            "confirmation",
            "La confirmation ne correspond pas au nouveau mot de passe.",
        );
    }
    errors
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    family: FamilySession,
    SignedForm(form): SignedForm<NewPasswordForm>,
) -> Result<Response, AppError> {
    if !family.account.must_change_password {
        return Ok(Redirect::to("/accueil").into_response());
    }
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
    if errors.is_empty() {
        let current = state.passwords().family_hash(family.id()).await?;
        if verify_password(&state, form.nouveau.clone(), current).await? != Verification::Invalid {
            errors.add(
                "nouveau",
                "Choisissez un mot de passe différent de celui qui vous a été fourni.",
            );
        }
    }
    if !errors.is_empty() {
        return Ok(invalid(render(&state, &family, errors, false).await?));
    }
    let keep = Some(family.session.token_hash.as_str());
    state
        .passwords()
        .set_family_password(family.id(), form.nouveau, keep, None, state.clock.now())
        .await?;
    Ok(Redirect::to("/premiere-connexion/enregistre").into_response())
}
