//! The PostgreSQL pool pings only the connections that sat idle (see `store::db`): one the
//! server dropped meanwhile (a restart, a proxy's idle cut) must be replaced before a
//! family's request uses it, never reach the family as an error page.

use std::time::Duration;

use ribambelle_store::Backend;
use ribambelle_testkit::TestDb;
use sqlx::Connection;

/// Every connection the pool may hold, used at once.
async fn sixteen_queries_at_once(db: &ribambelle_store::Db) -> Vec<Result<i64, sqlx::Error>> {
    let mut queries = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let pool = db.reader().clone();
        queries.spawn(async move {
            // Held for a moment so that the sixteen do not take one connection in turn.
            sqlx::query_scalar::<_, i64>(
                "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_sleep(0.05)) AS held",
            )
            .fetch_one(&pool)
            .await
        });
    }
    queries.join_all().await
}

#[tokio::test]
async fn connections_the_server_dropped_while_they_sat_idle_are_replaced_before_use() {
    let t = TestDb::new().await;
    if t.db.backend() != Backend::Postgres {
        // The embedded file has no server to drop its connections.
        return;
    }
    let warm = sixteen_queries_at_once(&t.db).await;
    assert!(warm.iter().all(Result::is_ok), "warm-up: {warm:?}");

    let mut admin = sqlx::PgConnection::connect(&t.url).await.unwrap();
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(
        dropped.len() >= 2,
        "the pool held {} connections",
        dropped.len()
    );
    admin.close().await.unwrap();

    // Past the one second after which an idle connection is pinged, and well before the
    // days' counters' folder, which takes a connection every 250 ms, has failed on every
    // dropped one and so flushed them out without any ping.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let after = sixteen_queries_at_once(&t.db).await;
    let failed: Vec<_> = after.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "queries on dropped connections failed: {failed:?}"
    );
}
