//! The month calendar: one activity (four states, pending changes, places left, quick
//! tools) or all the child's activities at once.

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::{
    ToSpan,
    civil::{Date, Weekday},
};
use ribambelle_domain::{
    booking::{Block, CalendarDay, DayState, Pending, QuickTool, ReservationState, quick_tool},
    clock::paris_date,
    french,
};
use ribambelle_store::bookings::{self, Activity, PendingChange};
use serde::Deserialize;

use super::context::{Context, Selection, parse_day, parse_month};
use crate::{
    AppState,
    error::AppError,
    forms::SignedForm,
    layout::{Layout, Section, Shell},
    session::Family,
};

/// One cell of the month grid.
pub(crate) struct Cell {
    pub date: Date,
    pub number: String,
    pub in_month: bool,
    /// Short visible state (« Réservable », « À réserver »…).
    pub label: &'static str,
    /// Its shortest form, for phones.
    pub short: &'static str,
    pub class: &'static str,
    /// The full date and its state, read aloud: « lundi 15 mai 2027, réservable ».
    pub aria: String,
    pub clickable: bool,
    pub places: Option<String>,
}

pub(crate) struct Week {
    pub monday: Date,
    pub label: String,
    pub cells: Vec<Cell>,
}

pub(crate) struct Column {
    pub weekday: i8,
    pub name: &'static str,
    pub short: &'static str,
}

#[derive(Template)]
#[template(path = "reservations/calendrier.html")]
struct CalendarPage {
    layout: Layout,
    csrf: String,
    children: Vec<(String, String, bool)>,
    child_name: Option<String>,
    child_id: String,
    child_unsigned: bool,
    activities: Vec<(String, String, bool)>,
    activity_id: String,
    activity_name: Option<String>,
    month_title: String,
    month_value: String,
    previous_month: String,
    next_month: String,
    columns: Vec<Column>,
    weeks: Vec<Week>,
    pending_count: usize,
    info: Option<&'static str>,
    debtor: Option<String>,
}

/// Visible label, phone label, CSS class and spoken state of a day.
fn state_label(day: &CalendarDay) -> (&'static str, &'static str, &'static str, &'static str) {
    match (day.pending, day.state) {
        (Some(Pending::Book), _) => (
            "À réserver",
            "+ résa",
            "day-to-book",
            "à réserver, modification non validée",
        ),
        (Some(Pending::Cancel), _) => (
            "À annuler",
            "− annul.",
            "day-to-cancel",
            "à annuler, modification non validée",
        ),
        (None, DayState::Bookable) => ("Réservable", "libre", "day-bookable", "réservable"),
        (None, DayState::BookedCancellable) => {
            ("Réservé", "réservé", "day-booked", "réservé, annulable")
        }
        (None, DayState::BookedLocked) => (
            "Réservé · hors délai",
            "bloqué",
            "day-locked",
            "réservé, hors délai pour annuler",
        ),
        (None, DayState::Closed) => (
            "Fermé",
            "fermé",
            "day-closed",
            "fermé ou hors délai pour réserver",
        ),
    }
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The grid's days: Monday of the first week to Sunday of the last.
fn grid_days(month: Date) -> Vec<Date> {
    let first = month.first_of_month();
    let last = month.last_of_month();
    let start = first - i64::from(first.weekday().to_monday_zero_offset()).days();
    let end = last + i64::from(6 - last.weekday().to_monday_zero_offset()).days();
    let mut days = Vec::new();
    let mut d = start;
    while d <= end {
        days.push(d);
        let Ok(next) = d.tomorrow() else { break };
        d = next;
    }
    days
}

/// The state of each day of one activity for the child, with pending changes.
pub(crate) fn activity_days(
    ctx: &Context,
    activity: &Activity,
    days: &[Date],
    booked: &HashMap<(i64, Date), ReservationState>,
    pending: &[PendingChange],
    child_id: i64,
) -> Vec<CalendarDay> {
    days.iter()
        .map(|&day| {
            let is_booked = booked
                .get(&(activity.id, day))
                .is_some_and(|s| s.holds_place());
            let modifiable = activity
                .rules
                .may_change(ctx.standing(), day, ctx.now, &ctx.calendar)
                .is_ok();
            let pending = pending
                .iter()
                .find(|p| p.child_id == child_id && p.activity_id == activity.id && p.day == day)
                .map(|p| p.change);
            CalendarDay {
                day,
                state: DayState::of(is_booked, modifiable),
                pending,
            }
        })
        .collect()
}

/// Several activities: a day is booked if any activity is, modifiable if any activity is;
/// pending if any change waits.
fn combined_days(per_activity: &[Vec<CalendarDay>], days: &[Date]) -> Vec<CalendarDay> {
    days.iter()
        .enumerate()
        .map(|(i, &day)| {
            let all: Vec<&CalendarDay> = per_activity.iter().map(|list| &list[i]).collect();
            let booked = all.iter().any(|d| d.state.is_booked());
            let modifiable = all.iter().any(|d| d.state.is_modifiable());
            let pending = all.iter().find_map(|d| d.pending);
            CalendarDay {
                day,
                state: DayState::of(booked, modifiable),
                pending,
            }
        })
        .collect()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(selection): Query<Selection>,
) -> Result<Response, AppError> {
    let ctx = Context::load(&state, &family, &selection).await?;
    let today = paris_date(ctx.now);
    let month = selection
        .mois
        .as_deref()
        .and_then(parse_month)
        .unwrap_or_else(|| today.first_of_month());
    let days = grid_days(month);
    let mut weeks = Vec::new();
    let mut columns = Vec::new();
    let mut pending_count = 0;
    if let Some(child) = &ctx.child {
        let (first, last) = (days[0], days[days.len() - 1]);
        let booked = bookings::child_bookings(&state.db, child.id, first, last).await?;
        let pending = bookings::pending(&state.db, family.account.id).await?;
        pending_count = pending.len();
        let shown: Vec<&Activity> = match &ctx.activity {
            Some(a) => vec![a],
            None => ctx.activities.iter().collect(),
        };
        let per_activity: Vec<Vec<CalendarDay>> = shown
            .iter()
            .map(|a| activity_days(&ctx, a, &days, &booked, &pending, child.id))
            .collect();
        let cells = match &ctx.activity {
            Some(_) => per_activity.into_iter().next().unwrap_or_default(),
            None => combined_days(&per_activity, &days),
        };
        let places = match &ctx.activity {
            Some(a) if a.capacity.is_some() => {
                bookings::places_taken(&state.db, a.id, first, last).await?
            }
            _ => HashMap::new(),
        };
        let weekend = shown.iter().any(|a| {
            a.rules
                .schedule
                .weekdays
                .iter()
                .any(|w| matches!(w, Weekday::Saturday | Weekday::Sunday))
        });
        let shown_weekdays: Vec<i8> = if weekend {
            (1..=7).collect()
        } else {
            (1..=5).collect()
        };
        columns = shown_weekdays
            .iter()
            .zip(WEEKDAYS)
            .map(|(&n, weekday)| Column {
                weekday: n,
                name: french::weekday_name(weekday),
                short: french::short_weekday_name(weekday),
            })
            .collect();
        for chunk in cells.chunks(7) {
            let monday = chunk[0].day;
            // A week whose shown days all belong to the next or previous month (a month
            // starting on a weekend) has nothing to show or to book.
            if !chunk.iter().any(|d| {
                d.day.month() == month.month()
                    && shown_weekdays.contains(&d.day.weekday().to_monday_one_offset())
            }) {
                continue;
            }
            let week_cells = chunk
                .iter()
                .filter(|d| shown_weekdays.contains(&d.day.weekday().to_monday_one_offset()))
                .map(|d| {
                    let (label, short, class, spoken) = state_label(d);
                    let places = ctx
                        .activity
                        .as_ref()
                        .and_then(|a| a.capacity)
                        .filter(|_| d.state == DayState::Bookable)
                        .map(|capacity| {
                            let left = capacity - places.get(&d.day).copied().unwrap_or(0);
                            if left > 0 {
                                format!("{left} place{}", if left > 1 { "s" } else { "" })
                            } else {
                                "complet — liste d'attente".to_owned()
                            }
                        });
                    let aria = match &places {
                        Some(p) => format!("{}, {spoken}, {p}", french::long_date(d.day)),
                        None => format!("{}, {spoken}", french::long_date(d.day)),
                    };
                    Cell {
                        date: d.day,
                        number: french::day_of_month(d.day),
                        in_month: d.day.month() == month.month(),
                        label,
                        short,
                        class,
                        aria,
                        clickable: d.state.is_modifiable() && d.day.month() == month.month(),
                        places,
                    }
                })
                .collect();
            weeks.push(Week {
                monday,
                label: format!("Semaine du {}", french::long_date(monday)),
                cells: week_cells,
            });
        }
    }
    let info = match selection.info.as_deref() {
        Some("vide") => Some("Aucun jour modifiable dans cette sélection : rien n'a changé."),
        Some("annule") => Some("Toutes les modifications en attente ont été annulées."),
        _ => None,
    };
    let debtor = ctx.block.map(|Block::Debtor(balance)| balance.to_french());
    let shell = Shell::family(&state, &family, Section::Reservations, "/reservations").await?;
    let page = CalendarPage {
        layout: Layout::new("Réservations", Some(family.structure.clone())).with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        children: ctx
            .children
            .iter()
            .map(|c| {
                (
                    c.public_id.clone(),
                    c.first_name.clone(),
                    ctx.child.as_ref().is_some_and(|s| s.id == c.id),
                )
            })
            .collect(),
        child_name: ctx.child.as_ref().map(|c| c.first_name.clone()),
        child_id: ctx
            .child
            .as_ref()
            .map(|c| c.public_id.clone())
            .unwrap_or_default(),
        child_unsigned: ctx.child.as_ref().is_some_and(|c| !c.reglement_signed),
        activities: ctx
            .activities
            .iter()
            .map(|a| {
                (
                    a.public_id.clone(),
                    a.name.clone(),
                    ctx.activity.as_ref().is_some_and(|s| s.id == a.id),
                )
            })
            .collect(),
        activity_id: ctx
            .activity
            .as_ref()
            .map(|a| a.public_id.clone())
            .unwrap_or_default(),
        activity_name: ctx.activity.as_ref().map(|a| a.name.clone()),
        month_title: french::month_year(month.year(), month.month()),
        month_value: month.strftime("%Y-%m").to_string(),
        previous_month: (month - 1.month()).strftime("%Y-%m").to_string(),
        next_month: (month + 1.month()).strftime("%Y-%m").to_string(),
        columns,
        weeks,
        pending_count,
        info,
        debtor,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CalendarAction {
    #[serde(default)]
    enfant: String,
    #[serde(default)]
    activite: String,
    #[serde(default)]
    mois: String,
    /// A day clicked: « 2027-05-15 ».
    #[serde(default)]
    basculer: Option<String>,
    /// The week tool: the Monday of the week.
    #[serde(default)]
    semaine: Option<String>,
    /// The weekday tool: 1 (Monday) to 7.
    #[serde(default)]
    jour_semaine: Option<String>,
    /// The month tool.
    #[serde(default)]
    tout_le_mois: Option<String>,
    /// « Annuler »: drop every pending change.
    #[serde(default)]
    annuler: Option<String>,
}

/// A click on the calendar: one day, a quick tool, or « Annuler ». Nothing is recorded
/// but the draft; the server re-checks that each day may change.
pub(crate) async fn act(
    State(state): State<AppState>,
    family: Family,
    SignedForm(form): SignedForm<CalendarAction>,
) -> Result<Response, AppError> {
    let month = parse_month(&form.mois).ok_or(AppError::BadRequest)?;
    let selection = Selection {
        enfant: Some(form.enfant.clone()),
        activite: Some(form.activite.clone()),
        mois: Some(form.mois.clone()),
        ..Selection::default()
    };
    let ctx = Context::load(&state, &family, &selection).await?;
    let back = format!("/reservations{}", ctx.query(Some(month)));
    if form.annuler.is_some() {
        bookings::clear_pending(&state.db, family.account.id).await?;
        return Ok(Redirect::to(&format!("{back}&info=annule")).into_response());
    }
    let (Some(child), Some(activity)) = (&ctx.child, &ctx.activity) else {
        return Err(AppError::BadRequest);
    };
    let days: Vec<Date> = grid_days(month)
        .into_iter()
        .filter(|d| d.month() == month.month())
        .collect();
    let booked =
        bookings::child_bookings(&state.db, child.id, days[0], days[days.len() - 1]).await?;
    let pending = bookings::pending(&state.db, family.account.id).await?;
    let month_days = activity_days(&ctx, activity, &days, &booked, &pending, child.id);
    let set: Vec<CalendarDay> = if let Some(day) = form.basculer.as_deref() {
        let day = parse_day(day)?;
        let Some(clicked) = month_days.iter().find(|d| d.day == day) else {
            return Err(AppError::BadRequest);
        };
        // A day that cannot change is left as it is.
        let changes: Vec<(Date, Option<Pending>)> =
            clicked.toggled().map(|p| (day, p)).into_iter().collect();
        bookings::set_pending(
            &state.db,
            family.account.id,
            child.id,
            activity.id,
            &changes,
            ctx.now,
        )
        .await?;
        return Ok(Redirect::to(&back).into_response());
    } else if let Some(monday) = form.semaine.as_deref() {
        let monday = parse_day(monday)?;
        month_days
            .into_iter()
            .filter(|d| d.day >= monday && d.day < monday + 7.days())
            .collect()
    } else if let Some(weekday) = form.jour_semaine.as_deref() {
        let n: i8 = weekday.parse().map_err(|_| AppError::BadRequest)?;
        month_days
            .into_iter()
            .filter(|d| d.day.weekday().to_monday_one_offset() == n)
            .collect()
    } else if form.tout_le_mois.is_some() {
        month_days
    } else {
        return Err(AppError::BadRequest);
    };
    match quick_tool(&set) {
        QuickTool::Nothing => Ok(Redirect::to(&format!("{back}&info=vide")).into_response()),
        QuickTool::Changes(changes) => {
            bookings::set_pending(
                &state.db,
                family.account.id,
                child.id,
                activity.id,
                &changes,
                ctx.now,
            )
            .await?;
            Ok(Redirect::to(&back).into_response())
        }
    }
}
