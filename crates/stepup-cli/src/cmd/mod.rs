//! The subcommands, one module each, and what they share: exit codes, failures and input.

pub(crate) mod decode;
pub(crate) mod demo;
pub(crate) mod hint;
pub(crate) mod issuer;
pub(crate) mod keygen;
pub(crate) mod mint;
pub(crate) mod serve;
pub(crate) mod verify;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, IsTerminal as _, Read as _};
use std::path::Path;

use stepup::{ErrorClass, Secret};

/// How a command ended, which is the process exit code (README, "CLI exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: done; for `verify`, the token is valid and the step-up policy satisfied.
    Success,
    /// 1: `verify` only: the token is valid but the user must step up.
    StepUp,
    /// 2: the token is invalid.
    Invalid,
    /// 3: usage or configuration error.
    Usage,
}

impl Exit {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::StepUp => 1,
            Self::Invalid => 2,
            Self::Usage => 3,
        }
    }
}

/// Why a command could not do its job: a stable code, a message and a class.
///
/// Library errors keep their code and class; the CLI's own problems (unreadable
/// files, refused flags) are configuration failures.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    code: Cow<'static, str>,
    message: String,
    class: ErrorClass,
}

impl Failure {
    /// A usage or configuration failure (exit 3).
    pub(crate) fn config(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code: Cow::Borrowed(code),
            message: message.into(),
            class: ErrorClass::Config,
        }
    }

    /// An invalid-token failure (exit 2) found by the CLI itself, e.g. a pasted
    /// `Bearer ` prefix ([`hint`]).
    pub(crate) fn token(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code: Cow::Borrowed(code),
            message: message.into(),
            class: ErrorClass::Token,
        }
    }

    /// A library error with the CLI's own wording (code and class kept), e.g. one
    /// that names the file it came from.
    pub(crate) fn reworded(error: &stepup::Error, message: impl Into<String>) -> Self {
        Self {
            code: Cow::Borrowed(error.code()),
            message: message.into(),
            class: error.class(),
        }
    }

    /// A library error reported as a configuration failure whatever its own class,
    /// e.g. `--alg none`, which the library classes as a token error.
    pub(crate) fn config_from(error: &stepup::Error) -> Self {
        Self {
            code: Cow::Borrowed(error.code()),
            message: error.to_string(),
            class: ErrorClass::Config,
        }
    }

    /// The stable code, e.g. `token_expired` or `file_unreadable`.
    pub(crate) fn code(&self) -> &str {
        &self.code
    }

    /// The message: what happened and what to do.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The class as written in JSON output.
    pub(crate) fn class_name(&self) -> &'static str {
        match self.class {
            ErrorClass::Token => "token",
            ErrorClass::Config => "config",
            ErrorClass::Unavailable => "unavailable",
        }
    }

    /// The exit code this failure leads to: token errors 2, everything else 3.
    pub(crate) fn exit(&self) -> Exit {
        match self.class {
            ErrorClass::Token => Exit::Invalid,
            ErrorClass::Config | ErrorClass::Unavailable => Exit::Usage,
        }
    }
}

impl From<stepup::Error> for Failure {
    fn from(error: stepup::Error) -> Self {
        Self {
            code: Cow::Borrowed(error.code()),
            message: error.to_string(),
            class: error.class(),
        }
    }
}

/// Checks that output was written. A reader that went away (`stepup … | head`) is
/// not an error: the exit code still tells the verdict.
pub(crate) fn written(result: io::Result<()>) -> Result<(), Failure> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::config(
            "output_failed",
            format!("cannot write the output: {error}"),
        )),
        Ok(()) => Ok(()),
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl std::error::Error for Failure {}

/// Largest file the CLI reads (keys, secrets, claims, tokens on stdin): 1 MiB.
/// Real inputs are a few KiB; the cap keeps `--key /dev/zero` from eating memory.
const MAX_INPUT: u64 = 1024 * 1024;

/// The token from the argument (whitespace around it trimmed) or from stdin
/// (`-` or no argument; exactly one trailing newline dropped, nothing else touched,
/// so other whitespace reaches the library, which rejects it).
///
/// Nothing at all (an empty argument, an empty stdin, or only whitespace) is
/// `no_token`, a usage error: there is no token to call invalid.
pub(crate) fn read_token(arg: Option<&str>) -> Result<String, Failure> {
    match arg {
        Some(token) if token != "-" => {
            let token = token.trim();
            if token.is_empty() {
                return Err(Failure::config(
                    "no_token",
                    "no token given: the TOKEN argument is empty (an unset shell variable?); \
                     pass the token, or pipe it in (`-` reads stdin)",
                ));
            }
            Ok(token.to_owned())
        }
        _ => {
            let stdin = io::stdin();
            if arg.is_none() && stdin.is_terminal() {
                return Err(Failure::config(
                    "no_token",
                    "no token given; pass it as an argument, or pipe it in (`-` reads stdin)",
                ));
            }
            let mut bytes = Vec::new();
            stdin
                .lock()
                .take(MAX_INPUT + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| {
                    Failure::config("stdin_unreadable", format!("cannot read stdin: {e}"))
                })?;
            drop_one_newline(&mut bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                let what = if bytes.is_empty() {
                    "was empty"
                } else {
                    "held only whitespace"
                };
                return Err(Failure::config(
                    "no_token",
                    format!(
                        "no token given: stdin {what}; pipe the token in (`… < token.jwt`) \
                         or pass it as an argument"
                    ),
                ));
            }
            // Invalid UTF-8 becomes U+FFFD, which the library rejects as a malformed token.
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

/// Removes one trailing `\n` (or `\r\n`), as a shell `echo` or a text editor adds it.
pub(crate) fn drop_one_newline(bytes: &mut Vec<u8>) {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
}

/// Reads a whole file of at most [`MAX_INPUT`] bytes; `what` names it in messages.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    let unreadable = |reason: String| {
        Failure::config(
            "file_unreadable",
            format!("cannot read the {what} {}: {reason}", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(unreadable(format!("it is larger than {MAX_INPUT} bytes")));
    }
    Ok(bytes)
}

/// Reads a UTF-8 text file (keys, JWKS, claims).
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    String::from_utf8(read_file(path, what)?).map_err(|_| {
        Failure::config(
            "file_unreadable",
            format!("the {what} {} is not UTF-8 text", path.display()),
        )
    })
}

/// The shared secret from `--secret` or `--secret-file` (one trailing newline dropped).
pub(crate) fn load_secret(
    secret: Option<&str>,
    file: Option<&Path>,
) -> Option<Result<Secret, Failure>> {
    match (secret, file) {
        (Some(secret), _) => Some(Ok(Secret::new(secret.as_bytes()))),
        (None, Some(path)) => Some(read_file(path, "secret file").map(|mut bytes| {
            drop_one_newline(&mut bytes);
            Secret::new(bytes)
        })),
        (None, None) => None,
    }
}

/// Logs to stderr for the commands that run servers (`serve`, `issuer`, `demo`):
/// `info` and above unless `STEPUP_LOG` (an `EnvFilter`, e.g. `debug` or
/// `stepup::reject=debug`) says otherwise; `json` for one JSON object per line.
pub(crate) fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEPUP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal (a log file or collector gets plain text), and never
    // with NO_COLOR set, as for the other commands' output.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::stderr().is_terminal() && !no_color)
        .with_writer(io::stderr);
    // A second initialisation (tests) keeps the first subscriber.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_exactly_one_newline() {
        let mut bytes = b"a.b.c\n\n".to_vec();
        drop_one_newline(&mut bytes);
        assert_eq!(bytes, b"a.b.c\n");
        let mut bytes = b"a.b.c\r\n".to_vec();
        drop_one_newline(&mut bytes);
        assert_eq!(bytes, b"a.b.c");
        let mut bytes = b"a.b.c ".to_vec();
        drop_one_newline(&mut bytes);
        assert_eq!(bytes, b"a.b.c ");
    }

    #[test]
    fn token_classes_map_to_exit_codes() {
        let expired = stepup::Error::Expired {
            exp: 1,
            now: 100,
            leeway: 60,
            ago: 99,
        };
        assert_eq!(Failure::from(expired.clone()).exit(), Exit::Invalid);
        assert_eq!(Failure::config_from(&expired).exit(), Exit::Usage);
    }
}
