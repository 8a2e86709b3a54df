use std::time::Duration;

use ribambelle_domain::clock::Clock;
use ribambelle_store::{Db, sessions};
use tokio::sync::watch;

/// Housekeeping that no request triggers: sessions past their absolute end are removed
/// (idle ones are removed when next presented).
pub async fn run(db: Db, clock: Clock, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        match sessions::purge_expired(&db, clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
            Err(error) => tracing::warn!(%error, "session purge failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
