//! Billing in the back office (R-BO-7): a finished month previewed then issued, seen by the
//! family in « Paiement et Solde »; a cheque recorded at the counter settling an invoice and
//! showing in the family's history, with its ticket; French refusals; the balances, débiteurs
//! first; the accounting export read back with French spreadsheet settings; animateurs read
//! only; a gestionnaire of one structure never reaches the other's billing; every change in
//! the Journal with its author.

use axum::http::StatusCode;
use jiff::{ToSpan, civil::Date};
use ribambelle_domain::money::Cents;
use ribambelle_domain::staff::StaffRole;

use crate::support::TestApp;

async fn id(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

async fn text(app: &TestApp, sql: &'static str) -> String {
    sqlx::query_scalar(sql)
        .fetch_one(app.db().reader())
        .await
        .unwrap()
}

fn last_month(app: &TestApp) -> Date {
    app.today().first_of_month() - 1.month()
}

fn month_code(month: Date) -> String {
    month.strftime("%Y-%m").to_string()
}

/// DUPONT's three APS MATIN at 1,80 € last month, made consommations by the nightly job.
async fn dupont_days_last_month(app: &TestApp) {
    let month = last_month(app);
    for day in [month, month + 1.day(), month + 7.days()] {
        sqlx::query(
            "INSERT INTO reservations (family_id, child_id, activity_id, day, state, amount_cents, confirmed_at, updated_at) \
             SELECT f.id, (SELECT MIN(c.id) FROM children c WHERE c.family_id = f.id), (SELECT a.id FROM activities a WHERE a.name = 'APS MATIN'), $1, 'acceptee', 180, \
               '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM families f WHERE f.identifiant = 'dupont'",
        )
        .bind(day.to_string())
        .execute(app.db().writer())
        .await
        .unwrap();
    }
    ribambelle_store::billing::run(app.db(), app.today())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_month_previewed_then_issued_reaches_the_familys_balance_once() {
    let app = TestApp::with_demo().await;
    dupont_days_last_month(&app).await;
    let carteville = id(&app, "SELECT id FROM structures WHERE slug = 'carteville'")
        .await
        .to_string();
    let dupont = text(
        &app,
        "SELECT public_id FROM families WHERE identifiant = 'dupont'",
    )
    .await;
    let month = month_code(last_month(&app));
    let query = format!("structure={carteville}&mois={month}");
    let mut g = app.demo_gestion().await;

    let preview = g.get(&format!("/gestion/facturation?{query}")).await;
    assert_eq!(preview.status, StatusCode::OK);
    preview
        .assert_contains("DUPONT Jean-Paul")
        .assert_contains("Périscolaire")
        .assert_contains("Aperçu : ")
        .assert_contains("Émettre les factures");
    let dupont_row = preview
        .body
        .split("DUPONT Jean-Paul")
        .nth(1)
        .unwrap_or_default()
        .split("</tr>")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        dupont_row.contains("<td class=\"amount\" data-label=\"Journées\">3</td>")
            && dupont_row.contains(&Cents(540).to_french()),
        "{dupont_row}"
    );
    let to_issue = preview.body.matches("name=\"exclure\"").count();
    preview.assert_contains(&format!("href=\"/gestion/familles/{dupont}\""));
    // This month is not over yet.
    let current = month_code(app.today());
    g.get(&format!(
        "/gestion/facturation?structure={carteville}&mois={current}"
    ))
    .await
    .assert_contains("n'est pas terminé");

    let issued = g
        .post_signed(
            "/gestion/facturation",
            "/gestion/facturation/emettre",
            &[("structure", &carteville), ("mois", &month)],
        )
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER);
    assert_eq!(
        issued.location(),
        format!("/gestion/facturation/factures?{query}&emises={to_issue}")
    );
    let list = g.get(issued.location()).await;
    list.assert_contains(&format!("{to_issue} facture"))
        .assert_contains("DUPONT Jean-Paul")
        .assert_contains("À régler");
    let (number, public_id): (String, String) = sqlx::query_as("SELECT i.number, i.public_id FROM invoices i JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'dupont'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    list.assert_contains(&number)
        .assert_contains(&format!("/gestion/facturation/factures/{public_id}"));
    g.get(&format!("/gestion/facturation/factures?{query}&a_regler=1"))
        .await
        .assert_contains(&number);
    let pdf = g
        .get(&format!("/gestion/facturation/factures/{public_id}"))
        .await;
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(
        pdf.header("content-disposition")
            .contains(&format!("facture-{number}.pdf"))
    );

    // Issuing again issues nothing, and the preview is empty.
    let again = g
        .post_signed(
            "/gestion/facturation",
            "/gestion/facturation/emettre",
            &[("structure", &carteville), ("mois", &month)],
        )
        .await;
    assert!(
        again.location().ends_with("&emises=0"),
        "{}",
        again.location()
    );
    g.get(again.location())
        .await
        .assert_contains("Aucune nouvelle facture");
    g.get(&format!("/gestion/facturation?{query}"))
        .await
        .assert_contains("Aucune facture à émettre");
    assert_eq!(id(&app, "SELECT COUNT(*) FROM invoices i JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'dupont'").await, 1);
    assert_eq!(
        app.mails_matching("jean-paul.dupont@example.fr", &number)
            .await
            .len(),
        1,
        "« Votre facture est disponible », once"
    );

    // The family sees its invoice and its balance move.
    let mut family = app.client();
    family.onboard_dupont().await;
    let paiement = family.get("/paiement").await;
    paiement
        .assert_contains(&number)
        .assert_contains(&format!("{} (à régler)", Cents(-540).to_french()));

    // The balances list DUPONT, débiteur, before MARTIN.
    let soldes = g.get(&format!("/gestion/facturation/soldes?{query}")).await;
    let (dupont_at, martin_at) = (
        soldes.body.find("DUPONT Jean-Paul").unwrap(),
        soldes.body.find("MARTIN Claire").unwrap(),
    );
    assert!(dupont_at < martin_at, "débiteurs first");
    soldes.assert_contains("au solde négatif");

    let journal = g.get("/gestion/journal").await;
    journal
        .assert_contains("Factures émises")
        .assert_contains(&format!("{to_issue} facture"))
        .assert_contains("Nadia GESTION");
}

#[tokio::test]
async fn a_cheque_at_the_counter_settles_martins_invoice_and_shows_in_his_history() {
    let app = TestApp::with_demo().await;
    let carteville = id(&app, "SELECT id FROM structures WHERE slug = 'carteville'")
        .await
        .to_string();
    let martin = text(
        &app,
        "SELECT public_id FROM families WHERE identifiant = 'martin'",
    )
    .await;
    let (number, invoice, owed): (String, String, i64) = sqlx::query_as(
        "SELECT i.number, i.public_id, i.amount_cents - CAST(COALESCE((SELECT SUM(pa.amount_cents) FROM payment_allocations pa WHERE pa.invoice_id = i.id), 0) AS BIGINT) \
         FROM invoices i JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'martin' AND i.structure_id = (SELECT id FROM structures WHERE slug = 'carteville') \
         ORDER BY i.period_month DESC LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert!(owed > 0, "MARTIN's last invoice is still due in the demo");
    let owed = Cents(owed);
    let mut g = app.demo_gestion().await;
    let form =
        format!("/gestion/facturation/reglements/nouveau?structure={carteville}&famille={martin}");
    let page = g.get(&form).await;
    page.assert_contains("Famille MARTIN Claire")
        .assert_contains(&number)
        .assert_contains("Créditer le porte-monnaie Restauration");
    // The family is found by name too.
    g.get(&format!(
        "/gestion/facturation/reglements/nouveau?structure={carteville}&recherche=mart"
    ))
    .await
    .assert_contains(&format!("famille={martin}"));

    let amount = owed.to_decimal_comma();
    let too_much = (owed + Cents(100)).to_decimal_comma();
    let post = |fields: Vec<(&'static str, String)>| fields;
    let refusals = [
        (
            post(vec![
                ("montant", amount.clone()),
                ("affectation", "factures".into()),
            ]),
            "Choisissez le mode de règlement.",
        ),
        (
            post(vec![("mode", "cheque".into()), ("montant", amount.clone())]),
            "Indiquez le numéro du chèque.",
        ),
        (
            post(vec![
                ("mode", "especes".into()),
                ("montant", "douze".into()),
            ]),
            "Indiquez un montant en euros, par exemple 25 ou 25,50.",
        ),
        (
            post(vec![("mode", "especes".into()), ("montant", "0".into())]),
            "Indiquez un montant supérieur à zéro.",
        ),
        (
            post(vec![
                ("mode", "especes".into()),
                ("montant", too_much),
                ("facture", invoice.clone()),
            ]),
            "Le montant dépasse ce que doivent les factures choisies",
        ),
    ];
    for (fields, message) in refusals {
        let mut all: Vec<(&str, &str)> = vec![("structure", &carteville), ("famille", &martin)];
        all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let refused = g
            .post_signed(&form, "/gestion/facturation/reglements/nouveau", &all)
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        refused
            .assert_contains(message)
            .assert_contains("aria-invalid=\"true\"");
    }
    assert_eq!(
        id(&app, "SELECT COUNT(*) FROM payments WHERE mode <> 'carte'").await,
        1,
        "only the demo's cheque: refusals record nothing"
    );

    let fields = [
        ("structure", carteville.as_str()),
        ("famille", martin.as_str()),
        ("mode", "cheque"),
        ("reference", "7654321"),
        ("montant", amount.as_str()),
        ("affectation", "factures"),
        ("facture", invoice.as_str()),
    ];
    let recorded = g
        .post_signed(&form, "/gestion/facturation/reglements/nouveau", &fields)
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let list = g.get(recorded.location()).await;
    list.assert_contains("Le règlement est enregistré")
        .assert_contains("7654321")
        .assert_contains("Chèque")
        .assert_contains(&format!("Facture {number} : {}", owed.to_french()));
    let tickets = app
        .mails_matching("claire.martin@example.fr", "7654321")
        .await;
    assert_eq!(tickets.len(), 1);
    assert!(tickets[0].contains("par chèque"), "{}", tickets[0]);
    assert!(
        app.mails_matching("paul.martin@example.fr", "7654321")
            .await
            .is_empty(),
        "the first address only"
    );

    let mut family = app.client();
    family.login("martin", "Martin-Demo-2026!").await;
    family
        .get("/historique")
        .await
        .assert_contains("Chèque")
        .assert_contains("7654321")
        .assert_contains(&owed.to_french());
    let paiement = family.get("/paiement").await;
    let row = paiement
        .body
        .split(&number)
        .nth(1)
        .unwrap_or_default()
        .split("</tr>")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(row.contains("Réglée"), "{row}");

    let journal = g.get("/gestion/journal").await;
    journal
        .assert_contains("Règlement enregistré")
        .assert_contains("MARTIN Claire, Chèque")
        .assert_contains("Nadia GESTION");
}

#[tokio::test]
async fn the_accounting_export_reads_back_in_a_french_spreadsheet() {
    let app = TestApp::with_demo().await;
    dupont_days_last_month(&app).await;
    let carteville = id(&app, "SELECT id FROM structures WHERE slug = 'carteville'")
        .await
        .to_string();
    let mut g = app.demo_gestion().await;
    g.post_signed(
        "/gestion/facturation",
        "/gestion/facturation/emettre",
        &[
            ("structure", &carteville),
            ("mois", &month_code(last_month(&app))),
        ],
    )
    .await;
    let dupont = text(
        &app,
        "SELECT public_id FROM families WHERE identifiant = 'dupont'",
    )
    .await;
    let form =
        format!("/gestion/facturation/reglements/nouveau?structure={carteville}&famille={dupont}");
    let paid = g
        .post_signed(
            &form,
            "/gestion/facturation/reglements/nouveau",
            &[
                ("structure", &carteville),
                ("famille", &dupont),
                ("mode", "especes"),
                ("montant", "2,40"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let number = text(&app, "SELECT i.number FROM invoices i JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'dupont'").await;

    let current = month_code(app.today());
    let query = format!("structure={carteville}&mois={current}");
    g.get(&format!("/gestion/facturation/export?{query}"))
        .await
        .assert_contains("Date d'émission")
        .assert_contains("Affectation")
        .assert_contains("virgule décimale");
    let read = |body: &str| -> (Vec<String>, Vec<csv::StringRecord>) {
        assert!(body.starts_with('\u{feff}'), "a byte-order mark");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        (header, reader.records().map(Result::unwrap).collect())
    };
    let invoices = g
        .get(&format!("/gestion/facturation/export/factures.csv?{query}"))
        .await;
    assert_eq!(invoices.header("content-type"), "text/csv; charset=utf-8");
    let (header, rows) = read(&invoices.body);
    assert_eq!(
        header,
        [
            "Numéro",
            "Date d'émission",
            "Famille",
            "Porte-monnaie",
            "Période",
            "Montant (€)"
        ]
    );
    let today = app.today().strftime("%d/%m/%Y").to_string();
    let dupont_row = rows
        .iter()
        .find(|r| &r[0] == number.as_str())
        .expect("DUPONT's invoice, issued this month");
    assert_eq!(
        (
            &dupont_row[1],
            &dupont_row[2],
            &dupont_row[3],
            &dupont_row[5]
        ),
        (today.as_str(), "DUPONT Jean-Paul", "Périscolaire", "5,40")
    );

    let payments = g
        .get(&format!(
            "/gestion/facturation/export/reglements.csv?{query}"
        ))
        .await;
    let (header, rows) = read(&payments.body);
    assert_eq!(
        header,
        [
            "Date",
            "Famille",
            "Mode",
            "Référence",
            "Affectation",
            "Montant (€)"
        ]
    );
    let cash = rows
        .iter()
        .find(|r| &r[1] == "DUPONT Jean-Paul")
        .expect("the cash payment");
    assert_eq!(
        (&cash[0], &cash[2], &cash[5]),
        (today.as_str(), "Espèces", "2,40")
    );
    assert!(cash[4].contains(&number), "{:?}", &cash[4]);
    // The amounts add up to the month's payments.
    let total: i64 = rows
        .iter()
        .map(|r| r[5].replace(',', "").parse::<i64>().unwrap())
        .sum();
    let month_start = ribambelle_store::db_time(ribambelle_domain::clock::paris_instant(
        app.today().first_of_month(),
        jiff::civil::Time::midnight(),
    ));
    let expected: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(amount_cents) AS BIGINT) FROM payments WHERE state = 'paye' AND paid_at >= $1 AND structure_id = (SELECT id FROM structures WHERE slug = 'carteville')",
    )
    .bind(month_start)
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(total, expected);
}

#[tokio::test]
async fn animateurs_read_only_and_a_carteville_gestionnaire_never_reaches_les_ecureuils() {
    let app = TestApp::with_demo().await;
    dupont_days_last_month(&app).await;
    let carteville = id(&app, "SELECT id FROM structures WHERE slug = 'carteville'")
        .await
        .to_string();
    let ecureuils = id(&app, "SELECT id FROM structures WHERE slug = 'ecureuils'")
        .await
        .to_string();
    let martin = text(
        &app,
        "SELECT public_id FROM families WHERE identifiant = 'martin'",
    )
    .await;
    let month = month_code(last_month(&app));

    let mut animateur = app
        .staff_member("anim", StaffRole::Animateur, &["carteville", "ecureuils"])
        .await;
    let preview = animateur
        .get(&format!(
            "/gestion/facturation?structure={carteville}&mois={month}"
        ))
        .await;
    preview.assert_contains("DUPONT Jean-Paul");
    assert!(
        !preview.body.contains("Émettre les factures"),
        "no button for an animateur"
    );
    let refused = animateur
        .post_signed(
            "/gestion/facturation",
            "/gestion/facturation/emettre",
            &[("structure", &carteville), ("mois", &month)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let form =
        format!("/gestion/facturation/reglements/nouveau?structure={carteville}&famille={martin}");
    let refused = animateur
        .post_signed(
            &form,
            "/gestion/facturation/reglements/nouveau",
            &[
                ("structure", &carteville),
                ("famille", &martin),
                ("mode", "especes"),
                ("montant", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(id(&app, "SELECT COUNT(*) FROM invoices i JOIN families f ON f.id = i.family_id WHERE f.identifiant = 'dupont'").await, 0);

    let mut local = app
        .staff_member("mairie", StaffRole::Gestionnaire, &["carteville"])
        .await;
    let own = local.get("/gestion/facturation").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        !own.body.contains("Les Écureuils"),
        "the other structure is not even offered"
    );
    for page in [
        "/gestion/facturation",
        "/gestion/facturation/factures",
        "/gestion/facturation/reglements",
        "/gestion/facturation/soldes",
        "/gestion/facturation/export",
        "/gestion/facturation/export/factures.csv",
        "/gestion/facturation/export/reglements.csv",
    ] {
        assert_eq!(
            local
                .get(&format!("{page}?structure={ecureuils}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{page}"
        );
    }
    assert_eq!(
        local
            .get(&format!(
                "/gestion/facturation/reglements/nouveau?structure={ecureuils}&famille={martin}"
            ))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let wallet = id(&app, "SELECT w.id FROM wallets w JOIN structures s ON s.id = w.structure_id WHERE s.slug = 'ecureuils'").await.to_string();
    let credit = local
        .post_signed(
            "/gestion/facturation",
            "/gestion/facturation/reglements/nouveau",
            &[
                ("structure", &ecureuils),
                ("famille", &martin),
                ("mode", "especes"),
                ("montant", "10"),
                ("affectation", &wallet),
            ],
        )
        .await;
    assert_eq!(credit.status, StatusCode::NOT_FOUND);
    let issue = local
        .post_signed(
            "/gestion/facturation",
            "/gestion/facturation/emettre",
            &[("structure", &ecureuils), ("mois", &month)],
        )
        .await;
    assert_eq!(issue.status, StatusCode::NOT_FOUND);
    // A wallet of the other structure is refused for a CarteVille family, in French.
    let crossed = local
        .post_signed(
            "/gestion/facturation",
            "/gestion/facturation/reglements/nouveau",
            &[
                ("structure", &carteville),
                ("famille", &martin),
                ("mode", "especes"),
                ("montant", "10"),
                ("affectation", &wallet),
            ],
        )
        .await;
    assert_eq!(crossed.status, StatusCode::UNPROCESSABLE_ENTITY);
    crossed.assert_contains("Choisissez un porte-monnaie prépayé de la structure.");
    assert_eq!(
        id(&app, "SELECT COUNT(*) FROM payments WHERE mode = 'especes'").await,
        0
    );
}
