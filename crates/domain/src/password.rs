//! Password hashing (Argon2id). Parameters come from configuration; a hash made with
//! weaker parameters than the configured ones is reported so the caller can upgrade it at
//! the next successful login.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    /// OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        HashParams {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid Argon2 parameters: {0}")]
    Params(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    Invalid,
    Valid,
    /// Right password, but hashed with other parameters than the configured ones.
    ValidNeedsRehash,
}

#[derive(Clone, Debug)]
pub struct PasswordHashing {
    params: HashParams,
    argon: Argon2<'static>,
    /// Argon2 computations done, shared by the clones: what a login costs is counted, not
    /// timed (a stored value that is no hash costs nothing, and would tell it apart).
    computed: Arc<AtomicU64>,
}

impl PasswordHashing {
    pub fn new(params: HashParams) -> Result<Self, HashError> {
        let p = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| HashError::Params(e.to_string()))?;
        Ok(PasswordHashing {
            params,
            argon: Argon2::new(Algorithm::Argon2id, Version::V0x13, p),
            computed: Arc::default(),
        })
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    /// How many Argon2 computations this hashing and its clones have done.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        self.computed.fetch_add(1, Ordering::Relaxed);
        self.argon
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    }

    pub fn verify(&self, password: &str, stored: &str) -> Verification {
        // The stored string carries its own parameters; Argon2 verifies with those.
        if stored.starts_with("$argon2") {
            self.computed.fetch_add(1, Ordering::Relaxed);
        }
        if self
            .argon
            .verify_password(password.as_bytes(), stored)
            .is_err()
        {
            return Verification::Invalid;
        }
        if stored.starts_with(&self.phc_prefix()) {
            Verification::Valid
        } else {
            Verification::ValidNeedsRehash
        }
    }

    fn phc_prefix(&self) -> String {
        let HashParams {
            memory_kib,
            iterations,
            parallelism,
        } = self.params;
        format!("$argon2id$v=19$m={memory_kib},t={iterations},p={parallelism}$")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap(memory_kib: u32) -> PasswordHashing {
        PasswordHashing::new(HashParams {
            memory_kib,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[test]
    fn verifies_the_right_password_only() {
        let h = cheap(64);
        let stored = h.hash("Correct-Horse-9!").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_eq!(h.verify("Correct-Horse-9!", &stored), Verification::Valid);
        assert_eq!(h.verify("correct-horse-9!", &stored), Verification::Invalid);
        assert_eq!(h.verify("anything", "not a hash"), Verification::Invalid);
    }

    #[test]
    fn salts_differ_between_hashes() {
        let h = cheap(64);
        assert_ne!(h.hash("same").unwrap(), h.hash("same").unwrap());
    }

    #[test]
    fn raised_parameters_ask_for_a_rehash() {
        let stored = cheap(64).hash("secret-Passw0rd").unwrap();
        assert_eq!(
            cheap(128).verify("secret-Passw0rd", &stored),
            Verification::ValidNeedsRehash
        );
    }
}

/// An initial password for a letter or a mail from the town hall: 15 characters in three
/// groups, without look-alike characters (0/O, 1/l/I), easy to type from paper. The family
/// replaces it at first login.
pub fn generate_initial_password() -> String {
    use rand::seq::IndexedRandom;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let group = |rng: &mut rand::rngs::ThreadRng| -> String {
        (0..5)
            .map(|_| *ALPHABET.choose(rng).expect("non-empty alphabet") as char)
            .collect()
    };
    format!(
        "{}-{}-{}",
        group(&mut rng),
        group(&mut rng),
        group(&mut rng)
    )
}

#[cfg(test)]
mod initial_password_tests {
    use super::generate_initial_password;

    #[test]
    fn initial_passwords_are_random_and_unambiguous() {
        let a = generate_initial_password();
        assert_eq!(a.len(), 17);
        assert_ne!(a, generate_initial_password());
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
