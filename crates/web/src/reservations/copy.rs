//! Copy (R-RES-10): from the calendar of the target child and activity, choose a source
//! child, activity and period; every booked (or pending) day of the source is checked for
//! the target — open, in time, registered, places left, hours compatible with the child's
//! other activities — and becomes a pending change; the others are listed with the reason.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use jiff::civil::Date;
use ribambelle_domain::{booking::Pending, french};
use ribambelle_store::bookings::{self, Activity};
use serde::Deserialize;

use super::context::{Context, Selection, parse_day, parse_month};
use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, InputField, SignedForm, invalid},
    layout::{Layout, Section, Shell},
    session::Family,
};

pub(crate) struct SourceOption {
    pub value: String,
    pub label: String,
}

pub(crate) struct Refused {
    pub day: String,
    pub reason: &'static str,
}

#[derive(Template)]
#[template(path = "reservations/copier.html")]
struct CopyPage {
    layout: Layout,
    csrf: String,
    target_child: String,
    target_child_name: String,
    target_activity: String,
    target_activity_name: String,
    month: String,
    sources: Vec<SourceOption>,
    source: String,
    from: String,
    to: String,
    errors: FormErrors,
    copied: Option<usize>,
    refused: Vec<Refused>,
    back: String,
}

impl CopyPage {
    fn period_fields(&self) -> Vec<InputField> {
        vec![
            InputField::new("du", "Du", "date", &self.from, "off"),
            InputField::new("au", "Au", "date", &self.to, "off"),
        ]
    }
}

#[derive(Default, Deserialize)]
pub(crate) struct CopyForm {
    #[serde(default)]
    enfant: String,
    #[serde(default)]
    activite: String,
    #[serde(default)]
    mois: String,
    /// « <child public id>/<activity public id> »
    #[serde(default)]
    source: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
}

/// Every child and activity of the family at the structure that could be copied from.
async fn sources(
    state: &AppState,
    family: &Family,
    ctx: &Context,
) -> Result<Vec<(SourceOption, i64, Activity)>, AppError> {
    let mut options = Vec::new();
    for child in &ctx.children {
        for activity in bookings::child_activities(&state.db, child.id, family.structure.id).await?
        {
            options.push((
                SourceOption {
                    value: format!("{}/{}", child.public_id, activity.public_id),
                    label: format!("{} — {}", child.first_name, activity.name),
                },
                child.id,
                activity,
            ));
        }
    }
    Ok(options)
}

async fn render(
    state: &AppState,
    family: &Family,
    ctx: &Context,
    form: &CopyForm,
    errors: FormErrors,
    outcome: Option<(usize, Vec<Refused>)>,
) -> Result<Response, AppError> {
    let (Some(child), Some(activity)) = (&ctx.child, &ctx.activity) else {
        return Err(AppError::BadRequest);
    };
    let options = sources(state, family, ctx).await?;
    let shell = Shell::family(state, family, Section::Reservations, "/reservations/copier").await?;
    let (copied, refused) = match outcome {
        Some((n, r)) => (Some(n), r),
        None => (None, Vec::new()),
    };
    let page = CopyPage {
        layout: Layout::new("Copier des réservations", Some(family.structure.clone()))
            .with_shell(shell),
        csrf: family.session.csrf_token.clone(),
        target_child: child.public_id.clone(),
        target_child_name: child.first_name.clone(),
        target_activity: activity.public_id.clone(),
        target_activity_name: activity.name.clone(),
        month: form.mois.clone(),
        sources: options.into_iter().map(|(o, _, _)| o).collect(),
        source: form.source.clone(),
        from: form.du.clone(),
        to: form.au.clone(),
        errors,
        copied,
        refused,
        back: format!(
            "/reservations?enfant={}&activite={}&mois={}",
            child.public_id, activity.public_id, form.mois
        ),
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    family: Family,
    Query(selection): Query<Selection>,
) -> Result<Response, AppError> {
    let ctx = Context::load(&state, &family, &selection).await?;
    if ctx.block.is_some() || ctx.activity.is_none() {
        return Err(AppError::BadRequest);
    }
    let month = selection
        .mois
        .as_deref()
        .and_then(parse_month)
        .ok_or(AppError::BadRequest)?;
    let form = CopyForm {
        mois: month.strftime("%Y-%m").to_string(),
        du: month.first_of_month().to_string(),
        au: month.last_of_month().to_string(),
        ..CopyForm::default()
    };
    render(&state, &family, &ctx, &form, FormErrors::default(), None).await
}

/// Why a source day cannot be copied to the target, if it cannot.
fn refusal(
    ctx: &Context,
    target: &Activity,
    day: Date,
    already: bool,
    full: bool,
    overlapping: bool,
) -> Option<&'static str> {
    let standing = ctx.standing();
    if let Err(refusal) = target.rules.may_make(
        Pending::Book,
        already,
        standing,
        day,
        ctx.now,
        &ctx.calendar,
    ) {
        return Some(refusal.message());
    }
    if full {
        return Some("plus de place");
    }
    if overlapping {
        return Some("horaires incompatibles avec une autre activité de l'enfant ce jour-là");
    }
    None
}

pub(crate) async fn copy(
    State(state): State<AppState>,
    family: Family,
    SignedForm(form): SignedForm<CopyForm>,
) -> Result<Response, AppError> {
    let selection = Selection {
        enfant: Some(form.enfant.clone()),
        activite: Some(form.activite.clone()),
        mois: Some(form.mois.clone()),
        ..Selection::default()
    };
    let ctx = Context::load(&state, &family, &selection).await?;
    let (Some(child), Some(target)) = (ctx.child.clone(), ctx.activity.clone()) else {
        return Err(AppError::BadRequest);
    };
    if ctx.block.is_some() || !child.reglement_signed {
        return Err(AppError::BadRequest);
    }
    let options = sources(&state, &family, &ctx).await?;
    let mut errors = FormErrors::default();
    let source = options.iter().find(|(o, _, _)| o.value == form.source);
    if source.is_none() {
        errors.add("source", "Choisissez l'enfant et l'activité à recopier.");
    }
    let from = parse_day(&form.du)
        .map_err(|_| errors.add("du", "Saisissez la date de début (jj/mm/aaaa)."))
        .ok();
    let to = parse_day(&form.au)
        .map_err(|_| errors.add("au", "Saisissez la date de fin (jj/mm/aaaa)."))
        .ok();
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.add("au", "La date de fin doit suivre la date de début.");
        } else if (t - f).get_days() > 92 {
            errors.add("au", "Copiez au plus trois mois à la fois.");
        }
    }
    if let Some((_, source_child, source_activity)) = source
        && *source_child == child.id
        && source_activity.id == target.id
    {
        errors.add(
            "source",
            "Choisissez un autre enfant ou une autre activité que ceux du calendrier.",
        );
    }
    let (Some((_, source_child, source_activity)), Some(from), Some(to), true) =
        (source, from, to, errors.is_empty())
    else {
        return Ok(invalid(
            render(&state, &family, &ctx, &form, errors, None).await?,
        ));
    };
    // The source's booked days, counting its pending changes.
    let source_states = bookings::child_bookings(&state.db, *source_child, from, to).await?;
    let pending = bookings::pending(&state.db, family.account.id).await?;
    let mut source_days: Vec<Date> = source_states
        .iter()
        .filter(|((a, _), s)| *a == source_activity.id && s.holds_place())
        .map(|((_, d), _)| *d)
        .filter(|d| {
            !pending.iter().any(|p| {
                p.child_id == *source_child
                    && p.activity_id == source_activity.id
                    && p.day == *d
                    && p.change == Pending::Cancel
            })
        })
        .chain(
            pending
                .iter()
                .filter(|p| {
                    p.child_id == *source_child
                        && p.activity_id == source_activity.id
                        && p.change == Pending::Book
                        && p.day >= from
                        && p.day <= to
                })
                .map(|p| p.day),
        )
        .collect();
    source_days.sort();
    source_days.dedup();
    let target_states = bookings::child_bookings(&state.db, child.id, from, to).await?;
    let taken = match target.capacity {
        Some(_) => bookings::places_taken(&state.db, target.id, from, to).await?,
        None => Default::default(),
    };
    let mut copied = Vec::new();
    let mut refused = Vec::new();
    for day in source_days {
        let already = target_states
            .get(&(target.id, day))
            .is_some_and(|s| s.holds_place())
            || pending.iter().any(|p| {
                p.child_id == child.id
                    && p.activity_id == target.id
                    && p.day == day
                    && p.change == Pending::Book
            });
        let full = target
            .capacity
            .is_some_and(|c| taken.get(&day).copied().unwrap_or(0) >= c);
        let overlapping = ctx
            .activities
            .iter()
            .filter(|a| a.id != target.id)
            .any(|other| {
                let busy = target_states
                    .get(&(other.id, day))
                    .is_some_and(|s| s.holds_place())
                    || pending.iter().any(|p| {
                        p.child_id == child.id
                            && p.activity_id == other.id
                            && p.day == day
                            && p.change == Pending::Book
                    });
                busy && other.start_time < target.end_time && target.start_time < other.end_time
            });
        match refusal(&ctx, &target, day, already, full, overlapping) {
            Some(reason) => refused.push(Refused {
                day: french::long_date(day),
                reason,
            }),
            None => copied.push((day, Some(Pending::Book))),
        }
    }
    bookings::set_pending(
        &state.db,
        family.account.id,
        child.id,
        target.id,
        &copied,
        ctx.now,
    )
    .await?;
    render(
        &state,
        &family,
        &ctx,
        &form,
        FormErrors::default(),
        Some((copied.len(), refused)),
    )
    .await
}
