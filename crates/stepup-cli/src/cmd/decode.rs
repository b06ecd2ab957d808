//! `stepup decode`: print a token's header and claims without verifying anything.

use serde_json::Value;

use super::{Exit, Failure, hint, read_token, written};
use crate::args::DecodeArgs;
use crate::output::{self, Style, rfc3339};

/// The claims shown as dates besides their numeric value.
const DATE_CLAIMS: [&str; 4] = ["exp", "iat", "nbf", "auth_time"];

/// Runs `stepup decode`: exit 0, 2 if the token cannot be decoded, 3 for usage errors.
pub(crate) fn run(args: &DecodeArgs) -> Result<Exit, Failure> {
    let decoded = read_token(args.token.as_deref()).and_then(|token| {
        stepup::decode_unverified(&token).map_err(|error| {
            hint::token(&token, stepup::TokenKind::IdToken, &error)
                .unwrap_or_else(|| Failure::from(error))
        })
    });
    let (header, claims) = match decoded {
        Ok(decoded) => decoded,
        Err(failure) if args.json => {
            written(output::decode_failure_json(&failure))?;
            return Ok(failure.exit());
        }
        Err(failure) => return Err(failure),
    };
    let dates = dates(&claims);
    if args.json {
        written(output::decode_json(&header, &claims, &dates))?;
    } else {
        written(output::decode_human(
            &header,
            &claims,
            &dates,
            Style::detect(),
        ))?;
    }
    Ok(Exit::Success)
}

/// The date claims present, as RFC 3339 UTC (`None` when not a representable number).
fn dates(claims: &Value) -> Vec<(&'static str, Option<String>)> {
    DATE_CLAIMS
        .into_iter()
        .filter_map(|name| {
            let value = claims.get(name)?;
            Some((name, value.as_f64().and_then(rfc3339)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_present_claims_only() {
        let claims = serde_json::json!({"exp": 1_767_229_200, "iat": "soon", "sub": "u"});
        assert_eq!(
            dates(&claims),
            vec![
                ("exp", Some("2026-01-01T01:00:00Z".to_owned())),
                ("iat", None)
            ]
        );
    }
}
