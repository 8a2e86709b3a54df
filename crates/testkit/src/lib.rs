//! Test support: every test gets its own database, on SQLite by default or on PostgreSQL
//! when `RIBAMBELLE_TEST_DATABASE_URL` names a server (the test script sets it to run the
//! same suites on both), every test a clock that the date sweep can start at another
//! instant, mail tests get a real SMTP server on loopback, and builders add what a test
//! needs in the product's words.

mod builders;
mod family;
mod smtp;
mod town;

use ribambelle_domain::clock::{Clock, parse_start};
use ribambelle_store::Db;
use sqlx::{Connection, Executor};

pub use builders::{NewStaff, hashing};
pub use family::{BuiltFamily, NewChild, NewFamily};
pub use smtp::{ReceivedMail, SmtpSink};
pub use town::{ADMIN_LOGIN, NewActivity, Town};

/// The environment variable that switches the suites to PostgreSQL: a URL of a server
/// where the test user may create databases (e.g. `postgres://ribambelle@127.0.0.1:5433/postgres`).
pub const PG_URL_VAR: &str = "RIBAMBELLE_TEST_DATABASE_URL";

/// A migrated, empty database that lives as long as this value (on SQLite: a file in a
/// temporary folder; on PostgreSQL: a database named `ribambelle_test_…`, which the test
/// script's throw-away server discards).
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var(PG_URL_VAR) {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(&admin_url).await,
            _ => Self::sqlite().await,
        }
    }

    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
        let db = Db::connect(&url).await.expect("SQLite test database");
        TestDb {
            db,
            url,
            _dir: Some(dir),
        }
    }

    async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("ribambelle_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("PostgreSQL test server");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("{PG_URL_VAR} must end with a database name"),
        };
        let db = Db::connect(&url).await.expect("PostgreSQL test database");
        TestDb {
            db,
            url,
            _dir: None,
        }
    }
}

/// The environment variable that starts every test's clock at a chosen instant (the test
/// script's date sweep sets it; same forms as `--clock-start`).
pub const NOW_VAR: &str = "RIBAMBELLE_TEST_NOW";

thread_local! {
    // The test harness runs each test on a thread of its own: one clock per test, started
    // when the test first asks, so that its « now » never goes back between two questions.
    static CLOCK: Clock = match std::env::var(NOW_VAR) {
        Ok(text) if !text.is_empty() => Clock::starting_at(parse_start(&text).unwrap_or_else(|e| panic!("{NOW_VAR}: {e}"))),
        _ => Clock::system(),
    };
}

/// The clock a test runs on: the system clock, or one started at `RIBAMBELLE_TEST_NOW`.
/// Tests take « now » and « today » from it, never from the system clock.
pub fn clock() -> Clock {
    CLOCK.with(|clock| *clock)
}

/// Which backend the suites run on, for test names and messages.
pub fn backend_label() -> &'static str {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => "postgresql",
        _ => "sqlite",
    }
}
