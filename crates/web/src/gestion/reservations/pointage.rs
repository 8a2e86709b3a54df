//! The pointage of a day (R-BO-6): present, absent (or, where the activity bills an
//! absence, absent excused) for each child booked, plus a child registered to the activity
//! who came without a booking. Recording it writes the day's
//! consommations (see `ribambelle_usecases::attendance::record`). Gestionnaires only.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::civil::Date;
use ribambelle_domain::{dossier::parse_french_date, french::long_date, pointage::Presence};
use ribambelle_usecases::attendance::{self, Day, DayChild, Mark, Registered};

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    layout::{Gestion, Layout},
    session::{Editor, Staff},
};

use super::{Chosen, ListQuery, PATH, Scope, child_detail, day_link};

const POINTAGE: &str = "/gestion/reservations/pointage";

/// One child's line of the form.
struct Line {
    public_id: String,
    name: String,
    detail: String,
    walk_in: bool,
    /// The answer shown checked: the one submitted, the one recorded, or « présent » for a
    /// booked child not pointed yet (most children come).
    presence: Option<Presence>,
}

impl Line {
    /// An excuse recorded before the activity stopped billing absences reads as the
    /// absence it now is, so that the sheet can be saved again as it stands.
    fn of(child: &DayChild, day: Date, choices: &[Presence]) -> Line {
        let recorded = child.presence.map(|p| match p {
            Presence::Excused if !choices.contains(&p) => Presence::Absent,
            p => p,
        });
        Line {
            public_id: child.public_id.clone(),
            name: child.name(),
            detail: child_detail(child, day),
            walk_in: child.walk_in,
            presence: recorded.or((!child.walk_in).then_some(Presence::Present)),
        }
    }

    fn field(&self) -> String {
        format!("presence-{}", self.public_id)
    }
}

#[derive(Template)]
#[template(path = "gestion/reservations/pointage.html")]
struct PointagePage {
    layout: Layout,
    csrf: String,
    activity: String,
    activity_id: String,
    structure: String,
    /// What the activity bills, in the staff's words.
    billing_rule: &'static str,
    choices: &'static [Presence],
    day: Date,
    list_link: String,
    /// Why the day cannot be pointed, if it cannot.
    closed: Option<String>,
    lines: Vec<Line>,
    others: Vec<Registered>,
    added: String,
    errors: FormErrors,
    /// A refusal of the whole sheet (an invoiced consommation…).
    refusal: Option<String>,
}

impl PointagePage {
    fn long_day(&self) -> String {
        long_date(self.day)
    }

    fn checked(&self, line: &Line, presence: &Presence) -> bool {
        line.presence == Some(*presence)
    }

    fn added_is(&self, other: &Registered) -> bool {
        self.added == other.public_id
    }

    fn error_list(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .lines
            .iter()
            .filter_map(|l| {
                self.errors
                    .get(&l.field())
                    .map(|m| (l.field(), m.to_owned()))
            })
            .collect();
        if let Some(m) = self.errors.get("ajout") {
            all.push(("ajout".to_owned(), m.to_owned()));
        }
        all
    }
}

/// Why a day cannot be pointed: not started yet, or the activity does not run.
fn closed_reason(chosen: &Chosen, day: Date, today: Date) -> Option<String> {
    if day > today {
        Some(format!(
            "Le {} n'a pas encore commencé : le pointage se fait le jour même ou après.",
            long_date(day)
        ))
    } else if !chosen.is_open(day) {
        Some(format!(
            "{} n'a pas lieu le {} : il n'y a rien à pointer.",
            chosen.activity.name,
            long_date(day)
        ))
    } else {
        None
    }
}

struct Sheet {
    chosen: Chosen,
    day: Date,
    list: Day,
    others: Vec<Registered>,
    closed: Option<String>,
}

async fn sheet(
    state: &AppState,
    staff: &Staff,
    activite: &str,
    jour: &str,
) -> Result<Sheet, AppError> {
    let scope = Scope::of(state, staff).await?;
    let chosen = Chosen::find(state, &scope, activite).await?;
    let day = parse_french_date(jour).ok_or(AppError::BadRequest)?;
    let (list, others) = attendance::sheet(&state.db, &chosen.activity, day).await?;
    let closed = closed_reason(&chosen, day, state.clock.today());
    Ok(Sheet {
        chosen,
        day,
        list,
        others,
        closed,
    })
}

async fn render(
    state: &AppState,
    staff: &Staff,
    sheet: Sheet,
    lines: Vec<Line>,
    added: String,
    errors: FormErrors,
    refusal: Option<String>,
) -> Result<Html<String>, AppError> {
    let activity = &sheet.chosen.activity;
    let link = day_link(POINTAGE, activity, sheet.day);
    let page = PointagePage {
        layout: super::super::layout(
            state,
            staff,
            Gestion::Reservations,
            format!("Pointage — {} — {}", activity.name, long_date(sheet.day)),
            &link,
        )
        .await?,
        csrf: staff.session.csrf_token.clone(),
        activity: activity.name.clone(),
        activity_id: activity.public_id.clone(),
        structure: activity.structure.clone(),
        billing_rule: activity.absence.pointage_text(),
        choices: Presence::choices(activity.absence),
        day: sheet.day,
        list_link: day_link(PATH, activity, sheet.day),
        closed: sheet.closed,
        lines,
        others: sheet.others,
        added,
        errors,
        refusal,
    };
    Ok(Html(page.render()?))
}

fn lines_of(sheet: &Sheet) -> Vec<Line> {
    let choices = Presence::choices(sheet.chosen.activity.absence);
    sheet
        .list
        .booked
        .iter()
        .chain(&sheet.list.walk_ins)
        .map(|c| Line::of(c, sheet.day, choices))
        .collect()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let sheet = sheet(&state, &staff, &query.activite, &query.jour).await?;
    let lines = lines_of(&sheet);
    Ok(render(
        &state,
        &staff,
        sheet,
        lines,
        String::new(),
        FormErrors::default(),
        None,
    )
    .await?
    .into_response())
}

/// `POST`: `_csrf`, `activite`, `jour`, `presence-<child>` = `present` | `absent` (|
/// `excuse` where the activity bills an absence) for each child of the sheet, and `ajout` = a registered child who came without a booking.
pub(crate) async fn record(
    State(state): State<AppState>,
    Editor(staff): Editor,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let sheet = sheet(&state, &staff, &field("activite"), &field("jour")).await?;
    if let Some(reason) = sheet.closed.clone() {
        let lines = lines_of(&sheet);
        let page = render(
            &state,
            &staff,
            sheet,
            lines,
            String::new(),
            FormErrors::default(),
            Some(reason),
        )
        .await?;
        return Ok(invalid(page.into_response()));
    }
    let mut errors = FormErrors::default();
    let mut lines = lines_of(&sheet);
    let mut marks = Vec::with_capacity(lines.len() + 1);
    let ids = sheet
        .list
        .booked
        .iter()
        .chain(&sheet.list.walk_ins)
        .map(|c| c.child_id);
    let choices = Presence::choices(sheet.chosen.activity.absence);
    for (line, child_id) in lines.iter_mut().zip(ids) {
        line.presence = Presence::from_code(&field(&line.field())).filter(|p| choices.contains(p));
        match line.presence {
            Some(presence) => marks.push(Mark { child_id, presence }),
            None => errors.add(
                line.field(),
                format!("Indiquez la présence ou l'absence de {}.", line.name),
            ),
        }
    }
    let added = field("ajout");
    if !added.is_empty() {
        match sheet.others.iter().find(|o| o.public_id == added) {
            Some(other) => marks.push(Mark {
                child_id: other.child_id,
                presence: Presence::Present,
            }),
            None => errors.add(
                "ajout",
                "Choisissez un enfant de la liste des inscrits à l'activité.",
            ),
        }
    }
    if !errors.is_empty() {
        let page = render(&state, &staff, sheet, lines, added, errors, None).await?;
        return Ok(invalid(page.into_response()));
    }
    let today = state.clock.today();
    match attendance::record(
        &state.db,
        staff.id(),
        &sheet.chosen.activity,
        sheet.day,
        &marks,
        state.clock.now(),
        today,
    )
    .await?
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}&pointage=enregistre",
            day_link(PATH, &sheet.chosen.activity, sheet.day)
        ))
        .into_response()),
        Err(refusal) => {
            let message = refusal.message(sheet.day);
            let page = render(
                &state,
                &staff,
                sheet,
                lines,
                added,
                FormErrors::default(),
                Some(message),
            )
            .await?;
            Ok(invalid(page.into_response()))
        }
    }
}
