//! Copy (R-RES-10): from the calendar of the target child and activity, choose a source
//! child, activity and period; every booked (or pending) day of the source is checked for
//! the target — open, in time, registered, places left, hours compatible with the child's
//! other activities — and becomes a pending change; the others are listed with the reason.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::{Html, IntoResponse, Response},
};
use ribambelle_domain::{booking::copy_period, french};
use ribambelle_usecases::reservations::{self, Copied};
use serde::Deserialize;

use super::context::{Context, Selection, calendar_query, parse_day, parse_month};
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

async fn render(
    state: &AppState,
    family: &Family,
    ctx: &Context,
    form: &CopyForm,
    errors: FormErrors,
    outcome: Option<(usize, Vec<Refused>)>,
) -> Result<Response, AppError> {
    let (Some(child), Some(activity)) = (&ctx.selected.child, &ctx.selected.activity) else {
        return Err(AppError::BadRequest);
    };
    let sources = reservations::copy_sources(&state.db, &ctx.booker, &ctx.selected).await?;
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
        sources: sources
            .iter()
            .map(|s| SourceOption {
                value: s.value(),
                label: format!("{} — {}", s.child.first_name, s.activity.name),
            })
            .collect(),
        source: form.source.clone(),
        from: form.du.clone(),
        to: form.au.clone(),
        errors,
        copied,
        refused,
        back: format!(
            "/reservations{}",
            calendar_query(
                Some(&child.public_id),
                Some(&activity.public_id),
                parse_month(&form.mois)
            )
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
    if ctx.selected.block.is_some() || ctx.selected.activity.is_none() {
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
    let (Some(child), Some(target)) = (&ctx.selected.child, &ctx.selected.activity) else {
        return Err(AppError::BadRequest);
    };
    if ctx.selected.block.is_some() || !child.reglement_signed {
        return Err(AppError::BadRequest);
    }
    let sources = reservations::copy_sources(&state.db, &ctx.booker, &ctx.selected).await?;
    let mut errors = FormErrors::default();
    let source = sources.iter().find(|s| s.value() == form.source);
    if source.is_none() {
        errors.add("source", "Choisissez l'enfant et l'activité à recopier.");
    }
    let from = parse_day(&form.du)
        .map_err(|_| errors.add("du", "Saisissez la date de début (jj/mm/aaaa)."))
        .ok();
    let to = parse_day(&form.au)
        .map_err(|_| errors.add("au", "Saisissez la date de fin (jj/mm/aaaa)."))
        .ok();
    if let (Some(f), Some(t)) = (from, to)
        && let Err(refusal) = copy_period(f, t)
    {
        errors.add("au", refusal.message());
    }
    if let Some(source) = source
        && source.child.id == child.id
        && source.activity.id == target.id
    {
        errors.add(
            "source",
            "Choisissez un autre enfant ou une autre activité que ceux du calendrier.",
        );
    }
    let (Some(source), Some(from), Some(to), true) = (source, from, to, errors.is_empty()) else {
        return Ok(invalid(
            render(&state, &family, &ctx, &form, errors, None).await?,
        ));
    };
    let Copied { copied, refused } = reservations::copy(
        &state.db,
        &ctx.booker,
        &ctx.selected,
        source,
        (from, to),
        ctx.now,
    )
    .await?
    .ok_or(AppError::BadRequest)?;
    let refused = refused
        .into_iter()
        .map(|(day, reason)| Refused {
            day: french::long_date(day),
            reason: reason.message(),
        })
        .collect();
    render(
        &state,
        &family,
        &ctx,
        &form,
        FormErrors::default(),
        Some((copied, refused)),
    )
    .await
}
