//! PayFiP end to end: the real client against the simulated bank, the family's choice made
//! through the card page, the notification received by a merchant on another port.

mod common;

use common::{Harness, check_page_basics, location, simulated_bank, start};
use ribambelle_payment::{Checked, Departure, Outcome, PayFip, PaymentError, PaymentProvider};

const NUMCLI: &str = "090909";

fn client(h: &Harness, numcli: &str, saisie: char) -> PayFip {
    PayFip::new(
        numcli,
        saisie,
        &format!("{}/tpa/services/securite", h.bank),
        &format!("{}/tpa/paiementws.web", h.bank),
    )
    .unwrap()
}

/// Creates a payment and opens its card page: (idOp, page).
async fn open(h: &Harness, payfip: &PayFip, reference: &str) -> (String, String) {
    let departure = payfip.start(&h.request(reference)).await.unwrap();
    let Departure::Redirect {
        url,
        provider_id: Some(id),
    } = departure
    else {
        panic!("{departure:?}");
    };
    assert_eq!(url, format!("{}/tpa/paiementws.web?idop={id}", h.bank));
    let response = h.browser.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    (id, html)
}

/// Goes through the whole payment with `choice` and returns what the notification proves.
async fn pay(choice: &str) -> Checked {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let (id, html) = open(&h, &payfip, "F2026000123A1").await;
    assert_eq!(
        payfip.status(&id).await.unwrap().unwrap().outcome,
        Outcome::Pending
    );

    let response = h.choose(&html, choice).await;
    let back = location(&response);
    assert_eq!(
        back.as_str(),
        format!("{}/retour?structure=1&idop={id}", h.merchant)
    );
    // The bank notifies before it answers the browser.
    let notifications = h.notifications();
    assert_eq!(notifications, vec![vec![("idOp".to_owned(), id.clone())]]);

    let checked = payfip.confirm(&notifications[0]).await.unwrap();
    assert_eq!(checked.reference, "F2026000123A1");
    assert_eq!(checked.amount_cents, 4250);
    assert_eq!(checked.provider_id.as_deref(), Some(id.as_str()));
    // What the browser brings back names the same operation.
    let returned: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert_eq!(payfip.confirm(&returned).await.unwrap(), checked);
    checked
}

#[tokio::test]
async fn paid() {
    let checked = pay("payer").await;
    assert_eq!(checked.outcome, Outcome::Paid);
    assert!(checked.provider_reference.ends_with("-tip"), "{checked:?}");
}

#[tokio::test]
async fn refused() {
    let checked = pay("refuser").await;
    assert_eq!(checked.outcome, Outcome::Refused);
    assert_eq!(checked.provider_reference, "");
}

#[tokio::test]
async fn abandoned() {
    assert_eq!(pay("abandonner").await.outcome, Outcome::Abandoned);
}

#[tokio::test]
async fn the_card_page_shows_the_payment_and_is_answered_once() {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let departure = payfip.start(&h.request("F2026000124A1")).await.unwrap();
    let Departure::Redirect { url, .. } = departure else {
        panic!("{departure:?}");
    };
    let response = h.browser.get(&url).send().await.unwrap();
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    check_page_basics(&headers, &html);
    let csp = headers["content-security-policy"].to_str().unwrap();
    // The answer to the choice redirects to the portal: form-action must allow it.
    assert!(
        csp.contains(&format!("form-action 'self' {}", h.merchant)),
        "{csp}"
    );
    assert!(html.contains("Régie n° 090909"));
    assert!(html.contains("F2026000124A1"));
    assert!(html.contains("42,50\u{a0}€"));
    // The objet PayFiP keeps is plain ASCII.
    assert!(html.contains("Cantine d octobre Amelie"), "{html}");
    assert!(html.contains("aucune carte bancaire n'est demandée"));
    for button in ["Payer", "Refuser le paiement", "Abandonner"] {
        assert!(html.contains(&format!(">{button}</button>")), "{button}");
    }

    assert_eq!(h.choose(&html, "payer").await.status(), 303);
    assert_eq!(h.choose(&html, "refuser").await.status(), 409);
    assert_eq!(h.browser.get(&url).send().await.unwrap().status(), 409);
    assert_eq!(h.notifications().len(), 1);
}

#[tokio::test]
async fn an_unknown_id_op_is_unknown() {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let id = "6b0b8a55-4a4e-4c8e-9d0c-6f0f3a0d2f11";
    let status = payfip.status(id).await.unwrap().unwrap();
    assert_eq!(status.outcome, Outcome::Unknown);
    assert_eq!(status.provider_id.as_deref(), Some(id));
    let forged = [("idOp".to_owned(), id.to_owned())];
    assert_eq!(
        payfip.confirm(&forged).await.unwrap().outcome,
        Outcome::Unknown
    );
    let response = h
        .browser
        .get(format!("{}/tpa/paiementws.web?idop={id}", h.bank))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_lost_notification_is_found_by_the_status_query() {
    let h = start(|base| simulated_bank(base).dropping_notifications()).await;
    let payfip = client(&h, NUMCLI, 'T');
    let (id, html) = open(&h, &payfip, "F2026000125A1").await;
    location(&h.choose(&html, "payer").await);
    assert!(h.notifications().is_empty());
    let status = payfip.status(&id).await.unwrap().unwrap();
    assert_eq!(status.outcome, Outcome::Paid);
    assert_eq!(status.reference, "F2026000125A1");
    assert_eq!(status.amount_cents, 4250);
}

#[tokio::test]
async fn the_duplicate_hook_notifies_twice() {
    let h = start(|base| simulated_bank(base).notifying_twice()).await;
    let payfip = client(&h, NUMCLI, 'T');
    let (id, html) = open(&h, &payfip, "F2026000126A1").await;
    location(&h.choose(&html, "payer").await);
    let notification = vec![("idOp".to_owned(), id)];
    assert_eq!(h.notifications(), vec![notification.clone(), notification]);
}

#[tokio::test]
async fn an_operation_of_another_regie_or_mode_is_not_settled() {
    let h = start(simulated_bank).await;
    let (id, html) = open(&h, &client(&h, NUMCLI, 'T'), "F2026000127A1").await;
    location(&h.choose(&html, "payer").await);
    let notification = [("idOp".to_owned(), id)];
    let other_regie = client(&h, "111111", 'T').confirm(&notification).await;
    assert!(
        matches!(
            other_regie,
            Err(PaymentError::Mismatch {
                field: "numcli",
                ..
            })
        ),
        "{other_regie:?}"
    );
    let production = client(&h, NUMCLI, 'W').confirm(&notification).await;
    assert!(
        matches!(
            production,
            Err(PaymentError::Mismatch {
                field: "saisie",
                ..
            })
        ),
        "{production:?}"
    );
}

#[tokio::test]
async fn a_bad_email_is_fault_a2() {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let mut request = h.request("F2026000128A1");
    request.email = "pas-une-adresse".to_owned();
    match payfip.start(&request).await {
        Err(PaymentError::Provider { code, libelle }) => {
            assert_eq!(
                (code.as_str(), libelle.as_str()),
                ("A2", "Adresse mél incorrecte")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_notification_without_an_id_op_is_refused_without_a_call() {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let odd = [("idOp".to_owned(), "<x/>".to_owned())];
    assert!(matches!(
        payfip.confirm(&odd).await,
        Err(PaymentError::Protocol(_))
    ));
    assert!(matches!(
        payfip.confirm(&[]).await,
        Err(PaymentError::Protocol(_))
    ));
}

/// What the client never sends (it checks references itself) must still get PayFiP's answer.
#[tokio::test]
async fn the_web_service_answers_raw_soap_like_payfip() {
    let h = start(simulated_bank).await;
    let soap = |body: String| {
        h.browser
            .post(format!("{}/tpa/services/securite", h.bank))
            .header("content-type", "text/xml; charset=utf-8")
            .body(format!(
                r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><pai:{body}</soapenv:Body></soapenv:Envelope>"#
            ))
            .send()
    };
    let response = soap(
        r#"creerPaiementSecurise xmlns:pai="urn:x"><arg0><exer>2026</exer><mel>famille@example.org</mel><montant>1000</montant><numcli>090909</numcli><objet>Cantine</objet><refdet>ABCD</refdet><saisie>T</saisie><urlnotif>https://portail.example/n</urlnotif><urlredirect>https://portail.example/r</urlredirect></arg0></pai:creerPaiementSecurise>"#
            .to_owned(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 500);
    let fault = response.text().await.unwrap();
    assert!(fault.contains("<code>R3</code>"), "{fault}");
    assert!(fault.contains("REFDET"), "{fault}");

    let response = soap(
        r#"recupererDetailClient xmlns:pai="urn:x"><arg0><numCli>090909</numCli></arg0></pai:recupererDetailClient>"#
            .to_owned(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let detail = response.text().await.unwrap();
    assert!(detail.contains("recupererDetailClientResponse"), "{detail}");
    assert!(detail.contains("<numcli>090909</numcli>"), "{detail}");
}

#[tokio::test]
async fn a_notification_failure_still_sends_the_family_back() {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let mut request = h.request("F2026000129A1");
    // The merchant has no such page.
    request.notify_url = format!("{}/absente", h.merchant);
    let Departure::Redirect {
        url,
        provider_id: Some(id),
    } = payfip.start(&request).await.unwrap()
    else {
        panic!()
    };
    let html = h
        .browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let back = location(&h.choose(&html, "payer").await);
    assert!(back.as_str().starts_with(&h.merchant));
    assert_eq!(
        payfip.status(&id).await.unwrap().unwrap().outcome,
        Outcome::Paid
    );
}

#[tokio::test]
async fn the_bank_notifies_and_sends_back_only_to_its_portal() {
    let h = start(simulated_bank).await;
    let payfip = client(&h, NUMCLI, 'T');
    let mut elsewhere = h.request("F2026000130A1");
    elsewhere.notify_url = "https://pirate.example/notification".to_owned();
    let mut sent_away = h.request("F2026000131A1");
    sent_away.return_url = "http://127.0.0.1:9/retour".to_owned();
    for request in [elsewhere, sent_away] {
        let refused = payfip.start(&request).await.unwrap_err();
        assert!(refused.to_string().contains("SIM-URL"), "{refused}");
    }
}
