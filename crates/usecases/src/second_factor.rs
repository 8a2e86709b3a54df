//! The staff's second factor (R-BO-1; ASVS level 2 on administration interfaces): one-time
//! codes from an authenticator application. Once on, the password alone opens no session:
//! the sign-in's challenge waits for a code, counted across sign-ins so that a known
//! password gives a few tries a day, not a million.

use jiff::{SignedDuration, Timestamp};
use ribambelle_domain::{
    ids::StaffId,
    second_factor as codes,
    session::{Throttle, ThrottlePolicy},
};
use ribambelle_store::{Db, outbox, second_factor as store, throttle};

pub use ribambelle_store::second_factor::SecondFactor;

use crate::{Error, accounts::NewMail};

fn unix_seconds(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

fn code_error(e: codes::SecondFactorError) -> Error {
    Error::Unexpected(match e {
        codes::SecondFactorError::Random(_) => "no randomness for a second-factor secret",
        _ => "a second-factor secret that does not read",
    })
}

/// What became of a code typed at sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInCode {
    /// Right: the session may open for this staff member.
    Accepted(StaffId),
    /// The challenge expired or never was: start again from the password.
    Expired,
    /// Codes come too fast: wait this long.
    Wait(SignedDuration),
    /// Wrong: asked again on the same challenge.
    Wrong,
    /// Too many wrong on this challenge: start again from the password.
    ChallengeSpent,
    /// Too many wrong codes for the account: refused for a while (the staff member and
    /// the administrateurs are told by mail when it starts).
    Locked,
}

/// The code typed for a sign-in's challenge. When the account's codes become refused, the
/// staff member and the administrateurs are told with `lock_mail(login, until)`.
pub async fn sign_in_code(
    db: &Db,
    challenge: &str,
    code: &str,
    now: Timestamp,
    lock_mail: impl FnOnce(&str, Timestamp) -> (String, String),
) -> Result<SignInCode, Error> {
    let Some(staff_id) = store::challenger(db, challenge, now).await? else {
        return Ok(SignInCode::Expired);
    };
    // Counted before it is checked, across sign-ins.
    let code_key = throttle::code_key(staff_id);
    let counted = match throttle::claim(db, &code_key, &ThrottlePolicy::SECOND_FACTOR, now).await? {
        Ok(counted) => counted,
        Err(Throttle::Wait(wait)) => return Ok(SignInCode::Wait(wait)),
        Err(_) => {
            store::end(db, challenge).await?;
            return Ok(SignInCode::Locked);
        }
    };
    let factor = store::of(db, staff_id).await?;
    let secret = factor
        .secret
        .ok_or(Error::Unexpected("second factor without a secret"))?;
    let step =
        codes::verify(&secret, code, unix_seconds(now), factor.last_step).map_err(code_error)?;
    if let Some(step) = step
        && store::use_step(db, staff_id, step).await?
    {
        throttle::clear(db, &code_key).await?;
        store::end(db, challenge).await?;
        return Ok(SignInCode::Accepted(staff_id));
    }
    if let Some(until) = counted.locked_until {
        store::end(db, challenge).await?;
        tell_codes_refused(db, staff_id, until, now, lock_mail).await?;
        return Ok(SignInCode::Locked);
    }
    if store::fail(db, challenge).await? {
        return Ok(SignInCode::Wrong);
    }
    store::end(db, challenge).await?;
    Ok(SignInCode::ChallengeSpent)
}

/// Tells the staff member and the administrateurs that the codes are refused: someone may
/// know the password.
async fn tell_codes_refused(
    db: &Db,
    staff_id: StaffId,
    until: Timestamp,
    now: Timestamp,
    mail: impl FnOnce(&str, Timestamp) -> (String, String),
) -> Result<(), Error> {
    let (login, recipients) = store::lock_recipients(db, staff_id).await?;
    if recipients.is_empty() {
        tracing::warn!(
            staff = %staff_id,
            "second-factor codes refused, nobody to tell by mail"
        );
        return Ok(());
    }
    let (subject, body_text) = mail(&login, until);
    let mail = NewMail {
        recipients,
        subject,
        body_text,
        body_html: None,
    };
    outbox::enqueue_alone(db, &mail, now).await?;
    tracing::warn!(
        staff = %staff_id,
        "second-factor codes refused, staff and administrateurs told"
    );
    Ok(())
}

/// The staff member's second factor as it stands.
pub async fn of(db: &Db, staff: StaffId) -> Result<SecondFactor, Error> {
    Ok(store::of(db, staff).await?)
}

/// A new secret for the staff member to add to an authenticator application; codes are
/// asked only once a first one confirms it.
pub async fn prepare(db: &Db, staff: StaffId) -> Result<(), Error> {
    let secret = codes::new_secret().map_err(code_error)?;
    store::prepare(db, staff, &secret).await?;
    Ok(())
}

/// The code's step if it is right and not used yet.
async fn checked_code(
    db: &Db,
    staff: StaffId,
    code: &str,
    now: Timestamp,
) -> Result<Option<u64>, Error> {
    let factor = store::of(db, staff).await?;
    let Some(secret) = factor.secret else {
        return Ok(None);
    };
    codes::verify(&secret, code, unix_seconds(now), factor.last_step).map_err(code_error)
}

/// « Activer »: the first code confirms that the application has the secret. False when
/// the code is wrong or already used.
pub async fn enable(db: &Db, staff: StaffId, code: &str, now: Timestamp) -> Result<bool, Error> {
    Ok(match checked_code(db, staff, code, now).await? {
        Some(step) => store::enable(db, staff, step, now).await?,
        None => false,
    })
}

/// « Désactiver » takes a current code, so that a session left open is not enough.
pub async fn disable(db: &Db, staff: StaffId, code: &str, now: Timestamp) -> Result<bool, Error> {
    match checked_code(db, staff, code, now).await? {
        Some(step) if store::use_step(db, staff, step).await? => {
            store::disable(db, staff, now).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
