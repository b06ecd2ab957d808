//! The step-up policy: is a valid token strong and fresh enough? A verdict, never an error.

use std::fmt;

use crate::claims::{Claims, StepUpFacts};
use crate::time::UnixTime;
use crate::verified::VerifiedToken;
use crate::verifier::DEFAULT_LEEWAY;

/// How the `amr` and `acr` requirements combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Combine {
    /// Both the `amr` values and an accepted `acr` are required.
    #[default]
    All,
    /// Either all the `amr` values or an accepted `acr` is enough
    /// (providers that signal MFA one way or the other, e.g. Auth0).
    Any,
}

/// What a token must show about the user's authentication.
///
/// The default requires `amr` to contain `"mfa"` (RFC 8176) and nothing else.
///
/// ```
/// use stepup::{Policy, UnixTime, Claims, StepUpClaim};
///
/// let policy = Policy::default().with_max_age(300);
/// let mut claims = Claims::default();
/// claims.amr = StepUpClaim::Present(vec!["pwd".into(), "mfa".into()]);
/// claims.auth_time = StepUpClaim::Present(stepup::NumericDate::new(1_000.0).unwrap());
/// assert!(policy.decide(&claims, UnixTime::from_secs(1_200)).is_satisfied());
/// assert!(!policy.decide(&claims, UnixTime::from_secs(2_000)).is_satisfied());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    required_amr: Vec<String>,
    accepted_acr: Vec<String>,
    combine: Combine,
    max_auth_age: Option<u64>,
    leeway: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            required_amr: vec!["mfa".into()],
            accepted_acr: Vec::new(),
            combine: Combine::All,
            max_auth_age: None,
            leeway: DEFAULT_LEEWAY,
        }
    }
}

impl Policy {
    /// Requires all of these `amr` values, replacing the default `["mfa"]`.
    /// An empty list requires no `amr` at all.
    pub fn with_required_amr<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_amr = values.into_iter().map(Into::into).collect();
        self
    }

    /// Requires `acr` to be one of these values (empty: no `acr` requirement).
    /// They are also sent as `acr_values` in the step-up challenge.
    pub fn with_accepted_acr<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.accepted_acr = values.into_iter().map(Into::into).collect();
        self
    }

    /// How the `amr` and `acr` requirements combine. Default [`Combine::All`].
    pub fn with_combine(mut self, combine: Combine) -> Self {
        self.combine = combine;
        self
    }

    /// Requires a login no older than `seconds` (`auth_time` must be present).
    pub fn with_max_age(mut self, seconds: u64) -> Self {
        self.max_auth_age = Some(seconds);
        self
    }

    /// Leeway in seconds for the `max_age` check. Default 60.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// The required `amr` values.
    pub fn required_amr(&self) -> &[String] {
        &self.required_amr
    }

    /// The accepted `acr` values.
    pub fn accepted_acr(&self) -> &[String] {
        &self.accepted_acr
    }

    /// The maximum authentication age, if any.
    pub fn max_auth_age(&self) -> Option<u64> {
        self.max_auth_age
    }

    /// How the `amr` and `acr` requirements combine.
    pub fn combine(&self) -> Combine {
        self.combine
    }

    /// The leeway in seconds for the `max_age` check.
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// Whether the policy asks for nothing beyond a valid token (no `amr`, no `acr`,
    /// no `max_age`): a plain login.
    pub fn requires_nothing(&self) -> bool {
        self.required_amr.is_empty() && self.accepted_acr.is_empty() && self.max_auth_age.is_none()
    }

    /// Decides whether the (already verified) claims satisfy the policy at `now`.
    pub fn decide(&self, claims: &Claims, now: UnixTime) -> Decision {
        self.decide_on(claims, now)
    }

    /// Decides on a verified token as [`decide`](Self::decide) does on its
    /// [`claims`](VerifiedToken::claims), reading them in place (without building
    /// the owned [`Claims`]): what [`Verifier::check`](crate::Verifier::check) does.
    pub fn decide_token(&self, token: &VerifiedToken, now: UnixTime) -> Decision {
        self.decide_on(&token.claims_view(), now)
    }

    fn decide_on(&self, claims: &impl StepUpFacts, now: UnixTime) -> Decision {
        let mut amr_missing = Vec::new();
        for required in &self.required_amr {
            // RFC 8176 values are case-sensitive: "MFA" is not "mfa".
            if !claims.has_amr(required) {
                amr_missing.push(Missing::Amr(required.clone()));
            }
        }
        let mut acr_missing = Vec::new();
        if !self.accepted_acr.is_empty() && !claims.acr_in(&self.accepted_acr) {
            acr_missing.push(Missing::Acr);
        }
        let mut missing = match self.combine {
            _ if amr_missing.is_empty() && acr_missing.is_empty() => Vec::new(),
            Combine::All => [amr_missing, acr_missing].concat(),
            Combine::Any => {
                // A side with no requirement is no alternative: `Any` with an empty acr
                // list must still demand the amr values, and the other way round.
                let amr_met = !self.required_amr.is_empty() && amr_missing.is_empty();
                let acr_met = !self.accepted_acr.is_empty() && acr_missing.is_empty();
                let nothing_required = self.required_amr.is_empty() && self.accepted_acr.is_empty();
                if amr_met || acr_met || nothing_required {
                    Vec::new()
                } else {
                    [amr_missing, acr_missing].concat()
                }
            }
        };
        if let Some(max_age) = self.max_auth_age {
            match claims.auth_time() {
                Some(auth_time) => {
                    let age = now.as_secs() as f64 - auth_time.as_f64();
                    if age < -(self.leeway as f64) {
                        // A login in the future (beyond the leeway) would stay "fresh"
                        // for as long as the clocks disagree: its time cannot be judged.
                        missing.push(Missing::AuthTime);
                    } else if age > max_age.saturating_add(self.leeway) as f64 {
                        // Saturating: a huge max_age (u64::MAX) means "any age", never a wrap.
                        missing.push(Missing::FreshLogin);
                    }
                }
                None => missing.push(Missing::AuthTime),
            }
        }
        let reason = if missing
            .iter()
            .any(|m| matches!(m, Missing::Amr(_) | Missing::Acr))
        {
            ChallengeReason::Level
        } else {
            ChallengeReason::Freshness
        };
        if missing.is_empty() {
            Decision::Satisfied
        } else {
            Decision::StepUp(StepUp {
                missing,
                challenge: Challenge {
                    acr_values: self.accepted_acr.clone(),
                    max_age: self.max_auth_age,
                    reason,
                },
            })
        }
    }
}

/// The outcome of a policy check on a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The token proves what the policy asks.
    Satisfied,
    /// The user must authenticate again, more strongly or more recently.
    StepUp(StepUp),
}

impl Decision {
    /// Whether the policy is satisfied.
    pub fn is_satisfied(&self) -> bool {
        matches!(self, Self::Satisfied)
    }

    /// What is missing (empty when satisfied).
    pub fn missing(&self) -> &[Missing] {
        match self {
            Self::Satisfied => &[],
            Self::StepUp(step_up) => &step_up.missing,
        }
    }

    /// The RFC 9470 challenge to send when a step-up is needed, `None` when satisfied.
    ///
    /// An API answers 401 with [`Challenge::www_authenticate`] as its `WWW-Authenticate`
    /// header; a web app sends the browser to the provider's authorization endpoint with
    /// [`Challenge::authorize_params`] added to the login request.
    ///
    /// ```
    /// use stepup::{Claims, Policy, StepUpClaim, UnixTime};
    ///
    /// let claims = Claims { amr: StepUpClaim::Present(vec!["pwd".into()]), ..Claims::default() };
    /// let decision = Policy::default().with_max_age(300).decide(&claims, UnixTime::from_secs(0));
    /// let challenge = decision.challenge().expect("a password login is not MFA");
    /// assert_eq!(challenge.max_age, Some(300));
    /// assert!(Policy::default().decide(&Claims::default(), UnixTime::from_secs(0)).challenge().is_some());
    /// ```
    pub fn challenge(&self) -> Option<&Challenge> {
        match self {
            Self::Satisfied => None,
            Self::StepUp(step_up) => Some(&step_up.challenge),
        }
    }
}

/// What a step-up needs: the unmet requirements and the challenge to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUp {
    /// The unmet requirements, in policy order.
    pub missing: Vec<Missing>,
    /// The RFC 9470 challenge parameters.
    pub challenge: Challenge,
}

/// One unmet requirement, with a stable [`name`](Missing::name).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missing {
    /// A required `amr` value is absent (or `amr` is not an array of strings). Name `amr:<value>`.
    Amr(String),
    /// `acr` is absent, not a string, or not accepted. Name `acr`.
    Acr,
    /// `max_age` is required but `auth_time` is absent, not a number, or later than
    /// now plus the leeway (a login in the future cannot be judged). Name `auth_time`.
    AuthTime,
    /// `auth_time` is older than `max_age` plus leeway. Name `fresh_login`.
    FreshLogin,
}

impl Missing {
    /// The stable name, e.g. `amr:mfa`, `acr`, `auth_time`, `fresh_login`.
    pub fn name(&self) -> String {
        match self {
            Self::Amr(value) => format!("amr:{value}"),
            Self::Acr => "acr".into(),
            Self::AuthTime => "auth_time".into(),
            Self::FreshLogin => "fresh_login".into(),
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Why a step-up is needed, which picks the challenge's `error_description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChallengeReason {
    /// The authentication was not strong enough (`amr`/`acr`).
    #[default]
    Level,
    /// The authentication was strong enough but too long ago (`max_age`).
    Freshness,
}

/// RFC 9470 step-up challenge parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    /// `acr_values` to request (space-separated in the header), possibly empty.
    pub acr_values: Vec<String>,
    /// `max_age` to request, if any.
    pub max_age: Option<u64>,
    /// Why the step-up is needed.
    pub reason: ChallengeReason,
}

impl Challenge {
    /// The `WWW-Authenticate` header value for an API response (RFC 9470 §3).
    ///
    /// ```
    /// let c = stepup::Challenge {
    ///     acr_values: vec!["urn:x:mfa".into()],
    ///     max_age: Some(300),
    ///     reason: stepup::ChallengeReason::Level,
    /// };
    /// assert_eq!(
    ///     c.www_authenticate(),
    ///     r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:x:mfa", max_age="300""#
    /// );
    /// ```
    pub fn www_authenticate(&self) -> String {
        let description = match self.reason {
            ChallengeReason::Freshness => "More recent authentication is required",
            ChallengeReason::Level => "A different authentication level is required",
        };
        let mut value = format!(
            "Bearer error=\"insufficient_user_authentication\", error_description=\"{description}\""
        );
        if !self.acr_values.is_empty() {
            value.push_str(&format!(", acr_values=\"{}\"", self.acr_values.join(" ")));
        }
        if let Some(max_age) = self.max_age {
            value.push_str(&format!(", max_age=\"{max_age}\""));
        }
        value
    }

    /// The parameters to add to the OpenID Connect authorization request that sends the
    /// user back to the provider (OIDC Core §3.1.2.1): `acr_values` (space-separated)
    /// when the policy accepts `acr` values, and `max_age` when it has one. Each pair is
    /// unencoded: percent-encode it when building the URL.
    ///
    /// A policy that only requires `amr` values (the default, `amr` ∋ `mfa`) gives no
    /// `acr_values`: how to ask such a provider for a second factor is provider-specific
    /// (the [`Profile`](crate::Profile) policies carry the provider's MFA `acr`; a
    /// provider with none usually needs `prompt=login`). `stepup-axum` builds the whole
    /// login request from the profile.
    ///
    /// ```
    /// let c = stepup::Challenge {
    ///     acr_values: vec!["urn:x:mfa".into(), "urn:x:hw".into()],
    ///     max_age: Some(300),
    ///     reason: stepup::ChallengeReason::Level,
    /// };
    /// assert_eq!(
    ///     c.authorize_params(),
    ///     [("acr_values", "urn:x:mfa urn:x:hw".to_owned()), ("max_age", "300".to_owned())]
    /// );
    /// ```
    pub fn authorize_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::with_capacity(2);
        if !self.acr_values.is_empty() {
            params.push(("acr_values", self.acr_values.join(" ")));
        }
        if let Some(max_age) = self.max_age {
            params.push(("max_age", max_age.to_string()));
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::StepUpClaim;
    use crate::time::NumericDate;

    fn claims(amr: StepUpClaim<Vec<String>>) -> Claims {
        Claims {
            amr,
            ..Claims::default()
        }
    }

    fn amr(values: &[&str]) -> StepUpClaim<Vec<String>> {
        StepUpClaim::Present(values.iter().map(|v| v.to_string()).collect())
    }

    fn names(decision: &Decision) -> Vec<String> {
        decision.missing().iter().map(Missing::name).collect()
    }

    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

    #[test]
    fn default_requires_mfa_exactly() {
        let p = Policy::default();
        assert!(p.decide(&claims(amr(&["pwd", "mfa"])), NOW).is_satisfied());
        for not_mfa in [
            StepUpClaim::Absent,
            StepUpClaim::WrongType("string"),
            StepUpClaim::WrongType("array with non-string elements"),
            amr(&["MFA"]),
            amr(&["nomfa"]),
            amr(&[]),
        ] {
            let d = p.decide(&claims(not_mfa.clone()), NOW);
            assert_eq!(names(&d), vec!["amr:mfa"], "{not_mfa:?}");
        }
    }

    #[test]
    fn required_amr_replaces_default() {
        let p = Policy::default().with_required_amr(["hwk", "pin"]);
        assert!(p.decide(&claims(amr(&["hwk", "pin"])), NOW).is_satisfied());
        let d = p.decide(&claims(amr(&["mfa", "hwk"])), NOW);
        assert_eq!(names(&d), vec!["amr:pin"]);
    }

    #[test]
    fn acr_must_be_accepted_string() {
        let p = Policy::default()
            .with_required_amr(Vec::<String>::new())
            .with_accepted_acr(["gold", "silver"]);
        let mut c = Claims {
            acr: StepUpClaim::Present("gold".into()),
            ..Claims::default()
        };
        assert!(p.decide(&c, NOW).is_satisfied());
        c.acr = StepUpClaim::Present("bronze".into());
        assert_eq!(names(&p.decide(&c, NOW)), vec!["acr"]);
        c.acr = StepUpClaim::WrongType("array");
        assert_eq!(names(&p.decide(&c, NOW)), vec!["acr"]);
        let Decision::StepUp(step_up) = p.decide(&c, NOW) else {
            panic!("expected step-up");
        };
        assert_eq!(step_up.challenge.acr_values, vec!["gold", "silver"]);
    }

    #[test]
    fn combine_any_accepts_either() {
        let p = Policy::default()
            .with_accepted_acr(["urn:mfa"])
            .with_combine(Combine::Any);
        let mut c = claims(amr(&["mfa"]));
        assert!(p.decide(&c, NOW).is_satisfied());
        c.amr = StepUpClaim::Absent;
        c.acr = StepUpClaim::Present("urn:mfa".into());
        assert!(p.decide(&c, NOW).is_satisfied());
        c.acr = StepUpClaim::Absent;
        assert_eq!(names(&p.decide(&c, NOW)), vec!["amr:mfa", "acr"]);
    }

    #[test]
    fn huge_max_age_does_not_overflow() {
        let p = Policy::default()
            .with_max_age(u64::MAX)
            .with_leeway(u64::MAX);
        let mut c = claims(amr(&["mfa"]));
        c.auth_time = StepUpClaim::Present(NumericDate::new(0.0).unwrap());
        assert!(p.decide(&c, NOW).is_satisfied());
    }

    #[test]
    fn combine_any_with_one_side_empty_still_requires_the_other() {
        let amr_only = Policy::default().with_combine(Combine::Any);
        assert_eq!(
            names(&amr_only.decide(&claims(amr(&["pwd"])), NOW)),
            vec!["amr:mfa"]
        );
        assert!(amr_only.decide(&claims(amr(&["mfa"])), NOW).is_satisfied());
        let acr_only = Policy::default()
            .with_required_amr(Vec::<String>::new())
            .with_accepted_acr(["gold"])
            .with_combine(Combine::Any);
        assert_eq!(
            names(&acr_only.decide(&claims(amr(&["mfa"])), NOW)),
            vec!["acr"]
        );
        let nothing = Policy::default()
            .with_required_amr(Vec::<String>::new())
            .with_combine(Combine::Any);
        assert!(
            nothing
                .decide(&claims(StepUpClaim::Absent), NOW)
                .is_satisfied()
        );
    }

    #[test]
    fn max_age_needs_numeric_recent_auth_time() {
        let p = Policy::default().with_max_age(300);
        let mut c = claims(amr(&["mfa"]));
        assert_eq!(names(&p.decide(&c, NOW)), vec!["auth_time"]);
        c.auth_time = StepUpClaim::WrongType("string");
        assert_eq!(names(&p.decide(&c, NOW)), vec!["auth_time"]);
        let at = |secs: i64| StepUpClaim::Present(NumericDate::new(secs as f64).unwrap());
        // now - auth_time <= max_age + leeway: exactly at the edge is fine.
        c.auth_time = at(NOW.as_secs() - 360);
        assert!(p.decide(&c, NOW).is_satisfied());
        // A login in the future: fine within the leeway, unjudgeable beyond it.
        c.auth_time = at(NOW.as_secs() + 60);
        assert!(p.decide(&c, NOW).is_satisfied());
        c.auth_time = at(NOW.as_secs() + 61);
        assert_eq!(names(&p.decide(&c, NOW)), vec!["auth_time"]);
        c.auth_time = at(NOW.as_secs() + 86_400);
        assert_eq!(
            names(&p.decide(&c, UnixTime::from_secs(NOW.as_secs() + 3000))),
            vec!["auth_time"]
        );
        c.auth_time = at(NOW.as_secs() - 361);
        let d = p.decide(&c, NOW);
        assert_eq!(names(&d), vec!["fresh_login"]);
        let Decision::StepUp(step_up) = d else {
            panic!("expected step-up");
        };
        assert_eq!(step_up.challenge.max_age, Some(300));
        assert_eq!(step_up.challenge.reason, ChallengeReason::Freshness);
        assert!(step_up.challenge.www_authenticate().contains("More recent"));
        assert!(
            step_up
                .challenge
                .www_authenticate()
                .contains("max_age=\"300\"")
        );
    }
}
