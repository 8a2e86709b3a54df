//! What the binary's tests share: `ribambelle` processes started on a free loopback port
//! with cheap hashing, and blocking HTTP helpers for plain threads.
#![allow(dead_code)] // Each test file uses its own part of it.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub const BIN: &str = env!("CARGO_BIN_EXE_ribambelle");

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `ribambelle serve` process, stopped with SIGTERM when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

pub fn base_command(data_dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("DATABASE_URL")
        .env("RIBAMBELLE_DATA_DIR", data_dir)
        // Cheap hashing: these tests check wiring, not Argon2's cost.
        .env("RIBAMBELLE_ARGON2_MEMORY_KIB", "64")
        .env("RIBAMBELLE_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "warn");
    // The date sweep's instant, if any, is the binary's moved clock too.
    match std::env::var(ribambelle_testkit::NOW_VAR) {
        Ok(now) if !now.is_empty() => command.env("RIBAMBELLE_CLOCK_START", now),
        _ => command.env_remove("RIBAMBELLE_CLOCK_START"),
    };
    command
}

impl Server {
    pub fn start(mut command: Command, args: &[&str]) -> (Server, Vec<String>) {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = command
            .args(["serve", "--listen", &listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ribambelle");
        let base = format!("http://{listen}");
        let stdout = child.stdout.take().unwrap();
        // The welcome text is printed once the server listens; collect it in the background.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let server = Server { child, base };
        server.wait_healthy();
        let mut lines = Vec::new();
        if args.contains(&"--demo") {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                match rx.recv_timeout(Duration::from_millis(200)) {
                    Ok(line) => {
                        let done = line.starts_with("Arrêt");
                        lines.push(line);
                        if done {
                            break;
                        }
                    }
                    Err(_) => continue,
                }
            }
        }
        (server, lines)
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = get(&format!("{}/healthz", self.base)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server at {} never became healthy", self.base);
    }

    pub fn stop(mut self) -> std::process::ExitStatus {
        signal_term(&self.child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn signal_term(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A blocking GET, for tests that drive processes from plain threads.
pub fn get(url: &str) -> std::io::Result<(u16, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .send()
            .await
            .map_err(std::io::Error::other)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(std::io::Error::other)?;
        Ok((status, body))
    })
}
