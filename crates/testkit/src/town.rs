//! A town hall's portal as a test needs it: a structure with its texts, the activities the
//! test names, and an administrateur who made them through the back office's functions.

use jiff::civil::{Date, Time, Weekday};
use ribambelle_domain::{
    activity::{AbsenceBilling, PeriodKind, PriceBracket, Schedule},
    booking::Deadline,
    calendar::{SchoolCalendar, SchoolZone},
    clock::Clock,
    ids::{ActivityId, CampaignId, StaffId, StructureId},
    money::{BillingMode, Cents},
};
use ribambelle_store::{
    Db, bookings,
    catalog_admin::{self, ActivitySettings, Saved, StructureSettings, WalletPick},
    db_time, dossier, legal,
    notices::{self, NewAnnouncement},
    payments::{Environment, Provider, Regie},
};

use crate::builders::hashing;

/// One structure of the tests. Installing it is the one step done with SQL, as an
/// installer does: the portal has no page to create a structure or its first
/// administrateur. Everything after goes through the product's own functions.
pub struct Town {
    pub db: Db,
    pub clock: Clock,
    pub id: StructureId,
    pub slug: String,
    pub name: String,
    /// The administrateur the back office's changes are recorded under.
    pub admin: StaffId,
}

/// The administrateur every town of a test database shares.
pub const ADMIN_LOGIN: &str = "admin";

impl Town {
    /// « Mairie de CarteVille », in zone C, the structure most tests need.
    pub async fn new(db: &Db, clock: Clock) -> Town {
        Town::named(db, clock, "carteville", "Mairie de CarteVille").await
    }

    /// Another structure of the same database, with the same administrateur.
    pub async fn named(db: &Db, clock: Clock, slug: &str, name: &str) -> Town {
        let now = clock.now();
        let id: StructureId = sqlx::query_scalar(
            "INSERT INTO structures (slug, name, website_url, school_zone, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(format!("https://www.{slug}.example"))
        .bind(SchoolZone::C.as_str())
        .bind(db_time(now))
        .fetch_one(db.writer())
        .await
        .unwrap_or_else(|e| panic!("structure {slug}: {e}"));
        let texts = [
            ("rgpd", "Protection des données personnelles (RGPD)"),
            ("cgu", "Conditions générales d'utilisation du portail"),
            ("reglement", "Règlement intérieur des accueils"),
        ];
        for (kind, title) in texts {
            let body = format!("{title} de {name}, version de test.");
            legal::publish(db.writer(), id, kind, title, &body, now)
                .await
                .expect("publish a text");
        }
        Town {
            db: db.clone(),
            clock,
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            admin: administrateur(db, slug, now).await,
        }
    }

    /// A structure already in the database (made by another town builder, or the demo).
    pub async fn existing(db: &Db, clock: Clock, slug: &str) -> Town {
        let (id, name): (StructureId, String) =
            sqlx::query_as("SELECT id, name FROM structures WHERE slug = $1")
                .bind(slug)
                .fetch_one(db.reader())
                .await
                .unwrap_or_else(|e| panic!("structure {slug}: {e}"));
        Town {
            db: db.clone(),
            clock,
            id,
            slug: slug.to_owned(),
            name,
            admin: administrateur(db, slug, clock.now()).await,
        }
    }

    /// Creates the activity as the back office's activity form does; returns its id.
    pub async fn activity(&self, activity: NewActivity) -> ActivityId {
        let wallets = catalog_admin::structure_wallets(&self.db, self.id)
            .await
            .expect("the structure's porte-monnaies");
        let wallet = match wallets.iter().find(|w| w.name == activity.wallet) {
            Some(existing) => WalletPick::Existing(existing.id),
            None => WalletPick::New {
                name: activity.wallet.clone(),
                billing: activity.billing,
            },
        };
        let settings = ActivitySettings {
            name: activity.name.clone(),
            wallet,
            schedule: Schedule {
                period_kind: activity.period,
                weekdays: activity.weekdays,
            },
            start_time: activity.hours.0,
            end_time: activity.hours.1,
            capacity: activity.capacity,
            deadline: Deadline::default(),
            prices: activity.prices,
            absence: activity.absence,
            windows: Vec::new(),
        };
        let saved = catalog_admin::create_activity(
            &self.db,
            self.admin,
            self.id,
            &settings,
            self.clock.now(),
        )
        .await
        .expect("create the activity");
        let Saved::Done { public_id } = saved else {
            panic!("activity {} refused: {saved:?}", activity.name)
        };
        let id: ActivityId = sqlx::query_scalar("SELECT id FROM activities WHERE public_id = $1")
            .bind(public_id)
            .fetch_one(self.db.reader())
            .await
            .expect("the new activity");
        id
    }

    /// Changes the structure's settings (its colour, its processing mode…) as its page in
    /// the back office does.
    pub async fn configure(&self, change: impl FnOnce(&mut StructureSettings)) {
        let mut settings = catalog_admin::structure_settings(&self.db, self.id)
            .await
            .expect("the structure's settings");
        change(&mut settings);
        catalog_admin::update_structure(&self.db, self.admin, self.id, &settings, self.clock.now())
            .await
            .expect("save the structure's settings");
    }

    /// Saves the structure's régie as its page in the back office does (a Systempay
    /// régie's certificate in `secret`).
    pub async fn regie(
        &self,
        provider: Provider,
        environment: Environment,
        merchant_id: &str,
        secret: &str,
    ) {
        let regie = Regie {
            structure_id: self.id,
            structure_name: self.name.clone(),
            provider,
            environment,
            merchant_id: merchant_id.to_owned(),
            secret: secret.to_owned(),
        };
        catalog_admin::save_regie(&self.db, self.admin, &regie, self.clock.now())
            .await
            .expect("save the régie");
    }

    /// Publishes an announcement on the structure's home page from today on, as the back
    /// office's Annonces page does.
    pub async fn announcement(&self, title: &str, body: &str) {
        let announcement = NewAnnouncement {
            structure_id: self.id,
            title,
            body,
            display_from: self.clock.today(),
            display_until: None,
        };
        notices::create_announcement(&self.db, self.admin, &announcement, self.clock.now())
            .await
            .expect("publish the announcement");
    }

    /// The structure's school calendar (its zone's holidays, public holidays).
    pub async fn calendar(&self) -> SchoolCalendar {
        bookings::school_calendar(&self.db, self.id)
            .await
            .expect("the structure's calendar")
    }

    /// The first day after `day` on which the activity opens (its weekdays, outside the
    /// holidays, its closures): a test's days come from the calendar, whatever its date.
    pub async fn next_opening(&self, activity: ActivityId, day: Date) -> Date {
        self.opening(activity, day, 1).await
    }

    /// The last day before `day` on which the activity opened.
    pub async fn last_opening(&self, activity: ActivityId, day: Date) -> Date {
        self.opening(activity, day, -1).await
    }

    /// The first opening from `day` on, a day at a time in `direction` (1 or -1).
    async fn opening(&self, activity: ActivityId, day: Date, direction: i64) -> Date {
        let rules = bookings::activity_by_id(&self.db, activity)
            .await
            .expect("the activity")
            .rules;
        let calendar = self.calendar().await;
        (1..=120)
            .map(|n| day + jiff::ToSpan::days(n * direction))
            .find(|d| rules.is_open(*d, &calendar))
            .expect("the activity opens within four months")
    }

    /// Opens the structure's dossier campaign for the school year, as the back office's
    /// Dossier page does; returns its id.
    pub async fn campaign(&self) -> CampaignId {
        let today = self.clock.today();
        dossier::create_campaign(
            &self.db,
            self.admin,
            self.id,
            "Dossier famille",
            today - jiff::ToSpan::days(30),
            today + jiff::ToSpan::days(60),
            self.clock.now(),
        )
        .await
        .expect("open the campaign")
    }
}

/// The database's first administrateur, made at installation with the first structure
/// (`admin@<slug>.example`) when there is none.
async fn administrateur(db: &Db, slug: &str, now: jiff::Timestamp) -> StaffId {
    let existing: Option<StaffId> = sqlx::query_scalar("SELECT id FROM staff WHERE login = $1")
        .bind(ADMIN_LOGIN)
        .fetch_optional(db.reader())
        .await
        .expect("look the administrateur up");
    if let Some(id) = existing {
        return id;
    }
    let hash = hashing()
        .hash(crate::NewStaff::PASSWORD)
        .expect("hash the administrateur's password");
    sqlx::query_scalar(
        "INSERT INTO staff (login, display_name, email, role, password_hash, must_change_password, created_at) \
         VALUES ($1, 'Claude ADMIN', $2, 'administrateur', $3, 0, $4) RETURNING id",
    )
    .bind(ADMIN_LOGIN)
    .bind(format!("admin@{slug}.example"))
    .bind(hash)
    .bind(db_time(now))
    .fetch_one(db.writer())
    .await
    .expect("install the administrateur")
}

/// An activity as the activity form fills it: by default in school periods, open every
/// school day but Wednesday, 16:30–18:30, unlimited, 2,00 € a day, paid from the
/// « Périscolaire » porte-monnaie on invoice.
pub struct NewActivity {
    name: String,
    period: PeriodKind,
    weekdays: Vec<Weekday>,
    hours: (Time, Time),
    capacity: Option<i64>,
    prices: Vec<PriceBracket>,
    wallet: String,
    billing: BillingMode,
    absence: AbsenceBilling,
}

impl NewActivity {
    pub fn new(name: &str) -> NewActivity {
        use Weekday::{Friday, Monday, Thursday, Tuesday};
        NewActivity {
            name: name.to_owned(),
            period: PeriodKind::Scolaire,
            weekdays: vec![Monday, Tuesday, Thursday, Friday],
            hours: (Time::constant(16, 30, 0, 0), Time::constant(18, 30, 0, 0)),
            capacity: None,
            prices: vec![PriceBracket {
                qf_max: None,
                price: Cents(200),
            }],
            wallet: "Périscolaire".to_owned(),
            billing: BillingMode::Facturation,
            absence: AbsenceBilling::NotBilled,
        }
    }

    /// Bills the booked days a child missed without an excuse.
    pub fn bills_absences(mut self) -> NewActivity {
        self.absence = AbsenceBilling::Billed;
        self
    }

    /// A holiday centre: open on the weekdays of the school holidays (with no booking
    /// window unless the test adds one through the activity form).
    pub fn holidays(mut self) -> NewActivity {
        use Weekday::{Friday, Monday, Thursday, Tuesday, Wednesday};
        self.period = PeriodKind::Vacances;
        self.weekdays = vec![Monday, Tuesday, Wednesday, Thursday, Friday];
        self
    }

    pub fn weekdays(mut self, weekdays: &[Weekday]) -> NewActivity {
        self.weekdays = weekdays.to_vec();
        self
    }

    pub fn hours(mut self, start: Time, end: Time) -> NewActivity {
        self.hours = (start, end);
        self
    }

    pub fn capacity(mut self, places: i64) -> NewActivity {
        self.capacity = Some(places);
        self
    }

    /// One price for every family.
    pub fn price(mut self, cents: i64) -> NewActivity {
        self.prices = vec![PriceBracket {
            qf_max: None,
            price: Cents(cents),
        }];
        self
    }

    /// Prices by quotient familial: (maximum, cents), the last one without a maximum.
    pub fn prices(mut self, brackets: &[(Option<i64>, i64)]) -> NewActivity {
        self.prices = brackets
            .iter()
            .map(|&(qf_max, cents)| PriceBracket {
                qf_max,
                price: Cents(cents),
            })
            .collect();
        self
    }

    /// Paid from this porte-monnaie (made with the given mode if the structure has none of
    /// that name).
    pub fn wallet(mut self, name: &str, billing: BillingMode) -> NewActivity {
        self.wallet = name.to_owned();
        self.billing = billing;
        self
    }
}
