//! The binary's side of online payment: the simulated bank, served beside the portal when
//! a régie uses it (the demo), and the reconciliation job that chases unfinished payments.

use std::time::Duration;

use ribambelle_domain::clock::Clock;
use ribambelle_payment::simulated;
use ribambelle_store::Db;
use ribambelle_usecases::payments::{Payments, SIMULATED_BANK_PATH, simulated_bank};
use tokio::sync::watch;

use crate::setup::AppError;

/// Mounts the simulated bank under `/banque-simulee` if a régie of this database uses it.
/// It sits outside the portal's layers: it is another site, with its own pages and policy.
pub async fn with_simulated_bank(
    portal: axum::Router,
    db: &Db,
    public_url: &str,
    clock: Clock,
) -> Result<axum::Router, AppError> {
    match simulated_bank(db, public_url, clock).await? {
        Some(bank) => {
            tracing::info!(url = %format!("{public_url}{SIMULATED_BANK_PATH}"), "simulated bank served for the demo's régies");
            Ok(portal.nest(SIMULATED_BANK_PATH, simulated::router(bank)))
        }
        None => Ok(portal),
    }
}

/// Says which structures cannot be paid online: their régie uses the simulated bank, which
/// is not served outside the demo.
pub async fn warn_simulated_regies(db: &Db) -> Result<(), AppError> {
    for regie in ribambelle_store::payments::simulated_regies(db).await? {
        tracing::warn!(
            structure = %regie.structure_name,
            "régie on the simulated bank, which is served only with --demo or --simulated-bank: no online payment for this structure"
        );
    }
    Ok(())
}

/// Runs the reconciliation every `every` until shutdown.
pub async fn reconcile(
    db: Db,
    clock: Clock,
    public_url: String,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        let payments = Payments {
            db: &db,
            public_url: &public_url,
            // The job asks each payment's own provider, the simulated bank included.
            simulated_bank: true,
        };
        match payments.reconcile(clock.now()).await {
            Ok(done) if done.settled + done.given_up > 0 => tracing::info!(
                settled = done.settled,
                given_up = done.given_up,
                "unfinished payments reconciled"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "payment reconciliation failed; next round"),
        }
    }
}
