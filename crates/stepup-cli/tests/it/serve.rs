//! `stepup serve`: configuration mistakes exit 3 naming the key, `--check-config` and
//! `explain` against the development provider, a gateway that starts without its
//! provider and becomes ready once it appears, JSON logs, and a graceful SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use stepup_issuer::{Issuer, IssuerConfig, RunningIssuer};

use crate::util::{Output, run_with, stepup, temp_dir};

/// The gateway's client at the development provider.
const CLIENT_ID: &str = "gateway";
const CLIENT_SECRET: &str = "gateway-client-secret-0123456789abcdef";
/// A password-only user (no second factor).
const BOB_PASSWORD: &str = "bob-password-2";
const SESSION_KEY: &str = "session-key-of-the-serve-tests-0123456789";
/// `require = "mfa"` under profile `auth0`: `amr` has `mfa`, or this `acr` (PAPE multi-factor).
const MFA_ACR: &str = stepup_issuer::ACR_MULTI_FACTOR;

/// A loopback address that was free a moment ago (nothing listens on it).
fn free_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// `stepup serve …` with the client secret's environment variable cleared.
fn serve_cmd(args: &[&str]) -> Output {
    let mut command = stepup();
    command.env_remove("STEPUP_CLIENT_SECRET");
    let mut all = vec!["serve"];
    all.extend_from_slice(args);
    run_with(command, &all, None)
}

/// A gateway configuration in a fresh directory: its file, and what it says.
struct Config {
    dir: PathBuf,
    file: PathBuf,
    listen: SocketAddr,
}

impl Config {
    /// `listen` on a free port, `public_url` on that port, the provider at `issuer`,
    /// the client secret and session key in files next to it, and these rules:
    /// `/public/**` public, `/app/**` login, `/admin/**` MFA (5 minutes),
    /// `/api/*/keys` on one host for POST and DELETE with a hardware key; nothing else.
    fn new(name: &str, issuer: &str) -> Self {
        let listen = free_addr();
        let text = format!(
            "listen = \"{listen}\"\n\
             public_url = \"http://{listen}\"\n\
             [provider]\n\
             issuer = \"{issuer}\"\n\
             client_id = \"{CLIENT_ID}\"\n\
             client_secret_file = \"client-secret\"\n\
             profile = \"auth0\"\n\
             [session]\n\
             key_files = [\"session-key\"]\n\
             lifetime = 3600\n\
             [[rule]]\npath = \"/public/**\"\nrequire = \"public\"\n\
             [[rule]]\npath = \"/app/**\"\nrequire = \"login\"\n\
             [[rule]]\npath = \"/admin/**\"\nrequire = \"mfa\"\nmax_age = 300\n\
             [[rule]]\npath = \"/api/*/keys\"\nhost = \"api.example.com\"\n\
             methods = [\"POST\", \"DELETE\"]\nrequire = \"login\"\namr = [\"hwk\"]\n"
        );
        Self::with_text(name, &text, listen)
    }

    fn with_text(name: &str, text: &str, listen: SocketAddr) -> Self {
        let dir = temp_dir(name);
        std::fs::write(dir.join("client-secret"), format!("{CLIENT_SECRET}\n")).unwrap();
        std::fs::write(dir.join("session-key"), format!("{SESSION_KEY}\n")).unwrap();
        let file = dir.join("stepup.toml");
        std::fs::write(&file, text).unwrap();
        Self { dir, file, listen }
    }

    /// The file's text with `from` replaced by `to` (which must change it).
    fn edited(&self, from: &str, to: &str) -> PathBuf {
        let text = std::fs::read_to_string(&self.file).unwrap();
        assert!(text.contains(from), "{from:?} not in the config");
        static EDITS: AtomicUsize = AtomicUsize::new(0);
        let n = EDITS.fetch_add(1, Ordering::Relaxed);
        let file = self.dir.join(format!("edited-{n}.toml"));
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
        file
    }

    fn path(&self) -> &str {
        self.file.to_str().unwrap()
    }

    fn public_url(&self) -> String {
        format!("http://{}", self.listen)
    }
}

// ------------------------------------------------------------ the provider

/// The development provider, in process on its own runtime: user bob (password only)
/// and the confidential client `gateway` with its callback on `public_url`.
struct Provider {
    running: RunningIssuer,
    runtime: tokio::runtime::Runtime,
}

impl Provider {
    fn start(listen: SocketAddr, public_url: &str, state: &Path) -> Self {
        let config = IssuerConfig::from_toml(&format!(
            "try_client = false\n\
             [[users]]\nusername = \"bob\"\npassword = \"{BOB_PASSWORD}\"\ntotp = false\n\
             [[clients]]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\
             redirect_uris = [\"{public_url}/stepup/callback\"]\n"
        ))
        .unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let running = runtime
            .block_on(Issuer::start(config, listen, state))
            .expect("the provider starts");
        Self { running, runtime }
    }

    fn issuer(&self) -> &str {
        self.running.issuer()
    }

    /// A password-only login of bob through the gateway's client, as a browser and the
    /// gateway would do it: authorize, the password form, the code at the token
    /// endpoint. The ID token.
    fn password_login(&self, public_url: &str) -> String {
        let addr = self.running.local_addr();
        let redirect_uri = format!("{public_url}/stepup/callback");
        let authorize = format!(
            "/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={}\
             &scope=openid%20email&state=st-1&nonce=n-1",
            encode(&redirect_uri)
        );
        let answer = request(addr, "GET", &authorize, &[], "");
        assert_eq!(answer.status, 302, "{answer:?}");
        let cookies = answer.cookies();
        let login = answer.header("location").to_owned();
        assert!(login.starts_with("/login?tx="), "{login}");
        let page = request(addr, "GET", &login, &[("Cookie", &cookies)], "");
        assert_eq!(page.status, 200, "{page:?}");
        let form = format!(
            "tx={}&csrf={}&username=bob&password={}&action=login",
            encode(&hidden(&page.body, "tx")),
            encode(&hidden(&page.body, "csrf")),
            encode(BOB_PASSWORD)
        );
        let submitted = request(
            addr,
            "POST",
            "/login",
            &[
                ("Cookie", &cookies),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &form,
        );
        assert!(
            [302, 303].contains(&submitted.status),
            "the login ends at the callback: {submitted:?}"
        );
        let callback = submitted.header("location");
        assert!(callback.starts_with(&redirect_uri), "{callback}");
        let code = query_param(callback, "code");
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        let token = request(
            addr,
            "POST",
            "/token",
            &[
                ("Authorization", &format!("Basic {basic}")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!(
                "grant_type=authorization_code&code={}&redirect_uri={}",
                encode(&code),
                encode(&redirect_uri)
            ),
        );
        assert_eq!(token.status, 200, "{token:?}");
        let body: Value = serde_json::from_str(&token.body).unwrap();
        body["id_token"].as_str().unwrap().to_owned()
    }

    fn stop(self) {
        let Self { running, runtime } = self;
        runtime.block_on(running.shutdown()).unwrap();
    }
}

// ------------------------------------------------------------ HTTP on loopback

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn query_param(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| decode(value))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

/// The value of a hidden form field, e.g. `tx` or `csrf`.
fn hidden(html: &str, name: &str) -> String {
    let prefix = format!("name=\"{name}\" value=\"");
    let start = html.find(&prefix).unwrap_or_else(|| panic!("no {name}")) + prefix.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].replace("&amp;", "&")
}

#[derive(Debug)]
struct Response {
    status: u16,
    /// Lower-cased names.
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> &str {
        self.try_header(name)
            .unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }

    fn try_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `Set-Cookie` pairs as a `Cookie` header value.
    fn cookies(&self) -> String {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.split(';').next().unwrap().trim().to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Parses an HTTP/1.1 answer read to its end (`Connection: close`).
fn parse_response(raw: &str) -> Response {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut rest = body;
        let mut out = String::new();
        loop {
            let (size, after) = rest.split_once("\r\n").unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    } else {
        body.to_owned()
    };
    Response {
        status: status.parse().unwrap(),
        headers,
        body,
    }
}

/// One request on a fresh connection.
fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    parse_response(&raw)
}

fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, &[], "")
}

/// A Traefik/Caddy forward-auth question about `GET uri` from an API client.
fn forward_auth(addr: SocketAddr, uri: &str, extra: &[(&str, &str)]) -> Response {
    let host = addr.to_string();
    let mut headers = vec![
        ("X-Forwarded-Method", "GET"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", host.as_str()),
        ("X-Forwarded-Uri", uri),
    ];
    headers.extend_from_slice(extra);
    request(addr, "GET", "/auth/forward", &headers, "")
}

// ------------------------------------------------------------ the running gateway

/// `stepup serve` running, its stderr read line by line in the background; killed if
/// the test fails before it stops.
struct Gateway {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every stderr line seen so far.
    log: Vec<String>,
}

impl Gateway {
    fn start(config: &Config, extra: &[&str]) -> Self {
        let mut child = stepup()
            .env_remove("STEPUP_CLIENT_SECRET")
            .env_remove("STEPUP_LOG")
            .args(["serve", "--config", config.path()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Waits (at most `within`) for a stderr line containing `text`.
    #[track_caller]
    fn wait_for_line(&mut self, text: &str, within: Duration) -> String {
        if let Some(line) = self.log.iter().find(|line| line.contains(text)) {
            return line.clone();
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no stderr line with {text:?} within {within:?}; stderr so far:\n{}",
                    self.log.join("\n")
                ),
            }
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn signal(&self, name: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.pid()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits (at most `within`) for the process to exit.
    #[track_caller]
    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "stepup serve still runs {within:?} later"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The rest of stderr (the process has exited).
    fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.log.push(line);
        }
        self.log.clone()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `addr` + `/readyz` until it answers `status`, at most `within`.
#[track_caller]
fn wait_ready(addr: SocketAddr, status: u16, within: Duration) -> Response {
    let deadline = Instant::now() + within;
    loop {
        let answer = get(addr, "/readyz");
        if answer.status == status {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz did not answer {status} within {within:?}: {answer:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ------------------------------------------------------------ config mistakes

#[test]
fn config_mistakes_exit_3_naming_the_key() {
    let config = Config::new("serve-mistakes", "http://127.0.0.1:1");
    let missing = config.dir.join("missing").to_string_lossy().into_owned();
    let short = config.dir.join("short-key");
    std::fs::write(&short, b"0123456789").unwrap();
    let short = short.to_string_lossy().into_owned();
    let cases: Vec<(PathBuf, Vec<&str>)> = vec![
        // An unknown top-level key.
        (
            config.edited("listen = ", "listn = 1\nlisten = "),
            vec!["unknown field `listn`", "expected one of", "`listen`"],
        ),
        // An unknown key in a [[rule]].
        (
            config.edited("max_age = 300", "max_ag = 300"),
            vec!["unknown field `max_ag`", "`max_age`", "max_ag = 300"],
        ),
        // A value that is not one of the choices.
        (
            config.edited("require = \"mfa\"", "require = \"mfa!\""),
            vec!["mfa!", "`public`, `login`"],
        ),
        // A glob with ** inside a segment.
        (
            config.edited("\"/public/**\"", "\"/public**\""),
            vec!["rule[0].path", "\"/public**\"", "**"],
        ),
        // A glob that is not a path.
        (
            config.edited("\"/app/**\"", "\"app/**\""),
            vec!["rule[1].path"],
        ),
        // A glob with a character requests carry escaped (it could never match).
        (
            config.edited("\"/app/**\"", "\"/café/**\""),
            vec!["rule[1].path", "/caf%C3%A9"],
        ),
        // An issuer that is not an https URL (a configuration mistake, not an outage).
        (
            config.edited("issuer = \"http://127.0.0.1:1\"", "issuer = \"not a url\""),
            vec!["provider.issuer", "https"],
        ),
        (
            config.edited(
                "issuer = \"http://127.0.0.1:1\"",
                "issuer = \"http://login.example.com\"",
            ),
            vec!["provider.issuer", "plain http only to localhost"],
        ),
        // A host rule that can never match.
        (
            config.edited(
                "require = \"mfa\"",
                "require = \"mfa\"\nhost = \"*.example.com\"",
            ),
            vec!["rule[2].host", "no wildcard"],
        ),
        // A session key file that cannot be read.
        (
            config.edited("[\"session-key\"]", &format!("[\"{missing}\"]")),
            vec![
                "session.key_files[0]",
                "cannot read",
                &missing,
                "check the path",
            ],
        ),
        // A session key of 10 bytes.
        (
            config.edited(
                "[\"session-key\"]",
                &format!("[\"session-key\", \"{short}\"]"),
            ),
            vec![
                "session.key_files[1]",
                "10 bytes",
                "at least 32",
                "openssl rand",
            ],
        ),
        // A client secret file that cannot be read.
        (
            config.edited("\"client-secret\"", &format!("\"{missing}\"")),
            vec!["provider.client_secret_file", "cannot read", &missing],
        ),
        // A public_url that is not an origin.
        (
            config.edited("public_url = \"http://", "public_url = \"ftp://"),
            vec!["public_url", "origin"],
        ),
    ];
    for (file, expected) in &cases {
        let file = file.to_str().unwrap();
        for args in [
            vec!["--config", file, "--check-config"],
            vec!["--config", file],
            vec!["explain", "--config", file, "--path", "/admin/x"],
        ] {
            let out = serve_cmd(&args);
            out.expect_code(3);
            for text in expected {
                assert!(
                    out.stderr.contains(text),
                    "{args:?}: stderr lacks {text:?}:\n{}",
                    out.stderr
                );
            }
            assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
            assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        }
    }

    // No --config at all, and a --config that does not exist.
    for args in [
        vec!["--check-config"],
        vec![],
        vec!["explain", "--path", "/"],
    ] {
        let out = serve_cmd(&args);
        out.expect_code(3);
        assert!(out.stderr.contains("--config FILE"), "{}", out.stderr);
    }
    let out = serve_cmd(&["--config", &missing, "--check-config"]);
    out.expect_code(3);
    assert!(
        out.stderr.contains("config: cannot read") && out.stderr.contains(&missing),
        "{}",
        out.stderr
    );
    // Parser errors exit 3 too.
    serve_cmd(&["--config", config.path(), "--log-format", "xml"]).expect_code(3);
    serve_cmd(&["--config", config.path(), "--no-such-flag"]).expect_code(3);
    serve_cmd(&["explain", "--config", config.path()]).expect_code(3);
}

#[test]
fn serve_exits_3_naming_listen_when_the_address_is_taken() {
    let config = Config::new("serve-busy", "http://127.0.0.1:1");
    let _taken = TcpListener::bind(config.listen).unwrap();
    let out = serve_cmd(&["--config", config.path()]);
    out.expect_code(3);
    assert!(
        out.stderr
            .contains(&format!("listen: cannot listen on {}", config.listen)),
        "{}",
        out.stderr
    );
}

// ------------------------------------------------------------ --check-config and explain

/// The resolved rules as `--check-config` prints them.
fn expected_rules() -> Vec<String> {
    vec![
        "rule[0] /public/** (any host, any method): public".to_owned(),
        "rule[1] /app/** (any host, any method): a login".to_owned(),
        format!(
            "rule[2] /admin/** (any host, any method): amr contains mfa or acr is one of {MFA_ACR}, login at most 300 s old"
        ),
        "rule[3] /api/*/keys (api.example.com, POST,DELETE): amr contains hwk".to_owned(),
        "anything else: denied (403)".to_owned(),
    ]
}

#[test]
fn check_config_prints_the_rules_and_checks_the_provider() {
    let provider_addr = free_addr();
    // The provider is not there yet: the rules are printed, then the problem, exit 3.
    let config = Config::new("serve-check", &format!("http://{provider_addr}"));
    let out = serve_cmd(&["--config", config.path(), "--check-config"]);
    out.expect_code(3);
    let lines: Vec<&str> = out.stdout.lines().collect();
    for rule in expected_rules() {
        assert!(
            lines.contains(&rule.as_str()),
            "{rule:?} in\n{}",
            out.stdout
        );
    }
    assert!(
        out.stderr.contains("[provider_unreachable]")
            && out.stderr.contains(&format!(
                "http://{provider_addr}/.well-known/openid-configuration"
            ))
            && out.stderr.contains("would start and retry"),
        "{}",
        out.stderr
    );

    let provider = Provider::start(
        provider_addr,
        &config.public_url(),
        &temp_dir("serve-check-op"),
    );
    let out = serve_cmd(&["--config", config.path(), "--check-config"]);
    out.expect_code(0);
    let mut expected = vec![
        "configuration OK".to_owned(),
        format!("public origin {}", config.public_url()),
        format!(
            "issuer {} (client {CLIENT_ID}, confidential client, profile auth0)",
            provider.issuer()
        ),
    ];
    expected.extend(expected_rules());
    expected.push("provider reachable: discovery and keys loaded".to_owned());
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), expected);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    provider.stop();
}

#[test]
fn explain_names_the_rule_and_the_verdict() {
    let provider_addr = free_addr();
    let config = Config::new("serve-explain", &format!("http://{provider_addr}"));
    let explain = |extra: &[&str]| {
        let mut args = vec!["explain", "--config", config.path()];
        args.extend_from_slice(extra);
        serve_cmd(&args)
    };

    // Without a token the provider is not asked (it is not running yet).
    let out = explain(&["--path", "/admin/x?y=1"]);
    out.expect_code(0);
    assert_eq!(
        out.stdout,
        format!(
            "path \"/admin/x?y=1\" normalises to \"/admin/x\"\nmatches rule[2] /admin/**\n\
             needs amr contains mfa or acr is one of {MFA_ACR}, login at most 300 s old\n\
             without credentials: API clients get 401, browsers go to the login\n"
        )
    );
    // Normalised first: the dot segments and the unreserved escape.
    let out = explain(&["--path", "/public/../%61dmin/./x"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("matches rule[2] /admin/**"),
        "{}",
        out.stdout
    );

    // `//` with `..` is resolved differently by different servers: refused.
    let out = explain(&["--path", "/public//../admin/x"]);
    out.expect_code(3);
    assert!(
        out.stderr.contains("would be refused with 400"),
        "{}",
        out.stderr
    );
    // A lower-case method is refused, and a host is read without port and dot.
    explain(&["--path", "/admin/x", "--method", "get"]).expect_code(3);

    let out = explain(&["--path", "/admin%2Fx"]);
    out.expect_code(3);
    assert!(
        out.stderr
            .contains("\"/admin%2Fx\" would be refused with 400")
            && out.stderr.contains("%2F"),
        "{}",
        out.stderr
    );
    let out = explain(&["--path", "/../etc"]);
    out.expect_code(3);
    assert!(
        out.stderr.contains("would be refused with 400"),
        "{}",
        out.stderr
    );

    let out = explain(&["--path", "/elsewhere"]);
    out.expect_code(0);
    assert!(
        out.stdout.ends_with("no rule matches: denied (403)\n"),
        "{}",
        out.stdout
    );
    let out = explain(&["--path", "/public/a.css"]);
    out.expect_code(0);
    assert!(
        out.stdout
            .ends_with("matches rule[0] /public/**\npublic: allowed without a login\n"),
        "{}",
        out.stdout
    );
    // Host and method matter for rule[3].
    let out = explain(&[
        "--path",
        "/api/v1/keys",
        "--method",
        "POST",
        "--host",
        "API.example.com",
    ]);
    out.expect_code(0);
    assert!(out.stdout.contains("matches rule[3]"), "{}", out.stdout);
    let out = explain(&[
        "--path",
        "/api/v1/keys",
        "--method",
        "GET",
        "--host",
        "api.example.com",
    ]);
    assert!(out.stdout.contains("no rule matches"), "{}", out.stdout);

    // With a token, the provider's keys decide.
    let provider = Provider::start(
        provider_addr,
        &config.public_url(),
        &temp_dir("serve-explain-op"),
    );
    let token = provider.password_login(&config.public_url());
    let out = explain(&["--path", "/admin/x", "--token", &token]);
    out.expect_code(1);
    assert!(
        out.stdout
            .contains("needs amr contains mfa or acr is one of")
            && out
                .stdout
                .contains("with this token: step-up needed (missing")
            && out.stdout.contains("insufficient_user_authentication"),
        "{}",
        out.stdout
    );
    let out = explain(&["--path", "/app/home", "--token", &token]);
    out.expect_code(0);
    assert!(
        out.stdout
            .ends_with("with this token: allowed (200 with identity headers)\n"),
        "{}",
        out.stdout
    );
    // A token that is not the provider's: invalid, exit 2.
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    let out = explain(&["--path", "/app/home", "--token", &forged]);
    out.expect_code(2);
    assert!(
        out.stdout.contains("with this token: invalid"),
        "{}",
        out.stdout
    );
    provider.stop();
}

// ------------------------------------------------------------ serving

#[test]
fn serve_starts_without_the_provider_and_becomes_ready_when_it_appears() {
    let provider_addr = free_addr();
    let config = Config::new("serve-retry", &format!("http://{provider_addr}"));
    let addr = config.listen;
    let mut gateway = Gateway::start(&config, &[]);
    let first = gateway.wait_for_line("provider not reachable", Duration::from_secs(10));
    // Plain text for a pipe: no colour codes.
    assert!(!first.contains('\u{1b}'), "{first:?}");
    assert!(
        first.contains("WARN")
            && first.contains(&format!(
                "http://{provider_addr}/.well-known/openid-configuration"
            ))
            && first.contains("retry_in=1s"),
        "{first}"
    );
    assert!(
        gateway
            .log
            .iter()
            .any(|line| line.contains(&format!("gateway listening listen={addr}"))),
        "{:?}",
        gateway.log
    );

    let health = get(addr, "/healthz");
    assert_eq!(health.status, 200, "{health:?}");
    let ready = get(addr, "/readyz");
    assert_eq!(ready.status, 503, "{ready:?}");
    // Never an allow while the keys are not there: 503 with Retry-After, for API
    // clients and browsers.
    let api = forward_auth(addr, "/admin/x", &[("Authorization", "Bearer x.y.z")]);
    assert_eq!(api.status, 503, "{api:?}");
    assert!(api.try_header("retry-after").is_some(), "{api:?}");
    let browser = forward_auth(addr, "/app/home", &[("Accept", "text/html")]);
    assert_eq!(browser.status, 503, "{browser:?}");
    let start = get(addr, "/stepup/start?rd=%2Fapp%2Fhome");
    assert_eq!(start.status, 503, "{start:?}");
    // What needs no keys is still decided: public and no rule.
    assert_eq!(forward_auth(addr, "/public/a.css", &[]).status, 200);
    assert_eq!(forward_auth(addr, "/elsewhere", &[]).status, 403);

    // The provider appears; the next try (1 s, then 2 s after the first) finds it.
    let provider = Provider::start(
        provider_addr,
        &config.public_url(),
        &temp_dir("serve-retry-op"),
    );
    wait_ready(addr, 200, Duration::from_secs(8));
    gateway.wait_for_line("provider reached; ready", Duration::from_secs(2));
    let api = forward_auth(addr, "/admin/x", &[]);
    assert_eq!(api.status, 401, "{api:?}");
    assert!(
        api.header("www-authenticate").starts_with("Bearer realm="),
        "{api:?}"
    );
    let browser = forward_auth(addr, "/admin/x", &[("Accept", "text/html")]);
    assert_eq!(browser.status, 302, "{browser:?}");
    assert!(
        browser
            .header("location")
            .starts_with(&format!("{}/stepup/start?rd=", config.public_url())),
        "{browser:?}"
    );
    // A real ID token as a Bearer: password-only meets the login rule, not the MFA one.
    let token = provider.password_login(&config.public_url());
    let bearer = format!("Bearer {token}");
    let allowed = forward_auth(addr, "/app/home", &[("Authorization", &bearer)]);
    assert_eq!(allowed.status, 200, "{allowed:?}");
    assert_eq!(allowed.header("x-stepup-sub"), "bob");
    let step_up = forward_auth(addr, "/admin/x", &[("Authorization", &bearer)]);
    assert_eq!(step_up.status, 401, "{step_up:?}");
    assert!(
        step_up
            .header("www-authenticate")
            .contains("insufficient_user_authentication"),
        "{step_up:?}"
    );
    let metrics = get(addr, "/metrics");
    assert_eq!(metrics.status, 200);

    gateway.signal("TERM");
    assert_eq!(gateway.wait_exit(Duration::from_secs(5)).code(), Some(0));
    provider.stop();
}

#[test]
fn log_format_json_writes_one_object_per_line() {
    let config = Config::new("serve-json", &format!("http://{}", free_addr()));
    let mut gateway = Gateway::start(&config, &["--log-format", "json"]);
    // SIGTERM as soon as it says it listens: a graceful stop, not a kill.
    gateway.wait_for_line("gateway listening", Duration::from_secs(10));
    gateway.signal("TERM");
    assert_eq!(gateway.wait_exit(Duration::from_secs(5)).code(), Some(0));
    let log = gateway.drain();
    assert!(log.len() >= 2, "{log:?}");
    let events: Vec<Value> = log
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    for event in &events {
        assert!(event.is_object(), "{event}");
        assert!(
            event["timestamp"].is_string() && event["level"].is_string(),
            "{event}"
        );
    }
    let listening = &events[0];
    assert_eq!(listening["fields"]["message"], "gateway listening");
    assert_eq!(listening["fields"]["listen"], config.listen.to_string());
    assert_eq!(listening["target"], "stepup::gateway");
    assert!(
        events
            .iter()
            .any(|e| e["fields"]["message"] == "shutting down; finishing requests in flight"),
        "{log:?}"
    );

    // The failed provider tries are JSON too, with their fields.
    let mut gateway = Gateway::start(&config, &["--log-format", "json"]);
    let line = gateway.wait_for_line("provider not reachable", Duration::from_secs(10));
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["level"], "WARN");
    assert_eq!(event["fields"]["code"], "jwks_unreachable");
    assert_eq!(event["fields"]["retry_in"], "1s");
    assert!(
        event["fields"]["error"]
            .as_str()
            .unwrap()
            .contains("/.well-known/openid-configuration"),
        "{event}"
    );
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let config = Config::new("serve-term", &format!("http://{}", free_addr()));
    let addr = config.listen;
    let mut gateway = Gateway::start(&config, &[]);
    gateway.wait_for_line("gateway listening", Duration::from_secs(10));
    assert_eq!(get(addr, "/healthz").status, 200);

    // A request in flight: its head is half sent when SIGTERM arrives.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    gateway.signal("TERM");
    gateway.wait_for_line("shutting down", Duration::from_secs(5));
    // No new connections, but the process waits for the one in flight.
    let deadline = Instant::now() + Duration::from_secs(2);
    while TcpStream::connect(addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the gateway still accepts after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        gateway.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    write!(stream, "Connection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let answer = parse_response(&raw);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "ok\n");

    let status = gateway.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(TcpStream::connect(addr).is_err(), "the port is closed");
}
