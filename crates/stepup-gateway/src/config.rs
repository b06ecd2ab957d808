//! `stepup.toml`: the gateway's configuration as data (serde, unknown keys refused),
//! resolved once into rules with compiled globs and policies.
//!
//! ```toml
//! listen = "127.0.0.1:4180"
//! public_url = "https://app.example.com"
//!
//! [provider]
//! issuer = "https://login.example.com"
//! client_id = "app"
//! client_secret_file = "/run/secrets/client"   # or env STEPUP_CLIENT_SECRET; none = public client
//! client_auth = "client_secret_basic"          # or "client_secret_post"
//! profile = "generic"                          # auth0 | okta | cognito | keycloak:<level>
//!
//! [session]
//! key_files = ["/run/secrets/session-key"]     # ≥ 32 bytes each; the first seals
//! lifetime = 43200
//!
//! [[rule]]                                     # first match wins; no match = 403
//! path = "/admin/**"
//! require = "mfa"                              # public | login | mfa
//! max_age = 300                                # optional; also amr = [...], acr = [...]
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use stepup::{Policy, Profile};

use crate::glob::PathGlob;

/// The default session lifetime: 12 hours (a copied cookie stays valid until then).
pub const DEFAULT_LIFETIME: u64 = 12 * 3600;

/// The configuration file as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Where the gateway listens (the proxy's auth requests, and `/stepup/*`).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Where browsers reach the app and `/stepup/*` through the proxy.
    pub public_url: String,
    /// The OpenID Provider and this client.
    pub provider: ProviderConfig,
    /// The session cookie.
    pub session: SessionConfig,
    /// The rules, first match wins.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleConfig>,
}

/// `[provider]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The issuer; its discovery document gives the endpoints and keys.
    pub issuer: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// A file holding the client secret (one trailing newline is dropped). Without
    /// it (and without `STEPUP_CLIENT_SECRET`), the client is public and uses PKCE.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// `client_secret_basic` (default) or `client_secret_post`.
    #[serde(default)]
    pub client_auth: ClientAuthName,
    /// How the provider is asked for MFA, and what `require = "mfa"` means.
    #[serde(default = "default_profile")]
    pub profile: String,
}

/// `client_auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthName {
    /// HTTP Basic.
    #[default]
    ClientSecretBasic,
    /// In the form body.
    ClientSecretPost,
}

/// `[session]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Files of at least 32 bytes each; the first seals, all open. Relative paths are
    /// relative to the configuration file.
    pub key_files: Vec<PathBuf>,
    /// Seconds a session lasts. Default 12 hours.
    #[serde(default = "default_lifetime")]
    pub lifetime: u64,
}

/// One `[[rule]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// A path glob (`*` within a segment, `**` any number of segments).
    pub path: String,
    /// Only requests for this host (the `Host` the proxy reports), case-insensitive.
    /// Sound only when the proxy routes by host: if every Host reaches the same app,
    /// a client picks the rule by picking the Host.
    #[serde(default)]
    pub host: Option<String>,
    /// Only these methods (upper case); default all.
    #[serde(default)]
    pub methods: Vec<String>,
    /// `public`, `login` or `mfa`.
    pub require: Require,
    /// `amr` values that must all be present (replaces `mfa`'s default `["mfa"]`).
    #[serde(default)]
    pub amr: Option<Vec<String>>,
    /// Accepted `acr` values (any one).
    #[serde(default)]
    pub acr: Option<Vec<String>>,
    /// The login must be at most this many seconds old.
    #[serde(default)]
    pub max_age: Option<u64>,
}

/// What a rule requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Require {
    /// Nothing: the request goes through without a login.
    Public,
    /// A valid login.
    Login,
    /// A multi-factor login, as the provider profile defines it.
    Mfa,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 4180))
}
fn default_profile() -> String {
    "generic".into()
}
fn default_lifetime() -> u64 {
    DEFAULT_LIFETIME
}

/// A configuration mistake: names the key and says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The key, e.g. `rule[2].path` or `session.key_files[0]`.
    pub key: String,
    /// What is wrong and what to do.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.reason)
    }
}

impl std::error::Error for ConfigError {}

fn error(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        reason: reason.into(),
    }
}

/// A rule, resolved: its matchers and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its position in the file (0-based), for messages and metrics.
    pub index: usize,
    /// The path glob.
    pub path: PathGlob,
    /// The host, lower case.
    pub host: Option<String>,
    /// The methods, upper case; empty = all.
    pub methods: Vec<String>,
    /// `None` for a public rule; otherwise the policy a login must meet.
    pub policy: Option<Policy>,
}

impl Rule {
    /// Whether the rule covers a request for `host` (without port), `method` and the
    /// normalised `path`.
    pub fn matches(&self, host: Option<&str>, method: &str, path: &str) -> bool {
        let host_ok = match (&self.host, host) {
            (None, _) => true,
            (Some(want), Some(host)) => want.eq_ignore_ascii_case(host),
            (Some(_), None) => false,
        };
        // HEAD is served by the GET handler in nearly every framework: a rule for GET
        // covers HEAD too, so HEAD cannot slip past it to a looser rule.
        let method_ok = self.methods.is_empty()
            || self
                .methods
                .iter()
                .any(|m| m == method || (method == "HEAD" && m == "GET"));
        host_ok && method_ok && self.path.matches(path)
    }
}

impl FileConfig {
    /// Parses TOML text; unknown keys and wrong types are errors naming the key.
    ///
    /// # Errors
    /// A [`ConfigError`] with the key (or `config` for syntax errors).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        // toml's message names the key and shows the line it is on.
        toml::from_str(text).map_err(|e| error("config", e.to_string().trim_end().to_owned()))
    }

    /// Reads and parses a file.
    ///
    /// # Errors
    /// A [`ConfigError`] when the file cannot be read or parsed.
    /// Relative paths in it (`client_secret_file`, `key_files`) are taken relative to
    /// the file's own directory, not the working directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| error("config", format!("cannot read {}: {e}", path.display())))?;
        let mut config = Self::from_toml(&text)?;
        if let Some(dir) = path.parent() {
            let anchor = |file: &mut PathBuf| {
                if file.is_relative() {
                    *file = dir.join(&*file);
                }
            };
            if let Some(file) = config.provider.client_secret_file.as_mut() {
                anchor(file);
            }
            config.session.key_files.iter_mut().for_each(anchor);
        }
        Ok(config)
    }

    /// The rules with compiled globs and policies, checked.
    ///
    /// # Errors
    /// The first mistake, naming its key: a bad glob, a method that is not upper-case
    /// letters, policy fields on a public rule, an empty `amr`/`acr` list, a bad profile.
    pub fn rules(&self) -> Result<Vec<Rule>, ConfigError> {
        let profile: Profile = self
            .provider
            .profile
            .parse()
            .map_err(|e: stepup::Error| error("provider.profile", e.to_string()))?;
        self.rules
            .iter()
            .enumerate()
            .map(|(index, rule)| resolve_rule(index, rule, &profile))
            .collect()
    }
}

fn resolve_rule(index: usize, rule: &RuleConfig, profile: &Profile) -> Result<Rule, ConfigError> {
    let key = |field: &str| format!("rule[{index}].{field}");
    let path = PathGlob::new(&rule.path).map_err(|e| error(key("path"), e.to_string()))?;
    for method in &rule.methods {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(error(
                key("methods"),
                format!("{method:?} is not an HTTP method in upper case, such as \"GET\""),
            ));
        }
    }
    if let Some(host) = &rule.host {
        let valid = !host.is_empty()
            && !host.ends_with('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !valid {
            return Err(error(
                key("host"),
                format!(
                    "{host:?} must be one host name as the Host header carries it: ASCII \
                     letters, digits, - and . (punycode for international names), no \
                     wildcard, port, scheme, path or trailing dot"
                ),
            ));
        }
    }
    for (field, list) in [("amr", &rule.amr), ("acr", &rule.acr)] {
        if let Some(values) = list
            && (values.is_empty() || values.iter().any(String::is_empty))
        {
            return Err(error(
                key(field),
                "list at least one non-empty value, or leave the key out",
            ));
        }
    }
    let has_policy_fields = rule.amr.is_some() || rule.acr.is_some() || rule.max_age.is_some();
    let policy = match rule.require {
        Require::Public if has_policy_fields => {
            return Err(error(
                key("require"),
                "a public rule needs no login, so amr, acr and max_age make no sense on it; \
                 use require = \"login\" or \"mfa\"",
            ));
        }
        Require::Public => None,
        Require::Login => Some(Policy::default().with_required_amr(Vec::<String>::new())),
        Require::Mfa => Some(profile.policy()),
    };
    let policy = policy.map(|mut policy| {
        if let Some(amr) = &rule.amr {
            policy = policy.with_required_amr(amr.iter().cloned());
        }
        if let Some(acr) = &rule.acr {
            policy = policy.with_accepted_acr(acr.iter().cloned());
        }
        if let Some(max_age) = rule.max_age {
            policy = policy.with_max_age(max_age);
        }
        policy
    });
    Ok(Rule {
        index,
        path,
        host: rule.host.as_ref().map(|h| h.to_ascii_lowercase()),
        methods: rule.methods.clone(),
        policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
public_url = "https://app.example.com"
[provider]
issuer = "https://login.example.com"
client_id = "app"
[session]
key_files = ["/run/secrets/session-key"]
"#;

    fn config(rules: &str) -> FileConfig {
        FileConfig::from_toml(&format!("{BASE}{rules}")).unwrap()
    }

    #[test]
    fn relative_secret_paths_are_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("stepup-gw-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("stepup.toml");
        std::fs::write(
            &file,
            BASE.replace("/run/secrets/session-key", "keys/session")
                .replace(
                    "client_id = \"app\"",
                    "client_id = \"app\"\nclient_secret_file = \"secret\"",
                ),
        )
        .unwrap();
        let config = FileConfig::load(&file).unwrap();
        assert_eq!(config.session.key_files, [dir.join("keys/session")]);
        assert_eq!(config.provider.client_secret_file, Some(dir.join("secret")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_design_example_resolves() {
        let c = config(
            "[[rule]]\npath = \"/admin/**\"\nrequire = \"mfa\"\nmax_age = 300\n\
             [[rule]]\npath = \"/**\"\nrequire = \"public\"\n",
        );
        assert_eq!(c.listen, "127.0.0.1:4180".parse().unwrap());
        assert_eq!(c.session.lifetime, 43_200);
        let rules = c.rules().unwrap();
        let admin = rules[0].policy.as_ref().unwrap();
        assert_eq!(admin.required_amr(), ["mfa"]);
        assert_eq!(admin.max_auth_age(), Some(300));
        assert!(rules[1].policy.is_none());
        assert!(rules[0].matches(Some("app.example.com"), "GET", "/admin"));
        assert!(!rules[0].matches(None, "GET", "/public"));
        let get_only =
            config("[[rule]]\npath = \"/r/*\"\nrequire = \"mfa\"\nmethods = [\"GET\"]\n")
                .rules()
                .unwrap();
        assert!(
            get_only[0].matches(None, "HEAD", "/r/q3"),
            "HEAD is covered by GET"
        );
        assert!(!get_only[0].matches(None, "POST", "/r/q3"));
    }

    #[test]
    fn unknown_keys_and_values_are_errors_that_name_them() {
        let err = FileConfig::from_toml(&format!("{BASE}listen_on = 1\n")).unwrap_err();
        assert!(err.to_string().contains("listen_on"), "{err}");
        let err = FileConfig::from_toml(&format!(
            "{BASE}[[rule]]\npath = \"/\"\nrequire = \"mfa!\"\n"
        ))
        .unwrap_err();
        assert!(err.to_string().contains("mfa!"), "{err}");
        let err = FileConfig::from_toml(&format!(
            "{BASE}[[rule]]\npath = \"/\"\nrequire = \"login\"\nmax_ag = 3\n"
        ))
        .unwrap_err();
        assert!(err.to_string().contains("max_ag"), "{err}");
    }

    #[test]
    fn rule_mistakes_name_the_key() {
        for (rule, key) in [
            ("path = \"admin\"\nrequire = \"login\"", "rule[0].path"),
            ("path = \"/a**\"\nrequire = \"login\"", "rule[0].path"),
            (
                "path = \"/\"\nrequire = \"login\"\nmethods = [\"get\"]",
                "rule[0].methods",
            ),
            (
                "path = \"/\"\nrequire = \"public\"\nmax_age = 5",
                "rule[0].require",
            ),
            ("path = \"/\"\nrequire = \"mfa\"\namr = []", "rule[0].amr"),
            (
                "path = \"/\"\nrequire = \"mfa\"\nhost = \"https://x\"",
                "rule[0].host",
            ),
        ] {
            let err = config(&format!("[[rule]]\n{rule}\n")).rules().unwrap_err();
            assert_eq!(err.key, key, "{rule}: {err}");
        }
        let mut c = config("");
        c.provider.profile = "keycloak:".into();
        assert_eq!(c.rules().unwrap_err().key, "provider.profile");
    }

    #[test]
    fn mfa_follows_the_profile_and_fields_refine_it() {
        let mut c = config(
            "[[rule]]\npath = \"/pay/**\"\nrequire = \"mfa\"\n\
             [[rule]]\npath = \"/hw/**\"\nrequire = \"mfa\"\namr = [\"hwk\"]\n\
             [[rule]]\npath = \"/fresh\"\nrequire = \"login\"\nmax_age = 60\n",
        );
        c.provider.profile = "auth0".into();
        let rules = c.rules().unwrap();
        let pay = rules[0].policy.as_ref().unwrap();
        assert_eq!(pay.accepted_acr(), [stepup::PAPE_MULTI_FACTOR]);
        assert_eq!(rules[1].policy.as_ref().unwrap().required_amr(), ["hwk"]);
        let fresh = rules[2].policy.as_ref().unwrap();
        assert!(fresh.required_amr().is_empty());
        assert_eq!(fresh.max_auth_age(), Some(60));
    }
}
