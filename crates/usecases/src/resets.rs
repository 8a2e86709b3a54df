//! « Mot de passe oublié » (R-CPT-4): a link by mail to the family's address, valid once
//! and for a while; using it sets the new password, ends every session and unlocks the
//! account.

use jiff::{SignedDuration, Timestamp};
use ribambelle_store::{Db, accounts, resets};

pub use ribambelle_store::resets::ResetLink;

use crate::{
    Error,
    accounts::{FamilyAccount, NewMail, Passwords},
};

/// More links than this within an hour are not sent: the mailbox is not flooded.
const MAX_LINKS_PER_HOUR: i64 = 5;

/// What became of a request for a link. The family is told the same in every case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requested {
    Queued,
    /// No family has this identifiant and this address.
    Unknown,
    TooMany,
}

/// A link queued for the family named by its identifiant and one of its addresses, its
/// mail written by `mail` from the account and the link's token.
pub async fn request(
    db: &Db,
    identifiant: &str,
    email: &str,
    now: Timestamp,
    mail: impl FnOnce(&FamilyAccount, &str) -> NewMail,
) -> Result<Requested, Error> {
    let Some(account) = accounts::family_by_identifiant_and_email(db, identifiant, email).await?
    else {
        return Ok(Requested::Unknown);
    };
    if resets::requests_since(db, account.id, now - SignedDuration::from_hours(1)).await?
        >= MAX_LINKS_PER_HOUR
    {
        tracing::warn!(
            family = %account.id,
            "password reset: too many links asked in an hour"
        );
        return Ok(Requested::TooMany);
    }
    resets::create(db, account.id, now, |token| mail(&account, token)).await?;
    tracing::info!(family = %account.id, "password reset link queued");
    Ok(Requested::Queued)
}

/// Whether the link may still be used, and for which family's account.
pub async fn check(
    db: &Db,
    token: &str,
    now: Timestamp,
) -> Result<(ResetLink, Option<FamilyAccount>), Error> {
    let link = resets::check(db, token, now).await?;
    let account = match link {
        ResetLink::Valid { family_id } => crate::sessions::family_account(db, family_id).await?,
        _ => None,
    };
    Ok((link, account))
}

/// The link used: the new password hashed and saved, every session ended and the
/// notice to the family's addresses queued, at once; `false` when the link was used,
/// replaced or expired meanwhile, so that two submissions change the password once.
pub async fn complete(
    passwords: &Passwords<'_>,
    token: &str,
    password: String,
    now: Timestamp,
    notice: impl FnOnce(&[String]) -> Option<NewMail>,
) -> Result<bool, Error> {
    let hash = passwords.hash(password).await?;
    Ok(resets::complete(passwords.db, token, &hash, now, notice)
        .await?
        .is_some())
}
