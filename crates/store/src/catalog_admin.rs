//! The back office's catalogue (R-BO-2): a structure's settings and régie, its
//! porte-monnaies, and its activities with everything the booking rules read — schedule,
//! hours, capacity, deadline, holiday booking windows, closures, prices. An activity is read
//! back through `bookings::activity_by_id`, the reading the reservation rules and the
//! processing run use, so the form shows exactly what the rules apply. Every change is
//! recorded in the audit trail in the transaction that makes it.

use jiff::{
    Timestamp,
    civil::{Date, Time, Weekday},
};
use ribambelle_domain::ids::{ActivityId, StaffId, StructureId, WalletId};
use ribambelle_domain::{
    activity::{
        AbsenceBilling, PeriodKind, PriceBracket, Schedule, capacity_text, format_weekdays,
        prices_text, weekdays_text,
    },
    booking::{Deadline, HolidayWindow},
    calendar::SchoolZone,
    clock::paris,
    french,
    journal::Action,
    money::{BillingMode, Cents},
};
use sqlx::{Any, Row, Transaction};

use crate::{
    Db, StoreError,
    audit::{self, Change},
    bookings::{self, Activity},
    db_time,
    payments::{self, Environment, Provider, Regie},
    wallets::billing_mode,
};

/// The lines of `before` and `after` that differ, as the audit trail keeps them; `None`
/// when nothing changed.
fn differences(
    before: &[(&'static str, String)],
    after: &[(&'static str, String)],
) -> Option<(String, String)> {
    let (old, new): (Vec<_>, Vec<_>) = before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, a)| (b.clone(), a.clone()))
        .unzip();
    if old.is_empty() {
        None
    } else {
        Some((audit::describe(&old), audit::describe(&new)))
    }
}

// ----- Structures -----

/// What the structure page edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructureSettings {
    pub name: String,
    pub address: String,
    /// Empty: no web site.
    pub website_url: String,
    pub school_zone: SchoolZone,
    /// `#rrggbb`, checked by the caller for the contrast of white text on it.
    pub accent_color: String,
    /// Requests decided as soon as they are confirmed, rather than by the nightly run.
    pub immediate: bool,
}

impl StructureSettings {
    fn lines(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Nom", self.name.clone()),
            ("Adresse", self.address.replace('\n', ", ")),
            ("Site web", self.website_url.clone()),
            ("Zone scolaire", self.school_zone.as_str().to_owned()),
            ("Couleur", self.accent_color.clone()),
            (
                "Traitement des demandes",
                processing_label(self.immediate).to_owned(),
            ),
        ]
    }
}

/// A structure's address as its documents print it: the lines typed, blank ones left out.
pub fn address_lines(address: &str) -> Vec<String> {
    address
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn processing_label(immediate: bool) -> &'static str {
    if immediate {
        "dès la confirmation (immédiat)"
    } else {
        "chaque nuit"
    }
}

async fn structure_in<'c, E>(
    executor: E,
    structure_id: StructureId,
) -> Result<StructureSettings, StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let r = sqlx::query("SELECT name, address, website_url, school_zone, accent_color, processing_mode FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(executor)
        .await?;
    let zone: String = r.get("school_zone");
    Ok(StructureSettings {
        name: r.get("name"),
        address: r.get("address"),
        website_url: r
            .get::<Option<String>, _>("website_url")
            .unwrap_or_default(),
        school_zone: zone
            .parse()
            .map_err(|_| StoreError::corrupt("structures.school_zone", &zone))?,
        accent_color: r.get("accent_color"),
        immediate: r.get::<String, _>("processing_mode") == "immediat",
    })
}

pub async fn structure_settings(
    db: &Db,
    structure_id: StructureId,
) -> Result<StructureSettings, StoreError> {
    structure_in(db.reader(), structure_id).await
}

/// Saves the structure's settings; nothing is written (nor audited) when nothing changed.
pub async fn update_structure(
    db: &Db,
    staff_id: StaffId,
    structure_id: StructureId,
    settings: &StructureSettings,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before = structure_in(&mut *tx, structure_id).await?;
    let Some((old, new)) = differences(&before.lines(), &settings.lines()) else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE structures SET name = $1, address = $2, website_url = $3, school_zone = $4, accent_color = $5, processing_mode = $6 WHERE id = $7",
    )
    .bind(&settings.name)
    .bind(&settings.address)
    .bind(Some(settings.website_url.as_str()).filter(|u| !u.is_empty()))
    .bind(settings.school_zone.as_str())
    .bind(&settings.accent_color)
    .bind(if settings.immediate { "immediat" } else { "nuit" })
    .bind(structure_id)
    .execute(&mut *tx)
    .await?;
    let change = Change {
        staff_id,
        structure_id: Some(structure_id),
        family_id: None,
        action: Action::StructureEdited,
        subject: &before.name,
        before: Some(old),
        after: Some(new),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(())
}

pub fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::PayFip => "PayFiP",
        Provider::Systempay => "Systempay",
    }
}

pub fn environment_name(environment: Environment) -> &'static str {
    match environment {
        Environment::Simulated => "banque simulée (démonstration)",
        Environment::Test => "test",
        Environment::Activation => "activation",
        Environment::Production => "production",
    }
}

/// The audit lines of a régie: the certificate only as « enregistré », never its value.
fn regie_lines(regie: Option<&Regie>, new_certificate: bool) -> Vec<(&'static str, String)> {
    let certificate = match regie {
        Some(r) if !r.secret.is_empty() && new_certificate => "nouveau certificat enregistré",
        Some(r) if !r.secret.is_empty() => "enregistré",
        _ => "",
    };
    vec![
        (
            "Prestataire",
            regie
                .map(|r| provider_name(r.provider).to_owned())
                .unwrap_or_default(),
        ),
        (
            "Environnement",
            regie
                .map(|r| environment_name(r.environment).to_owned())
                .unwrap_or_default(),
        ),
        (
            "Identifiant",
            regie.map(|r| r.merchant_id.clone()).unwrap_or_default(),
        ),
        ("Certificat", certificate.to_owned()),
    ]
}

/// Saves the structure's régie, checked by the caller, with its audit entry.
pub async fn save_regie(
    db: &Db,
    staff_id: StaffId,
    regie: &Regie,
    now: Timestamp,
) -> Result<(), StoreError> {
    let before = payments::regie(db, regie.structure_id).await?;
    let replaced = before.as_ref().is_some_and(|b| b.secret != regie.secret);
    let mut tx = db.begin().await?;
    payments::replace_regie(
        &mut tx,
        regie.structure_id,
        regie.provider,
        regie.environment,
        &regie.merchant_id,
        &regie.secret,
    )
    .await?;
    let after = regie_lines(Some(regie), replaced || before.is_none());
    let (old, new) = match &before {
        Some(b) => differences(&regie_lines(Some(b), false), &after).unzip(),
        None => (None, Some(audit::describe(&after))),
    };
    // Saving the same régie again changes nothing worth a line in the journal.
    if new.is_some() {
        let change = Change {
            staff_id,
            structure_id: Some(regie.structure_id),
            family_id: None,
            action: Action::RegieEdited,
            subject: &regie.structure_name,
            before: old,
            after: new,
        };
        audit::record(&mut tx, &change, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ----- Porte-monnaies -----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletChoice {
    pub id: WalletId,
    pub name: String,
    pub billing: BillingMode,
}

impl WalletChoice {
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.billing.label())
    }
}

pub async fn structure_wallets(
    db: &Db,
    structure_id: StructureId,
) -> Result<Vec<WalletChoice>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, billing_mode FROM wallets WHERE structure_id = $1 ORDER BY name",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(WalletChoice {
                id: r.get("id"),
                name: r.get("name"),
                billing: billing_mode(r.get("billing_mode"))?,
            })
        })
        .collect()
}

// ----- Activities -----

/// The porte-monnaie an activity is paid from: one of the structure's, or a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalletPick {
    Existing(WalletId),
    New { name: String, billing: BillingMode },
}

/// One holiday period's booking window, under the period's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingWindow {
    pub holiday_name: String,
    pub window: HolidayWindow,
}

/// What the activity form edits (closures have their own forms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivitySettings {
    pub name: String,
    pub wallet: WalletPick,
    pub schedule: Schedule,
    pub start_time: Time,
    pub end_time: Time,
    /// Places per day; None: unlimited.
    pub capacity: Option<i64>,
    pub deadline: Deadline,
    pub prices: Vec<PriceBracket>,
    pub absence: AbsenceBilling,
    /// Holiday activities: the booking window of each holiday period.
    pub windows: Vec<BookingWindow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    pub day: Date,
    pub reason: String,
}

/// An activity as the back office shows it: as the rules read it, plus what only the back
/// office needs (its structure, its porte-monnaie, the names of its windows, the reasons
/// of its closures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityDetails {
    pub structure_id: StructureId,
    pub wallet_id: WalletId,
    pub activity: Activity,
    pub windows: Vec<BookingWindow>,
    pub closures: Vec<Closure>,
}

impl ActivityDetails {
    /// The activity's settings, as the form starts from them.
    pub fn settings(&self) -> ActivitySettings {
        let a = &self.activity;
        ActivitySettings {
            name: a.name.clone(),
            wallet: WalletPick::Existing(self.wallet_id),
            schedule: a.rules.schedule.clone(),
            start_time: a.start_time,
            end_time: a.end_time,
            capacity: a.capacity,
            deadline: a.rules.deadline,
            prices: a.prices.clone(),
            absence: a.absence,
            windows: self.windows.clone(),
        }
    }
}

/// The activity with this public id, or None.
pub async fn activity_details(
    db: &Db,
    public_id: &str,
) -> Result<Option<ActivityDetails>, StoreError> {
    let Some(row) =
        sqlx::query("SELECT id, structure_id, wallet_id FROM activities WHERE public_id = $1")
            .bind(public_id)
            .fetch_optional(db.reader())
            .await?
    else {
        return Ok(None);
    };
    let id: ActivityId = row.get("id");
    let activity = bookings::activity_by_id(db, id).await?;
    let names = sqlx::query(
        "SELECT holiday_name, first_day FROM holiday_booking_windows WHERE activity_id = $1",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let windows = activity
        .rules
        .holiday_windows
        .iter()
        .map(|w| {
            let name = names
                .iter()
                .find(|r| r.get::<String, _>("first_day") == w.first_day.to_string())
                .map(|r| r.get("holiday_name"));
            BookingWindow {
                holiday_name: name.unwrap_or_default(),
                window: w.clone(),
            }
        })
        .collect();
    let closures = sqlx::query(
        "SELECT day, reason FROM activity_closures WHERE activity_id = $1 ORDER BY day",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| {
        let day: String = r.get("day");
        Ok(Closure {
            day: day
                .parse()
                .map_err(|e| StoreError::corrupt("activity_closures.day", e))?,
            reason: r.get("reason"),
        })
    })
    .collect::<Result<_, StoreError>>()?;
    Ok(Some(ActivityDetails {
        structure_id: row.get("structure_id"),
        wallet_id: row.get("wallet_id"),
        activity,
        windows,
        closures,
    }))
}

/// One line of a structure's list of activities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityLine {
    pub public_id: String,
    pub name: String,
    pub wallet: WalletChoice,
    pub period_kind: PeriodKind,
    pub weekdays: Vec<Weekday>,
    pub start_time: Time,
    pub end_time: Time,
    pub capacity: Option<i64>,
    pub prices: Vec<PriceBracket>,
}

pub async fn structure_activities(
    db: &Db,
    structure_id: StructureId,
) -> Result<Vec<ActivityLine>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.public_id, a.name, a.period_kind, a.weekdays, a.start_time, a.end_time, a.capacity, \
           w.id AS wallet_id, w.name AS wallet_name, w.billing_mode \
         FROM activities a JOIN wallets w ON w.id = a.wallet_id WHERE a.structure_id = $1 ORDER BY a.start_time, a.name",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    let prices = sqlx::query(
        "SELECT p.activity_id, p.qf_max, p.price_cents FROM price_brackets p JOIN activities a ON a.id = p.activity_id WHERE a.structure_id = $1",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let id: ActivityId = r.get("id");
            let time = |column: &'static str| {
                r.get::<String, _>(column)
                    .parse::<Time>()
                    .map_err(|e| StoreError::corrupt(column, e))
            };
            Ok(ActivityLine {
                public_id: r.get("public_id"),
                name: r.get("name"),
                wallet: WalletChoice {
                    id: r.get("wallet_id"),
                    name: r.get("wallet_name"),
                    billing: billing_mode(r.get("billing_mode"))?,
                },
                period_kind: r
                    .get::<String, _>("period_kind")
                    .parse()
                    .map_err(|e| StoreError::corrupt("activities.period_kind", e))?,
                weekdays: ribambelle_domain::activity::parse_weekdays(
                    &r.get::<String, _>("weekdays"),
                )
                .map_err(|e| StoreError::corrupt("activities.weekdays", e))?,
                start_time: time("start_time")?,
                end_time: time("end_time")?,
                capacity: r.get("capacity"),
                prices: prices
                    .iter()
                    .filter(|p| p.get::<ActivityId, _>("activity_id") == id)
                    .map(|p| PriceBracket {
                        qf_max: p.get("qf_max"),
                        price: Cents(p.get("price_cents")),
                    })
                    .collect(),
            })
        })
        .collect()
}

pub fn hour(time: Time) -> String {
    time.strftime("%H:%M").to_string()
}

/// « 10/11/2026 à 08:00 », in Paris time.
pub fn paris_moment(instant: Timestamp) -> String {
    instant
        .to_zoned_datetime(paris())
        .strftime("%d/%m/%Y à %H:%M")
        .to_string()
}

fn period_label(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Scolaire => "périodes scolaires",
        PeriodKind::Vacances => "vacances scolaires",
    }
}

fn activity_lines(s: &ActivitySettings, wallet: &str) -> Vec<(&'static str, String)> {
    let d = s.deadline;
    let windows = s
        .windows
        .iter()
        .map(|w| {
            format!(
                "{} : du {} au {}",
                w.holiday_name,
                paris_moment(w.window.opens_at),
                paris_moment(w.window.closes_at)
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    vec![
        ("Nom", s.name.clone()),
        ("Porte-monnaie", wallet.to_owned()),
        ("Période", period_label(s.schedule.period_kind).to_owned()),
        ("Jours d'ouverture", weekdays_text(&s.schedule.weekdays)),
        (
            "Horaires",
            format!("{} – {}", hour(s.start_time), hour(s.end_time)),
        ),
        ("Capacité", capacity_text(s.capacity)),
        (
            "Date limite",
            format!(
                "{} {}, {} semaine{} avant",
                french::weekday_name(d.weekday),
                hour(d.time),
                d.weeks_before,
                if d.weeks_before > 1 { "s" } else { "" }
            ),
        ),
        ("Tarifs", prices_text(&s.prices)),
        ("Absence non annulée", s.absence.label().to_owned()),
        ("Fenêtres de réservation", windows),
    ]
}

/// What saving an activity came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    Done {
        public_id: String,
    },
    /// Another activity of the structure has this name.
    NameTaken,
    /// The structure already has a porte-monnaie of this name.
    WalletNameTaken,
    /// Consommations of the activity are recorded: they belong to its porte-monnaie.
    WalletLocked,
}

async fn wallet_label(
    tx: &mut Transaction<'static, Any>,
    wallet_id: WalletId,
) -> Result<String, StoreError> {
    let r = sqlx::query("SELECT name, billing_mode FROM wallets WHERE id = $1")
        .bind(wallet_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(WalletChoice {
        id: wallet_id,
        name: r.get("name"),
        billing: billing_mode(r.get("billing_mode"))?,
    }
    .label())
}

/// The porte-monnaie chosen, created (and audited) when it is a new one; Err(Saved) when
/// its name is taken.
async fn chosen_wallet(
    tx: &mut Transaction<'static, Any>,
    staff_id: StaffId,
    structure_id: StructureId,
    pick: &WalletPick,
    now: Timestamp,
) -> Result<Result<WalletId, Saved>, StoreError> {
    let (name, billing) = match pick {
        WalletPick::Existing(id) => {
            // Only the structure's own porte-monnaies can be chosen.
            let id: WalletId =
                sqlx::query_scalar("SELECT id FROM wallets WHERE id = $1 AND structure_id = $2")
                    .bind(id)
                    .bind(structure_id)
                    .fetch_one(&mut **tx)
                    .await?;
            return Ok(Ok(id));
        }
        WalletPick::New { name, billing } => (name, *billing),
    };
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM wallets WHERE structure_id = $1 AND LOWER(name) = LOWER($2)",
    )
    .bind(structure_id)
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;
    if taken > 0 {
        return Ok(Err(Saved::WalletNameTaken));
    }
    let id: WalletId = sqlx::query_scalar(
        "INSERT INTO wallets (structure_id, name, billing_mode) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(structure_id)
    .bind(name)
    .bind(billing.code())
    .fetch_one(&mut **tx)
    .await?;
    let change = Change {
        staff_id,
        structure_id: Some(structure_id),
        family_id: None,
        action: Action::WalletCreated,
        subject: name,
        before: None,
        after: Some(audit::describe(&[("Mode", billing.label().to_owned())])),
    };
    audit::record(tx, &change, now).await?;
    Ok(Ok(id))
}

async fn name_taken(
    tx: &mut Transaction<'static, Any>,
    structure_id: StructureId,
    name: &str,
    except: Option<ActivityId>,
) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activities WHERE structure_id = $1 AND LOWER(name) = LOWER($2) AND id <> $3")
        .bind(structure_id)
        .bind(name)
        .bind(except.map_or(0, ActivityId::get))
        .fetch_one(&mut **tx)
        .await?;
    Ok(count > 0)
}

/// Writes the activity's columns, prices and windows (replacing the previous ones).
async fn write_activity(
    tx: &mut Transaction<'static, Any>,
    activity_id: ActivityId,
    wallet_id: WalletId,
    s: &ActivitySettings,
) -> Result<(), StoreError> {
    // Capacity is only read, never copied: the processing run's conditional update on
    // `day_places` compares the places held with the capacity of the moment, and the
    // calendars show capacity minus places held. A capacity lowered under the places
    // already held therefore keeps every accepted booking (the counter is left as it is)
    // while no new place is given on that day until cancellations bring it under the new
    // capacity; a run deciding at that very moment with the old capacity in memory gets
    // its batch refused by that update and rolled back, and the next run starts from the
    // new one. Raising it frees places for the days' waiting lists, served (oldest first)
    // by the next run.
    sqlx::query(
        "UPDATE activities SET wallet_id = $1, name = $2, period_kind = $3, weekdays = $4, start_time = $5, end_time = $6, capacity = $7, \
         deadline_weekday = $8, deadline_time = $9, deadline_weeks_before = $10, absence_billing = $11 WHERE id = $12",
    )
    .bind(wallet_id)
    .bind(&s.name)
    .bind(s.schedule.period_kind.as_str())
    .bind(format_weekdays(&s.schedule.weekdays))
    .bind(hour(s.start_time))
    .bind(hour(s.end_time))
    .bind(s.capacity)
    .bind(i64::from(s.deadline.weekday.to_monday_one_offset()))
    .bind(s.deadline.time.strftime("%H:%M:%S").to_string())
    .bind(s.deadline.weeks_before)
    .bind(s.absence.code())
    .bind(activity_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM price_brackets WHERE activity_id = $1")
        .bind(activity_id)
        .execute(&mut **tx)
        .await?;
    for bracket in &s.prices {
        sqlx::query(
            "INSERT INTO price_brackets (activity_id, qf_max, price_cents) VALUES ($1, $2, $3)",
        )
        .bind(activity_id)
        .bind(bracket.qf_max)
        .bind(bracket.price.0)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("DELETE FROM holiday_booking_windows WHERE activity_id = $1")
        .bind(activity_id)
        .execute(&mut **tx)
        .await?;
    for w in &s.windows {
        sqlx::query(
            "INSERT INTO holiday_booking_windows (activity_id, holiday_name, first_day, last_day, opens_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(activity_id)
        .bind(&w.holiday_name)
        .bind(w.window.first_day.to_string())
        .bind(w.window.last_day.to_string())
        .bind(db_time(w.window.opens_at))
        .bind(db_time(w.window.closes_at))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Creates an activity of the structure (and its new porte-monnaie, if one is asked).
pub async fn create_activity(
    db: &Db,
    staff_id: StaffId,
    structure_id: StructureId,
    s: &ActivitySettings,
    now: Timestamp,
) -> Result<Saved, StoreError> {
    let mut tx = db.begin().await?;
    if name_taken(&mut tx, structure_id, &s.name, None).await? {
        return Ok(Saved::NameTaken);
    }
    let wallet_id = match chosen_wallet(&mut tx, staff_id, structure_id, &s.wallet, now).await? {
        Ok(id) => id,
        Err(refused) => return Ok(refused),
    };
    let public_id = uuid::Uuid::new_v4().to_string();
    // Inserted with the schema's defaults, then written like an edited one: one writer.
    let id: ActivityId = sqlx::query_scalar(
        "INSERT INTO activities (public_id, structure_id, wallet_id, name, period_kind, weekdays, start_time, end_time) \
         VALUES ($1, $2, $3, $4, 'scolaire', '', '00:00', '00:00') RETURNING id",
    )
    .bind(&public_id)
    .bind(structure_id)
    .bind(wallet_id)
    .bind(&s.name)
    .fetch_one(&mut *tx)
    .await?;
    write_activity(&mut tx, id, wallet_id, s).await?;
    let wallet = wallet_label(&mut tx, wallet_id).await?;
    let change = Change {
        staff_id,
        structure_id: Some(structure_id),
        family_id: None,
        action: Action::ActivityCreated,
        subject: &s.name,
        before: None,
        after: Some(audit::describe(&activity_lines(s, &wallet))),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(Saved::Done { public_id })
}

/// Saves an activity's settings; only the lines that changed go to the audit trail.
pub async fn update_activity(
    db: &Db,
    staff_id: StaffId,
    details: &ActivityDetails,
    s: &ActivitySettings,
    now: Timestamp,
) -> Result<Saved, StoreError> {
    let id = details.activity.id;
    let structure_id = details.structure_id;
    let mut tx = db.begin().await?;
    if name_taken(&mut tx, structure_id, &s.name, Some(id)).await? {
        return Ok(Saved::NameTaken);
    }
    let wallet_id = match chosen_wallet(&mut tx, staff_id, structure_id, &s.wallet, now).await? {
        Ok(id) => id,
        Err(refused) => return Ok(refused),
    };
    if wallet_id != details.wallet_id {
        let consumed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM consommations WHERE activity_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if consumed > 0 {
            return Ok(Saved::WalletLocked);
        }
    }
    let before = activity_lines(
        &details.settings(),
        &wallet_label(&mut tx, details.wallet_id).await?,
    );
    write_activity(&mut tx, id, wallet_id, s).await?;
    let after = activity_lines(s, &wallet_label(&mut tx, wallet_id).await?);
    if let Some((old, new)) = differences(&before, &after) {
        let change = Change {
            staff_id,
            structure_id: Some(structure_id),
            family_id: None,
            action: Action::ActivityEdited,
            subject: &details.activity.name,
            before: Some(old),
            after: Some(new),
        };
        audit::record(&mut tx, &change, now).await?;
    }
    tx.commit().await?;
    Ok(Saved::Done {
        public_id: details.activity.public_id.clone(),
    })
}

/// What adding a closure came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosureAdded {
    /// `booked`: reservations that hold or ask for a place that day, which the closure
    /// does not cancel by itself.
    Added {
        booked: i64,
    },
    AlreadyClosed,
}

/// Closes the activity on `day` for `reason`.
pub async fn add_closure(
    db: &Db,
    staff_id: StaffId,
    details: &ActivityDetails,
    day: Date,
    reason: &str,
    now: Timestamp,
) -> Result<ClosureAdded, StoreError> {
    let mut tx = db.begin().await?;
    let added = sqlx::query("INSERT INTO activity_closures (activity_id, day, reason) VALUES ($1, $2, $3) ON CONFLICT (activity_id, day) DO NOTHING")
        .bind(details.activity.id)
        .bind(day.to_string())
        .bind(reason)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if added == 0 {
        return Ok(ClosureAdded::AlreadyClosed);
    }
    let booked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reservations WHERE activity_id = $1 AND day = $2 AND state IN ('non_transmise', 'acceptee', 'attente')",
    )
    .bind(details.activity.id)
    .bind(day.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let change = Change {
        staff_id,
        structure_id: Some(details.structure_id),
        family_id: None,
        action: Action::ClosureAdded,
        subject: &details.activity.name,
        before: None,
        after: Some(audit::describe(&[
            ("Jour", french::long_date(day)),
            ("Motif", reason.to_owned()),
        ])),
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(ClosureAdded::Added { booked })
}

/// Opens the activity again on `day`; false when it was not closed.
pub async fn remove_closure(
    db: &Db,
    staff_id: StaffId,
    details: &ActivityDetails,
    day: Date,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let Some(closure) = details.closures.iter().find(|c| c.day == day) else {
        return Ok(false);
    };
    let mut tx = db.begin().await?;
    let removed = sqlx::query("DELETE FROM activity_closures WHERE activity_id = $1 AND day = $2")
        .bind(details.activity.id)
        .bind(day.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Ok(false);
    }
    let change = Change {
        staff_id,
        structure_id: Some(details.structure_id),
        family_id: None,
        action: Action::ClosureRemoved,
        subject: &details.activity.name,
        before: Some(audit::describe(&[
            ("Jour", french::long_date(day)),
            ("Motif", closure.reason.clone()),
        ])),
        after: None,
    };
    audit::record(&mut tx, &change, now).await?;
    tx.commit().await?;
    Ok(true)
}
