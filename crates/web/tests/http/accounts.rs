//! Logging in and out, the first login, sessions, throttling, the reset by mail, the
//! profile and the structure switch, driven as a browser would.

use axum::http::StatusCode;

use ribambelle_domain::staff::StaffRole;
use ribambelle_testkit::{NewFamily, NewStaff};

use crate::support::{COOKIE, DUPONT_INITIAL, STRONG, TestApp, dupont, martin};

const PASSWORD: &str = NewFamily::PASSWORD;

#[tokio::test]
async fn a_failed_login_says_the_same_whatever_was_wrong() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut client = app.client();
    let wrong_password = client.login("martin", "pas-le-bon").await;
    let unknown = client.login("inconnu", PASSWORD).await;
    for page in [&wrong_password, &unknown] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        page.assert_contains("Identifiant ou mot de passe incorrect.");
        assert!(page.header("set-cookie").is_empty());
    }
    // The identifiant typed is kept in the form; the password never is.
    assert_eq!(
        wrong_password.input_value("identifiant").as_deref(),
        Some("martin")
    );
    assert!(!wrong_password.body.contains("pas-le-bon"));
}

#[tokio::test]
async fn login_form_refuses_empty_and_oversized_fields_in_french() {
    let (app, _town) = TestApp::with_town().await;
    let mut client = app.client();
    let empty = client.login("", "").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty
        .assert_contains("Saisissez votre identifiant.")
        .assert_contains("Saisissez votre mot de passe.");
    let long = client.login(&"x".repeat(101), "abc").await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    long.assert_contains("Ce champ est limité à 100 caractères.");
    // A body that is not a form at all gets the French 400 page, not an error trace.
    let garbage = client.post("/connexion", &[]).await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn identifiants_ignore_case_and_surrounding_spaces() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let page = app.client().login("  Martin ", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/accueil");
}

#[tokio::test]
async fn the_first_login_goes_password_then_texts_then_reglement() {
    let (app, town) = TestApp::with_town().await;
    dupont(&town).await;
    let mut c = app.client();
    assert_eq!(
        c.login("dupont", DUPONT_INITIAL).await.location(),
        "/premiere-connexion"
    );
    // Nothing else is reachable before the password is chosen.
    assert_eq!(c.get("/accueil").await.location(), "/premiere-connexion");
    assert_eq!(c.get("/conditions").await.location(), "/premiere-connexion");

    let form = c.get("/premiere-connexion").await;
    form.assert_contains("Au moins 12 caractères")
        .assert_contains("Ni votre identifiant ni votre nom.");
    let weak = c
        .post_signed(
            "/premiere-connexion",
            "/premiere-connexion",
            &[("nouveau", "Bonjour12"), ("confirmation", "Bonjour12")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    weak.assert_contains("Le mot de passe doit contenir au moins 12 caractères.");
    let named = c
        .post_signed(
            "/premiere-connexion",
            "/premiere-connexion",
            &[
                ("nouveau", "Dupont-Maison-2026"),
                ("confirmation", "Dupont-Maison-2026"),
            ],
        )
        .await;
    named.assert_contains("ni votre identifiant ni votre nom");
    let mismatch = c
        .post_signed(
            "/premiere-connexion",
            "/premiere-connexion",
            &[("nouveau", STRONG), ("confirmation", "autre chose")],
        )
        .await;
    mismatch.assert_contains("La confirmation ne correspond pas au nouveau mot de passe.");

    let saved = c
        .post_signed(
            "/premiere-connexion",
            "/premiere-connexion",
            &[("nouveau", STRONG), ("confirmation", STRONG)],
        )
        .await;
    assert_eq!(saved.location(), "/premiere-connexion/enregistre");
    c.get("/premiere-connexion/enregistre")
        .await
        .assert_contains("Le mot de passe a bien été enregistré")
        .assert_contains("Continuer");

    // Then the RGPD notice and the CGU, each to be ticked.
    assert_eq!(c.get("/accueil").await.location(), "/conditions");
    let texts = c.get("/conditions").await;
    texts
        .assert_contains("Protection des données personnelles (RGPD)")
        .assert_contains("Conditions générales d'utilisation du portail");
    let boxes = texts.input_names("texte_");
    assert_eq!(boxes.len(), 2);
    let only_one = c
        .post_signed("/conditions", "/conditions", &[(boxes[0].as_str(), "oui")])
        .await;
    assert_eq!(only_one.status, StatusCode::UNPROCESSABLE_ENTITY);
    only_one.assert_contains("Cochez cette case pour continuer");
    let both = c
        .post_signed(
            "/conditions",
            "/conditions",
            &[(boxes[0].as_str(), "oui"), (boxes[1].as_str(), "oui")],
        )
        .await;
    assert_eq!(both.location(), "/reglement-interieur");
    let accepted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM consents c JOIN families f ON f.id = c.family_id JOIN legal_texts t ON t.id = c.legal_text_id \
         WHERE f.identifiant = 'dupont' AND t.version = 1 AND c.accepted_at <> ''",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(
        accepted, 2,
        "the version and the time of each acceptance are kept"
    );

    // The règlement: both children named at the top, Amalia first.
    let first = c.get("/reglement-interieur").await;
    let amalia_page = first.location().to_owned();
    let page = c.get(&amalia_page).await;
    page.assert_contains("Amalia")
        .assert_contains("Paolo")
        .assert_contains("Accéder à la fiche");
    page.assert_contains(
        "J'ai pris connaissance du règlement intérieur et j'ai informé mon enfant de ce règlement",
    );
    let signed = c.sign_reglement(&amalia_page).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    c.get(signed.location())
        .await
        .assert_contains("La fiche a bien été validée et transmise.")
        .assert_contains("✓ Fiche signée par DUPONT Jean-Paul, à CarteVille");
    // Paolo is still to sign, so the home page reminds it.
    c.get("/accueil")
        .await
        .assert_contains("Le règlement intérieur de Paolo reste à signer");
    let paolo_page = c.get("/reglement-interieur").await.location().to_owned();
    assert_ne!(paolo_page, amalia_page);
    c.sign_reglement(&paolo_page).await;
    assert_eq!(
        c.get("/reglement-interieur").await.location(),
        &amalia_page,
        "all signed: the first child is shown"
    );
    let home = c.get("/accueil").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("reste à signer"));
    let signatures: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reglement_signatures s JOIN children c ON c.id = s.child_id JOIN families f ON f.id = c.family_id \
         WHERE f.identifiant = 'dupont' AND s.signer_name = 'DUPONT Jean-Paul' AND s.signed_place = 'CarteVille'",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(signatures, 2);
}

#[tokio::test]
async fn a_signature_needs_the_box_place_and_todays_date() {
    let (app, town) = TestApp::with_town().await;
    dupont(&town).await;
    town.family(NewFamily::new("martin").child(ribambelle_testkit::NewChild::new("Léa")))
        .await;
    let mut c = app.client();
    c.login("dupont", DUPONT_INITIAL).await;
    c.post_signed(
        "/premiere-connexion",
        "/premiere-connexion",
        &[("nouveau", STRONG), ("confirmation", STRONG)],
    )
    .await;
    let texts = c.get("/conditions").await.input_names("texte_");
    c.post_signed(
        "/conditions",
        "/conditions",
        &[(texts[0].as_str(), "oui"), (texts[1].as_str(), "oui")],
    )
    .await;
    let child_page = c.get("/reglement-interieur").await.location().to_owned();
    let page = c.get(&child_page).await;
    let text = page.input_value("texte").unwrap();
    let bad = c
        .post_signed(
            &child_page,
            &child_page,
            &[
                ("texte", &text),
                ("nom", ""),
                ("lieu", ""),
                ("date", "2001-01-01"),
                ("heure", "25:00"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Cochez cette case pour confirmer")
        .assert_contains("Saisissez votre nom.")
        .assert_contains("Saisissez le lieu de signature.")
        .assert_contains("La date de signature doit être celle d'aujourd'hui.")
        .assert_contains("Saisissez l'heure de signature");
    // Another family's child, or a made-up one, does not exist for this family.
    let martin_child: String = sqlx::query_scalar("SELECT c.public_id FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin' LIMIT 1")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(
        c.get(&format!("/reglement-interieur/{martin_child}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn login_gives_a_new_session_and_logout_ends_it_on_the_server() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    let first = c.cookie.clone().expect("a session cookie");
    c.login("martin", PASSWORD).await;
    let second = c.cookie.clone().unwrap();
    assert_ne!(first, second, "a new session id at each login");
    let mut old = app.client();
    old.cookie = Some(first);
    assert_eq!(
        old.get("/accueil").await.location(),
        "/connexion",
        "the previous session ended"
    );

    let cookie_header = c
        .login("martin", PASSWORD)
        .await
        .header("set-cookie")
        .to_owned();
    assert!(cookie_header.starts_with(&format!("{COOKIE}=")));
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(
            cookie_header.contains(attribute),
            "{attribute} in {cookie_header}"
        );
    }
    let live = c.cookie.clone().unwrap();
    let out = c.post_signed("/accueil", "/deconnexion", &[]).await;
    assert_eq!(out.location(), "/connexion?deconnecte=1");
    assert!(c.cookie.is_none(), "the cookie is cleared");
    app.get("/connexion?deconnecte=1")
        .await
        .assert_contains("Vous êtes déconnecté.");
    let mut replay = app.client();
    replay.cookie = Some(live);
    assert_eq!(
        replay.get("/accueil").await.location(),
        "/connexion",
        "the session is gone on the server"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_or_too_old() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    assert_eq!(c.get("/accueil").await.status, StatusCode::OK);
    app.exec(
        "UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000000Z'",
        &[],
    )
    .await;
    assert_eq!(
        c.get("/accueil").await.location(),
        "/connexion",
        "idle for more than 30 minutes"
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(count, 0, "an expired session is deleted");

    c.login("martin", PASSWORD).await;
    app.exec(
        "UPDATE sessions SET created_at = '2000-01-01T00:00:00.000000Z'",
        &[],
    )
    .await;
    assert_eq!(
        c.get("/accueil").await.location(),
        "/connexion",
        "older than 12 hours"
    );

    // Pages tell the script when to warn before expiry.
    c.login("martin", PASSWORD).await;
    c.get("/accueil")
        .await
        .assert_contains("<meta name=\"session-seconds-left\" content=\"1");
}

#[tokio::test]
async fn the_expiry_warning_can_keep_the_session_alive() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    let token = c.get("/accueil").await.csrf().unwrap();
    app.exec(
        "UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000000Z'",
        &[],
    )
    .await;
    // Simulate a session 29 minutes idle by moving last_seen_at close to the limit.
    let nearly = ribambelle_store::db_time(app.now() - jiff::SignedDuration::from_mins(29));
    app.exec("UPDATE sessions SET last_seen_at = $1", &[&nearly])
        .await;
    let request = axum::http::Request::post("/session/prolonger")
        .header("cookie", format!("{COOKIE}={}", c.cookie.clone().unwrap()))
        .header("x-csrf-token", token)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::NO_CONTENT);
    let after = ribambelle_store::db_time(app.now() - jiff::SignedDuration::from_mins(2));
    let fresh: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE last_seen_at > $1")
        .bind(after)
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(fresh, 1);
}

#[tokio::test]
async fn forged_requests_are_refused() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    // A signed-in form without the page's token.
    let no_token = c
        .post(
            "/dossier/profil/emails",
            &[("emails", "pirate@example.fr"), ("actuel", PASSWORD)],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    no_token.assert_contains("Action refusée");
    let wrong_token = c.post("/deconnexion", &[("_csrf", "0000")]).await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.get("/accueil").await.status,
        StatusCode::OK,
        "the forged logout did nothing"
    );
    // A cross-site post, as a browser marks it, even to a public form.
    let request = axum::http::Request::post("/connexion")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://pirate.example")
        .body(axum::body::Body::from(format!(
            "identifiant=martin&mot_de_passe={}",
            PASSWORD.replace('!', "%21")
        )))
        .unwrap();
    let page = app.send(request).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.header("set-cookie").is_empty());
    let emails: String =
        sqlx::query_scalar("SELECT emails FROM families WHERE identifiant = 'martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert!(!emails.contains("pirate"));
}

#[tokio::test]
async fn repeated_failures_slow_down_then_lock_the_account() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    dupont(&town).await;
    let mut c = app.client();
    for _ in 0..4 {
        assert_eq!(
            c.login("martin", "mauvais").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // From the fourth failure on, the next attempt must wait, even with the right password.
    let hurried = c.login("martin", PASSWORD).await;
    assert_eq!(hurried.status, StatusCode::TOO_MANY_REQUESTS);
    hurried.assert_contains("Patientez");
    for _ in 0..6 {
        // Skip the waiting delay while keeping the failures counted.
        app.exec(
            "UPDATE login_throttle SET last_failure_at = $1 WHERE key = 'compte:martin'",
            &[&ribambelle_store::db_time(
                app.now() - jiff::SignedDuration::from_mins(2),
            )],
        )
        .await;
        c.login("martin", "mauvais").await;
    }
    let locked = c.login("martin", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    locked.assert_contains("l'accès est bloqué pendant 15 minutes");
    // Another family is not affected.
    assert_eq!(
        app.client_from("192.0.2.99")
            .login("dupont", DUPONT_INITIAL)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_slowed_down() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut attacker = app.client_from("198.51.100.7");
    for i in 0..11 {
        attacker.login(&format!("compte{i}"), "mauvais").await;
    }
    let page = attacker.login("martin", PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    // A family on another address logs in normally.
    assert_eq!(
        app.client_from("192.0.2.50")
            .login("martin", PASSWORD)
            .await
            .location(),
        "/accueil"
    );
}

#[tokio::test]
async fn a_family_switches_the_structure_it_consults() {
    let (app, town) = TestApp::with_town().await;
    let ecureuils = app.ecureuils().await;
    town.family(NewFamily::new("martin").also_at(&ecureuils))
        .await;
    town.announcement(
        "Menus de la restauration scolaire",
        "Les menus du mois sont affichés à l'entrée des écoles.",
    )
    .await;
    ecureuils
        .announcement(
            "Bienvenue aux Écureuils",
            "Le programme des mercredis est à l'accueil du centre.",
        )
        .await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    let home = c.get("/accueil").await;
    home.assert_contains("Menus de la restauration scolaire")
        .assert_contains("Structure consultée");
    let switched = c
        .post_signed(
            "/accueil",
            "/structure",
            &[
                ("structure", &ecureuils.id.to_string()),
                ("retour", "/accueil"),
            ],
        )
        .await;
    assert_eq!(switched.location(), "/accueil");
    let after = c.get("/accueil").await;
    after
        .assert_contains("Bienvenue aux Écureuils")
        .assert_contains("/theme/ecureuils.css");
    assert!(!after.body.contains("Menus de la restauration scolaire"));
    // A structure the family is not known to, an unknown one, or garbage.
    let dupont_only = c
        .post_signed(
            "/accueil",
            "/structure",
            &[("structure", "999999"), ("retour", "/accueil")],
        )
        .await;
    assert_eq!(dupont_only.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.post_signed("/accueil", "/structure", &[("structure", "abc")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let elsewhere = c
        .post_signed(
            "/accueil",
            "/structure",
            &[
                ("structure", &ecureuils.id.to_string()),
                ("retour", "https://pirate.example/"),
            ],
        )
        .await;
    assert_eq!(elsewhere.location(), "/accueil");
}

#[tokio::test]
async fn families_never_reach_the_back_office() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let ecureuils = app.ecureuils().await;
    NewStaff::new("gestion", StaffRole::Gestionnaire)
        .structures(&["carteville", &ecureuils.slug])
        .add(app.db(), app.now())
        .await;
    assert_eq!(app.get("/gestion").await.location(), "/gestion/connexion");
    let mut family = app.client();
    family.login("martin", PASSWORD).await;
    let refused = family.get("/gestion").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.assert_contains("Accès réservé");
    // A family's credentials do not open the staff login either.
    let mut other = app.client_from("192.0.2.77");
    assert_eq!(
        other
            .post(
                "/gestion/connexion",
                &[("identifiant", "martin"), ("mot_de_passe", PASSWORD)]
            )
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let mut staff = app.client_from("192.0.2.78");
    let login = staff
        .post(
            "/gestion/connexion",
            &[
                ("identifiant", "gestion"),
                ("mot_de_passe", NewStaff::PASSWORD),
            ],
        )
        .await;
    assert_eq!(login.location(), "/gestion");
    staff
        .get("/gestion")
        .await
        .assert_contains("Tableau de bord")
        .assert_contains("Centre de loisirs Les Écureuils");
    assert_eq!(
        staff.get("/accueil").await.location(),
        "/gestion",
        "staff are sent to their own space"
    );
    assert_eq!(
        staff
            .post_signed("/gestion", "/gestion/deconnexion", &[])
            .await
            .location(),
        "/gestion/connexion"
    );
    assert_eq!(staff.get("/gestion").await.location(), "/gestion/connexion");
}

/// « Accueil » is the family's dashboard: each invoice left to pay with « Payer », each
/// fiche to complete or refused with why and the way to it, each child's next days.
#[tokio::test]
async fn the_home_page_says_what_waits_for_the_family_and_its_next_days() {
    let app = TestApp::with_demo().await;
    let mut c = app.client();
    c.login("martin", "Martin-Demo-2026!").await;
    let martins_fiches = "SELECT COUNT(*) FROM fiches f JOIN families m ON m.id = f.family_id WHERE m.identifiant = 'martin' \
        AND f.campaign_id IN (SELECT d.id FROM dossier_campaigns d JOIN structures s ON s.id = d.structure_id WHERE s.slug = 'carteville')";
    // Read at every login, the page writes nothing: the fiches not opened yet count as to
    // complete, and exist once the dossier was opened.
    let first = c.get("/accueil").await;
    let count = |sql: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(app.db().reader())
                .await
                .unwrap()
        }
    };
    assert_eq!(count(martins_fiches).await, 0, "Accueil created no fiche");
    c.get("/dossier").await;
    let all = count(martins_fiches).await;
    first.assert_contains(&format!(
        "<strong>Dossier famille : {all} fiches à compléter.</strong> <a href=\"/dossier\">Compléter le dossier</a>"
    ));
    let (refused, reason) = ("Fiche sanitaire", "Le carnet de vaccination est illisible.");
    sqlx::query(
        "UPDATE fiches SET state = 'refusee', refusal_reason = $1 WHERE kind = 'sanitaire' AND child_id = (SELECT id FROM children WHERE first_name = 'Léa')",
    )
    .bind(reason)
    .execute(app.db().writer())
    .await
    .unwrap();
    let home = c.get("/accueil").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("<h2 id=\"a-faire\">À faire</h2>")
        .assert_contains(&format!(
            "<strong>{refused} de Léa : refusée.</strong> Motif : {reason}"
        ))
        .assert_contains("Corriger la fiche");
    // The others, still to complete, in one line that leads to the dossier.
    home.assert_contains(&format!(
        "<strong>Dossier famille : {} fiches à compléter.</strong> <a href=\"/dossier\">Compléter le dossier</a>",
        all - 1
    ));

    let owed: Vec<String> = sqlx::query_scalar(
        "SELECT i.number FROM invoices i JOIN families f ON f.id = i.family_id JOIN structures s ON s.id = i.structure_id \
         WHERE f.identifiant = 'martin' AND s.slug = 'carteville' \
           AND i.amount_cents > COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0)",
    )
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    assert!(!owed.is_empty(), "the demo's MARTIN has invoices to pay");
    for number in &owed {
        home.assert_contains(&format!("Facture {number} : "))
            .assert_contains(&format!(
                "Payer<span class=\"visually-hidden\"> la facture {number}</span>"
            ));
    }

    let next: String = sqlx::query_scalar(
        "SELECT MIN(r.day) FROM reservations r JOIN children c ON c.id = r.child_id \
         WHERE c.first_name = 'Léa' AND r.day >= $1 AND r.state IN ('acceptee', 'non_transmise', 'attente') \
           AND r.activity_id IN (SELECT a.id FROM activities a JOIN structures s ON s.id = a.structure_id WHERE s.slug = 'carteville')",
    )
    .bind(app.today().to_string())
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    home.assert_contains("<h2 id=\"prochains-jours\">Prochains jours</h2>")
        .assert_contains("<h3>Léa</h3>")
        .assert_contains(&format!(
            "<li><span aria-hidden=\"true\">{}</span>",
            ribambelle_domain::french::short_day(next.parse().unwrap())
        ))
        .assert_contains("Voir toutes les réservations");
}
