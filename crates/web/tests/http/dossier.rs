//! Dossier Famille (R-DOS-1, 2, 3): the campaign's fiches, a draft, the formats checked,
//! the transmission, read-only afterwards; the gestionnaire's refusal with its reason and
//! its mail, the correction, the validation; health data readings logged.

use axum::http::StatusCode;
use ribambelle_domain::staff::StaffRole;

use ribambelle_testkit::NewFamily;

use crate::support::{Client, TestApp};

/// The public id of MARTIN's fiche whose link text is `title` on /dossier.
pub async fn fiche_link(c: &mut Client<'_>, title: &str) -> String {
    let page = c.get("/dossier").await;
    let at = page
        .body
        .find(&format!("\">{title}"))
        .unwrap_or_else(|| panic!("no {title:?} on /dossier:\n{}", page.body));
    let start = page.body[..at].rfind("/dossier/fiches/").unwrap();
    page.body[start..at].to_owned()
}

const FAMILLE: &[(&str, &str)] = &[
    ("date_naissance", "12/03/1984"),
    ("adresse", "3 rue des Lilas"),
    ("code_postal", "77000"),
    ("ville", "CarteVille"),
    ("telephone_portable", "06 12 34 56 78"),
    ("email", "claire.martin@example.fr"),
    ("regime", "CAF"),
    ("numero_allocataire", "1234567"),
    ("quotient_familial", "720"),
];

/// « gestion », signed in.
pub async fn staff(app: &TestApp) -> Client<'_> {
    app.gestion(&["carteville", "ecureuils"]).await
}

#[tokio::test]
async fn a_fiche_goes_from_draft_to_transmitted_to_refused_to_validated() {
    let (app, _town) = TestApp::with_dossiers().await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;

    let dossier = c.get("/dossier").await;
    dossier.assert_contains("Vous devez valider et transmettre toutes les fiches du dossier, même si vous n'avez aucune information à modifier.");
    dossier
        .assert_contains("Les fiches rattachées à la famille")
        .assert_contains("Les fiches de Léa")
        .assert_contains("Les fiches d'Hugo");
    dossier.assert_contains("10 fiches</strong> restent à valider et transmettre");
    let famille = fiche_link(&mut c, "Fiche famille").await;

    // Filled in from the account: the first address and the quotient familial.
    let form = c.get(&famille).await;
    assert_eq!(
        form.input_value("email").as_deref(),
        Some("claire.martin@example.fr")
    );
    form.assert_contains("Enregistrer en brouillon")
        .assert_contains("Valider et transmettre la fiche");

    // A wrong date is refused even in a draft, with the field's message; nothing is lost.
    let bad = c
        .post_signed(
            &famille,
            &famille,
            &[
                ("action", "brouillon"),
                ("date_naissance", "31/02/1984"),
                ("adresse", "3 rue des Lilas"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Saisissez une date au format jj/mm/aaaa");
    assert_eq!(
        bad.input_value("adresse").as_deref(),
        Some("3 rue des Lilas")
    );

    // A partial draft is kept.
    let draft = c
        .post_signed(
            &famille,
            &famille,
            &[("action", "brouillon"), ("adresse", "3 rue des Lilas")],
        )
        .await;
    assert_eq!(draft.location(), format!("{famille}?enregistree=1"));
    c.get(draft.location())
        .await
        .assert_contains("Fiche enregistrée en brouillon");
    c.get("/dossier").await.assert_contains("Brouillon");

    // Transmitting needs every required field.
    let missing = c
        .post_signed(
            &famille,
            &famille,
            &[("action", "transmettre"), ("adresse", "3 rue des Lilas")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    missing
        .assert_contains("champs sont à corriger")
        .assert_contains("Renseignez ce champ : « Date de naissance ».");

    let mut fields = vec![("action", "transmettre")];
    fields.extend_from_slice(FAMILLE);
    let sent = c.post_signed(&famille, &famille, &fields).await;
    assert_eq!(sent.location(), "/dossier?transmise=famille");
    c.get(sent.location())
        .await
        .assert_contains("La fiche famille est transmise à votre gestionnaire.")
        .assert_contains("9 fiches</strong>");

    // Read-only now, even to a forged post.
    let read_only = c.get(&famille).await;
    read_only
        .assert_contains("elle n'est plus modifiable")
        .assert_contains("12/03/1984");
    assert!(!read_only.body.contains("Enregistrer en brouillon"));
    let forged = c
        .post_signed(
            &famille,
            &famille,
            &[("action", "brouillon"), ("adresse", "ailleurs")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!c.get(&famille).await.body.contains("ailleurs"));

    // The gestionnaire refuses it: a reason is required, then mailed and shown.
    let mut g = staff(&app).await;
    let queue = g.get("/gestion/dossiers").await;
    queue
        .assert_contains("MARTIN Claire")
        .assert_contains("Fiche famille");
    let staff_page = famille.replace("/dossier/fiches/", "/gestion/dossiers/");
    let no_reason = g
        .post_signed(
            &staff_page,
            &staff_page,
            &[("decision", "refuser"), ("motif", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_reason.assert_contains("Saisissez le motif du refus");
    let refused = g
        .post_signed(
            &staff_page,
            &staff_page,
            &[
                ("decision", "refuser"),
                ("motif", "L'attestation CAF manque."),
            ],
        )
        .await;
    assert_eq!(refused.location(), "/gestion/dossiers");
    assert_eq!(
        app.mails_matching("paul.martin@example.fr", "L'attestation CAF manque.")
            .await
            .len(),
        1
    );
    let again = c.get(&famille).await;
    again
        .assert_contains("Votre gestionnaire a refusé cette fiche")
        .assert_contains("L'attestation CAF manque.")
        .assert_contains("Valider et transmettre la fiche");

    // Corrected and sent again, then validated: the quotient familial becomes the family's.
    let mut fields = vec![("action", "transmettre")];
    fields.extend_from_slice(FAMILLE);
    assert_eq!(
        c.post_signed(&famille, &famille, &fields).await.location(),
        "/dossier?transmise=famille"
    );
    assert_eq!(
        g.post_signed(&staff_page, &staff_page, &[("decision", "valider")])
            .await
            .location(),
        "/gestion/dossiers"
    );
    c.get("/dossier").await.assert_contains("Validée");
    let qf: Option<i64> =
        sqlx::query_scalar("SELECT quotient_familial FROM families WHERE identifiant = 'martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(qf, Some(720));
    // A decision on a fiche no longer waiting is refused.
    let twice = g
        .post_signed(&staff_page, &staff_page, &[("decision", "valider")])
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Both decisions are in the journal with their author, before and after.
    let journal = g.get("/gestion/journal?famille=martin").await;
    assert_eq!(
        journal
            .body
            .matches("Fiche du dossier examinée : Fiche famille")
            .count(),
        2,
        "{}",
        journal.body
    );
    journal
        .assert_contains("Nadia GESTION")
        .assert_contains("Motif : L&#39;attestation CAF manque.")
        .assert_contains("État : Validée");
    let by_staff = g.get("/gestion/journal?personnel=gestion").await;
    assert_eq!(
        by_staff.body.matches("Fiche du dossier examinée").count(),
        2
    );
    // DUPONT's trail holds its import, and none of MARTIN's fiches.
    let dupont = g.get("/gestion/journal?famille=dupont").await;
    dupont.assert_contains("Famille importée");
    assert!(
        !dupont.body.contains("Fiche du dossier examinée"),
        "{}",
        dupont.body
    );
    g.get("/gestion/journal?famille=dupont&personnel=gestion")
        .await
        .assert_contains("Aucune modification à afficher.");
    g.get("/gestion/journal?personnel=personne")
        .await
        .assert_contains("Aucun membre du personnel n&#39;a l&#39;identifiant « personne ».");
}

#[tokio::test]
async fn reading_a_fiche_sanitaire_is_logged_and_other_families_fiches_are_not_found() {
    let (app, _town) = TestApp::with_dossiers().await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let sanitaire = fiche_link(
        &mut c,
        "Fiche sanitaire<span class=\"visually-hidden\"> de Léa</span>",
    )
    .await;
    let fields = [
        ("action", "transmettre"),
        ("vaccin_dtp", "10/09/2024"),
        ("regime_alimentaire", "Sans porc"),
        ("allergies", "Arachide : stylo d'adrénaline dans le sac"),
        ("medecin", "Dr Lambert"),
        ("telephone_medecin", "0160000000"),
        ("pai", "oui"),
    ];
    assert_eq!(
        c.post_signed(&sanitaire, &sanitaire, &fields)
            .await
            .location(),
        "/dossier?transmise=sanitaire"
    );

    let mut g = staff(&app).await;
    let staff_page = sanitaire.replace("/dossier/fiches/", "/gestion/dossiers/");
    g.get(&staff_page)
        .await
        .assert_contains("Arachide")
        .assert_contains("votre consultation de cette fiche est enregistrée");
    let reads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM health_data_reads")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(reads, 1);

    // DUPONT cannot open it.
    let mut dupont = app.client();
    dupont.onboard_dupont().await;
    let foreign = dupont.get(&sanitaire).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(!foreign.body.contains("Arachide"));
}

#[tokio::test]
async fn a_gestionnaire_opens_a_campaign_with_checked_dates() {
    let (app, _town) = TestApp::with_dossiers().await;
    let mut g = staff(&app).await;
    let page = g.get("/gestion/campagnes").await;
    page.assert_contains("Dossier famille ")
        .assert_contains("Ouvrir une campagne");
    let ecureuils: ribambelle_domain::ids::StructureId =
        sqlx::query_scalar("SELECT id FROM structures WHERE slug = 'ecureuils'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let today = app.today();
    let fr = |d: jiff::civil::Date| format!("{:02}/{:02}/{}", d.day(), d.month(), d.year());
    let structure = ecureuils.to_string();
    let bad = g
        .post_signed(
            "/gestion/campagnes",
            "/gestion/campagnes",
            &[
                ("structure", &structure),
                ("libelle", " "),
                ("ouverture", "32/01/2027"),
                ("cloture", &fr(today)),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Saisissez le libellé de la campagne.")
        .assert_contains("Saisissez une date au format jj/mm/aaaa.");
    let backwards = g
        .post_signed(
            "/gestion/campagnes",
            "/gestion/campagnes",
            &[
                ("structure", &structure),
                ("libelle", "Rentrée"),
                ("ouverture", &fr(today)),
                ("cloture", &fr(today - jiff::ToSpan::days(1))),
            ],
        )
        .await;
    backwards.assert_contains("La clôture doit venir après l'ouverture.");
    // A structure the gestionnaire does not manage is refused like a missing one.
    let foreign = g
        .post_signed(
            "/gestion/campagnes",
            "/gestion/campagnes",
            &[
                ("structure", "999"),
                ("libelle", "X"),
                ("ouverture", &fr(today)),
                ("cloture", &fr(today)),
            ],
        )
        .await;
    foreign.assert_contains("Choisissez une de vos structures.");
    let opened = g
        .post_signed(
            "/gestion/campagnes",
            "/gestion/campagnes",
            &[
                ("structure", &structure),
                ("libelle", "Mercredis 2027"),
                ("ouverture", &fr(today)),
                ("cloture", &fr(today + jiff::ToSpan::days(30))),
            ],
        )
        .await;
    assert_eq!(opened.location(), "/gestion/campagnes?ouverte=1");
    g.get(opened.location())
        .await
        .assert_contains("La campagne est ouverte")
        .assert_contains("Mercredis 2027");
    let open = ribambelle_store::dossier::open_campaign(app.db(), ecureuils, today)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open.label, "Mercredis 2027");
}

#[tokio::test]
async fn an_animateur_reads_the_queue_but_decides_nothing() {
    let (app, _town) = TestApp::with_dossiers().await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let famille = fiche_link(&mut c, "Fiche famille").await;
    let mut fields = vec![("action", "transmettre")];
    fields.extend_from_slice(FAMILLE);
    assert_eq!(
        c.post_signed(&famille, &famille, &fields).await.location(),
        "/dossier?transmise=famille"
    );

    let mut a = app
        .staff_member("anim", StaffRole::Animateur, &["carteville", "ecureuils"])
        .await;
    let staff_page = famille.replace("/dossier/fiches/", "/gestion/dossiers/");
    a.get(&staff_page).await.assert_contains("MARTIN Claire");
    let refused = a
        .post_signed(&staff_page, &staff_page, &[("decision", "valider")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let campaign = a
        .post_signed(
            "/gestion/campagnes",
            "/gestion/campagnes",
            &[
                ("structure", "1"),
                ("libelle", "X"),
                ("ouverture", "01/01/2027"),
                ("cloture", "02/01/2027"),
            ],
        )
        .await;
    assert_eq!(campaign.status, StatusCode::FORBIDDEN);
    c.get("/dossier").await.assert_contains("Transmise");
}
