use ribambelle_payment::PaymentError;
use ribambelle_store::StoreError;

/// What went wrong that is nobody's input: the database, or a régie whose saved
/// credentials no longer pass the provider's checks. The family's mistakes are outcomes,
/// not errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("payment provider: {0}")]
    Provider(#[from] PaymentError),
    /// Too many password hashes waiting: the portal is asked to wait, not broken.
    #[error("password queue full")]
    Busy,
    #[error("password hashing: {0}")]
    Unhashable(String),
    /// A path the code does not take; its context is in the message.
    #[error("unexpected: {0}")]
    Unexpected(&'static str),
}
