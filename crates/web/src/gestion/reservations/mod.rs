//! Reservation lists per activity and day, the processing run on demand, and the pointage
//! (R-BO-6). The list is also the sheet an animateur prints and takes to the activity: it
//! carries the children's allergies and PAI, so it is never cached and each fiche
//! sanitaire it shows is a logged reading of health data.

mod pointage;

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use jiff::{ToSpan, civil::Date};
use ribambelle_domain::{dossier::parse_french_date, french::long_date, pointage::Presence};
use ribambelle_usecases::attendance::{self, ActivityRef, Day, DayChild, RunOutcome};
use serde::Deserialize;

use crate::{
    Access, AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::{Gestion, Layout, format_instant},
    routes::Route,
    session::{Editor, Staff},
};

use super::Scope;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        (Access::Staff, "/gestion/reservations", get(page)),
        (
            Access::Staff,
            "/gestion/reservations/traitement",
            post(run_processing),
        ),
        (
            Access::Staff,
            "/gestion/reservations/pointage",
            get(pointage::page).post(pointage::record),
        ),
    ]
}

const PATH: &str = "/gestion/reservations";

/// « 1 inscrit », « 12 inscrits », « aucun inscrit » is left to the caller.
fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n > 1 { plural } else { singular })
}

/// The child's age in whole years on `day`.
fn age(birth: Date, day: Date) -> i16 {
    let years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// « 9 ans · École Jules Ferry »
fn child_detail(child: &DayChild, day: Date) -> String {
    let years = age(child.birth_date, day);
    let age = if years > 1 {
        format!("{years} ans")
    } else {
        format!("{years} an")
    };
    match child
        .school
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(school) => format!("{age} · {school}"),
        None => age,
    }
}

/// The link to a day of an activity's list (or of its pointage).
fn day_link(path: &str, activity: &ActivityRef, day: Date) -> String {
    format!("{path}?activite={}&jour={day}", activity.public_id)
}

/// An activity chosen in the staff member's scope, with what tells its opening days.
struct Chosen {
    activity: ActivityRef,
    rules: ribambelle_domain::booking::BookingRules,
    calendar: ribambelle_domain::calendar::SchoolCalendar,
    capacity: Option<i64>,
    hours: String,
}

impl Chosen {
    /// Unknown, or out of the staff member's structures: 404 alike.
    async fn find(state: &AppState, scope: &Scope, public_id: &str) -> Result<Chosen, AppError> {
        let activity = attendance::activity(&state.db, &scope.structure_ids(), public_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (full, calendar) = attendance::details(&state.db, &activity).await?;
        let hours = format!(
            "{} – {}",
            full.start_time.strftime("%Hh%M"),
            full.end_time.strftime("%Hh%M")
        );
        Ok(Chosen {
            activity,
            rules: full.rules,
            calendar,
            capacity: full.capacity,
            hours,
        })
    }

    fn is_open(&self, day: Date) -> bool {
        self.rules.is_open(day, &self.calendar)
    }

    /// The nearest opening day before (`step` = -1) or after (+1) `day`, within a year.
    fn neighbour(&self, day: Date, step: i32) -> Option<Date> {
        (1..=366)
            .filter_map(|n| day.checked_add((n * step).days()).ok())
            .find(|d| self.is_open(*d))
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    activite: String,
    #[serde(default)]
    jour: String,
    /// Set after a pointage was recorded.
    #[serde(default)]
    pointage: String,
    /// The processing run's outcome, after « Lancer le traitement ».
    #[serde(default)]
    traitement: String,
    #[serde(default)]
    demandes: String,
    #[serde(default)]
    mails: String,
    #[serde(default)]
    places: String,
}

/// A day's list, as the page shows it.
struct Shown {
    chosen: Chosen,
    day: Date,
    list: Day,
    previous: Option<Date>,
    next: Option<Date>,
}

#[derive(Template)]
#[template(path = "gestion/reservations/liste.html")]
struct ListPage {
    layout: Layout,
    csrf: String,
    today: Date,
    activities: Vec<ActivityRef>,
    activite: String,
    jour: String,
    errors: FormErrors,
    shown: Option<Shown>,
    /// The processing run's outcome, in words, and whether it ran.
    run_notice: Option<(String, bool)>,
    recorded_notice: bool,
}

impl ListPage {
    fn chosen_activity(&self, a: &ActivityRef) -> bool {
        self.activite == a.public_id
    }

    /// The structures of the activities, in order, for the select's groups.
    fn structures(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for a in &self.activities {
            if !names.contains(&a.structure) {
                names.push(a.structure.clone());
            }
        }
        names
    }

    fn of_structure(&self, structure: &str) -> Vec<&ActivityRef> {
        self.activities
            .iter()
            .filter(|a| a.structure == structure)
            .collect()
    }

    fn long_day(&self, day: &Date) -> String {
        long_date(*day)
    }

    fn link(&self, shown: &Shown, day: &Date) -> String {
        day_link(PATH, &shown.chosen.activity, *day)
    }

    fn pointage_link(&self, shown: &Shown) -> String {
        day_link(
            "/gestion/reservations/pointage",
            &shown.chosen.activity,
            shown.day,
        )
    }

    fn runs(&self, shown: &Shown) -> bool {
        shown.chosen.is_open(shown.day)
    }

    /// Pointage is for days that have started, on which the activity runs.
    fn may_point(&self, shown: &Shown) -> bool {
        self.layout.may_change() && shown.day <= self.today && shown.chosen.is_open(shown.day)
    }

    /// « 12 inscrits sur 14 places, 2 en liste d'attente »
    fn counts(&self, shown: &Shown) -> String {
        let booked = shown.list.booked.len();
        let mut text = if booked == 0 {
            "Aucun inscrit".to_owned()
        } else {
            count(booked, "inscrit", "inscrits")
        };
        if let Some(capacity) = shown.chosen.capacity {
            text.push_str(&format!(
                " sur {}",
                count(usize::try_from(capacity).unwrap_or(0), "place", "places")
            ));
        }
        let waiting = shown.list.waiting.len();
        text.push_str(&if waiting == 0 {
            ", aucun en liste d'attente".to_owned()
        } else {
            format!(", {waiting} en liste d'attente")
        });
        if !shown.list.walk_ins.is_empty() {
            text.push_str(&format!(", {} sans réservation", shown.list.walk_ins.len()));
        }
        text
    }

    fn detail(&self, shown: &Shown, child: &DayChild) -> String {
        child_detail(child, shown.day)
    }

    fn recorded_by(&self, shown: &Shown) -> Option<String> {
        shown.list.recorded.as_ref().map(|r| {
            format!(
                "Pointage enregistré par {} le {}.",
                r.staff,
                format_instant(r.at)
            )
        })
    }

    fn presence(&self, child: &DayChild) -> &'static str {
        child.presence.map_or("", Presence::label)
    }
}

fn parse_day(raw: &str, today: Date, errors: &mut FormErrors) -> Date {
    if raw.trim().is_empty() {
        return today;
    }
    parse_french_date(raw).unwrap_or_else(|| {
        errors.add("jour", "Saisissez une date au format jj/mm/aaaa.");
        today
    })
}

/// The processing run's outcome from the redirect's query, in words.
fn run_notice(query: &ListQuery) -> Option<(String, bool)> {
    if query.traitement == "en-cours" {
        return Some(("Un traitement est déjà en cours : ses résultats seront visibles dans quelques instants.".to_owned(), false));
    }
    if query.traitement != "fait" {
        return None;
    }
    let number = |raw: &str| raw.parse::<usize>().unwrap_or(0);
    let (requests, mails, places) = (
        number(&query.demandes),
        number(&query.mails),
        number(&query.places),
    );
    let requests = if requests == 0 {
        "Aucune demande à traiter".to_owned()
    } else {
        count(requests, "demande traitée", "demandes traitées")
    };
    let mails = if mails == 0 {
        "aucun mail de compte rendu".to_owned()
    } else {
        count(mails, "mail de compte rendu", "mails de compte rendu")
    };
    let places = match places {
        0 => "aucune place attribuée depuis la liste d'attente".to_owned(),
        n => count(
            n,
            "place attribuée depuis la liste d'attente",
            "places attribuées depuis la liste d'attente",
        ),
    };
    Some((
        format!("Traitement terminé : {requests}, {mails}, {places}."),
        true,
    ))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let today = state.clock.today();
    let mut errors = FormErrors::default();
    let day = parse_day(&query.jour, today, &mut errors);
    let shown = if query.activite.trim().is_empty() || !errors.is_empty() {
        None
    } else {
        let chosen = Chosen::find(&state, &scope, &query.activite).await?;
        let list = attendance::day_list(
            &state.db,
            staff.id(),
            &chosen.activity,
            day,
            state.clock.now(),
        )
        .await?;
        let (previous, next) = (chosen.neighbour(day, -1), chosen.neighbour(day, 1));
        Some(Shown {
            chosen,
            day,
            list,
            previous,
            next,
        })
    };
    let title = match &shown {
        Some(s) => format!("{} — {}", s.chosen.activity.name, long_date(s.day)),
        None => "Réservations et pointage".to_owned(),
    };
    let return_to = match &shown {
        Some(s) => day_link(PATH, &s.chosen.activity, s.day),
        None => PATH.to_owned(),
    };
    let page = ListPage {
        layout: super::layout(&state, &staff, Gestion::Reservations, title, &return_to).await?,
        csrf: staff.session.csrf_token.clone(),
        today,
        activities: attendance::activities(&state.db, &scope.structure_ids()).await?,
        activite: query.activite.clone(),
        jour: if errors.is_empty() {
            day.to_string()
        } else {
            query.jour.clone()
        },
        run_notice: run_notice(&query),
        recorded_notice: query.pointage == "enregistre",
        errors,
        shown,
    };
    let invalid_day = !page.errors.is_empty();
    let mut response = Html(page.render()?).into_response();
    // The children's health information: never kept by a browser or a proxy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(if invalid_day {
        invalid(response)
    } else {
        response
    })
}

#[derive(Deserialize)]
pub(crate) struct RunForm {
    /// The list to come back to, if the run was started from one.
    #[serde(default)]
    activite: String,
    #[serde(default)]
    jour: String,
}

/// « Lancer le traitement »: the nightly processing, now.
pub(crate) async fn run_processing(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(form): SignedForm<RunForm>,
) -> Result<Response, AppError> {
    let scope = Scope::of(&state, &staff).await?;
    let outcome =
        attendance::run_processing(&state.db, staff.id(), &scope.structure_ids(), &state.clock)
            .await?;
    let result = match outcome {
        RunOutcome::Done(s) => format!(
            "traitement=fait&demandes={}&mails={}&places={}",
            s.requests, s.reports, s.promotions
        ),
        RunOutcome::Busy => "traitement=en-cours".to_owned(),
    };
    // Back to the list it was started from, when that list is one the staff member may see.
    let back = match (
        parse_french_date(&form.jour),
        attendance::activity(&state.db, &scope.structure_ids(), &form.activite).await?,
    ) {
        (Some(day), Some(activity)) => {
            format!("{}&{result}", day_link(PATH, &activity, day))
        }
        _ => format!("{PATH}?{result}"),
    };
    Ok(Redirect::to(&back).into_response())
}
