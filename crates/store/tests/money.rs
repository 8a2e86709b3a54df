//! Money on real data, against figures computed by hand: past accepted days become priced
//! consommations, a finished month of an invoiced wallet previewed then issued becomes one
//! numbered invoice per family and wallet (once), the porte-monnaies' balances follow in
//! both billing modes, an online payment settles exactly once whatever the provider
//! repeats, a counter payment is allocated oldest first and never beyond what is owed, and
//! the back office's grouped balances equal each family's own.

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{
    clock::paris_date,
    ids::{ActivityId, ChildId, FamilyId, StaffId, StructureId},
    money::{Cents, PaymentMode, PaymentRefusal},
};
use ribambelle_store::{
    Db, accounting, billing, counter, demo, invoices,
    payments::{self, Choice, PaymentState, Provider, Settled, Verdict},
    wallets,
};
use ribambelle_testkit::{TestDb, hashing};

async fn scalar<T>(db: &Db, sql: &'static str, bind: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .bind(bind.to_owned())
        .fetch_one(db.reader())
        .await
        .unwrap()
}

struct Dupont {
    family: FamilyId,
    carteville: StructureId,
    child: ChildId,
}

/// DUPONT (no history in the demo) with accepted days last month: three APS MATIN at
/// 1,80 € (Périscolaire, invoiced) and two lunches at 3,50 € (Restauration, prepaid), and
/// one APS MATIN today, which has not happened yet.
async fn dupont_with_past_days(db: &Db, today: Date) -> Dupont {
    let family = scalar(
        db,
        "SELECT id FROM families WHERE identifiant = $1",
        "dupont",
    )
    .await;
    let carteville = scalar(
        db,
        "SELECT id FROM structures WHERE slug = $1",
        "carteville",
    )
    .await;
    let child: ChildId =
        sqlx::query_scalar("SELECT id FROM children WHERE family_id = $1 ORDER BY id LIMIT 1")
            .bind(family)
            .fetch_one(db.reader())
            .await
            .unwrap();
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
        let activity: ActivityId =
            scalar(db, "SELECT id FROM activities WHERE name = $1", activity).await;
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
    Dupont {
        family,
        carteville,
        child,
    }
}

async fn demo_with_dupont_days() -> (TestDb, Dupont, Timestamp, Date) {
    let t = TestDb::new().await;
    let now = ribambelle_testkit::clock().now();
    let today = paris_date(now);
    demo::load(&t.db, &hashing(), &ribambelle_testkit::clock())
        .await
        .unwrap();
    let d = dupont_with_past_days(&t.db, today).await;
    (t, d, now, today)
}

async fn gestionnaire(db: &Db) -> StaffId {
    scalar(db, "SELECT id FROM staff WHERE login = $1", "gestion").await
}

/// Issues last month's invoices of CarteVille, as the demo gestionnaire.
async fn issue_last_month(db: &Db, d: &Dupont, now: Timestamp) -> billing::Issued {
    let last_month = paris_date(now).first_of_month() - 1.month();
    billing::issue(
        db,
        gestionnaire(db).await,
        d.carteville,
        last_month,
        &[],
        now,
    )
    .await
    .unwrap()
    .unwrap()
}

async fn soldes(db: &Db, d: &Dupont, today: Date) -> Vec<(String, Cents)> {
    wallets::wallet_lines(db, d.family, d.carteville, today)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.name, l.solde))
        .collect()
}

async fn count<Id>(db: &Db, sql: &'static str, id: Id) -> i64
where
    Id: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
{
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn past_days_are_billed_once_and_the_balances_follow_in_both_modes() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;

    let first = billing::run(db, today).await.unwrap();
    assert!(first >= 5, "{first:?}");
    assert!(
        invoices::list(db, d.family, d.carteville, now)
            .await
            .unwrap()
            .is_empty(),
        "the nightly job issues no invoice"
    );
    let issued = issue_last_month(db, &d, now).await;
    assert!(
        issued.invoices >= 1 && issued.total >= Cents(540),
        "DUPONT's and the demo neighbours' MERCREDI: {issued:?}"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM consommations WHERE family_id = $1",
            d.family
        )
        .await,
        5,
        "today's day is not consumed yet"
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM consommations WHERE child_id = $1 AND quantity = 1 AND unit_price_cents = amount_cents", d.child).await, 5);

    let invoices = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap();
    assert_eq!(
        invoices.len(),
        1,
        "one invoice: the invoiced wallet's finished month; lunches are prepaid"
    );
    let invoice = &invoices[0];
    assert_eq!(invoice.amount, Cents(540));
    assert_eq!(invoice.owed, Cents(540));
    assert_eq!(invoice.wallet, "Périscolaire");
    assert_eq!(invoice.period, today.first_of_month() - 1.month());
    assert_eq!(
        (invoice.issued_on, invoice.due_on),
        (today, today + 30.days())
    );
    assert!(
        invoice
            .number
            .starts_with(&format!("F{}-", invoice.period.strftime("%Y%m"))),
        "{}",
        invoice.number
    );
    let detail = invoices::detail(db, d.family, d.carteville, &invoice.public_id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.lines.len(), 3);
    assert_eq!(
        detail.lines.iter().map(|l| l.amount).sum::<Cents>(),
        Cents(540)
    );
    assert_eq!(detail.family, "DUPONT Jean-Paul");

    assert_eq!(
        billing::run(db, today).await.unwrap(),
        0,
        "a second run records nothing twice"
    );
    assert_eq!(
        issue_last_month(db, &d, now).await,
        billing::Issued::default(),
        "a second issuing issues nothing"
    );

    let soldes = soldes(db, &d, today).await;
    assert!(
        soldes.contains(&("Périscolaire".into(), Cents(-540))),
        "{soldes:?}"
    );
    assert!(
        soldes.contains(&("Restauration".into(), Cents(-700))),
        "{soldes:?}"
    );
    assert!(soldes.contains(&("Loisirs".into(), Cents(0))), "{soldes:?}");
}

#[tokio::test]
async fn a_paid_invoice_is_settled_once_and_its_ticket_goes_to_the_first_address() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    billing::run(db, today).await.unwrap();
    issue_last_month(db, &d, now).await;
    sqlx::query(
        "UPDATE families SET emails = 'premiere@example.fr;seconde@example.fr' WHERE id = $1",
    )
    .bind(d.family)
    .execute(db.writer())
    .await
    .unwrap();
    let invoice = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap()
        .remove(0);
    let choice = Choice::Invoices(vec![invoice.public_id.clone()]);

    let started = payments::begin(
        db,
        d.family,
        d.carteville,
        &choice,
        "premiere@example.fr",
        Provider::PayFip,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let payment = payments::find(db, d.family, &started.public_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (payment.amount, payment.state),
        (Cents(540), PaymentState::InProgress)
    );
    assert_eq!(
        payment.purposes,
        vec![format!("Facture {}", invoice.number)]
    );
    assert!(
        payment.reference.len() <= 30
            && payment.reference.chars().all(|c| c.is_ascii_alphanumeric())
    );
    assert_eq!(
        payments::begin(
            db,
            d.family,
            d.carteville,
            &choice,
            "premiere@example.fr",
            Provider::PayFip,
            now
        )
        .await
        .unwrap(),
        Err(PaymentRefusal::InProgress(invoice.number.clone())),
        "an invoice being paid cannot be paid twice at once"
    );
    assert_eq!(
        soldes(db, &d, today).await[0],
        ("Périscolaire".into(), Cents(-540)),
        "nothing moves before the bank says so"
    );

    let paid = Verdict::Paid {
        authorisation: "112233".into(),
    };
    assert_eq!(
        payments::settle(db, &payment.reference, Cents(541), &paid, now)
            .await
            .unwrap(),
        Settled::AmountMismatch
    );
    assert_eq!(
        payments::settle(db, "RBINCONNU12345", Cents(540), &paid, now)
            .await
            .unwrap(),
        Settled::UnknownReference
    );
    assert_eq!(
        payments::settle(db, &payment.reference, Cents(540), &paid, now)
            .await
            .unwrap(),
        Settled::Now(PaymentState::Paid)
    );
    for replay in [paid.clone(), Verdict::Refused, Verdict::Abandoned] {
        assert_eq!(
            payments::settle(db, &payment.reference, Cents(540), &replay, now)
                .await
                .unwrap(),
            Settled::Unchanged(PaymentState::Paid)
        );
    }

    assert_eq!(
        soldes(db, &d, today).await[0],
        ("Périscolaire".into(), Cents(0))
    );
    let paid_invoice = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(paid_invoice.owed, Cents(0));
    assert_eq!(count(db, "SELECT COUNT(*) FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id WHERE p.family_id = $1", d.family).await, 1);
    let tickets: Vec<(String, String, String)> = sqlx::query_as("SELECT recipients, subject, body_text FROM outbox WHERE subject LIKE 'Reçu de votre paiement%'")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1, "one ticket, however many notifications");
    assert_eq!(
        tickets[0].0, "premiere@example.fr",
        "the first address only"
    );
    assert!(
        tickets[0].2.contains(&payment.reference)
            && tickets[0].2.contains("112233")
            && tickets[0].2.contains(&invoice.number),
        "{}",
        tickets[0].2
    );
    assert_eq!(
        payments::begin(
            db,
            d.family,
            d.carteville,
            &choice,
            "premiere@example.fr",
            Provider::PayFip,
            now
        )
        .await
        .unwrap(),
        Err(PaymentRefusal::AlreadyPaid(invoice.number.clone()))
    );
}

#[tokio::test]
async fn refused_and_abandoned_payments_change_no_balance_and_a_credit_tops_up_a_prepaid_wallet() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    billing::run(db, today).await.unwrap();
    issue_last_month(db, &d, now).await;
    let before = soldes(db, &d, today).await;
    let restauration = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Restauration").await;
    let periscolaire = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Périscolaire").await;

    for verdict in [Verdict::Refused, Verdict::Abandoned] {
        let credit = Choice::Credit {
            wallet_id: restauration,
            amount: Cents(2000),
        };
        let started = payments::begin(
            db,
            d.family,
            d.carteville,
            &credit,
            "a@example.fr",
            Provider::Systempay,
            now,
        )
        .await
        .unwrap()
        .unwrap();
        let payment = payments::find(db, d.family, &started.public_id)
            .await
            .unwrap()
            .unwrap();
        let settled = payments::settle(db, &payment.reference, Cents(2000), &verdict, now)
            .await
            .unwrap();
        assert!(
            matches!(
                settled,
                Settled::Now(PaymentState::Refused | PaymentState::Abandoned)
            ),
            "{settled:?}"
        );
    }
    assert_eq!(
        soldes(db, &d, today).await,
        before,
        "a refused or abandoned payment changes nothing"
    );

    let credit = Choice::Credit {
        wallet_id: restauration,
        amount: Cents(2000),
    };
    let started = payments::begin(
        db,
        d.family,
        d.carteville,
        &credit,
        "a@example.fr",
        Provider::Systempay,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let payment = payments::find(db, d.family, &started.public_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        payment.purposes,
        vec!["Crédit du porte-monnaie Restauration".to_owned()]
    );
    payments::settle(
        db,
        &payment.reference,
        Cents(2000),
        &Verdict::Paid {
            authorisation: "T1".into(),
        },
        now,
    )
    .await
    .unwrap();
    let after = soldes(db, &d, today).await;
    assert!(
        after.contains(&("Restauration".into(), Cents(-700 + 2000))),
        "{after:?}"
    );
    assert!(
        after.contains(&("Périscolaire".into(), Cents(-540))),
        "{after:?}"
    );

    let refusals = [
        (
            Choice::Credit {
                wallet_id: periscolaire,
                amount: Cents(2000),
            },
            PaymentRefusal::NotPrepaid,
        ),
        (
            Choice::Credit {
                wallet_id: restauration,
                amount: Cents(99),
            },
            PaymentRefusal::TooSmall,
        ),
        (
            Choice::Credit {
                wallet_id: restauration,
                amount: Cents(1_000_001),
            },
            PaymentRefusal::TooLarge,
        ),
        (Choice::Invoices(vec![]), PaymentRefusal::NothingChosen),
        (
            Choice::Invoices(vec!["inconnue".into()]),
            PaymentRefusal::UnknownInvoice,
        ),
    ];
    for (choice, refusal) in refusals {
        assert_eq!(
            payments::begin(
                db,
                d.family,
                d.carteville,
                &choice,
                "a@example.fr",
                Provider::PayFip,
                now
            )
            .await
            .unwrap(),
            Err(refusal)
        );
    }
    // Another family's invoice is unknown to this one.
    let martin = scalar(
        db,
        "SELECT id FROM families WHERE identifiant = $1",
        "martin",
    )
    .await;
    let martins = invoices::list(db, martin, d.carteville, now).await.unwrap();
    let foreign = Choice::Invoices(vec![martins[0].public_id.clone()]);
    assert_eq!(
        payments::begin(
            db,
            d.family,
            d.carteville,
            &foreign,
            "a@example.fr",
            Provider::PayFip,
            now
        )
        .await
        .unwrap(),
        Err(PaymentRefusal::UnknownInvoice)
    );
    assert!(
        payments::find(db, martin, &started.public_id)
            .await
            .unwrap()
            .is_none(),
        "nor is another family's payment"
    );
}

#[tokio::test]
async fn unfinished_payments_are_listed_for_reconciliation_until_settled() {
    let (t, d, now, _) = demo_with_dupont_days().await;
    let db = &t.db;
    let restauration = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Restauration").await;
    let credit = Choice::Credit {
        wallet_id: restauration,
        amount: Cents(1500),
    };
    let started = payments::begin(
        db,
        d.family,
        d.carteville,
        &credit,
        "a@example.fr",
        Provider::PayFip,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let payment = payments::find(db, d.family, &started.public_id)
        .await
        .unwrap()
        .unwrap();
    payments::set_provider_id(db, payment.id, "idop-1", now)
        .await
        .unwrap();

    assert!(
        payments::unfinished(db, now, 10).await.unwrap().is_empty(),
        "too recent to chase"
    );
    let later = now + 5.minutes();
    let unfinished = payments::unfinished(db, later, 10).await.unwrap();
    assert_eq!(unfinished.len(), 1);
    assert_eq!(
        (
            unfinished[0].reference.as_str(),
            unfinished[0].provider_id.as_deref(),
            unfinished[0].amount
        ),
        (payment.reference.as_str(), Some("idop-1"), Cents(1500))
    );
    payments::settle(
        db,
        &payment.reference,
        Cents(1500),
        &Verdict::Abandoned,
        later,
    )
    .await
    .unwrap();
    assert!(
        payments::unfinished(db, later, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A bank's late word that the payment went through still counts.
    let late = payments::settle(
        db,
        &payment.reference,
        Cents(1500),
        &Verdict::Paid {
            authorisation: "L1".into(),
        },
        later,
    )
    .await
    .unwrap();
    assert_eq!(late, Settled::Now(PaymentState::Paid));
}

#[tokio::test]
async fn the_preview_shows_what_issuing_then_issues_once_with_its_mail_and_audit_entry() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    billing::run(db, today).await.unwrap();
    sqlx::query(
        "UPDATE families SET emails = 'premiere@example.fr;seconde@example.fr' WHERE id = $1",
    )
    .bind(d.family)
    .execute(db.writer())
    .await
    .unwrap();
    let last_month = today.first_of_month() - 1.month();
    let staff = gestionnaire(db).await;

    let preview = billing::preview(db, d.carteville, last_month)
        .await
        .unwrap();
    // DUPONT's three APS MATIN at 1,80 €, and the neighbours' MERCREDI left uninvoiced by the
    // demo; MARTIN's month was invoiced when the demo was loaded.
    let dupont: Vec<&billing::PreviewLine> = preview
        .lines
        .iter()
        .filter(|l| l.family == "DUPONT Jean-Paul")
        .collect();
    assert_eq!(dupont.len(), 1, "{preview:?}");
    let line = dupont[0];
    assert_eq!(
        (line.wallet.as_str(), line.days, line.amount),
        ("Périscolaire", 3, Cents(540))
    );
    assert!(
        preview
            .lines
            .iter()
            .all(|l| l.family == "DUPONT Jean-Paul" || l.wallet == "Loisirs"),
        "{preview:?}"
    );
    assert_eq!(
        preview.total,
        preview.lines.iter().map(|l| l.amount).sum::<Cents>()
    );
    let neighbours = preview.lines.len() as u64 - 1;
    let already: (i64, i64) = sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM invoices WHERE structure_id = $1 AND period_month = $2")
        .bind(d.carteville)
        .bind(last_month.strftime("%Y-%m").to_string())
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(
        (preview.issued, preview.issued_total),
        (already.0, Cents(already.1))
    );

    // This month is not over: it cannot be invoiced. An excluded family is not invoiced.
    assert_eq!(
        billing::issue(db, staff, d.carteville, today, &[], now)
            .await
            .unwrap(),
        Err(billing::MonthNotFinished)
    );
    let excluded = vec![line.family_public_id.clone()];
    let others = billing::issue(db, staff, d.carteville, last_month, &excluded, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (others.invoices, others.total),
        (neighbours, preview.total - Cents(540)),
        "the preview's figures are the issued invoices'"
    );
    assert!(
        invoices::list(db, d.family, d.carteville, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        billing::preview(db, d.carteville, last_month)
            .await
            .unwrap()
            .lines,
        vec![line.clone()],
        "the excluded family is still to invoice"
    );

    let issued = billing::issue(db, staff, d.carteville, last_month, &[], now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((issued.invoices, issued.total), (1, Cents(540)));
    let invoice = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (invoice.amount, invoice.wallet.as_str()),
        (line.amount, line.wallet.as_str())
    );
    assert_eq!(
        billing::issue(db, staff, d.carteville, last_month, &[], now)
            .await
            .unwrap(),
        Ok(billing::Issued::default()),
        "issuing twice issues nothing"
    );
    let after = billing::preview(db, d.carteville, last_month)
        .await
        .unwrap();
    assert!(after.lines.is_empty());
    assert_eq!(
        (after.issued, after.issued_total),
        (
            already.0 + neighbours as i64 + 1,
            Cents(already.1) + preview.total
        )
    );

    let mails: Vec<(String, String)> = sqlx::query_as("SELECT recipients, body_text FROM outbox WHERE subject LIKE 'Votre facture est disponible%'")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "premiere@example.fr");
    assert!(
        mails[0].1.contains(&invoice.number) && mails[0].1.contains("5,40"),
        "{}",
        mails[0].1
    );
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, subject FROM audit_log WHERE staff_id = $1 ORDER BY id")
            .bind(staff)
            .fetch_all(db.reader())
            .await
            .unwrap();
    let period = ribambelle_domain::french::month_year(last_month.year(), last_month.month());
    assert_eq!(
        audit.last(),
        Some(&(
            "Factures émises".to_owned(),
            format!("{period}, 1 facture, 5,40\u{a0}€")
        ))
    );
    assert_eq!(
        audit.len(),
        if neighbours > 0 { 2 } else { 1 },
        "one entry per issuing that issued something: {audit:?}"
    );
}

/// Pays at the counter for DUPONT at CarteVille.
async fn at_counter(
    db: &Db,
    d: &Dupont,
    mode: PaymentMode,
    reference: &str,
    cents: i64,
    target: counter::Target,
    now: Timestamp,
) -> Result<counter::Recorded, ribambelle_domain::money::CounterRefusal> {
    let public_id: String = sqlx::query_scalar("SELECT public_id FROM families WHERE id = $1")
        .bind(d.family)
        .fetch_one(db.reader())
        .await
        .unwrap();
    let payment = counter::CounterPayment {
        family_public_id: public_id,
        mode,
        reference: reference.into(),
        amount: Cents(cents),
        target,
    };
    counter::record(db, gestionnaire(db).await, d.carteville, &payment, now)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_counter_payment_settles_the_oldest_invoices_first_never_beyond_what_they_owe() {
    use counter::Target;
    use ribambelle_domain::money::CounterRefusal as No;
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    // Two APS MATIN the month before last: an older invoice of 3,60\u{a0}€.
    let two_months_ago = today.first_of_month() - 2.months();
    let aps: ActivityId =
        scalar(db, "SELECT id FROM activities WHERE name = $1", "APS MATIN").await;
    for day in [two_months_ago + 3.days(), two_months_ago + 4.days()] {
        sqlx::query("INSERT INTO consommations (family_id, child_id, activity_id, day, quantity, unit_price_cents, amount_cents) VALUES ($1, $2, $3, $4, 1, 180, 180)")
            .bind(d.family)
            .bind(d.child)
            .bind(aps)
            .bind(day.to_string())
            .execute(db.writer())
            .await
            .unwrap();
    }
    billing::run(db, today).await.unwrap();
    billing::issue(
        db,
        gestionnaire(db).await,
        d.carteville,
        two_months_ago,
        &[],
        now,
    )
    .await
    .unwrap()
    .unwrap();
    issue_last_month(db, &d, now).await;
    sqlx::query(
        "UPDATE families SET emails = 'premiere@example.fr;seconde@example.fr' WHERE id = $1",
    )
    .bind(d.family)
    .execute(db.writer())
    .await
    .unwrap();
    let owed =
        |list: Vec<invoices::Invoice>| list.into_iter().rev().map(|i| i.owed).collect::<Vec<_>>();
    assert_eq!(
        owed(
            invoices::list(db, d.family, d.carteville, now)
                .await
                .unwrap()
        ),
        vec![Cents(360), Cents(540)],
        "oldest first"
    );

    // Refusals change nothing.
    let restauration = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Restauration").await;
    let periscolaire = scalar(db, "SELECT id FROM wallets WHERE name = $1", "Périscolaire").await;
    let all = || Target::Invoices(Vec::new());
    assert_eq!(
        at_counter(db, &d, PaymentMode::Especes, "", 0, all(), now).await,
        Err(No::NotPositive)
    );
    assert_eq!(
        at_counter(db, &d, PaymentMode::Cheque, " ", 500, all(), now).await,
        Err(No::ChequeNumber)
    );
    assert_eq!(
        at_counter(db, &d, PaymentMode::Especes, "", 901, all(), now).await,
        Err(No::MoreThanOwed(Cents(900)))
    );
    assert_eq!(
        at_counter(
            db,
            &d,
            PaymentMode::Cesu,
            "",
            2000,
            Target::Credit(periscolaire),
            now
        )
        .await,
        Err(No::NotPrepaid)
    );
    assert_eq!(
        at_counter(
            db,
            &d,
            PaymentMode::Especes,
            "",
            100,
            Target::Invoices(vec!["inconnue".into()]),
            now
        )
        .await,
        Err(No::UnknownInvoice)
    );

    // 5,00 € in cash: 3,60\u{a0}€ to the older invoice, 1,40\u{a0}€ to the newer.
    let cash = at_counter(db, &d, PaymentMode::Especes, "", 500, all(), now)
        .await
        .unwrap();
    let numbers: Vec<String> = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|i| i.number)
        .collect();
    assert_eq!(
        cash.allocation,
        vec![
            format!("Facture {} : 3,60\u{a0}€", numbers[0]),
            format!("Facture {} : 1,40\u{a0}€", numbers[1])
        ]
    );
    assert!(cash.ticket && cash.reference.starts_with("RB"), "{cash:?}");
    assert_eq!(
        owed(
            invoices::list(db, d.family, d.carteville, now)
                .await
                .unwrap()
        ),
        vec![Cents(0), Cents(400)]
    );
    let newer = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap()
        .remove(0);
    let older = invoices::list(db, d.family, d.carteville, now)
        .await
        .unwrap()
        .remove(1);
    assert_eq!(
        at_counter(
            db,
            &d,
            PaymentMode::Cheque,
            "1234567",
            100,
            Target::Invoices(vec![older.public_id.clone()]),
            now
        )
        .await,
        Err(No::AlreadyPaid(older.number))
    );
    assert_eq!(
        at_counter(
            db,
            &d,
            PaymentMode::Cheque,
            "1234567",
            1000,
            Target::Invoices(vec![newer.public_id.clone()]),
            now
        )
        .await,
        Err(No::MoreThanOwed(Cents(400)))
    );
    // A 4,00\u{a0}€ cheque settles the chosen invoice; nothing is owed afterwards.
    let cheque = at_counter(
        db,
        &d,
        PaymentMode::Cheque,
        "1234567",
        400,
        Target::Invoices(vec![newer.public_id.clone()]),
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (cheque.reference.as_str(), cheque.allocation.len()),
        ("1234567", 1)
    );
    assert_eq!(
        owed(
            invoices::list(db, d.family, d.carteville, now)
                .await
                .unwrap()
        ),
        vec![Cents(0), Cents(0)]
    );
    assert_eq!(
        at_counter(db, &d, PaymentMode::Especes, "", 100, all(), now).await,
        Err(No::NothingOwed)
    );
    // 20,00 € by CESU credits the prepaid wallet.
    let credit = at_counter(
        db,
        &d,
        PaymentMode::Cesu,
        "CESU-778",
        2000,
        Target::Credit(restauration),
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        credit.allocation,
        vec!["Crédit du porte-monnaie Restauration".to_owned()]
    );
    let soldes = soldes(db, &d, today).await;
    assert!(
        soldes.contains(&("Périscolaire".into(), Cents(0)))
            && soldes.contains(&("Restauration".into(), Cents(-700 + 2000))),
        "{soldes:?}"
    );

    let tickets: Vec<(String, String)> = sqlx::query_as("SELECT recipients, body_text FROM outbox WHERE subject LIKE 'Reçu de votre paiement%' ORDER BY id")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(tickets.len(), 3);
    assert!(tickets.iter().all(|(to, _)| to == "premiere@example.fr"));
    assert!(
        tickets[0].1.contains("en espèces")
            && tickets[1].1.contains("par chèque")
            && tickets[1].1.contains("1234567"),
        "{tickets:?}"
    );
    assert!(
        !tickets[0].1.contains("autorisation"),
        "no authorisation number at the counter"
    );
    let audit: Vec<(String, String, FamilyId)> = sqlx::query_as("SELECT action, subject, family_id FROM audit_log WHERE action = 'Règlement enregistré' ORDER BY id")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
    assert_eq!(
        audit[1],
        (
            "Règlement enregistré".to_owned(),
            "DUPONT Jean-Paul, Chèque 4,00\u{a0}€".to_owned(),
            d.family
        )
    );

    // The period's payments list them with mode, reference and allocation.
    let received = accounting::received(db, d.carteville, today, today)
        .await
        .unwrap();
    let cheque_row = received.iter().find(|r| r.reference == "1234567").unwrap();
    assert_eq!(
        (cheque_row.mode, cheque_row.amount, cheque_row.online),
        ("Chèque", Cents(400), false)
    );
    assert_eq!(
        cheque_row.allocation,
        vec![format!("Facture {} : 4,00\u{a0}€", numbers[1])]
    );
}

#[tokio::test]
async fn the_grouped_balances_of_many_families_equal_each_familys_own() {
    let (t, d, now, today) = demo_with_dupont_days().await;
    let db = &t.db;
    demo::add_families(db, &hashing(), 40, now).await.unwrap();
    billing::run(db, today).await.unwrap();
    issue_last_month(db, &d, now).await;
    let balances = accounting::balances(db, d.carteville).await.unwrap();
    assert_eq!(
        balances
            .wallets
            .iter()
            .map(|w| w.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Périscolaire", "Restauration", "Loisirs"]
    );
    assert!(balances.families.len() >= 42, "{}", balances.families.len());
    for family in &balances.families {
        let own: Vec<Cents> = wallets::wallet_lines(db, family.family_id, d.carteville, today)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.solde)
            .collect();
        assert_eq!(family.soldes, own, "{}", family.family);
        assert_eq!(family.total, own.iter().sum::<Cents>());
    }
    let dupont = balances
        .families
        .iter()
        .find(|f| f.family_id == d.family)
        .unwrap();
    assert_eq!(dupont.soldes, vec![Cents(-540), Cents(-700), Cents(0)]);
    // Débiteurs first, the largest debt first.
    let totals: Vec<i64> = balances.families.iter().map(|f| f.total.0.min(0)).collect();
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
}
