//! Dossier Famille / Profil Utilisateur.

use axum::http::StatusCode;

use ribambelle_testkit::NewFamily;

use crate::support::{STRONG, TestApp, martin};

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_notifies() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut elsewhere = app.client_from("192.0.2.30");
    elsewhere.login("martin", NewFamily::PASSWORD).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let wrong = c
        .post_signed(
            "/dossier/profil",
            "/dossier/profil/mot-de-passe",
            &[
                ("actuel", "faux"),
                ("nouveau", STRONG),
                ("confirmation", STRONG),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_contains("Le mot de passe actuel est incorrect.");
    let ok = c
        .post_signed(
            "/dossier/profil",
            "/dossier/profil/mot-de-passe",
            &[
                ("actuel", NewFamily::PASSWORD),
                ("nouveau", STRONG),
                ("confirmation", STRONG),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/dossier/profil?enregistre=mot-de-passe");
    c.get(ok.location())
        .await
        .assert_contains("Le mot de passe a bien été enregistré.");
    // Both addresses are told; the other session is closed, this one kept.
    assert_eq!(
        app.mails_matching("paul.martin@example.fr", "vient d'être modifié")
            .await
            .len(),
        1
    );
    assert_eq!(elsewhere.get("/accueil").await.location(), "/connexion");
    assert_eq!(c.get("/accueil").await.status, StatusCode::OK);
}

#[tokio::test]
async fn email_addresses_are_validated_and_the_first_gets_the_tickets() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let page = c.get("/dossier/profil").await;
    page.assert_contains(
        "claire.martin@example.fr <strong>(reçoit les tickets de paiement)</strong>",
    );
    let bad = c
        .post_signed(
            "/dossier/profil",
            "/dossier/profil/emails",
            &[
                ("emails", "claire@example.fr ; pas-une-adresse"),
                ("actuel", NewFamily::PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("« pas-une-adresse » n'est pas une adresse e-mail valide");
    assert_eq!(
        bad.input_value("emails").as_deref(),
        Some("claire@example.fr ; pas-une-adresse"),
        "the edit is not lost"
    );
    let no_password = c
        .post_signed(
            "/dossier/profil",
            "/dossier/profil/emails",
            &[("emails", "a@example.fr")],
        )
        .await;
    no_password.assert_contains("Le mot de passe actuel est incorrect.");
    let long = c
        .post_signed(
            "/dossier/profil",
            "/dossier/profil/emails",
            &[
                ("emails", &"a".repeat(1001)),
                ("actuel", NewFamily::PASSWORD),
            ],
        )
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = c
        .post_signed(
            "/dossier/profil",
            "/dossier/profil/emails",
            &[
                ("emails", "paul.martin@example.fr; claire.martin@example.fr"),
                ("actuel", NewFamily::PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/dossier/profil?enregistre=emails");
    let stored: String =
        sqlx::query_scalar("SELECT emails FROM families WHERE identifiant = 'martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(stored, "paul.martin@example.fr;claire.martin@example.fr");
    c.get("/dossier/profil").await.assert_contains(
        "paul.martin@example.fr <strong>(reçoit les tickets de paiement)</strong>",
    );
}

#[tokio::test]
async fn the_sections_are_reachable_from_the_header() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    // The night's run has passed: the header says when.
    town.process().await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let home = c.get("/accueil").await;
    for (label, href) in [
        ("Accueil", "/accueil"),
        ("Historique", "/historique"),
        ("Paiement et Solde", "/paiement"),
        ("Réservations", "/reservations"),
        ("Dossier Famille", "/dossier"),
    ] {
        home.assert_contains(&format!("href=\"{href}\""));
        home.assert_contains(label);
        assert_eq!(c.get(href).await.status, StatusCode::OK, "{href}");
    }
    home.assert_contains("<a href=\"/accueil\" aria-current=\"page\">Accueil</a>");
    home.assert_contains("MARTIN Claire")
        .assert_contains("Se déconnecter")
        .assert_contains("Dernière mise à jour : ");
}
