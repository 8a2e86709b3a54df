//! The iCalendar feed of a child's accepted days, at a private address the family can add
//! to a phone's calendar. The address is the only key: it shows nothing but those days.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{Html, IntoResponse, Response},
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
use ribambelle_usecases::reservations::{self, AcceptedDay};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

#[derive(Deserialize)]
pub(crate) struct Which {
    #[serde(default)]
    enfant: String,
}

#[derive(Template)]
#[template(path = "reservations/agenda.html")]
struct FeedPage {
    layout: Layout,
    child_name: String,
    url: String,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(which): Query<Which>,
) -> Result<Response, AppError> {
    let (child, token) = reservations::feed_token(
        &state.db,
        &family.booker()?,
        &which.enfant,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let shell = Shell::family(
        &state,
        &family,
        Section::Reservations,
        "/reservations/agenda",
    )
    .await?;
    let page = FeedPage {
        layout: Layout::new("Agenda du téléphone", Some(family.structure.clone()))
            .with_shell(shell),
        child_name: child.first_name.clone(),
        url: format!("{}/agenda/{token}.ics", state.config.public_url),
    };
    Ok(Html(page.render()?).into_response())
}

fn naive(day: jiff::civil::Date, time: jiff::civil::Time) -> Option<NaiveDateTime> {
    let date =
        NaiveDate::from_ymd_opt(i32::from(day.year()), day.month() as u32, day.day() as u32)?;
    let time = NaiveTime::from_hms_opt(time.hour() as u32, time.minute() as u32, 0)?;
    Some(NaiveDateTime::new(date, time))
}

fn event(day: &AcceptedDay) -> Option<Event> {
    let start = CalendarDateTime::WithTimezone {
        date_time: naive(day.day, day.start)?,
        tzid: "Europe/Paris".into(),
    };
    let end = CalendarDateTime::WithTimezone {
        date_time: naive(day.day, day.end)?,
        tzid: "Europe/Paris".into(),
    };
    Some(
        Event::new()
            .uid(&format!(
                "{}-{}-{}@ribambelle",
                day.day,
                day.activity_name.replace(' ', "-"),
                day.child_first_name
            ))
            .summary(&format!("{} — {}", day.activity_name, day.child_first_name))
            .location(&day.structure_name)
            .starts(start)
            .ends(end)
            .done(),
    )
}

pub(crate) async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let days = reservations::feed(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut calendar = Calendar::new();
    calendar.name("Réservations acceptées");
    for day in &days {
        if let Some(e) = event(day) {
            calendar.push(e);
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        calendar.done().to_string(),
    )
        .into_response())
}
