//! Announcements and versioned texts from the back office: published, edited and removed
//! announcements reach the families' « Accueil » in their period; a new version of a text
//! is asked again of the families; refusals in French; animateurs read only; a gestionnaire
//! of one structure never reaches another's; every change in the journal with its author.

use axum::http::StatusCode;
use ribambelle_domain::staff::StaffRole;

use ribambelle_testkit::NewFamily;

use crate::support::{Client, TestApp, martin};

/// « gestion » of CarteVille, where MARTIN is a family; Les Écureuils besides.
async fn portal() -> (TestApp, String) {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    app.ecureuils().await;
    (app, town.id.to_string())
}

async fn staff(app: &TestApp) -> Client<'_> {
    app.gestion(&["carteville"]).await
}

#[tokio::test]
async fn an_announcement_is_published_edited_and_removed_for_the_families() {
    let (app, structure) = portal().await;
    let today = app.today().strftime("%d/%m/%Y").to_string();
    let mut g = staff(&app).await;
    let mut martin = app.client();
    martin.login("martin", NewFamily::PASSWORD).await;

    let empty = g
        .post_signed(
            "/gestion/annonces",
            "/gestion/annonces",
            &[
                ("structure", &structure),
                ("titre", " "),
                ("texte", "x"),
                ("debut", "31/02/2026"),
                ("fin", ""),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty
        .assert_contains("Saisissez le titre de l&#39;annonce.")
        .assert_contains("Saisissez une date au format jj/mm/aaaa.")
        .assert_contains("2 champs sont à corriger.");
    let backwards = g
        .post_signed(
            "/gestion/annonces",
            "/gestion/annonces",
            &[
                ("structure", &structure),
                ("titre", "Fête"),
                ("texte", "x"),
                ("debut", "10/06/2026"),
                ("fin", "01/06/2026"),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    backwards.assert_contains("La fin de l&#39;affichage doit venir après son début.");

    let fields = [
        ("structure", structure.as_str()),
        ("titre", "Fermeture exceptionnelle"),
        ("texte", "L'accueil du soir ferme à 17h vendredi."),
        ("debut", today.as_str()),
        ("fin", ""),
    ];
    let published = g
        .post_signed("/gestion/annonces", "/gestion/annonces", &fields)
        .await;
    assert_eq!(published.location(), "/gestion/annonces?fait=publiee");
    martin
        .get("/accueil")
        .await
        .assert_contains("Fermeture exceptionnelle")
        .assert_contains("ferme à 17h vendredi");

    let id: i64 =
        sqlx::query_scalar("SELECT id FROM announcements WHERE title = 'Fermeture exceptionnelle'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let page = format!("/gestion/annonces/{id}");
    let edited = g
        .post_signed(
            &page,
            &page,
            &[
                ("titre", "Fermeture avancée"),
                ("texte", "L'accueil du soir ferme à 16h30 vendredi."),
                ("debut", today.as_str()),
                ("fin", ""),
            ],
        )
        .await;
    assert_eq!(edited.location(), "/gestion/annonces?fait=modifiee");
    martin
        .get("/accueil")
        .await
        .assert_contains("Fermeture avancée");
    let removed = g
        .post_signed(&page, &format!("{page}/supprimer"), &[])
        .await;
    assert_eq!(removed.location(), "/gestion/annonces?fait=supprimee");
    assert!(
        !martin
            .get("/accueil")
            .await
            .body
            .contains("Fermeture avancée")
    );
    assert_eq!(g.get(&page).await.status, StatusCode::NOT_FOUND);

    let journal = g.get("/gestion/journal?personnel=gestion").await;
    journal
        .assert_contains("Annonce publiée : Fermeture exceptionnelle")
        .assert_contains("Annonce modifiée : Fermeture avancée")
        .assert_contains("Annonce supprimée : Fermeture avancée")
        .assert_contains("Titre : Fermeture exceptionnelle");
}

#[tokio::test]
async fn a_new_version_of_the_cgu_is_asked_again_of_the_families() {
    let (app, structure) = portal().await;
    let mut g = staff(&app).await;
    let page = format!("/gestion/textes/{structure}/cgu");
    g.get(&page).await.assert_contains("nouvelle version");
    let (title, body): (String, String) = sqlx::query_as(
        "SELECT title, body FROM legal_texts WHERE kind = 'cgu' AND structure_id = (SELECT id FROM structures WHERE slug = 'carteville') ORDER BY version DESC LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let unchanged = g
        .post_signed(&page, &page, &[("titre", &title), ("texte", &body)])
        .await;
    assert_eq!(
        unchanged.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unchanged.body
    );
    unchanged.assert_contains("identique à la version en vigueur");
    let published = g
        .post_signed(
            &page,
            &page,
            &[
                ("titre", &title),
                ("texte", "Les nouvelles conditions : article 1."),
            ],
        )
        .await;
    assert_eq!(published.location(), "/gestion/annonces?fait=texte");

    let mut martin = app.client();
    martin.login("martin", NewFamily::PASSWORD).await;
    assert_eq!(
        martin.get("/accueil").await.location(),
        "/conditions",
        "MARTIN must accept the new CGU first"
    );
    martin
        .get("/conditions")
        .await
        .assert_contains("Les nouvelles conditions : article 1.");
    g.get("/gestion/journal")
        .await
        .assert_contains("Nouvelle version publiée : Conditions générales d&#39;utilisation")
        .assert_contains("Version : 2");
}

#[tokio::test]
async fn animateurs_read_only_and_other_structures_stay_out_of_reach() {
    let (app, structure) = portal().await;
    let today = app.today().strftime("%d/%m/%Y").to_string();
    let mut g = staff(&app).await;
    g.post_signed(
        "/gestion/annonces",
        "/gestion/annonces",
        &[
            ("structure", &structure),
            ("titre", "Menus de juin"),
            ("texte", "Voir le site."),
            ("debut", &today),
            ("fin", ""),
        ],
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM announcements WHERE title = 'Menus de juin'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();

    let mut animateur = app
        .staff_member("anim", StaffRole::Animateur, &["carteville"])
        .await;
    animateur
        .get("/gestion/annonces")
        .await
        .assert_contains("Menus de juin");
    let refused = animateur
        .post_signed(
            "/gestion/annonces",
            "/gestion/annonces",
            &[
                ("structure", &structure),
                ("titre", "Intrus"),
                ("texte", "x"),
                ("debut", &today),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = format!("/gestion/annonces/{id}");
    assert_eq!(
        animateur
            .post_signed(&page, &format!("{page}/supprimer"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let mut other = app
        .staff_member("ecureuils", StaffRole::Gestionnaire, &["ecureuils"])
        .await;
    let list = other.get("/gestion/annonces").await;
    assert!(
        !list.body.contains("Menus de juin")
            && !list.body.contains(">Mairie de CarteVille</option>"),
        "{}",
        list.body
    );
    assert_eq!(other.get(&page).await.status, StatusCode::NOT_FOUND);
    let token = list.csrf().unwrap();
    assert_eq!(
        other
            .post(&format!("{page}/supprimer"), &[("_csrf", &token)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .get(&format!("/gestion/textes/{structure}/cgu"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let foreign = other
        .post(
            "/gestion/annonces",
            &[
                ("_csrf", &token),
                ("structure", &structure),
                ("titre", "Intrus"),
                ("texte", "x"),
                ("debut", &today),
            ],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    foreign.assert_contains("Choisissez une de vos structures.");
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM announcements WHERE title = 'Intrus'")
            .fetch_one(app.db().reader())
            .await
            .unwrap(),
        0
    );
}
