//! Signing in (R-CPT): a login checked against the throttles and the stored hash, the
//! current password asked before a change to the account, the new password saved, and
//! where a family goes once signed in. Every Argon2id hash waits its turn in the
//! password queue.

pub mod password_queue;

use jiff::Timestamp;
use ribambelle_domain::{
    ids::{FamilyId, StaffId},
    password::{PasswordHashing, Verification},
    session::{Throttle, ThrottlePolicy},
};
use ribambelle_store::{Db, accounts, throttle};

use crate::legal;

pub use password_queue::{PasswordQueue, PasswordQueueFigures, PasswordQueueLimits};
pub use ribambelle_store::{
    accounts::{Credentials, FamilyAccount, StaffAccount},
    outbox::NewMail,
};

use crate::{Error, sessions::Principal};
use password_queue::Turn;

/// Why a login was refused. The family is never told which of the two was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    Wrong,
    Throttled(Throttle),
}

#[derive(Clone, Debug)]
pub struct Authenticated {
    pub credentials: Credentials,
    /// The hash was made with weaker parameters than today's.
    pub needs_rehash: bool,
}

/// Where a family goes after signing in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// Its first password, in place of the one it was given.
    FirstPassword,
    /// The texts to accept.
    Consents,
    /// The règlements intérieurs to sign.
    Reglements,
    Home,
}

/// The passwords of one portal: its database, the queue every hash waits in, and the
/// hashing setting (for the decoy).
#[derive(Clone, Copy, Debug)]
pub struct Passwords<'a> {
    pub db: &'a Db,
    pub queue: &'a PasswordQueue,
    pub hashing: &'a PasswordHashing,
}

/// A PHC string of a password nobody knows, verified when the identifiant is unknown so
/// that a wrong identifiant takes as long as a wrong password.
static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

impl Passwords<'_> {
    /// Argon2 is slow on purpose: it runs on the blocking pool, not on the request
    /// threads, and waits for its turn in the password queue.
    pub async fn verify(&self, password: String, hash: String) -> Result<Verification, Error> {
        self.queue
            .run(move |hashing| hashing.verify(&password, &hash))
            .await
            .map_err(|_| Error::Busy)
    }

    pub async fn hash(&self, password: String) -> Result<String, Error> {
        self.queue
            .run(move |hashing| hashing.hash(&password))
            .await
            .map_err(|_| Error::Busy)?
            .map_err(|e| Error::Unhashable(e.to_string()))
    }

    /// A password checked against `stored` with its attempt counted first on each of
    /// `keys`: the turn comes first (an attempt sent to the waiting page was not made),
    /// then each count, before the hash is computed, so that attempts sent at once cannot
    /// all be checked before the first failure is recorded. The attempt stays counted as
    /// a failure; the caller clears or forgives it when the password was right. The turn
    /// is held until the caller is done.
    async fn counted_check(
        &self,
        keys: &[(&str, ThrottlePolicy)],
        password: &str,
        stored: String,
        now: Timestamp,
    ) -> Result<Result<(Verification, Turn), Throttle>, Error> {
        let mut turn = self.queue.turn().await.map_err(|_| Error::Busy)?;
        for (counted, (key, policy)) in keys.iter().enumerate() {
            if let Err(decision) = throttle::claim(self.db, key, policy, now).await? {
                self.forgive(&keys[..counted]).await?;
                return Ok(Err(decision));
            }
        }
        let password = password.to_owned();
        let Ok(verification) = turn
            .run(move |hashing| hashing.verify(&password, &stored))
            .await
        else {
            self.forgive(keys).await?;
            return Err(Error::Busy);
        };
        Ok(Ok((verification, turn)))
    }

    async fn forgive(&self, keys: &[(&str, ThrottlePolicy)]) -> Result<(), Error> {
        for (key, policy) in keys {
            throttle::forgive(self.db, key, policy).await?;
        }
        Ok(())
    }

    /// « Se connecter »: a login checked against the throttles (per account and per
    /// address) and the stored hash; the outcome is recorded.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
        address: &str,
        credentials: Option<Credentials>,
        now: Timestamp,
    ) -> Result<Result<Authenticated, LoginRefusal>, Error> {
        // An account with no password yet opens with none: it is checked as an unknown
        // one, against the decoy, so that its answer takes as long as any other's.
        let credentials = credentials.filter(|c| !c.password_hash.is_empty());
        let account_key = throttle::account_key(login);
        let address_key = throttle::address_key(address);
        let stored = match &credentials {
            Some(c) => c.password_hash.clone(),
            None => DECOY
                .get_or_init(|| {
                    self.hashing
                        .hash("leurre-jamais-utilise")
                        .unwrap_or_default()
                })
                .clone(),
        };
        let keys = [
            (account_key.as_str(), ThrottlePolicy::ACCOUNT),
            (address_key.as_str(), ThrottlePolicy::ADDRESS),
        ];
        let (verification, _turn) = match self.counted_check(&keys, password, stored, now).await? {
            Ok(checked) => checked,
            Err(decision) => return Ok(Err(LoginRefusal::Throttled(decision))),
        };
        match (credentials, verification) {
            (Some(credentials), Verification::Valid | Verification::ValidNeedsRehash) => {
                throttle::clear(self.db, &account_key).await?;
                self.forgive(&keys[1..]).await?;
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

    /// The current password of a signed-in account, asked before a change to the
    /// account: counted on the account as a login is, so that a session left open on a
    /// shared computer does not let anyone try passwords at the queue's pace.
    pub async fn check_current(
        &self,
        login: &str,
        given: &str,
        stored: String,
        now: Timestamp,
    ) -> Result<Result<(), LoginRefusal>, Error> {
        if given.is_empty() {
            return Ok(Err(LoginRefusal::Wrong));
        }
        let account_key = throttle::account_key(login);
        match self
            .counted_check(
                &[(account_key.as_str(), ThrottlePolicy::ACCOUNT)],
                given,
                stored,
                now,
            )
            .await?
        {
            Err(decision) => Ok(Err(LoginRefusal::Throttled(decision))),
            Ok((Verification::Invalid, _)) => Ok(Err(LoginRefusal::Wrong)),
            Ok((_, _turn)) => {
                throttle::clear(self.db, &account_key).await?;
                Ok(Ok(()))
            }
        }
    }

    /// The family's current password hash (empty when it has none yet).
    pub async fn family_hash(&self, family: FamilyId) -> Result<String, Error> {
        Ok(accounts::family_password_hash(self.db, family)
            .await?
            .unwrap_or_default())
    }

    /// A password the family chose, hashed and saved: the first-login state ends, and so
    /// do its other sessions except `keep` (the one it is changing it from); `notice` is
    /// queued in the same transaction.
    pub async fn set_family_password(
        &self,
        family: FamilyId,
        password: String,
        keep: Option<&str>,
        notice: Option<&NewMail>,
        now: Timestamp,
    ) -> Result<(), Error> {
        let hash = self.hash(password).await?;
        accounts::set_family_password(self.db, family, &hash, true, keep, notice, now).await?;
        Ok(())
    }
}

impl Passwords<'_> {
    /// A staff member's current password hash (empty when none).
    pub async fn staff_hash(&self, login: &str) -> Result<String, Error> {
        Ok(accounts::staff_credentials(self.db, login)
            .await?
            .map(|c| c.password_hash)
            .unwrap_or_default())
    }

    /// A staff member's own new password, hashed and saved; its other sessions end.
    pub async fn set_own_staff_password(
        &self,
        staff: StaffId,
        password: String,
        keep: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        let hash = self.hash(password).await?;
        ribambelle_store::staff_admin::reset_password(
            self.db,
            staff,
            staff,
            &hash,
            Some(keep),
            now,
        )
        .await?;
        Ok(())
    }
}

/// Where a family goes after signing in: its first password, the texts to accept, the
/// règlements to sign, then the home page.
pub async fn next_step(
    db: &Db,
    family: FamilyId,
    must_change_password: bool,
) -> Result<NextStep, Error> {
    if must_change_password {
        return Ok(NextStep::FirstPassword);
    }
    if !legal::pending(db, family).await?.is_empty() {
        return Ok(NextStep::Consents);
    }
    let reglements = legal::reglements(db, family).await?;
    if reglements.iter().any(|r| r.signature.is_none()) {
        return Ok(NextStep::Reglements);
    }
    Ok(NextStep::Home)
}

/// The family's addresses, in its order (the first receives payment tickets); none is
/// allowed, letters are then posted.
pub async fn set_family_emails(
    db: &Db,
    family: FamilyId,
    emails: &[String],
    now: Timestamp,
) -> Result<(), Error> {
    accounts::set_family_emails(db, family, emails, now).await?;
    Ok(())
}

/// Who signs in on a sign-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Family,
    Staff,
}

impl Passwords<'_> {
    /// The account a login names, with its hash.
    pub async fn credentials(
        &self,
        audience: Audience,
        login: &str,
    ) -> Result<Option<Credentials>, Error> {
        Ok(match audience {
            Audience::Family => accounts::family_credentials(self.db, login).await?,
            Audience::Staff => accounts::staff_credentials(self.db, login).await?,
        })
    }

    /// Re-hashes with the configured parameters, raised since the account's last login;
    /// a failure is logged, never the family's.
    pub async fn upgrade(&self, account: Principal, password: &str) {
        let Ok(hash) = self.hash(password.to_owned()).await else {
            return;
        };
        let saved = match account {
            Principal::Family(id) => accounts::rehash_family_password(self.db, id, &hash).await,
            Principal::Staff(id) => accounts::rehash_staff_password(self.db, id, &hash).await,
        };
        if let Err(error) = saved {
            tracing::warn!(%error, "password hash upgrade failed");
        }
    }
}

/// A staff member whose second factor is on gets a challenge after the password, and no
/// session before the code: its token, or `None` when the password is enough.
pub async fn second_factor_challenge(
    db: &Db,
    staff: StaffId,
    now: Timestamp,
) -> Result<Option<String>, Error> {
    if crate::second_factor::of(db, staff)
        .await?
        .enabled_at
        .is_none()
    {
        return Ok(None);
    }
    Ok(Some(
        ribambelle_store::second_factor::challenge(db, staff, now).await?,
    ))
}
