//! The example configurations that are not run by a real proxy here still say what the
//! gateway expects, and the example `stepup.toml` resolves.

use stepup_gateway::{FileConfig, IDENTITY_HEADERS, Require};

use crate::proxy::example;

fn read(relative: &str) -> String {
    std::fs::read_to_string(example(relative)).unwrap()
}

#[test]
fn the_example_stepup_toml_resolves_into_its_rules() {
    let file = FileConfig::from_toml(&read("stepup.toml")).unwrap();
    assert_eq!(file.listen.to_string(), "127.0.0.1:4180");
    let rules = file.rules().unwrap();
    assert_eq!(rules.len(), file.rules.len());
    assert!(file.rules.iter().any(|r| r.require == Require::Mfa));
    // `/` is public; `/account/security/x` needs MFA within 5 minutes; an API write
    // needs MFA, a read a login.
    let rule = |method: &str, path: &str| {
        rules
            .iter()
            .find(|r| r.matches(Some("app.example.com"), method, path))
            .unwrap()
    };
    assert!(rule("GET", "/").policy.is_none());
    let security = rule("GET", "/account/security/password")
        .policy
        .clone()
        .unwrap();
    assert_eq!(security.max_auth_age(), Some(300));
    assert!(
        rule("GET", "/api/items")
            .policy
            .clone()
            .unwrap()
            .required_amr()
            .is_empty()
    );
    assert_eq!(
        rule("POST", "/api/items")
            .policy
            .clone()
            .unwrap()
            .required_amr(),
        ["mfa"]
    );
}

#[test]
fn the_proxy_examples_name_every_identity_header_and_endpoint() {
    let nginx = read("nginx/nginx.conf");
    let caddy = read("caddy/Caddyfile");
    let traefik = read("traefik/dynamic.yml");
    let envoy = read("envoy/envoy.yaml");
    assert!(nginx.contains("proxy_pass http://stepup_gateway/auth/nginx;"));
    assert!(nginx.contains("error_page 403 = /stepup/denied;"));
    assert!(caddy.contains("uri /auth/forward"));
    assert!(traefik.contains("address: \"http://127.0.0.1:4180/auth/forward\""));
    assert!(traefik.contains("trustForwardHeader: false"));
    assert!(envoy.contains("path_prefix: /auth/envoy"));
    // Every spelling of the identity headers with `_` for a `-` (which CGI, WSGI, PHP-FPM
    // and Rack read as the real ones) is dropped, removed or refused (the runs of nginx
    // and Caddy in `proxies` check it on the wire).
    assert!(nginx.contains("\n    underscores_in_headers off;\n"));
    assert!(nginx.contains("\n    ignore_invalid_headers on;\n"));
    for prefix in ["X-Stepup-", "X-Stepup_", "X_stepup-", "X_stepup_"] {
        assert!(
            caddy.contains(&format!("request_header -{prefix}*\n")),
            "Caddyfile: {prefix}*"
        );
    }
    assert!(traefik.contains("authResponseHeadersRegex: \"(?i)^x[-_]stepup[-_]\"\n"));
    assert!(envoy.contains("headers_with_underscores_action: REJECT_REQUEST\n"));
    assert!(envoy.contains("strip_trailing_host_dot: true\n"));
    // Routing by host, which `host` rules rely on (nginx: checked in `proxies`).
    assert!(nginx.contains("include server_name.conf;"));
    assert!(!nginx.contains("server_name _;"));
    assert!(!traefik.contains("rule: \"PathPrefix"));
    assert_eq!(
        traefik
            .matches("rule: \"Host(`app.example.com`) && ")
            .count(),
        2
    );
    assert!(envoy.contains("domains: [\"app.example.com\"]\n"));
    assert!(!envoy.contains("domains: [\"*\"]\n"));
    for name in IDENTITY_HEADERS {
        let title: String = name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().unwrap().to_ascii_uppercase().to_string() + chars.as_str()
            })
            .collect::<Vec<_>>()
            .join("-");
        let variable = name.replace('-', "_");
        // nginx: taken from the auth answer, and set (overwriting) for the app.
        assert!(
            nginx.contains(&format!("$upstream_http_{variable};")),
            "nginx.conf: {name}"
        );
        let short = variable.trim_start_matches("x_");
        assert!(
            nginx.contains(&format!("proxy_set_header {title} ${short};")),
            "nginx.conf: {title}"
        );
        // Caddy: removed from the client's request (the prefixes above), then copied
        // from the answer.
        assert!(
            caddy.contains(&format!(" {title}")),
            "Caddyfile copy_headers: {title}"
        );
        // Traefik: stripped first, then copied from the answer.
        assert!(
            traefik.contains(&format!("- {title}\n")),
            "dynamic.yml: {title}"
        );
        assert!(
            traefik.contains(&format!("{title}: \"\"")),
            "dynamic.yml: {title}"
        );
        // Envoy: removed first, then allowed from the answer to the app.
        assert!(
            envoy.contains(&format!("remove: {name}\n")),
            "envoy.yaml: {name}"
        );
        assert!(
            envoy.contains(&format!("exact: {name}\n")),
            "envoy.yaml: {name}"
        );
    }
}
