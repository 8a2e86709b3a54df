use ribambelle_store::Db;

/// What the web layer needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address families reach the portal at, e.g. `https://famille.carteville.fr`.
    /// Links in mails are built from it, never from the request's Host header.
    pub public_url: String,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: std::sync::Arc<WebConfig>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState { db, config: std::sync::Arc::new(config) }
    }
}
