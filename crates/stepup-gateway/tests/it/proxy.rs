//! The real proxies as child processes, running the committed example configs: found on
//! PATH (or in the sbin directories), started in a temporary directory, waited for, and
//! stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to `1` to skip the tests that need a real proxy (they then say so). Without it, a
/// missing proxy binary fails the test: CI installs nginx and Caddy (.ci/run).
pub(crate) const SKIP_ENV: &str = "STEPUP_SKIP_PROXY_TESTS";

/// The committed example configurations.
pub(crate) fn example(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(relative)
}

/// The proxy binary `name`, or `None` when the test is to be skipped (after saying
/// so). Panics when it is missing and skipping was not asked for.
// The skip must show in the test output: a skipped test would otherwise pass silently.
#[allow(clippy::print_stderr)]
pub(crate) fn binary(name: &str, install: &str) -> Option<PathBuf> {
    if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED the {name} test: {SKIP_ENV}=1");
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file());
    match found {
        Some(path) => Some(path),
        None => panic!(
            "{name} is not installed (not on PATH, nor in /usr/sbin): the proxy tests run the \
             committed example config with the real {name}. Install it ({install}), or set \
             {SKIP_ENV}=1 to skip these tests."
        ),
    }
}

/// A running proxy, stopped on drop.
pub(crate) struct Proxy {
    name: &'static str,
    child: Child,
    /// Its log file(s), shown when something goes wrong.
    logs: Vec<PathBuf>,
    /// nginx: SIGTERM lets the master stop its workers (SIGKILL would orphan them).
    graceful: bool,
}

impl Proxy {
    /// Starts `command` and waits until `addr` accepts connections (at most 10 s).
    pub(crate) fn start(
        name: &'static str,
        mut command: Command,
        addr: SocketAddr,
        logs: Vec<PathBuf>,
        graceful: bool,
    ) -> Self {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut proxy = Self {
            name,
            child,
            logs,
            graceful,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = proxy.child.try_wait().unwrap() {
                panic!(
                    "{name} exited at start ({status}); its logs:\n{}",
                    proxy.logs()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return proxy;
            }
            assert!(
                Instant::now() < deadline,
                "{name} does not listen on {addr} after 10 s; its logs:\n{}",
                proxy.logs()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The proxy's logs, for failure messages.
    pub(crate) fn logs(&self) -> String {
        let mut text = String::new();
        for path in &self.logs {
            let body = std::fs::read_to_string(path).unwrap_or_else(|e| format!("({e})"));
            text.push_str(&format!("--- {}\n{body}\n", path.display()));
        }
        text
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if self.graceful {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx with `examples/nginx/nginx.conf`, copied byte for byte into `dir` next to the
/// `listen.conf`, `server_name.conf` and `upstreams.conf` it includes, which hold this
/// test's addresses. The app's server_name is the listen address's IP (clients send
/// `Host: 127.0.0.1:<port>`, and nginx compares without the port); any other Host gets
/// nginx.conf's default server (421).
pub(crate) fn nginx(
    bin: &Path,
    dir: &Path,
    listen: SocketAddr,
    gateway: SocketAddr,
    app: SocketAddr,
) -> Proxy {
    let committed = std::fs::read(example("nginx/nginx.conf")).unwrap();
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, &committed).unwrap();
    std::fs::write(dir.join("listen.conf"), format!("listen {listen};\n")).unwrap();
    std::fs::write(
        dir.join("server_name.conf"),
        format!("server_name {};\n", listen.ip()),
    )
    .unwrap();
    std::fs::write(
        dir.join("upstreams.conf"),
        format!(
            "upstream stepup_gateway {{\n    server {gateway};\n    keepalive 32;\n}}\n\
             upstream app {{\n    server {app};\n}}\n"
        ),
    )
    .unwrap();
    for sub in ["logs", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    // nginx's workers run as `nobody` when the tests run as root: let them in.
    set_mode(dir, 0o755);
    let error_log = dir.join("logs/error.log");
    let mut command = Command::new(bin);
    command
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(&error_log)
        .arg("-g")
        .arg(format!(
            "daemon off; pid {};",
            dir.join("nginx.pid").display()
        ))
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("logs/stderr.log")).unwrap(),
        ));
    Proxy::start(
        "nginx",
        command,
        listen,
        vec![error_log, dir.join("logs/stderr.log")],
        true,
    )
}

/// Caddy with `examples/caddy/Caddyfile` as committed (no copy), its placeholders set
/// through the environment variables the file documents.
pub(crate) fn caddy(
    bin: &Path,
    dir: &Path,
    listen: SocketAddr,
    gateway: SocketAddr,
    app: SocketAddr,
) -> Proxy {
    let log = dir.join("caddy.log");
    let mut command = Command::new(bin);
    command
        .arg("run")
        .arg("--config")
        .arg(example("caddy/Caddyfile"))
        .arg("--adapter")
        .arg("caddyfile")
        .env("STEPUP_SITE", format!("http://{listen}"))
        .env("STEPUP_GATEWAY", gateway.to_string())
        .env("STEPUP_APP", app.to_string())
        .env("STEPUP_BIND", listen.ip().to_string())
        .env("STEPUP_ADMIN", "off")
        // Caddy's autosave and certificate storage go to the temporary directory.
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    Proxy::start("caddy", command, listen, vec![log], false)
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
