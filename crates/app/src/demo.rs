use ribambelle_store::{demo, portal};

use crate::{config::DemoArgs, setup};

/// `ribambelle demo [--families N]`: the fixed demo into an empty database, then N
/// synthetic families.
pub async fn run(args: DemoArgs) -> Result<(), setup::AppError> {
    let (db, hashing) = setup::open(&args.common).await?;
    let clock = setup::clock(&args.common, &db, true).await?;
    let empty = portal::is_empty(&db).await?;
    if empty {
        demo::load(&db, &hashing, &clock).await?;
        println!("Données de démonstration chargées.");
    } else if args.families == 0 && args.requests == 0 {
        return Err(demo::DemoError::NotEmpty.into());
    }
    if args.families > 0 {
        let report = demo::add_families(&db, &hashing, args.families, clock.now()).await?;
        println!(
            "{} familles ajoutées ({} enfants, {} réservations, {} consommations) en {:.1} s. \
             Identifiants famille000001…, mot de passe « {} ».",
            report.families,
            report.children,
            report.reservations,
            report.consommations,
            report.seconds,
            demo::SYNTHETIC_PASSWORD
        );
    }
    if args.requests > 0 {
        let started = std::time::Instant::now();
        let added = demo::add_requests(&db, args.requests, clock.now()).await?;
        println!(
            "{added} demandes non transmises ajoutées en {:.1} s.",
            started.elapsed().as_secs_f64()
        );
    }
    db.close().await;
    Ok(())
}
