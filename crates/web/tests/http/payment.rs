//! « Paiement et Solde » (R-PAY-1, 2): the balance per porte-monnaie, in words as well as
//! in figures, and a family total equal to the balance the reservations check.

use jiff::Timestamp;
use ribambelle_domain::{clock::paris_date, money::Cents};

use crate::support::TestApp;

#[tokio::test]
async fn each_wallet_shows_its_balance_and_prepaid_ones_their_coming_costs() {
    let app = TestApp::with_demo().await;
    let (martin, carteville): (i64, i64) = sqlx::query_as("SELECT f.id, s.id FROM families f, structures s WHERE f.identifiant = 'martin' AND s.slug = 'carteville'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let balance = ribambelle_store::bookings::balance(app.db(), martin, carteville).await.unwrap();
    let coming: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(r.amount_cents), 0) AS BIGINT) FROM reservations r JOIN activities a ON a.id = r.activity_id \
         JOIN wallets w ON w.id = a.wallet_id WHERE r.family_id = $1 AND w.name = 'Restauration' AND r.state = 'acceptee' AND r.day >= $2",
    )
    .bind(martin)
    .bind(paris_date(Timestamp::now()).to_string())
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert!(coming > 0, "MARTIN has accepted meals to come");

    let mut c = app.client();
    c.login("martin", "Martin-Demo-2026!").await;
    let page = c.get("/paiement").await;
    // A wallet's table row, from its name to the end of the row.
    let row = |name: &str| -> String {
        let start = page.body.find(&format!("<td data-label=\"Porte-monnaie\"><span>{name}")).unwrap_or_else(|| panic!("no {name} row"));
        page.body[start..].split("</tr>").next().unwrap_or_default().to_owned()
    };
    // The invoiced wallet owes its unpaid invoice, its other columns stay at zero.
    let periscolaire = row("Périscolaire");
    assert!(periscolaire.contains("(à régler)"), "{periscolaire}");
    assert_eq!(periscolaire.matches("0,00").count(), 2, "{periscolaire}");
    // The prepaid wallet shows what its coming accepted days cost.
    let restauration = row("Restauration");
    assert!(restauration.contains(&Cents(coming).to_french()), "{restauration}");
    // The family total is the balance the reservation screens use for the débiteur rule.
    let total = page.body.split("<tfoot>").nth(1).unwrap_or_default();
    assert!(total.contains(&balance.to_french()), "{total} vs {balance:?}");
}
