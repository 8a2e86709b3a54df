//! « Paiement et Solde » (R-PAY-1, 2): the balance per porte-monnaie, in words as well as
//! in figures, and a family total equal to the balance the reservations check.

use ribambelle_domain::money::Cents;

use crate::support::TestApp;

#[tokio::test]
async fn each_wallet_shows_its_balance_and_prepaid_ones_their_coming_costs() {
    let app = TestApp::with_demo().await;
    let (martin, carteville): (i64, i64) = sqlx::query_as("SELECT f.id, s.id FROM families f, structures s WHERE f.identifiant = 'martin' AND s.slug = 'carteville'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let balance = ribambelle_store::wallets::balance(app.db(), martin, carteville)
        .await
        .unwrap();
    let coming: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(r.amount_cents), 0) AS BIGINT) FROM reservations r JOIN activities a ON a.id = r.activity_id \
         JOIN wallets w ON w.id = a.wallet_id WHERE r.family_id = $1 AND w.name = 'Restauration' AND r.state = 'acceptee' AND r.day >= $2",
    )
    .bind(martin)
    .bind(app.today().to_string())
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert!(coming > 0, "MARTIN has accepted meals to come");

    let mut c = app.client();
    c.login("martin", "Martin-Demo-2026!").await;
    let page = c.get("/paiement").await;
    // A wallet's table row, from its name to the end of the row.
    let row = |name: &str| -> String {
        let start = page
            .body
            .find(&format!("<td data-label=\"Porte-monnaie\"><span>{name}"))
            .unwrap_or_else(|| panic!("no {name} row"));
        page.body[start..]
            .split("</tr>")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    // The invoiced wallet owes its unpaid invoice, its other columns stay at zero.
    let periscolaire = row("Périscolaire");
    assert!(periscolaire.contains("(à régler)"), "{periscolaire}");
    assert_eq!(periscolaire.matches("0,00").count(), 2, "{periscolaire}");
    // The prepaid wallet shows what its coming accepted days cost.
    let restauration = row("Restauration");
    assert!(
        restauration.contains(&Cents(coming).to_french()),
        "{restauration}"
    );
    // The family total is the balance the reservation screens use for the débiteur rule.
    let total = page.body.split("<tfoot>").nth(1).unwrap_or_default();
    assert!(
        total.contains(&balance.to_french()),
        "{total} vs {balance:?}"
    );
}

/// The text of every page of a PDF, as a reader would extract it.
fn pdf_text(bytes: &[u8]) -> String {
    let document = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).expect("text")
}

#[tokio::test]
async fn an_invoice_downloads_as_a_pdf_whose_figures_are_the_invoices() {
    let app = TestApp::with_demo().await;
    let (public_id, number, amount): (String, String, i64) = sqlx::query_as(
        "SELECT i.public_id, i.number, i.amount_cents FROM invoices i JOIN families f ON f.id = i.family_id \
         WHERE f.identifiant = 'martin' AND i.structure_id = (SELECT id FROM structures WHERE slug = 'carteville') ORDER BY i.period_month DESC LIMIT 1",
    )
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    let lines: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.name, COUNT(*) FROM consommations c JOIN invoices i ON i.id = c.invoice_id JOIN activities a ON a.id = c.activity_id \
         WHERE i.public_id = $1 GROUP BY a.name",
    )
    .bind(&public_id)
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    assert!(!lines.is_empty(), "the invoice has lines");
    let mut c = app.client();
    c.login("martin", "Martin-Demo-2026!").await;
    let page = c.get("/paiement").await;
    assert!(
        page.body
            .contains(&format!("href=\"/paiement/factures/{public_id}\"")),
        "the invoice is listed with its PDF"
    );
    let pdf = c.get(&format!("/paiement/factures/{public_id}")).await;
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(
        pdf.header("content-disposition")
            .contains(&format!("facture-{number}.pdf"))
    );
    assert!(pdf.header("cache-control").contains("no-store"));
    let text = pdf_text(&pdf.bytes);
    let flat = text.replace(['\u{a0}', '\u{202f}'], " ");
    assert!(flat.contains(&format!("Facture n° {number}")), "{flat}");
    assert!(flat.contains("MARTIN Claire"), "{flat}");
    assert!(
        flat.contains(
            &Cents(amount)
                .to_french()
                .replace(['\u{a0}', '\u{202f}'], " ")
        ),
        "the total {amount} in:\n{flat}"
    );
    for (activity, days) in &lines {
        assert!(
            flat.matches(activity.as_str()).count() as i64 >= *days,
            "{days} days of {activity} billed in:\n{flat}"
        );
    }
    assert_eq!(
        c.get("/paiement/factures/inconnue").await.status,
        axum::http::StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_months_history_downloads_as_a_pdf_with_its_total() {
    let app = TestApp::with_demo().await;
    let mut c = app.client();
    c.login("martin", "Martin-Demo-2026!").await;
    let today = app.today();
    let previous = (today.first_of_month() - jiff::ToSpan::month(1))
        .strftime("%Y-%m")
        .to_string();
    let page = c.get(&format!("/historique?mois={previous}")).await;
    assert!(
        page.body
            .contains(&format!("/historique/historique.pdf?mois={previous}"))
    );
    let total_start = page.body.find("Total").expect("a total row");
    let pdf = c
        .get(&format!("/historique/historique.pdf?mois={previous}"))
        .await;
    assert_eq!(pdf.header("content-type"), "application/pdf");
    let flat = pdf_text(&pdf.bytes).replace(['\u{a0}', '\u{202f}'], " ");
    assert!(
        flat.contains("Historique") && flat.contains("MARTIN"),
        "{flat}"
    );
    let consumed: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(c.amount_cents), 0) AS BIGINT) FROM consommations c JOIN activities a ON a.id = c.activity_id \
         JOIN families f ON f.id = c.family_id WHERE f.identifiant = 'martin' AND a.structure_id = (SELECT id FROM structures WHERE slug = 'carteville') \
         AND c.day >= $1 AND c.day < $2",
    )
    .bind(format!("{previous}-01"))
    .bind(today.first_of_month().to_string())
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert!(consumed > 0 && total_start > 0);
    assert!(
        flat.contains(
            &Cents(consumed)
                .to_french()
                .replace(['\u{a0}', '\u{202f}'], " ")
        ),
        "the month's total {consumed} in:\n{flat}"
    );
    assert_eq!(
        c.get("/historique/historique.pdf?mois=1999-01")
            .await
            .status,
        axum::http::StatusCode::BAD_REQUEST
    );
}
