//! Reservations driven as a family would, without JavaScript: choose, click days and
//! quick tools, « Valider », « Confirmer », then the follow-up.

use axum::http::StatusCode;
use jiff::{ToSpan, civil::Weekday};
use ribambelle_domain::{french, money::BillingMode};
use ribambelle_testkit::{NewActivity, NewChild, NewFamily, Town};

use crate::support::{Client, DUPONT_INITIAL, Page, TestApp, dupont_at};

use Weekday::{Monday, Thursday};

/// CarteVille's school services at a town's prices: APS MATIN (2,40 € at MARTIN's
/// quotient), APS SOIR, RESTAURATION (prepaid) and MERCREDI (14 places). MARTIN (QF 1200):
/// Léa goes to APS MATIN, RESTAURATION and MERCREDI, Hugo to RESTAURATION and APS SOIR;
/// their next three APS MATIN mornings (Léa) and four weeks of lunches (Léa every day,
/// Hugo on Mondays and Thursdays) are accepted. DUPONT, at its first login, has Amalia and
/// Paolo at APS MATIN and MERCREDI.
async fn carteville() -> (TestApp, Town) {
    let (app, town) = TestApp::with_town().await;
    let morning = town
        .activity(NewActivity::new("APS MATIN").prices(&[(Some(1000), 180), (None, 240)]))
        .await;
    let evening = town.activity(NewActivity::new("APS SOIR")).await;
    let lunch = town
        .activity(
            NewActivity::new("RESTAURATION")
                .price(410)
                .wallet("Restauration", BillingMode::Prepaiement)
                .hours(
                    jiff::civil::time(11, 45, 0, 0),
                    jiff::civil::time(13, 30, 0, 0),
                ),
        )
        .await;
    let wednesday = town
        .activity(
            NewActivity::new("MERCREDI")
                .weekdays(&[Weekday::Wednesday])
                .capacity(14),
        )
        .await;
    let martin = town
        .family(
            NewFamily::new("martin")
                .emails(&["claire.martin@example.fr", "paul.martin@example.fr"])
                .quotient_familial(1200)
                .child(NewChild::new("Léa").registered(&[morning, lunch, wednesday]))
                .child(NewChild::new("Hugo").registered(&[lunch, evening])),
        )
        .await;
    let (lea, hugo) = (martin.child("Léa"), martin.child("Hugo"));
    let mut accepted = Vec::new();
    let mut day = app.today();
    for _ in 0..3 {
        day = town.next_opening(morning, day).await;
        accepted.push((lea, morning, day));
    }
    let mut day = app.today();
    let until = town.next_opening(lunch, app.today()).await + 28.days();
    while day < until {
        day = town.next_opening(lunch, day).await;
        accepted.push((lea, lunch, day));
        if [Monday, Thursday].contains(&day.weekday()) {
            accepted.push((hugo, lunch, day));
        }
    }
    town.book(&martin, &accepted).await;
    dupont_at(&town, &[morning, wednesday]).await;
    (app, town)
}

struct Ids {
    lea: String,
    aps_matin: String,
}

async fn martin_ids(app: &TestApp) -> Ids {
    let lea: String = sqlx::query_scalar("SELECT public_id FROM children WHERE first_name = 'Léa'")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let aps_matin: String =
        sqlx::query_scalar("SELECT public_id FROM activities WHERE name = 'APS MATIN'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    Ids { lea, aps_matin }
}

/// The days a calendar page offers to click, with their spoken label.
fn clickable_days(page: &Page) -> Vec<(String, String)> {
    let mut days = Vec::new();
    let marker = "name=\"basculer\" value=\"";
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find(marker) {
        let start = i + marker.len();
        let date = rest[start..start + 10].to_owned();
        let aria_at = rest[start..].find("aria-label=\"").unwrap() + start + "aria-label=\"".len();
        let aria_end = rest[aria_at..].find('"').unwrap() + aria_at;
        days.push((date, rest[aria_at..aria_end].replace("&#39;", "'")));
        rest = &rest[aria_end..];
    }
    days
}

/// The days a calendar page names (buttons and links): their accessible name and the number
/// they show.
fn named_days(page: &Page) -> Vec<(String, String)> {
    let (label, shown) = ("aria-label=\"", "<span class=\"num\">");
    let mut days = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find(label) {
        let start = i + label.len();
        let end = rest[start..].find('"').unwrap() + start;
        let after = &rest[end + 1..];
        if let Some(number) = after
            .strip_prefix('>')
            .and_then(|a| a.strip_prefix(shown))
            .and_then(|a| a.split('<').next())
        {
            days.push((rest[start..end].to_owned(), number.to_owned()));
        }
        rest = &rest[end..];
    }
    days
}

/// What a day shows is part of what it is called (WCAG 2.5.3, label in name): a voice user
/// who reads « 1er » on the first of a month says it to click it.
#[tokio::test]
async fn every_day_shows_a_number_that_its_name_contains() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    // Not every date has a first of the month to click in the coming four months (29
    // February 2028 has none): the days named are counted, the firsts said in the message.
    let (mut named, mut firsts) = (0, 0);
    for offset in 0..4 {
        let month = (app.today().first_of_month() + offset.months())
            .strftime("%Y-%m")
            .to_string();
        for activity in [ids.aps_matin.as_str(), ""] {
            let page = c
                .get(&format!(
                    "/reservations?enfant={}&activite={activity}&mois={month}",
                    ids.lea
                ))
                .await;
            for (name, number) in named_days(&page) {
                assert!(
                    name.split([' ', ',']).any(|word| word == number),
                    "« {number} » is not a word of « {name} »"
                );
                named += 1;
                firsts += usize::from(number == "1er");
            }
        }
    }
    assert!(
        named > 20,
        "{named} days named, {firsts} of them a first of the month"
    );
}

/// A month (« 2026-12 ») in which Léa has bookable APS MATIN days: this month or the next.
async fn month_with_bookable_days(
    c: &mut Client<'_>,
    ids: &Ids,
) -> (String, Vec<(String, String)>) {
    let today = c.today();
    for offset in 0..3 {
        let month = (today.first_of_month() + offset.months())
            .strftime("%Y-%m")
            .to_string();
        let page = c
            .get(&format!(
                "/reservations?enfant={}&activite={}&mois={month}",
                ids.lea, ids.aps_matin
            ))
            .await;
        let bookable: Vec<(String, String)> = clickable_days(&page)
            .into_iter()
            .filter(|(_, a)| a.contains(", réservable"))
            .collect();
        if !bookable.is_empty() {
            return (month, bookable);
        }
    }
    panic!("no bookable APS MATIN day in three months");
}

async fn act(c: &mut Client<'_>, ids: &Ids, month: &str, action: (&str, &str)) -> Page {
    let page_url = format!(
        "/reservations?enfant={}&activite={}&mois={month}",
        ids.lea, ids.aps_matin
    );
    c.post_signed(
        &page_url,
        "/reservations/calendrier",
        &[
            ("enfant", &ids.lea),
            ("activite", &ids.aps_matin),
            ("mois", month),
            action,
        ],
    )
    .await
}

#[tokio::test]
async fn a_family_books_days_confirms_and_sees_them_not_transmitted() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (month, bookable) = month_with_bookable_days(&mut c, &ids).await;
    // Every day control says its full date and its state.
    let (day, spoken) = &bookable[0];
    assert!(
        spoken.contains(" 20") && spoken.contains(", réservable"),
        "{spoken}"
    );

    let clicked = act(&mut c, &ids, &month, ("basculer", day)).await;
    assert_eq!(clicked.status, StatusCode::SEE_OTHER);
    let calendar = c.get(clicked.location()).await;
    calendar.assert_contains("1 modification en attente, non enregistrée.");
    let now_pending = clickable_days(&calendar)
        .into_iter()
        .find(|(d, _)| d == day)
        .unwrap()
        .1;
    assert!(
        now_pending.contains("à réserver, modification non validée"),
        "{now_pending}"
    );
    // Pending changes survive a reload and a change of month (they are on the server).
    c.get(&format!(
        "/reservations?enfant={}&activite={}",
        ids.lea, ids.aps_matin
    ))
    .await;
    assert!(
        c.get(clicked.location())
            .await
            .body
            .contains("1 modification en attente")
    );

    // Nothing is recorded yet.
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NULL")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(before, 0);
    let recap = c.get("/reservations/recapitulatif").await;
    recap
        .assert_contains("Réservations demandées")
        .assert_contains("APS MATIN")
        .assert_contains("2,40");
    assert!(
        !recap.body.contains("Annulations demandées"),
        "no cancellation table when there is none"
    );
    let key = recap.input_value("cle").unwrap();
    let token = recap.csrf().unwrap();
    let confirmed = c
        .post(
            "/reservations/confirmer",
            &[("_csrf", &token), ("cle", &key)],
        )
        .await;
    assert_eq!(
        confirmed.location(),
        "/reservations/confirmation?reservations=1&annulations=0"
    );
    c.get(confirmed.location())
        .await
        .assert_contains("Non transmise");

    // A second submit of the same récapitulatif records nothing twice.
    let again = c
        .post(
            "/reservations/confirmer",
            &[("_csrf", &token), ("cle", &key)],
        )
        .await;
    assert_eq!(
        again.location(),
        "/reservations/confirmation?reservations=1&annulations=0"
    );
    let requests: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NULL")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(requests, 1);
    let state: String = sqlx::query_scalar("SELECT state FROM reservations r JOIN children c ON c.id = r.child_id WHERE c.first_name = 'Léa' AND r.day = $1 AND r.activity_id = (SELECT id FROM activities WHERE name = 'APS MATIN')")
        .bind(day.clone())
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(state, "non_transmise");
    let follow = c.get("/reservations/suivi").await;
    follow
        .assert_contains("Non transmise")
        .assert_contains("ne signifie pas que votre réservation n'est pas acceptée");
    assert_eq!(
        c.get("/reservations/recapitulatif").await.location(),
        "/reservations",
        "the draft is empty"
    );
}

/// Booked once the pending change is applied, from a day's spoken state.
fn booked_after_pending(spoken: &str) -> bool {
    spoken.contains("réservé, annulable") || spoken.contains("à réserver")
}

#[tokio::test]
async fn the_month_tool_follows_the_first_bookable_day() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (month, _) = month_with_bookable_days(&mut c, &ids).await;
    let url = format!(
        "/reservations?enfant={}&activite={}&mois={month}",
        ids.lea, ids.aps_matin
    );
    let mut previous_first = booked_after_pending(&clickable_days(&c.get(&url).await)[0].1);
    for _ in 0..3 {
        act(&mut c, &ids, &month, ("tout_le_mois", "1")).await;
        let days = clickable_days(&c.get(&url).await);
        // The first day decided: the whole month now agrees, and it is the opposite of
        // what the first day was.
        let first = booked_after_pending(&days[0].1);
        assert_ne!(first, previous_first, "the first day flipped");
        for (_, spoken) in &days {
            assert_eq!(booked_after_pending(spoken), first, "{spoken}");
        }
        previous_first = first;
    }
    // « Annuler » drops every pending change.
    let cancelled = act(&mut c, &ids, &month, ("annuler", "1")).await;
    c.get(cancelled.location())
        .await
        .assert_contains("Toutes les modifications en attente ont été annulées.")
        .assert_contains("Aucune modification en attente.");
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_changes")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn the_week_and_weekday_tools_work_on_their_days_only() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (month, bookable) = month_with_bookable_days(&mut c, &ids).await;
    let day: jiff::civil::Date = bookable[0].0.parse().unwrap();
    let monday = day - i64::from(day.weekday().to_monday_zero_offset()).days();
    act(&mut c, &ids, &month, ("semaine", &monday.to_string())).await;
    let pending: Vec<String> = sqlx::query_scalar("SELECT day FROM pending_changes")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert!(!pending.is_empty());
    for d in &pending {
        let d: jiff::civil::Date = d.parse().unwrap();
        assert!(
            d >= monday && d < monday + 7.days(),
            "{d} outside the week of {monday}"
        );
    }
    act(&mut c, &ids, &month, ("annuler", "1")).await;
    let weekday = day.weekday().to_monday_one_offset().to_string();
    act(&mut c, &ids, &month, ("jour_semaine", &weekday)).await;
    let pending: Vec<String> = sqlx::query_scalar("SELECT day FROM pending_changes")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert!(!pending.is_empty());
    for d in &pending {
        let d: jiff::civil::Date = d.parse().unwrap();
        assert_eq!(d.weekday(), day.weekday());
    }
}

#[tokio::test]
async fn a_debtor_family_cannot_book_even_by_forging_requests() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (month, bookable) = month_with_bookable_days(&mut c, &ids).await;
    act(&mut c, &ids, &month, ("basculer", &bookable[0].0)).await;
    // An unpaid invoice of 1 000 € makes MARTIN débiteur at CarteVille.
    app.exec(
        "INSERT INTO invoices (public_id, number, family_id, structure_id, wallet_id, period_month, amount_cents, issued_on, due_on) \
         SELECT 'test-dette', 'F-TEST', f.id, s.id, w.id, '2026-01', 100000, '2026-02-01', '2026-03-01' \
         FROM families f, structures s, wallets w WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND w.structure_id = s.id AND w.name = 'Périscolaire'",
        &[],
    )
    .await;
    let page = c.get("/reservations").await;
    page.assert_contains("Votre compte famille est débiteur")
        .assert_contains("href=\"/paiement#factures\"");
    assert!(!page.body.contains("name=\"basculer\""));
    // The booking asked for before is refused at the récapitulatif, with nothing to confirm.
    let recap = c.get("/reservations/recapitulatif").await;
    recap
        .assert_contains("Demandes qui ne peuvent plus être faites")
        .assert_contains("compte débiteur");
    assert!(!recap.body.contains(">Confirmer</button>"));
    // A forged confirmation records nothing.
    let token = page.csrf().unwrap();
    let key = "a".repeat(64);
    c.post(
        "/reservations/confirmer",
        &[("_csrf", &token), ("cle", &key)],
    )
    .await;
    let requests: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NULL")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(requests, 0);
}

/// The débiteur rule as a family reads it (issue 19, defect 2): an invoice within its due
/// date blocks nothing; past it, the family cannot book whatever its prepaid credit, but
/// may still cancel, and the calendar says which invoice blocks and links to paying it; a
/// prepaid porte-monnaie spent beyond its credit blocks too, and says how much to credit.
#[tokio::test]
async fn an_overdue_invoice_blocks_booking_and_a_prepaid_credit_does_not_pay_it() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (today, tomorrow, yesterday) = {
        let today = app.today();
        (
            today.to_string(),
            (today + 1.days()).to_string(),
            (today - 1.days()).to_string(),
        )
    };
    // 100 € of credit on RESTAURATION (prepaid), and a 30 € invoice due tomorrow.
    app.exec(
        "INSERT INTO payments (public_id, family_id, structure_id, wallet_id, amount_cents, mode, reference, state, created_at) \
         SELECT 'test-credit', f.id, s.id, w.id, 10000, 'especes', 'TEST-CREDIT', 'paye', $1 \
         FROM families f, structures s, wallets w WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND w.structure_id = s.id AND w.name = 'Restauration'",
        &[&today],
    )
    .await;
    app.exec(
        "INSERT INTO invoices (public_id, number, family_id, structure_id, wallet_id, period_month, amount_cents, issued_on, due_on) \
         SELECT 'test-novembre', 'F-NOVEMBRE', f.id, s.id, w.id, '2026-11', 3000, $1, $2 \
         FROM families f, structures s, wallets w WHERE f.identifiant = 'martin' AND s.slug = 'carteville' AND w.structure_id = s.id AND w.name = 'Périscolaire'",
        &[&today, &tomorrow],
    )
    .await;
    let (month, bookable) = month_with_bookable_days(&mut c, &ids).await;
    assert!(!c.get("/reservations").await.body.contains("débiteur"));
    // An invoice not due yet blocks nothing: Léa books a day.
    let booked = bookable[0].0.clone();
    let calendar = format!(
        "/reservations?enfant={}&activite={}&mois={month}",
        ids.lea, ids.aps_matin
    );
    let toggle = [
        ("enfant", ids.lea.as_str()),
        ("activite", ids.aps_matin.as_str()),
        ("mois", month.as_str()),
        ("basculer", booked.as_str()),
    ];
    c.toggle_and_confirm(&calendar, &toggle).await;

    // The due date passes: the invoice blocks, the credit does not pay it.
    app.exec(
        "UPDATE invoices SET due_on = $1 WHERE public_id = 'test-novembre'",
        &[&yesterday],
    )
    .await;
    let due = (app.today() - 1.days()).strftime("%d/%m/%Y").to_string();
    let blocked = c
        .get(&format!(
            "/reservations?enfant={}&activite={}",
            ids.lea, ids.aps_matin
        ))
        .await;
    blocked
        .assert_contains("Votre compte famille est débiteur : il reste 30,00\u{a0}€ à régler.")
        .assert_contains(&format!(
            "Facture F-NOVEMBRE (Périscolaire) : 30,00\u{a0}€ à payer, échéance du {due} dépassée"
        ))
        .assert_contains("Le crédit d'un porte-monnaie prépayé sert à ses propres activités : il ne règle pas les factures.")
        .assert_contains("<a class=\"button\" href=\"/paiement#factures\">Payer dans « Paiement et Solde »</a>");
    // Nothing can be booked; what Léa booked can still be cancelled.
    let month_page = c.get(&calendar).await;
    let offered = clickable_days(&month_page);
    assert!(offered.iter().any(|(day, _)| *day == booked), "{offered:?}");
    assert!(
        offered
            .iter()
            .all(|(_, spoken)| spoken.contains("réservé, annulable")),
        "only booked days can change: {offered:?}"
    );
    month_page
        .assert_contains("non réservable tant que le compte est débiteur")
        .assert_contains(
            "Vous pouvez toujours annuler un jour réservé ou une place en liste d'attente",
        );
    assert!(
        !month_page.body.contains("name=\"tout_le_mois\""),
        "no tool books for a débiteur"
    );
    c.toggle_and_confirm(&calendar, &toggle).await;
    let state: String = sqlx::query_scalar(
        "SELECT r.state FROM reservations r JOIN children c ON c.id = r.child_id JOIN activities a ON a.id = r.activity_id \
         WHERE c.first_name = 'Léa' AND a.name = 'APS MATIN' AND r.day = $1",
    )
    .bind(&booked)
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(state, "annulee");
    c.get("/paiement")
        .await
        .assert_contains("En retard : échéance dépassée")
        .assert_contains("(crédit)");

    // Paid, the invoice blocks no more; RESTAURATION spent beyond its credit does.
    app.exec(
        "DELETE FROM invoices WHERE public_id = 'test-novembre'",
        &[],
    )
    .await;
    app.exec(
        "INSERT INTO consommations (family_id, child_id, activity_id, day, quantity, unit_price_cents, amount_cents) \
         SELECT c.family_id, c.id, a.id, $1, 1, 10410, 10410 FROM children c, activities a WHERE c.first_name = 'Léa' AND a.name = 'RESTAURATION'",
        &[&yesterday],
    )
    .await;
    c.get("/reservations")
        .await
        .assert_contains("Votre compte famille est débiteur : il reste 4,10\u{a0}€ à régler.")
        .assert_contains("Porte-monnaie Restauration : 4,10\u{a0}€ à créditer");
}

#[tokio::test]
async fn an_unsigned_reglement_blocks_the_child_even_by_forging_requests() {
    let (app, _town) = carteville().await;
    let mut c = app.client();
    c.login("dupont", DUPONT_INITIAL).await;
    c.post_signed(
        "/premiere-connexion",
        "/premiere-connexion",
        &[
            ("nouveau", crate::support::STRONG),
            ("confirmation", crate::support::STRONG),
        ],
    )
    .await;
    let boxes = c.get("/conditions").await.input_names("texte_");
    c.post_signed(
        "/conditions",
        "/conditions",
        &[(boxes[0].as_str(), "oui"), (boxes[1].as_str(), "oui")],
    )
    .await;
    let amalia: String =
        sqlx::query_scalar("SELECT public_id FROM children WHERE first_name = 'Amalia'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let page = c.get(&format!("/reservations?enfant={amalia}")).await;
    page.assert_contains("Le règlement intérieur d'Amalia n'est pas signé");
    // A pending change slipped into the draft is refused at confirmation.
    app.exec(
        "INSERT INTO pending_changes (family_id, child_id, activity_id, day, change, created_at) \
         SELECT c.family_id, c.id, a.id, '2099-01-05', 'reserver', '2026-01-01T00:00:00.000000Z' FROM children c, activities a \
         WHERE c.first_name = 'Amalia' AND a.name = 'APS MATIN'",
        &[],
    )
    .await;
    let recap = c.get("/reservations/recapitulatif").await;
    recap.assert_contains("le règlement intérieur de l'enfant n'est pas signé");
    assert!(!recap.body.contains("name=\"cle\""), "nothing to confirm");
}

#[tokio::test]
async fn several_activities_are_chosen_day_by_day() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (month, bookable) = month_with_bookable_days(&mut c, &ids).await;
    let day = &bookable[0].0;
    let page = c
        .get(&format!("/reservations/jour?enfant={}&date={day}", ids.lea))
        .await;
    page.assert_contains("APS MATIN")
        .assert_contains("RESTAURATION")
        .assert_contains("État : réservable");
    let token = page.csrf().unwrap();
    let back = c
        .post(
            "/reservations/jour",
            &[
                ("_csrf", &token),
                ("enfant", &ids.lea),
                ("date", day),
                ("activite", &ids.aps_matin),
            ],
        )
        .await;
    assert!(
        back.location()
            .starts_with(&format!("/reservations?enfant={}", ids.lea))
    );
    let pending: Vec<(String, String)> = sqlx::query_as("SELECT day, change FROM pending_changes")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    assert!(
        pending.contains(&(day.clone(), "reserver".to_owned())),
        "{pending:?}"
    );
    // Without an activity, the month shows every activity; a day opens its list.
    let month_view = c
        .get(&format!("/reservations?enfant={}&mois={month}", ids.lea))
        .await;
    month_view
        .assert_contains("toutes les activités")
        .assert_contains("voir les activités du jour");
}

#[tokio::test]
async fn another_familys_child_or_activity_does_not_exist_here() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.onboard_dupont().await;
    assert_eq!(
        c.get(&format!("/reservations?enfant={}", ids.lea))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&format!(
            "/reservations/jour?enfant={}&date=2026-12-10",
            ids.lea
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let month = "2026-12";
    let attempt = c
        .post_signed(
            "/accueil",
            "/reservations/calendrier",
            &[
                ("enfant", &ids.lea),
                ("activite", &ids.aps_matin),
                ("mois", month),
                ("basculer", "2026-12-10"),
            ],
        )
        .await;
    assert_eq!(attempt.status, StatusCode::NOT_FOUND);
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_changes")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn days_that_cannot_change_ignore_forged_clicks() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let today = app.today();
    let month = today.first_of_month().strftime("%Y-%m").to_string();
    // The first of the month is past (or today): too late whatever the form says.
    let first = today.first_of_month().to_string();
    act(&mut c, &ids, &month, ("basculer", &first)).await;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_changes")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(pending, 0);
    let garbage = act(&mut c, &ids, &month, ("basculer", "pas-une-date")).await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn copying_lists_the_days_that_could_not_be_copied_with_the_reason() {
    let (app, _town) = carteville().await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let db = app.db().clone();
    let id = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_one(db.reader())
                .await
                .unwrap()
        }
    };
    let (lea, hugo) = (
        id("SELECT public_id FROM children WHERE first_name = 'Léa'").await,
        id("SELECT public_id FROM children WHERE first_name = 'Hugo'").await,
    );
    let restauration = id("SELECT public_id FROM activities WHERE name = 'RESTAURATION'").await;
    let aps_soir = id("SELECT public_id FROM activities WHERE name = 'APS SOIR'").await;
    // APS SOIR at lunchtime: it now clashes with Hugo's own lunches (Mondays and Thursdays).
    app.exec(
        "UPDATE activities SET start_time = '12:00', end_time = '13:00' WHERE name = 'APS SOIR'",
        &[],
    )
    .await;
    let today = app.today();
    // Two weeks from Léa's next lunch: after the rentrée when run in the summer holidays.
    let from = app.next_opening("RESTAURATION", today - 1.days()).await;
    let to = from + 13.days();
    let month = today.strftime("%Y-%m").to_string();
    let form_url = format!("/reservations/copier?enfant={hugo}&activite={aps_soir}&mois={month}");
    let form = c.get(&form_url).await;
    form.assert_contains("Léa — RESTAURATION")
        .assert_contains("Enfant et activité à recopier");
    let source = format!("{lea}/{restauration}");
    let (from_text, to_text) = (from.to_string(), to.to_string());
    let (back, too_long) = (
        (to_text.clone(), from_text.clone()),
        (from_text.clone(), (from + 93.days()).to_string()),
    );
    // Nothing chosen, a period backwards or longer than three months: refused with the
    // field's message before anything is copied. Then the two weeks are copied.
    let cases: [(&str, (&str, &str), &[&str]); 4] = [
        (
            "",
            ("x", ""),
            &[
                "Choisissez l'enfant et l'activité à recopier.",
                "Saisissez la date de début",
            ],
        ),
        (
            &source,
            (&back.0, &back.1),
            &["La date de fin doit suivre la date de début."],
        ),
        (
            &source,
            (&too_long.0, &too_long.1),
            &["Copiez au plus trois mois à la fois."],
        ),
        (&source, (&from_text, &to_text), &[]),
    ];
    let mut done = None;
    for (chosen, (du, au), refusals) in cases {
        let answer = c
            .post_signed(
                &form_url,
                "/reservations/copier",
                &[
                    ("enfant", &hugo),
                    ("activite", &aps_soir),
                    ("mois", &month),
                    ("source", chosen),
                    ("du", du),
                    ("au", au),
                ],
            )
            .await;
        if refusals.is_empty() {
            done = Some(answer);
            continue;
        }
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in refusals {
            answer.assert_contains(message);
        }
    }
    let done = done.expect("the two weeks' copy");
    assert_eq!(done.status, StatusCode::OK);
    done.assert_contains("Réservations non recopiées");
    // Léa lunches four days a week; over two weeks some days are past the deadline, the
    // others clash or are already booked for Hugo: each is listed with its reason.
    let reasons = ["hors délai", "déjà réservé", "horaires incompatibles"];
    assert!(
        reasons.iter().any(|r| done.text().contains(r)),
        "{}",
        done.body
    );
    // Nothing copied breaks a rule: whatever became pending is a modifiable, free day.
    let pending: Vec<String> = sqlx::query_scalar("SELECT day FROM pending_changes")
        .fetch_all(app.db().reader())
        .await
        .unwrap();
    for day in pending {
        let d: jiff::civil::Date = day.parse().unwrap();
        assert!(d > today + 2.days(), "{d} is too close to be bookable");
    }
    // Another family's child as target or source is refused.
    let mut dupont = app.client_from("192.0.2.60");
    dupont.onboard_dupont().await;
    assert_eq!(dupont.get(&form_url).await.status, StatusCode::NOT_FOUND);
}

/// Hundreds of families confirm at the same moment: every request is recorded once, and
/// each family has exactly its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_families_confirming_at_once_are_all_recorded_once() {
    const FAMILIES: u32 = 200;
    // The logins are this test's setup, not its subject: none waits on the waiting page.
    let queue = ribambelle_web::PasswordQueueLimits {
        waiting: 1_000,
        wait: std::time::Duration::from_secs(600),
        ..Default::default()
    };
    let (app, town) = TestApp::with_town_configured(|config| config.password_queue = queue).await;
    let lunch = town.activity(NewActivity::new("RESTAURATION")).await;
    for i in 1..=FAMILIES {
        let child = NewChild::new("Enfant").registered(&[lunch]);
        town.family(NewFamily::new(&format!("famille{i:06}")).child(child))
            .await;
    }
    let restauration: String =
        sqlx::query_scalar("SELECT public_id FROM activities WHERE name = 'RESTAURATION'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let children: Vec<(String, String)> = sqlx::query_as(
        "SELECT f.identifiant, MIN(c.public_id) FROM families f JOIN children c ON c.family_id = f.id \
         WHERE f.identifiant LIKE 'famille%' GROUP BY f.identifiant ORDER BY f.identifiant",
    )
    .fetch_all(app.db().reader())
    .await
    .unwrap();
    assert_eq!(children.len(), FAMILIES as usize);
    // A month with bookable lunches, found once: past the coming deadlines, after the
    // holidays if need be.
    let today = app.today();
    let month = app
        .next_opening("RESTAURATION", today + 35.days())
        .await
        .strftime("%Y-%m")
        .to_string();

    let journeys = children
        .iter()
        .enumerate()
        .map(|(i, (identifiant, child))| {
            let (app, restauration, month) = (&app, &restauration, &month);
            async move {
                let mut c = app.client_from(&format!("10.1.{}.{}", i / 250, i % 250));
                c.login(identifiant, NewFamily::PASSWORD).await;
                let url =
                    format!("/reservations?enfant={child}&activite={restauration}&mois={month}");
                c.post_signed(
                    &url,
                    "/reservations/calendrier",
                    &[
                        ("enfant", child),
                        ("activite", restauration),
                        ("mois", month),
                        ("tout_le_mois", "1"),
                    ],
                )
                .await;
                let recap = c.get("/reservations/recapitulatif").await;
                let Some(key) = recap.input_value("cle") else {
                    return (identifiant.clone(), 0);
                };
                let token = recap.csrf().unwrap();
                // Each family submits twice, as an impatient double click would.
                let (mut tab1, mut tab2) = (
                    app.client_with(c.cookie.clone()),
                    app.client_with(c.cookie.clone()),
                );
                let fields = [("_csrf", token.as_str()), ("cle", key.as_str())];
                let (first, second) = tokio::join!(
                    tab1.post("/reservations/confirmer", &fields),
                    tab2.post("/reservations/confirmer", &fields)
                );
                assert_eq!(first.location(), second.location());
                let booked: u32 = first
                    .location()
                    .split("reservations=")
                    .nth(1)
                    .unwrap()
                    .split('&')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                (identifiant.clone(), booked)
            }
        });
    let results = futures_util::future::join_all(journeys).await;
    let expected: u32 = results.iter().map(|(_, n)| n).sum();
    assert!(expected > 0, "the families booked something");
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reservation_requests WHERE processed_at IS NULL")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    assert_eq!(
        recorded,
        i64::from(expected),
        "every request recorded, none twice"
    );
    let distinct: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT DISTINCT child_id, activity_id, day FROM reservation_requests WHERE processed_at IS NULL) d")
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(distinct, recorded);
    // Each family's requests are for its own children, and as many as it was told.
    for (identifiant, booked) in results {
        let (own, foreign): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN c.family_id = r.family_id THEN 1 ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN c.family_id <> r.family_id THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM reservation_requests r JOIN children c ON c.id = r.child_id JOIN families f ON f.id = r.family_id WHERE f.identifiant = $1 AND r.processed_at IS NULL",
        )
        .bind(identifiant.clone())
        .fetch_one(app.db().reader())
        .await
        .unwrap();
        assert_eq!((own, foreign), (i64::from(booked), 0), "{identifiant}");
    }
}

#[tokio::test]
async fn a_private_calendar_feed_lists_the_accepted_days() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    c.get("/reservations/suivi")
        .await
        .assert_contains("Ajouter les jours acceptés de Léa à votre agenda");
    let page = c
        .get(&format!("/reservations/agenda?enfant={}", ids.lea))
        .await;
    let start = page
        .body
        .find("https://famille.carteville.example/agenda/")
        .expect("the feed's address");
    let address = page.body[start..].split('"').next().unwrap().to_owned();
    let path = address
        .strip_prefix(crate::support::PUBLIC_URL)
        .unwrap()
        .to_owned();
    // The same address each time.
    assert!(
        c.get(&format!("/reservations/agenda?enfant={}", ids.lea))
            .await
            .body
            .contains(&address)
    );
    let feed = app.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.header("content-type").starts_with("text/calendar"));
    assert!(feed.body.contains("BEGIN:VCALENDAR") && feed.body.contains("BEGIN:VEVENT"));
    assert!(feed.body.contains("APS MATIN — Léa"), "{}", feed.body);
    assert!(feed.body.contains("TZID=Europe/Paris"));
    assert!(!feed.body.contains("Hugo"), "only this child's days");
    assert_eq!(
        app.get("/agenda/inconnu.ics").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn in_immediate_mode_the_follow_up_shows_the_decision_at_once() {
    let (app, town) = carteville().await;
    town.configure(|s| s.immediate = true).await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let (month, bookable) = month_with_bookable_days(&mut c, &ids).await;
    act(&mut c, &ids, &month, ("basculer", &bookable[0].0)).await;
    let recap = c.get("/reservations/recapitulatif").await;
    let (key, token) = (recap.input_value("cle").unwrap(), recap.csrf().unwrap());
    let done = c
        .post(
            "/reservations/confirmer",
            &[("_csrf", &token), ("cle", &key)],
        )
        .await;
    assert!(
        done.location().ends_with("&traitees=1"),
        "{}",
        done.location()
    );
    c.get(done.location())
        .await
        .assert_contains("Elles ont déjà été traitées");
    let state: String = sqlx::query_scalar(
        "SELECT r.state FROM reservations r JOIN activities a ON a.id = r.activity_id JOIN children c ON c.id = r.child_id \
         WHERE c.first_name = 'Léa' AND a.name = 'APS MATIN' AND r.day = $1",
    )
    .bind(bookable[0].0.clone())
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(state, "acceptee");
    assert!(
        !app.mails_matching("claire.martin@example.fr", "RESERVATIONS ACCEPTEES")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn dates_at_the_ends_of_the_calendar_are_bad_requests_not_errors() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let month = app.today().strftime("%Y-%m").to_string();
    for (name, value) in [
        ("basculer", "9999-12-31"),
        ("semaine", "-009999-01-01"),
        ("basculer", "2027-02-30"),
    ] {
        let page = act(&mut c, &ids, &month, (name, value)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{name}={value}");
    }
    assert_eq!(
        act(&mut c, &ids, "9999-12", ("tout_le_mois", "1"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let far = c
        .get(&format!(
            "/reservations/jour?enfant={}&date=9999-12-31",
            ids.lea
        ))
        .await;
    assert_eq!(far.status, StatusCode::BAD_REQUEST);
    // A month out of range shows the current month rather than failing.
    assert_eq!(
        c.get(&format!(
            "/reservations?enfant={}&activite={}&mois=9999-12",
            ids.lea, ids.aps_matin
        ))
        .await
        .status,
        StatusCode::OK
    );
}

/// Changes one day from the calendar at `page`, then confirms the récapitulatif.
/// The places a calendar announces for `day` (« 1 place », « complet — liste d'attente »).
fn places_left(page: &Page, day: &str) -> i64 {
    let (_, label) = clickable_days(page)
        .into_iter()
        .find(|(d, _)| d == day)
        .unwrap_or_else(|| panic!("{day} not offered"));
    if label.ends_with("complet — liste d'attente") {
        return 0;
    }
    label
        .rsplit(", ")
        .next()
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no places in {label:?}"))
}

/// DUPONT's children and MERCREDI, by public id, and the first Wednesday Amalia may book
/// within the neighbours' nearly full weeks: its month and day.
struct DupontsWednesday {
    amalia: String,
    paolo: String,
    mercredi: String,
    month: String,
    day: String,
}

impl DupontsWednesday {
    /// The child's MERCREDI calendar on the month of the day.
    fn calendar(&self, child: &str) -> String {
        let mercredi = &self.mercredi;
        let month = &self.month;
        format!("/reservations?enfant={child}&activite={mercredi}&mois={month}")
    }

    /// The click on the day in the child's calendar.
    fn toggle<'a>(&'a self, child: &'a str) -> [(&'a str, &'a str); 4] {
        [
            ("enfant", child),
            ("activite", &self.mercredi),
            ("mois", &self.month),
            ("basculer", &self.day),
        ]
    }
}

/// The processing run, as the night or « Lancer le traitement » starts it.
async fn run_processing(app: &TestApp) {
    ribambelle_store::processing::run(
        app.db(),
        &app.state.clock,
        ribambelle_store::processing::RunScope::Everywhere,
    )
    .await
    .unwrap();
}

async fn duponts_wednesday(app: &TestApp, c: &mut Client<'_>) -> DupontsWednesday {
    let db = app.db();
    let id = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(db.reader())
            .await
            .unwrap()
    };
    let (amalia, paolo, mercredi) = (
        id("SELECT public_id FROM children WHERE first_name = 'Amalia'").await,
        id("SELECT public_id FROM children WHERE first_name = 'Paolo'").await,
        id("SELECT public_id FROM activities WHERE name = 'MERCREDI'").await,
    );
    let today = app.today();
    for offset in 0..4 {
        let month = (today.first_of_month() + offset.months())
            .strftime("%Y-%m")
            .to_string();
        let page = c
            .get(&format!(
                "/reservations?enfant={amalia}&activite={mercredi}&mois={month}"
            ))
            .await;
        if let Some((day, _)) = clickable_days(&page)
            .into_iter()
            .find(|(_, a)| a.contains(", réservable"))
        {
            return DupontsWednesday {
                amalia,
                paolo,
                mercredi,
                month,
                day,
            };
        }
    }
    panic!("no bookable Wednesday in four months");
}

#[tokio::test]
async fn places_left_count_held_places_and_requests_not_decided_yet() {
    let (app, _town) = carteville().await;
    let mut c = app.client();
    c.onboard_dupont().await;
    let wednesday = duponts_wednesday(&app, &mut c).await;
    let day = &wednesday.day;
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reservations r JOIN activities a ON a.id = r.activity_id WHERE a.name = 'MERCREDI' AND r.day = $1 AND r.state IN ('acceptee', 'non_transmise')")
        .bind(day)
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    let amalia_page = wednesday.calendar(&wednesday.amalia);
    assert_eq!(places_left(&c.get(&amalia_page).await, day), 14 - held);

    // Paolo asks for the day: one place fewer at once; he changes his mind before the run
    // (the place comes back), asks again, and the place stays taken once decided.
    let paolo_page = wednesday.calendar(&wednesday.paolo);
    let toggle = wednesday.toggle(&wednesday.paolo);
    c.toggle_and_confirm(&paolo_page, &toggle).await;
    assert_eq!(places_left(&c.get(&amalia_page).await, day), 13 - held);
    c.toggle_and_confirm(&paolo_page, &toggle).await;
    assert_eq!(places_left(&c.get(&amalia_page).await, day), 14 - held);
    c.toggle_and_confirm(&paolo_page, &toggle).await;
    assert_eq!(places_left(&c.get(&amalia_page).await, day), 13 - held);
    run_processing(&app).await;
    assert_eq!(places_left(&c.get(&amalia_page).await, day), 13 - held);
    // The day's counters say the same as the reservations' states.
    let (counted, states): (i64, i64) = sqlx::query_as(
        "SELECT CAST((SELECT p.taken + p.asked FROM day_places p WHERE p.activity_id = a.id AND p.day = $1) \
           + COALESCE((SELECT SUM(m.asked) FROM day_place_moves m WHERE m.activity_id = a.id AND m.day = $1), 0) AS BIGINT), \
           (SELECT COUNT(*) FROM reservations r WHERE r.activity_id = a.id AND r.day = $1 AND r.state IN ('acceptee', 'non_transmise')) \
         FROM activities a WHERE a.name = 'MERCREDI'",
    )
    .bind(day)
    .fetch_one(app.db().reader())
    .await
    .unwrap();
    assert_eq!(counted, states);
}

/// A day the run put on the waiting list is booked but has no place: the calendar and the
/// day view say so in words (never as a confirmed day), with the child's rank in the
/// queue, the legend explains it, and the family may still cancel it.
#[tokio::test]
async fn a_day_on_the_waiting_list_never_looks_confirmed() {
    let (app, _town) = carteville().await;
    let mut c = app.client();
    c.onboard_dupont().await;
    let wednesday = duponts_wednesday(&app, &mut c).await;
    let (paolo, day) = (&wednesday.paolo, &wednesday.day);
    // The neighbours take every place of the day: Paolo asks for it all the same.
    sqlx::query("UPDATE activities SET capacity = (SELECT COUNT(*) FROM reservations r WHERE r.activity_id = activities.id AND r.day = $1 AND r.state IN ('acceptee', 'non_transmise')) WHERE name = 'MERCREDI'")
        .bind(day)
        .execute(app.db().writer())
        .await
        .unwrap();
    let paolo_page = wednesday.calendar(paolo);
    assert_eq!(places_left(&c.get(&paolo_page).await, day), 0);
    // Amalia asked first, so Paolo comes second in the queue.
    let amalia_page = wednesday.calendar(&wednesday.amalia);
    let amalia_toggle = wednesday.toggle(&wednesday.amalia);
    c.toggle_and_confirm(&amalia_page, &amalia_toggle).await;
    run_processing(&app).await;
    let toggle = wednesday.toggle(paolo);
    c.toggle_and_confirm(&paolo_page, &toggle).await;
    run_processing(&app).await;

    let calendar = c.get(&paolo_page).await;
    let (_, spoken) = clickable_days(&calendar)
        .into_iter()
        .find(|(d, _)| d == day)
        .expect("the day is still Paolo's to cancel");
    assert!(
        spoken.contains("en liste d'attente, annulable, 2e sur la liste")
            && !spoken.contains("réservé"),
        "{spoken}"
    );
    let button_at = calendar.body.find(&format!("value=\"{day}\"")).unwrap();
    let cell_at = calendar.body[..button_at].rfind("<td class=\"").unwrap();
    let cell_end = calendar.body[button_at..].find("</td>").unwrap() + button_at;
    let cell = calendar.body[cell_at..cell_end].replace("&#39;", "'");
    assert!(
        cell.starts_with("<td class=\"day-waiting")
            && cell.contains("<span class=\"state\">En liste d'attente</span>")
            && cell.contains("<span class=\"places\">2e sur la liste</span>")
            && !cell.contains("Réservé"),
        "{cell}"
    );
    calendar
        .assert_contains("En liste d'attente (« attente ») : l'activité est complète ce jour-là");
    c.get(&format!("/reservations/jour?enfant={paolo}&date={day}"))
        .await
        .assert_contains("État : en liste d'attente, annulable");
    c.get("/reservations/suivi")
        .await
        .assert_contains("En liste d&#39;attente (2e)")
        .assert_contains("En liste d&#39;attente (1er)");

    // Amalia gives her turn up: Paolo is next.
    c.toggle_and_confirm(&amalia_page, &amalia_toggle).await;
    let (_, spoken) = clickable_days(&c.get(&paolo_page).await)
        .into_iter()
        .find(|(d, _)| d == day)
        .expect("the day is still Paolo's to cancel");
    assert!(spoken.ends_with(", 1er sur la liste"), "{spoken}");

    // Cancelling frees nothing but the queue: the family may do it as for a booked day.
    c.toggle_and_confirm(&paolo_page, &toggle).await;
    let state: String = sqlx::query_scalar("SELECT r.state FROM reservations r JOIN children c ON c.id = r.child_id JOIN activities a ON a.id = r.activity_id WHERE c.first_name = 'Paolo' AND a.name = 'MERCREDI' AND r.day = $1")
        .bind(day)
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    assert_eq!(state, "annulee");
}

/// « Suivi des réservations »: child by child, month by month, narrowed on demand to a
/// child, an activity or a state; a filter it cannot read shows everything and says so;
/// the changes still in the draft are announced, not listed.
#[tokio::test]
async fn the_follow_up_lists_each_child_by_month_and_filters_what_the_family_asks() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let hugo: String =
        sqlx::query_scalar("SELECT public_id FROM children WHERE first_name = 'Hugo'")
            .fetch_one(app.db().reader())
            .await
            .unwrap();
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let heading = |id: &str, name: &str| format!("<h2 id=\"suivi-{id}\">{name}</h2>");
    let titled =
        |d: jiff::civil::Date| format!("<caption>{} ", french::month_year(d.year(), d.month()));

    let all = c.get("/reservations/suivi").await;
    assert_eq!(all.status, StatusCode::OK);
    all.assert_contains(&heading(&ids.lea, "Léa"))
        .assert_contains(&heading(&hugo, "Hugo"))
        .assert_contains("<td>APS MATIN</td>")
        .assert_contains("<td>RESTAURATION</td>")
        .assert_contains("Tous les enfants");
    let first: String = sqlx::query_scalar("SELECT MIN(day) FROM reservations WHERE day >= $1")
        .bind(app.today().to_string())
        .fetch_one(app.db().reader())
        .await
        .unwrap();
    all.assert_contains(&titled(first.parse().unwrap()));
    assert!(!all.body.contains("Tout afficher"), "nothing filtered yet");

    let lea_only = c
        .get(&format!("/reservations/suivi?enfant={}", ids.lea))
        .await;
    lea_only
        .assert_contains(&heading(&ids.lea, "Léa"))
        .assert_contains("Tout afficher");
    assert!(!lea_only.body.contains(&heading(&hugo, "Hugo")));

    let lunches = c.get("/reservations/suivi?activite=RESTAURATION").await;
    lunches
        .assert_contains("<td>RESTAURATION</td>")
        .assert_contains(&heading(&hugo, "Hugo"));
    assert!(!lunches.body.contains("<td>APS MATIN</td>"));

    c.get("/reservations/suivi?etat=refusee")
        .await
        .assert_contains("Aucune réservation à venir ne correspond à ce filtre.");

    for (query, message) in [
        ("etat=peut-etre", "Cet état n&#39;existe pas"),
        (
            "enfant=quelqu-un",
            "Cet enfant n&#39;est pas l&#39;un des vôtres",
        ),
    ] {
        let refused = c.get(&format!("/reservations/suivi?{query}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
        refused
            .assert_contains(message)
            .assert_contains(&heading(&ids.lea, "Léa"))
            .assert_contains(&heading(&hugo, "Hugo"));
    }

    // A day clicked but not validated is announced, with the way to validate it.
    let (month_code, bookable) = month_with_bookable_days(&mut c, &ids).await;
    act(&mut c, &ids, &month_code, ("basculer", &bookable[0].0)).await;
    c.get("/reservations/suivi")
        .await
        .assert_contains("1 modification de votre calendrier n'est pas encore validée")
        .assert_contains("href=\"/reservations/recapitulatif\"");
}

/// A day the calendar closes says why on its accessible name (the words are the domain's,
/// tested there): never the bare « fermé ou hors délai » when one activity is shown.
#[tokio::test]
async fn every_closed_day_of_an_activity_says_why() {
    let (app, _town) = carteville().await;
    let ids = martin_ids(&app).await;
    let mut c = app.client();
    c.login("martin", NewFamily::PASSWORD).await;
    let page = c
        .get(&format!(
            "/reservations?enfant={}&activite={}",
            ids.lea, ids.aps_matin
        ))
        .await;
    let reasons = [
        "fermé : l&#39;activité n&#39;a pas lieu ce jour-là",
        "fermé : vacances scolaires (",
        "fermé : jour férié (",
        "fermé : hors délai depuis le ",
        "fermé : réservable à partir du ",
    ];
    assert!(
        reasons.iter().any(|r| page.body.contains(r)),
        "{}",
        page.body
    );
    assert!(!page.body.contains("fermé ou hors délai pour réserver"));
    // With every activity at once, a day stays « fermé » for them all.
    let all = c
        .get(&format!("/reservations?enfant={}&activite=", ids.lea))
        .await;
    assert!(!reasons.iter().any(|r| all.body.contains(r)));
}
