//! OpenID Connect Discovery 1.0 §4: the `jwks_uri` of an issuer.

use reqwest::Url;
use serde_json::{Map, Value};

use super::fetch::{FetchSettings, Fetcher, parse_url, redact};
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

/// What an OpenID Provider announces in its discovery document (OpenID Connect
/// Discovery 1.0 §3), as far as a relying party needs it. Every URL has passed the
/// same check as a JWK Set URL: `https`, or plain `http` to a loopback address.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The issuer, exactly as configured (discovery must have named exactly it).
    pub issuer: String,
    /// Where browsers are sent to log in.
    pub authorization_endpoint: String,
    /// Where authorization codes are exchanged for tokens.
    pub token_endpoint: String,
    /// The provider's JWK Set.
    pub jwks_uri: String,
    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), when offered.
    pub end_session_endpoint: Option<String>,
}

impl ProviderMetadata {
    /// Metadata given by hand (for providers without discovery, and for tests).
    /// The URLs are checked as discovered ones are.
    ///
    /// # Errors
    /// `invalid_config` or `insecure_url` for a URL that cannot be used.
    pub fn new(
        issuer: impl Into<String>,
        authorization_endpoint: impl Into<String>,
        token_endpoint: impl Into<String>,
        jwks_uri: impl Into<String>,
        end_session_endpoint: Option<String>,
    ) -> Result<Self, Error> {
        let metadata = Self {
            issuer: issuer.into(),
            authorization_endpoint: authorization_endpoint.into(),
            token_endpoint: token_endpoint.into(),
            jwks_uri: jwks_uri.into(),
            end_session_endpoint,
        };
        for url in [
            &metadata.authorization_endpoint,
            &metadata.token_endpoint,
            &metadata.jwks_uri,
        ]
        .into_iter()
        .chain(metadata.end_session_endpoint.as_ref())
        {
            parse_url(url)?;
        }
        Ok(metadata)
    }
}

/// Fetches `{issuer}/.well-known/openid-configuration` and returns the endpoints a
/// relying party needs. The document must name exactly `issuer`, and every endpoint
/// must be an allowed URL (`https`, or `http` to loopback). Needs a tokio runtime.
///
/// ```no_run
/// # async fn run() -> Result<(), stepup::Error> {
/// let provider = stepup::discover("https://login.example.com", &Default::default()).await?;
/// println!("log in at {}", provider.authorization_endpoint);
/// # Ok(()) }
/// ```
///
/// # Errors
/// `invalid_config` or `insecure_url` for the issuer or an endpoint,
/// `jwks_unreachable` when the document cannot be fetched, `jwks_invalid` when it is
/// not a strict JSON object or lacks an endpoint, `discovery_issuer_mismatch`.
pub async fn discover(issuer: &str, settings: &FetchSettings) -> Result<ProviderMetadata, Error> {
    let fetcher = Fetcher::new(settings)?;
    metadata(&fetcher, issuer).await
}

/// Fetches the discovery document of `issuer`, checks that it names exactly
/// this issuer, and returns its `jwks_uri` (which must be an allowed URL).
pub(crate) async fn jwks_uri(fetcher: &Fetcher, issuer: &str) -> Result<Url, Error> {
    let document = document(fetcher, issuer).await?;
    let url = discovery_url(issuer)?;
    let jwks = endpoint(&document, &url, "jwks_uri")?;
    tracing::debug!(
        target: "stepup::remote",
        discovery = %redact(url.as_str()),
        jwks_uri = %redact(jwks.as_str()),
        "discovered the JWKS URL",
    );
    Ok(jwks)
}

async fn metadata(fetcher: &Fetcher, issuer: &str) -> Result<ProviderMetadata, Error> {
    let document = document(fetcher, issuer).await?;
    let url = discovery_url(issuer)?;
    metadata_from(&document, &url, issuer)
}

/// The endpoints of a checked discovery `document` of `issuer`, fetched from `url`.
pub(crate) fn metadata_from(
    document: &Map<String, Value>,
    url: &Url,
    issuer: &str,
) -> Result<ProviderMetadata, Error> {
    let end_session_endpoint = match document.get("end_session_endpoint") {
        None | Some(Value::Null) => None,
        Some(_) => Some(endpoint(document, url, "end_session_endpoint")?.into()),
    };
    Ok(ProviderMetadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: endpoint(document, url, "authorization_endpoint")?.into(),
        token_endpoint: endpoint(document, url, "token_endpoint")?.into(),
        jwks_uri: endpoint(document, url, "jwks_uri")?.into(),
        end_session_endpoint,
    })
}

/// The member `name` of the document as an allowed URL.
fn endpoint(document: &Map<String, Value>, url: &Url, name: &str) -> Result<Url, Error> {
    let Some(Value::String(value)) = document.get(name) else {
        return Err(Error::JwksInvalid {
            url: redact(url.as_str()),
            reason: format!("the discovery document has no \"{name}\" string"),
        });
    };
    parse_url(value)
}

/// The discovery document of `issuer`, checked to be a strict JSON object naming
/// exactly this issuer.
async fn document(fetcher: &Fetcher, issuer: &str) -> Result<Map<String, Value>, Error> {
    let url = discovery_url(issuer)?;
    let fetched = fetcher.get(&url).await?;
    parse_document(&fetched.body, &url, issuer)
}

/// The discovery document `body` of `issuer`, fetched from `url`, checked to be a
/// strict JSON object naming exactly this issuer.
pub(crate) fn parse_document(
    body: &[u8],
    url: &Url,
    issuer: &str,
) -> Result<Map<String, Value>, Error> {
    let invalid = |reason: String| Error::JwksInvalid {
        url: redact(url.as_str()),
        reason,
    };
    crate::json::check(body, MAX_DEPTH, Part::Payload).map_err(|e| {
        invalid(format!(
            "the discovery document is not a strict JSON object: {}",
            e.json_problem()
        ))
    })?;
    let document: Value = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("the discovery document is not JSON: {e}")))?;
    let Value::Object(document) = document else {
        return Err(invalid(
            "the discovery document is not a JSON object".into(),
        ));
    };
    match document.get("issuer") {
        Some(Value::String(found)) if found == issuer => Ok(document),
        Some(Value::String(found)) => Err(Error::DiscoveryIssuerMismatch {
            url: redact(url.as_str()),
            expected: Shown::new(redact(issuer)),
            found: Shown::new(redact(found)),
        }),
        _ => Err(invalid(
            "the discovery document has no \"issuer\" string".into(),
        )),
    }
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
