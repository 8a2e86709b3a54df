//! The outbox sender against real transports: a folder of .eml files and an SMTP server
//! on loopback, including a server that is down.

use std::time::Duration;

use ribambelle_mail::{Sender, SmtpSecurity, SmtpSettings, Transport, TransportSettings};
use ribambelle_store::outbox::{self, NewMail};
use ribambelle_testkit::{SmtpSink, TestDb};

fn mail(recipients: &[&str], subject: &str) -> NewMail {
    NewMail {
        recipients: recipients.iter().map(|s| s.to_string()).collect(),
        subject: subject.to_owned(),
        body_text: "Bonjour,\n\nVotre demande a bien été reçue.\n".to_owned(),
        body_html: Some("<p>Bonjour,</p><p>Votre demande a bien été reçue.</p>".to_owned()),
    }
}

async fn queue(t: &TestDb, mails: &[NewMail]) {
    let mut tx = t.db.begin().await.unwrap();
    for m in mails {
        outbox::enqueue(&mut tx, m, ribambelle_testkit::clock().now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn smtp(port: u16) -> TransportSettings {
    TransportSettings::Smtp(SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
    })
}

#[tokio::test]
async fn folder_transport_writes_readable_eml_files() {
    let t = TestDb::new().await;
    let folder = tempfile::tempdir().unwrap();
    queue(
        &t,
        &[mail(
            &["jean-paul.dupont@example.fr"],
            "Réinitialisation de votre mot de passe",
        )],
    )
    .await;
    let transport = Transport::new(
        "Portail Famille <portail@carteville.example>",
        &TransportSettings::Folder(folder.path().into()),
    )
    .unwrap();
    let report = Sender::new(t.db.clone(), transport, ribambelle_testkit::clock())
        .send_due()
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (1, 0));

    let mut files: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // The .eml, and its HTML part beside it under the same name, to open in a browser.
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    assert_eq!(files[1], files[0].with_extension("html"));
    assert_eq!(
        std::fs::read_to_string(&files[1]).unwrap(),
        "<p>Bonjour,</p><p>Votre demande a bien été reçue.</p>"
    );
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: jean-paul.dupont@example.fr"), "{eml}");
    assert!(
        eml.contains("From: \"Portail Famille\" <portail@carteville.example>")
            || eml.contains("From: Portail Famille <portail@carteville.example>"),
        "{eml}"
    );
    assert!(
        eml.contains("Subject: =?utf-8?"),
        "a French subject is encoded: {eml}"
    );
    assert!(eml.contains("multipart/alternative"), "{eml}");
    assert_eq!(outbox::counts(&t.db).await.unwrap().sent, 1);
}

/// A family reads a mail, then acts on the portal: every mail ends with its address, in
/// the text part and as a link in the HTML one.
#[tokio::test]
async fn every_mail_ends_with_a_link_to_the_portal() {
    let t = TestDb::new().await;
    let folder = tempfile::tempdir().unwrap();
    queue(&t, &[mail(&["claire.martin@example.fr"], "Compte rendu")]).await;
    let transport = Transport::new(
        "portail@carteville.example",
        &TransportSettings::Folder(folder.path().into()),
    )
    .unwrap()
    .with_portal_link("https://famille.carteville.fr");
    Sender::new(t.db.clone(), transport, ribambelle_testkit::clock())
        .send_due()
        .await
        .unwrap();
    let mut files: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(
        std::fs::read_to_string(&files[1]).unwrap(),
        "<p>Bonjour,</p><p>Votre demande a bien été reçue.</p><p>Portail Famille : <a href=\"https://famille.carteville.fr\">https://famille.carteville.fr</a></p>\n"
    );
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        eml.contains("Portail Famille : https://famille.carteville.fr"),
        "{eml}"
    );
}

#[tokio::test]
async fn smtp_delivers_to_every_recipient_once() {
    let t = TestDb::new().await;
    let sink = SmtpSink::start();
    queue(
        &t,
        &[
            mail(
                &["claire.martin@example.fr", "paul.martin@example.fr"],
                "Compte rendu de vos réservations",
            ),
            mail(&["jean-paul.dupont@example.fr"], "Ticket de paiement"),
        ],
    )
    .await;
    let transport = Transport::new("portail@carteville.example", &smtp(sink.port)).unwrap();
    let sender = Sender::new(t.db.clone(), transport, ribambelle_testkit::clock());
    assert_eq!(sender.send_due().await.unwrap().sent, 2);
    // A second pass finds nothing left to send.
    assert_eq!(sender.send_due().await.unwrap().sent, 0);

    // Mails leave several at a time: they may arrive in any order.
    let mut received = sink.wait_for(2, Duration::from_secs(5));
    received.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].to,
        vec!["claire.martin@example.fr", "paul.martin@example.fr"]
    );
    assert_eq!(received[0].from, "portail@carteville.example");
    assert!(
        received[0].data.contains("Votre demande a bien"),
        "{}",
        received[0].data
    );
    assert_eq!(received[1].to, vec!["jean-paul.dupont@example.fr"]);
}

#[tokio::test]
async fn a_server_that_is_down_delays_the_mail_without_losing_it() {
    let t = TestDb::new().await;
    queue(
        &t,
        &[mail(&["claire.martin@example.fr"], "Ticket de paiement")],
    )
    .await;
    // A port where nothing listens: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = Sender::new(
        t.db.clone(),
        Transport::new("portail@carteville.example", &smtp(port)).unwrap(),
        ribambelle_testkit::clock(),
    );
    let report = down.send_due().await.unwrap();
    assert_eq!((report.sent, report.failed), (0, 1));
    let counts = outbox::counts(&t.db).await.unwrap();
    assert_eq!((counts.pending, counts.sent), (1, 0));
    // Not due again right away: the retry waits.
    assert_eq!(down.send_due().await.unwrap(), Default::default());
    let later = outbox::claim_due(
        &t.db,
        ribambelle_testkit::clock().now() + jiff::SignedDuration::from_mins(2),
        jiff::SignedDuration::from_mins(5),
        10,
    )
    .await
    .unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].attempts, 1);
}

#[tokio::test]
async fn a_claimed_mail_is_not_claimed_twice() {
    let t = TestDb::new().await;
    queue(
        &t,
        &[
            mail(&["a@example.fr"], "Un"),
            mail(&["b@example.fr"], "Deux"),
        ],
    )
    .await;
    let now = ribambelle_testkit::clock().now();
    let lease = jiff::SignedDuration::from_mins(5);
    let first = outbox::claim_due(&t.db, now, lease, 10).await.unwrap();
    let second = outbox::claim_due(&t.db, now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(second.is_empty());
    // Once the lease has run out, a crashed sender's mails are due again.
    let after_lease = outbox::claim_due(
        &t.db,
        now + lease + jiff::SignedDuration::from_secs(1),
        lease,
        10,
    )
    .await
    .unwrap();
    assert_eq!(after_lease.len(), 2);
}
