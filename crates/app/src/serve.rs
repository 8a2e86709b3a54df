use std::time::Duration;

use ribambelle_domain::clock::Clock;
use ribambelle_mail::{Sender, Transport, TransportSettings};
use ribambelle_store::{demo, pieces::FileStore, portal};
use ribambelle_web::{AppState, PasswordQueueLimits, WebConfig};
use tokio::sync::watch;

use crate::{
    config::ServeArgs,
    connections::{self, ConnectionLimits},
    maintenance, payments, process, setup,
};

/// `ribambelle serve`: the portal over HTTP, and the mail sender beside it, until SIGTERM
/// or Ctrl+C; then requests in flight finish and the database is closed cleanly.
pub async fn run(args: ServeArgs) -> Result<(), setup::AppError> {
    let nightly_at: Option<jiff::civil::Time> = match args.process_at.as_str() {
        "off" => None,
        at => Some(
            at.parse()
                .map_err(|_| setup::AppError::ProcessAt(at.to_owned()))?,
        ),
    };
    let (db, hashing) = setup::open(&args.common).await?;
    let clock = setup::clock(&args.common, &db, args.demo).await?;
    let demo_loaded = if args.demo {
        load_demo_if_empty(&db, &hashing, &clock).await?
    } else {
        false
    };

    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let transport_settings = args.common.transport();
    let transport = Transport::new(&args.common.mail.mail_from, &transport_settings)?
        .with_portal_link(&public_url);
    let (stop_tx, stop_rx) = watch::channel(false);
    let sender = Sender::new(db.clone(), transport, clock);
    let sender_task = tokio::spawn(sender.run(
        Duration::from_secs(args.common.mail.mail_interval.max(1)),
        stop_rx.clone(),
    ));
    let maintenance_task = tokio::spawn(maintenance::run(
        db.clone(),
        clock,
        Duration::from_secs(600),
        stop_rx.clone(),
    ));
    let payments_task = tokio::spawn(payments::reconcile(
        db.clone(),
        clock,
        public_url.clone(),
        Duration::from_secs(60),
        stop_rx.clone(),
    ));
    let nightly_task =
        nightly_at.map(|at| tokio::spawn(process::nightly(db.clone(), clock, at, stop_rx)));

    let files = FileStore::local(&args.files_dir()).map_err(setup::AppError::Files)?;
    let mut config = WebConfig::new(public_url.clone());
    let at_once = args
        .hashes_at_once
        .unwrap_or(config.password_queue.at_once)
        .max(1);
    config.password_queue = PasswordQueueLimits {
        at_once,
        waiting: args.login_queue.unwrap_or(64 * at_once),
        ..config.password_queue
    };
    config.simulated_bank = args.demo || args.simulated_bank;
    let simulated_bank = config.simulated_bank;
    let state = AppState::new(db.clone(), config, hashing, files, clock);
    let limits = connections::fit_to_file_limit(ConnectionLimits {
        max_connections: args.max_connections.max(1),
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        backlog: args.listen_backlog.max(1),
    });
    let listener = connections::bind(args.listen, limits.backlog).map_err(|source| {
        setup::AppError::Listen {
            addr: args.listen.to_string(),
            source,
        }
    })?;
    tracing::info!(listen = %args.listen, %public_url, max_connections = limits.max_connections, backlog = limits.backlog, hashes_at_once = at_once, "portal listening");
    if args.demo {
        print_welcome(&public_url, demo_loaded, &transport_settings);
    }

    let app = if simulated_bank {
        payments::with_simulated_bank(ribambelle_web::router(state), &db, &public_url, clock)
            .await?
    } else {
        payments::warn_simulated_regies(&db).await?;
        ribambelle_web::router(state)
    };
    connections::serve(listener, app, limits, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    let _ = sender_task.await;
    let _ = maintenance_task.await;
    let _ = payments_task.await;
    if let Some(task) = nightly_task {
        let _ = task.await;
    }
    db.close().await;
    tracing::info!("portal stopped");
    Ok(())
}

async fn load_demo_if_empty(
    db: &ribambelle_store::Db,
    hashing: &ribambelle_domain::password::PasswordHashing,
    clock: &Clock,
) -> Result<bool, setup::AppError> {
    if !portal::is_empty(db).await? {
        tracing::info!("database already holds data: demo not reloaded");
        return Ok(false);
    }
    demo::load(db, hashing, clock).await?;
    Ok(true)
}

fn print_welcome(public_url: &str, loaded: bool, transport: &TransportSettings) {
    let mut text = String::new();
    text.push_str(&format!(
        "\nRibambelle — Portail Famille prêt : {public_url}\n"
    ));
    if !loaded {
        text.push_str(
            "(la base contenait déjà des données : la démonstration n'a pas été rechargée)\n",
        );
    }
    text.push_str("Comptes de démonstration :\n");
    for account in demo::DEMO_ACCOUNTS {
        text.push_str(&format!(
            "  - {} : identifiant « {} », mot de passe « {} »\n",
            account.who, account.identifiant, account.password
        ));
    }
    if let TransportSettings::Folder(path) = transport {
        text.push_str(&format!(
            "Les mails envoyés sont écrits dans {}\n",
            path.display()
        ));
    }
    text.push_str("Paiement en ligne : une banque simulée (aucune carte demandée) dans « Paiement et Solde »\n");
    text.push_str("Arrêt : Ctrl+C\n");
    println!("{text}");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown requested");
}
