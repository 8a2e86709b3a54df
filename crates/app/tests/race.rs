//! Races between families and between instances (R-NIGHT-1): two `ribambelle serve`
//! processes on one database (SQLite, or PostgreSQL when the suite runs there), hundreds of
//! families confirming the same week of an activity with few places, in nightly and in
//! immediate mode. Accepted places never exceed the capacity, the waiting list keeps the
//! order in which the run saw the confirmations, and every request ends with one state.

mod support;

use std::{collections::HashMap, process::Command, sync::Arc};

use jiff::{ToSpan, civil::Date};
use ribambelle_store::Db;
use ribambelle_testkit::TestDb;
use sqlx::Row;
use support::{Server, base_command};
use tokio::sync::Semaphore;

const FAMILIES: usize = 200;
const CAPACITY: i64 = 12;
/// Requests in flight at once, across both instances.
const IN_FLIGHT: usize = 24;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Decided by a run after the rush (here: two runs started at once).
    Nightly,
    /// Decided right after each confirmation, by whichever instance answered it.
    Immediate,
}

struct Family {
    identifiant: String,
    child: String,
}

/// The demo with synthetic families, APS MATIN down to a few places and free of any
/// reservation from today on, so that the only askers are the test's families.
async fn prepare(url: &str, data: &std::path::Path, mode: Mode) -> (Vec<Family>, String) {
    let loaded = base_command(data)
        .env("DATABASE_URL", url)
        .args(["demo", "--families", &FAMILIES.to_string()])
        .output()
        .unwrap();
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let db = Db::connect(url).await.unwrap();
    let activity: (i64, String) = sqlx::query_as(
        "SELECT a.id, a.public_id FROM activities a JOIN structures s ON s.id = a.structure_id WHERE s.slug = 'carteville' AND a.name = 'APS MATIN'",
    )
    .fetch_one(db.reader())
    .await
    .unwrap();
    let today = ribambelle_testkit::clock().today().to_string();
    for sql in [
        "DELETE FROM reservation_requests WHERE activity_id = $1 AND day >= $2",
        "DELETE FROM reservations WHERE activity_id = $1 AND day >= $2",
        "DELETE FROM day_places WHERE activity_id = $1 AND day >= $2",
        "DELETE FROM day_place_moves WHERE activity_id = $1 AND day >= $2",
    ] {
        sqlx::query(sql)
            .bind(activity.0)
            .bind(&today)
            .execute(db.writer())
            .await
            .unwrap();
    }
    sqlx::query("UPDATE activities SET capacity = $1 WHERE id = $2")
        .bind(CAPACITY)
        .bind(activity.0)
        .execute(db.writer())
        .await
        .unwrap();
    let processing_mode = if mode == Mode::Immediate {
        "immediat"
    } else {
        "nuit"
    };
    sqlx::query("UPDATE structures SET processing_mode = $1 WHERE slug = 'carteville'")
        .bind(processing_mode)
        .execute(db.writer())
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT f.identifiant, MIN(c.public_id) AS child FROM families f JOIN children c ON c.family_id = f.id \
         JOIN registrations r ON r.child_id = c.id WHERE r.activity_id = $1 AND f.identifiant LIKE 'famille%' \
         GROUP BY f.identifiant ORDER BY f.identifiant",
    )
    .bind(activity.0)
    .fetch_all(db.reader())
    .await
    .unwrap();
    db.close().await;
    let families: Vec<Family> = rows
        .iter()
        .map(|r| Family {
            identifiant: r.get("identifiant"),
            child: r.get("child"),
        })
        .collect();
    assert!(
        families.len() >= FAMILIES * 9 / 10,
        "{} synthetic families with a child at APS MATIN",
        families.len()
    );
    (families, activity.1)
}

/// A browser-like client signed in as `family`.
async fn signed_in(base: &str, family: &Family) -> Result<reqwest::Client, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .map_err(|e| e.to_string())?;
    let mut login = client
        .post(format!("{base}/connexion"))
        .form(&[
            ("identifiant", family.identifiant.as_str()),
            ("mot_de_passe", ribambelle_store::demo::SYNTHETIC_PASSWORD),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    // Hundreds of logins at once may find the password queue full: like a browser, come
    // back when the waiting page's Refresh says (its ticket is in the cookie store).
    for _ in 0..20 {
        let refresh = login
            .headers()
            .get("refresh")
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.split_once("; url="));
        let Some((seconds, target)) = refresh.map(|(s, t)| (s.parse().unwrap_or(5), t.to_owned()))
        else {
            break;
        };
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
        login = client
            .get(format!("{base}{target}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
    }
    if login.status() != 303 {
        return Err(format!("login: HTTP {}", login.status()));
    }
    Ok(client)
}

/// The value of the first input named `name`.
fn input_value(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    Some(body[start..start + body[start..].find('"')?].to_owned())
}

/// One family: logs in, books the week with the week tool, « Valider », « Confirmer ».
/// Returns the number of bookings the confirmation page announced.
async fn book_week(
    base: &str,
    family: &Family,
    activity: &str,
    monday: Date,
) -> Result<i64, String> {
    let client = signed_in(base, family).await?;
    let month = format!("{:04}-{:02}", monday.year(), monday.month());
    let calendar = format!(
        "{base}/reservations?enfant={}&activite={activity}&mois={month}",
        family.child
    );
    let page = client
        .get(&calendar)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let csrf = input_value(&page, "_csrf").ok_or("calendar: no _csrf")?;
    let week = [
        ("_csrf", csrf.as_str()),
        ("enfant", &family.child),
        ("activite", activity),
        ("mois", &month),
        ("semaine", &monday.to_string()),
    ];
    let tool = client
        .post(format!("{base}/reservations/calendrier"))
        .form(&week)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let location = tool
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if tool.status() != 303 || location.contains("info=") {
        return Err(format!("week tool: HTTP {} to {location}", tool.status()));
    }
    let recap = client
        .get(format!("{base}/reservations/recapitulatif"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let key = input_value(&recap, "cle").ok_or("récapitulatif: no cle")?;
    let csrf = input_value(&recap, "_csrf").ok_or("récapitulatif: no _csrf")?;
    let done = client
        .post(format!("{base}/reservations/confirmer"))
        .form(&[("_csrf", csrf.as_str()), ("cle", key.as_str())])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let location = done
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    location
        .strip_prefix("/reservations/confirmation?")
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("reservations=")))
        .and_then(|n| n.parse().ok())
        .ok_or(format!("confirmer: HTTP {} to {location}", done.status()))
}

/// Whether the calendar page offers `day` to book.
fn bookable(page: &str, day: Date) -> bool {
    let marker = format!("name=\"basculer\" value=\"{day}\" class=\"day\" aria-label=\"");
    page.find(&marker).is_some_and(|start| {
        page[start + marker.len()..]
            .split('"')
            .next()
            .is_some_and(|label| label.contains(", réservable"))
    })
}

/// The first school week, Monday to Friday inside one month, whose every day (at least
/// four: APS MATIN does not run on Wednesdays) is open to booking; and how many days.
async fn bookable_monday(base: &str, family: &Family, activity: &str) -> (Date, usize) {
    let client = signed_in(base, family).await.unwrap();
    let today = ribambelle_testkit::clock().today();
    let mut monday = today + (8 - i64::from(today.weekday().to_monday_one_offset())).days();
    for _ in 0..10 {
        let month = format!("{:04}-{:02}", monday.year(), monday.month());
        let url = format!(
            "{base}/reservations?enfant={}&activite={activity}&mois={month}",
            family.child
        );
        let page = client.get(url).send().await.unwrap().text().await.unwrap();
        let shown = (0..5)
            .filter(|d| {
                page.contains(&format!(
                    "name=\"basculer\" value=\"{}\"",
                    monday + d.days()
                ))
            })
            .count();
        let open = (0..5)
            .filter(|d| bookable(&page, monday + d.days()))
            .count();
        if open >= 4 && open == shown && monday.month() == (monday + 4.days()).month() {
            return (monday, open);
        }
        monday += 7.days();
    }
    panic!("no school week of APS MATIN open to booking in the coming ten weeks");
}

/// Servers are started and stopped outside the runtime: their helpers block.
fn rush(mode: Mode) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t = runtime.block_on(TestDb::new());
    let data = tempfile::tempdir().unwrap();
    let (families, activity) = runtime.block_on(prepare(&t.url, data.path(), mode));
    let start = |dir: &std::path::Path| {
        let mut command: Command = base_command(dir);
        command.env("DATABASE_URL", &t.url);
        Server::start(command, &["--process-at", "off"]).0
    };
    let (a, b) = (start(&data.path().join("a")), start(&data.path().join("b")));
    let (monday, open_days) = runtime.block_on(bookable_monday(&a.base, &families[0], &activity));
    let announced = runtime.block_on(all_at_once(families, &a.base, &b.base, &activity, monday));

    // Nightly: two runs started at once (one may find the other busy); immediate: a run
    // for requests whose instance found the run busy for too long. Then a last one, which
    // must find nothing left.
    let process = || {
        base_command(&data.path().join("run"))
            .env("DATABASE_URL", &t.url)
            .arg("process")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = if mode == Mode::Nightly {
        vec![process(), process()]
    } else {
        vec![process()]
    };
    for run in runs {
        let output = run.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() || stderr.contains("un traitement est déjà en cours"),
            "{stderr}"
        );
    }
    let last = base_command(&data.path().join("run"))
        .env("DATABASE_URL", &t.url)
        .arg("process")
        .output()
        .unwrap();
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    let said = String::from_utf8_lossy(&last.stdout);
    assert!(
        said.contains("Traitement terminé : 0 demandes traitées"),
        "{said}"
    );

    runtime.block_on(check(&t.url, mode, announced, monday, open_days));
    assert!(a.stop().success());
    assert!(b.stop().success());
}

/// Books the week for every family at once, alternating instances; returns the bookings
/// the confirmation pages announced.
async fn all_at_once(families: Vec<Family>, a: &str, b: &str, activity: &str, monday: Date) -> i64 {
    let limit = Arc::new(Semaphore::new(IN_FLIGHT));
    let activity: Arc<str> = activity.into();
    let mut tasks = Vec::new();
    for (i, family) in families.into_iter().enumerate() {
        let base = if i % 2 == 0 {
            a.to_owned()
        } else {
            b.to_owned()
        };
        let (limit, activity) = (limit.clone(), activity.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            book_week(&base, &family, &activity, monday)
                .await
                .map_err(|e| format!("{}: {e}", family.identifiant))
        }));
    }
    let mut announced = 0;
    for task in tasks {
        announced += task.await.unwrap().unwrap();
    }
    announced
}

/// One day's requests in the order the runs decided them: batch after batch, and by
/// arrival within a batch.
struct Decided {
    run: i64,
    request: i64,
    state: String,
    queue_position: Option<i64>,
}

async fn check(url: &str, mode: Mode, announced: i64, monday: Date, open_days: usize) {
    let db = Db::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT q.id, q.run_id, q.day, q.outcome, q.processed_at, r.state, r.queue_position FROM reservation_requests q \
         JOIN activities a ON a.id = q.activity_id \
         JOIN reservations r ON r.child_id = q.child_id AND r.activity_id = q.activity_id AND r.day = q.day \
         WHERE a.name = 'APS MATIN' AND q.day >= $1 AND q.day < $2 ORDER BY q.processed_at, q.id",
    )
    .bind(monday.to_string())
    .bind((monday + 7.days()).to_string())
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(
        rows.len() as i64,
        announced,
        "every confirmed booking is recorded once"
    );
    let mut days: HashMap<String, Vec<Decided>> = HashMap::new();
    for r in &rows {
        let outcome: Option<String> = r.get("outcome");
        let state: String = r.get("state");
        assert!(
            r.get::<Option<String>, _>("processed_at").is_some(),
            "every request is decided"
        );
        // One final state, the same in the request and in the reservation.
        assert_eq!(
            outcome.as_deref(),
            Some(state.as_str()),
            "request {}",
            r.get::<i64, _>("id")
        );
        assert!(state == "acceptee" || state == "attente", "{state}");
        days.entry(r.get("day")).or_default().push(Decided {
            run: r.get("run_id"),
            request: r.get("id"),
            state,
            queue_position: r.get("queue_position"),
        });
    }
    assert_eq!(days.len(), open_days, "the whole week was asked for");
    for (day, decided) in &days {
        let accepted = decided.iter().filter(|d| d.state == "acceptee").count() as i64;
        // More askers than places: the day is exactly full, never over.
        assert_eq!(accepted, CAPACITY, "{day}");
        // First come, first served: every accepted request was decided before every
        // waiting one, and the queue keeps that order.
        let first_waiting = decided.iter().position(|d| d.state == "attente").unwrap();
        assert!(
            decided[first_waiting..]
                .iter()
                .all(|d| d.state == "attente"),
            "{day}: a later request got a place before an earlier one"
        );
        let positions: Vec<i64> = decided[first_waiting..]
            .iter()
            .map(|d| d.queue_position.unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{day}: the waiting list is out of order"
        );
        if mode == Mode::Nightly {
            // One run took them all, in arrival order.
            assert!(decided.iter().all(|d| d.run == decided[0].run));
            assert!(decided.windows(2).all(|w| w[0].request < w[1].request));
        }
        let (taken, asked): (i64, i64) = sqlx::query_as(
            "SELECT p.taken, p.asked + CAST(COALESCE((SELECT SUM(m.asked) FROM day_place_moves m \
               WHERE m.activity_id = p.activity_id AND m.day = p.day), 0) AS BIGINT) \
             FROM day_places p JOIN activities a ON a.id = p.activity_id WHERE a.name = 'APS MATIN' AND p.day = $1",
        )
        .bind(day)
        .fetch_one(db.reader())
        .await
        .unwrap();
        // Every request was decided: none is counted as waiting for a decision any more,
        // folded into the counter or not yet.
        assert_eq!((taken, asked), (CAPACITY, 0), "{day}: the day's counters");
    }
    let runs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM processing_runs WHERE finished_at IS NULL")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(runs, 0);
    db.close().await;
}

#[test]
fn hundreds_of_families_on_two_instances_nightly_mode() {
    rush(Mode::Nightly);
}

#[test]
fn hundreds_of_families_on_two_instances_immediate_mode() {
    rush(Mode::Immediate);
}
