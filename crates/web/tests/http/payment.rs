//! « Paiement et Solde » (R-PAY-1, 2): the balance per porte-monnaie, in words as well as
//! in figures, and a family total equal to the balance the reservations check.

use ribambelle_domain::money::Cents;

use crate::support::TestApp;

#[tokio::test]
async fn each_wallet_shows_its_balance_and_prepaid_ones_their_coming_costs() {
    let (app, martin, _) = TestApp::with_martins_month().await;
    // Two lunches to come at 3,50 €; the balance is what is owed: the 1,80 € invoice (the
    // lunches are not eaten yet).
    let coming = 700;
    let balance = Cents(-180);

    let mut c = app.client();
    c.login("martin", &martin.password).await;
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
    let (app, martin, _) = TestApp::with_martins_month().await;
    let (public_id, number, amount): (String, String, i64) =
        sqlx::query_as("SELECT public_id, number, amount_cents FROM invoices WHERE family_id = $1")
            .bind(martin.id.get())
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(amount, 180, "one morning at 1,80 €");
    let lines: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.name, COUNT(*) FROM consommations c JOIN invoices i ON i.id = c.invoice_id JOIN activities a ON a.id = c.activity_id \
         WHERE i.public_id = $1 GROUP BY a.name",
    )
    .bind(&public_id)
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    assert_eq!(lines.len(), 1, "the invoice's one line: {lines:?}");
    assert_eq!(lines[0].1, 1, "{lines:?}");
    // The town hall's address, the invoice's sender, as its settings page keeps it.
    sqlx::query("UPDATE structures SET address = 'Place de la Mairie\n77001 CarteVille'")
        .execute(app.db().writer())
        .await
        .unwrap();
    let mut c = app.client();
    c.login("martin", &martin.password).await;
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
        flat.contains("Place de la Mairie") && flat.contains("77001 CarteVille"),
        "the structure's address in:\n{flat}"
    );
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
    let (app, martin, last_day) = TestApp::with_martins_month().await;
    let mut c = app.client();
    c.login("martin", &martin.password).await;
    let previous = last_day.strftime("%Y-%m").to_string();
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
    let consumed = 180;
    assert!(total_start > 0);
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
