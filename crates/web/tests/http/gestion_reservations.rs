//! Réservations et pointage in the back office (R-BO-6): the lists of a day with the
//! children's health information (never cached, each reading logged), the processing run
//! on demand, the pointage and its consommations; animateurs read only, and a gestionnaire
//! sees only the structures they manage.

use axum::http::StatusCode;
use jiff::{ToSpan, civil::Date};
use ribambelle_domain::french::long_date;
use ribambelle_domain::staff::StaffRole;

use crate::dossier::staff;
use crate::support::TestApp;

async fn text(app: &TestApp, sql: &'static str, bind: &str) -> String {
    sqlx::query_scalar(sql)
        .bind(bind.to_owned())
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

async fn number(app: &TestApp, sql: &'static str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind.to_owned())
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

async fn activity(app: &TestApp, name: &str) -> String {
    text(
        app,
        "SELECT public_id FROM activities WHERE name = $1",
        name,
    )
    .await
}

async fn child(app: &TestApp, first_name: &str) -> String {
    text(
        app,
        "SELECT public_id FROM children WHERE first_name = $1",
        first_name,
    )
    .await
}

fn list(activity: &str, day: Date) -> String {
    format!("/gestion/reservations?activite={activity}&jour={day}")
}

fn pointage(activity: &str, day: Date) -> String {
    format!("/gestion/reservations/pointage?activite={activity}&jour={day}")
}

/// The next Wednesday on which Léa and her twelve neighbours fill 13 of MERCREDI's 14 places.
async fn next_mercredi(app: &TestApp) -> Date {
    let today = app.today();
    let day: String = sqlx::query_scalar(
        "SELECT MIN(r.day) FROM reservations r JOIN activities a ON a.id = r.activity_id JOIN children c ON c.id = r.child_id \
         WHERE a.name = 'MERCREDI' AND c.first_name = 'Léa' AND r.day > $1 AND r.state = 'acceptee'",
    )
    .bind(today.to_string())
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    day.parse().unwrap()
}

/// Léa's fiche sanitaire, as MARTIN transmitted it at CarteVille's campaign.
async fn lea_fiche_sanitaire(app: &TestApp) {
    sqlx::query(
        "INSERT INTO fiches (public_id, campaign_id, family_id, child_id, subject, kind, state, data, updated_at, transmitted_at) \
         SELECT 'fiche-lea', d.id, c.family_id, c.id, 'enfant:' || c.id, 'sanitaire', 'transmise', $1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' \
         FROM children c, dossier_campaigns d JOIN structures s ON s.id = d.structure_id WHERE c.first_name = 'Léa' AND s.slug = 'carteville'",
    )
    .bind(r#"{"allergies":"Arachide : stylo d'adrénaline dans le sac","regime_alimentaire":"Sans porc","pai":"oui","traitement":"Ventoline si crise d'asthme"}"#)
    .execute(app.db().writer())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_days_lists_show_the_booked_and_the_waiting_with_health_information_never_cached_and_logged()
 {
    let app = TestApp::with_demo().await;
    let day = next_mercredi(&app).await;
    lea_fiche_sanitaire(&app).await;
    // DUPONT's children wait for a place: Paolo first in the queue, then Amalia.
    for (first_name, position) in [("Amalia", 9), ("Paolo", 3)] {
        sqlx::query(
            "INSERT INTO reservations (family_id, child_id, activity_id, day, state, amount_cents, confirmed_at, updated_at, queue_position) \
             SELECT c.family_id, c.id, a.id, $1, 'attente', 900, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', $2 \
             FROM children c, activities a WHERE c.first_name = $3 AND a.name = 'MERCREDI'",
        )
        .bind(day.to_string())
        .bind(position)
        .bind(first_name)
        .execute(app.db().writer())
        .await
        .unwrap();
    }
    let mercredi = activity(&app, "MERCREDI").await;
    let mut g = staff(&app).await;

    let page = g.get(&list(&mercredi, day)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), "no-store");
    page.assert_contains(&format!("MERCREDI — {}", long_date(day)))
        .assert_contains("13 inscrits sur 14 places, 2 en liste d'attente")
        .assert_contains("MARTIN Léa")
        .assert_contains("Arachide : stylo d'adrénaline dans le sac")
        .assert_contains("PAI")
        .assert_contains("Sans porc")
        .assert_contains("Ventoline si crise d'asthme")
        .assert_contains("BERNARD Emma")
        .assert_contains("Pas de fiche sanitaire transmise")
        .assert_contains("Lancer le traitement");
    let waiting = &page.body[page.body.find("Liste d'attente</h2>").unwrap()..];
    assert!(
        waiting.find("DUPONT Paolo").unwrap() < waiting.find("DUPONT Amalia").unwrap(),
        "in queue order"
    );
    assert!(!waiting.contains("BERNARD Emma"));
    // The next day MERCREDI opens is a click away: a week later, or after the holidays.
    page.assert_contains(&format!(
        "Jour suivant : {}",
        long_date(app.next_opening("MERCREDI", day).await)
    ));
    assert!(
        !page.body.contains("Faire le pointage"),
        "a day to come is not pointed"
    );

    let reads = number(&app, "SELECT COUNT(*) FROM health_data_reads WHERE fiche_id = (SELECT id FROM fiches WHERE public_id = $1)", "fiche-lea").await;
    assert_eq!(reads, 1, "one reading for the one fiche shown");
    g.get("/gestion/journal")
        .await
        .assert_contains("Lecture de données de santé")
        .assert_contains("Fiche sanitaire de Léa")
        .assert_contains("Nadia GESTION");

    // Today by default; a date that cannot be read is said at its field.
    let today = app.today();
    g.get(&format!("/gestion/reservations?activite={mercredi}"))
        .await
        .assert_contains(&format!("MERCREDI — {}", long_date(today)));
    let bad = g
        .get(&format!(
            "/gestion/reservations?activite={mercredi}&jour=31/02/2026"
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Saisissez une date au format jj/mm/aaaa.")
        .assert_contains("aria-invalid=\"true\"");
    assert_eq!(
        g.get("/gestion/reservations?activite=inconnue")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The chooser lists both structures' activities.
    g.get("/gestion/reservations")
        .await
        .assert_contains("Choisir une activité et un jour")
        .assert_contains("MERCREDI NATURE")
        .assert_contains("APS MATIN");
}

#[tokio::test]
async fn the_processing_button_decides_the_requests_and_is_journaled() {
    let app = TestApp::with_demo().await;
    let sql = "SELECT COUNT(*) FROM reservations r JOIN families f ON f.id = r.family_id WHERE f.identifiant = $1 AND r.state = 'non_transmise'";
    let waiting = number(&app, sql, "martin").await;
    assert!(waiting > 0, "MARTIN has requests not sent yet");
    let mut g = staff(&app).await;

    let ran = g
        .post_signed(
            "/gestion/reservations",
            "/gestion/reservations/traitement",
            &[],
        )
        .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER);
    assert!(
        ran.location()
            .starts_with("/gestion/reservations?traitement=fait&demandes="),
        "{}",
        ran.location()
    );
    let decided = ran
        .location()
        .split("demandes=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_owned();
    let page = g.get(ran.location()).await;
    page.assert_contains(&format!("Traitement terminé : {decided} demandes traitées"))
        .assert_contains("demandes traitées")
        .assert_contains("mails de compte rendu");
    assert_eq!(
        number(&app, sql, "martin").await,
        0,
        "every request of MARTIN is decided"
    );
    let mails = app.mails_matching("claire.martin@example.fr", "").await;
    assert!(!mails.is_empty(), "MARTIN's report is queued");

    // Started from a list, it comes back to that list.
    let mercredi = activity(&app, "MERCREDI").await;
    let day = next_mercredi(&app).await;
    let from_list = g
        .post_signed(
            &list(&mercredi, day),
            "/gestion/reservations/traitement",
            &[("activite", &mercredi), ("jour", &day.to_string())],
        )
        .await;
    assert!(
        from_list
            .location()
            .starts_with(&format!("{}&traitement=fait", list(&mercredi, day))),
        "{}",
        from_list.location()
    );
    g.get(from_list.location())
        .await
        .assert_contains("Traitement terminé : Aucune demande à traiter");

    let journal = g.get("/gestion/journal").await;
    journal
        .assert_contains("Traitement des demandes lancé")
        .assert_contains("Nadia GESTION")
        .assert_contains(&format!("Demandes traitées : {decided}"));
}

#[tokio::test]
async fn an_animateur_reads_the_lists_but_neither_points_nor_runs_the_processing() {
    let app = TestApp::with_demo().await;
    let mut a = app
        .staff_member("anim", StaffRole::Animateur, &["carteville", "ecureuils"])
        .await;
    let restauration = activity(&app, "RESTAURATION").await;
    let yesterday = app.today() - 1.day();
    let page = a.get(&list(&restauration, yesterday)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(&format!("RESTAURATION — {}", long_date(yesterday)));
    assert!(
        !page.body.contains("Lancer le traitement") && !page.body.contains("Faire le pointage"),
        "no button that would be refused"
    );

    assert_eq!(
        a.get(&pointage(&restauration, yesterday)).await.status,
        StatusCode::FORBIDDEN
    );
    let fields = [
        ("activite", restauration.as_str()),
        ("jour", &yesterday.to_string()),
    ];
    assert_eq!(
        a.post_signed(
            "/gestion/reservations",
            "/gestion/reservations/pointage",
            &fields
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.post_signed(
            "/gestion/reservations",
            "/gestion/reservations/traitement",
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let runs = number(
        &app,
        "SELECT COUNT(*) FROM processing_runs WHERE started_at > $1",
        "2000",
    )
    .await;
    assert_eq!(runs, 0, "no run was started");
}

#[tokio::test]
async fn a_gestionnaire_of_carteville_only_never_reaches_les_ecureuils() {
    let app = TestApp::with_demo().await;
    let mut c = app
        .staff_member("cv", StaffRole::Gestionnaire, &["carteville"])
        .await;
    let nature = activity(&app, "MERCREDI NATURE").await;
    let today = app.today();

    let chooser = c.get("/gestion/reservations").await;
    chooser.assert_contains("APS MATIN");
    assert!(!chooser.body.contains("MERCREDI NATURE") && !chooser.body.contains("Les Écureuils"));
    assert_eq!(
        c.get(&list(&nature, today)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&pointage(&nature, today)).await.status,
        StatusCode::NOT_FOUND
    );
    let fields = [("activite", nature.as_str()), ("jour", &today.to_string())];
    assert_eq!(
        c.post_signed(
            "/gestion/reservations",
            "/gestion/reservations/pointage",
            &fields
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        number(
            &app,
            "SELECT COUNT(*) FROM attendance WHERE day = $1",
            &today.to_string()
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_pointage_writes_the_consommations_and_never_removes_an_invoiced_one() {
    let app = TestApp::with_demo().await;
    let today = app.today();
    let restauration = activity(&app, "RESTAURATION").await;
    let (lea, hugo, amalia) = (
        child(&app, "Léa").await,
        child(&app, "Hugo").await,
        child(&app, "Amalia").await,
    );
    // Léa's last lunch (the prepaid Restauration is never invoiced).
    let day: Date = text(
        &app,
        "SELECT MAX(c.day) FROM consommations c JOIN activities a ON a.id = c.activity_id JOIN children ch ON ch.id = c.child_id \
         WHERE a.name = 'RESTAURATION' AND ch.first_name = $1",
        "Léa",
    )
    .await
    .parse()
    .unwrap();
    let hugo_booked = number(
        &app,
        "SELECT COUNT(*) FROM reservations r JOIN children c ON c.id = r.child_id JOIN activities a ON a.id = r.activity_id \
         WHERE c.first_name = 'Hugo' AND a.name = 'RESTAURATION' AND r.state = 'acceptee' AND r.day = $1",
        &day.to_string(),
    )
    .await
        == 1;
    let mut g = staff(&app).await;
    let form = pointage(&restauration, day);

    let sheet = g.get(&form).await;
    assert_eq!(sheet.status, StatusCode::OK);
    sheet
        .assert_contains("MARTIN Léa")
        .assert_contains("Ajouter un enfant venu sans réservation")
        .assert_contains("DUPONT Amalia");
    assert!(
        sheet.body.contains(&format!(
            "name=\"presence-{lea}\" value=\"present\" checked"
        )),
        "present by default"
    );

    // A child left without an answer is named at their line.
    let missing = g
        .post_signed(
            &form,
            "/gestion/reservations/pointage",
            &[("activite", &restauration), ("jour", &day.to_string())],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    missing.assert_contains("Indiquez la présence ou l'absence de MARTIN Léa.");
    let stranger = g
        .post_signed(
            &form,
            "/gestion/reservations/pointage",
            &[
                ("activite", &restauration),
                ("jour", &day.to_string()),
                (&format!("presence-{lea}"), "present"),
                (&format!("presence-{hugo}"), "present"),
                ("ajout", "quelqu-un"),
            ],
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    stranger.assert_contains("Choisissez un enfant de la liste des inscrits à l'activité.");

    // Léa was absent, Amalia DUPONT came without a booking.
    let (day_text, lea_field, hugo_field, amalia_field) = (
        day.to_string(),
        format!("presence-{lea}"),
        format!("presence-{hugo}"),
        format!("presence-{amalia}"),
    );
    let mut fields = vec![
        ("activite", restauration.as_str()),
        ("jour", day_text.as_str()),
        (lea_field.as_str(), "absent"),
    ];
    if hugo_booked {
        fields.push((hugo_field.as_str(), "present"));
    }
    let first_time = [fields.clone(), vec![("ajout", amalia.as_str())]].concat();
    let recorded = g
        .post_signed(&form, "/gestion/reservations/pointage", &first_time)
        .await;
    assert_eq!(
        recorded.location(),
        format!("{}&pointage=enregistre", list(&restauration, day))
    );
    let after = g.get(recorded.location()).await;
    after
        .assert_contains("Le pointage est enregistré")
        .assert_contains("Venus sans réservation")
        .assert_contains("Pointage enregistré par Nadia GESTION");
    let consumed = |first_name: &'static str| {
        let app = &app;
        let day = day.to_string();
        async move {
            let rows: Vec<i64> = sqlx::query_scalar(
                "SELECT c.amount_cents FROM consommations c JOIN children ch ON ch.id = c.child_id JOIN activities a ON a.id = c.activity_id \
                 WHERE ch.first_name = $1 AND a.name = 'RESTAURATION' AND c.day = $2",
            )
            .bind(first_name)
            .bind(day)
            .fetch_all(app.db().reader())
            .await
            .unwrap();
            rows
        }
    };
    assert_eq!(
        consumed("Léa").await,
        Vec::<i64>::new(),
        "absent: no lunch billed"
    );
    assert_eq!(
        consumed("Amalia").await,
        vec![280],
        "DUPONT's quotient 850: 2,80 €"
    );
    if hugo_booked {
        assert_eq!(
            consumed("Hugo").await,
            vec![390],
            "MARTIN's quotient 1200: his booking's 3,90 €"
        );
    }
    // Recorded again as it is: nothing moves.
    let again = g.get(&form).await;
    assert!(
        again
            .body
            .contains(&format!("name=\"{lea_field}\" value=\"absent\" checked")),
        "the recorded answers are shown"
    );
    let same = [fields.clone(), vec![(amalia_field.as_str(), "present")]].concat();
    assert_eq!(
        g.post_signed(&form, "/gestion/reservations/pointage", &same)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(consumed("Amalia").await, vec![280]);
    assert_eq!(consumed("Léa").await, Vec::<i64>::new());

    let journal = g.get("/gestion/journal").await;
    journal
        .assert_contains("Pointage enregistré")
        .assert_contains(&format!("RESTAURATION — {}", long_date(day)))
        .assert_contains("MARTIN Léa : absence")
        .assert_contains("DUPONT Amalia : présence sans réservation");

    // Léa's last invoiced APS MATIN: her absence would take a line off an invoice.
    let aps = activity(&app, "APS MATIN").await;
    let invoiced: (String, String) = sqlx::query_as(
        "SELECT c.day, i.number FROM consommations c JOIN invoices i ON i.id = c.invoice_id JOIN activities a ON a.id = c.activity_id \
         JOIN children ch ON ch.id = c.child_id WHERE a.name = 'APS MATIN' AND ch.first_name = 'Léa' ORDER BY c.day DESC LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let invoiced_day: Date = invoiced.0.parse().unwrap();
    let aps_form = pointage(&aps, invoiced_day);
    let refused = g
        .post_signed(
            &aps_form,
            "/gestion/reservations/pointage",
            &[
                ("activite", &aps),
                ("jour", &invoiced.0),
                (&lea_field, "absent"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains(&format!("figure déjà sur la facture {}", invoiced.1))
        .assert_contains("Le pointage n'a pas été enregistré.");
    // Only APS MATIN's pointage of that day is looked at: the lunches recorded above may
    // fall on the same day.
    let aps_pointed = "SELECT COUNT(*) FROM attendance t JOIN activities a ON a.id = t.activity_id WHERE a.name = 'APS MATIN' AND t.day = $1";
    assert_eq!(number(&app, aps_pointed, &invoiced.0).await, 0);

    // A day to come is not pointed.
    let tomorrow = today + 1.day();
    g.get(&pointage(&restauration, tomorrow))
        .await
        .assert_contains("n'a pas encore commencé");
    let future = g
        .post_signed(
            &form,
            "/gestion/reservations/pointage",
            &[("activite", &restauration), ("jour", &tomorrow.to_string())],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    future.assert_contains("n'a pas encore commencé");
}
