//! The draft and its confirmation on real data: pending changes set, replaced and dropped
//! for many days at once, then bookings, cancellations and refusals recorded together,
//! the requests in arrival order with the state each reservation had, and only the
//! structure's own changes taken.

use jiff::{ToSpan, civil::Date};
use ribambelle_domain::ids::{FamilyId, StructureId};
use ribambelle_domain::{
    booking::{Pending, ReservationState, Standing},
    clock::paris_date,
};
use ribambelle_store::{
    Db,
    bookings::{self, Activity, Confirmed},
    demo,
};
use ribambelle_testkit::{TestDb, hashing};
use ribambelle_usecases::reservations::{self, Booker, Confirmation};
use sqlx::Row;

async fn id(db: &Db, sql: &'static str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind.to_owned())
        .fetch_one(db.reader())
        .await
        .unwrap()
}

struct Martin {
    family: i64,
    carteville: i64,
    lea: i64,
    hugo: i64,
}

async fn martin(db: &Db) -> Martin {
    Martin {
        family: id(
            db,
            "SELECT id FROM families WHERE identifiant = $1",
            "martin",
        )
        .await,
        carteville: id(
            db,
            "SELECT id FROM structures WHERE slug = $1",
            "carteville",
        )
        .await,
        lea: id(db, "SELECT id FROM children WHERE first_name = $1", "Léa").await,
        hugo: id(db, "SELECT id FROM children WHERE first_name = $1", "Hugo").await,
    }
}

async fn activity(db: &Db, child: i64, name: &str) -> Activity {
    let structure = id(
        db,
        "SELECT structure_id FROM activities WHERE name = $1",
        name,
    )
    .await;
    bookings::child_activities(db, child, structure)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
}

/// The days of the next 90 that can be cancelled now (`booked`) or booked now.
async fn modifiable_days(db: &Db, child: i64, activity: &Activity, booked: bool) -> Vec<Date> {
    let structure = id(
        db,
        "SELECT structure_id FROM activities WHERE name = $1",
        &activity.name,
    )
    .await;
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

async fn pending_of(db: &Db, family: i64) -> Vec<(i64, i64, Date, Pending)> {
    bookings::pending(db, family)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.child_id, p.activity_id, p.day, p.change))
        .collect()
}

#[tokio::test]
async fn pending_changes_of_many_days_are_set_replaced_and_dropped_the_last_one_winning() {
    let t = TestDb::new().await;
    let db = &t.db;
    demo::load(db, &hashing(), &ribambelle_testkit::clock())
        .await
        .unwrap();
    let m = martin(db).await;
    let matin = activity(db, m.lea, "APS MATIN").await;
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
    let t = TestDb::new().await;
    let db = &t.db;
    demo::load(db, &hashing(), &ribambelle_testkit::clock())
        .await
        .unwrap();
    let m = martin(db).await;
    let now = ribambelle_testkit::clock().now();
    let matin = activity(db, m.lea, "APS MATIN").await;
    let lunch = activity(db, m.lea, "RESTAURATION").await;
    let soir = activity(db, m.hugo, "APS SOIR").await;
    let nature = activity(db, m.hugo, "MERCREDI NATURE").await;
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
        family: FamilyId::new(m.family),
        quotient_familial: sqlx::query_scalar(
            "SELECT quotient_familial FROM families WHERE id = $1",
        )
        .bind(m.family)
        .fetch_one(db.reader())
        .await
        .unwrap(),
        structure: StructureId::new(m.carteville),
        calendar: bookings::school_calendar(db, m.carteville).await.unwrap(),
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
            let s = bookings::child_bookings(db, l.child_id.get(), l.day, l.day)
                .await
                .unwrap();
            states.push(
                s.get(&(l.activity_id.get(), l.day))
                    .map(|s| s.code().to_owned()),
            );
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
            bookings::child_bookings(db, l.child_id.get(), l.day, l.day)
                .await
                .unwrap()[&(l.activity_id.get(), l.day)],
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
