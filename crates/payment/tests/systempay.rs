//! Systempay end to end: the portal's signed form posted to the simulated bank, the family's
//! choice, the signed IPN received by a merchant on another port and verified.

mod common;

use common::{CERTIFICATE, Harness, SITE_ID, check_page_basics, location, simulated_bank, start};
use ribambelle_payment::{Checked, Departure, Outcome, PaymentError, PaymentProvider, Systempay};

fn shop(h: &Harness) -> Systempay {
    Systempay::new(
        SITE_ID,
        false,
        CERTIFICATE,
        format!("{}/vads-payment/", h.bank),
    )
    .unwrap()
}

/// The form the portal renders: (action, fields).
async fn form(h: &Harness, reference: &str) -> (String, Vec<(String, String)>) {
    match shop(h).start(&h.request(reference)).await.unwrap() {
        Departure::Form { action, fields } => (action, fields),
        other => panic!("{other:?}"),
    }
}

/// The family submits the portal's form and gets the card page.
async fn card_page(h: &Harness, reference: &str) -> String {
    let (action, fields) = form(h, reference).await;
    assert_eq!(action, format!("{}/vads-payment/", h.bank));
    let response = h.browser.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    check_page_basics(&headers, &html);
    html
}

async fn pay(choice: &str) -> (Checked, Vec<(String, String)>) {
    let h = start(simulated_bank).await;
    let html = card_page(&h, "F2026000200A1").await;
    assert!(html.contains("Boutique n° 12345678"));
    assert!(html.contains("Cantine d&apos;octobre — Amélie"), "{html}");
    assert!(html.contains("42,50\u{a0}€"));

    let back = location(&h.choose(&html, choice).await);
    let notifications = h.notifications();
    assert_eq!(notifications.len(), 1);
    let ipn = notifications[0].clone();
    let checked = shop(&h).confirm(&ipn).await.unwrap();
    assert_eq!(checked.reference, "F2026000200A1");
    assert_eq!(checked.amount_cents, 4250);
    assert!(!checked.provider_reference.is_empty());

    // The return carries the same signed fields, in the query (vads_return_mode GET).
    assert!(
        back.as_str()
            .starts_with(&format!("{}/retour?structure=1&", h.merchant))
    );
    let returned: Vec<(String, String)> = back
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "structure")
        .collect();
    assert_eq!(returned, ipn);
    (checked, ipn)
}

#[tokio::test]
async fn paid() {
    let (checked, ipn) = pay("payer").await;
    assert_eq!(checked.outcome, Outcome::Paid);
    let get = |name: &str| ipn.iter().find(|(k, _)| k == name).unwrap().1.as_str();
    assert_eq!(get("vads_trans_status"), "AUTHORISED");
    assert_eq!(get("vads_result"), "00");
    assert_eq!(get("vads_trans_id"), "004321");
    assert_eq!(get("vads_ctx_mode"), "TEST");
    assert_eq!(checked.provider_reference, get("vads_trans_uuid"));
}

#[tokio::test]
async fn refused() {
    let (checked, ipn) = pay("refuser").await;
    assert_eq!(checked.outcome, Outcome::Refused);
    assert!(ipn.contains(&("vads_result".to_owned(), "05".to_owned())));
}

#[tokio::test]
async fn abandoned() {
    let (checked, ipn) = pay("abandonner").await;
    assert_eq!(checked.outcome, Outcome::Abandoned);
    assert!(ipn.contains(&("vads_trans_status".to_owned(), "ABANDONED".to_owned())));
}

#[tokio::test]
async fn a_forged_or_tampered_ipn_is_refused() {
    let (_, ipn) = pay("refuser").await;
    let h = start(simulated_bank).await;

    let mut tampered = ipn.clone();
    for (name, value) in &mut tampered {
        if name == "vads_trans_status" {
            *value = "AUTHORISED".to_owned();
        }
    }
    let result = shop(&h).confirm(&tampered).await;
    assert!(
        matches!(result, Err(PaymentError::BadSignature)),
        "{result:?}"
    );

    let unsigned: Vec<_> = ipn
        .iter()
        .filter(|(k, _)| k != "signature")
        .cloned()
        .collect();
    assert!(shop(&h).confirm(&unsigned).await.is_err());

    // Signed with another shop's certificate.
    let mut forged: Vec<_> = unsigned.clone();
    forged.push((
        "signature".to_owned(),
        ribambelle_payment::signature(&unsigned, "0000000000000000"),
    ));
    let result = shop(&h).confirm(&forged).await;
    assert!(
        matches!(result, Err(PaymentError::BadSignature)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_test_ipn_does_not_settle_a_production_shop() {
    let (_, ipn) = pay("payer").await;
    let production = Systempay::new(SITE_ID, true, CERTIFICATE, "http://127.0.0.1:9/").unwrap();
    let result = production.confirm(&ipn).await;
    assert!(
        matches!(
            result,
            Err(PaymentError::Mismatch {
                field: "vads_ctx_mode",
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_bank_refuses_a_tampered_form() {
    let h = start(simulated_bank).await;
    let (action, mut fields) = form(&h, "F2026000201A1").await;
    for (name, value) in &mut fields {
        if name == "vads_amount" {
            *value = "1".to_owned();
        }
    }
    let response = h.browser.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    check_page_basics(&headers, &html);
    assert!(html.contains("Signature invalide"), "{html}");
}

#[tokio::test]
async fn the_bank_refuses_an_unknown_shop() {
    let h = start(simulated_bank).await;
    let other = Systempay::new(
        "87654321",
        false,
        CERTIFICATE,
        format!("{}/vads-payment/", h.bank),
    )
    .unwrap();
    let Departure::Form { action, fields } =
        other.start(&h.request("F2026000202A1")).await.unwrap()
    else {
        panic!()
    };
    let response = h.browser.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("Boutique inconnue"));
}

#[tokio::test]
async fn the_duplicate_hook_sends_the_ipn_twice() {
    let h = start(|base| simulated_bank(base).notifying_twice()).await;
    let html = card_page(&h, "F2026000203A1").await;
    location(&h.choose(&html, "payer").await);
    let notifications = h.notifications();
    assert_eq!(notifications.len(), 2);
    assert_eq!(notifications[0], notifications[1]);
    assert_eq!(
        shop(&h).confirm(&notifications[1]).await.unwrap().outcome,
        Outcome::Paid
    );
}

#[tokio::test]
async fn a_dropped_ipn_is_not_sent_and_systempay_has_no_status_query() {
    let h = start(|base| simulated_bank(base).dropping_notifications()).await;
    let html = card_page(&h, "F2026000204A1").await;
    location(&h.choose(&html, "payer").await);
    assert!(h.notifications().is_empty());
    assert_eq!(shop(&h).status("F2026000204A1").await.unwrap(), None);
}

#[tokio::test]
async fn the_bank_notifies_and_sends_back_only_to_its_portal() {
    let h = start(simulated_bank).await;
    for (notify, back) in [
        (
            "https://pirate.example/ipn".to_owned(),
            format!("{}/retour", h.merchant),
        ),
        (
            format!("{}/notification", h.merchant),
            "https://pirate.example/retour".to_owned(),
        ),
    ] {
        let mut request = h.request("F2026000203A1");
        request.notify_url = notify;
        request.return_url = back;
        let Departure::Form { action, fields } = shop(&h).start(&request).await.unwrap() else {
            panic!()
        };
        let response = h.browser.post(&action).form(&fields).send().await.unwrap();
        assert_eq!(response.status(), 400);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("pas une adresse du portail")
        );
    }
}
