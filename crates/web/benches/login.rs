//! What a login costs: one Argon2id hash with the production parameters, and logins per
//! second through the real router (form parsing, throttle checks, verification, session
//! creation) on a SQLite database, with as many concurrent clients as cores; then how long
//! a refused login takes to answer, by the account it names (an identifiant must not be
//! told apart by the time its answer takes).
//! Run with `cargo bench -p ribambelle-web --bench login`; figures are printed, not asserted.

use std::time::{Duration, Instant};

use axum::{body::Body, extract::ConnectInfo, http::Request};
use ribambelle_domain::{
    clock::Clock,
    password::{HashParams, PasswordHashing},
};
use ribambelle_testkit::TestDb;
use ribambelle_web::{AppState, WebConfig};
use tower::ServiceExt;

fn main() {
    let production = PasswordHashing::new(HashParams::default()).unwrap();
    let rounds = 20;
    let start = Instant::now();
    let mut hash = String::new();
    for _ in 0..rounds {
        hash = production.hash("Trombone-Vert7!Lune").unwrap();
    }
    let per_hash = start.elapsed() / rounds;
    let start = Instant::now();
    for _ in 0..rounds {
        production.verify("Trombone-Vert7!Lune", &hash);
    }
    let per_verify = start.elapsed() / rounds;
    println!("argon2id m=19456 KiB t=2 p=1: hash {per_hash:.1?}, verify {per_verify:.1?}");
    println!(
        "  => at most {:.0} password checks per second per core",
        1.0 / per_verify.as_secs_f64()
    );

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(http_logins(production, cores));
}

async fn http_logins(hashing: PasswordHashing, cores: usize) {
    let db = TestDb::new().await;
    ribambelle_store::demo::load(&db.db, &hashing, &Clock::system())
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let files = ribambelle_store::pieces::FileStore::local(folder.path()).unwrap();
    let state = AppState::new(
        db.db.clone(),
        WebConfig::new("http://127.0.0.1:8080"),
        hashing,
        files,
        Clock::system(),
    );
    let router = ribambelle_web::router(state);
    let per_client = 40;
    let start = Instant::now();
    let mut clients = Vec::new();
    for client in 0..cores {
        let router = router.clone();
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for i in 0..per_client {
                // Each request from its own address, as many families would be.
                let address = format!("10.{}.{}.1:4000", client, i % 250)
                    .parse::<std::net::SocketAddr>()
                    .unwrap();
                let mut request = Request::post("/connexion")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(
                        "identifiant=martin&mot_de_passe=Martin-Demo-2026%21",
                    ))
                    .unwrap();
                request.extensions_mut().insert(ConnectInfo(address));
                let sent = Instant::now();
                let response = router.clone().oneshot(request).await.unwrap();
                assert_eq!(response.status(), 303, "login succeeds");
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let total = latencies.len();
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "HTTP logins ({cores} clients, {total} logins, SQLite): {rate:.1}/s in all, {:.1}/s per core; p50 {:.0?}, p99 {:.0?}",
        rate / cores as f64,
        latencies[total / 2],
        latencies[(total * 99 / 100).min(total - 1)]
    );
    refused_logins(&db.db, &router).await;
}

/// A wrong password on a family with a password, on one without any yet, and on an
/// identifiant nobody has, one at a time: the medians should be within noise.
async fn refused_logins(db: &ribambelle_store::Db, router: &axum::Router) {
    sqlx::query("UPDATE families SET password_hash = '' WHERE identifiant = 'dupont'")
        .execute(db.writer())
        .await
        .unwrap();
    println!(
        "Refused logins, one at a time (goal: the three medians within noise of one another):"
    );
    for (label, identifiant) in [
        ("a family with a password", "martin"),
        ("a family with no password yet", "dupont"),
        ("an identifiant nobody has", "personne"),
    ] {
        let mut latencies = Vec::new();
        for i in 0..30 {
            // Forget the failures, so that every attempt is checked rather than throttled.
            sqlx::query("DELETE FROM login_throttle")
                .execute(db.writer())
                .await
                .unwrap();
            let mut request = Request::post("/connexion")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "identifiant={identifiant}&mot_de_passe=mauvais"
                )))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(
                format!("10.200.0.{i}:4000")
                    .parse::<std::net::SocketAddr>()
                    .unwrap(),
            ));
            let sent = Instant::now();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 401, "refused");
            latencies.push(sent.elapsed());
        }
        latencies.sort();
        println!(
            "  {label:<32} p50 {:.1?}, p90 {:.1?}",
            latencies[15], latencies[27]
        );
    }
}
