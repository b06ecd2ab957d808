//! `stepup mint`: sign a test token from flags.

use std::io::Read as _;
use std::path::Path;

use serde_json::{Map, Value, json};
use stepup::{Alg, SigningKey, UnixTime};

use super::{Exit, Failure, load_secret, read_text, written};
use crate::args::MintArgs;
use crate::output;

/// Default token lifetime in seconds: one hour, typical of ID tokens.
const DEFAULT_LIFETIME: i64 = 3600;

/// Default `sub` of a test token.
const DEFAULT_SUBJECT: &str = "test-user";

/// Runs `stepup mint`: prints the token and a newline; exit 3 on bad input.
pub(crate) fn run(args: &MintArgs) -> Result<Exit, Failure> {
    let alg = args.alg.as_deref().map(parse_alg).transpose()?;
    let key = signing_key(args, alg)?;
    let claims = build_claims(args, UnixTime::now().as_secs())?;
    let mut header = Map::new();
    header.insert("typ".into(), json!(args.typ));
    if let Some(kid) = &args.kid {
        header.insert("kid".into(), json!(kid));
    }
    let token = key.sign_with_header(&Value::Object(header), &Value::Object(claims))?;
    written(output::line(&token))?;
    Ok(Exit::Success)
}

fn parse_alg(name: &str) -> Result<Alg, Failure> {
    if name.eq_ignore_ascii_case("none") {
        return Err(Failure::config(
            "alg_none",
            "--alg none is refused: stepup never makes unsigned tokens; choose e.g. HS256 or RS256",
        ));
    }
    name.parse::<Alg>()
        .map_err(|error| Failure::config_from(&error))
}

fn signing_key(args: &MintArgs, alg: Option<Alg>) -> Result<SigningKey, Failure> {
    let key = match load_secret(args.secret.as_deref(), args.secret_file.as_deref()) {
        Some(secret) => SigningKey::from_secret(&secret?, alg.unwrap_or(Alg::HS256))?,
        None => {
            let Some(path) = &args.key else {
                return Err(Failure::config(
                    "no_key_source",
                    "no signing key; give one of --secret, --secret-file or --key",
                ));
            };
            SigningKey::from_pem(&read_text(path, "private key file")?, alg)?
        }
    };
    Ok(match &args.kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

/// The claims: `--claims-json` first, then defaults where it has nothing, then the
/// flags, then `--claim` pairs, each overriding what came before.
fn build_claims(args: &MintArgs, wall_clock: i64) -> Result<Map<String, Value>, Failure> {
    let mut claims = match &args.claims_json {
        Some(source) => read_claims_json(source)?,
        None => Map::new(),
    };
    let now = args.now.unwrap_or(wall_clock);
    if args.now.is_some() || !claims.contains_key("iat") {
        claims.insert("iat".into(), json!(now));
    }
    if args.lifetime.is_some() || !claims.contains_key("exp") {
        let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(now);
        let exp = iat
            .checked_add(args.lifetime.unwrap_or(DEFAULT_LIFETIME))
            .ok_or_else(|| Failure::config("invalid_claim_flag", "--lifetime overflows exp"))?;
        claims.insert("exp".into(), json!(exp));
    }
    match &args.subject {
        Some(sub) => {
            claims.insert("sub".into(), json!(sub));
        }
        None => {
            claims
                .entry("sub")
                .or_insert_with(|| json!(DEFAULT_SUBJECT));
        }
    }
    if let Some(iss) = &args.issuer {
        claims.insert("iss".into(), json!(iss));
    }
    match args.audience.as_slice() {
        [] => {}
        [one] => {
            claims.insert("aud".into(), json!(one));
        }
        several => {
            claims.insert("aud".into(), json!(several));
        }
    }
    if !args.amr.is_empty() {
        claims.insert("amr".into(), json!(args.amr));
    }
    for (name, value) in [
        ("acr", &args.acr),
        ("nonce", &args.nonce),
        ("azp", &args.azp),
    ] {
        if let Some(value) = value {
            claims.insert(name.into(), json!(value));
        }
    }
    if let Some(auth_time) = &args.auth_time {
        let seconds = if auth_time == "now" {
            now
        } else {
            auth_time.parse::<i64>().map_err(|_| {
                Failure::config(
                    "invalid_claim_flag",
                    format!("--auth-time {auth_time:?} is neither a Unix time nor `now`"),
                )
            })?
        };
        claims.insert("auth_time".into(), json!(seconds));
    }
    for pair in &args.claims {
        let (name, value) = pair
            .split_once('=')
            .filter(|(name, _)| !name.is_empty())
            .ok_or_else(|| {
                Failure::config(
                    "invalid_claim_flag",
                    format!("--claim {pair:?} is not NAME=VALUE"),
                )
            })?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
        claims.insert(name.into(), value);
    }
    Ok(claims)
}

/// A JSON object of claims from a file, or from stdin for `-`.
fn read_claims_json(source: &str) -> Result<Map<String, Value>, Failure> {
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::config(
                "stdin_unreadable",
                format!("cannot read claims from stdin: {e}"),
            )
        })?;
        text
    } else {
        read_text(Path::new(source), "claims file")?
    };
    match serde_json::from_str(&text) {
        Ok(Value::Object(claims)) => Ok(claims),
        Ok(_) => Err(Failure::config(
            "invalid_claims_json",
            "--claims-json must hold a JSON object",
        )),
        Err(e) => Err(Failure::config(
            "invalid_claims_json",
            format!("--claims-json is not valid JSON: {e}"),
        )),
    }
}
