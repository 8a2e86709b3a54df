//! Form handling shared by every page: French messages next to the fields, a French
//! page for malformed submissions, and the anti-forgery token of signed-in forms.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Multipart, Request},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use ribambelle_domain::text;
use ribambelle_usecases::sessions::Session;
use serde::{Deserialize, de::DeserializeOwned};

use crate::{AppState, error::AppError, session::MaybeSession};

/// Messages for the fields of a submitted form, in the order of the form.
#[derive(Clone, Debug, Default)]
pub(crate) struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Every message of one field (a password may break several rules).
    pub fn all(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// Checks a required text field's presence and length.
    /// A required one-line field: not empty, at most `max` characters, on one line.
    pub fn require(&mut self, field: &str, value: &str, label: &str, max: usize) {
        self.require_with(field, value, label, max, text::single_line_problem);
    }

    /// A required multi-line field (a `textarea`).
    pub fn require_text(&mut self, field: &str, value: &str, label: &str, max: usize) {
        self.require_with(field, value, label, max, text::multi_line_problem);
    }

    fn require_with(
        &mut self,
        field: &str,
        value: &str,
        label: &str,
        max: usize,
        problem: fn(&str) -> Option<&'static str>,
    ) {
        if value.trim().is_empty() {
            self.add(field, format!("Saisissez {label}."));
        } else if value.chars().count() > max {
            self.add(field, format!("Ce champ est limité à {max} caractères."));
        } else if let Some(message) = problem(value) {
            self.add(field, message);
        }
    }
}

/// A text input of a form, for templates that lay out several alike.
pub(crate) struct InputField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
}

impl InputField {
    pub fn new(
        name: &'static str,
        label: &'static str,
        kind: &'static str,
        value: &str,
        autocomplete: &'static str,
    ) -> Self {
        InputField {
            name,
            label,
            kind,
            value: value.to_owned(),
            autocomplete,
        }
    }
}

/// `axum::Form`, but a malformed body gets the French « requête invalide » page (400).
pub(crate) struct FrenchForm<T>(pub T);

impl<S, T> FromRequest<S> for FrenchForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(FrenchForm(value)),
            Err(rejection) => {
                tracing::info!(%rejection, "malformed form");
                Err(AppError::BadRequest.into_response())
            }
        }
    }
}

/// A form posted from a page of this request's session: the body as `T`, once its `_csrf`
/// field has matched the session's anti-forgery token. A malformed body gets the French
/// « requête invalide » page (400); a missing or wrong token, or no session at all, the
/// 403 page — before the handler runs, so that no handler checks the token itself.
pub(crate) struct SignedForm<T>(pub T);

impl<T> FromRequest<AppState> for SignedForm<T>
where
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (session, body) = signed_body(req, state).await?;
        let value: T = serde_urlencoded::from_bytes(&body.bytes).map_err(|rejection| {
            tracing::info!(%rejection, "malformed form");
            AppError::BadRequest.into_response()
        })?;
        match session {
            Some(session) => body
                .verify(&session)
                .map(|()| SignedForm(value))
                .map_err(IntoResponse::into_response),
            None => Err(AppError::Forbidden.into_response()),
        }
    }
}

/// The form of a button that sends nothing but its token (« Supprimer », « Payer »…).
#[derive(Deserialize)]
pub(crate) struct Button {}

/// « Se déconnecter » posted by a family: the session it ends, once the form's token has
/// matched it, or none when the visitor has no session left (nothing to end, no token to
/// check).
pub(crate) struct SignOut(pub Option<Session>);

impl FromRequest<AppState> for SignOut {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (session, body) = signed_body(req, state).await?;
        if let Some(session) = &session {
            body.verify(session).map_err(IntoResponse::into_response)?;
        }
        Ok(SignOut(session))
    }
}

/// The session of a page's script request (« Rester connecté »), once its `x-csrf-token`
/// header has matched the session's token; none when the visitor has no session.
pub(crate) struct ScriptSession(pub Option<Session>);

impl FromRequestParts<AppState> for ScriptSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeSession(session) = MaybeSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(session) = &session {
            let given = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            same_token(&session.csrf_token, given).map_err(IntoResponse::into_response)?;
        }
        Ok(ScriptSession(session))
    }
}

/// An upload (`multipart/form-data`) posted from a page of this request's session: its first
/// field must be `_csrf` with the session's token. Browsers send the fields in the order of
/// the page, and the token is each upload form's first input, so a forged upload is refused
/// (403) before its file is read.
pub(crate) enum SignedMultipart {
    /// The token matched: the other fields, to read.
    Signed(Multipart),
    /// The body is over the route's limit, so not even its token could be read: nothing may
    /// be done, the page only says why.
    TooLarge,
}

impl FromRequest<AppState> for SignedMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let MaybeSession(session) = MaybeSession::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| {
                tracing::info!(%rejection, "not a multipart form");
                AppError::BadRequest.into_response()
            })?;
        let given = match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("_csrf") => field.text().await.ok(),
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Ok(SignedMultipart::TooLarge);
            }
            _ => None,
        };
        match (session, given) {
            (Some(session), Some(given)) => {
                same_token(&session.csrf_token, &given).map_err(IntoResponse::into_response)?;
                Ok(SignedMultipart::Signed(multipart))
            }
            _ => Err(AppError::Forbidden.into_response()),
        }
    }
}

/// A urlencoded body, read once, with the token it carries.
struct SignedBody {
    bytes: Bytes,
    token: String,
}

impl SignedBody {
    fn verify(&self, session: &Session) -> Result<(), AppError> {
        same_token(&session.csrf_token, &self.token)
    }
}

/// The request's session and its urlencoded body (400 for any other body).
async fn signed_body(
    req: Request,
    state: &AppState,
) -> Result<(Option<Session>, SignedBody), Response> {
    let (mut parts, body) = req.into_parts();
    let MaybeSession(session) = MaybeSession::from_request_parts(&mut parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let bad = || AppError::BadRequest.into_response();
    let urlencoded = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencoded {
        return Err(bad());
    }
    let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|_| bad())?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| bad())?;
    let token = fields
        .into_iter()
        .find(|(name, _)| name == "_csrf")
        .map(|(_, token)| token)
        .unwrap_or_default();
    Ok((session, SignedBody { bytes, token }))
}

/// Compares the given anti-forgery token with the session's in constant time.
fn same_token(expected: &str, given: &str) -> Result<(), AppError> {
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A form re-shown with its errors: 422, so that scripts and tests see the refusal.
pub(crate) fn invalid(html: Response) -> Response {
    let mut response = html;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_must_match_exactly() {
        assert!(same_token("abc123", "abc123").is_ok());
        assert!(same_token("abc123", "abc124").is_err());
        assert!(same_token("abc123", "").is_err());
        assert!(same_token("abc123", "abc1234").is_err());
    }

    #[test]
    fn required_fields_get_french_messages() {
        let mut errors = FormErrors::default();
        errors.require("nom", "  ", "votre nom", 10);
        errors.require("lieu", "une ville au nom très long", "le lieu", 10);
        errors.require("ok", "Paris", "le lieu", 10);
        assert_eq!(errors.get("nom"), Some("Saisissez votre nom."));
        assert_eq!(
            errors.get("lieu"),
            Some("Ce champ est limité à 10 caractères.")
        );
        assert_eq!(errors.get("ok"), None);
        assert_eq!(errors.count(), 2);
    }
}
