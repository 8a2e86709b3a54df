//! The pointage on real data, against figures computed by hand: a present child is billed
//! at the booking's price, an absent one is not (unless the activity bills absences, and
//! then not when excused), a walk-in at the family's quotient price;
//! recording again changes nothing; an invoiced consommation is never removed; the nightly
//! billing follows the pointage of a day and keeps billing days without one. Also the
//! day's lists, with the health readings they log.

use jiff::{Timestamp, ToSpan, civil::Date};
use ribambelle_domain::{
    clock::paris_date,
    dossier::FicheKind,
    ids::{ActivityId, ChildId, StaffId},
    pointage::{PointageRefusal, Presence},
    staff::StaffRole,
};
use ribambelle_store::{
    Db,
    attendance::{self, Mark, Recorded},
    audit, billing,
};
use ribambelle_testkit::{BuiltFamily, NewActivity, NewChild, NewFamily, NewStaff, TestDb, Town};

struct World {
    town: Town,
    now: Timestamp,
    today: Date,
    staff: StaffId,
    aps: ActivityId,
    dupont: BuiltFamily,
    amalia: ChildId,
    paolo: ChildId,
    lea: ChildId,
    emma: ChildId,
    _t: TestDb,
}

/// APS MATIN (1,80 € up to QF 1000, 2,40 € up to 1500) and its gestionnaire; DUPONT's
/// Amalia and Paolo (QF 850) and Léa MARTIN (QF 1200) are registered to it, Emma BERNARD
/// only to MERCREDI. APS MATIN never runs on Sundays, so nothing is booked on them but what
/// a test books, and Léa comes without a booking, at 2,40 €.
async fn world() -> World {
    world_of(NewActivity::new("APS MATIN")).await
}

async fn world_of(activity: NewActivity) -> World {
    let t = TestDb::new().await;
    let clock = ribambelle_testkit::clock();
    let now = clock.now();
    let town = Town::new(&t.db, clock).await;
    let aps = town
        .activity(activity.prices(&[
            (Some(600), 120),
            (Some(1000), 180),
            (Some(1500), 240),
            (None, 300),
        ]))
        .await;
    let mercredi = town.activity(NewActivity::new("MERCREDI")).await;
    let staff = NewStaff::new("gestion", StaffRole::Gestionnaire)
        .name("Nadia GESTION")
        .structures(&["carteville"])
        .add(&town.db, now)
        .await;
    let at_aps = |name| NewChild::new(name).registered(&[aps]);
    let dupont = town
        .family(
            NewFamily::new("dupont")
                .quotient_familial(850)
                .child(at_aps("Amalia"))
                .child(at_aps("Paolo")),
        )
        .await;
    let martin = town
        .family(
            NewFamily::new("martin")
                .quotient_familial(1200)
                .child(at_aps("Léa")),
        )
        .await;
    let bernard = town
        .family(NewFamily::new("bernard").child(NewChild::new("Emma").registered(&[mercredi])))
        .await;
    World {
        now,
        today: paris_date(now),
        staff,
        aps,
        amalia: dupont.child("Amalia"),
        paolo: dupont.child("Paolo"),
        lea: martin.child("Léa"),
        emma: bernard.child("Emma"),
        dupont,
        town,
        _t: t,
    }
}

/// The last Sunday at least `weeks_back` weeks before today.
fn sunday(today: Date, weeks_back: i32) -> Date {
    let back = today.weekday().to_monday_zero_offset() as i32 + 1;
    today - (back + 7 * weeks_back).days()
}

impl World {
    fn db(&self) -> &Db {
        &self.town.db
    }

    /// Written as a row: the portal books no day in the past, and these are past Sundays.
    async fn book(&self, child: ChildId, day: Date, cents: i64, state: &str) {
        sqlx::query(
            "INSERT INTO reservations (family_id, child_id, activity_id, day, state, amount_cents, confirmed_at, updated_at, queue_position) \
             SELECT family_id, id, $2, $3, $4, $5, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', \
               CASE WHEN $4 = 'attente' THEN id ELSE NULL END FROM children WHERE id = $1",
        )
        .bind(child)
        .bind(self.aps)
        .bind(day.to_string())
        .bind(state.to_owned())
        .bind(cents)
        .execute(self.db().writer())
        .await
        .unwrap();
    }

    /// Present (true) or absent (false).
    async fn record(
        &self,
        day: Date,
        marks: &[(ChildId, bool)],
    ) -> Result<Recorded, PointageRefusal> {
        let marks: Vec<(ChildId, Presence)> = marks
            .iter()
            .map(|&(child, present)| {
                let presence = if present {
                    Presence::Present
                } else {
                    Presence::Absent
                };
                (child, presence)
            })
            .collect();
        self.record_presence(day, &marks).await
    }

    async fn record_presence(
        &self,
        day: Date,
        marks: &[(ChildId, Presence)],
    ) -> Result<Recorded, PointageRefusal> {
        let marks: Vec<Mark> = marks
            .iter()
            .map(|&(child_id, presence)| Mark { child_id, presence })
            .collect();
        attendance::record(
            self.db(),
            self.staff,
            self.aps,
            day,
            &marks,
            self.today,
            self.now,
        )
        .await
        .unwrap()
    }

    /// (child, amount) of the day's consommations, by child.
    async fn consumed(&self, day: Date) -> Vec<(ChildId, i64)> {
        sqlx::query_as("SELECT child_id, amount_cents FROM consommations WHERE activity_id = $1 AND day = $2 ORDER BY child_id")
            .bind(self.aps)
            .bind(day.to_string())
            .fetch_all(self.db().reader())
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn present_children_are_billed_absent_ones_are_not_and_walk_ins_pay_their_quotient_price() {
    let w = world().await;
    let day = sunday(w.today, 0);
    // A booking price of its own, to show the booking's price is the one billed.
    w.book(w.amalia, day, 175, "acceptee").await;
    w.book(w.paolo, day, 180, "acceptee").await;

    let first = w
        .record(day, &[(w.amalia, true), (w.paolo, false), (w.lea, true)])
        .await
        .unwrap();
    assert_eq!(
        first,
        Recorded {
            present: 2,
            absent: 1,
            added: 2,
            removed: 0
        }
    );
    let mut expected = vec![(w.amalia, 175), (w.lea, 240)];
    expected.sort();
    assert_eq!(
        w.consumed(day).await,
        expected,
        "Amalia at her booking's 1,75 €, Léa at MARTIN's QF 1200 price 2,40 €, Paolo nothing"
    );

    let again = w
        .record(day, &[(w.amalia, true), (w.paolo, false), (w.lea, true)])
        .await
        .unwrap();
    assert_eq!(
        again,
        Recorded {
            present: 2,
            absent: 1,
            added: 0,
            removed: 0
        },
        "recording the same sheet again changes nothing"
    );
    assert_eq!(w.consumed(day).await, expected);

    // Corrected: Paolo came after all, Amalia did not, and Léa was never there.
    let corrected = w
        .record(day, &[(w.amalia, false), (w.paolo, true)])
        .await
        .unwrap();
    assert_eq!(
        corrected,
        Recorded {
            present: 1,
            absent: 1,
            added: 1,
            removed: 2
        }
    );
    assert_eq!(w.consumed(day).await, vec![(w.paolo, 180)]);
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND day = $2")
            .bind(w.aps)
            .bind(day.to_string())
            .fetch_one(w.db().reader())
            .await
            .unwrap();
    assert_eq!(rows, 2, "the walk-in left the sheet");

    let entries = audit::search(w.db(), &[w.town.id], &audit::Filter::default(), 10)
        .await
        .unwrap();
    let last = entries
        .iter()
        .find(|e| {
            e.action == "Pointage enregistré"
                && e.after.as_deref() == Some("DUPONT Amalia : absence\nDUPONT Paolo : présence")
        })
        .expect("the correction's audit entry");
    assert_eq!(last.staff, "Nadia GESTION");
    assert!(
        last.subject.starts_with("APS MATIN — dimanche"),
        "{}",
        last.subject
    );
    assert_eq!(
        last.before.as_deref(),
        Some(
            "DUPONT Amalia : présence\nDUPONT Paolo : absence\nMARTIN Léa : présence sans réservation"
        )
    );
}

#[tokio::test]
async fn where_the_activity_bills_absences_an_absent_child_pays_its_booking_unless_excused() {
    let w = world_of(NewActivity::new("APS MATIN").bills_absences()).await;
    let day = sunday(w.today, 0);
    w.book(w.amalia, day, 175, "acceptee").await;
    w.book(w.paolo, day, 180, "acceptee").await;
    use Presence::{Absent, Excused, Present};

    let first = w
        .record_presence(
            day,
            &[(w.amalia, Absent), (w.paolo, Excused), (w.lea, Present)],
        )
        .await
        .unwrap();
    assert_eq!(
        first,
        Recorded {
            present: 1,
            absent: 2,
            added: 2,
            removed: 0
        }
    );
    let mut expected = vec![(w.amalia, 175), (w.lea, 240)];
    expected.sort();
    assert_eq!(
        w.consumed(day).await,
        expected,
        "Amalia absent without excuse pays her booking's 1,75 €, the excused Paolo nothing"
    );
    billing::run(w.db(), w.today).await.unwrap();
    assert_eq!(
        w.consumed(day).await,
        expected,
        "nor does the night bill him"
    );

    // The certificate comes for Amalia, and Léa, who came without a booking, is corrected
    // to absent: neither is billed any more.
    let corrected = w
        .record_presence(
            day,
            &[(w.amalia, Excused), (w.paolo, Excused), (w.lea, Absent)],
        )
        .await
        .unwrap();
    assert_eq!(corrected.removed, 2);
    assert_eq!(w.consumed(day).await, Vec::new());
    let list = attendance::sheet(w.db(), w.aps, day).await.unwrap().0;
    let amalia = list
        .booked
        .iter()
        .find(|c| c.child_id == w.amalia)
        .expect("Amalia is on the sheet");
    assert_eq!(amalia.presence, Some(Excused), "the excuse is kept");

    let entries = audit::search(w.db(), &[w.town.id], &audit::Filter::default(), 10)
        .await
        .unwrap();
    assert!(
        entries.iter().any(|e| e.after.as_deref()
            == Some("DUPONT Amalia : absence excusée\nDUPONT Paolo : absence excusée\nMARTIN Léa : absence")),
        "{entries:?}"
    );
}

#[tokio::test]
async fn the_nightly_billing_follows_the_pointage_and_bills_days_without_one_as_before() {
    let w = world().await;
    let (pointed, not_pointed) = (sunday(w.today, 0), sunday(w.today, 1));
    for day in [pointed, not_pointed] {
        w.book(w.amalia, day, 180, "acceptee").await;
        w.book(w.paolo, day, 180, "acceptee").await;
    }
    w.record(pointed, &[(w.amalia, true), (w.paolo, false)])
        .await
        .unwrap();

    billing::run(w.db(), w.today).await.unwrap();
    assert_eq!(
        w.consumed(pointed).await,
        vec![(w.amalia, 180)],
        "the absent Paolo is not billed by the night either"
    );
    assert_eq!(
        w.consumed(not_pointed).await,
        vec![(w.amalia, 180), (w.paolo, 180)],
        "no pointage: every accepted day is billed"
    );
    billing::run(w.db(), w.today).await.unwrap();
    assert_eq!(w.consumed(pointed).await, vec![(w.amalia, 180)]);
}

#[tokio::test]
async fn an_invoiced_consommation_is_never_removed() {
    let w = world().await;
    // A Sunday of last month, billed by the night then invoiced (Périscolaire is invoiced).
    let day = sunday(w.today.first_of_month(), 0);
    w.book(w.amalia, day, 180, "acceptee").await;
    billing::run(w.db(), w.today).await.unwrap();
    // Issued as the Facturation page does, with the day's month finished.
    let issued = billing::issue(w.db(), w.staff, w.town.id, day, &[], w.now)
        .await
        .unwrap()
        .expect("last month is finished");
    assert_eq!(issued.invoices, 1);
    let number: String = sqlx::query_scalar("SELECT number FROM invoices WHERE family_id = $1")
        .bind(w.dupont.id)
        .fetch_one(w.db().reader())
        .await
        .unwrap();

    let refused = w.record(day, &[(w.amalia, false)]).await.unwrap_err();
    assert_eq!(
        refused,
        PointageRefusal::Invoiced {
            child: "DUPONT Amalia".into(),
            invoice: number.clone()
        }
    );
    assert!(
        refused
            .message(day)
            .contains(&format!("figure déjà sur la facture {number}")),
        "{}",
        refused.message(day)
    );
    assert_eq!(w.consumed(day).await, vec![(w.amalia, 180)]);
    let sheet: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance")
        .fetch_one(w.db().reader())
        .await
        .unwrap();
    assert_eq!(sheet, 0, "nothing of the refused sheet is kept");

    assert_eq!(
        w.record(day, &[(w.amalia, true)]).await.unwrap(),
        Recorded {
            present: 1,
            absent: 0,
            added: 0,
            removed: 0
        },
        "present: the invoiced line stays"
    );
}

#[tokio::test]
async fn future_days_unmarked_children_and_strangers_are_refused() {
    let w = world().await;
    let day = sunday(w.today, 0);
    w.book(w.amalia, day, 180, "acceptee").await;
    assert_eq!(
        w.record(w.today + 1.day(), &[]).await,
        Err(PointageRefusal::Future)
    );
    assert_eq!(
        w.record(day, &[(w.paolo, true)]).await,
        Err(PointageRefusal::Unmarked("DUPONT Amalia".into()))
    );
    assert_eq!(
        w.record(day, &[(w.amalia, true), (w.emma, true)]).await,
        Err(PointageRefusal::NotRegistered),
        "BERNARD Emma is only registered to MERCREDI"
    );
    assert!(w.consumed(day).await.is_empty());
}

#[tokio::test]
async fn the_day_list_shows_booked_waiting_and_health_and_logs_each_fiche_read() {
    let w = world().await;
    let day = sunday(w.today, 0);
    w.book(w.amalia, day, 180, "acceptee").await;
    w.book(w.paolo, day, 180, "attente").await;
    w.book(w.lea, day, 240, "attente").await;
    // Amalia's fiche sanitaire, transmitted at CarteVille's campaign.
    w.town.campaign().await;
    let answers = [
        ("allergies", "Arachide : stylo d'adrénaline dans le sac"),
        ("regime_alimentaire", "Sans porc"),
        ("pai", "oui"),
        ("traitement", ""),
    ];
    w.town
        .transmit_fiche(&w.dupont, "Amalia", FicheKind::Sanitaire, &answers)
        .await;
    let activity = attendance::activities(w.db(), &[w.town.id])
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == w.aps)
        .unwrap();

    let list = attendance::day_list(w.db(), w.staff, &activity, day, w.now)
        .await
        .unwrap();
    assert_eq!(
        list.booked.iter().map(|c| c.name()).collect::<Vec<_>>(),
        ["DUPONT Amalia"]
    );
    let waiting: Vec<(String, Option<usize>)> =
        list.waiting.iter().map(|c| (c.name(), c.rank)).collect();
    let (first, second) = if w.paolo < w.lea {
        ("DUPONT Paolo", "MARTIN Léa")
    } else {
        ("MARTIN Léa", "DUPONT Paolo")
    };
    assert_eq!(
        waiting,
        [(first.to_owned(), Some(1)), (second.to_owned(), Some(2))],
        "in queue order"
    );
    let health = list.booked[0].health.as_ref().expect("Amalia's fiche");
    assert_eq!(
        (
            health.allergies.as_str(),
            health.diet.as_str(),
            health.pai,
            health.validated
        ),
        (
            "Arachide : stylo d'adrénaline dans le sac",
            "Sans porc",
            true,
            false
        )
    );
    assert!(list.waiting.iter().all(|c| c.health.is_none()));
    let reads: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM health_data_reads WHERE staff_id = $1")
            .bind(w.staff)
            .fetch_one(w.db().reader())
            .await
            .unwrap();
    assert_eq!(reads, 1, "one reading per fiche shown");
}
