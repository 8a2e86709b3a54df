use std::sync::Arc;

use ribambelle_domain::{
    clock::Clock, password::PasswordHashing, password_policy::PasswordPolicy,
    session::SessionPolicy,
};
use ribambelle_usecases::{
    Db,
    accounts::{PasswordQueue, PasswordQueueLimits},
    dossier::FileStore,
};

use crate::auth::waiting::WaitingLogins;

/// What the web layer needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address families reach the portal at, e.g. `https://famille.carteville.fr`.
    /// Links in mails are built from it, never from the request's Host header.
    pub public_url: String,
    pub password_policy: PasswordPolicy,
    pub session_policy: SessionPolicy,
    pub password_queue: PasswordQueueLimits,
    /// Whether the simulated bank is served (the demo, development): never in production,
    /// where anyone could open operations there and have it settle payments.
    pub simulated_bank: bool,
}

impl WebConfig {
    pub fn new(public_url: impl Into<String>) -> WebConfig {
        WebConfig {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            password_policy: PasswordPolicy::default(),
            session_policy: SessionPolicy::default(),
            password_queue: PasswordQueueLimits::default(),
            simulated_bank: false,
        }
    }

    /// Cookies are marked Secure (and take the `__Host-` prefix) when the portal is
    /// served over HTTPS.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub hashing: Arc<PasswordHashing>,
    /// Every password hash waits its turn here.
    pub password_queue: Arc<PasswordQueue>,
    pub(crate) waiting_logins: Arc<WaitingLogins>,
    /// The pièces justificatives' content.
    pub files: FileStore,
    /// Where every handler reads « now ».
    pub clock: Clock,
}

impl AppState {
    pub fn new(
        db: Db,
        config: WebConfig,
        hashing: PasswordHashing,
        files: FileStore,
        clock: Clock,
    ) -> AppState {
        let password_queue = Arc::new(PasswordQueue::new(hashing.clone(), config.password_queue));
        AppState {
            db,
            config: Arc::new(config),
            hashing: Arc::new(hashing),
            password_queue,
            waiting_logins: Arc::default(),
            files,
            clock,
        }
    }
}
