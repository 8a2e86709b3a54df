//! Signing in and out, first login, texts to accept, règlement intérieur, password reset.

pub(crate) mod consents;
pub(crate) mod first_login;
pub(crate) mod login;
pub(crate) mod reglement;
pub(crate) mod reset;
pub(crate) mod waiting;

use ribambelle_domain::{french, ids::FamilyId, password::Verification, session::Throttle};
use ribambelle_usecases::accounts::{self, NextStep, Passwords};

pub(crate) use ribambelle_usecases::accounts::{Authenticated, Credentials, LoginRefusal};

use crate::{AppState, error::AppError};

impl AppState {
    /// This portal's passwords, as the use cases see them.
    pub(crate) fn passwords(&self) -> Passwords<'_> {
        Passwords {
            db: &self.db,
            queue: &self.password_queue,
            hashing: &self.hashing,
        }
    }
}

pub(crate) async fn verify_password(
    state: &AppState,
    password: String,
    hash: String,
) -> Result<Verification, AppError> {
    Ok(state.passwords().verify(password, hash).await?)
}

/// Checks a login against the throttles and the stored hash; records the outcome.
pub(crate) async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
    credentials: Option<Credentials>,
) -> Result<Result<Authenticated, LoginRefusal>, AppError> {
    Ok(state
        .passwords()
        .authenticate(login, password, address, credentials, state.clock.now())
        .await?)
}

/// The current password of a signed-in account, asked before a change to the account.
/// The error is what the field says.
pub(crate) async fn check_current_password(
    state: &AppState,
    audience: login::Audience,
    login: &str,
    given: &str,
    stored: String,
) -> Result<Result<(), String>, AppError> {
    Ok(
        match state
            .passwords()
            .check_current(login, given, stored, state.clock.now())
            .await?
        {
            Ok(()) => Ok(()),
            Err(LoginRefusal::Wrong) => Err("Le mot de passe actuel est incorrect.".to_owned()),
            Err(refusal) => Err(refusal_message(refusal, audience)),
        },
    )
}

/// What the login page says; a lock is lifted by the family's reset link, while staff
/// have no such link and ask the administrateur.
pub(crate) fn refusal_message(refusal: LoginRefusal, audience: login::Audience) -> String {
    {
        match (refusal, audience) {
            (LoginRefusal::Wrong, _) => "Identifiant ou mot de passe incorrect.".to_owned(),
            (LoginRefusal::Throttled(Throttle::Wait(wait)), _) => {
                format!("Trop de tentatives de connexion. Patientez {} avant de réessayer.", french::seconds(wait))
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
    family_id: FamilyId,
    must_change_password: bool,
) -> Result<&'static str, AppError> {
    Ok(
        match accounts::next_step(&state.db, family_id, must_change_password).await? {
            NextStep::FirstPassword => "/premiere-connexion",
            NextStep::Consents => "/conditions",
            NextStep::Reglements => "/reglement-interieur",
            NextStep::Home => "/accueil",
        },
    )
}
