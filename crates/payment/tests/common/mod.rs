//! What both end-to-end tests need: the simulated bank and a small merchant recording the
//! notifications it gets, each on its own loopback port, and a browser that follows the card
//! page's form as a person would.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{StatusCode, Uri};
use axum::routing::post;
use ribambelle_domain::clock::Clock;
use ribambelle_payment::PaymentRequest;
use ribambelle_payment::simulated::{SimulatedBank, router};

pub const SITE_ID: &str = "12345678";
pub const CERTIFICATE: &str = "1122334455667788";

/// The notifications the merchant received, in order: each is its form fields.
type Log = Arc<Mutex<Vec<Vec<(String, String)>>>>;

pub struct Harness {
    /// Where the bank is mounted, as the portal would configure it.
    pub bank: String,
    /// The merchant's base URL: `/notification` records what it receives.
    pub merchant: String,
    notifications: Log,
    pub browser: reqwest::Client,
}

/// Starts the merchant, then the bank (built by `bank` from its base URL, serving that
/// merchant) under `/banque-simulee`, like the portal's binary mounts it.
pub async fn start(bank: impl FnOnce(String) -> SimulatedBank) -> Harness {
    let notifications = Log::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let merchant = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/notification", post(record))
        .with_state(notifications.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/banque-simulee", listener.local_addr().unwrap());
    let bank = bank(base.clone()).for_portal(&merchant).unwrap();
    let app = Router::new().nest("/banque-simulee", router(bank));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    Harness {
        bank: base,
        merchant,
        notifications,
        browser: browser(),
    }
}

async fn record(
    State(log): State<Log>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> StatusCode {
    // Notifications come as a form body, never in the query.
    assert_eq!(uri.query(), None);
    log.lock().unwrap().push(fields);
    StatusCode::OK
}

pub fn browser() -> reqwest::Client {
    // The crate's reqwest has no crypto provider of its own; plain-HTTP clients still need one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn simulated_bank(base: String) -> SimulatedBank {
    SimulatedBank::new(
        base,
        vec![(SITE_ID.to_owned(), CERTIFICATE.to_owned())],
        Clock::system(),
    )
    .unwrap()
}

impl Harness {
    pub fn notifications(&self) -> Vec<Vec<(String, String)>> {
        self.notifications.lock().unwrap().clone()
    }

    pub fn request(&self, reference: &str) -> PaymentRequest {
        PaymentRequest {
            reference: reference.to_owned(),
            amount_cents: 4250,
            email: "famille.martin@example.org".to_owned(),
            label: "Cantine d'octobre — Amélie".to_owned(),
            notify_url: format!("{}/notification", self.merchant),
            return_url: format!("{}/retour?structure=1", self.merchant),
            year: 2026,
            trans_id: 4321,
            now: "2026-10-15T08:30:00Z".parse().unwrap(),
        }
    }

    /// Submits the card page's form with one of its buttons, as a browser would.
    pub async fn choose(&self, card_page: &str, choice: &str) -> reqwest::Response {
        let form = &card_page[card_page.find("<form").expect("a form")..];
        let action = attribute(form, "action").expect("a form action");
        let mut fields: Vec<(String, String)> = form
            .split("<input")
            .skip(1)
            .filter(|input| attribute(input, "type").as_deref() == Some("hidden"))
            .map(|input| {
                (
                    attribute(input, "name").unwrap(),
                    attribute(input, "value").unwrap(),
                )
            })
            .collect();
        assert!(
            form.contains(&format!(r#"name="choix" value="{choice}""#)),
            "no button {choice}"
        );
        fields.push(("choix".to_owned(), choice.to_owned()));
        self.browser
            .post(action)
            .form(&fields)
            .send()
            .await
            .unwrap()
    }
}

/// The value of the first `name="…"` attribute in `tag`; the pages only escape `&` and quotes
/// in the values the tests read.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let tag = &tag[..tag.find('>')?];
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

/// Where a 303 sends the browser.
pub fn location(response: &reqwest::Response) -> reqwest::Url {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    reqwest::Url::parse(location).unwrap()
}

/// Checks what every bank page must have: French, a title, one h1, a CSP without scripts
/// that allows its own inline style by hash.
pub fn check_page_basics(headers: &reqwest::header::HeaderMap, html: &str) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(html.starts_with("<!doctype html>\n<html lang=\"fr\">"));
    assert!(html.contains("<title>") && !html.contains("<title></title>"));
    assert_eq!(html.matches("<h1>").count(), 1);
    assert!(!html.contains("<script"));
    let style = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
    assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
}
