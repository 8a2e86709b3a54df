//! Switching the structure being consulted, and keeping a session alive from the expiry
//! warning.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use ribambelle_domain::ids::StructureId;
use ribambelle_usecases::sessions;
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{ScriptSession, SignedForm},
    session::Family,
};

#[derive(Deserialize)]
pub(crate) struct SwitchForm {
    #[serde(default)]
    structure: String,
    #[serde(default)]
    retour: String,
}

/// Only a path of this site is a valid place to come back to: « /x… » made of the
/// characters an address may hold as they are. Browsers drop tabs and newlines from an
/// address and read « \ » as « / », so that « /\t/pirate.example » would leave the portal;
/// a control character would not even make a header.
fn safe_return(path: &str) -> &str {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%#".contains(c);
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains("://")
        && path.chars().all(allowed);
    if local { path } else { "/accueil" }
}

pub(crate) async fn switch_structure(
    State(state): State<AppState>,
    family: Family,
    SignedForm(form): SignedForm<SwitchForm>,
) -> Result<Response, AppError> {
    let id: StructureId = form
        .structure
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest)?;
    // A structure the family is not known to is, for it, a structure that does not exist.
    if !family.structures.iter().any(|s| s.id == id) {
        return Err(AppError::NotFound);
    }
    sessions::consult(&state.db, &family.session, id).await?;
    Ok(Redirect::to(safe_return(&form.retour)).into_response())
}

/// « Rester connecté »: called by the expiry warning's button, with the page's token in a
/// header.
pub(crate) async fn keep_alive(
    State(state): State<AppState>,
    ScriptSession(session): ScriptSession,
) -> Result<Response, AppError> {
    let Some(session) = session else {
        return Ok(StatusCode::UNAUTHORIZED.into_response());
    };
    sessions::keep_alive(&state.db, &session, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_return("/dossier/profil"), "/dossier/profil");
        assert_eq!(safe_return("//evil.example/"), "/accueil");
        assert_eq!(safe_return("https://evil.example/"), "/accueil");
        assert_eq!(safe_return("/\\evil.example"), "/accueil");
        assert_eq!(safe_return(""), "/accueil");
        for control in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\0",
            "/ /evil.example",
            "/é",
        ] {
            assert_eq!(safe_return(control), "/accueil", "{control:?}");
        }
        assert_eq!(
            safe_return("/reservations?enfant=a-1&mois=2027-05#jour"),
            "/reservations?enfant=a-1&mois=2027-05#jour"
        );
    }
}
