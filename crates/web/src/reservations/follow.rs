//! « Suivi des réservations »: every reservation to come with its state and amount, child
//! by child and month by month, narrowed to a child, an activity or a state on demand, and
//! printable.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use jiff::civil::Date;
use ribambelle_domain::{booking::ReservationState, french};
use ribambelle_usecases::reservations::{self, FollowFilter, FollowUp};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    layout::{Layout, Section, Shell},
    session::Family,
};

pub(crate) struct Row {
    /// « lundi 7 décembre 2026 », read out, and shown on a wide screen.
    pub long_day: String,
    /// « lun. 07/12 », shown on a phone.
    pub day: String,
    pub activity: String,
    pub state: String,
    pub amount: String,
}

/// One month of one child's reservations.
pub(crate) struct Month {
    pub title: String,
    pub rows: Vec<Row>,
}

/// One child's reservations, month by month.
pub(crate) struct ChildLines {
    pub name: String,
    pub public_id: String,
    pub months: Vec<Month>,
}

#[derive(Template)]
#[template(path = "reservations/suivi.html")]
struct FollowPage {
    layout: Layout,
    printed_for: String,
    children_lines: Vec<ChildLines>,
    /// (public id, first name) of each child: the filter's choices and the calendar feeds.
    children: Vec<(String, String)>,
    activities: Vec<String>,
    states: [ReservationState; 5],
    filter: FollowFilter,
    filtered: bool,
    drafts: usize,
    /// A filter the page could not read.
    notice: Option<&'static str>,
}

impl FollowPage {
    fn child_chosen(&self, id: &str) -> bool {
        self.filter.child.as_deref() == Some(id)
    }

    fn activity_chosen(&self, name: &str) -> bool {
        self.filter.activity.as_deref() == Some(name)
    }

    fn state_chosen(&self, state: &ReservationState) -> bool {
        self.filter.state == Some(*state)
    }
}

/// `?enfant=<public id>&activite=<name>&etat=<code>`, each optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FollowQuery {
    #[serde(default)]
    enfant: String,
    #[serde(default)]
    activite: String,
    #[serde(default)]
    etat: String,
}

fn chosen(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn row(line: &FollowUp) -> Row {
    Row {
        long_day: french::long_date(line.day),
        day: french::short_day(line.day),
        activity: line.activity_name.clone(),
        state: line.state.label_with_rank(line.rank),
        amount: if line.state.is_billed() {
            line.amount.to_french()
        } else {
            "—".to_owned()
        },
    }
}

/// The lines child by child (in the family's order, then any child no longer registered
/// whose days are still to come), then month by month.
fn by_child(lines: &[FollowUp], children: &[(String, String)]) -> Vec<ChildLines> {
    let mut order: Vec<(String, String)> = children.to_vec();
    for line in lines {
        if !order.iter().any(|(id, _)| *id == line.child_public_id) {
            order.push((line.child_public_id.clone(), line.child_first_name.clone()));
        }
    }
    order
        .iter()
        .filter_map(|(public_id, name)| {
            let mut months: Vec<Month> = Vec::new();
            let mut current: Option<Date> = None;
            for line in lines.iter().filter(|l| l.child_public_id == *public_id) {
                let first = line.day.first_of_month();
                if current != Some(first) {
                    current = Some(first);
                    months.push(Month {
                        title: french::month_year(first.year(), first.month()),
                        rows: Vec::new(),
                    });
                }
                if let Some(month) = months.last_mut() {
                    month.rows.push(row(line));
                }
            }
            (!months.is_empty()).then(|| ChildLines {
                name: name.clone(),
                public_id: public_id.clone(),
                months,
            })
        })
        .collect()
}

/// From today on, the coming days first; what was consumed is in « Historique ». A
/// filter that names no child or state of the family's shows everything, says why, 400.
pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<FollowQuery>,
) -> Result<Response, AppError> {
    let booker = family.booker()?;
    let mut filter = FollowFilter {
        child: chosen(&query.enfant),
        activity: chosen(&query.activite),
        state: None,
    };
    let mut notice = None;
    if let Some(code) = chosen(&query.etat) {
        filter.state = ReservationState::from_code(&code);
        if filter.state.is_none() {
            notice =
                Some("Cet état n'existe pas : les réservations de tous les états sont affichées.");
        }
    }
    let followed =
        reservations::follow_up(&state.db, &booker, state.clock.today(), &filter).await?;
    if followed.unknown_child {
        filter.child = None;
        notice = notice.or(Some(
            "Cet enfant n'est pas l'un des vôtres : les réservations de tous vos enfants sont affichées.",
        ));
    }
    let children: Vec<(String, String)> = followed
        .children
        .into_iter()
        .map(|c| (c.public_id, c.first_name))
        .collect();
    let shell = Shell::family(
        &state,
        &family,
        Section::Reservations,
        "/reservations/suivi",
    )
    .await?;
    let page = FollowPage {
        layout: Layout::new("Suivi des réservations", Some(family.structure.clone()))
            .with_shell(shell),
        printed_for: format!(
            "{} — {} — au {}",
            family.account.display_name(),
            family.structure.name,
            french::long_date(state.clock.today())
        ),
        children_lines: by_child(&followed.lines, &children),
        children,
        activities: followed.activities,
        states: ReservationState::ALL,
        filtered: filter != FollowFilter::default(),
        filter,
        drafts: followed.drafts,
        notice,
    };
    let status = if notice.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Html(page.render()?)).into_response())
}
