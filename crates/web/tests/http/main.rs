//! HTTP tests: the real router on a real database (SQLite, or PostgreSQL when
//! `RIBAMBELLE_TEST_DATABASE_URL` is set), driven as a browser would drive it.

mod support;

mod access;
mod accounts;
mod contacts;
mod dossier;
mod foundation;
mod gestion_activites;
mod gestion_annonces;
mod gestion_facturation;
mod gestion_familles;
mod gestion_personnel;
mod gestion_reservations;
mod gestion_securite;
mod hardening;
mod history;
mod opening;
mod paying;
mod payment;
mod pieces;
mod profile;
mod reservations;
mod reset;
