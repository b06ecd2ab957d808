//! `scripts/quickstart.sh`: it runs the binary cargo built, wherever the target
//! directory is, shows cargo's progress, and prints commands that run again as printed.
//!
//! A real release build takes minutes, so these tests put a stand-in `cargo` first on
//! `PATH`: it records its arguments, prints progress on stderr and answers with the
//! JSON messages of `cargo build --message-format=json` (the shape real cargo prints),
//! naming an executable under `CARGO_TARGET_DIR` that runs the binary under test. The
//! ignored test at the end does the same with the real cargo.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::temp_dir;

/// The repository root.
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path as the script prints it: relative to the repository root when inside it.
fn shown(path: &Path) -> String {
    let root = repo().canonicalize().unwrap();
    match path.strip_prefix(&root) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn write_executable(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// What one run of the script left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// The arguments the stand-in cargo was called with, one call per line.
    cargo_calls: String,
    /// Whether the executable cargo named was the one that ran.
    used_reported_binary: bool,
    /// `STEPUP_QUICKSTART_DIR`.
    files: PathBuf,
}

/// Runs `scripts/quickstart.sh` with the stand-in cargo and a target directory that is
/// not the repository's `target/`.
fn run_quickstart(name: &str) -> Run {
    let dir = temp_dir(name);
    let target = dir.join("elsewhere");
    let used = dir.join("stepup-used");
    // The executable "cargo built": the binary under test, noting that it ran.
    write_executable(
        &target.join("release/stepup"),
        &format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
            used.display(),
            env!("CARGO_BIN_EXE_stepup")
        ),
    );
    let calls = dir.join("cargo-calls");
    write_executable(
        &dir.join("bin/cargo"),
        &format!(
            r#"#!/bin/sh
echo "$*" >> '{calls}'
[ "$1" = build ] || {{ echo "stand-in cargo: unexpected $1" >&2; exit 101; }}
echo "   Compiling stepup-cli v0.1.0 (stand-in)" >&2
printf '%s\n' '{{"reason":"compiler-artifact","package_id":"path+file:///r/crates/stepup#0.1.0","target":{{"kind":["lib"],"crate_types":["lib"],"name":"stepup","src_path":"/r/crates/stepup/src/lib.rs"}},"filenames":["/r/t/release/libstepup.rlib"],"executable":null,"fresh":true}}'
printf '%s\n' '{{"reason":"compiler-artifact","package_id":"path+file:///r/crates/stepup-cli#0.1.0","target":{{"kind":["bin"],"crate_types":["bin"],"name":"stepup","src_path":"/r/crates/stepup-cli/src/main.rs"}},"filenames":["'"$CARGO_TARGET_DIR"'/release/stepup"],"executable":"'"$CARGO_TARGET_DIR"'/release/stepup","fresh":false}}'
printf '%s\n' '{{"reason":"build-finished","success":true}}'
echo "    Finished \`release\` profile [optimized] target(s) in 0.01s" >&2
"#,
            calls = calls.display()
        ),
    );
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let files = dir.join("quickstart");
    let output = Command::new("bash")
        .arg(repo().join("scripts/quickstart.sh"))
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", &target)
        .env("STEPUP_QUICKSTART_DIR", &files)
        .env_remove("NO_COLOR")
        .output()
        .expect("bash runs");
    Run {
        code: output.status.code().expect("exited normally"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        cargo_calls: std::fs::read_to_string(&calls).unwrap_or_default(),
        used_reported_binary: used.exists(),
        files,
    }
}

#[test]
fn quickstart_runs_the_binary_cargo_reports_under_cargo_target_dir() {
    let run = run_quickstart("quickstart-target-dir");
    assert_eq!(
        run.code, 0,
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.used_reported_binary,
        "the script must run the executable cargo reports, not ./target/release/stepup\n{}",
        run.stdout
    );
    let calls: Vec<&str> = run.cargo_calls.lines().collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let args: Vec<&str> = calls[0].split_whitespace().collect();
    for expected in ["build", "--release", "-p", "stepup-cli"] {
        assert!(args.contains(&expected), "{expected} in {args:?}");
    }
    assert!(
        args.iter().any(|a| a.starts_with("--message-format=json")),
        "{args:?}"
    );
    // A first build takes minutes: cargo's progress must stay visible.
    assert!(
        !args.contains(&"--quiet") && !args.contains(&"-q"),
        "{args:?}"
    );
    assert!(
        run.stderr.contains("Compiling stepup-cli"),
        "{}",
        run.stderr
    );
    // The three verdicts, in order.
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("exit code: "))
        .collect();
    assert_eq!(codes, ["1", "0", "2"], "{}", run.stdout);
    assert!(
        run.stdout.contains("VALID — STEP-UP REQUIRED: amr:mfa\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn quickstart_keeps_its_files_and_prints_commands_that_run_again() {
    let run = run_quickstart("quickstart-rerun");
    assert_eq!(
        run.code, 0,
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
    for file in [
        "keys/private.pem",
        "keys/jwks.json",
        "password-only.jwt",
        "mfa.jwt",
        "other-issuer.jwt",
    ] {
        assert!(run.files.join(file).is_file(), "{file} is kept");
    }
    let folder = shown(&run.files);
    assert!(
        run.stdout.contains(&format!("are in {folder}/")),
        "the script says where its files are\n{}",
        run.stdout
    );
    // Every printed command, run again from the repository root as the script says,
    // in order: the verifications answer as they did.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let mut rerun = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(command) = line.strip_prefix("$ ") else {
            continue;
        };
        let output = Command::new("bash")
            .args(["-c", command])
            .current_dir(repo())
            .output()
            .expect("bash runs");
        let expected = lines[i + 1..]
            .iter()
            .take_while(|next| !next.starts_with("$ "))
            .find_map(|next| next.strip_prefix("exit code: "))
            .map_or(0, |code| code.parse::<i32>().unwrap());
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{command}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        rerun += 1;
    }
    assert_eq!(rerun, 7, "keygen, three mints, three verifications");
}

/// The same with the real cargo: a release build with `CARGO_TARGET_DIR` set to the
/// target directory of this test under another name (a symbolic link), so that
/// nothing needs rebuilding when a release build is already there. Minutes otherwise:
/// `cargo test -p stepup-cli --test it quickstart -- --ignored`.
#[test]
#[ignore = "runs a real release build"]
fn quickstart_with_a_real_cargo_and_cargo_target_dir_elsewhere() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_stepup"));
    let target = bin.parent().and_then(Path::parent).unwrap().to_owned();
    let dir = temp_dir("quickstart-real");
    let elsewhere = dir.join("target-elsewhere");
    std::os::unix::fs::symlink(&target, &elsewhere).unwrap();
    let files = dir.join("quickstart");
    let output = Command::new("bash")
        .arg(repo().join("scripts/quickstart.sh"))
        .env("CARGO_TARGET_DIR", &elsewhere)
        .env("STEPUP_QUICKSTART_DIR", &files)
        .output()
        .expect("bash runs");
    // The link points back into the target directory: not left there for tools to loop on.
    std::fs::remove_file(&elsewhere).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = elsewhere.join("release/stepup");
    let shown = match shown(&binary) {
        absolute if absolute.starts_with('/') => absolute,
        relative => format!("./{relative}"),
    };
    assert!(stdout.contains(&format!("$ {shown} keygen")), "{stdout}");
}
