use askama::Template;
use axum::{
    extract::State,
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_store::portal;

use crate::{AppState, error::AppError, layout::Layout};

#[derive(Template)]
#[template(path = "connexion.html")]
struct LoginPage {
    layout: Layout,
}

pub(crate) async fn home() -> Response {
    Redirect::to("/connexion").into_response()
}

pub(crate) async fn page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let structure = portal::home_structure(&state.db).await?;
    let page = LoginPage { layout: Layout::new("Connexion", structure) };
    Ok(Html(page.render().map_err(|e| AppError::Internal(e.to_string()))?))
}
