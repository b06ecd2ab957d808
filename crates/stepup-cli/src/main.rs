//! `stepup`: verify OpenID Connect ID tokens and decide step-up (MFA) from the command line.
//!
//! `main` only parses the arguments and dispatches to one module per subcommand
//! (`cmd::verify`, `cmd::decode`, `cmd::mint`, `cmd::keygen`, `cmd::issuer`,
//! `cmd::demo`, `cmd::serve`); output is rendered in
//! `output`. Exit codes follow DESIGN.md §4: 0 valid and step-up satisfied, 1 step-up
//! required, 2 token invalid, 3 usage or configuration error, argument-parser errors
//! included (clap's own default would be 2, which here means "token invalid").

mod args;
mod cmd;
mod output;

use std::process::ExitCode;

use clap::Parser as _;
use clap::error::ErrorKind;

use crate::args::{Cli, Command};
use crate::cmd::{Exit, Failure};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(parse_error(&error).code()),
    };
    match run(&cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(error) => {
            let exit = match error.downcast_ref::<Failure>() {
                Some(failure) => {
                    output::error(failure);
                    failure.exit()
                }
                None => {
                    output::error(&Failure::config("internal", format!("{error:#}")));
                    Exit::Usage
                }
            };
            ExitCode::from(exit.code())
        }
    }
}

/// Dispatches to the subcommand.
fn run(cli: &Cli) -> anyhow::Result<Exit> {
    Ok(match &cli.command {
        Command::Verify(args) => cmd::verify::run(args)?,
        Command::Decode(args) => cmd::decode::run(args)?,
        Command::Mint(args) => cmd::mint::run(args)?,
        Command::Keygen(args) => cmd::keygen::run(args)?,
        Command::Issuer(args) => cmd::issuer::run(args)?,
        Command::Demo(args) => cmd::demo::run(args)?,
        Command::Serve(args) => cmd::serve::run(args)?,
    })
}

/// Reports an argument-parser outcome: `--help` and `--version` print and exit 0;
/// every real error prints clap's message and exits 3. With `--json` among the
/// arguments, stdout also gets the JSON error object the caller is parsing.
fn parse_error(error: &clap::Error) -> Exit {
    // If stdout/stderr are gone there is nobody left to tell.
    let _ = error.print();
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Exit::Success,
        _ => {
            if std::env::args_os().any(|arg| arg == "--json") {
                let text = error.render().to_string();
                let first = text.lines().next().unwrap_or_default();
                let message = first.strip_prefix("error: ").unwrap_or(first);
                let _ = output::verify_failure_json(&Failure::config("usage", message));
            }
            Exit::Usage
        }
    }
}
