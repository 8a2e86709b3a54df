//! Money on real data, against figures computed by hand: past accepted days become priced
//! consommations, a finished month of an invoiced wallet becomes one numbered invoice, the
//! porte-monnaies' balances follow in both billing modes, and an online payment settles
//! exactly once whatever the provider repeats.

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{
    clock::paris_date,
    money::Cents,
    password::{HashParams, PasswordHashing},
};
use ribambelle_store::{
    Db, billing, demo, invoices,
    payments::{self, Choice, PaymentState, Provider, Refusal, Settled, Verdict},
    wallets,
};
use ribambelle_testkit::TestDb;

fn hashing() -> PasswordHashing {
    PasswordHashing::new(HashParams { memory_kib: 64, iterations: 1, parallelism: 1 }).unwrap()
}

async fn scalar(db: &Db, sql: &'static str, bind: &str) -> i64 {
    sqlx::query_scalar(sql).bind(bind.to_owned()).fetch_one(db.reader()).await.unwrap()
}

struct Dupont {
    family: i64,
    carteville: i64,
    child: i64,
}

/// DUPONT (no history in the demo) with accepted days last month: three APS MATIN at
/// 1,80 € (Périscolaire, invoiced) and two lunches at 3,50 € (Restauration, prepaid), and
/// one APS MATIN today, which has not happened yet.
async fn dupont_with_past_days(db: &Db, today: Date) -> Dupont {
    let family = scalar(db, "SELECT id FROM families WHERE identifiant = $1", "dupont").await;
    let carteville = scalar(db, "SELECT id FROM structures WHERE slug = $1", "carteville").await;
    let child: i64 = sqlx::query_scalar("SELECT id FROM children WHERE family_id = $1 ORDER BY id LIMIT 1").bind(family).fetch_one(db.reader()).await.unwrap();
    let last_month = today.first_of_month() - 1.month();
    let days = [
        ("APS MATIN", last_month, 180),
        ("APS MATIN", last_month + 1.day(), 180),
        ("APS MATIN", last_month + 7.days(), 180),
        ("RESTAURATION", last_month + 1.day(), 350),
        ("RESTAURATION", last_month + 2.days(), 350),
        ("APS MATIN", today, 180),
    ];
    for (activity, day, cents) in days {
        let activity = scalar(db, "SELECT id FROM activities WHERE name = $1", activity).await;
        sqlx::query(
            "INSERT INTO reservations (family_id, child_id, activity_id, day, state, amount_cents, confirmed_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'acceptee', $5, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .bind(family)
        .bind(child)
        .bind(activity)
        .bind(day.to_string())
        .bind(cents as i64)
        .execute(db.writer())
        .await
        .unwrap();
    }
    Dupont { family, carteville, child }
}

async fn demo_with_dupont_days() -> (TestDb, Dupont, Timestamp, Date) {
    let t = TestDb::new().await;
    let now = Timestamp::now();
    let today = paris_date(now);
    demo::load(&t.db, &hashing(), now).await.unwrap();
    let d = dupont_with_past_days(&t.db, today).await;
    (t, d, now, today)
}

async fn soldes(db: &Db, d: &Dupont, today: Date) -> Vec<(String, Cents)> {
    wallets::wallet_lines(db, d.family, d.carteville, today).await.unwrap().into_iter().map(|l| (l.name, l.solde)).collect()
}

async fn count(db: &Db, sql: &'static str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(db.reader()).await.unwrap()
}

#[tokio::test]
async fn past_days_are_billed_once_and_the_balances_follow_in_both_modes() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;

    let first = billing::run(db, today).await.unwrap();
    assert!(first.consommations >= 5, "{first:?}");
    assert!(first.invoices >= 1, "{first:?}");
    assert_eq!(count(db, "SELECT COUNT(*) FROM consommations WHERE family_id = $1", d.family).await, 5, "today's day is not consumed yet");
    assert_eq!(count(db, "SELECT COUNT(*) FROM consommations WHERE child_id = $1 AND quantity = 1 AND unit_price_cents = amount_cents", d.child).await, 5);

    let invoices = invoices::list(db, d.family, d.carteville, now).await.unwrap();
    assert_eq!(invoices.len(), 1, "one invoice: the invoiced wallet's finished month; lunches are prepaid");
    let invoice = &invoices[0];
    assert_eq!(invoice.amount, Cents(540));
    assert_eq!(invoice.owed, Cents(540));
    assert_eq!(invoice.wallet, "Périscolaire");
    assert_eq!(invoice.period, today.first_of_month() - 1.month());
    assert_eq!((invoice.issued_on, invoice.due_on), (today, today + 30.days()));
    assert!(invoice.number.starts_with(&format!("F{}-", invoice.period.strftime("%Y%m"))), "{}", invoice.number);
    let detail = invoices::detail(db, d.family, d.carteville, &invoice.public_id, now).await.unwrap().unwrap();
    assert_eq!(detail.lines.len(), 3);
    assert_eq!(detail.lines.iter().map(|l| l.amount).sum::<Cents>(), Cents(540));
    assert_eq!(detail.family, "DUPONT Jean-Paul");

    let again = billing::run(db, today).await.unwrap();
    assert_eq!(again, billing::BillingSummary { consommations: 0, invoices: 0 }, "a second run bills nothing twice");

    let soldes = soldes(db, &d, today).await;
    assert!(soldes.contains(&("Périscolaire".into(), Cents(-540))), "{soldes:?}");
    assert!(soldes.contains(&("Restauration".into(), Cents(-700))), "{soldes:?}");
    assert!(soldes.contains(&("Loisirs".into(), Cents(0))), "{soldes:?}");
}

#[tokio::test]
async fn a_paid_invoice_is_settled_once_and_its_ticket_goes_to_the_first_address() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    billing::run(db, today).await.unwrap();
    sqlx::query("UPDATE families SET emails = 'premiere@example.fr;seconde@example.fr' WHERE id = $1").bind(d.family).execute(db.writer()).await.unwrap();
    let invoice = invoices::list(db, d.family, d.carteville, now).await.unwrap().remove(0);
    let choice = Choice::Invoices(vec![invoice.public_id.clone()]);

    let started = payments::begin(db, d.family, d.carteville, &choice, "premiere@example.fr", Provider::PayFip, now).await.unwrap().unwrap();
    let payment = payments::find(db, d.family, &started.public_id).await.unwrap().unwrap();
    assert_eq!((payment.amount, payment.state), (Cents(540), PaymentState::InProgress));
    assert_eq!(payment.purposes, vec![format!("Facture {}", invoice.number)]);
    assert!(payment.reference.len() <= 30 && payment.reference.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(
        payments::begin(db, d.family, d.carteville, &choice, "premiere@example.fr", Provider::PayFip, now).await.unwrap(),
        Err(Refusal::InProgress(invoice.number.clone())),
        "an invoice being paid cannot be paid twice at once"
    );
    assert_eq!(soldes(db, &d, today).await[0], ("Périscolaire".into(), Cents(-540)), "nothing moves before the bank says so");

    let paid = Verdict::Paid { authorisation: "112233".into() };
    assert_eq!(payments::settle(db, &payment.reference, Cents(541), &paid, now).await.unwrap(), Settled::AmountMismatch);
    assert_eq!(payments::settle(db, "RBINCONNU12345", Cents(540), &paid, now).await.unwrap(), Settled::UnknownReference);
    assert_eq!(payments::settle(db, &payment.reference, Cents(540), &paid, now).await.unwrap(), Settled::Now(PaymentState::Paid));
    for replay in [paid.clone(), Verdict::Refused, Verdict::Abandoned] {
        assert_eq!(payments::settle(db, &payment.reference, Cents(540), &replay, now).await.unwrap(), Settled::Unchanged(PaymentState::Paid));
    }

    assert_eq!(soldes(db, &d, today).await[0], ("Périscolaire".into(), Cents(0)));
    let paid_invoice = invoices::list(db, d.family, d.carteville, now).await.unwrap().remove(0);
    assert_eq!(paid_invoice.owed, Cents(0));
    assert_eq!(count(db, "SELECT COUNT(*) FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id WHERE p.family_id = $1", d.family).await, 1);
    let tickets: Vec<(String, String, String)> = sqlx::query_as("SELECT recipients, subject, body_text FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1, "one ticket, however many notifications");
    assert_eq!(tickets[0].0, "premiere@example.fr", "the first address only");
    assert!(tickets[0].2.contains(&payment.reference) && tickets[0].2.contains("112233") && tickets[0].2.contains(&invoice.number), "{}", tickets[0].2);
    assert_eq!(
        payments::begin(db, d.family, d.carteville, &choice, "premiere@example.fr", Provider::PayFip, now).await.unwrap(),
        Err(Refusal::AlreadyPaid(invoice.number.clone()))
    );
}

#[tokio::test]
async fn refused_and_abandoned_payments_change_no_balance_and_a_credit_tops_up_a_prepaid_wallet() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    billing::run(db, today).await.unwrap();
    let before = soldes(db, &d, today).await;
    let restauration = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Restauration").await;
    let periscolaire = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Périscolaire").await;

    for verdict in [Verdict::Refused, Verdict::Abandoned] {
        let credit = Choice::Credit { wallet_id: restauration, amount: Cents(2000) };
        let started = payments::begin(db, d.family, d.carteville, &credit, "a@example.fr", Provider::Systempay, now).await.unwrap().unwrap();
        let payment = payments::find(db, d.family, &started.public_id).await.unwrap().unwrap();
        let settled = payments::settle(db, &payment.reference, Cents(2000), &verdict, now).await.unwrap();
        assert!(matches!(settled, Settled::Now(PaymentState::Refused | PaymentState::Abandoned)), "{settled:?}");
    }
    assert_eq!(soldes(db, &d, today).await, before, "a refused or abandoned payment changes nothing");

    let credit = Choice::Credit { wallet_id: restauration, amount: Cents(2000) };
    let started = payments::begin(db, d.family, d.carteville, &credit, "a@example.fr", Provider::Systempay, now).await.unwrap().unwrap();
    let payment = payments::find(db, d.family, &started.public_id).await.unwrap().unwrap();
    assert_eq!(payment.purposes, vec!["Crédit du porte-monnaie Restauration".to_owned()]);
    payments::settle(db, &payment.reference, Cents(2000), &Verdict::Paid { authorisation: "T1".into() }, now).await.unwrap();
    let after = soldes(db, &d, today).await;
    assert!(after.contains(&("Restauration".into(), Cents(-700 + 2000))), "{after:?}");
    assert!(after.contains(&("Périscolaire".into(), Cents(-540))), "{after:?}");

    let refusals = [
        (Choice::Credit { wallet_id: periscolaire, amount: Cents(2000) }, Refusal::NotPrepaid),
        (Choice::Credit { wallet_id: restauration, amount: Cents(99) }, Refusal::TooSmall),
        (Choice::Credit { wallet_id: restauration, amount: Cents(1_000_001) }, Refusal::TooLarge),
        (Choice::Invoices(vec![]), Refusal::NothingChosen),
        (Choice::Invoices(vec!["inconnue".into()]), Refusal::UnknownInvoice),
    ];
    for (choice, refusal) in refusals {
        assert_eq!(payments::begin(db, d.family, d.carteville, &choice, "a@example.fr", Provider::PayFip, now).await.unwrap(), Err(refusal));
    }
    // Another family's invoice is unknown to this one.
    let martin = scalar(db, "SELECT id FROM families WHERE identifiant = $1", "martin").await;
    let martins = invoices::list(db, martin, d.carteville, now).await.unwrap();
    let foreign = Choice::Invoices(vec![martins[0].public_id.clone()]);
    assert_eq!(payments::begin(db, d.family, d.carteville, &foreign, "a@example.fr", Provider::PayFip, now).await.unwrap(), Err(Refusal::UnknownInvoice));
    assert!(payments::find(db, martin, &started.public_id).await.unwrap().is_none(), "nor is another family's payment");
}

#[tokio::test]
async fn unfinished_payments_are_listed_for_reconciliation_until_settled() {
    let (t, d, now, _) = demo_with_dupont_days().await;
    let db = &t.db;
    let restauration = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Restauration").await;
    let credit = Choice::Credit { wallet_id: restauration, amount: Cents(1500) };
    let started = payments::begin(db, d.family, d.carteville, &credit, "a@example.fr", Provider::PayFip, now).await.unwrap().unwrap();
    let payment = payments::find(db, d.family, &started.public_id).await.unwrap().unwrap();
    payments::set_provider_id(db, payment.id, "idop-1", now).await.unwrap();

    assert!(payments::unfinished(db, now, 10).await.unwrap().is_empty(), "too recent to chase");
    let later = now + 5.minutes();
    let unfinished = payments::unfinished(db, later, 10).await.unwrap();
    assert_eq!(unfinished.len(), 1);
    assert_eq!((unfinished[0].reference.as_str(), unfinished[0].provider_id.as_deref(), unfinished[0].amount), (payment.reference.as_str(), Some("idop-1"), Cents(1500)));
    payments::settle(db, &payment.reference, Cents(1500), &Verdict::Abandoned, later).await.unwrap();
    assert!(payments::unfinished(db, later, 10).await.unwrap().is_empty());
    // A bank's late word that the payment went through still counts.
    let late = payments::settle(db, &payment.reference, Cents(1500), &Verdict::Paid { authorisation: "L1".into() }, later).await.unwrap();
    assert_eq!(late, Settled::Now(PaymentState::Paid));
}
