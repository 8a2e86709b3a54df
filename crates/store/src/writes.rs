//! The busiest writes on SQLite — the draft of each click and each « Confirmer » — run on
//! a thread of their own, several to a transaction.
//!
//! Every statement is a round trip to the connection's thread, and SQLite's single writer
//! stays taken until the task that owns the transaction is polled again. On the server's
//! runtime, with hundreds of requests waiting for their turn, each of those polls waited
//! behind them: at the opening rush the writer was held about twice as long as its
//! statements took, and « Confirmer » queued for it. Here nothing else runs, so a job goes
//! on as soon as each answer arrives; and the jobs that queued meanwhile share one
//! transaction, which saves each its own BEGIN and COMMIT. A job's caller hears of it only
//! once that transaction is committed.

use std::{future::Future, pin::Pin};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::StoreError;

pub type WriteTx = Transaction<'static, Any>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// At most this many jobs share a transaction, so that none waits long for the others.
const GROUP: usize = 64;

/// A job and the caller waiting for its answer.
trait Job: Send {
    /// Runs the job in `tx`, keeping its result; false if it failed.
    fn run<'t>(&'t mut self, tx: &'t mut WriteTx) -> BoxFuture<'t, bool>;
    /// Answers the caller: the job's result once `outcome` (its transaction) succeeded,
    /// else the job's own error, or the transaction's.
    fn answer(self: Box<Self>, outcome: Result<(), StoreError>);
}

struct Pending<T, F> {
    work: F,
    result: Option<Result<T, StoreError>>,
    caller: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: for<'t> Fn(&'t mut WriteTx) -> BoxFuture<'t, Result<T, StoreError>> + Send + 'static,
{
    fn run<'t>(&'t mut self, tx: &'t mut WriteTx) -> BoxFuture<'t, bool> {
        Box::pin(async move {
            let result = (self.work)(tx).await;
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn answer(self: Box<Self>, outcome: Result<(), StoreError>) {
        let answer = match (outcome, self.result) {
            (_, Some(Err(e))) | (Err(e), _) => Err(e),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Ok(()), None) => Err(StoreError::Writer("a job was not run".into())),
        };
        // The caller may have given up (its request cancelled): nobody to tell.
        let _ = self.caller.send(answer);
    }
}

/// The way to the write thread.
#[derive(Clone, Debug)]
pub(crate) struct Queue(mpsc::UnboundedSender<Box<dyn Job>>);

impl Queue {
    /// Starts the thread, which writes through `pool` (SQLite's one writer connection)
    /// and ends when every `Queue` is gone.
    pub(crate) fn start(pool: AnyPool) -> Result<Queue, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| StoreError::Writer(e.to_string()))?;
        let (sender, jobs) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("sqlite-writes".into())
            .spawn(move || runtime.block_on(serve(pool, jobs)))
            .map_err(|e| StoreError::Writer(e.to_string()))?;
        Ok(Queue(sender))
    }

    /// Runs `work` in a write transaction on the thread; returns its result once committed.
    /// `work` may run twice: when another job of its group fails, the group is rolled back
    /// and each of its jobs runs again alone.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'t> Fn(&'t mut WriteTx) -> BoxFuture<'t, Result<T, StoreError>> + Send + 'static,
    {
        let (caller, answer) = oneshot::channel();
        self.0.send(Box::new(Pending { work, result: None, caller })).map_err(|_| StoreError::Writer("the write thread has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Writer("a write job was dropped".into()))?
    }
}

async fn serve(pool: AnyPool, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(GROUP);
    while let Some(first) = jobs.recv().await {
        group.push(first);
        while group.len() < GROUP
            && let Ok(next) = jobs.try_recv()
        {
            group.push(next);
        }
        let outcome = run_together(&pool, &mut group).await;
        if outcome.is_err() && group.len() > 1 {
            // One job failed, or the group could not be committed: each runs again alone,
            // so that only a failing job fails.
            for mut job in group.drain(..) {
                let alone = run_together(&pool, std::slice::from_mut(&mut job)).await;
                job.answer(alone);
            }
        } else {
            let mut outcome = Some(outcome);
            for job in group.drain(..) {
                // Several jobs only get here with an Ok, which each may have.
                job.answer(outcome.take().unwrap_or(Ok(())));
            }
        }
    }
}

/// The jobs one after the other in one transaction, committed if they all succeeded.
async fn run_together(pool: &AnyPool, jobs: &mut [Box<dyn Job>]) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for job in jobs.iter_mut() {
        if !job.run(&mut tx).await {
            tx.rollback().await?;
            return Err(StoreError::Writer("a job of the transaction failed".into()));
        }
    }
    tx.commit().await?;
    Ok(())
}
