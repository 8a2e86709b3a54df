//! An activity's form, to create one or edit it: name, porte-monnaie (or a new one),
//! prices per quotient familial bracket, school periods or holidays, weekdays and hours,
//! capacity per day, booking deadline, and for holiday activities each holiday period's
//! booking window; closures are added and removed by their own small forms.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::{
    ToSpan,
    civil::{Date, Time, Weekday},
};
use ribambelle_domain::{
    activity::{
        self as rules, AbsenceBilling, PeriodKind, PriceBracket, Schedule, SettingFault,
        sorted_prices,
    },
    booking::{Deadline, HolidayWindow},
    calendar::HolidayPeriod,
    clock::{paris, paris_instant},
    dossier::parse_french_date,
    french,
    ids::StructureId,
    money::{BillingMode, Cents, parse_euros},
};
use ribambelle_usecases::{
    catalog::{
        self, ActivityDetails, ActivitySettings, BookingWindow, Closure, ClosureAdded, Saved,
        WalletChoice, WalletPick,
    },
    structures::StructureSummary,
};
use serde::Deserialize;

use crate::{
    AppState,
    error::AppError,
    forms::{FormErrors, SignedForm, invalid},
    gestion::{Scope, layout},
    layout::{Gestion, Layout},
    session::{Editor, Staff},
};

use super::{parse_hour, structure_in_scope};

/// Blank price rows offered under the existing brackets.
const BLANK_PRICE_ROWS: usize = 2;

/// One holiday period of the structure's zone with its booking window, as typed.
#[derive(Clone, Debug, Default)]
struct WindowRow {
    /// The period's first day, ISO: the fields' suffix.
    key: String,
    name: String,
    first_day: Date,
    last_day: Date,
    opens: String,
    opens_time: String,
    closes: String,
    closes_time: String,
}

/// One input of a booking window's row: opening or closing, date or time.
struct WindowField {
    key: String,
    /// The column's title, also the input's label after the period's name.
    column: &'static str,
    kind: &'static str,
    value: String,
}

/// The activity form as typed (or as saved), every field as text.
#[derive(Clone, Debug, Default)]
struct ActivityForm {
    name: String,
    wallet: String,
    new_wallet: String,
    new_wallet_mode: String,
    period: String,
    weekdays: Vec<String>,
    start: String,
    end: String,
    capacity: String,
    deadline_day: String,
    deadline_time: String,
    deadline_weeks: String,
    /// (« QF jusqu'à », price) rows.
    brackets: Vec<(String, String)>,
    top_price: String,
    absence: String,
    windows: Vec<WindowRow>,
}

fn iso_date(date: Date) -> String {
    date.to_string()
}

fn price_text(cents: Cents) -> String {
    cents.to_decimal_comma()
}

impl ActivityForm {
    /// A new activity: school periods, the default deadline, blank prices.
    fn blank(periods: &[HolidayPeriod]) -> Self {
        let deadline = Deadline::default();
        ActivityForm {
            wallet: String::new(),
            new_wallet_mode: BillingMode::Facturation.code().to_owned(),
            period: "scolaire".to_owned(),
            deadline_day: deadline.weekday.to_monday_one_offset().to_string(),
            deadline_time: catalog::hour(deadline.time),
            deadline_weeks: deadline.weeks_before.to_string(),
            brackets: vec![(String::new(), String::new()); BLANK_PRICE_ROWS + 1],
            absence: AbsenceBilling::default().code().to_owned(),
            windows: window_rows(periods, &[]),
            ..ActivityForm::default()
        }
    }

    fn of(s: &ActivitySettings, periods: &[HolidayPeriod]) -> Self {
        let sorted = sorted_prices(&s.prices);
        let mut brackets: Vec<(String, String)> = sorted
            .iter()
            .filter_map(|b| Some((b.qf_max?.to_string(), price_text(b.price))))
            .collect();
        brackets.extend(std::iter::repeat_n(
            (String::new(), String::new()),
            BLANK_PRICE_ROWS,
        ));
        ActivityForm {
            name: s.name.clone(),
            wallet: match &s.wallet {
                WalletPick::Existing(id) => id.to_string(),
                WalletPick::New { .. } => "nouveau".to_owned(),
            },
            new_wallet: String::new(),
            new_wallet_mode: BillingMode::Facturation.code().to_owned(),
            period: s.schedule.period_kind.as_str().to_owned(),
            weekdays: s
                .schedule
                .weekdays
                .iter()
                .map(|w| w.to_monday_one_offset().to_string())
                .collect(),
            start: catalog::hour(s.start_time),
            end: catalog::hour(s.end_time),
            capacity: s.capacity.map(|c| c.to_string()).unwrap_or_default(),
            deadline_day: s.deadline.weekday.to_monday_one_offset().to_string(),
            deadline_time: catalog::hour(s.deadline.time),
            deadline_weeks: s.deadline.weeks_before.to_string(),
            brackets,
            top_price: sorted
                .iter()
                .find(|b| b.qf_max.is_none())
                .map(|b| price_text(b.price))
                .unwrap_or_default(),
            absence: s.absence.code().to_owned(),
            windows: window_rows(periods, &s.windows),
        }
    }

    /// The form as posted: repeated fields (weekdays, price rows) come as several pairs.
    fn posted(fields: &[(String, String)], periods: &[HolidayPeriod]) -> Self {
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let all = |name: &str| {
            fields
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        let (qf, prices) = (all("qf"), all("tarif"));
        let brackets = (0..qf.len().max(prices.len()))
            .map(|i| {
                (
                    qf.get(i).cloned().unwrap_or_default(),
                    prices.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect();
        let mut windows = window_rows(periods, &[]);
        for w in &mut windows {
            w.opens = one(&format!("ouverture-{}", w.key));
            w.opens_time = one(&format!("ouverture_heure-{}", w.key));
            w.closes = one(&format!("cloture-{}", w.key));
            w.closes_time = one(&format!("cloture_heure-{}", w.key));
        }
        ActivityForm {
            name: one("nom"),
            wallet: one("porte_monnaie"),
            new_wallet: one("nouveau_nom"),
            new_wallet_mode: one("nouveau_mode"),
            period: one("periode"),
            weekdays: all("jours"),
            start: one("debut"),
            end: one("fin"),
            capacity: one("capacite"),
            deadline_day: one("limite_jour"),
            deadline_time: one("limite_heure"),
            deadline_weeks: one("limite_semaines"),
            brackets,
            top_price: one("tarif_haut"),
            absence: one("absence"),
            windows,
        }
    }
}

/// A row per holiday period shown, filled with the period's saved window if it has one.
fn window_rows(periods: &[HolidayPeriod], saved: &[BookingWindow]) -> Vec<WindowRow> {
    periods
        .iter()
        .map(|p| {
            let window = saved
                .iter()
                .find(|w| w.window.first_day == p.first_day)
                .map(|w| &w.window);
            let moment = |at: Option<jiff::Timestamp>| {
                at.map(|t| {
                    let local = t.to_zoned_datetime(paris());
                    (iso_date(local.date()), local.strftime("%H:%M").to_string())
                })
                .unwrap_or_default()
            };
            let (opens, opens_time) = moment(window.map(|w| w.opens_at));
            let (closes, closes_time) = moment(window.map(|w| w.closes_at));
            WindowRow {
                key: iso_date(p.first_day),
                name: p.name.clone(),
                first_day: p.first_day,
                last_day: p.last_day,
                opens,
                opens_time,
                closes,
                closes_time,
            }
        })
        .collect()
}

/// The holiday periods of the structure's zone the form offers: those of the coming
/// year, and any the activity already has a window for.
async fn holiday_periods(
    state: &AppState,
    structure_id: StructureId,
    saved: &[BookingWindow],
) -> Result<Vec<HolidayPeriod>, AppError> {
    let calendar = catalog::school_calendar(&state.db, structure_id).await?;
    let today = state.clock.today();
    let mut periods: Vec<HolidayPeriod> = calendar
        .periods()
        .iter()
        .filter(|p| {
            (p.last_day >= today && p.first_day <= today + 365.days())
                || saved.iter().any(|w| w.window.first_day == p.first_day)
        })
        .cloned()
        .collect();
    periods.sort_by_key(|p| p.first_day);
    Ok(periods)
}

const TIME_MESSAGE: &str = "Saisissez une heure au format hh:mm, par exemple 07:30.";
const DATE_MESSAGE: &str = "Saisissez une date au format jj/mm/aaaa.";

/// The settings the form asks for, or the messages of the fields to correct.
fn checked(form: &ActivityForm, wallets: &[WalletChoice]) -> Result<ActivitySettings, FormErrors> {
    let mut errors = FormErrors::default();
    errors.require("nom", &form.name, "le nom de l'activité", 60);
    let wallet = if form.wallet == "nouveau" {
        errors.require(
            "nouveau_nom",
            &form.new_wallet,
            "le nom du nouveau porte-monnaie",
            60,
        );
        let billing = BillingMode::from_code(&form.new_wallet_mode);
        if billing.is_none() {
            errors.add(
                "nouveau_mode",
                "Choisissez le mode du nouveau porte-monnaie : facturation ou prépaiement.",
            );
        }
        billing.map(|billing| WalletPick::New {
            name: form.new_wallet.trim().to_owned(),
            billing,
        })
    } else {
        let found = wallets
            .iter()
            .find(|w| w.id.to_string() == form.wallet)
            .map(|w| WalletPick::Existing(w.id));
        if found.is_none() {
            errors.add(
                "porte_monnaie",
                "Choisissez le porte-monnaie de l'activité, ou « Nouveau porte-monnaie ».",
            );
        }
        found
    };
    let period_kind = form.period.parse::<PeriodKind>().ok();
    if period_kind.is_none() {
        errors.add(
            "periode",
            "Choisissez si l'activité a lieu en période scolaire ou pendant les vacances.",
        );
    }
    let weekdays: Option<Vec<Weekday>> = form
        .weekdays
        .iter()
        .map(|d| {
            d.parse::<i8>()
                .ok()
                .and_then(|n| Weekday::from_monday_one_offset(n).ok())
        })
        .collect();
    let weekdays = weekdays.filter(|w| !w.is_empty()).map(|mut w| {
        w.sort_by_key(|d| d.to_monday_one_offset());
        w.dedup();
        w
    });
    if weekdays.is_none() {
        errors.add("jours", "Cochez au moins un jour d'ouverture.");
    }
    let start = parse_hour(&form.start);
    let end = parse_hour(&form.end);
    if start.is_none() {
        errors.add("debut", TIME_MESSAGE);
    }
    match (start, end) {
        (_, None) => errors.add("fin", TIME_MESSAGE),
        (Some(s), Some(e)) => {
            if let Err(fault) = rules::hours(s, e) {
                errors.add("fin", fault.message());
            }
        }
        _ => {}
    }
    let capacity = match form.capacity.trim() {
        "" => Ok(None),
        text => text
            .parse::<i64>()
            .map_err(|_| SettingFault::Capacity)
            .and_then(rules::capacity)
            .map(Some),
    };
    if let Err(fault) = capacity {
        errors.add("capacite", fault.message());
    }
    let deadline_day = form
        .deadline_day
        .parse::<i8>()
        .ok()
        .and_then(|n| Weekday::from_monday_one_offset(n).ok());
    if deadline_day.is_none() {
        errors.add("limite_jour", "Choisissez le jour de la date limite.");
    }
    // The minute typed is included: « jeudi 23:59 » closes at 23:59:59.
    let deadline_time =
        parse_hour(&form.deadline_time).and_then(|t| Time::new(t.hour(), t.minute(), 59, 0).ok());
    if deadline_time.is_none() {
        errors.add("limite_heure", TIME_MESSAGE);
    }
    let weeks_before = form
        .deadline_weeks
        .trim()
        .parse::<i64>()
        .map_err(|_| SettingFault::WeeksBefore)
        .and_then(rules::weeks_before);
    if let Err(fault) = weeks_before {
        errors.add("limite_semaines", fault.message());
    }
    let prices = checked_prices(form, &mut errors);
    let absence = form.absence.parse::<AbsenceBilling>().ok();
    if absence.is_none() {
        errors.add(
            "absence",
            "Indiquez si une absence non annulée dans les délais est facturée.",
        );
    }
    let windows = if period_kind == Some(PeriodKind::Vacances) {
        checked_windows(&form.windows, &mut errors)
    } else {
        Vec::new()
    };
    match (
        wallet,
        period_kind,
        weekdays,
        start,
        end,
        capacity.ok(),
        deadline_day,
        deadline_time,
        weeks_before.ok(),
        absence,
    ) {
        (
            Some(wallet),
            Some(period_kind),
            Some(weekdays),
            Some(start_time),
            Some(end_time),
            Some(capacity),
            Some(weekday),
            Some(time),
            Some(weeks_before),
            Some(absence),
        ) if errors.is_empty() => Ok(ActivitySettings {
            name: form.name.trim().to_owned(),
            wallet,
            schedule: Schedule {
                period_kind,
                weekdays,
            },
            start_time,
            end_time,
            capacity,
            deadline: Deadline {
                weekday,
                time,
                weeks_before,
            },
            prices,
            absence,
            windows,
        }),
        _ => Err(errors),
    }
}

fn checked_price(text: &str) -> Result<Cents, SettingFault> {
    parse_euros(text)
        .map_err(|_| SettingFault::Price)
        .and_then(rules::price)
}

/// The brackets typed, in order of their quotient; blank rows are ignored.
fn checked_prices(form: &ActivityForm, errors: &mut FormErrors) -> Vec<PriceBracket> {
    let mut prices = Vec::new();
    let mut previous: Option<i64> = None;
    for (i, (qf, price)) in form.brackets.iter().enumerate() {
        if qf.trim().is_empty() && price.trim().is_empty() {
            continue;
        }
        let max = qf.trim().parse::<i64>().ok().filter(|q| *q >= 0);
        match max {
            None => errors.add(
                format!("qf-{i}"),
                "Saisissez le quotient familial maximum de la tranche (un nombre entier).",
            ),
            Some(m) => match rules::next_bracket(previous, m) {
                Ok(()) => previous = Some(m),
                Err(fault) => errors.add(format!("qf-{i}"), fault.message()),
            },
        }
        let cents = checked_price(price);
        if let Err(fault) = cents {
            errors.add(format!("tarif-{i}"), fault.message());
        }
        if let (Some(qf_max), Ok(price)) = (max, cents) {
            prices.push(PriceBracket {
                qf_max: Some(qf_max),
                price,
            });
        }
    }
    match checked_price(&form.top_price) {
        Ok(price) => prices.push(PriceBracket {
            qf_max: None,
            price,
        }),
        Err(_) if form.top_price.trim().is_empty() => {
            errors.add("tarif_haut", SettingFault::NoTopPrice.message())
        }
        Err(fault) => errors.add("tarif_haut", fault.message()),
    }
    prices
}

/// The booking windows typed; a period left blank has none (its days cannot be booked).
fn checked_windows(rows: &[WindowRow], errors: &mut FormErrors) -> Vec<BookingWindow> {
    let mut windows = Vec::new();
    for w in rows {
        if [&w.opens, &w.opens_time, &w.closes, &w.closes_time]
            .iter()
            .all(|f| f.trim().is_empty())
        {
            continue;
        }
        let moment =
            |date: &str, time: &str, default: Time, field: &str, errors: &mut FormErrors| {
                let day = parse_french_date(date);
                if day.is_none() {
                    errors.add(format!("{field}-{}", w.key), DATE_MESSAGE);
                }
                let time = if time.trim().is_empty() {
                    Some(default)
                } else {
                    parse_hour(time)
                };
                if time.is_none() {
                    errors.add(format!("{field}_heure-{}", w.key), TIME_MESSAGE);
                }
                Some(paris_instant(day?, time?))
            };
        let opens = moment(
            &w.opens,
            &w.opens_time,
            Time::midnight(),
            "ouverture",
            errors,
        );
        let closes = moment(
            &w.closes,
            &w.closes_time,
            Time::constant(23, 59, 0, 0),
            "cloture",
            errors,
        );
        let (Some(opens_at), Some(closes_at)) = (opens, closes) else {
            continue;
        };
        match rules::window(opens_at, closes_at) {
            Err(fault) => errors.add(format!("cloture-{}", w.key), fault.message()),
            Ok(()) => windows.push(BookingWindow {
                holiday_name: w.name.clone(),
                // The whole closing minute is included, as for the deadline.
                window: HolidayWindow {
                    first_day: w.first_day,
                    last_day: w.last_day,
                    opens_at,
                    closes_at: closes_at + 59.seconds(),
                },
            }),
        }
    }
    windows
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct ClosureForm {
    #[serde(default)]
    jour: String,
    #[serde(default)]
    motif: String,
    /// The day (ISO) of a closure to remove.
    #[serde(default)]
    retirer: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    #[serde(default)]
    cree: Option<String>,
    #[serde(default)]
    enregistre: Option<String>,
    #[serde(default)]
    fermeture: Option<String>,
    #[serde(default)]
    reservations: Option<i64>,
}

impl Notice {
    fn message(&self) -> Option<String> {
        if self.cree.is_some() {
            return Some("L'activité est créée. Inscrivez-y les enfants depuis leur fiche pour que leurs familles puissent réserver.".to_owned());
        }
        if self.enregistre.is_some() {
            return Some("L'activité est enregistrée.".to_owned());
        }
        match (self.fermeture.as_deref(), self.reservations.unwrap_or(0)) {
            (Some("ajoutee"), 0) => Some("La fermeture est enregistrée.".to_owned()),
            (Some("ajoutee"), n) => Some(format!(
                "La fermeture est enregistrée. {n} réservation{s} ce jour-là ne {v} pas annulée{s} automatiquement : prévenez les familles.",
                s = if n > 1 { "s" } else { "" },
                v = if n > 1 { "sont" } else { "est" }
            )),
            (Some("retiree"), _) => Some(
                "La fermeture est retirée : l'activité est de nouveau ouverte ce jour-là."
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "gestion/activites/activite.html")]
struct ActivityPage {
    layout: Layout,
    structure: StructureSummary,
    /// The edited activity's public id; None for a new one.
    public_id: Option<String>,
    csrf: String,
    wallets: Vec<WalletChoice>,
    form: ActivityForm,
    errors: FormErrors,
    closures: Vec<Closure>,
    closure_form: ClosureForm,
    closure_errors: FormErrors,
    notice: Option<String>,
}

/// (value, name) of the weekdays, Monday first.
const WEEKDAYS: [(&str, &str); 7] = [
    ("1", "lundi"),
    ("2", "mardi"),
    ("3", "mercredi"),
    ("4", "jeudi"),
    ("5", "vendredi"),
    ("6", "samedi"),
    ("7", "dimanche"),
];

impl ActivityPage {
    fn action(&self) -> String {
        match &self.public_id {
            Some(id) => format!("/gestion/activites/{id}"),
            None => format!(
                "/gestion/structures/{}/activites/nouvelle",
                self.structure.slug
            ),
        }
    }

    fn weekdays(&self) -> Vec<(&'static str, &'static str)> {
        WEEKDAYS.to_vec()
    }

    fn absence_choices(&self) -> [AbsenceBilling; 2] {
        AbsenceBilling::ALL
    }

    fn open_on(&self, value: &str) -> bool {
        self.form.weekdays.iter().any(|d| d == value)
    }

    fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    /// The ` aria-describedby="…"` and ` aria-invalid` attributes of a field (already
    /// escaped-safe: ids are made of field names and ISO dates).
    fn described(&self, name: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{name}-aide"));
        }
        if self.errors.get(name).is_some() {
            ids.push(format!("{name}-erreur"));
        }
        ids.join(" ")
    }

    fn row_key(&self, kind: &str, i: &usize) -> String {
        format!("{kind}-{i}")
    }

    /// (name, label, value) of the hour fields.
    fn hours(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("debut", "Heure de début", self.form.start.clone()),
            ("fin", "Heure de fin", self.form.end.clone()),
        ]
    }

    fn window_fields(&self, w: &WindowRow) -> Vec<WindowField> {
        let field = |name: &str, column, kind, value: &str| WindowField {
            key: format!("{name}-{}", w.key),
            column,
            kind,
            value: value.to_owned(),
        };
        vec![
            field(
                "ouverture",
                "ouverture des réservations, date",
                "date",
                &w.opens,
            ),
            field(
                "ouverture_heure",
                "ouverture des réservations, heure",
                "time",
                &w.opens_time,
            ),
            field(
                "cloture",
                "clôture des réservations, date",
                "date",
                &w.closes,
            ),
            field(
                "cloture_heure",
                "clôture des réservations, heure",
                "time",
                &w.closes_time,
            ),
        ]
    }

    fn period_dates(&self, w: &WindowRow) -> String {
        format!(
            "du {} au {}",
            french::long_date(w.first_day),
            french::long_date(w.last_day)
        )
    }

    fn closure_day(&self, c: &Closure) -> String {
        french::long_date(c.day)
    }

    fn closure_value(&self, c: &Closure) -> String {
        iso_date(c.day)
    }

    /// Every message of the form with the field it belongs to, for the summary on top.
    fn summary(&self) -> Vec<(String, String)> {
        let mut keys: Vec<String> = [
            "nom",
            "porte_monnaie",
            "nouveau_nom",
            "nouveau_mode",
            "periode",
            "jours",
            "debut",
            "fin",
            "capacite",
            "limite_jour",
            "limite_heure",
            "limite_semaines",
        ]
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
        for i in 0..self.form.brackets.len() {
            keys.push(format!("qf-{i}"));
            keys.push(format!("tarif-{i}"));
        }
        keys.push("tarif_haut".to_owned());
        for w in &self.form.windows {
            for kind in ["ouverture", "ouverture_heure", "cloture", "cloture_heure"] {
                keys.push(format!("{kind}-{}", w.key));
            }
        }
        keys.into_iter()
            .filter_map(|k| self.errors.get(&k).map(|m| (k.clone(), m.to_owned())))
            .collect()
    }
}

struct PageParts {
    form: ActivityForm,
    errors: FormErrors,
    closure_form: ClosureForm,
    closure_errors: FormErrors,
    notice: Option<String>,
}

impl PageParts {
    fn form(form: ActivityForm, errors: FormErrors) -> Self {
        PageParts {
            form,
            errors,
            closure_form: ClosureForm::default(),
            closure_errors: FormErrors::default(),
            notice: None,
        }
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    structure: StructureSummary,
    details: Option<&ActivityDetails>,
    parts: PageParts,
) -> Result<Html<String>, AppError> {
    let (title, path) = match details {
        Some(d) => (
            format!("{} — {}", d.activity.name, structure.name),
            format!("/gestion/activites/{}", d.activity.public_id),
        ),
        None => (
            format!("Nouvelle activité — {}", structure.name),
            format!("/gestion/structures/{}/activites/nouvelle", structure.slug),
        ),
    };
    let page = ActivityPage {
        layout: layout(state, staff, Gestion::Activites, title, &path).await?,
        wallets: catalog::wallets(&state.db, structure.id).await?,
        structure,
        public_id: details.map(|d| d.activity.public_id.clone()),
        csrf: staff.session.csrf_token.clone(),
        form: parts.form,
        errors: parts.errors,
        closures: details.map(|d| d.closures.clone()).unwrap_or_default(),
        closure_form: parts.closure_form,
        closure_errors: parts.closure_errors,
        notice: parts.notice,
    };
    Ok(Html(page.render()?))
}

/// The activity of this public id and its structure, if the staff member works for it.
async fn activity_in_scope(
    state: &AppState,
    staff: &Staff,
    public_id: &str,
) -> Result<(ActivityDetails, StructureSummary), AppError> {
    let details = catalog::activity(&state.db, public_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = Scope::of(state, staff).await?;
    let structure = scope
        .structures
        .into_iter()
        .find(|s| s.id == details.structure_id)
        .ok_or(AppError::NotFound)?;
    Ok((details, structure))
}

pub(crate) async fn new_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(slug): Path<String>,
) -> Result<Html<String>, AppError> {
    let structure = structure_in_scope(&state, &staff, &slug).await?;
    let periods = holiday_periods(&state, structure.id, &[]).await?;
    render(
        &state,
        &staff,
        structure,
        None,
        PageParts::form(ActivityForm::blank(&periods), FormErrors::default()),
    )
    .await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(slug): Path<String>,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let structure = structure_in_scope(&state, &staff, &slug).await?;
    let periods = holiday_periods(&state, structure.id, &[]).await?;
    let form = ActivityForm::posted(&fields, &periods);
    let wallets = catalog::wallets(&state.db, structure.id).await?;
    let errors = match checked(&form, &wallets) {
        Ok(settings) => match catalog::create_activity(
            &state.db,
            staff.id(),
            structure.id,
            &settings,
            state.clock.now(),
        )
        .await?
        {
            Saved::Done { public_id } => {
                return Ok(
                    Redirect::to(&format!("/gestion/activites/{public_id}?cree=1")).into_response(),
                );
            }
            refused => refusal(&refused),
        },
        Err(errors) => errors,
    };
    Ok(invalid(
        render(
            &state,
            &staff,
            structure,
            None,
            PageParts::form(form, errors),
        )
        .await?
        .into_response(),
    ))
}

/// The message of a save the store refused.
fn refusal(saved: &Saved) -> FormErrors {
    let mut errors = FormErrors::default();
    match saved {
        Saved::NameTaken => errors.add("nom", "Une autre activité de la structure porte déjà ce nom."),
        Saved::WalletNameTaken => errors.add("nouveau_nom", "La structure a déjà un porte-monnaie de ce nom : choisissez-le dans la liste."),
        Saved::WalletLocked => {
            errors.add("porte_monnaie", "Des consommations de cette activité sont déjà enregistrées sur son porte-monnaie : il ne peut plus changer.")
        }
        Saved::Done { .. } => {}
    }
    errors
}

pub(crate) async fn edit_page(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(public_id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Html<String>, AppError> {
    let (details, structure) = activity_in_scope(&state, &staff, &public_id).await?;
    let periods = holiday_periods(&state, structure.id, &details.windows).await?;
    let mut parts = PageParts::form(
        ActivityForm::of(&details.settings(), &periods),
        FormErrors::default(),
    );
    parts.notice = notice.message();
    render(&state, &staff, structure, Some(&details), parts).await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(public_id): Path<String>,
    SignedForm(fields): SignedForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (details, structure) = activity_in_scope(&state, &staff, &public_id).await?;
    let periods = holiday_periods(&state, structure.id, &details.windows).await?;
    let form = ActivityForm::posted(&fields, &periods);
    let wallets = catalog::wallets(&state.db, structure.id).await?;
    let errors = match checked(&form, &wallets) {
        Ok(settings) => {
            match catalog::save_activity(&state.db, &state.clock, staff.id(), &details, &settings)
                .await?
            {
                Saved::Done { public_id } => {
                    return Ok(Redirect::to(&format!(
                        "/gestion/activites/{public_id}?enregistre=1"
                    ))
                    .into_response());
                }
                refused => refusal(&refused),
            }
        }
        Err(errors) => errors,
    };
    Ok(invalid(
        render(
            &state,
            &staff,
            structure,
            Some(&details),
            PageParts::form(form, errors),
        )
        .await?
        .into_response(),
    ))
}

/// « Ajouter la fermeture », or « Retirer » on one of the closures listed.
pub(crate) async fn closures(
    State(state): State<AppState>,
    Editor(staff): Editor,
    Path(public_id): Path<String>,
    SignedForm(form): SignedForm<ClosureForm>,
) -> Result<Response, AppError> {
    let (details, structure) = activity_in_scope(&state, &staff, &public_id).await?;
    let back = format!("/gestion/activites/{public_id}");
    if !form.retirer.is_empty() {
        let day = form
            .retirer
            .parse::<Date>()
            .map_err(|_| AppError::BadRequest)?;
        catalog::remove_closure(&state.db, &state.clock, staff.id(), &details, day).await?;
        return Ok(Redirect::to(&format!("{back}?fermeture=retiree#fermetures")).into_response());
    }
    let mut errors = FormErrors::default();
    let day = parse_french_date(&form.jour);
    if day.is_none() {
        errors.add("jour", DATE_MESSAGE);
    }
    errors.require(
        "motif",
        &form.motif,
        "le motif de la fermeture (grève, sortie, travaux…)",
        200,
    );
    if let (Some(day), true) = (day, errors.is_empty()) {
        match catalog::add_closure(
            &state.db,
            staff.id(),
            &details,
            day,
            form.motif.trim(),
            state.clock.now(),
        )
        .await?
        {
            ClosureAdded::Added { booked } => {
                return Ok(Redirect::to(&format!(
                    "{back}?fermeture=ajoutee&reservations={booked}#fermetures"
                ))
                .into_response());
            }
            ClosureAdded::AlreadyClosed => {
                errors.add("jour", "L'activité est déjà fermée ce jour-là.")
            }
        }
    }
    let periods = holiday_periods(&state, structure.id, &details.windows).await?;
    let parts = PageParts {
        form: ActivityForm::of(&details.settings(), &periods),
        errors: FormErrors::default(),
        closure_form: form,
        closure_errors: errors,
        notice: None,
    };
    Ok(invalid(
        render(&state, &staff, structure, Some(&details), parts)
            .await?
            .into_response(),
    ))
}

#[cfg(test)]
mod tests {
    use ribambelle_domain::ids::WalletId;

    use super::*;

    fn wallets() -> Vec<WalletChoice> {
        vec![WalletChoice {
            id: WalletId::new(7),
            name: "Loisirs".into(),
            billing: BillingMode::Facturation,
        }]
    }

    fn form() -> ActivityForm {
        ActivityForm {
            name: "MERCREDI SPORT".into(),
            wallet: "7".into(),
            period: "scolaire".into(),
            weekdays: vec!["3".into()],
            start: "08:00".into(),
            end: "12:00".into(),
            capacity: "12".into(),
            deadline_day: "4".into(),
            deadline_time: "23:59".into(),
            deadline_weeks: "1".into(),
            brackets: vec![
                ("600".into(), "4,50".into()),
                (String::new(), String::new()),
            ],
            top_price: "9".into(),
            absence: "facturee".into(),
            ..ActivityForm::default()
        }
    }

    #[test]
    fn a_complete_form_gives_the_settings_the_rules_read() -> Result<(), Box<dyn std::error::Error>>
    {
        let s = checked(&form(), &wallets()).map_err(|e| format!("{e:?}"))?;
        assert_eq!(s.schedule.weekdays, vec![Weekday::Wednesday]);
        assert_eq!(s.capacity, Some(12));
        assert_eq!(
            s.deadline,
            Deadline::default(),
            "jeudi 23:59 is the default deadline, 23:59:59"
        );
        assert_eq!(
            s.prices,
            vec![
                PriceBracket {
                    qf_max: Some(600),
                    price: Cents(450)
                },
                PriceBracket {
                    qf_max: None,
                    price: Cents(900)
                }
            ]
        );
        assert_eq!(s.wallet, WalletPick::Existing(WalletId::new(7)));
        Ok(())
    }

    #[test]
    fn bad_fields_get_french_messages_at_their_place() {
        let mut f = form();
        f.end = "07:00".into();
        f.capacity = "douze".into();
        f.brackets = vec![("600".into(), "4,5x".into()), ("500".into(), "3".into())];
        f.wallet = "99".into();
        let errors = checked(&f, &wallets()).unwrap_err();
        assert_eq!(
            errors.get("fin"),
            Some("L'heure de fin doit venir après l'heure de début.")
        );
        assert!(errors.get("capacite").is_some());
        assert_eq!(
            errors.get("tarif-0"),
            Some(SettingFault::Price.message().as_str())
        );
        assert!(errors.get("qf-1").is_some_and(|m| m.contains("croissant")));
        assert!(errors.get("porte_monnaie").is_some());
    }

    #[test]
    fn holiday_windows_need_both_ends_in_order() {
        let row = |opens: &str, closes: &str| WindowRow {
            key: "2026-12-19".into(),
            name: "Vacances de Noël".into(),
            first_day: jiff::civil::date(2026, 12, 19),
            last_day: jiff::civil::date(2027, 1, 3),
            opens: opens.into(),
            closes: closes.into(),
            ..WindowRow::default()
        };
        let mut errors = FormErrors::default();
        assert!(checked_windows(&[row("", "")], &mut errors).is_empty());
        let saved = checked_windows(&[row("07/11/2026", "2026-12-05")], &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            saved[0].window.opens_at,
            paris_instant(jiff::civil::date(2026, 11, 7), Time::midnight())
        );
        assert_eq!(
            saved[0].window.closes_at,
            paris_instant(
                jiff::civil::date(2026, 12, 5),
                Time::constant(23, 59, 59, 0)
            )
        );
        checked_windows(&[row("05/12/2026", "07/11/2026")], &mut errors);
        assert!(errors.get("cloture-2026-12-19").is_some());
        let mut errors = FormErrors::default();
        checked_windows(&[row("demain", "")], &mut errors);
        assert_eq!(errors.get("ouverture-2026-12-19"), Some(DATE_MESSAGE));
        assert_eq!(errors.get("cloture-2026-12-19"), Some(DATE_MESSAGE));
    }
}
