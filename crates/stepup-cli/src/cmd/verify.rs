//! `stepup verify`: check a token and the step-up policy, print a checklist or JSON.
//!
//! Two steps, as STYLE.md §4 asks: [`Config::resolve`] turns the flags into a built
//! [`Verifier`] and [`Policy`] (all configuration errors surface there, exit 3), then
//! [`check`] runs the library once and describes what it did. The checklist never
//! reports a check the library did not run: for an invalid token it lists the stages
//! the library passes before the one that failed, in the library's own order.

use std::path::Path;

use serde_json::Value;
use stepup::{
    Alg, Claims, Combine, Decision, Error, KeySet, Missing, Part, Policy, Profile, StepUpClaim,
    TokenKind, UnixTime, Verifier,
};

use super::hint::{self, KeyFile};
use super::{Exit, Failure, load_secret, read_text, read_token, written};
use crate::args::VerifyArgs;
use crate::output::{self, Check, Status, Style, Verdict, VerifyReport, clean, relative, rfc3339};

/// Runs `stepup verify`.
pub(crate) fn run(args: &VerifyArgs) -> Result<Exit, Failure> {
    let prepared = Config::resolve(args).and_then(|config| {
        let token = read_token(args.token.as_deref())?;
        Ok((config, token))
    });
    let (config, token) = match prepared {
        Ok(prepared) => prepared,
        Err(failure) if args.json => {
            written(output::verify_failure_json(&failure))?;
            return Ok(failure.exit());
        }
        Err(failure) => return Err(failure),
    };
    for warning in &config.warnings {
        output::warning(warning);
    }
    let report = check(&config, &token);
    if args.json {
        written(output::verify_json(&report))?;
    } else {
        written(output::verify_human(&report, Style::detect()))?;
    }
    Ok(match &report.verdict {
        Verdict::Valid(Decision::Satisfied) => Exit::Success,
        Verdict::Valid(Decision::StepUp(_)) => Exit::StepUp,
        Verdict::Invalid(failure) => failure.exit(),
    })
}

/// The verify configuration, resolved: keys loaded, verifier and policy built.
#[derive(Debug)]
pub(crate) struct Config {
    verifier: Verifier,
    policy: Policy,
    /// The provider profile, which decides how a web app asks for a step-up.
    profile: Profile,
    nonce: Option<String>,
    now: UnixTime,
    kind: TokenKind,
    selection: Selection,
    warnings: Vec<String>,
}

/// Whether the keys are one configured key or a JWK Set (where `kid` selects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    Single,
    Set,
}

/// Where the verification keys come from (exactly one, enforced by clap).
#[derive(Debug, Clone, Copy)]
enum KeySource<'a> {
    Secret(&'a str),
    SecretFile(&'a Path),
    Key(&'a Path),
    Jwks(&'a str),
    Discover,
}

impl Config {
    /// Checks the flags, loads the keys and builds verifier and policy.
    pub(crate) fn resolve(args: &VerifyArgs) -> Result<Self, Failure> {
        let algorithms = parse_algorithms(&args.algs)?;
        let (profile, policy) = build_policy(args)?;
        let source = key_source(args)?;
        let (keys, selection) = resolve_keys(source, &args.issuer)?;
        let warnings = keys
            .skipped()
            .iter()
            .map(|skipped| {
                let kid = skipped.kid.as_deref().map_or_else(
                    || "without kid".to_owned(),
                    |kid| format!("kid {:?}", clean(kid)),
                );
                format!("JWKS key {kid} skipped: {}", skipped.reason)
            })
            .collect();
        let kind = if args.access_token {
            TokenKind::AccessToken
        } else {
            TokenKind::IdToken
        };
        let mut builder = Verifier::builder(&args.issuer, &args.audience, keys)
            .with_leeway(args.leeway)
            .with_token_kind(kind);
        if !algorithms.is_empty() {
            builder = builder.with_algorithms(algorithms);
        }
        Ok(Self {
            verifier: builder.build()?,
            policy,
            profile,
            nonce: args.nonce.clone(),
            now: args.now.map_or_else(UnixTime::now, UnixTime::from_secs),
            kind,
            selection,
            warnings,
        })
    }
}

/// `--alg` values: registered names; `none` in any casing is refused outright.
fn parse_algorithms(names: &[String]) -> Result<Vec<Alg>, Failure> {
    names
        .iter()
        .map(|name| {
            if name.eq_ignore_ascii_case("none") {
                return Err(Failure::config(
                    "alg_none",
                    "--alg none is refused: unsigned tokens are never accepted; \
                     allow a signing algorithm such as RS256, ES256 or EdDSA",
                ));
            }
            name.parse::<Alg>()
                .map_err(|error| Failure::config_from(&error))
        })
        .collect()
}

/// The step-up policy: the profile (default generic), with `--require-amr`, `--acr`
/// and `--max-age` each replacing its part.
fn build_policy(args: &VerifyArgs) -> Result<(Profile, Policy), Failure> {
    let profile = match &args.profile {
        Some(name) => name.parse::<Profile>()?,
        None => Profile::Generic,
    };
    let mut policy = profile.policy().with_leeway(args.leeway);
    if !args.require_amr.is_empty() {
        policy = policy.with_required_amr(args.require_amr.iter().cloned());
    }
    if !args.acr.is_empty() {
        policy = policy.with_accepted_acr(args.acr.iter().cloned());
    }
    if let Some(max_age) = args.max_age {
        policy = policy.with_max_age(max_age);
    }
    Ok((profile, policy))
}

fn key_source(args: &VerifyArgs) -> Result<KeySource<'_>, Failure> {
    if let Some(secret) = &args.secret {
        Ok(KeySource::Secret(secret))
    } else if let Some(path) = &args.secret_file {
        Ok(KeySource::SecretFile(path))
    } else if let Some(path) = &args.key {
        Ok(KeySource::Key(path))
    } else if let Some(location) = &args.jwks {
        Ok(KeySource::Jwks(location))
    } else if args.discover {
        Ok(KeySource::Discover)
    } else {
        // clap's argument group requires one; kept for a clear message regardless.
        Err(Failure::config(
            "no_key_source",
            "no key source; give one of --secret, --secret-file, --key, --jwks or --discover",
        ))
    }
}

/// Loads the key set from its source: the one place that knows about key sources.
/// Network sources (a JWKS URL, OIDC discovery) are fetched once, with the library's
/// bounded fetch rules (HTTPS except loopback, timeouts, body limit, no downgrade).
fn resolve_keys(source: KeySource<'_>, issuer: &str) -> Result<(KeySet, Selection), Failure> {
    match source {
        KeySource::Secret(secret) => {
            let keys = KeySet::from_secret(&stepup::Secret::new(secret.as_bytes()))?;
            Ok((keys, Selection::Single))
        }
        KeySource::SecretFile(path) => {
            let secret = load_secret(None, Some(path))
                .unwrap_or_else(|| Err(Failure::config("no_key_source", "no secret file given")))?;
            Ok((KeySet::from_secret(&secret)?, Selection::Single))
        }
        KeySource::Key(path) => {
            let text = read_text(path, "key file")?;
            let keys = KeySet::from_public_key(&text)
                .map_err(|error| hint::key_file(&text, path, KeyFile::Key, &error))?;
            Ok((keys, Selection::Single))
        }
        KeySource::Jwks(location) if is_url(location) => {
            let source = stepup::KeySource::JwksUrl(location.to_owned());
            Ok((fetch(&source, issuer)?, Selection::Set))
        }
        KeySource::Jwks(location) => {
            let path = Path::new(location);
            let text = read_text(path, "JWKS file")?;
            let keys = KeySet::from_jwks(&text)
                .map_err(|error| hint::key_file(&text, path, KeyFile::Jwks, &error))?;
            Ok((keys, Selection::Set))
        }
        KeySource::Discover => Ok((
            fetch(&stepup::KeySource::Discovery, issuer)?,
            Selection::Set,
        )),
    }
}

/// Fetches a key set once. Network failures and a discovery issuer mismatch are
/// configuration or availability errors: exit 3, with the URL and the cause.
fn fetch(source: &stepup::KeySource, issuer: &str) -> Result<KeySet, Failure> {
    // Keeps the error's class (config or unavailable); both exit 3.
    stepup::fetch_key_set_blocking(source, issuer, &stepup::FetchSettings::default())
        .map_err(Failure::from)
}

fn is_url(location: &str) -> bool {
    let lower = location.get(..8).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Verifies `token` once and describes the result.
pub(crate) fn check(config: &Config, token: &str) -> VerifyReport {
    let (header, claims) = match stepup::decode_unverified(token) {
        Ok((header, claims)) => (Some(header), Some(claims)),
        Err(_) => (None, None),
    };
    let view = View {
        config,
        header: header.as_ref(),
        claims: claims.as_ref(),
    };
    let result = match &config.nonce {
        Some(nonce) => config.verifier.verify_with_nonce(token, nonce, config.now),
        None => config.verifier.verify(token, config.now),
    };
    let mut login_params = Vec::new();
    let (verified, checks, verdict) = match result {
        Ok(verified) => {
            let decision = config.policy.decide(verified.claims(), config.now);
            let mut checks = view.token_checks(None);
            checks.extend(view.policy_checks(verified.claims(), &decision));
            login_params = login_params_for(config, verified.claims(), &decision, config.now);
            (true, checks, Verdict::Valid(decision))
        }
        Err(error) => match hint::token(token, config.kind, &error) {
            // A pasted wrapper or the wrong document: said at the format line, where
            // the library stopped.
            Some(failure) => (
                false,
                vec![format_failed(&failure)],
                Verdict::Invalid(failure),
            ),
            None => {
                let checks = view.token_checks(Some(&error));
                (false, checks, Verdict::Invalid(Failure::from(error)))
            }
        },
    };
    VerifyReport {
        verified,
        header,
        claims,
        checks,
        verdict,
        either: alternatives(&config.policy),
        login_params,
        warnings: config.warnings.clone(),
    }
}

/// Whether the policy's `amr` values and accepted `acr` are alternatives, each
/// enough on its own (`Combine::Any`, as in the auth0 and okta profiles).
fn alternatives(policy: &Policy) -> bool {
    policy.combine() == Combine::Any
        && !policy.required_amr().is_empty()
        && !policy.accepted_acr().is_empty()
}

/// The parameters a web app adds to the authorization request that sends the user
/// back to the provider: exactly what stepup-axum's login start sends for this
/// profile and policy ([`stepup_axum::Ask`]).
fn login_params_for(
    config: &Config,
    claims: &Claims,
    decision: &Decision,
    now: UnixTime,
) -> Vec<(&'static str, String)> {
    if decision.is_satisfied() {
        return Vec::new();
    }
    stepup_axum::Ask::for_step_up(&config.profile, &config.policy, claims, now).authorize_params()
}

/// The failed format line of a token the CLI recognised as something else.
fn format_failed(failure: &Failure) -> Check {
    Check {
        name: "format",
        status: Status::Fail,
        expected: "compact JWS: header.payload.signature".into(),
        found: failure.message().to_owned(),
        summary: format!("{} [{}]", failure.message(), failure.code()),
        note: None,
    }
}

/// The stages of `Verifier::verify`, in the order the library runs them
/// (`verifier::verify_token` and `validate::claims`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// Size, three parts, header base64url.
    Format,
    /// Header JSON and rules: alg name, crit, b64, cty, typ, kid.
    Header,
    /// Payload base64url.
    Payload,
    /// `alg` in the allow-list.
    Alg,
    /// Signature base64url, key lookup, signature.
    Signature,
    /// Payload JSON and claim types.
    Claims,
    Iss,
    Sub,
    Aud,
    Azp,
    Exp,
    Iat,
    Nbf,
    Nonce,
}

impl Stage {
    const ALL: [Self; 14] = [
        Self::Format,
        Self::Header,
        Self::Payload,
        Self::Alg,
        Self::Signature,
        Self::Claims,
        Self::Iss,
        Self::Sub,
        Self::Aud,
        Self::Azp,
        Self::Exp,
        Self::Iat,
        Self::Nbf,
        Self::Nonce,
    ];

    /// The stage an error comes from, or `None` for an error this CLI does not know
    /// (then no check is claimed to have passed).
    fn of(error: &Error) -> Option<Self> {
        Some(match error {
            Error::TokenTooLarge { .. }
            | Error::MalformedToken { .. }
            | Error::JweNotSupported
            | Error::InvalidBase64 { part: Part::Header } => Self::Format,
            Error::InvalidJson {
                part: Part::Header, ..
            }
            | Error::DuplicateMember {
                part: Part::Header, ..
            }
            | Error::JsonTooDeep {
                part: Part::Header, ..
            }
            | Error::AlgNone { .. }
            | Error::UnsupportedAlg { .. }
            | Error::CritNotSupported
            | Error::B64NotSupported
            | Error::NestedJwt { .. }
            | Error::TypNotAllowed { .. }
            | Error::InvalidHeader { .. } => Self::Header,
            Error::InvalidBase64 {
                part: Part::Payload,
            } => Self::Payload,
            Error::AlgNotAllowed { .. } => Self::Alg,
            Error::InvalidBase64 {
                part: Part::Signature,
            }
            | Error::KeyNotFound { .. }
            | Error::TooManyCandidateKeys { .. }
            | Error::InvalidSignature { .. } => Self::Signature,
            Error::InvalidJson { .. }
            | Error::DuplicateMember { .. }
            | Error::JsonTooDeep { .. }
            | Error::InvalidClaim { .. } => Self::Claims,
            Error::MissingClaim { claim, .. } => match *claim {
                "iss" => Self::Iss,
                "sub" => Self::Sub,
                "aud" => Self::Aud,
                "exp" => Self::Exp,
                "iat" => Self::Iat,
                "nonce" => Self::Nonce,
                _ => Self::Claims,
            },
            Error::IssuerMismatch { .. } => Self::Iss,
            Error::AudienceMismatch { .. } => Self::Aud,
            Error::AzpMissing | Error::AzpMismatch { .. } => Self::Azp,
            Error::Expired { .. } => Self::Exp,
            Error::IssuedInFuture { .. } => Self::Iat,
            Error::NotYetValid { .. } => Self::Nbf,
            Error::NonceMismatch { .. } => Self::Nonce,
            _ => return None,
        })
    }
}

/// What the checklist needs: the configuration and the decoded (maybe unverified) token.
struct View<'a> {
    config: &'a Config,
    header: Option<&'a Value>,
    claims: Option<&'a Value>,
}

impl View<'_> {
    /// The token checks: all of them for a valid token, or those before the failing
    /// stage and the failing one.
    fn token_checks(&self, error: Option<&Error>) -> Vec<Check> {
        let failed = match error {
            None => None,
            Some(error) => match Stage::of(error) {
                Some(stage) => Some((stage, error)),
                None => return vec![self.failed_unknown(error)],
            },
        };
        let mut checks = Vec::new();
        for stage in Stage::ALL {
            match failed {
                Some((at, error)) if at == stage => {
                    checks.push(self.failed(stage, error));
                    break;
                }
                _ => checks.extend(self.passed(stage)),
            }
        }
        checks
    }

    /// The line of a stage the library passed (`None`: not worth a line).
    fn passed(&self, stage: Stage) -> Option<Check> {
        let config = self.config;
        let leeway = config.verifier.leeway();
        let now = config.now.as_secs();
        let pass = |name, expected: String, found: String, summary: String| Check {
            name,
            status: Status::Pass,
            expected,
            found,
            summary,
            note: None,
        };
        Some(match stage {
            Stage::Format => pass(
                "format",
                "compact JWS: header.payload.signature".into(),
                "3 parts".into(),
                "compact JWS, 3 parts".into(),
            ),
            Stage::Header => {
                let typ = match self.header_str("typ") {
                    Some(typ) => format!("typ \"{typ}\""),
                    None => "no typ".into(),
                };
                let kid = match self.header_str("kid") {
                    Some(kid) => format!("kid \"{kid}\""),
                    None => "no kid".into(),
                };
                let found = format!("{typ}, {kid}");
                pass(
                    "header",
                    self.header_expectation().into(),
                    found.clone(),
                    found,
                )
            }
            Stage::Payload | Stage::Claims => return None,
            Stage::Alg => {
                let alg = self.header_str("alg").unwrap_or_else(|| "?".into());
                let allowed = config.verifier.algorithms().to_string();
                pass(
                    "alg",
                    format!("one of: {allowed}"),
                    alg.clone(),
                    format!("{alg} (allowed: {allowed})"),
                )
            }
            Stage::Signature => {
                let key = self.signing_key();
                pass(
                    "signature",
                    "a valid signature by a configured key".into(),
                    format!("verified with {key}"),
                    format!("verified with {key}"),
                )
            }
            Stage::Iss => {
                let iss = config.verifier.issuer();
                pass("iss", iss.into(), iss.into(), clean(iss))
            }
            Stage::Sub => {
                let sub = self.claim_text("sub");
                pass("sub", "present".into(), sub.clone(), sub)
            }
            Stage::Aud => {
                let client = config.verifier.client_id();
                let found = self.audiences();
                pass(
                    "aud",
                    format!("contains {client}"),
                    found.clone(),
                    format!("{} (found: {found})", clean(client)),
                )
            }
            Stage::Azp => {
                // The library checks azp only for ID tokens, and only says something
                // when there are several audiences or an azp at all.
                let several = self
                    .claim("aud")
                    .and_then(Value::as_array)
                    .is_some_and(|aud| aud.len() > 1);
                if config.kind != TokenKind::IdToken || (!several && self.claim("azp").is_none()) {
                    return None;
                }
                let azp = self.claim_text("azp");
                pass("azp", config.verifier.client_id().into(), azp.clone(), azp)
            }
            Stage::Exp => {
                let exp = self.date("exp")?;
                pass(
                    "exp",
                    format!("now < exp + {leeway} s"),
                    exp.0.clone(),
                    format!("{} ({})", exp.0, relative(exp.1, now)),
                )
            }
            Stage::Iat => {
                let iat = self.date("iat")?;
                pass(
                    "iat",
                    format!("iat ≤ now + {leeway} s"),
                    iat.0.clone(),
                    format!("{} ({})", iat.0, relative(iat.1, now)),
                )
            }
            Stage::Nbf => {
                let nbf = self.date("nbf")?;
                pass(
                    "nbf",
                    format!("nbf ≤ now + {leeway} s"),
                    nbf.0.clone(),
                    format!("{} ({})", nbf.0, relative(nbf.1, now)),
                )
            }
            Stage::Nonce => {
                let expected = config.nonce.as_deref()?;
                let found = self.claim_text("nonce");
                pass(
                    "nonce",
                    expected.into(),
                    found.clone(),
                    format!("{found} (as expected)"),
                )
            }
        })
    }

    /// The line of the stage that failed, with the error's code.
    fn failed(&self, stage: Stage, error: &Error) -> Check {
        let config = self.config;
        let leeway = config.verifier.leeway();
        let now = config.now.as_secs();
        let message = error.to_string();
        let (name, expected, found): (&'static str, String, String) = match stage {
            Stage::Format => (
                "format",
                "compact JWS: header.payload.signature".into(),
                message,
            ),
            Stage::Header => {
                let name = match error {
                    Error::AlgNone { .. } | Error::UnsupportedAlg { .. } => "alg",
                    Error::TypNotAllowed { .. } => "typ",
                    _ if error.code() == "invalid_kid" => "kid",
                    _ => "header",
                };
                (name, self.header_expectation().into(), message)
            }
            Stage::Payload => ("payload", "canonical base64url".into(), message),
            Stage::Alg => {
                let alg = self.header_str("alg").unwrap_or_else(|| "?".into());
                (
                    "alg",
                    format!("one of: {}", config.verifier.algorithms()),
                    alg,
                )
            }
            Stage::Signature => (
                "signature",
                "a valid signature by a configured key".into(),
                message,
            ),
            Stage::Claims => (
                "claims",
                "a JSON object with well-typed standard claims".into(),
                message,
            ),
            Stage::Iss => (
                "iss",
                clean(config.verifier.issuer()),
                self.claim_text("iss"),
            ),
            Stage::Sub => ("sub", "present".into(), self.claim_text("sub")),
            Stage::Aud => (
                "aud",
                format!("contains {}", clean(config.verifier.client_id())),
                self.audiences(),
            ),
            Stage::Azp => (
                "azp",
                clean(config.verifier.client_id()),
                self.claim_text("azp"),
            ),
            Stage::Exp => (
                "exp",
                format!("now < exp + {leeway} s"),
                self.date_with_age("exp", now),
            ),
            Stage::Iat => (
                "iat",
                format!("iat ≤ now + {leeway} s"),
                self.date_with_age("iat", now),
            ),
            Stage::Nbf => (
                "nbf",
                format!("nbf ≤ now + {leeway} s"),
                self.date_with_age("nbf", now),
            ),
            Stage::Nonce => (
                "nonce",
                config.nonce.as_deref().map(clean).unwrap_or_default(),
                self.claim_text("nonce"),
            ),
        };
        let summary = match stage {
            Stage::Alg => format!(
                "{found} is not allowed (allowed: {}) [{}]",
                config.verifier.algorithms(),
                error.code()
            ),
            Stage::Iss | Stage::Sub | Stage::Aud | Stage::Azp | Stage::Nonce => {
                format!("expected {expected}, found {found} [{}]", error.code())
            }
            Stage::Exp | Stage::Iat | Stage::Nbf => {
                format!("{found}; expected {expected} [{}]", error.code())
            }
            _ => format!("{found} [{}]", error.code()),
        };
        Check {
            name,
            status: Status::Fail,
            expected,
            found,
            summary,
            note: None,
        }
    }

    fn failed_unknown(&self, error: &Error) -> Check {
        let message = error.to_string();
        Check {
            name: "token",
            status: Status::Fail,
            expected: "a valid token".into(),
            found: message.clone(),
            summary: format!("{message} [{}]", error.code()),
            note: None,
        }
    }

    /// The step-up lines. Each part of the policy is decided by the library on its
    /// own, so a line says whether that part holds; the verdict is the full policy's.
    fn policy_checks(&self, claims: &Claims, decision: &Decision) -> Vec<Check> {
        let policy = &self.config.policy;
        let now = self.config.now;
        let missing = decision.missing();
        let either = alternatives(policy);
        let mut checks = Vec::new();
        let required = policy.required_amr();
        if !required.is_empty() {
            let alone = Policy::default()
                .with_required_amr(required.iter().cloned())
                .decide(claims, now)
                .is_satisfied();
            let counted = missing.iter().any(|m| matches!(m, Missing::Amr(_)));
            let expected = format!("[{}]", clean(&required.join(", ")));
            let found = self.claim_json("amr");
            let note = notes([
                wrong_type(
                    "amr",
                    &claims.amr,
                    "an array of strings, such as [\"pwd\",\"mfa\"]",
                ),
                (!alone && !counted)
                    .then(|| "not needed: the policy accepts the acr instead".into()),
                (either && counted).then(|| "either this or the acr below is enough".into()),
            ]);
            checks.push(Check {
                name: "amr",
                status: part_status(alone, counted),
                summary: format!("required {expected}, found {found}"),
                expected: format!("all of {expected}"),
                found,
                note,
            });
        }
        let accepted = policy.accepted_acr();
        if !accepted.is_empty() {
            let alone = Policy::default()
                .with_required_amr(Vec::<String>::new())
                .with_accepted_acr(accepted.iter().cloned())
                .decide(claims, now)
                .is_satisfied();
            let counted = missing.iter().any(|m| matches!(m, Missing::Acr));
            let expected = format!("[{}]", clean(&accepted.join(", ")));
            let found = self.claim_json("acr");
            let note = notes([
                wrong_type("acr", &claims.acr, "a string"),
                (!alone && !counted)
                    .then(|| "not needed: the policy accepts the amr values instead".into()),
                (either && counted).then(|| "either this or the amr above is enough".into()),
            ]);
            checks.push(Check {
                name: "acr",
                status: part_status(alone, counted),
                summary: format!("accepted {expected}, found {found}"),
                expected: format!("one of {expected}"),
                found,
                note,
            });
        }
        if let Some(max_age) = policy.max_auth_age() {
            let failed = missing
                .iter()
                .any(|m| matches!(m, Missing::AuthTime | Missing::FreshLogin));
            let leeway = self.config.verifier.leeway();
            let expected = format!("login within {max_age} s (+{leeway} s leeway)");
            let found = match self.date("auth_time") {
                Some((date, seconds)) => format!("{date} ({})", relative(seconds, now.as_secs())),
                None => self.claim_json("auth_time"),
            };
            checks.push(Check {
                name: "auth_time",
                status: if failed { Status::Fail } else { Status::Pass },
                summary: format!("{expected}, found {found}"),
                expected,
                found,
                note: wrong_type("auth_time", &claims.auth_time, "a number (Unix seconds)"),
            });
        }
        checks
    }

    fn header_expectation(&self) -> &'static str {
        match self.config.kind {
            TokenKind::AccessToken => "typ at+jwt; no crit, b64 or nested JWT",
            _ => "typ JWT or none; no crit, b64 or nested JWT",
        }
    }

    /// The key that verified the signature. The library does not say which key of a
    /// set matched, so it is named only when exactly one key was a candidate.
    fn signing_key(&self) -> String {
        let keys = self.config.verifier.keys().keys();
        let alg = self
            .header
            .and_then(|h| h.get("alg"))
            .and_then(Value::as_str)
            .and_then(Alg::from_name);
        let kid = self
            .header
            .and_then(|h| h.get("kid"))
            .and_then(Value::as_str);
        let candidates: Vec<_> = keys
            .iter()
            .filter(|key| alg.is_some_and(|alg| key.algorithms().contains(alg)))
            .filter(|key| match (self.config.selection, kid) {
                (Selection::Set, Some(kid)) => key.kid() == Some(kid),
                _ => true,
            })
            .collect();
        match candidates.as_slice() {
            [key] => key.describe(),
            several => format!("one of {} candidate keys", several.len()),
        }
    }

    fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.and_then(|claims| claims.get(name))
    }

    /// A string claim for display, or a description of what is there instead.
    fn claim_text(&self, name: &str) -> String {
        match self.claim(name) {
            None => "(absent)".into(),
            Some(Value::String(text)) => clean(text),
            Some(other) => clean(&other.to_string()),
        }
    }

    /// A claim as compact JSON for display (`["pwd"]`), or `(absent)`.
    fn claim_json(&self, name: &str) -> String {
        self.claim(name)
            .map_or_else(|| "(absent)".into(), |value| clean(&value.to_string()))
    }

    fn audiences(&self) -> String {
        match self.claim("aud") {
            Some(Value::Array(items)) => {
                let names: Vec<String> = items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map_or_else(|| item.to_string(), str::to_owned)
                    })
                    .collect();
                clean(&names.join(", "))
            }
            _ => self.claim_text("aud"),
        }
    }

    fn header_str(&self, name: &str) -> Option<String> {
        let value = self.header?.get(name)?;
        Some(clean(value.as_str().map_or(&value.to_string(), |s| s)))
    }

    /// A NumericDate claim as (RFC 3339 date, seconds), if it is a representable number.
    fn date(&self, name: &str) -> Option<(String, f64)> {
        let seconds = self.claim(name)?.as_f64()?;
        let date =
            rfc3339(seconds).unwrap_or_else(|| format!("{seconds} (outside the years 0-9999)"));
        Some((date, seconds))
    }

    fn date_with_age(&self, name: &str, now: i64) -> String {
        match self.date(name) {
            Some((date, seconds)) => format!("{date} ({})", relative(seconds, now)),
            None => self.claim_json(name),
        }
    }
}

/// Why a step-up claim of the wrong JSON type fails its part: `amr` as a string,
/// `acr` as an array, `auth_time` as a string (docs/verification-rules.md: a policy failure, not
/// an invalid token).
fn wrong_type<T>(name: &str, claim: &StepUpClaim<T>, expected: &str) -> Option<String> {
    match claim {
        StepUpClaim::WrongType(found) => {
            let article = if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            Some(format!(
                "{name} must be {expected}; this token has {article} {found}"
            ))
        }
        _ => None,
    }
}

/// The notes of a line joined, or `None` when there are none.
fn notes<const N: usize>(parts: [Option<String>; N]) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A policy part's status: passed on its own, failed and counted in the verdict,
/// or failed but made up for by the other part (`Combine::Any` profiles).
fn part_status(alone: bool, counted: bool) -> Status {
    match (alone, counted) {
        (true, _) => Status::Pass,
        (false, true) => Status::Fail,
        (false, false) => Status::NotNeeded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_library_order() {
        assert_eq!(
            Stage::of(&Error::InvalidBase64 {
                part: Part::Signature
            }),
            Some(Stage::Signature)
        );
        assert_eq!(
            Stage::of(&Error::InvalidBase64 {
                part: Part::Payload
            }),
            Some(Stage::Payload)
        );
        assert!(Stage::Header < Stage::Alg && Stage::Alg < Stage::Signature);
        assert!(Stage::Exp < Stage::Iat && Stage::Nbf < Stage::Nonce);
    }

    #[test]
    fn urls_are_recognised() {
        assert!(is_url("https://op/jwks"));
        assert!(is_url("HTTP://op/jwks"));
        assert!(!is_url("jwks.json"));
        assert!(!is_url("http"));
    }
}
