//! The règlement intérieur, signed per child and per structure where the child is
//! registered. Until it is signed the child cannot be booked.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::{
    Timestamp, ToSpan,
    civil::{Date, Time},
};
use ribambelle_domain::{
    clock::{paris, paris_date},
    ids::LegalTextId,
};
use ribambelle_usecases::legal::{self, ChildReglement, NewSignature, SignOutcome};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, InputField, SignedForm, invalid},
    layout::{Layout, Section, Shell},
    session::Family,
};

struct ChildTab {
    public_id: String,
    name: String,
    signed: bool,
    current: bool,
}

#[derive(Default, Deserialize)]
pub(crate) struct SignatureForm {
    #[serde(default)]
    texte: String,
    #[serde(default)]
    lu: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    lieu: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    heure: String,
}

#[derive(Template)]
#[template(path = "auth/reglement.html")]
struct ReglementPage {
    layout: Layout,
    csrf: String,
    children: Vec<ChildTab>,
    child_public_id: String,
    child_name: String,
    fiches: Vec<ChildReglement>,
    form: SignatureForm,
    errors: FormErrors,
    notice: Option<String>,
    all_signed: bool,
}

impl ReglementPage {
    fn signature_fields(&self) -> Vec<InputField> {
        vec![
            InputField::new("nom", "Nom du signataire", "text", &self.form.nom, "name"),
            InputField::new("lieu", "Lieu", "text", &self.form.lieu, "address-level2"),
            InputField::new("date", "Date", "date", &self.form.date, "off"),
            InputField::new("heure", "Heure", "time", &self.form.heure, "off"),
        ]
    }
}

/// Each child once, in the order of the list, with whether all its règlements are signed.
fn tabs(all: &[ChildReglement], current: &str) -> Vec<ChildTab> {
    let mut tabs: Vec<ChildTab> = Vec::new();
    for item in all {
        let signed = item.signature.is_some();
        match tabs
            .iter_mut()
            .find(|t| t.public_id == item.child_public_id)
        {
            Some(tab) => tab.signed &= signed,
            None => tabs.push(ChildTab {
                public_id: item.child_public_id.clone(),
                name: item.child_first_name.clone(),
                signed,
                current: item.child_public_id == current,
            }),
        }
    }
    tabs
}

pub(crate) async fn first(
    State(state): State<AppState>,
    family: Family,
) -> Result<Response, AppError> {
    let all = legal::reglements(&state.db, family.id()).await?;
    let target = all.iter().find(|r| r.signature.is_none()).or(all.first());
    Ok(match target {
        Some(item) => {
            Redirect::to(&format!("/reglement-interieur/{}", item.child_public_id)).into_response()
        }
        None => Redirect::to("/accueil").into_response(),
    })
}

#[derive(Deserialize)]
pub(crate) struct Signed {
    #[serde(default)]
    signe: Option<String>,
}

async fn render(
    state: &AppState,
    family: &Family,
    child: &str,
    form: SignatureForm,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let all = legal::reglements(&state.db, family.id()).await?;
    let fiches: Vec<ChildReglement> = all
        .iter()
        .filter(|r| r.child_public_id == child)
        .cloned()
        .collect();
    let Some(first) = fiches.first() else {
        return Err(AppError::NotFound);
    };
    let child_name = format!("{} {}", first.child_first_name, first.child_last_name);
    let path = format!("/reglement-interieur/{child}");
    let shell = Shell::family(state, family, Section::Dossier, &path).await?;
    let page = ReglementPage {
        layout: Layout::new(
            format!("Règlement intérieur de {}", first.child_first_name),
            Some(family.structure.clone()),
        )
        .with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        children: tabs(&all, child),
        child_public_id: child.to_owned(),
        child_name,
        all_signed: all.iter().all(|r| r.signature.is_some()),
        fiches,
        form,
        errors,
        notice,
    };
    Ok(Html(page.render()?).into_response())
}

/// The signature form starts filled with the family's name and the current date and time.
fn prefilled(family: &Family, now: Timestamp) -> SignatureForm {
    let now = now.to_zoned_datetime(paris());
    SignatureForm {
        nom: family.account.display_name(),
        date: now.date().to_string(),
        heure: now.time().strftime("%H:%M").to_string(),
        ..SignatureForm::default()
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Path(child): Path<String>,
    Query(signed): Query<Signed>,
) -> Result<Response, AppError> {
    let notice = signed
        .signe
        .map(|_| "La fiche a bien été validée et transmise.".to_owned());
    let form = prefilled(&family, state.clock.now());
    render(&state, &family, &child, form, FormErrors::default(), notice).await
}

/// The signature's date must be today (or yesterday, for a form left open past midnight).
fn check_signature(form: &SignatureForm, today: Date) -> FormErrors {
    let mut errors = FormErrors::default();
    if form.lu != "oui" {
        errors.add("lu", "Cochez cette case pour confirmer que vous avez pris connaissance du règlement intérieur.");
    }
    errors.require("nom", &form.nom, "votre nom", 100);
    errors.require("lieu", &form.lieu, "le lieu de signature", 100);
    match form.date.trim().parse::<Date>() {
        Err(_) => errors.add("date", "Saisissez la date du jour (jj/mm/aaaa)."),
        Ok(date) if date > today || date < today - 1.day() => errors.add(
            "date",
            "La date de signature doit être celle d'aujourd'hui.",
        ),
        Ok(_) => {}
    }
    if form.heure.trim().parse::<Time>().is_err() {
        errors.add("heure", "Saisissez l'heure de signature (hh:mm).");
    }
    errors
}

pub(crate) async fn sign(
    State(state): State<AppState>,
    family: Family,
    Path(child): Path<String>,
    SignedForm(form): SignedForm<SignatureForm>,
) -> Result<Response, AppError> {
    let Ok(text_id) = form.texte.parse::<LegalTextId>() else {
        return Err(AppError::BadRequest);
    };
    let now = state.clock.now();
    let errors = check_signature(&form, paris_date(now));
    if !errors.is_empty() {
        return Ok(invalid(
            render(&state, &family, &child, form, errors, None).await?,
        ));
    }
    let date: Date = form.date.trim().parse().map_err(|_| AppError::BadRequest)?;
    let time: Time = form
        .heure
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest)?;
    let signed_at_text = ribambelle_domain::french::date_time(date.to_datetime(time));
    let signature = NewSignature {
        child_public_id: &child,
        legal_text_id: text_id,
        signer_name: form.nom.trim(),
        signed_place: form.lieu.trim(),
        signed_at_text: &signed_at_text,
    };
    match legal::sign(&state.db, family.id(), &signature, now).await? {
        SignOutcome::NotFound => Err(AppError::NotFound),
        SignOutcome::Signed | SignOutcome::AlreadySigned => {
            Ok(Redirect::to(&format!("/reglement-interieur/{child}?signe=1")).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn form(date: &str, time: &str) -> SignatureForm {
        SignatureForm {
            lu: "oui".into(),
            nom: "DUPONT Jean-Paul".into(),
            lieu: "CarteVille".into(),
            date: date.into(),
            heure: time.into(),
            ..SignatureForm::default()
        }
    }

    #[test]
    fn a_signature_is_dated_today() {
        let today = date(2027, 5, 15);
        assert!(check_signature(&form("2027-05-15", "08:05"), today).is_empty());
        assert!(check_signature(&form("2027-05-14", "23:59"), today).is_empty());
        assert_eq!(
            check_signature(&form("2027-05-16", "08:05"), today).get("date"),
            Some("La date de signature doit être celle d'aujourd'hui.")
        );
        assert!(
            check_signature(&form("15/05/2027", "08:05"), today)
                .get("date")
                .is_some()
        );
        assert!(
            check_signature(&form("2027-05-15", "8h"), today)
                .get("heure")
                .is_some()
        );
        let unticked = SignatureForm {
            lu: String::new(),
            ..form("2027-05-15", "08:05")
        };
        assert!(check_signature(&unticked, today).get("lu").is_some());
    }
}
