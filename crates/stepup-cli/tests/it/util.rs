//! Running the binary and reading its output (after ripgrep's `tests/util.rs`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The issuer every test token uses.
pub(crate) const ISS: &str = "https://issuer.example.com";
/// The client id every test token is issued to.
pub(crate) const AUD: &str = "stepup-client";
/// `iat` of the test tokens: 2026-01-01T00:00:00Z.
pub(crate) const IAT: i64 = 1_767_225_600;
/// `exp` of the test tokens (the default lifetime of `mint` is one hour).
pub(crate) const EXP: i64 = IAT + 3600;
/// The clock of most checks: ten minutes after `iat`.
pub(crate) const NOW: i64 = IAT + 600;
/// A 32-byte HS256 secret.
pub(crate) const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// The outcome of one run of the binary.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// Stdout as exactly one JSON value (fails on anything else in stdout).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{}", self.stdout))
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub(crate) fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A command for the `stepup` binary, with the colour environment neutralised.
pub(crate) fn stepup() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stepup"));
    command.env_remove("NO_COLOR");
    command
}

/// Runs `stepup args…` with `stdin` piped in (empty when `None`).
pub(crate) fn run_with(mut command: Command, args: &[&str], stdin: Option<&[u8]>) -> Output {
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the stepup binary runs");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may exit without reading stdin; a broken pipe is fine then.
        let _ = pipe.write_all(&input);
    });
    let output = child
        .wait_with_output()
        .expect("the stepup binary finishes");
    writer.join().expect("stdin writer");
    Output {
        code: output
            .status
            .code()
            .expect("exited normally, not by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `stepup args…` with an empty stdin.
pub(crate) fn run(args: &[&str]) -> Output {
    run_with(stepup(), args, None)
}

/// Runs `stepup args…` with `stdin` piped in.
pub(crate) fn run_stdin(args: &[&str], stdin: &[u8]) -> Output {
    run_with(stepup(), args, Some(stdin))
}

/// The path of a committed key file, e.g. `key("rsa-2048.public.pem")`.
pub(crate) fn key(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/keys")
        .join(name);
    assert!(path.exists(), "missing test key {}", path.display());
    path.to_string_lossy().into_owned()
}

/// A fresh empty directory under cargo's temporary directory for integration tests.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("stepup-cli-{name}-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove old temp dir");
    }
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Writes `contents` to `name` in a fresh temp dir and returns the file's path.
pub(crate) fn temp_file(name: &str, contents: &[u8]) -> String {
    let path = temp_dir(name).join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path.to_string_lossy().into_owned()
}

/// Mints a token with `stepup mint` (issued at [`IAT`] by [`ISS`] for [`AUD`]) plus `extra` flags.
pub(crate) fn mint(extra: &[&str]) -> String {
    let iat = IAT.to_string();
    let mut args = vec!["mint", "--issuer", ISS, "--audience", AUD, "--now", &iat];
    args.extend_from_slice(extra);
    let out = run(&args);
    out.expect_code(0);
    assert!(out.stdout.ends_with('\n'), "mint ends with a newline");
    out.stdout.trim_end().to_owned()
}

/// An HS256 token with the given `amr` values plus `extra` flags.
pub(crate) fn hs256(amr: &[&str], extra: &[&str]) -> String {
    let mut args = vec!["--secret", SECRET];
    for value in amr {
        args.extend(["--amr", value]);
    }
    args.extend_from_slice(extra);
    mint(&args)
}

/// `stepup verify TOKEN --secret SECRET --issuer ISS --audience AUD --now NOW` plus `extra`
/// (`--now NOW` only if `extra` has no `--now`).
pub(crate) fn verify_hs(token: &str, extra: &[&str]) -> Output {
    let now = NOW.to_string();
    let mut args = vec![
        "verify",
        token,
        "--secret",
        SECRET,
        "--issuer",
        ISS,
        "--audience",
        AUD,
    ];
    // A test that sets its own clock passes `--now` in `extra`.
    if !extra.contains(&"--now") {
        args.extend(["--now", &now]);
    }
    args.extend_from_slice(extra);
    run(&args)
}

/// The `name`s of the checks of a `verify --json` output.
pub(crate) fn check_names(json: &Value) -> Vec<String> {
    json["checks"]
        .as_array()
        .expect("checks is an array")
        .iter()
        .map(|check| check["name"].as_str().expect("name").to_owned())
        .collect()
}
