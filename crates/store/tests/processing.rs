//! The processing run on real data: places, waiting list, refusals, report mails once,
//! waiting-list promotions, resumption.

use jiff::civil::Date;
use ribambelle_domain::{booking::Pending, money::Cents};
use ribambelle_store::{
    Db,
    bookings::{self, Movement},
    demo,
    processing::{self, RunOutcome, RunScope},
};
use ribambelle_testkit::{TestDb, hashing};
use sqlx::Row;

/// The demo, with its own requests already processed so that each test starts clean.
async fn demo_db() -> TestDb {
    let t = TestDb::new().await;
    demo::load(&t.db, &hashing(), &ribambelle_testkit::clock())
        .await
        .unwrap();
    assert!(matches!(
        processing::run(&t.db, &ribambelle_testkit::clock(), RunScope::Everywhere)
            .await
            .unwrap(),
        RunOutcome::Done(_)
    ));
    sqlx::query("DELETE FROM outbox")
        .execute(t.db.writer())
        .await
        .unwrap();
    t
}

async fn id(db: &Db, sql: &'static str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind.to_owned())
        .fetch_one(db.reader())
        .await
        .unwrap()
}

/// The next Wednesday where 13 of MERCREDI's 14 places are taken (Léa's and her
/// neighbours').
async fn next_mercredi(db: &Db) -> Date {
    let lea = id(db, "SELECT id FROM children WHERE first_name = $1", "Léa").await;
    let today = ribambelle_testkit::clock().today();
    let day: String = sqlx::query_scalar(
        "SELECT MIN(r.day) FROM reservations r JOIN activities a ON a.id = r.activity_id \
         WHERE a.name = 'MERCREDI' AND r.child_id = $1 AND r.day > $2 AND r.state = 'acceptee'",
    )
    .bind(lea)
    .bind(today.to_string())
    .fetch_one(db.reader())
    .await
    .unwrap();
    day.parse().unwrap()
}

async fn confirm(db: &Db, family: &str, child: &str, activity: &str, day: Date, change: Pending) {
    let family_id = id(db, "SELECT id FROM families WHERE identifiant = $1", family).await;
    let child_id = id(db, "SELECT id FROM children WHERE first_name = $1", child).await;
    let activity_id = id(db, "SELECT id FROM activities WHERE name = $1", activity).await;
    let movement = Movement {
        child_id,
        activity_id,
        day,
        change,
        amount: Cents(900),
    };
    bookings::confirm(
        db,
        family_id,
        &ribambelle_store::sessions::new_key().unwrap(),
        &[movement],
        &[],
        ribambelle_testkit::clock().now(),
    )
    .await
    .unwrap();
}

async fn state(db: &Db, child: &str, activity: &str, day: Date) -> String {
    sqlx::query_scalar(
        "SELECT r.state FROM reservations r JOIN children c ON c.id = r.child_id JOIN activities a ON a.id = r.activity_id \
         WHERE c.first_name = $1 AND a.name = $2 AND r.day = $3",
    )
    .bind(child.to_owned())
    .bind(activity.to_owned())
    .bind(day.to_string())
    .fetch_one(db.reader())
    .await
    .unwrap()
}

async fn mails_to(db: &Db, address: &str) -> Vec<String> {
    let rows = sqlx::query("SELECT recipients, body_text FROM outbox ORDER BY id")
        .fetch_all(db.reader())
        .await
        .unwrap();
    rows.iter()
        .filter(|r| r.get::<String, _>("recipients").contains(address))
        .map(|r| r.get::<String, _>("body_text"))
        .collect()
}

#[tokio::test]
async fn the_last_place_goes_to_the_first_then_the_waiting_list_in_order() {
    let t = demo_db().await;
    let db = &t.db;
    let day = next_mercredi(db).await;
    // 13 of 14 places are taken: Amalia asks first, then Paolo.
    confirm(db, "dupont", "Amalia", "MERCREDI", day, Pending::Book).await;
    confirm(db, "dupont", "Paolo", "MERCREDI", day, Pending::Book).await;
    let RunOutcome::Done(summary) =
        processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
            .await
            .unwrap()
    else {
        panic!("busy")
    };
    assert_eq!(summary.requests, 2);
    assert_eq!(state(db, "Amalia", "MERCREDI", day).await, "acceptee");
    assert_eq!(state(db, "Paolo", "MERCREDI", day).await, "attente");
    let accepted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reservations r JOIN activities a ON a.id = r.activity_id WHERE a.name = 'MERCREDI' AND r.day = $1 AND r.state = 'acceptee'")
        .bind(day.to_string())
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert!(accepted <= 14, "never over capacity: {accepted}");

    // One report for DUPONT, in the guide's layout.
    let reports = mails_to(db, "jean-paul.dupont@example.fr").await;
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert!(
        report.starts_with("M. DUPONT Jean-Paul\n\nVeuillez trouver ci-dessous"),
        "{report}"
    );
    assert!(report.contains("2 mouvements sur vos demandes de réservations ont été reçus, dont :"));
    assert!(report.contains("****************     RESERVATIONS MISES EN LISTE D'ATTENTE     ****************\n--> Activité : MERCREDI :\n         DUPONT Paolo : "));
    assert!(report.contains("****************     RESERVATIONS ACCEPTEES     ****************\n--> Activité : MERCREDI :\n         DUPONT Amalia : "));

    // The HTML part says the same.
    let html: String = sqlx::query_scalar(
        "SELECT body_html FROM outbox WHERE recipients LIKE '%jean-paul.dupont@example.fr%'",
    )
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert!(
        html.contains("<h2")
            && html.contains("Réservations acceptées")
            && html.contains("DUPONT Paolo : <time"),
        "{html}"
    );

    // A second run finds nothing and sends nothing twice.
    let RunOutcome::Done(again) =
        processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
            .await
            .unwrap()
    else {
        panic!("busy")
    };
    assert_eq!((again.requests, again.reports), (0, 0));
    assert_eq!(mails_to(db, "jean-paul.dupont@example.fr").await.len(), 1);

    // Amalia's cancellation frees her place for Paolo, who is told.
    confirm(db, "dupont", "Amalia", "MERCREDI", day, Pending::Cancel).await;
    let RunOutcome::Done(third) =
        processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
            .await
            .unwrap()
    else {
        panic!("busy")
    };
    assert_eq!(third.promotions, 1);
    assert_eq!(state(db, "Paolo", "MERCREDI", day).await, "acceptee");
    let mails = mails_to(db, "jean-paul.dupont@example.fr").await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("liste d'attente, sont acceptées") && m.contains("Paolo")),
        "{mails:?}"
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("RESERVATIONS ANNULEES") && m.contains("DUPONT Amalia")),
        "{mails:?}"
    );
    // The header's date is the last run's.
    let last_run: Option<String> =
        sqlx::query_scalar("SELECT value FROM app_state WHERE key = 'last_run_at'")
            .fetch_optional(db.reader())
            .await
            .unwrap();
    assert!(last_run.is_some());
}

#[tokio::test]
async fn a_request_that_became_impossible_is_refused_with_its_reason() {
    let t = demo_db().await;
    let db = &t.db;
    let day = next_mercredi(db).await;
    confirm(db, "dupont", "Amalia", "MERCREDI", day, Pending::Book).await;
    // The structure closes that day before the run.
    sqlx::query("INSERT INTO activity_closures (activity_id, day, reason) SELECT id, $1, 'Grève' FROM activities WHERE name = 'MERCREDI'")
        .bind(day.to_string())
        .execute(db.writer())
        .await
        .unwrap();
    processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
        .await
        .unwrap();
    assert_eq!(state(db, "Amalia", "MERCREDI", day).await, "refusee");
    let outcome: String =
        sqlx::query_scalar("SELECT outcome FROM reservation_requests ORDER BY id DESC LIMIT 1")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert!(outcome.starts_with("refusee:"), "{outcome}");
    assert!(mails_to(db, "jean-paul.dupont@example.fr").await[0].contains("RESERVATIONS REFUSEES"));
}

#[tokio::test]
async fn only_one_run_at_a_time_and_an_interrupted_run_is_resumed() {
    let t = demo_db().await;
    let db = &t.db;
    let day = next_mercredi(db).await;
    confirm(db, "dupont", "Amalia", "MERCREDI", day, Pending::Book).await;
    // Another instance holds a live lease: this one does nothing.
    sqlx::query("INSERT INTO run_lease (name, holder, until) VALUES ('traitement', 'autre', '2999-01-01T00:00:00.000000Z')")
        .execute(db.writer())
        .await
        .unwrap();
    assert_eq!(
        processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
            .await
            .unwrap(),
        RunOutcome::Busy
    );
    assert_eq!(
        processing::unprocessed(db, RunScope::Everywhere)
            .await
            .unwrap(),
        1
    );
    // That instance died mid-run: its lease expires and its unfinished run is resumed.
    sqlx::query("UPDATE run_lease SET until = '2000-01-01T00:00:00.000000Z'")
        .execute(db.writer())
        .await
        .unwrap();
    sqlx::query("INSERT INTO processing_runs (started_at) VALUES ('2026-01-01T02:00:00.000000Z')")
        .execute(db.writer())
        .await
        .unwrap();
    let RunOutcome::Done(summary) =
        processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
            .await
            .unwrap()
    else {
        panic!("busy")
    };
    assert_eq!(summary.requests, 1);
    let runs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM processing_runs WHERE finished_at IS NULL")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(runs, 0);
    let run_of_request: i64 =
        sqlx::query_scalar("SELECT run_id FROM reservation_requests ORDER BY id DESC LIMIT 1")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(run_of_request, summary.run_id);
    assert_eq!(mails_to(db, "jean-paul.dupont@example.fr").await.len(), 1);
}

/// Accepted places on `day` of MERCREDI, and what the day's counter says.
async fn mercredi_places(db: &Db, day: Date) -> (i64, i64) {
    let accepted = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reservations r JOIN activities a ON a.id = r.activity_id \
         WHERE a.name = 'MERCREDI' AND r.day = $1 AND r.state = 'acceptee'",
    )
    .bind(day.to_string())
    .fetch_one(db.reader())
    .await
    .unwrap();
    let counter = sqlx::query_scalar("SELECT p.taken FROM day_places p JOIN activities a ON a.id = p.activity_id WHERE a.name = 'MERCREDI' AND p.day = $1")
        .bind(day.to_string())
        .fetch_one(db.reader())
        .await
        .unwrap();
    (accepted, counter)
}

#[tokio::test]
async fn a_cancellation_frees_its_place_once_even_though_it_shows_cancelled_before_the_run() {
    let t = demo_db().await;
    let db = &t.db;
    let day = next_mercredi(db).await;
    // The day is full: 13 places, 13 taken.
    sqlx::query("UPDATE activities SET capacity = 13 WHERE name = 'MERCREDI'")
        .execute(db.writer())
        .await
        .unwrap();
    assert_eq!(mercredi_places(db, day).await, (13, 13));
    // Emma BERNARD's cancellation is confirmed (her reservation reads *Annulée* at once),
    // then Amalia and Paolo ask for the day.
    let (bernard, emma): (i64, i64) = {
        let row = sqlx::query("SELECT f.id, c.id AS child FROM families f JOIN children c ON c.family_id = f.id WHERE f.identifiant = 'bernard' AND c.first_name = 'Emma'")
            .fetch_one(db.reader())
            .await
            .unwrap();
        (row.get("id"), row.get("child"))
    };
    let mercredi = id(db, "SELECT id FROM activities WHERE name = $1", "MERCREDI").await;
    let cancel = Movement {
        child_id: emma,
        activity_id: mercredi,
        day,
        change: Pending::Cancel,
        amount: Cents(0),
    };
    bookings::confirm(
        db,
        bernard,
        &ribambelle_store::sessions::new_key().unwrap(),
        &[cancel],
        &[],
        ribambelle_testkit::clock().now(),
    )
    .await
    .unwrap();
    confirm(db, "dupont", "Amalia", "MERCREDI", day, Pending::Book).await;
    confirm(db, "dupont", "Paolo", "MERCREDI", day, Pending::Book).await;
    processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
        .await
        .unwrap();
    // One place freed, one place given: the first asker gets it, the second waits.
    assert_eq!(state(db, "Amalia", "MERCREDI", day).await, "acceptee");
    assert_eq!(state(db, "Paolo", "MERCREDI", day).await, "attente");
    assert_eq!(mercredi_places(db, day).await, (13, 13));
}

#[tokio::test]
async fn the_run_takes_the_places_held_from_the_days_counter() {
    let t = demo_db().await;
    let db = &t.db;
    let day = next_mercredi(db).await;
    confirm(db, "dupont", "Amalia", "MERCREDI", day, Pending::Book).await;
    // The counter says the day is full (as a run on another instance would have left it).
    sqlx::query("UPDATE day_places SET taken = 14 WHERE day = $1 AND activity_id = (SELECT id FROM activities WHERE name = 'MERCREDI')")
        .bind(day.to_string())
        .execute(db.writer())
        .await
        .unwrap();
    sqlx::query("UPDATE activities SET capacity = 14 WHERE name = 'MERCREDI'")
        .execute(db.writer())
        .await
        .unwrap();
    // This run loads the counter, so it sees the day full and puts Amalia on the waiting list.
    processing::run(db, &ribambelle_testkit::clock(), RunScope::Everywhere)
        .await
        .unwrap();
    assert_eq!(state(db, "Amalia", "MERCREDI", day).await, "attente");
}
