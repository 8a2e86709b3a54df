//! The month calendar: one activity (four states, pending changes, places left, quick
//! tools) or all the child's activities at once.

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
    activity::PeriodKind,
    booking::{Block, BookingRefusal, CalendarDay, DayState, Pending},
    clock::paris_date,
    french,
    money::Cents,
};
use ribambelle_usecases::reservations::{self, Activity, Days, Drafted, Tool};
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
    /// Its shortest form, for phones (with a waiting child's rank: « attente 2e »).
    pub short: String,
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

/// A child or an activity to choose, the one shown marked.
pub(crate) struct Choice {
    pub public_id: String,
    pub name: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "reservations/calendrier.html")]
struct CalendarPage {
    layout: Layout,
    csrf: String,
    children: Vec<Choice>,
    child_name: Option<String>,
    child_id: String,
    child_unsigned: bool,
    activities: Vec<Choice>,
    activity_id: String,
    activity_name: Option<String>,
    /// What an absence costs: one sentence when the activities shown agree, else one per
    /// activity.
    absences: Vec<String>,
    /// For a school-period activity, its next deadline and the week it closes: in words,
    /// and in a phone's width.
    deadline: Option<(String, String)>,
    month_title: String,
    month_value: String,
    previous_month: String,
    next_month: String,
    columns: Vec<Column>,
    weeks: Vec<Week>,
    pending_count: usize,
    info: Option<&'static str>,
    debtor: Option<Debtor>,
    /// The month, week and weekday tools and the copy, which book as much as they cancel:
    /// for one activity, and never for a débiteur family.
    tools: bool,
}

/// What a débiteur family owes, line by line, and where to pay it.
pub(crate) struct Debtor {
    owed: String,
    /// « Facture F202611-00001 (Périscolaire) : 30,00 € à payer, échéance du 31/12/2026
    /// dépassée »
    lines: Vec<String>,
}

impl Debtor {
    fn of(owed: Cents, detail: &reservations::Owed) -> Debtor {
        let invoices = detail.invoices.iter().map(|i| {
            format!(
                "Facture {} ({}) : {} à payer, échéance du {} dépassée",
                i.number,
                i.wallet,
                i.owed.to_french(),
                i.due_on.strftime("%d/%m/%Y")
            )
        });
        let wallets = detail.overdrawn.iter().map(|w| {
            format!(
                "Porte-monnaie {} : {} à créditer",
                w.name,
                Cents(-w.solde.0).to_french()
            )
        });
        Debtor {
            owed: owed.to_french(),
            lines: invoices.chain(wallets).collect(),
        }
    }
}

/// How a day's state is shown and said.
pub(crate) struct DayLabel {
    /// On a wide screen.
    pub label: &'static str,
    /// On a phone.
    pub short: &'static str,
    pub class: &'static str,
    /// In the day's accessible name, after its date.
    pub spoken: &'static str,
}

const fn day_label(
    label: &'static str,
    short: &'static str,
    class: &'static str,
    spoken: &'static str,
) -> DayLabel {
    DayLabel {
        label,
        short,
        class,
        spoken,
    }
}

/// A day's state, in words and look. A day on the waiting list is booked but has no
/// place: it never reads or looks like a confirmed one.
pub(crate) fn state_label(day: &CalendarDay) -> DayLabel {
    match (day.pending, day.state, day.is_waiting()) {
        (Some(Pending::Book), _, _) => day_label(
            "À réserver",
            "+ résa",
            "day-to-book",
            "à réserver, modification non validée",
        ),
        (Some(Pending::Cancel), _, _) => day_label(
            "À annuler",
            "− annul.",
            "day-to-cancel",
            "à annuler, modification non validée",
        ),
        (None, DayState::Bookable, _) => {
            day_label("Réservable", "libre", "day-bookable", "réservable")
        }
        (None, DayState::BookedCancellable, false) => {
            day_label("Réservé", "réservé", "day-booked", "réservé, annulable")
        }
        (None, DayState::BookedCancellable, true) => day_label(
            "En liste d'attente",
            "attente",
            "day-waiting",
            "en liste d'attente, annulable",
        ),
        (None, DayState::BookedLocked, false) => day_label(
            "Réservé · hors délai",
            "bloqué",
            "day-locked",
            "réservé, hors délai pour annuler",
        ),
        (None, DayState::BookedLocked, true) => day_label(
            "En liste d'attente · hors délai",
            "attente (bloqué)",
            "day-waiting-locked",
            "en liste d'attente, hors délai pour annuler",
        ),
        (None, DayState::Closed, _) if day.refusal == Some(BookingRefusal::Debtor) => day_label(
            "Non réservable",
            "débiteur",
            "day-closed",
            "non réservable tant que le compte est débiteur",
        ),
        (None, DayState::Closed, _) => day_label(
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
    let selected = &ctx.selected;
    if let Some(Days {
        days: cells,
        places_taken: places,
        waiting_ranks,
        pending_count: waiting,
    }) = reservations::calendar(&state.db, &ctx.booker, selected, &days, ctx.now).await?
    {
        pending_count = waiting;
        let shown: Vec<&Activity> = match &selected.activity {
            Some(a) => vec![a],
            None => selected.activities.iter().collect(),
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
                    let DayLabel {
                        label,
                        short,
                        class,
                        spoken,
                    } = state_label(d);
                    let places = selected
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
                    // A waiting day says where the child stands in the queue.
                    let rank = waiting_ranks
                        .get(&d.day)
                        .filter(|_| d.is_waiting() && d.pending.is_none())
                        .map(|&n| french::rank(n));
                    // A phone shows the short state only: the rank goes with it.
                    let short = match &rank {
                        Some(r) => format!("{short} {r}"),
                        None => short.to_owned(),
                    };
                    // A closed day of the activity says why (a débiteur's days say it
                    // already).
                    let closed = selected
                        .activity
                        .as_ref()
                        .zip(d.refusal)
                        .filter(|(_, r)| {
                            d.state == DayState::Closed && *r != BookingRefusal::Debtor
                        })
                        .map(|(a, r)| a.rules.closed_reason(r, d.day, &ctx.booker.calendar));
                    let date = french::long_date(d.day);
                    let (aria, places) = match (places, rank, closed) {
                        (Some(p), _, _) => (format!("{date}, {spoken}, {p}"), Some(p)),
                        (None, Some(r), _) => (
                            format!("{date}, {spoken}, {r} sur la liste"),
                            Some(format!("{r} sur la liste")),
                        ),
                        (None, None, Some(reason)) => (
                            format!("{date}, fermé : {}", reason.spoken),
                            Some(reason.short),
                        ),
                        (None, None, None) => (format!("{date}, {spoken}"), None),
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
    let debtor = match selected.block {
        Some(Block::Debtor(owed)) => Some(Debtor::of(
            owed,
            &reservations::owed(&state.db, &ctx.booker, ctx.now).await?,
        )),
        None => None,
    };
    let (child, activity) = (selected.child.as_ref(), selected.activity.as_ref());
    let shell = Shell::family(&state, &family, Section::Reservations, "/reservations").await?;
    let page = CalendarPage {
        layout: Layout::new("Réservations", Some(family.structure.clone())).with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        children: selected
            .children
            .iter()
            .map(|c| Choice {
                public_id: c.public_id.clone(),
                name: c.first_name.clone(),
                current: child.is_some_and(|s| s.id == c.id),
            })
            .collect(),
        child_name: child.map(|c| c.first_name.clone()),
        child_id: child.map(|c| c.public_id.clone()).unwrap_or_default(),
        child_unsigned: child.is_some_and(|c| !c.reglement_signed),
        activities: selected
            .activities
            .iter()
            .map(|a| Choice {
                public_id: a.public_id.clone(),
                name: a.name.clone(),
                current: activity.is_some_and(|s| s.id == a.id),
            })
            .collect(),
        activity_id: activity.map(|a| a.public_id.clone()).unwrap_or_default(),
        activity_name: activity.map(|a| a.name.clone()),
        absences: absence_lines(match activity {
            Some(a) => std::slice::from_ref(a),
            None => &selected.activities,
        }),
        deadline: activity
            .filter(|a| a.rules.schedule.period_kind == PeriodKind::Scolaire)
            .map(|a| {
                let deadline = a.rules.deadline;
                (
                    deadline.next_open_week_text(ctx.now),
                    deadline.next_open_week_short(ctx.now),
                )
            }),
        month_title: french::month_year(month.year(), month.month()),
        month_value: month.strftime("%Y-%m").to_string(),
        previous_month: (month - 1.month()).strftime("%Y-%m").to_string(),
        next_month: (month + 1.month()).strftime("%Y-%m").to_string(),
        columns,
        weeks,
        pending_count,
        info,
        tools: activity.is_some() && debtor.is_none(),
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
        reservations::drop_draft(&state.db, &ctx.booker).await?;
        return Ok(Redirect::to(&format!("{back}&info=annule")).into_response());
    }
    let tool = if let Some(day) = form.basculer.as_deref() {
        Tool::Day(parse_day(day)?)
    } else if let Some(monday) = form.semaine.as_deref() {
        Tool::Week(parse_day(monday)?)
    } else if let Some(weekday) = form.jour_semaine.as_deref() {
        Tool::Weekday(weekday.parse().map_err(|_| AppError::BadRequest)?)
    } else if form.tout_le_mois.is_some() {
        Tool::Month
    } else {
        return Err(AppError::BadRequest);
    };
    let days: Vec<Date> = grid_days(month)
        .into_iter()
        .filter(|d| d.month() == month.month())
        .collect();
    match reservations::draft_days(&state.db, &ctx.booker, &ctx.selected, &days, tool, ctx.now)
        .await?
    {
        Drafted::Changed => Ok(Redirect::to(&back).into_response()),
        Drafted::Nothing => Ok(Redirect::to(&format!("{back}&info=vide")).into_response()),
        Drafted::Invalid => Err(AppError::BadRequest),
    }
}

fn absence_lines(activities: &[Activity]) -> Vec<String> {
    let Some(first) = activities.first() else {
        return Vec::new();
    };
    if activities.iter().all(|a| a.absence == first.absence) {
        return vec![first.absence.family_text().to_owned()];
    }
    activities
        .iter()
        .map(|a| format!("{} : {}", a.name, a.absence.family_text()))
        .collect()
}
