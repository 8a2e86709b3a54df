//! The opening of summer bookings (issues 4 and 16): thousands of families sign in within a
//! minute, then book a month of APS MATIN at the same moment.
//!
//! Browser-like throughout: every request says `Accept-Encoding: gzip` and every 303 is
//! followed. RUSH_DATABASE=postgres measures PostgreSQL as it is deployed: a throw-away
//! server (`scripts/pg-throwaway`, Debian's packages) and two `serve` instances on it, the
//! families shared between them. RUSH_BINARY measures another build of `ribambelle` with
//! the same load (to compare two versions in one session).
//!
//! For each database size (RUSH_FAMILIES, default « 1000,20000 »), in a throw-away data
//! folder: `ribambelle demo --families N` with the built binary, `ribambelle serve` as a
//! child process on a free loopback port, sessions opened directly in the database for K
//! families (RUSH_CLIENTS, default 2 500, at most N; a login would cost an Argon2id
//! verification each) and those families marked onboarded (RGPD/CGU accepted, règlement
//! signed, as a family that has used the portal before). Then:
//!
//! - the login storm (RUSH_STORM_SECONDS, default 60; 0 for none): the K families open the
//!   login page at instants drawn in that window, each from a browser of its own with an
//!   address of its own (127.x.y.1), one in ten typing a wrong password first; a family on
//!   the waiting page comes back when its Refresh says, until its home page. Printed: the
//!   logins per second against the Argon2id bound (cores ÷ one verification measured
//!   here), how long the slowest family waited to get in, the server's peak memory;
//! - the calendar page alone (step 1), first one request at a time (service time), then
//!   RUSH_CALENDAR_REQUESTS (default 5 000, 30 s at most) with the rush's concurrency: for
//!   APS MATIN before the rush, for RESTAURATION (which every synthetic child has booked
//!   for two weeks) and for APS MATIN again after the rush — whether a page's cost grows
//!   with the number of families, or with the bookings of the days it shows;
//! - the rush: the K journeys all started at once (calendar, « Tout le mois »,
//!   récapitulatif, « Confirmer », suivi; each 303 followed as a browser does, within the
//!   same step), at most
//!   RUSH_INFLIGHT (default 256) requests in flight — up to 256 keep-alive connections,
//!   like 256 browsers being answered at a time. By default with no pause between clicks
//!   (a closed loop: every answer is followed at once by the next request, the server is
//!   always saturated). With RUSH_THINK_MS=MIN-MAX (say 300-2000), each family pauses
//!   between two steps for a time drawn uniformly in that range, from a generator seeded by
//!   RUSH_SEED (default 1) and the family's rank, as people reading a page and clicking;
//!   the first step is still sent by every family at the same instant;
//! - 100 journeys one at a time on another month, for each step's cost without waiting.
//!
//! Latencies are measured from sending a request to having read its whole body, once a
//! request has its place among those in flight; the wait for a place is printed apart
//! (and is in the journey's duration). Also printed: the server's peak memory (VmHWM), the CPU time of the server
//! (per thread), of this load generator and of the whole machine (all share its cores),
//! the share of time SQLite's write lock was held (watched in /proc/locks, never taken),
//! and the database checked: as many reservation requests as the journeys confirmed, none
//! twice.
//!
//! Run with `cargo bench -p ribambelle --bench rush`. Figures are printed, not asserted.

use std::{
    collections::BTreeMap,
    fs::File,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use jiff::{Timestamp, ToSpan};
use ribambelle_domain::{
    clock::paris_date,
    ids::{FamilyId, StructureId},
    session::SessionPolicy,
};
use ribambelle_store::{
    Db,
    sessions::{self, Principal},
};
use tokio::sync::Semaphore;

const BIN: &str = env!("CARGO_BIN_EXE_ribambelle");

/// The binary measured: this build's, or another one (RUSH_BINARY), to compare two versions
/// with the same load.
fn binary() -> String {
    std::env::var("RUSH_BINARY")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| BIN.to_owned())
}
const STEPS: [&str; 5] = [
    "1. GET  /reservations (calendrier)",
    "2. POST /reservations/calendrier + 303",
    "3. GET  /reservations/recapitulatif",
    "4. POST /reservations/confirmer + 303",
    "5. GET  /reservations/suivi",
];
/// The project's goals (issue 16), printed beside the figures.
const GOALS: &str = "goals on this 2-core box, 20 000 families, browser-like: p99 < 100 ms on every step at 256 in flight, \
                     ≥ 2 000 requests/s over the journeys, server < 200 MB in every mode, logins ≥ 80 % of the Argon2id bound, \
                     every family signed in and booked, 0 errors";
/// No request may take longer than this; the bench always ends.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The sequential calendar requests, for the service time of one page.
const SEQUENTIAL_CALENDARS: usize = 300;
/// The calendar requests with the rush's concurrency stop after this long.
const CALENDAR_SECONDS: Duration = Duration::from_secs(30);
/// The journeys made one at a time after the rush, for each step's cost without waiting.
const SEQUENTIAL_JOURNEYS: usize = 100;

struct Settings {
    sizes: Vec<u32>,
    clients: u32,
    inflight: usize,
    calendar_requests: usize,
    /// The pause between two steps of a journey, in ms: none, or drawn in [min, max].
    think: Option<(u64, u64)>,
    seed: u64,
    /// The login storm: the families arrive within this many seconds (0: no storm).
    storm_seconds: u64,
    /// The admin URL of the throw-away PostgreSQL (RUSH_DATABASE=postgres), or SQLite.
    postgres: Option<String>,
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text}: not a number")),
        Err(_) => default,
    }
}

fn settings() -> Settings {
    let sizes = match std::env::var("RUSH_FAMILIES") {
        Ok(text) => text
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .unwrap_or_else(|_| panic!("RUSH_FAMILIES={text}: numbers separated by commas"))
            })
            .collect(),
        Err(_) => vec![1_000, 20_000],
    };
    Settings {
        sizes,
        clients: env_number("RUSH_CLIENTS", 2_500),
        inflight: env_number("RUSH_INFLIGHT", 256usize).max(1),
        calendar_requests: env_number("RUSH_CALENDAR_REQUESTS", 5_000usize),
        think: match std::env::var("RUSH_THINK_MS") {
            Ok(text) if !text.trim().is_empty() => {
                let range = text
                    .trim()
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
                match range {
                    Some((min, max)) if min <= max => Some((min, max)),
                    _ => panic!("RUSH_THINK_MS={text}: MIN-MAX in milliseconds, MIN <= MAX"),
                }
            }
            _ => None,
        },
        seed: env_number("RUSH_SEED", 1u64),
        storm_seconds: env_number("RUSH_STORM_SECONDS", 60u64),
        postgres: None,
    }
}

/// SplitMix64: a few lines of a good enough generator for think times, so that a seed gives
/// the same pauses on every run.
struct Pauses(u64);

impl Pauses {
    fn next(&mut self, (min, max): (u64, u64)) -> Duration {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Duration::from_millis(min + z % (max - min + 1))
    }
}

/// The load model, in words, for the printed figures.
fn model(settings: &Settings) -> String {
    match settings.think {
        None => format!(
            "at most {} requests in flight, no pause between clicks",
            settings.inflight
        ),
        Some((min, max)) => format!(
            "at most {} requests in flight, a pause of {min}–{max} ms between clicks (RUSH_SEED={})",
            settings.inflight, settings.seed
        ),
    }
}

fn main() {
    // `cargo test --benches` runs this target without `--bench`: nothing to do then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("rush: a load benchmark, run it with `cargo bench -p ribambelle --bench rush`");
        return;
    }
    let mut settings = settings();
    let postgres = match std::env::var("RUSH_DATABASE").as_deref() {
        Ok("postgres") => Some(ThrowAwayPostgres::start()),
        Ok("sqlite") | Err(_) => None,
        Ok(other) => panic!("RUSH_DATABASE={other}: sqlite or postgres"),
    };
    settings.postgres = postgres.as_ref().map(|pg| pg.url.clone());
    println!(
        "Rush benchmark: sizes {:?} families, up to {} clients, {}, {} cores",
        settings.sizes,
        settings.clients,
        model(&settings),
        cores()
    );
    // The load generator on one thread, so that it takes at most one core from the server.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut results = Vec::new();
    for &families in &settings.sizes {
        results.push(runtime.block_on(run_size(&settings, families)));
    }
    print_summary(&settings, &results);
}

// ---------------------------------------------------------------------------------------
// The server process

/// `ribambelle serve` on a free loopback port, stopped with SIGTERM (killed if it must).
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data_dir: &Path, database: &Database, instance: usize) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let log = File::create(data_dir.join(format!("server-{instance}.log"))).unwrap();
        let mut command = Command::new(binary());
        database.configure(&mut command);
        let child = command
            .env("RUST_LOG", "warn")
            .args(["serve", "--listen", &listen, "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start ribambelle serve");
        Server {
            child,
            base: format!("http://{listen}"),
        }
    }

    async fn wait_healthy(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server at {} never became healthy", self.base);
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM with the `kill` command, then up to 20 s for a graceful stop.
    fn stop(&mut self) -> String {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        let started = Instant::now();
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return format!("stopped by SIGTERM in {:.1?} ({status})", started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        format!("did not stop within 20 s of SIGTERM ({sent:?}): killed")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The text without its terminal colour sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// (peak resident set, current resident set) in KiB, from /proc/<pid>/status.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// User + system CPU time of a process so far.
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let total = ticks(11) + ticks(12); // utime, stime
    Duration::from_secs_f64(total as f64 / clock_ticks() as f64)
}

fn servers_cpu(pids: &[u32]) -> Duration {
    pids.iter().map(|pid| cpu_time(&pid.to_string())).sum()
}

/// CPU time so far of every PostgreSQL process on the machine (the bench's throw-away
/// server is the only one).
fn postgres_cpu() -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|e| cpu_time(&e.file_name().to_string_lossy()))
        .sum()
}

/// CPU time of each thread of a process so far: (thread id, name, time).
fn thread_times(pid: u32) -> Vec<(u32, String, Duration)> {
    let mut threads = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return threads;
    };
    for task in tasks.flatten() {
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        let name = stat
            .split_once('(')
            .and_then(|(_, r)| r.rsplit_once(')'))
            .map_or("?", |(n, _)| n)
            .to_owned();
        threads.push((tid, name, cpu_time(&format!("{pid}/task/{tid}"))));
    }
    threads.sort_by_key(|t| t.0);
    threads
}

/// What each thread used between two snapshots: the SQLite connection threads one by one
/// (in the order they were opened: the first is the writer's), the others by name.
fn thread_report(
    before: &[(u32, String, Duration)],
    after: &[(u32, String, Duration)],
    seconds: f64,
) -> Vec<String> {
    let used = |tid: u32, total: Duration| {
        total.saturating_sub(
            before
                .iter()
                .find(|b| b.0 == tid)
                .map_or(Duration::ZERO, |b| b.2),
        )
    };
    let mut lines = Vec::new();
    let mut groups: BTreeMap<String, (usize, Duration)> = BTreeMap::new();
    let mut sqlite = 0;
    for (tid, name, total) in after {
        let d = used(*tid, *total);
        if name.starts_with("sqlx-sqlite") {
            sqlite += 1;
            let role = if sqlite == 1 {
                " (opened first: the writer)"
            } else {
                ""
            };
            lines.push(format!(
                "SQLite connection thread {sqlite}{role}: {:.2} s ({:.0} %)",
                d.as_secs_f64(),
                100.0 * d.as_secs_f64() / seconds
            ));
        } else {
            let e = groups.entry(name.clone()).or_default();
            e.0 += 1;
            e.1 += d;
        }
    }
    for (name, (count, d)) in groups {
        if d > Duration::ZERO {
            lines.push(format!(
                "{count} × {name}: {:.2} s ({:.0} %)",
                d.as_secs_f64(),
                100.0 * d.as_secs_f64() / seconds
            ));
        }
    }
    lines
}

/// Busy and total CPU time of the whole machine so far (all cores), from /proc/stat.
fn machine_cpu() -> (Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    let secs = |t: u64| Duration::from_secs_f64(t as f64 / clock_ticks() as f64);
    (secs(total - idle), secs(total))
}

/// Watches, without taking it, SQLite's write lock on the database: in WAL mode a write
/// transaction holds a POSIX lock on byte 120 of the `-shm` file, which /proc/locks lists.
/// Sampled every half millisecond on its own thread; gives the share of time during which
/// a write transaction was open in the server (all writes wait for it).
struct WriteLockProbe {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64)>,
}

impl WriteLockProbe {
    fn start(pid: u32, data_dir: &Path) -> WriteLockProbe {
        use std::os::unix::fs::MetadataExt;
        let inode = std::fs::metadata(data_dir.join("ribambelle.sqlite-shm"))
            .map(|m| m.ino())
            .unwrap_or(0);
        let (pid, inode_suffix) = (pid.to_string(), format!(":{inode}"));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut samples, mut held) = (0u64, 0u64);
            while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
                samples += 1;
                let writing = locks.lines().any(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    f.len() >= 8
                        && f[1] == "POSIX"
                        && f[3] == "WRITE"
                        && f[4] == pid
                        && f[5].ends_with(&inode_suffix)
                        && f[6] == "120"
                });
                held += u64::from(writing);
                std::thread::sleep(Duration::from_micros(500));
            }
            (samples, held)
        });
        WriteLockProbe { stop, thread }
    }

    /// (samples, share of them with a write transaction open)
    fn finish(self) -> (u64, f64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (samples, held) = self.thread.join().unwrap();
        (
            samples,
            if samples == 0 {
                0.0
            } else {
                held as f64 / samples as f64
            },
        )
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

// ---------------------------------------------------------------------------------------
// The database

/// SQLite in the size's folder (one instance), or a database of its own on the bench's
/// throw-away PostgreSQL (two instances).
struct Database {
    url: String,
    postgres: bool,
}

impl Database {
    async fn for_size(settings: &Settings, dir: &Path, families: u32) -> Database {
        let Some(admin) = &settings.postgres else {
            return Database {
                url: format!("sqlite://{}", dir.join("ribambelle.sqlite").display()),
                postgres: false,
            };
        };
        let name = format!("rush_{families}");
        let db = Db::connect(admin)
            .await
            .expect("connect to the throw-away PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(db.writer())
            .await
            .expect("create the size's database");
        db.close().await;
        let (server, _) = admin.rsplit_once('/').expect("a database URL");
        Database {
            url: format!("{server}/{name}"),
            postgres: true,
        }
    }

    /// PostgreSQL's planner knows nothing of freshly loaded tables until autovacuum has
    /// looked at them (the bench's own query for the families then took minutes).
    async fn analyze(&self) {
        if self.postgres {
            let db = Db::connect(&self.url)
                .await
                .expect("connect to the bench database");
            sqlx::query("ANALYZE")
                .execute(db.writer())
                .await
                .expect("ANALYZE");
            db.close().await;
        }
    }

    fn instances(&self) -> usize {
        if self.postgres { 2 } else { 1 }
    }

    fn configure(&self, command: &mut Command) {
        if self.postgres {
            command.env("DATABASE_URL", &self.url);
        } else {
            command.env_remove("DATABASE_URL");
        }
    }
}

/// `scripts/pg-throwaway`: a PostgreSQL of Debian's packages on a free loopback port,
/// removed when dropped.
struct ThrowAwayPostgres {
    dir: tempfile::TempDir,
    url: String,
}

impl ThrowAwayPostgres {
    fn script() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-throwaway")
    }

    fn start() -> ThrowAwayPostgres {
        let dir = tempfile::tempdir().unwrap();
        let started = Command::new(Self::script())
            .arg(dir.path().join("pg"))
            .output()
            .expect("run scripts/pg-throwaway");
        assert!(
            started.status.success(),
            "PostgreSQL did not start: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        let url = String::from_utf8_lossy(&started.stdout).trim().to_owned();
        ThrowAwayPostgres { dir, url }
    }
}

impl Drop for ThrowAwayPostgres {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .arg("stop")
            .arg(self.dir.path().join("pg"))
            .status();
    }
}

// ---------------------------------------------------------------------------------------
// Preparing the families

/// A family of the rush: its session cookie and the child it books for.
#[derive(Clone)]
struct Family {
    identifiant: String,
    cookie: String,
    csrf: String,
    child: String,
}

struct Prepared {
    families: Vec<Family>,
    activity: String,
    restaurant: String,
    requests_before: i64,
    confirmations_before: i64,
    keys_before: i64,
}

async fn prepare(url: &str, families: u32, clients: u32) -> Prepared {
    let db = Db::connect(url).await.expect("open the bench database");
    let structure_id: StructureId =
        sqlx::query_scalar("SELECT id FROM structures WHERE slug = 'carteville'")
            .fetch_one(db.reader())
            .await
            .unwrap();
    let activity: String = sqlx::query_scalar(
        "SELECT public_id FROM activities WHERE structure_id = $1 AND name = 'APS MATIN'",
    )
    .bind(structure_id)
    .fetch_one(db.reader())
    .await
    .unwrap();
    let restaurant: String = sqlx::query_scalar(
        "SELECT public_id FROM activities WHERE structure_id = $1 AND name = 'RESTAURATION'",
    )
    .bind(structure_id)
    .fetch_one(db.reader())
    .await
    .unwrap();
    // Every synthetic family with its first child registered to APS MATIN.
    let all: Vec<(FamilyId, String, Option<String>)> = sqlx::query_as(
        "SELECT f.id, f.identifiant, (SELECT c.public_id FROM children c JOIN registrations r ON r.child_id = c.id \
            JOIN activities a ON a.id = r.activity_id \
            WHERE c.family_id = f.id AND a.structure_id = $1 AND a.name = 'APS MATIN' ORDER BY c.id LIMIT 1) \
         FROM families f WHERE f.identifiant LIKE 'famille%' ORDER BY f.identifiant",
    )
    .bind(structure_id)
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(
        all.len(),
        families as usize,
        "the demo created {} synthetic families, not {families}",
        all.len()
    );
    // K families spread over the whole table rather than its first rows.
    let chosen: Vec<(FamilyId, String, String)> = (0..clients as usize)
        .map(|i| all[i * all.len() / clients as usize].clone())
        .map(|(id, identifiant, child)| {
            (
                id,
                identifiant,
                child.expect("every synthetic family has a child registered to APS MATIN"),
            )
        })
        .collect();

    // Onboarded: texts accepted and règlement signed (a family on its first visit would
    // be sent to /conditions first). Idempotent, should the demo do it one day.
    let now = Timestamp::now();
    let at = ribambelle_store::db_time(now);
    let mut tx = db.begin().await.unwrap();
    for (family_id, _, _) in &chosen {
        sqlx::query(
            "INSERT INTO consents (family_id, legal_text_id, accepted_at) \
             SELECT $1, t.id, $2 FROM legal_texts t JOIN family_structures fs ON fs.structure_id = t.structure_id \
             WHERE fs.family_id = $1 AND t.kind IN ('rgpd', 'cgu') ON CONFLICT DO NOTHING",
        )
        .bind(family_id)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO reglement_signatures (child_id, legal_text_id, signer_name, signed_place, signed_at_text, recorded_at) \
             SELECT DISTINCT c.id, t.id, 'Parent', 'CarteVille', '01/09/2026 à 18:00', $2 FROM children c \
             JOIN registrations r ON r.child_id = c.id JOIN activities a ON a.id = r.activity_id \
             JOIN legal_texts t ON t.structure_id = a.structure_id AND t.kind = 'reglement' \
             WHERE c.family_id = $1 ON CONFLICT DO NOTHING",
        )
        .bind(family_id)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let policy = SessionPolicy::default();
    let mut families_out = Vec::with_capacity(chosen.len());
    for (family_id, identifiant, child) in chosen {
        let (token, session) = sessions::create(
            &db,
            Principal::Family(family_id),
            Some(structure_id),
            Timestamp::now(),
            &policy,
        )
        .await
        .expect("open a session");
        families_out.push(Family {
            identifiant,
            cookie: format!("ribambelle={token}"),
            csrf: session.csrf_token,
            child,
        });
    }
    let requests_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reservation_requests")
        .fetch_one(db.reader())
        .await
        .unwrap();
    let confirmations_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM confirmations")
        .fetch_one(db.reader())
        .await
        .unwrap();
    let keys_before: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT confirmation_key) FROM reservation_requests")
            .fetch_one(db.reader())
            .await
            .unwrap();
    db.close().await;
    Prepared {
        families: families_out,
        activity,
        restaurant,
        requests_before,
        confirmations_before,
        keys_before,
    }
}

// ---------------------------------------------------------------------------------------
// Requests

/// What one request gave: status, Location, body, time taken.
struct Answer {
    status: u16,
    location: String,
    body: String,
    took: Duration,
}

async fn send(request: reqwest::RequestBuilder) -> Result<Answer, String> {
    let sent = Instant::now();
    let response = request
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.text().await.map_err(|e| format!("body: {e}"))?;
    Ok(Answer {
        status,
        location,
        body,
        took: sent.elapsed(),
    })
}

/// The value attribute of the first input named `name`.
fn input_value(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

/// How many days a calendar page offers to book.
fn bookable_days(body: &str) -> usize {
    body.split("name=\"basculer\"")
        .skip(1)
        .filter(|rest| {
            rest.split_once("</button>")
                .map_or(*rest, |(b, _)| b)
                .contains(", réservable")
        })
        .count()
}

fn calendar_url(base: &str, family: &Family, activity: &str, month: &str) -> String {
    format!(
        "{base}/reservations?enfant={}&activite={activity}&mois={month}",
        family.child
    )
}

/// One family's journey. Each request waits for a place among those in flight; its
/// latency is counted from when it is sent.
struct Journey {
    latencies: Vec<Option<Duration>>,
    /// Per step, the wait for a place among the requests in flight.
    waits: Vec<Option<Duration>>,
    requests: usize,
    bookings: i64,
    confirmed: bool,
    error: Option<String>,
    took: Duration,
}

#[allow(clippy::too_many_arguments)]
async fn journey(
    client: reqwest::Client,
    limit: Arc<Semaphore>,
    base: Arc<str>,
    family: Family,
    activity: Arc<str>,
    month: Arc<str>,
    think: Option<(u64, u64)>,
    pauses: Pauses,
) -> Journey {
    let started = Instant::now();
    let mut j = Journey {
        latencies: vec![None; STEPS.len()],
        waits: vec![None; STEPS.len()],
        requests: 0,
        bookings: 0,
        confirmed: false,
        error: None,
        took: Duration::ZERO,
    };
    let mut clicks = Clicks {
        limit: &limit,
        think,
        pauses,
    };
    let result = journey_steps(
        &client,
        &mut clicks,
        &base,
        &family,
        &activity,
        &month,
        &mut j,
    )
    .await;
    if let Err(e) = result {
        j.error = Some(e);
    }
    j.took = started.elapsed();
    j
}

/// How a family clicks: its place among the requests in flight, and its pauses.
struct Clicks<'a> {
    limit: &'a Semaphore,
    think: Option<(u64, u64)>,
    pauses: Pauses,
}

/// One click: a place among the requests in flight, the request, and like a browser the
/// page its 303 leads to (same cookie, same place); the step's latency covers both. The
/// answer returned is the first one's.
async fn step(
    clicks: &mut Clicks<'_>,
    j: &mut Journey,
    index: usize,
    request: reqwest::RequestBuilder,
) -> Result<Answer, String> {
    if index > 0
        && let Some(range) = clicks.think
    {
        tokio::time::sleep(clicks.pauses.next(range)).await;
    }
    let failed = |e: String| format!("step {}: {e}", index + 1);
    let (client, built) = request.build_split();
    let request = built.map_err(|e| failed(e.to_string()))?;
    let (cookie, origin) = (
        request.headers().get("cookie").cloned(),
        request.url().clone(),
    );
    let asked = Instant::now();
    let _permit = clicks.limit.acquire().await.unwrap();
    j.waits[index] = Some(asked.elapsed());
    j.requests += 1;
    let answer = send(reqwest::RequestBuilder::from_parts(client.clone(), request))
        .await
        .map_err(failed)?;
    j.latencies[index] = Some(answer.took);
    if !(200..400).contains(&answer.status) {
        return Err(failed(format!("HTTP {}", answer.status)));
    }
    if answer.status == 303 && answer.location.starts_with('/') {
        let target = origin
            .join(&answer.location)
            .map_err(|e| failed(e.to_string()))?;
        let mut follow = client.get(target);
        if let Some(cookie) = cookie {
            follow = follow.header("cookie", cookie);
        }
        let followed = send(follow).await.map_err(failed)?;
        j.requests += 1;
        j.latencies[index] = Some(answer.took + followed.took);
        if followed.status != 200 {
            return Err(failed(format!(
                "the redirect to {} gave HTTP {}",
                answer.location, followed.status
            )));
        }
    }
    Ok(answer)
}

async fn journey_steps(
    client: &reqwest::Client,
    clicks: &mut Clicks<'_>,
    base: &str,
    family: &Family,
    activity: &str,
    month: &str,
    j: &mut Journey,
) -> Result<(), String> {
    let cookie = family.cookie.as_str();
    // 1. The calendar of the month.
    let page = step(
        clicks,
        j,
        0,
        client
            .get(calendar_url(base, family, activity, month))
            .header("cookie", cookie),
    )
    .await?;
    let csrf = input_value(&page.body, "_csrf")
        .ok_or_else(|| format!("step 1: no _csrf (HTTP {} {})", page.status, page.location))?;
    if csrf != family.csrf {
        return Err("step 1: _csrf is not the session's".into());
    }
    // 2. « Tout le mois ».
    let fields = [
        ("_csrf", csrf.as_str()),
        ("enfant", &family.child),
        ("activite", activity),
        ("mois", month),
        ("tout_le_mois", "1"),
    ];
    let tool = step(
        clicks,
        j,
        1,
        client
            .post(format!("{base}/reservations/calendrier"))
            .header("cookie", cookie)
            .form(&fields),
    )
    .await?;
    if tool.status != 303
        || !tool.location.starts_with("/reservations?")
        || tool.location.contains("info=")
    {
        return Err(format!(
            "step 2: HTTP {} to {:?}",
            tool.status, tool.location
        ));
    }
    // 3. The récapitulatif.
    let recap = step(
        clicks,
        j,
        2,
        client
            .get(format!("{base}/reservations/recapitulatif"))
            .header("cookie", cookie),
    )
    .await?;
    let key = input_value(&recap.body, "cle").ok_or_else(|| {
        format!(
            "step 3: no cle (HTTP {} to {:?})",
            recap.status, recap.location
        )
    })?;
    let csrf = input_value(&recap.body, "_csrf").ok_or("step 3: no _csrf")?;
    // 4. « Confirmer ».
    let fields = [("_csrf", csrf.as_str()), ("cle", key.as_str())];
    let done = step(
        clicks,
        j,
        3,
        client
            .post(format!("{base}/reservations/confirmer"))
            .header("cookie", cookie)
            .form(&fields),
    )
    .await?;
    let counts = done
        .location
        .strip_prefix("/reservations/confirmation?")
        .filter(|_| done.status == 303)
        .ok_or_else(|| format!("step 4: HTTP {} to {:?}", done.status, done.location))?;
    j.bookings = counts
        .split('&')
        .find_map(|p| p.strip_prefix("reservations="))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    j.confirmed = true;
    // 5. The follow-up.
    let follow = step(
        clicks,
        j,
        4,
        client
            .get(format!("{base}/reservations/suivi"))
            .header("cookie", cookie),
    )
    .await?;
    if follow.status != 200 {
        return Err(format!(
            "step 5: HTTP {} to {:?}",
            follow.status, follow.location
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The login storm

/// Browser-like: `Accept-Encoding: gzip` on every request, as every browser sends it;
/// redirects are read by the journeys themselves.
fn browser(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .no_proxy()
        .timeout(timeout)
}

/// One family of the storm, from its arrival to its home page.
struct StormFamily {
    /// From the arrival to the home page, waiting pages included.
    got_in: Option<Duration>,
    /// The server's time for each login POST or waiting-page return.
    latencies: Vec<Duration>,
    waiting_pages: usize,
    error: Option<String>,
}

struct StormResult {
    families: usize,
    window: Duration,
    seconds: f64,
    logged_in: usize,
    wrong_first: usize,
    waiting_pages: usize,
    errors: usize,
    error_samples: BTreeMap<String, usize>,
    got_in: Stats,
    answers: Stats,
    verification: Duration,
    peak_rss_kib: u64,
    server_cpu: Duration,
    client_cpu: Duration,
    /// Cores busy on the whole machine during the storm.
    machine_busy: f64,
}

/// Every family opens the login page at an instant drawn in the window, one in ten types a
/// wrong password first, then each signs in, coming back from the waiting page as the
/// browser would (after its `Refresh`, with its ticket cookie), until its home page.
async fn login_storm(
    settings: &Settings,
    bases: &[Arc<str>],
    families: &[Family],
    pids: &[u32],
) -> StormResult {
    let window = Duration::from_secs(settings.storm_seconds);
    // What one verification costs here, for the bound the server cannot pass.
    let hashing = ribambelle_domain::password::PasswordHashing::new(
        ribambelle_domain::password::HashParams::default(),
    )
    .unwrap();
    let stored = hashing
        .hash(ribambelle_store::demo::SYNTHETIC_PASSWORD)
        .unwrap();
    let timed = Instant::now();
    for _ in 0..10 {
        hashing.verify(ribambelle_store::demo::SYNTHETIC_PASSWORD, &stored);
    }
    let verification = timed.elapsed() / 10;
    // Each family its own browser, from an address of its own (the throttling per address
    // must see a town, not one machine). Built before the storm: building them takes
    // seconds of this generator's only thread.
    let browsers: Vec<reqwest::Client> = (0..families.len() as u64)
        .map(|rank| {
            let address =
                std::net::Ipv4Addr::new(127, 1 + (rank / 250) as u8, (rank % 250) as u8, 1);
            browser(REQUEST_TIMEOUT)
                .cookie_store(true)
                .local_address(std::net::IpAddr::V4(address))
                .build()
                .unwrap()
        })
        .collect();
    let (server_cpu0, client_cpu0, machine0) = (servers_cpu(pids), cpu_time("self"), machine_cpu());
    let started = Instant::now();
    let tasks: Vec<_> = families
        .iter()
        .zip(browsers)
        .zip(0u64..)
        .map(|((family, client), rank)| {
            let mut pauses = Pauses(settings.seed ^ rank.wrapping_mul(0x9e37_79b9));
            let arrival = pauses.next((0, window.as_millis() as u64));
            let wrong_first = rank % 10 == 3;
            let (base, identifiant) = (
                bases[rank as usize % bases.len()].clone(),
                family.identifiant.clone(),
            );
            tokio::spawn(async move {
                tokio::time::sleep_until((started + arrival).into()).await;
                storm_family(&client, &base, &identifiant, wrong_first).await
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut error_samples = BTreeMap::new();
    for e in outcomes.iter().filter_map(|o| o.error.as_ref()) {
        *error_samples
            .entry(e.chars().take(120).collect::<String>())
            .or_insert(0) += 1;
    }
    StormResult {
        families: outcomes.len(),
        window,
        seconds,
        logged_in: outcomes.iter().filter(|o| o.got_in.is_some()).count(),
        wrong_first: families.len().div_ceil(10),
        waiting_pages: outcomes.iter().map(|o| o.waiting_pages).sum(),
        errors: outcomes.iter().filter(|o| o.error.is_some()).count(),
        error_samples,
        got_in: stats(outcomes.iter().filter_map(|o| o.got_in).collect()),
        answers: stats(
            outcomes
                .iter()
                .flat_map(|o| o.latencies.iter().copied())
                .collect(),
        ),
        verification,
        peak_rss_kib: pids.iter().map(|&pid| memory_kib(pid).0).max().unwrap_or(0),
        server_cpu: servers_cpu(pids) - server_cpu0,
        client_cpu: cpu_time("self") - client_cpu0,
        machine_busy: {
            let machine1 = machine_cpu();
            (machine1.0 - machine0.0).as_secs_f64()
                / (machine1.1 - machine0.1).as_secs_f64().max(1e-9)
                * cores() as f64
        },
    }
}

async fn storm_family(
    client: &reqwest::Client,
    base: &str,
    identifiant: &str,
    wrong_first: bool,
) -> StormFamily {
    let mut family = StormFamily {
        got_in: None,
        latencies: Vec::new(),
        waiting_pages: 0,
        error: None,
    };
    let arrived = Instant::now();
    match storm_login(client, base, identifiant, wrong_first, &mut family).await {
        Ok(()) => family.got_in = Some(arrived.elapsed()),
        Err(e) => family.error = Some(e),
    }
    family
}

async fn storm_login(
    client: &reqwest::Client,
    base: &str,
    identifiant: &str,
    wrong_first: bool,
    family: &mut StormFamily,
) -> Result<(), String> {
    let form = send(client.get(format!("{base}/connexion"))).await?;
    if form.status != 200 {
        return Err(format!("login page: HTTP {}", form.status));
    }
    let passwords: &[&str] = if wrong_first {
        &[
            "Pas-le-bon-2026!",
            ribambelle_store::demo::SYNTHETIC_PASSWORD,
        ]
    } else {
        &[ribambelle_store::demo::SYNTHETIC_PASSWORD]
    };
    for (attempt, password) in passwords.iter().enumerate() {
        let fields = [("identifiant", identifiant), ("mot_de_passe", password)];
        let mut answer = send_full(client.post(format!("{base}/connexion")).form(&fields)).await?;
        family.latencies.push(answer.took);
        // The waiting page: back after its Refresh, with its ticket, as often as needed.
        while answer.status == 503 && answer.body.contains("Beaucoup de familles se connectent") {
            family.waiting_pages += 1;
            let (seconds, target) = answer
                .refresh
                .split_once("; url=")
                .ok_or("waiting page without Refresh")?;
            tokio::time::sleep(Duration::from_secs(
                seconds.parse().map_err(|_| "Refresh: not seconds")?,
            ))
            .await;
            answer = send_full(client.get(format!("{base}{target}"))).await?;
            family.latencies.push(answer.took);
        }
        let last = attempt + 1 == passwords.len();
        match (answer.status, last) {
            (401, false) => continue,
            (303, true) if answer.location == "/accueil" => {
                // The browser follows to the home page, signed in.
                let home = send(client.get(format!("{base}/accueil"))).await?;
                family.latencies.push(home.took);
                return if home.status == 200 {
                    Ok(())
                } else {
                    Err(format!("home page: HTTP {}", home.status))
                };
            }
            (status, _) => return Err(format!("login: HTTP {status} to {:?}", answer.location)),
        }
    }
    Err("no password left".into())
}

/// An answer with what the waiting page needs: its Refresh (the ticket is in the
/// family's cookie store).
struct FullAnswer {
    status: u16,
    location: String,
    refresh: String,
    body: String,
    took: Duration,
}

async fn send_full(request: reqwest::RequestBuilder) -> Result<FullAnswer, String> {
    let sent = Instant::now();
    let response = request
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (status, location, refresh) = (
        response.status().as_u16(),
        header("location"),
        header("refresh"),
    );
    let body = response.text().await.map_err(|e| format!("body: {e}"))?;
    Ok(FullAnswer {
        status,
        location,
        refresh,
        body,
        took: sent.elapsed(),
    })
}

fn print_storm(r: &StormResult) {
    let bound = cores() as f64 / r.verification.as_secs_f64();
    let rate = r.logged_in as f64 / r.seconds;
    println!(
        "\n  Login storm: {} families arriving within {} s ({} typing a wrong password first), Argon2id at the production parameters:",
        r.families,
        r.window.as_secs(),
        r.wrong_first
    );
    println!("{}", stats_header());
    println!(
        "{}",
        stats_row("server answer (login, waiting page, home)", &r.answers)
    );
    println!(
        "{}",
        stats_row("arrival → home page (what it waited)", &r.got_in)
    );
    println!(
        "  {} of {} signed in, {} errors, {} waiting pages shown; {:.1} logins/s over {:.1} s; one verification {:.1} ms here: bound {:.0} logins/s ({} cores ÷ verification)",
        r.logged_in,
        r.families,
        r.errors,
        r.waiting_pages,
        rate,
        r.seconds,
        r.verification.as_secs_f64() * 1000.0,
        bound,
        cores()
    );
    println!(
        "  CPU: server {:.1} s, load generator {:.1} s, machine {:.2} of {} cores busy; server peak memory after the storm {:.1} MB (VmHWM; goal < 200 MB); the slowest family waited {} ms to get in",
        r.server_cpu.as_secs_f64(),
        r.client_cpu.as_secs_f64(),
        r.machine_busy,
        cores(),
        r.peak_rss_kib as f64 / 1024.0,
        ms(r.got_in.max)
    );
    for (sample, count) in &r.error_samples {
        println!("    {count} × {sample}");
    }
}

// ---------------------------------------------------------------------------------------
// Figures

#[derive(Clone, Copy, Default)]
struct Stats {
    count: usize,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    if samples.is_empty() {
        return Stats::default();
    }
    samples.sort();
    let n = samples.len();
    // Nearest rank.
    let at = |q: f64| samples[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    Stats {
        count: n,
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: samples[n - 1],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn stats_row(label: &str, s: &Stats) -> String {
    format!(
        "  {label:<38} {:>7} {:>9} {:>9} {:>9} {:>9}",
        s.count,
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        ms(s.max)
    )
}

fn stats_header() -> String {
    format!(
        "  {:<38} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    )
}

struct CalendarRun {
    label: String,
    sequential: Stats,
    sequential_rate: f64,
    concurrent: Stats,
    concurrent_rate: f64,
    /// Server CPU during the concurrent requests, in cores, and per request.
    server_cpu_share: f64,
    server_cpu_per_request: Duration,
    errors: usize,
}

struct SizeResult {
    families: u32,
    clients: usize,
    month: String,
    demo_seconds: f64,
    calendars: Vec<CalendarRun>,
    steps: Vec<Stats>,
    /// Per step, what the family waited in all: its place among the requests in flight,
    /// then the answer.
    waited: Vec<Stats>,
    /// The wait for a place among the requests in flight, over every step.
    waits: Stats,
    storm: Option<StormResult>,
    journeys: Stats,
    requests: usize,
    seconds: f64,
    errors: usize,
    error_samples: BTreeMap<String, usize>,
    confirmed: usize,
    bookings: i64,
    threads: Vec<String>,
    machine_busy: f64,
    lock_samples: u64,
    write_lock_share: f64,
    alone_seconds: f64,
    alone_write_lock_share: f64,
    alone_month: String,
    alone_steps: Vec<Stats>,
    alone_errors: usize,
    alone_confirmed: usize,
    alone_bookings: i64,
    /// Both instances' CPU with PostgreSQL.
    server_cpu: Duration,
    client_cpu: Duration,
    postgres_cpu: Duration,
    engine: &'static str,
    peak_rss_kib: u64,
    rss_kib: u64,
    requests_recorded: i64,
    requests_distinct: i64,
    confirmations_recorded: i64,
    keys_distinct: i64,
}

async fn run_size(settings: &Settings, families: u32) -> SizeResult {
    let clients = settings.clients.min(families).max(1);
    println!("\n=== {families} families, {clients} clients ===");
    let dir = tempfile::tempdir().unwrap();

    let started = Instant::now();
    let database = Database::for_size(settings, dir.path(), families).await;
    let mut demo = Command::new(binary());
    database.configure(&mut demo);
    let demo = demo
        .env("RUST_LOG", "warn")
        .args(["demo", "--families", &families.to_string(), "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run ribambelle demo");
    assert!(
        demo.status.success(),
        "ribambelle demo failed: {}",
        String::from_utf8_lossy(&demo.stderr)
    );
    database.analyze().await;
    let demo_seconds = started.elapsed().as_secs_f64();
    for line in String::from_utf8_lossy(&demo.stdout).lines() {
        println!("  demo: {line}");
    }
    println!("  demo command took {demo_seconds:.1} s");

    // PostgreSQL is measured as it is deployed: two instances on one database.
    let mut servers: Vec<Server> = (0..database.instances())
        .map(|i| Server::start(dir.path(), &database, i))
        .collect();
    let client = browser(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(settings.inflight)
        .build()
        .unwrap();
    for server in &servers {
        server.wait_healthy(&client).await;
    }
    let pids: Vec<u32> = servers.iter().map(Server::pid).collect();
    let server = &servers[0];

    let started = Instant::now();
    let prepared = prepare(&database.url, families, clients).await;
    println!(
        "  {clients} families onboarded and signed in (sessions created in the database) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let base: Arc<str> = Arc::from(server.base.as_str());
    let bases: Vec<Arc<str>> = servers.iter().map(|s| Arc::from(s.base.as_str())).collect();
    let activity: Arc<str> = Arc::from(prepared.activity.as_str());
    let storm = if settings.storm_seconds > 0 {
        Some(login_storm(settings, &bases, &prepared.families, &pids).await)
    } else {
        None
    };

    // The month to book: of this month and the next three, the one with the most bookable days.
    // The month of the rush: of this month and the next three, the one with the most
    // bookable days; the runner-up serves the one-at-a-time journeys afterwards.
    let today = paris_date(Timestamp::now());
    let mut months = Vec::new();
    for offset in 0i64..4 {
        let candidate = (today.first_of_month() + offset.months())
            .strftime("%Y-%m")
            .to_string();
        let first = &prepared.families[0];
        let page = send(
            client
                .get(calendar_url(&base, first, &activity, &candidate))
                .header("cookie", &first.cookie),
        )
        .await
        .expect("probe the calendar");
        assert_eq!(
            page.status, 200,
            "calendar probe: HTTP {} to {:?}",
            page.status, page.location
        );
        months.push((
            bookable_days(&page.body),
            std::cmp::Reverse(offset),
            candidate,
        ));
    }
    months.sort();
    let (best, _, month) = months.pop().unwrap();
    let (second, _, second_month) = months.pop().unwrap();
    assert!(
        best > 0,
        "no bookable APS MATIN day in the next four months"
    );
    println!("  rush month {month}: {best} bookable APS MATIN days per child");
    let month: Arc<str> = Arc::from(month.as_str());
    let second_month: Arc<str> = Arc::from(second_month.as_str());

    let mut calendars = Vec::new();
    let label = format!("APS MATIN {month}, before the rush");
    calendars.push(
        calendar_alone(
            settings,
            label,
            &client,
            &base,
            &prepared.families,
            &activity,
            &month,
            server.pid(),
        )
        .await,
    );
    // The restaurant, which every synthetic child has booked for the next two weeks: its
    // places left are counted over every family's bookings of the days shown.
    let lunch_month: Arc<str> =
        Arc::from((today + 7.days()).strftime("%Y-%m").to_string().as_str());
    let label = format!("RESTAURATION {lunch_month} (2 weeks booked by all)");
    let restaurant: Arc<str> = Arc::from(prepared.restaurant.as_str());
    calendars.push(
        calendar_alone(
            settings,
            label,
            &client,
            &base,
            &prepared.families,
            &restaurant,
            &lunch_month,
            server.pid(),
        )
        .await,
    );

    // The rush.
    let (server_cpu0, client_cpu0, postgres_cpu0) =
        (servers_cpu(&pids), cpu_time("self"), postgres_cpu());
    let threads0 = thread_times(server.pid());
    let machine0 = machine_cpu();
    let probe = WriteLockProbe::start(server.pid(), dir.path());
    let limit = Arc::new(Semaphore::new(settings.inflight));
    let started = Instant::now();
    let tasks: Vec<_> = prepared
        .families
        .iter()
        .cloned()
        .zip(0u64..)
        .map(|(f, rank)| {
            // Each family its own stream of pauses, the same from one run to the next.
            let pauses = Pauses(settings.seed.wrapping_mul(0x1000_0000_01b3) ^ rank);
            let (limit, think) = (limit.clone(), settings.think);
            let base = bases[rank as usize % bases.len()].clone();
            tokio::spawn(journey(
                client.clone(),
                limit,
                base,
                f,
                activity.clone(),
                month.clone(),
                think,
                pauses,
            ))
        })
        .collect();
    let mut journeys = Vec::with_capacity(tasks.len());
    for task in tasks {
        journeys.push(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    let (server_cpu, client_cpu) = (
        servers_cpu(&pids) - server_cpu0,
        cpu_time("self") - client_cpu0,
    );
    let postgres_cpu = postgres_cpu() - postgres_cpu0;
    let (lock_samples, write_lock_share) = probe.finish();
    let machine1 = machine_cpu();
    // Cores busy on the whole machine during the rush, in cores.
    let machine_busy = (machine1.0 - machine0.0).as_secs_f64()
        / (machine1.1 - machine0.1).as_secs_f64().max(1e-9)
        * cores() as f64;
    let threads = thread_report(&threads0, &thread_times(server.pid()), seconds);
    let (peak_rss_kib, rss_kib) = pids
        .iter()
        .map(|&pid| memory_kib(pid))
        .fold((0, 0), |a, m| (a.0.max(m.0), a.1.max(m.1)));

    // The same journey one family at a time, for what each step costs without waiting.
    let sequential_journeys = if second > 0 {
        SEQUENTIAL_JOURNEYS.min(prepared.families.len())
    } else {
        0
    };
    let one_limit = Arc::new(Semaphore::new(1));
    let mut alone = Vec::with_capacity(sequential_journeys);
    let probe = WriteLockProbe::start(server.pid(), dir.path());
    let started = Instant::now();
    for f in prepared.families.iter().take(sequential_journeys) {
        let (limit, pauses) = (one_limit.clone(), Pauses(0));
        alone.push(
            journey(
                client.clone(),
                limit,
                base.clone(),
                f.clone(),
                activity.clone(),
                second_month.clone(),
                None,
                pauses,
            )
            .await,
        );
    }
    let alone_seconds = started.elapsed().as_secs_f64();
    let (_, alone_write_lock_share) = probe.finish();
    let label = format!("APS MATIN {month}, after the rush");
    calendars.push(
        calendar_alone(
            settings,
            label,
            &client,
            &base,
            &prepared.families,
            &activity,
            &month,
            server.pid(),
        )
        .await,
    );
    for (i, server) in servers.iter_mut().enumerate() {
        println!("  server {} {}", i + 1, server.stop());
    }
    let log =
        strip_ansi(&std::fs::read_to_string(dir.path().join("server-0.log")).unwrap_or_default());
    let log_lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    if !log_lines.is_empty() {
        let slow = log_lines
            .iter()
            .filter(|l| l.contains("slow_acquire_threshold"))
            .count();
        println!(
            "  server log: {} lines (RUST_LOG=warn), {slow} of them « time to acquire exceeded slow threshold »; the first ones:",
            log_lines.len()
        );
        for line in log_lines.iter().take(3) {
            println!("    {line}");
        }
    }

    let steps: Vec<Stats> = (0..STEPS.len())
        .map(|i| stats(journeys.iter().filter_map(|j| j.latencies[i]).collect()))
        .collect();
    let waited: Vec<Stats> = (0..STEPS.len())
        .map(|i| {
            stats(
                journeys
                    .iter()
                    .filter_map(|j| Some(j.latencies[i]? + j.waits[i]?))
                    .collect(),
            )
        })
        .collect();
    let waits = stats(
        journeys
            .iter()
            .flat_map(|j| j.waits.iter().flatten().copied())
            .collect(),
    );
    let alone_steps: Vec<Stats> = (0..STEPS.len())
        .map(|i| stats(alone.iter().filter_map(|j| j.latencies[i]).collect()))
        .collect();
    let mut error_samples = BTreeMap::new();
    for e in journeys
        .iter()
        .chain(&alone)
        .filter_map(|j| j.error.as_ref())
    {
        *error_samples
            .entry(e.chars().take(120).collect::<String>())
            .or_insert(0) += 1;
    }

    // What the database recorded.
    let db = Db::connect(&database.url)
        .await
        .expect("reopen the bench database");
    let scalar = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.reader())
                .await
                .unwrap()
        }
    };
    let requests_recorded =
        scalar("SELECT COUNT(*) FROM reservation_requests").await - prepared.requests_before;
    // Over the whole table: whatever was there before counts too, so « none twice » holds
    // for every row.
    let requests_all = scalar("SELECT COUNT(*) FROM reservation_requests").await;
    let requests_distinct_all =
        scalar("SELECT COUNT(*) FROM (SELECT DISTINCT child_id, activity_id, day, action FROM reservation_requests) d").await;
    let requests_distinct = requests_recorded - (requests_all - requests_distinct_all);
    let confirmations_recorded =
        scalar("SELECT COUNT(*) FROM confirmations").await - prepared.confirmations_before;
    let keys_distinct = scalar("SELECT COUNT(DISTINCT confirmation_key) FROM reservation_requests")
        .await
        - prepared.keys_before;
    db.close().await;

    let result = SizeResult {
        families,
        clients: journeys.len(),
        month: month.to_string(),
        demo_seconds,
        calendars,
        journeys: stats(journeys.iter().map(|j| j.took).collect()),
        requests: journeys.iter().map(|j| j.requests).sum(),
        seconds,
        errors: journeys.iter().filter(|j| j.error.is_some()).count(),
        error_samples,
        confirmed: journeys.iter().filter(|j| j.confirmed).count(),
        bookings: journeys.iter().map(|j| j.bookings).sum(),
        steps,
        waited,
        waits,
        storm,
        threads,
        machine_busy,
        lock_samples,
        write_lock_share,
        alone_seconds,
        alone_write_lock_share,
        alone_month: second_month.to_string(),
        alone_steps,
        alone_errors: alone.iter().filter(|j| j.error.is_some()).count(),
        alone_confirmed: alone.iter().filter(|j| j.confirmed).count(),
        alone_bookings: alone.iter().map(|j| j.bookings).sum(),
        server_cpu,
        client_cpu,
        postgres_cpu,
        engine: if database.postgres {
            "PostgreSQL, 2 instances"
        } else {
            "SQLite"
        },
        peak_rss_kib,
        rss_kib,
        requests_recorded,
        requests_distinct,
        confirmations_recorded,
        keys_distinct,
    };
    print_size(settings, &result);
    result
}

/// The calendar page alone, round-robin over the signed-in families: first one request at
/// a time, then with the rush's concurrency (for at most CALENDAR_SECONDS).
#[allow(clippy::too_many_arguments)]
async fn calendar_alone(
    settings: &Settings,
    label: String,
    client: &reqwest::Client,
    base: &Arc<str>,
    families: &[Family],
    activity: &Arc<str>,
    month: &Arc<str>,
    server_pid: u32,
) -> CalendarRun {
    let mut errors = 0;
    let mut sequential = Vec::new();
    let started = Instant::now();
    for i in 0..SEQUENTIAL_CALENDARS {
        let f = &families[i % families.len()];
        match send(
            client
                .get(calendar_url(base, f, activity, month))
                .header("cookie", &f.cookie),
        )
        .await
        {
            Ok(a) if a.status == 200 => sequential.push(a.took),
            _ => errors += 1,
        }
    }
    let sequential_rate = SEQUENTIAL_CALENDARS as f64 / started.elapsed().as_secs_f64();

    let limit = Arc::new(Semaphore::new(settings.inflight));
    let server_cpu0 = cpu_time(&server_pid.to_string());
    let started = Instant::now();
    let deadline = started + CALENDAR_SECONDS;
    let mut tasks = Vec::with_capacity(settings.calendar_requests);
    for i in 0..settings.calendar_requests {
        let (client, limit, f) = (
            client.clone(),
            limit.clone(),
            families[i % families.len()].clone(),
        );
        let url = calendar_url(base, &f, activity, month);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            if Instant::now() > deadline {
                return None;
            }
            Some(
                match send(client.get(url).header("cookie", &f.cookie)).await {
                    Ok(a) if a.status == 200 => Some(a.took),
                    _ => None,
                },
            )
        }));
    }
    let mut concurrent = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await.unwrap() {
            Some(Some(took)) => concurrent.push(took),
            Some(None) => errors += 1,
            None => {}
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let server_cpu = cpu_time(&server_pid.to_string()) - server_cpu0;
    let sent = concurrent.len() + errors;
    CalendarRun {
        label,
        sequential: stats(sequential),
        sequential_rate,
        concurrent: stats(concurrent),
        concurrent_rate: sent as f64 / seconds,
        server_cpu_share: server_cpu.as_secs_f64() / seconds,
        server_cpu_per_request: server_cpu / sent.max(1) as u32,
        errors,
    }
}

fn print_size(settings: &Settings, r: &SizeResult) {
    if let Some(storm) = &r.storm {
        print_storm(storm);
    }
    println!(
        "\n  Calendar page alone ({} families in the database, GET step 1 with various activities):",
        r.families
    );
    println!("{}", stats_header());
    for c in &r.calendars {
        println!("  {}:", c.label);
        println!(
            "{}   {:.0} req/s",
            stats_row("  one at a time", &c.sequential),
            c.sequential_rate
        );
        println!(
            "{}   {:.0} req/s",
            stats_row(&format!("  {} in flight", settings.inflight), &c.concurrent),
            c.concurrent_rate
        );
        println!(
            "    server CPU with {} in flight: {:.0} % of one core, {:.2} ms per page; errors: {}",
            settings.inflight,
            100.0 * c.server_cpu_share,
            c.server_cpu_per_request.as_secs_f64() * 1000.0,
            c.errors
        );
    }

    println!(
        "\n  Rush ({}): {} journeys at once, month {}, {}:",
        r.engine,
        r.clients,
        r.month,
        model(settings)
    );
    println!("{}", stats_header());
    for (label, s) in STEPS.iter().zip(&r.steps) {
        println!("{}", stats_row(label, s));
    }
    println!(
        "{}",
        stats_row("wait for a place (not in the above)", &r.waits)
    );
    println!("  What the family waited at each step (its place in flight, then the answer):");
    for (label, s) in STEPS.iter().zip(&r.waited) {
        println!("{}", stats_row(label, s));
    }
    println!(
        "{}",
        stats_row("whole journey (incl. waiting)", &r.journeys)
    );
    println!(
        "  {} requests in {:.2} s = {:.0} requests/s; {} journeys confirmed ({} bookings), {} failed",
        r.requests,
        r.seconds,
        r.requests as f64 / r.seconds,
        r.confirmed,
        r.bookings,
        r.errors
    );
    for (e, n) in &r.error_samples {
        println!("    {n} × {e}");
    }
    println!(
        "  CPU during the rush: server {:.1} s ({:.0} % of one core, {:.2} ms per request), load generator {:.1} s ({:.0} %)",
        r.server_cpu.as_secs_f64(),
        100.0 * r.server_cpu.as_secs_f64() / r.seconds,
        1000.0 * r.server_cpu.as_secs_f64() / r.requests.max(1) as f64,
        r.client_cpu.as_secs_f64(),
        100.0 * r.client_cpu.as_secs_f64() / r.seconds
    );
    if r.postgres_cpu > Duration::ZERO {
        println!(
            "  PostgreSQL CPU during the rush: {:.1} s ({:.2} ms per request)",
            r.postgres_cpu.as_secs_f64(),
            1000.0 * r.postgres_cpu.as_secs_f64() / r.requests.max(1) as f64
        );
    }
    let others =
        r.machine_busy - (r.server_cpu + r.client_cpu + r.postgres_cpu).as_secs_f64() / r.seconds;
    println!(
        "  machine: {:.2} of {} cores busy during the rush, of which {:.2} by other processes (should be ≈ 0: measure on a quiet machine)",
        r.machine_busy,
        cores(),
        others.max(0.0)
    );
    let write_txs = 2.0 * r.confirmed as f64;
    println!(
        "  SQLite write lock held {:.0} % of the rush ({} samples): about {:.1} ms per write transaction ({} calendar tools + confirmations)",
        100.0 * r.write_lock_share,
        r.lock_samples,
        1000.0 * r.write_lock_share * r.seconds / write_txs.max(1.0),
        write_txs
    );
    println!("  server threads' CPU during the rush:");
    for line in &r.threads {
        println!("    {line}");
    }
    println!(
        "  server memory: peak {:.1} MB (VmHWM), {:.1} MB at the end (VmRSS)",
        r.peak_rss_kib as f64 / 1024.0,
        r.rss_kib as f64 / 1024.0
    );

    let alone_count = r.alone_steps[0].count;
    println!(
        "\n  Then {alone_count} journeys one at a time (month {}, one request in flight), after the rush:",
        r.alone_month
    );
    println!("{}", stats_header());
    for (label, s) in STEPS.iter().zip(&r.alone_steps) {
        println!("{}", stats_row(label, s));
    }
    println!(
        "  {} confirmed ({} bookings, {:.1} per journey), {} failed; SQLite write lock held {:.0} % of {:.2} s: about {:.2} ms per write transaction",
        r.alone_confirmed,
        r.alone_bookings,
        r.alone_bookings as f64 / r.alone_confirmed.max(1) as f64,
        r.alone_errors,
        100.0 * r.alone_write_lock_share,
        r.alone_seconds,
        1000.0 * r.alone_write_lock_share * r.alone_seconds
            / (2.0 * r.alone_confirmed.max(1) as f64)
    );

    let (bookings, confirmed) = (
        r.bookings + r.alone_bookings,
        (r.confirmed + r.alone_confirmed) as i64,
    );
    println!(
        "\n  Database check (rush and one-at-a-time journeys):\n    reservation_requests: {} rows recorded, {} bookings confirmed to the families: {}\n    \
         distinct (child, activity, day, action): {}: {}\n    confirmations: {} rows, {} journeys confirmed: {}; {} distinct keys in the requests",
        r.requests_recorded,
        bookings,
        if r.requests_recorded == bookings {
            "equal"
        } else {
            "DIFFERENT"
        },
        r.requests_distinct,
        if r.requests_distinct == r.requests_recorded {
            "none twice"
        } else {
            "DUPLICATES"
        },
        r.confirmations_recorded,
        confirmed,
        if r.confirmations_recorded == confirmed {
            "equal"
        } else {
            "DIFFERENT"
        },
        r.keys_distinct,
    );
}

fn print_summary(settings: &Settings, results: &[SizeResult]) {
    println!("\n=== Summary ({GOALS}) ===");
    println!("  load model: {}", model(settings));
    println!(
        "  {:>8} {:>7} {:>7} {:>9} {:>11} {:>12} {:>13} {:>6} {:>8} {:>14} {:>9}",
        "families",
        "clients",
        "demo s",
        "requests",
        "requests/s",
        "worst p99 ms",
        "waited p99 ms",
        "errors",
        "peak MB",
        "server ms/req",
        "recorded"
    );
    for r in results {
        let worst = r.steps.iter().map(|s| s.p99).max().unwrap_or_default();
        let worst_waited = r.waited.iter().map(|s| s.p99).max().unwrap_or_default();
        println!(
            "  {:>8} {:>7} {:>7.1} {:>9} {:>11.0} {:>12} {:>13} {:>6} {:>8.1} {:>14.2} {:>9}",
            r.families,
            r.clients,
            r.demo_seconds,
            r.requests,
            r.requests as f64 / r.seconds,
            ms(worst),
            ms(worst_waited),
            r.errors + r.calendars.iter().map(|c| c.errors).sum::<usize>() + r.alone_errors,
            r.peak_rss_kib as f64 / 1024.0,
            1000.0 * r.server_cpu.as_secs_f64() / r.requests.max(1) as f64,
            if r.requests_recorded == r.bookings + r.alone_bookings
                && r.requests_distinct == r.requests_recorded
            {
                "ok"
            } else {
                "MISMATCH"
            },
        );
    }
    println!(
        "\n  Calendar page alone: p50 one at a time, server CPU per page and pages/s with {} in flight",
        settings.inflight
    );
    println!(
        "  {:>8}  {:<52} {:>9} {:>12} {:>9}",
        "families", "", "p50 ms", "CPU ms/page", "pages/s"
    );
    for r in results {
        for c in &r.calendars {
            println!(
                "  {:>8}  {:<52} {:>9} {:>12.2} {:>9.0}",
                r.families,
                c.label,
                ms(c.sequential.p50),
                c.server_cpu_per_request.as_secs_f64() * 1000.0,
                c.concurrent_rate
            );
        }
    }
}
