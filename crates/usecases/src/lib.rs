//! What the portal's users do, one public function per action, named with the product's
//! words: the web layer extracts a request and calls one of them; the binary's jobs call
//! the same ones. Each opens its transaction, applies the domain's rules, writes what it
//! must and returns a typed outcome; none knows about HTTP.
//!
//! Areas move here one at a time from `web` and `store` (see README, Architecture).

pub mod dossier;
mod error;
pub mod history;
pub mod home;
pub mod payments;
pub mod reservations;

pub use error::Error;
