//! `stepup demo`: the provider and the example app start on loopback, the protected
//! page sends a browser to the login start and on to the provider asking for MFA,
//! and Ctrl-C (SIGINT) stops both cleanly.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{stepup, temp_dir};

/// A plain HTTP/1.1 GET on loopback as a browser would send it: status line,
/// headers (lower-cased names) and body.
fn browser_get(url: &str) -> (String, Vec<(String, String)>, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// Kills the demo if the test fails before it stops it (no servers left behind).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_serves_the_step_up_loop_and_stops_on_ctrl_c() {
    let state = temp_dir("demo-state");
    let mut child = KillOnDrop(
        stepup()
            .args([
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--issuer-listen",
                "127.0.0.1:0",
                "--state-dir",
            ])
            .arg(&state)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut banner = String::new();
    let app = loop {
        let line = lines.next().expect("the demo prints where to go").unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some(rest) = line.strip_prefix("stepup demo: open ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    // The banner names the demo users and their TOTP enrolment.
    assert!(
        banner.contains("alice") && banner.contains("otpauth://"),
        "{banner}"
    );

    let (status, _, body) = browser_get(&format!("{app}/"));
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(body.contains("Not logged in"), "{body}");

    let (status, headers, _) = browser_get(&format!("{app}/security"));
    assert!(status.starts_with("HTTP/1.1 302"), "{status}");
    let login = header(&headers, "location");
    assert_eq!(login, "/login?rd=%2Fsecurity&amr=mfa&max_age=300");

    let (status, headers, _) = browser_get(&format!("{app}{login}"));
    assert!(status.starts_with("HTTP/1.1 302"), "{status}");
    let authorize = header(&headers, "location");
    assert!(
        authorize.contains("/authorize?response_type=code&client_id=demo-app"),
        "{authorize}"
    );
    assert!(
        authorize.contains(
            "acr_values=http%3A%2F%2Fschemas.openid.net%2Fpape%2Fpolicies%2F2007%2F06%2Fmulti-factor"
        ) && authorize.contains("max_age=300"),
        "{authorize}"
    );
    assert!(header(&headers, "set-cookie").starts_with("stepup_flow_"));

    // The provider accepts the request: it answers with its login page (not with an
    // error sent back to the app's callback).
    let (status, headers, _) = browser_get(authorize);
    assert!(status.starts_with("HTTP/1.1 302"), "{status}");
    let next = header(&headers, "location");
    assert!(next.starts_with("/login"), "{next}");

    // Ctrl-C stops both servers and the command exits 0.
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "stepup demo did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    assert!(TcpStream::connect(app.strip_prefix("http://").unwrap()).is_err());

    // The provider logged the authorization request on stderr: method, path and
    // status, never the query string (which carries state, nonce and the challenge).
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr).unwrap();
    let line = stderr
        .lines()
        .find(|line| line.contains("stepup_issuer::http") && line.contains("/authorize"))
        .unwrap_or_else(|| panic!("no request line for /authorize on stderr:\n{stderr}"));
    assert!(line.contains("GET") && line.contains("302"), "{line}");
    assert!(
        !stderr.contains("state=") && !stderr.contains("nonce="),
        "{stderr}"
    );
}
