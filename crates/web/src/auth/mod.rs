//! Signing in and out, first login, texts to accept, règlement intérieur, password reset.

pub(crate) mod consents;
pub(crate) mod first_login;
pub(crate) mod login;
pub(crate) mod password_queue;
pub(crate) mod reglement;
pub(crate) mod reset;
pub(crate) mod waiting;

use ribambelle_domain::{
    french,
    password::Verification,
    session::{Throttle, ThrottlePolicy},
};
use ribambelle_store::{accounts::Credentials, throttle};

use crate::{AppState, error::AppError};

/// Why a login was refused. The family is never told which of the two was wrong.
pub(crate) enum LoginRefusal {
    Wrong,
    Throttled(Throttle),
}

pub(crate) struct Authenticated {
    pub credentials: Credentials,
    /// The hash was made with weaker parameters than today's.
    pub needs_rehash: bool,
}

/// A PHC string of a password nobody knows, verified when the identifiant is unknown so
/// that a wrong identifiant takes as long as a wrong password.
static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Argon2 is slow on purpose: it runs on the blocking pool, not on the request threads,
/// and waits for its turn in the password queue.
pub(crate) async fn verify_password(state: &AppState, password: String, hash: String) -> Result<Verification, AppError> {
    state.password_queue.run(move |hashing| hashing.verify(&password, &hash)).await.map_err(|_| AppError::Busy)
}

pub(crate) async fn hash_password(state: &AppState, password: String) -> Result<String, AppError> {
    state
        .password_queue
        .run(move |hashing| hashing.hash(&password))
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Checks a login against the throttles and the stored hash; records the outcome.
pub(crate) async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
    credentials: Option<Credentials>,
) -> Result<Result<Authenticated, LoginRefusal>, AppError> {
    let now = state.clock.now();
    // An account with no password yet opens with none: it is checked as an unknown one,
    // against the decoy, so that its answer takes as long as any other's.
    let credentials = credentials.filter(|c| !c.password_hash.is_empty());
    let account_key = throttle::account_key(login);
    let address_key = throttle::address_key(address);
    // The turn comes first: a family sent to the waiting page has made no attempt.
    let mut turn = state.password_queue.turn().await.map_err(|_| AppError::Busy)?;
    // Each attempt is counted before its hash is computed, so that attempts sent at once
    // cannot all be checked before the first failure is recorded.
    if let Err(decision) = throttle::claim(&state.db, &account_key, &ThrottlePolicy::ACCOUNT, now).await? {
        return Ok(Err(LoginRefusal::Throttled(decision)));
    }
    if let Err(decision) = throttle::claim(&state.db, &address_key, &ThrottlePolicy::ADDRESS, now).await? {
        throttle::forgive(&state.db, &account_key, &ThrottlePolicy::ACCOUNT).await?;
        return Ok(Err(LoginRefusal::Throttled(decision)));
    }
    let stored = match &credentials {
        Some(c) => c.password_hash.clone(),
        None => DECOY.get_or_init(|| state.hashing.hash("leurre-jamais-utilise").unwrap_or_default()).clone(),
    };
    let password = password.to_owned();
    let Ok(verification) = turn.run(move |hashing| hashing.verify(&password, &stored)).await else {
        throttle::forgive(&state.db, &account_key, &ThrottlePolicy::ACCOUNT).await?;
        throttle::forgive(&state.db, &address_key, &ThrottlePolicy::ADDRESS).await?;
        return Err(AppError::Busy);
    };
    match (credentials, verification) {
        (Some(credentials), Verification::Valid | Verification::ValidNeedsRehash) => {
            throttle::clear(&state.db, &account_key).await?;
            throttle::forgive(&state.db, &address_key, &ThrottlePolicy::ADDRESS).await?;
            Ok(Ok(Authenticated { credentials, needs_rehash: verification == Verification::ValidNeedsRehash }))
        }
        _ => {
            tracing::info!(login = %login, %address, "login refused");
            Ok(Err(LoginRefusal::Wrong))
        }
    }
}

impl LoginRefusal {
    /// What the login page says; a lock is lifted by the family's reset link, while staff
    /// have no such link and ask the administrateur.
    pub fn message(&self, audience: login::Audience) -> String {
        match (self, audience) {
            (LoginRefusal::Wrong, _) => "Identifiant ou mot de passe incorrect.".to_owned(),
            (LoginRefusal::Throttled(Throttle::Wait(wait)), _) => {
                format!("Trop de tentatives de connexion. Patientez {} avant de réessayer.", french::seconds(*wait))
            }
            (LoginRefusal::Throttled(_), login::Audience::Family) => "Trop de tentatives de connexion : l'accès est bloqué pendant 15 minutes. \
                 Pour le débloquer tout de suite, utilisez « Réinitialiser votre mot de passe » : le lien reçu par mail débloque aussi votre compte."
                .to_owned(),
            (LoginRefusal::Throttled(_), login::Audience::Staff) => "Trop de tentatives de connexion : l'accès est bloqué pendant 15 minutes. \
                 Si vous avez oublié votre mot de passe, demandez-en un nouveau à l'administrateur du portail."
                .to_owned(),
        }
    }
}

/// Where a family goes after signing in: its first password, the texts to accept, the
/// règlements to sign, then the home page.
pub(crate) async fn next_step(state: &AppState, family_id: i64, must_change_password: bool) -> Result<&'static str, AppError> {
    if must_change_password {
        return Ok("/premiere-connexion");
    }
    if !ribambelle_store::legal::pending_consents(&state.db, family_id).await?.is_empty() {
        return Ok("/conditions");
    }
    let reglements = ribambelle_store::legal::reglements(&state.db, family_id).await?;
    if reglements.iter().any(|r| r.signature.is_none()) {
        return Ok("/reglement-interieur");
    }
    Ok("/accueil")
}
