//! OpenID Connect Discovery 1.0 §4: the `jwks_uri` of an issuer.

use reqwest::Url;
use serde_json::Value;

use super::fetch::{Fetcher, parse_url, redact};
use crate::error::{Error, Part, Shown};

/// Discovery documents are flat objects with arrays of strings.
const MAX_DEPTH: usize = 16;

/// `{issuer}/.well-known/openid-configuration`, after checking the issuer URL.
pub(crate) fn discovery_url(issuer: &str) -> Result<Url, Error> {
    let parsed = parse_url(issuer)?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "the issuer {} has a query or fragment, which OpenID Connect issuers never have; \
             pass the issuer URL exactly as the provider publishes it",
            Shown::new(redact(issuer))
        )));
    }
    // Discovery §4: a terminating "/" of the issuer is removed before appending.
    let base = issuer.strip_suffix('/').unwrap_or(issuer);
    parse_url(&format!("{base}/.well-known/openid-configuration"))
}

/// Fetches the discovery document of `issuer`, checks that it names exactly
/// this issuer, and returns its `jwks_uri` (which must be an allowed URL).
pub(crate) async fn jwks_uri(fetcher: &Fetcher, issuer: &str) -> Result<Url, Error> {
    let url = discovery_url(issuer)?;
    let fetched = fetcher.get(&url).await?;
    let invalid = |reason: String| Error::JwksInvalid {
        url: redact(url.as_str()),
        reason,
    };
    crate::json::check(&fetched.body, MAX_DEPTH, Part::Payload).map_err(|e| {
        invalid(format!(
            "the discovery document is not a strict JSON object: {e}"
        ))
    })?;
    let document: Value = serde_json::from_slice(&fetched.body)
        .map_err(|e| invalid(format!("the discovery document is not JSON: {e}")))?;
    let Value::Object(document) = document else {
        return Err(invalid(
            "the discovery document is not a JSON object".into(),
        ));
    };
    match document.get("issuer") {
        Some(Value::String(found)) if found == issuer => {}
        Some(Value::String(found)) => {
            return Err(Error::DiscoveryIssuerMismatch {
                url: redact(url.as_str()),
                expected: Shown::new(redact(issuer)),
                found: Shown::new(redact(found)),
            });
        }
        _ => {
            return Err(invalid(
                "the discovery document has no \"issuer\" string".into(),
            ));
        }
    }
    let Some(Value::String(jwks_uri)) = document.get("jwks_uri") else {
        return Err(invalid(
            "the discovery document has no \"jwks_uri\" string".into(),
        ));
    };
    let jwks = parse_url(jwks_uri)?;
    tracing::debug!(
        target: "stepup::remote",
        discovery = %redact(url.as_str()),
        jwks_uri = %redact(jwks.as_str()),
        "discovered the JWKS URL",
    );
    Ok(jwks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_path() {
        let url = |issuer| discovery_url(issuer).map(|u| u.to_string());
        assert_eq!(
            url("https://op.example.com").unwrap(),
            "https://op.example.com/.well-known/openid-configuration"
        );
        assert_eq!(
            url("https://op.example.com/tenant/").unwrap(),
            "https://op.example.com/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            url("http://op.example.com").map_err(|e| e.code()),
            Err("insecure_url")
        );
        assert_eq!(
            url("https://op.example.com/?x=1").map_err(|e| e.code()),
            Err("invalid_config")
        );
    }
}
