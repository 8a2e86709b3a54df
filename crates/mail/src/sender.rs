use std::time::Duration;

use jiff::SignedDuration;
use ribambelle_domain::clock::Clock;
use ribambelle_store::{
    Db, StoreError,
    outbox::{self, QueuedMail},
};
use tokio::sync::watch;

use crate::{MailError, Transport};

/// Delivers the outbox. Several instances may run a sender each: a mail is claimed with a
/// lease before it is sent, so two senders never deliver it at the same time.
#[derive(Clone)]
pub struct Sender {
    db: Db,
    transport: Transport,
    clock: Clock,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
}

/// Long enough for a slow SMTP server to accept a batch; a sender that dies releases its
/// mails after this delay.
const LEASE: SignedDuration = SignedDuration::from_mins(5);
const BATCH: i64 = 50;
/// Mails handed to the transport at once. Each SMTP exchange spends most of its time
/// waiting on the network (some 45 ms on loopback, whatever the mail's size), so ten
/// connections of the transport's pool deliver about ten times as many.
const IN_FLIGHT: usize = 10;

impl Sender {
    pub fn new(db: Db, transport: Transport, clock: Clock) -> Sender {
        Sender {
            db,
            transport,
            clock,
        }
    }

    /// Sends every mail due now, batch after batch, and says how it went. Each mail is
    /// marked sent as soon as the transport took it, so that a sender killed midway sends
    /// again only the mails it had not finished.
    pub async fn send_due(&self) -> Result<SendReport, StoreError> {
        let mut report = SendReport::default();
        loop {
            let batch = outbox::claim_due(&self.db, self.clock.now(), LEASE, BATCH).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            let mut deliveries = tokio::task::JoinSet::new();
            let mut waiting = batch.into_iter();
            loop {
                while deliveries.len() < IN_FLIGHT {
                    let Some(mail) = waiting.next() else { break };
                    let transport = self.transport.clone();
                    deliveries.spawn(async move {
                        let result = transport.deliver(&mail).await;
                        (mail, result)
                    });
                }
                match deliveries.join_next().await {
                    Some(Ok((mail, result))) => self.record(&mail, result, &mut report).await?,
                    // A delivery task cannot panic short of a bug; its mail stays claimed
                    // and is sent again when its lease ends.
                    Some(Err(error)) => tracing::error!(%error, "mail delivery task failed"),
                    None => break,
                }
            }
        }
    }

    async fn record(
        &self,
        mail: &QueuedMail,
        result: Result<(), MailError>,
        report: &mut SendReport,
    ) -> Result<(), StoreError> {
        match result {
            Ok(()) => {
                outbox::mark_sent(&self.db, mail.id, self.clock.now()).await?;
                report.sent += 1;
            }
            Err(error) => {
                tracing::warn!(mail = mail.id, attempt = mail.attempts + 1, %error, "mail not delivered");
                outbox::mark_failed(&self.db, mail, &error.to_string(), self.clock.now()).await?;
                report.failed += 1;
            }
        }
        Ok(())
    }

    /// Polls the outbox every `interval` until `shutdown` turns true.
    pub async fn run(self, interval: Duration, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(transport = %self.transport.describe(), "mail sender started");
        loop {
            match self.send_due().await {
                Ok(r) if r.sent + r.failed > 0 => {
                    tracing::info!(sent = r.sent, failed = r.failed, "outbox delivered")
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "outbox unavailable"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::info!("mail sender stopped");
    }
}
