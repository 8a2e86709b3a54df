//! Several activities: the child's activities on one day, each with its state; the family
//! ticks what it wants, then goes back to the calendar.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::civil::Date;
use ribambelle_domain::{
    booking::{CalendarDay, DayState, Pending},
    french,
};
use ribambelle_store::bookings;

use super::{
    calendar::activity_days,
    context::{Context, Selection, parse_day},
};
use crate::{
    AppState,
    error::AppError,
    forms::SignedForm,
    layout::{Layout, Section, Shell},
    session::Family,
};

pub(crate) struct ActivityLine {
    pub public_id: String,
    pub name: String,
    pub hours: String,
    pub state_text: &'static str,
    pub modifiable: bool,
    /// Checked: booked once the pending change is applied.
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "reservations/jour.html")]
struct DayPage {
    layout: Layout,
    csrf: String,
    child_id: String,
    child_name: String,
    date: Date,
    title: String,
    lines: Vec<ActivityLine>,
    back: String,
}

fn state_text(day: &CalendarDay) -> &'static str {
    match (day.pending, day.state) {
        (Some(Pending::Book), _) => "à réserver (non validé)",
        (Some(Pending::Cancel), _) => "à annuler (non validé)",
        (None, DayState::Bookable) => "réservable",
        (None, DayState::BookedCancellable) => "réservé, annulable",
        (None, DayState::BookedLocked) => "réservé, hors délai pour annuler",
        (None, DayState::Closed) => "fermé ou hors délai",
    }
}

async fn load(
    state: &AppState,
    family: &Family,
    child: &str,
    date: &str,
) -> Result<(Context, Date, Vec<CalendarDay>), AppError> {
    let selection = Selection {
        enfant: Some(child.to_owned()),
        ..Selection::default()
    };
    let ctx = Context::load(state, family, &selection).await?;
    let day = parse_day(date)?;
    let child = ctx.child.as_ref().ok_or(AppError::BadRequest)?;
    let booked = bookings::child_bookings(&state.db, child.id, day, day).await?;
    let pending = bookings::pending(&state.db, family.account.id).await?;
    let days = ctx
        .activities
        .iter()
        .map(|a| activity_days(&ctx, a, &[day], &booked, &pending, child.id)[0])
        .collect();
    Ok((ctx, day, days))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(selection): Query<Selection>,
) -> Result<Response, AppError> {
    let (child, date) = (
        selection.enfant.clone().unwrap_or_default(),
        selection.date.clone().unwrap_or_default(),
    );
    let (ctx, day, days) = load(&state, &family, &child, &date).await?;
    if ctx.block.is_some() {
        return Ok(Redirect::to("/reservations").into_response());
    }
    let Some(child) = ctx.child.as_ref() else {
        return Err(AppError::BadRequest);
    };
    let lines = ctx
        .activities
        .iter()
        .zip(&days)
        .map(|(a, d)| ActivityLine {
            public_id: a.public_id.clone(),
            name: a.name.clone(),
            hours: format!(
                "{} – {}",
                a.start_time.strftime("%Hh%M"),
                a.end_time.strftime("%Hh%M")
            ),
            state_text: state_text(d),
            modifiable: d.state.is_modifiable(),
            checked: d.booked_with_pending(),
        })
        .collect();
    let shell = Shell::family(&state, &family, Section::Reservations, "/reservations").await?;
    let page = DayPage {
        layout: Layout::new(
            format!("Activités du {}", french::long_date(day)),
            Some(family.structure.clone()),
        )
        .with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        child_id: child.public_id.clone(),
        child_name: child.first_name.clone(),
        date: day,
        title: french::long_date(day),
        lines,
        back: format!(
            "/reservations?enfant={}&mois={}",
            child.public_id,
            day.strftime("%Y-%m")
        ),
    };
    Ok(Html(page.render()?).into_response())
}

/// The ticked activities become « to book », the unticked booked ones « to cancel »;
/// activities that cannot change on that day keep their state whatever was sent.
pub(crate) async fn apply(
    State(state): State<AppState>,
    family: Family,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (ctx, day, days) = load(&state, &family, &field("enfant"), &field("date")).await?;
    let Some(child) = ctx.child.as_ref() else {
        return Err(AppError::BadRequest);
    };
    for (activity, current) in ctx.activities.iter().zip(&days) {
        if !current.state.is_modifiable() {
            continue;
        }
        let wanted = fields
            .iter()
            .any(|(k, v)| k == "activite" && *v == activity.public_id);
        let pending = match (current.state.is_booked(), wanted) {
            (false, true) => Some(Pending::Book),
            (true, false) => Some(Pending::Cancel),
            _ => None,
        };
        bookings::set_pending(
            &state.db,
            family.account.id,
            child.id,
            activity.id,
            &[(day, pending)],
            ctx.now,
        )
        .await?;
    }
    Ok(Redirect::to(&format!(
        "/reservations?enfant={}&mois={}",
        child.public_id,
        day.strftime("%Y-%m")
    ))
    .into_response())
}
