//! `ribambelle`: the Portail Famille server and its commands. Reading order: the command
//! line (`config`), then what each command does (`serve`, `demo`, `test_mail`,
//! `reset_password`, `process`, `regie`).

mod config;
mod connections;
mod demo;
mod maintenance;
mod payments;
mod process;
mod regie;
mod reset_password;
mod serve;
mod setup;
mod test_mail;

use std::process::ExitCode;

use clap::Parser;

use crate::config::{Cli, Command};

// The server allocates a little for every request on two runtime threads and nine SQLite
// connection threads; glibc's allocator spent about a tenth of the rush's CPU time in
// malloc and free, and in its arena locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve::run(cli.serve).await,
        Some(Command::Serve(args)) => serve::run(args).await,
        Some(Command::Demo(args)) => demo::run(args).await,
        Some(Command::SendTestMail(args)) => test_mail::run(args).await,
        Some(Command::ResetPassword(args)) => reset_password::run(args).await,
        Some(Command::Process(args)) => process::run(args).await,
        Some(Command::Regie(args)) => regie::run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ribambelle : {error}");
            ExitCode::FAILURE
        }
    }
}
