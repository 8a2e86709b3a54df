//! The draft and its confirmation on real data: pending changes set, replaced and dropped
//! for many days at once, then bookings, cancellations and refusals recorded together,
//! the requests in arrival order with the state each reservation had, and only the
//! structure's own changes taken.

use jiff::{
    ToSpan,
    civil::{Date, Weekday},
};
use ribambelle_domain::ids::{ActivityId, ChildId, FamilyId, StructureId};
use ribambelle_domain::{
    booking::{Pending, ReservationState, Standing},
    clock::paris_date,
};
use ribambelle_store::{
    Db,
    bookings::{self, Activity, Confirmed},
};
use ribambelle_testkit::{BuiltFamily, NewActivity, NewChild, NewFamily, TestDb, Town};
use ribambelle_usecases::reservations::{self, Booker, Confirmation};
use sqlx::Row;

/// MARTIN, a family of two structures: Léa goes to CarteVille's APS MATIN and
/// RESTAURATION, Hugo to its APS SOIR and to the Écureuils' MERCREDI NATURE.
struct Martin {
    carteville: Town,
    martin: BuiltFamily,
    family: FamilyId,
    quotient_familial: Option<i64>,
    lea: ChildId,
    hugo: ChildId,
    _t: TestDb,
}

impl Martin {
    async fn new() -> Martin {
        let t = TestDb::new().await;
        let clock = ribambelle_testkit::clock();
        let carteville = Town::new(&t.db, clock).await;
        let ecureuils = Town::named(&t.db, clock, "ecureuils", "Les Écureuils").await;
        let matin = carteville
            .activity(NewActivity::new("APS MATIN").price(180))
            .await;
        let lunch = carteville
            .activity(NewActivity::new("RESTAURATION").prices(&[(Some(1000), 320), (None, 410)]))
            .await;
        let soir = carteville
            .activity(NewActivity::new("APS SOIR").price(250))
            .await;
        let nature = ecureuils
            .activity(NewActivity::new("MERCREDI NATURE").weekdays(&[Weekday::Wednesday]))
            .await;
        let family = carteville
            .family(
                NewFamily::new("martin")
                    .quotient_familial(1200)
                    .also_at(&ecureuils)
                    .child(NewChild::new("Léa").registered(&[matin, lunch]))
                    .child(NewChild::new("Hugo").registered(&[soir, nature])),
            )
            .await;
        Martin {
            family: family.id,
            quotient_familial: family.quotient_familial,
            lea: family.child("Léa"),
            hugo: family.child("Hugo"),
            martin: family,
            carteville,
            _t: t,
        }
    }

    fn db(&self) -> &Db {
        &self.carteville.db
    }

    /// The child's activity of that name, as the calendar reads it.
    async fn activity(&self, child: ChildId, name: &str) -> Activity {
        let structure: StructureId =
            sqlx::query_scalar("SELECT structure_id FROM activities WHERE name = $1")
                .bind(name)
                .fetch_one(self.db().reader())
                .await
                .unwrap();
        bookings::child_activities(self.db(), child, structure)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == name)
            .unwrap()
    }
}

/// The days of the next 90 that can be cancelled now (`booked`) or booked now.
async fn modifiable_days(db: &Db, child: ChildId, activity: &Activity, booked: bool) -> Vec<Date> {
    let structure: StructureId =
        sqlx::query_scalar("SELECT structure_id FROM activities WHERE id = $1")
            .bind(activity.id)
            .fetch_one(db.reader())
            .await
            .unwrap();
    let calendar = bookings::school_calendar(db, structure).await.unwrap();
    let now = ribambelle_testkit::clock().now();
    let today = paris_date(now);
    let states = bookings::child_bookings(db, child, today, today + 90.days())
        .await
        .unwrap();
    let mut day = today;
    let mut days = Vec::new();
    while day <= today + 90.days() {
        let is_booked = states
            .get(&(activity.id, day))
            .is_some_and(|s| s.holds_place());
        // The family of these tests may book: its account and règlements are in order.
        let standing = Standing {
            block: None,
            reglement_signed: true,
        };
        let change = if booked {
            Pending::Cancel
        } else {
            Pending::Book
        };
        let makes = activity
            .rules
            .may_make(change, is_booked, standing, day, now, &calendar);
        if makes.is_ok() {
            days.push(day);
        }
        day = day.tomorrow().unwrap();
    }
    days
}

async fn pending_of(db: &Db, family: FamilyId) -> Vec<(ChildId, ActivityId, Date, Pending)> {
    bookings::pending(db, family)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.child_id, p.activity_id, p.day, p.change))
        .collect()
}

#[tokio::test]
async fn pending_changes_of_many_days_are_set_replaced_and_dropped_the_last_one_winning() {
    let m = Martin::new().await;
    let db = m.db();
    let matin = m.activity(m.lea, "APS MATIN").await;
    let days = modifiable_days(db, m.lea, &matin, false).await;
    assert!(days.len() >= 4, "APS MATIN has days to book");
    let (d1, d2, d3, d4) = (days[0], days[1], days[2], days[3]);
    let now = ribambelle_testkit::clock().now();
    bookings::set_pending(
        db,
        m.family,
        m.lea,
        matin.id,
        &[
            (d1, Some(Pending::Book)),
            (d2, Some(Pending::Book)),
            (d3, Some(Pending::Book)),
        ],
        now,
    )
    .await
    .unwrap();
    // d1 dropped, d2 changed, d3 given twice (the last wins), d4 added, a drop of a day
    // without change does nothing.
    let changes = [
        (d1, None),
        (d2, Some(Pending::Cancel)),
        (d3, None),
        (d3, Some(Pending::Book)),
        (d4, Some(Pending::Book)),
        (days[4], None),
    ];
    bookings::set_pending(db, m.family, m.lea, matin.id, &changes, now)
        .await
        .unwrap();
    assert_eq!(
        pending_of(db, m.family).await,
        vec![
            (m.lea, matin.id, d2, Pending::Cancel),
            (m.lea, matin.id, d3, Pending::Book),
            (m.lea, matin.id, d4, Pending::Book)
        ]
    );
    bookings::set_pending(db, m.family, m.lea, matin.id, &[], now)
        .await
        .unwrap();
    assert_eq!(pending_of(db, m.family).await.len(), 3);
}

#[tokio::test]
async fn a_confirmation_records_bookings_cancellations_and_refusals_of_the_structure_at_once() {
    let m = Martin::new().await;
    let db = m.db();
    let now = ribambelle_testkit::clock().now();
    let matin = m.activity(m.lea, "APS MATIN").await;
    let lunch = m.activity(m.lea, "RESTAURATION").await;
    let soir = m.activity(m.hugo, "APS SOIR").await;
    let nature = m.activity(m.hugo, "MERCREDI NATURE").await;
    // Léa's next lunches are booked already.
    let lunches: Vec<_> = modifiable_days(db, m.lea, &lunch, false).await[..4]
        .iter()
        .map(|&day| (m.lea, lunch.id, day))
        .collect();
    m.carteville.book(&m.martin, &lunches).await;
    let to_book = modifiable_days(db, m.lea, &matin, false).await;
    let booked_lunches = modifiable_days(db, m.lea, &lunch, true).await;
    let evenings = modifiable_days(db, m.hugo, &soir, false).await;
    let wednesdays = modifiable_days(db, m.hugo, &nature, false).await;
    assert!(
        to_book.len() >= 3
            && booked_lunches.len() >= 3
            && evenings.len() >= 2
            && !wednesdays.is_empty()
    );
    let book = |days: &[Date]| {
        days.iter()
            .map(|&d| (d, Some(Pending::Book)))
            .collect::<Vec<_>>()
    };
    let cancel = |days: &[Date]| {
        days.iter()
            .map(|&d| (d, Some(Pending::Cancel)))
            .collect::<Vec<_>>()
    };
    bookings::set_pending(db, m.family, m.lea, matin.id, &book(&to_book[..3]), now)
        .await
        .unwrap();
    bookings::set_pending(
        db,
        m.family,
        m.lea,
        lunch.id,
        &cancel(&booked_lunches[..2]),
        now,
    )
    .await
    .unwrap();
    // Already booked: refused, and dropped with the others.
    bookings::set_pending(
        db,
        m.family,
        m.lea,
        lunch.id,
        &book(&booked_lunches[2..3]),
        now,
    )
    .await
    .unwrap();
    bookings::set_pending(db, m.family, m.hugo, soir.id, &book(&evenings[..2]), now)
        .await
        .unwrap();
    // Another structure's activity: left for that structure's récapitulatif.
    bookings::set_pending(
        db,
        m.family,
        m.hugo,
        nature.id,
        &book(&wednesdays[..1]),
        now,
    )
    .await
    .unwrap();

    let booker = Booker {
        family: m.family,
        quotient_familial: m.quotient_familial,
        structure: m.carteville.id,
        calendar: m.carteville.calendar().await,
        immediate_processing: false,
    };
    let draft = reservations::review(db, &booker, now).await.unwrap();
    assert_eq!(
        (
            draft.bookings.len(),
            draft.cancellations.len(),
            draft.refused.len()
        ),
        (5, 2, 1)
    );
    assert_eq!(draft.refused[0].1.message(), "déjà réservé");
    let previous: Vec<Option<String>> = {
        let mut states = Vec::new();
        for l in draft.bookings.iter().chain(&draft.cancellations) {
            let s = bookings::child_bookings(db, l.child_id, l.day, l.day)
                .await
                .unwrap();
            states.push(s.get(&(l.activity_id, l.day)).map(|s| s.code().to_owned()));
        }
        states
    };
    let refused_day = draft.refused[0].0.day;
    let refused_before = bookings::child_bookings(db, m.lea, refused_day, refused_day)
        .await
        .unwrap()
        .remove(&(lunch.id, refused_day));
    let key = reservations::confirmation_key().unwrap();
    let clock = ribambelle_testkit::clock();
    let Confirmation {
        confirmed,
        refused,
        decided,
    } = reservations::confirm(db, &clock, &booker, &key)
        .await
        .unwrap();
    assert!(!decided, "CarteVille decides its requests at night");
    assert_eq!(
        confirmed,
        Confirmed::Recorded {
            bookings: 5,
            cancellations: 2
        }
    );
    assert_eq!(refused.len(), 1);

    // The requests in the récapitulatif's order, with the states they found.
    let rows = sqlx::query(
        "SELECT child_id, activity_id, day, action, previous_state, amount_cents FROM reservation_requests \
         WHERE confirmation_key = $1 ORDER BY id",
    )
    .bind(&key)
    .fetch_all(db.reader())
    .await
    .unwrap();
    let recorded: Vec<(i64, i64, String, String, Option<String>, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.get("child_id"),
                r.get("activity_id"),
                r.get("day"),
                r.get("action"),
                r.get("previous_state"),
                r.get("amount_cents"),
            )
        })
        .collect();
    let expected: Vec<(i64, i64, String, String, Option<String>, i64)> = draft
        .bookings
        .iter()
        .chain(&draft.cancellations)
        .zip(previous)
        .map(|(l, before)| {
            let action = if l.change == Pending::Book {
                "reserver"
            } else {
                "annuler"
            };
            (
                l.child_id.get(),
                l.activity_id.get(),
                l.day.to_string(),
                action.to_owned(),
                before,
                l.amount.0,
            )
        })
        .collect();
    assert_eq!(recorded, expected);
    assert!(
        expected[5..].iter().all(|r| r.4.is_some()),
        "the cancelled lunches were booked"
    );

    for l in &draft.bookings {
        let row = sqlx::query("SELECT state, amount_cents FROM reservations WHERE child_id = $1 AND activity_id = $2 AND day = $3")
            .bind(l.child_id.get())
            .bind(l.activity_id.get())
            .bind(l.day.to_string())
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert_eq!(
            (
                row.get::<String, _>("state"),
                row.get::<i64, _>("amount_cents")
            ),
            ("non_transmise".to_owned(), l.amount.0)
        );
    }
    for l in &draft.cancellations {
        assert_eq!(
            bookings::child_bookings(db, l.child_id, l.day, l.day)
                .await
                .unwrap()[&(l.activity_id, l.day)],
            ReservationState::Annulee
        );
    }
    let refused_state = bookings::child_bookings(db, m.lea, refused_day, refused_day)
        .await
        .unwrap()
        .remove(&(lunch.id, refused_day));
    assert_eq!(
        refused_state, refused_before,
        "a refused change leaves the reservation as it was"
    );
    assert_eq!(
        pending_of(db, m.family).await,
        vec![(m.hugo, nature.id, wednesdays[0], Pending::Book)]
    );

    // The same récapitulatif submitted again records nothing more.
    let again = reservations::confirm(db, &clock, &booker, &key)
        .await
        .unwrap();
    assert_eq!(
        again.confirmed,
        Confirmed::AlreadyRecorded {
            bookings: 5,
            cancellations: 2
        }
    );
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reservation_requests WHERE confirmation_key = $1")
            .bind(&key)
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(count, 7);
}
