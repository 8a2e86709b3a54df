//! The `ribambelle` binary as a newcomer and an operator run it: serve with the demo,
//! several instances on one database, the demo command, the test mail, shutdown.

mod support;

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use ribambelle_testkit::{SmtpSink, TestDb};
use support::{Server, base_command, get};

/// Logs in and returns the session cookie (`name=value`).
fn login(base: &str, identifiant: &str, password: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .post(format!("{base}/connexion"))
            .form(&[("identifiant", identifiant), ("mot_de_passe", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let cookie = response
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap();
        cookie.split(';').next().unwrap().to_owned()
    })
}

fn get_with_cookie(url: &str, cookie: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    })
}

#[test]
fn reset_password_puts_the_family_back_in_first_login() {
    let data = tempfile::tempdir().unwrap();
    assert!(
        base_command(data.path())
            .args(["demo"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let output = base_command(data.path())
        .args(["reset-password", "--identifiant", "martin"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = String::from_utf8_lossy(&output.stdout);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Nouveau mot de passe initial de « martin » : "))
        .expect("the new password is printed")
        .trim()
        .to_owned();
    let (server, _) = Server::start(base_command(data.path()), &[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let location = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let old = client
            .post(format!("{}/connexion", server.base))
            .form(&[
                ("identifiant", "martin"),
                ("mot_de_passe", "Martin-Demo-2026!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 401, "the old password no longer works");
        let new = client
            .post(format!("{}/connexion", server.base))
            .form(&[
                ("identifiant", "martin"),
                ("mot_de_passe", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        new.headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
    });
    assert_eq!(location.as_deref(), Some("/premiere-connexion"));
    let unknown = base_command(data.path())
        .args(["reset-password", "--identifiant", "personne"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("aucune famille n'a l'identifiant « personne »")
    );
}

#[test]
fn serve_demo_prints_the_accounts_and_serves_the_login_page_then_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let (server, welcome) = Server::start(base_command(data.path()), &["--demo"]);
    let text = welcome.join("\n");
    assert!(
        text.contains(&format!("Portail Famille prêt : {}", server.base)),
        "{text}"
    );
    assert!(
        text.contains("identifiant « dupont », mot de passe « bienvenue »"),
        "{text}"
    );
    assert!(
        text.contains("identifiant « martin », mot de passe « Martin-Demo-2026! »"),
        "{text}"
    );
    assert!(
        text.contains("identifiant « gestion », mot de passe « Gestion-Demo-2026! »"),
        "{text}"
    );
    assert!(text.contains("outbox"), "{text}");

    let (status, body) = get(&format!("{}/connexion", server.base)).unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("Mairie de CarteVille"));
    assert!(
        data.path().join("ribambelle.sqlite").exists(),
        "SQLite file in the data folder by default"
    );

    let status = server.stop();
    assert!(
        status.success(),
        "graceful shutdown exits with success: {status:?}"
    );
}

#[test]
fn the_simulated_bank_is_served_with_the_demo_only() {
    let data = tempfile::tempdir().unwrap();
    assert!(
        base_command(data.path())
            .args(["demo"])
            .output()
            .unwrap()
            .status
            .success()
    );
    // The bank's own page for an operation it does not know, or the portal's « not found ».
    let bank_answers = |base: &str| {
        let (status, body) = get(&format!(
            "{base}/banque-simulee/tpa/paiementws.web?idop=inconnue"
        ))
        .unwrap();
        assert_eq!(status, 404);
        body.contains("Opération inconnue")
    };
    // The demo's data, served for real: its régies' simulated bank is not there.
    let (server, _) = Server::start(base_command(data.path()), &[]);
    assert!(!bank_answers(&server.base));
    server.stop();
    for flag in ["--demo", "--simulated-bank"] {
        let (server, _) = Server::start(base_command(data.path()), &[flag]);
        assert!(bank_answers(&server.base), "{flag}");
        server.stop();
    }
}

#[test]
fn two_instances_on_one_database_serve_the_same_data() {
    // The database (SQLite file, or a PostgreSQL database when the suite runs there) is
    // created by the test kit; the two processes only share its URL.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let t = runtime.block_on(TestDb::new());
    let data = tempfile::tempdir().unwrap();
    let mut first = base_command(data.path());
    first.env("DATABASE_URL", &t.url);
    let (a, _) = Server::start(first, &["--demo"]);
    let mut second = base_command(&data.path().join("second"));
    second.env("DATABASE_URL", &t.url);
    let (b, _) = Server::start(second, &[]);
    for server in [&a, &b] {
        let (status, body) = get(&format!("{}/connexion", server.base)).unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("Mairie de CarteVille"), "{}", server.base);
    }
    // A session opened on one instance is valid on the other: sessions live in the database.
    let cookie = login(&a.base, "martin", "Martin-Demo-2026!");
    let (status, body) = get_with_cookie(&format!("{}/accueil", b.base), &cookie);
    assert_eq!(status, 200);
    assert!(body.contains("MARTIN Claire"), "{body}");
    assert!(a.stop().success());
    assert!(b.stop().success());
}

#[test]
fn demo_command_loads_once_and_adds_synthetic_families() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| base_command(data.path()).args(args).output().unwrap();

    let first = run(&["demo", "--families", "12"]);
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.contains("Données de démonstration chargées."), "{out}");
    assert!(out.contains("12 familles ajoutées"), "{out}");

    let again = run(&["demo"]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("contient déjà des données"), "{err}");

    let more = run(&["demo", "--families", "3"]);
    assert!(more.status.success());
    assert!(String::from_utf8_lossy(&more.stdout).contains("3 familles ajoutées"));
}

/// A moved clock is for demonstrations and tests only: chosen when the demo is loaded, kept
/// by its database for every later command and instance; any other database refuses it.
#[test]
fn a_moved_clock_runs_the_demo_only() {
    const START: &str = "2027-03-28T10:00";
    let data = tempfile::tempdir().unwrap();
    let moved = |args: &[&str]| {
        base_command(data.path())
            .env("RIBAMBELLE_CLOCK_START", START)
            .args(args)
            .output()
            .unwrap()
    };
    for args in [
        &["process"][..],
        &["serve"],
        &["reset-password", "--identifiant", "martin"],
    ] {
        let refused = moved(args);
        assert!(!refused.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains(
                "horloge déplacée refusée : elle se choisit en chargeant la démonstration"
            ),
            "{args:?}: {err}"
        );
    }
    let loaded = moved(&["demo"]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert!(
        moved(&["process"]).status.success(),
        "the demo's database takes the moved clock"
    );

    let mut served = base_command(data.path());
    served.env_remove("RIBAMBELLE_CLOCK_START");
    let (server, _) = Server::start(served, &[]);
    let cookie = login(&server.base, "martin", "Martin-Demo-2026!");
    let (status, body) = get_with_cookie(&format!("{}/historique", server.base), &cookie);
    assert_eq!(status, 200);
    assert!(
        body.contains("mars 2027"),
        "Historique opens on the demo's month: {body}"
    );
    assert!(server.stop().success());
    let unparsable = base_command(data.path())
        .env("RIBAMBELLE_CLOCK_START", "28/03/2027")
        .arg("process")
        .output()
        .unwrap();
    assert!(!unparsable.status.success());
    assert!(
        String::from_utf8_lossy(&unparsable.stderr).contains("« 28/03/2027 » n'est pas un instant")
    );
}

#[test]
fn send_test_mail_goes_through_the_configured_smtp_server() {
    let sink = SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    // No demo here, and a moved clock is refused on such a database (see above).
    let output = base_command(data.path())
        .env_remove("RIBAMBELLE_CLOCK_START")
        .args(["send-test-mail", "--to", "secretariat@carteville.example"])
        .args([
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &sink.port.to_string(),
            "--smtp-security",
            "none",
        ])
        .args(["--mail-from", "portail@carteville.example"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mails = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["secretariat@carteville.example"]);
}

#[test]
fn a_bad_database_url_is_refused_with_a_clear_message() {
    let data = tempfile::tempdir().unwrap();
    let output = base_command(data.path())
        .args(["demo"])
        .env("DATABASE_URL", "mysql://localhost/x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("ribambelle : base de données"), "{err}");
}

/// The processing run killed (SIGKILL) in the middle, then run again: every request ends
/// with exactly one decision, no day is over capacity, and each family gets one report.
#[test]
fn a_processing_run_killed_midway_finishes_on_the_next_run_with_one_report_each() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| base_command(data.path()).args(args).output().unwrap();
    let loaded = run(&["demo", "--families", "2000", "--requests", "20000"]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let url = format!(
        "sqlite://{}",
        data.path().join("ribambelle.sqlite").display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime
        .block_on(ribambelle_store::Db::connect(&url))
        .unwrap();
    let count = |sql: &'static str| -> i64 {
        runtime
            .block_on(sqlx::query_scalar(sql).fetch_one(db.reader()))
            .unwrap()
    };
    let total = count("SELECT COUNT(*) FROM reservation_requests");
    assert!(total >= 20000);

    let mut child = base_command(data.path())
        .arg("process")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let processed =
            count("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NOT NULL");
        if processed > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the run never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill =
        count("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NOT NULL");
    assert!(
        after_kill < total,
        "killed before the end ({after_kill} of {total})"
    );
    // The dead run still holds its lease for a few minutes; it is released by hand here
    // as an operator would after a crash (or as time does).
    runtime
        .block_on(
            sqlx::query("UPDATE run_lease SET until = '2000-01-01T00:00:00.000000Z'")
                .execute(db.writer()),
        )
        .unwrap();

    let again = run(&["process"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NULL"),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM processing_runs"),
        1,
        "the interrupted run was resumed, not restarted"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM (SELECT activity_id, day FROM reservations WHERE state = 'acceptee' AND activity_id = (SELECT id FROM activities WHERE name = 'APS SOIR') GROUP BY activity_id, day HAVING COUNT(*) > 60) over"
        ),
        0,
        "no day over capacity"
    );
    let families = count(
        "SELECT COUNT(*) FROM (SELECT DISTINCT r.family_id, a.structure_id FROM reservation_requests r JOIN activities a ON a.id = r.activity_id) d",
    );
    // One report per family and structure.
    assert_eq!(
        count("SELECT COUNT(*) FROM run_reports WHERE kind = 'compte_rendu'"),
        families
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM outbox WHERE subject LIKE '%compte rendu%'"),
        families,
        "one report per family, none twice"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM (SELECT recipients, subject FROM outbox WHERE subject LIKE '%compte rendu%' GROUP BY recipients, subject HAVING COUNT(*) > 1) d"
        ),
        0
    );
    runtime.block_on(db.close());
}

#[test]
fn regie_checks_the_credentials_before_saving_them() {
    let data = tempfile::tempdir().unwrap();
    assert!(
        base_command(data.path())
            .args(["demo"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let regie = |args: &[&str], certificate: Option<&str>| {
        let mut command = base_command(data.path());
        command
            .env_remove("RIBAMBELLE_REGIE_CERTIFICATE")
            .arg("regie")
            .args(args);
        if let Some(certificate) = certificate {
            command.env("RIBAMBELLE_REGIE_CERTIFICATE", certificate);
        }
        let output = command.output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let (ok, out) = regie(
        &[
            "--structure",
            "carteville",
            "--provider",
            "payfip",
            "--merchant",
            "12AB",
        ],
        None,
    );
    assert!(
        !ok && out.contains("l'identifiant PayFiP (numcli) compte 6 chiffres"),
        "{out}"
    );
    let (ok, out) = regie(
        &[
            "--structure",
            "nulle-part",
            "--provider",
            "payfip",
            "--merchant",
            "123456",
        ],
        None,
    );
    assert!(
        !ok && out.contains("aucune structure n'a le nom court « nulle-part »"),
        "{out}"
    );
    let (ok, out) = regie(
        &[
            "--structure",
            "ecureuils",
            "--provider",
            "systempay",
            "--merchant",
            "87654321",
        ],
        None,
    );
    assert!(
        !ok && out.contains("Systempay demande le certificat"),
        "{out}"
    );
    let (ok, out) = regie(
        &[
            "--structure",
            "carteville",
            "--provider",
            "payfip",
            "--environment",
            "production",
            "--merchant",
            "123456",
        ],
        None,
    );
    assert!(
        ok && out.contains("Régie de « Mairie de CarteVille » enregistrée"),
        "{out}"
    );
    let (ok, out) = regie(
        &[
            "--structure",
            "ecureuils",
            "--provider",
            "systempay",
            "--merchant",
            "87654321",
        ],
        Some("cle-secrete-de-test"),
    );
    assert!(ok, "{out}");
    assert!(
        !out.contains("cle-secrete-de-test"),
        "the certificate is never printed"
    );

    let url = format!(
        "sqlite://{}",
        data.path().join("ribambelle.sqlite").display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let rows: Vec<(String, String, String, String)> = runtime.block_on(async {
        let db = ribambelle_store::Db::connect(&url).await.unwrap();
        sqlx::query_as("SELECT s.slug, r.provider, r.environment, r.merchant_id || '/' || r.secret FROM regies r JOIN structures s ON s.id = r.structure_id ORDER BY s.slug")
            .fetch_all(db.reader())
            .await
            .unwrap()
    });
    assert_eq!(
        rows,
        vec![
            (
                "carteville".into(),
                "payfip".into(),
                "production".into(),
                "123456/".into()
            ),
            (
                "ecureuils".into(),
                "systempay".into(),
                "test".into(),
                "87654321/cle-secrete-de-test".into()
            ),
        ]
    );
}
