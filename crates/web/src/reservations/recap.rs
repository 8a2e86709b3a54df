//! « Valider » → the récapitulatif: the bookings asked (with their price) and the
//! cancellations; « Confirmer » records them all, « Modifier » goes back, « Abandonner »
//! drops everything.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use ribambelle_domain::french;
use ribambelle_usecases::reservations::{self, Confirmation, Confirmed, Draft, DraftLine};
use serde::Deserialize;

use super::context::calendar_query;
use crate::{
    AppState,
    error::AppError,
    forms::{Button, SignedForm},
    layout::{Layout, Section, Shell},
    session::Family,
};

pub(crate) struct Line {
    pub child: String,
    pub activity: String,
    pub day: String,
    pub amount: String,
    pub reason: &'static str,
}

/// The calendar the family came from: its first change's child, activity and month.
fn back_to_calendar(draft: &Draft) -> String {
    draft.first_line().map_or_else(String::new, |l| {
        calendar_query(
            Some(&l.child_public_id),
            Some(&l.activity_public_id),
            Some(l.day.first_of_month()),
        )
    })
}

fn line(l: &DraftLine, reason: &'static str) -> Line {
    Line {
        child: l.child_first_name.clone(),
        activity: l.activity_name.clone(),
        day: french::long_date(l.day),
        amount: l.amount.to_french(),
        reason,
    }
}

#[derive(Template)]
#[template(path = "reservations/recapitulatif.html")]
struct RecapPage {
    layout: Layout,
    csrf: String,
    key: String,
    bookings: Vec<Line>,
    cancellations: Vec<Line>,
    refused: Vec<Line>,
    total: String,
    /// « ?enfant=…&activite=…&mois=… », back to the calendar the family came from.
    back: String,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
) -> Result<Response, AppError> {
    let draft = reservations::review(&state.db, &family.booker()?, state.clock.now()).await?;
    if draft.is_empty() {
        return Ok(Redirect::to("/reservations").into_response());
    }
    let shell = Shell::family(
        &state,
        &family,
        Section::Reservations,
        "/reservations/recapitulatif",
    )
    .await?;
    let page = RecapPage {
        layout: Layout::new(
            "Récapitulatif de vos demandes",
            Some(family.structure.clone()),
        )
        .with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        key: reservations::confirmation_key()?,
        bookings: draft.bookings.iter().map(|l| line(l, "")).collect(),
        cancellations: draft.cancellations.iter().map(|l| line(l, "")).collect(),
        refused: draft
            .refused
            .iter()
            .map(|(l, r)| line(l, r.message()))
            .collect(),
        total: draft.total().to_french(),
        back: back_to_calendar(&draft),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    cle: String,
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    family: Family,
    SignedForm(form): SignedForm<ConfirmForm>,
) -> Result<Response, AppError> {
    if form.cle.len() != 64 || !form.cle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::BadRequest);
    }
    let Confirmation {
        confirmed, decided, ..
    } = reservations::confirm(&state.db, &state.clock, &family.booker()?, &form.cle).await?;
    let (Confirmed::Recorded {
        bookings,
        cancellations,
    }
    | Confirmed::AlreadyRecorded {
        bookings,
        cancellations,
    }) = confirmed;
    let decided = if decided { "&traitees=1" } else { "" };
    Ok(Redirect::to(&format!(
        "/reservations/confirmation?reservations={bookings}&annulations={cancellations}{decided}"
    ))
    .into_response())
}

pub(crate) async fn abandon(
    State(state): State<AppState>,
    family: Family,
    SignedForm(_): SignedForm<Button>,
) -> Result<Response, AppError> {
    let booker = family.booker()?;
    let draft = reservations::review(&state.db, &booker, state.clock.now()).await?;
    reservations::drop_draft(&state.db, &booker).await?;
    let back = match back_to_calendar(&draft) {
        query if query.is_empty() => "/reservations?info=annule".to_owned(),
        query => format!("/reservations{query}&info=annule"),
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Counts {
    #[serde(default)]
    reservations: u32,
    #[serde(default)]
    annulations: u32,
    /// Present when the structure decided the requests at once.
    #[serde(default)]
    traitees: Option<String>,
}

#[derive(Template)]
#[template(path = "reservations/confirmation.html")]
struct DonePage {
    layout: Layout,
    bookings: u32,
    cancellations: u32,
    decided: bool,
}

pub(crate) async fn done(
    State(state): State<AppState>,
    family: Family,
    Query(counts): Query<Counts>,
) -> Result<Html<String>, AppError> {
    let shell = Shell::family(
        &state,
        &family,
        Section::Reservations,
        "/reservations/confirmation",
    )
    .await?;
    let page = DonePage {
        layout: Layout::new("Demandes enregistrées", Some(family.structure.clone()))
            .with_shell(shell),
        bookings: counts.reservations,
        cancellations: counts.annulations,
        decided: counts.traitees.is_some(),
    };
    Ok(Html(page.render()?))
}
