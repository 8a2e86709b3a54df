//! « Historique » (R-HIST-1, 2): the month's consommations with arrows between the current
//! and the previous month, the règlements of both months, and their CSV exports.

use axum::http::StatusCode;
use jiff::ToSpan;
use ribambelle_domain::{
    french::month_year,
    ids::ActivityId,
    money::{Cents, PaymentMode},
};

use ribambelle_testkit::Town;

use crate::support::TestApp;

async fn month_total(app: &TestApp, month: &str) -> (i64, Cents) {
    let row: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(c.amount_cents), 0) AS BIGINT) FROM consommations c JOIN families f ON f.id = c.family_id \
         JOIN activities a ON a.id = c.activity_id JOIN structures s ON s.id = a.structure_id \
         WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND c.day LIKE $1",
    )
    .bind(format!("{month}-%"))
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    (row.0, Cents(row.1))
}

#[tokio::test]
async fn consommations_of_this_month_and_the_last_with_their_exports() {
    let (app, martin, _) = TestApp::with_martins_month().await;
    let mut c = app.client();
    c.login("martin", &martin.password).await;
    let today = app.today();
    let current = today.first_of_month().strftime("%Y-%m").to_string();
    let previous = (today.first_of_month() - 1.month())
        .strftime("%Y-%m")
        .to_string();

    let (count, total) = month_total(&app, &previous).await;
    assert_eq!(
        (count, total),
        (1, Cents(180)),
        "Léa's one morning last month"
    );
    let page = c.get(&format!("/historique?mois={previous}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(&total.to_french())
        .assert_contains(&format!("/historique?mois={current}"));
    assert_eq!(
        page.body.matches("<td data-label=\"Enfant\">").count() as i64,
        count
    );

    // This month by default, with the arrow back; nothing consumed in it yet.
    assert_eq!(month_total(&app, &current).await.0, 0);
    let this_month = c.get("/historique").await;
    this_month
        .assert_contains(&format!(
            "Aucune consommation en {}.",
            month_year(today.year(), today.month())
        ))
        .assert_contains(&format!("/historique?mois={previous}"));
    // Other months are not offered: the current one is shown, with why.
    let older = c.get("/historique?mois=2020-01").await;
    assert_eq!(older.status, StatusCode::BAD_REQUEST);
    older
        .assert_contains("L'historique en ligne présente le mois en cours et le mois précédent")
        .assert_contains(&format!(
            "Vos consommations — {}",
            month_year(today.year(), today.month())
        ));
    // The printout says whose it is; the print button waits for scripts.
    this_month
        .assert_contains("<p class=\"print-only\">MARTIN ")
        .assert_contains("<button type=\"button\" class=\"button secondary\" data-print hidden>Imprimer l'historique</button>");

    // The CSV opens in a French spreadsheet: BOM, « ; », decimal comma; a line a consommation.
    let csv = c
        .get(&format!("/historique/consommations.csv?mois={previous}"))
        .await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        csv.header("content-disposition")
            .contains(&format!("consommations-{previous}.csv"))
    );
    assert!(csv.body.starts_with('\u{feff}'), "a byte-order mark");
    // Read back as a spreadsheet set to French would: « ; » between fields, decimal comma.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        ["Date", "Enfant", "Activité", "Quantité", "Montant (€)"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, count);
    let sum: i64 = rows
        .iter()
        .map(|row| {
            let (euros, cents) = row[4]
                .split_once(',')
                .unwrap_or_else(|| panic!("a decimal comma in {:?}", &row[4]));
            euros.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(
        Cents(sum),
        total,
        "the exported amounts add up to the month's total"
    );
}

#[tokio::test]
async fn reglements_of_both_months_are_listed_and_exported() {
    let (app, martin, _) = TestApp::with_martins_month().await;
    // The invoice paid at the counter by cheque.
    let town = Town::existing(app.db(), app.state.clock, "carteville").await;
    town.paid_at_counter(&martin, PaymentMode::Cheque, 180, "CHQ-1234567")
        .await;
    let today = app.today();
    let since = ribambelle_store::db_time(ribambelle_domain::clock::paris_instant(
        today.first_of_month() - 1.month(),
        jiff::civil::Time::midnight(),
    ));
    let references: Vec<String> = sqlx::query_scalar(
        "SELECT p.reference FROM payments p JOIN families f ON f.id = p.family_id JOIN structures s ON s.id = p.structure_id \
         WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND p.state = 'paye' AND p.paid_at >= $1",
    )
    .bind(since)
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    let mut c = app.client();
    c.login("martin", &martin.password).await;
    let page = c.get("/historique").await;
    assert_eq!(references, ["CHQ-1234567"], "MARTIN's cheque");
    for reference in &references {
        page.assert_contains(reference);
    }
    let csv = c.get("/historique/reglements.csv").await;
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Date;Mode;Montant (€);Référence");
    assert_eq!(lines.len(), references.len() + 1);
    // DUPONT has none, and sees none of MARTIN's.
    let aps: i64 = sqlx::query_scalar("SELECT id FROM activities WHERE name = 'APS MATIN'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    crate::support::dupont_at(&town, &[ActivityId::new(aps)]).await;
    let mut dupont = app.client();
    dupont.onboard_dupont().await;
    let theirs = dupont.get("/historique/reglements.csv").await;
    assert_eq!(
        theirs.body.trim_start_matches('\u{feff}').lines().count(),
        1
    );
}
