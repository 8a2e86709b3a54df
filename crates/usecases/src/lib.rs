//! What the portal's users do, one public function per action, named with the product's
//! words: the web layer extracts a request and calls one of them; the binary's jobs call
//! the same ones. Each opens its transaction, applies the domain's rules, writes what it
//! must and returns a typed outcome; none knows about HTTP.
//!
//! Areas move here one at a time from `web` and `store` (see README, Architecture).

pub mod accounts;
pub mod attendance;
pub mod billing;
pub mod catalog;
pub mod dossier;
mod error;
pub mod families;
pub mod history;
pub mod home;
pub mod journal;
pub mod legal;
pub mod night;
pub mod notices;
pub mod office;
pub mod payments;
pub mod personnel;
pub mod reservations;
pub mod resets;
pub mod second_factor;
pub mod sessions;
pub mod structures;

pub use error::Error;
/// The database every use case is given.
pub use ribambelle_store::Db;
