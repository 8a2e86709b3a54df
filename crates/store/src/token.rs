//! Secret tokens (sessions, password-reset links): 256 random bits from the operating
//! system's generator, shown once to their owner; only their SHA-256 is stored, which is
//! enough for values with this much entropy.

use rand::TryRngCore;
use sha2::{Digest, Sha256};

use crate::StoreError;

pub fn new_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_stably() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}
