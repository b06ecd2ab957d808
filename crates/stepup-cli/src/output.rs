//! Rendering: the human checklist and the JSON objects, plus small text helpers.
//!
//! Everything is written with `writeln!` to locked handles so a closed pipe is an
//! error the command returns rather than a panic. Values taken from a token are
//! attacker-controlled: [`clean`] escapes control characters (no terminal escape
//! sequences reach the screen) and invisible format characters (no bidi override
//! reorders what is shown) and shortens them.

use std::io::{self, IsTerminal as _, Write as _};

use serde::Serialize;
use serde_json::{Value, json};
use stepup::{Decision, Missing};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cmd::Failure;

/// Whether to colour the output: only for a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>: any non-empty value).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset or empty.
    pub(crate) fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Self {
            color: io::stdout().is_terminal() && !no_color,
        }
    }

    fn paint(self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    fn bold_green(self, text: &str) -> String {
        self.paint("1;32", text)
    }

    fn bold_red(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    fn bold_yellow(self, text: &str) -> String {
        self.paint("1;33", text)
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// The check ran and passed.
    Pass,
    /// The check ran and failed.
    Fail,
    /// The check failed, but the policy accepts something else instead (e.g. an
    /// accepted `acr` where the `amr` values are missing, with the auth0 profile).
    NotNeeded,
}

/// One line of the checklist: what was expected and what was found.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// Short name: `format`, `alg`, `signature`, `iss`, `amr`, …
    pub(crate) name: &'static str,
    /// Outcome.
    pub(crate) status: Status,
    /// What the check requires (JSON `expected`).
    pub(crate) expected: String,
    /// What the token had (JSON `found`).
    pub(crate) found: String,
    /// The text of the human line after the name.
    pub(crate) summary: String,
    /// An extra remark, e.g. why a failed check does not matter.
    pub(crate) note: Option<String>,
}

/// The verdict of `verify` on a token.
#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    /// Valid; the decision says whether the step-up policy is satisfied.
    Valid(Decision),
    /// Invalid, with the library's error.
    Invalid(Failure),
}

/// Everything `verify` prints about one token.
#[derive(Debug, Clone)]
pub(crate) struct VerifyReport {
    /// Whether header and claims come from a verified token.
    pub(crate) verified: bool,
    /// The decoded header, if the token could be decoded.
    pub(crate) header: Option<Value>,
    /// The decoded claims, if the token could be decoded.
    pub(crate) claims: Option<Value>,
    /// The checks that ran, in order; an invalid token ends with the failing one.
    pub(crate) checks: Vec<Check>,
    /// The verdict.
    pub(crate) verdict: Verdict,
    /// Whether the policy's `amr` values and `acr` are alternatives (either is enough).
    pub(crate) either: bool,
    /// For a step-up: the parameters a web app adds to the authorization request
    /// that sends the user back to the provider (`acr_values`, `max_age`, `prompt`).
    pub(crate) login_params: Vec<(&'static str, String)>,
    /// Warnings about the configuration (skipped JWKS keys).
    pub(crate) warnings: Vec<String>,
}

/// Prints the checklist and the verdict line.
pub(crate) fn verify_human(report: &VerifyReport, style: Style) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for check in &report.checks {
        let mark = match check.status {
            Status::Pass => style.green("✔"),
            Status::Fail => style.red("✘"),
            Status::NotNeeded => style.yellow("–"),
        };
        write!(out, "{mark} {:<10} {}", check.name, check.summary)?;
        if let Some(note) = &check.note {
            write!(out, " ({note})")?;
        }
        writeln!(out)?;
    }
    match &report.verdict {
        Verdict::Valid(Decision::Satisfied) => {
            writeln!(out, "{}", style.bold_green("VALID — step-up satisfied"))
        }
        Verdict::Valid(Decision::StepUp(step_up)) => {
            let missing = missing_text(&step_up.missing, report.either);
            writeln!(
                out,
                "{}",
                style.bold_yellow(&format!("VALID — STEP-UP REQUIRED: {missing}"))
            )?;
            // What the application does with the verdict (docs/serving.md).
            writeln!(
                out,
                "  an API answers 401 with the header WWW-Authenticate: {}",
                step_up.challenge.www_authenticate()
            )?;
            let params: Vec<String> = report
                .login_params
                .iter()
                .map(|(name, value)| format!("{name}={}", clean(value)))
                .collect();
            if params.is_empty() {
                writeln!(
                    out,
                    "  a web app sends the user back to the provider's authorization endpoint to log in again"
                )
            } else {
                writeln!(
                    out,
                    "  a web app sends the user back to the provider's authorization endpoint with {}",
                    params.join(" ")
                )
            }
        }
        Verdict::Invalid(failure) => writeln!(
            out,
            "{}: {}",
            style.bold_red(&format!("INVALID ({})", failure.code())),
            failure.message()
        ),
    }
}

/// What is missing, by stable name. When the `amr` values and the `acr` are
/// alternatives and both are missing, the line says that either one is enough:
/// `amr:mfa or acr (either one is enough), fresh_login`.
fn missing_text(missing: &[Missing], either: bool) -> String {
    let amr: Vec<String> = missing
        .iter()
        .filter(|m| matches!(m, Missing::Amr(_)))
        .map(Missing::name)
        .collect();
    let acr = missing.iter().any(|m| matches!(m, Missing::Acr));
    if !(either && acr && !amr.is_empty()) {
        let names: Vec<String> = missing.iter().map(Missing::name).collect();
        return names.join(", ");
    }
    let mut parts = vec![format!("{} or acr (either one is enough)", amr.join(" + "))];
    parts.extend(
        missing
            .iter()
            .filter(|m| !matches!(m, Missing::Amr(_) | Missing::Acr))
            .map(Missing::name),
    );
    parts.join(", ")
}

/// The JSON object of `verify --json`, fields in the order they are printed.
#[derive(Debug, Serialize)]
struct VerifyJson<'a> {
    valid: bool,
    verified: bool,
    step_up: Option<StepUpJson>,
    error: Option<ErrorJson<'a>>,
    header: Option<&'a Value>,
    claims: Option<&'a Value>,
    checks: Vec<CheckJson<'a>>,
    warnings: &'a [String],
}

#[derive(Debug, Serialize)]
struct StepUpJson {
    satisfied: bool,
    missing: Vec<String>,
    challenge: Option<ChallengeJson>,
}

#[derive(Debug, Serialize)]
struct ChallengeJson {
    www_authenticate: String,
    acr_values: Vec<String>,
    max_age: Option<u64>,
}

#[derive(Debug, Serialize)]
struct ErrorJson<'a> {
    code: &'a str,
    message: &'a str,
    class: &'static str,
}

#[derive(Debug, Serialize)]
struct CheckJson<'a> {
    name: &'a str,
    ok: bool,
    expected: &'a str,
    found: &'a str,
    note: Option<&'a str>,
}

/// Prints the one JSON object of `verify --json`.
pub(crate) fn verify_json(report: &VerifyReport) -> io::Result<()> {
    let (valid, step_up, error) = match &report.verdict {
        Verdict::Valid(decision) => {
            let challenge = match decision {
                Decision::Satisfied => None,
                Decision::StepUp(step_up) => Some(ChallengeJson {
                    www_authenticate: step_up.challenge.www_authenticate(),
                    acr_values: step_up.challenge.acr_values.clone(),
                    max_age: step_up.challenge.max_age,
                }),
            };
            let step_up = StepUpJson {
                satisfied: decision.is_satisfied(),
                missing: decision.missing().iter().map(|m| m.name()).collect(),
                challenge,
            };
            (true, Some(step_up), None)
        }
        Verdict::Invalid(failure) => (false, None, Some(error_json(failure))),
    };
    let checks = report
        .checks
        .iter()
        .map(|check| CheckJson {
            name: check.name,
            ok: check.status == Status::Pass,
            expected: &check.expected,
            found: &check.found,
            note: check.note.as_deref(),
        })
        .collect();
    write_json(&VerifyJson {
        valid,
        verified: report.verified,
        step_up,
        error,
        header: report.header.as_ref(),
        claims: report.claims.as_ref(),
        checks,
        warnings: &report.warnings,
    })
}

/// The JSON object of `verify --json` when nothing could be checked (usage or
/// configuration error).
pub(crate) fn verify_failure_json(failure: &Failure) -> io::Result<()> {
    write_json(&VerifyJson {
        valid: false,
        verified: false,
        step_up: None,
        error: Some(error_json(failure)),
        header: None,
        claims: None,
        checks: Vec::new(),
        warnings: &[],
    })
}

/// Prints `decode` output: the UNVERIFIED marker, header, claims and dates.
pub(crate) fn decode_human(
    header: &Value,
    claims: &Value,
    dates: &[(&'static str, Option<String>)],
    style: Style,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{}",
        style.bold_yellow(
            "UNVERIFIED — decoded only: the signature and claims were NOT checked (use `stepup verify`)"
        )
    )?;
    writeln!(out, "\nheader:\n{}", pretty(header)?)?;
    writeln!(out, "\nclaims:\n{}", pretty(claims)?)?;
    if !dates.is_empty() {
        writeln!(out, "\ndates (UTC):")?;
        for (name, date) in dates {
            let date = date.as_deref().unwrap_or("(not a valid NumericDate)");
            writeln!(out, "  {name:<10} {date}")?;
        }
    }
    Ok(())
}

/// The JSON object of `decode --json`.
#[derive(Debug, Serialize)]
struct DecodeJson<'a> {
    verified: bool,
    header: Option<&'a Value>,
    claims: Option<&'a Value>,
    dates: Option<serde_json::Map<String, Value>>,
    error: Option<ErrorJson<'a>>,
}

/// Prints the JSON object of `decode --json`.
pub(crate) fn decode_json(
    header: &Value,
    claims: &Value,
    dates: &[(&'static str, Option<String>)],
) -> io::Result<()> {
    let dates = dates
        .iter()
        .map(|(name, date)| ((*name).to_owned(), json!(date)))
        .collect();
    write_json(&DecodeJson {
        verified: false,
        header: Some(header),
        claims: Some(claims),
        dates: Some(dates),
        error: None,
    })
}

/// The JSON object of `decode --json` for a token that cannot be decoded.
pub(crate) fn decode_failure_json(failure: &Failure) -> io::Result<()> {
    write_json(&DecodeJson {
        verified: false,
        header: None,
        claims: None,
        dates: None,
        error: Some(error_json(failure)),
    })
}

/// Prints a token (or any single line) and a newline.
pub(crate) fn line(text: &str) -> io::Result<()> {
    writeln!(io::stdout().lock(), "{text}")
}

/// Prints text exactly as given.
pub(crate) fn raw(text: &str) -> io::Result<()> {
    write!(io::stdout().lock(), "{text}")
}

/// Prints an error on stderr: `error: <message> [<code>]`.
pub(crate) fn error(failure: &Failure) {
    // Nothing sensible is left to do if stderr itself cannot be written.
    let _ = writeln!(io::stderr().lock(), "error: {failure}");
}

/// Prints a warning on stderr.
pub(crate) fn warning(message: &str) {
    // As in `error`: a failed write to stderr cannot be reported anywhere.
    let _ = writeln!(io::stderr().lock(), "warning: {message}");
}

/// A NumericDate as an RFC 3339 UTC date, or `None` if out of the representable range.
pub(crate) fn rfc3339(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    let date = if seconds.fract() == 0.0 {
        // Out-of-range floats saturate, and the conversion then fails cleanly.
        OffsetDateTime::from_unix_timestamp(seconds as i64).ok()?
    } else {
        let nanos = (seconds * 1e9).round() as i128;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?
    };
    date.format(&Rfc3339).ok()
}

/// `in 59 min` or `5 min ago`, from `now` to `seconds`.
pub(crate) fn relative(seconds: f64, now: i64) -> String {
    let delta = seconds - now as f64;
    let span = duration(delta.abs());
    if delta >= 0.0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A duration in seconds, rounded down to the largest sensible unit.
pub(crate) fn duration(seconds: f64) -> String {
    let seconds = seconds.floor();
    if seconds < 120.0 {
        format!("{seconds} s")
    } else if seconds < 120.0 * 60.0 {
        format!("{} min", (seconds / 60.0).floor())
    } else if seconds < 48.0 * 3600.0 {
        format!("{} h", (seconds / 3600.0).floor())
    } else {
        format!("{} days", (seconds / 86_400.0).floor())
    }
}

/// Whether `c` is a Unicode format character that changes how the text around
/// it is displayed without being seen itself: bidi marks, embeddings, overrides
/// and isolates (which can reorder a line, e.g. U+202E), zero-width characters
/// and the byte order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// Whether `c` must not reach a terminal as is.
fn is_unsafe(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// A value from a token, made safe for a terminal: control characters and
/// invisible format characters (bidi overrides, zero-width characters) escaped
/// as `\u{…}` (or `\n`, `\t`, …), cut at 80 characters.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == 80 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else if is_invisible_format(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` without ANSI escape sequences (CSI such as colours, OSC such as links),
/// for text that a library styled for a terminal.
pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates up to a final byte in @..=~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST (ESC \).
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            // Any other escape: the one character after ESC.
            _ => {}
        }
    }
    out
}

fn error_json(failure: &Failure) -> ErrorJson<'_> {
    ErrorJson {
        code: failure.code(),
        message: failure.message(),
        class: failure.class_name(),
    }
}

fn write_json(value: &impl Serialize) -> io::Result<()> {
    writeln!(io::stdout().lock(), "{}", pretty(value)?)
}

/// Pretty JSON with C1 control characters, DEL and invisible format characters
/// (bidi overrides, zero-width characters) escaped as well (serde_json escapes
/// only C0), so decoded tokens cannot drive or spoof the terminal.
fn pretty(value: &impl Serialize) -> io::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    if !text.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) && c != '\n' {
            // Only inside strings: JSON structure uses no such characters but '\n'.
            // All of them are in the Basic Multilingual Plane: one \uXXXX each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations() {
        assert_eq!(
            rfc3339(1_767_229_200.0).as_deref(),
            Some("2026-01-01T01:00:00Z")
        );
        assert_eq!(
            rfc3339(1_767_229_200.5).as_deref(),
            Some("2026-01-01T01:00:00.5Z")
        );
        assert_eq!(rfc3339(1e18), None);
        assert_eq!(relative(1_000_000.0 + 3540.0, 1_000_000), "in 59 min");
        assert_eq!(relative(1_000_000.0 - 320.0, 1_000_000), "5 min ago");
        assert_eq!(duration(59.0), "59 s");
        assert_eq!(duration(3.0 * 86_400.0), "3 days");
    }

    #[test]
    fn strip_ansi_removes_styling_only() {
        assert_eq!(strip_ansi("\x1b[1;31merror:\x1b[0m x"), "error: x");
        assert_eq!(
            strip_ansi("a\x1b]8;;https://e\x1b\\link\x1b]8;;\x07b"),
            "alinkb"
        );
        assert_eq!(strip_ansi("plain ✔"), "plain ✔");
    }

    #[test]
    fn clean_escapes_control_characters() {
        assert_eq!(clean("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(clean(&"x".repeat(100)).chars().count(), 81);
    }

    #[test]
    fn clean_escapes_invisible_format_characters() {
        assert_eq!(clean("admin\u{202e}nimda"), "admin\\u{202e}nimda");
        for c in [
            '\u{061c}', '\u{200b}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2060}', '\u{2064}',
            '\u{2066}', '\u{2069}', '\u{feff}', '\u{85}', '\u{7f}',
        ] {
            let cleaned = clean(&format!("a{c}b"));
            assert!(!cleaned.contains(c), "{c:?}");
            assert_eq!(cleaned, format!("a{}b", c.escape_default()), "{c:?}");
        }
        // Visible non-ASCII text is left alone.
        assert_eq!(clean("Zoë Ünal → 東京"), "Zoë Ünal → 東京");
    }

    #[test]
    fn pretty_escapes_invisible_format_characters() {
        let text = pretty(&json!({"sub": "a\u{202e}b\u{feff}c"})).unwrap();
        assert!(text.contains("a\\u202eb\\ufeffc"), "{text}");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["sub"], "a\u{202e}b\u{feff}c");
    }

    #[test]
    fn pretty_escapes_c1_controls() {
        let text = pretty(&json!({"a": "x\u{9b}y"})).unwrap();
        assert!(text.contains("x\\u009by"), "{text}");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["a"], "x\u{9b}y");
    }
}
