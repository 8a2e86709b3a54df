//! Ribambelle's business rules. Nothing here performs I/O or knows about HTTP or SQL, so
//! every rule can be tested quickly and exhaustively.

pub mod activity;
pub mod allocation;
pub mod booking;
pub mod calendar;
pub mod clock;
pub mod dossier;
pub mod emails;
pub mod family_fields;
pub mod family_mails;
pub mod french;
pub mod ids;
pub mod journal;
pub mod money;
pub mod password;
pub mod password_policy;
pub mod pointage;
pub mod promotion;
pub mod report;
pub mod second_factor;
pub mod session;
pub mod staff;
pub mod text;
