//! The staff's second factor (ASVS level 2 asks for one on administration interfaces): a
//! time-based one-time password (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), which
//! every authenticator application reads from an `otpauth://` address. A code is accepted
//! one step early or late (clocks drift) and never twice: the step it matched is returned
//! so that the caller refuses any step not after the last one used.

use rand::TryRngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("the system's random generator failed: {0}")]
    Random(String),
    #[error("invalid second-factor secret: {0}")]
    Secret(String),
}

/// A new secret, in the base32 form authenticator applications show and accept.
pub fn new_secret() -> Result<String, SecondFactorError> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| SecondFactorError::Random(e.to_string()))?;
    Ok(Secret::new_stack(bytes).to_base32())
}

fn totp(secret: &str, issuer: &str, account: &str) -> Result<Totp, SecondFactorError> {
    let secret =
        Secret::try_from_base32(secret).map_err(|e| SecondFactorError::Secret(format!("{e:?}")))?;
    // The label's parts may not contain a colon (otpauth format).
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| SecondFactorError::Secret(format!("{e:?}")))
}

/// The `otpauth://` address to show as a QR code.
pub fn otpauth_url(secret: &str, issuer: &str, account: &str) -> Result<String, SecondFactorError> {
    totp(secret, issuer, account)?
        .to_url()
        .map_err(|e| SecondFactorError::Secret(format!("{e:?}")))
}

/// The time step of `unix_seconds`.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The step `code` belongs to, if it is the code of the current step or of the one before
/// or after, and that step comes after `last_used` (a code is good once).
pub fn verify(
    secret: &str,
    code: &str,
    unix_seconds: u64,
    last_used: Option<u64>,
) -> Result<Option<u64>, SecondFactorError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let matched = totp(secret, "Ribambelle", "verification")?.check(&code, unix_seconds);
    Ok(matched.filter(|&step| last_used.is_none_or(|last| step > last)))
}

/// The code of `unix_seconds`, for tests and the demo.
pub fn code_at(secret: &str, unix_seconds: u64) -> Result<String, SecondFactorError> {
    Ok(totp(secret, "Ribambelle", "verification")?
        .generate(unix_seconds)
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 secret « 12345678901234567890 » gives 94287082 at
    /// 59 s, whose last six digits are the 6-digit code.
    #[test]
    fn the_rfc_vector_gives_its_code() -> Result<(), Box<dyn std::error::Error>> {
        let secret = Secret::new_stack(*b"12345678901234567890").to_base32();
        assert_eq!(code_at(&secret, 59)?, "287082");
        assert_eq!(code_at(&secret, 1_111_111_109)?, "081804");
        Ok(())
    }

    #[test]
    fn a_code_is_good_one_step_around_and_only_once() -> Result<(), Box<dyn std::error::Error>> {
        let secret = new_secret()?;
        let now = 1_800_000_000;
        let code = code_at(&secret, now)?;
        assert_eq!(verify(&secret, &code, now, None)?, Some(step_of(now)));
        assert_eq!(
            verify(
                &secret,
                &format!("{} {}", &code[..3], &code[3..]),
                now + 30,
                None
            )?,
            Some(step_of(now)),
            "spaces and one step late"
        );
        assert_eq!(
            verify(&secret, &code, now + 90, None)?,
            None,
            "three steps late"
        );
        assert_eq!(
            verify(&secret, &code, now, Some(step_of(now)))?,
            None,
            "already used"
        );
        assert_eq!(verify(&secret, "12345", now, None)?, None);
        assert_eq!(verify(&secret, "abcdef", now, None)?, None);
        Ok(())
    }

    #[test]
    fn the_address_names_the_portal_and_the_account() -> Result<(), Box<dyn std::error::Error>> {
        let secret = new_secret()?;
        let url = otpauth_url(&secret, "Ribambelle: Mairie", "gestion")?;
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&format!("secret={secret}")), "{url}");
        assert!(url.contains("issuer=Ribambelle"), "{url}");
        Ok(())
    }
}
