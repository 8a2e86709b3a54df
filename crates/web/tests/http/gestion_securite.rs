//! The staff's second factor: turned on with a first code, then asked after the password
//! at every sign-in (no session before it); a wrong or reused code is refused, too many end
//! the attempt; turning it off takes a code; both changes are in the journal.

use axum::http::StatusCode;
use ribambelle_domain::second_factor::{code_at, step_of};

use ribambelle_testkit::NewStaff;

use crate::support::TestApp;

fn now(app: &TestApp) -> u64 {
    u64::try_from(app.now().as_second()).unwrap()
}

async fn secret(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT totp_secret FROM staff WHERE login = 'gestion'")
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

/// A code of a time step not used yet: the current one may have served already.
fn fresh_code(secret: &str, after: u64) -> String {
    code_at(secret, (after + 1) * 30).unwrap()
}

#[tokio::test]
async fn a_code_is_asked_after_the_password_once_the_second_factor_is_on() {
    let (app, _town) = TestApp::with_town().await;
    let mut g = app.gestion(&["carteville"]).await;
    g.get("/gestion")
        .await
        .assert_contains("activez la double authentification");
    let started = g
        .post_signed("/gestion/securite", "/gestion/securite/preparer", &[])
        .await;
    assert_eq!(started.location(), "/gestion/securite");
    let page = g.get("/gestion/securite").await;
    page.assert_contains("<svg")
        .assert_contains("Code QR à scanner");
    let secret = secret(&app).await;
    let wrong = g
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/activer",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_contains("Ce code est incorrect");
    let code = code_at(&secret, now(&app)).unwrap();
    let enabled = g
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/activer",
            &[("code", &code)],
        )
        .await;
    assert_eq!(enabled.location(), "/gestion/securite?fait=activee");

    // The password alone now opens no session.
    let mut c = app.client();
    let asked = c
        .post(
            "/gestion/connexion",
            &[
                ("identifiant", "gestion"),
                ("mot_de_passe", NewStaff::PASSWORD),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    asked.assert_contains("Code de vérification");
    assert!(
        asked.header("set-cookie").is_empty(),
        "no session before the code"
    );
    assert_eq!(c.get("/gestion").await.status, StatusCode::SEE_OTHER);
    let challenge = asked.input_value("defi").unwrap();
    let reused = c
        .post(
            "/gestion/connexion/code",
            &[("defi", &challenge), ("code", &code)],
        )
        .await;
    assert_eq!(
        reused.status,
        StatusCode::UNAUTHORIZED,
        "the activation's code has served already"
    );
    let last = step_of(now(&app));
    let good = c
        .post(
            "/gestion/connexion/code",
            &[("defi", &challenge), ("code", &fresh_code(&secret, last))],
        )
        .await;
    assert_eq!(good.location(), "/gestion");
    c.get("/gestion").await.assert_contains("Tableau de bord");
    let replay = c
        .post(
            "/gestion/connexion/code",
            &[("defi", &challenge), ("code", &fresh_code(&secret, last))],
        )
        .await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a challenge answered is over"
    );
    replay.assert_contains("La vérification a expiré");

    // Too many wrong codes end the attempt.
    let mut d = app.client();
    let asked = d
        .post(
            "/gestion/connexion",
            &[
                ("identifiant", "gestion"),
                ("mot_de_passe", NewStaff::PASSWORD),
            ],
        )
        .await;
    let challenge = asked.input_value("defi").unwrap();
    for _ in 0..4 {
        assert_eq!(
            d.post(
                "/gestion/connexion/code",
                &[("defi", &challenge), ("code", "999999")]
            )
            .await
            .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let ended = d
        .post(
            "/gestion/connexion/code",
            &[("defi", &challenge), ("code", "999999")],
        )
        .await;
    assert_eq!(ended.status, StatusCode::TOO_MANY_REQUESTS);
    ended.assert_contains("Trop de codes incorrects");

    // Turning it off takes a code.
    let refused = c
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/desactiver",
            &[("code", "123")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let used = c
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/desactiver",
            &[("code", &fresh_code(&secret, last))],
        )
        .await;
    assert_eq!(
        used.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the sign-in's code has served already"
    );
    // A minute later the current code has never served.
    sqlx::query("UPDATE staff SET totp_last_step = totp_last_step - 3 WHERE login = 'gestion'")
        .execute(app.db().writer())
        .await
        .unwrap();
    let off = c
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/desactiver",
            &[("code", &code_at(&secret, now(&app)).unwrap())],
        )
        .await;
    assert_eq!(off.location(), "/gestion/securite?fait=desactivee");
    let plain = app
        .client()
        .post(
            "/gestion/connexion",
            &[
                ("identifiant", "gestion"),
                ("mot_de_passe", NewStaff::PASSWORD),
            ],
        )
        .await;
    assert_eq!(plain.location(), "/gestion");
    let journal = c.get("/gestion/journal?personnel=gestion").await;
    journal
        .assert_contains("Double authentification activée : gestion")
        .assert_contains("Double authentification désactivée : gestion");
}

#[tokio::test]
async fn a_staff_member_changes_their_password_and_their_other_sessions_end() {
    let (app, _town) = TestApp::with_town().await;
    let mut g = app.gestion(&["carteville"]).await;
    let mut elsewhere = app.gestion(&["carteville"]).await;
    let wrong = g
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/mot-de-passe",
            &[
                ("actuel", "faux"),
                ("nouveau", "court"),
                ("confirmation", "autre"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong
        .assert_contains("Le mot de passe actuel est incorrect.")
        .assert_contains("La confirmation ne correspond pas");
    let new = "Velo-Orange-Marelle-2031!";
    let changed = g
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/mot-de-passe",
            &[
                ("actuel", NewStaff::PASSWORD),
                ("nouveau", new),
                ("confirmation", new),
            ],
        )
        .await;
    assert_eq!(
        changed.location(),
        "/gestion/securite?fait=mot-de-passe",
        "{}",
        changed.body
    );
    assert_eq!(
        g.get("/gestion").await.status,
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        elsewhere.get("/gestion").await.status,
        StatusCode::SEE_OTHER,
        "the other one ended"
    );
    let old = app
        .client()
        .post(
            "/gestion/connexion",
            &[
                ("identifiant", "gestion"),
                ("mot_de_passe", NewStaff::PASSWORD),
            ],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let fresh = app
        .client()
        .post(
            "/gestion/connexion",
            &[("identifiant", "gestion"), ("mot_de_passe", new)],
        )
        .await;
    assert_eq!(fresh.location(), "/gestion");
    g.get("/gestion/journal?personnel=gestion")
        .await
        .assert_contains("Mot de passe changé par son titulaire : gestion");
}
