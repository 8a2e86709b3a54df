//! The fixed demo: Mairie de CarteVille and a second structure, DUPONT in first-login
//! state, MARTIN with two months of history, neighbours who nearly fill MERCREDI, and a
//! gestionnaire.

use jiff::{
    Timestamp, ToSpan,
    civil::{Date, Time, Weekday},
};
use ribambelle_domain::ids::{ActivityId, ChildId, FamilyId, StaffId, StructureId, WalletId};
use ribambelle_domain::{
    activity::PeriodKind,
    calendar::{SchoolCalendar, parse_holiday_csv},
    clock::{Clock, paris_date, paris_instant},
    money::Cents,
    password::PasswordHashing,
};
use sqlx::{Any, Transaction};

use super::{
    DemoError,
    catalog::{Activity, CARTEVILLE, ECUREUILS, StructureSpec, ZONE, weekday_is},
};
use crate::{Db, db_time, portal};

use Weekday::{Friday, Monday, Thursday, Tuesday, Wednesday};

pub(super) async fn load(
    db: &Db,
    hashing: &PasswordHashing,
    clock: &Clock,
) -> Result<(), DemoError> {
    let now = clock.now();
    let today = paris_date(now);
    let calendar = zone_calendar()?;
    let mut tx = db.begin().await?;
    let carteville = insert_structure(&mut tx, &CARTEVILLE, now).await?;
    let ecureuils = insert_structure(&mut tx, &ECUREUILS, now).await?;
    insert_holiday_windows(&mut tx, &carteville, &calendar, today).await?;
    insert_holiday_windows(&mut tx, &ecureuils, &calendar, today).await?;
    insert_announcements(&mut tx, &carteville, &ecureuils, &calendar, today, now).await?;
    for (structure, spec) in [(&carteville, &CARTEVILLE), (&ecureuils, &ECUREUILS)] {
        publish_texts(&mut tx, structure.id, spec.name, now).await?;
    }
    insert_regies(&mut tx, carteville.id, ecureuils.id).await?;

    let find = |name: &str| -> Activity {
        carteville
            .activities
            .iter()
            .chain(&ecureuils.activities)
            .find(|a| a.name == name)
            .cloned()
            .expect("demo activity")
    };

    // DUPONT: the guide's family, as the town hall created it: initial password, no history.
    let dupont = insert_family(
        &mut tx,
        FamilySpec {
            identifiant: "dupont",
            civility: "M.",
            last_name: "DUPONT",
            first_name: "Jean-Paul",
            emails: "jean-paul.dupont@example.fr",
            password_hash: &hashing.hash("bienvenue")?,
            must_change_password: true,
            quotient_familial: Some(850),
        },
        &[carteville.id],
        now,
    )
    .await?;
    let dupont_activities: Vec<ActivityId> = [
        "APS MATIN",
        "APS SOIR",
        "RESTAURATION",
        "MERCREDI",
        "ACCUEIL VACANCES",
    ]
    .iter()
    .map(|n| find(n).id)
    .collect();
    for (first_name, birth) in [("Amalia", "2016-03-14"), ("Paolo", "2018-09-02")] {
        let child = insert_child(
            &mut tx,
            dupont,
            first_name,
            "DUPONT",
            birth,
            "École Jules Ferry",
        )
        .await?;
        register(&mut tx, child, &dupont_activities).await?;
    }

    // MARTIN: onboarded, with two months of reservations, consommations, invoices, payments.
    let martin_qf = Some(1200);
    let martin = insert_family(
        &mut tx,
        FamilySpec {
            identifiant: "martin",
            civility: "Mme",
            last_name: "MARTIN",
            first_name: "Claire",
            emails: "claire.martin@example.fr;paul.martin@example.fr",
            password_hash: &hashing.hash("Martin-Demo-2026!")?,
            must_change_password: false,
            quotient_familial: martin_qf,
        },
        &[carteville.id, ecureuils.id],
        now,
    )
    .await?;
    let lea = insert_child(
        &mut tx,
        martin,
        "Léa",
        "MARTIN",
        "2016-05-12",
        "École Jules Ferry",
    )
    .await?;
    let hugo = insert_child(
        &mut tx,
        martin,
        "Hugo",
        "MARTIN",
        "2018-10-03",
        "École Jules Ferry",
    )
    .await?;
    // Hugo also went to the holiday centre: in September the Historique still shows August.
    // Its coming days are booked in their holiday windows, not by the demo.
    let plan: [(ChildId, Activity, &[Weekday]); 7] = [
        (lea, find("APS MATIN"), &[Monday, Tuesday]),
        (
            lea,
            find("RESTAURATION"),
            &[Monday, Tuesday, Thursday, Friday],
        ),
        (lea, find("MERCREDI"), &[Wednesday]),
        (hugo, find("RESTAURATION"), &[Monday, Thursday]),
        (hugo, find("APS SOIR"), &[Tuesday, Friday]),
        (hugo, find("MERCREDI NATURE"), &[Wednesday]),
        (hugo, find("ACCUEIL VACANCES"), &[Monday, Tuesday, Thursday]),
    ];
    for (child, activity, _) in &plan {
        register(&mut tx, *child, &[activity.id]).await?;
    }
    // The month of the last school day and the one before: in September, June and July.
    let last_school_day = (1..=90)
        .map(|n| today - n.days())
        .find(|day| calendar.is_school_day(*day))
        .unwrap_or(today);
    let history_start = first_of_month(last_school_day) - 1.month();
    // Two school weeks accepted, then two sent but not yet processed: counted in school
    // days, so that holidays (Christmas, say) never leave the second part empty.
    let coming = coming_school_day(&calendar, today);
    let not_transmitted_from = school_day_after(&calendar, coming, 10);
    let horizon = school_day_after(&calendar, coming, 19);
    let mut consumed: Vec<Consumed> = Vec::new();
    for (child, activity, weekdays) in &plan {
        let price = activity.price(martin_qf);
        let mut day = history_start;
        let last = if activity.schedule.period_kind == PeriodKind::Vacances {
            today - 1.day()
        } else {
            horizon
        };
        while day <= last {
            if weekday_is(day, weekdays) && activity.is_open(day, &calendar) {
                let state = if day < not_transmitted_from {
                    "acceptee"
                } else {
                    "non_transmise"
                };
                insert_reservation(&mut tx, martin, *child, activity, day, state, price, now)
                    .await?;
                if day < today {
                    consumed.push(Consumed {
                        child: *child,
                        activity: activity.clone(),
                        day,
                        price,
                    });
                }
            }
            day = super::next_day(day)?;
        }
    }
    // One day cancelled by the family, to show the state in the follow-up.
    cancel_first_upcoming(
        &mut tx,
        martin,
        hugo,
        &find("APS SOIR"),
        not_transmitted_from,
        now,
    )
    .await?;
    super::onboard(&mut tx, martin.get(), martin.get(), now).await?;
    bill_martin(
        &mut tx,
        martin,
        &consumed,
        &carteville,
        &ecureuils,
        history_start,
        today,
        now,
    )
    .await?;

    // Neighbours whose children almost fill MERCREDI (13 of its 14 places), and spend their
    // holiday Wednesdays at the holiday centre.
    let mercredi = find("MERCREDI");
    let vacances = find("ACCUEIL VACANCES");
    for (i, name) in ["BERNARD", "PETIT", "ROBERT", "RICHARD", "DURAND", "LEROY"]
        .into_iter()
        .enumerate()
    {
        let family = insert_family(
            &mut tx,
            FamilySpec {
                identifiant: &name.to_lowercase(),
                civility: "Mme",
                last_name: name,
                first_name: "Sophie",
                emails: "",
                // Not a PHC string: nobody can log in to these accounts.
                password_hash: "!",
                must_change_password: true,
                quotient_familial: Some(400 + 150 * i as i64),
            },
            &[carteville.id],
            now,
        )
        .await?;
        for first_name in ["Emma", "Louis"] {
            let child = insert_child(
                &mut tx,
                family,
                first_name,
                name,
                "2017-01-20",
                "École Jules Ferry",
            )
            .await?;
            register(&mut tx, child, &[mercredi.id, vacances.id]).await?;
            let quotient_familial = Some(400 + 150 * i as i64);
            let price = mercredi.price(quotient_familial);
            // Last month's Wednesdays consumed but not invoiced yet: the gestionnaire has a
            // month to preview and issue in Facturation, in September too.
            let mut day = first_of_month(today) - 1.month();
            while day < first_of_month(today) {
                let that_day = [&mercredi, &vacances]
                    .into_iter()
                    .find(|a| weekday_is(day, &[Wednesday]) && a.is_open(day, &calendar));
                if let Some(activity) = that_day {
                    sqlx::query(
                        "INSERT INTO consommations (family_id, child_id, activity_id, day, quantity, unit_price_cents, amount_cents) VALUES ($1, $2, $3, $4, 1, $5, $5)",
                    )
                    .bind(family)
                    .bind(child)
                    .bind(activity.id)
                    .bind(day.to_string())
                    .bind(activity.price(quotient_familial).0)
                    .execute(&mut *tx)
                    .await?;
                }
                day = super::next_day(day)?;
            }
            // Eight weeks ahead, and at least as far as Léa's days: at the end of June her
            // coming days are in September, past the summer.
            let mut day = today;
            while day <= (coming + 56.days()).max(horizon) {
                if mercredi.is_open(day, &calendar) {
                    insert_reservation(
                        &mut tx, family, child, &mercredi, day, "acceptee", price, now,
                    )
                    .await?;
                }
                day = super::next_day(day)?;
            }
        }
    }

    let gestion_hash = hashing.hash("Gestion-Demo-2026!")?;
    let staff_id: StaffId = sqlx::query_scalar(
        "INSERT INTO staff (login, display_name, email, role, password_hash, must_change_password, created_at) \
         VALUES ('gestion', 'Nadia GESTION', 'gestion@carteville.example', 'gestionnaire', $1, 0, $2) RETURNING id",
    )
    .bind(gestion_hash)
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    for structure in [carteville.id, ecureuils.id] {
        sqlx::query("INSERT INTO staff_structures (staff_id, structure_id) VALUES ($1, $2)")
            .bind(staff_id)
            .bind(structure)
            .execute(&mut *tx)
            .await?;
    }
    // An animateur of CarteVille reads the day lists and the families, and changes nothing.
    let animateur: StaffId = sqlx::query_scalar(
        "INSERT INTO staff (login, display_name, email, role, password_hash, must_change_password, created_at) \
         VALUES ('animateur', 'Théo ANIMATEUR', 'animateur@carteville.example', 'animateur', $1, 0, $2) RETURNING id",
    )
    .bind(hashing.hash("Animateur-Demo-2026!")?)
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO staff_structures (staff_id, structure_id) VALUES ($1, $2)")
        .bind(animateur)
        .bind(carteville.id)
        .execute(&mut *tx)
        .await?;
    // The town hall's administrateur manages the staff accounts (and sees every structure).
    sqlx::query(
        "INSERT INTO staff (login, display_name, email, role, password_hash, must_change_password, created_at) \
         VALUES ('admin', 'Claude ADMIN', 'admin@carteville.example', 'administrateur', $1, 0, $2)",
    )
    .bind(hashing.hash("Admin-Demo-2026!")?)
    .bind(db_time(now))
    .execute(&mut *tx)
    .await?;
    // MARTIN's grandmother may pick Léa up and is called in an emergency.
    let grandmother: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (public_id, family_id, last_name, first_name, address, phone, email, created_at) \
         VALUES ($1, $2, 'DUBOIS', 'Monique', '8 allée des Tilleuls, 77000 CarteVille', '06 98 76 54 32', '', $3) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(martin)
    .bind(db_time(now))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO child_contacts (child_id, contact_id, relationship, may_pick_up, emergency) VALUES ($1, $2, 'Grand-mère', 1, 1)")
        .bind(lea)
        .bind(grandmother)
        .execute(&mut *tx)
        .await?;
    // Both structures' dossier campaigns are open: families review their fiches.
    for structure in [carteville.id, ecureuils.id] {
        sqlx::query("INSERT INTO dossier_campaigns (structure_id, label, opens_on, closes_on, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(structure)
            .bind(format!("Dossier famille {}-{}", today.year(), today.year() + 1))
            .bind((today - 30.days()).to_string())
            .bind((today + 60.days()).to_string())
            .bind(db_time(now))
            .execute(&mut *tx)
            .await?;
    }
    crate::places::recount(&mut tx).await?;
    portal::touch_data_change(&mut tx, now).await?;
    if clock.is_moved() {
        sqlx::query("INSERT INTO app_state (key, value) VALUES ($1, $2)")
            .bind(super::MOVED_CLOCK)
            .bind(clock.ahead().as_millis().to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

const RGPD: &str = include_str!("../../seed/textes/rgpd.txt");
const CGU: &str = include_str!("../../seed/textes/cgu.txt");
const REGLEMENT: &str = include_str!("../../seed/textes/reglement.txt");

async fn publish_texts(
    tx: &mut Transaction<'_, Any>,
    structure: StructureId,
    name: &str,
    now: Timestamp,
) -> Result<(), DemoError> {
    let texts = [
        ("rgpd", "Protection des données personnelles (RGPD)", RGPD),
        ("cgu", "Conditions générales d'utilisation du portail", CGU),
        ("reglement", "Règlement intérieur des accueils", REGLEMENT),
    ];
    for (kind, title, body) in texts {
        crate::legal::publish(
            &mut **tx,
            structure,
            kind,
            title,
            &body.replace("{structure}", name),
            now,
        )
        .await?;
    }
    Ok(())
}

pub(super) fn zone_calendar() -> Result<SchoolCalendar, DemoError> {
    let periods = parse_holiday_csv(portal::HOLIDAYS_CSV)
        .map_err(|e| crate::StoreError::Reference(e.to_string()))?;
    Ok(SchoolCalendar::new(ZONE, periods, false))
}

pub(super) struct LoadedStructure {
    pub id: StructureId,
    pub activities: Vec<Activity>,
    pub wallets: Vec<(String, WalletId, String)>,
}

impl LoadedStructure {
    fn wallet(&self, name: &str) -> WalletId {
        self.wallets
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, id, _)| *id)
            .expect("demo wallet")
    }
}

async fn insert_structure(
    tx: &mut Transaction<'_, Any>,
    spec: &StructureSpec,
    now: Timestamp,
) -> Result<LoadedStructure, DemoError> {
    let id: StructureId = sqlx::query_scalar(
        "INSERT INTO structures (slug, name, website_url, school_zone, accent_color, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(spec.slug)
    .bind(spec.name)
    .bind(spec.website_url)
    .bind(ZONE.as_str())
    .bind(spec.accent_color)
    .bind(db_time(now))
    .fetch_one(&mut **tx)
    .await?;
    let mut wallets = Vec::new();
    for (name, mode) in spec.wallets {
        let wallet_id: WalletId = sqlx::query_scalar(
            "INSERT INTO wallets (structure_id, name, billing_mode) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(id)
        .bind(*name)
        .bind(*mode)
        .fetch_one(&mut **tx)
        .await?;
        wallets.push((name.to_string(), wallet_id, mode.to_string()));
    }
    let mut loaded = LoadedStructure {
        id,
        activities: Vec::new(),
        wallets,
    };
    for a in spec.activities {
        let wallet_id = loaded.wallet(a.wallet);
        // Every activity bills an absence not cancelled in time, as the demo's règlement
        // intérieur says.
        let activity_id: ActivityId = sqlx::query_scalar(
            "INSERT INTO activities (public_id, structure_id, wallet_id, name, period_kind, weekdays, start_time, end_time, capacity, absence_billing) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'facturee') RETURNING id",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(id)
        .bind(wallet_id)
        .bind(a.name)
        .bind(a.period_kind)
        .bind(a.weekdays)
        .bind(a.hours.0)
        .bind(a.hours.1)
        .bind(a.capacity)
        .fetch_one(&mut **tx)
        .await?;
        let mut brackets = Vec::new();
        for &(qf_max, price) in a.prices {
            sqlx::query(
                "INSERT INTO price_brackets (activity_id, qf_max, price_cents) VALUES ($1, $2, $3)",
            )
            .bind(activity_id)
            .bind(qf_max)
            .bind(price)
            .execute(&mut **tx)
            .await?;
            brackets.push(ribambelle_domain::activity::PriceBracket {
                qf_max,
                price: Cents(price),
            });
        }
        loaded.activities.push(Activity {
            id: activity_id,
            wallet_id,
            name: a.name.to_owned(),
            schedule: Activity::schedule_from(a.period_kind, a.weekdays),
            brackets,
        });
    }
    Ok(loaded)
}

/// Each holiday period of the coming year opens for booking six weeks before it starts
/// and closes two weeks before.
async fn insert_holiday_windows(
    tx: &mut Transaction<'_, Any>,
    structure: &LoadedStructure,
    calendar: &SchoolCalendar,
    today: Date,
) -> Result<(), DemoError> {
    let upcoming: Vec<_> = calendar
        .periods()
        .iter()
        .filter(|p| p.last_day >= today && p.first_day <= today + 365.days())
        .collect();
    for activity in structure
        .activities
        .iter()
        .filter(|a| a.schedule.period_kind.as_str() == "vacances")
    {
        for period in &upcoming {
            let opens = paris_instant(period.first_day - 42.days(), Time::midnight());
            let closes = paris_instant(period.first_day - 14.days(), Time::constant(23, 59, 59, 0));
            sqlx::query(
                "INSERT INTO holiday_booking_windows (activity_id, holiday_name, first_day, last_day, opens_at, closes_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(activity.id)
            .bind(&period.name)
            .bind(period.first_day.to_string())
            .bind(period.last_day.to_string())
            .bind(db_time(opens))
            .bind(db_time(closes))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn insert_announcements(
    tx: &mut Transaction<'_, Any>,
    carteville: &LoadedStructure,
    ecureuils: &LoadedStructure,
    calendar: &SchoolCalendar,
    today: Date,
    now: Timestamp,
) -> Result<(), DemoError> {
    let next_holidays = calendar.periods().iter().find(|p| p.first_day > today);
    let mut rows: Vec<(StructureId, String, String, Date, Option<Date>)> = vec![
        (
            carteville.id,
            "Menus de la restauration scolaire".into(),
            "Les menus du mois sont affichés à l'entrée des écoles et sur le site de la mairie. \
             Pensez à signaler toute allergie dans la fiche sanitaire de votre enfant."
                .into(),
            today - 5.days(),
            None,
        ),
        (
            carteville.id,
            "Fermeture exceptionnelle de l'accueil du soir".into(),
            "L'accueil du soir a fermé à 17 h 30 pour la réunion de rentrée.".into(),
            today - 60.days(),
            Some(today - 20.days()),
        ),
        (
            ecureuils.id,
            "Bienvenue aux Écureuils".into(),
            "Le programme des mercredis nature est disponible à l'accueil du centre.".into(),
            today - 3.days(),
            None,
        ),
    ];
    if let Some(period) = next_holidays {
        let closes = period.first_day - 14.days();
        rows.push((
            carteville.id,
            format!("Réservations : {}", period.name),
            format!(
                "Les réservations de l'accueil de loisirs pour les {} ouvrent le {} et ferment le {} au soir. \
                 Pensez à réserver tôt : les places sont limitées.",
                lowercase_first(&period.name),
                ribambelle_domain::french::long_date(period.first_day - 42.days()),
                ribambelle_domain::french::long_date(closes),
            ),
            today - 10.days(),
            Some(closes),
        ));
    }
    for (structure, title, body, from, until) in rows {
        sqlx::query(
            "INSERT INTO announcements (structure_id, title, body, display_from, display_until, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(structure)
        .bind(title)
        .bind(body)
        .bind(from.to_string())
        .bind(until.map(|d| d.to_string()))
        .bind(db_time(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) struct FamilySpec<'a> {
    pub identifiant: &'a str,
    pub civility: &'a str,
    pub last_name: &'a str,
    pub first_name: &'a str,
    pub emails: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub quotient_familial: Option<i64>,
}

async fn insert_family(
    tx: &mut Transaction<'_, Any>,
    f: FamilySpec<'_>,
    structures: &[StructureId],
    now: Timestamp,
) -> Result<FamilyId, DemoError> {
    let id: FamilyId = sqlx::query_scalar(
        "INSERT INTO families (public_id, identifiant, civility, last_name, first_name, emails, password_hash, \
           must_change_password, quotient_familial, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(f.identifiant)
    .bind(f.civility)
    .bind(f.last_name)
    .bind(f.first_name)
    .bind(f.emails)
    .bind(f.password_hash)
    .bind(i64::from(f.must_change_password))
    .bind(f.quotient_familial)
    .bind(db_time(now))
    .fetch_one(&mut **tx)
    .await?;
    for structure in structures {
        sqlx::query("INSERT INTO family_structures (family_id, structure_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*structure)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

async fn insert_child(
    tx: &mut Transaction<'_, Any>,
    family: FamilyId,
    first_name: &str,
    last_name: &str,
    birth_date: &str,
    school: &str,
) -> Result<ChildId, DemoError> {
    let id: ChildId = sqlx::query_scalar(
        "INSERT INTO children (public_id, family_id, first_name, last_name, birth_date, school) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(family)
    .bind(first_name)
    .bind(last_name)
    .bind(birth_date)
    .bind(school)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

async fn register(
    tx: &mut Transaction<'_, Any>,
    child: ChildId,
    activities: &[ActivityId],
) -> Result<(), DemoError> {
    for activity in activities {
        sqlx::query("INSERT INTO registrations (child_id, activity_id) VALUES ($1, $2)")
            .bind(child)
            .bind(*activity)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_reservation(
    tx: &mut Transaction<'_, Any>,
    family: FamilyId,
    child: ChildId,
    activity: &Activity,
    day: Date,
    state: &str,
    price: Cents,
    now: Timestamp,
) -> Result<(), DemoError> {
    // Booked on the Thursday deadline of the week before, at the latest.
    let confirmed = paris_instant(day - 10.days(), Time::constant(20, 15, 0, 0)).min(now);
    sqlx::query(
        "INSERT INTO reservations (family_id, child_id, activity_id, day, state, amount_cents, confirmed_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(family)
    .bind(child)
    .bind(activity.id)
    .bind(day.to_string())
    .bind(state)
    .bind(price.0)
    .bind(db_time(confirmed))
    .execute(&mut **tx)
    .await?;
    // A request not transmitted yet waits for the next processing run, like any other.
    if state == "non_transmise" {
        sqlx::query(
            "INSERT INTO reservation_requests (confirmation_key, family_id, child_id, activity_id, day, action, amount_cents, confirmed_at) \
             VALUES ('demo', $1, $2, $3, $4, 'reserver', $5, $6)",
        )
        .bind(family)
        .bind(child)
        .bind(activity.id)
        .bind(day.to_string())
        .bind(price.0)
        .bind(db_time(confirmed))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Where the demo's coming weeks start: today, or in the school holidays their first school
/// day after them, so that a demo loaded in July still shows the rentrée's bookings.
fn coming_school_day(calendar: &SchoolCalendar, today: Date) -> Date {
    (0..=90)
        .map(|n| today + n.days())
        .find(|day| calendar.is_school_day(*day))
        .unwrap_or(today)
}

/// The school day `n` school days after `start`, a school day itself.
fn school_day_after(calendar: &SchoolCalendar, start: Date, n: usize) -> Date {
    (0..=366)
        .map(|k| start + k.days())
        .filter(|day| calendar.is_school_day(*day))
        .nth(n)
        .unwrap_or(start)
}

/// Cancels the first of the family's days from `from` on.
async fn cancel_first_upcoming(
    tx: &mut Transaction<'_, Any>,
    family: FamilyId,
    child: ChildId,
    activity: &Activity,
    from: Date,
    now: Timestamp,
) -> Result<(), DemoError> {
    sqlx::query(
        "UPDATE reservations SET state = 'annulee', updated_at = $1 WHERE id = \
           (SELECT id FROM reservations WHERE family_id = $2 AND child_id = $3 AND activity_id = $4 AND day >= $5 \
            ORDER BY day LIMIT 1)",
    )
    .bind(db_time(now))
    .bind(family)
    .bind(child)
    .bind(activity.id)
    .bind(from.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

struct Consumed {
    child: ChildId,
    activity: Activity,
    day: Date,
    price: Cents,
}

/// MARTIN's money: consommations of past days; for invoiced wallets one invoice per
/// finished month, the older paid by card and the last one still due; prepaid wallets
/// credited by payments. The prepaid credit is sized so that the family stays in credit
/// overall, so that it can book while still having an invoice to pay.
#[allow(clippy::too_many_arguments)]
async fn bill_martin(
    tx: &mut Transaction<'_, Any>,
    family: FamilyId,
    consumed: &[Consumed],
    carteville: &LoadedStructure,
    ecureuils: &LoadedStructure,
    history_start: Date,
    today: Date,
    now: Timestamp,
) -> Result<(), DemoError> {
    let mut consommation_ids: Vec<(i64, &Consumed)> = Vec::new();
    for c in consumed {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO consommations (family_id, child_id, activity_id, day, quantity, unit_price_cents, amount_cents) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
        )
        .bind(family)
        .bind(c.child)
        .bind(c.activity.id)
        .bind(c.day.to_string())
        .bind(c.price.0)
        .fetch_one(&mut **tx)
        .await?;
        consommation_ids.push((id, c));
    }

    let this_month = first_of_month(today);
    let mut due_total = Cents(0);
    let mut invoice_number = 0;
    for structure in [carteville, ecureuils] {
        for (_, wallet_id, mode) in &structure.wallets {
            let in_wallet: Vec<&(i64, &Consumed)> = consommation_ids
                .iter()
                .filter(|(_, c)| c.activity.wallet_id == *wallet_id)
                .collect();
            if mode == "prepaiement" {
                let spent: Cents = in_wallet.iter().map(|(_, c)| c.price).sum();
                // Two payments: one at the start of the history, one topping up.
                let first = round_up_to_ten_euros(Cents(spent.0 * 2 / 3));
                let second = round_up_to_ten_euros(spent - first + Cents(3000));
                for (k, amount) in [(0, first), (1, second)] {
                    let paid_on = history_start + k.months() + 2.days();
                    insert_payment(
                        tx,
                        family,
                        structure.id,
                        Some(*wallet_id),
                        amount,
                        "carte",
                        paid_on,
                        now,
                    )
                    .await?;
                }
                continue;
            }
            // The wallet's last two finished months with consommations.
            let mut months: Vec<Date> = in_wallet
                .iter()
                .map(|(_, c)| first_of_month(c.day))
                .filter(|m| *m < this_month)
                .collect();
            months.sort();
            months.dedup();
            let months = &months[months.len().saturating_sub(2)..];
            for (k, month_start) in months.iter().enumerate() {
                let next_month = *month_start + 1.month();
                let lines: Vec<&&(i64, &Consumed)> = in_wallet
                    .iter()
                    .filter(|(_, c)| c.day >= *month_start && c.day < next_month)
                    .collect();
                if lines.is_empty() {
                    continue;
                }
                invoice_number += 1;
                let amount: Cents = lines.iter().map(|(_, c)| c.price).sum();
                // Issued early in the next month, never after the demo's today: a document
                // dated in the future is one a family would rightly distrust.
                let issued = (next_month + 2.days()).min(today);
                let invoice_id: i64 = sqlx::query_scalar(
                    "INSERT INTO invoices (public_id, number, family_id, structure_id, wallet_id, period_month, amount_cents, issued_on, due_on) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(format!("F{}-{:05}", month_start.strftime("%Y%m"), invoice_number))
                .bind(family)
                .bind(structure.id)
                .bind(*wallet_id)
                .bind(month_start.strftime("%Y-%m").to_string())
                .bind(amount.0)
                .bind(issued.to_string())
                .bind((issued + 30.days()).to_string())
                .fetch_one(&mut **tx)
                .await?;
                for (consommation, _) in &lines {
                    sqlx::query("UPDATE consommations SET invoice_id = $1 WHERE id = $2")
                        .bind(invoice_id)
                        .bind(*consommation)
                        .execute(&mut **tx)
                        .await?;
                }
                let already_due = k + 1 == months.len();
                if already_due {
                    due_total += amount;
                } else {
                    let payment = insert_payment(
                        tx,
                        family,
                        structure.id,
                        None,
                        amount,
                        "carte",
                        issued + 5.days(),
                        now,
                    )
                    .await?;
                    sqlx::query("INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents) VALUES ($1, $2, $3)")
                        .bind(payment)
                        .bind(invoice_id)
                        .bind(amount.0)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
    }
    // Keep the family in credit overall at CarteVille despite the invoices still due.
    if due_total > Cents(0) {
        let wallet = carteville.wallet("Restauration");
        let top_up = round_up_to_ten_euros(due_total + Cents(2000));
        insert_payment(
            tx,
            family,
            carteville.id,
            Some(wallet),
            top_up,
            "cheque",
            this_month,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Both structures take card payments through the simulated bank the binary serves, one
/// per protocol: PayFiP for the town hall, Systempay for the centre de loisirs (whose
/// signing certificate is drawn for this database).
async fn insert_regies(
    tx: &mut Transaction<'_, Any>,
    carteville: StructureId,
    ecureuils: StructureId,
) -> Result<(), DemoError> {
    let certificate = crate::token::new_token()?;
    for (structure, provider, merchant, secret) in [
        (carteville, "payfip", "000123", ""),
        (ecureuils, "systempay", "12345678", certificate.as_str()),
    ] {
        sqlx::query("INSERT INTO regies (structure_id, provider, environment, merchant_id, secret) VALUES ($1, $2, 'simulee', $3, $4)")
            .bind(structure)
            .bind(provider)
            .bind(merchant)
            .bind(secret)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_payment(
    tx: &mut Transaction<'_, Any>,
    family: FamilyId,
    structure: StructureId,
    wallet: Option<WalletId>,
    amount: Cents,
    mode: &str,
    paid_on: Date,
    now: Timestamp,
) -> Result<i64, DemoError> {
    let paid_at = paris_instant(paid_on, Time::constant(19, 30, 0, 0)).min(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (public_id, family_id, structure_id, wallet_id, amount_cents, mode, reference, state, created_at, paid_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'paye', $8, $8) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(family)
    .bind(structure)
    .bind(wallet)
    .bind(amount.0)
    .bind(mode)
    .bind(format!("DEMO-{}", paid_on.strftime("%Y%m%d")))
    .bind(db_time(paid_at))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// « Vacances de Noël » → « vacances de Noël », for use inside a sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn round_up_to_ten_euros(amount: Cents) -> Cents {
    Cents((amount.0.max(0) + 999) / 1000 * 1000)
}

pub(super) fn first_of_month(day: Date) -> Date {
    day.first_of_month()
}
