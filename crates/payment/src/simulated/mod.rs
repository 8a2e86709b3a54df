//! A simulated bank speaking PayFiP's web-service and Systempay's form like the real ones, for
//! the demo and the tests: the portal talks to it with the very clients it uses in production,
//! and the family goes through a card page that asks for no card.
//!
//! Once the family has chosen, the bank sends the server-to-server notification, then sends
//! the browser back to the portal; a notification that fails is only logged, as the real banks
//! do, so the portal's reconciliation has to cope.
//!
//! It posts notifications to whatever URL a payment request names: mount it for the demo and
//! the tests, never on a production server.

mod page;
mod payfip;
mod systempay;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ribambelle_domain::clock::Clock;
use serde::Deserialize;

use crate::{PaymentError, http};

/// The bank's configuration and its operations, kept in memory.
pub struct SimulatedBank {
    base_url: String,
    /// The only site it notifies and sends families back to: the portal it serves.
    portal_origin: String,
    systempay_sites: Vec<(String, String)>,
    delivery: Delivery,
    http: reqwest::Client,
    operations: Mutex<HashMap<String, Operation>>,
    /// The portal's clock, so that a demonstration started at another day pays on that day.
    clock: Clock,
}

/// How many times each notification is sent: the test hooks change it.
#[derive(Debug, Clone, Copy)]
enum Delivery {
    Dropped,
    Once,
    Twice,
}

enum Operation {
    PayFip(payfip::Payment),
    Systempay(systempay::Payment),
}

/// The family's choice on the card page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Pay,
    Refuse,
    Abandon,
}

/// What a choice sets off: the notification, then the browser's way back.
struct Settlement {
    notify_url: Option<String>,
    notification: Vec<(String, String)>,
    return_url: Option<String>,
}

impl SimulatedBank {
    /// `base_url` is the absolute URL the router is mounted at, such as
    /// `http://127.0.0.1:8080/banque-simulee`; `systempay_sites` the (site id, certificate)
    /// pairs of the Systempay shops it accepts.
    pub fn new(
        base_url: impl Into<String>,
        systempay_sites: Vec<(String, String)>,
        clock: Clock,
    ) -> Result<Self, PaymentError> {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Ok(Self {
            portal_origin: origin(&base_url).ok_or_else(|| {
                PaymentError::InvalidConfig(format!("{base_url} is not a web address"))
            })?,
            base_url,
            systempay_sites,
            delivery: Delivery::Once,
            http: http::client()?,
            operations: Mutex::new(HashMap::new()),
            clock,
        })
    }

    /// The portal is at another address than the bank (the binary mounts the bank under
    /// the portal's own address, the default).
    pub fn for_portal(mut self, portal_url: &str) -> Result<Self, PaymentError> {
        self.portal_origin = origin(portal_url).ok_or_else(|| {
            PaymentError::InvalidConfig(format!("{portal_url} is not a web address"))
        })?;
        Ok(self)
    }

    /// Whether `url` is a page of the portal: anything else would make the bank post to,
    /// or send families to, any site a caller names.
    fn is_portal_url(&self, url: &str) -> bool {
        origin(url).is_some_and(|o| o == self.portal_origin)
    }

    /// Test hook: never send the notifications, as when they get lost.
    pub fn dropping_notifications(mut self) -> Self {
        self.delivery = Delivery::Dropped;
        self
    }

    /// Test hook: send every notification twice.
    pub fn notifying_twice(mut self) -> Self {
        self.delivery = Delivery::Twice;
        self
    }

    fn operations(&self) -> MutexGuard<'_, HashMap<String, Operation>> {
        // The map stays consistent whatever a panicking holder was doing: each entry is
        // replaced or updated in one go.
        self.operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn choice_url(&self) -> String {
        format!("{}/choix", self.base_url)
    }

    async fn notify(&self, url: &str, form: &[(String, String)]) {
        let times = match self.delivery {
            Delivery::Dropped => {
                tracing::info!(url, "simulated bank: notification dropped (test hook)");
                0
            }
            Delivery::Once => 1,
            Delivery::Twice => 2,
        };
        for _ in 0..times {
            match self.http.post(url).form(form).send().await {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    tracing::warn!(url, status = %response.status(), "simulated bank: notification refused");
                }
                Err(error) => {
                    tracing::warn!(url, %error, "simulated bank: notification failed");
                }
            }
        }
    }
}

/// The bank's routes, relative to where it is mounted (see [`SimulatedBank::new`]).
pub fn router(bank: SimulatedBank) -> Router {
    Router::new()
        .route("/tpa/services/securite", post(payfip::soap))
        .route("/tpa/paiementws.web", get(payfip::card_page))
        .route("/vads-payment/", post(systempay::payment_page))
        .route("/choix", post(choose))
        .with_state(Arc::new(bank))
}

#[derive(Deserialize)]
struct ChoiceForm {
    operation: String,
    choix: String,
}

async fn choose(State(bank): State<Arc<SimulatedBank>>, Form(form): Form<ChoiceForm>) -> Response {
    let choice = match form.choix.as_str() {
        "payer" => Choice::Pay,
        "refuser" => Choice::Refuse,
        "abandonner" => Choice::Abandon,
        _ => {
            return page::message(
                StatusCode::BAD_REQUEST,
                "Choix inconnu",
                "Ce choix n'existe pas : revenez à la page de paiement.",
            );
        }
    };
    let now = bank.clock.now();
    // Decided under the lock, so that two clicks make one payment; notified after it.
    let settlement = match bank.operations().get_mut(&form.operation) {
        None => return unknown_operation(),
        Some(Operation::PayFip(payment)) => payment.decide(&form.operation, choice, now),
        Some(Operation::Systempay(payment)) => payment.decide(choice, now),
    };
    let Some(settlement) = settlement else {
        return already_finished();
    };
    if let Some(url) = &settlement.notify_url {
        bank.notify(url, &settlement.notification).await;
    }
    match settlement.return_url {
        Some(url) => Redirect::to(&url).into_response(),
        None => page::message(
            StatusCode::OK,
            "Paiement terminé",
            "Votre choix est enregistré. Vous pouvez fermer cette page.",
        ),
    }
}

fn unknown_operation() -> Response {
    page::message(
        StatusCode::NOT_FOUND,
        "Opération inconnue",
        "Cette opération de paiement n'existe pas ou a expiré.",
    )
}

fn already_finished() -> Response {
    page::message(
        StatusCode::CONFLICT,
        "Paiement déjà terminé",
        "Un choix a déjà été fait pour ce paiement.",
    )
}

/// `url` with `pairs` added to its query, when it is a URL.
fn with_query(url: &str, pairs: &[(String, String)]) -> Option<String> {
    let mut url = reqwest::Url::parse(url).ok()?;
    url.query_pairs_mut().extend_pairs(pairs);
    Some(url.into())
}

/// « http://127.0.0.1:8080 » of a web address; None for anything else.
fn origin(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))?;
    Some(url.origin().ascii_serialization())
}
