use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    AnyPool, Connection, Executor,
    any::{AnyPoolOptions, install_default_drivers},
    sqlite::SqliteConnectOptions,
};

use crate::{
    StoreError, catalog, migrate,
    writes::{Batch, BoxFuture, Queue, WriteTx},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by the whole application.
///
/// SQLite allows one writer at a time: writes go through a pool of one connection so
/// that they queue inside the process instead of failing with `SQLITE_BUSY`, while reads
/// use their own pool. On PostgreSQL both are the same ordinary pool.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
    /// SQLite only: the thread that runs the jobs given to `write`.
    write_jobs: Option<Queue>,
    catalog: Arc<catalog::Cache>,
}

/// How long a PostgreSQL connection may sit unused before it is pinged at its next use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl Db {
    /// Opens (creating the SQLite file if needed) the database at `url` and brings its
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        install_default_drivers();
        let db = if url.starts_with("sqlite:") {
            // Parsed only to fail early on a malformed path; the Any driver re-parses it.
            SqliteConnectOptions::from_str(url)?;
            let url = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            let writer = sqlite_pool(&url, 1).await?;
            // A page holds its reader between its queries while the request threads render
            // and compress: with one reader per core the readers sat idle 3/4 of the time
            // and the server stopped at 1.3 of 2 cores (rush bench). Four per core keep
            // the cores busy; the writer still has its own connection.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let reader =
                sqlite_pool(&url, u32::try_from((cores * 4).clamp(4, 16)).unwrap_or(16)).await?;
            let write_jobs = Some(Queue::start(writer.clone())?);
            Db {
                backend: Backend::Sqlite,
                writer,
                reader,
                write_jobs,
                catalog: Arc::default(),
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                // sqlx pings a connection before every use by default: a second round
                // trip for each statement of a page. A connection in steady use answers
                // its own queries; one that sat idle (a server restart, a proxy's idle
                // cut) is checked before it is given out, and replaced if it is gone.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_AFTER_IDLE {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .connect(url)
                .await?;
            Db {
                backend: Backend::Postgres,
                writer: pool.clone(),
                reader: pool,
                write_jobs: None,
                catalog: Arc::default(),
            }
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        migrate::run(&db).await?;
        if db.backend == Backend::Postgres {
            tokio::spawn(crate::places::keep_folding(db.clone()));
        }
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for statements that change data (and the reads they depend on).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// The activities as last read by this process (see `catalog`).
    pub(crate) fn catalog(&self) -> &catalog::Cache {
        &self.catalog
    }

    /// The pool for read-only queries.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// Starts a write transaction. On SQLite it begins IMMEDIATE, taking the write lock
    /// at once, so that a transaction that reads then writes cannot deadlock another.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(tx)
    }

    /// Runs `work` (writes, with the reads they depend on) in a write transaction and
    /// commits it: on SQLite, on the write thread, with other jobs queued meanwhile (see
    /// `writes`); on PostgreSQL, whose writers do not queue behind one another, here.
    /// `work` may run twice on SQLite, so it must start from its inputs each time.
    pub async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'t> Fn(&'t mut WriteTx) -> BoxFuture<'t, Result<T, StoreError>> + Send + 'static,
    {
        if let Some(queue) = &self.write_jobs {
            return queue.write(work).await;
        }
        let mut tx = self.begin().await?;
        let value = work(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Writes `item` in a write transaction and commits it: on SQLite, on the write
    /// thread, together with the items of its kind queued meanwhile (see `writes`); on
    /// PostgreSQL, here, alone.
    pub(crate) async fn write_batched<B: Batch>(&self, item: B) -> Result<B::Output, StoreError> {
        if let Some(queue) = &self.write_jobs {
            return queue.write_batched(item).await;
        }
        let mut tx = self.begin().await?;
        let output = B::write_all(&mut tx, std::slice::from_ref(&item))
            .await?
            .pop();
        tx.commit().await?;
        output.ok_or_else(|| StoreError::Writer("a batch gave no output".into()))
    }

    /// Whether the database answers; used by `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.reader.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

async fn sqlite_pool(url: &str, size: u32) -> Result<AnyPool, StoreError> {
    let pool = AnyPoolOptions::new()
        .max_connections(size)
        .min_connections(1)
        // A connection to the embedded file cannot drop like a network one; the ping
        // before each use would cost a round trip to the connection's thread per query.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) })
        })
        .connect(url)
        .await?;
    Ok(pool)
}
