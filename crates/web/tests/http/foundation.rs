use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn health_answers_once_the_database_is_reachable() {
    let app = TestApp::empty().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.trim(), "ok");

    app.state.db.close().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_visitor_is_sent_to_the_login_page_of_the_home_structure() {
    let (app, _town) = TestApp::with_town().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.header("location"), "/connexion");

    let login = app.get("/connexion").await;
    assert_eq!(login.status, StatusCode::OK);
    login
        .assert_contains("<html lang=\"fr\">")
        .assert_contains("<title>Connexion – Mairie de CarteVille</title>")
        .assert_contains("<label for=\"identifiant\">Identifiant</label>")
        .assert_contains("<label for=\"mot_de_passe\">Mot de passe</label>")
        .assert_contains("Réinitialiser votre mot de passe")
        .assert_contains("href=\"https://www.carteville.example\"")
        .assert_contains("/theme/carteville.css");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (app, _town) = TestApp::with_town().await;
    for path in ["/connexion", "/healthz", "/page-inconnue"] {
        let page = app.get(path).await;
        let csp = page.header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("referrer-policy"), "same-origin", "{path}");
        // The test configuration's public URL is HTTPS, which turns on HSTS.
        assert!(
            page.header("strict-transport-security")
                .starts_with("max-age="),
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_pages_get_the_french_404_page() {
    let (app, _town) = TestApp::with_town().await;
    let page = app.get("/nimporte-quoi").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header("content-type").starts_with("text/html"));
    page.assert_contains("Page introuvable")
        .assert_contains("Revenir à l'accueil");
}

#[tokio::test]
async fn a_database_failure_shows_a_french_500_page_without_details() {
    let (app, _town) = TestApp::with_town().await;
    app.state.db.close().await;
    let page = app.get("/connexion").await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    page.assert_contains("Une erreur est survenue");
    assert!(
        !page.body.to_lowercase().contains("pool"),
        "no internal detail: {}",
        page.body
    );
    assert!(
        !page.body.contains("sqlx"),
        "no internal detail: {}",
        page.body
    );
}

#[tokio::test]
async fn static_files_are_cached_for_a_year_under_their_content_version() {
    let (app, _town) = TestApp::with_town().await;
    let login = app.get("/connexion").await;
    let css_url = login
        .body
        .split('"')
        .find(|part| part.starts_with("/static/") && part.ends_with("/app.css"))
        .expect("the page links its stylesheet")
        .to_owned();
    let css = app.get(&css_url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(
        css.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(css.body.contains(":focus-visible"));

    let stale = app.get("/static/000000000000/app.css").await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.header("cache-control"), "no-cache");
    assert_eq!(
        app.get("/static/000000000000/secret.txt").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/static/x/..%2FCargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn each_structure_has_its_accent_colour_stylesheet() {
    let (app, _town) = TestApp::with_town().await;
    app.ecureuils()
        .await
        .configure(|s| s.accent_color = "#2e6b30".to_owned())
        .await;
    let theme = app.get("/theme/ecureuils.css").await;
    assert_eq!(theme.status, StatusCode::OK);
    assert_eq!(theme.body.trim(), ":root { --accent: #2e6b30; }");
    assert_eq!(
        app.get("/theme/inconnue.css").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/theme/carteville").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_empty_installation_still_shows_a_login_page() {
    let app = TestApp::empty().await;
    let login = app.get("/connexion").await;
    assert_eq!(login.status, StatusCode::OK);
    login.assert_contains("Portail Famille");
}

#[tokio::test]
async fn a_body_over_the_global_limit_gets_a_french_page() {
    let (app, _town) = TestApp::with_town().await;
    let body = vec![b'a'; 11 * 1024 * 1024];
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/connexion")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", body.len())
        .header("sec-fetch-site", "same-origin")
        .body(axum::body::Body::from(body))
        .unwrap();
    let page = app.send(request).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    page.assert_contains("Envoi trop volumineux")
        .assert_contains("2000 ko par fichier");
    assert!(page.header("content-type").starts_with("text/html"));
}
