//! « Personnel »: the administrateur creates and edits staff accounts; the new account signs
//! in with the password shown once and sees only its structures; a role lowered to
//! animateur changes nothing any more; a new password ends its sessions; refusals in
//! French; nobody but an administrateur reaches the pages; every change in the journal.

use axum::http::StatusCode;
use ribambelle_domain::staff::StaffRole;

use ribambelle_testkit::{ADMIN_LOGIN, NewStaff};

use crate::support::{Client, Page, TestApp};

/// CarteVille and Les Écureuils, with « gestion » working for both.
async fn two_structures() -> TestApp {
    let (app, _town) = TestApp::with_town().await;
    app.ecureuils().await;
    app.gestion(&["carteville", "ecureuils"]).await;
    app
}

async fn staff(app: &TestApp) -> Client<'_> {
    app.gestion(&[]).await
}

async fn admin(app: &TestApp) -> Client<'_> {
    let mut c = app.client();
    let signed = c
        .post(
            "/gestion/connexion",
            &[
                ("identifiant", ADMIN_LOGIN),
                ("mot_de_passe", NewStaff::PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.location(), "/gestion", "the administrateur signs in");
    c
}

async fn structure_id(app: &TestApp, slug: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM structures WHERE slug = $1")
        .bind(slug)
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    id.to_string()
}

async fn staff_id(app: &TestApp, login: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM staff WHERE login = $1")
        .bind(login)
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

/// The password shown once on the answer page.
fn shown_password(page: &Page) -> String {
    let marker = "id=\"mot-de-passe\">";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no password shown: {}", page.body))
        + marker.len();
    let end = page.body[start..].find('<').unwrap() + start;
    page.body[start..end].to_owned()
}

async fn sign_in<'a>(app: &'a TestApp, login: &str, password: &str) -> Client<'a> {
    let mut c = app.client();
    let signed = c
        .post(
            "/gestion/connexion",
            &[("identifiant", login), ("mot_de_passe", password)],
        )
        .await;
    assert_eq!(signed.location(), "/gestion", "{login} signs in");
    c
}

#[tokio::test]
async fn the_administrateur_creates_a_gestionnaire_who_sees_only_its_structure() {
    let app = two_structures().await;
    let mut a = admin(&app).await;
    let carteville = structure_id(&app, "carteville").await;
    let list = a.get("/gestion/personnel").await;
    list.assert_contains("Nadia GESTION")
        .assert_contains("Claude ADMIN")
        .assert_contains("Personnel");

    let created = a
        .post_signed(
            "/gestion/personnel/nouveau",
            "/gestion/personnel/nouveau",
            &[
                ("identifiant", " Lucie.Durand "),
                ("nom", "Lucie DURAND"),
                ("email", "lucie.durand@carteville.example"),
                ("role", "gestionnaire"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.header("cache-control"), "no-store");
    created
        .assert_contains("Le compte est créé")
        .assert_contains("lucie.durand");
    let password = shown_password(&created);
    assert!(password.len() >= 12);
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM staff WHERE login = 'lucie.durand'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert!(!stored.contains(&password), "never stored in clear");
    a.get("/gestion/personnel")
        .await
        .assert_contains("lucie.durand")
        .assert_contains("Mairie de CarteVille");

    // The new account works and sees CarteVille only.
    let mut l = sign_in(&app, "lucie.durand", &password).await;
    let annonces = l.get("/gestion/annonces").await;
    assert_eq!(annonces.status, StatusCode::OK);
    annonces.assert_contains("Mairie de CarteVille");
    assert!(
        !annonces.text().contains("Les Écureuils"),
        "another structure stays hidden: {}",
        annonces.body
    );
    staff(&app)
        .await
        .get("/gestion/annonces")
        .await
        .assert_contains("Les Écureuils");
    // A gestionnaire does not manage the staff: the menu does not offer it, and the page,
    // asked for all the same, says why inside the back office.
    assert!(
        !l.get("/gestion")
            .await
            .body
            .contains("href=\"/gestion/personnel\""),
        "no « Personnel » in a gestionnaire's menu"
    );
    assert!(
        a.get("/gestion")
            .await
            .body
            .contains("href=\"/gestion/personnel\""),
        "« Personnel » in the administrateur's menu"
    );
    let refused = l.get("/gestion/personnel").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused
        .assert_contains("Accès non autorisé pour votre rôle")
        .assert_contains("adressez-vous à un administrateur du portail")
        .assert_contains("Rubriques de la gestion")
        .assert_contains("href=\"/gestion\">Revenir au tableau de bord");
    assert!(!refused.text().contains("ouverte depuis longtemps"));

    // Lowered to animateur: reads, changes nothing.
    let id = staff_id(&app, "lucie.durand").await;
    let page = format!("/gestion/personnel/{id}");
    let saved = a
        .post_signed(
            &page,
            &page,
            &[
                ("nom", "Lucie DURAND"),
                ("email", "lucie.durand@carteville.example"),
                ("role", "animateur"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(
        saved.location(),
        format!("/gestion/personnel/{id}?fait=enregistre")
    );
    a.get(saved.location())
        .await
        .assert_contains("Les modifications sont enregistrées");
    let refused = l
        .post_signed(
            "/gestion/campagnes",
            "/gestion/campagnes",
            &[
                ("structure", &carteville),
                ("libelle", "Dossier"),
                ("ouverture", "01/06/2027"),
                ("cloture", "30/06/2027"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "an animateur changes nothing"
    );
    refused.assert_contains("Accès non autorisé pour votre rôle");

    // A new password ends its session; the old one no longer works, the new one does.
    let renewed = a
        .post_signed(&page, &format!("{page}/mot-de-passe"), &[])
        .await;
    assert_eq!(renewed.status, StatusCode::OK);
    renewed.assert_contains("les sessions ouvertes de ce compte sont fermées");
    let new_password = shown_password(&renewed);
    assert_ne!(new_password, password);
    assert_eq!(
        l.get("/gestion").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let old = app
        .client()
        .post(
            "/gestion/connexion",
            &[("identifiant", "lucie.durand"), ("mot_de_passe", &password)],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    sign_in(&app, "lucie.durand", &new_password).await;

    // The journal, with the author; never a password.
    let journal = a.get("/gestion/journal").await;
    journal
        .assert_contains("Compte du personnel créé")
        .assert_contains("Compte du personnel modifié")
        .assert_contains("Mot de passe du personnel renouvelé");
    journal
        .assert_contains("Claude ADMIN")
        .assert_contains("Rôle : animateur");
    assert!(!journal.body.contains(&password) && !journal.body.contains(&new_password));
}

#[tokio::test]
async fn bad_input_is_refused_in_french() {
    let app = two_structures().await;
    let mut a = admin(&app).await;
    let carteville = structure_id(&app, "carteville").await;
    let new = "/gestion/personnel/nouveau";

    let duplicate = a
        .post_signed(
            new,
            new,
            &[
                ("identifiant", "GESTION"),
                ("nom", "Autre"),
                ("email", "autre@carteville.example"),
                ("role", "gestionnaire"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    duplicate.assert_contains("Cet identifiant est déjà celui d'un autre membre du personnel");

    let bad = a
        .post_signed(
            new,
            new,
            &[
                ("identifiant", "élodie"),
                ("nom", ""),
                ("email", "pas-une-adresse"),
                ("role", "gestionnaire"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("L'identifiant ne peut contenir que des lettres sans accent")
        .assert_contains("Saisissez le nom affiché")
        .assert_contains("n'est pas une adresse e-mail valide")
        .assert_contains("Cochez au moins une structure")
        .assert_contains("4 champs sont à corriger")
        .assert_contains("aria-describedby=\"email-aide email-erreur\"");

    let two = a
        .post_signed(
            new,
            new,
            &[
                ("identifiant", "deux"),
                ("nom", "Deux ADRESSES"),
                ("email", "a@carteville.example; b@carteville.example"),
                ("role", "animateur"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(two.status, StatusCode::UNPROCESSABLE_ENTITY);
    two.assert_contains("Saisissez une seule adresse e-mail");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(count, 2, "nothing created");

    // An administrateur keeps its own role.
    let me = format!("/gestion/personnel/{}", staff_id(&app, "admin").await);
    let demoted = a
        .post_signed(
            &me,
            &me,
            &[
                ("nom", "Claude ADMIN"),
                ("email", "admin@carteville.example"),
                ("role", "gestionnaire"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(demoted.status, StatusCode::UNPROCESSABLE_ENTITY);
    demoted.assert_contains("Vous ne pouvez pas retirer votre propre rôle d'administrateur");
    let role: String = sqlx::query_scalar("SELECT role FROM staff WHERE login = 'admin'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(role, "administrateur");
}

#[tokio::test]
async fn the_administrateur_turns_off_a_lost_phones_second_factor() {
    let app = two_structures().await;
    let mut a = admin(&app).await;
    app.exec("UPDATE staff SET totp_secret = 'JBSWY3DPEHPK3PXP', totp_enabled_at = '2026-01-01T00:00:00Z' WHERE login = $1", &["gestion"]).await;
    a.get("/gestion/personnel").await.assert_contains("Activée");
    let page = format!("/gestion/personnel/{}", staff_id(&app, "gestion").await);
    let off = a
        .post_signed(&page, &format!("{page}/double-authentification"), &[])
        .await;
    assert_eq!(
        off.location(),
        format!("{page}?fait=double-authentification")
    );
    a.get(off.location())
        .await
        .assert_contains("La double authentification est désactivée");
    // The password alone opens a session again.
    staff(&app).await;
    a.get("/gestion/journal")
        .await
        .assert_contains("Double authentification désactivée par un administrateur")
        .assert_contains("Claude ADMIN");
}

#[tokio::test]
async fn only_an_administrateur_reaches_the_staff_pages() {
    let app = two_structures().await;
    let target = format!("/gestion/personnel/{}", staff_id(&app, "admin").await);
    let mut g = staff(&app).await;
    let token = g.get("/gestion").await.csrf().unwrap();
    for path in [
        "/gestion/personnel",
        "/gestion/personnel/nouveau",
        target.as_str(),
    ] {
        assert_eq!(
            g.get(path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    let posts = [
        (
            "/gestion/personnel/nouveau".to_owned(),
            vec![
                ("_csrf", token.as_str()),
                ("identifiant", "intrus"),
                ("nom", "Intrus"),
                ("email", "i@carteville.example"),
                ("role", "administrateur"),
            ],
        ),
        (
            target.clone(),
            vec![
                ("_csrf", token.as_str()),
                ("nom", "Claude ADMIN"),
                ("email", "admin@carteville.example"),
                ("role", "animateur"),
            ],
        ),
        (
            format!("{target}/mot-de-passe"),
            vec![("_csrf", token.as_str())],
        ),
        (
            format!("{target}/double-authentification"),
            vec![("_csrf", token.as_str())],
        ),
    ];
    for (path, fields) in &posts {
        assert_eq!(
            g.post(path, fields).await.status,
            StatusCode::FORBIDDEN,
            "POST {path}"
        );
    }
    let mut animateur = app
        .staff_member("anim", StaffRole::Animateur, &["carteville"])
        .await;
    assert_eq!(
        animateur.get("/gestion/personnel").await.status,
        StatusCode::FORBIDDEN
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE role = 'administrateur'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(count, 1);
}
