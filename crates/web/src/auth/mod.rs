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
use password_queue::Turn;

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
pub(crate) async fn verify_password(
    state: &AppState,
    password: String,
    hash: String,
) -> Result<Verification, AppError> {
    state
        .password_queue
        .run(move |hashing| hashing.verify(&password, &hash))
        .await
        .map_err(|_| AppError::Busy)
}

pub(crate) async fn hash_password(state: &AppState, password: String) -> Result<String, AppError> {
    state
        .password_queue
        .run(move |hashing| hashing.hash(&password))
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A password checked against `stored` with its attempt counted first on each of `keys`:
/// the turn comes first (an attempt sent to the waiting page was not made), then each
/// count, before the hash is computed, so that attempts sent at once cannot all be checked
/// before the first failure is recorded. The attempt stays counted as a failure; the
/// caller clears or forgives it when the password was right. The turn is held until the
/// caller is done.
async fn counted_check(
    state: &AppState,
    keys: &[(&str, ThrottlePolicy)],
    password: &str,
    stored: String,
) -> Result<Result<(Verification, Turn), Throttle>, AppError> {
    let now = state.clock.now();
    let mut turn = state
        .password_queue
        .turn()
        .await
        .map_err(|_| AppError::Busy)?;
    for (counted, (key, policy)) in keys.iter().enumerate() {
        if let Err(decision) = throttle::claim(&state.db, key, policy, now).await? {
            forgive(state, &keys[..counted]).await?;
            return Ok(Err(decision));
        }
    }
    let password = password.to_owned();
    let Ok(verification) = turn
        .run(move |hashing| hashing.verify(&password, &stored))
        .await
    else {
        forgive(state, keys).await?;
        return Err(AppError::Busy);
    };
    Ok(Ok((verification, turn)))
}

async fn forgive(state: &AppState, keys: &[(&str, ThrottlePolicy)]) -> Result<(), AppError> {
    for (key, policy) in keys {
        throttle::forgive(&state.db, key, policy).await?;
    }
    Ok(())
}

/// Checks a login against the throttles and the stored hash; records the outcome.
pub(crate) async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
    credentials: Option<Credentials>,
) -> Result<Result<Authenticated, LoginRefusal>, AppError> {
    // An account with no password yet opens with none: it is checked as an unknown one,
    // against the decoy, so that its answer takes as long as any other's.
    let credentials = credentials.filter(|c| !c.password_hash.is_empty());
    let account_key = throttle::account_key(login);
    let address_key = throttle::address_key(address);
    let stored = match &credentials {
        Some(c) => c.password_hash.clone(),
        None => DECOY
            .get_or_init(|| {
                state
                    .hashing
                    .hash("leurre-jamais-utilise")
                    .unwrap_or_default()
            })
            .clone(),
    };
    let keys = [
        (account_key.as_str(), ThrottlePolicy::ACCOUNT),
        (address_key.as_str(), ThrottlePolicy::ADDRESS),
    ];
    let (verification, _turn) = match counted_check(state, &keys, password, stored).await? {
        Ok(checked) => checked,
        Err(decision) => return Ok(Err(LoginRefusal::Throttled(decision))),
    };
    match (credentials, verification) {
        (Some(credentials), Verification::Valid | Verification::ValidNeedsRehash) => {
            throttle::clear(&state.db, &account_key).await?;
            forgive(state, &keys[1..]).await?;
            Ok(Ok(Authenticated {
                credentials,
                needs_rehash: verification == Verification::ValidNeedsRehash,
            }))
        }
        _ => {
            tracing::info!(login = %login, %address, "login refused");
            Ok(Err(LoginRefusal::Wrong))
        }
    }
}

/// The current password of a signed-in account, asked before a change to the account:
/// counted on the account as a login is, so that a session left open on a shared computer
/// does not let anyone try passwords at the queue's pace. The error is what the field says.
pub(crate) async fn check_current_password(
    state: &AppState,
    audience: login::Audience,
    login: &str,
    given: &str,
    stored: String,
) -> Result<Result<(), String>, AppError> {
    const WRONG: &str = "Le mot de passe actuel est incorrect.";
    if given.is_empty() {
        return Ok(Err(WRONG.to_owned()));
    }
    let account_key = throttle::account_key(login);
    match counted_check(
        state,
        &[(account_key.as_str(), ThrottlePolicy::ACCOUNT)],
        given,
        stored,
    )
    .await?
    {
        Err(decision) => Ok(Err(LoginRefusal::Throttled(decision).message(audience))),
        Ok((Verification::Invalid, _)) => Ok(Err(WRONG.to_owned())),
        Ok((_, _turn)) => {
            throttle::clear(&state.db, &account_key).await?;
            Ok(Ok(()))
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
pub(crate) async fn next_step(
    state: &AppState,
    family_id: i64,
    must_change_password: bool,
) -> Result<&'static str, AppError> {
    if must_change_password {
        return Ok("/premiere-connexion");
    }
    if !ribambelle_store::legal::pending_consents(&state.db, family_id)
        .await?
        .is_empty()
    {
        return Ok("/conditions");
    }
    let reglements = ribambelle_store::legal::reglements(&state.db, family_id).await?;
    if reglements.iter().any(|r| r.signature.is_none()) {
        return Ok("/reglement-interieur");
    }
    Ok("/accueil")
}
