//! What to ask the provider for, so that the login that comes back can meet a
//! policy (docs/serving.md, "The browser round trip"): `acr_values`, `max_age`, `prompt=login`.
//!
//! What is asked for is never trusted as what happened: the callback and every
//! later request decide on the returned `amr`, `acr` and `auth_time` alone.

use stepup::{Claims, Missing, OKTA_2FA_ANY, PAPE_MULTI_FACTOR, Policy, Profile, UnixTime};

/// The step-up parameters of one authorization request (and of an API challenge).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ask {
    /// `acr_values`, space-separated on the wire; empty for none.
    pub acr_values: Vec<String>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// Whether to send `prompt=login` (re-authenticate even with a provider session).
    pub prompt_login: bool,
    /// What the current login lacks (all of the policy's requirements without one).
    pub missing: Vec<Missing>,
}

/// How the provider is asked for a second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MfaRequest {
    /// The `acr_values` that make this provider ask for a second factor, if any.
    pub(crate) acr_values: Vec<String>,
    /// Generic providers have no such value: a step-up is asked with `prompt=login`.
    pub(crate) prompt_login: bool,
}

impl MfaRequest {
    /// What each profile sends: the PAPE multi-factor URI for Auth0 (and the
    /// development provider, which answers as Auth0 does), Okta's 2FA level, the
    /// configured Keycloak level; `prompt=login` for generic providers and Cognito.
    pub(crate) fn for_profile(profile: &Profile) -> Self {
        let acr = |value: &str| Self {
            acr_values: vec![value.to_owned()],
            prompt_login: false,
        };
        match profile {
            Profile::Auth0 => acr(PAPE_MULTI_FACTOR),
            Profile::Okta => acr(OKTA_2FA_ANY),
            Profile::Keycloak { acr_level } => acr(acr_level),
            Profile::Generic | Profile::Cognito => Self {
                acr_values: Vec::new(),
                prompt_login: true,
            },
        }
    }
}

impl Ask {
    /// What an app built on this crate asks `profile`'s provider for when the login
    /// with `current` claims falls short of `policy` at `now`: the same parameters its
    /// browser login start sends. For tools that explain a decision (the CLI's
    /// `verify`) without running the flow.
    ///
    /// ```
    /// use stepup::{Claims, Policy, Profile, StepUpClaim, UnixTime};
    /// use stepup_axum::Ask;
    ///
    /// let password_only = Claims { amr: StepUpClaim::Present(vec!["pwd".into()]), ..Claims::default() };
    /// let ask = Ask::for_step_up(&Profile::Generic, &Policy::default(), &password_only, UnixTime::from_secs(0));
    /// assert_eq!(ask.authorize_params(), [("prompt", "login".to_owned())]);
    /// ```
    pub fn for_step_up(
        profile: &Profile,
        policy: &Policy,
        current: &Claims,
        now: UnixTime,
    ) -> Self {
        Self::for_login(
            policy,
            Some(current),
            &MfaRequest::for_profile(profile),
            now,
        )
    }

    /// The parameters to add to the authorization request, unencoded, in the order
    /// they are sent: `acr_values` (space-separated), `max_age`, `prompt=login`, each
    /// only when it applies.
    pub fn authorize_params(&self) -> Vec<(&'static str, String)> {
        // `acr_values` and `max_age` exactly as the core's challenge writes them.
        let mut params = stepup::Challenge {
            acr_values: self.acr_values.clone(),
            max_age: self.max_age,
            ..stepup::Challenge::default()
        }
        .authorize_params();
        if self.prompt_login {
            params.push(("prompt", "login".to_owned()));
        }
        params
    }

    /// What to ask for so that a login can meet `policy`, given the current login's
    /// claims (`None`: no session, a first login).
    pub(crate) fn for_policy(
        policy: &Policy,
        current: Option<&Claims>,
        mfa: &MfaRequest,
        now: UnixTime,
    ) -> Self {
        let missing = policy
            .decide(current.unwrap_or(&Claims::default()), now)
            .missing()
            .to_vec();
        let level = missing
            .iter()
            .any(|m| matches!(m, Missing::Amr(_) | Missing::Acr));
        let freshness = missing
            .iter()
            .any(|m| matches!(m, Missing::FreshLogin | Missing::AuthTime));
        let acr_values = if !level {
            Vec::new()
        } else if !policy.accepted_acr().is_empty() {
            // The rule's own acr list, on any profile.
            policy.accepted_acr().to_vec()
        } else {
            mfa.acr_values.clone()
        };
        // A step-up, not a first login: a generic provider would otherwise answer
        // from its session with the same weak login again.
        let step_up_by_prompt = level && current.is_some() && mfa.prompt_login;
        Self {
            acr_values,
            max_age: policy.max_auth_age(),
            prompt_login: (freshness && current.is_some()) || step_up_by_prompt,
            missing,
        }
    }

    /// What the browser's login start asks for: as [`Ask::for_policy`], and when a
    /// fresh login is forced (`prompt=login`) over a session that already meets the
    /// level, the level too. A fresh login replaces the session, and the login that
    /// comes back proves only what happened in it (a password alone gives `amr`
    /// `["pwd"]`): without asking, a stale multi-factor session would come back as a
    /// password login and meet the loop guard.
    pub(crate) fn for_login(
        policy: &Policy,
        current: Option<&Claims>,
        mfa: &MfaRequest,
        now: UnixTime,
    ) -> Self {
        let mut ask = Self::for_policy(policy, current, mfa, now);
        let level_required = !policy.required_amr().is_empty() || !policy.accepted_acr().is_empty();
        if ask.prompt_login && ask.acr_values.is_empty() && level_required {
            ask.acr_values = if policy.accepted_acr().is_empty() {
                mfa.acr_values.clone()
            } else {
                policy.accepted_acr().to_vec()
            };
        }
        ask
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stepup::{NumericDate, StepUpClaim};

    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

    fn login(amr: &[&str], age: i64) -> Claims {
        Claims {
            amr: StepUpClaim::Present(amr.iter().map(|s| s.to_string()).collect()),
            auth_time: StepUpClaim::Present(
                NumericDate::new((NOW.as_secs() - age) as f64).unwrap(),
            ),
            ..Claims::default()
        }
    }

    #[test]
    fn auth0_asks_with_the_pape_acr_and_generic_with_prompt_login() {
        let policy = Policy::default().with_max_age(300);
        let auth0 = MfaRequest::for_profile(&Profile::Auth0);
        let first = Ask::for_policy(&policy, None, &auth0, NOW);
        assert_eq!(first.acr_values, [PAPE_MULTI_FACTOR]);
        assert_eq!(first.max_age, Some(300));
        assert!(!first.prompt_login, "a first login needs no prompt=login");
        let step_up = Ask::for_policy(&policy, Some(&login(&["pwd"], 10)), &auth0, NOW);
        assert_eq!(step_up.acr_values, [PAPE_MULTI_FACTOR]);
        assert!(!step_up.prompt_login);
        assert_eq!(step_up.missing, [Missing::Amr("mfa".into())]);

        let generic = MfaRequest::for_profile(&Profile::Generic);
        let step_up = Ask::for_policy(&policy, Some(&login(&["pwd"], 10)), &generic, NOW);
        assert!(step_up.acr_values.is_empty());
        assert!(step_up.prompt_login);
        assert!(!Ask::for_policy(&policy, None, &generic, NOW).prompt_login);
    }

    #[test]
    fn freshness_asks_prompt_login_everywhere_and_rule_acr_wins() {
        let policy = Policy::default().with_max_age(300);
        for profile in [Profile::Auth0, Profile::Okta, Profile::Generic] {
            let mfa = MfaRequest::for_profile(&profile);
            let old = Ask::for_policy(&policy, Some(&login(&["pwd", "mfa"], 1000)), &mfa, NOW);
            assert!(old.prompt_login, "{profile}");
            assert!(old.acr_values.is_empty(), "{profile}: level is met");
            assert_eq!(old.missing, [Missing::FreshLogin]);
        }
        let gold = Policy::default()
            .with_required_amr(Vec::<String>::new())
            .with_accepted_acr(["gold"]);
        let okta = MfaRequest::for_profile(&Profile::Okta);
        assert_eq!(
            Ask::for_policy(&gold, None, &okta, NOW).acr_values,
            ["gold"]
        );
        let satisfied = Ask::for_policy(&policy, Some(&login(&["mfa"], 10)), &okta, NOW);
        assert!(satisfied.missing.is_empty() && satisfied.acr_values.is_empty());
    }

    #[test]
    fn a_forced_fresh_login_asks_for_the_level_again() {
        let policy = Policy::default().with_max_age(300);
        let stale = login(&["pwd", "mfa"], 1000);
        let auth0 = MfaRequest::for_profile(&Profile::Auth0);
        let ask = Ask::for_login(&policy, Some(&stale), &auth0, NOW);
        assert!(ask.prompt_login);
        assert_eq!(ask.acr_values, [PAPE_MULTI_FACTOR]);
        assert_eq!(ask.max_age, Some(300));
        assert_eq!(
            ask.missing,
            [Missing::FreshLogin],
            "what is missing is unchanged"
        );
        let okta = MfaRequest::for_profile(&Profile::Okta);
        assert_eq!(
            Ask::for_login(&policy, Some(&stale), &okta, NOW).acr_values,
            [OKTA_2FA_ANY]
        );
        // The rule's own acr list wins; a generic provider has no MFA value to send.
        let gold = Policy::default()
            .with_required_amr(Vec::<String>::new())
            .with_accepted_acr(["gold"])
            .with_max_age(300);
        let mut gold_login = login(&["pwd"], 1000);
        gold_login.acr = StepUpClaim::Present("gold".into());
        let generic = MfaRequest::for_profile(&Profile::Generic);
        assert_eq!(
            Ask::for_login(&gold, Some(&gold_login), &generic, NOW).acr_values,
            ["gold"]
        );
        assert!(
            Ask::for_login(&policy, Some(&stale), &generic, NOW)
                .acr_values
                .is_empty()
        );
        // A login-only rule with max_age asks for freshness alone.
        let recent = Policy::default()
            .with_required_amr(Vec::<String>::new())
            .with_max_age(300);
        let ask = Ask::for_login(&recent, Some(&stale), &auth0, NOW);
        assert!(ask.prompt_login && ask.acr_values.is_empty());
        // No fresh login forced: the same as for_policy.
        let short = login(&["pwd"], 10);
        assert_eq!(
            Ask::for_login(&policy, Some(&short), &auth0, NOW),
            Ask::for_policy(&policy, Some(&short), &auth0, NOW)
        );
    }
}
