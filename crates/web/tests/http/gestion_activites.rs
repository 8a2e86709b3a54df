//! Structures and activities in the back office (R-BO-2), driven as a gestionnaire would:
//! an activity created with its calendar, prices and capacity is what a registered family
//! books; capacity and closures change the family's calendar; bad input is refused in
//! French at its field; the régie's certificate is never shown back; animateurs change
//! nothing and a structure's staff never sees another structure; every change is in the
//! Journal with its author.

use axum::http::StatusCode;
use ribambelle_domain::staff::StaffRole;

use ribambelle_store::payments::{Environment, Provider};
use ribambelle_testkit::{NewActivity, NewChild, NewFamily, Town};

use crate::support::{Client, Page, TestApp};

/// CarteVille (APS MATIN; MERCREDI, 14 places, paid from « Loisirs » on invoice) where
/// MARTIN's Léa (quotient 1200) goes to APS MATIN; Les Écureuils (MERCREDI NATURE, a Systempay régie on the simulated bank);
/// « gestion » working for both.
async fn portal() -> TestApp {
    portal_and_town().await.0
}

/// The portal, and CarteVille to add families to.
async fn portal_and_town() -> (TestApp, Town) {
    let (app, town) = TestApp::with_town().await;
    let ecureuils = app.ecureuils().await;
    let morning = town.activity(NewActivity::new("APS MATIN")).await;
    town.activity(
        NewActivity::new("MERCREDI")
            .weekdays(&[jiff::civil::Weekday::Wednesday])
            .capacity(14)
            .wallet(
                "Loisirs",
                ribambelle_domain::money::BillingMode::Facturation,
            ),
    )
    .await;
    ecureuils
        .activity(NewActivity::new("MERCREDI NATURE"))
        .await;
    ecureuils
        .regie(
            Provider::Systempay,
            Environment::Simulated,
            "12345678",
            "certificat-initial",
        )
        .await;
    town.family(
        NewFamily::new("martin")
            .quotient_familial(1200)
            .child(NewChild::new("Léa").registered(&[morning])),
    )
    .await;
    app.gestion(&["carteville", "ecureuils"]).await;
    (app, town)
}

async fn staff(app: &TestApp) -> Client<'_> {
    app.gestion(&[]).await
}

const NEW: &str = "/gestion/structures/carteville/activites/nouvelle";

/// A complete activity form for CarteVille, open every school weekday.
async fn activity_fields(app: &TestApp, name: &str) -> Vec<(String, String)> {
    let loisirs: i64 = sqlx::query_scalar("SELECT id FROM wallets WHERE name = 'Loisirs'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let mut fields: Vec<(String, String)> = [
        ("nom", name),
        ("porte_monnaie", &loisirs.to_string()),
        ("nouveau_nom", ""),
        ("nouveau_mode", "facturation"),
        ("periode", "scolaire"),
        ("debut", "16:30"),
        ("fin", "18:00"),
        ("capacite", "2"),
        ("limite_jour", "4"),
        ("limite_heure", "23:59"),
        ("limite_semaines", "1"),
        ("qf", "600"),
        ("tarif", "2,50"),
        ("qf", "1500"),
        ("tarif", "4,20"),
        ("qf", ""),
        ("tarif", ""),
        ("tarif_haut", "6"),
        ("absence", "non_facturee"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for day in ["1", "2", "3", "4", "5"] {
        fields.push(("jours".into(), day.into()));
    }
    fields
}

/// Posts `fields` (with `changes` replacing or adding values) from the form page.
async fn submit(
    c: &mut Client<'_>,
    form_page: &str,
    action: &str,
    fields: &[(String, String)],
    changes: &[(&str, &str)],
) -> Page {
    let mut all: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(name, _)| name == k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    all.extend_from_slice(changes);
    c.post_signed(form_page, action, &all).await
}

async fn create(app: &TestApp, c: &mut Client<'_>, name: &str) -> String {
    let fields = activity_fields(app, name).await;
    let created = submit(c, NEW, NEW, &fields, &[]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().to_owned();
    assert!(location.ends_with("?cree=1"), "{location}");
    location.trim_end_matches("?cree=1").to_owned()
}

/// The month's calendar of Léa for the activity, and the first day it offers to book.
async fn first_bookable(
    c: &mut Client<'_>,
    lea: &str,
    activity: &str,
    needle: &str,
) -> (String, String) {
    let today = c.today();
    for offset in 0..3 {
        let month = (today.first_of_month() + jiff::ToSpan::months(offset))
            .strftime("%Y-%m")
            .to_string();
        let page = c
            .get(&format!(
                "/reservations?enfant={lea}&activite={activity}&mois={month}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let marker = "name=\"basculer\" value=\"";
        let mut rest = page.body.as_str();
        while let Some(i) = rest.find(marker) {
            let start = i + marker.len();
            let day = rest[start..start + 10].to_owned();
            let label_end = rest[start..].find("\">").unwrap() + start;
            if rest[start..label_end].contains(needle) {
                return (month, day);
            }
            rest = &rest[label_end..];
        }
    }
    panic!("no day with {needle:?} in three months");
}

#[tokio::test]
async fn an_activity_created_with_its_calendar_prices_and_capacity_is_what_a_family_books() {
    let app = portal().await;
    let mut g = staff(&app).await;
    let list = g.get("/gestion/activites").await;
    list.assert_contains("Mairie de CarteVille")
        .assert_contains("Centre de loisirs Les Écureuils")
        .assert_contains("APS MATIN");
    list.assert_contains("Loisirs (facturation)")
        .assert_contains("14 places par jour");
    let edit = create(&app, &mut g, "ATELIER THÉÂTRE").await;
    let public_id = edit.trim_start_matches("/gestion/activites/").to_owned();
    let page = g.get(&format!("{edit}?cree=1")).await;
    page.assert_contains("L'activité est créée")
        .assert_contains("value=\"16:30\"")
        .assert_contains("value=\"4,20\"");
    g.get("/gestion/activites")
        .await
        .assert_contains("ATELIER THÉÂTRE")
        .assert_contains("lundi, mardi, mercredi, jeudi et vendredi, 16:30 – 18:00")
        .assert_contains("QF jusqu'à 1500 : 4,20");

    // Léa (MARTIN, quotient 1200) registered to it: the family sees its days, places, price.
    sqlx::query("INSERT INTO registrations (child_id, activity_id) SELECT c.id, a.id FROM children c, activities a WHERE c.first_name = 'Léa' AND a.public_id = $1")
        .bind(&public_id)
        .execute(app.db().writer())
        .await
        .unwrap();
    let lea: String = sqlx::query_scalar("SELECT public_id FROM children WHERE first_name = 'Léa'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let mut family = app.client();
    family.login("martin", NewFamily::PASSWORD).await;
    let (month, day) = first_bookable(&mut family, &lea, &public_id, "réservable, 2 places").await;
    let calendar = format!("/reservations?enfant={lea}&activite={public_id}&mois={month}");
    family
        .post_signed(
            &calendar,
            "/reservations/calendrier",
            &[
                ("enfant", &lea),
                ("activite", &public_id),
                ("mois", &month),
                ("basculer", &day),
            ],
        )
        .await;
    family
        .get("/reservations/recapitulatif")
        .await
        .assert_contains("ATELIER THÉÂTRE")
        .assert_contains("4,20");

    // Capacity lowered to 1, then the day closed: the calendar follows.
    let fields = activity_fields(&app, "ATELIER THÉÂTRE").await;
    let saved = submit(&mut g, &edit, &edit, &fields, &[("capacite", "1")]).await;
    assert_eq!(saved.location(), format!("{edit}?enregistre=1"));
    let (_, one_place) = first_bookable(&mut family, &lea, &public_id, "1 place").await;
    assert!(!one_place.is_empty());

    // An absence: not billed as created; billed once the form says so. The family reads
    // which under the calendar, and the change is journaled.
    let billed = "Une absence non annulée dans les délais est facturée au prix de la réservation, sauf absence excusée par un certificat médical.";
    let page = family.get(&calendar).await;
    page.assert_contains("En cas d'absence")
        .assert_contains("seuls les jours où");
    assert!(!page.body.contains(billed));
    let unknown = submit(&mut g, &edit, &edit, &fields, &[("absence", "parfois")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    unknown.assert_contains("Indiquez si une absence non annulée dans les délais est facturée.");
    let saved = submit(
        &mut g,
        &edit,
        &edit,
        &fields,
        &[("capacite", "1"), ("absence", "facturee")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    family.get(&calendar).await.assert_contains(billed);
    g.get("/gestion/journal").await.assert_contains(
        "Absence non annulée : Facturée, sauf absence excusée (certificat médical)",
    );
    let closed = g
        .post_signed(
            &edit,
            &format!("{edit}/fermetures"),
            &[("jour", &day), ("motif", "Grève")],
        )
        .await;
    assert_eq!(
        closed.location(),
        format!("{edit}?fermeture=ajoutee&reservations=0#fermetures")
    );
    g.get(&edit)
        .await
        .assert_contains("Grève")
        .assert_contains("Retirer");
    let after = family.get(&calendar).await;
    assert!(
        !after
            .body
            .contains(&format!("name=\"basculer\" value=\"{day}\"")),
        "a closed day cannot be clicked"
    );
    let again = g
        .post_signed(
            &edit,
            &format!("{edit}/fermetures"),
            &[("jour", &day), ("motif", "Grève")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("L'activité est déjà fermée ce jour-là.");
    let reopened = g
        .post_signed(&edit, &format!("{edit}/fermetures"), &[("retirer", &day)])
        .await;
    assert_eq!(
        reopened.location(),
        format!("{edit}?fermeture=retiree#fermetures")
    );
    assert!(
        family
            .get(&calendar)
            .await
            .body
            .contains(&format!("name=\"basculer\" value=\"{day}\""))
    );

    // What was saved is what the rules read.
    let activity_id: ribambelle_domain::ids::ActivityId =
        sqlx::query_scalar("SELECT id FROM activities WHERE public_id = $1")
            .bind(&public_id)
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let rules = ribambelle_store::bookings::activity_by_id(app.db(), activity_id)
        .await
        .unwrap();
    assert_eq!(rules.capacity, Some(1));
    assert_eq!(
        rules.rules.deadline,
        ribambelle_domain::booking::Deadline::default()
    );
    assert_eq!(rules.prices.len(), 3);

    // The journal: the creation with its values, the change with before and after.
    let journal = g.get("/gestion/journal?personnel=gestion").await;
    journal
        .assert_contains("Activité créée")
        .assert_contains("Activité modifiée")
        .assert_contains("ATELIER THÉÂTRE")
        .assert_contains("Nadia GESTION");
    journal
        .assert_contains("Capacité : 2 places par jour")
        .assert_contains("Capacité : 1 place par jour");
    journal
        .assert_contains("Fermeture ajoutée")
        .assert_contains("Motif : Grève")
        .assert_contains("Fermeture retirée");
}

/// The words of the mail telling a family its waiting reservations got a place.
const PROMOTED: &str = "qui étaient en liste d'attente, sont acceptées";

/// « Lancer le traitement », as the gestionnaire presses it; returns the notice it shows.
async fn run_processing(g: &mut Client<'_>) -> String {
    let ran = g
        .post_signed(
            "/gestion/reservations",
            "/gestion/reservations/traitement",
            &[],
        )
        .await;
    let page = g.get(ran.location()).await;
    let text = page.text();
    let start = text
        .find("Traitement terminé : ")
        .unwrap_or_else(|| panic!("no notice in {}", page.body));
    text[start..start + text[start..].find('.').unwrap() + 1].to_owned()
}

/// A place added, or a closed day opened again, goes to the day's waiting list in arrival
/// order at the next « Lancer le traitement », and the family is told by mail; a day that
/// does not run promotes nobody (issue 19, defect 4).
#[tokio::test]
async fn an_added_place_or_a_reopened_day_goes_to_the_waiting_list_in_order() {
    let (app, town) = portal_and_town().await;
    let mut g = staff(&app).await;
    let fields = activity_fields(&app, "ATELIER THÉÂTRE").await;
    let created = submit(&mut g, NEW, NEW, &fields, &[("capacite", "1")]).await;
    let edit = created.location().trim_end_matches("?cree=1").to_owned();
    let public_id = edit.trim_start_matches("/gestion/activites/").to_owned();
    let atelier: ribambelle_domain::ids::ActivityId =
        sqlx::query_scalar("SELECT id FROM activities WHERE public_id = $1")
            .bind(&public_id)
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    // MARTIN's Léa, BERNARD's Emma and PETIT's Hugo are registered; they ask for the same
    // day in that order.
    sqlx::query("INSERT INTO registrations (child_id, activity_id) SELECT id, $1 FROM children WHERE first_name = 'Léa'")
        .bind(atelier)
        .execute(app.db().writer())
        .await
        .unwrap();
    for (family, child) in [("bernard", "Emma"), ("petit", "Hugo")] {
        town.family(NewFamily::new(family).child(NewChild::new(child).registered(&[atelier])))
            .await;
    }
    let mut booked: Option<(String, String)> = None;
    let mut calendars = Vec::new();
    for (family, child) in [("martin", "Léa"), ("bernard", "Emma"), ("petit", "Hugo")] {
        let mut c = app.client();
        c.login(family, NewFamily::PASSWORD).await;
        let child_id: String =
            sqlx::query_scalar("SELECT public_id FROM children WHERE first_name = $1")
                .bind(child)
                .fetch_one(app.db().reader())
                .await
                .unwrap();
        let (month, day) = match &booked {
            Some(chosen) => chosen.clone(),
            None => first_bookable(&mut c, &child_id, &public_id, "réservable, 1 place").await,
        };
        booked = Some((month.clone(), day.clone()));
        let calendar = format!("/reservations?enfant={child_id}&activite={public_id}&mois={month}");
        let toggle = [
            ("enfant", child_id.as_str()),
            ("activite", public_id.as_str()),
            ("mois", month.as_str()),
            ("basculer", day.as_str()),
        ];
        c.toggle_and_confirm(&calendar, &toggle).await;
        calendars.push((c, calendar, day));
    }
    let day = calendars[0].2.clone();
    let list = format!("/gestion/reservations?activite={public_id}&jour={day}");
    // What the day's button says to a screen reader, from its value to the end of its tag.
    let state_of = |page: &Page| {
        let marker = format!("name=\"basculer\" value=\"{day}\"");
        let start = page.body.find(&marker).map(|i| i + marker.len());
        start.map(|s| page.body[s..s + page.body[s..].find('>').unwrap()].replace("&#39;", "'"))
    };
    assert_eq!(
        run_processing(&mut g).await,
        "Traitement terminé : 3 demandes traitées, 3 mails de compte rendu, aucune place attribuée depuis la liste d'attente."
    );
    g.get(&list)
        .await
        .assert_contains("1 inscrit sur 1 place, 2 en liste d'attente");

    // Closed that day, then a second place: nobody is given a day that does not run.
    let closed = g
        .post_signed(
            &edit,
            &format!("{edit}/fermetures"),
            &[("jour", &day), ("motif", "Grève")],
        )
        .await;
    assert_eq!(
        closed.location(),
        format!("{edit}?fermeture=ajoutee&reservations=3#fermetures")
    );
    let saved = submit(&mut g, &edit, &edit, &fields, &[("capacite", "2")]).await;
    assert_eq!(saved.location(), format!("{edit}?enregistre=1"));
    assert!(
        run_processing(&mut g)
            .await
            .ends_with("aucune place attribuée depuis la liste d'attente.")
    );
    assert!(
        app.mails_matching("bernard@example.fr", PROMOTED)
            .await
            .is_empty()
    );

    // The day opens again: the place goes to Emma, who asked first; Hugo still waits.
    g.post_signed(&edit, &format!("{edit}/fermetures"), &[("retirer", &day)])
        .await;
    assert!(
        run_processing(&mut g)
            .await
            .ends_with(", 1 place attribuée depuis la liste d'attente."),
    );
    g.get(&list)
        .await
        .assert_contains("2 inscrits sur 2 places, 1 en liste d'attente");
    let told = app.mails_matching("bernard@example.fr", PROMOTED).await;
    assert_eq!(told.len(), 1, "BERNARD is told once");
    assert!(told[0].contains("Emma"), "{}", told[0]);
    assert!(
        app.mails_matching("petit@example.fr", PROMOTED)
            .await
            .is_empty()
    );
    let mut seen = Vec::new();
    for (c, calendar, _) in &mut calendars {
        seen.push(state_of(&c.get(calendar).await).unwrap_or_default());
    }
    assert!(
        seen[0].contains("réservé") && seen[1].contains("réservé"),
        "{seen:?}"
    );
    assert!(seen[2].contains("en liste d'attente"), "{seen:?}");

    // CarteVille now decides at once: a third place goes to Hugo as soon as it is saved.
    sqlx::query("UPDATE structures SET processing_mode = 'immediat' WHERE slug = 'carteville'")
        .execute(app.db().writer())
        .await
        .unwrap();
    submit(&mut g, &edit, &edit, &fields, &[("capacite", "3")]).await;
    assert_eq!(
        app.mails_matching("petit@example.fr", PROMOTED).await.len(),
        1
    );
    g.get(&list)
        .await
        .assert_contains("3 inscrits sur 3 places, aucun en liste d'attente");
}

#[tokio::test]
async fn a_holiday_activity_gets_its_booking_windows_and_a_new_porte_monnaie() {
    let app = portal().await;
    let mut g = staff(&app).await;
    let form = g.get(NEW).await;
    // Each holiday period of the zone is offered with its window fields.
    let first_window = form
        .body
        .split("name=\"ouverture-")
        .nth(1)
        .expect("a holiday period in the form")[..10]
        .to_owned();
    let mut fields = activity_fields(&app, "STAGE CIRQUE").await;
    fields.retain(|(k, _)| {
        k != "porte_monnaie" && k != "periode" && k != "nouveau_nom" && k != "nouveau_mode"
    });
    let opens = format!("ouverture-{first_window}");
    let closes = format!("cloture-{first_window}");
    let created = submit(
        &mut g,
        NEW,
        NEW,
        &fields,
        &[
            ("porte_monnaie", "nouveau"),
            ("nouveau_nom", "Stages"),
            ("nouveau_mode", "prepaiement"),
            ("periode", "vacances"),
            (&opens, "01/01/2026"),
            (&closes, "2026-01-20"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let edit = created.location().trim_end_matches("?cree=1").to_owned();
    let page = g.get(&edit).await;
    page.assert_contains("Stages (prépaiement)")
        .assert_contains(&format!("name=\"{opens}\" value=\"2026-01-01\""))
        .assert_contains(&format!("name=\"{closes}\" value=\"2026-01-20\""));
    let window: (String, String) = sqlx::query_as("SELECT w.first_day, w.closes_at FROM holiday_booking_windows w JOIN activities a ON a.id = w.activity_id WHERE a.name = 'STAGE CIRQUE'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(window.0, first_window);
    assert!(
        window.1.starts_with("2026-01-20T22:59:59"),
        "closes at 23:59:59 Paris time: {}",
        window.1
    );
    g.get("/gestion/journal")
        .await
        .assert_contains("Porte-monnaie créé")
        .assert_contains("Mode : prépaiement");

    // The same porte-monnaie name again is refused at its field.
    let twice = submit(
        &mut g,
        NEW,
        NEW,
        &fields,
        &[
            ("porte_monnaie", "nouveau"),
            ("nouveau_nom", "stages"),
            ("nouveau_mode", "facturation"),
            ("periode", "scolaire"),
            ("nom", "AUTRE"),
        ],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    twice.assert_contains("La structure a déjà un porte-monnaie de ce nom");
}

#[tokio::test]
async fn bad_input_is_refused_in_french_at_its_field() {
    let app = portal().await;
    let mut g = staff(&app).await;
    let fields = activity_fields(&app, "ATELIER").await;
    let refused = submit(
        &mut g,
        NEW,
        NEW,
        &fields,
        &[
            ("tarif_haut", "six euros"),
            ("fin", "15:00"),
            ("capacite", "-3"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("3 champs sont à corriger");
    refused.assert_contains("Saisissez un tarif en euros, par exemple 4,50");
    refused.assert_contains("L'heure de fin doit venir après l'heure de début.");
    refused.assert_contains("Saisissez un nombre de places entre 1 et 10000");
    refused.assert_contains("id=\"fin\" name=\"fin\" value=\"15:00\" aria-describedby=\"fin-aide fin-erreur\" aria-invalid=\"true\"");
    let name_taken = submit(&mut g, NEW, NEW, &fields, &[("nom", "aps matin")]).await;
    assert_eq!(name_taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    name_taken.assert_contains("Une autre activité de la structure porte déjà ce nom.");
    let closure = {
        let aps: String =
            sqlx::query_scalar("SELECT public_id FROM activities WHERE name = 'APS MATIN'")
                .fetch_one(app.db().reader())
                .await
                .unwrap();
        let edit = format!("/gestion/activites/{aps}");
        g.post_signed(
            &edit,
            &format!("{edit}/fermetures"),
            &[("jour", "31/02/2027"), ("motif", "")],
        )
        .await
    };
    assert_eq!(closure.status, StatusCode::UNPROCESSABLE_ENTITY);
    closure
        .assert_contains("Saisissez une date au format jj/mm/aaaa.")
        .assert_contains("Saisissez le motif de la fermeture");
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM activities WHERE name = 'ATELIER'")
            .fetch_one(app.db().reader())
            .await
            .unwrap(),
        0
    );

    // A light accent colour would leave the white header text unreadable.
    let structure = "/gestion/structures/carteville";
    let settings = [
        ("nom", "Mairie de CarteVille"),
        ("adresse", ""),
        ("site", ""),
        ("zone", "C"),
        ("traitement", "nuit"),
    ];
    let mut light = settings.to_vec();
    light.push(("couleur", "#ffd700"));
    let pale = g.post_signed(structure, structure, &light).await;
    assert_eq!(pale.status, StatusCode::UNPROCESSABLE_ENTITY);
    pale.assert_contains("Le texte blanc sur cette couleur n'est pas assez lisible (contraste de 1,4:1, il faut au moins 4,5:1)");
    pale.assert_contains("aria-describedby=\"couleur-aide couleur-erreur\" aria-invalid=\"true\"");
    let mut bad_site: Vec<(&str, &str)> = settings
        .iter()
        .copied()
        .filter(|(k, _)| *k != "site")
        .collect();
    bad_site.extend([("couleur", "#1f5f9e"), ("site", "www sans protocole")]);
    let refused_site = g.post_signed(structure, structure, &bad_site).await;
    assert_eq!(refused_site.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused_site.assert_contains("Saisissez l'adresse complète du site");
}

#[tokio::test]
async fn a_structure_is_edited_and_its_regie_certificate_never_shown_back() {
    let app = portal().await;
    let mut g = staff(&app).await;
    let structure = "/gestion/structures/ecureuils";
    let page = g.get(structure).await;
    page.assert_contains("Centre de loisirs Les Écureuils")
        .assert_contains("/gestion/campagnes")
        .assert_contains("Régie actuelle");
    let saved = g
        .post_signed(
            structure,
            structure,
            &[
                ("nom", "Centre de loisirs Les Écureuils"),
                ("adresse", "2 chemin des Pins\n12345 CarteVille"),
                ("site", "https://www.les-ecureuils.example"),
                ("zone", "B"),
                ("couleur", "#6B2E5F"),
                ("traitement", "immediat"),
            ],
        )
        .await;
    assert_eq!(
        saved.location(),
        "/gestion/structures/ecureuils?enregistre=1"
    );
    g.get("/gestion/structures/ecureuils?enregistre=1")
        .await
        .assert_contains("2 chemin des Pins")
        .assert_contains("value=\"#6b2e5f\"");
    assert!(
        app.get("/theme/ecureuils.css")
            .await
            .body
            .contains("#6b2e5f")
    );
    let saved = ribambelle_store::portal::structure_by_slug(app.db(), "ecureuils")
        .await
        .unwrap()
        .unwrap();
    assert!(saved.immediate_processing);
    assert_eq!(saved.school_zone.as_str(), "B");

    // Systempay: the certificate is required, saved, and never shown back.
    let regie = "/gestion/structures/ecureuils/regie";
    let fields = |certificate: &'static str, environment: &'static str| {
        vec![
            ("prestataire", "systempay"),
            ("environnement", environment),
            ("identifiant", "87654321"),
            ("certificat", certificate),
        ]
    };
    let missing = g
        .post_signed(structure, regie, &fields("", "production"))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    missing.assert_contains("Systempay demande le certificat de la plateforme");
    let digits = g
        .post_signed(
            structure,
            regie,
            &[
                ("prestataire", "payfip"),
                ("environnement", "test"),
                ("identifiant", "12AB"),
                ("certificat", ""),
            ],
        )
        .await;
    assert_eq!(digits.status, StatusCode::UNPROCESSABLE_ENTITY);
    digits.assert_contains("L'identifiant PayFiP (numcli) compte 6 chiffres.");
    let ok = g
        .post_signed(
            structure,
            regie,
            &fields("cle-secrete-de-test", "production"),
        )
        .await;
    assert_eq!(ok.location(), "/gestion/structures/ecureuils?regie=1");
    let shown = g.get("/gestion/structures/ecureuils?regie=1").await;
    shown
        .assert_contains("La régie est enregistrée.")
        .assert_contains("certificat enregistré");
    assert!(
        !shown.body.contains("cle-secrete-de-test"),
        "the certificate is never shown back"
    );
    // Left empty on the same platform, the saved certificate is kept.
    assert_eq!(
        g.post_signed(structure, regie, &fields("", "production"))
            .await
            .location(),
        "/gestion/structures/ecureuils?regie=1"
    );
    let secret: String = sqlx::query_scalar("SELECT secret FROM regies WHERE structure_id = 2")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(secret, "cle-secrete-de-test");

    let journal = g.get("/gestion/journal").await;
    journal
        .assert_contains("Structure modifiée")
        .assert_contains("Zone scolaire : B")
        .assert_contains("Régie modifiée")
        .assert_contains("Nadia GESTION");
    journal.assert_contains("Certificat : nouveau certificat enregistré");
    assert!(!journal.body.contains("cle-secrete-de-test"));
}

#[tokio::test]
async fn animateurs_change_nothing_and_a_structures_staff_never_sees_another() {
    let app = portal().await;
    let trail_before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let ecureuils_activity: String =
        sqlx::query_scalar("SELECT public_id FROM activities WHERE name = 'MERCREDI NATURE'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let aps: String =
        sqlx::query_scalar("SELECT public_id FROM activities WHERE name = 'APS MATIN'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let aps_page = format!("/gestion/activites/{aps}");

    let mut animateur = app
        .staff_member("theo", StaffRole::Animateur, &["carteville", "ecureuils"])
        .await;
    // It reads the activities, but is neither shown nor let into their forms.
    let list = animateur.get("/gestion/activites").await;
    list.assert_contains("APS MATIN");
    assert!(
        !list.body.contains(&aps_page),
        "no link to the activity's form"
    );
    assert!(!list.body.contains(NEW), "no link to a new activity's form");
    for form in [aps_page.as_str(), NEW, "/gestion/structures/carteville"] {
        let refused = animateur.get(form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{form}");
        refused
            .assert_contains("Accès non autorisé pour votre rôle")
            .assert_contains("Rubriques de la gestion");
    }
    let fields = activity_fields(&app, "APS MATIN").await;
    let list = "/gestion/activites";
    for (page, action) in [
        (list, aps_page.clone()),
        (list, format!("{aps_page}/fermetures")),
        (list, NEW.to_owned()),
        (list, "/gestion/structures/carteville".to_owned()),
        (list, "/gestion/structures/carteville/regie".to_owned()),
    ] {
        let refused = submit(
            &mut animateur,
            page,
            &action,
            &fields,
            &[
                ("jour", "01/12/2026"),
                ("motif", "x"),
                ("couleur", "#000000"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }

    let mut carteville = app
        .staff_member("claire", StaffRole::Gestionnaire, &["carteville"])
        .await;
    let list = carteville.get("/gestion/activites").await;
    list.assert_contains("APS MATIN");
    assert!(!list.body.contains("MERCREDI NATURE") && !list.body.contains("Les Écureuils"));
    let other = format!("/gestion/activites/{ecureuils_activity}");
    for path in [
        "/gestion/structures/ecureuils",
        "/gestion/structures/ecureuils/activites/nouvelle",
        other.as_str(),
    ] {
        assert_eq!(
            carteville.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for action in [
        other.clone(),
        format!("{other}/fermetures"),
        "/gestion/structures/ecureuils".into(),
        "/gestion/structures/ecureuils/regie".into(),
        "/gestion/structures/ecureuils/activites/nouvelle".into(),
    ] {
        let refused = submit(
            &mut carteville,
            "/gestion/activites",
            &action,
            &fields,
            &[("jour", "01/12/2026"), ("motif", "x")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{action}");
    }
    // The trail holds the two accounts this test created, and nothing else.
    let changes: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE id > $1")
        .bind(trail_before)
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert_eq!(
        changes, ["Compte du personnel créé"; 2],
        "nothing was changed"
    );
}

#[tokio::test]
async fn the_back_office_never_looks_like_the_family_portal() {
    let app = portal().await;
    let mut g = staff(&app).await;
    for path in ["/gestion", "/gestion/activites", "/gestion/personnel"] {
        g.get(path)
            .await
            .assert_contains("<body class=\"back-office\">")
            .assert_contains("Gestion — espace du personnel")
            .assert_contains("Ribambelle — gestion du Portail Famille");
    }
    let mut family = app.client();
    family.login("martin", NewFamily::PASSWORD).await;
    let home = family.get("/accueil").await;
    home.assert_contains("<body>")
        .assert_contains("<small>Portail Famille</small>");
    assert!(!home.body.contains("espace du personnel"), "{}", home.body);
}
