//! The RGPD notice and the CGU, accepted before the portal can be used, and again when a
//! new version is published.

use askama::Template;
use axum::{
    extract::State,
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::ids::LegalTextId;
use ribambelle_usecases::{
    legal::{self, LegalText},
    structures,
};

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::{Layout, Shell},
    session::FamilySession,
};

#[derive(Template)]
#[template(path = "auth/conditions.html")]
struct ConditionsPage {
    layout: Layout,
    csrf: String,
    texts: Vec<LegalText>,
    errors: FormErrors,
}

async fn render(
    state: &AppState,
    family: &FamilySession,
    texts: Vec<LegalText>,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let structure = structures::of_family(&state.db, family.id())
        .await?
        .into_iter()
        .next();
    let page = ConditionsPage {
        layout: Layout::new("Documents à consulter", structure).with_shell(Shell::onboarding(
            state,
            family,
            "/conditions",
        )),
        csrf: family.session.csrf_token.clone(),
        texts,
        errors,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: FamilySession,
) -> Result<Response, AppError> {
    if family.account.must_change_password {
        return Ok(Redirect::to("/premiere-connexion").into_response());
    }
    let texts = legal::pending(&state.db, family.id()).await?;
    if texts.is_empty() {
        return Ok(
            Redirect::to(super::next_step(&state, family.account.id, false).await?).into_response(),
        );
    }
    render(&state, &family, texts, FormErrors::default()).await
}

/// Every box of the pending texts must be ticked; the form's fields are `texte_<id>`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    family: FamilySession,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if family.account.must_change_password {
        return Ok(Redirect::to("/premiere-connexion").into_response());
    }
    let texts = legal::pending(&state.db, family.id()).await?;
    let ticked = |text: &LegalText| {
        fields
            .iter()
            .any(|(k, v)| *k == format!("texte_{}", text.id) && v == "oui")
    };
    let mut errors = FormErrors::default();
    for text in texts.iter().filter(|t| !ticked(t)) {
        errors.add(
            format!("texte_{}", text.id),
            "Cochez cette case pour continuer : vous devez avoir pris connaissance de ce document.",
        );
    }
    if !errors.is_empty() {
        return Ok(invalid(render(&state, &family, texts, errors).await?));
    }
    let ids: Vec<LegalTextId> = texts.iter().map(|t| t.id).collect();
    legal::accept(&state.db, family.id(), &ids, state.clock.now()).await?;
    Ok(Redirect::to(super::next_step(&state, family.account.id, false).await?).into_response())
}
