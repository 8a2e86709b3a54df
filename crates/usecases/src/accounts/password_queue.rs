//! The queue in front of Argon2id. A verification holds 19 MiB and a core for tens of
//! milliseconds: at the opening of summer bookings thousands of families log in within a
//! minute, and without a bound the hashes alone would exhaust the memory. At most
//! `at_once` hashes run; a bounded number of logins wait for their turn for a short while;
//! the others are told to wait (the waiting page) without any hash being computed.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use ribambelle_domain::password::PasswordHashing;
use tokio::sync::Semaphore;

/// How many password hashes may run and wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordQueueLimits {
    /// Hashes computed at the same time. Each holds the Argon2id memory cost (19 MiB).
    pub at_once: usize,
    /// Logins allowed to wait for a place; past that, the waiting page at once.
    pub waiting: usize,
    /// How long a login waits for a place before it gets the waiting page.
    pub wait: Duration,
}

impl Default for PasswordQueueLimits {
    /// One hash per core: hashing then never runs more threads than there are cores, and
    /// the pages of families already signed in share them with it through the system's
    /// scheduler. 64 logins waiting per hash is about a second and a half of work at the
    /// OWASP parameters: a login waits at most 2 s before the waiting page.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordQueueLimits {
            at_once: cores,
            waiting: 64 * cores,
            wait: Duration::from_secs(2),
        }
    }
}

/// The queue is full, or the wait was too long: no hash was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

#[derive(Debug)]
pub struct PasswordQueue {
    hashing: PasswordHashing,
    limits: PasswordQueueLimits,
    places: Arc<Semaphore>,
    waiting: AtomicUsize,
    counters: Arc<Counters>,
}

/// What the queue has done so far, for the tests and the logs.
#[derive(Debug, Default)]
struct Counters {
    running: AtomicUsize,
    most_running: AtomicUsize,
    computed: AtomicU64,
    turned_away: AtomicU64,
}

/// A snapshot of the queue's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordQueueFigures {
    /// The most hashes that ran at the same time.
    pub most_running: usize,
    /// Hashes computed (verifications and new hashes).
    pub computed: u64,
    /// Logins sent to the waiting page without a hash.
    pub turned_away: u64,
}

impl PasswordQueue {
    pub fn new(hashing: PasswordHashing, limits: PasswordQueueLimits) -> PasswordQueue {
        let limits = PasswordQueueLimits {
            at_once: limits.at_once.max(1),
            ..limits
        };
        PasswordQueue {
            hashing,
            places: Arc::new(Semaphore::new(limits.at_once)),
            limits,
            waiting: AtomicUsize::new(0),
            counters: Arc::default(),
        }
    }

    pub fn figures(&self) -> PasswordQueueFigures {
        PasswordQueueFigures {
            most_running: self.counters.most_running.load(Ordering::Relaxed),
            computed: self.counters.computed.load(Ordering::Relaxed),
            turned_away: self.counters.turned_away.load(Ordering::Relaxed),
        }
    }

    /// Runs `work` with the hashing on the blocking pool once a place is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&PasswordHashing) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        self.turn().await?.run(work).await
    }

    /// Waits for a place (or `Busy`): a login takes its turn before its attempt is counted,
    /// so that a family turned away by a full queue is not counted as a wrong password.
    pub async fn turn(&self) -> Result<Turn, Busy> {
        let permit = match self.places.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => self.wait_for_place().await?,
        };
        Ok(Turn {
            permit: Some(permit),
            hashing: self.hashing.clone(),
            counters: self.counters.clone(),
        })
    }

    async fn wait_for_place(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Busy> {
        let in_line = self.waiting.fetch_add(1, Ordering::AcqRel);
        let place = if in_line >= self.limits.waiting {
            None
        } else {
            tokio::time::timeout(self.limits.wait, self.places.clone().acquire_owned())
                .await
                .ok()
                .and_then(Result::ok)
        };
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        place.ok_or_else(|| {
            self.counters.turned_away.fetch_add(1, Ordering::Relaxed);
            Busy
        })
    }
}

/// A place among the hashes running at once, held until it is dropped: a login keeps it
/// until its outcome is recorded, so that the attempts counted and not yet settled on a
/// key are never more than the places.
#[derive(Debug)]
pub struct Turn {
    /// Lent to the hash while it runs: a hash whose caller went away keeps its place.
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    hashing: PasswordHashing,
    counters: Arc<Counters>,
}

impl Turn {
    /// Runs `work` with the hashing on the blocking pool, in this place.
    pub async fn run<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&PasswordHashing) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let Some(permit) = self.permit.take() else {
            return Err(Busy);
        };
        let (hashing, counters) = (self.hashing.clone(), self.counters.clone());
        let result = tokio::task::spawn_blocking(move || {
            let now_running = counters.running.fetch_add(1, Ordering::Relaxed) + 1;
            counters
                .most_running
                .fetch_max(now_running, Ordering::Relaxed);
            let result = work(&hashing);
            counters.computed.fetch_add(1, Ordering::Relaxed);
            counters.running.fetch_sub(1, Ordering::Relaxed);
            (result, permit)
        })
        .await;
        // The blocking task is never cancelled: it fails only if Argon2 panicked, and the
        // family is then asked to try again rather than told its password is wrong.
        let (result, permit) = result.map_err(|_| Busy)?;
        self.permit = Some(permit);
        Ok(result)
    }
}
