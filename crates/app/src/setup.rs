//! What every command does first: logs, the data folder, the database.

use ribambelle_domain::{
    clock::Clock,
    password::{HashError, PasswordHashing},
};
use ribambelle_store::{Db, StoreError, demo, portal};
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{CommonArgs, LogFormat};

/// A command's failure, as told to the person who ran it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("impossible de créer le dossier de données {path} : {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("base de données : {0}")]
    Store(#[from] StoreError),
    #[error("dossier des pièces justificatives : {0}")]
    Files(StoreError),
    #[error("{0}")]
    Demo(#[from] demo::DemoError),
    #[error("paramètres Argon2 : {0}")]
    Hash(#[from] HashError),
    #[error("mail : {0}")]
    Mail(#[from] ribambelle_mail::MailError),
    #[error("écoute sur {addr} impossible : {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    UseCase(#[from] ribambelle_usecases::Error),
    #[error("un traitement est déjà en cours sur une autre instance ; réessayez à sa fin")]
    RunBusy,
    #[error("heure du traitement de nuit invalide « {0} » (attendu HH:MM, ou « off »)")]
    ProcessAt(String),
    #[error("aucune structure n'a le nom court « {0} »")]
    UnknownStructure(String),
    #[error("régie refusée : {0}")]
    Regie(String),
    #[error("aucune famille n'a l'identifiant « {0} »")]
    UnknownFamily(String),
    #[error(
        "horloge déplacée refusée : elle se choisit en chargeant la démonstration dans une base vide \
         (--clock-start ne sert qu'aux démonstrations et aux tests)"
    )]
    ClockOnRealData,
    #[error(
        "le mail de test n'a pas pu être envoyé ; il reste dans la file d'envoi (voir les journaux)"
    )]
    TestMailNotSent,
}

pub fn init_logs(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second initialisation (only in tests) is harmless, so its error is ignored.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub async fn open(common: &CommonArgs) -> Result<(Db, PasswordHashing), AppError> {
    init_logs(common.log_format);
    std::fs::create_dir_all(&common.data_dir).map_err(|source| AppError::DataDir {
        path: common.data_dir.display().to_string(),
        source,
    })?;
    let hashing = PasswordHashing::new(common.hash_params())?;
    let db = Db::connect(&common.database_url()).await?;
    tracing::info!(backend = ?db.backend(), "database ready");
    Ok((db, hashing))
}

/// The clock every part of the command reads. A moved clock is for demonstrations and
/// tests: it is chosen when the command is about to load the demo into an empty database
/// (`loads_demo`), which keeps it for every later command and instance; any other
/// database refuses it.
pub async fn clock(common: &CommonArgs, db: &Db, loads_demo: bool) -> Result<Clock, AppError> {
    if let Some(saved) = demo::saved_clock(db).await? {
        tracing::warn!(now = %saved.now(), "the demo's database runs on the moved clock it was loaded with");
        return Ok(saved);
    }
    let Some(start) = common.clock_start else {
        return Ok(Clock::system());
    };
    if !(loads_demo && portal::is_empty(db).await?) {
        return Err(AppError::ClockOnRealData);
    }
    tracing::warn!(%start, "moved clock: the portal's « now » starts at this instant");
    Ok(Clock::starting_at(start))
}
