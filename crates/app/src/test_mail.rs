use std::time::Duration;

use ribambelle_mail::{Sender, Transport};
use ribambelle_store::outbox::{self, NewMail};

use crate::{config::SendTestMailArgs, setup};

/// `ribambelle send-test-mail --to ADDRESS`: checks the mail settings end to end, through
/// the outbox like any other mail.
pub async fn run(args: SendTestMailArgs) -> Result<(), setup::AppError> {
    let (db, _) = setup::open(&args.common).await?;
    let clock = setup::clock(&args.common, &db, false).await?;
    let transport = Transport::new(&args.common.mail.mail_from, &args.common.transport())?;
    let mail = NewMail {
        recipients: vec![args.to.clone()],
        subject: "Ribambelle : mail de test".to_owned(),
        body_text:
            "Bonjour,\n\nCe mail de test confirme que le Portail Famille peut envoyer des mails.\n"
                .to_owned(),
        body_html: None,
    };
    outbox::enqueue_alone(&db, &mail, clock.now()).await?;
    let report = tokio::time::timeout(
        Duration::from_secs(60),
        Sender::new(db.clone(), transport, clock).send_due(),
    )
    .await
    .unwrap_or(Ok(Default::default()))?;
    db.close().await;
    if report.sent > 0 {
        println!("Mail de test envoyé à {}.", args.to);
        Ok(())
    } else {
        Err(setup::AppError::TestMailNotSent)
    }
}
