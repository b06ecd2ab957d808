//! What a protected page needs, carried from the layer through `/login?rd=…` to the
//! callback, where the loop guard checks the new login against it.
//!
//! It travels in the login URL in the clear (`amr=mfa&max_age=300`): whoever edits it
//! only changes what the provider is asked for. The decision is never taken from it;
//! the layer decides every request with its own policy.

use serde::{Deserialize, Serialize};
use stepup::{Combine, DEFAULT_LEEWAY, Policy};

/// Bounds on what a login URL may ask for, so the flow cookie stays small.
const MAX_VALUES: usize = 16;
const MAX_VALUE_LEN: usize = 256;

/// A policy in a form that survives a URL and a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Need {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) amr: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) acr: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) any: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_age: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) leeway: Option<u64>,
}

impl Need {
    pub(crate) fn from_policy(policy: &Policy) -> Self {
        Self {
            amr: policy.required_amr().to_vec(),
            acr: policy.accepted_acr().to_vec(),
            any: policy.combine() == Combine::Any,
            max_age: policy.max_auth_age(),
            leeway: (policy.leeway() != DEFAULT_LEEWAY).then_some(policy.leeway()),
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        let mut policy = Policy::default()
            .with_required_amr(self.amr.iter().cloned())
            .with_accepted_acr(self.acr.iter().cloned())
            .with_leeway(self.leeway.unwrap_or(DEFAULT_LEEWAY));
        if self.any {
            policy = policy.with_combine(Combine::Any);
        }
        if let Some(max_age) = self.max_age {
            policy = policy.with_max_age(max_age);
        }
        policy
    }

    /// Whether the login start will accept this need back from a URL.
    pub(crate) fn fits(&self) -> bool {
        [&self.amr, &self.acr].iter().all(|values| {
            values.len() <= MAX_VALUES
                && values
                    .iter()
                    .all(|v| !v.is_empty() && v.len() <= MAX_VALUE_LEN)
        })
    }

    /// Appends the need to a login URL's query.
    pub(crate) fn append_to(&self, query: &mut url::form_urlencoded::Serializer<'_, String>) {
        for value in &self.amr {
            query.append_pair("amr", value);
        }
        for value in &self.acr {
            query.append_pair("acr", value);
        }
        if self.any {
            query.append_pair("combine", "any");
        }
        if let Some(max_age) = self.max_age {
            query.append_pair("max_age", &max_age.to_string());
        }
        if let Some(leeway) = self.leeway {
            query.append_pair("leeway", &leeway.to_string());
        }
    }

    /// Reads the need from a login URL's query (other parameters are ignored).
    pub(crate) fn from_query(query: &str) -> Result<Self, String> {
        let mut need = Self::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let list = match name.as_ref() {
                "amr" => &mut need.amr,
                "acr" => &mut need.acr,
                "combine" => {
                    need.any = match value.as_ref() {
                        "any" => true,
                        "all" => false,
                        other => return Err(format!("combine={other:?} is not any or all")),
                    };
                    continue;
                }
                "max_age" | "leeway" => {
                    let seconds = value
                        .parse::<u64>()
                        .map_err(|_| format!("{name}={value:?} is not a number of seconds"))?;
                    if name == "max_age" {
                        need.max_age = Some(seconds);
                    } else {
                        need.leeway = Some(seconds);
                    }
                    continue;
                }
                _ => continue,
            };
            if list.len() == MAX_VALUES || value.is_empty() || value.len() > MAX_VALUE_LEN {
                return Err(format!(
                    "{name} values must be 1 to {MAX_VALUE_LEN} bytes, at most {MAX_VALUES} of them"
                ));
            }
            list.push(value.into_owned());
        }
        Ok(need)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_query() {
        let policy = Policy::default()
            .with_accepted_acr(["urn:a b", "x&y"])
            .with_combine(Combine::Any)
            .with_max_age(300)
            .with_leeway(5);
        let need = Need::from_policy(&policy);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        need.append_to(&mut query);
        let text = query.finish();
        assert_eq!(
            text,
            "amr=mfa&acr=urn%3Aa+b&acr=x%26y&combine=any&max_age=300&leeway=5"
        );
        assert_eq!(Need::from_query(&text).unwrap(), need);
        assert_eq!(need.policy(), policy);
    }

    #[test]
    fn login_only_is_empty_and_bad_values_are_refused() {
        let login = Policy::default().with_required_amr(Vec::<String>::new());
        assert_eq!(Need::from_policy(&login), Need::default());
        assert_eq!(Need::from_query("rd=%2F").unwrap(), Need::default());
        for bad in ["max_age=-1", "max_age=abc", "combine=some", "amr="] {
            assert!(Need::from_query(bad).is_err(), "{bad}");
        }
        let many = "amr=x&".repeat(17);
        assert!(Need::from_query(&many).is_err());
    }
}
