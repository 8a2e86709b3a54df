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
//!
//! Writes of one kind that implement `Batch`, such as confirmations, go further: those of
//! a group are merged into one job, which writes them all with the statements of one.

use std::{any::Any as AnyType, future::Future, pin::Pin};

use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::StoreError;

pub type WriteTx = Transaction<'static, Any>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// At most this many jobs share a transaction, so that none waits long for the others.
const GROUP: usize = 64;

/// Writes of one kind that can be written several at once, each with its own output.
pub(crate) trait Batch: Send + Sized + 'static {
    type Output: Send + 'static;
    /// Whether `self`, written with `earlier` in one go, would come out as if written
    /// after them.
    fn joins(&self, earlier: &[Self]) -> bool;
    /// Writes `items` (never empty) in `tx`; their outputs, in their order.
    fn write_all<'t>(
        tx: &'t mut WriteTx,
        items: &'t [Self],
    ) -> BoxFuture<'t, Result<Vec<Self::Output>, StoreError>>;
}

/// A job and the callers waiting for its answer.
trait Job: Send {
    /// Runs the job in `tx`, keeping its result; false if it failed.
    fn run<'t>(&'t mut self, tx: &'t mut WriteTx) -> BoxFuture<'t, bool>;
    /// Answers the callers: the job's result once `outcome` (its transaction) succeeded,
    /// else the job's own error, or the transaction's.
    fn answer(self: Box<Self>, outcome: Result<(), StoreError>);
    /// Takes over `other`'s work and callers if both are batches of one kind that join;
    /// `other` is then left empty.
    fn absorb(&mut self, _other: &mut dyn Job) -> bool {
        false
    }
    /// The job as one job per caller, to run alone after a failed transaction.
    fn split(self: Box<Self>) -> Vec<Box<dyn Job>>;
    fn as_any_mut(&mut self) -> &mut dyn AnyType;
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

    fn split(self: Box<Self>) -> Vec<Box<dyn Job>> {
        vec![self]
    }

    fn as_any_mut(&mut self) -> &mut dyn AnyType {
        self
    }
}

/// Batch items written together, and their callers in the same order.
struct Merged<B: Batch> {
    items: Vec<B>,
    callers: Vec<oneshot::Sender<Result<B::Output, StoreError>>>,
    outputs: Option<Result<Vec<B::Output>, StoreError>>,
}

impl<B: Batch> Job for Merged<B> {
    fn run<'t>(&'t mut self, tx: &'t mut WriteTx) -> BoxFuture<'t, bool> {
        Box::pin(async move {
            let outputs = match B::write_all(tx, &self.items).await {
                Ok(outputs) if outputs.len() != self.items.len() => Err(StoreError::Writer(
                    "a batch's outputs do not match its items".into(),
                )),
                outputs => outputs,
            };
            let ok = outputs.is_ok();
            self.outputs = Some(outputs);
            ok
        })
    }

    fn answer(self: Box<Self>, outcome: Result<(), StoreError>) {
        match (outcome, self.outputs) {
            (Ok(()), Some(Ok(outputs))) => {
                for (caller, output) in self.callers.into_iter().zip(outputs) {
                    let _ = caller.send(Ok(output));
                }
            }
            (_, Some(Err(e))) | (Err(e), _) => {
                // Only a batch of one gets here after its group failed (see `serve`).
                let message = e.to_string();
                let mut callers = self.callers.into_iter();
                if let Some(first) = callers.next() {
                    let _ = first.send(Err(e));
                }
                for caller in callers {
                    let _ = caller.send(Err(StoreError::Writer(message.clone())));
                }
            }
            (Ok(()), None) => {
                for caller in self.callers {
                    let _ = caller.send(Err(StoreError::Writer("a job was not run".into())));
                }
            }
        }
    }

    fn absorb(&mut self, other: &mut dyn Job) -> bool {
        let Some(other) = other.as_any_mut().downcast_mut::<Merged<B>>() else {
            return false;
        };
        if !other.items.iter().all(|item| item.joins(&self.items)) {
            return false;
        }
        self.items.append(&mut other.items);
        self.callers.append(&mut other.callers);
        true
    }

    fn split(self: Box<Self>) -> Vec<Box<dyn Job>> {
        self.items
            .into_iter()
            .zip(self.callers)
            .map(|(item, caller)| {
                Box::new(Merged {
                    items: vec![item],
                    callers: vec![caller],
                    outputs: None,
                }) as Box<dyn Job>
            })
            .collect()
    }

    fn as_any_mut(&mut self) -> &mut dyn AnyType {
        self
    }
}

/// The way to the write thread.
#[derive(Clone, Debug)]
pub(crate) struct Queue(mpsc::UnboundedSender<Box<dyn Job>>);

impl Queue {
    /// Starts the thread, which writes through `pool` (SQLite's one writer connection)
    /// and ends when every `Queue` is gone.
    pub(crate) fn start(pool: AnyPool) -> Result<Queue, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Writer(e.to_string()))?;
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
        self.send(Box::new(Pending {
            work,
            result: None,
            caller,
        }))?;
        answer
            .await
            .map_err(|_| StoreError::Writer("a write job was dropped".into()))?
    }

    /// Writes `item` on the thread, with the other items of its kind queued meanwhile that
    /// it joins; its output once committed.
    pub(crate) async fn write_batched<B: Batch>(&self, item: B) -> Result<B::Output, StoreError> {
        let (caller, answer) = oneshot::channel();
        self.send(Box::new(Merged {
            items: vec![item],
            callers: vec![caller],
            outputs: None,
        }))?;
        answer
            .await
            .map_err(|_| StoreError::Writer("a write job was dropped".into()))?
    }

    fn send(&self, job: Box<dyn Job>) -> Result<(), StoreError> {
        self.0
            .send(job)
            .map_err(|_| StoreError::Writer("the write thread has stopped".into()))
    }
}

async fn serve(pool: AnyPool, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(GROUP);
    while let Some(first) = jobs.recv().await {
        group.push(first);
        let mut taken = 1;
        while taken < GROUP
            && let Ok(mut next) = jobs.try_recv()
        {
            taken += 1;
            if !group.iter_mut().any(|job| job.absorb(next.as_mut())) {
                group.push(next);
            }
        }
        let outcome = run_together(&pool, &mut group).await;
        if outcome.is_err() && taken > 1 {
            // One job failed, or the group could not be committed: each runs again alone,
            // so that only a failing job fails.
            for mut job in group.drain(..).flat_map(|job| job.split()) {
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

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex},
        time::Duration,
    };

    use super::*;
    use crate::{Backend, Db, bulk::Statement};

    /// An `app_state` row to insert; the batches seen are noted in `sizes`.
    struct Row {
        family: i64,
        key: String,
        sizes: Arc<Mutex<Vec<usize>>>,
    }

    impl Batch for Row {
        type Output = String;

        fn joins(&self, earlier: &[Self]) -> bool {
            earlier.iter().all(|r| r.family != self.family)
        }

        fn write_all<'t>(
            tx: &'t mut WriteTx,
            items: &'t [Self],
        ) -> BoxFuture<'t, Result<Vec<String>, StoreError>> {
            Box::pin(async move {
                items.iter().for_each(|r| {
                    r.sizes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(items.len())
                });
                let mut insert = Statement::new(
                    Backend::Sqlite,
                    "INSERT INTO app_state (key, value) VALUES ",
                );
                insert.rows(
                    items.iter().map(|r| -> [crate::bulk::Val; 2] {
                        [r.key.as_str().into(), "ecrit".into()]
                    }),
                );
                insert.execute(&mut **tx).await?;
                Ok(items.iter().map(|r| format!("{} écrit", r.key)).collect())
            })
        }
    }

    #[tokio::test]
    async fn batches_queued_together_are_merged_and_a_failing_one_fails_alone()
    -> Result<(), StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Writer(e.to_string()))?;
        let db = Db::connect(&format!("sqlite:{}", dir.path().join("t.sqlite").display())).await?;
        // Taken already: the batch holding this key fails, then each of its rows is
        // written alone and only this one fails.
        sqlx::query("INSERT INTO app_state (key, value) VALUES ('rang-13', 'avant')")
            .execute(db.writer())
            .await?;
        let sizes = Arc::new(Mutex::new(Vec::new()));
        // A first job holds the thread while the rows queue behind it.
        let stall = {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(|_tx| {
                    Box::pin(async {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok(())
                    })
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut rows = Vec::new();
        for n in 0..40i64 {
            let (db, sizes) = (db.clone(), sizes.clone());
            // Two rows per family: the second of each waits for a later batch.
            rows.push(tokio::spawn(async move {
                db.write_batched(Row {
                    family: n / 2,
                    key: format!("rang-{n}"),
                    sizes,
                })
                .await
            }));
        }
        stall
            .await
            .map_err(|e| StoreError::Writer(e.to_string()))??;
        for (n, row) in rows.into_iter().enumerate() {
            match row.await.map_err(|e| StoreError::Writer(e.to_string()))? {
                Ok(answer) => assert_eq!(answer, format!("rang-{n} écrit")),
                Err(e) => assert!(n == 13 && e.to_string().contains("UNIQUE"), "row {n}: {e}"),
            }
        }
        let written: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM app_state WHERE key LIKE 'rang-%' AND value = 'ecrit'",
        )
        .fetch_one(db.reader())
        .await?;
        assert_eq!(written, 39);
        let sizes = sizes.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // Twenty families, two rows each: batches of twenty at most, merged at first.
        assert!(sizes.iter().all(|&n| n <= 20), "{sizes:?}");
        assert!(sizes.iter().any(|&n| n > 1), "{sizes:?}");
        db.close().await;
        Ok(())
    }
}
