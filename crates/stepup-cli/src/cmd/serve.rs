//! `stepup serve`: the forward-auth gateway (`stepup-gateway`), its config check and
//! `explain`.

use std::fmt::Write as _;

use stepup::{Decision, UnixTime};
use stepup_gateway::{CLIENT_SECRET_ENV, FileConfig, Settings, normalise_path};

use crate::args::{ExplainArgs, ServeAction, ServeArgs};
use crate::cmd::{Exit, Failure, init_logging, written};
use crate::output;

/// Runs the gateway, checks its configuration, or explains a decision.
pub(crate) fn run(args: &ServeArgs) -> Result<Exit, Failure> {
    let Some(path) = &args.config else {
        return Err(Failure::config(
            "usage",
            "give the configuration with --config FILE (see crates/stepup-gateway/examples/)",
        ));
    };
    let file = FileConfig::load(path).map_err(config_failure)?;
    let settings =
        Settings::resolve(&file, std::env::var(CLIENT_SECRET_ENV).ok()).map_err(config_failure)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::config("runtime", format!("cannot start the async runtime: {e}")))?;
    match &args.action {
        Some(ServeAction::Explain(explain_args)) => {
            runtime.block_on(explain(&settings, explain_args))
        }
        None if args.check_config => runtime.block_on(check(&settings)),
        None => {
            init_logging(&args.log_format);
            runtime
                .block_on(stepup_gateway::serve(settings))
                .map_err(|e| Failure::config("serve_failed", e.to_string()))?;
            Ok(Exit::Success)
        }
    }
}

fn config_failure(error: stepup_gateway::ConfigError) -> Failure {
    Failure::config("invalid_config", error.to_string())
}

/// The resolved rules, one line each.
fn describe_rules(settings: &Settings) -> String {
    let mut text = String::new();
    for rule in &settings.rules {
        let host = rule.host.as_deref().unwrap_or("any host");
        let methods = if rule.methods.is_empty() {
            "any method".to_owned()
        } else {
            rule.methods.join(",")
        };
        let needs = match &rule.policy {
            None => "public".to_owned(),
            Some(policy) => describe_policy(policy),
        };
        let _ = writeln!(
            text,
            "rule[{}] {} ({host}, {methods}): {needs}",
            rule.index, rule.path
        );
    }
    let catch_all = settings
        .rules
        .iter()
        .any(|rule| rule.host.is_none() && rule.methods.is_empty() && rule.path.as_str() == "/**");
    if settings.rules.is_empty() {
        text.push_str("no rules: every request is denied (403)\n");
    } else if !catch_all {
        text.push_str("anything else: denied (403)\n");
    }
    text
}

fn describe_policy(policy: &stepup::Policy) -> String {
    if policy.requires_nothing() {
        return "a login".into();
    }
    let mut parts = Vec::new();
    if !policy.required_amr().is_empty() {
        parts.push(format!(
            "amr contains {}",
            policy.required_amr().join(" and ")
        ));
    }
    if !policy.accepted_acr().is_empty() {
        parts.push(format!(
            "acr is one of {}",
            policy.accepted_acr().join(", ")
        ));
    }
    let joined = match policy.combine() {
        stepup::Combine::Any if parts.len() > 1 => parts.join(" or "),
        _ => parts.join(" and "),
    };
    let mut text = if joined.is_empty() {
        "a login".to_owned()
    } else {
        joined
    };
    if let Some(max_age) = policy.max_auth_age() {
        let _ = write!(text, ", login at most {max_age} s old");
    }
    text
}

/// `--check-config`: the rules, then whether the provider can be reached.
async fn check(settings: &Settings) -> Result<Exit, Failure> {
    written(output::line(&format!(
        "configuration OK\npublic origin {}\nissuer {} (client {}, {} client, profile {})\n{}",
        settings.public_origin,
        settings.issuer,
        settings.client_id,
        if settings.client_secret.is_some() {
            "confidential"
        } else {
            "public"
        },
        settings.profile,
        describe_rules(settings).trim_end()
    )))?;
    let gateway = stepup_gateway::Gateway::new(settings.clone());
    match gateway.connect().await {
        Ok(()) => {
            written(output::line(
                "provider reachable: discovery and keys loaded",
            ))?;
            Ok(Exit::Success)
        }
        Err(e) => Err(Failure::config(
            "provider_unreachable",
            format!(
                "the provider cannot be used yet: {e}; `stepup serve` would start and retry, \
                 with /readyz not ready"
            ),
        )),
    }
}

/// `explain`: the rule, and the verdict for a token if one is given.
async fn explain(settings: &Settings, args: &ExplainArgs) -> Result<Exit, Failure> {
    let path = normalise_path(&args.path).map_err(|e| {
        Failure::config(
            "bad_path",
            format!("{:?} would be refused with 400: {e}", args.path),
        )
    })?;
    let mut text = format!("path {:?} normalises to {path:?}\n", args.path);
    // As the gateway reads them: the host without port or trailing dot; a method
    // that is not upper case is refused (400) before any rule.
    let host = args.host.as_deref().map(stepup_gateway::host_without_port);
    if args.method.is_empty()
        || !args
            .method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-')
    {
        return Err(Failure::config(
            "bad_method",
            format!(
                "the method {:?} would be refused with 400: methods are upper case",
                args.method
            ),
        ));
    }
    let Some(rule) = settings.rule_for(host.as_deref(), &args.method, &path) else {
        text.push_str("no rule matches: denied (403)");
        written(output::line(&text))?;
        return Ok(Exit::Success);
    };
    let _ = writeln!(text, "matches rule[{}] {}", rule.index, rule.path);
    let Some(policy) = &rule.policy else {
        text.push_str("public: allowed without a login");
        written(output::line(&text))?;
        return Ok(Exit::Success);
    };
    let _ = writeln!(text, "needs {}", describe_policy(policy));
    let Some(token) = &args.token else {
        text.push_str("without credentials: API clients get 401, browsers go to the login");
        written(output::line(&text))?;
        return Ok(Exit::Success);
    };
    let verifier = stepup::RemoteVerifier::discover(&settings.issuer, &settings.client_id)
        .await
        .map_err(|e| Failure::config(e.code(), e.to_string()))?;
    let now = UnixTime::now();
    let exit = match verifier.check(token.trim(), policy, now).await {
        Ok((_, Decision::Satisfied)) => {
            text.push_str("with this token: allowed (200 with identity headers)");
            Exit::Success
        }
        Ok((_, Decision::StepUp(step_up))) => {
            let missing: Vec<String> = step_up.missing.iter().map(|m| m.name()).collect();
            let _ = write!(
                text,
                "with this token: step-up needed (missing {}); API clients get 401 \
                 insufficient_user_authentication, browsers go to the login",
                missing.join(", ")
            );
            Exit::StepUp
        }
        Err(e) => {
            let _ = write!(text, "with this token: invalid ({}: {e})", e.code());
            match e.class() {
                stepup::ErrorClass::Token => Exit::Invalid,
                _ => Exit::Usage,
            }
        }
    };
    written(output::line(&text))?;
    Ok(exit)
}
