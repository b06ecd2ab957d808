//! Claim validation, following OpenID Connect Core 1.0 §3.1.3.7 "ID Token Validation".
//!
//! Steps 1 (decryption: JWE is refused in `jws::split`), 6-8 (signature, `alg`
//! allow-list, HMAC with the client secret: `verifier::verify_signature`) run
//! before this; steps 12-13 (`acr`, `auth_time`) belong to the step-up policy.

use crate::claims::ClaimsView;
use crate::error::{Error, Shown};
use crate::jws::TokenKind;
use crate::time::UnixTime;
use crate::verifier::Config;

/// Validates the claims of a token whose signature has been verified.
///
/// Every refusal is marked as the cold path: the compiler then keeps the code that
/// builds the errors apart from the checks a valid token runs through, which fit in
/// fewer lines of instruction cache (the verifier's own code competes there with the
/// signature algorithm's).
pub(crate) fn claims(
    config: &Config,
    claims: ClaimsView<'_>,
    now: UnixTime,
    nonce: Option<&str>,
) -> Result<(), Error> {
    // Step 2: the Issuer Identifier MUST exactly match the `iss` claim.
    match claims.iss_is(&config.issuer) {
        None => {
            crate::error::cold_path();
            return Err(Error::MissingClaim {
                claim: "iss",
                hint: "an ID token must name its issuer",
            });
        }
        Some(false) => {
            crate::error::cold_path();
            return Err(Error::IssuerMismatch {
                expected: Shown::new(&config.issuer),
                found: Shown::new(claims.iss().unwrap_or_default()),
            });
        }
        Some(true) => {}
    }
    // OIDC Core §2: `sub` is REQUIRED (a string, checked when parsed).
    if !claims.has_sub() {
        crate::error::cold_path();
        return Err(Error::MissingClaim {
            claim: "sub",
            hint: "an ID token must name its subject",
        });
    }
    // Step 3: `aud` MUST contain the client_id.
    if claims.audience_count() == 0 {
        crate::error::cold_path();
        return Err(Error::MissingClaim {
            claim: "aud",
            hint: "an ID token must name its audience (the client id)",
        });
    }
    if !claims.has_audience(&config.client_id) {
        let found: Vec<_> = claims.audiences().collect();
        crate::error::cold_path();
        return Err(Error::AudienceMismatch {
            expected: Shown::new(&config.client_id),
            found: Shown::new(found.join(", ")),
        });
    }
    if config.kind == TokenKind::IdToken {
        // Step 4: several audiences require `azp` (docs/verification-rules.md makes the SHOULD a MUST).
        let azp_is_client = claims.azp_is(&config.client_id);
        if claims.audience_count() > 1 && azp_is_client.is_none() {
            crate::error::cold_path();
            return Err(Error::AzpMissing);
        }
        // Step 5: a present `azp` must be the client id.
        if azp_is_client == Some(false) {
            crate::error::cold_path();
            return Err(Error::AzpMismatch {
                expected: Shown::new(&config.client_id),
                found: Shown::new(claims.azp().unwrap_or_default()),
            });
        }
    }
    let now_secs = now.as_secs();
    let leeway = config.leeway;
    let now_f = now_secs as f64;
    let slack = leeway as f64;
    // Step 9: the current time MUST be before `exp` (plus leeway).
    let Some(exp) = claims.exp() else {
        crate::error::cold_path();
        return Err(Error::MissingClaim {
            claim: "exp",
            hint: "an ID token must carry an expiry",
        });
    };
    if now_f >= exp.as_f64() + slack {
        crate::error::cold_path();
        return Err(Error::Expired {
            exp: exp.as_secs(),
            now: now_secs,
            leeway,
            ago: now_secs.saturating_sub(exp.as_secs()),
        });
    }
    // Step 10: `iat` is required; it must not be in the future (beyond leeway).
    let Some(iat) = claims.iat() else {
        crate::error::cold_path();
        return Err(Error::MissingClaim {
            claim: "iat",
            hint: "an ID token must carry its issue time",
        });
    };
    if iat.as_f64() > now_f + slack {
        crate::error::cold_path();
        return Err(Error::IssuedInFuture {
            iat: iat.as_secs(),
            now: now_secs,
            leeway,
        });
    }
    // RFC 7519 §4.1.5: `nbf`, when present, must have passed (beyond leeway).
    if let Some(nbf) = claims.nbf()
        && nbf.as_f64() > now_f + slack
    {
        crate::error::cold_path();
        return Err(Error::NotYetValid {
            nbf: nbf.as_secs(),
            now: now_secs,
            leeway,
        });
    }
    // Step 11: the nonce of the authentication request must come back unchanged.
    if let Some(expected) = nonce {
        match claims.nonce_is(expected) {
            None => {
                crate::error::cold_path();
                return Err(Error::MissingClaim {
                    claim: "nonce",
                    hint: "the login request sent a nonce, so the ID token must return it",
                });
            }
            Some(false) => {
                crate::error::cold_path();
                return Err(Error::NonceMismatch {
                    found: Shown::new(claims.nonce().unwrap_or_default()),
                });
            }
            Some(true) => {}
        }
    }
    Ok(())
}
