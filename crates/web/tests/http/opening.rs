//! The opening morning: every password hash waits its turn in the password queue, and a
//! login that finds the queue full gets the waiting page, without any hash computed, and
//! is signed in when it comes back.

use std::time::Duration;

use axum::http::StatusCode;
use ribambelle_web::PasswordQueueLimits;

use crate::support::TestApp;

const MARTIN: (&str, &str) = ("martin", "Martin-Demo-2026!");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_logins_at_once_never_run_more_hashes_than_configured() {
    let limits = PasswordQueueLimits {
        at_once: 2,
        waiting: 1_000,
        wait: Duration::from_secs(600),
    };
    let app = TestApp::with_demo_configured(|config| config.password_queue = limits).await;
    let logins = (0..300).map(|i| {
        let app = &app;
        async move {
            app.client_from(&format!("198.51.{}.{}", i / 200, i % 200))
                .login(MARTIN.0, MARTIN.1)
                .await
        }
    });
    let pages = futures_util::future::join_all(logins).await;
    for page in &pages {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location(), "/accueil");
    }
    let figures = app.state.password_queue.figures();
    assert_eq!(
        figures.computed, 300,
        "every login had its password checked"
    );
    assert_eq!(figures.turned_away, 0);
    assert!(
        figures.most_running <= 2,
        "{} hashes ran at once",
        figures.most_running
    );
}

#[tokio::test]
async fn a_full_queue_gives_the_waiting_page_without_hashing_and_the_family_comes_back_signed_in() {
    let limits = PasswordQueueLimits {
        at_once: 1,
        waiting: 0,
        wait: Duration::ZERO,
    };
    let app = TestApp::with_demo_configured(|config| config.password_queue = limits).await;
    // Another login holds the only place until the test lets it go.
    let queue = app.state.password_queue.clone();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn(async move { queue.run(move |_| released.recv()).await });
    while app.state.password_queue.figures().most_running == 0 {
        tokio::task::yield_now().await;
    }

    let mut family = app.client();
    let waiting = family.login(MARTIN.0, MARTIN.1).await;
    assert_eq!(waiting.status, StatusCode::SERVICE_UNAVAILABLE);
    waiting
        .assert_contains("Beaucoup de familles se connectent en ce moment")
        .assert_contains("Vous êtes en file d'attente")
        .assert_contains("Réessayer maintenant");
    // It comes back by itself, to an address that carries nothing typed.
    let refresh = waiting.header("refresh");
    let (seconds, target) = refresh
        .split_once("; url=")
        .unwrap_or_else(|| panic!("refresh header: {refresh:?}"));
    assert!(
        (3..=7).contains(&seconds.parse::<u64>().unwrap()),
        "{refresh}"
    );
    assert_eq!(target, "/connexion/attente");
    assert_eq!(waiting.header("retry-after"), seconds);
    assert_eq!(waiting.header("cache-control"), "no-store");
    assert!(
        !waiting.body.contains(MARTIN.1),
        "the password is never sent back"
    );
    assert!(
        family.cookie.is_none(),
        "no session before the password was checked"
    );
    let figures = app.state.password_queue.figures();
    assert_eq!(
        (figures.computed, figures.turned_away),
        (0, 1),
        "no hash computed for the waiting page"
    );

    // Still full when the browser comes back: the waiting page again, still no hash.
    let again = family.get("/connexion/attente").await;
    assert_eq!(again.status, StatusCode::SERVICE_UNAVAILABLE);
    again.assert_contains("Beaucoup de familles se connectent en ce moment");
    assert_eq!(app.state.password_queue.figures().computed, 0);

    release.send(()).unwrap();
    holder.await.unwrap().unwrap().unwrap();
    let signed_in = family.get("/connexion/attente").await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert_eq!(signed_in.location(), "/accueil");
    assert!(family.cookie.is_some());
    family.get("/accueil").await.assert_contains("MARTIN");
    assert_eq!(
        app.state.password_queue.figures().computed,
        2,
        "the held login and MARTIN's"
    );

    // A ticket serves once; a stale one leads back to the login form, in French.
    let mut stale = app.client();
    let expired = stale.get("/connexion/attente").await;
    assert_eq!(expired.location(), "/connexion?attente=terminee");
    stale
        .get(expired.location())
        .await
        .assert_contains("L'attente est terminée : saisissez à nouveau votre mot de passe");
}

#[tokio::test]
async fn the_staff_login_waits_in_the_same_queue() {
    let limits = PasswordQueueLimits {
        at_once: 1,
        waiting: 0,
        wait: Duration::ZERO,
    };
    let app = TestApp::with_demo_configured(|config| config.password_queue = limits).await;
    let queue = app.state.password_queue.clone();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn(async move { queue.run(move |_| released.recv()).await });
    while app.state.password_queue.figures().most_running == 0 {
        tokio::task::yield_now().await;
    }
    let mut staff = app.client();
    let waiting = staff
        .post(
            "/gestion/connexion",
            &[("identifiant", "gestion"), ("mot_de_passe", "x")],
        )
        .await;
    assert_eq!(waiting.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        waiting
            .header("refresh")
            .ends_with("; url=/gestion/connexion/attente")
    );
    release.send(()).unwrap();
    holder.await.unwrap().unwrap().unwrap();
    // A family's page does not resume a staff login.
    let elsewhere = staff.get("/connexion/attente").await;
    assert_eq!(elsewhere.location(), "/connexion?attente=terminee");
}
