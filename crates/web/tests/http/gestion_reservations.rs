//! Réservations et pointage in the back office (R-BO-6): the lists of a day with the
//! children's health information (never cached, each reading logged), the processing run
//! on demand, the pointage and its consommations; animateurs read only, and a gestionnaire
//! sees only the structures they manage.

use axum::http::StatusCode;
use jiff::{ToSpan, civil::Date};
use ribambelle_domain::french::long_date;
use ribambelle_domain::staff::StaffRole;

use ribambelle_domain::{booking::Pending, dossier::FicheKind};
use ribambelle_testkit::{NewActivity, NewChild, NewFamily};

use crate::support::{Client, TestApp, dupont_at};

/// CarteVille and Les Écureuils (MERCREDI NATURE), « gestion » working for both.
/// - MERCREDI (13 places), three weeks on: Léa MARTIN and six neighbour families' twelve
///   children hold every place; DUPONT's Paolo then Amalia wait on the list; Léa's next
///   two Wednesdays after that and Paolo's first are asked for, not decided yet.
/// - RESTAURATION, by quotient (2,80 € up to QF 1000, 3,90 € up to 1500): Léa and Hugo
///   were booked on the last day it opened.
/// - APS MATIN: Léa came on its last day before this month, invoiced since.
/// - Léa's fiche sanitaire is transmitted.
async fn portal() -> TestApp {
    let (app, town) = TestApp::with_town().await;
    let ecureuils = app.ecureuils().await;
    ecureuils
        .activity(NewActivity::new("MERCREDI NATURE"))
        .await;
    // Both bill an absence not cancelled in time, as the demo's do.
    let morning = town
        .activity(NewActivity::new("APS MATIN").bills_absences())
        .await;
    let lunch = town
        .activity(NewActivity::new("RESTAURATION").bills_absences().prices(&[
            (Some(1000), 280),
            (Some(1500), 390),
            (None, 450),
        ]))
        .await;
    let wednesday = town
        .activity(
            NewActivity::new("MERCREDI")
                .weekdays(&[jiff::civil::Weekday::Wednesday])
                .capacity(13)
                .price(900),
        )
        .await;
    let martin = town
        .family(
            NewFamily::new("martin")
                .emails(&["claire.martin@example.fr"])
                .quotient_familial(1200)
                .child(NewChild::new("Léa").registered(&[morning, lunch, wednesday]))
                .child(NewChild::new("Hugo").registered(&[lunch])),
        )
        .await;
    let dupont = dupont_at(&town, &[lunch, wednesday]).await;
    sqlx::query("UPDATE families SET quotient_familial = 850 WHERE id = $1")
        .bind(dupont.id.get())
        .execute(app.db().writer())
        .await
        .unwrap();
    let (lea, hugo) = (martin.child("Léa"), martin.child("Hugo"));
    let day = town.next_opening(wednesday, app.today() + 21.days()).await;
    town.book(&martin, &[(lea, wednesday, day)]).await;
    for name in ["BERNARD", "PETIT", "ROBERT", "RICHARD", "DURAND", "LEROY"] {
        let neighbours = town
            .family(
                NewFamily::new(&name.to_lowercase())
                    .child(NewChild::new("Emma").registered(&[wednesday]))
                    .child(NewChild::new("Louis").registered(&[wednesday])),
            )
            .await;
        let days = [
            (neighbours.child("Emma"), wednesday, day),
            (neighbours.child("Louis"), wednesday, day),
        ];
        town.book(&neighbours, &days).await;
    }
    for child in ["Paolo", "Amalia"] {
        town.book(&dupont, &[(dupont.child(child), wednesday, day)])
            .await;
    }
    let last_lunch = town.last_opening(lunch, app.today()).await;
    town.book(
        &martin,
        &[(lea, lunch, last_lunch), (hugo, lunch, last_lunch)],
    )
    .await;
    let last_month = town
        .last_opening(morning, app.today().first_of_month())
        .await;
    town.attended(&[(lea, morning, last_month)]).await;
    town.issue_invoices(last_month).await;
    town.campaign().await;
    let answers = [
        ("allergies", "Arachide : stylo d'adrénaline dans le sac"),
        ("regime_alimentaire", "Sans porc"),
        ("pai", "oui"),
        ("traitement", "Ventoline si crise d'asthme"),
    ];
    town.transmit_fiche(&martin, "Léa", FicheKind::Sanitaire, &answers)
        .await;
    let later = town.next_opening(wednesday, day).await;
    let after = town.next_opening(wednesday, later).await;
    let asked = [
        (lea, wednesday, later, Pending::Book),
        (lea, wednesday, after, Pending::Book),
    ];
    town.confirm(&martin, &asked).await;
    let paolo_asks = [(dupont.child("Paolo"), wednesday, later, Pending::Book)];
    town.confirm(&dupont, &paolo_asks).await;
    app.gestion(&["carteville", "ecureuils"]).await;
    app
}

async fn staff(app: &TestApp) -> Client<'_> {
    app.gestion(&[]).await
}

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

/// The next Wednesday on which Léa and her twelve neighbours fill MERCREDI's 13 places.
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

#[tokio::test]
async fn a_days_lists_show_the_booked_and_the_waiting_with_health_information_never_cached_and_logged()
 {
    let app = portal().await;
    let day = next_mercredi(&app).await;
    let mercredi = activity(&app, "MERCREDI").await;
    let mut g = staff(&app).await;

    let page = g.get(&list(&mercredi, day)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), "no-store");
    page.assert_contains(&format!("MERCREDI — {}", long_date(day)))
        .assert_contains("13 inscrits sur 13 places, 2 en liste d'attente")
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

    let reads = number(&app, "SELECT COUNT(*) FROM health_data_reads WHERE fiche_id = (SELECT f.id FROM fiches f JOIN children c ON c.id = f.child_id WHERE f.kind = 'sanitaire' AND c.first_name = $1)", "Léa").await;
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
    let app = portal().await;
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
    let app = portal().await;
    let started = ribambelle_store::db_time(app.now());
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
        &started,
    )
    .await;
    assert_eq!(runs, 0, "no run was started");
}

#[tokio::test]
async fn a_gestionnaire_of_carteville_only_never_reaches_les_ecureuils() {
    let app = portal().await;
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
    let app = portal().await;
    let today = app.today();
    let restauration = activity(&app, "RESTAURATION").await;
    let (lea, hugo, amalia) = (
        child(&app, "Léa").await,
        child(&app, "Hugo").await,
        child(&app, "Amalia").await,
    );
    // Léa's last lunch.
    let day: Date = text(
        &app,
        "SELECT MAX(r.day) FROM reservations r JOIN activities a ON a.id = r.activity_id JOIN children ch ON ch.id = r.child_id \
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
        .assert_contains("DUPONT Amalia")
        .assert_contains("Un enfant absent l'est aussi (absence non annulée), sauf absence excusée par un certificat médical.")
        .assert_contains(&format!("name=\"presence-{lea}\" value=\"excuse\""))
        .assert_contains("Absent excusé");
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
        vec![390],
        "absent without an excuse: her booking's 3,90 € (MARTIN's quotient 1200)"
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
    assert_eq!(consumed("Léa").await, vec![390]);

    // The medical certificate comes: her absence is excused, her lunch no longer billed.
    let excused = [
        vec![
            ("activite", restauration.as_str()),
            ("jour", day_text.as_str()),
            (lea_field.as_str(), "excuse"),
            (amalia_field.as_str(), "present"),
        ],
        fields[3..].to_vec(),
    ]
    .concat();
    assert_eq!(
        g.post_signed(&form, "/gestion/reservations/pointage", &excused)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(consumed("Léa").await, Vec::<i64>::new());
    assert_eq!(consumed("Amalia").await, vec![280]);
    g.get(&list(&restauration, day))
        .await
        .assert_contains("Absent excusé");
    // The activity stops billing absences: the excuse reads as the absence it now is, and
    // the sheet offers no excuse any more.
    sqlx::query(
        "UPDATE activities SET absence_billing = 'non_facturee' WHERE name = 'RESTAURATION'",
    )
    .execute(app.db().writer())
    .await
    .unwrap();
    let unbilled = g.get(&form).await;
    unbilled.assert_contains(&format!("name=\"{lea_field}\" value=\"absent\" checked"));
    assert!(!unbilled.body.contains("value=\"excuse\""));
    sqlx::query("UPDATE activities SET absence_billing = 'facturee' WHERE name = 'RESTAURATION'")
        .execute(app.db().writer())
        .await
        .unwrap();

    let journal = g.get("/gestion/journal").await;
    journal
        .assert_contains("Pointage enregistré")
        .assert_contains(&format!("RESTAURATION — {}", long_date(day)))
        .assert_contains("MARTIN Léa : absence excusée")
        .assert_contains("MARTIN Léa : absence</td>")
        .assert_contains("DUPONT Amalia : présence sans réservation");

    // Léa's last invoiced APS MATIN: her excused absence would take a line off an invoice.
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
    // Only APS MATIN's pointage of that day is looked at: the lunches recorded above may
    // fall on the same day.
    let aps_pointed = "SELECT COUNT(*) FROM attendance t JOIN activities a ON a.id = t.activity_id WHERE a.name = 'APS MATIN' AND t.day = $1";
    let pointed_before = number(&app, aps_pointed, &invoiced.0).await;
    let refused = g
        .post_signed(
            &aps_form,
            "/gestion/reservations/pointage",
            &[
                ("activite", &aps),
                ("jour", &invoiced.0),
                (&lea_field, "excuse"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused
        .assert_contains(&format!("figure déjà sur la facture {}", invoiced.1))
        .assert_contains("Le pointage n'a pas été enregistré.");
    assert_eq!(
        number(&app, aps_pointed, &invoiced.0).await,
        pointed_before,
        "the refused sheet left the day's pointage as it was"
    );

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
