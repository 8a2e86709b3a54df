//! « Réinitialiser votre mot de passe », end to end through the outbox.

use std::time::Duration;

use axum::http::StatusCode;

use ribambelle_testkit::NewFamily;

use crate::support::{PUBLIC_URL, STRONG, TestApp, dupont, martin};

const CONFIRMATION: &str =
    "Si l'identifiant et l'adresse e-mail saisis sont ceux connus par la collectivité";

/// The link of the reset mail, once the background task has queued it.
pub(crate) async fn wait_for_link(app: &TestApp, to: &str) -> Option<String> {
    for _ in 0..100 {
        if let Some(body) = app.mails_matching(to, "/reinitialiser/").await.pop() {
            let start = body
                .find(PUBLIC_URL)
                .expect("the link uses the configured public URL");
            return Some(body[start..].split_whitespace().next().unwrap().to_owned());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn the_right_identifiant_and_address_get_a_single_use_link() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut other_device = app.client_from("192.0.2.40");
    other_device.login("martin", NewFamily::PASSWORD).await;

    let mut c = app.client();
    let answer = c
        .post(
            "/mot-de-passe-oublie",
            &[
                ("identifiant", "martin"),
                ("email", "paul.martin@example.fr"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.assert_contains(CONFIRMATION);
    let link = wait_for_link(&app, "paul.martin@example.fr")
        .await
        .expect("a reset mail");
    let path = link.strip_prefix(PUBLIC_URL).unwrap().to_owned();
    // The Host header of the request plays no part in the link.
    assert!(link.starts_with("https://famille.carteville.example/reinitialiser/"));

    let form = c.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.header("referrer-policy"), "no-referrer");
    form.assert_contains("Nouveau mot de passe");
    let weak = c
        .post(&path, &[("nouveau", "court"), ("confirmation", "court")])
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c
        .post(&path, &[("nouveau", STRONG), ("confirmation", STRONG)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    done.assert_contains("Le mot de passe a bien été enregistré");
    assert!(c.cookie.is_none(), "no automatic login");

    // A notification, the other sessions closed, the old password gone.
    assert_eq!(
        app.mails_matching("claire.martin@example.fr", "vient d'être modifié")
            .await
            .len(),
        1
    );
    assert_eq!(other_device.get("/accueil").await.location(), "/connexion");
    assert_eq!(
        app.client_from("192.0.2.41")
            .login("martin", NewFamily::PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client_from("192.0.2.42")
            .login("martin", STRONG)
            .await
            .location(),
        "/accueil"
    );

    // The link served once.
    let again = c.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    again
        .assert_contains("Ce lien n'est plus valable.")
        .assert_contains("déjà servi");
    assert_eq!(
        c.post(&path, &[("nouveau", STRONG), ("confirmation", STRONG)])
            .await
            .status,
        StatusCode::GONE
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE token_hash = $1")
            .bind(path.rsplit('/').next().unwrap().to_owned())
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(stored, 0, "only the token's hash is stored");
}

#[tokio::test]
async fn a_wrong_address_gets_the_same_answer_and_no_mail() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    dupont(&town).await;
    let mut c = app.client();
    let right = c
        .post(
            "/mot-de-passe-oublie",
            &[
                ("identifiant", "martin"),
                ("email", "claire.martin@example.fr"),
            ],
        )
        .await;
    let wrong = c
        .post(
            "/mot-de-passe-oublie",
            &[
                ("identifiant", "dupont"),
                ("email", "claire.martin@example.fr"),
            ],
        )
        .await;
    let unknown = c
        .post(
            "/mot-de-passe-oublie",
            &[
                ("identifiant", "personne"),
                ("email", "personne@example.fr"),
            ],
        )
        .await;
    assert_eq!(right.status, wrong.status);
    assert_eq!(right.body, wrong.body);
    assert_eq!(right.body, unknown.body);
    assert!(
        wait_for_link(&app, "claire.martin@example.fr")
            .await
            .is_some()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.mails_matching("dupont", "").await.is_empty());
    assert!(
        app.mails_matching("personne@example.fr", "")
            .await
            .is_empty()
    );
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(links, 1);
}

#[tokio::test]
async fn an_expired_or_replaced_link_no_longer_works() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.post(
        "/mot-de-passe-oublie",
        &[
            ("identifiant", "martin"),
            ("email", "claire.martin@example.fr"),
        ],
    )
    .await;
    let first = wait_for_link(&app, "claire.martin@example.fr")
        .await
        .unwrap();
    app.exec(
        "UPDATE password_resets SET expires_at = '2000-01-01T00:00:00.000000Z'",
        &[],
    )
    .await;
    let expired = c.get(first.strip_prefix(PUBLIC_URL).unwrap()).await;
    assert_eq!(expired.status, StatusCode::GONE);
    expired
        .assert_contains("expiré")
        .assert_contains("Demander un nouveau lien");
    let unknown = c.get("/reinitialiser/inconnu").await;
    assert_eq!(unknown.status, StatusCode::GONE);
}

#[tokio::test]
async fn the_request_form_checks_its_fields() {
    let (app, _town) = TestApp::with_town().await;
    let page = app
        .client()
        .post(
            "/mot-de-passe-oublie",
            &[("identifiant", ""), ("email", "pas une adresse")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Saisissez votre identifiant.")
        .assert_contains("n'est pas une adresse e-mail valide");
}
