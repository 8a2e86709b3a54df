//! Persistence for Ribambelle: one schema for SQLite and PostgreSQL, reached through
//! sqlx's `Any` driver so that every query is written once. Use cases open their own
//! transaction here; handlers never see SQL.

pub mod accounting;
pub mod accounts;
pub mod attendance;
pub mod audit;
pub mod billing;
pub mod bookings;
mod bulk;
mod catalog;
pub mod catalog_admin;
pub mod contacts;
pub mod counter;
pub mod dashboard;
mod db;
pub mod demo;
pub mod dossier;
mod error;
pub mod history;
pub mod invoices;
pub mod legal;
mod migrate;
pub mod notices;
pub mod outbox;
pub mod payments;
pub mod pieces;
pub mod places;
pub mod portal;
pub mod processing;
pub mod resets;
pub mod second_factor;
pub mod sessions;
mod sql;
pub mod staff_admin;
pub mod staff_families;
pub mod throttle;
mod time;
pub mod token;
pub mod wallets;
mod writes;

pub use db::{Backend, Db};
pub use error::StoreError;
pub use time::{db_time, parse_db_time};
