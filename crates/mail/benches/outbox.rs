//! How fast the outbox empties after a processing run: N report-sized mails (text and
//! HTML parts, two recipients each) delivered to an SMTP server on loopback, then to the
//! folder transport. Prints figures; asserts only that every mail arrived.
//!
//! `cargo bench -p ribambelle-mail --bench outbox` (env OUTBOX_MAILS, default 5 000).

use std::time::{Duration, Instant};

use ribambelle_domain::clock::Clock;
use ribambelle_mail::{Sender, SmtpSecurity, SmtpSettings, Transport, TransportSettings};
use ribambelle_store::outbox::{self, NewMail};
use ribambelle_testkit::{SmtpSink, TestDb};

fn report(i: usize) -> NewMail {
    let days = "lun. 15/05, mar. 16/05, mer. 17/05, jeu. 18/05, ven. 19/05";
    NewMail {
        recipients: vec![format!("famille{i:06}@example.fr"), format!("parent{i:06}@example.fr")],
        subject: "Mairie de CarteVille : compte rendu de vos réservations".to_owned(),
        body_text: format!("M. FAMILLE{i:06} Jean\n\nVeuillez trouver ci-dessous un compte rendu…\n--> Activité : APS MATIN :\n         FAMILLE Léa : {days}\n").repeat(3),
        body_html: Some(format!("<!DOCTYPE html><html lang=\"fr\"><body><p>M. FAMILLE{i:06} Jean</p><ul><li>FAMILLE Léa : {days}</li></ul></body></html>").repeat(3)),
    }
}

async fn queue(t: &TestDb, count: usize) {
    let mut tx = t.db.begin().await.unwrap();
    for i in 0..count {
        outbox::enqueue(&mut tx, &report(i), Clock::system().now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn drain(t: &TestDb, transport: Transport, count: usize) -> Duration {
    queue(t, count).await;
    let started = Instant::now();
    let sent = Sender::new(t.db.clone(), transport, Clock::system())
        .send_due()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!((sent.sent, sent.failed), (count, 0));
    took
}

fn line(what: &str, count: usize, took: Duration) {
    println!(
        "{what:<32} {count} mails in {:>6.2} s = {:>6.0} mails/s",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("OUTBOX_MAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let t = TestDb::new().await;

    let sink = SmtpSink::start();
    let smtp = TransportSettings::Smtp(SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
    });
    let took = drain(
        &t,
        Transport::new("portail@carteville.example", &smtp).unwrap(),
        count,
    )
    .await;
    assert_eq!(
        sink.wait_for(count, Duration::from_secs(30)).len(),
        count,
        "every mail reached the SMTP server"
    );
    line("SMTP on loopback", count, took);

    let folder = tempfile::tempdir().unwrap();
    let took = drain(
        &t,
        Transport::new(
            "portail@carteville.example",
            &TransportSettings::Folder(folder.path().into()),
        )
        .unwrap(),
        count,
    )
    .await;
    line("folder of .eml files", count, took);
}
