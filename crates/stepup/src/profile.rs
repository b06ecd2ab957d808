//! Named presets for what "MFA" means at common providers.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::policy::{Combine, Policy};

/// The `acr` value of the OpenID Provider Authentication Policy Extension for
/// multi-factor authentication, which Auth0 uses for step-up.
pub const PAPE_MULTI_FACTOR: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/// Okta's `acr` value for "any two factors".
pub const OKTA_2FA_ANY: &str = "urn:okta:loa:2fa:any";

/// A provider preset that builds a [`Policy`].
///
/// | profile | satisfied when | challenge `acr_values` | source |
/// |---|---|---|---|
/// | `generic` | `amr` contains `mfa` (RFC 8176) | none | RFC 8176 §2 |
/// | `auth0` | `amr` contains `mfa` **or** `acr` is the PAPE multi-factor URI | PAPE multi-factor | Auth0 docs, "Configure Step-up Authentication for Web Apps" |
/// | `okta` | `amr` contains `mfa` **or** `acr` is `urn:okta:loa:2fa:any` | `urn:okta:loa:2fa:any` | Okta developer docs, "Step-up authentication using ACR values" |
/// | `keycloak` | `acr` is the configured level (Keycloak's `amr` has no `mfa` by default) | the level | Keycloak Server Administration Guide, "Creating a browser login flow with step-up mechanism" |
/// | `cognito` | `amr` contains `mfa` | none | Amazon Cognito Developer Guide, "Authentication levels with ACR and AMR claims" |
///
/// ```
/// use stepup::{Claims, Profile, StepUpClaim, UnixTime, PAPE_MULTI_FACTOR};
///
/// let policy = "auth0".parse::<Profile>()?.policy();
/// let claims = Claims {
///     acr: StepUpClaim::Present(PAPE_MULTI_FACTOR.into()),
///     ..Claims::default()
/// };
/// assert!(policy.decide(&claims, UnixTime::now()).is_satisfied());
/// # Ok::<(), stepup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// Any RFC 8176 provider: `amr` must contain `mfa`.
    Generic,
    /// Auth0.
    Auth0,
    /// Okta.
    Okta,
    /// Keycloak, with the `acr` level (e.g. `"2"` or `"gold"`) that means MFA in your realm.
    Keycloak {
        /// The accepted `acr` level.
        acr_level: String,
    },
    /// Amazon Cognito user pools.
    Cognito,
}

impl Profile {
    /// The policy this profile stands for.
    pub fn policy(&self) -> Policy {
        match self {
            Self::Generic | Self::Cognito => Policy::default(),
            Self::Auth0 => Policy::default()
                .with_accepted_acr([PAPE_MULTI_FACTOR])
                .with_combine(Combine::Any),
            Self::Okta => Policy::default()
                .with_accepted_acr([OKTA_2FA_ANY])
                .with_combine(Combine::Any),
            Self::Keycloak { acr_level } => Policy::default()
                .with_required_amr(Vec::<String>::new())
                .with_accepted_acr([acr_level.clone()]),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Generic => f.write_str("generic"),
            Self::Auth0 => f.write_str("auth0"),
            Self::Okta => f.write_str("okta"),
            Self::Keycloak { acr_level } => write!(f, "keycloak:{acr_level}"),
            Self::Cognito => f.write_str("cognito"),
        }
    }
}

impl FromStr for Profile {
    type Err = Error;

    /// Parses `generic`, `auth0`, `okta`, `cognito`, or `keycloak:<acr level>`.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "generic" => Ok(Self::Generic),
            "auth0" => Ok(Self::Auth0),
            "okta" => Ok(Self::Okta),
            "cognito" => Ok(Self::Cognito),
            _ => match s.strip_prefix("keycloak:") {
                Some(level) if !level.is_empty() => Ok(Self::Keycloak {
                    acr_level: level.to_owned(),
                }),
                _ => Err(Error::config(format!(
                    "unknown profile {s:?}; use generic, auth0, okta, cognito or keycloak:<acr level>"
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Claims, StepUpClaim};
    use crate::time::UnixTime;

    const NOW: UnixTime = UnixTime::from_secs(0);

    fn with(amr: &[&str], acr: Option<&str>) -> Claims {
        Claims {
            amr: StepUpClaim::Present(amr.iter().map(|s| s.to_string()).collect()),
            acr: acr.map_or(StepUpClaim::Absent, |a| StepUpClaim::Present(a.into())),
            ..Claims::default()
        }
    }

    #[test]
    fn auth0_accepts_amr_or_pape_acr() {
        let p = Profile::Auth0.policy();
        assert!(p.decide(&with(&["mfa"], None), NOW).is_satisfied());
        assert!(
            p.decide(&with(&[], Some(PAPE_MULTI_FACTOR)), NOW)
                .is_satisfied()
        );
        assert!(!p.decide(&with(&["pwd"], None), NOW).is_satisfied());
    }

    #[test]
    fn keycloak_needs_the_level_not_amr() {
        let p: Profile = "keycloak:gold".parse().unwrap();
        let policy = p.policy();
        assert!(policy.decide(&with(&[], Some("gold")), NOW).is_satisfied());
        assert!(
            !policy
                .decide(&with(&["mfa"], Some("silver")), NOW)
                .is_satisfied()
        );
    }

    #[test]
    fn parse_names() {
        assert_eq!("okta".parse::<Profile>().ok(), Some(Profile::Okta));
        assert_eq!(
            "nope".parse::<Profile>().map_err(|e| e.code()),
            Err("invalid_config")
        );
        assert!("keycloak:".parse::<Profile>().is_err());
    }
}
