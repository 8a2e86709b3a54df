//! The attacks that once held (issue 17), each replayed as the attacker sent it.

use axum::http::StatusCode;
use ribambelle_domain::staff::StaffRole;
use ribambelle_domain::{
    second_factor::{code_at, step_of},
    session::ThrottlePolicy,
};

use jiff::ToSpan;
use ribambelle_domain::booking::Pending;
use ribambelle_testkit::{NewActivity, NewChild, NewFamily, NewStaff};

use crate::support::{DUPONT_INITIAL, TestApp, dupont, martin};

const PASSWORD: &str = NewFamily::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_sent_at_once_are_counted_before_they_are_checked() {
    // Room for all of them in the queue, however slow the machine: none gets the waiting page.
    let queue = ribambelle_web::PasswordQueueLimits {
        at_once: 2,
        waiting: 1_000,
        wait: std::time::Duration::from_secs(600),
    };
    let (app, town) = TestApp::with_town_configured(|config| config.password_queue = queue).await;
    martin(&town).await;
    let guesses = (0..64).map(|i| {
        let app = &app;
        async move {
            app.client_from("203.0.113.9")
                .login("martin", &format!("essai-{i}"))
                .await
                .status
        }
    });
    let answers = futures_util::future::join_all(guesses).await;

    // The policy lets the first failures through without a wait: that many guesses are
    // checked, and every other one is refused before its hash is computed.
    let allowed = usize::try_from(ThrottlePolicy::ACCOUNT.free_failures + 1).unwrap();
    assert_eq!(
        app.state.password_queue.figures().computed,
        allowed as u64,
        "hashes computed for 64 guesses at once"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        allowed,
        "{answers:?}"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        64 - allowed,
        "{answers:?}"
    );
    let counted: i64 =
        sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = 'compte:martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(counted, allowed as i64, "every checked guess is counted");
}

#[tokio::test]
async fn a_right_password_takes_back_its_count_on_the_address() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    // A family library's computer: many families sign in one after another.
    for _ in 0..40 {
        let page = app
            .client_from("203.0.113.10")
            .login("martin", PASSWORD)
            .await;
        assert_eq!(page.location(), "/accueil");
    }
    let counted: Option<i64> = sqlx::query_scalar(
        "SELECT failures FROM login_throttle WHERE key = 'adresse:203.0.113.10'",
    )
    .fetch_optional(app.db().reader())
    .await
    .unwrap();
    assert_eq!(counted.unwrap_or(0), 0);
}

/// Turns the second factor of « gestion » on; returns its secret.
async fn second_factor_on(app: &TestApp) -> String {
    let mut g = app.gestion(&["carteville"]).await;
    g.post_signed("/gestion/securite", "/gestion/securite/preparer", &[])
        .await;
    let secret: String =
        sqlx::query_scalar("SELECT totp_secret FROM staff WHERE login = 'gestion'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let now = u64::try_from(app.now().as_second()).unwrap();
    let code = code_at(&secret, now).unwrap();
    let enabled = g
        .post_signed(
            "/gestion/securite",
            "/gestion/securite/activer",
            &[("code", &code)],
        )
        .await;
    assert_eq!(enabled.location(), "/gestion/securite?fait=activee");
    secret
}

/// The n-th guess of a code: six digits that are none of the codes valid around now.
fn guess(app: &TestApp, secret: &str, n: u32) -> String {
    let step = step_of(u64::try_from(app.now().as_second()).unwrap());
    let valid: Vec<String> = (step.saturating_sub(2)..=step + 2)
        .map(|s| code_at(secret, s * 30).unwrap())
        .collect();
    (n..)
        .step_by(97)
        .map(|k| format!("{:06}", k % 1_000_000))
        .find(|g| !valid.contains(g))
        .unwrap()
}

/// The password of « gestion », then the code form's challenge.
async fn code_asked(app: &TestApp) -> String {
    let mut c = app.client();
    let asked = c.staff_login("gestion", NewStaff::PASSWORD).await;
    asked.assert_contains("Code de vérification");
    asked.input_value("defi").unwrap()
}

#[tokio::test]
async fn wrong_codes_across_sign_ins_lock_the_codes_and_tell_the_staff_and_the_administrateur() {
    let (app, _town) = TestApp::with_town().await;
    let secret = second_factor_on(&app).await;
    let key = format!(
        "code:{}",
        sqlx::query_scalar::<_, i64>("SELECT id FROM staff WHERE login = 'gestion'")
            .fetch_one(app.db().reader())
            .await
            .unwrap()
    );
    let mut wrong = 0;
    let mut last = None;
    // Two sign-ins of five wrong codes each: the password is known, the code is guessed.
    for _ in 0..2 {
        let challenge = code_asked(&app).await;
        for _ in 0..5 {
            // Past the first five, a code must wait a little: let that time pass.
            let earlier = ribambelle_store::db_time(app.now() - jiff::SignedDuration::from_mins(2));
            app.exec(
                "UPDATE login_throttle SET last_failure_at = $1 WHERE key = $2",
                &[&earlier, &key],
            )
            .await;
            last = Some(
                app.client()
                    .post(
                        "/gestion/connexion/code",
                        &[("defi", &challenge), ("code", &guess(&app, &secret, wrong))],
                    )
                    .await,
            );
            wrong += 1;
        }
    }
    let locked = last.unwrap();
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    locked.assert_contains("les codes de ce compte sont refusés pendant 15 minutes");
    for who in ["gestion@carteville.example", "admin@carteville.example"] {
        assert_eq!(
            app.mails_matching(who, "Trop de codes de vérification incorrects")
                .await
                .len(),
            1,
            "{who}"
        );
    }

    // Even the right code is refused now, at a new sign-in.
    let challenge = code_asked(&app).await;
    let step = step_of(u64::try_from(app.now().as_second()).unwrap());
    let right = app
        .client()
        .post(
            "/gestion/connexion/code",
            &[
                ("defi", &challenge),
                ("code", &code_at(&secret, (step + 1) * 30).unwrap()),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    right.assert_contains("refusés pendant 15 minutes");
    assert!(right.header("set-cookie").is_empty(), "no session");
}

#[tokio::test]
async fn a_code_sent_too_soon_after_many_wrong_ones_is_asked_to_wait() {
    let (app, _town) = TestApp::with_town().await;
    let secret = second_factor_on(&app).await;
    let challenge = code_asked(&app).await;
    for wrong in 0..5 {
        app.client()
            .post(
                "/gestion/connexion/code",
                &[("defi", &challenge), ("code", &guess(&app, &secret, wrong))],
            )
            .await;
    }
    // The sixth wrong code of the day, at a new sign-in, then a seventh at once: the code
    // form asks to wait, rounded up.
    let challenge = code_asked(&app).await;
    let hurried = app
        .client()
        .post(
            "/gestion/connexion/code",
            &[("defi", &challenge), ("code", &guess(&app, &secret, 5))],
        )
        .await;
    let waiting = app
        .client()
        .post(
            "/gestion/connexion/code",
            &[("defi", &challenge), ("code", &guess(&app, &secret, 6))],
        )
        .await;
    assert_eq!(hurried.status, StatusCode::UNAUTHORIZED);
    assert_eq!(waiting.status, StatusCode::UNAUTHORIZED);
    waiting.assert_contains("Patientez 1 seconde avant de saisir un autre code");
}

#[tokio::test]
async fn outside_the_demo_the_simulated_bank_is_neither_offered_nor_chosen() {
    let app = TestApp::with_demo_configured(|config| config.simulated_bank = false).await;
    let mut c = app.client();
    c.login("martin", "Martin-Demo-2026!").await;
    let page = c.get("/paiement").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Créditer le porte-monnaie")
            && !page.body.contains("<th scope=\"col\">Payer</th>"),
        "no online payment offered"
    );
    let wallet: i64 = sqlx::query_scalar(
        "SELECT id FROM wallets WHERE billing_mode = 'prepaiement' ORDER BY id LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let paid = c
        .post_signed(
            "/paiement",
            "/paiement/payer",
            &[("porte_monnaie", &wallet.to_string()), ("montant", "25")],
        )
        .await;
    assert_eq!(paid.status, StatusCode::NOT_FOUND);
    let started: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE mode = 'carte' AND state = 'en_cours'",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(started, 0);

    let mut g = app.demo_gestion().await;
    let structure = "/gestion/structures/ecureuils";
    let settings = g.get(structure).await;
    settings.assert_contains("value=\"production\"");
    assert!(
        !settings.body.contains("value=\"simulee\""),
        "the simulated bank is not offered"
    );
    let chosen = g
        .post_signed(
            structure,
            "/gestion/structures/ecureuils/regie",
            &[
                ("prestataire", "payfip"),
                ("environnement", "simulee"),
                ("identifiant", "123456"),
                ("certificat", ""),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::UNPROCESSABLE_ENTITY);
    chosen.assert_contains("La banque simulée ne sert qu'aux démonstrations");
}

/// The requests still waiting for a run, per structure slug.
async fn waiting_requests(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT s.slug, COUNT(*) FROM reservation_requests q JOIN activities a ON a.id = q.activity_id \
         JOIN structures s ON s.id = a.structure_id WHERE q.processed_at IS NULL GROUP BY s.slug ORDER BY s.slug",
    )
    .fetch_all(app.db().reader())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_gestionnaire_of_one_structure_runs_the_processing_of_that_structure_only() {
    let (app, town) = TestApp::with_town().await;
    let ecureuils = app.ecureuils().await;
    // A family of each structure has asked for a day.
    for (structure, identifiant) in [(&town, "dupont"), (&ecureuils, "bernard")] {
        let activity = structure.activity(NewActivity::new("APS SOIR")).await;
        let family = structure
            .family(
                NewFamily::new(identifiant).child(NewChild::new("Emma").registered(&[activity])),
            )
            .await;
        let day = structure
            .next_opening(activity, app.today() + 21.days())
            .await;
        let request = [(family.child("Emma"), activity, day, Pending::Book)];
        structure.confirm(&family, &request).await;
    }
    let before = waiting_requests(&app).await;
    assert!(
        before
            .iter()
            .any(|(slug, n)| slug == "carteville" && *n > 0),
        "{before:?}"
    );
    assert!(
        before.iter().any(|(slug, n)| slug == "ecureuils" && *n > 0),
        "{before:?}"
    );
    let outbox_before = app.mails_matching("", "").await.len();

    let mut g = app
        .staff_member("ecureuils", StaffRole::Gestionnaire, &["ecureuils"])
        .await;
    let ran = g
        .post_signed(
            "/gestion/reservations",
            "/gestion/reservations/traitement",
            &[],
        )
        .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER);
    let after = waiting_requests(&app).await;
    assert_eq!(
        after,
        before
            .into_iter()
            .filter(|(slug, _)| slug == "carteville")
            .collect::<Vec<_>>(),
        "CarteVille's requests wait for their own run"
    );
    // The mails went to families about Les Écureuils only.
    let mails = app.mails_matching("", "").await;
    assert!(mails.len() > outbox_before);
    assert!(
        mails[outbox_before..]
            .iter()
            .all(|m| !m.contains("Mairie de CarteVille")),
        "{mails:?}"
    );
}

#[tokio::test]
async fn a_letter_prints_only_a_password_just_generated_and_only_for_those_who_may_generate_it() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    dupont(&town).await;
    let mut g = app.gestion(&["carteville"]).await;
    let letters = "/gestion/familles/import/courriers";
    // An onboarded family, a text of one's own, or a first-login family with a wrong one.
    for (identifiant, password) in [
        ("martin", "Appelez-le 01 02 03 04 05"),
        ("martin", PASSWORD),
        ("dupont", "autre-chose"),
    ] {
        let forged = g
            .post_signed(
                "/gestion/familles/import",
                letters,
                &[("identifiant", identifiant), ("mot_de_passe", password)],
            )
            .await;
        assert_eq!(
            forged.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{identifiant} / {password}"
        );
        forged
            .assert_contains("Les courriers ne sont pas faits")
            .assert_contains(&format!("Pas de courrier pour « {identifiant} »"));
        assert_ne!(forged.header("content-type"), "application/pdf");
    }
    // The first-login family's password as the town hall gave it: the letter is made.
    let letter = g
        .post_signed(
            "/gestion/familles/import",
            letters,
            &[("identifiant", "dupont"), ("mot_de_passe", DUPONT_INITIAL)],
        )
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    assert_eq!(letter.header("content-type"), "application/pdf");

    // An animateur reads; it prints no letter, whatever the password.
    let mut a = app
        .staff_member("animateur", StaffRole::Animateur, &["carteville"])
        .await;
    let dupont: String =
        sqlx::query_scalar("SELECT public_id FROM families WHERE identifiant = 'dupont'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let family_page = format!("/gestion/familles/{dupont}");
    for action in [letters.to_owned(), format!("{family_page}/courrier")] {
        let refused = a
            .post_signed(
                &family_page,
                &action,
                &[("identifiant", "dupont"), ("mot_de_passe", DUPONT_INITIAL)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action}");
    }
}

/// The cells of a CSV export, header excepted.
fn cells(body: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[tokio::test]
async fn no_export_hands_a_formula_to_the_spreadsheet() {
    let app = TestApp::with_demo().await;
    // What families and staff type, made formulas: names, activities, references.
    app.exec("UPDATE families SET last_name = '=HYPERLINK(\"https://pirate.example\",\"Payer\")' WHERE identifiant = 'martin'", &[]).await;
    app.exec("UPDATE children SET first_name = '+cmd|'' /C calc''!A0' WHERE family_id = (SELECT id FROM families WHERE identifiant = 'martin')", &[]).await;
    app.exec("UPDATE activities SET name = '@SUM(1+1)' || name", &[])
        .await;
    app.exec("UPDATE payments SET reference = '-2+3+cmd|'' /C calc''!A0' WHERE family_id = (SELECT id FROM families WHERE identifiant = 'martin')", &[]).await;
    app.exec("UPDATE wallets SET name = '\t=1+1' || name", &[])
        .await;

    let today = app.today();
    let months = [today.first_of_month(), today.first_of_month() - 1.month()]
        .map(|m| m.strftime("%Y-%m").to_string());
    let mut martin = app.client();
    martin.login("martin", "Martin-Demo-2026!").await;
    let mut g = app.demo_gestion().await;
    let structures: Vec<i64> = sqlx::query_scalar("SELECT id FROM structures ORDER BY id")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    let mut exports: Vec<(String, Vec<String>)> = Vec::new();
    for month in &months {
        exports.push((
            format!("consommations {month}"),
            cells(
                &martin
                    .get(&format!("/historique/consommations.csv?mois={month}"))
                    .await
                    .body,
            ),
        ));
        for structure in &structures {
            for export in ["factures", "reglements"] {
                let page = g.get(&format!("/gestion/facturation/export/{export}.csv?structure={structure}&mois={month}")).await;
                exports.push((format!("{export} {structure} {month}"), cells(&page.body)));
            }
        }
    }
    exports.push((
        "règlements de la famille".to_owned(),
        cells(&martin.get("/historique/reglements.csv").await.body),
    ));

    let mut neutralised = 0;
    for (export, cells) in &exports {
        for cell in cells {
            let number = cell
                .trim_start_matches('-')
                .replace(',', "")
                .bytes()
                .all(|b| b.is_ascii_digit())
                && !cell.is_empty();
            assert!(
                number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{export}: {cell:?}"
            );
            neutralised += usize::from(
                cell.starts_with("'=")
                    || cell.starts_with("'+")
                    || cell.starts_with("'-")
                    || cell.starts_with("'@")
                    || cell.starts_with("'\t"),
            );
        }
    }
    assert!(
        neutralised >= 4,
        "the formulas were in the exports, neutralised: {neutralised}"
    );
}

#[tokio::test]
async fn the_structure_switch_comes_back_only_to_a_page_of_the_portal() {
    let (app, town) = TestApp::with_town().await;
    let ecureuils = app.ecureuils().await;
    town.family(NewFamily::new("martin").also_at(&ecureuils))
        .await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    let structure = ecureuils.id.to_string();
    for retour in [
        "/\t/pirate.example",
        "/\r\nSet-Cookie: x=1",
        "/\n/pirate.example",
        "/accueil\0",
        "\t//pirate.example",
        "/\\pirate.example",
        "https://pirate.example",
    ] {
        let switched = c
            .post_signed(
                "/accueil",
                "/structure",
                &[("structure", &structure), ("retour", retour)],
            )
            .await;
        assert_eq!(
            switched.status,
            StatusCode::SEE_OTHER,
            "{retour:?}: {}",
            switched.body
        );
        assert_eq!(switched.location(), "/accueil", "{retour:?}");
    }
    let kept = c
        .post_signed(
            "/accueil",
            "/structure",
            &[
                ("structure", &structure),
                ("retour", "/reservations?mois=2027-05"),
            ],
        )
        .await;
    assert_eq!(kept.location(), "/reservations?mois=2027-05");
}

#[tokio::test]
async fn invisible_characters_and_line_breaks_stay_out_of_one_line_fields() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    town.activity(NewActivity::new("APS SOIR")).await;
    let mut g = app.gestion(&["carteville"]).await;
    let martin: String =
        sqlx::query_scalar("SELECT public_id FROM families WHERE identifiant = 'martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let carteville = town.id;
    let edit = format!("/gestion/familles/{martin}/modifier");
    for name in ["MARTIN\0", "MAR\u{7}TIN"] {
        let fields = [
            ("civilite", "M."),
            ("nom", name),
            ("prenom", "Paul"),
            ("identifiant", "martin"),
            ("emails", ""),
            ("structure", &carteville.to_string()),
        ];
        let refused = g.post_signed(&edit, &edit, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        refused.assert_contains("Ce champ tient sur une seule ligne");
    }
    let stored: String =
        sqlx::query_scalar("SELECT last_name FROM families WHERE identifiant = 'martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(stored, "MARTIN");

    // A one-line field of the back office, then a multi-line one that keeps its lines.
    let activity: String =
        sqlx::query_scalar("SELECT public_id FROM activities ORDER BY id LIMIT 1")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let page = format!("/gestion/activites/{activity}");
    let day = (app.today() + 30.days()).strftime("%d/%m/%Y").to_string();
    let closure = g
        .post_signed(
            &page,
            &format!("{page}/fermetures"),
            &[("jour", &day), ("motif", "Grève\r\nBcc: tous@example.fr")],
        )
        .await;
    assert_eq!(closure.status, StatusCode::UNPROCESSABLE_ENTITY);
    closure.assert_contains("Ce champ tient sur une seule ligne");
    let form = "/gestion/annonces";
    let fields = [
        ("structure", carteville.to_string()),
        ("titre", "Piscine".to_owned()),
        ("texte", "Première ligne\r\nDeuxième ligne".to_owned()),
        ("debut", app.today().strftime("%d/%m/%Y").to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let published = g.post_signed("/gestion/annonces", form, &fields).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let mut nul = fields.clone();
    nul[2] = ("texte", "fin\0");
    let refused = g.post_signed("/gestion/annonces", form, &nul).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Ce texte contient un caractère invisible");
}

#[tokio::test]
async fn every_refused_login_costs_one_argon2_computation_whatever_account_it_names() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    dupont(&town).await;
    // A family created without a password yet.
    app.exec(
        "UPDATE families SET password_hash = '' WHERE identifiant = 'dupont'",
        &[],
    )
    .await;
    // The decoy is made once per process: made here, it is not counted below.
    app.client_from("203.0.113.19").login("personne", "x").await;
    for (i, identifiant) in ["martin", "dupont", "personne"].into_iter().enumerate() {
        let before = app.state.hashing.computed();
        let page = app
            .client_from(&format!("203.0.113.{}", 20 + i))
            .login(identifiant, "mauvais-mot-de-passe")
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{identifiant}");
        page.assert_contains("Identifiant ou mot de passe incorrect");
        assert_eq!(
            app.state.hashing.computed() - before,
            1,
            "{identifiant}: Argon2 computations"
        );
    }
}

/// Locks an account as ten wrong passwords would.
async fn lock(app: &TestApp, key: &str) {
    let now = ribambelle_store::db_time(app.now());
    let until = ribambelle_store::db_time(app.now() + jiff::SignedDuration::from_mins(15));
    app.exec("INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES ($1, 10, $2, $3)", &[key, &now, &until]).await;
}

#[tokio::test]
async fn a_locked_staff_member_is_sent_to_the_administrateur_and_a_family_to_its_reset_link() {
    let (app, town) = TestApp::with_town().await;
    NewStaff::new("gestion", StaffRole::Gestionnaire)
        .structures(&["carteville"])
        .add(app.db(), app.now())
        .await;
    town.family(
        NewFamily::new("martin").emails(&["claire.martin@example.fr", "paul.martin@example.fr"]),
    )
    .await;
    lock(&app, "compte:gestion").await;
    let staff = app
        .client()
        .staff_login("gestion", NewStaff::PASSWORD)
        .await;
    assert_eq!(staff.status, StatusCode::TOO_MANY_REQUESTS);
    staff.assert_contains("demandez-en un nouveau à l'administrateur du portail");
    assert!(
        !staff.body.contains("Réinitialiser"),
        "staff have no reset link"
    );

    lock(&app, "compte:martin").await;
    let mut c = app.client();
    let family = c.login("martin", PASSWORD).await;
    assert_eq!(family.status, StatusCode::TOO_MANY_REQUESTS);
    family.assert_contains("le lien reçu par mail débloque aussi votre compte");
    c.post(
        "/mot-de-passe-oublie",
        &[
            ("identifiant", "martin"),
            ("email", "paul.martin@example.fr"),
        ],
    )
    .await;
    let link = crate::reset::wait_for_link(&app, "paul.martin@example.fr")
        .await
        .expect("a reset mail");
    let path = link
        .strip_prefix(crate::support::PUBLIC_URL)
        .unwrap()
        .to_owned();
    let done = c
        .post(
            &path,
            &[
                ("nouveau", crate::support::STRONG),
                ("confirmation", crate::support::STRONG),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        c.login("martin", crate::support::STRONG).await.location(),
        "/accueil",
        "the reset lifted the lock"
    );
}

#[tokio::test]
async fn guesses_of_the_current_password_in_an_open_session_are_counted_as_logins() {
    let (app, town) = TestApp::with_town().await;
    martin(&town).await;
    let mut c = app.client();
    c.login("martin", PASSWORD).await;
    let profile = "/dossier/profil";
    let change = "/dossier/profil/mot-de-passe";
    let guess = |n: usize| format!("essai-{n}");
    let mut answers = Vec::new();
    for n in 0..6 {
        let fields = [
            ("actuel", guess(n)),
            ("nouveau", crate::support::STRONG.to_owned()),
            ("confirmation", crate::support::STRONG.to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        answers.push(c.post_signed(profile, change, &fields).await);
    }
    answers[0].assert_contains("Le mot de passe actuel est incorrect");
    // Past the free failures, the next guess waits, as a login would.
    answers[5].assert_contains("Trop de tentatives de connexion. Patientez");
    let counted: i64 =
        sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = 'compte:martin'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(counted, 4, "the guesses checked are counted on the account");
}
