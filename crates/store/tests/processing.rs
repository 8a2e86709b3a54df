//! The processing run on real data: places, waiting list, refusals, report mails once,
//! waiting-list promotions, resumption.

use std::time::Duration;

use jiff::{ToSpan, civil::Date};
use ribambelle_domain::{
    booking::Pending,
    ids::{ActivityId, ChildId},
};
use ribambelle_store::{
    Backend, Db, bookings, places,
    processing::{self, RunOutcome, RunScope},
};
use ribambelle_testkit::{BuiltFamily, NewActivity, NewChild, NewFamily, TestDb, Town};
use sqlx::Row;

/// A Wednesday of MERCREDI (3 places) where BERNARD's two children hold two places, and
/// DUPONT, whose Amalia and Paolo are registered but have booked nothing.
struct Mercredi {
    town: Town,
    day: Date,
    dupont: BuiltFamily,
    bernard: BuiltFamily,
    _t: TestDb,
}

impl Mercredi {
    async fn new() -> Mercredi {
        let t = TestDb::new().await;
        let town = Town::new(&t.db, ribambelle_testkit::clock()).await;
        let mercredi = town
            .activity(
                NewActivity::new("MERCREDI")
                    .weekdays(&[jiff::civil::Weekday::Wednesday])
                    .capacity(3)
                    .price(900),
            )
            .await;
        let registered = |name| NewChild::new(name).registered(&[mercredi]);
        let dupont = town
            .family(
                NewFamily::new("dupont")
                    .parent("M.", "Jean-Paul")
                    .emails(&["jean-paul.dupont@example.fr"])
                    .child(registered("Amalia"))
                    .child(registered("Paolo")),
            )
            .await;
        let bernard = town
            .family(
                NewFamily::new("bernard")
                    .child(registered("Emma"))
                    .child(registered("Louis")),
            )
            .await;
        // Three weeks ahead: past any deadline, as the families' own requests are.
        let day = town
            .next_opening(mercredi, town.clock.today() + 21.days())
            .await;
        let neighbours = [
            (bernard.child("Emma"), mercredi, day),
            (bernard.child("Louis"), mercredi, day),
        ];
        town.book(&bernard, &neighbours).await;
        Mercredi {
            town,
            day,
            dupont,
            bernard,
            _t: t,
        }
    }

    fn db(&self) -> &Db {
        &self.town.db
    }

    async fn activity(&self) -> ActivityId {
        sqlx::query_scalar("SELECT id FROM activities WHERE name = 'MERCREDI'")
            .fetch_one(self.db().reader())
            .await
            .unwrap()
    }

    /// The DUPONT child's request for the day, confirmed, not processed yet.
    async fn ask(&self, child: &str, change: Pending) {
        let activity = self.activity().await;
        let request = [(self.dupont.child(child), activity, self.day, change)];
        self.town.confirm(&self.dupont, &request).await;
    }

    /// The structure's staff changes MERCREDI's places.
    async fn set_capacity(&self, capacity: i64) {
        sqlx::query("UPDATE activities SET capacity = $1 WHERE name = 'MERCREDI'")
            .bind(capacity)
            .execute(self.db().writer())
            .await
            .unwrap();
    }

    async fn run(&self) -> RunOutcome {
        processing::run(self.db(), &self.town.clock, RunScope::Everywhere)
            .await
            .unwrap()
    }

    async fn state(&self, child: ChildId) -> String {
        sqlx::query_scalar("SELECT state FROM reservations WHERE child_id = $1 AND day = $2")
            .bind(child)
            .bind(self.day.to_string())
            .fetch_one(self.db().reader())
            .await
            .unwrap()
    }

    /// Accepted places on the day, and what the day's counter says.
    async fn places(&self) -> (i64, i64) {
        let accepted = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reservations WHERE day = $1 AND state = 'acceptee'",
        )
        .bind(self.day.to_string())
        .fetch_one(self.db().reader())
        .await
        .unwrap();
        let counter = sqlx::query_scalar("SELECT taken FROM day_places WHERE day = $1")
            .bind(self.day.to_string())
            .fetch_one(self.db().reader())
            .await
            .unwrap();
        (accepted, counter)
    }

    async fn mails_to(&self, address: &str) -> Vec<String> {
        let rows = sqlx::query("SELECT recipients, body_text FROM outbox ORDER BY id")
            .fetch_all(self.db().reader())
            .await
            .unwrap();
        rows.iter()
            .filter(|r| r.get::<String, _>("recipients").contains(address))
            .map(|r| r.get::<String, _>("body_text"))
            .collect()
    }
}

const DUPONT: &str = "jean-paul.dupont@example.fr";

#[tokio::test]
async fn the_last_place_goes_to_the_first_then_the_waiting_list_in_order() {
    let m = Mercredi::new().await;
    let (amalia, paolo) = (m.dupont.child("Amalia"), m.dupont.child("Paolo"));
    // 2 of 3 places are taken: Amalia asks first, then Paolo.
    m.ask("Amalia", Pending::Book).await;
    m.ask("Paolo", Pending::Book).await;
    let RunOutcome::Done(summary) = m.run().await else {
        panic!("busy")
    };
    assert_eq!(summary.requests, 2);
    assert_eq!(m.state(amalia).await, "acceptee");
    assert_eq!(m.state(paolo).await, "attente");
    assert_eq!(m.places().await, (3, 3), "never over capacity");

    // One report for DUPONT, in the guide's layout.
    let reports = m.mails_to(DUPONT).await;
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
    let html: String = sqlx::query_scalar("SELECT body_html FROM outbox WHERE recipients = $1")
        .bind(DUPONT)
        .fetch_one(m.db().reader())
        .await
        .unwrap();
    assert!(
        html.contains("<h2")
            && html.contains("Réservations acceptées")
            && html.contains("DUPONT Paolo : <time"),
        "{html}"
    );

    // A second run finds nothing and sends nothing twice.
    let RunOutcome::Done(again) = m.run().await else {
        panic!("busy")
    };
    assert_eq!((again.requests, again.reports), (0, 0));
    assert_eq!(m.mails_to(DUPONT).await.len(), 1);

    // Amalia's cancellation frees her place for Paolo, who is told.
    m.ask("Amalia", Pending::Cancel).await;
    let RunOutcome::Done(third) = m.run().await else {
        panic!("busy")
    };
    assert_eq!(third.promotions, 1);
    assert_eq!(m.state(paolo).await, "acceptee");
    let mails = m.mails_to(DUPONT).await;
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
            .fetch_optional(m.db().reader())
            .await
            .unwrap();
    assert!(last_run.is_some());
}

/// A place the structure adds goes to the waiting list before any newcomer, whether a
/// request is about that day or not; a closed day keeps its waiting list until it opens
/// again. Each promoted family is told, and the day's counter stays the reservations' count.
#[tokio::test]
async fn an_added_place_or_a_reopened_day_serves_the_waiting_list_first() {
    let m = Mercredi::new().await;
    let activity = m.activity().await;
    let (amalia, paolo) = (m.dupont.child("Amalia"), m.dupont.child("Paolo"));
    m.ask("Amalia", Pending::Book).await;
    m.ask("Paolo", Pending::Book).await;
    m.run().await;
    assert_eq!(m.state(paolo).await, "attente");

    // A fourth place, and a newcomer asks for the day before the run: Paolo, who waited,
    // gets the place; the newcomer waits behind him.
    m.set_capacity(4).await;
    let petit = m
        .town
        .family(NewFamily::new("petit").child(NewChild::new("Hugo").registered(&[activity])))
        .await;
    let hugo = petit.child("Hugo");
    m.town
        .confirm(&petit, &[(hugo, activity, m.day, Pending::Book)])
        .await;
    let RunOutcome::Done(run) = m.run().await else {
        panic!("busy")
    };
    assert_eq!((run.requests, run.promotions), (1, 1));
    assert_eq!(m.state(paolo).await, "acceptee");
    assert_eq!(m.state(hugo).await, "attente");
    assert_eq!(m.places().await, (4, 4));
    assert!(
        m.mails_to(DUPONT)
            .await
            .iter()
            .any(|mail| mail.contains("liste d'attente, sont acceptées") && mail.contains("Paolo")),
        "DUPONT is told"
    );

    // The day closes, Amalia's place is given up and a fifth place added: nobody is
    // promoted to a day that does not run, until it opens again, with no request about it.
    sqlx::query(
        "INSERT INTO activity_closures (activity_id, day, reason) VALUES ($1, $2, 'Grève')",
    )
    .bind(activity)
    .bind(m.day.to_string())
    .execute(m.db().writer())
    .await
    .unwrap();
    m.ask("Amalia", Pending::Cancel).await;
    m.set_capacity(5).await;
    let RunOutcome::Done(closed) = m.run().await else {
        panic!("busy")
    };
    assert_eq!((closed.requests, closed.promotions), (1, 0));
    assert_eq!(m.state(amalia).await, "annulee");
    assert_eq!(m.state(hugo).await, "attente");
    assert_eq!(m.places().await, (3, 3));
    sqlx::query("DELETE FROM activity_closures WHERE activity_id = $1")
        .bind(activity)
        .execute(m.db().writer())
        .await
        .unwrap();
    let RunOutcome::Done(reopened) = m.run().await else {
        panic!("busy")
    };
    assert_eq!((reopened.requests, reopened.promotions), (0, 1));
    assert_eq!(m.state(hugo).await, "acceptee");
    assert_eq!(m.places().await, (4, 4));
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE subject LIKE '%liste d''attente acceptées' AND body_text LIKE '%Hugo%'",
    )
    .fetch_one(m.db().reader())
    .await
    .unwrap();
    assert_eq!(told, 1, "PETIT is told once");
    // Nothing left to give: a further run promotes nobody and tells nobody again.
    let RunOutcome::Done(again) = m.run().await else {
        panic!("busy")
    };
    assert_eq!((again.requests, again.promotions, again.reports), (0, 0, 0));
}

#[tokio::test]
async fn a_request_that_became_impossible_is_refused_with_its_reason() {
    let m = Mercredi::new().await;
    m.ask("Amalia", Pending::Book).await;
    // The structure closes that day before the run.
    sqlx::query(
        "INSERT INTO activity_closures (activity_id, day, reason) VALUES ($1, $2, 'Grève')",
    )
    .bind(m.activity().await)
    .bind(m.day.to_string())
    .execute(m.db().writer())
    .await
    .unwrap();
    m.run().await;
    assert_eq!(m.state(m.dupont.child("Amalia")).await, "refusee");
    let outcome: String =
        sqlx::query_scalar("SELECT outcome FROM reservation_requests ORDER BY id DESC LIMIT 1")
            .fetch_one(m.db().reader())
            .await
            .unwrap();
    assert!(outcome.starts_with("refusee:"), "{outcome}");
    assert!(m.mails_to(DUPONT).await[0].contains("RESERVATIONS REFUSEES"));
}

#[tokio::test]
async fn only_one_run_at_a_time_and_an_interrupted_run_is_resumed() {
    let m = Mercredi::new().await;
    let db = m.db();
    m.ask("Amalia", Pending::Book).await;
    // Another instance holds a live lease: this one does nothing.
    sqlx::query("INSERT INTO run_lease (name, holder, until) VALUES ('traitement', 'autre', '2999-01-01T00:00:00.000000Z') \
                 ON CONFLICT (name) DO UPDATE SET holder = 'autre', until = '2999-01-01T00:00:00.000000Z'")
        .execute(db.writer())
        .await
        .unwrap();
    assert_eq!(m.run().await, RunOutcome::Busy);
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
    let RunOutcome::Done(summary) = m.run().await else {
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
    assert_eq!(m.mails_to(DUPONT).await.len(), 1);
}

#[tokio::test]
async fn a_cancellation_frees_its_place_once_even_though_it_shows_cancelled_before_the_run() {
    let m = Mercredi::new().await;
    // The day is full: 2 places, 2 taken.
    sqlx::query("UPDATE activities SET capacity = 2 WHERE name = 'MERCREDI'")
        .execute(m.db().writer())
        .await
        .unwrap();
    assert_eq!(m.places().await, (2, 2));
    // Emma BERNARD's cancellation is confirmed (her reservation reads *Annulée* at once),
    // then Amalia and Paolo ask for the day.
    let cancel = [(
        m.bernard.child("Emma"),
        m.activity().await,
        m.day,
        Pending::Cancel,
    )];
    m.town.confirm(&m.bernard, &cancel).await;
    m.ask("Amalia", Pending::Book).await;
    m.ask("Paolo", Pending::Book).await;
    m.run().await;
    // One place freed, one place given: the first asker gets it, the second waits.
    assert_eq!(m.state(m.dupont.child("Amalia")).await, "acceptee");
    assert_eq!(m.state(m.dupont.child("Paolo")).await, "attente");
    assert_eq!(m.places().await, (2, 2));
}

#[tokio::test]
async fn the_run_takes_the_places_held_from_the_days_counter() {
    let m = Mercredi::new().await;
    m.ask("Amalia", Pending::Book).await;
    // The counter says the day is full (as a run on another instance would have left it).
    sqlx::query("UPDATE day_places SET taken = 3 WHERE day = $1")
        .bind(m.day.to_string())
        .execute(m.db().writer())
        .await
        .unwrap();
    // This run loads the counter, so it sees the day full and puts Amalia on the waiting list.
    m.run().await;
    assert_eq!(m.state(m.dupont.child("Amalia")).await, "attente");
}

#[tokio::test]
async fn a_confirmation_waits_for_nobody_on_the_days_counter_and_the_calendar_counts_it() {
    let m = Mercredi::new().await;
    let activity = m.activity().await;
    let calendar = || async {
        bookings::places_taken(m.db(), activity, m.day, m.day)
            .await
            .unwrap()[&m.day]
    };
    assert_eq!(calendar().await, 2);
    // On PostgreSQL another transaction holds the day's counter row, as the folding of
    // other families' requests does for an instant. SQLite's one writer is never waited on.
    let holder = match m.db().backend() {
        Backend::Postgres => {
            let mut tx = m.db().writer().begin().await.unwrap();
            sqlx::query("SELECT taken FROM day_places WHERE day = $1 FOR UPDATE")
                .bind(m.day.to_string())
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            Some(tx)
        }
        Backend::Sqlite => None,
    };
    // The bound only catches a confirmation stuck behind the row; it measures nothing.
    tokio::time::timeout(Duration::from_secs(30), m.ask("Amalia", Pending::Book))
        .await
        .expect("the confirmation waited for the day's counter");
    assert_eq!(
        calendar().await,
        3,
        "the calendar counts the request at once"
    );
    drop(holder);
    // Once folded, the counter alone says it, and no move is left.
    while moves(m.db()).await > 0 {
        if !places::fold(m.db()).await.unwrap() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let counter: i64 = sqlx::query_scalar("SELECT taken + asked FROM day_places WHERE day = $1")
        .bind(m.day.to_string())
        .fetch_one(m.db().reader())
        .await
        .unwrap();
    assert_eq!((counter, calendar().await), (3, 3));
    // The run decides the request and the counters follow it.
    m.run().await;
    assert_eq!(m.state(m.dupont.child("Amalia")).await, "acceptee");
    assert_eq!(calendar().await, 3);
    assert_eq!(m.places().await, (3, 3));
}

async fn moves(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM day_place_moves")
        .fetch_one(db.reader())
        .await
        .unwrap()
}
