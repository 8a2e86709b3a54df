//! Every route of the application, with who may use it. The router is built from this
//! table, and the access tests walk the same table: a route cannot be added without being
//! checked against every other family and against family sessions on `/gestion`.

use axum::routing::{MethodRouter, get, post};

use crate::{AppState, assets, auth, dossier, gestion, health, payments, portal, reservations};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in, family or staff: the session's own keep-alive and sign-out.
    Session,
    /// A signed-in family, its own data only; enforced in front of the handler.
    Family,
    /// Staff only (`/gestion`); enforced in front of the handler.
    Staff,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    pub path: &'static str,
    pub access: Access,
}

/// One route: who may use it, its path, its handlers.
pub(crate) type Route = (Access, &'static str, MethodRouter<AppState>);

pub(crate) fn table() -> Vec<Route> {
    use Access::{Family, Public, Session};
    let mut table = vec![
        (Public, "/", get(auth::login::home)),
        (Public, "/healthz", get(health::check)),
        (Public, "/static/{version}/{name}", get(assets::serve)),
        (Public, "/theme/{slug}", get(assets::theme)),
        (
            Public,
            "/connexion",
            get(auth::login::page).post(auth::login::submit),
        ),
        (Public, "/connexion/attente", get(auth::waiting::family)),
        (
            Public,
            "/mot-de-passe-oublie",
            get(auth::reset::request_page).post(auth::reset::request),
        ),
        (
            Public,
            "/reinitialiser/{jeton}",
            get(auth::reset::link_page).post(auth::reset::complete),
        ),
        (Session, "/deconnexion", post(auth::login::logout)),
        (
            Family,
            "/premiere-connexion",
            get(auth::first_login::page).post(auth::first_login::submit),
        ),
        (
            Family,
            "/premiere-connexion/enregistre",
            get(auth::first_login::saved),
        ),
        (
            Family,
            "/conditions",
            get(auth::consents::page).post(auth::consents::submit),
        ),
        (Family, "/reglement-interieur", get(auth::reglement::first)),
        (
            Family,
            "/reglement-interieur/{enfant}",
            get(auth::reglement::page).post(auth::reglement::sign),
        ),
        (Family, "/accueil", get(portal::home::home)),
        (Family, "/historique", get(portal::history::page)),
        (
            Family,
            "/historique/consommations.csv",
            get(portal::history::consommations_csv),
        ),
        (
            Family,
            "/historique/reglements.csv",
            get(portal::history::reglements_csv),
        ),
        (
            Family,
            "/historique/historique.pdf",
            get(portal::history::pdf),
        ),
        (Family, "/paiement", get(portal::payment::page)),
        (Family, "/paiement/payer", post(payments::choose::pay)),
        (
            Family,
            "/paiement/factures/{facture}",
            get(portal::payment::invoice),
        ),
        (Family, "/paiement/{paiement}", get(payments::review::page)),
        (
            Family,
            "/paiement/{paiement}/aller",
            post(payments::review::go),
        ),
        (
            Family,
            "/paiement/{paiement}/modifier",
            post(payments::review::change),
        ),
        (
            Family,
            "/paiement/{paiement}/retour",
            get(payments::back::page),
        ),
        (
            Public,
            "/paiement/notification/{structure}",
            post(payments::notify::receive),
        ),
        (Family, "/reservations", get(reservations::calendar::page)),
        (
            Family,
            "/reservations/calendrier",
            post(reservations::calendar::act),
        ),
        (
            Family,
            "/reservations/copier",
            get(reservations::copy::page).post(reservations::copy::copy),
        ),
        (
            Family,
            "/reservations/jour",
            get(reservations::day::page).post(reservations::day::apply),
        ),
        (
            Family,
            "/reservations/recapitulatif",
            get(reservations::recap::page),
        ),
        (
            Family,
            "/reservations/confirmer",
            post(reservations::recap::confirm),
        ),
        (
            Family,
            "/reservations/abandonner",
            post(reservations::recap::abandon),
        ),
        (
            Family,
            "/reservations/confirmation",
            get(reservations::recap::done),
        ),
        (
            Family,
            "/reservations/suivi",
            get(reservations::follow::page),
        ),
        (
            Family,
            "/reservations/agenda",
            get(reservations::ical::page),
        ),
        (Public, "/agenda/{fichier}", get(reservations::ical::feed)),
        (Family, "/dossier", get(dossier::page)),
        (
            Family,
            "/dossier/fiches/{fiche}",
            get(dossier::fiche).post(dossier::save),
        ),
        (
            Family,
            "/dossier/fiches/{fiche}/pieces/{piece}",
            post(dossier::pieces::deposit).layer(dossier::pieces::body_limit()),
        ),
        (
            Family,
            "/dossier/fichiers/{fichier}",
            get(dossier::pieces::family_download),
        ),
        (
            Family,
            "/dossier/fichiers/{fichier}/supprimer",
            post(dossier::pieces::remove),
        ),
        (
            Family,
            "/dossier/fiches/{fiche}/contacts",
            post(dossier::contacts::change),
        ),
        (
            Family,
            "/dossier/contacts/{contact}",
            get(dossier::contacts::edit_page).post(dossier::contacts::edit),
        ),
        (
            Family,
            "/dossier/contacts/{contact}/supprimer",
            post(dossier::contacts::delete),
        ),
        (Family, "/dossier/profil", get(portal::profile::page)),
        (
            Family,
            "/dossier/profil/mot-de-passe",
            post(portal::profile::change_password),
        ),
        (
            Family,
            "/dossier/profil/emails",
            post(portal::profile::change_emails),
        ),
        (Family, "/structure", post(portal::switch::switch_structure)),
        (
            Session,
            "/session/prolonger",
            post(portal::switch::keep_alive),
        ),
    ];
    table.extend(gestion::routes());
    table
}

/// The routes and who may use them, for the access tests.
pub fn route_list() -> Vec<RouteInfo> {
    table()
        .into_iter()
        .map(|(access, path, _)| RouteInfo { path, access })
        .collect()
}
