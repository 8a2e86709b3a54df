//! What every command does first: logs, the data folder, the database.

use ribambelle_domain::password::{HashError, PasswordHashing};
use ribambelle_store::{Db, StoreError};
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{CommonArgs, LogFormat};

/// A command's failure, as told to the person who ran it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("impossible de créer le dossier de données {path} : {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("base de données : {0}")]
    Store(#[from] StoreError),
    #[error("dossier des pièces justificatives : {0}")]
    Files(StoreError),
    #[error("{0}")]
    Demo(#[from] ribambelle_store::demo::DemoError),
    #[error("paramètres Argon2 : {0}")]
    Hash(#[from] HashError),
    #[error("mail : {0}")]
    Mail(#[from] ribambelle_mail::MailError),
    #[error("écoute sur {addr} impossible : {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("banque simulée : {0}")]
    SimulatedBank(#[from] ribambelle_web::payments::SimulatedBankError),
    #[error("serveur : {0}")]
    Serve(std::io::Error),
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
    #[error("le mail de test n'a pas pu être envoyé ; il reste dans la file d'envoi (voir les journaux)")]
    TestMailNotSent,
}

pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second initialisation (only in tests) is harmless, so its error is ignored.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub async fn open(common: &CommonArgs) -> Result<(Db, PasswordHashing), AppError> {
    init_logs(common.log_format);
    std::fs::create_dir_all(&common.data_dir)
        .map_err(|source| AppError::DataDir { path: common.data_dir.display().to_string(), source })?;
    let hashing = PasswordHashing::new(common.hash_params())?;
    let db = Db::connect(&common.database_url()).await?;
    tracing::info!(backend = ?db.backend(), "database ready");
    Ok((db, hashing))
}
