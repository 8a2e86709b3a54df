//! Outgoing mail. Mails are queued in the database outbox by the use cases (see
//! `ribambelle_store::outbox`); the [`Sender`] delivers them through a [`Transport`]: SMTP in
//! production, or by default a folder where each mail is an RFC 5322 `.eml` file that a
//! newcomer can open.

mod sender;
mod transport;

pub use sender::{SendReport, Sender};
pub use transport::{MailError, SmtpSecurity, SmtpSettings, Transport, TransportSettings};
