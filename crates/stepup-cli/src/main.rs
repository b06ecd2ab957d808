//! `stepup`: verify OpenID Connect ID tokens and decide step-up (MFA) from the command line.
//!
//! `main` only parses the arguments and dispatches to one module per subcommand
//! (`cmd::verify`, `cmd::decode`, `cmd::mint`, `cmd::keygen`, `cmd::issuer`,
//! `cmd::demo`, `cmd::serve`); output is rendered in
//! `output`. Exit codes (README, "CLI exit codes"): 0 valid and step-up satisfied, 1 step-up
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
                let message = usage_message(&error.render().to_string());
                let _ = output::verify_failure_json(&Failure::config("usage", message));
            }
            Exit::Usage
        }
    }
}

/// clap's error text for the JSON `message`: all of it (which flags are missing, the
/// usage line), without the `error: ` lead, the `For more information, try '--help'.`
/// tail, terminal styling, and trailing blank space.
fn usage_message(rendered: &str) -> String {
    let plain = output::strip_ansi(rendered);
    let text = plain.trim();
    let text = text.strip_prefix("error: ").unwrap_or(text);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.starts_with("For more information, try "))
        .collect();
    lines.join("\n").trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_message_keeps_every_line_but_the_tail() {
        let rendered = "\x1b[1;31merror:\x1b[0m the following required arguments were not provided:\n  \x1b[32m--issuer <ISS>\x1b[0m\n  --audience <CLIENT_ID>\n\nUsage: stepup verify --issuer <ISS> <TOKEN>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_message(rendered),
            "the following required arguments were not provided:\n  --issuer <ISS>\n  \
             --audience <CLIENT_ID>\n\nUsage: stepup verify --issuer <ISS> <TOKEN>"
        );
    }
}
