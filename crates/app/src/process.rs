use std::time::Duration;

use jiff::{SignedDuration, Timestamp, ToSpan, civil::Time};
use ribambelle_domain::clock::{Clock, paris_date, paris_instant};
use ribambelle_usecases::{
    Db,
    night::{self, RunOutcome},
};
use tokio::sync::watch;

use crate::{config::ProcessArgs, setup};

/// `ribambelle process`: the processing run, then the consommations of the days gone by,
/// now. Invoices are issued by a gestionnaire in the back office, month by month.
pub async fn run(args: ProcessArgs) -> Result<(), setup::AppError> {
    let (db, _) = setup::open(&args.common).await?;
    let clock = setup::clock(&args.common, &db, false).await?;
    let outcome = night::process(&db, &clock).await?;
    let billed = night::record_consommations(&db, clock.today()).await;
    db.close().await;
    match outcome {
        RunOutcome::Done(s) => {
            println!(
                "Traitement terminé : {} demandes traitées, {} mails de compte rendu, {} places attribuées depuis la liste d'attente.",
                s.requests, s.reports, s.promotions
            );
            let billed = billed?;
            println!(
                "Consommations : {billed} enregistrées. Les factures s'émettent dans la gestion, rubrique Facturation."
            );
            Ok(())
        }
        RunOutcome::Busy => Err(setup::AppError::RunBusy),
    }
}

/// The next moment Paris clocks show `at`, after `now`.
pub fn next_run(now: Timestamp, at: Time) -> Timestamp {
    let today = paris_instant(paris_date(now), at);
    if today > now {
        today
    } else {
        paris_instant(paris_date(now) + 1.day(), at)
    }
}

/// Runs the processing every night at `at` (Paris time) until shutdown. Several instances
/// may all schedule it: the lease lets one run and the others find nothing to do.
pub async fn nightly(db: Db, clock: Clock, at: Time, mut shutdown: watch::Receiver<bool>) {
    loop {
        let now = clock.now();
        let wait = next_run(now, at)
            .duration_since(now)
            .max(SignedDuration::ZERO);
        let wait = Duration::try_from(wait).unwrap_or(Duration::from_secs(60));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        match night::process(&db, &clock).await {
            Ok(RunOutcome::Done(s)) => tracing::info!(
                requests = s.requests,
                reports = s.reports,
                promotions = s.promotions,
                "processing run finished"
            ),
            Ok(RunOutcome::Busy) => tracing::info!("processing run already in progress elsewhere"),
            Err(error) => tracing::error!(%error, "processing run failed; the next one resumes it"),
        }
        match night::record_consommations(&db, clock.today()).await {
            Ok(consommations) => tracing::info!(consommations, "consommations recorded"),
            Err(error) => {
                tracing::error!(%error, "recording consommations failed; the next night records what is left")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_next_run_is_tonight_or_tomorrow_night_in_paris() {
        let two = Time::constant(2, 0, 0, 0);
        // 22:00 Paris in winter (21:00 UTC): the run is at 02:00 the next day (01:00 UTC).
        let evening: Timestamp = "2027-01-15T21:00:00Z".parse().unwrap();
        assert_eq!(next_run(evening, two).to_string(), "2027-01-16T01:00:00Z");
        // 01:00 Paris: the run is an hour later, the same day.
        let night: Timestamp = "2027-01-15T00:00:00Z".parse().unwrap();
        assert_eq!(next_run(night, two).to_string(), "2027-01-15T01:00:00Z");
        // In summer 02:00 Paris is 00:00 UTC.
        let summer: Timestamp = "2027-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(next_run(summer, two), paris_instant(date(2027, 7, 2), two));
    }
}
