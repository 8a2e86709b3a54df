//! Familles in the back office (R-BO-3): search, creation and edits with children and
//! registrations, refusals in French, the animateur's read-only access, the scope of a
//! gestionnaire of one structure, initial passwords with their letter and mail, the CSV import.

use axum::http::StatusCode;
use ribambelle_domain::staff::StaffRole;

use ribambelle_testkit::{NewActivity, NewFamily};

use crate::support::{Client, Page, TestApp, dupont_at};

/// CarteVille (APS MATIN, RESTAURATION) where DUPONT's Amalia and Paolo go, and Les
/// Écureuils; MARTIN is known to both; « gestion » works for both.
async fn portal() -> TestApp {
    let (app, town) = TestApp::with_town().await;
    let ecureuils = app.ecureuils().await;
    let morning = town.activity(NewActivity::new("APS MATIN")).await;
    let lunch = town.activity(NewActivity::new("RESTAURATION")).await;
    dupont_at(&town, &[morning, lunch]).await;
    town.family(NewFamily::new("martin").also_at(&ecureuils))
        .await;
    app.gestion(&["carteville", "ecureuils"]).await;
    app
}

async fn staff(app: &TestApp) -> Client<'_> {
    app.gestion(&[]).await
}

const NEW_FAMILY: &str = "/gestion/familles/nouvelle";

async fn structure_id(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM structures WHERE slug = $1")
        .bind(slug)
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

async fn family_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM families")
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

/// Creates a family known to `structure`; answers its page's address.
async fn create_family(
    app: &TestApp,
    c: &mut Client<'_>,
    identifiant: &str,
    structure: &str,
) -> String {
    let structure = structure_id(app, structure).await.to_string();
    let created = c
        .post_signed(
            NEW_FAMILY,
            NEW_FAMILY,
            &[
                ("civilite", "Mme"),
                ("nom", "Le Goff"),
                ("prenom", "Maëlle"),
                ("identifiant", identifiant),
                (
                    "emails",
                    "maelle.legoff@example.fr ; yann.legoff@example.fr",
                ),
                ("structure", &structure),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().to_owned();
    assert!(location.ends_with("?fait=creee"), "{location}");
    location.trim_end_matches("?fait=creee").to_owned()
}

/// The value of the checkbox of an activity on a child's form.
fn activity_value(page: &Page, name: &str) -> String {
    let at = page
        .body
        .find(&format!("{name} <span"))
        .unwrap_or_else(|| panic!("{name} offered: {}", page.body));
    let before = &page.body[..at];
    let start = before.rfind("value=\"").unwrap() + "value=\"".len();
    before[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_search_finds_families_by_name_child_and_identifiant_with_their_balance() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let all = c.get("/gestion/familles").await;
    assert_eq!(all.status, StatusCode::OK);
    all.assert_contains("DUPONT Jean-Paul")
        .assert_contains("MARTIN Claire");
    for term in ["dupont", "Amalia", "DUP"] {
        let page = c.get(&format!("/gestion/familles?q={term}")).await;
        page.assert_contains("DUPONT Jean-Paul")
            .assert_contains("Amalia DUPONT")
            .assert_contains("Mairie de CarteVille : ");
        assert!(!page.body.contains("MARTIN Claire"), "{term}");
    }
    let martin = c.get("/gestion/familles?q=martin").await;
    martin
        .assert_contains("MARTIN Claire")
        .assert_contains("Centre de loisirs Les Écureuils : ");
    c.get("/gestion/familles?q=personne-de-ce-nom")
        .await
        .assert_contains("Aucune famille ne correspond à « personne-de-ce-nom ».");
}

#[tokio::test]
async fn a_family_is_created_with_a_registered_child_then_edited_and_the_journal_tells_who() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let family = create_family(&app, &mut c, "LeGoff.Maelle", "carteville").await;
    let page = c.get(&format!("{family}?fait=creee")).await;
    page.assert_contains("La famille est créée.")
        .assert_contains("Famille LE GOFF Maëlle")
        .assert_contains("legoff.maelle")
        .assert_contains("maelle.legoff@example.fr <small>(reçoit les tickets de paiement)</small>")
        .assert_contains("Aucun mot de passe n'a encore été généré")
        .assert_contains("/gestion/journal?famille=legoff.maelle");

    let child_form = format!("{family}/enfants/nouveau");
    let form = c.get(&child_form).await;
    let aps = activity_value(&form, "APS MATIN");
    let cantine = activity_value(&form, "RESTAURATION");
    let saved = c
        .post_signed(
            &child_form,
            &child_form,
            &[
                ("prenom", "Gwen"),
                ("nom", "Le Goff"),
                ("naissance", "15/05/2018"),
                ("ecole", "École du Port"),
                ("activite", &aps),
                ("activite", &cantine),
            ],
        )
        .await;
    assert_eq!(saved.location(), format!("{family}?fait=enfant"));
    let page = c.get(&family).await;
    page.assert_contains("Gwen LE GOFF")
        .assert_contains("15/05/2018")
        .assert_contains("École du Port")
        .assert_contains("APS MATIN, RESTAURATION");

    // The child's registrations change: RESTAURATION is unticked.
    let child_page = page
        .body
        .split(&format!("{family}/enfants/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let child_page = format!("{family}/enfants/{child_page}");
    c.get(&child_page)
        .await
        .assert_contains("value=\"15/05/2018\"");
    let saved = c
        .post_signed(
            &child_page,
            &child_page,
            &[
                ("prenom", "Gwen"),
                ("nom", "LE GOFF"),
                ("naissance", "2018-05-15"),
                ("ecole", "École du Port"),
                ("activite", &aps),
            ],
        )
        .await;
    assert_eq!(saved.location(), format!("{family}?fait=enfant"));
    let page = c.get(&family).await;
    assert!(page.body.contains(">APS MATIN</td>"), "{}", page.body);

    let edit = format!("{family}/modifier");
    let both = [
        structure_id(&app, "carteville").await.to_string(),
        structure_id(&app, "ecureuils").await.to_string(),
    ];
    let saved = c
        .post_signed(
            &edit,
            &edit,
            &[
                ("civilite", "Mme"),
                ("nom", "LE GOFF"),
                ("prenom", "Maëlle"),
                ("identifiant", "legoff.maelle"),
                ("emails", "yann.legoff@example.fr"),
                ("structure", &both[0]),
                ("structure", &both[1]),
            ],
        )
        .await;
    assert_eq!(saved.location(), format!("{family}?fait=modifiee"));
    c.get(&family)
        .await
        .assert_contains("Centre de loisirs Les Écureuils")
        .assert_contains("yann.legoff@example.fr <small>");

    let journal = c.get("/gestion/journal?famille=legoff.maelle").await;
    journal
        .assert_contains("Famille créée : LE GOFF Maëlle")
        .assert_contains("Enfant ajouté : Gwen LE GOFF")
        .assert_contains("Enfant modifié : Gwen LE GOFF")
        .assert_contains("Inscriptions : APS MATIN, RESTAURATION")
        .assert_contains("Famille modifiée : LE GOFF Maëlle")
        .assert_contains("Adresses e-mail : maelle.legoff@example.fr ; yann.legoff@example.fr")
        .assert_contains("Nadia GESTION");
}

#[tokio::test]
async fn bad_input_is_refused_in_french_next_to_its_field() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let carteville = structure_id(&app, "carteville").await.to_string();
    let before = family_count(&app).await;
    let taken = c
        .post_signed(
            NEW_FAMILY,
            NEW_FAMILY,
            &[
                ("civilite", "M."),
                ("nom", "Martin"),
                ("prenom", "Paul"),
                ("identifiant", " MARTIN "),
                ("emails", ""),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    taken
        .assert_contains("Cet identifiant est déjà celui d'une autre famille")
        .assert_contains("aria-invalid=\"true\"");

    let several = c
        .post_signed(
            NEW_FAMILY,
            NEW_FAMILY,
            &[
                ("civilite", "Dr"),
                ("nom", ""),
                ("prenom", "Paul"),
                ("identifiant", "é"),
                ("emails", "paul@@example"),
                ("structure", "9999"),
            ],
        )
        .await;
    assert_eq!(several.status, StatusCode::UNPROCESSABLE_ENTITY);
    several
        .assert_contains("5 champs sont à corriger")
        .assert_contains("Choisissez la civilité")
        .assert_contains("Saisissez le nom.")
        .assert_contains("« paul@@example » n'est pas une adresse e-mail valide")
        .assert_contains("Cochez au moins une structure");
    assert_eq!(family_count(&app).await, before, "nothing created");

    let family = create_family(&app, &mut c, "legoff", "carteville").await;
    let child_form = format!("{family}/enfants/nouveau");
    let bad_date = c
        .post_signed(
            &child_form,
            &child_form,
            &[
                ("prenom", "Gwen"),
                ("nom", "LE GOFF"),
                ("naissance", "31/02/2018"),
            ],
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad_date.assert_contains("« 31/02/2018 » n'est pas une date au format jj/mm/aaaa.");
    let future = c
        .post_signed(
            &child_form,
            &child_form,
            &[
                ("prenom", "Gwen"),
                ("nom", "LE GOFF"),
                ("naissance", "01/01/2099"),
            ],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    future.assert_contains("La date de naissance ne peut pas être dans le futur.");
    let edit = format!("{family}/modifier");
    let bad_mail = c
        .post_signed(
            &edit,
            &edit,
            &[
                ("civilite", "Mme"),
                ("nom", "LE GOFF"),
                ("prenom", "Maëlle"),
                ("identifiant", "legoff"),
                ("emails", "pas-une-adresse"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(bad_mail.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad_mail.assert_contains("« pas-une-adresse » n'est pas une adresse e-mail valide");
    let unknown = c.get("/gestion/familles/pas-une-famille").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_animateur_reads_families_but_changes_nothing() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let family = create_family(&app, &mut c, "legoff", "carteville").await;
    let before = family_count(&app).await;
    let mut a = app
        .staff_member("anim", StaffRole::Animateur, &["carteville", "ecureuils"])
        .await;
    a.get("/gestion/familles?q=legoff")
        .await
        .assert_contains("LE GOFF Maëlle");
    a.get(&family)
        .await
        .assert_contains("Famille LE GOFF Maëlle");
    let carteville = structure_id(&app, "carteville").await.to_string();
    let refused = [
        a.post_signed(
            NEW_FAMILY,
            NEW_FAMILY,
            &[
                ("civilite", "M."),
                ("nom", "X"),
                ("prenom", "Y"),
                ("identifiant", "xyz"),
                ("structure", &carteville),
            ],
        )
        .await,
        a.post_signed(
            &family,
            &format!("{family}/modifier"),
            &[
                ("civilite", "M."),
                ("nom", "X"),
                ("prenom", "Y"),
                ("identifiant", "xyz"),
                ("structure", &carteville),
            ],
        )
        .await,
        a.post_signed(
            &family,
            &format!("{family}/enfants/nouveau"),
            &[
                ("prenom", "Gwen"),
                ("nom", "X"),
                ("naissance", "15/05/2018"),
            ],
        )
        .await,
        a.post_signed(
            &family,
            &format!("{family}/mot-de-passe"),
            &[("remise", "courrier")],
        )
        .await,
    ];
    for page in refused {
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    }
    let token = a.get("/gestion/familles/import").await.csrf().unwrap();
    let (content_type, body) = multipart(&token, &carteville, "verifier", &csv_of(&families(1)));
    assert_eq!(
        a.post_body("/gestion/familles/import", &content_type, body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(family_count(&app).await, before);
}

#[tokio::test]
async fn a_gestionnaire_of_carteville_never_sees_a_family_known_only_at_les_ecureuils() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let family = create_family(&app, &mut c, "ecureuil.seul", "ecureuils").await;
    let mut other = app
        .staff_member("carteville", StaffRole::Gestionnaire, &["carteville"])
        .await;
    let search = other.get("/gestion/familles?q=goff").await;
    assert!(!search.body.contains("LE GOFF"), "{}", search.body);
    assert!(
        !other
            .get("/gestion/familles")
            .await
            .body
            .contains("ecureuil.seul")
    );
    assert_eq!(other.get(&family).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("{family}/enfants/nouveau")).await.status,
        StatusCode::NOT_FOUND
    );
    let carteville = structure_id(&app, "carteville").await.to_string();
    let token = other.get("/gestion/familles").await.csrf().unwrap();
    let edit = other
        .post(
            &format!("{family}/modifier"),
            &[
                ("_csrf", &token),
                ("civilite", "M."),
                ("nom", "X"),
                ("prenom", "Y"),
                ("identifiant", "vole"),
                ("structure", &carteville),
            ],
        )
        .await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    let password = other
        .post(
            &format!("{family}/mot-de-passe"),
            &[("_csrf", &token), ("remise", "courrier")],
        )
        .await;
    assert_eq!(password.status, StatusCode::NOT_FOUND);
    let letters = other
        .post(
            "/gestion/familles/import/courriers",
            &[
                ("_csrf", &token),
                ("identifiant", "ecureuil.seul"),
                ("mot_de_passe", "x"),
            ],
        )
        .await;
    assert_eq!(letters.status, StatusCode::NOT_FOUND);
    // MARTIN is known to both: the other structure's balance stays out of sight.
    let martin = other.get("/gestion/familles?q=martin").await;
    martin.assert_contains("MARTIN Claire");
    assert!(!martin.body.contains("Écureuils"), "{}", martin.body);
    c.get(&family)
        .await
        .assert_contains("Famille LE GOFF Maëlle");
}

/// The text of every page of a PDF.
fn pdf_text(bytes: &[u8]) -> (usize, String) {
    let document = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    (pages.len(), document.extract_text(&pages).expect("text"))
}

#[tokio::test]
async fn an_initial_password_is_shown_once_printed_on_its_letter_and_opens_the_first_login() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let family = create_family(&app, &mut c, "legoff", "carteville").await;
    let issued = c
        .post_signed(
            &family,
            &format!("{family}/mot-de-passe"),
            &[("remise", "courrier")],
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    assert_eq!(issued.header("cache-control"), "no-store");
    let password = issued
        .input_value("mot_de_passe")
        .expect("the password posted back for the letter");
    assert_eq!(password.len(), 17);
    issued
        .assert_contains(&password)
        .assert_contains("Télécharger le courrier à imprimer (PDF)");

    let letter = c
        .post(
            &format!("{family}/courrier"),
            &[
                ("_csrf", &issued.csrf().unwrap()),
                ("mot_de_passe", &password),
            ],
        )
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_eq!(letter.header("content-type"), "application/pdf");
    let (pages, text) = pdf_text(&letter.bytes);
    assert_eq!(pages, 1);
    for expected in [
        "Mairie de CarteVille",
        "Mme LE GOFF Maëlle",
        "Identifiant : legoff",
        &format!("Mot de passe provisoire : {password}"),
        "https://famille.carteville.example",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // A wrong password is never printed.
    let wrong = c
        .post(
            &format!("{family}/courrier"),
            &[
                ("_csrf", &issued.csrf().unwrap()),
                ("mot_de_passe", "aaaaa-bbbbb-ccccc"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_contains("Ce mot de passe n'est plus celui de la famille");

    let mut family_client = app.client_from("192.0.2.30");
    assert_eq!(
        family_client.login("legoff", &password).await.location(),
        "/premiere-connexion"
    );
    assert_eq!(
        family_client.get("/premiere-connexion").await.status,
        StatusCode::OK
    );

    // Mailed: the family's sessions end, the old password no longer works.
    let mailed = c
        .post_signed(
            &family,
            &format!("{family}/mot-de-passe"),
            &[("remise", "mail")],
        )
        .await;
    assert_eq!(mailed.location(), format!("{family}?fait=envoye"));
    assert_eq!(family_client.get("/accueil").await.location(), "/connexion");
    assert_ne!(
        family_client.login("legoff", &password).await.location(),
        "/premiere-connexion"
    );
    let mails = app
        .mails_matching("maelle.legoff@example.fr", "Mot de passe provisoire : ")
        .await;
    assert_eq!(mails.len(), 1);
    let mailed_password = mails[0]
        .split("Mot de passe provisoire : ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.client_from("192.0.2.31")
            .login("legoff", &mailed_password)
            .await
            .location(),
        "/premiere-connexion"
    );

    let journal = c.get("/gestion/journal?famille=legoff").await;
    journal
        .assert_contains("Mot de passe initial généré : LE GOFF Maëlle")
        .assert_contains("Remis par : courrier imprimé")
        .assert_contains("Envoyé par mail à : maelle.legoff@example.fr ; yann.legoff@example.fr");
    assert!(!journal.body.contains(&password) && !journal.body.contains(&mailed_password));
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM families WHERE identifiant = 'legoff'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$"));

    // No address, no mail: said next to the button.
    let dupont = c
        .get("/gestion/familles?q=dupont")
        .await
        .body
        .split("data-label=\"Famille\"><a href=\"/gestion/familles/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    sqlx::query("UPDATE families SET emails = '' WHERE identifiant = 'dupont'")
        .execute(app.db().writer())
        .await
        .unwrap();
    let refused = c
        .post_signed(
            &format!("/gestion/familles/{dupont}"),
            &format!("/gestion/familles/{dupont}/mot-de-passe"),
            &[("remise", "mail")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Cette famille n'a pas d'adresse e-mail");
}

/// `count` families of the import, each on two lines (two children), but every fifth without child.
fn families(count: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for n in 0..count {
        let family = format!("import{n:03};Mme;Durand-{n};Léa;lea.durand{n}@example.fr");
        if n % 5 == 4 {
            lines.push(format!("{family};;;;"));
        } else {
            lines.push(format!("{family};Tom;;03/02/2016;École Jean Moulin"));
            lines.push(format!("{family};Inès;DURAND;21/11/2019;"));
        }
    }
    lines
}

fn csv_of(lines: &[String]) -> String {
    format!(
        "\u{feff}identifiant;civilite;nom;prenom;emails;enfant_prenom;enfant_nom;enfant_naissance;enfant_ecole\r\n{}\r\n",
        lines.join("\r\n")
    )
}

fn multipart(token: &str, structure: &str, action: &str, csv: &str) -> (String, Vec<u8>) {
    let boundary = "----ribambelle-import";
    let mut body = String::new();
    for (name, value) in [
        ("_csrf", token),
        ("structure", structure),
        ("action", action),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"familles.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn upload(c: &mut Client<'_>, structure: &str, action: &str, csv: &str) -> Page {
    let token = c.get("/gestion/familles/import").await.csrf().unwrap();
    let (content_type, body) = multipart(&token, structure, action, csv);
    c.post_body("/gestion/familles/import", &content_type, body)
        .await
}

#[tokio::test]
async fn a_file_with_errors_lists_them_by_line_and_imports_nothing() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let carteville = structure_id(&app, "carteville").await.to_string();
    let before = family_count(&app).await;
    let mut lines = families(4);
    lines[1] =
        "import000;Mme;Durand-0;Léa;lea.durand0@example.fr;Inès;DURAND;31/02/2019;".to_owned(); // line 3
    lines[3] = "import001;Mme;Durand-1;Léa;pas-une-adresse;Inès;DURAND;21/11/2019;".to_owned(); // line 5
    lines.push("martin;M.;MARTIN;Paul;;;;;".to_owned()); // line 10
    let csv = csv_of(&lines);
    for action in ["verifier", "importer"] {
        let page = upload(&mut c, &carteville, action, &csv).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        page.assert_contains("Aucune famille n'a été créée")
            .assert_contains("Ligne 3, colonne enfant_naissance : « 31/02/2019 » n'est pas une date au format jj/mm/aaaa.")
            .assert_contains("Ligne 5, colonne emails : « pas-une-adresse » n'est pas une adresse e-mail valide")
            .assert_contains("Ligne 10, colonne identifiant : « martin » est déjà l'identifiant d'une famille.");
        assert_eq!(family_count(&app).await, before);
    }
    let wrong_header = upload(&mut c, &carteville, "verifier", "identifiant;nom\nx;y\n").await;
    assert_eq!(wrong_header.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong_header.assert_contains("Ligne 1 : la colonne « civilite » manque dans l'en-tête.");
    let no_file = upload(&mut c, &carteville, "verifier", "").await;
    assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_file.assert_contains("Choisissez le fichier CSV à importer.");
    assert_eq!(family_count(&app).await, before);
}

#[tokio::test]
async fn fifty_families_are_checked_then_imported_at_once_with_their_letters() {
    let app = portal().await;
    let mut c = staff(&app).await;
    let ecureuils = structure_id(&app, "ecureuils").await.to_string();
    let before = family_count(&app).await;
    let csv = csv_of(&families(50));

    let checked = upload(&mut c, &ecureuils, "verifier", &csv).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    checked
        .assert_contains("L'import créera 50 familles et 80 enfants")
        .assert_contains("Importer les 50 familles")
        .assert_contains("DURAND-49");
    assert_eq!(family_count(&app).await, before, "a check creates nothing");

    // « Importer » posts back the checked file.
    let content = checked
        .input_value("contenu")
        .unwrap()
        .replace("&#13;", "\r")
        .replace("&#10;", "\n")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let token = checked.csrf().unwrap();
    let (content_type, body) = multipart(&token, &ecureuils, "importer", &content);
    let imported = c
        .post_body("/gestion/familles/import", &content_type, body)
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(imported.header("cache-control"), "no-store");
    imported.assert_contains("50 familles et 80 enfants sont importés");
    assert_eq!(family_count(&app).await, before + 50);
    let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children c JOIN families f ON f.id = c.family_id WHERE f.identifiant LIKE 'import%'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(children, 80);

    let identifiants: Vec<String> = imported
        .body
        .match_indices("name=\"identifiant\" value=\"")
        .map(|(i, m)| {
            imported.body[i + m.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let passwords: Vec<String> = imported
        .body
        .match_indices("name=\"mot_de_passe\" value=\"")
        .map(|(i, m)| {
            imported.body[i + m.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!((identifiants.len(), passwords.len()), (50, 50));
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", &token)];
    for (identifiant, password) in identifiants.iter().zip(&passwords) {
        fields.push(("identifiant", identifiant));
        fields.push(("mot_de_passe", password));
    }
    let letters = c.post("/gestion/familles/import/courriers", &fields).await;
    assert_eq!(letters.header("content-type"), "application/pdf");
    let (pages, text) = pdf_text(&letters.bytes);
    assert_eq!(pages, 50);
    assert!(
        text.contains("Identifiant : import049")
            && text.contains(&format!("Mot de passe provisoire : {}", passwords[49])),
        "{text}"
    );
    assert!(text.contains("Centre de loisirs Les Écureuils"));

    let mut family = app.client_from("192.0.2.40");
    assert_eq!(
        family
            .login(&identifiants[7], &passwords[7])
            .await
            .location(),
        "/premiere-connexion"
    );

    let again = upload(&mut c, &ecureuils, "importer", &csv).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains(
        "Ligne 2, colonne identifiant : « import000 » est déjà l'identifiant d'une famille.",
    );
    let journal = c.get("/gestion/journal?famille=import017").await;
    journal
        .assert_contains("Famille importée : DURAND-17 Léa")
        .assert_contains("Enfant : Tom DURAND-17, né(e) le 03/02/2016")
        .assert_contains("Nadia GESTION");
}
