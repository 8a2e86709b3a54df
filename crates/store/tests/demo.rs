//! The demo data as a newcomer and the later issues rely on it, on SQLite and PostgreSQL.

use jiff::ToSpan;
use ribambelle_domain::{clock::Clock, password::Verification};
use ribambelle_store::{Backend, Db, demo};
use ribambelle_testkit::{TestDb, backend_label, hashing};
use sqlx::Row;

async fn demo_db() -> TestDb {
    let t = TestDb::new().await;
    demo::load(&t.db, &hashing(), &ribambelle_testkit::clock())
        .await
        .unwrap();
    t
}

async fn scalar(db: &Db, sql: &'static str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind.to_owned())
        .fetch_one(db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_suite_runs_on_the_backend_it_was_asked_for() {
    let t = TestDb::new().await;
    let expected = if backend_label() == "postgresql" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    assert_eq!(t.db.backend(), expected);
}

#[tokio::test]
async fn demo_families_and_accounts_are_as_documented() {
    let t = demo_db().await;
    let db = &t.db;
    let dupont = sqlx::query(
        "SELECT civility, last_name, first_name, emails, password_hash, must_change_password FROM families WHERE identifiant = 'dupont'",
    )
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(dupont.get::<String, _>("civility"), "M.");
    assert_eq!(dupont.get::<String, _>("last_name"), "DUPONT");
    assert_eq!(dupont.get::<String, _>("first_name"), "Jean-Paul");
    assert_eq!(
        dupont.get::<String, _>("emails"),
        "jean-paul.dupont@example.fr"
    );
    assert_eq!(dupont.get::<i64, _>("must_change_password"), 1);
    assert_eq!(
        hashing().verify("bienvenue", &dupont.get::<String, _>("password_hash")),
        Verification::Valid
    );

    let children: Vec<String> = sqlx::query_scalar(
        "SELECT c.first_name FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'dupont' ORDER BY c.first_name",
    )
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(children, vec!["Amalia", "Paolo"]);

    let martin_hash: String =
        sqlx::query_scalar("SELECT password_hash FROM families WHERE identifiant = 'martin'")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(
        hashing().verify("Martin-Demo-2026!", &martin_hash),
        Verification::Valid
    );
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM family_structures fs JOIN families f ON f.id = fs.family_id WHERE f.identifiant = $1", "martin").await, 2);

    let staff_hash: String =
        sqlx::query_scalar("SELECT password_hash FROM staff WHERE login = 'gestion'")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(
        hashing().verify("Gestion-Demo-2026!", &staff_hash),
        Verification::Valid
    );
    for account in demo::DEMO_ACCOUNTS {
        assert!(!account.password.is_empty() && !account.identifiant.is_empty());
    }
}

#[tokio::test]
async fn the_calendar_and_activities_are_loaded() {
    let t = demo_db().await;
    let db = &t.db;
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM structures WHERE name = $1",
            "Mairie de CarteVille"
        )
        .await,
        1
    );
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM school_holidays WHERE zone = $1",
            "C"
        )
        .await
            >= 15
    );
    for name in [
        "APS MATIN",
        "APS SOIR",
        "RESTAURATION",
        "MERCREDI",
        "ACCUEIL VACANCES",
    ] {
        assert_eq!(
            scalar(db, "SELECT COUNT(*) FROM activities WHERE name = $1", name).await,
            1,
            "{name}"
        );
    }
    // Both billing modes exist.
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM wallets WHERE billing_mode = $1",
            "facturation"
        )
        .await
            >= 1
    );
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM wallets WHERE billing_mode = $1",
            "prepaiement"
        )
        .await
            >= 1
    );
    // The holiday activity has booking windows for the coming holidays.
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM holiday_booking_windows w JOIN activities a ON a.id = w.activity_id WHERE a.name = $1",
            "ACCUEIL VACANCES"
        )
        .await
            >= 3
    );
    // Prices by quotient familial, with a top bracket for unknown quotients.
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM price_brackets p JOIN activities a ON a.id = p.activity_id WHERE a.name = $1 AND p.qf_max IS NULL", "RESTAURATION").await,
        1
    );
}

#[tokio::test]
async fn mercredi_is_nearly_full_on_the_coming_wednesdays() {
    let t = demo_db().await;
    let today = ribambelle_testkit::clock().today();
    let rows = sqlx::query(
        "SELECT r.day, COUNT(*) AS taken, MAX(a.capacity) AS capacity FROM reservations r \
         JOIN activities a ON a.id = r.activity_id \
         WHERE a.name = 'MERCREDI' AND r.state = 'acceptee' AND r.day >= $1 AND r.day < $2 GROUP BY r.day",
    )
    .bind(today.to_string())
    .bind((today + 14.days()).to_string())
    .fetch_all(t.db.reader())
    .await
    .unwrap();
    for row in rows {
        let (taken, capacity): (i64, i64) = (row.get("taken"), row.get("capacity"));
        assert!(
            taken < capacity && taken >= capacity - 1,
            "{taken} of {capacity}"
        );
    }
}

/// The demo shows a processing run at both structures whatever the day it is loaded:
/// MARTIN has requests waiting at each, also when the Christmas holidays or the summer
/// cut into its coming weeks (a load on Thursday 3 December 2026 once had none at Les
/// Écureuils, whose MERCREDI NATURE is on Wednesdays only).
#[tokio::test]
async fn martin_has_requests_waiting_for_the_run_at_both_structures_whatever_the_day() {
    let instants = [
        ribambelle_testkit::clock().now(),
        "2026-12-03T07:00:00Z".parse().unwrap(),
        "2026-12-10T07:00:00Z".parse().unwrap(),
        "2027-06-24T07:00:00Z".parse().unwrap(),
        "2027-10-07T07:00:00Z".parse().unwrap(),
    ];
    for at in instants {
        let t = TestDb::new().await;
        demo::load(&t.db, &hashing(), &Clock::starting_at(at))
            .await
            .unwrap();
        for structure in ["carteville", "ecureuils"] {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reservations r JOIN families f ON f.id = r.family_id \
                 JOIN activities a ON a.id = r.activity_id JOIN structures s ON s.id = a.structure_id \
                 WHERE f.identifiant = 'martin' AND s.slug = $1 AND r.state = 'non_transmise'",
            )
            .bind(structure)
            .fetch_one(t.db.reader())
            .await
            .unwrap();
            assert!(waiting > 0, "loaded at {at}: nothing waits at {structure}");
        }
    }
}

/// Hand-checkable rule: prepaid wallets hold payments minus consumption; invoiced wallets
/// owe what invoices leave unpaid. MARTIN must stay in credit overall at CarteVille (so the
/// demo can book) while still having an invoice to pay (so the demo can pay).
#[tokio::test]
async fn martin_has_an_invoice_due_yet_stays_in_credit() {
    let t = demo_db().await;
    let db = &t.db;
    let sum = |sql: &'static str| async move {
        let v: i64 = sqlx::query_scalar(sql)
            .fetch_one(db.reader())
            .await
            .unwrap();
        v
    };
    let prepaid_paid = sum(
        "SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) FROM payments p JOIN families f ON f.id = p.family_id \
         JOIN structures s ON s.id = p.structure_id JOIN wallets w ON w.id = p.wallet_id \
         WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND w.billing_mode = 'prepaiement'",
    )
    .await;
    let prepaid_used = sum(
        "SELECT CAST(COALESCE(SUM(c.amount_cents), 0) AS BIGINT) FROM consommations c JOIN families f ON f.id = c.family_id \
         JOIN activities a ON a.id = c.activity_id JOIN wallets w ON w.id = a.wallet_id JOIN structures s ON s.id = w.structure_id \
         WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND w.billing_mode = 'prepaiement'",
    )
    .await;
    let invoiced = sum(
        "SELECT CAST(COALESCE(SUM(i.amount_cents), 0) AS BIGINT) FROM invoices i JOIN families f ON f.id = i.family_id \
         JOIN structures s ON s.id = i.structure_id WHERE f.identifiant = 'martin' AND s.slug = 'carteville'",
    )
    .await;
    let allocated = sum(
        "SELECT CAST(COALESCE(SUM(pa.amount_cents), 0) AS BIGINT) FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id \
         JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'martin'",
    )
    .await;
    let due = invoiced - allocated;
    assert!(due > 0, "an invoice is still to pay");
    assert!(
        prepaid_paid - prepaid_used - due >= 0,
        "credit {prepaid_paid} - {prepaid_used} - {due}"
    );
}

#[tokio::test]
async fn the_demo_is_loaded_only_into_an_empty_database() {
    let t = demo_db().await;
    let again = demo::load(&t.db, &hashing(), &ribambelle_testkit::clock()).await;
    assert!(matches!(again, Err(demo::DemoError::NotEmpty)), "{again:?}");
}

#[tokio::test]
async fn synthetic_families_are_added_after_the_existing_ones() {
    let t = demo_db().await;
    let first = demo::add_families(&t.db, &hashing(), 30, ribambelle_testkit::clock().now())
        .await
        .unwrap();
    assert_eq!(first.families, 30);
    // One to three children each: 10 × (1 + 2 + 3).
    assert_eq!(first.children, 60);
    let second = demo::add_families(&t.db, &hashing(), 4, ribambelle_testkit::clock().now())
        .await
        .unwrap();
    assert_eq!(second.families, 4);
    assert_eq!(
        scalar(
            &t.db,
            "SELECT COUNT(*) FROM families WHERE identifiant LIKE $1",
            "famille%"
        )
        .await,
        34
    );
    assert_eq!(
        scalar(
            &t.db,
            "SELECT COUNT(*) FROM families WHERE identifiant = $1",
            "famille000034"
        )
        .await,
        1
    );
    let hash: String = sqlx::query_scalar(
        "SELECT password_hash FROM families WHERE identifiant = 'famille000034'",
    )
    .fetch_one(t.db.reader())
    .await
    .unwrap();
    assert_eq!(
        hashing().verify(demo::SYNTHETIC_PASSWORD, &hash),
        Verification::Valid
    );
    // Ready to book: texts accepted, règlements signed, children named after their family.
    let consents = scalar(&t.db, "SELECT COUNT(*) FROM consents c JOIN families f ON f.id = c.family_id WHERE f.identifiant LIKE $1", "famille%").await;
    assert_eq!(consents, 34 * 2);
    let unsigned = scalar(
        &t.db,
        "SELECT COUNT(*) FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant LIKE $1 \
         AND NOT EXISTS (SELECT 1 FROM reglement_signatures s WHERE s.child_id = c.id)",
        "famille%",
    )
    .await;
    assert_eq!(unsigned, 0);
    let misnamed = scalar(
        &t.db,
        "SELECT COUNT(*) FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant LIKE $1 AND c.last_name <> f.last_name",
        "famille%",
    )
    .await;
    assert_eq!(misnamed, 0);
}

#[tokio::test]
async fn synthetic_families_need_the_demo() {
    let t = TestDb::new().await;
    let result = demo::add_families(&t.db, &hashing(), 3, ribambelle_testkit::clock().now()).await;
    assert!(matches!(result, Err(demo::DemoError::NoDemo)), "{result:?}");
}

#[tokio::test]
async fn reopening_a_database_keeps_its_data() {
    let t = demo_db().await;
    let again = Db::connect(&t.url).await.unwrap();
    assert_eq!(
        scalar(
            &again,
            "SELECT COUNT(*) FROM families WHERE identifiant = $1",
            "martin"
        )
        .await,
        1
    );
    again.close().await;
}

#[tokio::test]
async fn the_last_data_change_is_rewritten_at_most_once_a_minute() {
    // Every confirmation of a town touches it: within a minute nothing is written, so that
    // the confirmations never queue on that one row.
    let t = TestDb::new().await;
    let db = &t.db;
    let start =
        jiff::Timestamp::from_second(ribambelle_testkit::clock().now().as_second()).unwrap();
    let touch = |at: jiff::Timestamp| async move {
        let mut tx = db.begin().await.unwrap();
        ribambelle_store::portal::touch_data_change(&mut tx, at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    };
    touch(start).await;
    assert_eq!(
        ribambelle_store::portal::last_update(db).await.unwrap(),
        Some(start)
    );
    touch(start + 59.seconds()).await;
    assert_eq!(
        ribambelle_store::portal::last_update(db).await.unwrap(),
        Some(start),
        "within the minute: unchanged"
    );
    touch(start + 61.seconds()).await;
    assert_eq!(
        ribambelle_store::portal::last_update(db).await.unwrap(),
        Some(start + 61.seconds())
    );
    // A late writer never moves it back.
    touch(start + 2.minutes() + 30.seconds()).await;
    touch(start + 2.minutes()).await;
    assert_eq!(
        ribambelle_store::portal::last_update(db).await.unwrap(),
        Some(start + 2.minutes() + 30.seconds())
    );
}
