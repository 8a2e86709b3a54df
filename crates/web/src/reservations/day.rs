//! Several activities: the child's activities on one day, each with its state; the family
//! ticks what it wants, then goes back to the calendar.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::civil::Date;
use ribambelle_domain::{booking::CalendarDay, french};
use ribambelle_usecases::reservations;

use super::context::{Context, Selection, calendar_query, parse_day};
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
    /// The account is débiteur: only what is booked may change.
    debtor: bool,
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
    let days = reservations::day(&state.db, &ctx.booker, &ctx.selected, day, ctx.now)
        .await?
        .ok_or(AppError::BadRequest)?;
    Ok((ctx, day, days))
}

/// Back to the child's calendar, at that day's month.
fn back(child: &str, day: Date) -> String {
    format!(
        "/reservations{}",
        calendar_query(Some(child), None, Some(day.first_of_month()))
    )
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
    let Some(child) = ctx.selected.child.as_ref() else {
        return Err(AppError::BadRequest);
    };
    let lines = ctx
        .selected
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
            state_text: super::calendar::state_label(d).spoken,
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
        debtor: ctx.selected.block.is_some(),
        back: back(&child.public_id, day),
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
    let ctx = Context::load(
        &state,
        &family,
        &Selection {
            enfant: Some(field("enfant")),
            ..Selection::default()
        },
    )
    .await?;
    let day = parse_day(&field("date"))?;
    let Some(child) = ctx.selected.child.as_ref() else {
        return Err(AppError::BadRequest);
    };
    let wanted = |activity: &reservations::Activity| {
        fields
            .iter()
            .any(|(k, v)| k == "activite" && *v == activity.public_id)
    };
    reservations::choose_day(&state.db, &ctx.booker, &ctx.selected, day, wanted, ctx.now).await?;
    Ok(Redirect::to(&back(&child.public_id, day)).into_response())
}
