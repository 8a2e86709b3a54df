//! Paying online through the simulated bank, as a family's browser does it: the portal and
//! the bank really listen on loopback, because the bank notifies the portal server to server
//! and the portal queries PayFiP. Checked in the database: a payment is recorded once,
//! whatever the bank repeats, and only what the bank proves is believed.

use std::net::SocketAddr;

use jiff::{SignedDuration, Timestamp};
use reqwest::{StatusCode, redirect::Policy};
use ribambelle_domain::clock::Clock;
use ribambelle_payment::simulated::{self, SimulatedBank};
use ribambelle_store::{Db, demo};
use ribambelle_testkit::TestDb;
use ribambelle_usecases::payments::{Payments, Reconciled, SIMULATED_BANK_PATH, simulated_bank};
use ribambelle_web::{AppState, WebConfig};

use crate::support::test_hashing;

struct LiveApp {
    db: TestDb,
    clock: Clock,
    base: String,
    _files: tempfile::TempDir,
}

impl LiveApp {
    fn payments(&self) -> Payments<'_> {
        Payments {
            db: self.db(),
            public_url: &self.base,
            simulated_bank: true,
        }
    }

    async fn start(tweak: impl FnOnce(SimulatedBank) -> SimulatedBank) -> LiveApp {
        let db = TestDb::new().await;
        let clock = ribambelle_testkit::clock();
        demo::load(&db.db, &test_hashing(), &clock).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files = tempfile::tempdir().unwrap();
        let store = ribambelle_store::pieces::FileStore::local(files.path()).unwrap();
        let config = WebConfig {
            simulated_bank: true,
            ..WebConfig::new(&base)
        };
        let state = AppState::new(db.db.clone(), config, test_hashing(), store, clock);
        let bank = tweak(
            simulated_bank(&db.db, &base, clock)
                .await
                .unwrap()
                .expect("the demo's régies use the simulated bank"),
        );
        let app = ribambelle_web::router(state).nest(SIMULATED_BANK_PATH, simulated::router(bank));
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        LiveApp {
            db,
            clock,
            base,
            _files: files,
        }
    }

    fn db(&self) -> &Db {
        &self.db.db
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    async fn browser(&self, identifiant: &str, password: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        let browser = Browser {
            client,
            base: self.base.clone(),
        };
        let login = browser
            .post(
                "/connexion",
                &[("identifiant", identifiant), ("mot_de_passe", password)],
            )
            .await;
        assert_eq!(login.status, StatusCode::SEE_OTHER);
        browser
    }

    async fn text(&self, sql: &'static str) -> String {
        sqlx::query_scalar(sql)
            .fetch_one(self.db().reader())
            .await
            .unwrap()
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db().reader())
            .await
            .unwrap()
    }
}

struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        Answer {
            status,
            location,
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        Self::answer(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    async fn post<K: AsRef<str>, V: AsRef<str>>(&self, path: &str, fields: &[(K, V)]) -> Answer {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        Self::answer(
            self.client
                .post(self.url(path))
                .form(&pairs)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Submits the form holding the button labelled `button`, as the browser would.
    async fn submit(&self, page: &Answer, button: &str, extra: &[(&str, &str)]) -> Answer {
        let (action, mut fields) = form_of(&page.body, button);
        fields.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self.post(&action, &fields).await
    }
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The action and the hidden fields of the form whose button shows `button`.
fn form_of(html: &str, button: &str) -> (String, Vec<(String, String)>) {
    let at = html
        .find(button)
        .unwrap_or_else(|| panic!("no {button:?} in:\n{html}"));
    let start = html[..at].rfind("<form").unwrap();
    let end = html[start..].find("</form>").unwrap() + start;
    let form = &html[start..end];
    let action = attribute(form, "action").unwrap();
    let fields = form
        .split("<input")
        .skip(1)
        .filter(|input| input.contains("type=\"hidden\""))
        .map(|input| {
            (
                attribute(input, "name").unwrap(),
                attribute(input, "value").unwrap_or_default(),
            )
        })
        .collect();
    (action, fields)
}

/// The ids of the invoices « Paiement et Solde » offers to tick.
fn checkboxes(html: &str) -> Vec<String> {
    let marker = "name=\"facture\" value=\"";
    html.split(marker)
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

/// The first payable invoice's id on « Paiement et Solde ».
fn first_checkbox(html: &str) -> String {
    checkboxes(html)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no invoice to tick in:\n{html}"))
}

const MARTIN: (&str, &str) = ("martin", "Martin-Demo-2026!");

/// Ticks the first invoice, confirms the review and lands on PayFiP's card page.
async fn payfip_card_for_first_invoice(martin: &Browser) -> Answer {
    let page = martin.get("/paiement").await;
    let invoice = first_checkbox(&page.body);
    let chosen = martin
        .submit(
            &page,
            "Payer les factures cochées",
            &[("facture", &invoice)],
        )
        .await;
    let review = martin.get(&chosen.location).await;
    let departure = martin.submit(&review, ">Confirmer et payer", &[]).await;
    assert_eq!(departure.status, StatusCode::SEE_OTHER);
    martin.get(&departure.location).await
}

/// A payment begun, then left on its review page, locks its invoices only as long as the
/// family wants: « Paiement et Solde » says what a payment in progress means and offers to
/// resume it or give it up; given up, its invoices can be ticked again. Once handed to the
/// bank it can no longer be given up, and says when its invoices are free again (issue 19,
/// defect 3).
#[tokio::test]
async fn a_payment_left_on_its_review_page_can_be_resumed_or_given_up() {
    let app = LiveApp::start(|bank| bank).await;
    let martin = app.browser(MARTIN.0, MARTIN.1).await;
    let page = martin.get("/paiement").await;
    let offered = checkboxes(&page.body);
    assert!(!offered.is_empty(), "{}", page.body);
    let ticked: Vec<(&str, &str)> = offered
        .iter()
        .take(2)
        .map(|id| ("facture", id.as_str()))
        .collect();
    let chosen = martin
        .submit(&page, "Payer les factures cochées", &ticked)
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let review = chosen.location.clone();

    // MARTIN leaves the review page for the menu: the payment is there, explained.
    let later = martin.get("/paiement").await;
    let text = unescape(&later.body);
    for needle in [
        "<h2 id=\"paiement-en-cours-titre\">Paiement en cours</h2>",
        "Tant que la banque n'a pas confirmé un paiement, ce qu'il règle ne peut pas être payé une seconde fois.",
        "sans action de votre part, ce qu'il règle pourra de nouveau être payé à",
        "<a href=\"#paiement-en-cours\">Paiement en cours</a>",
        &format!("<a class=\"button\" href=\"{review}\">Reprendre le paiement"),
        "Abandonner ce paiement",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    for (_, id) in &ticked {
        assert!(
            !checkboxes(&later.body).contains(&id.to_string()),
            "{id} cannot be ticked twice"
        );
    }
    assert!(
        martin
            .get(&review)
            .await
            .body
            .contains("Vérifiez votre paiement"),
        "« Reprendre le paiement » opens its review again"
    );

    let given_up = martin.submit(&later, "Abandonner ce paiement", &[]).await;
    assert_eq!(given_up.location, "/paiement?paiement=abandonne#factures");
    let after = martin.get("/paiement?paiement=abandonne").await;
    assert!(
        after.body.contains("Le paiement a été abandonné"),
        "{}",
        after.body
    );
    assert!(!after.body.contains("paiement-en-cours-titre"));
    assert_eq!(
        checkboxes(&after.body),
        offered,
        "every invoice can be ticked again"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE state = 'abandonne'")
            .await,
        1
    );

    // Handed to PayFiP (its operation created), the next one can only be waited for.
    payfip_card_for_first_invoice(&martin).await;
    let waiting = martin.get("/paiement").await;
    assert!(
        unescape(&waiting.body).contains("Il a été transmis à la banque : sa confirmation arrive en quelques minutes. Sans réponse de la banque, ce qu'il règle pourra de nouveau être payé à "),
        "{}",
        waiting.body
    );
    assert!(!waiting.body.contains("Abandonner ce paiement"));
}

/// Makes Les Écureuils (a Systempay régie) the structure consulted; returns its id.
async fn switch_to_ecureuils(app: &LiveApp, martin: &Browser) -> String {
    let home = martin.get("/accueil").await;
    let ecureuils = app
        .text("SELECT CAST(id AS TEXT) FROM structures WHERE slug = 'ecureuils'")
        .await;
    let token = attribute(
        &home.body[home.body.find("name=\"_csrf\"").unwrap()..],
        "value",
    )
    .unwrap();
    let switched = martin
        .post(
            "/structure",
            &[("_csrf", token.as_str()), ("structure", ecureuils.as_str())],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    ecureuils
}

#[tokio::test]
async fn martin_pays_his_invoice_with_payfip_and_gets_one_ticket_at_his_first_address() {
    let app = LiveApp::start(SimulatedBank::notifying_twice).await;
    let martin = app.browser(MARTIN.0, MARTIN.1).await;
    let first_address = app
        .text("SELECT emails FROM families WHERE identifiant = 'martin'")
        .await
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let page = martin.get("/paiement").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Vos factures") && page.body.contains("À régler"),
        "{}",
        page.body
    );
    let invoice = first_checkbox(&page.body);
    let number = app.text("SELECT number FROM invoices WHERE public_id = (SELECT public_id FROM invoices WHERE amount_cents > 0 ORDER BY period_month DESC LIMIT 1)").await;
    let chosen = martin
        .submit(
            &page,
            "Payer les factures cochées",
            &[("facture", &invoice)],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);

    let review = martin.get(&chosen.location).await;
    assert!(
        review.body.contains("Vérifiez votre paiement") && review.body.contains("PayFiP"),
        "{}",
        review.body
    );
    assert!(
        review.body.contains(&first_address),
        "the review says where the receipt goes"
    );
    let csp = martin
        .client
        .get(martin.url(&chosen.location))
        .send()
        .await
        .unwrap()
        .headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("form-action 'self'"), "{csp}");

    let departure = martin.submit(&review, ">Confirmer et payer", &[]).await;
    assert_eq!(departure.status, StatusCode::SEE_OTHER);
    assert!(
        departure.location.starts_with(&format!(
            "{}{SIMULATED_BANK_PATH}/tpa/paiementws.web?idop=",
            app.base
        )),
        "{}",
        departure.location
    );
    assert_eq!(app.text("SELECT state FROM payments WHERE mode = 'carte' AND state <> 'paye' ORDER BY id DESC LIMIT 1").await, "en_cours");

    let card = martin.get(&departure.location).await;
    assert!(card.body.contains("banque simulée"), "{}", card.body);
    let paid = martin.submit(&card, ">Payer<", &[("choix", "payer")]).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    assert!(paid.location.contains("/retour"), "{}", paid.location);
    let back = martin.get(&paid.location).await;
    assert!(back.body.contains("Paiement accepté"), "{}", back.body);
    assert!(
        back.body
            .contains(&format!("Un reçu a été envoyé à {first_address}")),
        "{}",
        back.body
    );

    // The bank notified twice and the return page asked PayFiP once more: one payment.
    let reference = app.text("SELECT reference FROM payments WHERE mode = 'carte' AND state = 'paye' ORDER BY id DESC LIMIT 1").await;
    assert!(reference.starts_with("RB"), "{reference}");
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id WHERE p.reference LIKE 'RB%'").await, 1);
    let tickets: Vec<String> = sqlx::query_scalar(
        "SELECT recipients FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'",
    )
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    assert_eq!(
        tickets,
        vec![first_address.clone()],
        "one ticket, to the first address only"
    );

    let after = martin.get("/paiement").await;
    assert!(
        !after.body.contains(&format!("value=\"{invoice}\"")),
        "a paid invoice can no longer be ticked"
    );
    assert!(after.body.contains("Réglée"));
    let history = martin.get("/historique").await;
    assert!(
        history.body.contains(&reference) && history.body.contains("Carte bancaire"),
        "{}",
        history.body
    );
    assert!(!number.is_empty());
}

#[tokio::test]
async fn refused_and_abandoned_payments_leave_the_balance_unchanged_with_both_providers() {
    let app = LiveApp::start(|bank| bank).await;
    let martin = app.browser(MARTIN.0, MARTIN.1).await;
    let balance = "SELECT CAST(COUNT(*) AS TEXT) || '/' || CAST(COALESCE(SUM(amount_cents), 0) AS TEXT) FROM payments WHERE state = 'paye'";
    let before = app.text(balance).await;

    // PayFiP at CarteVille: an invoice, abandoned at the bank.
    let invoice = first_checkbox(&martin.get("/paiement").await.body);
    let card = payfip_card_for_first_invoice(&martin).await;
    let gone = martin
        .submit(&card, "Abandonner", &[("choix", "abandonner")])
        .await;
    let back = martin.get(&gone.location).await;
    assert!(
        back.body.contains("Paiement abandonné")
            && back.body.contains("votre solde n'a pas changé"),
        "{}",
        back.body
    );
    assert!(
        martin
            .get("/paiement")
            .await
            .body
            .contains(&format!("value=\"{invoice}\"")),
        "the invoice can be paid again at once"
    );

    // Systempay at Les Écureuils: a credit, refused by the bank.
    switch_to_ecureuils(&app, &martin).await;
    let page = martin.get("/paiement").await;
    assert!(
        page.body.contains("Créditer le porte-monnaie Activités"),
        "{}",
        page.body
    );
    let refused_amount = martin
        .submit(&page, "Créditer Activités", &[("montant", "abc")])
        .await;
    assert_eq!(refused_amount.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused_amount.body.contains("Indiquez un montant en euros"),
        "{}",
        refused_amount.body
    );
    let chosen = martin
        .submit(&page, "Créditer Activités", &[("montant", "20,50")])
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let review = martin.get(&chosen.location).await;
    assert!(
        review.body.contains("Systempay") && review.body.contains("20,50"),
        "{}",
        review.body
    );
    let (action, fields) = form_of(&review.body, ">Confirmer et payer");
    assert_eq!(
        action,
        format!("{}{SIMULATED_BANK_PATH}/vads-payment/", app.base)
    );
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "vads_amount" && v == "2050"),
        "{fields:?}"
    );
    assert!(fields.iter().any(|(k, _)| k == "signature"));
    let card = martin.post(&action, &fields).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    let refused = martin
        .submit(&card, "Refuser le paiement", &[("choix", "refuser")])
        .await;
    let back = martin.get(&refused.location).await;
    assert!(
        back.body.contains("Paiement refusé") && back.body.contains("votre solde n'a pas changé"),
        "{}",
        back.body
    );

    assert_eq!(
        app.text(balance).await,
        before,
        "nothing was recorded as paid"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id WHERE p.reference LIKE 'RB%'").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'")
            .await,
        0
    );
}

#[tokio::test]
async fn forged_tampered_replayed_and_duplicated_systempay_notifications_never_double_a_payment() {
    // The bank's own notification is lost: the test plays the notifications itself.
    let app = LiveApp::start(SimulatedBank::dropping_notifications).await;
    let martin = app.browser(MARTIN.0, MARTIN.1).await;
    let ecureuils = switch_to_ecureuils(&app, &martin).await;
    let page = martin.get("/paiement").await;
    let chosen = martin
        .submit(&page, "Créditer Activités", &[("montant", "15")])
        .await;
    let review = martin.get(&chosen.location).await;
    let (action, fields) = form_of(&review.body, ">Confirmer et payer");
    let card = martin.post(&action, &fields).await;
    let paid = martin.submit(&card, ">Payer<", &[("choix", "payer")]).await;
    // The signed answer the bank gave the browser, replayed as notifications.
    let query = paid.location.split_once('?').unwrap().1.to_owned();
    let signed = url_pairs(&query);
    let notify = format!("/paiement/notification/{ecureuils}");
    let state = "SELECT state FROM payments WHERE reference LIKE 'RB%' ORDER BY id DESC LIMIT 1";
    assert_eq!(app.text(state).await, "en_cours");

    let tampered: Vec<(String, String)> = signed
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "vads_amount" {
                    "1".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    assert_eq!(
        martin.post(&notify, &tampered).await.status,
        StatusCode::BAD_REQUEST
    );
    let forged: Vec<(String, String)> = signed
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "signature" {
                    "AAAA".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    assert_eq!(
        martin.post(&notify, &forged).await.status,
        StatusCode::BAD_REQUEST
    );
    let unsigned: Vec<(String, String)> = signed
        .iter()
        .filter(|(k, _)| k != "signature")
        .cloned()
        .collect();
    assert_eq!(
        martin.post(&notify, &unsigned).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.text(state).await, "en_cours", "nothing believed yet");

    for _ in 0..3 {
        assert_eq!(martin.post(&notify, &signed).await.status, StatusCode::OK);
    }
    assert_eq!(app.text(state).await, "paye");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE reference LIKE 'RB%' AND state = 'paye'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'")
            .await,
        1
    );
    let back = martin.get(&paid.location).await;
    assert!(back.body.contains("Paiement accepté"), "{}", back.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'")
            .await,
        1,
        "the return settles nothing twice"
    );
    // A notification for a structure without this shop is refused too.
    let carteville = app
        .text("SELECT CAST(id AS TEXT) FROM structures WHERE slug = 'carteville'")
        .await;
    assert!(
        martin
            .post(&format!("/paiement/notification/{carteville}"), &signed)
            .await
            .status
            .is_client_error()
    );
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://retour.example/?{query}")).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn a_lost_payfip_notification_is_caught_up_by_the_reconciliation_job() {
    let app = LiveApp::start(SimulatedBank::dropping_notifications).await;
    let martin = app.browser(MARTIN.0, MARTIN.1).await;
    let card = payfip_card_for_first_invoice(&martin).await;
    // Paid at the bank, but the family closes the tab and the notification is lost.
    martin.submit(&card, ">Payer<", &[("choix", "payer")]).await;
    let state = "SELECT state FROM payments WHERE reference LIKE 'RB%' ORDER BY id DESC LIMIT 1";
    assert_eq!(app.text(state).await, "en_cours");

    // A forged PayFiP notification naming an unknown operation changes nothing.
    let carteville = app
        .text("SELECT CAST(id AS TEXT) FROM structures WHERE slug = 'carteville'")
        .await;
    martin
        .post(
            &format!("/paiement/notification/{carteville}"),
            &[("idOp", "00000000-0000-0000-0000-000000000000")],
        )
        .await;
    assert_eq!(app.text(state).await, "en_cours");

    let now = app.now();
    assert_eq!(
        app.payments().reconcile(now).await.unwrap(),
        Reconciled::default(),
        "too early to chase"
    );
    let done = app
        .payments()
        .reconcile(now + SignedDuration::from_mins(3))
        .await
        .unwrap();
    assert_eq!(
        done,
        Reconciled {
            settled: 1,
            given_up: 0
        }
    );
    assert_eq!(app.text(state).await, "paye");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'")
            .await,
        1
    );

    // A payment that never left the review page is given up after the hold.
    let page = martin.get("/paiement").await;
    let restauration = app
        .text("SELECT CAST(id AS TEXT) FROM wallets WHERE name = 'Restauration'")
        .await;
    let chosen = martin
        .submit(&page, "Créditer Restauration", &[("montant", "10")])
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    assert!(!restauration.is_empty());
    let done = app
        .payments()
        .reconcile(now + SignedDuration::from_mins(21))
        .await
        .unwrap();
    assert_eq!(
        done,
        Reconciled {
            settled: 0,
            given_up: 1
        }
    );
    assert_eq!(app.text(state).await, "abandonne");
}

#[tokio::test]
async fn a_family_without_an_address_gives_one_for_its_receipt() {
    let app = LiveApp::start(|bank| bank).await;
    sqlx::query("UPDATE families SET emails = '' WHERE identifiant = 'martin'")
        .execute(app.db().writer())
        .await
        .unwrap();
    let martin = app.browser(MARTIN.0, MARTIN.1).await;
    let page = martin.get("/paiement").await;
    assert!(
        page.body.contains("Adresse e-mail pour recevoir le reçu"),
        "{}",
        page.body
    );
    let invoice = first_checkbox(&page.body);
    let missing = martin
        .submit(
            &page,
            "Payer les factures cochées",
            &[("facture", &invoice)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("Indiquez l&#39;adresse e-mail")
            || missing.body.contains("Indiquez l'adresse e-mail"),
        "{}",
        missing.body
    );
    let wrong = martin
        .submit(
            &page,
            "Payer les factures cochées",
            &[("facture", &invoice), ("email", "pas-une-adresse")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nothing = martin
        .submit(
            &page,
            "Payer les factures cochées",
            &[("email", "claire@example.fr")],
        )
        .await;
    assert!(
        nothing.body.contains("Cochez au moins une facture"),
        "{}",
        nothing.body
    );
    let given = martin
        .submit(
            &page,
            "Payer les factures cochées",
            &[("facture", &invoice), ("email", "claire@example.fr")],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    assert_eq!(
        app.text("SELECT emails FROM families WHERE identifiant = 'martin'")
            .await,
        "claire@example.fr"
    );
    assert!(
        martin
            .get(&given.location)
            .await
            .body
            .contains("claire@example.fr")
    );
}
