//! Command line and environment: every setting is a flag and an environment variable.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use ribambelle_domain::password::HashParams;
use ribambelle_mail::{SmtpSecurity, SmtpSettings, TransportSettings};

#[derive(Debug, Parser)]
#[command(
    name = "ribambelle",
    version,
    about = "Ribambelle — Portail Famille",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no sub-command, Ribambelle serves the portal.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve(ServeArgs),
    /// Load the demo data into the configured database.
    Demo(DemoArgs),
    /// Queue and send one test mail with the configured transport.
    SendTestMail(SendTestMailArgs),
    /// Issue a new initial password to a family, which must choose its own at next login.
    ResetPassword(ResetPasswordArgs),
    /// Run the processing of reservation requests now (it also runs every night).
    Process(ProcessArgs),
    /// Set a structure's régie: its online payment provider and credentials.
    Regie(RegieArgs),
}

#[derive(Debug, Args)]
pub struct RegieArgs {
    /// The structure's short name, as in its theme address (for example « carteville »).
    #[arg(long)]
    pub structure: String,
    #[arg(long, value_enum)]
    pub provider: ProviderArg,
    /// The provider's platform: « test », « activation » (PayFiP's validation with the
    /// comptable public), « production », or « simulee » (the simulated bank the portal
    /// serves itself, for demonstrations).
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Test)]
    pub environment: EnvironmentArg,
    /// PayFiP: the 6-digit numcli given by the DGFiP; Systempay: the 8-digit shop id.
    #[arg(long)]
    pub merchant: String,
    /// Systempay: the certificate of that platform. Better given through the environment,
    /// so that it stays out of the shell's history.
    #[arg(long, env = "RIBAMBELLE_REGIE_CERTIFICATE", hide_env_values = true)]
    pub certificate: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ProviderArg {
    Payfip,
    Systempay,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum EnvironmentArg {
    Test,
    Activation,
    Production,
    Simulee,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    /// The family's identifiant.
    #[arg(long)]
    pub identifiant: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "RIBAMBELLE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address at which families reach the portal (links in mails). Default: http://<listen>.
    #[arg(long, env = "RIBAMBELLE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Load the demo data first if the database is empty, and print the demo accounts.
    #[arg(long)]
    pub demo: bool,
    /// Serve the simulated bank without the demo, for development: never in production,
    /// where anyone could open operations there. `--demo` serves it.
    #[arg(long, env = "RIBAMBELLE_SIMULATED_BANK")]
    pub simulated_bank: bool,
    /// Paris time of the nightly processing run (HH:MM); « off » to run it only by command.
    #[arg(long, env = "RIBAMBELLE_PROCESS_AT", default_value = "02:00")]
    pub process_at: String,
    /// Folder of the pièces justificatives (shared by every instance). Default: <data-dir>/pieces.
    #[arg(long, env = "RIBAMBELLE_FILES_DIR")]
    pub files_dir: Option<PathBuf>,
    /// Connections served at the same time; above it, a quick « surchargé » answer.
    /// Lowered at start-up if the open-file limit cannot hold it.
    #[arg(long, env = "RIBAMBELLE_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds a connection may take to send a request's head, or stay idle between two.
    #[arg(long, env = "RIBAMBELLE_REQUEST_TIMEOUT", default_value_t = 10)]
    pub request_timeout: u64,
    /// Connections the kernel holds before the portal accepts them (capped by the
    /// system's net.core.somaxconn).
    #[arg(long, env = "RIBAMBELLE_LISTEN_BACKLOG", default_value_t = 4096)]
    pub listen_backlog: u32,
    /// Password hashes (Argon2id, 19 MiB each) computed at the same time. Default: the cores.
    #[arg(long, env = "RIBAMBELLE_HASHES_AT_ONCE")]
    pub hashes_at_once: Option<usize>,
    /// Logins that may wait for a hash; past it, or after 2 s, the waiting page.
    /// Default: 64 per hash at once.
    #[arg(long, env = "RIBAMBELLE_LOGIN_QUEUE")]
    pub login_queue: Option<usize>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Also add this many synthetic families (for benchmarks).
    #[arg(long, default_value_t = 0)]
    pub families: u32,
    /// Also add this many *Non transmise* requests of synthetic families (for the
    /// processing run's benchmark).
    #[arg(long, default_value_t = 0)]
    pub requests: u64,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct SendTestMailArgs {
    /// Address to send the test mail to.
    #[arg(long)]
    pub to: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Folder for the SQLite database, the mail folder and uploaded files.
    #[arg(long, env = "RIBAMBELLE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: sqlite://… or postgres://… Default: SQLite in the data folder.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[arg(long, env = "RIBAMBELLE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Demonstrations and tests only: the portal's clock shows this instant at start and
    /// runs on from it (2027-03-28T08:00 in Paris time, or 2027-03-28T06:00:00Z). Refused
    /// on a database that the demo did not create.
    #[arg(long, env = "RIBAMBELLE_CLOCK_START", value_parser = ribambelle_domain::clock::parse_start)]
    pub clock_start: Option<jiff::Timestamp>,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub hashing: HashArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct MailArgs {
    /// Sender of the portal's mails.
    #[arg(
        long,
        env = "RIBAMBELLE_MAIL_FROM",
        default_value = "Portail Famille <portail-famille@localhost>"
    )]
    pub mail_from: String,
    /// SMTP server; without it, mails are written as .eml files in <data-dir>/outbox.
    #[arg(long, env = "RIBAMBELLE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "RIBAMBELLE_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    #[arg(long, env = "RIBAMBELLE_SMTP_SECURITY", value_enum, default_value_t = Security::Starttls)]
    pub smtp_security: Security,
    #[arg(long, env = "RIBAMBELLE_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "RIBAMBELLE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Seconds between two looks at the outbox.
    #[arg(long, env = "RIBAMBELLE_MAIL_INTERVAL", default_value_t = 5)]
    pub mail_interval: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Security {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Args)]
pub struct HashArgs {
    /// Argon2id memory cost in KiB (OWASP minimum: 19456).
    #[arg(long, env = "RIBAMBELLE_ARGON2_MEMORY_KIB", default_value_t = 19 * 1024)]
    pub argon2_memory_kib: u32,
    #[arg(long, env = "RIBAMBELLE_ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,
    #[arg(long, env = "RIBAMBELLE_ARGON2_PARALLELISM", default_value_t = 1)]
    pub argon2_parallelism: u32,
}

impl ServeArgs {
    pub fn files_dir(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.common.data_dir.join("pieces"))
    }
}

impl CommonArgs {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("ribambelle.sqlite").display()
            ),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn transport(&self) -> TransportSettings {
        match &self.mail.smtp_host {
            None => TransportSettings::Folder(self.outbox_dir()),
            Some(host) => TransportSettings::Smtp(SmtpSettings {
                host: host.clone(),
                port: self.mail.smtp_port,
                security: match self.mail.smtp_security {
                    Security::None => SmtpSecurity::None,
                    Security::Starttls => SmtpSecurity::StartTls,
                    Security::Tls => SmtpSecurity::Tls,
                },
                username: self.mail.smtp_username.clone(),
                password: self.mail.smtp_password.clone(),
            }),
        }
    }

    pub fn hash_params(&self) -> HashParams {
        HashParams {
            memory_kib: self.hashing.argon2_memory_kib,
            iterations: self.hashing.argon2_iterations,
            parallelism: self.hashing.argon2_parallelism,
        }
    }
}
