//! Form handling shared by every page: French messages next to the fields, a French
//! page for malformed submissions, and the anti-forgery token of signed-in forms.

use axum::{
    extract::{FromRequest, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use ribambelle_domain::text;
use serde::de::DeserializeOwned;

use crate::error::AppError;

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

/// Compares the form's anti-forgery token with the session's in constant time.
pub(crate) fn check_csrf(expected: &str, given: &str) -> Result<(), AppError> {
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
        assert!(check_csrf("abc123", "abc123").is_ok());
        assert!(check_csrf("abc123", "abc124").is_err());
        assert!(check_csrf("abc123", "").is_err());
        assert!(check_csrf("abc123", "abc1234").is_err());
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
